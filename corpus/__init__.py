"""Reading interview transcripts into text + coding segments (no database here).

    from corpus import read_transcript
    t = read_transcript("OS1_R1.docx", unit="turn")
    for span in t.segments:
        print(span.respondent, t.text[span.start:span.end])
"""
from corpus.cases import read_cases_csv
from corpus.errors import InputError
from corpus.model import SegmentSpan, Transcript
from corpus.reader import SUPPORTED_SUFFIXES, read_transcript, transcript_from_text
from corpus.respondents import attribution, normalise_respondent
from corpus.segment import UNITS

__all__ = [
    "InputError",
    "SUPPORTED_SUFFIXES",
    "SegmentSpan",
    "Transcript",
    "UNITS",
    "attribution",
    "normalise_respondent",
    "read_cases_csv",
    "read_transcript",
    "transcript_from_text",
]
