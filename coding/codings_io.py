"""Codings to and from CSV, e.g. from a colleague's spreadsheet or another tool's export.

Rows name a segment either by id or by document + exact offsets; offsets that match no
segment become a segment of their own, so no coding is dropped for falling between units.
"""
from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from corpus.errors import InputError
from models import Case, Coder, Coding, Document, Segment

from .codebook_store import code_paths, display_path, find_code
from .codings import set_coding
from .errors import CocodeError
from .project import find_document


def _read_rows(path: Path) -> list[dict[str, str]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read file ({exc.strerror})") from exc
    for enc in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes nearly everything
        raise InputError(path, "unknown text encoding")
    if "\x00" in text:
        raise InputError(path, "looks like a binary file, not CSV")
    try:
        reader = csv.DictReader(io.StringIO(text))
        rows = [{(k or "").strip().lower(): (v or "").strip() for k, v in row.items()} for row in reader]
    except csv.Error as exc:
        raise InputError(path, f"malformed CSV ({exc})") from exc
    if not rows:
        raise InputError(path, "has no rows")
    return rows


def segment_for_offsets(s: Session, doc: Document, start: int, end: int) -> Segment:
    """The segment with exactly these offsets, created when none exists."""
    seg = s.scalar(select(Segment).where(
        Segment.document_id == doc.id, Segment.start_offset == start, Segment.end_offset == end))
    if seg is not None:
        return seg
    if not (0 <= start < end <= len(doc.text)):
        raise CocodeError(f"offsets {start}-{end} fall outside document {doc.name!r} ({len(doc.text)} characters)")
    containing = s.scalar(select(Segment).where(
        Segment.document_id == doc.id, Segment.start_offset <= start, Segment.end_offset >= end
    ).order_by(Segment.position))
    last = s.scalar(select(Segment.position).where(Segment.document_id == doc.id).order_by(Segment.position.desc()))
    seg = Segment(
        document_id=doc.id, position=(last or 0) + 1, start_offset=start, end_offset=end,
        text=doc.text[start:end], speaker=containing.speaker if containing else None,
        question=containing.question if containing else None,
        case_id=containing.case_id if containing else doc.case_id,
    )
    s.add(seg)
    s.flush()
    return seg


def import_codings(s: Session, path: str | os.PathLike, coder: str, *, status: str = "confirmed") -> int:
    """Import confirmed human codings; the whole file or nothing (the caller's transaction)."""
    path = Path(path)
    rows = _read_rows(path)
    cols = set(rows[0])
    if "code" not in cols or not ({"segment_id"} <= cols or {"document", "start", "end"} <= cols):
        raise InputError(path, "needs a `code` column and either `segment_id` or `document`, `start`, `end`")
    count = 0
    for n, row in enumerate(rows, start=2):
        try:
            code = find_code(s, row["code"])
            if row.get("segment_id"):
                seg = s.get(Segment, int(row["segment_id"]))
                if seg is None:
                    raise CocodeError(f"segment {row['segment_id']} does not exist")
            else:
                seg = segment_for_offsets(s, find_document(s, row["document"]), int(row["start"]), int(row["end"]))
            set_coding(s, seg.id, code.id, coder, status=status, source="import",
                       label=row.get("label") or None, starred=(row.get("starred", "").lower() in ("1", "true", "yes")) or None)
        except (CocodeError, ValueError) as exc:
            raise InputError(path, f"line {n}: {exc}") from exc
        count += 1
    return count


def export_rows(s: Session, coder: str | None = None, status: str | None = "confirmed") -> list[dict[str, Any]]:
    paths = code_paths(s)
    q = (
        select(Coding, Segment, Document.name, Coder.name, Case.code)
        .join(Segment, Segment.id == Coding.segment_id)
        .join(Document, Document.id == Segment.document_id)
        .join(Coder, Coder.id == Coding.coder_id)
        .outerjoin(Case, Case.id == Segment.case_id)
        .order_by(Document.name, Segment.position, Coder.name)
    )
    if coder:
        q = q.where(Coder.name == coder)
    if status:
        q = q.where(Coding.status == status)
    return [
        {
            "segment_id": seg.id, "document": doc, "start": seg.start_offset, "end": seg.end_offset,
            "respondent": resp, "code": display_path(paths[c.code_id]), "coder": who, "status": c.status,
            "source": c.source, "score": c.score, "label": c.label or "", "starred": int(bool(c.starred)),
            "text": seg.text,
        }
        for c, seg, doc, who, resp in s.execute(q)
    ]


def export_codings(s: Session, path: str | os.PathLike, coder: str | None = None, status: str | None = "confirmed") -> int:
    rows = export_rows(s, coder, status)
    fields = ["segment_id", "document", "start", "end", "respondent", "code", "coder", "status", "source",
              "score", "label", "starred", "text"]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    return len(rows)
