"""Cocode workbench: `streamlit run app.py` (the project file comes from COCODE_DB or ./cocode.db).

Only UI lives here and in ui/: every action calls the engine in coding/.
"""
from __future__ import annotations

import streamlit as st

from ui import sidebar, state

st.set_page_config(page_title="Cocode", page_icon=":material/sell:", layout="wide")

PAGES = [
    st.Page("ui/project_page.py", title="Project", icon=":material/folder_open:", url_path="project", default=True),
    st.Page("ui/codebook_page.py", title="Codebook", icon=":material/account_tree:", url_path="codebook"),
    st.Page("ui/code_page.py", title="Code", icon=":material/sell:", url_path="code"),
    st.Page("ui/analyse_page.py", title="Analyse", icon=":material/bar_chart:", url_path="analyse"),
    st.Page("ui/agreement_page.py", title="Agreement", icon=":material/balance:", url_path="agreement"),
    st.Page("ui/export_page.py", title="Export", icon=":material/download:", url_path="export"),
    st.Page("ui/audit_page.py", title="Audit trail", icon=":material/history:", url_path="audit"),
]

page = st.navigation(PAGES)
try:
    state.refresh_version()
except Exception as exc:  # a project that cannot be opened: say why, let the user pick another
    st.error(f"Cannot open the project {state.db_url()}: {exc}")
    st.session_state["_db_error"] = str(exc)
else:
    st.session_state.pop("_db_error", None)
    sidebar.render()
page.run()
