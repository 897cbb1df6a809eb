"""Theme tables in the paper's shape: for each theme, one row per child code, each cell the distinct items
coded there, followed by a few illustrative quotes attributed like ``(OS1, R1)``.

Why items are shortened deterministically (and not by a model): a table in a paper must come out the
same every time it is rebuilt from the same coding, so an author can trust a diff. An item is

1. the label a coder wrote for the coding (``Coding.label``), when there is one; else
2. the *key sentence* of the segment: the sentence that mentions the most distinct keywords of the
   code (its own keywords, then its theme's, then the words of its name; whole words, plurals
   included), earliest sentence on a tie;
   when no sentence mentions any, the first sentence. Long sentences are cut at a word boundary.

Items are de-duplicated case- and punctuation-insensitively and listed in reading order
(document name, then position in the document). Segments coded to the theme itself but to none
of its categories get an extra last row, "Not yet categorised", so no coded insight is dropped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Case, Code, Document, Segment

from .selection import selected_codings

ITEM_MAX_CHARS = 160
QUOTE_LIMIT = 3
UNCATEGORISED = "Not yet categorised"

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")
_STOP = frozenset(
    "and the of to a an in on for with what you your our their how is are be being by from "
    "or as at it its that this those these".split()
)


@dataclass
class Quote:
    text: str
    attribution: str  # "(OS1, R1)"
    code: str  # the child code (category) it was coded to


@dataclass
class ThemeRow:
    category: str  # the child code's name, e.g. "Processes"
    items: list[str] = field(default_factory=list)


@dataclass
class ThemeTable:
    theme: str
    code_id: int
    rows: list[ThemeRow]
    quotes: list[Quote]

    @property
    def empty(self) -> bool:
        return not any(r.items for r in self.rows)


def split_sentences(text: str) -> list[str]:
    """Sentences of a segment: cut after . ! ? or … followed by space and a capital or a digit."""
    text = " ".join(text.split())
    parts = [p.strip() for p in _SENTENCE_END.split(text)]
    return [p for p in parts if p]


def _terms(code: Code, theme: Code | None) -> list[str]:
    """Keywords that mark a sentence as about this code, most specific first."""
    terms: list[str] = []
    for source in (code, theme):
        if source is None:
            continue
        terms += [k for k in (source.keywords or []) if k and k.strip()]
    for source in (code, theme):
        if source is None:
            continue
        terms += [w for w in _WORD.findall(source.name) if w.lower() not in _STOP and len(w) > 2]
    seen: set[str] = set()
    out = []
    for t in terms:
        key = t.strip().lower()
        if key not in seen:
            seen.add(key)
            out.append(key)
    return out


def _mentions(sentence: str, term: str) -> bool:
    """Whole-word match, plurals included ("KPI" matches "KPIs")."""
    return re.search(r"(?<![A-Za-z])" + re.escape(term) + r"(?:e?s)?(?![A-Za-z])", sentence, re.IGNORECASE) is not None


def shorten(text: str, limit: int = ITEM_MAX_CHARS) -> str:
    """Cut at the last word boundary before `limit` characters and mark the cut with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:") + "…"


def key_sentence(text: str, terms: list[str], limit: int = ITEM_MAX_CHARS) -> str:
    """The sentence naming the most distinct `terms` (earliest on a tie), else the first sentence."""
    sentences = split_sentences(text) or [text.strip()]
    best, best_score = sentences[0], 0
    for sentence in sentences:
        score = sum(1 for t in terms if _mentions(sentence, t))
        if score > best_score:
            best, best_score = sentence, score
    return shorten(best, limit)


def _item_key(item: str) -> str:
    return re.sub(r"[\W_]+", " ", item.casefold()).strip()


def attribution_for(case_code: str | None, document_name: str) -> str:
    """'OS1-R1' -> '(OS1, R1)'; a segment without a respondent is attributed to its document."""
    if case_code:
        try:
            from corpus import attribution
        except ImportError:  # pragma: no cover - corpus always ships it
            return "(" + ", ".join(p for p in case_code.split("-") if p) + ")"
        return attribution(case_code)
    return f"({document_name})"


def _descendants(code_id: int, children: dict[int | None, list[Code]]) -> list[int]:
    out, stack = [], [code_id]
    while stack:
        i = stack.pop()
        out.append(i)
        stack.extend(c.id for c in children.get(i, []))
    return out


