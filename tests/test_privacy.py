"""Privacy: nothing leaves the machine. The whole pipeline (import, suggest, export) runs with every
non-loopback connection refused at the socket level, and no library so much as tries one; the
model loads from disk; Streamlit is bound to this machine and sends no usage statistics."""
from __future__ import annotations

import ipaddress
import socket
import tomllib

import pytest
from sqlalchemy import select

from conftest import DEMO, ROOT


def _loopback(host) -> bool:  # type: ignore[no-untyped-def]
    if host in (None, "", "localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture
def no_network(monkeypatch):
    """Refuse (and record) every attempt to reach or resolve anything but this machine."""
    attempts: list[str] = []

    def refuse(what: str):  # type: ignore[no-untyped-def]
        attempts.append(what)
        raise OSError(f"network blocked by test: {what}")

    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo, real_sendto = socket.getaddrinfo, socket.socket.sendto

    def connect(self, address):  # type: ignore[no-untyped-def]
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            refuse(f"connect {address}")
        return real_connect(self, address)

    def connect_ex(self, address):  # type: ignore[no-untyped-def]
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            refuse(f"connect_ex {address}")
        return real_connect_ex(self, address)

    def sendto(self, data, *args):  # type: ignore[no-untyped-def]
        address = args[-1]
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            refuse(f"sendto {address}")
        return real_sendto(self, data, *args)

    def getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not _loopback(host.decode() if isinstance(host, bytes) else host):
            refuse(f"getaddrinfo {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket.socket, "sendto", sendto)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "gethostbyname", lambda host: refuse(f"gethostbyname {host}") if not _loopback(host)
                        else "127.0.0.1")
    # no offline switches from the environment: the code must be offline by itself
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    return attempts


def test_the_block_really_blocks(no_network):
    with pytest.raises(OSError, match="blocked"):
        socket.create_connection(("93.184.216.34", 80), timeout=1)
    with pytest.raises(OSError, match="blocked"):
        socket.getaddrinfo("huggingface.co", 443)
    assert len(no_network) == 2
    no_network.clear()


def test_import_suggest_export_with_the_network_blocked(no_network, tmp_path):
    suggest_mod = pytest.importorskip("coding.suggest", reason="coding.suggest (suggestions helper) not importable yet")
    embeddings = pytest.importorskip("coding.embeddings", reason="coding.embeddings not importable yet")
    exports = pytest.importorskip("coding.exports", reason="coding.exports (export helper) not importable yet")
    refi = pytest.importorskip("coding.refi", reason="coding.refi (REFI-QDA helper) not importable yet")
    from codebooks import load_shipped
    from coding.codebook_store import import_codebook
    from coding.codings import accept_suggestion
    from coding.codings_io import export_codings
    from coding.ingest import import_cases, ingest
    from models import Coding, open_database

    model = embeddings.load_model.__wrapped__()  # a fresh load from disk, not the cached one
    db = open_database(tmp_path / "private.db")
    try:
        with db.session("alice") as s:
            ingest(s, [DEMO / "OS1_R1_interview.txt", DEMO / "C3_R1_call.vtt"])
            import_cases(s, DEMO / "respondents.csv")
            import_codebook(s, load_shipped("outsourcing-success-factors"))
        with db.session("alice") as s:
            results = suggest_mod.suggest(s, model)
        assert any(r["suggestions"] for r in results)
        with db.session("alice") as s:
            suggestions = s.scalars(select(Coding).where(Coding.status == "suggested")).all()
            assert suggestions
            for c in suggestions[:5]:
                accept_suggestion(s, c.segment_id, c.code_id, "alice")
        with db.session() as s:
            outputs = [
                exports.export_themes(s, tmp_path / "themes.md", coder="alice"),
                exports.export_themes(s, tmp_path / "themes.docx", coder="alice"),
                refi.export_qdpx(s, tmp_path / "project.qdpx").path,
            ]
            assert export_codings(s, tmp_path / "codings.csv", "alice") == 5
        for out in [*outputs, tmp_path / "codings.csv"]:
            assert out.exists() and out.stat().st_size > 0, out
    finally:
        db.dispose()
    assert no_network == [], f"something tried to reach the network: {no_network}"


def test_model_path_is_on_disk():
    embeddings = pytest.importorskip("coding.embeddings", reason="coding.embeddings not importable yet")
    from pathlib import Path

    path = Path(embeddings.model_path())
    assert path.is_dir() and ((path / "config.json").is_file() or (path / "modules.json").is_file())


def test_streamlit_config_keeps_the_app_on_this_machine():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"]["address"] == "127.0.0.1"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    run_line = next(line for line in makefile.splitlines() if "streamlit run" in line)
    assert "--server.address 127.0.0.1" in run_line and "--browser.gatherUsageStats false" in run_line
