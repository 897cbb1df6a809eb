"""Code suggestions: rank the codebook's codes for each segment, and learn from every decision.

How a code is scored for a segment (all vectors are sentence embeddings, centred on the
corpus mean so that what every segment shares, e.g. "outsourcing", does not count):

* prior: similarity to the code's "name: description" and to its best example phrase;
  for a child code the parent's similarity contributes too (a category under a theme),
  plus a small weight for lemmas shared with the code's words (idf-weighted);
* learned, joint: as soon as two codes have a confirmation (or any code a rejection), one
  softmax model over all codes is fitted on the human decisions with the prior as its offset
  (fit_joint): confirmations are its targets, rejections count as -log(1 - p), and an L2
  penalty keeps it near the prior while evidence is thin. It supplies JOINT_BLEND of the score;
* learned, per code: the code's prototype becomes the description (worth ROCCHIO_PRIOR
  segments) plus its confirmed segments (Rocchio, computed in score space), pulled towards
  the nearest confirmed segment; from LR_MIN confirmations a per-code logistic-regression
  vote is added. Neighbour and classifier evidence weigh n/(n + PRIOR_STRENGTH);
* rules: a codebook keyword found in the segment adds RULE_BONUS (source "rule").

Scores become confidences through coding.calibration. Everything after the embedding
lookup is vectorised numpy, so re-ranking after one confirmation re-encodes nothing.
"""
from __future__ import annotations

import functools
import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np
from sqlalchemy import insert, inspect, select
from sqlalchemy.orm import Session

from models import AuditEvent, Case, Code, Coder, Coding, Document, Segment
from models.schema import utcnow

from .calibration import Calibrator, fit_calibrator
from .codebook_store import code_paths, display_path
from .coders import MODEL, get_coder
from .embeddings import embed_texts, model_id
from .errors import CocodeError
from .rules import KeywordRules, analyse, content_lemmas, shared_words

Progress = Callable[[int, int, str], None]

KNN = 1                # neighbours averaged for the nearest-confirmed similarity
ROCCHIO_PRIOR = 3.0    # the description counts as this many confirmed segments in a code's prototype
KNN_WEIGHT = 0.5       # how far the nearest confirmed segment can pull the score (at full weight)
PRIOR_STRENGTH = 4.0   # confirmations at which neighbour/classifier evidence gets half its weight
LR_MIN = 8             # confirmations (and as many negatives) before a classifier is trained
LR_WEIGHT = 0.3        # how far the classifier's vote (p - 0.5) moves the learned score
PARENT_WEIGHT = 0.3    # share of a child code's prior that comes from its parent
LEX_WEIGHT = 0.2       # shared-lemma evidence
REJECT_WEIGHT = 0.0    # per-code push-down for segments closer to a rejection than to a confirmation (off: rejections act through the joint model)
RULE_BONUS = 0.1       # a codebook keyword in the segment
MIN_CONFIDENCE = 0.1   # below this, a code is not suggested at all ("no code applies")
CENTRE_SHRINK = 20.0   # segments at which the corpus mean is trusted half-way
CHUNK = 16384          # segment rows per similarity block (bounds memory on large corpora)
JOINT = True           # fit one softmax model over all codes on the human decisions (see fit_joint)
JOINT_MIN_CODES = 2    # codes with a confirmation before the joint model starts (any rejection starts it too)
JOINT_TEMP = 15.0      # scale of the prior's scores as the joint model's logits
JOINT_L2 = 1.0         # L2 penalty on the joint model's weights (in logit units)
JOINT_REJECT = 1.0     # weight of a rejection (-log(1 - p)) against a confirmation (-log p)
JOINT_BLEND = 0.5      # share of the final score that comes from the joint model (the rest: per-code evidence)
TOLERANCE = 0.01       # stored suggestions are rewritten only when they move at least this much


# --------------------------------------------------------------------------- inputs


@dataclass
class CodeSet:
    """The codable codes and everything the scorer needs about them."""

    ids: list[int]
    paths: dict[int, tuple[str, ...]]
    parent: dict[int, int | None]
    ancestors: dict[int, set[int]]
    desc_texts: list[str]
    examples: list[tuple[int, str]]          # (column, example text)
    parent_col: list[int | None]             # column of the parent, if the parent is codable-or-not but known
    parent_texts: dict[int, str]             # parent code id -> its text (parents may be non-codable)
    lemmas: list[frozenset[str]]
    keywords: dict[int, list[str]]


def _code_text(code: Code) -> str:
    text = code.name.strip()
    if code.description and code.description.strip():
        text += ": " + " ".join(code.description.split())
    return text


