"""Untrusted input: random bytes, random text and damaged real files given to every transcript
reader and every codebook reader. The only error allowed out is corpus.errors.InputError (one
readable line naming the file); anything else would reach a person as a traceback."""
from __future__ import annotations

import io
import os
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codebooks import read_codebook, shipped_codebooks, write_codebook
from corpus import SUPPORTED_SUFFIXES, read_transcript
from corpus.errors import InputError

from conftest import DEMO

# CI: a fixed, moderate sample (reproducible). A deeper hunt: COCODE_FUZZ_EXAMPLES=2000 pytest tests/test_fuzz.py
_DEEP = os.environ.get("COCODE_FUZZ_EXAMPLES")
FUZZ = settings(max_examples=int(_DEEP or 40), deadline=None, derandomize=not _DEEP, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
CODEBOOK_SUFFIXES = (".yaml", ".csv", ".qdc")
_TMP = Path(tempfile.mkdtemp(prefix="cocode-fuzz-"))


def _seed(suffix: str) -> bytes:
    """A real, valid file of this kind to damage (demo transcripts, a shipped codebook)."""
    demo = {".txt": "OS1_R1_interview.txt", ".docx": "C2_R1_interview.docx", ".vtt": "C3_R1_call.vtt",
            ".csv": "respondents.csv", ".md": "README.md"}
    if suffix in demo:
        return (DEMO / demo[suffix]).read_bytes()
    if suffix == ".srt":
        return b"1\n00:00:01,000 --> 00:00:04,000\nInterviewer: What works?\n\n2\n00:00:05,000 --> 00:00:09,500\n" \
               b"OS1, R1: Trust, and a weekly governance meeting.\n"
    if suffix == ".xlsx":
        import openpyxl

        wb = openpyxl.Workbook()
        wb.active.append(["respondent", "question", "answer"])
        wb.active.append(["OS1-R1", "What works?", "Trust and openness."])
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()
    if suffix == ".pdf":
        from pypdf import PdfWriter

        w = PdfWriter()
        w.add_blank_page(200, 200)
        buf = io.BytesIO()
        w.write(buf)
        return buf.getvalue()
    raise KeyError(suffix)


def _codebook_seed(suffix: str) -> bytes:
    book = read_codebook(next(iter(shipped_codebooks().values())))
    path = _TMP / f"seed{suffix}"
    write_codebook(book, path)
    return path.read_bytes()


def _mutate(data: bytes, edits: list[tuple[int, int]], cut: float) -> bytes:
    """Flip some bytes and cut the file short: what a damaged download or disk gives."""
    buf = bytearray(data[: max(1, int(len(data) * cut))])
    for pos, value in edits:
        buf[pos % len(buf)] = value
    return bytes(buf)


def _read_transcript(suffix: str, data: bytes) -> None:
    path = _TMP / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        read_transcript(path, unit="turn")
        read_transcript(path, unit="sentence")
    except InputError as exc:
        assert str(exc).startswith(str(path)) and exc.problem.strip(), "an InputError names the file and the problem"


def _read_codebook(suffix: str, data: bytes) -> None:
    path = _TMP / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        read_codebook(path)
    except InputError as exc:
        assert str(exc).startswith(str(path)) and exc.problem.strip(), "an InputError names the file and the problem"


edits = st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)), max_size=12)
cuts = st.floats(0.05, 1.0)


@pytest.mark.parametrize("suffix", SUPPORTED_SUFFIXES)
@FUZZ
@given(data=st.binary(max_size=3000))
def test_transcript_readers_random_bytes(suffix, data):
    _read_transcript(suffix, data)


@pytest.mark.parametrize("suffix", SUPPORTED_SUFFIXES)
@FUZZ
@given(text=st.text(max_size=2000))
def test_transcript_readers_random_text(suffix, text):
    _read_transcript(suffix, text.encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize("suffix", SUPPORTED_SUFFIXES)
@FUZZ
@given(edits=edits, cut=cuts)
def test_transcript_readers_damaged_real_files(suffix, edits, cut):
    _read_transcript(suffix, _mutate(_seed(suffix), edits, cut))


@pytest.mark.parametrize("suffix", CODEBOOK_SUFFIXES)
@FUZZ
@given(data=st.binary(max_size=3000))
def test_codebook_readers_random_bytes(suffix, data):
    _read_codebook(suffix, data)


@pytest.mark.parametrize("suffix", CODEBOOK_SUFFIXES)
@FUZZ
@given(text=st.text(max_size=2000))
def test_codebook_readers_random_text(suffix, text):
    _read_codebook(suffix, text.encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize("suffix", CODEBOOK_SUFFIXES)
@FUZZ
@given(edits=edits, cut=cuts)
def test_codebook_readers_damaged_real_files(suffix, edits, cut):
    _read_codebook(suffix, _mutate(_codebook_seed(suffix), edits, cut))


def test_damaged_docx_inside_a_valid_zip():
    """A zip that opens but whose document.xml is garbage is still only an InputError."""
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_seed(".docx"))) as src, zipfile.ZipFile(buf, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, b"<w:document><<>" if item.filename == "word/document.xml" else data)
    with pytest.raises(InputError):
        _read_and_raise(".docx", buf.getvalue())


def _read_and_raise(suffix: str, data: bytes) -> None:
    path = _TMP / f"strict{suffix}"
    path.write_bytes(data)
    read_transcript(path)


def test_a_broken_qdc_is_reported_on_one_line():
    """Found by the fuzzer: a NUL byte in a .qdc file."""
    path = _TMP / "nul.qdc"
    path.write_bytes(b"<\x00")
    with pytest.raises(InputError) as err:
        read_codebook(path)
    assert "\n" not in str(err.value)
