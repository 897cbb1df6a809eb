"""Subtitle files from video calls: WebVTT (.vtt) and SubRip (.srt).

Speakers come from WebVTT voice tags (<v Jane Smith>) or a 'Name:' prefix; a cue without a speaker
continues the previous speaker. Consecutive cues of one speaker merge into one turn (up to
~1,500 characters, so long monologues keep useful timestamps), written into the text as
'[00:12:05] Jane Smith: words' with blank lines between turns.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from corpus.errors import InputError
from corpus.readers import RawDocument
from corpus.segment import LONG_TURN_CHARS
from corpus.textio import decode_bytes, normalise_text, read_bytes
from corpus.turns import _LABEL_LINE_RE, Turn, classify_label, clean_label, normalise_time, speaker_key

_CUE_TIME = r"(?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_TIMING_RE = re.compile(rf"^\s*(?P<a>{_CUE_TIME})\s*-->\s*(?P<b>{_CUE_TIME})(?:\s.*)?$")
_VOICE_RE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]*)>", re.I)
_TAG_RE = re.compile(r"<[^>]*>")
_BLOCK_SPLIT_RE = re.compile(r"\n[^\S\n]*\n")


@dataclass
class Cue:
    start: str | None
    end: str | None
    speaker: str | None
    text: str


def _payload(lines: list[str]) -> tuple[str | None, str]:
    """(speaker, plain text) of a cue payload."""
    raw = " ".join(line.strip() for line in lines)
    speaker = None
    voice = _VOICE_RE.search(raw)
    if voice and voice.group(1).strip():
        speaker = clean_label(html.unescape(voice.group(1))) or None
    body = " ".join(html.unescape(_TAG_RE.sub("", raw)).split())
    if speaker is None:
        m = _LABEL_LINE_RE.match(body)
        if m and classify_label(m.group("label")):
            speaker = clean_label(m.group("label"))
            body = body[m.end():].strip()
    return speaker, body


def parse_cues(text: str) -> list[Cue]:
    """Cues of a WebVTT or SRT text (the formats differ only in header, cue numbers and ',' vs '.')."""
    cues: list[Cue] = []
    for block in _BLOCK_SPLIT_RE.split(text):
        lines = block.strip("\n").split("\n")
        for i, line in enumerate(lines):
            m = _TIMING_RE.match(line)
            if m:
                speaker, body = _payload(lines[i + 1:])
                cues.append(Cue(normalise_time(m.group("a")), normalise_time(m.group("b")), speaker, body))
                break
    return cues


def _merge(cues: list[Cue]) -> list[Cue]:
    """Consecutive cues of one speaker as one turn; unlabelled cues continue the previous speaker."""
    if not any(c.speaker for c in cues):
        return [c for c in cues if c.text]
    turns: list[Cue] = []
    current: str | None = None
    for cue in cues:
        if cue.speaker:
            current = cue.speaker
        if not cue.text:
            continue
        last = turns[-1] if turns else None
        if (
            last is not None
            and current is not None
            and last.speaker is not None
            and speaker_key(last.speaker) == speaker_key(current)
            and len(last.text) + 1 + len(cue.text) <= LONG_TURN_CHARS
        ):
            last.text = f"{last.text} {cue.text}"
            last.end = cue.end
        else:
            turns.append(Cue(cue.start, cue.end, current, cue.text))
    return turns


def read_subtitles(path: Path, max_bytes: int | None = None) -> RawDocument:
    """.vtt / .srt: turns with start and end times; the text shows '[hh:mm:ss] Speaker: words'."""
    text = normalise_text(decode_bytes(read_bytes(path, max_bytes), path))
    if not text.strip():
        raise InputError(path, "file is empty (only whitespace)")
    cues = parse_cues(text)
    if not cues:
        raise InputError(path, "has no subtitle cues (no '00:00:01.000 --> 00:00:04.000' timing lines)")
    merged = _merge(cues)
    if not merged:
        raise InputError(path, "its subtitle cues contain no text")
    parts: list[str] = []
    turns: list[Turn] = []
    pos = 0
    for cue in merged:
        speaker = normalise_text(cue.speaker) if cue.speaker else None
        prefix = f"[{cue.start[:8]}] " if cue.start else ""
        if speaker:
            prefix += f"{speaker}: "
        body = normalise_text(cue.text)
        if parts:
            parts.append("\n\n")
            pos += 2
        parts.append(prefix + body)
        start = pos + len(prefix)
        pos += len(prefix) + len(body)
        kind_key = classify_label(speaker, explicit=True) if speaker else None
        turns.append(Turn(
            start, pos, speaker=speaker,
            kind=kind_key[0] if kind_key else None, key=kind_key[1] if kind_key else None,
            start_time=cue.start, end_time=cue.end,
        ))
    return RawDocument("".join(parts), turns)
