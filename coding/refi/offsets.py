"""Character positions written by another tool, mapped onto our normalised text.

Other tools count positions in the plain text *as they wrote it*: with ``\\r\\n`` line endings
(MAXQDA, NVivo on Windows), old Mac ``\\r``, or decomposed accents. Cocode keeps every document in
one canonical form (``\\n`` only, NFC; see corpus.textio.normalise_text), so each position in the
tool's text must be moved to the same character of ours. `normalise_with_map` does both at once.
"""
from __future__ import annotations

import unicodedata

from corpus.textio import normalise_text

_BREAKS = {"\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"}


def _line_breaks(raw: str) -> tuple[str, list[int]]:
    """'\\r\\n' -> '\\n' (the '\\r' maps onto the '\\n'), other breaks -> '\\n'; map has len(raw)+1 entries."""
    out: list[str] = []
    mapping: list[int] = []
    i, n = 0, len(raw)
    while i < n:
        ch = raw[i]
        if ch == "\r" and i + 1 < n and raw[i + 1] == "\n":
            mapping.append(len(out))  # the \r: same place as the \n that follows
            mapping.append(len(out))
            out.append("\n")
            i += 2
            continue
        mapping.append(len(out))
        out.append("\n" if ch in _BREAKS else ch)
        i += 1
    mapping.append(len(out))
    return "".join(out), mapping


def _nfc(text: str) -> tuple[str, list[int]]:
    """NFC with a position map, normalising runs that start at a character of combining class 0."""
    if unicodedata.is_normalized("NFC", text):
        return text, list(range(len(text) + 1))
    out: list[str] = []
    mapping: list[int] = [0] * (len(text) + 1)
    length = 0
    bounds = [i for i, ch in enumerate(text) if unicodedata.combining(ch) == 0] + [len(text)]
    if not bounds or bounds[0] != 0:
        bounds = [0] + bounds
    for a, b in zip(bounds, bounds[1:]):
        if a == b:
            continue
        piece = unicodedata.normalize("NFC", text[a:b])
        for k in range(a, b):
            mapping[k] = length  # inside a composed run every position falls on its first character
        out.append(piece)
        length += len(piece)
    mapping[len(text)] = length
    return "".join(out), mapping


def normalise_with_map(raw: str) -> tuple[str, list[int]]:
    """(our text, map) where map[p] is the position in our text of the tool's position p (0..len(raw)).

    The text equals corpus.textio.normalise_text(raw) whenever composition does not cross run
    boundaries (always so for Latin, Greek and Cyrillic text); otherwise the run-wise NFC is used.
    """
    if raw.startswith("\ufeff"):
        raw = raw[1:]
    broken, m1 = _line_breaks(raw)
    text, m2 = _nfc(broken)
    if text != normalise_text(text):  # pragma: no cover - only for exotic compositions
        text = normalise_text(text)
    return text, [m2[p] for p in m1]
