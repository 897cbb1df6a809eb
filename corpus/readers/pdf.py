"""PDF transcripts: the text layer of each page (pypdf). Scanned PDFs without text are refused."""
from __future__ import annotations

import contextlib
import io
import logging
from pathlib import Path

from corpus.errors import InputError
from corpus.readers import RawDocument
from corpus.textio import normalise_text, read_bytes


@contextlib.contextmanager
def _quiet_pypdf():
    """pypdf logs a warning for every small flaw of a file; the user only needs our one-line error."""
    logger = logging.getLogger("pypdf")
    old = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(old)


def read_pdf(path: Path, max_bytes: int | None = None) -> RawDocument:
    """Page texts joined by blank lines; encrypted PDFs are read only if they open without a password."""
    data = read_bytes(path, max_bytes)
    if b"%PDF-" not in data[:1024]:
        raise InputError(path, "is not a PDF file (no %PDF header)")
    from pypdf import PdfReader

    with _quiet_pypdf():
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
        except Exception as exc:
            raise InputError(path, f"is not a readable PDF (corrupt?): {type(exc).__name__}: {exc}") from None
        if reader.is_encrypted:
            try:
                opened = bool(reader.decrypt(""))
            except Exception:
                opened = False
            if not opened:
                raise InputError(path, "is a password-protected PDF; remove the password and try again")
        try:
            pages = [page.extract_text() or "" for page in reader.pages]
        except Exception as exc:
            raise InputError(path, f"cannot extract text from this PDF: {type(exc).__name__}: {exc}") from None
    text = normalise_text("\n\n".join(p.strip("\n") for p in pages))
    if not text.strip():
        raise InputError(path, "has no text layer (a scanned PDF? run OCR on it first)")
    return RawDocument(text)
