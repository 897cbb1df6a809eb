"""Whose confirmed codings a table shows: one coder's, the adjudicated consensus, or every human coder's.

The set of (segment, code) pairs follows `coding.counting.confirmed_codings` when that module is
present, so tables and counts always agree; the exports only add what the paper needs on top
(the coder's label, the star, the confidence).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Coder, Coding

from ..coders import CONSENSUS, MODEL
from ..errors import CocodeError


@dataclass(frozen=True)
class Pick:
    """One (segment, code) pair that counts, with the details the first coder (by name) gave it."""

    segment_id: int
    code_id: int
    label: str | None
    starred: bool
    confidence: float | None
    score: float | None


def _pairs_from_counting(s: Session, coder: str | None, consensus: bool) -> set[tuple[int, int]] | None:
    try:
        from ..counting import confirmed_codings
    except ImportError:
        return None
    df = confirmed_codings(s, coder=coder, consensus=consensus)
    return {(int(a), int(b)) for a, b in zip(df["segment_id"], df["code_id"])}


def selected_codings(s: Session, coder: str | None = None, consensus: bool = False) -> list[Pick]:
    """Confirmed codings of `coder`, of the consensus coder (`consensus=True`), or of all human coders.

    Several coders on the same (segment, code) give one Pick: starred if anyone starred it, the
    highest confidence, and the label of the first coder (by name) who wrote one.
    """
    if coder and consensus:
        raise CocodeError("choose either one coder or the consensus, not both")
    q = (
        select(Coding.segment_id, Coding.code_id, Coder.name, Coding.label, Coding.starred,
               Coding.confidence, Coding.score)
        .join(Coder, Coder.id == Coding.coder_id)
        .where(Coding.status == "confirmed")
        .order_by(Coding.segment_id, Coding.code_id, Coder.name)
    )
    if coder:
        if s.scalar(select(Coder.id).where(Coder.name == coder)) is None:
            raise CocodeError(f"no coder named {coder!r}")
        q = q.where(Coder.name == coder)
    elif consensus:
        q = q.where(Coder.name == CONSENSUS)
    else:
        q = q.where(Coder.role != "model", Coder.name != MODEL)
    merged: dict[tuple[int, int], dict] = {}
    for seg_id, code_id, _name, label, starred, confidence, score in s.execute(q):
        m = merged.setdefault((seg_id, code_id), {"label": None, "starred": False, "confidence": None, "score": None})
        if label and not m["label"]:
            m["label"] = label
        m["starred"] = m["starred"] or bool(starred)
        if confidence is not None and (m["confidence"] is None or confidence > m["confidence"]):
            m["confidence"] = confidence
        if score is not None and (m["score"] is None or score > m["score"]):
            m["score"] = score
    allowed = _pairs_from_counting(s, coder, consensus)
    return [
        Pick(seg, code, m["label"], m["starred"], m["confidence"], m["score"])
        for (seg, code), m in merged.items()
        if allowed is None or (seg, code) in allowed
    ]