def load_codes(s: Session) -> CodeSet:
    rows = list(s.scalars(select(Code).order_by(Code.position, Code.id)))
    if not rows:
        raise CocodeError("the codebook is empty: import one first (cocode codebook import FILE, or a shipped codebook)")
    paths = code_paths(s)
    by_id = {r.id: r for r in rows}
    codable = [r for r in rows if r.codable]
    if not codable:
        raise CocodeError("the codebook has no codable codes: mark at least one code as codable")
    parent = {r.id: r.parent_id for r in rows}
    ancestors: dict[int, set[int]] = {}
    for r in rows:
        chain, p = set(), r.parent_id
        while p is not None:
            chain.add(p)
            p = parent[p]
        ancestors[r.id] = chain
    ids = [r.id for r in codable]
    col = {cid: i for i, cid in enumerate(ids)}
    examples = [(col[r.id], " ".join(e.split())) for r in codable for e in (r.examples or []) if e and e.strip()]
    parent_texts = {r.parent_id: _code_text(by_id[r.parent_id]) for r in codable if r.parent_id is not None}
    lemma_src = [
        " ".join([_code_text(r), r.inclusion or "", *(r.keywords or [])]
                 + ([by_id[r.parent_id].name] if r.parent_id else []))
        for r in codable
    ]
    return CodeSet(
        ids=ids, paths=paths, parent=parent, ancestors=ancestors,
        desc_texts=[_code_text(r) for r in codable], examples=examples,
        parent_col=[col.get(r.parent_id) if r.parent_id is not None else None for r in codable],
        parent_texts=parent_texts, lemmas=content_lemmas(lemma_src),
        keywords={r.id: list(r.keywords or []) for r in codable},
    )


@dataclass
class SegRow:
    id: int
    text: str
    document: str
    respondent: str | None
    start: int
    end: int
    position: int


def load_segments(s: Session, include_interviewer: bool = False) -> list[SegRow]:
    """Every codable segment of the project: not empty, not the interviewer's (unless asked)."""
    q = (
        select(Segment.id, Segment.text, Document.name, Case.code, Segment.start_offset, Segment.end_offset,
               Segment.position, Segment.is_interviewer)
        .join(Document, Document.id == Segment.document_id)
        .outerjoin(Case, Case.id == Segment.case_id)
        .order_by(Document.name, Segment.position)
    )
    out = []
    for sid, text, doc, resp, start, end, pos, interviewer in s.execute(q):
        if interviewer and not include_interviewer:
            continue
        if not text or not text.strip():
            continue
        out.append(SegRow(sid, text.strip(), doc, resp, start, end, pos))
    return out


@dataclass
class Evidence:
    """Human decisions: confirmed and rejected segments per code (any human coder)."""

    positive: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    negative: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    decided: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))  # segment -> codes

    def signature(self) -> str:
        h = hashlib.sha1()
        for d in (self.positive, self.negative):
            for k in sorted(d):
                h.update(f"{k}:{sorted(d[k])};".encode())
        return h.hexdigest()


def load_evidence(s: Session, codes: CodeSet) -> Evidence:
    ev = Evidence()
    q = (
        select(Coding.segment_id, Coding.code_id, Coding.status)
        .join(Coder, Coder.id == Coding.coder_id)
        .where(Coder.role != "model", Coding.status.in_(("confirmed", "rejected")))
    )
    for seg, code, status in s.execute(q):
        ev.decided[seg].add(code)
        if status == "confirmed":
            ev.positive[code].add(seg)
            for anc in codes.ancestors.get(code, ()):  # a category confirmed is its theme confirmed
                ev.positive[anc].add(seg)
        else:
            ev.negative[code].add(seg)
    return ev


def calibration_pairs(s: Session) -> tuple[np.ndarray, np.ndarray]:
    """(score when shown, accepted?) for every model suggestion a human has since decided."""
    model = s.scalar(select(Coder.id).where(Coder.name == MODEL))
    if model is None:
        return np.zeros(0), np.zeros(0, dtype=bool)
    shown = {(a, b): sc for a, b, sc in s.execute(
        select(Coding.segment_id, Coding.code_id, Coding.score).where(Coding.coder_id == model, Coding.score.is_not(None)))}
    if not shown:
        return np.zeros(0), np.zeros(0, dtype=bool)
    decisions: dict[tuple[int, int], bool] = {}
    q = (
        select(Coding.segment_id, Coding.code_id, Coding.status)
        .join(Coder, Coder.id == Coding.coder_id)
        .where(Coder.role != "model", Coding.status.in_(("confirmed", "rejected")))
    )
    for seg, code, status in s.execute(q):
        if (seg, code) in shown:
            decisions[(seg, code)] = decisions.get((seg, code), False) or status == "confirmed"
    keys = list(decisions)
    return np.array([shown[k] for k in keys], dtype=np.float64), np.array([decisions[k] for k in keys], dtype=bool)


