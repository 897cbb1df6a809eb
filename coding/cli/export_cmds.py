"""Export commands: paper tables (themes, all tables) and REFI-QDA projects; `import qdpx`.

The exports and refi packages (pandas, python-docx, lxml) are imported inside the commands so
that every other `cocode` command starts without them.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..errors import CocodeError
from ._app import actor, app, database, emit_json

export_app = typer.Typer(help="Write paper tables (md, tex, docx, csv, xlsx) or a REFI-QDA project (.qdpx).",
                         no_args_is_help=True)
import_app = typer.Typer(help="Read a REFI-QDA project (.qdpx) from NVivo, ATLAS.ti, MAXQDA or QualCoder.",
                         no_args_is_help=True)
app.add_typer(export_app, name="export")
app.add_typer(import_app, name="import")


def _who(coder: Optional[str], consensus: bool) -> dict:
    if coder and consensus:
        raise CocodeError("use either --coder or --consensus, not both")
    return {"coder": coder, "consensus": consensus}


@export_app.command("themes")
def export_themes(
    output: Path = typer.Option(..., "-o", "--output", help="File to write."),
    fmt: Optional[str] = typer.Option(None, "--format", help="md, tex, docx, csv or xlsx (default: the file's suffix)."),
    coder: Optional[str] = typer.Option(None, "--coder", help="Only this coder's confirmed codings."),
    consensus: bool = typer.Option(False, "--consensus", help="The settled consensus view."),
) -> None:
    """Theme tables: rows Processes / Tools/Devices / Behaviours/Attitudes (each theme's child codes), items, quotes."""
    from .. import exports

    who = _who(coder, consensus)
    with database().session() as s:
        path = exports.export_themes(s, output, fmt, **who)
    typer.echo(f"wrote {path}")


@export_app.command("tables")
def export_tables(
    output: Path = typer.Option(..., "-o", "--output", help="Folder to write into (created if missing)."),
    coder: Optional[str] = typer.Option(None, "--coder", help="Only this coder's confirmed codings."),
    consensus: bool = typer.Option(False, "--consensus", help="The settled consensus view."),
    json_out: bool = typer.Option(False, "--json", help="List the files as JSON."),
) -> None:
    """Every table (themes, frequencies, top three, split by side, co-occurrence, agreement) in every format."""
    who = _who(coder, consensus)
    if output.exists() and not output.is_dir():
        raise CocodeError(f"{output} is a file; give a folder")
    from .. import exports

    with database().session() as s:
        paths = exports.export_tables(s, output, **who)
    if json_out:
        emit_json([str(p) for p in paths])
    else:
        typer.echo(f"wrote {len(paths)} file(s) to {output}")


@export_app.command("qdpx")
def export_qdpx(
    output: Path = typer.Option(..., "-o", "--output", help="The .qdpx file to write."),
    crlf: bool = typer.Option(False, "--crlf", help="Write sources with \\r\\n line endings (positions counted in them), as MAXQDA expects."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """The whole project as a REFI-QDA project (validated against Project.xsd)."""
    from .. import refi

    with database().session() as s:
        result = refi.export_qdpx(s, output, crlf=crlf)
    if json_out:
        emit_json(result.as_dict())
    else:
        typer.echo(f"wrote {output}: {result.documents} source(s), {result.codes} code(s), {result.codings} coding(s), "
                   f"{result.cases} case(s), {result.memos} note(s)")


@import_app.command("qdpx")
def import_qdpx(
    file: Path = typer.Argument(..., help="A .qdpx project file."),
    unit: str = typer.Option("turn", help="How new documents are segmented: turn, paragraph or sentence."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Import a REFI-QDA project: all of it or nothing (one transaction)."""
    if unit not in ("turn", "paragraph", "sentence"):
        raise CocodeError("unit must be turn, paragraph or sentence")
    from .. import refi

    with database().session(actor()) as s:
        report = refi.import_qdpx(s, file, unit=unit)
    if json_out:
        emit_json(report.as_dict())
        return
    typer.echo(f"{file}: {len(report.documents)} new document(s), {len(report.reused_documents)} already present, "
               f"{report.codes_added} code(s) added, {report.codings} coding(s) by {', '.join(report.coders) or 'nobody'}, "
               f"{report.segments_created} new segment(s), {report.cases} case(s), {report.memos} memo(s)")
    for w in report.warnings:
        typer.echo(f"warning: {w}")
