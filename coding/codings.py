"""Changing codings: the one place a decision about a segment is written.

Every human decision is a row of its own (segment × code × coder), so the machine's
suggestion stays the machine's and a person's acceptance is the person's: that is what
lets agreement treat the model as one more coder. Writes go through the ORM so the
audit hook sees them, and through the version column so concurrent edits conflict
instead of overwriting each other.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from models import Code, Coder, Coding, Segment

from .coders import MODEL, get_coder
from .errors import CocodeError, ConflictError


@dataclass(frozen=True)
class Decision:
    segment_id: int
    code_id: int
    coder: str
    status: str


def _check(s: Session, segment_id: int, code_id: int) -> None:
    if s.get(Segment, segment_id) is None:
        raise CocodeError(f"segment {segment_id} does not exist")
    if s.get(Code, code_id) is None:
        raise CocodeError(f"code {code_id} does not exist")


def find_coding(s: Session, segment_id: int, code_id: int, coder: str) -> Coding | None:
    return s.scalar(
        select(Coding).join(Coding.coder).where(
            Coding.segment_id == segment_id, Coding.code_id == code_id, Coder.name == coder
        )
    )


def set_coding(
    s: Session,
    segment_id: int,
    code_id: int,
    coder: str,
    *,
    status: str = "confirmed",
    source: str | None = None,
    score: float | None = None,
    confidence: float | None = None,
    reason: str | None = None,
    label: str | None = None,
    starred: bool | None = None,
    expected_version: int | None = None,
) -> Coding:
    """Create or change one coder's decision. `expected_version` (from what the coder saw) guards lost updates.

    `source` None keeps a row's origin (editing a label does not make a model's coding 'human'); new rows default to human.
    """
    if status not in ("suggested", "confirmed", "rejected"):
        raise CocodeError(f"unknown status {status!r}")
    _check(s, segment_id, code_id)
    row = find_coding(s, segment_id, code_id, coder)
    if row is None:
        if expected_version not in (None, 0):
            raise ConflictError(f"the coding of segment {segment_id} was removed by someone else; reload")
        row = Coding(segment_id=segment_id, code_id=code_id, coder=get_coder(s, coder), status=status,
                     source=source or "human")
        s.add(row)
    elif expected_version is not None and row.version != expected_version:
        raise ConflictError(
            f"segment {segment_id}: this coding was changed by someone else (version {row.version}, you saw "
            f"{expected_version}); reload and decide again"
        )
    row.status = status
    if source is not None:
        row.source = source
    if score is not None:
        row.score = score
    if confidence is not None:
        row.confidence = confidence
    if reason is not None:
        row.reason = reason
    if label is not None:
        row.label = label.strip() or None
    if starred is not None:
        row.starred = starred
    try:
        with s.begin_nested():
            s.flush()
    except (IntegrityError, StaleDataError) as exc:
        raise ConflictError(f"segment {segment_id}: someone else changed this coding at the same moment; reload") from exc
    return row


def accept_suggestion(s: Session, segment_id: int, code_id: int, coder: str, expected_version: int | None = None) -> Coding:
    """A person confirms what the machine (or a rule) proposed: a confirmed coding of that person."""
    suggestion = find_coding(s, segment_id, code_id, MODEL)
    return set_coding(
        s, segment_id, code_id, coder, status="confirmed",
        source=suggestion.source if suggestion is not None else "human",
        score=suggestion.score if suggestion is not None else None,
        confidence=suggestion.confidence if suggestion is not None else None,
        expected_version=expected_version,
    )


def reject_suggestion(s: Session, segment_id: int, code_id: int, coder: str, expected_version: int | None = None) -> Coding:
    """A person says the code does not apply: kept as evidence against the code for the suggester."""
    suggestion = find_coding(s, segment_id, code_id, MODEL)
    return set_coding(
        s, segment_id, code_id, coder, status="rejected",
        source=suggestion.source if suggestion is not None else "human",
        expected_version=expected_version,
    )


def remove_coding(s: Session, coding_id: int, expected_version: int | None = None) -> None:
    row = s.get(Coding, coding_id)
    if row is None:
        raise ConflictError(f"coding {coding_id} was already removed; reload")
    if expected_version is not None and row.version != expected_version:
        raise ConflictError(f"coding {coding_id} was changed by someone else; reload and decide again")
    s.delete(row)
    try:
        with s.begin_nested():
            s.flush()
    except StaleDataError as exc:
        raise ConflictError(f"coding {coding_id} was changed by someone else at the same moment; reload") from exc


def flag_top3(s: Session, segment_id: int, flagged: bool = True) -> Segment:
    seg = s.get(Segment, segment_id)
    if seg is None:
        raise CocodeError(f"segment {segment_id} does not exist")
    seg.top3_flag = flagged
    return seg
