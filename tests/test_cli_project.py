"""The `cocode` command line end to end, as a researcher would run it (real subprocesses, real databases)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from codebooks import read_codebook

from conftest import DEMO, ROOT

COCODE = [sys.executable, "-m", "coding.cli"]
TRANSCRIPTS = sorted(p for p in DEMO.iterdir() if p.suffix in (".txt", ".docx", ".vtt") and p.name[0].isupper())


def run(db: str, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([*COCODE, "--db", db, *map(str, args)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_demo_corpus_and_codebooks_round_trip_through_the_cli(db_url: str, tmp_path: Path):
    run(db_url, "init", "--name", "Outsourcing study")
    for name in ("outsourcing-success-factors", "co-creation-barriers"):
        run(db_url, "codebook", "import", ROOT / "codebooks" / "data" / f"{name}.yaml")
    out = json.loads(run(db_url, "ingest", *TRANSCRIPTS, "--json").stdout)
    assert len(out["imported"]) == len(TRANSCRIPTS) == 10
    run(db_url, "cases", "import", DEMO / "respondents.csv")

    docs = json.loads(run(db_url, "documents", "--json").stdout)
    assert {d["respondent"] for d in docs} == {p.name.split("_")[0] + "-R1" for p in TRANSCRIPTS}
    assert sum(d["segments"] for d in docs) == out["segments"]

    # Segments slice the stored text exactly and carry the question they answer.
    segs = json.loads(run(db_url, "segments", "--document", "OS1_R1_interview", "--json").stdout)
    assert any("top three" in (s["question"] or "").lower() for s in segs if not s["is_interviewer"])

    # Both codebooks come back out unchanged (the exported YAML reads to the same codes).
    exported = tmp_path / "book.yaml"
    run(db_url, "codebook", "export", exported)
    codes = read_codebook(exported).codes
    originals = [c for n in ("outsourcing-success-factors", "co-creation-barriers")
                 for c in read_codebook(ROOT / "codebooks" / "data" / f"{n}.yaml").codes]
    strip = lambda c: (c.path, c.description, c.examples, c.keywords, c.color, c.codable)  # noqa: E731
    assert sorted(map(strip, codes)) == sorted(map(strip, originals))

    # Importing the same file again is detected by content hash.
    again = json.loads(run(db_url, "ingest", TRANSCRIPTS[0], "--json").stdout)
    assert again["imported"] == [] and len(again["duplicates"]) == 1


def test_bad_file_in_a_batch_leaves_the_database_as_it_was(sqlite_url: str, tmp_path: Path):
    run(sqlite_url, "ingest", TRANSCRIPTS[0])
    before = json.loads(run(sqlite_url, "documents", "--json").stdout)
    bad = tmp_path / "broken.docx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    proc = run(sqlite_url, "ingest", TRANSCRIPTS[1], bad, ok=False)
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if "error" in line]
    assert len(lines) == 1 and "broken.docx" in lines[0] and "Traceback" not in proc.stderr
    assert json.loads(run(sqlite_url, "documents", "--json").stdout) == before


@pytest.mark.parametrize("content, problem", [
    (b"", "empty"),
    (b"\x00\x01\x02binary\x00", "binary"),
])
def test_unreadable_transcripts_give_one_clear_line(sqlite_url: str, tmp_path: Path, content: bytes, problem: str):
    f = tmp_path / "interview.txt"
    f.write_bytes(content)
    proc = run(sqlite_url, "ingest", f, ok=False)
    assert proc.returncode == 2
    assert "interview.txt" in proc.stderr and problem in proc.stderr.lower()
    assert "Traceback" not in proc.stderr


def test_codebook_with_missing_parent_is_refused(sqlite_url: str, tmp_path: Path):
    f = tmp_path / "book.csv"
    f.write_text("name,parent\nProcesses,Strong governance\n", encoding="utf-8")
    proc = run(sqlite_url, "codebook", "import", f, ok=False)
    assert proc.returncode == 2 and "book.csv" in proc.stderr and "Traceback" not in proc.stderr


def test_codings_import_by_offsets_and_export(sqlite_url: str, tmp_path: Path):
    run(sqlite_url, "codebook", "import", ROOT / "codebooks" / "data" / "co-creation-barriers.yaml")
    run(sqlite_url, "ingest", DEMO / "OS1_R1_interview.txt")
    segs = json.loads(run(sqlite_url, "segments", "--json").stdout)
    answer = next(s for s in segs if not s["is_interviewer"])
    # One row on an existing segment, one on a sub-span that matches no segment: it becomes a segment of its own.
    sub_start, sub_end = answer["start"] + 3, answer["start"] + 40
    f = tmp_path / "codings.csv"
    f.write_text(
        "document,start,end,code\n"
        f"OS1_R1_interview,{answer['start']},{answer['end']},Lack of trust\n"
        f"OS1_R1_interview,{sub_start},{sub_end},Power imbalances\n",
        encoding="utf-8",
    )
    run(sqlite_url, "codings", "import", f, "--coder", "alice")
    out = tmp_path / "out.csv"
    run(sqlite_url, "codings", "export", out)
    import csv

    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {(int(r["start"]), int(r["end"]), r["code"], r["coder"]) for r in rows} == {
        (answer["start"], answer["end"], "Lack of trust", "alice"),
        (sub_start, sub_end, "Power imbalances", "alice"),
    }
    sub = next(r for r in rows if r["code"] == "Power imbalances")
    assert sub["text"] == answer["text"][3:40]

    # A row naming an unknown code fails the whole file, with its line number.
    bad = tmp_path / "bad.csv"
    bad.write_text(f"segment_id,code\n{answer['segment_id']},Power imbalances\n{answer['segment_id']},Nope\n", encoding="utf-8")
    proc = run(sqlite_url, "codings", "import", bad, "--coder", "bob", ok=False)
    assert proc.returncode == 2 and "line 3" in proc.stderr
    assert not [r for r in csv.DictReader(out.open()) if r["coder"] == "bob"]
    run(sqlite_url, "codings", "export", out, "--coder", "bob")
    assert list(csv.DictReader(out.open(encoding="utf-8"))) == []


def test_demo_command_builds_the_demo_project_once(sqlite_url: str):
    from models import open_database
    from coding.demo import build_demo
    from coding.project import documents

    db = open_database(sqlite_url)
    first = build_demo(db, suggest=False)
    assert "10 transcripts" in first
    assert "already loaded" in build_demo(db, suggest=False)
    with db.session() as s:
        docs = documents(s)
    assert len(docs) == 10 and sum(d["coded"] for d in docs) == 6  # six double-coded top-three answers
    from coding.coders import list_coders

    with db.session() as s:
        roles = {c.name: c.role for c in list_coders(s)}
    assert roles == {"alice": "coder", "bob": "coder", "sam": "supervisor"}
    db.dispose()
