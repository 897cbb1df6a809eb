"""Bytes for download buttons, produced by the engine's writers when the user clicks.

Each function takes the project URL (not a session) because Streamlit calls deferred download
callables outside the page script; they open the same cached Database as the pages.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from codebooks import write_codebook
from coding.codebook_store import export_codebook

MIME = {
    "md": "text/markdown", "tex": "application/x-tex", "csv": "text/csv",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip", "qdpx": "application/zip", "yaml": "application/x-yaml", "qdc": "application/xml",
}


def _session(url: str):  # noqa: ANN202
    from ui.state import _open

    return _open(url).session("export")


def codebook_bytes(url: str, suffix: str) -> bytes:
    """The project's codebook in one format (.yaml, .csv or .qdc), via codebooks.write_codebook."""
    with _session(url) as s, tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"codebook{suffix}"
        write_codebook(export_codebook(s), path)
        return path.read_bytes()


def themes_bytes(url: str, fmt: str, coder: str | None = None, consensus: bool = False) -> bytes:
    """The theme tables (factor × Processes / Tools / Behaviours, with quotes) in one format."""
    from coding.exports import export_themes

    with _session(url) as s, tempfile.TemporaryDirectory() as tmp:
        return export_themes(s, Path(tmp) / f"themes.{fmt}", fmt, coder=coder, consensus=consensus).read_bytes()


def table_bytes(url: str, stem: str, fmt: str, coder: str | None = None, consensus: bool = False) -> bytes:
    """One analysis table (frequencies, top_three, split_by_side, cooccurrence, agreement) in one format."""
    from coding.exports import analysis_tables, export_table

    with _session(url) as s, tempfile.TemporaryDirectory() as tmp:
        df = analysis_tables(s, coder=coder, consensus=consensus)[stem]
        title = stem.replace("_", " ").capitalize()
        return export_table(df, Path(tmp) / f"{stem}.{fmt}", fmt, title).read_bytes()


def bundle_bytes(url: str, coder: str | None = None, consensus: bool = False) -> bytes:
    from coding.exports import bundle_zip

    with _session(url) as s:
        return bundle_zip(s, coder=coder, consensus=consensus)


def qdpx_bytes(url: str) -> bytes:
    """The whole project as a REFI-QDA .qdpx for NVivo, ATLAS.ti, MAXQDA or QualCoder."""
    from coding.refi.qdpx_export import export_qdpx

    with _session(url) as s, tempfile.TemporaryDirectory() as tmp:
        return export_qdpx(s, Path(tmp) / "project.qdpx").path.read_bytes()


def themes_preview(s, coder: str | None, consensus: bool):  # noqa: ANN001, ANN201
    """The theme tables as one flat frame, for showing on the page (plain cells, never HTML)."""
    from coding.exports.render_sheet import themes_frame
    from coding.exports.themes import theme_tables

    return themes_frame(theme_tables(s, coder=coder, consensus=consensus))
