"""Words behind suggestions: spaCy lemmas for reasons, codebook keywords as rules.

Why spaCy blank("en") + the lookup lemmatizer: no statistical model to ship, yet
"meetings" and "meeting" are one word when we tell a coder which words a segment
shares with a code's description. If the lookup table cannot be loaded we fall back
to lower-cased tokens minus stop words, which is still a useful reason.

Analyses are memoised per process by text hash, so re-ranking after a confirmation
never re-tokenises the corpus; a text is tokenised once for both lemmas and rules, and
each distinct word is lemmatised once (see `analyse`), so a fresh process stays fast.
"""
from __future__ import annotations

import functools
import hashlib
import re
from typing import Iterable

_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")
_MEMO: dict[str, frozenset[str]] = {}
_MEMO_MAX = 500_000


@functools.lru_cache(maxsize=1)
def nlp():  # type: ignore[no-untyped-def]
    """blank English pipeline with a lookup lemmatizer (or none, if its table is missing)."""
    import spacy

    pipe = spacy.blank("en")
    try:
        pipe.add_pipe("lemmatizer", config={"mode": "lookup"})
        pipe.initialize()
    except Exception:  # noqa: BLE001 - spacy-lookups-data missing or broken: plain tokens instead
        pipe = spacy.blank("en")
    return pipe


def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS) | {"'s", "n't", "yes", "oh", "yeah", "um", "uh", "really", "thing", "things"}


STOP = _stop_words()


_MISSING = object()
_ORTH_CONTENT: dict[int, str | None] = {}   # orth id -> content lemma (None: not a content word)
_ORTH_LEMMA: dict[int, int] = {}            # orth id -> lemma string id


@functools.lru_cache(maxsize=1)
def _lemma_table():  # type: ignore[no-untyped-def]
    """The lookup lemmatizer's table, or None when the pipeline has no lemmatizer."""
    pipe = nlp()
    if "lemmatizer" not in pipe.pipe_names:
        return None
    return pipe.get_pipe("lemmatizer").lookups.get_table("lemma_lookup", {})


def _lemma_of(text: str) -> str:
    """What the lookup lemmatizer sets as a token's lemma: a function of the token's text alone."""
    table = _lemma_table()
    if table is None:
        return ""
    lemma = table.get(text, text)
    return lemma if isinstance(lemma, str) else lemma[0]


def _content_word(text: str) -> str | None:
    lex = nlp().vocab[text]
    low = lex.lower_
    if not lex.is_alpha or len(low) < 3 or low in STOP:
        return None
    lemma = (_lemma_of(text) or low).lower()
    return None if lemma in STOP else lemma


def _content(orths: list[int]) -> frozenset[str]:
    """Content lemmas of a tokenised text. Why per token id: every attribute used (is_alpha, lower,
    the lookup lemma) depends on the token's text only, so each distinct word is analysed once per
    process instead of once per occurrence, and no lemmatizer has to run over whole documents."""
    out = set()
    strings = nlp().vocab.strings
    for o in orths:
        c = _ORTH_CONTENT.get(o, _MISSING)
        if c is _MISSING:
            c = _ORTH_CONTENT[o] = _content_word(strings[o])
        if c is not None:
            out.add(c)
    return frozenset(out)


def _set_lemmas(doc, orths: list[int]) -> None:  # type: ignore[no-untyped-def]
    """Give a tokenised doc the lemmas the lookup lemmatizer would (for the LEMMA phrase matcher)."""
    import numpy as np
    from spacy.attrs import LEMMA

    if _lemma_table() is None:
        return
    strings = nlp().vocab.strings
    ids = []
    for o in orths:
        lem = _ORTH_LEMMA.get(o)
        if lem is None:
            lem = _ORTH_LEMMA[o] = strings.add(_lemma_of(strings[o]))
        ids.append(lem)
    doc.from_array([LEMMA], np.array(ids, dtype=np.uint64).reshape(-1, 1))


def analyse(texts: list[str], rules: KeywordRules | None = None) -> tuple[list[frozenset[str]], list[dict[int, list[str]]]]:
    """Content lemmas of each text and, with `rules`, the keywords found in it: ONE tokenisation pass.

    Why one pass: lemmas (for scores and reasons) and keyword rules need the same tokens; tokenising
    each text once, and only the texts not memoised yet, is what keeps a fresh process fast.
    """
    from spacy.attrs import ORTH

    keys = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
    if len(_MEMO) + len(texts) > _MEMO_MAX:
        _MEMO.clear()
    hits: list[dict[int, list[str]]] = [{} for _ in texts]
    want_rules = bool(rules) and rules._filter is not None  # type: ignore[union-attr]
    todo: dict[str, tuple[str, bool, bool]] = {}   # key -> (text, needs lemmas, needs rule matching)
    for k, t in zip(keys, texts):
        if k in todo:
            continue
        need_lem = k not in _MEMO
        need_rule = False
        if want_rules and k not in rules._memo:  # type: ignore[union-attr]
            if rules._filter.search(t):  # type: ignore[union-attr]
                need_rule = True
            else:
                rules._memo[k] = {}  # type: ignore[union-attr]
        if need_lem or need_rule:
            todo[k] = (t, need_lem, need_rule)
    if todo:
        pipe = nlp()
        for k, (t, need_lem, need_rule) in todo.items():
            doc = pipe.make_doc(t)
            orths = doc.to_array(ORTH).tolist()
            if need_lem:
                _MEMO[k] = _content(orths)
            if need_rule:
                _set_lemmas(doc, orths)
                rules._memo[k] = rules._match_doc(doc, orths)  # type: ignore[union-attr]
    lemmas = [_MEMO[k] for k in keys]
    if want_rules:
        hits = [rules._memo[k] for k in keys]  # type: ignore[union-attr]
    return lemmas, hits


