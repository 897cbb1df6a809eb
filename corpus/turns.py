"""Speaker turns: who speaks where, who is the interviewer, which question each answer answers.

Why offsets, not strings: segments must point into the transcript text exactly (REFI-QDA positions,
coders adjusting boundaries), so every turn is a (start, end) range of the normalised text with the
speaker label left outside it.

Recognised label forms at the start of a line (optionally in **bold** for Markdown):
  Interviewer: / I: / Int: / Q: / Moderator: / Facilitator: / Researcher:      (interviewer)
  A: / R: / Respondent: / Interviewee: / Participant:                           (respondent, no code)
  R1: / OS1, R1: / C3 R2: / Respondent 2:                                       (respondent code)
  [00:12:05] Jane Smith: / 00:12:05 Jane Smith: / Jane Smith (00:12:05):       (timestamped name)
  Jane Smith:                                                                   (name)
A bare name counts as a speaker only if it labels two or more lines (or carries a timestamp, or is
named in interviewer_labels): a single "Date:" or "Step one:" line is not a speaker.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

from corpus.respondents import (
    INTERVIEWER_RE,
    RESPONDENT_WORD_RE,
    normalise_respondent,
    qualify_respondent,
)

INTERVIEWER = "interviewer"
RESPONDENT = "respondent"
NAMED = "named"
PREAMBLE = "preamble"  # text before the first turn of a labelled transcript
UNLABELLED = "unlabelled"  # a transcript without speaker labels

TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_BOLD = r"(?:\*\*|__)?"
_LABEL_LINE_RE = re.compile(
    rf"""[ \t]*{_BOLD}[ \t]*
    (?:[\[(]?(?P<ts>{TIME})[\])]?[ \t]*(?:[-–—|][ \t]*)?{_BOLD}[ \t]*)?
    (?P<label>[^\W\d_][^:\n]{{0,47}}?)
    (?:[ \t]*[\[(](?P<ts2>{TIME})[\])])?
    [ \t]*{_BOLD}[ \t]*:{_BOLD}(?=[ \t]|$)""",
    re.X,
)
# "Key: value" lines at the top of a transcript (Date:, Organisation:, Interview transcript: OS1, R1).
_META_LINE_RE = re.compile(r"[ \t]*(?:\*\*|__|#+[ \t]*)?[^\W\d_][^:\n]{0,39}?(?:\*\*|__)?[ \t]*:(?:[ \t].*)?")
_HEADER_KEY_RE = re.compile(r"respondent|interviewee|participant|case|code|transcript|interview|speaker", re.I)
_NAME_WORD_RE = re.compile(r"[^\W\d_][\w'’.\-]*")
_PARTICLES = {"van", "von", "de", "der", "den", "da", "di", "del", "della", "la", "le", "du", "bin", "al", "y", "dos", "das"}
# First words (casefolded) that make a "Word:" line metadata or prose, never a speaker.
_NOT_SPEAKERS = {
    "date", "time", "location", "place", "duration", "title", "project", "note", "notes", "nb", "ps", "transcript",
    "transcription", "transcribed", "interview", "subject", "topic", "recorded", "recording", "length", "venue",
    "organisation", "organization", "company", "sector", "side", "stage", "dyad", "role", "position", "job", "source",
    "file", "page", "summary", "comment", "comments", "example", "e.g", "i.e", "eg", "ie", "step", "re", "tel",
    "email", "e-mail", "phone", "website", "url", "http", "https", "attendees", "present", "participants",
    "keywords", "key", "total", "reference", "ref", "version", "status", "action", "actions", "agenda", "item",
    "objective", "objectives", "goal", "goals", "yes", "no", "so", "well", "also", "and", "but", "because", "then",
    "first", "second", "third", "finally", "one", "two", "three", "the", "this", "that", "these", "those", "it",
    "we", "they", "he", "she", "you", "my", "our", "their", "his", "her", "i'm", "okay", "ok", "right", "now",
    "here", "there", "what", "why", "how", "when", "where", "who", "which", "warning", "tip", "important", "update",
    "background", "context", "aim", "aims", "purpose", "method", "methods", "result", "results", "conclusion",
    "from", "to", "cc", "bcc", "sent", "dear", "hi", "hello", "thanks", "regards", "end", "start", "begin",
}


@dataclass
class Turn:
    """A stretch of text by one speaker; start/end are stripped offsets into the transcript text."""

    start: int
    end: int
    speaker: str | None = None
    kind: str | None = None  # INTERVIEWER, RESPONDENT, NAMED, PREAMBLE, UNLABELLED, or None (table row)
    key: str | None = None  # identity of the speaker ("os1-r1", "jane smith")
    is_interviewer: bool = False
    respondent: str | None = None
    question: str | None = None
    start_time: str | None = None
    end_time: str | None = None
    split_long: bool = True  # False for spreadsheet rows: one answer stays one span in unit "turn"


def strip_range(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) past surrounding whitespace (str.isspace, the same rule as str.strip)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def normalise_time(raw: str | None) -> str | None:
    """'12:05' / '0:12:05,5' / '00:12:05.000' -> '00:12:05.000' (hours:minutes:seconds.milliseconds)."""
    if not raw:
        return None
    m = re.fullmatch(r"(?:(\d+):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?", raw.strip())
    if not m:
        return None
    hours = int(m.group(1) or 0)
    ms = (m.group(4) or "0").ljust(3, "0")
    return f"{hours:02d}:{int(m.group(2)):02d}:{int(m.group(3)):02d}.{ms}"


def clean_label(raw: str) -> str:
    """A label as written, without Markdown bold, brackets' outer spaces or a trailing colon."""
    return " ".join(raw.strip().strip("*_").strip().rstrip(":").split())


