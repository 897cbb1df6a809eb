"""Audit page: the append-only trail of every change to codings, codes, documents, memos and respondents."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from coding.audit_log import ENTITIES, describe, events
from coding.coders import list_coders
from ui import state

st.title("Audit trail")
st.caption("Every create, change and delete is recorded here with who made it and when. "
           "The trail can be added to, never edited: the database itself refuses changes to it.")

names = [c.name for c in state.read(list_coders)]
c1, c2, c3, c4 = st.columns([2, 2, 2, 1])
who = c1.selectbox("Who", ["Everyone", *names], key="audit_who")
entity = c2.selectbox("What", ["Everything", *ENTITIES], key="audit_entity")
since = c3.date_input("Since", value=None, key="audit_since")
limit = c4.number_input("Newest", min_value=10, max_value=5000, value=200, step=50, key="audit_limit")

rows = state.query(
    events,
    coder=None if who == "Everyone" else who,
    since=since,
    entity=None if entity == "Everything" else entity,
    limit=int(limit),
)
if not rows:
    st.info("No changes recorded yet for this selection.")
else:
    frame = pd.DataFrame(
        [{"when (UTC)": r["at"], "who": r["actor"], "action": r["action"], "what": r["entity"],
          "id": r["entity_id"], "change": describe(r)} for r in reversed(rows)]
    )
    st.caption(f"{len(rows)} event(s), newest first.")
    st.dataframe(frame, hide_index=True, width="stretch")
