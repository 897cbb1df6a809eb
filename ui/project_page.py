"""Project page: open or create a project, import transcripts and respondent attributes, see progress."""
from __future__ import annotations

import shutil

import pandas as pd
import streamlit as st

from coding.ingest import import_cases, ingest
from coding.project import coder_progress, documents
from corpus.reader import SUPPORTED_SUFFIXES
from models import resolve_url
from ui import state

UNITS = {"turn": "Speaker turn (long turns split at paragraphs)", "paragraph": "Paragraph", "sentence": "Sentence"}


def _open_project() -> None:
    raw = (st.session_state.get("project_path") or "").strip()
    if not raw:
        return
    st.session_state["db_url"] = resolve_url(raw)
    for key in ("coder", "code_doc", "code_offset"):
        st.session_state.pop(key, None)
    state.bump()


def _choose_project() -> None:
    with st.expander("Open or create another project", expanded=bool(st.session_state.get("_db_error"))):
        st.caption("A project is one SQLite file (created if it does not exist) or a PostgreSQL URL.")
        st.text_input("Project file or database URL", key="project_path", placeholder="e.g. ~/studies/outsourcing.db")
        st.button("Open project", on_click=_open_project, key="open_project")


def _import_transcripts() -> None:
    st.subheader("Import transcripts")
    with st.form("import_form", clear_on_submit=True, border=True):
        files = st.file_uploader(
            "Transcript files", accept_multiple_files=True, key="transcripts",
            help="Word, plain text, Markdown, subtitles (VTT/SRT), PDF, or a spreadsheet of open answers "
                 f"({', '.join(SUPPORTED_SUFFIXES)}).",
        )
        unit = st.selectbox("Coding unit", list(UNITS), format_func=UNITS.get, key="unit")
        submitted = st.form_submit_button("Import", type="primary")
    if not submitted:
        state.show_flash("import")
        return
    if not files:
        st.warning("Choose one or more files first.")
        return
    folder, paths = state.save_uploads(files)
    bar = st.progress(0.0, text="Reading…")

    def progress(done: int, total: int, message: str) -> None:
        bar.progress(min(done / total, 1.0) if total else 1.0, text=message)

    try:
        ok, report = state.write(ingest, paths, unit, skip_bad=True, progress=progress)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    bar.empty()
    if not ok:
        return
    if report.imported:
        st.success(f"Imported {len(report.imported)} transcript(s), {report.segments} segments: "
                   + ", ".join(report.imported))
    for name, existing in report.duplicates:
        st.warning(f"{name}: already imported as {existing!r}; skipped.")
    for name, problem in report.rejected:
        st.error(f"{name}: {problem}")


def _import_attributes() -> None:
    with st.expander("Respondent attributes (CSV: respondent, side, organisation, sector, …)"):
        with st.form("cases_form", clear_on_submit=True, border=False):
            upload = st.file_uploader("Respondents CSV", type=["csv"], key="cases_csv")
            submitted = st.form_submit_button("Import attributes")
        if submitted and upload is not None:
            folder, (path,) = state.save_uploads([upload])
            try:
                ok, n = state.write(import_cases, path)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            if ok:
                st.success(f"Attributes of {n} respondent(s) imported.")


def main() -> None:
    st.title("Project")
    st.caption(f"Project file: `{state.db_url()}`")
    _choose_project()
    if st.session_state.get("_db_error"):
        return
    _import_transcripts()
    _import_attributes()

    docs = state.query(documents)
    st.subheader(f"Documents ({len(docs)})")
    if not docs:
        st.info("No transcripts yet: import some above, then load a codebook on the **Codebook** page.")
    else:
        table = pd.DataFrame(docs)[["name", "respondent", "unit", "segments", "coded", "progress"]]
        st.dataframe(
            table, hide_index=True, width="stretch",
            column_config={
                "name": "Document", "respondent": "Respondent", "unit": "Unit",
                "segments": st.column_config.NumberColumn("Segments"),
                "coded": st.column_config.NumberColumn("Coded", help="Segments with at least one confirmed code"),
                "progress": st.column_config.ProgressColumn("Progress", min_value=0.0, max_value=1.0, format="percent"),
            },
        )
    people = state.query(coder_progress)
    if people:
        st.subheader("Coders")
        st.dataframe(pd.DataFrame(people), hide_index=True, width="stretch")


main()
