"""`cocode count / top3 / cooccur`: the JSON is exactly what the library functions return."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from coding import counting
from coding.cli import app
from coding.cli import _app as cli_state
from coding.cli.analysis_cmds import records
from conftest import ROOT
from test_counting import build_study


@pytest.fixture
def cli(sqlite_db, monkeypatch):
    """Invoke the CLI in-process against the test's database (a fresh CLI state per call)."""
    with sqlite_db.session("builder") as s:
        ids = build_study(s)

    def invoke(*args: str):
        monkeypatch.setattr(cli_state, "_state", {"db": None, "database": None, "actor": None})
        result = CliRunner().invoke(app, ["--db", sqlite_db.url, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    return sqlite_db, ids, invoke


def test_count_json_matches_frequencies_and_split(cli):
    db, ids, invoke = cli
    out = json.loads(invoke("count", "--json"))
    alice = json.loads(invoke("count", "--coder", "alice", "--json"))
    split = json.loads(invoke("count", "--by", "side", "--json"))
    consensus = json.loads(invoke("count", "--consensus", "--json"))
    with db.session() as s:
        assert out == records(counting.frequencies(s))
        assert alice == records(counting.frequencies(s, coder="alice"))
        assert split == records(counting.attribute_split(s, "side"))
        assert consensus == records(counting.frequencies(s, consensus=True))
    gov = next(r for r in out if r["code"] == "Governance")
    assert (gov["segments"], gov["respondents"], gov["path"]) == (7, 5, ["Governance"])
    assert "Governance › Processes" in invoke("count")
    assert "supplier" in invoke("count", "--by", "side")


def test_top3_and_cooccur_json(cli):
    db, ids, invoke = cli
    top = json.loads(invoke("top3", "--threshold", "3", "--json"))
    by_q = json.loads(invoke("top3", "--question", "governance", "--level", "code", "--json"))
    co = json.loads(invoke("cooccur", "--json"))
    co_code = json.loads(invoke("cooccur", "--level", "code", "--json"))
    with db.session() as s:
        assert top == records(counting.top_three(s, threshold=3))
        assert by_q == records(counting.top_three(s, pattern="governance", level="code"))
        assert co == records(counting.cooccurrence(s))
        assert co_code == records(counting.cooccurrence(s, level="code"))
    assert [(r["code"], r["rank"], r["dominant"]) for r in top] == [("Governance", 1, True), ("Value", 2, True), ("Trust", 3, False)]
    text = invoke("top3", "--threshold", "3")
    assert "2 dominant at ≥ 3 respondents" in text
    assert "Governance" in invoke("cooccur")


def test_errors_are_one_line_not_a_traceback(sqlite_db):
    with sqlite_db.session("builder") as s:
        build_study(s)
    proc = subprocess.run([sys.executable, "-m", "coding.cli", "--db", sqlite_db.url, "count", "--by", "sector"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "cocode: error: no respondent has the attribute 'sector' (attributes: side, stage)"
