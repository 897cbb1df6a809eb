"""Analyse page: frequencies, the top-three ranking with its dominance threshold, the attribute split,
co-occurrence; a code chosen in the chart (or the picker) lists its segments."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from coding.counting import (
    attribute_split,
    code_segments,
    confirmed_codings,
    cooccurrence,
    cooccurrence_matrix,
    frequencies,
    top_three,
)
from coding.project import cases
from ui import state
from ui.views import view_picker

def _summary(view: dict) -> None:
    coded = state.query(confirmed_codings, **view)
    m = st.columns(4)
    m[0].metric("Coded segments", int(coded["segment_id"].nunique()))
    m[1].metric("Codings", len(coded))
    m[2].metric("Documents", int(coded["document_id"].nunique()))
    m[3].metric("Codes in use", int(coded["code_id"].nunique()))


def _frequencies(view: dict) -> pd.DataFrame:
    freq = state.query(frequencies, **view)
    st.subheader("Frequencies")
    detail = st.toggle("Show categories under each theme", key="freq_detail")
    shown = freq if detail else freq[freq["depth"] == 0]
    measure = st.radio("Count", ["respondents", "segments", "documents"], horizontal=True, key="freq_measure")
    if shown[measure].sum() == 0:
        st.info("Nothing coded yet in this view: accept some suggestions on the **Code** page.")
    chart = (
        alt.Chart(shown).mark_bar()
        .encode(
            x=alt.X(f"{measure}:Q", title=measure.capitalize()),
            y=alt.Y("code:N", sort="-x", title=None, axis=alt.Axis(labelLimit=420)),
            tooltip=["code", "segments", "documents", "respondents"],
        )
        .add_params(alt.selection_point(name="pick", fields=["code_id"]))
        .properties(height=max(120, 34 * len(shown)))
    )
    event = st.altair_chart(chart, on_select="rerun", key="freq_chart", width="stretch")
    picked = (event.selection.get("pick") or [{}])[0].get("code_id") if event and event.selection else None
    if picked is not None:
        st.session_state["segments_code"] = int(picked)
    st.dataframe(
        shown[["code", "segments", "documents", "respondents"]], hide_index=True, width="stretch",
        column_config={"code": "Code", "segments": "Segments", "documents": "Documents", "respondents": "Respondents"},
    )
    return freq


def _top_three(view: dict) -> None:
    st.subheader("Top-three ranking")
    c1, c2 = st.columns([3, 2])
    threshold = c1.slider("Dominant when named by at least … respondents", 1, 15, 4, key="threshold")
    level = c2.radio("Rank", ["theme", "code"], format_func={"theme": "themes", "code": "codes"}.get,
                     horizontal=True, key="top3_level")
    ranking = state.query(top_three, threshold=threshold, level=level, **view)
    dominant = int(ranking["dominant"].sum())
    st.caption(f"Answers to the top-three question (project pattern: {ranking.attrs.get('pattern')!r}, or flagged "
               f"by a coder): {ranking.attrs.get('top3_segments', 0)} segment(s). {dominant} dominant code(s).")
    st.dataframe(
        ranking[["rank", "code", "top3_respondents", "overall_respondents", "dominant"]], hide_index=True,
        width="stretch",
        column_config={
            "rank": "Rank", "code": "Code",
            "top3_respondents": st.column_config.NumberColumn("Respondents (top three)"),
            "overall_respondents": st.column_config.NumberColumn("Respondents (anywhere)"),
            "dominant": st.column_config.CheckboxColumn("Dominant"),
        },
    )


def _split(view: dict) -> None:
    st.subheader("Split by respondent attribute")
    attrs = sorted({k for row in state.query(cases) for k in row if k != "respondent"})
    if not attrs:
        st.info("No respondent attributes yet: import a respondents CSV on the **Project** page.")
        return
    attribute = st.selectbox("Attribute", attrs, index=attrs.index("side") if "side" in attrs else 0, key="split_attr")
    split = state.query(attribute_split, attribute, **view)
    themes = set(state.query(frequencies, **view).query("depth == 0")["code"])
    split = split[split["code"].isin(themes)]
    chart = (
        alt.Chart(split).mark_bar()
        .encode(
            x=alt.X("share:Q", title="Share of respondents in the group", axis=alt.Axis(format="%")),
            y=alt.Y("code:N", title=None, axis=alt.Axis(labelLimit=420)),
            yOffset="group:N", color=alt.Color("group:N", title=attribute),
            tooltip=["code", "group", "respondents", "group_size", alt.Tooltip("share:Q", format=".0%")],
        )
    )
    st.altair_chart(chart, width="stretch")
    table = split.pivot_table(index="code", columns="group", values="respondents", aggfunc="sum", sort=False)
    st.dataframe(table, width="stretch")


def _cooccurrence(view: dict) -> None:
    st.subheader("Co-occurrence")
    level = st.radio("Pair", ["theme", "code"], format_func={"theme": "themes", "code": "codes"}.get,
                     horizontal=True, key="cooc_level")
    pairs = state.query(cooccurrence, level=level, **view)
    if pairs.empty:
        st.caption("No segment carries two codes yet.")
        return
    matrix = cooccurrence_matrix(pairs, "segments")
    long = matrix.reset_index(names="a").melt(id_vars="a", var_name="b", value_name="segments")
    heat = (
        alt.Chart(long).mark_rect()
        .encode(x=alt.X("b:N", title=None, axis=alt.Axis(labelLimit=200)),
                y=alt.Y("a:N", title=None, axis=alt.Axis(labelLimit=300)),
                color=alt.Color("segments:Q", scale=alt.Scale(scheme="blues")),
                tooltip=["a", "b", "segments"])
        .properties(height=max(200, 28 * len(matrix)))
    )
    st.altair_chart(heat, width="stretch")
    st.dataframe(pairs[["code_a", "code_b", "segments", "respondents", "jaccard"]], hide_index=True, width="stretch",
                 column_config={"jaccard": st.column_config.NumberColumn("Jaccard", format="%.2f")})


def _segments(view: dict, freq: pd.DataFrame) -> None:
    st.subheader("Segments of a code")
    codes = dict(zip(freq["code_id"].astype(int), freq["code"]))
    code_id = st.selectbox("Code", list(codes), format_func=codes.get, key="segments_code", index=None,
                           placeholder="Choose a code (or click a bar above)")
    if code_id is None:
        return
    rows = state.query(code_segments, code_id, **view)
    st.caption(f"{len(rows)} segment(s) coded {codes[code_id]!r}.")
    st.dataframe(rows[["document", "position", "respondent", "text", "codes"]].head(500), hide_index=True,
                 width="stretch", column_config={"text": st.column_config.TextColumn("Text", width="large")})


def main() -> None:
    st.title("Analyse")
    view = view_picker("analyse_view")
    _summary(view)
    freq = _frequencies(view)
    if freq.empty:
        return
    _top_three(view)
    _split(view)
    _cooccurrence(view)
    _segments(view, freq)


main()
