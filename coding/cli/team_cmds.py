"""Team commands: the audit trail and backups (see coding/audit_log.py, coding/backup.py)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .. import audit_log
from ..backup import backup as backup_project
from ..backup import last_backup
from ._app import app, database, emit_json, emit_table


@app.command()
def audit(
    coder: Optional[str] = typer.Option(None, "--coder", help="Only what this person did (the event's actor)."),
    since: Optional[str] = typer.Option(None, "--since", help="Only events on or after this date (UTC), e.g. 2026-11-20."),
    entity: Optional[str] = typer.Option(None, "--entity", help="Only coding, code or document events."),
    limit: Optional[int] = typer.Option(None, "--limit", help="Only the newest N events."),
    json_out: bool = typer.Option(False, "--json", help="Print events as JSON (with full before/after)."),
) -> None:
    """Show the append-only audit trail: who changed which coding, code or document, when, from what to what."""
    if entity is not None and entity not in ("coding", "code", "document"):
        raise typer.BadParameter("--entity must be coding, code or document")
    with database().session() as s:
        rows = audit_log.events(s, coder=coder, since=since, entity=entity, limit=limit)
    if json_out:
        emit_json(rows)
        return
    emit_table(
        [{**r, "change": audit_log.describe(r)} for r in rows],
        ["at", "actor", "action", "entity", "entity_id", "change"],
    )


@app.command()
def backup(
    file: Path = typer.Argument(..., help="Backup file to write (or a folder: a dated file is made in it)."),
    force: bool = typer.Option(False, "--force", help="Overwrite FILE if it exists."),
) -> None:
    """Copy the project database safely while others keep working (SQLite); prints the pg_dump line for PostgreSQL."""
    db = database()
    previous = last_backup(db) if db.engine.dialect.name == "sqlite" else None
    written = backup_project(db, file, overwrite=force)
    typer.echo(f"backed up {db.url} to {written}")
    if previous is not None:
        typer.echo(f"(previous backup: {previous:%Y-%m-%d %H:%M} UTC)")
