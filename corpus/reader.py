"""read_transcript: any supported file -> Transcript with segments. The single entry point for ingest."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Iterable

from corpus.errors import InputError
from corpus.model import Transcript
from corpus.readers import RawDocument
from corpus.respondents import respondent_from_filename
from corpus.segment import UNITS, segment_turns
from corpus.textio import check_file, normalise_text
from corpus.turns import find_turns, finish_turns

SUPPORTED_SUFFIXES: tuple[str, ...] = (".txt", ".md", ".docx", ".vtt", ".srt", ".pdf", ".csv", ".xlsx")
_HINTS = {".doc": "save it as .docx", ".xls": "save it as .xlsx", ".rtf": "save it as .docx or .txt",
          ".odt": "save it as .docx", ".pages": "export it as .docx"}


def _check_unit(unit: str, path) -> None:
    if unit not in UNITS:
        raise InputError(path, f"unknown segmentation unit {unit!r} (use one of: {', '.join(UNITS)})")


def _read_raw(path: Path, suffix: str, max_bytes: int | None, document_respondent: str | None) -> RawDocument:
    if suffix in (".txt", ".md"):
        from corpus.readers.plain import read_plain
        return read_plain(path, max_bytes)
    if suffix == ".docx":
        from corpus.readers.word import read_docx
        return read_docx(path, max_bytes)
    if suffix in (".vtt", ".srt"):
        from corpus.readers.subtitles import read_subtitles
        return read_subtitles(path, max_bytes)
    if suffix == ".pdf":
        from corpus.readers.pdf import read_pdf
        return read_pdf(path, max_bytes)
    from corpus.readers.tables import read_table
    return read_table(path, max_bytes, document_respondent)


def read_transcript(
    path: str | os.PathLike,
    unit: str = "turn",
    max_bytes: int | None = None,
    interviewer_labels: Iterable[str] | None = None,
) -> Transcript:
    """Read a transcript file (see SUPPORTED_SUFFIXES) and cut it into segments of `unit`.

    unit: "turn" (one span per speaker turn; turns over ~1,500 characters cut at paragraph breaks),
    "paragraph" or "sentence". max_bytes: size limit, default COCODE_MAX_FILE_MB (50 MB), checked
    before reading. interviewer_labels: speaker names to treat as the interviewer (for transcripts
    labelled with names only). Raises InputError, and only InputError, for any bad input.
    """
    try:
        return _read_transcript(Path(path), unit, max_bytes, interviewer_labels)
    except InputError:
        raise
    except MemoryError:
        raise InputError(path, "file is too large to read into memory") from None
    except RecursionError:
        raise InputError(path, "file is nested too deeply to read (corrupt?)") from None
    except Exception as exc:  # the promise: bad input never escapes as another exception type
        raise InputError(path, f"cannot read this file: {type(exc).__name__}: {exc}") from exc


def _read_transcript(path: Path, unit: str, max_bytes: int | None, interviewer_labels) -> Transcript:
    _check_unit(unit, path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        hint = _HINTS.get(suffix)
        shown = f"'{suffix}'" if suffix else "(no extension)"
        raise InputError(path, f"unsupported file type {shown}"
                               + (f"; {hint}" if hint else f" (supported: {', '.join(SUPPORTED_SUFFIXES)})"))
    check_file(path, max_bytes)
    file_respondent = respondent_from_filename(path.stem)
    raw = _read_raw(path, suffix, max_bytes, file_respondent)
    return build_transcript(raw, name=path.stem, source_filename=path.name, unit=unit,
                            interviewer_labels=interviewer_labels, file_respondent=file_respondent)


def build_transcript(
    raw: RawDocument,
    name: str,
    source_filename: str,
    unit: str = "turn",
    interviewer_labels: Iterable[str] | None = None,
    file_respondent: str | None = None,
) -> Transcript:
    """Turns -> roles -> segments for a reader's RawDocument (its text must already be normalised)."""
    text = raw.text
    respondent = file_respondent
    if raw.turns is None:
        turns, header_respondent = find_turns(text, interviewer_labels)
        respondent = header_respondent or file_respondent
    else:
        turns = raw.turns
    if not raw.roles_done:
        finish_turns(text, turns, interviewer_labels, respondent)
    return Transcript(
        name=name,
        source_filename=source_filename,
        text=text,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        segments=segment_turns(text, turns, unit),
        cases=dict(raw.cases),
        respondent=respondent,
    )


def transcript_from_text(
    text: str,
    name: str = "pasted text",
    unit: str = "turn",
    interviewer_labels: Iterable[str] | None = None,
) -> Transcript:
    """A Transcript from text already in memory (pasted into the UI, tests), read like a .txt file."""
    _check_unit(unit, None)
    text = normalise_text(text)
    if not text.strip():
        raise InputError(None, f"{name}: the text is empty")
    return build_transcript(RawDocument(text), name=name, source_filename=name, unit=unit,
                            interviewer_labels=interviewer_labels, file_respondent=respondent_from_filename(name))
