"""Segmentation units and exact offsets (including a property test over generated transcripts)."""
from __future__ import annotations

import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus import InputError, transcript_from_text
from corpus.segment import LONG_TURN_CHARS, sentence_splitter

TEXT = (
    "Interviewer: What makes it work? Tell me.\n\n"
    "OS1, R1: Trust comes first. Then governance.\n"
    "We meet weekly. The board meets quarterly.\n\n"
    "Interviewer: Thanks.\n"
)


def texts(t):
    return [t.text[s.start:s.end] for s in t.segments]


def test_turn_unit():
    assert texts(transcript_from_text(TEXT)) == [
        "What makes it work? Tell me.",
        "Trust comes first. Then governance.\nWe meet weekly. The board meets quarterly.",
        "Thanks.",
    ]


def test_paragraph_unit_keeps_turn_data():
    t = transcript_from_text(TEXT, unit="paragraph")
    assert texts(t) == [
        "What makes it work? Tell me.",
        "Trust comes first. Then governance.",
        "We meet weekly. The board meets quarterly.",
        "Thanks.",
    ]
    assert [s.respondent for s in t.segments] == [None, "OS1-R1", "OS1-R1", None]
    assert t.segments[2].question == "What makes it work? Tell me."


def test_sentence_unit():
    t = transcript_from_text(TEXT, unit="sentence")
    assert texts(t) == [
        "What makes it work?", "Tell me.",
        "Trust comes first.", "Then governance.", "We meet weekly.", "The board meets quarterly.",
        "Thanks.",
    ]
    assert [s.is_interviewer for s in t.segments] == [True, True, False, False, False, False, True]


def test_sentence_splitter_is_built_once():
    assert sentence_splitter() is sentence_splitter()
    assert sentence_splitter().pipe_names == ["sentencizer"]


def test_blank_line_paragraphs_keep_wrapped_lines_together():
    t = transcript_from_text("R1: one line\nwrapped here.\n\nsecond para.", unit="paragraph")
    assert texts(t) == ["one line\nwrapped here.", "second para."]


def test_long_turn_is_cut_at_paragraph_breaks():
    paragraphs = [f"Paragraph {i} " + "word " * 90 + "end." for i in range(8)]  # ~470 characters each
    body = "\n\n".join(paragraphs)
    t = transcript_from_text(f"Interviewer: Tell me everything?\n\nR1: {body}\n")
    answer = [s for s in t.segments if not s.is_interviewer]
    assert len(answer) > 1
    assert all(s.end - s.start <= LONG_TURN_CHARS for s in answer)
    # The pieces are whole paragraphs, in order, covering the whole turn.
    joined = "\n\n".join(t.text[s.start:s.end] for s in answer)
    assert joined == body
    assert all(s.question == "Tell me everything?" and s.respondent == "R1" for s in answer)


def test_a_single_overlong_paragraph_stays_whole():
    body = "word " * 400 + "end."
    t = transcript_from_text(f"R1: {body}")
    assert texts(t) == [body.strip()]


def test_unknown_unit_is_input_error():
    with pytest.raises(InputError, match="unknown segmentation unit"):
        transcript_from_text(TEXT, unit="chapter")


# --- property: generated transcripts come back with exact offsets -----------------------------------

STYLES = {
    "interviewer/r1": ("Interviewer", "R1", None),
    "q/a": ("Q", "A", None),
    "codes": ("Interviewer", "OS1, R1", None),
    "named": ("[00:01:02] Helen Marsh", "[00:01:09] Daniel Okafor", ["Helen Marsh"]),
    "bold": ("**Interviewer:**", "**C3 R2:**", None),
}
word = st.builds(
    lambda w, p: w + p,
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzéüßø", min_size=1, max_size=9),
    st.sampled_from(["", "", ".", ",", "?", "!"]),
)
paragraph = st.lists(word, min_size=1, max_size=10).map(" ".join)
pad = st.sampled_from(["", " ", "  ", "\t"])
turn = st.tuples(
    st.booleans(),  # interviewer?
    st.lists(st.tuples(pad, paragraph, pad), min_size=1, max_size=3),
    st.sampled_from(["\n", "\n\n", "\n \n"]),  # paragraph separator inside the turn
    st.sampled_from([" ", "  ", "\t", "\n"]),  # after the label
)
document = st.tuples(st.sampled_from(sorted(STYLES)), st.lists(turn, min_size=1, max_size=8),
                     st.sampled_from(["\n", "\n\n", "\n\n\n", "\r\n"]))


def build(style, turns, turn_sep):
    """Text plus, per turn, (is_interviewer, expected turn text, expected paragraph texts)."""
    ilabel, rlabel, _ = STYLES[style]
    out, expected = [], []
    for is_int, paras, para_sep, after_label in turns:
        label = ilabel if is_int else rlabel
        colon = "" if label.endswith(":**") else ":"
        body = para_sep.join(f"{a}{p}{b}" for a, p, b in paras)
        out.append(f"{label}{colon}{after_label}{body}")
        expected.append((is_int, body.strip(), [p for _, p, _ in paras]))
    return turn_sep.join(out) + turn_sep, expected


def assert_well_formed(t):
    prev_end = 0
    for s in t.segments:
        piece = t.text[s.start:s.end]
        assert piece and piece == piece.strip()
        assert s.start >= prev_end
        prev_end = s.end


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document)
def test_generated_turns_slice_exactly(doc):
    style, turns, turn_sep = doc
    text, expected = build(style, turns, turn_sep)
    t = transcript_from_text(text, interviewer_labels=STYLES[style][2])
    assert_well_formed(t)
    assert texts(t) == [unicodedata.normalize("NFC", body.replace("\r\n", "\n")) for _, body, _ in expected]
    assert [s.is_interviewer for s in t.segments] == [is_int for is_int, _, _ in expected]
    last_q = None
    for s, (is_int, body, _) in zip(t.segments, expected):
        if is_int:
            assert s.question is None
            last_q = body
        else:
            assert s.question == last_q


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document)
def test_generated_paragraphs_slice_exactly(doc):
    style, turns, turn_sep = doc
    text, expected = build(style, turns, turn_sep)
    t = transcript_from_text(text, unit="paragraph", interviewer_labels=STYLES[style][2])
    assert_well_formed(t)
    assert texts(t) == [p for _, _, paras in expected for p in paras]


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300), st.sampled_from(["turn", "paragraph", "sentence"]))
def test_any_text_gives_well_formed_spans(text, unit):
    if not text.strip():
        with pytest.raises(InputError):
            transcript_from_text(text, unit=unit)
        return
    t = transcript_from_text(text, unit=unit)
    assert_well_formed(t)
    assert t.text == unicodedata.normalize("NFC", t.text) and "\r" not in t.text
