"""CSV codebooks: one row per code, as people keep them in a spreadsheet.

A row names its parent by name when that name is unique, else by the parent's full path
("Strong governance > Processes"), because category names repeat under every theme.
Rows may come in any order; codes are returned in tree order like the nested formats.
CSV carries codes only: the codebook's name is taken from the file name.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from corpus.errors import InputError

from .fields import clean_color, clean_text, decode, join_list, parse_bool, read_bytes, split_list
from .model import SEP, Code, Codebook, parse_path, tree_order

COLUMNS = (
    "name", "parent", "description", "inclusion", "exclusion",
    "examples", "keywords", "color", "codable", "guid",
)
WRITE_PATH_SEP = " > "
_DELIMITERS = (",", ";", "\t")


@dataclass
class _Row:
    line: int
    cells: dict[str, str]

    @property
    def name(self) -> str:
        return self.cells.get("name", "")


def read_csv(path: Path) -> Codebook:
    text = decode(read_bytes(path), path)
    rows = _parse_rows(text, path)
    if not rows:
        raise InputError(path, "has no codes")
    parents = _resolve_parents(rows, path)
    codes = tree_order([_code(i, parents, rows, path) for i in range(len(rows))])
    codebook = Codebook(name=path.stem, codes=codes)
    codebook.validate(str(path))
    return codebook


def _parse_rows(text: str, path: Path) -> list[_Row]:
    try:
        delimiter, header = _find_header(text, path)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        next(reader, None)
        rows: list[_Row] = []
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) > len(header):
                extra = record[len(header):]
                if any(cell.strip() for cell in extra):
                    raise InputError(path, f"line {line} has more cells than the header")
            cells = {
                column: clean_text(record[i]) if i < len(record) else ""
                for i, column in enumerate(header)
                if column
            }
            if not cells["name"]:
                raise InputError(path, f"line {line} has an empty name")
            rows.append(_Row(line, cells))
        return rows
    except csv.Error as exc:
        raise InputError(path, f"is not valid CSV: {exc}") from None


def _find_header(text: str, path: Path) -> tuple[str, list[str]]:
    """Pick the delimiter (comma, semicolon or tab) whose header has a 'name' column."""
    if not text.strip():
        raise InputError(path, "has no codes")
    for delimiter in _DELIMITERS:
        header_row = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
        header = [cell.strip().lower() for cell in header_row]
        if "name" in header:
            known = [h if h in COLUMNS else "" for h in header]
            duplicated = {h for h in known if h and known.count(h) > 1}
            if duplicated:
                raise InputError(path, f"column(s) appear twice: {', '.join(sorted(duplicated))}")
            return delimiter, known
    raise InputError(path, "has no 'name' column in its first line")


def _resolve_parents(rows: list[_Row], path: Path) -> list[int | None]:
    """For each row, the index of its parent row (None at top level)."""
    by_name: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        by_name.setdefault(row.name, []).append(i)
    parent_of: list[int | None] = [None] * len(rows)
    paths: dict[int, tuple[str, ...]] = {}
    visiting: set[int] = set()

    def _written_path(j: int) -> str:
        try:
            return WRITE_PATH_SEP.join(full_path(j))
        except InputError:
            return rows[j].name

    def full_path(i: int) -> tuple[str, ...]:
        if i in paths:
            return paths[i]
        if i in visiting:
            row = rows[i]
            raise InputError(path, f"line {row.line} ({row.name!r}): its parents make a cycle")
        visiting.add(i)
        row = rows[i]
        wanted = parse_path(row.cells.get("parent", ""))
        where = f"line {row.line} ({row.name!r})"
        if not wanted:
            parent = None
        else:
            named = by_name.get(wanted[-1], [])
            # A row on the resolution stack can never be a valid parent: it would be its
            # own ancestor.
            free = [j for j in named if j not in visiting]
            if len(wanted) > 1:
                matches = [j for j in free if full_path(j) == wanted]
            else:
                # A lone name is also the path of a top-level code, which wins a tie; the
                # writer relies on this when it writes full paths.
                top = [j for j in free if not parse_path(rows[j].cells.get("parent", ""))]
                matches = free if len(free) == 1 or len(top) != 1 else top
            if not matches:
                if len(free) < len(named):
                    raise InputError(path, f"{where}: parent {SEP.join(wanted)!r} makes a cycle")
                raise InputError(path, f"{where}: parent {SEP.join(wanted)!r} not found")
            if len(matches) > 1:
                options = ", ".join(repr(_written_path(j)) for j in matches)
                raise InputError(
                    path,
                    f"{where}: parent {wanted[-1]!r} is ambiguous; "
                    f"write its full path, one of {options}",
                )
            parent = matches[0]
        parent_of[i] = parent
        paths[i] = (full_path(parent) if parent is not None else ()) + (row.name,)
        visiting.discard(i)
        return paths[i]

    try:
        for i in range(len(rows)):
            full_path(i)
    except RecursionError:
        raise InputError(path, "codes are nested too deeply") from None
    return parent_of


def _code(i: int, parent_of: list[int | None], rows: list[_Row], path: Path) -> Code:
    row = rows[i]
    cells = row.cells
    parent: tuple[str, ...] = ()
    j = parent_of[i]
    while j is not None:
        parent = (rows[j].name,) + parent
        j = parent_of[j]
    codable = parse_bool(cells.get("codable"))
    if codable is None:
        raise InputError(path, f"line {row.line}: codable must be true or false")
    return Code(
        name=row.name,
        parent=parent,
        description=cells.get("description", ""),
        inclusion=cells.get("inclusion", ""),
        exclusion=cells.get("exclusion", ""),
        examples=split_list(cells.get("examples")),
        keywords=split_list(cells.get("keywords")),
        color=clean_color(cells.get("color")),
        codable=codable,
        guid=cells.get("guid") or None,
    )


def write_csv(codebook: Codebook, path: Path) -> None:
    """Always writes the full parent path, so the file reads back whatever the names.

    Written with a BOM so that Excel shows non-ASCII text correctly.
    """
    columns = list(COLUMNS[:8])
    if any(not code.codable for code in codebook.codes):
        columns.append("codable")
    if any(code.guid for code in codebook.codes):
        columns.append("guid")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for code in codebook.codes:
        values = {
            "name": code.name,
            "parent": WRITE_PATH_SEP.join(code.parent),
            "description": code.description,
            "inclusion": code.inclusion,
            "exclusion": code.exclusion,
            "examples": join_list(code.examples),
            "keywords": join_list(code.keywords),
            "color": code.color or "",
            "codable": "true" if code.codable else "false",
            "guid": code.guid or "",
        }
        writer.writerow([values[c] for c in columns])
    path.write_text(buffer.getvalue(), encoding="utf-8-sig", newline="")
