"""Spreadsheets of open answers (.csv, .xlsx): one row per answer.

Columns: `text` (required; also accepted: answer, response), `respondent` (or case, code,
respondent_code, respondent_id, case_id, participant), `question` (or prompt); every other column
is a respondent attribute (side, organisation, sector, stage, dyad, ...) collected into cases.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sys
import warnings
from pathlib import Path

from corpus.errors import InputError
from corpus.readers import OLE_MAGIC, RawDocument
from corpus.respondents import normalise_respondent
from corpus.textio import decode_bytes, normalise_text, read_bytes
from corpus.turns import Turn

TEXT_COLUMNS = ("text", "answer", "response")
RESPONDENT_COLUMNS = ("respondent", "case", "code", "respondent_code", "respondent_id", "case_id", "participant")
QUESTION_COLUMNS = ("question", "prompt")


def column_key(name: str) -> str:
    """'Respondent Code' -> 'respondent_code': how headers are matched and how attributes are named."""
    return re.sub(r"[\s_\-]+", "_", name.strip().casefold()).strip("_")


def _cell_str(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return normalise_text(str(value)).strip()


def _csv_rows(path: Path, max_bytes: int | None) -> list[list[str]]:
    text = normalise_text(decode_bytes(read_bytes(path, max_bytes), path))
    first = next((line for line in text.split("\n") if line.strip()), "")
    delimiter = max((",", ";", "\t"), key=first.count) if first else ","
    if csv.field_size_limit() < len(text) + 1:
        csv.field_size_limit(min(sys.maxsize, 2**31 - 1, len(text) + 1))
    try:
        return [[normalise_text(c).strip() for c in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as exc:
        raise InputError(path, f"is not a readable CSV file: {exc}") from None


def _xlsx_rows(path: Path, max_bytes: int | None) -> list[list[str]]:
    data = read_bytes(path, max_bytes)
    if data.startswith(OLE_MAGIC):
        raise InputError(path, "is an old-format Excel file or a password-protected workbook; "
                               "save it as an unprotected .xlsx")
    if not data.startswith(b"PK"):
        raise InputError(path, "is not a valid .xlsx file (not an Excel package)")
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                rows = [[_cell_str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            finally:
                workbook.close()
    except InputError:
        raise
    except Exception as exc:
        raise InputError(path, f"is not a readable .xlsx file (corrupt?): {type(exc).__name__}: {exc}") from None
    return rows


def table_records(path: Path, max_bytes: int | None = None) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """(column keys, [(row number, {column key: value})]) of the first sheet / the CSV; blank rows skipped."""
    rows = _xlsx_rows(path, max_bytes) if path.suffix.lower() == ".xlsx" else _csv_rows(path, max_bytes)
    numbered = [(i + 1, row) for i, row in enumerate(rows) if any(c for c in row)]
    if not numbered:
        raise InputError(path, "the table is empty")
    _, header = numbered[0]
    keys: list[str] = []
    for i, name in enumerate(header):
        key = column_key(name) or f"column_{i + 1}"
        while key in keys:
            key += "_2"
        keys.append(key)
    records = []
    for number, row in numbered[1:]:
        records.append((number, {k: (row[i] if i < len(row) else "") for i, k in enumerate(keys)}))
    return keys, records


def find_column(keys: list[str], wanted: tuple[str, ...]) -> str | None:
    """The first header (in `wanted` order) that is present."""
    return next((w for w in wanted if w in keys), None)


def respondent_code(raw: str) -> str | None:
    """A respondent cell as a code: 'OS1, R1' -> 'OS1-R1'; anything else kept as written ('Jane')."""
    raw = raw.strip()
    return normalise_respondent(raw) or raw or None


def read_table(path: Path, max_bytes: int | None = None, document_respondent: str | None = None) -> RawDocument:
    """Answers joined by blank lines; one turn per row with its respondent and question."""
    keys, records = table_records(path, max_bytes)
    text_col = find_column(keys, TEXT_COLUMNS)
    if text_col is None:
        raise InputError(path, f"has no 'text' column (columns: {', '.join(keys) or 'none'})")
    resp_col = find_column(keys, RESPONDENT_COLUMNS)
    question_col = find_column(keys, QUESTION_COLUMNS)
    attr_cols = [k for k in keys if k not in (text_col, resp_col, question_col)]

    parts: list[str] = []
    turns: list[Turn] = []
    cases: dict[str, dict[str, str]] = {}
    pos = 0
    for _, rec in records:
        answer = rec[text_col].strip()
        raw_resp = rec[resp_col].strip() if resp_col else ""
        code = respondent_code(raw_resp) if raw_resp else None
        if code is not None:
            attrs = cases.setdefault(code, {})
            for col in attr_cols:
                if rec[col]:
                    attrs.setdefault(col, rec[col])
        if not answer:
            continue
        if parts:
            parts.append("\n\n")
            pos += 2
        parts.append(answer)
        turns.append(Turn(
            pos, pos + len(answer), speaker=raw_resp or None,
            respondent=code or document_respondent,
            question=(rec[question_col] or None) if question_col else None,
            split_long=False,
        ))
        pos += len(answer)
    if not turns:
        raise InputError(path, f"has no answers in its '{text_col}' column")
    return RawDocument("".join(parts), turns, cases, roles_done=True)
