"""LaTeX (booktabs) for papers: theme tables with the quotes below, and any data frame.

Why a full escaping table and not a few replaces: quotes are verbatim interview text, which
contains every character LaTeX treats specially (& % $ # _ { } ~ ^ \\), typewriter quotes
that must become typographic ones, and dashes a reader may type as ``--``. The output is a
complete document that compiles with pdflatex (T1 fonts, UTF-8 input); authors copy the
table environments into their paper.
"""
from __future__ import annotations

import math

import pandas as pd

from .themes import ThemeTable

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "`": r"\textasciigrave{}",
    "[": "{[}",
    "]": "{]}",
    "\u201c": "``",  # “
    "\u201d": "''",  # ”
    "\u2018": "`",  # ‘
    "\u2019": "'",  # ’
    "\u201e": ",,",  # „
    "\u2013": "--",  # –
    "\u2014": "---",  # —
    "\u2026": r"\ldots{}",  # …
    "\u2022": r"\textbullet{}",  # •
    "\u00a0": "~",  # no-break space
    "\u203a": r"\guilsinglright{}",  # ›
    "\u2039": r"\guilsinglleft{}",  # ‹
    "\u00ab": r"\guillemotleft{}",  # «
    "\u00bb": r"\guillemotright{}",  # »
    "\u20ac": r"\texteuro{}",  # €
    "\u2192": r"\textrightarrow{}",  # →
    "\u00b0": r"\textdegree{}",  # °
    "\u00d7": r"\texttimes{}",  # ×
    "\u2212": r"\textminus{}",  # −
    "\u2264": r"$\leq$",  # ≤
    "\u2265": r"$\geq$",  # ≥
    "\u03b1": r"$\alpha$",  # α (Krippendorff)
    "\u03ba": r"$\kappa$",  # κ (Cohen)
    "\u03c1": r"$\rho$",
    "\u03c7": r"$\chi$",
}
# Latin letters below U+0180 that pdflatex's T1/TS1 encodings have no glyph for (t1enc.dfu, ts1enc.dfu).
_NO_GLYPH = set("\u0126\u0127\u0138\u013f\u0140\u0149\u0166\u0167\u017f")
_OPENERS = set(" \t\n([{\u2014\u2013-/")


def tex_escape(text: object) -> str:
    """Text -> LaTeX source that prints exactly that text (with typographic quotes).

    Straight double quotes become `` or '' by position (opening after a space or bracket).
    Latin-1 and Latin Extended-A letters pass through (pdflatex reads UTF-8 into T1 fonts);
    characters pdflatex has no glyph for are written as [U+XXXX] rather than breaking the build.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    s = str(text)
    out: list[str] = []
    prev = " "
    for ch in s:
        if ch in _SPECIAL:
            piece = _SPECIAL[ch]
        elif ch == '"':
            piece = "``" if prev in _OPENERS else "''"
        elif ch == "-" and prev == "-":
            piece = "{}-"  # keep "--" as two hyphens, not an en dash
        elif ch == "\n" or ch == "\t":
            piece = " "
        elif ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0:
            piece = ""
        elif ord(ch) > 0x17F or ch in _NO_GLYPH:
            piece = f"[U+{ord(ch):04X}]"
        else:
            piece = ch
        out.append(piece)
        prev = ch
    return "".join(out)


PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage{lmodern}
\usepackage{textcomp}
\usepackage{booktabs}
\usepackage{array}
\usepackage{longtable}
\usepackage[margin=2.5cm]{geometry}
\begin{document}
"""
END = "\\end{document}\n"


def _theme_block(t: ThemeTable) -> list[str]:
    out = [
        r"\begin{table}[htbp]",
        r"\centering",
        rf"\caption{{{tex_escape(t.theme)}}}",
        r"\begin{tabular}{@{}>{\raggedright\arraybackslash}p{0.24\linewidth}>{\raggedright\arraybackslash}p{0.70\linewidth}@{}}",
        r"\toprule",
        r"\textbf{Category} & \textbf{Items} \\",
        r"\midrule",
    ]
    for r in t.rows:
        items = r" \newline ".join(r"\textbullet{}~" + tex_escape(i) for i in r.items)
        out.append(f"{tex_escape(r.category)} & {items} \\\\")
    out += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    if t.quotes:
        out += [r"\begin{quote}\small"]
        for i, q in enumerate(t.quotes):
            sep = r" \par\smallskip" if i < len(t.quotes) - 1 else ""
            out.append(rf"\emph{{``{tex_escape(q.text)}''}} {tex_escape(q.attribution)}{sep}")
        out += [r"\end{quote}"]
    out.append("")
    return out


def themes_tex(tables: list[ThemeTable], title: str = "Theme tables", standalone: bool = True) -> str:
    """A compilable document (or, with standalone=False, just the tables) of all theme tables."""
    body = [rf"\section*{{{tex_escape(title)}}}", ""]
    if not tables:
        body.append(r"\emph{No theme has confirmed codings yet.}")
    for t in tables:
        body += _theme_block(t)
    text = "\n".join(body) + "\n"
    return PREAMBLE + text + END if standalone else text


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return "" if math.isnan(v) else f"{v:.3f}"
    return tex_escape(v)


def _column_specs(df: pd.DataFrame) -> str:
    """Paragraph columns that share the text width: numbers narrow and right-aligned, text ragged-right.

    Fixed widths (not l/r) so long code names and wide matrices wrap instead of running off the page.
    """
    numeric = [pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]) for c in df.columns]
    n_num, n_text = sum(numeric), len(numeric) - sum(numeric)
    num_w = min(0.12, 0.6 / n_num) if n_num and n_text else (1.0 / n_num if n_num else 0.0)
    text_w = (1.0 - n_num * num_w) / n_text if n_text else 0.0
    specs = []
    for is_num in numeric:
        w = num_w if is_num else text_w
        align = r"\raggedleft" if is_num else r"\raggedright"
        specs.append(rf">{{{align}\arraybackslash}}p{{\dimexpr {w:.3f}\linewidth-2\tabcolsep\relax}}")
    return "".join(specs) or "l"


def frame_tex(df: pd.DataFrame, title: str | None = None, standalone: bool = True) -> str:
    """A booktabs longtable of a data frame (numbers right-aligned, text wrapped), small type."""
    cols = list(df.columns)
    body = [r"{\small", rf"\begin{{longtable}}{{{_column_specs(df)}}}"]
    if title:
        body.append(rf"\caption{{{tex_escape(title)}}}\\")
    body += [r"\toprule", " & ".join(rf"\textbf{{{tex_escape(c)}}}" for c in cols) + r" \\", r"\midrule", r"\endhead"]
    for row in df.itertuples(index=False):
        body.append(" & ".join(_fmt(v) for v in row) + r" \\")
    body += [r"\bottomrule", r"\end{longtable}", "}", ""]
    text = "\n".join(body)
    return PREAMBLE + text + END if standalone else text
