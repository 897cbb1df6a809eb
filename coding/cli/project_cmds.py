"""Project commands: init, ingest, cases, codebook, documents, segments, codings, demo."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer
from tqdm import tqdm

from codebooks import read_codebook, write_codebook

from .. import codebook_store, codings_io, ingest as ingest_mod, project
from ._app import actor, app, database, emit_json, emit_table

cases_app = typer.Typer(help="Respondents (cases) and their attributes.", no_args_is_help=True)
codebook_app = typer.Typer(help="Import and export the project's codebook (YAML, CSV, REFI .qdc).", no_args_is_help=True)
codings_app = typer.Typer(help="Import and export codings as CSV.", no_args_is_help=True)
app.add_typer(cases_app, name="cases")
app.add_typer(codebook_app, name="codebook")
app.add_typer(codings_app, name="codings")


@app.command()
def init(name: Optional[str] = typer.Option(None, help="Project name.")) -> None:
    """Create (or upgrade) the project database."""
    db = database()
    with db.session(actor()) as s:
        p = project.init_project(s, name)
        typer.echo(f"project {p.name!r} ready at {db.url}")


@app.command()
def ingest(
    files: List[Path] = typer.Argument(..., help="Transcripts: .txt .md .docx .vtt .srt .pdf .csv .xlsx"),
    unit: str = typer.Option("turn", help="Segmentation unit: turn, paragraph or sentence."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Import transcripts: all files or none (one transaction)."""
    if unit not in ("turn", "paragraph", "sentence"):
        raise typer.BadParameter("unit must be turn, paragraph or sentence")
    bar = tqdm(total=len(files) * 2, unit="step", disable=json_out or len(files) < 2, leave=False)

    def progress(i: int, n: int, what: str) -> None:
        bar.set_description(what[:40])
        bar.update(1)

    with database().session(actor()) as s:
        report = ingest_mod.ingest(s, files, unit, progress=progress)
    bar.close()
    if json_out:
        emit_json(report.as_dict())
        return
    for name in report.imported:
        typer.echo(f"imported {name}")
    for f, existing in report.duplicates:
        typer.echo(f"skipped {f}: same content as {existing!r}, already imported")
    typer.echo(f"{len(report.imported)} document(s), {report.segments} segment(s)")


@cases_app.command("import")
def cases_import(csv_file: Path) -> None:
    """Import respondent attributes (columns: respondent, side, organisation, sector, stage, dyad, ...)."""
    with database().session(actor()) as s:
        n = ingest_mod.import_cases(s, csv_file)
    typer.echo(f"{n} respondent(s) updated")


@cases_app.command("list")
def cases_list(json_out: bool = typer.Option(False, "--json")) -> None:
    """List respondents and their attributes."""
    with database().session() as s:
        rows = project.cases(s)
    emit_json(rows) if json_out else emit_table(rows)


@codebook_app.command("import")
def codebook_import(file: Path) -> None:
    """Merge a codebook file into the project (codes matched by path)."""
    book = read_codebook(file)
    with database().session(actor()) as s:
        r = codebook_store.import_codebook(s, book)
    typer.echo(f"{book.name}: {r.added} added, {r.updated} updated, {r.unchanged} unchanged")


@codebook_app.command("export")
def codebook_export(file: Path) -> None:
    """Write the project's codebook; the format follows the extension (.yaml, .csv, .qdc)."""
    with database().session() as s:
        book = codebook_store.export_codebook(s)
    write_codebook(book, file)
    typer.echo(f"wrote {len(book.codes)} codes to {file}")


@app.command()
def documents(json_out: bool = typer.Option(False, "--json")) -> None:
    """List documents with respondent, segments and coding progress."""
    with database().session() as s:
        rows = project.documents(s)
    if json_out:
        emit_json(rows)
    else:
        emit_table(rows, ["id", "name", "respondent", "unit", "segments", "coded"])


@app.command()
def segments(
    document: Optional[str] = typer.Option(None, help="Only this document."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """List segments with offsets, speaker and the question each answers."""
    with database().session() as s:
        rows = project.segments(s, document)
    if json_out:
        emit_json(rows)
    else:
        emit_table(rows, ["segment_id", "document", "start", "end", "respondent", "speaker", "text"])


@codings_app.command("import")
def codings_import(csv_file: Path, coder: str = typer.Option(..., help="Whose codings these are.")) -> None:
    """Import confirmed codings (columns document,start,end,code or segment_id,code)."""
    with database().session(actor()) as s:
        n = codings_io.import_codings(s, csv_file, coder)
    typer.echo(f"{n} coding(s) imported for {coder}")


@codings_app.command("export")
def codings_export(
    csv_file: Path,
    coder: Optional[str] = typer.Option(None, help="Only this coder."),
    status: str = typer.Option("confirmed", help="confirmed, suggested, rejected or all."),
) -> None:
    """Export codings to CSV."""
    with database().session() as s:
        n = codings_io.export_codings(s, csv_file, coder, None if status == "all" else status)
    typer.echo(f"{n} coding(s) written to {csv_file}")


@app.command()
def demo(force: bool = typer.Option(False, help="Rebuild even if the project has documents.")) -> None:
    """Load the bundled demo project (fictional interviews, the success-factor codebook)."""
    from ..demo import build_demo

    summary = build_demo(database(), force=force)
    typer.echo(summary)
