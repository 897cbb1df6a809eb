"""Checks on the bundled demo corpus (corpus/demo/), in plain Python.

Why plain Python: the corpus readers are written separately; these tests pin down what the demo
data itself promises (files, formats, the top-three question, respondent attributes), so a reader
bug cannot hide a data bug or the other way round.
"""
from __future__ import annotations

import csv
import importlib.util
import re
from pathlib import Path

import docx
import pytest

DEMO = Path(__file__).resolve().parents[1] / "corpus" / "demo"

TRANSCRIPTS = [
    "OS1_R1_interview.txt",
    "C1_R1_interview.txt",
    "OS2_R1_interview.txt",
    "C4_R1_interview.txt",
    "IE1_R1_interview.txt",
    "C2_R1_interview.docx",
    "OS4_R1_interview.docx",
    "IE2_R1_interview.docx",
    "OS3_R1_call.vtt",
    "C3_R1_call.vtt",
]
QUESTION = "what are the top three things that make an outsourcing relationship work really well?"
INTERVIEWER_LABELS = {"interviewer", "q", "helen marsh"}
CUE_TIME = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})$")
LABEL = re.compile(r"^(?:\[\d\d:\d\d:\d\d\]\s*)?([A-Za-z][A-Za-z0-9 ,]{0,30}):\s+(.*)$")
VOICE = re.compile(r"^<v ([^>]+)>(.*?)(?:</v>)?$")


def respondent_code(name: str) -> str:
    """`OS1_R1_interview.txt` -> `OS1-R1`: the demo's naming rule, documented in its README."""
    org, person = name.split("_")[:2]
    return f"{org}-{person}"


def seconds(h: str, m: str, s: str, ms: str) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def vtt_cues(path: Path) -> list[tuple[float, float, str, str]]:
    """(start, end, speaker, text) per cue, reading both voice tags and `Name: text` cues."""
    cues = []
    blocks = path.read_text(encoding="utf-8").strip().split("\n\n")
    assert blocks[0].strip() == "WEBVTT"
    for block in blocks[1:]:
        lines = block.strip().splitlines()
        timing = next(i for i, line in enumerate(lines) if "-->" in line)
        match = CUE_TIME.match(lines[timing])
        assert match, f"{path.name}: bad cue timing {lines[timing]!r}"
        start, end = seconds(*match.groups()[:4]), seconds(*match.groups()[4:])
        text = " ".join(lines[timing + 1:])
        voice = VOICE.match(text)
        label = LABEL.match(text)
        speaker, body = (voice or label).groups()
        cues.append((start, end, speaker.strip(), body.strip()))
    return cues


def turns(path: Path) -> list[tuple[str, str]]:
    """Speaker turns, consecutive blocks by one speaker merged, unlabelled paragraphs continuing a turn."""
    if path.suffix == ".vtt":
        units = [(speaker, body) for _, _, speaker, body in vtt_cues(path)]
    else:
        if path.suffix == ".docx":
            paragraphs = [p.text for p in docx.Document(str(path)).paragraphs]
        else:
            paragraphs = path.read_text(encoding="utf-8").split("\n\n")
        units = []
        for para in (p.strip() for p in paragraphs if p.strip()):
            match = LABEL.match(para)
            if match:
                units.append((match.group(1).strip(), match.group(2)))
            elif units:
                units.append((units[-1][0], para))
    merged: list[tuple[str, str]] = []
    for speaker, body in units:
        if merged and merged[-1][0] == speaker:
            merged[-1] = (speaker, merged[-1][1] + " " + body)
        else:
            merged.append((speaker, body))
    return merged


def is_interviewer(speaker: str) -> bool:
    return speaker.lower() in INTERVIEWER_LABELS


def test_all_demo_files_exist():
    for name in TRANSCRIPTS + ["respondents.csv", "README.md", "make_docx.py"]:
        assert (DEMO / name).is_file(), name


@pytest.mark.parametrize("name", TRANSCRIPTS)
def test_transcript_asks_the_top_three_question_and_gets_an_answer(name):
    conversation = turns(DEMO / name)
    asked = [i for i, (spk, body) in enumerate(conversation) if is_interviewer(spk) and QUESTION in body.lower()]
    assert len(asked) == 1, f"{name}: top-three question asked {len(asked)} times"
    speaker, answer = conversation[asked[0] + 1]
    assert not is_interviewer(speaker)
    assert len(answer.split()) >= 40, f"{name}: top-three answer too short"