# --------------------------------------------------------------------------- scoring


def _centre(v: np.ndarray, mu: np.ndarray) -> np.ndarray:
    v = v - mu
    n = np.linalg.norm(v, axis=1, keepdims=True)
    n[n == 0] = 1.0
    return (v / n).astype(np.float32, copy=False)


_LR_CACHE: dict[str, Any] = {}


def _classifier(key: str, Xp: np.ndarray, Xn: np.ndarray):  # type: ignore[no-untyped-def]
    """A logistic regression for one code, refitted only when its training set changed."""
    if key in _LR_CACHE:
        return _LR_CACHE[key]
    from sklearn.linear_model import LogisticRegression

    X = np.vstack([Xp, Xn])
    y = np.r_[np.ones(len(Xp)), np.zeros(len(Xn))]
    clf = LogisticRegression(C=1.0, class_weight="balanced", max_iter=200)
    clf.fit(X, y)
    if len(_LR_CACHE) > 2000:
        _LR_CACHE.clear()
    _LR_CACHE[key] = clf
    return clf


def _prior(
    X: np.ndarray, texts: list[str], codes: CodeSet, D: np.ndarray, E: np.ndarray, P: dict[int, np.ndarray],
    lemmas: list[frozenset[str]] | None = None,
) -> tuple[np.ndarray, np.ndarray, list[frozenset[str]]]:
    """Zero-shot evidence for centred segment vectors X: description, best example, parent, shared lemmas."""
    n, m = len(X), len(codes.ids)
    own = X @ D.T
    near_example = np.full((n, m), -1, dtype=np.int64)
    if len(E):
        ex_sim = X @ E.T
        ex_cols = np.array([c for c, _ in codes.examples])
        for c in np.unique(ex_cols):
            idx = np.flatnonzero(ex_cols == c)
            block = ex_sim[:, idx]
            arg = block.argmax(1)
            own[:, c] = 0.5 * own[:, c] + 0.5 * block[np.arange(n), arg]
            near_example[:, c] = idx[arg]
    prior = own.copy()
    for c, cid in enumerate(codes.ids):
        pid = codes.parent[cid]
        if pid is None:
            continue
        pc = codes.parent_col[c]
        parent_sim = own[:, pc] if pc is not None else X @ P[pid]
        prior[:, c] = (1 - PARENT_WEIGHT) * own[:, c] + PARENT_WEIGHT * parent_sim

    # shared lemmas, idf-weighted over the codebook
    if lemmas is None:
        lemmas = content_lemmas(texts)
    df: dict[str, int] = defaultdict(int)
    for lem in codes.lemmas:
        for w in lem:
            df[w] += 1
    vocab = {w: i for i, w in enumerate(df)}
    if vocab:
        idf = np.array([math.log(1 + m / df[w]) for w in vocab], dtype=np.float32)
        C = np.zeros((m, len(vocab)), dtype=np.float32)
        for c, lem in enumerate(codes.lemmas):
            C[c, [vocab[w] for w in lem]] = 1.0
        C *= idf
        norm = 1.0 + C.sum(1)
        S = np.zeros((n, len(vocab)), dtype=np.float32)
        for i, lem in enumerate(lemmas):
            hit = [vocab[w] for w in lem if w in vocab]
            if hit:
                S[i, hit] = 1.0
        prior += LEX_WEIGHT * (S @ C.T) / norm
    return prior, near_example, lemmas


_JOINT_CACHE: dict[str, tuple[np.ndarray, np.ndarray]] = {}


