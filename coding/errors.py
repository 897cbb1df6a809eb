"""Errors the engine reports to people (CLI: one line, exit 2; UI: st.error)."""
from __future__ import annotations


class CocodeError(RuntimeError):
    """A request that cannot be carried out: unknown document, unknown code, empty codebook, ..."""


class ConflictError(CocodeError):
    """Someone else changed this coding since you loaded it; reload and decide again."""
