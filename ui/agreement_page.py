"""Agreement page (supervisors): κ, α and AC1 per code with verdicts, the disagreements to settle,
and the blind phase switch."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from coding.adjudication import end_blind_phase, resolve, start_blind_phase
from coding.agreement import agreement, disagreements
from coding.coders import MODEL
from coding.project import documents
from ui import state
from ui.views import comparable_coders

VERDICT_COLORS = {"reliable": "#c8e6c9", "tentative": "#fff3b0", "unreliable": "#f8c4c4", "undefined": "#e0e0e0"}
PER_PAGE = 10


def _fmt(v: float | None) -> str:
    return "—" if v is None else f"{v:.3f}"


def _resolve(segment_id: int, code_id: int, apply: bool) -> None:
    note = st.session_state.get(f"note_{segment_id}_{code_id}") or None
    ok, result = state.write(resolve, segment_id, code_id, apply, state.coder(), note, quiet=True)
    state.flash("agreement", ("Settled: code applied." if apply else "Settled: code not applied.") if ok else result,
                "success" if ok else "error")


def _phase(blind: bool) -> None:
    ok, result = state.write(start_blind_phase if blind else end_blind_phase, state.coder(), quiet=True)
    state.flash("agreement", ("Blind phase started." if blind else "Blind phase ended: everyone sees all codings.")
                if ok else result, "success" if ok else "error")


def _stats(report: dict) -> None:
    pooled = report["pooled"]["pooled"]
    macro = report["pooled"]["macro"]
    m = st.columns(4)
    m[0].metric("Krippendorff's α (pooled)", _fmt(pooled["krippendorff_alpha"]), help="≥ 0.800 reliable, 0.667–0.800 tentative")
    m[1].metric("Gwet's AC1 (pooled)", _fmt(pooled["gwet_ac1"]))
    m[2].metric("Percent agreement", "—" if pooled["percent_agreement"] is None else f"{pooled['percent_agreement']:.1%}")
    m[3].metric("Verdict", pooled["verdict"])
    st.caption(f"{report['units']} segment(s) seen by every compared coder ({report['alpha_units']} by at least two); "
               f"mean over codes: α {_fmt(macro['krippendorff_alpha'])} ({macro['codes_defined']} of {macro['codes']} "
               "codes defined).")
    rows = []
    for entry in report["per_code"]:
        row = {"Code": entry["code"], "% agreement": entry["percent_agreement"]}
        for pair, value in entry["cohen_kappa"].items():
            row["κ " + pair.replace("|", " – ")] = value
        row.update({"α": entry["krippendorff_alpha"], "AC1": entry["gwet_ac1"], "Verdict": entry["verdict"],
                    "Note": entry["note"] or ""})
        rows.append(row)
    df = pd.DataFrame(rows)
    if df.empty:
        return
    numeric = [c for c in df.columns if c not in ("Code", "Verdict", "Note")]
    df[numeric] = df[numeric].astype(float)
    styled = (df.style.map(lambda v: f"background-color: {VERDICT_COLORS.get(v, '')}", subset=["Verdict"])
              .format(precision=3, na_rep="—", subset=numeric))
    st.dataframe(styled, hide_index=True, width="stretch")


def _disagreements(items: list[dict], supervisor: bool) -> None:
    open_items = [d for d in items if d["consensus"] is None]
    st.subheader(f"Disagreements ({len(open_items)} open, {len(items) - len(open_items)} settled)")
    if not items:
        st.caption("No disagreement on the segments every compared coder has seen.")
        return
    show_settled = st.toggle("Show settled ones too", key="show_settled")
    shown = items if show_settled else open_items
    pages = max(1, -(-len(shown) // PER_PAGE))
    page = st.number_input("Page", 1, pages, 1, key="dis_page") if pages > 1 else 1
    if not supervisor:
        st.info("Only a supervisor settles disagreements: add or choose a supervisor in the sidebar.")
    for d in shown[(page - 1) * PER_PAGE: page * PER_PAGE]:
        with st.container(border=True, key=f"dis_{d['segment_id']}_{d['code_id']}"):
            st.markdown(f"**{state.escape_md(d['code'])}** · {state.escape_md(d['document'])} #{d['position'] + 1}"
                        + (f" ({state.escape_md(d['respondent'])})" if d["respondent"] else ""))
            st.markdown(state.escape_md(d["text"]))
            st.caption(f"Applied by: {state.escape_md(', '.join(d['applied_by']))} · not applied by: "
                       f"{state.escape_md(', '.join(d['not_applied_by']))}"
                       + (f" · settled: {d['consensus']}" if d["consensus"] else ""))
            if supervisor:
                c1, c2, c3 = st.columns([4, 1, 1], vertical_alignment="bottom")
                key = f"{d['segment_id']}_{d['code_id']}"
                c1.text_input("Note (optional)", key=f"note_{key}", label_visibility="collapsed",
                              placeholder="Why (optional, kept as a memo)")
                c2.button("Apply code", key=f"yes_{key}", on_click=_resolve, args=(d["segment_id"], d["code_id"], True))
                c3.button("Not this code", key=f"no_{key}", on_click=_resolve,
                          args=(d["segment_id"], d["code_id"], False))


def main() -> None:
    st.title("Agreement")
    state.show_flash("agreement")
    supervisor = state.coder() is not None and state.coder_role() == "supervisor"
    blind = bool(st.session_state.get("blind"))
    b1, b2 = st.columns([3, 1], vertical_alignment="center")
    b1.markdown(":material/visibility_off: **Blind phase is on**: coders see only their own codings." if blind
                else ":material/visibility: Blind phase is off: coders see each other's codings.")
    b2.button("End blind phase" if blind else "Start blind phase", key="phase_btn", on_click=_phase, args=(not blind,),
              disabled=not supervisor, help=None if supervisor else "Supervisors only")
    if blind:
        st.info("During the blind phase only supervisors compare coders: agreement and disagreements show "
                "who coded what." if not supervisor else "Blind phase: coders cannot see this page's results.")
        if not supervisor:
            return
    people = state.query(comparable_coders)
    humans = [p for p in people if p != MODEL]
    chosen = st.multiselect("Coders to compare", people, default=humans[:2], key="agree_coders",
                            help="Two or more. The model counts as one more coder.")
    docs = [d["name"] for d in state.query(documents)]
    only = st.multiselect("Documents (all when empty)", docs, key="agree_docs")
    if len(chosen) < 2:
        st.info("Choose at least two coders to compare.")
        return
    report = state.query(agreement, list(chosen), list(only) or None)
    _stats(report)
    items = state.query(disagreements, list(chosen), list(only) or None)
    _disagreements(items, supervisor)


main()