def speaker_key(label: str) -> str:
    """Identity of a speaker: the respondent code when it has one, else the casefolded label."""
    code = normalise_respondent(label)
    if code:
        return code.casefold()
    return " ".join(label.casefold().rstrip(".").split())


def _is_name(label: str) -> bool:
    words = label.split()
    if not 1 <= len(words) <= 5:
        return False
    first = words[0]
    if not (_NAME_WORD_RE.fullmatch(first) and first[0].isupper()):
        return False
    if first.casefold().rstrip(".") in _NOT_SPEAKERS or label.casefold() in _NOT_SPEAKERS:
        return False
    for word in words[1:]:
        if word.isdigit() or word.casefold() in _PARTICLES:
            continue
        if not (_NAME_WORD_RE.fullmatch(word) and word[0].isupper()):
            return False
    return True


def classify_label(raw: str, explicit: bool = False) -> tuple[str, str] | None:
    """(kind, key) for a speaker label, or None when the text before a colon is not a speaker.

    explicit=True (a WebVTT <v Name> tag) accepts any non-empty label as a named speaker.
    """
    label = clean_label(raw)
    if not label or len(label) > 40:
        return None
    if INTERVIEWER_RE.fullmatch(label):
        return INTERVIEWER, speaker_key(label)
    if normalise_respondent(label) or RESPONDENT_WORD_RE.fullmatch(label):
        return RESPONDENT, speaker_key(label)
    if explicit or _is_name(label):
        return NAMED, speaker_key(label)
    return None


@dataclass
class _Candidate:
    line_start: int
    line_end: int
    content_start: int
    label: str
    kind: str
    key: str
    time: str | None


