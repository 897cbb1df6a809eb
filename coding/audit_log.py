"""Reading the audit trail: who changed which coding, code or document, when, from what to what.

The trail itself is written by models/audit.py on every flush and is append-only (database
triggers refuse UPDATE and DELETE); this module only reads it, for `cocode audit` and the UI.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AuditEvent
from models.audit import AUDITED

from .errors import CocodeError

# What the flush hook records, plus project-level decisions some engine paths append themselves.
ENTITIES = tuple(sorted(set(AUDITED.values()) | {"project"}))


def parse_since(since: str | date | datetime | None) -> datetime | None:
    """'2026-11-20', '2026-11-20T14:00', a date or a datetime -> an aware UTC datetime.

    Why UTC: events are stamped in UTC; a naive date or time is read as UTC too, so the same
    --since gives the same events on every workbench of a team, whatever its time zone.
    """
    if since is None or since == "":
        return None
    if isinstance(since, str):
        try:
            since = datetime.fromisoformat(since.strip().replace("Z", "+00:00"))
        except ValueError:
            raise CocodeError(f"--since {since!r}: use a date like 2026-11-20 or 2026-11-20T14:30") from None
    if not isinstance(since, datetime):
        since = datetime.combine(since, time.min)
    if since.tzinfo is None:
        since = since.replace(tzinfo=timezone.utc)
    return since.astimezone(timezone.utc)


def event_dict(e: AuditEvent) -> dict[str, Any]:
    at = e.at if e.at.tzinfo else e.at.replace(tzinfo=timezone.utc)  # SQLite returns naive UTC
    return {
        "id": e.id, "at": at.isoformat(timespec="seconds"), "actor": e.actor, "action": e.action,
        "entity": e.entity, "entity_id": e.entity_id, "before": e.before, "after": e.after,
    }


def events(
    s: Session,
    coder: str | None = None,
    since: str | date | datetime | None = None,
    entity: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Audit events, oldest first. `coder` is the person who acted (the event's actor);
    `limit` keeps the newest N (still returned oldest first, as a log reads)."""
    if entity is not None and entity not in ENTITIES:
        raise CocodeError(f"unknown entity {entity!r}; use one of {', '.join(ENTITIES)}")
    if limit is not None and limit < 1:
        raise CocodeError("limit must be at least 1")
    q = select(AuditEvent)
    if coder:
        q = q.where(AuditEvent.actor == coder)
    start = parse_since(since)
    if start is not None:
        q = q.where(AuditEvent.at >= start)
    if entity:
        q = q.where(AuditEvent.entity == entity)
    q = q.order_by(AuditEvent.id.desc())
    if limit is not None:
        q = q.limit(limit)
    return [event_dict(e) for e in reversed(s.scalars(q).all())]


def describe(event: dict[str, Any]) -> str:
    """One line for people: 'status: suggested → confirmed; label: — → trust'."""
    before, after = event.get("before") or {}, event.get("after") or {}
    if event["action"] == "update":
        parts = [f"{k}: {_short(before.get(k))} → {_short(v)}" for k, v in after.items()]
        return "; ".join(parts)
    row = after if event["action"] == "create" else before
    keys = [k for k in ("name", "code", "status", "label", "segment_id", "code_id", "coder_id") if row.get(k) is not None]
    return ", ".join(f"{k}={_short(row[k])}" for k in keys)


def _short(value: Any, width: int = 40) -> str:
    if value is None:
        return "—"
    text = str(value).replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"
