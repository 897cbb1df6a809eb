"""Project-level reads: settings, documents and segments as plain rows for the CLI and the UI."""
from __future__ import annotations

from typing import Any

from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Case, Coder, Coding, Document, Project, Segment

from .errors import CocodeError


def get_project(s: Session) -> Project:
    """The single settings row, created on first use."""
    project = s.scalar(select(Project))
    if project is None:
        project = Project()
        s.add(project)
        s.flush()
    return project


def init_project(s: Session, name: str | None = None) -> Project:
    project = get_project(s)
    if name:
        project.name = name
    return project


def find_document(s: Session, name: str) -> Document:
    doc = s.scalar(select(Document).where(Document.name == name))
    if doc is None:
        doc = s.scalar(select(Document).where(Document.source_filename == name))
    if doc is None:
        raise CocodeError(f"no document named {name!r} (see `cocode documents`)")
    return doc


def documents(s: Session) -> list[dict[str, Any]]:
    """Each document with its respondent, segment count and how many segments carry a confirmed code."""
    coded = (
        select(Segment.document_id, func.count(func.distinct(Coding.segment_id)).label("coded"))
        .join(Coding, Coding.segment_id == Segment.id)
        .where(Coding.status == "confirmed")
        .group_by(Segment.document_id)
        .subquery()
    )
    counts = (
        select(Segment.document_id, func.count().label("segments"))
        .group_by(Segment.document_id)
        .subquery()
    )
    q = (
        select(Document.id, Document.name, Document.source_filename, Document.unit, Document.imported_at,
               Case.code.label("respondent"),
               func.coalesce(counts.c.segments, 0), func.coalesce(coded.c.coded, 0))
        .outerjoin(Case, Case.id == Document.case_id)
        .outerjoin(counts, counts.c.document_id == Document.id)
        .outerjoin(coded, coded.c.document_id == Document.id)
        .order_by(Document.name)
    )
    out = []
    for r in s.execute(q):
        out.append({
            "id": r[0], "name": r[1], "source_filename": r[2], "unit": r[3], "imported_at": r[4],
            "respondent": r[5], "segments": r[6], "coded": r[7],
            "progress": round(r[7] / r[6], 3) if r[6] else 0.0,
        })
    return out


def segments(s: Session, document: str | None = None, *, limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
    q = (
        select(Segment, Document.name, Case.code)
        .join(Document, Document.id == Segment.document_id)
        .outerjoin(Case, Case.id == Segment.case_id)
        .order_by(Document.name, Segment.position)
    )
    if document:
        q = q.where(Segment.document_id == find_document(s, document).id)
    if limit is not None:
        q = q.limit(limit).offset(offset)
    return [
        {
            "segment_id": seg.id, "document": doc, "position": seg.position, "start": seg.start_offset,
            "end": seg.end_offset, "speaker": seg.speaker, "respondent": resp, "question": seg.question,
            "is_interviewer": seg.is_interviewer, "top3_flag": seg.top3_flag,
            "start_time": seg.start_time, "text": seg.text,
        }
        for seg, doc, resp in s.execute(q)
    ]


def cases(s: Session) -> list[dict[str, Any]]:
    return [{"respondent": c.code, **(c.attributes or {})} for c in s.scalars(select(Case).order_by(Case.code))]


def set_blind(s: Session, blind: bool) -> Project:
    """Blind phase on: coders see only their own codings and the machine's suggestions."""
    project = get_project(s)
    project.blind = blind
    return project


def coder_progress(s: Session) -> list[dict[str, Any]]:
    q = (
        select(Coder.name, Coder.role,
               func.sum(sql_case((Coding.status == "confirmed", 1), else_=0)),
               func.sum(sql_case((Coding.status == "rejected", 1), else_=0)))
        .outerjoin(Coding, Coding.coder_id == Coder.id)
        .group_by(Coder.name, Coder.role)
        .order_by(Coder.name)
    )
    return [{"coder": n, "role": r, "confirmed": c or 0, "rejected": x or 0} for n, r, c, x in s.execute(q)]
