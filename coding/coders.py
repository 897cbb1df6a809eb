"""Coders: people, the machine ('model') and the adjudicated 'consensus'."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Coder

MODEL = "model"
CONSENSUS = "consensus"


def get_coder(s: Session, name: str, role: str | None = None) -> Coder:
    """Find a coder by name, creating it on first use (the machine and consensus get their own roles)."""
    name = name.strip()
    if not name:
        from .errors import CocodeError

        raise CocodeError("a coder needs a name")
    coder = s.scalar(select(Coder).where(Coder.name == name))
    if coder is None:
        default_role = {MODEL: "model", CONSENSUS: "consensus"}.get(name, "coder")
        coder = Coder(name=name, role=role or default_role)
        s.add(coder)
        s.flush()
    elif role and coder.role != role and coder.role not in ("model", "consensus"):
        coder.role = role
    return coder


def list_coders(s: Session) -> list[Coder]:
    return list(s.scalars(select(Coder).order_by(Coder.name)))
