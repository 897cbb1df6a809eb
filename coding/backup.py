"""Backing up a project database while people keep working in it.

SQLite: the online backup API copies a consistent snapshot even while other workbenches
write (WAL readers do not block writers), into a temporary file that is checked and then
renamed, so a crash mid-backup never leaves a half file under the backup's name.
PostgreSQL: the server's own tool, pg_dump, is the right one; we say exactly how to call it.
"""
from __future__ import annotations

import os
import shlex
import sqlite3
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import URL, make_url

from models import Database, Project, sqlite_path
from models.schema import utcnow

from .errors import CocodeError


def pg_dump_command(url: str, dest: str | os.PathLike) -> str:
    """The pg_dump line for this database (password left out: pg_dump asks, or reads PGPASSWORD / ~/.pgpass)."""
    u = make_url(url)
    libpq = URL.create("postgresql", username=u.username, host=u.host, port=u.port, database=u.database)
    libpq = libpq.render_as_string(hide_password=False)
    return f"pg_dump --format=custom --file={shlex.quote(str(dest))} {shlex.quote(libpq)}"


def _target(src: Path, dest: Path) -> Path:
    if dest.is_dir():
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        return dest / f"{src.stem}-{stamp}{src.suffix or '.db'}"
    return dest


def _copy(src: Path, dest: Path) -> None:
    tmp = dest.with_name(f".{dest.name}.partial")
    tmp.unlink(missing_ok=True)
    source = sqlite3.connect(src, timeout=30)
    target = sqlite3.connect(tmp)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        problem = target.execute("PRAGMA integrity_check").fetchone()[0]
        if problem != "ok":
            raise CocodeError(f"{dest}: the backup failed its integrity check ({problem}); the original is untouched")
    finally:
        target.close()
        source.close()
    os.replace(tmp, dest)


def backup(db: Database, dest: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Copy the project to `dest` (a file, or a folder to put a dated file in); returns the file written.

    Never waits on other people's writes: the copy reads a snapshot, and the time recorded in
    project.last_backup_at afterwards is skipped if the project is busy at that moment.
    """
    src = sqlite_path(db.url)
    if db.engine.dialect.name == "postgresql":
        raise CocodeError(
            "a PostgreSQL project is backed up with the server's own tool: "
            + pg_dump_command(db.url, dest)
            + "  (restore with pg_restore --dbname=URL FILE)"
        )
    if src is None:
        raise CocodeError(f"{db.url}: only a SQLite file or a PostgreSQL database can be backed up")
    target = _target(src, Path(dest).expanduser())
    if target.resolve() == src.resolve():
        raise CocodeError(f"{target}: that is the project database itself; choose another file")
    if target.exists() and not overwrite:
        raise CocodeError(f"{target}: already exists; choose a new name (or overwrite it on purpose)")
    if not target.parent.is_dir():
        raise CocodeError(f"{target.parent}: no such folder")
    _copy(src, target)
    _record(src)
    return target


def _record(src: Path) -> None:
    """Note the backup time (project settings are not audited; a busy project just skips it)."""
    con = sqlite3.connect(src, timeout=2)
    try:
        with con:
            con.execute("UPDATE project SET last_backup_at = ?", (utcnow().strftime("%Y-%m-%d %H:%M:%S.%f"),))
    except sqlite3.OperationalError:
        pass
    finally:
        con.close()


def last_backup(db: Database) -> datetime | None:
    """When this project was last backed up with Cocode (None: never, or a PostgreSQL project)."""
    with db.session() as s:
        project = s.scalar(select(Project))
        return project.last_backup_at if project else None
