"""Respondent codes as the study writes them: organisation + person, e.g. OS1, R1.

Why normalise: the same person is written "OS1, R1", "OS1 R1", "os1_r1" or "(OS1, R1)" in
different files; counting distinct respondents needs one key ("OS1-R1"), and quotes in a paper
need the written form back ("(OS1, R1)").
"""
from __future__ import annotations

import re

# Labels that mean "the interviewer", never a respondent: Interviewer, Interviewer 2, I, I1, Int, Q, Q3,
# Question, Moderator, Facilitator, Researcher, optionally followed by a name in brackets or after a dash.
INTERVIEWER_RE = re.compile(
    r"(?:interviewer|int|i|q|question|moderator|mod|facilitator|researcher)\.?"
    r"(?:\s*\d{1,3})?(?:\s*(?:[(\[].*[)\]]|[-–—].*))?",
    re.IGNORECASE,
)
# Generic respondent words (no code of their own): A, R, Respondent, Interviewee, Participant, Answer.
RESPONDENT_WORD_RE = re.compile(
    r"(?:a|r|answer|respondent|interviewee|participant)\.?(?:\s*\d{1,3})?(?:\s*(?:[(\[].*[)\]]|[-–—].*))?",
    re.IGNORECASE,
)
_ORG_PERSON_RE = re.compile(
    r"([A-Za-z]{1,4})\s*[-_]?\s*(\d{1,3})\s*[-_,./;]?\s*R\s*[-_]?\s*(\d{1,3})", re.IGNORECASE
)
_WORD_NUMBER_RE = re.compile(r"(respondent|interviewee|participant)\s*[-_#]?\s*(\d{1,3})", re.IGNORECASE)
_SINGLE_CODE_RE = re.compile(r"([A-Za-z]{1,4})\s*[-_]?\s*(\d{1,3})")
_FILENAME_CODE_RE = re.compile(
    r"(?<![A-Za-z0-9])([A-Za-z]{1,4})[ _-]?(\d{1,3})[ _,.-]*R[ _-]?(\d{1,3})(?![0-9])", re.IGNORECASE
)
_BARE_PERSON_RE = re.compile(r"R(\d+)")
_ORG_CODE_RE = re.compile(r"([A-Z]{1,4}\d+)-R\d+")


def _clean(label: str) -> str:
    s = label.strip().strip("*_").strip()
    s = s.rstrip(":").strip()
    while len(s) >= 2 and s[0] in "([{" and s[-1] in ")]}":
        s = s[1:-1].strip()
    return s


def normalise_respondent(label: str) -> str | None:
    """'OS1, R1' -> 'OS1-R1'; 'C3 R2' -> 'C3-R2'; 'R1' -> 'R1'; 'Respondent 2' -> 'R2'; 'Interviewer' -> None.

    Returns None for interviewer labels, generic words ('A', 'Respondent') and personal names,
    which carry no respondent code.
    """
    if not isinstance(label, str):
        return None
    s = _clean(label)
    if not s or INTERVIEWER_RE.fullmatch(s):
        return None
    m = _ORG_PERSON_RE.fullmatch(s)
    if m:
        return f"{m.group(1).upper()}{int(m.group(2))}-R{int(m.group(3))}"
    m = _WORD_NUMBER_RE.fullmatch(s)
    if m:
        prefix = "P" if m.group(1).lower() == "participant" else "R"
        return f"{prefix}{int(m.group(2))}"
    m = _SINGLE_CODE_RE.fullmatch(s)
    if m:
        return f"{m.group(1).upper()}{int(m.group(2))}"
    return None


def attribution(code: str) -> str:
    """'OS1-R1' -> '(OS1, R1)'; 'R1' -> '(R1)': the form quotes carry in the paper."""
    parts = [p.strip() for p in str(code).split("-") if p.strip()]
    return "(" + ", ".join(parts) + ")" if parts else "()"


def respondent_from_filename(stem: str) -> str | None:
    """'OS1_R1_interview' -> 'OS1-R1'. Only organisation+person codes count (a bare '2' in a name is noise)."""
    m = _FILENAME_CODE_RE.search(stem)
    if not m:
        return None
    return f"{m.group(1).upper()}{int(m.group(2))}-R{int(m.group(3))}"


def qualify_respondent(code: str | None, document_respondent: str | None) -> str | None:
    """Give a bare person code the document's organisation: 'R2' in OS1-R1's file -> 'OS1-R2'.

    Why: transcripts often label speakers 'R1', 'R2' while the file (or its header) names the
    organisation; without this, R1 of OS1 and R1 of C3 would count as one respondent.
    """
    if code is None:
        return document_respondent
    if document_respondent:
        bare = _BARE_PERSON_RE.fullmatch(code)
        org = _ORG_CODE_RE.fullmatch(document_respondent)
        if bare and org:
            return f"{org.group(1)}-R{int(bare.group(1))}"
    return code
