"""Plain data carried from the readers to ingest: a transcript and its segments.

Every SegmentSpan indexes into Transcript.text, so positions survive export to REFI-QDA
(character offsets into the plain text of each source).
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SegmentSpan:
    """One coding unit: transcript.text[start:end] is exactly the segment text (no surrounding whitespace)."""

    start: int
    end: int
    speaker: str | None = None  # as written, e.g. "OS1, R1", "Jane Smith", "A"
    question: str | None = None  # the last interviewer turn before this respondent turn
    respondent: str | None = None  # normalised code, e.g. "OS1-R1"
    start_time: str | None = None  # "00:12:05.000"
    end_time: str | None = None
    is_interviewer: bool = False  # interviewer turns are kept (coders may code them), but flagged


@dataclass
class Transcript:
    """A read transcript: normalised text (\\n line endings, NFC) and its segments."""

    name: str  # file stem
    source_filename: str
    text: str
    content_hash: str  # sha256 hex of text (UTF-8)
    segments: list[SegmentSpan] = field(default_factory=list)
    cases: dict[str, dict[str, str]] = field(default_factory=dict)  # respondent -> attributes
    respondent: str | None = None  # default respondent of the whole document, when the file names one

    def segment_text(self, span: SegmentSpan) -> str:
        """The text of one segment (a convenience; equal to text[span.start:span.end])."""
        return self.text[span.start:span.end]
