"""Plain text and Markdown transcripts."""
from __future__ import annotations

from pathlib import Path

from corpus.readers import RawDocument
from corpus.textio import read_text_file


def read_plain(path: Path, max_bytes: int | None = None) -> RawDocument:
    """.txt / .md: the decoded text as is; speaker turns are found in it afterwards."""
    return RawDocument(read_text_file(path, max_bytes))
