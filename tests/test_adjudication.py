"""Adjudication writes an audited consensus decision; blind mode hides other people's codings."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from coding.adjudication import blind_history, end_blind_phase, resolve, start_blind_phase, visible_codings
from coding.agreement import disagreements
from coding.codings import find_coding, set_coding
from coding.errors import CocodeError
from models import AuditEvent, Code, Coder, Document, Memo, Project, Segment


def _setup(s) -> tuple[list[int], int]:
    d = Document(name="d1", source_filename="d1.txt", content_hash="h1", text="a" * 40)
    s.add(d)
    s.flush()
    segs = [Segment(document_id=d.id, position=i, start_offset=i * 10, end_offset=i * 10 + 9, text=f"s{i}") for i in range(3)]
    code = Code(name="Trust")
    s.add_all(segs + [code])
    s.flush()
    set_coding(s, segs[0].id, code.id, "alice")
    set_coding(s, segs[1].id, code.id, "bob")
    set_coding(s, segs[1].id, code.id, "model", status="suggested", source="model", score=0.7)
    return [x.id for x in segs], code.id


def test_resolve_writes_audited_consensus_and_memo(db):
    with db.session("builder") as s:
        segs, code = _setup(s)
    with db.session() as s:
        pending = disagreements(s, ["alice", "bob"])
    assert [(d["segment_id"], d["consensus"]) for d in pending] == [(segs[0], None), (segs[1], None)]
    with db.session() as s:  # no actor given: the supervisor is recorded as the actor
        resolve(s, segs[0], code, True, "sue", note="clearly about trust")
        resolve(s, segs[1], code, False, "sue")
    with db.session() as s:
        yes, no = find_coding(s, segs[0], code, "consensus"), find_coding(s, segs[1], code, "consensus")
        assert (yes.status, yes.source, no.status) == ("confirmed", "adjudication", "rejected")
        assert "sue" in yes.reason
        assert s.scalar(select(Coder.role).where(Coder.name == "sue")) == "supervisor"
        memo = s.scalar(select(Memo))
        assert (memo.text, memo.segment_id, memo.code_id, memo.coder.name) == ("clearly about trust", segs[0], code, "sue")
        events = s.scalars(select(AuditEvent).where(AuditEvent.entity == "coding", AuditEvent.actor == "sue")).all()
        assert len(events) == 2 and all(e.after["source"] == "adjudication" for e in events)
        assert [(d["segment_id"], d["consensus"]) for d in disagreements(s, ["alice", "bob"])] == [
            (segs[0], "applied"), (segs[1], "not applied")]
    with db.session("sue") as s:  # changing one's mind is another audited decision
        resolve(s, segs[1], code, True, "sue")
    with db.session() as s:
        assert find_coding(s, segs[1], code, "consensus").status == "confirmed"
        with pytest.raises(CocodeError, match="not a person"):
            resolve(s, segs[1], code, True, "model")
        with pytest.raises(CocodeError, match="does not exist"):
            resolve(s, 9999, code, True, "sue")


def test_blind_phase_hides_other_humans_until_ended(db):
    with db.session("builder") as s:
        segs, code = _setup(s)
    with db.session() as s:
        assert len(visible_codings(s, segs, "alice")) == 3  # not blind: everything
        start_blind_phase(s, "sue")
    with db.session() as s:
        assert s.scalar(select(Project.blind)) is True
        seen = {(c.segment_id, c.coder.name) for c in visible_codings(s, segs, "alice")}
        assert seen == {(segs[0], "alice"), (segs[1], "model")}  # bob's coding is hidden
        seen = {(c.segment_id, c.coder.name) for c in visible_codings(s, segs, "bob")}
        assert seen == {(segs[1], "bob"), (segs[1], "model")}
        assert visible_codings(s, [], "bob") == []
        end_blind_phase(s, "sue")
    with db.session() as s:
        assert s.scalar(select(Project.blind)) is False
        assert len(visible_codings(s, segs, "alice")) == 3
        assert [(h["by"], h["blind"]) for h in blind_history(s)] == [("sue", True), ("sue", False)]
