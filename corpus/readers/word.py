"""Word (.docx) transcripts: body paragraphs and tables, in document order.

Why tables: transcripts are often typed as a two- or three-column table (time | speaker | words);
each row becomes one "[time] Speaker: words" line so the usual turn detection applies.
"""
from __future__ import annotations

import io
from pathlib import Path

from corpus.errors import InputError
from corpus.readers import OLE_MAGIC, RawDocument
from corpus.textio import normalise_text, read_bytes
from corpus.turns import classify_label, normalise_time

_HEADER_WORDS = {"speaker", "name", "who", "text", "transcript", "utterance", "words", "said", "content",
                 "time", "timestamp", "start", "question", "answer", "respondent", "interviewer"}


def _cell_text(cell) -> str:
    return normalise_text(cell.text).strip()


def _table_lines(table) -> list[str]:
    """One line per table row; speaker tables become 'Speaker: text' or '[time] Speaker: text'."""
    lines: list[str] = []
    for r, row in enumerate(table.rows):
        seen, texts = [], []
        for cell in row.cells:  # a merged cell is returned once per grid column it spans
            if any(cell._tc is tc for tc in seen):
                continue
            seen.append(cell._tc)
            texts.append(_cell_text(cell))
        texts = [t for t in texts if t]
        if not texts:
            continue
        if r == 0 and all(t.casefold() in _HEADER_WORDS for t in texts):
            continue
        time = normalise_time(texts[0]) if len(texts) == 3 else None
        rest = texts[1:] if time else texts
        if len(rest) == 2 and "\n" not in rest[0] and classify_label(rest[0], explicit=True):
            prefix = f"[{texts[0]}] " if time else ""
            lines.append(f"{prefix}{rest[0]}: {rest[1]}")
        else:
            lines.append("\t".join(texts))
    return lines


def read_docx(path: Path, max_bytes: int | None = None) -> RawDocument:
    """The document body as text: one line per paragraph, one line per table row."""
    data = read_bytes(path, max_bytes)
    if data.startswith(OLE_MAGIC):
        raise InputError(path, "is an old-format Word file or a password-protected document; "
                               "save it as an unprotected .docx")
    if not data.startswith(b"PK"):
        raise InputError(path, "is not a valid .docx file (not a Word package)")
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                lines.extend(_table_lines(block))
            else:
                lines.append(block.text)
    except InputError:
        raise
    except Exception as exc:
        raise InputError(path, f"is not a readable .docx file (corrupt?): {type(exc).__name__}: {exc}") from None
    text = normalise_text("\n".join(lines))
    if not text.strip():
        raise InputError(path, "the document contains no text")
    return RawDocument(text)
