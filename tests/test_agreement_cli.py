"""`cocode agree / disagreements / adjudicate / blind` against the library functions."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from coding.agreement import agreement, disagreements
from coding.cli import app
from coding.cli import _app as cli_state
from coding.codings import find_coding
from models import Project
from test_counting import build_study


@pytest.fixture
def cli(sqlite_db, monkeypatch):
    with sqlite_db.session("builder") as s:
        ids = build_study(s)

    def invoke(*args: str, code: int = 0):
        monkeypatch.setattr(cli_state, "_state", {"db": None, "database": None, "actor": None})
        result = CliRunner().invoke(app, ["--db", sqlite_db.url, *args])
        assert result.exit_code == code, result.output
        return result.output

    return sqlite_db, ids, invoke


def test_agree_and_disagreements_json(cli):
    db, ids, invoke = cli
    report = json.loads(invoke("agree", "--coders", "alice,bob", "--json"))
    one_doc = json.loads(invoke("agree", "--coders", "alice,bob", "--document", "os2", "--json"))
    diffs = json.loads(invoke("disagreements", "--coders", "alice,bob", "--json"))
    with db.session() as s:
        assert report == json.loads(json.dumps(agreement(s, ["alice", "bob"])))
        assert one_doc == json.loads(json.dumps(agreement(s, ["alice", "bob"], documents=["os2"])))
        assert diffs == disagreements(s, ["alice", "bob"])
    # only os2 was seen by both: its 3 respondent segments are the units
    assert report["units"] == 3 and one_doc["units"] == 3
    assert {(d["code"], tuple(d["applied_by"])) for d in diffs} == {("Value", ("bob",)), ("Governance › Processes", ("alice",))}
    assert "[pooled]" in invoke("agree", "--coders", "alice,bob")
    assert "Value" in invoke("disagreements", "--coders", "alice,bob")
    assert "two or more" in str(CliRunner().invoke(app, ["--db", db.url, "agree", "--coders", "alice"]).exception)


def test_adjudicate_and_blind(cli):
    db, ids, invoke = cli
    seg = ids["seg"]["os2"][1]
    out = invoke("adjudicate", str(seg), "Value", "--apply", "--as", "sue", "--note", "named as a top factor")
    assert "applied by sue" in out
    invoke("adjudicate", str(ids["seg"]["os2"][2]), "Governance > Processes", "--reject", "--as", "sue")
    with db.session() as s:
        assert find_coding(s, seg, ids["value"], "consensus").status == "confirmed"
        assert find_coding(s, ids["seg"]["os2"][2], ids["gp"], "consensus").status == "rejected"
    diffs = json.loads(invoke("disagreements", "--coders", "alice,bob", "--json"))
    assert {d["consensus"] for d in diffs} == {"applied", "not applied"}
    invoke("blind", "on", "--as", "sue")
    with db.session() as s:
        assert s.scalar(select(Project.blind)) is True
    invoke("blind", "off", "--as", "sue")
    with db.session() as s:
        assert s.scalar(select(Project.blind)) is False
