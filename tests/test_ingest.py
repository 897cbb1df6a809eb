"""Ingest: who a segment belongs to, duplicates within a batch, and skip_bad reporting."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from corpus.errors import InputError
from models import Case, Document, Segment

from coding.ingest import ingest


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_header_lines_are_not_attributed_to_the_respondent(db, tmp_path):
    f = _write(tmp_path, "OS7_R1_interview.txt",
               "Partnership study, interview 7\n\nInterviewer: What works?\n\nOS7, R1: Weekly reviews with the client.\n")
    with db.session("t") as s:
        ingest(s, [f])
    with db.session() as s:
        rows = s.execute(select(Segment.text, Segment.speaker, Case.code).outerjoin(Case, Case.id == Segment.case_id)
                         .order_by(Segment.position)).all()
    by_text = {text: (speaker, case) for text, speaker, case in rows}
    assert by_text["Weekly reviews with the client."] == ("OS7, R1", "OS7-R1")
    header = [v for t, v in by_text.items() if t.startswith("Partnership study")]
    assert header == [(None, None)]


def test_unlabelled_answers_belong_to_the_document_respondent(db, tmp_path):
    f = _write(tmp_path, "C9_R1_notes.txt", "We meet every Monday.\n\nTrust took years to build.\n")
    with db.session("t") as s:
        ingest(s, [f])
    with db.session() as s:
        codes = s.scalars(select(Case.code).join(Segment, Segment.case_id == Case.id)).all()
    assert codes == ["C9-R1", "C9-R1"]


def test_same_content_twice_in_one_batch_is_stored_once(db, tmp_path):
    a = _write(tmp_path, "a.txt", "Interviewer: Q?\n\nR1: Answer.\n")
    b = _write(tmp_path, "b.txt", "Interviewer: Q?\n\nR1: Answer.\n")
    with db.session("t") as s:
        report = ingest(s, [a, b])
    assert report.imported == ["a"] and report.duplicates == [("b.txt", "a")]
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == 1


def test_skip_bad_reports_each_rejected_file_and_imports_the_rest(db, tmp_path):
    good = _write(tmp_path, "good.txt", "Interviewer: Q?\n\nR1: Answer.\n")
    empty = _write(tmp_path, "empty.txt", "   \n")
    with db.session("t") as s:
        report = ingest(s, [good, empty], skip_bad=True)
    assert report.imported == ["good"]
    assert [f for f, _ in report.rejected] == ["empty.txt"]
    with pytest.raises(InputError, match="empty.txt"):
        with db.session("t") as s:
            ingest(s, [empty])


def test_two_files_with_the_same_name_get_distinct_document_names(db, tmp_path):
    (tmp_path / "x").mkdir()
    a = _write(tmp_path, "notes.txt", "Interviewer: Q?\n\nR1: One.\n")
    b = _write(tmp_path / "x", "notes.txt", "Interviewer: Q?\n\nR1: Two.\n")
    with db.session("t") as s:
        report = ingest(s, [a, b])
    assert report.imported == ["notes", "notes (2)"]