def _lines(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def _header_respondent(line: str) -> str | None:
    """'Respondent: OS1, R1' or 'Interview transcript: OS1, R1' -> 'OS1-R1' (document metadata, not a turn)."""
    key, sep, value = line.partition(":")
    if not sep or not _HEADER_KEY_RE.search(key) or len(key.strip()) > 40:
        return None
    value = value.strip().strip("*_").strip()
    return normalise_respondent(value) if value and len(value) <= 20 else None


def find_turns(text: str, interviewer_labels: Iterable[str] | None = None) -> tuple[list[Turn], str | None]:
    """Split normalised text into turns; returns (turns, respondent named in the header or None).

    Turns come back with roles, respondent codes and questions still unset: call `finish_turns`.
    """
    forced = _forced_keys(interviewer_labels)
    lines = _lines(text)
    candidates: list[_Candidate] = []
    for start, end in lines:
        m = _LABEL_LINE_RE.match(text, start, end)
        if not m:
            continue
        cls = classify_label(m.group("label"))
        if cls is None:
            label = clean_label(m.group("label"))
            if speaker_key(label) not in forced:
                continue
            cls = (NAMED, speaker_key(label))
        candidates.append(
            _Candidate(start, end, m.end(), clean_label(m.group("label")), cls[0], cls[1],
                       normalise_time(m.group("ts") or m.group("ts2")))
        )
    named_counts = Counter(c.key for c in candidates if c.kind == NAMED)
    accepted = [
        c for c in candidates
        if c.kind != NAMED or c.time or named_counts[c.key] >= 2 or c.key in forced
    ]
    # Header lines ("Respondent: OS1, R1") before the first real turn name the document's respondent.
    doc_respondent = None
    header_lines: set[int] = set()
    first_turn_at = accepted[0].line_start if accepted else len(text)
    for start, end in lines[:40]:
        if start >= first_turn_at:
            break
        found = _header_respondent(text[start:end])
        if found:
            header_lines.add(start)
            doc_respondent = doc_respondent or found
    while accepted and accepted[0].kind == RESPONDENT:
        found = _header_respondent(text[accepted[0].line_start:accepted[0].line_end])
        if not found:
            break
        header_lines.add(accepted[0].line_start)
        doc_respondent = doc_respondent or found
        accepted.pop(0)
    if not accepted:
        return _unlabelled(text, lines, header_lines), doc_respondent

    turns = _preamble(text, lines, accepted[0].line_start)
    for i, cand in enumerate(accepted):
        limit = accepted[i + 1].line_start if i + 1 < len(accepted) else len(text)
        start, end = strip_range(text, cand.content_start, limit)
        if start < end:
            turns.append(Turn(start, end, speaker=cand.label, kind=cand.kind, key=cand.key, start_time=cand.time))
    return turns, doc_respondent


def _unlabelled(text: str, lines: list[tuple[int, int]], header_lines: set[int]) -> list[Turn]:
    """A transcript without speaker labels: one block (header lines left out), split later by paragraph."""
    start = 0
    for line_start, line_end in lines:
        if line_start in header_lines or not text[line_start:line_end].strip():
            start = line_end + 1
            continue
        break
    start, end = strip_range(text, min(start, len(text)), len(text))
    return [Turn(start, end, kind=UNLABELLED)] if start < end else []


def _preamble(text: str, lines: list[tuple[int, int]], until: int) -> list[Turn]:
    """Text before the first turn, less its 'Key: value' metadata lines: one speakerless block per run of lines."""
    blocks: list[Turn] = []
    run_start: int | None = None
    run_end = 0
    for start, end in lines:
        if start >= until:
            break
        line = text[start:end]
        if not line.strip() or _META_LINE_RE.fullmatch(line):
            if run_start is not None:
                blocks.append(Turn(run_start, run_end, kind=PREAMBLE))
                run_start = None
            continue
        if run_start is None:
            run_start = start
        run_end = end
    if run_start is not None:
        blocks.append(Turn(run_start, run_end, kind=PREAMBLE))
    out = []
    for b in blocks:
        s, e = strip_range(text, b.start, b.end)
        if s < e:
            out.append(Turn(s, e, kind=PREAMBLE))
    return out


def _forced_keys(interviewer_labels: Iterable[str] | None) -> set[str]:
    if not interviewer_labels:
        return set()
    if isinstance(interviewer_labels, str):
        interviewer_labels = [interviewer_labels]
    return {speaker_key(clean_label(label)) for label in interviewer_labels if str(label).strip()}


_ENDS_WITH_QUESTION_RE = re.compile(r"\?[\"'”’)\]]*\s*$")


def _question_counts(text: str, turns: list[Turn], key: str) -> tuple[int, int]:
    ends = contains = 0
    for t in turns:
        if t.key == key:
            body = text[t.start:t.end]
            ends += bool(_ENDS_WITH_QUESTION_RE.search(body))
            contains += "?" in body
    return ends, contains


def assign_roles(text: str, turns: list[Turn], interviewer_labels: Iterable[str] | None = None) -> None:
    """Mark interviewer turns.

    Rules, in order: labels named in interviewer_labels, and interviewer words (Interviewer, I, Q,
    Moderator, ...), are the interviewer. If neither occurs and the transcript has exactly two
    speakers: when one carries a respondent code (R1, OS1, R1) the other is the interviewer; when
    both are plain names, the one whose turns end in '?' more often is (ties: more turns with a '?';
    still tied: whoever spoke first, if anyone asked anything). Otherwise nobody is.
    """
    forced = _forced_keys(interviewer_labels)
    labelled = [t for t in turns if t.key is not None]
    for t in labelled:
        t.is_interviewer = t.key in forced or t.kind == INTERVIEWER
    if forced or any(t.is_interviewer for t in labelled):
        return
    speakers: list[str] = []
    kinds: dict[str, str | None] = {}
    for t in labelled:
        if t.key not in kinds:
            speakers.append(t.key)
            kinds[t.key] = t.kind
    if len(speakers) != 2:
        return
    named = [k for k in speakers if kinds[k] == NAMED]
    chosen: str | None = None
    if len(named) == 1:
        chosen = named[0]
    elif len(named) == 2:
        a, b = (_question_counts(text, labelled, k) for k in speakers)
        if a != b:
            chosen = speakers[0] if a > b else speakers[1]
        elif a[1] > 0:
            chosen = speakers[0]
    if chosen is not None:
        for t in labelled:
            t.is_interviewer = t.key == chosen


def finish_turns(
    text: str,
    turns: list[Turn],
    interviewer_labels: Iterable[str] | None = None,
    document_respondent: str | None = None,
) -> None:
    """Set roles, respondent codes and the question each respondent turn answers (in place)."""
    assign_roles(text, turns, interviewer_labels)
    last_question: str | None = None
    for t in turns:
        if t.kind == PREAMBLE:
            continue
        if t.is_interviewer:
            t.respondent = None
            t.question = None
            last_question = text[t.start:t.end]
            continue
        code = normalise_respondent(t.speaker) if t.speaker else None
        t.respondent = qualify_respondent(code, document_respondent)
        t.question = last_question
