"""Shared helpers that turn raw file content into clean code fields.

Every reader goes through these, so YAML, CSV and REFI files normalise text the same way
and a round trip through any format gives back an equal codebook.
"""

from __future__ import annotations

import re
from pathlib import Path

from corpus.errors import InputError

from .model import LIST_SEP

_SHORT_COLOR = re.compile(r"#([0-9A-Fa-f])([0-9A-Fa-f])([0-9A-Fa-f])")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


def read_bytes(path: Path) -> bytes:
    """Read a whole file, turning OS errors into InputError."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except IsADirectoryError:
        raise InputError(path, "is a directory, not a codebook file") from None
    except OSError as exc:
        raise InputError(path, f"cannot read file ({exc.strerror or exc})") from None


def decode(data: bytes, path: Path) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 as Excel on Windows writes it."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(path, "is neither UTF-8 nor Windows-1252 text")


def clean_text(value: str | None) -> str:
    """Strip, unify line endings and drop control characters (XML cannot carry them)."""
    if value is None:
        return ""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _NOT_XML.sub("", value).strip()


def split_list(value: str | None) -> list[str]:
    """Split a '|'-separated cell into its non-empty, stripped items."""
    return [item.strip() for item in clean_text(value).split(LIST_SEP) if item.strip()]


def join_list(items: list[str]) -> str:
    return f" {LIST_SEP} ".join(items)


def clean_color(value: str | None) -> str | None:
    """"" gives None; #RGB (allowed by REFI) is expanded to #RRGGBB; anything else is kept
    as written so that validation can report it."""
    value = clean_text(value)
    if not value:
        return None
    short = _SHORT_COLOR.fullmatch(value)
    if short:
        return "#" + "".join(ch * 2 for ch in short.groups())
    return value


def parse_bool(value: str | None, default: bool = True) -> bool | None:
    """Read yes/no style text; None means the text was not a boolean."""
    text = clean_text(value).lower()
    if not text:
        return default
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None
