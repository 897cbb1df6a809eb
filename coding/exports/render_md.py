"""Markdown: theme tables as pipe tables with the quotes as a block below, and any data frame as a pipe table."""
from __future__ import annotations

import math

import pandas as pd

from .themes import ThemeTable


def md_cell(text: object) -> str:
    """One table cell: no line breaks, and pipes escaped so they do not open a column."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    if isinstance(text, float):
        text = f"{text:.3f}"
    return " ".join(str(text).split()).replace("\\", "\\\\").replace("|", "\\|")


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(md_cell(h) for h in header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return lines


def _items(items: list[str]) -> str:
    """One item as it is; several as a bulleted list inside the cell (<br> is the only line break
    a pipe table cell can hold, and GitHub, GitLab and pandoc all render it)."""
    if len(items) == 1:
        return md_cell(items[0])
    return "<br>".join("• " + md_cell(i) for i in items)


def themes_md(tables: list[ThemeTable], title: str = "Theme tables") -> str:
    """Each theme: a heading, a two-column table (category | items), then the illustrative quotes."""
    out = [f"# {md_cell(title)}", ""]
    if not tables:
        out += ["_No theme has confirmed codings yet._", ""]
    for t in tables:
        out += [f"## {md_cell(t.theme)}", ""]
        out += _table(["Category", "Items"], [[md_cell(r.category), _items(r.items)] for r in t.rows])
        out.append("")
        if t.quotes:
            out += ["**Illustrative quotes**", ""]
            for q in t.quotes:
                out += [f"> “{md_cell(q.text)}” {md_cell(q.attribution)}", ""]
    return "\n".join(out).rstrip() + "\n"


def frame_md(df: pd.DataFrame, title: str | None = None) -> str:
    out = [f"# {md_cell(title)}", ""] if title else []
    if df.empty:
        out.append("_No rows._")
    else:
        out += _table([str(c) for c in df.columns], [[md_cell(v) for v in row] for row in df.itertuples(index=False)])
    return "\n".join(out) + "\n"
