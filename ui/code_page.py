"""Code page: read a transcript a window of segments at a time and decide on codes.

Each segment is a fragment, so accepting or rejecting a suggestion reruns only that segment.
Transcript text is always shown escaped (ui.state.escape_md): nothing in a transcript is
ever rendered as HTML or Markdown.
"""
from __future__ import annotations

import streamlit as st

from coding.codings import accept_suggestion, flag_top3, reject_suggestion, remove_coding, set_coding
from coding.memos import add_memo
from coding.project import documents
from coding.segment_view import code_choices, segment_details, segment_ids
from ui import state

SHOW = {"all": "All", "uncoded": "Uncoded", "suggested": "With suggestions", "coded": "Coded"}
PAGE_SIZES = (1, 5, 10, 20, 50)


# --- callbacks (run before the fragment or page is drawn again) ---------------------------------


def _decide(action, segment_id: int, code_id: int, verb: str) -> None:  # noqa: ANN001
    ok, result = state.write(action, segment_id, code_id, state.coder(), quiet=True)
    state.flash(f"seg{segment_id}", f"{verb}." if ok else result, "success" if ok else "error")


def _add(segment_id: int) -> None:
    code_id = st.session_state.get(f"add_{segment_id}")
    if code_id is None:
        return
    ok, result = state.write(set_coding, segment_id, code_id, state.coder(), quiet=True)
    state.flash(f"seg{segment_id}", "Code added." if ok else result, "success" if ok else "error")
    st.session_state[f"add_{segment_id}"] = None


def _remove(segment_id: int, coding_id: int, version: int) -> None:
    ok, result = state.write(remove_coding, coding_id, version, quiet=True)
    state.flash(f"seg{segment_id}", "Removed." if ok else result, "success" if ok else "error")


def _flag(segment_id: int) -> None:
    state.write(flag_top3, segment_id, bool(st.session_state.get(f"top3_{segment_id}")), quiet=True)


def _save_notes(segment_id: int, code_id: int, coding_id: int, version: int) -> None:
    label = st.session_state.get(f"label_{coding_id}", "")
    starred = bool(st.session_state.get(f"star_{coding_id}"))
    ok, result = state.write(set_coding, segment_id, code_id, state.coder(), label=label if label else " ",
                             starred=starred, expected_version=version, quiet=True)
    state.flash(f"seg{segment_id}", "Saved." if ok else result, "success" if ok else "error")


def _memo(segment_id: int) -> None:
    text = st.session_state.get(f"memo_{segment_id}", "")
    ok, result = state.write(add_memo, text, state.coder(), segment_id=segment_id, quiet=True)
    state.flash(f"seg{segment_id}", "Memo saved." if ok else result, "success" if ok else "error")
    if ok:
        st.session_state[f"memo_{segment_id}"] = ""


# --- one segment --------------------------------------------------------------------------------


def _header(row: dict) -> str:
    bits = [f"#{row['position'] + 1}"]
    if row["speaker"]:
        bits.append(f"**{state.escape_md(row['speaker'])}**")
    if row["respondent"]:
        bits.append(f"({state.escape_md(row['respondent'])})")
    if row["start_time"]:
        bits.append(f":material/schedule: {state.escape_md(row['start_time'])}")
    if row["top3_flag"]:
        bits.append(":material/format_list_numbered: top-three answer")
    return " · ".join(bits)


