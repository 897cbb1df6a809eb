"""Shared fixtures: a real SQLite file per test, and a real PostgreSQL database when COCODE_TEST_PG names one.

In CI (CI=true) PostgreSQL is started by .ci/run, so a missing COCODE_TEST_PG there is an error, not a skip.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEMO = ROOT / "corpus" / "demo"
PG_URL = os.environ.get("COCODE_TEST_PG")


def reset_pg(url: str) -> None:
    """Empty the test database: drop and recreate the public schema."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


_PG_DB: dict[str, str] = {}


def _private_pg(url: str) -> str:
    """A database of this test process's own on the server, so parallel runs never share tables."""
    if "url" not in _PG_DB:
        from sqlalchemy.engine import make_url

        base = make_url(url)
        name = f"{base.database}_t{os.getpid()}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        _PG_DB["url"] = base.set(database=name).render_as_string(hide_password=False)
        _PG_DB["name"] = name
        _PG_DB["base"] = url
    return _PG_DB["url"]


def pytest_sessionfinish(session, exitstatus):  # noqa: ARG001
    if "name" in _PG_DB:
        admin = create_engine(_PG_DB["base"], isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{_PG_DB["name"]}" WITH (FORCE)'))
        admin.dispose()


def _require_pg() -> str:
    if PG_URL:
        return _private_pg(PG_URL)
    if os.environ.get("CI"):
        pytest.fail("CI must provide PostgreSQL: COCODE_TEST_PG is unset (see .ci/run)")
    pytest.skip("COCODE_TEST_PG is not set: no PostgreSQL server for this run")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'project.db'}"


@pytest.fixture
def pg_url() -> str:
    url = _require_pg()
    reset_pg(url)
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Runs the test once on a SQLite file and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'project.db'}"
    url = _require_pg()
    reset_pg(url)
    return url


@pytest.fixture
def db(db_url: str):
    from models import open_database

    database = open_database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(sqlite_url: str):
    from models import open_database

    database = open_database(sqlite_url)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def embedder():
    """The real all-MiniLM-L6-v2, loaded once for the whole test run."""
    from coding.embeddings import load_model

    return load_model()


class CocodeRunner(CliRunner):
    """In-process `cocode`, with the CLI's per-process database cache emptied before each command
    (as a fresh process would start)."""

    def invoke(self, app, args, **kwargs):  # type: ignore[no-untyped-def,override]
        from coding.cli import _app as cli_state

        cli_state._state.update({"db": None, "database": None, "actor": None})
        try:
            return super().invoke(app, args, **kwargs)
        finally:
            if cli_state._state.get("database") is not None:
                cli_state._state["database"].dispose()
            cli_state._state.update({"db": None, "database": None, "actor": None})