@pytest.mark.parametrize("name", TRANSCRIPTS)
def test_transcript_size_and_number_of_questions(name):
    conversation = turns(DEMO / name)
    words = sum(len(body.split()) for _, body in conversation)
    assert 1200 <= words <= 2500, f"{name}: {words} words"
    questions = [body for spk, body in conversation if is_interviewer(spk) and "?" in body]
    assert 10 <= len(questions) <= 20, f"{name}: {len(questions)} questions"
    assert {spk for spk, _ in conversation if not is_interviewer(spk)}, f"{name}: no respondent turns"
    # turns alternate, so nothing was mislabelled as a second interviewer or respondent
    assert all(is_interviewer(a) != is_interviewer(b) for (a, _), (b, _) in zip(conversation, conversation[1:]))


@pytest.mark.parametrize("name", [n for n in TRANSCRIPTS if not n.startswith(("OS2", "C1", "C4"))])
def test_respondent_label_matches_file_name(name):
    org, person = respondent_code(name).split("-")
    speakers = {spk for spk, _ in turns(DEMO / name) if not is_interviewer(spk)}
    assert speakers == {f"{org}, {person}"}


def test_respondents_csv_covers_every_transcript():
    with open(DEMO / "respondents.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0].keys()) == ["respondent", "side", "organisation", "sector", "stage", "dyad"]
    codes = [row["respondent"] for row in rows]
    assert len(codes) == len(set(codes))
    assert {respondent_code(name) for name in TRANSCRIPTS} <= set(codes)
    for row in rows:
        assert row["side"] in {"supplier", "client", "industry expert"}
        assert row["stage"] in {"1", "2"}
        assert row["organisation"] and row["sector"]
        prefix = row["respondent"].split("-")[0]
        if row["side"] == "industry expert":
            assert prefix.startswith("IE") and row["dyad"] == ""
        else:
            assert prefix in row["dyad"].split("-")
            assert prefix.startswith("OS" if row["side"] == "supplier" else "C")


def test_each_dyad_pairs_one_supplier_with_one_client():
    with open(DEMO / "respondents.csv", newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["dyad"]]
    dyads: dict[str, list[str]] = {}
    for row in rows:
        dyads.setdefault(row["dyad"], []).append(row["side"])
    assert len(dyads) == 4
    assert all(sorted(sides) == ["client", "supplier"] for sides in dyads.values())


@pytest.mark.parametrize("name", [n for n in TRANSCRIPTS if n.endswith(".docx")])
def test_docx_opens_with_python_docx(name):
    document = docx.Document(str(DEMO / name))
    assert len(document.paragraphs) > 20
    assert any(p.text.startswith("Interviewer: ") for p in document.paragraphs)


def test_c2_docx_has_header_table():
    table = docx.Document(str(DEMO / "C2_R1_interview.docx")).tables[0]
    header = {row.cells[0].text: row.cells[1].text for row in table.rows}
    assert header["Respondent"] == "C2, R1"
    assert "Northvale" in header["Organisation"]
    assert header["Date"]


def test_make_docx_rebuilds_the_committed_files(tmp_path):
    spec = importlib.util.spec_from_file_location("demo_make_docx", DEMO / "make_docx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build_c2(tmp_path / "c2.docx")
    module.build_os4(tmp_path / "os4.docx")
    module.build_ie2(tmp_path / "ie2.docx")
    for built, committed in [("c2", "C2"), ("os4", "OS4"), ("ie2", "IE2")]:
        fresh = [p.text for p in docx.Document(str(tmp_path / f"{built}.docx")).paragraphs]
        stored = [p.text for p in docx.Document(str(DEMO / f"{committed}_R1_interview.docx")).paragraphs]
        assert fresh == stored, committed


@pytest.mark.parametrize("name", ["OS3_R1_call.vtt", "C3_R1_call.vtt"])
def test_vtt_cues_are_ordered_and_split_turns(name):
    cues = vtt_cues(DEMO / name)
    assert all(end > start for start, end, _, _ in cues)
    assert all(a[1] <= b[0] for a, b in zip(cues, cues[1:])), "cues overlap or go back in time"
    same_speaker_runs = sum(1 for a, b in zip(cues, cues[1:]) if a[2] == b[2])
    assert same_speaker_runs > len(cues) // 2, "turns should be split over several cues"
    assert len(turns(DEMO / name)) < len(cues) // 2
