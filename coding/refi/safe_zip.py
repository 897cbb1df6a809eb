"""Reading an untrusted zip (a .qdpx from anyone) without letting it reach outside itself or fill the memory.

Nothing is ever extracted to disk: entries are read into memory by name. An archive is refused when
an entry's name could escape a folder (absolute, drive letter, ``..``), when it holds more entries
than a real project would, or when its entries would expand past a size cap (zip bombs). Sizes are
checked twice: the sizes the archive *declares*, and the bytes actually read, since a hostile
archive can lie in its headers.
"""
from __future__ import annotations

import os
import posixpath
import stat
import zipfile
import zlib
from pathlib import Path

from corpus.errors import InputError

MAX_ENTRIES = 20_000
DEFAULT_MAX_MB = 1024.0


def max_total_bytes(max_bytes: int | None = None) -> int:
    """The cap on uncompressed bytes: the argument, else COCODE_MAX_QDPX_MB (megabytes), else 1 GB."""
    if max_bytes is not None:
        return max_bytes
    try:
        return int(float(os.environ.get("COCODE_MAX_QDPX_MB", DEFAULT_MAX_MB)) * 1024 * 1024)
    except ValueError:
        return int(DEFAULT_MAX_MB * 1024 * 1024)


def _unsafe_name(name: str) -> str | None:
    """Why an entry name is refused, or None when it stays inside the archive."""
    if "\x00" in name:
        return "contains a NUL character"
    norm = name.replace("\\", "/")
    if norm.startswith("/") or (len(norm) > 1 and norm[1] == ":"):
        return "is an absolute path"
    if ".." in norm.split("/"):
        return "climbs out of the archive with '..'"
    if posixpath.normpath(norm).startswith("../"):
        return "climbs out of the archive"
    return None


class SafeZip:
    """Entries of an untrusted zip, looked up case-insensitively, read with a running size budget."""

    def __init__(self, path: str | os.PathLike, *, max_entries: int = MAX_ENTRIES, max_bytes: int | None = None):
        self.path = Path(path)
        self.budget = max_total_bytes(max_bytes)
        try:
            self._zf = zipfile.ZipFile(self.path)
        except FileNotFoundError:
            raise InputError(self.path, "file not found") from None
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise InputError(self.path, f"is not a zip archive (.qdpx files are zips): {exc}") from None
        infos = self._zf.infolist()
        if len(infos) > max_entries:
            self._zf.close()
            raise InputError(self.path, f"has {len(infos)} entries, more than the {max_entries} allowed; refusing it")
        declared = 0
        self._by_name: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            why = _unsafe_name(info.filename)
            if why:
                self._zf.close()
                raise InputError(self.path, f"entry {info.filename!r} {why}; refusing the archive")
            if stat.S_ISLNK(info.external_attr >> 16):
                self._zf.close()
                raise InputError(self.path, f"entry {info.filename!r} is a symbolic link; refusing the archive")
            declared += info.file_size
            self._by_name.setdefault(info.filename.replace("\\", "/").lower(), info)
        if declared > self.budget:
            self._zf.close()
            raise InputError(self.path, f"would expand to {declared / 1e6:.0f} MB, more than the "
                                        f"{self.budget / 1e6:.0f} MB allowed (COCODE_MAX_QDPX_MB); refusing it")
        self._read_so_far = 0

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._zf.close()

    def names(self) -> list[str]:
        return [i.filename for i in self._by_name.values()]

    def find(self, name: str) -> str | None:
        """The stored name matching `name` case-insensitively (NVivo writes Sources/, others sources/)."""
        info = self._by_name.get(name.replace("\\", "/").lstrip("/").lower())
        return info.filename if info else None

    def read(self, name: str) -> bytes:
        """An entry's bytes, stopping as soon as the archive's byte budget would be exceeded."""
        info = self._by_name.get(name.replace("\\", "/").lstrip("/").lower())
        if info is None:
            raise InputError(self.path, f"has no entry {name!r}")
        chunks, total = [], 0
        try:
            with self._zf.open(info) as fh:
                while True:
                    chunk = fh.read(1 << 20)
                    if not chunk:
                        break
                    total += len(chunk)
                    if self._read_so_far + total > self.budget:
                        raise InputError(self.path, f"entry {info.filename!r} expands past the "
                                                    f"{self.budget / 1e6:.0f} MB allowed; refusing it (zip bomb?)")
                    chunks.append(chunk)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
            raise InputError(self.path, f"entry {info.filename!r} cannot be read: {exc}") from None
        self._read_so_far += total
        return b"".join(chunks)
