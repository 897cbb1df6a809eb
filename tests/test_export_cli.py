"""`cocode export ...` and `cocode import qdpx` end to end on the demo project (real subprocesses)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from docx import Document as WordDocument

from conftest import ROOT
from models import open_database

COCODE = [sys.executable, "-m", "coding.cli"]
FIXTURES = ROOT / "tests" / "data" / "refi"


def run(db: str, *args: object, ok: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([*COCODE, "--db", db, *map(str, args)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:
    from coding.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    db = open_database(path)
    build_demo(db, suggest=False)
    db.dispose()
    return str(path)


def test_export_themes_every_format(demo_db, tmp_path):
    for fmt in ("md", "tex", "docx", "csv"):  # xlsx is read back in test_export_tables
        out = tmp_path / f"themes.{fmt}"
        proc = run(demo_db, "export", "themes", "--format", fmt, "-o", out)
        assert out.exists() and str(out) in proc.stdout
    md = (tmp_path / "themes.md").read_text(encoding="utf-8")
    assert "## Strong governance" in md and "(OS1, R1)" in md
    doc = WordDocument(str(tmp_path / "themes.docx"))
    assert len(doc.tables) >= 7 and doc.tables[0].rows[0].cells[1].text == "Items"
    df = pd.read_csv(tmp_path / "themes.csv", encoding="utf-8-sig")
    assert {"item", "quote"} <= set(df["kind"])
    if shutil.which("pdflatex"):
        result = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "themes.tex"], cwd=tmp_path,
                                capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=120)
        assert result.returncode == 0, result.stdout[-1500:]


def test_export_themes_per_coder(demo_db, tmp_path):
    run(demo_db, "export", "themes", "-o", tmp_path / "alice.md", "--coder", "alice")
    run(demo_db, "export", "themes", "-o", tmp_path / "consensus.md", "--consensus")
    bad = run(demo_db, "export", "themes", "-o", tmp_path / "x.md", "--coder", "alice", "--consensus", ok=False)
    assert bad.returncode == 2 and "not both" in bad.stderr
    unknown = run(demo_db, "export", "themes", "-o", tmp_path / "x.md", "--coder", "nobody", ok=False)
    assert unknown.returncode == 2 and "nobody" in unknown.stderr and "Traceback" not in unknown.stderr
    fmt = run(demo_db, "export", "themes", "-o", tmp_path / "x.pdf", ok=False)
    assert fmt.returncode == 2 and "unknown table format" in fmt.stderr


def test_export_tables_folder(demo_db, tmp_path):
    files = json.loads(run(demo_db, "export", "tables", "-o", tmp_path / "out", "--json").stdout)
    names = {Path(f).name for f in files}
    assert {"themes.docx", "frequencies.xlsx", "top_three.tex", "split_by_side.csv", "cooccurrence.md",
            "agreement.docx"} <= names  # the demo is double-coded by alice and bob
    top3 = pd.read_csv(tmp_path / "out" / "top_three.csv", encoding="utf-8-sig")
    assert {"Code", "Respondents (top three)", "Dominant", "Respondents (overall)"} <= set(top3.columns)


def test_qdpx_export_import_round_trip(demo_db, tmp_path):
    out = tmp_path / "demo.qdpx"
    info = json.loads(run(demo_db, "export", "qdpx", "-o", out, "--json").stdout)
    assert info["documents"] == 10 and info["codings"] > 0
    with zipfile.ZipFile(out) as zf:
        assert "project.qde" in zf.namelist()
    fresh = str(tmp_path / "fresh.db")
    report = json.loads(run(fresh, "import", "qdpx", out, "--json").stdout)
    assert len(report["documents"]) == 10 and report["codings"] == info["codings"]
    assert sorted(report["coders"]) == ["alice", "bob"]
    before = json.loads(run(demo_db, "documents", "--json").stdout)
    after = json.loads(run(fresh, "documents", "--json").stdout)
    key = lambda rows: sorted((d["name"], d["respondent"], d["coded"]) for d in rows)  # noqa: E731
    assert key(after) == key(before)


def test_import_other_tools_and_refuse_bad_files(tmp_path):
    db = str(tmp_path / "p.db")
    proc = run(db, "import", "qdpx", FIXTURES / "nvivo_style.qdpx")
    assert "4 coding(s) by Ann Smith, Ben Jones" in proc.stdout
    bad = tmp_path / "bad.qdpx"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("project.qde", "<Project")
        zf.writestr("../escape.txt", "x")
    proc = run(db, "import", "qdpx", bad, ok=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and "climbs out of the archive" in proc.stderr