def fit_joint(
    Xt: np.ndarray, prior_t: np.ndarray, targets: np.ndarray, rejected: np.ndarray,
    temp: float | None = None, l2: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """One softmax model over all codes, fitted on the human decisions, with the prior as offset.

    Why joint and with an offset: with few confirmations per code (one or two), per-code models
    cannot be trained, but a single model over all codes can be, from the first two decisions;
    the zero-shot prior (scaled by `temp`) is its starting point, so codes nobody confirmed yet
    still compete with their description, and the L2 penalty keeps the learned part small
    until the evidence grows. logits = temp * prior + X W^T + b.
    `targets` (rows x codes) holds each confirmed segment's codes (rows sum to 1, or 0 for a
    segment with rejections only); `rejected` (same shape, 0/1) adds -log(1 - p) per rejection.
    Returns (W, b) in score units (already divided by temp).
    """
    from scipy.optimize import minimize

    temp = JOINT_TEMP if temp is None else temp
    l2 = JOINT_L2 if l2 is None else l2
    n, d = Xt.shape
    m = prior_t.shape[1]
    X64 = Xt.astype(np.float64)
    off = temp * prior_t.astype(np.float64)
    T = targets.astype(np.float64)
    R = rejected.astype(np.float64) * JOINT_REJECT
    has_pos = T.sum(1, keepdims=True)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        W = theta[: m * d].reshape(m, d)
        b = theta[m * d:]
        Z = off + X64 @ W.T + b
        Z -= Z.max(1, keepdims=True)
        eZ = np.exp(Z)
        Pr = eZ / eZ.sum(1, keepdims=True)
        logP = Z - np.log(eZ.sum(1, keepdims=True))
        q = np.clip(1.0 - Pr, 1e-12, None)
        f = -(T * logP).sum() - (R * np.log(q)).sum() + 0.5 * l2 * ((W * W).sum() + (b * b).sum())
        r = R * Pr / q
        G = Pr * has_pos - T + r - Pr * r.sum(1, keepdims=True)
        gW = G.T @ X64 + l2 * W
        gb = G.sum(0) + l2 * b
        return float(f), np.concatenate([gW.ravel(), gb])

    res = minimize(loss, np.zeros(m * d + m), jac=True, method="L-BFGS-B", options={"maxiter": 200})
    W = res.x[: m * d].reshape(m, d) / temp
    b = res.x[m * d:] / temp
    return W.astype(np.float32), b.astype(np.float32)


@dataclass
class Scored:
    scores: np.ndarray                # n x m
    near_seg: np.ndarray              # n x m: index into `confirmed_ids` of the nearest confirmed segment (-1 none)
    near_example: np.ndarray          # n x m: index into codes.examples of the best example (-1 none)
    rule_hits: list[dict[int, list[str]]]
    lemmas: list[frozenset[str]]


def _joint_model(
    codes: CodeSet, evidence: Evidence, corpus_mean: np.ndarray, D: np.ndarray, E: np.ndarray,
    P: dict[int, np.ndarray], seg_vec: Callable[[int], np.ndarray], seg_text: Callable[[int], str] | None,
    signature: str,
) -> tuple[np.ndarray, np.ndarray] | None:
    """The joint model for the current decisions (cached by their signature).

    None until JOINT_MIN_CODES codes have a confirmation (one confirmed code alone would only
    teach "always this code") unless there are rejections, which it can use from the first.
    """
    col = {cid: c for c, cid in enumerate(codes.ids)}
    confirmed_codes = [cid for cid, segs in evidence.positive.items() if segs and cid in col]
    rejections = any(segs for cid, segs in evidence.negative.items() if cid in col)
    if (len(confirmed_codes) < JOINT_MIN_CODES and not rejections) or seg_text is None:
        return None
    key = hashlib.sha1(f"{signature}|{codes.ids}|{evidence.signature()}|{JOINT_TEMP}|{JOINT_L2}|{JOINT_REJECT}".encode()).hexdigest()
    if key in _JOINT_CACHE:
        return _JOINT_CACHE[key]
    rows = sorted({s for d in (evidence.positive, evidence.negative) for cid, segs in d.items() if cid in col for s in segs})
    at = {sid: r for r, sid in enumerate(rows)}
    T = np.zeros((len(rows), len(codes.ids)), np.float32)
    R = np.zeros_like(T)
    for cid, segs in evidence.positive.items():
        if cid in col:
            for sid in segs:
                T[at[sid], col[cid]] = 1.0
    for cid, segs in evidence.negative.items():
        if cid in col:
            for sid in segs:
                if not T[at[sid], col[cid]]:
                    R[at[sid], col[cid]] = 1.0
    sums = T.sum(1, keepdims=True)
    T = np.divide(T, sums, out=np.zeros_like(T), where=sums > 0)
    Xt = _centre(np.vstack([seg_vec(s) for s in rows]), corpus_mean)
    prior_t, _, _ = _prior(Xt, [seg_text(s) for s in rows], codes, D, E, P)
    model = fit_joint(Xt, prior_t, T, R)
    if len(_JOINT_CACHE) > 64:
        _JOINT_CACHE.clear()
    _JOINT_CACHE[key] = model
    return model


def score_segments(
    target_vecs: np.ndarray,
    target_texts: list[str],
    corpus_mean: np.ndarray,
    codes: CodeSet,
    code_vecs: np.ndarray,
    example_vecs: np.ndarray,
    parent_vecs: dict[int, np.ndarray],
    evidence: Evidence,
    seg_vec: Callable[[int], np.ndarray],
    rules: KeywordRules | None,
    signature: str = "",
    seg_text: Callable[[int], str] | None = None,
) -> Scored:
    """Blend prior, neighbour, classifier, rejection and rule evidence into an n x m score matrix."""
    n, m = len(target_vecs), len(codes.ids)
    X = _centre(target_vecs, corpus_mean)
    code_mu = code_vecs.mean(0) if m >= 3 else corpus_mean
    D = _centre(code_vecs, code_mu)
    E = _centre(example_vecs, corpus_mean) if len(example_vecs) else np.zeros((0, X.shape[1]), np.float32)
    P = {pid: _centre(v[None, :], code_mu)[0] for pid, v in parent_vecs.items()}
    # one tokenisation pass gives both the lemmas (prior, reasons) and the keyword-rule hits
    target_lemmas, hits = analyse(target_texts, rules)
    prior, near_example, lemmas = _prior(X, target_texts, codes, D, E, P, target_lemmas)
    joint = _joint_model(codes, evidence, corpus_mean, D, E, P, seg_vec, seg_text, signature) if JOINT else None

    scores = prior.copy()
    near_seg = np.full((n, m), -1, dtype=np.int64)
    # learned evidence, per code that has any
    for c, cid in enumerate(codes.ids):
        pos = sorted(evidence.positive.get(cid, ()))
        neg = sorted(evidence.negative.get(cid, ()))
        if not pos and not neg:
            continue
        knn = None
        if pos:
            # Rocchio in score space: the code's prototype is its description (weighted as
            # ROCCHIO_PRIOR segments) plus the confirmed segments; its cosine with x expands to
            # (A * prior + sum of similarities) / |A d + sum p|, so examples, parent and lemma
            # evidence carried by the prior stay in.
            Cp = _centre(np.vstack([seg_vec(i) for i in pos]), corpus_mean)
            sims = X @ Cp.T
            norm = float(np.linalg.norm(ROCCHIO_PRIOR * D[c] + Cp.sum(0))) or 1.0
            proto = (ROCCHIO_PRIOR * prior[:, c] + sims.sum(1)) / norm
            k = min(KNN, len(pos))
            top = -np.partition(-sims, k - 1, axis=1)[:, :k] if k < len(pos) else sims
            knn = top.mean(1)
            near_seg[:, c] = np.asarray(pos)[sims.argmax(1)]
            w = len(pos) / (len(pos) + PRIOR_STRENGTH)
            scores[:, c] = proto + KNN_WEIGHT * w * (knn - proto)
            if len(pos) >= LR_MIN:
                lineage = codes.ancestors.get(cid, set()) | {d for d, a in codes.ancestors.items() if cid in a}
                others = set(neg)
                for other, segs in evidence.positive.items():
                    if other != cid and other not in lineage:
                        others.update(segs)
                others -= set(pos)
                if len(others) >= LR_MIN:
                    others_l = sorted(others)
                    Cn = _centre(np.vstack([seg_vec(i) for i in others_l]), corpus_mean)
                    key = hashlib.sha1(f"{signature}|{cid}|{pos}|{others_l}".encode()).hexdigest()
                    clf = _classifier(key, Cp, Cn)
                    p = clf.predict_proba(X)[:, 1]
                    scores[:, c] += LR_WEIGHT * w * (p - 0.5)
        if neg:
            Cn = _centre(np.vstack([seg_vec(i) for i in neg]), corpus_mean)
            rej = (X @ Cn.T).max(1)
            ref = knn if knn is not None else prior[:, c]
            scores[:, c] -= REJECT_WEIGHT * np.maximum(0.0, rej - ref)

    if joint is not None:
        W, b = joint
        scores = (1 - JOINT_BLEND) * scores + JOINT_BLEND * (prior + X @ W.T + b)

    col = {cid: c for c, cid in enumerate(codes.ids)}
    for i, h in enumerate(hits):
        for cid in h:
            scores[i, col[cid]] += RULE_BONUS
    return Scored(scores=scores, near_seg=near_seg, near_example=near_example, rule_hits=hits, lemmas=lemmas)


# --------------------------------------------------------------------------- reasons


@functools.lru_cache(maxsize=4096)
def _quote(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0] + "\u2026"
    return "\u201c" + text + "\u201d"


def _reason(
    codes: CodeSet, c: int, i: int, scored: Scored, seg_text: Callable[[int], str],
    seg_resp: Callable[[int], str | None],
) -> str:
    cid = codes.ids[c]
    parts = []
    near = int(scored.near_seg[i, c])
    ex = int(scored.near_example[i, c])
    if near >= 0:
        who = seg_resp(near)
        parts.append(f"like confirmed {_quote(seg_text(near))}" + (f" ({who})" if who else ""))
    elif ex >= 0:
        parts.append(f"like example {_quote(codes.examples[ex][1])}")
    else:
        parts.append("close to the description")
    words = shared_words(scored.lemmas[i], codes.lemmas[c])
    if words:
        parts.append("shares: " + ", ".join(words))
    kws = scored.rule_hits[i].get(cid)
    if kws:
        parts.append("keyword: " + ", ".join(_quote(k) for k in kws[:3]))
    path = codes.paths[cid]
    if len(path) > 1:
        parts.append(f"theme: {display_path(path[:-1])}")
    return "; ".join(parts)


# --------------------------------------------------------------------------- the entry point


_RULES: dict[str, KeywordRules] = {}


def _rules_for(codes: CodeSet) -> KeywordRules | None:
    if not any(codes.keywords.values()):
        return None
    sig = hashlib.sha1(repr(sorted(codes.keywords.items())).encode()).hexdigest()
    if sig not in _RULES:
        if len(_RULES) > 16:
            _RULES.clear()
        _RULES[sig] = KeywordRules(codes.keywords)
    return _RULES[sig]


def suggest(
    s: Session,
    model: Any,
    *,
    document: str | None = None,
    top_k: int = 3,
    store: bool = True,
    segment_ids: list[int] | None = None,
    progress: Progress | None = None,
    min_confidence: float = MIN_CONFIDENCE,
    include_interviewer: bool = False,
) -> list[dict[str, Any]]:
    """Rank codes for each segment (of one document, some segments, or the whole project).

    Returns, per segment in document order, {"segment_id", "document", "respondent", "start",
    "end", "text", "suggestions": [{"code", "path", "score", "confidence", "reason"}]} best
    first; an empty list means no code applies. With store=True the suggestions become the
    codings of coder "model" (status "suggested", source "model" or "rule"); human codings
    are never touched, and codes a human already confirmed or rejected on a segment are not
    suggested for it again.
    """
    if top_k < 1:
        raise CocodeError("--top-k must be at least 1")
    codes = load_codes(s)
    segs = load_segments(s, include_interviewer)
    index = {r.id: i for i, r in enumerate(segs)}
    if document is not None:
        from .project import find_document

        doc = find_document(s, document)
        targets = [i for i, r in enumerate(segs) if r.document == doc.name]
    elif segment_ids is not None:
        wanted = set(segment_ids)
        targets = [i for i, r in enumerate(segs) if r.id in wanted]
    else:
        targets = list(range(len(segs)))

    if progress:
        progress(0, len(segs), "embedding segments")
    mid = model_id(model)
    all_vecs = embed_texts(s, model, [r.text for r in segs], progress=progress)
    code_vecs = embed_texts(s, model, codes.desc_texts)
    example_vecs = embed_texts(s, model, [t for _, t in codes.examples])
    parent_ids = sorted(codes.parent_texts)
    parent_vecs = dict(zip(parent_ids, embed_texts(s, model, [codes.parent_texts[p] for p in parent_ids])))
    if not targets:
        return []
    # the corpus mean is shrunk towards zero on small corpora, where it is a poor estimate
    shrink = len(all_vecs) / (len(all_vecs) + CENTRE_SHRINK)
    corpus_mean = (all_vecs.mean(0) * shrink if len(all_vecs) else np.zeros(code_vecs.shape[1])).astype(np.float32)

    evidence = load_evidence(s, codes)
    # decided segments outside the codable set (e.g. interviewer turns a human coded) still need vectors
    extra = {sid for segs_ in list(evidence.positive.values()) + list(evidence.negative.values())
             for sid in segs_ if sid not in index}
    extra_vecs: dict[int, np.ndarray] = {}
    extra_text: dict[int, tuple[str, str | None]] = {}
    if extra:
        rows = s.execute(select(Segment.id, Segment.text, Case.code).outerjoin(Case, Case.id == Segment.case_id)
                         .where(Segment.id.in_(sorted(extra)))).all()
        rows = [r for r in rows if r[1] and r[1].strip()]
        vecs = embed_texts(s, model, [r[1].strip() for r in rows])
        for (sid, text, resp), v in zip(rows, vecs):
            extra_vecs[sid] = v
            extra_text[sid] = (text.strip(), resp)
        for d in (evidence.positive, evidence.negative):
            for k in d:
                d[k] = {x for x in d[k] if x in index or x in extra_vecs}

    def seg_vec(sid: int) -> np.ndarray:
        return all_vecs[index[sid]] if sid in index else extra_vecs[sid]

    def seg_text(sid: int) -> str:
        return segs[index[sid]].text if sid in index else extra_text[sid][0]

    def seg_resp(sid: int) -> str | None:
        return segs[index[sid]].respondent if sid in index else extra_text[sid][1]

    rules = _rules_for(codes)
    calibrate: Calibrator = fit_calibrator(*calibration_pairs(s))
    signature = f"{mid}|{len(segs)}|{float(corpus_mean.sum()):.6f}"

    results: list[dict[str, Any]] = []
    desired: dict[tuple[int, int], tuple[float, float, str, str]] = {}
    for start in range(0, len(targets), CHUNK):
        block = targets[start : start + CHUNK]
        if progress:
            progress(start, len(targets), "ranking")
        scored = score_segments(
            all_vecs[block], [segs[i].text for i in block], corpus_mean, codes, code_vecs, example_vecs,
            parent_vecs, evidence, seg_vec, rules, signature, seg_text,
        )
        conf = calibrate(scored.scores).reshape(scored.scores.shape)
        # candidates per row: the best top_k + a margin for parent/child clashes (rows with decided codes: all)
        width = min(len(codes.ids), top_k + 8)
        part = np.argpartition(-scored.scores, width - 1, axis=1)[:, :width] if width < len(codes.ids) else \
            np.tile(np.arange(len(codes.ids)), (len(block), 1))
        part_scores = np.take_along_axis(scored.scores, part, 1)
        order = np.take_along_axis(part, np.argsort(-part_scores, axis=1, kind="stable"), 1)
        order_list = order.tolist()
        ok_list = (np.take_along_axis(conf, order, 1) >= min_confidence).tolist()
        for bi, i in enumerate(block):
            row = segs[i]
            decided = evidence.decided.get(row.id, ())
            chosen: list[int] = []
            chosen_ids: set[int] = set()
            row_order = order_list[bi]
            if len(row_order) < len(codes.ids) and decided:
                row_order = np.argsort(-scored.scores[bi], kind="stable").tolist()
                row_ok = (conf[bi, row_order] >= min_confidence).tolist()
            else:
                row_ok = ok_list[bi]
            for c, ok in zip(row_order, row_ok):
                if len(chosen) >= top_k or not ok:
                    break
                cid = codes.ids[c]
                if cid in decided:
                    continue
                if chosen_ids and (codes.ancestors[cid] & chosen_ids or any(cid in codes.ancestors[o] for o in chosen_ids)):
                    continue
                chosen.append(c)
                chosen_ids.add(cid)
            suggestions = []
            for c in chosen:
                cid = codes.ids[c]
                reason = _reason(codes, c, bi, scored, seg_text, seg_resp)
                source = "rule" if cid in scored.rule_hits[bi] else "model"
                score = round(float(scored.scores[bi, c]), 4)
                confidence = round(float(conf[bi, c]), 4)
                suggestions.append({
                    "code": codes.paths[cid][-1], "path": display_path(codes.paths[cid]), "score": score,
                    "confidence": confidence, "reason": reason, "code_id": cid, "source": source,
                })
                desired[(row.id, cid)] = (score, confidence, reason, source)
            results.append({
                "segment_id": row.id, "document": row.document, "respondent": row.respondent,
                "start": row.start, "end": row.end, "text": row.text, "suggestions": suggestions,
            })
    if progress:
        progress(len(targets), len(targets), "ranked")
    if store:
        _store(s, {segs[i].id for i in targets}, desired, evidence)
    return results


def _store(s: Session, target_ids: set[int], desired: dict[tuple[int, int], tuple[float, float, str, str]],
           evidence: Evidence) -> None:
    """Make the model's stored suggestions for these segments match `desired`, touching only what moved.

    Only rows of coder "model" with status "suggested" are deleted or changed; a model row on a
    code a human has decided stays as the record of what the machine said when it was shown.
    """
    model = get_coder(s, MODEL)
    existing: dict[tuple[int, int], tuple[int, str, float | None, float | None, str | None, str]] = {}
    q = select(Coding.id, Coding.segment_id, Coding.code_id, Coding.status, Coding.score, Coding.confidence,
               Coding.reason, Coding.source).where(Coding.coder_id == model.id)
    for cid_, seg, code, status, score, conf, reason, source in s.execute(q):
        if seg in target_ids:
            existing[(seg, code)] = (cid_, status, score, conf, reason, source)
    to_delete: list[int] = []
    to_update: dict[int, tuple[float, float, str, str]] = {}
    for key, (row_id, status, score, conf, reason, source) in existing.items():
        if key[1] in evidence.decided.get(key[0], ()) or status != "suggested":
            continue
        want = desired.get(key)
        if want is None:
            to_delete.append(row_id)
        elif (score is None or abs(score - want[0]) >= TOLERANCE or conf is None or abs(conf - want[1]) >= 2 * TOLERANCE
              or source != want[3] or reason != want[2]):
            to_update[row_id] = want
    new = [(seg, code, w) for (seg, code), w in desired.items() if (seg, code) not in existing]
    ids = to_delete + list(to_update)
    for i in range(0, len(ids), 900):
        for row in s.scalars(select(Coding).where(Coding.id.in_(ids[i : i + 900]))):
            if row.id in to_update:
                row.score, row.confidence, row.reason, row.source = to_update[row.id]
            else:
                s.delete(row)
    s.flush()
    _insert_suggestions(s, model.id, new)


_INSERT_CHUNK = 2000


def _insert_suggestions(s: Session, model_id_: int, new: list[tuple[int, int, tuple[float, float, str, str]]]) -> None:
    """Insert new model suggestions in bulk, each with the audit event the ORM hook would have written.

    Why not the ORM: a cold run writes one row per suggestion (13,000 for 5,000 segments), and the
    unit of work spent more time on them than all the scoring. A Core insert bypasses the
    after_flush hook (models.audit), so the same "create" events are written here, in the same
    transaction, with the same payload: every column of the new row, as the hook records it.
    """
    if not new:
        return
    actor = s.info.get("actor") or "system"
    columns = [c.key for c in inspect(Coding).column_attrs]
    table = Coding.__table__
    for i in range(0, len(new), _INSERT_CHUNK):
        now = utcnow()
        rows = [
            {"segment_id": seg, "code_id": code, "coder_id": model_id_, "status": "suggested", "source": w[3],
             "score": w[0], "confidence": w[1], "reason": w[2], "label": None, "starred": False, "version": 1,
             "created_at": now, "updated_at": now}
            for seg, code, w in new[i : i + _INSERT_CHUNK]
        ]
        ids = s.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows).scalars().all()
        stamp = now.isoformat()
        events = []
        for row, row_id in zip(rows, ids):
            after = {k: row.get(k) for k in columns}   # the hook's key order: the mapper's columns
            after.update(id=row_id, created_at=stamp, updated_at=stamp)
            events.append({"at": now, "actor": actor, "action": "create", "entity": "coding", "entity_id": row_id,
                           "before": None, "after": after})
        s.execute(insert(AuditEvent), events)


