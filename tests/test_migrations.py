"""Schema versions: a database written by schema 0001 opens in this Cocode with its data intact,
after a backup of the old file; and the same upgrade runs on PostgreSQL."""
from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select, text

from models import AuditEvent, Coding, Project, open_database
from models.db import _alembic_config, head_revision

DATA = Path(__file__).parent / "data"
OLD_DB = DATA / "cocode-schema-0001.db"
TABLES = ("project", "respondent", "document", "segment", "code", "coder", "coding", "memo", "audit_event")


def _dump(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table of schema 0001, keyed by table, columns in 0001's order."""
    con = sqlite3.connect(path)
    out = {}
    for table in TABLES:
        cols = [r[1] for r in con.execute(f"PRAGMA table_info({table})")]
        out[table] = (cols, con.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY 1").fetchall())
    con.close()
    return out


def _revision(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    finally:
        con.close()


@pytest.fixture
def old_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "old.db"
    shutil.copy(OLD_DB, dest)
    return dest


def test_fixture_is_a_schema_0001_project():
    assert _revision(OLD_DB) == "0001"
    rows = _dump(OLD_DB)
    assert {t: len(r) for t, (_, r) in rows.items()} == {
        "project": 1, "respondent": 2, "document": 2, "segment": 6, "code": 5, "coder": 2,
        "coding": 5, "memo": 1, "audit_event": 12,
    }
    assert "last_backup_at" not in rows["project"][0]


def test_generator_reproduces_the_committed_file(tmp_path):
    """tests/data/make_old_db.py is the recipe for the binary file beside it."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_old_db", DATA / "make_old_db.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fresh = module.make(tmp_path / "fresh.db")
    committed, regenerated = _dump(OLD_DB), _dump(fresh)
    assert regenerated == committed


def test_old_database_upgrades_with_data_intact_and_a_backup_first(old_copy):
    before = _dump(old_copy)
    db = open_database(old_copy)
    try:
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision(db.engine)
            insp = inspect(conn)
            assert "last_backup_at" in {c["name"] for c in insp.get_columns("project")}
            assert "ix_audit_event_actor_at" in {i["name"] for i in insp.get_indexes("audit_event")}
        # every old row is there, column for column
        con = sqlite3.connect(old_copy)
        for table, (cols, rows) in before.items():
            assert con.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY 1").fetchall() == rows, table
        con.close()
        # the backup was taken before migrating: it is the untouched 0001 file
        backups = list(old_copy.parent.glob("old.db.before-*.bak"))
        assert len(backups) == 1 and backups[0].name.startswith(f"old.db.before-{head_revision(db.engine)}-")
        assert _revision(backups[0]) == "0001"
        assert _dump(backups[0]) == before
    finally:
        db.dispose()


def test_upgraded_database_works_with_todays_engine(old_copy):
    from coding.codings import set_coding
    from coding.project import documents

    db = open_database(old_copy)
    try:
        with db.session("bob") as s:
            assert s.scalar(select(Project)).last_backup_at is None
            docs = {d["name"]: d for d in documents(s)}
            assert docs["OS1_R1"]["segments"] == 3 and docs["C3_R1"]["coded"] == 1
            old = s.scalar(select(Coding).where(Coding.label == "steering group"))
            changed = set_coding(s, old.segment_id, old.code_id, "alice", label="monthly steering group",
                                 expected_version=1)
            assert changed.version == 2
        with db.session() as s:
            last = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
            assert (last.actor, last.action, last.entity, last.after) == ("bob", "update", "coding",
                                                                         {"label": "monthly steering group"})
        # opening again neither migrates nor backs up again
        db.dispose()
        db = open_database(old_copy)
        assert len(list(old_copy.parent.glob("old.db.before-*.bak"))) == 1
    finally:
        db.dispose()


@pytest.mark.postgres
def test_postgres_upgrades_from_0001_and_guards_the_trail_against_truncate(pg_url):
    from alembic import command

    engine = create_engine(pg_url)
    cfg = _alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(text("INSERT INTO project (name, description, blind, top3_pattern, created_at) "
                          "VALUES ('old', '', false, 'top three', now())"))
        conn.execute(text("INSERT INTO audit_event (at, actor, action, entity) VALUES (now(), 'alice', 'create', 'code')"))
    engine.dispose()
    db = open_database(pg_url)
    try:
        with db.session() as s:
            project = s.scalar(select(Project))
            assert project.name == "old" and project.last_backup_at is None
            assert [e.actor for e in s.scalars(select(AuditEvent))] == ["alice"]
        with pytest.raises(Exception, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text("TRUNCATE audit_event"))
        with db.session() as s:
            assert len(s.scalars(select(AuditEvent)).all()) == 1
    finally:
        db.dispose()


def test_schema_changes_are_transactional_on_sqlite(sqlite_db):
    """DDL runs inside the transaction (pysqlite alone would autocommit each CREATE), so a
    migration that fails half-way leaves the old schema, not half a new one."""
    with pytest.raises(RuntimeError):
        with sqlite_db.engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE half_done (x INTEGER)")
            conn.exec_driver_sql("ALTER TABLE project ADD COLUMN half_col TEXT")
            raise RuntimeError("the migration failed here")
    insp = inspect(sqlite_db.engine)
    assert not insp.has_table("half_done")
    assert "half_col" not in {c["name"] for c in insp.get_columns("project")}


def _open(url: str) -> str:
    from models import open_database as _open_database

    db = _open_database(url)
    db.dispose()
    return "ok"


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_workbenches_opening_a_new_project_at_once_create_the_schema_once(backend, request, tmp_path):
    """Four workbenches start on a new (or older) project at the same moment: the upgrade runs once, nobody fails."""
    import multiprocessing as mp

    url = f"sqlite:///{tmp_path / 'fresh.db'}" if backend == "sqlite" else request.getfixturevalue("pg_url")
    with mp.get_context("spawn").Pool(4) as pool:
        assert pool.map(_open, [url] * 4) == ["ok"] * 4
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    engine.dispose()