@st.fragment
def segment_card(segment_id: int, window: tuple[int, ...], focus: bool) -> None:
    """One segment: text, my codes, the machine's suggestions with accept/reject, add a code, notes.

    The whole window's details come from one cached query, so drawing the page costs one query set and
    a click (which reruns only this fragment) recomputes the window once."""
    me = state.coder()
    rows = state.query(segment_details, window, me, blind=bool(st.session_state.get("blind")))
    row = next((r for r in rows if r["segment_id"] == segment_id), None)
    if row is None:
        st.warning("This segment no longer exists; reload.")
        return
    with st.container(border=True, key=f"card_{segment_id}"):
        st.markdown(_header(row))
        if row["question"] and not row["is_interviewer"]:
            st.caption("Q: " + state.escape_md(row["question"]))
        st.markdown(state.escape_md(row["text"]))
        mine = [c for c in row["mine"] if c["status"] == "confirmed"]
        if mine:
            st.html("".join(state.chip_html("✓ " + ("★ " if c["starred"] else "") + c["path"]
                                            + (f" — {c['label']}" if c["label"] else ""), c["color"]) for c in mine))
        if row["others"]:
            st.caption("Also coded by " + "; ".join(
                f"{state.escape_md(o['coder'])}: {state.escape_md(o['path'])}" for o in row["others"]))
        if me is None:
            return
        pending = [g for g in row["suggestions"] if g["decision"] is None]
        for i, sug in enumerate(pending):
            conf = sug["confidence"] if sug["confidence"] is not None else sug["score"]
            c1, c2, c3 = st.columns([6, 1, 1], vertical_alignment="center")
            with c1:
                st.html(state.chip_html(sug["path"], sug["color"])
                        + (f"<small>suggested · {conf:.0%} confidence</small>" if conf is not None else ""))
                if sug["reason"]:
                    st.caption(state.escape_md(sug["reason"]))
            shortcut = {"shortcut": str(i + 1)} if focus and i < 9 else {}
            c2.button("✓ Accept", key=f"acc_{segment_id}_{sug['code_id']}", on_click=_decide,
                      args=(accept_suggestion, segment_id, sug["code_id"], "Accepted"), **shortcut)
            c3.button("✗ Reject", key=f"rej_{segment_id}_{sug['code_id']}", on_click=_decide,
                      args=(reject_suggestion, segment_id, sug["code_id"], "Rejected"))
        rejected = [c for c in row["mine"] if c["status"] == "rejected"]
        if rejected:
            st.caption("You rejected: " + "; ".join(state.escape_md(c["path"]) for c in rejected))
        choices = state.query(code_choices)
        paths = {c["id"]: c["path"] for c in choices}
        a1, a2 = st.columns([4, 2], vertical_alignment="bottom")
        a1.selectbox("Add a code", list(paths), format_func=paths.get, index=None, key=f"add_{segment_id}",
                     placeholder="Search the codebook to add a code…", label_visibility="collapsed",
                     on_change=_add, args=(segment_id,))
        with a2.popover("Notes, label, star, remove", width="stretch"):
            st.checkbox("Top-three answer", value=bool(row["top3_flag"]), key=f"top3_{segment_id}",
                        on_change=_flag, args=(segment_id,))
            for c in mine:
                st.markdown(f"**{state.escape_md(c['path'])}**")
                st.text_input("Item label (for the theme table)", value=c["label"] or "", key=f"label_{c['coding_id']}")
                st.checkbox("★ Illustrative quote", value=bool(c["starred"]), key=f"star_{c['coding_id']}")
                b1, b2 = st.columns(2)
                b1.button("Save", key=f"save_{c['coding_id']}", on_click=_save_notes,
                          args=(segment_id, c["code_id"], c["coding_id"], c["version"]))
                b2.button("Remove code", key=f"rm_{c['coding_id']}", on_click=_remove,
                          args=(segment_id, c["coding_id"], c["version"]))
            for m in row["memos"]:
                st.caption(f"{state.escape_md(m['coder'] or '?')}: " + state.escape_md(m["text"]))
            st.text_area("Memo", key=f"memo_{segment_id}", height=80)
            st.button("Save memo", key=f"memo_btn_{segment_id}", on_click=_memo, args=(segment_id,))
        state.show_flash(f"seg{segment_id}")


# --- the page -----------------------------------------------------------------------------------


def _reset_offset() -> None:
    st.session_state["code_offset"] = 0


def _move(delta: int, total: int) -> None:
    size = st.session_state.get("page_size", 10)
    st.session_state["code_offset"] = max(0, min(st.session_state.get("code_offset", 0) + delta * size,
                                                 max(total - 1, 0)))


