"""Codebook page: the code tree, editing (add, rename, move, merge, delete) and codebook files."""
from __future__ import annotations

import shutil
from functools import partial

import pandas as pd
import streamlit as st

from codebooks import load_shipped, read_codebook, shipped_codebooks
from coding.codebook_edit import (
    add_code,
    code_tree,
    delete_code,
    delete_impact,
    merge_codes,
    move_code,
    rename_code,
    update_code,
)
from coding.codebook_store import import_codebook
from ui import state
from ui.downloads import MIME, codebook_bytes

TOP = -1  # the "top level" choice in parent pickers
FILE_TYPES = {"YAML": ".yaml", "CSV": ".csv", "REFI-QDA codebook (.qdc)": ".qdc"}


def _tree_table(tree: list[dict]) -> None:
    if not tree:
        st.info("The project has no codes yet: load a shipped codebook or import one below.")
        return
    df = pd.DataFrame([{
        "Code": "\u2003" * r["depth"] + ("▸ " if r["depth"] == 0 else "· ") + r["name"],
        "Colour": r["color"] or "",
        "Confirmed": r["confirmed"],
        "Description": r["description"],
        "Keywords": ", ".join(r["keywords"]),
        "Examples": " | ".join(r["examples"]),
    } for r in tree])
    styled = df.style.map(lambda v: f"background-color: {v}" if v else "", subset=["Colour"])
    st.dataframe(styled, hide_index=True, width="stretch", height=min(38 + 35 * len(df), 600))


def _parent_picker(label: str, tree: list[dict], key: str, exclude: int | None = None) -> int | None:
    options = [TOP] + [r["id"] for r in tree if r["id"] != exclude]
    paths = {r["id"]: r["path"] for r in tree}
    choice = st.selectbox(label, options, key=key, format_func=lambda i: "(top level)" if i == TOP else paths[i])
    return None if choice == TOP else choice


def _edit_code(tree: list[dict]) -> None:
    paths = {r["id"]: r["path"] for r in tree}
    code_id = st.selectbox("Code", list(paths), format_func=paths.get, key="edit_code", index=None,
                           placeholder="Choose a code to edit")
    if code_id is None:
        return
    row = next(r for r in tree if r["id"] == code_id)
    with st.form(f"edit_form_{code_id}", border=False):
        name = st.text_input("Name", value=row["name"])
        description = st.text_area("Description", value=row["description"], height=80)
        c1, c2 = st.columns(2)
        inclusion = c1.text_area("Use when (inclusion)", value=row["inclusion"], height=80)
        exclusion = c2.text_area("Do not use when (exclusion)", value=row["exclusion"], height=80)
        examples = st.text_area("Examples (one per line)", value="\n".join(row["examples"]), height=80)
        keywords = st.text_input("Keywords (comma-separated)", value=", ".join(row["keywords"]))
        c3, c4 = st.columns(2)
        color = c3.color_picker("Colour", value=row["color"] or "#888888")
        codable = c4.checkbox("Codable (uncheck for a heading only)", value=row["codable"])
        if st.form_submit_button("Save changes", type="primary"):
            def save(s):  # noqa: ANN001, ANN202
                if name.strip() != row["name"]:
                    rename_code(s, code_id, name)
                return update_code(s, code_id, description=description, inclusion=inclusion, exclusion=exclusion,
                                   examples=examples, keywords=keywords, codable=codable,
                                   color=color if (row["color"] or color != "#888888") else None)
            ok, _ = state.write(save)
            if ok:
                st.success("Saved.")
                st.rerun()


def _add(tree: list[dict]) -> None:
    with st.form("add_code_form", clear_on_submit=True, border=False):
        name = st.text_input("New code name", key="new_code_name")
        parent = _parent_picker("Under", tree, "new_code_parent")
        description = st.text_area("Description", key="new_code_description", height=68)
        if st.form_submit_button("Add code", type="primary"):
            ok, code = state.write(add_code, name, parent, description=description)
            if ok:
                state.flash("codebook", f"Added {name.strip()!r}.")
                st.rerun()