def theme_tables(
    s: Session,
    coder: str | None = None,
    consensus: bool = False,
    *,
    quote_limit: int = QUOTE_LIMIT,
    include_empty: bool = False,
) -> list[ThemeTable]:
    """One table per theme (a top-level code with children), in codebook order.

    coder / consensus choose whose confirmed codings count (see `selection.selected_codings`).
    Quotes: the starred codings of the theme, verbatim; when none are starred, the `quote_limit`
    highest-confidence confirmed segments (score when no confidence; reading order on ties).
    Themes with no coded item are left out unless `include_empty`.
    """
    codes = list(s.scalars(select(Code).order_by(Code.position, Code.id)))
    children: dict[int | None, list[Code]] = {}
    for c in codes:
        children.setdefault(c.parent_id, []).append(c)

    picked = selected_codings(s, coder=coder, consensus=consensus)
    # segment_id -> (Segment, document name, case code); one query for all selected segments
    seg_ids = {p.segment_id for p in picked}
    seg_info: dict[int, tuple[Segment, str, str | None]] = {}
    if seg_ids:
        q = (
            select(Segment, Document.name, Case.code)
            .join(Document, Document.id == Segment.document_id)
            .outerjoin(Case, Case.id == Segment.case_id)
            .where(Segment.id.in_(seg_ids))
        )
        for seg, doc_name, case_code in s.execute(q):
            seg_info[seg.id] = (seg, doc_name, case_code)
    by_code: dict[int, list] = {}
    for p in picked:
        if p.segment_id in seg_info:
            by_code.setdefault(p.code_id, []).append(p)

    def reading_order(p) -> tuple:
        seg, doc_name, _ = seg_info[p.segment_id]
        return (doc_name, seg.start_offset, seg.position, p.segment_id)

    tables: list[ThemeTable] = []
    for theme in children.get(None, []):
        kids = children.get(theme.id, [])
        if not kids:
            continue
        rows: list[ThemeRow] = []
        theme_picks: list[tuple] = []  # (pick, category name)
        for kid in kids:
            terms = _terms(kid, theme)
            row = ThemeRow(kid.name)
            seen: set[str] = set()
            picks = [p for i in _descendants(kid.id, children) for p in by_code.get(i, [])]
            picks.sort(key=reading_order)
            for p in picks:
                seg = seg_info[p.segment_id][0]
                item = shorten(p.label) if p.label else key_sentence(seg.text, terms)
                key = _item_key(item)
                if key and key not in seen:
                    seen.add(key)
                    row.items.append(item)
                theme_picks.append((p, kid.name))
            rows.append(row)
        direct = sorted(by_code.get(theme.id, []), key=reading_order)
        if direct:  # coded to the theme but to none of its categories yet: shown, not dropped
            row = ThemeRow(UNCATEGORISED)
            seen = set()
            for p in direct:
                item = shorten(p.label) if p.label else key_sentence(seg_info[p.segment_id][0].text, _terms(theme, None))
                key = _item_key(item)
                if key and key not in seen:
                    seen.add(key)
                    row.items.append(item)
            rows.append(row)
        theme_picks += [(p, theme.name) for p in direct]
        quotes = _quotes(theme_picks, seg_info, reading_order, quote_limit)
        table = ThemeTable(theme.name, theme.id, rows, quotes)
        if include_empty or not table.empty:
            tables.append(table)
    return tables


def _quotes(picks: list[tuple], seg_info: dict, reading_order, limit: int) -> list[Quote]:
    """Starred first (all of them, reading order); else the most confident, one quote per segment."""
    starred = sorted((pc for pc in picks if pc[0].starred), key=lambda pc: reading_order(pc[0]))
    if starred:
        chosen = starred
    else:
        def confidence(pc) -> float:
            p = pc[0]
            value = p.confidence if p.confidence is not None else p.score
            return float(value) if value is not None else 0.0

        chosen = sorted(picks, key=lambda pc: (-confidence(pc), reading_order(pc[0])))
    out: list[Quote] = []
    used: set[int] = set()
    for p, category in chosen:
        if p.segment_id in used:
            continue
        used.add(p.segment_id)
        seg, doc_name, case_code = seg_info[p.segment_id]
        out.append(Quote(" ".join(seg.text.split()), attribution_for(case_code, doc_name), category))
        if not starred and len(out) >= limit:
            break
    return out
