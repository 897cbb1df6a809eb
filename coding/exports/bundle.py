"""Writing the paper's tables: one table to one file, or every table of the project into a folder / a zip.

The format follows the file suffix (.md .tex .docx .csv .xlsx), the same way codebooks do, so the
CLI, the UI and scripts all call the same two functions.
"""
from __future__ import annotations

import io
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Callable

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Coder, Coding

from ..errors import CocodeError
from .render_docx import frame_docx, themes_docx
from .render_md import frame_md, themes_md
from .render_sheet import themes_csv, themes_xlsx, write_csv, write_xlsx
from .render_tex import frame_tex, themes_tex
from .themes import ThemeTable, theme_tables

FORMATS = ("md", "tex", "docx", "csv", "xlsx")


def format_of(path: str | os.PathLike, fmt: str | None = None) -> str:
    """The explicit format, else the file's suffix; anything else is a readable error."""
    chosen = (fmt or Path(path).suffix.lstrip(".")).lower()
    chosen = {"markdown": "md", "latex": "tex", "word": "docx", "excel": "xlsx"}.get(chosen, chosen)
    if chosen not in FORMATS:
        raise CocodeError(f"unknown table format {chosen or '(none)'!r}; use one of {', '.join(FORMATS)}")
    return chosen


def _text(render: Callable[[object, str], str]) -> Callable[[object, Path, str], None]:
    return lambda data, path, title: path.write_text(render(data, title), encoding="utf-8")


# One writer per format, for theme tables and for any other table: (data, path, title) -> None.
_THEME_WRITERS: dict[str, Callable[[list[ThemeTable], Path, str], None]] = {
    "md": _text(themes_md), "tex": _text(themes_tex),
    "docx": lambda t, path, title: themes_docx(t, path, title),
    "csv": lambda t, path, title: themes_csv(t, path),
    "xlsx": lambda t, path, title: themes_xlsx(t, path),
}
_FRAME_WRITERS: dict[str, Callable[[pd.DataFrame, Path, str], None]] = {
    "md": _text(frame_md), "tex": _text(frame_tex),
    "docx": lambda df, path, title: frame_docx(df, path, title),
    "csv": lambda df, path, title: write_csv(df, path),
    "xlsx": lambda df, path, title: write_xlsx({title: df}, path),
}


def write_themes(tables: list[ThemeTable], path: str | os.PathLike, fmt: str | None = None,
                 title: str = "Theme tables") -> Path:
    """Write already-built theme tables to one file."""
    path = Path(path)
    _THEME_WRITERS[format_of(path, fmt)](tables, path, title)
    return path


def export_themes(s: Session, path: str | os.PathLike, fmt: str | None = None, *,
                  coder: str | None = None, consensus: bool = False) -> Path:
    """The project's theme tables in one file (format from `fmt` or the suffix)."""
    format_of(path, fmt)
    return write_themes(theme_tables(s, coder=coder, consensus=consensus), path, fmt)


def export_table(df: pd.DataFrame, path: str | os.PathLike, fmt: str | None = None, title: str = "Table") -> Path:
    """Any table (frequencies, top three, ...) in one file."""
    path = Path(path)
    _FRAME_WRITERS[format_of(path, fmt)](df, path, title)
    return path


# --- the analysis tables, computed by coding.counting and coding.agreement -----------------------------

def human_coders(s: Session) -> list[str]:
    """Coders with confirmed codings who are people (not the machine, not the consensus)."""
    q = (
        select(Coder.name).join(Coding, Coding.coder_id == Coder.id)
        .where(Coding.status == "confirmed", Coder.role.in_(("coder", "supervisor")))
        .distinct().order_by(Coder.name)
    )
    return list(s.scalars(q))


def agreement_frame(report: dict) -> pd.DataFrame:
    """coding.agreement's report as one row per code: κ per coder pair, α, AC1, verdict."""
    rows = []
    for entry in report.get("per_code", []):
        row: dict[str, object] = {"code": entry.get("code"), "% agreement": entry.get("percent_agreement")}
        kappa = entry.get("cohen_kappa") or {}
        if isinstance(kappa, dict):
            for pair, value in kappa.items():
                label = " – ".join(pair) if isinstance(pair, (tuple, list)) else str(pair).replace("|", " – ")
                row[f"κ {label}"] = value
        else:
            row["κ"] = kappa
        row["α"] = entry.get("krippendorff_alpha")
        row["AC1"] = entry.get("gwet_ac1")
        row["verdict"] = entry.get("verdict")
        rows.append(row)
    return pd.DataFrame(rows)


