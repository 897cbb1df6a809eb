"""Whose coding a table shows: everyone's confirmed codes, the settled consensus, or one coder."""
from __future__ import annotations

import streamlit as st

from ui import state
from ui.sidebar import _people

EVERYONE, CONSENSUS = "__everyone__", "__consensus__"
LABELS = {EVERYONE: "Everyone's confirmed codes", CONSENSUS: "Consensus (settled view)"}


def view_picker(key: str) -> dict:
    """A selectbox; returns the keyword arguments (coder= / consensus=) for coding.counting and coding.exports."""
    people = [n for n, _ in state.query(_people)]
    choice = st.selectbox(
        "Whose coding", [EVERYONE, CONSENSUS, *people], format_func=lambda o: LABELS.get(o, o), key=key,
        help="Everyone: a code counts when any coder confirmed it. Consensus: adjudicated decisions, else the "
             "agreement of every coder who coded the document. Or one coder's own codes.",
    )
    if choice == CONSENSUS:
        return {"consensus": True}
    if choice == EVERYONE or choice is None:
        return {}
    return {"coder": choice}


def comparable_coders(s) -> list[str]:  # noqa: ANN001
    """People and the machine (the consensus is what agreement leads to, not a coder to compare)."""
    from coding.coders import list_coders

    return [c.name for c in list_coders(s) if c.role in ("coder", "supervisor", "model")]