def _move(tree: list[dict]) -> None:
    paths = {r["id"]: r["path"] for r in tree}
    code_id = st.selectbox("Code to move", list(paths), format_func=paths.get, key="move_code", index=None)
    parent = _parent_picker("New parent", tree, "move_parent", exclude=code_id)
    if st.button("Move", key="move_btn", disabled=code_id is None):
        ok, _ = state.write(move_code, code_id, parent)
        if ok:
            state.flash("codebook", "Moved.")
            st.rerun()


def _merge(tree: list[dict]) -> None:
    paths = {r["id"]: r["path"] for r in tree}
    c1, c2 = st.columns(2)
    source = c1.selectbox("Merge this code…", list(paths), format_func=paths.get, key="merge_source", index=None)
    target = c2.selectbox("…into this one", list(paths), format_func=paths.get, key="merge_target", index=None)
    st.caption("Codings, memos and sub-codes move to the target; the merged code disappears.")
    if st.button("Merge", key="merge_btn", disabled=source is None or target is None):
        ok, report = state.write(merge_codes, source, target)
        if ok:
            state.flash("codebook", f"Merged: {report['moved']} coding(s) moved, {report['merged']} folded into "
                                    f"existing ones, {report['subcodes']} sub-code(s) moved.")
            st.rerun()


def _delete(tree: list[dict]) -> None:
    paths = {r["id"]: r["path"] for r in tree}
    code_id = st.selectbox("Code to delete", list(paths), format_func=paths.get, key="delete_code", index=None)
    if code_id is None:
        return
    impact = state.query(delete_impact, code_id)
    confirm = False
    if impact["codings"]:
        st.warning(f"Deleting {paths[code_id]!r} removes {impact['codes']} code(s) and {impact['codings']} coding(s) "
                   f"({impact['confirmed']} confirmed) and {impact['memos']} memo(s).")
        confirm = st.checkbox("Yes, delete the codings too", key="delete_confirm")
    if st.button("Delete", key="delete_btn", type="primary", disabled=bool(impact["codings"]) and not confirm):
        ok, _ = state.write(delete_code, code_id, confirm=confirm)
        if ok:
            state.flash("codebook", f"Deleted {paths[code_id]!r}.")
            st.session_state.pop("delete_code", None)
            st.rerun()


def _files(has_codes: bool) -> None:
    c1, c2 = st.columns(2)
    with c1:
        st.markdown("**Load a codebook**")
        shipped = list(shipped_codebooks())
        name = st.selectbox("Shipped codebook", shipped, key="shipped_book")
        if st.button("Load shipped codebook", key="load_shipped"):
            ok, report = state.write(lambda s: import_codebook(s, load_shipped(name)))
            if ok:
                state.flash("codebook", f"Codebook loaded: {report.added} added, {report.updated} updated.")
                st.rerun()
        upload = st.file_uploader("Or import a file (.yaml, .csv, .qdc)", type=["yaml", "yml", "csv", "qdc"],
                                  key="codebook_file")
        if upload is not None and st.button("Import codebook file", key="import_book"):
            folder, (path,) = state.save_uploads([upload])
            try:
                ok, report = state.write(lambda s: import_codebook(s, read_codebook(path)))
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            if ok:
                state.flash("codebook", f"Imported: {report.added} added, {report.updated} updated, "
                                        f"{report.unchanged} unchanged.")
                st.rerun()
    with c2:
        st.markdown("**Download the codebook**")
        if not has_codes:
            st.caption("Nothing to download yet.")
            return
        for label, suffix in FILE_TYPES.items():
            st.download_button(f"⬇ {label}", partial(codebook_bytes, state.db_url(), suffix),
                               file_name=f"codebook{suffix}", mime=MIME[suffix.lstrip(".")],
                               key=f"dl_codebook{suffix}", on_click="ignore")


def main() -> None:
    st.title("Codebook")
    state.show_flash("codebook")
    tree = state.query(code_tree)
    _tree_table(tree)
    if tree:
        tabs = st.tabs(["Edit", "Add", "Move", "Merge", "Delete"])
        with tabs[0]:
            _edit_code(tree)
        with tabs[1]:
            _add(tree)
        with tabs[2]:
            _move(tree)
        with tabs[3]:
            _merge(tree)
        with tabs[4]:
            _delete(tree)
    else:
        _add(tree)
    st.divider()
    _files(bool(tree))


main()