def _jump_uncoded(ids: list[int], uncoded: list[int]) -> None:
    offset = st.session_state.get("code_offset", 0)
    todo = set(uncoded)
    after = [i for i, sid in enumerate(ids) if sid in todo and i > offset]
    before = [i for i, sid in enumerate(ids) if sid in todo and i <= offset]
    target = (after or before or [None])[0]
    if target is None:
        state.flash("code_page", "Every segment here has a code of yours.", "info")
    else:
        st.session_state["code_offset"] = target


def _suggest(doc_name: str) -> None:
    try:
        from coding.suggest import suggest
    except ImportError:
        state.flash("code_page", "The suggestion engine (coding/suggest.py) is not installed.", "error")
        return
    model = state.model()
    ok, rows = state.write(suggest, model, document=doc_name, top_k=3, store=True, quiet=True)
    state.flash("code_page", f"Suggestions ready for {len(rows)} segment(s)." if ok else rows,
                "success" if ok else "error")


def main() -> None:
    st.title("Code")
    docs = state.query(documents)
    if not docs:
        st.info("No transcripts yet: import some on the **Project** page.")
        return
    me = state.require_coder()
    by_id = {d["id"]: d for d in docs}
    if st.session_state.get("code_doc") not in by_id:
        st.session_state["code_doc"] = docs[0]["id"]
    f1, f2, f3 = st.columns([3, 2, 2])
    doc_id = f1.selectbox(
        "Document", list(by_id), key="code_doc", on_change=_reset_offset,
        format_func=lambda i: f"{by_id[i]['name']} · {by_id[i]['respondent'] or '—'} · {by_id[i]['progress']:.0%} coded",
    )
    show = f2.segmented_control("Show", list(SHOW), format_func=SHOW.get, key="code_show", default="all",
                                on_change=_reset_offset) or "all"
    choices = state.query(code_choices)
    paths = {c["id"]: c["path"] for c in choices}
    code_filter = f3.selectbox("Only code", list(paths), format_func=paths.get, index=None, key="code_filter",
                               placeholder="Any code", on_change=_reset_offset)
    g1, g2, g3 = st.columns([3, 2, 2])
    min_conf = g1.slider("Minimum suggestion confidence", 0.0, 1.0, 0.0, 0.05, key="min_conf", on_change=_reset_offset)
    interviewer = g2.toggle("Show interviewer turns", key="show_interviewer", on_change=_reset_offset)
    size = g3.selectbox("Segments per page", PAGE_SIZES, index=2, key="page_size", on_change=_reset_offset)

    coder = me or ""
    ids = state.query(segment_ids, doc_id, coder, show=show, code_id=code_filter,
                      min_confidence=min_conf or None, include_interviewer=interviewer)
    uncoded = state.query(segment_ids, doc_id, coder, show="uncoded", include_interviewer=interviewer)
    total = len(ids)
    offset = min(st.session_state.get("code_offset", 0), max(total - 1, 0))
    st.session_state["code_offset"] = offset
    window = ids[offset:offset + size]

    n1, n2, n3, n4, n5 = st.columns([1, 1, 2, 3, 3], vertical_alignment="center")
    n1.button("◀ Prev", key="prev_page", on_click=_move, args=(-1, total), disabled=offset == 0, shortcut="K")
    n2.button("Next ▶", key="next_page", on_click=_move, args=(1, total), disabled=offset + size >= total,
              shortcut="J")
    n3.button("Next uncoded", icon=":material/skip_next:", key="next_uncoded", on_click=_jump_uncoded, args=(ids, uncoded), shortcut="N",
              disabled=me is None)
    n4.caption(f"Segments {offset + 1 if total else 0}–{min(offset + size, total)} of {total} · "
               f"{len(uncoded)} without a code of yours · keys: J next, K previous, N next uncoded"
               + (", 1–3 accept" if size == 1 else ""))
    n5.button("Suggest codes for this document", icon=":material/lightbulb:", key="suggest_doc", on_click=_suggest,
              args=(by_id[doc_id]["name"],), disabled=me is None,
              help="Runs the local embedding model over this document; suggestions appear under each segment.")
    state.show_flash("code_page")
    if not window:
        st.info("No segment matches these filters.")
    for sid in window:
        segment_card(sid, tuple(window), size == 1)


main()
