"""End to end in real headless Chromium: a researcher imports a transcript through the upload widget,
asks for suggestions, accepts one, sees it counted on Analyse, audits agreement with a second coder and
downloads a theme table. Screenshots of every page go to tests/artifacts/ (git-ignored)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from codebooks import load_shipped
from coding.codebook_store import import_codebook
from coding.codings import set_coding
from conftest import DEMO, ROOT
from models import Coder, Coding, Segment, open_database

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "tests" / "artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.slow]

if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); CI always runs this test",
                allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(tmp_path: Path):
    """A fresh project (codebook only) served by `streamlit run app.py` on a free localhost port."""
    db_path = tmp_path / "e2e.db"
    db = open_database(db_path)
    with db.session("setup") as s:
        import_codebook(s, load_shipped("outsourcing-success-factors"))
    db.dispose()
    port = _free_port()
    env = {**os.environ, "COCODE_DB": str(db_path), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    log = open(tmp_path / "streamlit.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("streamlit did not start:\n" + (tmp_path / "streamlit.log").read_text(errors="replace"))
            time.sleep(0.3)
        yield {"url": base, "db": db_path}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _page(page, name: str) -> None:
    """Go to a page through its sidebar link and wait until the script has finished drawing it."""
    page.locator('[data-testid="stSidebarNavLink"]').and_(page.get_by_role("link", name=name, exact=True)).click()
    page.get_by_role("heading", name=name, exact=True).wait_for(timeout=30_000)
    _settle(page)


def _settle(page) -> None:
    """Wait for the script run to end (Streamlit shows a status widget while running)."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=120_000)
    assert page.locator('[data-testid="stException"]').count() == 0, page.locator('[data-testid="stException"]').first.inner_text()


def _shot(page, name: str) -> None:
    _settle(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_code_a_transcript_and_download_a_theme_table(server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        page.set_default_timeout(60_000)
        page.goto(server["url"])
        page.get_by_role("heading", name="Project", exact=True).wait_for()
        _settle(page)

        # who am I: a new coder from the sidebar
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_label("Name").fill("alice")
        sidebar.get_by_label("Name").press("Enter")
        sidebar.get_by_role("button", name="Add coder").click()
        expect(sidebar.get_by_text("Role: coder")).to_be_visible()

        # import a demo transcript through the upload widget
        page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(
            str(DEMO / "OS1_R1_interview.txt"))
        expect(page.get_by_text("OS1_R1_interview.txt")).to_be_visible()
        page.get_by_role("button", name="Import").click()
        expect(page.get_by_text("Imported 1 transcript(s)")).to_be_visible()
        _settle(page)
        _shot(page, "1-project")

        _page(page, "Codebook")
        _shot(page, "2-codebook")

        # suggestions from the local model, then accept the first one
        _page(page, "Code")
        page.get_by_role("button", name="Suggest codes for this document").click()
        expect(page.get_by_text("Suggestions ready for")).to_be_visible(timeout=180_000)
        _settle(page)
        accept = page.get_by_role("button", name="✓ Accept").first
        accept.click()
        expect(page.get_by_text("Accepted.")).to_be_visible()
        _settle(page)
        _shot(page, "3-code")
        db = open_database(server["db"])
        with db.session() as s:
            mine = s.execute(select(Coding.segment_id, Coding.code_id).join(Coder)
                             .where(Coder.name == "alice", Coding.status == "confirmed")).all()
            assert len(mine) == 1
            seg_id, code_id = mine[0]
            # a second coder double-codes the same document: agrees on alice's code, adds another
            others = list(s.scalars(select(Segment.id).where(Segment.is_interviewer.is_(False), Segment.id != seg_id)
                                    .order_by(Segment.position).limit(2)))
            set_coding(s, seg_id, code_id, "bob")
            set_coding(s, others[0], code_id, "bob")
        db.dispose()

        _page(page, "Analyse")
        coded = page.locator('[data-testid="stMetric"]', has_text="Coded segments")
        expect(coded.locator('[data-testid="stMetricValue"]')).to_have_text("2")  # alice's one + bob's other
        page.get_by_role("combobox", name="Whose coding").click()
        page.get_by_role("option", name="alice").click()
        _settle(page)
        expect(coded.locator('[data-testid="stMetricValue"]')).to_have_text("1")
        _shot(page, "4-analyse")

        _page(page, "Agreement")
        expect(page.locator('[data-testid="stMetric"]', has_text="Krippendorff")).to_be_visible()
        expect(page.get_by_text("Disagreements (1 open")).to_be_visible()
        _shot(page, "5-agreement")

        _page(page, "Export")
        with page.expect_download() as info:
            page.get_by_role("button", name="⬇ Themes (Markdown)").click()
        download = info.value
        assert download.suggested_filename == "themes.md"
        target = tmp_path / "themes.md"
        download.save_as(target)
        text = target.read_text(encoding="utf-8")
        db = open_database(server["db"])
        with db.session() as s:
            from coding.codebook_store import code_paths

            theme = code_paths(s)[code_id][0]
        db.dispose()
        assert theme in text
        _shot(page, "6-export")
        browser.close()
