"""The store: schema creation and versioning, sessions as transactions, audit trail, optimistic locking."""
from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, select, text

from models import AuditEvent, Code, Coder, Coding, Document, SchemaError, Segment, open_database, resolve_url


def _doc(s, name="d1", text_="Hello there. General Kenobi."):
    d = Document(name=name, source_filename=f"{name}.txt", content_hash=name * 4, text=text_)
    s.add(d)
    s.flush()
    seg = Segment(document_id=d.id, position=0, start_offset=0, end_offset=12, text=text_[:12])
    s.add(seg)
    s.flush()
    return d, seg


def test_resolve_url_prefers_argument_then_env(monkeypatch, tmp_path):
    monkeypatch.setenv("COCODE_DB", "postgresql+psycopg://u:p@h/db")
    assert resolve_url(None) == "postgresql+psycopg://u:p@h/db"
    assert resolve_url(tmp_path / "x.db") == f"sqlite:///{tmp_path / 'x.db'}"
    monkeypatch.delenv("COCODE_DB")
    assert resolve_url(None) == "sqlite:///cocode.db"


def test_session_is_one_transaction(db):
    with pytest.raises(RuntimeError):
        with db.session("alice") as s:
            _doc(s)
            raise RuntimeError("boom")
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == 0
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_every_coding_change_is_audited_with_actor(db):
    with db.session("alice") as s:
        _, seg = _doc(s)
        code = Code(name="Trust")
        coder = Coder(name="alice")
        s.add_all([code, coder])
        s.flush()
        c = Coding(segment_id=seg.id, code_id=code.id, coder_id=coder.id, status="suggested", source="model")
        s.add(c)
    with db.session("bob") as s:
        c = s.scalar(select(Coding))
        c.status = "confirmed"
    with db.session("carol") as s:
        s.delete(s.scalar(select(Coding)))
    with db.session() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.entity == "coding").order_by(AuditEvent.id)).all()
        assert [(e.action, e.actor) for e in events] == [("create", "alice"), ("update", "bob"), ("delete", "carol")]
        assert events[1].before == {"status": "suggested"} and events[1].after == {"status": "confirmed"}
        assert events[2].before["status"] == "confirmed"


def test_audit_rows_cannot_be_changed_or_deleted(db):
    with db.session("alice") as s:
        _doc(s)
    with pytest.raises(Exception, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE audit_event SET actor = 'mallory'"))
    with pytest.raises(Exception, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_event"))


def test_version_column_stops_lost_updates(db):
    from sqlalchemy.orm.exc import StaleDataError

    with db.session("a") as s:
        _, seg = _doc(s)
        code, coder = Code(name="X"), Coder(name="a")
        s.add_all([code, coder])
        s.flush()
        s.add(Coding(segment_id=seg.id, code_id=code.id, coder_id=coder.id))
    s1, s2 = db.factory(), db.factory()
    c1, c2 = s1.scalar(select(Coding)), s2.scalar(select(Coding))
    c1.label = "first"
    s1.commit()
    c2.label = "second"
    with pytest.raises(StaleDataError):
        s2.commit()
    s2.rollback()
    s1.close(), s2.close()
    with db.session() as s:
        assert s.scalar(select(Coding)).label == "first"


def test_newer_schema_is_refused(sqlite_url, tmp_path):
    db = open_database(sqlite_url)
    db.dispose()
    path = tmp_path / "project.db"
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(SchemaError, match="newer"):
        open_database(sqlite_url)


def test_sqlite_pragmas(sqlite_db):
    with sqlite_db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000


def test_deleting_a_document_removes_its_segments_and_codings(db):
    with db.session("a") as s:
        d, seg = _doc(s)
        code, coder = Code(name="X"), Coder(name="a")
        s.add_all([code, coder])
        s.flush()
        s.add(Coding(segment_id=seg.id, code_id=code.id, coder_id=coder.id))
    with db.session("a") as s:
        s.delete(s.scalar(select(Document)))
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Segment)) == 0
        assert s.scalar(select(func.count()).select_from(Coding)) == 0
        deleted = s.scalars(select(AuditEvent.entity).where(AuditEvent.action == "delete")).all()
        assert sorted(deleted) == ["coding", "document"]  # the cascade is recorded, not silent


def test_a_foreign_database_with_our_table_names_is_refused(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE coding (id INTEGER PRIMARY KEY, whatever TEXT)")
    with pytest.raises(SchemaError, match="not a Cocode database"):
        open_database(path)
    with sqlite3.connect(path) as conn:  # and it was left as it was
        assert conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall() == [("coding",)]
