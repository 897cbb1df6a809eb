"""Word: real tables through python-docx (header row bold), the quotes in italics below each table."""
from __future__ import annotations

import math
import os
from pathlib import Path

import pandas as pd
from docx import Document
from docx.shared import Pt

from .themes import ThemeTable

_CONTROL = dict.fromkeys(i for i in range(32) if i not in (9, 10))


def _clean(text: object) -> str:
    """Text Word can hold: XML forbids most control characters, so drop them."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    if isinstance(text, float):
        return f"{text:.3f}"
    return str(text).translate(_CONTROL)


def _header(table, names: list[str]) -> None:
    for cell, name in zip(table.rows[0].cells, names):
        run = cell.paragraphs[0].add_run(_clean(name))
        run.bold = True


def _new_document(title: str):
    doc = Document()
    doc.styles["Normal"].font.size = Pt(10)
    doc.add_heading(_clean(title), level=1)
    return doc


def themes_docx(tables: list[ThemeTable], path: str | os.PathLike, title: str = "Theme tables") -> Path:
    """One heading + table per theme: rows are the categories, the items one paragraph each."""
    doc = _new_document(title)
    if not tables:
        doc.add_paragraph("No theme has confirmed codings yet.")
    for t in tables:
        doc.add_heading(_clean(t.theme), level=2)
        table = doc.add_table(rows=1, cols=2)
        table.style = "Table Grid"
        _header(table, ["Category", "Items"])
        for r in t.rows:
            cells = table.add_row().cells
            cells[0].text = _clean(r.category)
            if r.items:
                cells[1].text = "• " + _clean(r.items[0])
                for item in r.items[1:]:
                    cells[1].add_paragraph("• " + _clean(item))
        for q in t.quotes:
            p = doc.add_paragraph()
            quote = p.add_run(f"“{_clean(q.text)}”")
            quote.italic = True
            p.add_run(" " + _clean(q.attribution))
    path = Path(path)
    doc.save(str(path))
    return path


def frame_docx(df: pd.DataFrame, path: str | os.PathLike, title: str = "Table") -> Path:
    doc = _new_document(title)
    table = doc.add_table(rows=1, cols=max(1, len(df.columns)))
    table.style = "Table Grid"
    _header(table, [str(c) for c in df.columns])
    for row in df.itertuples(index=False):
        for cell, v in zip(table.add_row().cells, row):
            cell.text = _clean(v)
    path = Path(path)
    doc.save(str(path))
    return path
