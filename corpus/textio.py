"""Reading bytes safely and turning them into normalised text.

Why here: every reader must refuse over-large files before reading them, detect the common
encodings of interview transcripts (UTF-8, UTF-8/16 with BOM, Windows-1252 from older Word
exports), and produce one canonical text (\\n line endings, NFC) that all offsets index into.
"""
from __future__ import annotations

import codecs
import os
import re
import unicodedata
from pathlib import Path

from corpus.errors import InputError

DEFAULT_MAX_FILE_MB = 50.0
# Characters Python or Word treat as line breaks; all become "\n" so that "\n" is the only line break.
_LINE_BREAKS = {
    "\r\n": "\n", "\r": "\n", "\x0b": "\n", "\x0c": "\n", "\x1c": "\n", "\x1d": "\n", "\x1e": "\n",
    "\x85": "\n", "\u2028": "\n", "\u2029": "\n",
}
# C0/C1 controls other than tab, line breaks and the separators mapped to "\n" above.
_BAD_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f]")
_NON_ASCII_GOOD_RE = re.compile("[^\x00-\x7f\ufffd]")


def max_file_bytes(max_bytes: int | None = None) -> int:
    """The size limit: the argument, else COCODE_MAX_FILE_MB (megabytes), else 50 MB."""
    if max_bytes is not None:
        return int(max_bytes)
    raw = os.environ.get("COCODE_MAX_FILE_MB", "").strip()
    if not raw:
        return int(DEFAULT_MAX_FILE_MB * 1024 * 1024)
    try:
        mb = float(raw)
    except ValueError:
        raise InputError(None, f"COCODE_MAX_FILE_MB must be a number of megabytes, not {raw!r}") from None
    if mb <= 0:
        raise InputError(None, f"COCODE_MAX_FILE_MB must be positive, not {raw!r}")
    return int(mb * 1024 * 1024)


def _human_mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def check_file(path: Path, max_bytes: int | None = None) -> int:
    """Refuse missing files, folders and files over the limit, before reading a byte; returns the size."""
    limit = max_file_bytes(max_bytes)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except PermissionError:
        raise InputError(path, "cannot read file: permission denied") from None
    except OSError as exc:
        raise InputError(path, f"cannot read file: {exc.strerror or exc}") from None
    if path.is_dir():
        raise InputError(path, "is a folder, not a file")
    if st.st_size > limit:
        raise InputError(
            path,
            f"file is {_human_mb(st.st_size)}, over the {_human_mb(limit)} limit "
            "(set COCODE_MAX_FILE_MB to raise it)",
        )
    if st.st_size == 0:
        raise InputError(path, "file is empty")
    return st.st_size


def read_bytes(path: Path, max_bytes: int | None = None) -> bytes:
    """The file's bytes, after the size check (and a second one, in case the file grew)."""
    check_file(path, max_bytes)
    limit = max_file_bytes(max_bytes)
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except PermissionError:
        raise InputError(path, "cannot read file: permission denied") from None
    except OSError as exc:
        raise InputError(path, f"cannot read file: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise InputError(path, f"file is over the {_human_mb(limit)} limit (set COCODE_MAX_FILE_MB to raise it)")
    return data


def _looks_utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when every other byte is NUL, as in BOM-less UTF-16 of mostly-Latin text."""
    if len(data) < 4 or len(data) % 2:
        return None
    even_nul = data[0::2].count(0)
    odd_nul = data[1::2].count(0)
    half = len(data) // 2
    if odd_nul >= 0.6 * half and even_nul == 0:
        return "utf-16-le"
    if even_nul >= 0.6 * half and odd_nul == 0:
        return "utf-16-be"
    return None


def _control_ratio(text: str) -> float:
    """Share of control characters that never occur in real text (binary data is full of them)."""
    if not text:
        return 0.0
    return len(_BAD_CONTROL_RE.findall(text)) / len(text)


def decode_bytes(data: bytes, path: str | os.PathLike | None = None) -> str:
    """Bytes -> str: BOMs first (UTF-8, UTF-32, UTF-16), then UTF-8, then Windows-1252 with sanity checks."""
    encoding: str | None = None
    if data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif data.startswith(codecs.BOM_UTF32_LE) or data.startswith(codecs.BOM_UTF32_BE):
        encoding = "utf-32"
    elif data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        encoding = "utf-16"
    elif b"\x00" in data:
        encoding = _looks_utf16_without_bom(data)
        if encoding is None:
            raise InputError(path, "looks like a binary file (it contains NUL bytes), not text")
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            raise InputError(path, f"cannot decode the text as {encoding.upper()} (corrupt or binary file)") from None
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = _decode_non_utf8(data, path)
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text or _control_ratio(text) > 0.01:
        raise InputError(path, "looks like a binary file (control characters), not text")
    return text


def _decode_non_utf8(data: bytes, path: str | os.PathLike | None) -> str:
    """Windows-1252, unless the bytes are really UTF-8 with a few damaged characters."""
    lossy = data.decode("utf-8", errors="replace")
    damaged = lossy.count("\ufffd")
    good_non_ascii = len(_NON_ASCII_GOOD_RE.findall(lossy))
    if good_non_ascii and good_non_ascii >= 2 * damaged:
        return lossy  # UTF-8 text with a stray byte or two: keep the many good characters
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise InputError(path, "cannot decode the text (neither UTF-8 nor Windows-1252; binary file?)") from None


def normalise_text(text: str) -> str:
    """One canonical form for offsets: '\\n' as the only line break, NFC, no BOM."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    for old, new in _LINE_BREAKS.items():
        if old in text:
            text = text.replace(old, new)
    return unicodedata.normalize("NFC", text)


def read_text_file(path: Path, max_bytes: int | None = None) -> str:
    """A text file's normalised content; empty or whitespace-only files are bad input."""
    text = normalise_text(decode_bytes(read_bytes(path, max_bytes), path))
    if not text.strip():
        raise InputError(path, "file is empty (only whitespace)")
    return text
