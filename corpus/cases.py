"""Respondent attribute tables: who is supplier or client, which organisation, sector, stage, dyad.

Why a separate file: attributes are usually kept in one sheet for the whole study, not inside
each transcript; counts split by attribute (supplier vs client) need them.
"""
from __future__ import annotations

import os
from pathlib import Path

from corpus.errors import InputError
from corpus.readers.tables import find_column, respondent_code, table_records

CASE_COLUMNS = ("respondent", "case", "code", "respondent_code", "respondent_id", "case_id", "participant")


def read_cases_csv(path: str | os.PathLike, max_bytes: int | None = None) -> dict[str, dict[str, str]]:
    """{respondent code: {attribute: value}} from a .csv (or .xlsx) with a respondent/case/code column.

    Codes are normalised ('OS1, R1' -> 'OS1-R1'; other identifiers kept as written); attribute names
    are the headers in lower case with '_' for spaces ('Sector' -> 'sector'); empty cells are left
    out. A respondent listed twice is merged; two different values for one attribute are an error.
    """
    try:
        return _read_cases(Path(path), max_bytes)
    except InputError:
        raise
    except Exception as exc:  # the promise: bad input never escapes as another exception type
        raise InputError(path, f"cannot read this file: {type(exc).__name__}: {exc}") from exc


def _read_cases(path: Path, max_bytes: int | None) -> dict[str, dict[str, str]]:
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise InputError(path, f"unsupported file type '{path.suffix or '(none)'}' for respondent attributes "
                               "(use .csv or .xlsx)")
    keys, records = table_records(path, max_bytes)
    code_col = find_column(keys, CASE_COLUMNS)
    if code_col is None:
        raise InputError(path, f"has no 'respondent' column (or 'case'/'code'); columns: {', '.join(keys)}")
    cases: dict[str, dict[str, str]] = {}
    for number, rec in records:
        code = respondent_code(rec[code_col])
        if code is None:
            continue
        attrs = cases.setdefault(code, {})
        for col, value in rec.items():
            if col == code_col or not value:
                continue
            old = attrs.setdefault(col, value)
            if old != value:
                raise InputError(path, f"row {number}: respondent {code} has {col} {value!r} here "
                                       f"but {old!r} in an earlier row")
    if not cases:
        raise InputError(path, f"has no respondents in its '{code_col}' column")
    return cases
