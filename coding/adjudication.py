"""Settling disagreements and running a blind coding phase.

A supervisor's decision is a coding of the coder "consensus" (source "adjudication"), so it
is audited like any coding and feeds counts and exports through the consensus view
(coding.counting, ``consensus=True``). Blind mode hides other people's codings from each
coder, so that double-coding is independent and agreement means something.
"""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from models import AuditEvent, Coder, Coding, Memo

from .coders import CONSENSUS, get_coder
from .codings import set_coding
from .errors import CocodeError
from .project import get_project, set_blind


def _supervisor(s: Session, name: str) -> Coder:
    if not name or not name.strip():
        raise CocodeError("say who decides (a supervisor's name)")
    if name.strip() in (CONSENSUS, "model"):
        raise CocodeError(f"{name!r} is not a person; name the supervisor who decides")
    if not s.info.get("actor") or s.info.get("actor") == "system":
        s.info["actor"] = name.strip()  # the audit trail names the person who decided
    return get_coder(s, name, role="supervisor")


def resolve(s: Session, segment_id: int, code_id: int, apply: bool, supervisor: str, note: str | None = None) -> Coding:
    """Record the consensus decision for one segment × code: applied (confirmed) or not (rejected).

    Accepting one coder's decision and overruling both are the same act: the supervisor says
    whether the code applies. A note becomes a memo on the segment and code.
    """
    who = _supervisor(s, supervisor)
    row = set_coding(
        s, segment_id, code_id, CONSENSUS, status="confirmed" if apply else "rejected", source="adjudication",
        reason=f"adjudicated by {who.name}" + (f": {note.strip()}" if note and note.strip() else ""),
    )
    if note and note.strip():
        s.add(Memo(coder_id=who.id, segment_id=segment_id, document_id=row.segment.document_id, code_id=code_id,
                   text=note.strip()))
        s.flush()
    return row


def _set_phase(s: Session, blind: bool, supervisor: str) -> None:
    who = _supervisor(s, supervisor)
    project = get_project(s)
    before = bool(project.blind)
    set_blind(s, blind)
    # Project is not an audited entity, so the phase change is logged explicitly.
    s.add(AuditEvent(actor=who.name, action="update", entity="project", entity_id=project.id,
                     before={"blind": before}, after={"blind": blind}))
    s.flush()


def start_blind_phase(s: Session, supervisor: str) -> None:
    """From now on each coder sees only their own codings and the machine's suggestions."""
    _set_phase(s, True, supervisor)


def end_blind_phase(s: Session, supervisor: str) -> None:
    """Everyone sees everyone's codings again (to discuss and adjudicate)."""
    _set_phase(s, False, supervisor)


def blind_history(s: Session) -> list[dict]:
    """Who switched blind mode on or off, and when (oldest first)."""
    q = select(AuditEvent).where(AuditEvent.entity == "project").order_by(AuditEvent.id)
    return [{"at": e.at, "by": e.actor, "blind": (e.after or {}).get("blind")}
            for e in s.scalars(q) if "blind" in (e.after or {})]


def visible_codings(s: Session, segment_ids: list[int], viewer: str) -> list[Coding]:
    """The codings of these segments that `viewer` may see.

    Blind mode: the viewer's own codings and the machine's (role model) only; supervisors are
    no exception, since a supervisor who also codes must code blind too. Otherwise: all.
    """
    if not segment_ids:
        return []
    q = (
        select(Coding).join(Coder, Coder.id == Coding.coder_id)
        .where(Coding.segment_id.in_(list(segment_ids)))
        .options(selectinload(Coding.coder))
        .order_by(Coding.segment_id, Coding.code_id, Coder.name)
    )
    if get_project(s).blind:
        q = q.where(or_(Coder.name == viewer, Coder.role == "model"))
    return list(s.scalars(q))
