"""The sidebar on every page: which project, who is coding, and whether the blind phase is on."""
from __future__ import annotations

import streamlit as st

from coding.coders import get_coder, list_coders
from coding.project import get_project

from . import state


def _people(s) -> list[tuple[str, str]]:  # noqa: ANN001
    return [(c.name, c.role) for c in list_coders(s) if c.role in state.HUMAN_ROLES]


def _project_info(s) -> dict:  # noqa: ANN001
    p = get_project(s)
    return {"name": p.name, "blind": bool(p.blind)}


def _add_coder() -> None:
    name = (st.session_state.get("new_coder_name") or "").strip()
    role = st.session_state.get("new_coder_role") or "coder"
    if not name:
        state.flash("sidebar", "Type a name first.", "warning")
        return
    ok, result = state.write(get_coder, name, role, quiet=True)
    if not ok:
        state.flash("sidebar", result, "error")
        return
    st.session_state["coder"] = name
    st.session_state["new_coder_name"] = ""


def render() -> None:
    info = state.read(_project_info)  # uncached: the blind switch is not an audited change
    people = state.query(_people)
    roles = dict(people)
    with st.sidebar:
        st.caption("Project")
        st.markdown(f"**{state.escape_md(info['name'])}**")
        if info["blind"]:
            st.caption(":material/visibility_off: Blind phase: you see only your own codings and the machine's suggestions.")
        names = [n for n, _ in people]
        current = state.coder()
        if current and current not in names:
            names.append(current)
        default = {} if "coder" in st.session_state else {"index": None}
        st.selectbox(
            "Coder", names, key="coder", placeholder="Choose who you are",
            help="Your decisions are recorded under this name.", **default,
        )
        st.session_state["coder_role"] = roles.get(state.coder() or "", "coder") if state.coder() else None
        if state.coder():
            st.caption(f"Role: {st.session_state['coder_role']}")
        with st.expander("New coder", expanded=not names):
            st.text_input("Name", key="new_coder_name")
            st.radio("Role", ["coder", "supervisor"], key="new_coder_role", horizontal=True)
            st.button("Add coder", on_click=_add_coder, key="add_coder")
        state.show_flash("sidebar")
        st.session_state["blind"] = info["blind"]
