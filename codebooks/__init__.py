"""Codebooks: the in-memory model and its YAML, CSV and REFI-QDA (.qdc) files.

`read_codebook` and `write_codebook` choose the format by file suffix. Every read codebook
is validated, and every problem with a file is reported as one `InputError`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from corpus.errors import InputError

from .csv_format import read_csv, write_csv
from .model import SEP, Code, Codebook, parse_path, stable_guid, tree_order
from .qdc_format import read_qdc, write_qdc
from .yaml_format import read_yaml, write_yaml

__all__ = [
    "SEP", "Code", "Codebook", "parse_path", "stable_guid", "tree_order",
    "read_codebook", "write_codebook", "shipped_codebooks", "load_shipped", "FORMATS",
]

DATA_DIR = Path(__file__).parent / "data"

_READERS: dict[str, Callable[[Path], Codebook]] = {
    ".yaml": read_yaml, ".yml": read_yaml, ".csv": read_csv, ".qdc": read_qdc,
}
_WRITERS: dict[str, Callable[[Codebook, Path], None]] = {
    ".yaml": write_yaml, ".yml": write_yaml, ".csv": write_csv, ".qdc": write_qdc,
}
FORMATS = tuple(_READERS)
"""File suffixes a codebook can be read from and written to."""


def _format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in _READERS:
        raise InputError(
            path, f"unsupported codebook format {suffix or '(no suffix)'!r}; use .yaml, .csv or .qdc"
        )
    return suffix


def read_codebook(path: str | Path) -> Codebook:
    """Read and validate a codebook; any problem with the file raises InputError."""
    path = Path(path)
    return _READERS[_format(path)](path)


def write_codebook(codebook: Codebook, path: str | Path) -> None:
    """Validate, then write the codebook in the format its suffix names.

    CSV and .qdc carry no codebook name or description; reading them back takes the
    name from the file name. Every reader returns codes in tree order (see tree_order).
    """
    path = Path(path)
    writer = _WRITERS[_format(path)]
    codebook.validate(str(path))
    try:
        writer(codebook, path)
    except OSError as exc:
        raise InputError(path, f"cannot write file ({exc.strerror or exc})") from None


def shipped_codebooks() -> dict[str, Path]:
    """The codebooks that come with Cocode, by short name."""
    return {path.stem: path for path in sorted(DATA_DIR.glob("*.yaml"))}


def load_shipped(name: str) -> Codebook:
    """Load a shipped codebook by short name, e.g. "outsourcing-success-factors"."""
    shipped = shipped_codebooks()
    if name not in shipped:
        raise InputError(name, f"no shipped codebook of that name; choose from {', '.join(shipped)}")
    return read_codebook(shipped[name])
