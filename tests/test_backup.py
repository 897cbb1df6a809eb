"""Backups: `cocode backup` copies a live SQLite project (others still writing) into a file that opens
with the same rows; a PostgreSQL project gets the exact pg_dump line instead."""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import select, text

from coding.backup import backup, last_backup, pg_dump_command
from coding.codings import set_coding
from coding.errors import CocodeError
from coding.ingest import ingest
from coding.project import init_project
from models import Base, Code, Segment, open_database

from conftest import DEMO, CocodeRunner


def _rows(db) -> dict[str, list[tuple]]:
    out = {}
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            cols = ", ".join(c.name for c in table.columns)
            out[table.name] = conn.execute(text(f"SELECT {cols} FROM {table.name} ORDER BY 1, 2")).all()
    return out


@pytest.fixture
def live(sqlite_db):
    with sqlite_db.session("alice") as s:
        init_project(s, "Backup test")
        ingest(s, [DEMO / "OS1_R1_interview.txt", DEMO / "C1_R1_interview.txt"])
        code = Code(name="Mutual trust")
        s.add(code)
        s.flush()
        for seg in s.scalars(select(Segment).where(Segment.is_interviewer.is_(False)).limit(5)):
            set_coding(s, seg.id, code.id, "alice", label="trust")
    return sqlite_db


def test_backup_of_a_live_database_has_the_same_rows(live, tmp_path):
    # another workbench is in the middle of a write transaction while we back up
    other = sqlite3.connect(Path(live.url.removeprefix("sqlite:///")), timeout=30)
    other.isolation_level = None
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE coding SET label = 'uncommitted'")
    try:
        dest = backup(live, tmp_path / "copy.db")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert dest == tmp_path / "copy.db" and not list(tmp_path.glob(".*partial"))
    copy = open_database(dest, upgrade=False)  # same schema version: opens without migrating
    try:
        original, copied = _rows(live), _rows(copy)
        # the copy is the project as it was; only the note of this backup came after it
        last = [c.name for c in Base.metadata.tables["project"].columns].index("last_backup_at")
        assert [r[:last] + r[last + 1:] for r in copied.pop("project")] == \
            [r[:last] + r[last + 1:] for r in original.pop("project")]
        assert copied == original
        assert len(copied["segment"]) > 10 and len(copied["coding"]) == 5 and copied["audit_event"]
        assert all("uncommitted" not in map(str, r) for r in copied["coding"])
        with copy.engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"  # Cocode's own setting on open
    finally:
        copy.dispose()
    assert last_backup(live) is None  # the project was busy at that moment: the note was skipped, not waited for
    backup(live, tmp_path / "second.db")
    assert last_backup(live) is not None


def test_backup_while_another_thread_keeps_writing(live, tmp_path):
    """The snapshot is consistent: every coding in the copy has its audit event in the copy."""
    stop = threading.Event()

    def writer() -> None:
        i = 0
        while not stop.is_set():
            with live.session("bob") as s:
                seg = s.scalars(select(Segment).offset(i % 20)).first()
                set_coding(s, seg.id, 1, "bob", label=f"b{i}")
            i += 1

    t = threading.Thread(target=writer)
    t.start()
    try:
        dests = [backup(live, tmp_path / f"copy{k}.db") for k in range(3)]
    finally:
        stop.set()
        t.join()
    for dest in dests:
        con = sqlite3.connect(dest)
        codings = con.execute("SELECT id, version FROM coding").fetchall()
        for cid, version in codings:
            n = con.execute("SELECT count(*) FROM audit_event WHERE entity='coding' AND entity_id=? "
                            "AND action IN ('create','update')", (cid,)).fetchone()[0]
            assert n == version  # one create + (version - 1) updates, no more, no fewer
        con.close()


def test_backup_refuses_to_overwrite_or_to_copy_onto_itself(live, tmp_path):
    backup(live, tmp_path / "b.db")
    with pytest.raises(CocodeError, match="already exists"):
        backup(live, tmp_path / "b.db")
    backup(live, tmp_path / "b.db", overwrite=True)
    with pytest.raises(CocodeError, match="project database itself"):
        backup(live, live.url.removeprefix("sqlite:///"))
    folder = tmp_path / "daily"
    folder.mkdir()
    made = backup(live, folder)
    assert made.parent == folder and made.suffix == ".db"


@pytest.mark.postgres
def test_postgres_backup_names_the_pg_dump_command(pg_url, tmp_path):
    db = open_database(pg_url)
    try:
        with pytest.raises(CocodeError) as err:
            backup(db, tmp_path / "team.dump")
    finally:
        db.dispose()
    msg = str(err.value)
    assert pg_dump_command(pg_url, tmp_path / "team.dump") in msg
    assert "pg_dump --format=custom --file=" in msg and "postgresql://" in msg and "+psycopg" not in msg
    assert ":cocode@" not in msg  # the password is not printed


def test_pg_dump_command_quotes_and_hides_the_password():
    cmd = pg_dump_command("postgresql+psycopg://ana:s3cret@db.lab:5433/study", "my backups/team.dump")
    assert cmd == "pg_dump --format=custom --file='my backups/team.dump' postgresql://ana@db.lab:5433/study"


def test_cli_backup(tmp_path):
    from coding.cli import app

    runner = CocodeRunner()
    dbfile = tmp_path / "p.db"
    assert runner.invoke(app, ["--db", str(dbfile), "--as", "a", "ingest", str(DEMO / "OS2_R1_interview.txt")]).exit_code == 0
    r = runner.invoke(app, ["--db", str(dbfile), "backup", str(tmp_path / "b.db")])
    assert r.exit_code == 0 and "b.db" in r.stdout
    con = sqlite3.connect(tmp_path / "b.db")
    assert con.execute("SELECT count(*) FROM document").fetchone()[0] == 1
    con.close()
    r = runner.invoke(app, ["--db", str(dbfile), "backup", str(tmp_path / "b.db")])
    assert r.exit_code != 0