def content_lemmas(texts: Iterable[str]) -> list[frozenset[str]]:
    """Content-word lemmas of each text (lower case, no stop words), memoised."""
    return analyse(list(texts))[0]


def shared_words(segment: frozenset[str], code: frozenset[str], limit: int = 5) -> list[str]:
    return sorted(segment & code)[:limit]


class KeywordRules:
    """Codebook keywords matched in segments (case-insensitive; on lemmas too, so 'meetings' hits 'meeting').

    A keyword ending in '*' is a prefix pattern ('escalat*' hits 'escalate', 'escalation').
    """

    def __init__(self, keywords: dict[int, list[str]]):
        from spacy.matcher import PhraseMatcher

        pipe = nlp()
        self.keywords = {cid: [k.strip() for k in kws if k and k.strip()] for cid, kws in keywords.items()}
        self.lower = PhraseMatcher(pipe.vocab, attr="LOWER")
        self.lemma = PhraseMatcher(pipe.vocab, attr="LEMMA")
        # prefix patterns: one token whose lower-case form starts with the stem. Checked per distinct
        # token (memoised) rather than with a REGEX Matcher, which tested every token of every text.
        self.prefixes: list[tuple[str, str]] = []
        self._prefix_memo: dict[int, list[tuple[int, str]]] = {}
        self._label: dict[str, tuple[int, str]] = {}
        words: set[str] = set()
        for cid, kws in self.keywords.items():
            for i, kw in enumerate(kws):
                key = f"{cid}:{i}"
                self._label[key] = (cid, kw)
                if kw.endswith("*"):
                    self.prefixes.append((key, kw[:-1].lower()))
                    words.add(kw[:-1].lower())
                    continue
                self.lower.add(key, [pipe.make_doc(kw)])
                # Two lemma patterns: the lookup table's lemma of the keyword, and the keyword's own words
                # as lemmas, because the table is not symmetric ('meeting' -> 'meet' but 'meetings' -> 'meeting').
                as_is = pipe.make_doc(kw.lower())
                for tok in as_is:
                    tok.lemma_ = tok.lower_
                self.lemma.add(key, [pipe(kw.lower()), as_is])
                words.update(w.lower() for w in _WORD.findall(kw))
        # cheap pre-filter: only texts containing a keyword's first four letters go through spaCy
        stems = sorted({w[:4] for w in words if w})
        self._filter = re.compile("|".join(map(re.escape, stems)), re.I) if stems else None
        self.signature = hashlib.sha1(repr(sorted(self.keywords.items())).encode()).hexdigest()
        self._memo: dict[str, dict[int, list[str]]] = {}

    def __bool__(self) -> bool:
        return bool(self._label)

    def match(self, texts: list[str]) -> list[dict[int, list[str]]]:
        """For each text: code id -> the keywords found in it."""
        if not self._label or self._filter is None:
            return [{} for _ in texts]
        return analyse(texts, self)[1]

    def _match_doc(self, doc, orths: list[int]) -> dict[int, list[str]]:  # type: ignore[no-untyped-def]
        hits: dict[int, list[str]] = {}
        for matcher in (self.lower, self.lemma):
            if len(matcher) == 0:
                continue
            for match_id, _, _ in matcher(doc):
                cid, kw = self._label[pipe_string(match_id)]
                if kw not in hits.setdefault(cid, []):
                    hits[cid].append(kw)
        if self.prefixes:
            for cid, kw in self._prefix_hits(orths):
                if kw not in hits.setdefault(cid, []):
                    hits[cid].append(kw)
        return hits

    def _prefix_hits(self, orths: list[int]) -> list[tuple[int, str]]:
        strings = nlp().vocab.strings
        out: list[tuple[int, str]] = []
        for o in orths:
            found = self._prefix_memo.get(o)
            if found is None:
                low = nlp().vocab[strings[o]].lower_
                found = self._prefix_memo[o] = [self._label[key] for key, stem in self.prefixes if low.startswith(stem)]
            out.extend(found)
        return out


def pipe_string(match_id: int) -> str:
    return nlp().vocab.strings[match_id]