_HEADERS = {
    "top3_respondents": "Respondents (top three)", "overall_respondents": "Respondents (overall)",
    "top3_segments": "Segments (top three)", "direct_segments": "Segments (code itself)",
    "group_size": "Group size",
}


def readable_headers(df: pd.DataFrame) -> pd.DataFrame:
    """'top3_respondents' -> 'Respondents (top three)', 'segments' -> 'Segments': headers for a paper."""
    def header(c: object) -> object:
        if not isinstance(c, str) or c in _HEADERS:
            return _HEADERS.get(c, c) if isinstance(c, str) else c
        c = c.replace("_", " ")
        return c[:1].upper() + c[1:] if c[:1].isascii() else c  # κ and α stay lower case

    return df.rename(columns=header)


def _attribute_known(s: Session, attribute: str) -> bool:
    from ..project import cases

    return any(row.get(attribute) not in (None, "") for row in cases(s))


def analysis_tables(s: Session, coder: str | None = None, consensus: bool = False,
                    attribute: str = "side") -> dict[str, pd.DataFrame]:
    """Frequencies, top three, the split by `attribute`, the co-occurrence matrix and (with two or more
    human coders) the agreement report, keyed by file stem."""
    from .. import counting

    out: dict[str, pd.DataFrame] = {}
    freq = counting.frequencies(s, coder=coder, consensus=consensus)
    out["frequencies"] = freq.drop(columns=[c for c in ("code_id", "parent_id", "path") if c in freq.columns])
    top3 = counting.top_three(s, coder=coder, consensus=consensus)
    top3 = top3.drop(columns=[c for c in ("code_id",) if c in top3.columns])
    if "dominant" in top3.columns:
        top3["dominant"] = top3["dominant"].map({True: "yes", False: "no"})
    out["top_three"] = top3
    if _attribute_known(s, attribute):  # a project without respondent attributes simply has no split table
        split = counting.attribute_split(s, attribute, coder=coder, consensus=consensus)
        out[f"split_by_{attribute}"] = split.drop(columns=[c for c in ("code_id",) if c in split.columns])
    co = counting.cooccurrence(s, coder=coder, consensus=consensus)
    matrix = counting.cooccurrence_matrix(co, "respondents")
    matrix = matrix.reset_index().rename(columns={matrix.index.name or "index": "Code"})
    matrix.columns.name = None
    out["cooccurrence"] = matrix
    people = human_coders(s)
    if len(people) >= 2:
        from .. import agreement

        out["agreement"] = agreement_frame(agreement.agreement(s, people))
    return {k: readable_headers(v) if k != "cooccurrence" else v for k, v in out.items()}


_TITLES = {
    "frequencies": "Code frequencies", "top_three": "Top three factors", "cooccurrence": "Co-occurrence (respondents)",
    "agreement": "Inter-coder agreement",
}


def export_tables(s: Session, outdir: str | os.PathLike, *, coder: str | None = None, consensus: bool = False,
                  formats: tuple[str, ...] = FORMATS, progress: Callable[[str], None] | None = None) -> list[Path]:
    """Every table of the project into `outdir`: themes.<fmt> and <table>.<fmt> for each format."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    for f in formats:
        format_of(f"x.{f}")
    written: list[Path] = []
    tables = theme_tables(s, coder=coder, consensus=consensus)
    for f in formats:
        written.append(write_themes(tables, outdir / f"themes.{f}", f))
    for stem, df in analysis_tables(s, coder=coder, consensus=consensus).items():
        if progress:
            progress(stem)
        title = _TITLES.get(stem, stem.replace("_", " ").capitalize())
        for f in formats:
            written.append(export_table(df, outdir / f"{stem}.{f}", f, title))
    return written


def bundle_zip(s: Session, *, coder: str | None = None, consensus: bool = False) -> bytes:
    """All tables as one zip (for the UI's download button); nothing is left on disk."""
    with tempfile.TemporaryDirectory(prefix="cocode-tables-") as tmp:
        paths = export_tables(s, tmp, coder=coder, consensus=consensus)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for p in paths:
                zf.write(p, arcname=f"tables/{p.name}")
        return buf.getvalue()
