"""Words behind suggestions: spaCy lemmas for reasons, codebook keywords as rules.

Why spaCy blank("en") + the lookup lemmatizer: no statistical model to ship, yet
"meetings" and "meeting" are one word when we tell a coder which words a segment
shares with a code's description. If the lookup table cannot be loaded we fall back
to lower-cased tokens minus stop words, which is still a useful reason.

Analyses are memoised per process by text hash, so re-ranking after a confirmation
never re-tokenises the corpus.
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


def _content(doc) -> frozenset[str]:  # type: ignore[no-untyped-def]
    out = set()
    for tok in doc:
        low = tok.lower_
        if not tok.is_alpha or len(low) < 3 or low in STOP:
            continue
        lemma = (tok.lemma_ or low).lower()
        if lemma in STOP:
            continue
        out.add(lemma)
    return frozenset(out)


def content_lemmas(texts: Iterable[str]) -> list[frozenset[str]]:
    """Content-word lemmas of each text (lower case, no stop words), memoised."""
    texts = list(texts)
    keys = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
    todo = {k: t for k, t in zip(keys, texts) if k not in _MEMO}
    if todo:
        if len(_MEMO) + len(todo) > _MEMO_MAX:
            _MEMO.clear()
        for k, doc in zip(todo, nlp().pipe(todo.values(), batch_size=256)):
            _MEMO[k] = _content(doc)
    return [_MEMO[k] for k in keys]


def shared_words(segment: frozenset[str], code: frozenset[str], limit: int = 5) -> list[str]:
    return sorted(segment & code)[:limit]


class KeywordRules:
    """Codebook keywords matched in segments (case-insensitive; on lemmas too, so 'meetings' hits 'meeting').

    A keyword ending in '*' is a prefix pattern ('escalat*' hits 'escalate', 'escalation').
    """

    def __init__(self, keywords: dict[int, list[str]]):
        from spacy.matcher import Matcher, PhraseMatcher

        pipe = nlp()
        self.keywords = {cid: [k.strip() for k in kws if k and k.strip()] for cid, kws in keywords.items()}
        self.lower = PhraseMatcher(pipe.vocab, attr="LOWER")
        self.lemma = PhraseMatcher(pipe.vocab, attr="LEMMA")
        self.prefix = Matcher(pipe.vocab)
        self._label: dict[str, tuple[int, str]] = {}
        words: set[str] = set()
        for cid, kws in self.keywords.items():
            for i, kw in enumerate(kws):
                key = f"{cid}:{i}"
                self._label[key] = (cid, kw)
                if kw.endswith("*"):
                    stem = re.escape(kw[:-1].lower())
                    self.prefix.add(key, [[{"LOWER": {"REGEX": f"^{stem}"}}]])
                    words.add(kw[:-1].lower())
                    continue
                self.lower.add(key, [pipe.make_doc(kw)])
                self.lemma.add(key, [pipe(kw.lower())])
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
        out: list[dict[int, list[str]]] = [{} for _ in texts]
        if not self._label or self._filter is None:
            return out
        todo: list[tuple[int, str, str]] = []
        for i, t in enumerate(texts):
            k = hashlib.sha1(t.encode("utf-8")).hexdigest()
            if k in self._memo:
                out[i] = self._memo[k]
            elif self._filter.search(t):
                todo.append((i, k, t))
            else:
                self._memo[k] = {}
        for (i, k, _), doc in zip(todo, nlp().pipe((t for _, _, t in todo), batch_size=256)):
            hits: dict[int, list[str]] = {}
            for matcher in (self.lower, self.lemma, self.prefix):
                if len(matcher) == 0:
                    continue
                for match_id, _, _ in matcher(doc):
                    cid, kw = self._label[pipe_string(match_id)]
                    if kw not in hits.setdefault(cid, []):
                        hits[cid].append(kw)
            self._memo[k] = out[i] = hits
        return out


def pipe_string(match_id: int) -> str:
    return nlp().vocab.strings[match_id]
