"""The shared typer app and helpers every command module uses.

Each command is a thin shell over a library function of the same name in coding/
(sqlite-utils style): parse options, call the function, print text or --json.
"""
from __future__ import annotations

import json
import sys
from typing import Any, Optional

import typer

from models import Database, open_database

app = typer.Typer(
    name="cocode",
    help="Cocode: code interview transcripts with suggestions, count themes, measure agreement, export tables.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_state: dict[str, Any] = {"db": None, "database": None, "actor": None}


@app.callback()
def _main(
    db: Optional[str] = typer.Option(None, "--db", help="Database URL or SQLite file (default: $COCODE_DB or ./cocode.db)."),
    actor: Optional[str] = typer.Option(None, "--as", help="Who is acting, for the audit trail (default: $USER)."),
) -> None:
    _state["db"] = db
    _state["actor"] = actor
    _state["database"] = None  # each invocation opens the database it names (matters for in-process runners)


def database() -> Database:
    """Open (creating or upgrading) the project database named by --db / COCODE_DB."""
    if _state["database"] is None:
        _state["database"] = open_database(_state["db"])
    return _state["database"]


def actor() -> str:
    import getpass

    if _state["actor"]:
        return _state["actor"]
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "cli"


def emit_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def emit_table(rows: list[dict[str, Any]], columns: list[str] | None = None) -> None:
    """Plain aligned text table for humans (the --json form is for programs)."""
    if not rows:
        typer.echo("(none)")
        return
    columns = columns or list(rows[0].keys())
    cells = [[("" if r.get(c) is None else str(r.get(c))).replace("\n", " ") for c in columns] for r in rows]
    widths = [min(60, max(len(c), *(len(row[i]) for row in cells))) for i, c in enumerate(columns)]
    typer.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    for row in cells:
        typer.echo("  ".join(v[:w].ljust(w) for v, w in zip(row, widths)))
