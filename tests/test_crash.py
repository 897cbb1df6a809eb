"""Crash safety: `cocode ingest` killed with SIGKILL while it writes leaves the project as it was
(no half-imported document, no orphan segments, a sound file), and running it again completes.

Ingest reads every file first and then writes all of them in one transaction, so the kill is
aimed at the write phase: we wait for its "storing" progress line, then kill after a delay.
"""
from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from conftest import ROOT

FILES = 300
COCODE = [sys.executable, "-c", "from coding.cli import main; main()"]


def _transcripts(folder: Path) -> list[Path]:
    rnd = random.Random(7)
    words = "trust governance weekly report scorecard supplier client value innovation promise openness".split()
    folder.mkdir()
    paths = []
    for i in range(FILES):
        turns = []
        for t in range(40):
            turns.append(f"Interviewer: What about point {t} of partnership {i}?")
            turns.append(f"OS{i}, R1: " + " ".join(rnd.choice(words) for _ in range(50)) + ".")
        path = folder / f"OS{i}_R1.txt"
        path.write_text("\n\n".join(turns), encoding="utf-8")
        paths.append(path)
    return paths


def _start(url: str, paths: list[Path]) -> subprocess.Popen:
    env = {**os.environ, "COCODE_DB": url, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([*COCODE, "--as", "importer", "ingest", *map(str, paths)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _kill_while_storing(proc: subprocess.Popen, delay: float, wal: Path | None) -> tuple[bool, int]:
    """SIGKILL `delay` s after the write phase began; returns (killed before it finished, WAL bytes then)."""
    seen = threading.Event()

    def watch() -> None:
        buf = b""
        while chunk := proc.stderr.read1(4096):
            buf = (buf + chunk)[-200:]
            if b"storing" in buf:
                seen.set()
        seen.set()  # ended without a write phase line: stop waiting

    threading.Thread(target=watch, daemon=True).start()
    assert seen.wait(120), "ingest never reached its write phase"
    time.sleep(delay)
    wal_bytes = wal.stat().st_size if wal is not None and wal.exists() else -1
    alive = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    return alive and proc.returncode == -signal.SIGKILL, wal_bytes


def _check_consistent(url: str) -> int:
    """The database is sound and holds whole documents only; returns how many."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            q = lambda sql: conn.execute(text(sql)).scalar()  # noqa: E731
            if url.startswith("sqlite"):
                assert q("PRAGMA integrity_check") == "ok"
                assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
            docs = q("SELECT count(*) FROM document")
            assert q("SELECT count(*) FROM segment WHERE document_id NOT IN (SELECT id FROM document)") == 0
            assert q("SELECT count(*) FROM document d WHERE NOT EXISTS "
                     "(SELECT 1 FROM segment s WHERE s.document_id = d.id)") == 0
            # every document has all 80 of its turns, and each segment is its document's text at its offsets
            assert q("SELECT count(*) FROM (SELECT document_id FROM segment GROUP BY document_id "
                     "HAVING count(*) <> 80) x") == 0
            for doc_text, start, end, seg_text in conn.execute(text(
                    "SELECT d.text, s.start_offset, s.end_offset, s.text FROM segment s "
                    "JOIN document d ON d.id = s.document_id WHERE s.position IN (0, 79)")):
                assert doc_text[start:end] == seg_text
            assert q("SELECT count(*) FROM audit_event WHERE entity = 'document'") == docs
            return docs
    finally:
        engine.dispose()


@pytest.mark.slow
def test_ingest_killed_mid_write_leaves_a_consistent_project(db_url, tmp_path):
    from models import open_database

    open_database(db_url).dispose()  # an existing, empty project
    paths = _transcripts(tmp_path / "batch")
    wal = Path(db_url.removeprefix("sqlite:///") + "-wal") if db_url.startswith("sqlite") else None
    mid_write = []
    for delay in (0.2, 0.6):
        proc = _start(db_url, paths)
        was_running, wal_bytes = _kill_while_storing(proc, delay, wal)
        docs = _check_consistent(db_url)
        assert docs in (0, FILES), "a killed import left part of its batch behind"
        if docs == FILES:  # it committed just before the kill: consistent, but nothing left to interrupt
            break
        if was_running:
            mid_write.append(wal_bytes)
    assert mid_write, "the import always finished before the kill: make the batch bigger"
    if wal is not None:  # the killed transaction had already written pages to the file, and they were ignored
        assert max(mid_write) > 100_000, mid_write

    done = _start(db_url, paths)
    _, err = done.communicate(timeout=300)
    assert done.returncode == 0, err.decode()[-2000:]
    assert _check_consistent(db_url) == FILES
    if db_url.startswith("sqlite"):
        con = sqlite3.connect(db_url.removeprefix("sqlite:///"))
        assert con.execute("SELECT count(*) FROM segment").fetchone()[0] == FILES * 80
        con.close()
