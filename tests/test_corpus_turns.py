"""Speaker turns: every label form, interviewer detection, question attachment, respondent codes."""
from __future__ import annotations

import pytest

from corpus import attribution, normalise_respondent, transcript_from_text


def spans(t):
    """(speaker, text, is_interviewer) per segment."""
    return [(s.speaker, t.text[s.start:s.end], s.is_interviewer) for s in t.segments]


def test_interviewer_and_r1_labels_are_left_out_of_spans():
    t = transcript_from_text(
        "Interviewer: What matters most?\n\nR1: Trust, and governance.\n\nInterviewer: Why?\n\nR1: Because of KPIs.\n"
    )
    assert spans(t) == [
        ("Interviewer", "What matters most?", True),
        ("R1", "Trust, and governance.", False),
        ("Interviewer", "Why?", True),
        ("R1", "Because of KPIs.", False),
    ]
    assert [s.respondent for s in t.segments] == [None, "R1", None, "R1"]
    assert [s.question for s in t.segments] == [None, "What matters most?", None, "Why?"]


def test_q_and_a_labels_take_the_respondent_from_the_name():
    t = transcript_from_text("Q: Tell me about the contract.\nA: It is a ten-year deal.\n", name="C3_R2_interview")
    assert t.respondent == "C3-R2"
    assert spans(t) == [("Q", "Tell me about the contract.", True), ("A", "It is a ten-year deal.", False)]
    assert t.segments[1].respondent == "C3-R2"
    assert t.segments[1].question == "Tell me about the contract."


def test_organisation_person_codes():
    t = transcript_from_text("Interviewer: Top three?\nOS1, R1: Trust.\nC3 R2: Delivery.\n")
    assert [(s.speaker, s.respondent) for s in t.segments] == [
        ("Interviewer", None), ("OS1, R1", "OS1-R1"), ("C3 R2", "C3-R2"),
    ]
    # Both answers follow the same interviewer turn.
    assert t.segments[1].question == t.segments[2].question == "Top three?"


def test_timestamped_named_speakers_and_question_heuristic():
    text = (
        "[00:00:05] Helen Marsh: Thanks for joining. How did the partnership start?\n"
        "[00:00:12] Daniel Okafor: It started as a small hosting deal.\n"
        "[00:01:40] Helen Marsh: And what makes it work well?\n"
        "[00:01:45] Daniel Okafor: Openness. We share the roadmap.\n"
    )
    t = transcript_from_text(text)
    assert [s.start_time for s in t.segments] == ["00:00:05.000", "00:00:12.000", "00:01:40.000", "00:01:45.000"]
    assert [s.is_interviewer for s in t.segments] == [True, False, True, False]
    assert t.segments[3].question == "And what makes it work well?"
    assert t.text[t.segments[1].start:t.segments[1].end] == "It started as a small hosting deal."
    assert t.segments[1].end_time is None  # stamps in text give start times only


@pytest.mark.parametrize("form", ["(00:12:05)", "00:12:05", "[12:05]"])
def test_other_timestamp_forms(form):
    t = transcript_from_text(f"{form} Jane Smith: Hello there?\n{form} Bob Jones: Hi.\n")
    assert [s.speaker for s in t.segments] == ["Jane Smith", "Bob Jones"]
    assert t.segments[0].start_time == "00:12:05.000"


def test_timestamp_after_name():
    t = transcript_from_text("Jane Smith (00:12:05): Why?\nBob Jones (00:12:09): Because.\n")
    assert [(s.speaker, s.start_time) for s in t.segments] == [("Jane Smith", "00:12:05.000"), ("Bob Jones", "00:12:09.000")]


def test_plain_names_need_to_recur_to_count_as_speakers():
    text = (
        "Date: 12 May 2024\n"
        "Jane Smith: What do you value in the supplier?\n"
        "Bob Jones: Step one: we define roles. Honesty.\n"
        "Jane Smith: Anything else?\n"
        "Bob Jones: Weekly reports.\n"
        "Summary: one line that is not a speaker\n"
    )
    t = transcript_from_text(text)
    assert [s.speaker for s in t.segments] == ["Jane Smith", "Bob Jones", "Jane Smith", "Bob Jones"]
    # "Summary:" is not a speaker, so it stays inside Bob's last turn; "Step one:" inside his first.
    assert t.text[t.segments[3].start:t.segments[3].end] == "Weekly reports.\nSummary: one line that is not a speaker"
    assert t.text[t.segments[1].start:t.segments[1].end] == "Step one: we define roles. Honesty."
    assert [s.is_interviewer for s in t.segments] == [True, False, True, False]


@pytest.mark.parametrize("label", ["Interviewer", "INTERVIEWER", "I", "Int", "Q", "Moderator", "Facilitator",
                                   "Interviewer 2", "Interviewer (Jane)"])
def test_interviewer_words(label):
    t = transcript_from_text(f"{label}: How is value measured?\nR1: With a scorecard.\n")
    assert t.segments[0].is_interviewer and t.segments[0].speaker == label
    assert not t.segments[1].is_interviewer
    assert t.segments[1].question == "How is value measured?"


