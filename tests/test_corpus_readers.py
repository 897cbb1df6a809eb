"""Every reader on small files built here: txt/md encodings, docx, vtt, srt, pdf, csv, xlsx, cases."""
from __future__ import annotations

import codecs
import hashlib
import unicodedata
from pathlib import Path

import docx
import openpyxl
import pytest

from corpus import SUPPORTED_SUFFIXES, InputError, read_cases_csv, read_transcript

INTERVIEW = "Interviewer: What makes it work?\nOS1, R1: Trust — and café culture.\n"


def texts(t):
    return [t.text[s.start:s.end] for s in t.segments]


def write(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


# --- plain text and encodings -------------------------------------------------------------------

def test_txt_reader_fills_every_field(tmp_path):
    t = read_transcript(write(tmp_path / "OS1_R1_interview.txt", INTERVIEW))
    assert t.name == "OS1_R1_interview" and t.source_filename == "OS1_R1_interview.txt"
    assert t.text == INTERVIEW
    assert t.content_hash == hashlib.sha256(INTERVIEW.encode("utf-8")).hexdigest()
    assert t.respondent == "OS1-R1" and t.cases == {}
    assert texts(t) == ["What makes it work?", "Trust — and café culture."]


@pytest.mark.parametrize("encoding, bom", [
    ("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("utf-16-le", codecs.BOM_UTF16_LE),
    ("utf-16-be", codecs.BOM_UTF16_BE), ("utf-16-le", b""),
])
def test_unicode_encodings(tmp_path, encoding, bom):
    t = read_transcript(write(tmp_path / "a.txt", bom + INTERVIEW.encode(encoding)))
    assert t.text == INTERVIEW
    assert texts(t)[1] == "Trust — and café culture."


def test_cp1252(tmp_path):
    raw = "Interviewer: Why?\nR1: café — ‘quotes’ and “more”…\n".encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    t = read_transcript(write(tmp_path / "a.txt", raw))
    assert texts(t) == ["Why?", "café — ‘quotes’ and “more”…"]


def test_utf8_with_one_damaged_byte_stays_utf8(tmp_path):
    raw = "R1: café — naïve résumé déjà vu\n".encode("utf-8") + b"\xff" + "R1: über\n".encode("utf-8")
    t = read_transcript(write(tmp_path / "a.txt", raw))
    assert "café — naïve résumé déjà vu" in t.text and "über" in t.text


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_windows_and_old_mac_line_endings(tmp_path, newline):
    raw = "Interviewer: Why?" + newline + "R1: First." + newline + newline + "Second." + newline
    t = read_transcript(write(tmp_path / "a.txt", raw))
    assert "\r" not in t.text
    assert texts(t) == ["Why?", "First.\n\nSecond."]


def test_text_is_nfc(tmp_path):
    decomposed = unicodedata.normalize("NFD", "R1: café résumé")
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    t = read_transcript(write(tmp_path / "a.txt", decomposed))
    assert t.text == "R1: café résumé" and texts(t) == ["café résumé"]


def test_markdown(tmp_path):
    md = "# Interview OS2 R1\n\n**Interviewer:** What works?\n\n**OS2, R1:** Weekly reports.\n"
    t = read_transcript(write(tmp_path / "notes.md", md))
    assert [(s.speaker, s.is_interviewer) for s in t.segments[1:]] == [("Interviewer", True), ("OS2, R1", False)]
    assert texts(t)[1:] == ["What works?", "Weekly reports."]


def test_suffix_is_case_insensitive(tmp_path):
    assert texts(read_transcript(write(tmp_path / "A.TXT", "R1: Yes."))) == ["Yes."]


def test_supported_suffixes():
    assert set(SUPPORTED_SUFFIXES) == {".txt", ".md", ".docx", ".vtt", ".srt", ".pdf", ".csv", ".xlsx"}


# --- docx ----------------------------------------------------------------------------------------

def test_docx_paragraphs_and_tables_in_document_order(tmp_path):
    d = docx.Document()
    d.add_paragraph("Interviewer: Before the table?")
    table = d.add_table(rows=3, cols=2)
    for row, (who, said) in zip(table.rows, [("Speaker", "Text"), ("OS1, R1", "From the table."),
                                             ("Interviewer", "And after?")]):
        row.cells[0].text, row.cells[1].text = who, said
    d.add_paragraph("OS1, R1: After the table.")
    path = tmp_path / "OS1_R1.docx"
    d.save(path)
    t = read_transcript(path)
    assert [(s.speaker, t.text[s.start:s.end]) for s in t.segments] == [
        ("Interviewer", "Before the table?"),
        ("OS1, R1", "From the table."),
        ("Interviewer", "And after?"),
        ("OS1, R1", "After the table."),
    ]
    assert t.segments[3].question == "And after?"


def test_docx_three_column_table_with_times_and_plain_table(tmp_path):
    d = docx.Document()
    d.add_paragraph("Intro paragraph.")
    table = d.add_table(rows=2, cols=3)
    for row, cells in zip(table.rows, [("00:01:05", "Jane Smith", "Why?"), ("00:01:09", "OS3, R1", "Because.")]):
        for cell, value in zip(row.cells, cells):
            cell.text = value
    other = d.add_table(rows=1, cols=3)
    for cell, value in zip(other.rows[0].cells, ["KPI", "Target", "Actual"]):
        cell.text = value
    path = tmp_path / "call.docx"
    d.save(path)
    t = read_transcript(path)
    assert [(s.speaker, s.start_time, t.text[s.start:s.end]) for s in t.segments[:3]] == [
        (None, None, "Intro paragraph."),
        ("Jane Smith", "00:01:05.000", "Why?"),
        ("OS3, R1", "00:01:09.000", "Because.\nKPI\tTarget\tActual"),
    ]
    assert t.segments[0].is_interviewer is False and t.segments[1].is_interviewer is True


# --- vtt / srt -----------------------------------------------------------------------------------

VTT = """WEBVTT Kind: captions

NOTE recorded on Teams

1
00:00:01.000 --> 00:00:04.000
<v Helen Marsh>How did it start?</v>

2
00:00:04.500 --> 00:00:07.250 align:start
<v Daniel Okafor>It started small,</v>

3
00:00:07.250 --> 00:00:09.000
<v Daniel Okafor>as a <b>hosting</b> deal &amp; grew.</v>

4
00:00:09.500 --> 00:00:11.000
and then it grew again.

5
00:01:00.000 --> 00:01:02.000
<v.loud Helen Marsh>Why?</v>

6
00:01:02.000 --> 00:01:05.000
<v Daniel Okafor>Trust.
"""


def test_vtt_voices_merging_and_times(tmp_path):
    t = read_transcript(write(tmp_path / "OS2_R1_call.vtt", VTT))
    assert [(s.speaker, t.text[s.start:s.end], s.start_time, s.end_time) for s in t.segments] == [
        ("Helen Marsh", "How did it start?", "00:00:01.000", "00:00:04.000"),
        ("Daniel Okafor", "It started small, as a hosting deal & grew. and then it grew again.",
         "00:00:04.500", "00:00:11.000"),
        ("Helen Marsh", "Why?", "00:01:00.000", "00:01:02.000"),
        ("Daniel Okafor", "Trust.", "00:01:02.000", "00:01:05.000"),
    ]
    assert [s.is_interviewer for s in t.segments] == [True, False, True, False]
    assert [s.respondent for s in t.segments] == [None, "OS2-R1", None, "OS2-R1"]
    assert t.segments[3].question == "Why?"
    assert t.text.startswith("[00:00:01] Helen Marsh: How did it start?\n\n[00:00:04] Daniel Okafor: It started")


def test_vtt_name_prefix_cues_and_interviewer_labels(tmp_path):
    vtt = ("WEBVTT\n\n00:01.000 --> 00:03.000\nBob Ray: Why? Why not?\n\n"
           "00:03.000 --> 00:05.000\nAnn Lee: Tell me about the KPIs.\n")
    path = write(tmp_path / "zoom.vtt", vtt)
    assert [s.is_interviewer for s in read_transcript(path).segments] == [True, False]
    told = read_transcript(path, interviewer_labels=["Ann Lee"])
    assert [(s.speaker, s.is_interviewer, s.start_time) for s in told.segments] == [
        ("Bob Ray", False, "00:00:01.000"), ("Ann Lee", True, "00:00:03.000"),
    ]


def test_vtt_long_monologue_is_cut_into_timed_turns(tmp_path):
    cues = [f"00:{i // 60:02d}:{i % 60:02d}.000 --> 00:{(i + 1) // 60:02d}:{(i + 1) % 60:02d}.000\n"
            f"<v OS1, R1>{'sentence number %d goes on a while. ' % i * 3}" for i in range(40)]
    t = read_transcript(write(tmp_path / "long.vtt", "WEBVTT\n\n" + "\n\n".join(cues)))
    assert len(t.segments) > 1
    assert all(s.end - s.start <= 1500 and s.speaker == "OS1, R1" for s in t.segments)
    assert t.segments[0].start_time == "00:00:00.000" and t.segments[-1].end_time == "00:00:40.000"
    assert t.segments[1].start_time == t.segments[0].end_time


def test_vtt_without_speakers_gives_one_segment_per_cue(tmp_path):
    vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello there.\n\n00:00:02.000 --> 00:00:03.000\nGeneral Kenobi.\n"
    t = read_transcript(write(tmp_path / "plain.vtt", vtt))
    assert [(s.speaker, t.text[s.start:s.end], s.start_time) for s in t.segments] == [
        (None, "Hello there.", "00:00:01.000"), (None, "General Kenobi.", "00:00:02.000"),
    ]


def test_srt(tmp_path):
    srt = ("1\r\n00:00:01,000 --> 00:00:03,500\r\nInterviewer: What would you\r\nchange?\r\n\r\n"
           "2\r\n00:00:03,600 --> 00:00:06,000\r\nC3, R1: <i>More</i> openness.\r\n\r\n"
           "3\r\n00:00:06,000 --> 00:00:08,000\r\nAnd trust.\r\n")
    t = read_transcript(write(tmp_path / "c3.srt", srt))
    assert [(s.speaker, t.text[s.start:s.end], s.start_time, s.end_time, s.respondent) for s in t.segments] == [
        ("Interviewer", "What would you change?", "00:00:01.000", "00:00:03.500", None),
        ("C3, R1", "More openness. And trust.", "00:00:03.600", "00:00:08.000", "C3-R1"),
    ]


# --- pdf -----------------------------------------------------------------------------------------

def make_pdf(path: Path, pages: list[list[str]]) -> Path:
    """A minimal valid PDF with one Helvetica text line per string (written by hand, no PDF library)."""
    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    n = len(pages)
    objects = ["<< /Type /Catalog /Pages 2 0 R >>",
               "<< /Type /Pages /Kids [%s] /Count %d >>" % (" ".join(f"{4 + 2 * i} 0 R" for i in range(n)), n),
               "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
    for i, lines in enumerate(pages):
        content = "BT /F1 11 Tf 14 TL 72 760 Td " + " ".join(f"({esc(line)}) Tj T*" for line in lines) + " ET"
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                       f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>")
        objects.append(f"<< /Length {len(content)} >>\nstream\n{content}\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path


PDF_PAGES = [["Interviewer: What makes it work?", "C4, R1: Clear roles (a RACI)"],
             ["and weekly meetings.", "Interviewer: Thanks."]]


def test_pdf_text_and_turns(tmp_path):
    t = read_transcript(make_pdf(tmp_path / "C4_R1.pdf", PDF_PAGES))
    assert [(s.speaker, " ".join(t.text[s.start:s.end].split())) for s in t.segments] == [
        ("Interviewer", "What makes it work?"),
        ("C4, R1", "Clear roles (a RACI) and weekly meetings."),
        ("Interviewer", "Thanks."),
    ]
    assert t.segments[1].respondent == "C4-R1"


def _encrypt(src: Path, dst: Path, user_password: str) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(src))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="RC4-128")
    with open(dst, "wb") as fh:
        writer.write(fh)
    return dst


def test_password_protected_pdf_is_input_error(tmp_path):
    locked = _encrypt(make_pdf(tmp_path / "plain.pdf", PDF_PAGES), tmp_path / "locked.pdf", "secret")
    with pytest.raises(InputError, match="password-protected") as err:
        read_transcript(locked)
    assert str(err.value).startswith(str(locked) + ": ")


def test_pdf_encrypted_without_user_password_still_opens(tmp_path):
    opened = _encrypt(make_pdf(tmp_path / "plain.pdf", PDF_PAGES), tmp_path / "owner-only.pdf", "")
    assert [s.speaker for s in read_transcript(opened).segments] == ["Interviewer", "C4, R1", "Interviewer"]


def test_pdf_without_text_layer(tmp_path):
    with pytest.raises(InputError, match="no text layer"):
        read_transcript(make_pdf(tmp_path / "scan.pdf", [[]]))


@pytest.mark.parametrize("damage", ["truncate", "garbage", "header-only"])
def test_corrupt_pdf(tmp_path, damage):
    good = make_pdf(tmp_path / "good.pdf", PDF_PAGES).read_bytes()
    data = {"truncate": good[:60], "garbage": b"%PDF-1.4\n" + bytes(range(256)) * 4,
            "header-only": b"%PDF-1.7\n"}[damage]
    path = write(tmp_path / "bad.pdf", data)
    with pytest.raises(InputError) as err:
        read_transcript(path)
    assert str(err.value).startswith(str(path) + ": ")


def test_not_a_pdf(tmp_path):
    with pytest.raises(InputError, match="not a PDF"):
        read_transcript(write(tmp_path / "x.pdf", "Interviewer: plain text in disguise"))


# --- csv / xlsx of open answers ------------------------------------------------------------------

ROWS = [
    ["respondent", "question", "text", "Side", "Sector"],
    ["OS1, R1", "Top three?", "Trust, governance, delivery.", "supplier", "IT outsourcing"],
    ["C1 R1", "Top three?", "Openness — ‘both ways’.\n\nAnd honesty.", "client", "financial services"],
    ["OS1, R1", "Barriers?", "Power imbalance.", "", ""],
    ["C1 R1", "Barriers?", "", "client", ""],
]


def _check_answers(t):
    assert t.text == "Trust, governance, delivery.\n\nOpenness — ‘both ways’.\n\nAnd honesty.\n\nPower imbalance."
    assert [(t.text[s.start:s.end], s.respondent, s.question, s.speaker) for s in t.segments] == [
        ("Trust, governance, delivery.", "OS1-R1", "Top three?", "OS1, R1"),
        ("Openness — ‘both ways’.\n\nAnd honesty.", "C1-R1", "Top three?", "C1 R1"),
        ("Power imbalance.", "OS1-R1", "Barriers?", "OS1, R1"),
    ]
    assert t.cases == {"OS1-R1": {"side": "supplier", "sector": "IT outsourcing"},
                       "C1-R1": {"side": "client", "sector": "financial services"}}
    assert not any(s.is_interviewer for s in t.segments)


def _csv_text(rows, sep=","):
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, delimiter=sep).writerows(rows)
    return buf.getvalue()


def test_csv_answers(tmp_path):
    _check_answers(read_transcript(write(tmp_path / "answers.csv", _csv_text(ROWS))))


def test_csv_semicolon_cp1252(tmp_path):
    data = _csv_text(ROWS, ";").encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    path = write(tmp_path / "answers.csv", data)
    _check_answers(read_transcript(path))


def test_xlsx_answers(tmp_path):
    wb = openpyxl.Workbook()
    for row in ROWS:
        wb.active.append([v if v != "" else None for v in row])
    wb.active.append([None, None, None, None, None])
    path = tmp_path / "answers.xlsx"
    wb.save(path)
    _check_answers(read_transcript(path))


def test_answers_split_by_paragraph_and_single_row_without_respondent(tmp_path):
    t = read_transcript(write(tmp_path / "answers.csv", _csv_text(ROWS)), unit="paragraph")
    assert len(t.segments) == 4 and t.text[t.segments[2].start:t.segments[2].end] == "And honesty."
    bare = read_transcript(write(tmp_path / "IE1_R1.csv", "Text\nOnly an answer.\n"))
    assert [(s.respondent, s.question) for s in bare.segments] == [("IE1-R1", None)]
    assert bare.cases == {}


def test_csv_without_text_column(tmp_path):
    path = write(tmp_path / "answers.csv", "respondent,comment\nR1,hi\n")
    with pytest.raises(InputError, match="no 'text' column"):
        read_transcript(path)


# --- respondent attribute tables -----------------------------------------------------------------

def test_read_cases_csv(tmp_path):
    path = write(tmp_path / "respondents.csv",
                 "Case,Side,Organisation Name,Stage,Dyad\nOS1, R1,supplier,Quillfeather,1,OS1-C1\n"
                 .replace("OS1, R1", '"OS1, R1"') + "C1-R1,client,Marlowe,1,OS1-C1\nIE1 R1,industry expert,,2,\n")
    assert read_cases_csv(path) == {
        "OS1-R1": {"side": "supplier", "organisation_name": "Quillfeather", "stage": "1", "dyad": "OS1-C1"},
        "C1-R1": {"side": "client", "organisation_name": "Marlowe", "stage": "1", "dyad": "OS1-C1"},
        "IE1-R1": {"side": "industry expert", "stage": "2"},
    }


def test_read_cases_xlsx_and_code_column(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["code", "side", "stage"])
    wb.active.append(["C3 R2", "client", 2])
    path = tmp_path / "cases.xlsx"
    wb.save(path)
    assert read_cases_csv(path) == {"C3-R2": {"side": "client", "stage": "2"}}


def test_read_cases_merges_duplicates_and_rejects_conflicts(tmp_path):
    ok = write(tmp_path / "ok.csv", "respondent,side,sector\nR1,client,\nR1,,retail\n")
    assert read_cases_csv(ok) == {"R1": {"side": "client", "sector": "retail"}}
    bad = write(tmp_path / "bad.csv", "respondent,side\nR1,client\nR1,supplier\n")
    with pytest.raises(InputError, match="row 3: respondent R1 has side 'supplier'"):
        read_cases_csv(bad)


@pytest.mark.parametrize("name, data, problem", [
    ("cases.csv", "name,side\nJane,client\n", "no 'respondent' column"),
    ("cases.csv", "respondent,side\n", "no respondents"),
    ("cases.csv", "", "empty"),
    ("cases.csv", b"\x00\x01\x02binary", "binary"),
    ("cases.txt", "respondent,side\nR1,client\n", "unsupported file type"),
    ("cases.xlsx", b"PK\x03\x04 not really a zip", "not a readable .xlsx"),
    ("missing.csv", None, "not found"),
])
def test_read_cases_bad_input(tmp_path, name, data, problem):
    path = tmp_path / name
    if data is not None:
        write(path, data)
    with pytest.raises(InputError, match=problem) as err:
        read_cases_csv(path)
    assert str(err.value).startswith(str(path) + ": ")
