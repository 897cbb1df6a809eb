"""Engine, sessions and schema versioning.

One code path for SQLite (one researcher, a file) and PostgreSQL (a team, a server):
only the URL differs. SQLite gets WAL, a busy timeout and foreign keys so several
workbench processes can share a file safely.
"""
from __future__ import annotations

import os
import random
import re
import shutil
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterator

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from . import audit  # noqa: F401  (registers the audit hook)

DEFAULT_DB = "cocode.db"
MIGRATIONS = Path(__file__).parent / "migrations"


class SchemaError(RuntimeError):
    """The database cannot be opened by this version of Cocode."""


def resolve_url(db: str | os.PathLike | None = None) -> str:
    """--db beats COCODE_DB beats ./cocode.db; a bare path means a SQLite file."""
    raw = str(db) if db else os.environ.get("COCODE_DB") or DEFAULT_DB
    if re.match(r"^[a-z][a-z0-9+]*://", raw):
        return raw
    return f"sqlite:///{Path(raw).expanduser()}"


def sqlite_path(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()
    # Take transaction control away from pysqlite (see _sqlite_begin_writes).
    dbapi_conn.isolation_level = None


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT", "CREATE", "DROP", "ALTER")


def _sqlite_begin_writes(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
    """Open the SQLite transaction with BEGIN IMMEDIATE just before the first write.

    Why: pysqlite's own deferred BEGIN is not issued before SAVEPOINT, so a RELEASE could
    commit half a session; and a deferred transaction that read and then writes after another
    workbench committed fails at once with "database is locked". Reads before the first write
    run on their own (as before; the version column catches what changed meanwhile); from the
    first write on, the session holds the write lock, waiting up to the busy timeout for it.
    """
    raw = conn.connection.dbapi_connection
    if raw is not None and not raw.in_transaction and statement.lstrip()[:9].upper().startswith(_WRITES):
        _begin_immediate(cursor)


BUSY_TIMEOUT_S = 30.0


def _begin_immediate(cursor) -> None:  # type: ignore[no-untyped-def]
    """BEGIN IMMEDIATE, retried every few milliseconds while another workbench writes.

    Why not SQLite's own busy handler: it sleeps 1, 2, 5, 10 ... 100 ms between tries, so under
    several writers a waiting coder can sleep long after the lock came free (slowest accepts of
    bench/load.py: 200-350 ms, against ~100 ms with this short, capped back-off).
    """
    cursor.execute("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        delay = 0.0005
        while True:
            try:
                cursor.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                    raise
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 1.5, 0.004)
    finally:
        cursor.execute("PRAGMA busy_timeout=30000")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "before_cursor_execute", _sqlite_begin_writes)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def _alembic_config(engine: Engine):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def head_revision(engine: Engine) -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config(engine)).get_current_head() or ""


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def backup_sqlite(src: Path, dest: Path) -> Path:
    """Consistent copy of a live SQLite file (online backup API, safe while others write)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(src) as s, sqlite3.connect(dest) as d:
        s.backup(d)
    return dest


def upgrade_schema(engine: Engine) -> None:
    """Create or upgrade the schema; refuse a database from a newer Cocode; back up before migrating."""
    from alembic import command
    from alembic.script import ScriptDirectory

    cfg = _alembic_config(engine)
    script = ScriptDirectory.from_config(cfg)
    current = current_revision(engine)
    head = script.get_current_head()
    if current == head:
        return
    known = {rev.revision for rev in script.walk_revisions()}
    if current is not None and current not in known:
        raise SchemaError(
            f"{engine.url.render_as_string(hide_password=True)}: database schema version {current} is newer "
            f"than this Cocode understands (latest {head}); upgrade Cocode to open it"
        )
    path = sqlite_path(str(engine.url))
    if current is not None and path is not None and path.exists():
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        backup_sqlite(path, path.with_name(f"{path.name}.before-{head}-{stamp}.bak"))
    with engine.begin() as conn:
        # Several workbenches may open a new or old database at once: serialise the upgrade
        # (SQLite: the write lock; PostgreSQL: an advisory lock) and re-check inside it.
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7261736)")
        from alembic.runtime.migration import MigrationContext

        current = MigrationContext.configure(conn).get_current_revision()
        if current == head:
            return
        # Checked under the lock: outside it, another workbench may commit the new schema between
        # our reading "no version" and our looking for tables.
        if current is None and inspect(conn).has_table("coding"):
            raise SchemaError(
                f"{engine.url.render_as_string(hide_password=True)}: not a Cocode database (no schema version)"
            )
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


@dataclass
class Database:
    """An open project database: the engine and a session factory."""

    url: str
    engine: Engine = field(repr=False)
    factory: sessionmaker[Session] = field(repr=False)

    @contextmanager
    def session(self, actor: str | None = None) -> Iterator[Session]:
        """One transaction: commit on success, roll back everything on any error."""
        with self.factory() as s:
            s.info["actor"] = actor or "system"
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(db: str | os.PathLike | None = None, *, upgrade: bool = True) -> Database:
    url = resolve_url(db)
    engine = make_engine(url)
    if upgrade:
        upgrade_schema(engine)
    else:
        current, head = current_revision(engine), head_revision(engine)
        if current != head:
            raise SchemaError(f"{url}: schema version {current} does not match this Cocode ({head})")
    return Database(url=url, engine=engine, factory=sessionmaker(engine, expire_on_commit=False))