def test_interviewer_labels_argument_overrides_the_heuristic():
    # Bob asks more questions, but the caller says Jane is the interviewer.
    text = "Jane: Tell me about it.\nBob: Why? Why not?\nJane: Go on.\nBob: Why?\n"
    default = transcript_from_text(text)
    assert [s.is_interviewer for s in default.segments] == [False, True, False, True]
    told = transcript_from_text(text, interviewer_labels=["jane"])
    assert [s.is_interviewer for s in told.segments] == [True, False, True, False]
    assert told.segments[3].question == "Go on."


def test_named_speaker_facing_a_coded_respondent_is_the_interviewer():
    t = transcript_from_text("Jane Smith: Hello.\nOS2, R1: Hello.\nJane Smith: Go on.\nOS2, R1: Well.\n")
    assert [s.is_interviewer for s in t.segments] == [True, False, True, False]
    assert t.segments[1].respondent == "OS2-R1"


def test_three_named_speakers_without_labels_have_no_interviewer():
    text = "Ann Lee: Why?\nBob Ray: Yes.\nCat Fox: No?\nAnn Lee: Why?\nBob Ray: Yes.\nCat Fox: No.\n"
    t = transcript_from_text(text)
    assert len(t.segments) == 6 and not any(s.is_interviewer for s in t.segments)
    assert all(s.question is None for s in t.segments)


def test_question_is_the_last_interviewer_turn_across_several_answers():
    text = (
        "R1: Before any question.\n"
        "Interviewer: What are the top three things?\n"
        "R1: Trust.\nR2: Governance.\nR1: Delivery.\n"
        "Interviewer: Thanks. And the barriers?\n"
        "R2: Culture.\n"
    )
    t = transcript_from_text(text)
    answers = [(s.speaker, s.question) for s in t.segments if not s.is_interviewer]
    assert answers == [
        ("R1", None),
        ("R1", "What are the top three things?"),
        ("R2", "What are the top three things?"),
        ("R1", "What are the top three things?"),
        ("R2", "Thanks. And the barriers?"),
    ]


def test_header_names_the_respondent_and_qualifies_bare_codes():
    text = "Respondent: OS1, R1\nDate: 3 May 2024\n\nInterviewer: Roles?\nR1: Clear roles.\nR2: A RACI.\n"
    t = transcript_from_text(text, name="interview_03")
    assert t.respondent == "OS1-R1"
    assert [s.respondent for s in t.segments] == [None, "OS1-R1", "OS1-R2"]
    assert all("Respondent:" not in t.text[s.start:s.end] and "Date" not in t.text[s.start:s.end] for s in t.segments)


def test_header_wins_over_file_name():
    t = transcript_from_text("Interviewee: C2 R1\n\nQ: Why?\nA: Because.\n", name="OS1_R1_interview")
    assert t.respondent == "C2-R1"
    assert t.segments[-1].respondent == "C2-R1"


def test_title_before_the_first_turn_is_a_speakerless_segment():
    t = transcript_from_text("Interview with a supplier\nLocation: Leeds\n\nInterviewer: Why?\nR1: Because.\n")
    assert spans(t)[0] == (None, "Interview with a supplier", False)
    assert [s.speaker for s in t.segments] == [None, "Interviewer", "R1"]


def test_markdown_bold_labels():
    t = transcript_from_text("# Interview\n\n**Interviewer:** What works?\n\n**OS1, R1**: Openness.\n")
    assert spans(t)[1:] == [("Interviewer", "What works?", True), ("OS1, R1", "Openness.", False)]


def test_label_alone_on_its_line_with_text_below():
    t = transcript_from_text("Interviewer:\nWhat works?\n\nR1:\nOpenness.\n\nAnd trust.\n")
    assert spans(t) == [("Interviewer", "What works?", True), ("R1", "Openness.\n\nAnd trust.", False)]


def test_empty_turns_make_no_segments():
    t = transcript_from_text("Interviewer: Why?\nR1:\nInterviewer: Still there?\nR1: Yes.\n")
    assert [s.speaker for s in t.segments] == ["Interviewer", "Interviewer", "R1"]
    assert t.segments[2].question == "Still there?"


def test_text_without_labels_is_one_segment_per_paragraph():
    t = transcript_from_text("First paragraph here.\n\nSecond one: with a colon.\n\n\nThird.", name="OS3_R1_notes")
    assert [t.text[s.start:s.end] for s in t.segments] == [
        "First paragraph here.", "Second one: with a colon.", "Third.",
    ]
    assert all(s.speaker is None and s.respondent == "OS3-R1" and not s.is_interviewer for s in t.segments)


@pytest.mark.parametrize("label, code", [
    ("OS1, R1", "OS1-R1"), ("C3 R2", "C3-R2"), ("R1", "R1"), ("os1_r1", "OS1-R1"), ("(OS4, R1)", "OS4-R1"),
    ("IE1-R1", "IE1-R1"), ("OS1, R1:", "OS1-R1"), ("Respondent 2", "R2"), ("Participant 7", "P7"), ("R01", "R1"),
    ("Interviewer", None), ("I", None), ("Q", None), ("A", None), ("Jane Smith", None), ("", None),
])
def test_normalise_respondent(label, code):
    assert normalise_respondent(label) == code


@pytest.mark.parametrize("code, quoted", [("OS1-R1", "(OS1, R1)"), ("R1", "(R1)"), ("C3-R2", "(C3, R2)")])
def test_attribution(code, quoted):
    assert attribution(code) == quoted
    assert normalise_respondent(quoted) == code
