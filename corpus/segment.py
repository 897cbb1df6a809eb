"""Cutting turns into coding units: whole turns, paragraphs or sentences.

Why these rules: the study codes one respondent turn (or one paragraph of it) as a unit, but a
very long turn is unwieldy to code, so turns over ~1,500 characters are cut at paragraph breaks.
Every span is stripped of surrounding whitespace and never empty, so offsets are exact.
"""
from __future__ import annotations

import functools
import re

from corpus.model import SegmentSpan
from corpus.turns import PREAMBLE, UNLABELLED, Turn, strip_range

UNITS = ("turn", "paragraph", "sentence")
LONG_TURN_CHARS = 1500
_BLANK_LINES_RE = re.compile(r"\n[^\S\n]*\n(?:[^\S\n]*\n)*")


def paragraph_ranges(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Paragraphs of text[start:end]: blocks between blank lines if it has any, else its lines.

    Why both: Word exports put one paragraph per line, while typed text separates paragraphs
    with blank lines and may wrap lines inside a paragraph.
    """
    chunk = text[start:end]
    breaks = list(_BLANK_LINES_RE.finditer(chunk))
    if breaks:
        cuts = [(m.start(), m.end()) for m in breaks]
    else:
        cuts = [(m.start(), m.end()) for m in re.finditer(r"\n", chunk)]
    out, pos = [], 0
    for cut_start, cut_end in cuts + [(len(chunk), len(chunk))]:
        s, e = strip_range(text, start + pos, start + cut_start)
        if s < e:
            out.append((s, e))
        pos = cut_end
    return out


def split_long(text: str, start: int, end: int, limit: int = LONG_TURN_CHARS) -> list[tuple[int, int]]:
    """A turn over `limit` characters as consecutive groups of whole paragraphs, each up to `limit`.

    A single paragraph longer than the limit stays whole: cutting inside it would break sentences.
    """
    if end - start <= limit:
        return [(start, end)]
    chunks: list[tuple[int, int]] = []
    for s, e in paragraph_ranges(text, start, end):
        if chunks and e - chunks[-1][0] <= limit:
            chunks[-1] = (chunks[-1][0], e)
        else:
            chunks.append((s, e))
    return chunks


@functools.lru_cache(maxsize=1)
def sentence_splitter():
    """spaCy's blank English pipeline with the rule-based sentencizer: no model download, built once."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.max_length = 10**9  # the sentencizer keeps no per-character state; file size is limited elsewhere
    return nlp


def sentence_ranges(text: str, ranges: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """For each (start, end) range, its sentences as stripped (start, end) offsets into text."""
    if not ranges:
        return []
    nlp = sentence_splitter()
    out: list[list[tuple[int, int]]] = []
    for (start, end), doc in zip(ranges, nlp.pipe(text[s:e] for s, e in ranges)):
        sents = []
        for sent in doc.sents:
            s, e = strip_range(text, start + sent.start_char, start + sent.end_char)
            if s < e:
                sents.append((s, e))
        out.append(sents or [(start, end)])
    return out


def _pieces(text: str, turn: Turn, start: int, end: int, unit: str) -> list[tuple[int, int]]:
    """The paragraph-level pieces of a turn for a unit (sentences are cut from these afterwards)."""
    if turn.kind in (PREAMBLE, UNLABELLED) or unit in ("paragraph", "sentence"):
        return paragraph_ranges(text, start, end)
    if turn.split_long:
        return split_long(text, start, end)
    return [(start, end)]


def segment_turns(text: str, turns: list[Turn], unit: str = "turn") -> list[SegmentSpan]:
    """Spans for every turn at the chosen unit, in text order; each carries its turn's speaker data."""
    if unit not in UNITS:
        raise ValueError(f"unknown segmentation unit {unit!r} (use one of {', '.join(UNITS)})")
    owners: list[Turn] = []
    ranges: list[tuple[int, int]] = []
    for turn in turns:
        s, e = strip_range(text, turn.start, turn.end)
        if s >= e:
            continue
        for piece in _pieces(text, turn, s, e, unit):
            owners.append(turn)
            ranges.append(piece)
    if unit == "sentence":
        grouped = sentence_ranges(text, ranges)
        owners = [o for o, sents in zip(owners, grouped) for _ in sents]
        ranges = [r for sents in grouped for r in sents]
    spans = [
        SegmentSpan(
            start=s,
            end=e,
            speaker=t.speaker,
            question=t.question,
            respondent=t.respondent,
            start_time=t.start_time,
            end_time=t.end_time,
            is_interviewer=t.is_interviewer,
        )
        for t, (s, e) in zip(owners, ranges)
    ]
    spans.sort(key=lambda sp: (sp.start, sp.end))
    return spans
