"""What one coder sees while coding: filtered segment lists and, for a window of segments, their
codings, pending suggestions and memos, in a few bulk queries.

Why a module of its own: the workbench shows ten or twenty segments at a time out of
thousands, and must stay fast and must respect the blind phase (a coder sees only their own
decisions and the machine's suggestions). Keeping these reads here keeps SQL out of the UI
and lets the same rules serve any other front end.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session, aliased

from models import AuditEvent, Case, Code, Coder, Coding, Memo, Segment

from .codebook_store import code_paths, display_path
from .coders import MODEL

SHOW = ("all", "uncoded", "suggested", "coded")


def data_version(s: Session) -> int:
    """A number that grows with every audited change (codings, codes, documents, memos, respondents):
    a cheap cache key for screens that show query results."""
    return s.scalar(select(func.max(AuditEvent.id))) or 0


def code_colors(s: Session) -> dict[int, str | None]:
    """Each code's colour, inherited from the nearest coloured ancestor (category codes often have none)."""
    rows = s.execute(select(Code.id, Code.parent_id, Code.color)).all()
    parent = {r.id: r.parent_id for r in rows}
    own = {r.id: r.color for r in rows}
    out: dict[int, str | None] = {}
    for cid in own:
        c: int | None = cid
        while c is not None and not own.get(c):
            c = parent.get(c)
        out[cid] = own.get(c) if c is not None else None
    return out


def code_choices(s: Session) -> list[dict[str, Any]]:
    """Codable codes in tree order with their display path and colour: the add-a-code search list."""
    paths = code_paths(s)
    colors = code_colors(s)
    codable = dict(s.execute(select(Code.id, Code.codable)).all())
    return sorted(
        ({"id": cid, "path": display_path(p), "color": colors.get(cid)} for cid, p in paths.items() if codable.get(cid)),
        key=lambda r: r["path"].casefold(),
    )


def _coder_id(s: Session, name: str) -> int | None:
    return s.scalar(select(Coder.id).where(Coder.name == name))


def segment_ids(
    s: Session,
    document_id: int,
    coder: str,
    *,
    show: str = "all",
    code_id: int | None = None,
    min_confidence: float | None = None,
    include_interviewer: bool = False,
) -> list[int]:
    """Segment ids of a document in reading order, filtered for one coder.

    show: "uncoded" (no confirmed code of this coder), "suggested" (a machine suggestion the
    coder has not yet decided), "coded" (at least one confirmed code of this coder), "all".
    code_id: only segments where this coder confirmed, or the machine suggests, that code.
    min_confidence: only segments with a pending suggestion at least this confident.
    """
    me = _coder_id(s, coder) or -1
    model = _coder_id(s, MODEL) or -1
    q = select(Segment.id).where(Segment.document_id == document_id).order_by(Segment.position)
    if not include_interviewer:
        q = q.where(Segment.is_interviewer.is_(False))
    # IN (subquery) rather than correlated EXISTS: the subquery is evaluated once, so a 5,000-segment
    # document costs a few index scans instead of one probe of the coder's codings per segment.
    mine_confirmed = select(Coding.segment_id).where(Coding.coder_id == me, Coding.status == "confirmed")
    decided = aliased(Coding)
    pending = select(Coding.segment_id).where(
        Coding.coder_id == model, Coding.status == "suggested",
        ~exists().where(and_(decided.segment_id == Coding.segment_id, decided.code_id == Coding.code_id,
                             decided.coder_id == me, decided.status != "suggested")),
    )
    if show == "uncoded":
        q = q.where(Segment.id.not_in(mine_confirmed))
    elif show == "coded":
        q = q.where(Segment.id.in_(mine_confirmed))
    elif show == "suggested":
        q = q.where(Segment.id.in_(pending))
    if code_id is not None:
        q = q.where(Segment.id.in_(select(Coding.segment_id).where(
            Coding.code_id == code_id,
            ((Coding.coder_id == me) & (Coding.status == "confirmed"))
            | ((Coding.coder_id == model) & (Coding.status == "suggested")),
        )))
    if min_confidence is not None:
        q = q.where(Segment.id.in_(pending.where(
            func.coalesce(Coding.confidence, Coding.score, 0.0) >= min_confidence)))
    return list(s.scalars(q))


def segment_details(s: Session, ids: list[int], coder: str, *, blind: bool) -> list[dict[str, Any]]:
    """Everything the coding screen shows for these segments, in the order given.

    Each row: the segment (text, speaker, question, respondent flags), `mine` (this coder's rows,
    confirmed and rejected), `suggestions` (the machine's, each with `decision` = this coder's
    status for that code or None), `others` (other people's confirmed codes, empty when blind)
    and `memos` (only this coder's when blind).
    """
    if not ids:
        return []
    paths = code_paths(s)
    colors = code_colors(s)
    segs = {seg.id: (seg, resp) for seg, resp in s.execute(
        select(Segment, Case.code).outerjoin(Case, Case.id == Segment.case_id).where(Segment.id.in_(ids)))}
    rows = s.execute(
        select(Coding, Coder.name, Coder.role).join(Coder, Coder.id == Coding.coder_id).where(Coding.segment_id.in_(ids))
    ).all()
    memos = s.execute(
        select(Memo, Coder.name).outerjoin(Coder, Coder.id == Memo.coder_id)
        .where(Memo.segment_id.in_(ids)).order_by(Memo.created_at, Memo.id)
    ).all()
    out: dict[int, dict[str, Any]] = {}
    for sid in ids:
        if sid not in segs:
            continue
        seg, respondent = segs[sid]
        out[sid] = {
            "segment_id": seg.id, "document_id": seg.document_id, "position": seg.position, "text": seg.text,
            "speaker": seg.speaker, "question": seg.question, "is_interviewer": seg.is_interviewer,
            "top3_flag": seg.top3_flag, "start_time": seg.start_time, "respondent": respondent,
            "mine": [], "suggestions": [], "others": [], "memos": [],
        }
    mine_status: dict[tuple[int, int], str] = {}
    for coding, name, role in rows:
        item = {
            "coding_id": coding.id, "code_id": coding.code_id, "path": display_path(paths.get(coding.code_id, ("?",))),
            "color": colors.get(coding.code_id), "status": coding.status, "source": coding.source,
            "score": coding.score, "confidence": coding.confidence, "reason": coding.reason, "label": coding.label,
            "starred": coding.starred, "version": coding.version, "coder": name,
        }
        target = out.get(coding.segment_id)
        if target is None:
            continue
        if name == coder:
            target["mine"].append(item)
            mine_status[(coding.segment_id, coding.code_id)] = coding.status
        elif name == MODEL:
            if coding.status == "suggested":
                target["suggestions"].append(item)
        elif not blind and coding.status == "confirmed":
            target["others"].append(item)
    for seg_id, row in out.items():
        row["mine"].sort(key=lambda c: c["path"])
        row["others"].sort(key=lambda c: (c["coder"], c["path"]))
        row["suggestions"].sort(key=lambda c: -(c["confidence"] if c["confidence"] is not None else c["score"] or 0.0))
        for sug in row["suggestions"]:
            sug["decision"] = mine_status.get((seg_id, sug["code_id"]))
    for memo, author in memos:
        if blind and author != coder:
            continue
        target = out.get(memo.segment_id)
        if target is not None:
            target["memos"].append({"id": memo.id, "text": memo.text, "coder": author, "created_at": memo.created_at})
    return [out[i] for i in ids if i in out]
