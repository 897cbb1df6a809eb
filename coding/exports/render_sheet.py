"""CSV and XLSX: theme tables as tidy rows (one item or quote per row), so a spreadsheet can filter them."""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .themes import ThemeTable

THEME_COLUMNS = ["theme", "category", "kind", "text", "attribution"]


def themes_frame(tables: list[ThemeTable]) -> pd.DataFrame:
    """Columns theme, category, kind ("item" or "quote"), text, attribution (quotes only).

    A category with no item still gets one row (empty text), so the table's shape survives.
    """
    rows = []
    for t in tables:
        for r in t.rows:
            if not r.items:
                rows.append({"theme": t.theme, "category": r.category, "kind": "item", "text": "", "attribution": ""})
            for item in r.items:
                rows.append({"theme": t.theme, "category": r.category, "kind": "item", "text": item, "attribution": ""})
        for q in t.quotes:
            rows.append({"theme": t.theme, "category": q.code, "kind": "quote", "text": q.text,
                         "attribution": q.attribution})
    return pd.DataFrame(rows, columns=THEME_COLUMNS)


def _wide(tables: list[ThemeTable]) -> pd.DataFrame:
    """The paper's layout for a workbook: one row per (theme, category), items one per line in the cell."""
    return pd.DataFrame(
        [{"theme": t.theme, "category": r.category, "items": "\n".join(r.items)} for t in tables for r in t.rows],
        columns=["theme", "category", "items"],
    )


def write_csv(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """UTF-8 with BOM so Excel opens non-ASCII text (quotes, names) correctly."""
    path = Path(path)
    df.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def _sheet_name(name: str, taken: set[str]) -> str:
    base = "".join("_" if c in "[]:*?/\\" else c for c in name)[:31] or "Sheet"
    candidate, n = base, 1
    while candidate.lower() in taken:
        n += 1
        suffix = f" ({n})"
        candidate = base[: 31 - len(suffix)] + suffix
    taken.add(candidate.lower())
    return candidate


def write_xlsx(sheets: dict[str, pd.DataFrame], path: str | os.PathLike) -> Path:
    """One sheet per frame (names made legal for Excel: ≤31 characters, no []:*?/\\)."""
    path = Path(path)
    taken: set[str] = set()
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for name, df in sheets.items():
            df.to_excel(xw, sheet_name=_sheet_name(name, taken), index=False)
    return path


def themes_csv(tables: list[ThemeTable], path: str | os.PathLike) -> Path:
    return write_csv(themes_frame(tables), path)


def themes_xlsx(tables: list[ThemeTable], path: str | os.PathLike) -> Path:
    """Sheet "Themes" in the paper's layout, sheet "Items and quotes" tidy (as in the CSV)."""
    return write_xlsx({"Themes": _wide(tables), "Items and quotes": themes_frame(tables)}, path)
