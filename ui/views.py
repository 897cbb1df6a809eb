"""Whose coding a table shows: everyone's confirmed codes, the settled consensus, or one coder."""
from __future__ import annotations

import streamlit as st

from ui import state
from ui.sidebar import _people

EVERYONE, CONSENSUS = "__everyone__", "__consensus__"
LABELS = {EVERYONE: "Everyone's confirmed codes", CONSENSUS: "Consensus (settled view)"}


def blind_for_me() -> bool:
    """In the blind phase a coder (not a supervisor) must not see other people's coding, even as counts."""
    return bool(st.session_state.get("blind")) and state.coder_role() != "supervisor"


def view_picker(key: str) -> dict:
    """A selectbox; returns the keyword arguments (coder= / consensus=) for coding.counting and coding.exports."""
    if blind_for_me():
        me = state.coder()
        st.caption(":material/visibility_off: Blind phase: you see counts of your own codings only"
                   + ("." if me else "; choose who you are in the sidebar."))
        if not me:
            st.stop()
        return {"coder": me}
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
