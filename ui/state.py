"""Shared workbench plumbing: the open project, the model, the coder, cached reads and safe writes.

Why here: every page needs the same three things done the same way: one Database per
project file for the whole server (st.cache_resource), query results cached until the
data changes (st.cache_data keyed by a data version), and writes that run in one
transaction under the coder's name and turn engine errors into a readable message.
"""
from __future__ import annotations

import importlib
import re
import tempfile
from pathlib import Path
from typing import Any, Callable

import streamlit as st

from corpus.errors import InputError
from models import Database, open_database, resolve_url

HUMAN_ROLES = ("coder", "supervisor")
_PUNCT = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'^@%/])")


# --- the project database and the model ---------------------------------------------------------


def db_url() -> str:
    """The project this browser session works on: chosen on the Project page, else COCODE_DB, else ./cocode.db."""
    url = st.session_state.get("db_url")
    if not url:
        url = resolve_url(None)
        st.session_state["db_url"] = url
    return url


@st.cache_resource(show_spinner=False, max_entries=8)
def _open(url: str) -> Database:
    return open_database(url)


def database() -> Database:
    return _open(db_url())


@st.cache_resource(show_spinner="Loading the suggestion model (first time only)…")
def model() -> Any:
    """The sentence-embedding model, loaded once per server process and shared by every session."""
    from coding.embeddings import load_model

    return load_model()


# --- the coder --------------------------------------------------------------------------------


def coder() -> str | None:
    return st.session_state.get("coder") or None


def coder_role() -> str | None:
    return st.session_state.get("coder_role")


# --- cached reads, invalidated by a data version -------------------------------------------------


def refresh_version() -> None:
    """Once per full run: the store's change counter (grows with every audited write, from any process)."""
    from coding.segment_view import data_version

    with database().session() as s:
        st.session_state["_store_version"] = data_version(s)


def bump() -> None:
    """After a write from this session: invalidates every cached read at once."""
    st.session_state["_writes"] = st.session_state.get("_writes", 0) + 1


def version() -> tuple[int, int]:
    return st.session_state.get("_store_version", 0), st.session_state.get("_writes", 0)


@st.cache_data(show_spinner=False, max_entries=512, ttl=600)
def _cached(url: str, data_version: tuple[int, int], module: str, name: str, args: tuple, kwargs: tuple) -> Any:
    fn = getattr(importlib.import_module(module), name)
    with _open(url).session() as s:
        return fn(s, *args, **dict(kwargs))


def query(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """fn(session, *args, **kwargs), cached until the data changes. fn must live in an importable module
    (coding.* or ui.*, not a page script) because the cache finds it again by module and name."""
    return _cached(db_url(), version(), fn.__module__, fn.__name__, args, tuple(sorted(kwargs.items())))


def read(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Uncached read (for results that are not plain data, e.g. ORM rows used at once)."""
    with database().session() as s:
        return fn(s, *args, **kwargs)


def write(fn: Callable[..., Any], *args: Any, quiet: bool = False, **kwargs: Any) -> tuple[bool, Any]:
    """Run one engine write in its own transaction, as the current coder. Returns (ok, result or message)."""
    from coding.errors import CocodeError

    try:
        with database().session(coder() or "workbench") as s:
            result = fn(s, *args, **kwargs)
    except (CocodeError, InputError) as exc:
        if not quiet:
            st.error(str(exc))
        return False, str(exc)
    bump()
    return True, result


def flash(key: str, message: str, kind: str = "success") -> None:
    """A message to show on the next run (callbacks run before the page is drawn)."""
    st.session_state.setdefault("_flash", {})[key] = (kind, message)


def show_flash(key: str) -> None:
    kind, message = st.session_state.get("_flash", {}).pop(key, (None, None))
    if message:
        getattr(st, kind)(message)


# --- safe display ------------------------------------------------------------------------------


def escape_md(text: str | None) -> str:
    """Transcript text as inert Markdown: every ASCII punctuation mark backslash-escaped (no links,
    images, HTML, emphasis or directives can come from a transcript) and line breaks kept."""
    if not text:
        return ""
    lines = [_PUNCT.sub(r"\\\1", line.strip()) for line in str(text).splitlines()]
    return "  \n".join(lines)


def chip_html(label: str, color: str | None) -> str:
    """A code label in its colour. The colour is validated and the label HTML-escaped; never transcript text."""
    import html

    color = color if color and re.fullmatch(r"#[0-9A-Fa-f]{6}", color) else "#888888"
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    ink = "#000000" if (0.299 * r + 0.587 * g + 0.114 * b) > 150 else "#FFFFFF"
    return (f'<span style="background:{color};color:{ink};border-radius:0.6em;padding:0.1em 0.6em;'
            f'margin:0 0.3em 0.2em 0;display:inline-block;font-size:0.85em">{html.escape(label)}</span>')


# --- uploads -------------------------------------------------------------------------------------


def save_uploads(files: list[Any]) -> tuple[Path, list[Path]]:
    """Uploaded files into a private temp folder under their own names (document names come from them)."""
    folder = Path(tempfile.mkdtemp(prefix="cocode-upload-"))
    paths = []
    for f in files:
        name = Path(f.name).name or "upload"
        path = folder / name
        path.write_bytes(f.getvalue())
        paths.append(path)
    return folder, paths


def require_coder() -> str | None:
    """The current coder, or a hint to choose one in the sidebar."""
    name = coder()
    if not name:
        st.info("Choose who you are in the sidebar (**Coder**) to code, accept suggestions or write memos.")
    return name
