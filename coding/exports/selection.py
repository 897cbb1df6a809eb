"""Whose codings a table shows: one coder's, the settled consensus view, or every human coder's.

The set of (segment, code) pairs is exactly `coding.counting.confirmed_codings` (one rule for
tables and counts, documented there); the exports only add what a paper table needs on top:
the label a coder wrote, the star on an illustrative quote, the confidence.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Coder, Coding

from ..counting import HUMAN_ROLES, confirmed_codings


@dataclass(frozen=True)
class Pick:
    """One (segment, code) pair that counts, with the details its coders gave it."""

    segment_id: int
    code_id: int
    label: str | None
    starred: bool
    confidence: float | None
    score: float | None


def selected_codings(s: Session, coder: str | None = None, consensus: bool = False) -> list[Pick]:
    """The pairs counting.confirmed_codings selects, decorated from the coders' rows.

    Several coders on the same pair give one Pick: starred if anyone starred it, the highest
    confidence and score, and the label of the first coder (by name) who wrote one; with
    `consensus`, the adjudicator's label and star come first.
    """
    pairs = confirmed_codings(s, coder=coder, consensus=consensus)
    wanted = {(int(a), int(b)) for a, b in zip(pairs["segment_id"], pairs["code_id"])}
    if not wanted:
        return []
    q = (
        select(Coding.segment_id, Coding.code_id, Coder.role, Coding.label, Coding.starred,
               Coding.confidence, Coding.score)
        .join(Coder, Coder.id == Coding.coder_id)
        .where(Coding.status.in_(("confirmed", "suggested")))
        .order_by(Coding.segment_id, Coding.code_id, (Coder.role != "consensus"), Coder.name)
    )
    if coder is not None:
        q = q.where(Coder.name == coder)
    else:
        q = q.where(Coder.role.in_(HUMAN_ROLES + ("consensus",)), Coding.status == "confirmed")
    merged: dict[tuple[int, int], dict] = {
        k: {"label": None, "starred": False, "confidence": None, "score": None} for k in wanted
    }
    for seg_id, code_id, _role, label, starred, confidence, score in s.execute(q):
        m = merged.get((seg_id, code_id))
        if m is None:
            continue
        if label and not m["label"]:
            m["label"] = label
        m["starred"] = m["starred"] or bool(starred)
        if confidence is not None and (m["confidence"] is None or confidence > m["confidence"]):
            m["confidence"] = confidence
        if score is not None and (m["score"] is None or score > m["score"]):
            m["score"] = score
    return [Pick(seg, code, m["label"], m["starred"], m["confidence"], m["score"])
            for (seg, code), m in sorted(merged.items())]
