"""Append-only audit trail, written automatically on every flush.

Why a flush hook rather than calls sprinkled through the engine: no code path can
change a coding, code or document without leaving an event, whoever wrote it.
The actor is taken from ``session.info["actor"]`` (set by ``Database.session``).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session

from .schema import AuditEvent, Case, Code, Coding, Document, Memo, Segment, utcnow

AUDITED: dict[type, str] = {Coding: "coding", Code: "code", Document: "document", Memo: "memo", Case: "case"}
# Large or derived columns are left out of the audit payload.
SKIP = {"text"}


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    return value


def _row(obj: Any, skip_text: bool) -> dict[str, Any]:
    mapper = inspect(obj).mapper
    out = {}
    for col in mapper.column_attrs:
        if skip_text and col.key in SKIP and not isinstance(obj, (Memo, Coding)):
            continue
        out[col.key] = _plain(getattr(obj, col.key))
    return out


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for col in state.mapper.column_attrs:
        if col.key in ("updated_at", "version"):
            continue
        hist = state.attrs[col.key].history
        if hist.has_changes():
            before[col.key] = _plain(hist.deleted[0]) if hist.deleted else None
            after[col.key] = _plain(hist.added[0]) if hist.added else None
    return before, after


def _cascade_targets(session: Session, obj: Any) -> list[Any]:
    """Rows the database would delete silently by ON DELETE CASCADE; deleting them here instead
    lets the hook record each one (a deleted document takes its codings with it, visibly)."""
    if isinstance(obj, Document):
        seg_ids = select(Segment.id).where(Segment.document_id == obj.id)
        return [*session.scalars(select(Coding).where(Coding.segment_id.in_(seg_ids))),
                *session.scalars(select(Memo).where((Memo.document_id == obj.id) | Memo.segment_id.in_(seg_ids)))]
    if isinstance(obj, Segment):
        return [*session.scalars(select(Coding).where(Coding.segment_id == obj.id)),
                *session.scalars(select(Memo).where(Memo.segment_id == obj.id))]
    if isinstance(obj, Code):
        return [*session.scalars(select(Code).where(Code.parent_id == obj.id)),
                *session.scalars(select(Coding).where(Coding.code_id == obj.id)),
                *session.scalars(select(Memo).where(Memo.code_id == obj.id))]
    return []


@event.listens_for(Session, "before_flush")
def _expand_cascades(session: Session, flush_context: Any, instances: Any) -> None:
    pending = [o for o in session.deleted if isinstance(o, (Document, Segment, Code))]
    seen: set[int] = set()
    with session.no_autoflush:
        while pending:
            obj = pending.pop()
            if id(obj) in seen or inspect(obj).transient:
                continue
            seen.add(id(obj))
            for child in _cascade_targets(session, obj):
                if child not in session.deleted:
                    session.delete(child)
                    if isinstance(child, Code):
                        pending.append(child)


@event.listens_for(Session, "after_flush")
def _record(session: Session, flush_context: Any) -> None:
    actor = session.info.get("actor") or "system"
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for obj in session.new:
        kind = AUDITED.get(type(obj))
        if kind:
            rows.append(dict(at=now, actor=actor, action="create", entity=kind, entity_id=obj.id,
                             before=None, after=_row(obj, True)))
    for obj in session.dirty:
        kind = AUDITED.get(type(obj))
        if kind and session.is_modified(obj, include_collections=False):
            before, after = _changes(obj)
            if after:
                rows.append(dict(at=now, actor=actor, action="update", entity=kind, entity_id=obj.id,
                                 before=before, after=after))
    for obj in session.deleted:
        kind = AUDITED.get(type(obj))
        if kind:
            rows.append(dict(at=now, actor=actor, action="delete", entity=kind, entity_id=obj.id,
                             before=_row(obj, True), after=None))
    if rows:
        session.connection().execute(insert(AuditEvent), rows)
