"""Bad input: every case is an InputError with one readable 'FILE: problem' line, never another type."""
from __future__ import annotations

import builtins
import functools
import io
import pickle
import zipfile

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus import SUPPORTED_SUFFIXES, InputError, read_cases_csv, read_transcript


def test_input_error_message_and_attributes(tmp_path):
    err = InputError(tmp_path / "a.txt", "file is empty")
    assert isinstance(err, ValueError)
    assert str(err) == f"{tmp_path / 'a.txt'}: file is empty"
    assert err.path == str(tmp_path / "a.txt") and err.problem == "file is empty"
    assert str(InputError(None, "no file given")) == "no file given"
    again = pickle.loads(pickle.dumps(err))
    assert isinstance(again, InputError) and str(again) == str(err)


def _bad(path, match, **kwargs):
    with pytest.raises(InputError, match=match) as err:
        read_transcript(path, **kwargs)
    message = str(err.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    return err.value


@pytest.mark.parametrize("suffix", [".txt", ".md", ".vtt", ".srt", ".csv", ".docx", ".xlsx", ".pdf"])
def test_empty_file(tmp_path, suffix):
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    _bad(path, "empty")


@pytest.mark.parametrize("suffix", [".txt", ".md", ".vtt", ".srt"])
def test_whitespace_only(tmp_path, suffix):
    path = tmp_path / f"blank{suffix}"
    path.write_bytes(b" \r\n\t\n   \n")
    _bad(path, "empty")


@pytest.mark.parametrize("data", [b"R1: hello\x00\x01\x02\x03 world\x00\xff\xfe", bytes(range(256)) * 8,
                                  b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"])
def test_binary_text_file(tmp_path, data):
    path = tmp_path / "image.txt"
    path.write_bytes(data)
    _bad(path, "binary|decode")


def test_undecodable_bytes(tmp_path):
    path = tmp_path / "odd.txt"
    path.write_bytes(b"R1: \x81\x8d\x8f\x90\x9d")  # invalid in UTF-8 and undefined in Windows-1252
    _bad(path, "decode")


def test_size_limit_is_checked_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.txt"
    path.write_text("R1: " + "word " * 100)

    def no_reading(*args, **kwargs):
        raise AssertionError("the file was opened although it is over the limit")

    monkeypatch.setattr(builtins, "open", no_reading)
    _bad(path, "over the .* limit", max_bytes=50)


def test_size_limit_from_environment(tmp_path, monkeypatch):
    path = tmp_path / "big.txt"
    path.write_text("R1: " + "word " * 1000)
    monkeypatch.setenv("COCODE_MAX_FILE_MB", "0.001")  # about 1 KB
    _bad(path, "COCODE_MAX_FILE_MB")
    monkeypatch.setenv("COCODE_MAX_FILE_MB", "1")
    assert read_transcript(path).segments
    monkeypatch.setenv("COCODE_MAX_FILE_MB", "lots")
    with pytest.raises(InputError, match="must be a number"):
        read_transcript(path)


def test_missing_file_and_folder(tmp_path):
    _bad(tmp_path / "nope.txt", "not found")
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    _bad(folder, "folder")


@pytest.mark.parametrize("name, match", [("notes.rtf", "unsupported file type '.rtf'; save it as"),
                                         ("old.doc", "save it as .docx"), ("data.json", "unsupported"),
                                         ("README", "no extension")])
def test_unsupported_suffix(tmp_path, name, match):
    path = tmp_path / name
    path.write_text("R1: hello")
    _bad(path, match)


def test_unknown_unit(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("R1: hello")
    _bad(path, "unknown segmentation unit", unit="page")


def test_corrupt_docx(tmp_path):
    random_bytes = tmp_path / "random.docx"
    random_bytes.write_bytes(b"this is not a zip at all")
    _bad(random_bytes, "not a valid .docx")

    not_word = tmp_path / "other.docx"
    with zipfile.ZipFile(not_word, "w") as z:
        z.writestr("hello.txt", "a zip, but no Word document inside")
    _bad(not_word, "not a readable .docx")

    good = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("R1: hello")
    document.save(good)
    truncated = tmp_path / "truncated.docx"
    truncated.write_bytes(good.getvalue()[: len(good.getvalue()) // 2])
    _bad(truncated, "not a readable .docx")

    broken_xml = tmp_path / "broken.docx"
    with zipfile.ZipFile(io.BytesIO(good.getvalue())) as src, zipfile.ZipFile(broken_xml, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, b"<w:document><w:body>" if item.filename == "word/document.xml" else data)
    _bad(broken_xml, "not a readable .docx")


def test_password_protected_office_files(tmp_path):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)
    for suffix in (".docx", ".xlsx"):
        path = tmp_path / f"locked{suffix}"
        path.write_bytes(ole)
        _bad(path, "password-protected")


def test_corrupt_xlsx(tmp_path):
    path = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
    _bad(path, "not a readable .xlsx")


def test_empty_table_and_no_answers(tmp_path):
    only_header = tmp_path / "header.csv"
    only_header.write_text("respondent,text\nR1,\n")
    _bad(only_header, "no answers")
    blank_rows = tmp_path / "blank.csv"
    blank_rows.write_text(",,\n,,\n")
    _bad(blank_rows, "empty")


@pytest.mark.parametrize("text", ["WEBVTT\n\nNOTE only a note\n", "just some words, no cues\n"])
def test_subtitles_without_cues(tmp_path, text):
    path = tmp_path / "call.vtt"
    path.write_text(text)
    _bad(path, "no subtitle cues")


def test_subtitles_with_empty_cues(tmp_path):
    path = tmp_path / "call.srt"
    path.write_text("1\n00:00:01,000 --> 00:00:02,000\n<i></i>\n")
    _bad(path, "no text")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=600), suffix=st.sampled_from(SUPPORTED_SUFFIXES + (".bin",)),
       unit=st.sampled_from(["turn", "paragraph", "sentence"]))
def test_random_bytes_give_transcript_or_input_error(tmp_path, data, suffix, unit):
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        t = read_transcript(path, unit=unit)
    except InputError as err:
        assert str(err).startswith(f"{path}: ") and "\n" not in str(err)
        return
    for s in t.segments:
        assert s.start < s.end and t.text[s.start:s.end] == t.text[s.start:s.end].strip()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300), suffix=st.sampled_from([".csv", ".xlsx"]))
def test_random_bytes_for_cases(tmp_path, data, suffix):
    path = tmp_path / f"cases{suffix}"
    path.write_bytes(data)
    try:
        cases = read_cases_csv(path)
    except InputError:
        return
    assert all(isinstance(k, str) and isinstance(v, dict) for k, v in cases.items())


@functools.lru_cache(maxsize=1)
def _small_docx() -> bytes:
    good = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("Interviewer: Why?")
    document.add_paragraph("R1: Because.")
    document.save(good)
    return good.getvalue()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(min_size=1, max_size=400), cut=st.integers(min_value=0, max_value=4000))
def test_damaged_docx_and_pdf_give_input_error_or_transcript(tmp_path, data, cut):
    """Real packages with bytes overwritten: the readers get past the magic numbers into the parsers."""
    pdf = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] "
           b"/Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
    for suffix, original in ((".docx", _small_docx()), (".pdf", pdf)):
        at = cut % len(original)
        path = tmp_path / f"damaged{suffix}"
        path.write_bytes(original[:at] + data + original[at + len(data):])
        try:
            read_transcript(path)
        except InputError:
            pass


def test_docx_without_text(tmp_path):
    document = docx.Document()
    document.add_paragraph("   ")
    document.add_paragraph("")
    path = tmp_path / "blank.docx"
    document.save(path)
    _bad(path, "contains no text")


def test_xlsx_without_text_column(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["respondent", "comment"])
    wb.active.append(["R1", "hello"])
    path = tmp_path / "answers.xlsx"
    wb.save(path)
    _bad(path, "no 'text' column")


def test_not_a_path_at_all():
    with pytest.raises(InputError):
        read_transcript(None)  # type: ignore[arg-type]
