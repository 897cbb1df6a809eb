"""Importing transcripts and respondent attributes into the project.

All files are read and checked before anything is written, and the writes are one
transaction: a bad file in a batch leaves the database exactly as it was.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from corpus import Transcript, read_cases_csv, read_transcript
from corpus.errors import InputError
from models import Case, Document, Segment

Progress = Callable[[int, int, str], None]


@dataclass
class IngestReport:
    imported: list[str] = field(default_factory=list)          # document names
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (file, existing document)
    rejected: list[tuple[str, str]] = field(default_factory=list)    # (file, problem)
    segments: int = 0

    def as_dict(self) -> dict:
        return {
            "imported": self.imported,
            "duplicates": [{"file": f, "existing": d} for f, d in self.duplicates],
            "rejected": [{"file": f, "problem": p} for f, p in self.rejected],
            "segments": self.segments,
        }


def get_case(s: Session, code: str, attributes: dict[str, str] | None = None) -> Case:
    case = s.scalar(select(Case).where(Case.code == code))
    if case is None:
        case = Case(code=code, attributes=dict(attributes or {}))
        s.add(case)
        s.flush()
    elif attributes:
        merged = dict(case.attributes or {})
        merged.update({k: v for k, v in attributes.items() if v not in (None, "")})
        if merged != case.attributes:
            case.attributes = merged
    return case


def _unique_name(s: Session, name: str, taken: set[str]) -> str:
    candidate, n = name, 1
    while candidate in taken or s.scalar(select(Document.id).where(Document.name == candidate)) is not None:
        n += 1
        candidate = f"{name} ({n})"
    taken.add(candidate)
    return candidate


def store_transcript(s: Session, t: Transcript, unit: str, name: str | None = None) -> Document:
    """Write one parsed transcript (document, respondents, segments) into the open transaction."""
    for code, attrs in t.cases.items():
        get_case(s, code, attrs)
    doc_case = get_case(s, t.respondent) if t.respondent else None
    doc = Document(
        name=name or t.name, source_filename=t.source_filename, content_hash=t.content_hash,
        text=t.text, unit=unit, case=doc_case,
    )
    s.add(doc)
    s.flush()
    cases: dict[str, Case] = {}
    rows = []
    # A span with no speaker belongs to the document's respondent only when the file has no speaker turns at all
    # (unlabelled answers); in a labelled interview it is a title or header line, not something the respondent said.
    labelled = any(span.speaker for span in t.segments)
    for i, span in enumerate(t.segments):
        case = None
        if span.respondent:
            case = cases.get(span.respondent) or get_case(s, span.respondent)
            cases[span.respondent] = case
        elif not span.is_interviewer and (span.speaker or not labelled):
            case = doc_case
        rows.append(dict(
            document_id=doc.id, position=i, start_offset=span.start, end_offset=span.end,
            text=t.text[span.start:span.end], speaker=span.speaker, question=span.question,
            case_id=case.id if case else None, is_interviewer=span.is_interviewer,
            start_time=span.start_time, end_time=span.end_time, top3_flag=False,
        ))
    if rows:
        s.execute(Segment.__table__.insert(), rows)
    return doc


def ingest(
    s: Session,
    paths: Iterable[str | os.PathLike],
    unit: str = "turn",
    *,
    skip_bad: bool = False,
    progress: Progress | None = None,
    max_bytes: int | None = None,
) -> IngestReport:
    """Read every file, then store the new ones. With skip_bad=False one bad file aborts the batch
    (InputError, nothing written); with skip_bad=True bad files are reported and the rest imported."""
    paths = [Path(p) for p in paths]
    report = IngestReport()
    parsed: list[tuple[Path, Transcript]] = []
    for i, path in enumerate(paths):
        if progress:
            progress(i, len(paths), f"reading {path.name}")
        try:
            parsed.append((path, read_transcript(path, unit=unit, max_bytes=max_bytes)))
        except InputError as exc:
            if not skip_bad:
                raise
            report.rejected.append((path.name, exc.problem))
    seen: dict[str, str] = {}
    taken: set[str] = set()
    for i, (path, t) in enumerate(parsed):
        if progress:
            progress(i, len(parsed), f"storing {path.name}")
        existing = s.scalar(select(Document.name).where(Document.content_hash == t.content_hash)) or seen.get(t.content_hash)
        if existing:
            report.duplicates.append((path.name, existing))
            continue
        doc = store_transcript(s, t, unit, _unique_name(s, t.name, taken))
        seen[t.content_hash] = doc.name
        report.imported.append(doc.name)
        report.segments += len(t.segments)
    if progress:
        progress(len(paths), len(paths), "done")
    return report


def import_cases(s: Session, path: str | os.PathLike) -> int:
    """Respondent attributes from a CSV (respondent + attribute columns). Returns respondents touched."""
    table = read_cases_csv(path)
    for code, attrs in table.items():
        get_case(s, code, attrs)
    return len(table)