def suggestions_for(s: Session, segment_id: int) -> list[dict[str, Any]]:
    """The stored suggestions of one segment for the UI, best first, without those a human already decided."""
    model = s.scalar(select(Coder.id).where(Coder.name == MODEL))
    if model is None:
        return []
    decided = set(s.scalars(
        select(Coding.code_id).join(Coder, Coder.id == Coding.coder_id)
        .where(Coding.segment_id == segment_id, Coder.role != "model", Coding.status.in_(("confirmed", "rejected")))
    ))
    paths = code_paths(s)
    rows = s.execute(
        select(Coding).where(Coding.segment_id == segment_id, Coding.coder_id == model, Coding.status == "suggested")
    ).scalars()
    out = [
        {"coding_id": r.id, "code_id": r.code_id, "code": paths[r.code_id][-1], "path": display_path(paths[r.code_id]),
         "score": r.score, "confidence": r.confidence, "reason": r.reason, "source": r.source, "version": r.version}
        for r in rows if r.code_id not in decided
    ]
    out.sort(key=lambda d: -(d["score"] if d["score"] is not None else -1e9))
    return out


def iter_codes(results: Iterable[dict[str, Any]]) -> Iterable[tuple[int, str]]:
    """(segment id, path) of every suggestion in a result list: handy for tests and exports."""
    for r in results:
        for sug in r["suggestions"]:
            yield r["segment_id"], sug["path"]
