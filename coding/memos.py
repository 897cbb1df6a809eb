"""Memos: a coder's free-text notes on a segment, a document or a code.

Memos are how analytic thinking is kept next to the data (why a segment got a code, doubts
about a definition); they travel with REFI-QDA exports, so they live in the store, attributed
to their author, and every change is audited.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Code, Document, Memo, Segment

from .coders import get_coder
from .errors import CocodeError


def add_memo(
    s: Session,
    text: str,
    coder: str,
    segment_id: int | None = None,
    document_id: int | None = None,
    code_id: int | None = None,
) -> Memo:
    """A new memo by `coder`, attached to a segment, a document and/or a code (at least one)."""
    text = (text or "").strip()
    if not text:
        raise CocodeError("a memo needs some text")
    if segment_id is None and document_id is None and code_id is None:
        raise CocodeError("a memo belongs to a segment, a document or a code")
    if segment_id is not None:
        seg = s.get(Segment, segment_id)
        if seg is None:
            raise CocodeError(f"segment {segment_id} does not exist")
        document_id = document_id if document_id is not None else seg.document_id
    if document_id is not None and s.get(Document, document_id) is None:
        raise CocodeError(f"document {document_id} does not exist")
    if code_id is not None and s.get(Code, code_id) is None:
        raise CocodeError(f"code {code_id} does not exist")
    memo = Memo(text=text, coder=get_coder(s, coder), segment_id=segment_id, document_id=document_id, code_id=code_id)
    s.add(memo)
    s.flush()
    return memo


def edit_memo(s: Session, memo_id: int, text: str, coder: str) -> Memo:
    """Only the author changes a memo's text (others add their own)."""
    memo = s.get(Memo, memo_id)
    if memo is None:
        raise CocodeError(f"memo {memo_id} does not exist")
    if memo.coder is None or memo.coder.name != coder:
        raise CocodeError(f"memo {memo_id} belongs to {memo.coder.name if memo.coder else 'nobody'}; add your own memo")
    text = (text or "").strip()
    if not text:
        raise CocodeError("a memo needs some text")
    memo.text = text
    s.flush()
    return memo


def delete_memo(s: Session, memo_id: int, coder: str) -> None:
    memo = s.get(Memo, memo_id)
    if memo is None:
        raise CocodeError(f"memo {memo_id} was already removed")
    if memo.coder is None or memo.coder.name != coder:
        raise CocodeError(f"memo {memo_id} belongs to {memo.coder.name if memo.coder else 'nobody'}")
    s.delete(memo)
    s.flush()


def memos_for(
    s: Session,
    *,
    segment_id: int | None = None,
    document_id: int | None = None,
    code_id: int | None = None,
    coder: str | None = None,
    segment_ids: list[int] | None = None,
) -> list[dict[str, Any]]:
    """Memos matching every filter given, oldest first. `coder` limits to one author (blind mode)."""
    q = select(Memo).order_by(Memo.created_at, Memo.id)
    if segment_id is not None:
        q = q.where(Memo.segment_id == segment_id)
    if segment_ids is not None:
        q = q.where(Memo.segment_id.in_(segment_ids))
    if document_id is not None:
        q = q.where(Memo.document_id == document_id)
    if code_id is not None:
        q = q.where(Memo.code_id == code_id)
    rows = list(s.scalars(q))
    out = []
    for m in rows:
        author = m.coder.name if m.coder else None
        if coder is not None and author != coder:
            continue
        out.append({
            "id": m.id, "text": m.text, "coder": author, "segment_id": m.segment_id,
            "document_id": m.document_id, "code_id": m.code_id, "created_at": m.created_at,
        })
    return out
