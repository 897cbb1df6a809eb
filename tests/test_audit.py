"""The audit trail: one event (who, when, before, after) per create, change and delete of a coding,
code or document, written by every engine path; readable through coding.audit_log and `cocode audit`;
and nothing, in the code or in the database, can change or remove an event."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from coding import audit_log, codebook_edit
from coding.codings import accept_suggestion, reject_suggestion, remove_coding, set_coding
from coding.errors import CocodeError
from coding.ingest import ingest
from models import AuditEvent, Coding, Document, Segment

from conftest import DEMO, ROOT, CocodeRunner


def _events(s, after_id: int = 0) -> list[AuditEvent]:
    return list(s.scalars(select(AuditEvent).where(AuditEvent.id > after_id).order_by(AuditEvent.id)))


def _last_id(s) -> int:
    return s.scalar(select(func.max(AuditEvent.id))) or 0


def _one(db, actor, fn):
    """Run fn in its own session as `actor`; return (result, the events that session wrote)."""
    with db.session() as s:
        start = _last_id(s)
    with db.session(actor) as s:
        result = fn(s)
    with db.session() as s:
        return result, [(e.action, e.entity, e.entity_id, e.actor, e.before, e.after) for e in _events(s, start)
                        if e.entity in ("coding", "code", "document")]


@pytest.fixture
def project(db):
    """Two demo transcripts and a two-code codebook."""
    with db.session("setup") as s:
        ingest(s, [DEMO / "OS1_R1_interview.txt", DEMO / "C1_R1_interview.txt"])
        trust = codebook_edit.add_code(s, "Mutual trust")
        gov = codebook_edit.add_code(s, "Strong governance")
        seg = s.scalars(select(Segment).where(Segment.is_interviewer.is_(False)).order_by(Segment.id)).first()
        ids = {"trust": trust.id, "gov": gov.id, "seg": seg.id}
    return db, ids


def test_every_coding_change_is_exactly_one_event(project):
    db, ids = project
    seg, trust = ids["seg"], ids["trust"]
    sug, ev = _one(db, "model-run", lambda s: set_coding(s, seg, trust, "model", status="suggested", source="model",
                                                        score=0.71, reason="near 'trust'").id)
    assert [(a, e, i, who) for a, e, i, who, _, _ in ev] == [("create", "coding", sug, "model-run")]
    assert ev[0][4] is None and ev[0][5]["status"] == "suggested" and ev[0][5]["score"] == 0.71

    mine, ev = _one(db, "alice", lambda s: accept_suggestion(s, seg, trust, "alice").id)
    assert len(ev) == 1 and ev[0][:4] == ("create", "coding", mine, "alice")
    assert ev[0][5]["status"] == "confirmed" and ev[0][5]["source"] == "model"

    _, ev = _one(db, "alice", lambda s: set_coding(s, seg, trust, "alice", label="relying on each other",
                                                   expected_version=1))
    assert ev == [("update", "coding", mine, "alice", {"label": None}, {"label": "relying on each other"})]

    _, ev = _one(db, "alice", lambda s: reject_suggestion(s, seg, trust, "alice", expected_version=2))
    assert ev == [("update", "coding", mine, "alice", {"status": "confirmed"}, {"status": "rejected"})]

    _, ev = _one(db, "bob", lambda s: remove_coding(s, mine, expected_version=3))
    assert len(ev) == 1 and ev[0][:4] == ("delete", "coding", mine, "bob")
    assert ev[0][4]["status"] == "rejected" and ev[0][4]["label"] == "relying on each other" and ev[0][5] is None


def test_a_refused_change_leaves_no_event(project):
    db, ids = project
    with db.session("alice") as s:
        set_coding(s, ids["seg"], ids["trust"], "alice")
    with db.session() as s:
        start = _last_id(s)
    with pytest.raises(CocodeError):
        with db.session("bob") as s:
            set_coding(s, ids["seg"], ids["trust"], "alice", status="rejected", expected_version=7)
    with db.session() as s:
        assert _events(s, start) == []
        assert s.scalar(select(Coding.status)) == "confirmed"


def test_every_code_change_is_exactly_one_event(project):
    db, ids = project
    new, ev = _one(db, "sup", lambda s: codebook_edit.add_code(s, "Processes", ids["gov"], description="what they do").id)
    assert len(ev) == 1 and ev[0][:4] == ("create", "code", new, "sup") and ev[0][5]["name"] == "Processes"

    _, ev = _one(db, "sup", lambda s: codebook_edit.rename_code(s, new, "Processes and practices"))
    assert ev == [("update", "code", new, "sup", {"name": "Processes"}, {"name": "Processes and practices"})]

    _, ev = _one(db, "sup", lambda s: codebook_edit.update_code(s, new, inclusion="a procedure"))
    assert ev == [("update", "code", new, "sup", {"inclusion": ""}, {"inclusion": "a procedure"})]

    _, ev = _one(db, "sup", lambda s: codebook_edit.delete_code(s, new))
    assert len(ev) == 1 and ev[0][:4] == ("delete", "code", new, "sup") and ev[0][4]["name"] == "Processes and practices"


def test_deleting_a_code_records_each_coding_it_takes_with_it(project):
    db, ids = project
    with db.session("alice") as s:
        c = set_coding(s, ids["seg"], ids["gov"], "alice").id
    _, ev = _one(db, "sup", lambda s: codebook_edit.delete_code(s, ids["gov"], confirm=True))
    assert [(a, e, i) for a, e, i, *_ in ev] == [("delete", "coding", c), ("delete", "code", ids["gov"])]


def test_every_document_change_is_exactly_one_event(project):
    db, _ = project
    report, ev = _one(db, "alice", lambda s: ingest(s, [DEMO / "OS2_R1_interview.txt"]))
    with db.session() as s:
        doc = s.scalar(select(Document).where(Document.name == report.imported[0]))
        doc_id = doc.id
    assert len(ev) == 1 and ev[0][:4] == ("create", "document", doc_id, "alice")
    assert ev[0][5]["name"] == doc.name and "text" not in ev[0][5]  # the transcript itself stays out of the log

    def rename(s):
        s.get(Document, doc_id).name = "OS2 R1 (renamed)"

    _, ev = _one(db, "alice", rename)
    assert ev == [("update", "document", doc_id, "alice", {"name": doc.name}, {"name": "OS2 R1 (renamed)"})]

    _, ev = _one(db, "alice", lambda s: s.delete(s.get(Document, doc_id)))
    assert [(a, e, i) for a, e, i, *_ in ev] == [("delete", "document", doc_id)]
    with db.session() as s:  # its segments went with it (database cascade)
        assert s.scalar(select(func.count()).select_from(Segment).where(Segment.document_id == doc_id)) == 0


def test_deleting_a_document_records_the_codings_it_takes_with_it(project):
    db, ids = project
    with db.session("alice") as s:
        c = set_coding(s, ids["seg"], ids["trust"], "alice").id
        doc_id = s.get(Segment, ids["seg"]).document_id
    _, ev = _one(db, "sup", lambda s: s.delete(s.get(Document, doc_id)))
    assert ("delete", "coding", c) in [(a, e, i) for a, e, i, *_ in ev]


def test_audit_rows_are_append_only_in_the_database(project):
    db, _ = project
    with db.session() as s:
        n = s.scalar(select(func.count()).select_from(AuditEvent))
    assert n > 0
    for sql in ("UPDATE audit_event SET actor = 'mallory'", "DELETE FROM audit_event",
                "DELETE FROM audit_event WHERE id = (SELECT min(id) FROM audit_event)"):
        with pytest.raises(Exception, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text(sql))
    with pytest.raises(Exception, match="append-only"):  # nor through the ORM
        with db.session("mallory") as s:
            s.scalars(select(AuditEvent)).first().actor = "mallory"
    with pytest.raises(Exception, match="append-only"):
        with db.session("mallory") as s:
            s.delete(s.scalars(select(AuditEvent)).first())
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == n
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.actor == "mallory")) == 0


def test_no_code_path_updates_or_deletes_audit_rows():
    """Nothing in the product updates, deletes or truncates audit rows (adding events is fine); the
    migrations only mention those verbs in the triggers that refuse them."""
    verbs = re.compile(
        r"(update|delete)\s*\(\s*AuditEvent|(UPDATE|DELETE\s+FROM|TRUNCATE)\s+(TABLE\s+)?audit_event"
        r"|query\s*\(\s*AuditEvent\s*\)\s*\.\s*(update|delete)", re.IGNORECASE)
    trigger = re.compile(r"BEFORE (UPDATE|DELETE|TRUNCATE|\{verb\})", re.IGNORECASE)
    offenders, scanned = [], 0
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith((".venv/", "tests/", "build/")):
            continue
        scanned += 1
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if verbs.search(line) and not trigger.search(line):
                offenders.append(f"{rel}:{n}: {line.strip()}")
    assert scanned > 20 and offenders == []
    assert verbs.search('conn.execute(text("DELETE FROM audit_event"))')  # the scan would see one


def test_events_filters_by_coder_date_entity_and_limit(project):
    db, ids = project
    with db.session("alice") as s:
        set_coding(s, ids["seg"], ids["trust"], "alice")
    with db.session("bob") as s:
        set_coding(s, ids["seg"], ids["trust"], "bob", status="rejected")
        codebook_edit.rename_code(s, ids["gov"], "Governance")
    with db.session() as s:
        everything = audit_log.events(s)
        assert [e["id"] for e in everything] == sorted(e["id"] for e in everything)
        bob = audit_log.events(s, coder="bob")
        assert [(e["action"], e["entity"]) for e in bob] == [("create", "coding"), ("update", "code")]
        assert [e["entity"] for e in audit_log.events(s, coder="bob", entity="code")] == ["code"]
        assert {e["entity"] for e in audit_log.events(s, entity="document")} == {"document"}
        assert len(audit_log.events(s, entity="document")) == 2
        assert audit_log.events(s, limit=2) == everything[-2:]
        tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).date()
        assert audit_log.events(s, since=tomorrow.isoformat()) == []
        yesterday = (datetime.now(timezone.utc) - timedelta(days=1)).date()
        assert audit_log.events(s, since=yesterday) == everything
        last = datetime.fromisoformat(everything[-1]["at"])
        assert [e["id"] for e in audit_log.events(s, since=last)] == [e["id"] for e in everything
                                                                      if datetime.fromisoformat(e["at"]) >= last]
        with pytest.raises(CocodeError, match="since"):
            audit_log.events(s, since="last tuesday")
        with pytest.raises(CocodeError, match="entity"):
            audit_log.events(s, entity="segment")


def test_cli_audit(tmp_path: Path):
    from coding.cli import app

    dbfile = tmp_path / "p.db"
    runner = CocodeRunner()
    r = runner.invoke(app, ["--db", str(dbfile), "--as", "alice", "ingest", str(DEMO / "OS1_R1_interview.txt")])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["--db", str(dbfile), "--as", "bob", "ingest", str(DEMO / "C1_R1_interview.txt")])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["--db", str(dbfile), "audit", "--coder", "bob", "--json"])
    assert r.exit_code == 0, r.output
    rows = [e for e in json.loads(r.stdout) if e["entity"] != "case"]  # ingest also records the respondent
    assert [(e["actor"], e["action"], e["entity"]) for e in rows] == [("bob", "create", "document")]
    assert rows[0]["after"]["name"].startswith("C1")
    r = runner.invoke(app, ["--db", str(dbfile), "audit", "--entity", "document", "--since", "2000-01-01"])
    assert r.exit_code == 0 and "alice" in r.stdout and "bob" in r.stdout and "create" in r.stdout
    r = runner.invoke(app, ["--db", str(dbfile), "audit", "--entity", "segment"])
    assert r.exit_code != 0
