"""One reader per file format; each returns a RawDocument (text, and turns when the format has them)."""
from __future__ import annotations

from dataclasses import dataclass, field

from corpus.turns import Turn

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .doc/.xls, and Office files saved with a password


@dataclass
class RawDocument:
    """What a reader found: the normalised text and, for structured formats, its turns.

    turns None: find speaker turns in the text (txt, md, docx, pdf).
    roles_done: the turns already carry respondent and question (spreadsheet rows).
    """

    text: str
    turns: list[Turn] | None = None
    cases: dict[str, dict[str, str]] = field(default_factory=dict)
    roles_done: bool = False
