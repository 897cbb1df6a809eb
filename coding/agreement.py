"""Inter-coder agreement and the list of disagreements, for any two or more coders (the machine included).

Units are segments. A coder has *seen* a document when they have any coding in it (any
status): not applying a code to a seen segment is a decision "not this code"; a segment in a
document the coder never opened is missing data, not a "no". Percent agreement, Cohen's κ and
Gwet's AC1 use only the units every compared coder has seen (``units``); Krippendorff's α
also uses units seen by at least two of them (α allows missing data). Interviewer turns are
left out unless a compared coder applied a code to one. Which rows are a coder's "applied" decisions:
confirmed codings; for the machine (role model) its suggestions as well.

Statistics come from coding.agreement_stats (vectorised, checked against sklearn and the
krippendorff package in the tests). Undefined values are None with a note saying why.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from models import Case, Coder, Coding, Document, Segment

from .agreement_stats import binary_counts, pool, stats_from_counts, verdict
from .counting import code_tree, read_frame
from .errors import CocodeError
from .project import find_document


@dataclass
class Matrix:
    """What the statistics need: who, which units, which codes, and the K × C × U decisions."""

    coders: list[str]
    unit_ids: np.ndarray  # U segment ids (document, position order)
    code_ids: list[int]  # K, tree order
    code_names: list[str]
    k: np.ndarray  # applications: code index,
    c: np.ndarray  # coder index,
    u: np.ndarray  # unit index (sparse: a K × C × U array would be mostly False)
    seen: np.ndarray  # bool C × U
    excluded_units: int
    doc_ids: list[int] | None  # the documents asked for (None: all)

    def counts(self) -> dict[str, Any]:
        return binary_counts(self.k, self.c, self.u, self.seen, len(self.code_ids))


def _coders(s: Session, coders: list[str]) -> pd.DataFrame:
    names = list(dict.fromkeys(c.strip() for c in coders if c and c.strip()))
    if len(names) < 2:
        raise CocodeError("agreement needs two or more different coders (e.g. --coders alice,bob)")
    rows = s.execute(select(Coder.id, Coder.name, Coder.role).where(Coder.name.in_(names))).all()
    found = {r.name: r for r in rows}
    missing = [n for n in names if n not in found]
    if missing:
        known = ", ".join(s.scalars(select(Coder.name).order_by(Coder.name))) or "none yet"
        raise CocodeError(f"no coder named {', '.join(map(repr, missing))} (coders: {known})")
    return pd.DataFrame([(found[n].id, n, found[n].role) for n in names], columns=["coder_id", "name", "role"])


def build_matrix(s: Session, coders: list[str], documents: list[str] | None = None,
                 codes: list[int] | None = None) -> Matrix:
    """Read segments and the coders' codings (two queries) and lay them out as arrays."""
    who = _coders(s, coders)
    doc_ids = [find_document(s, d).id for d in documents] if documents else None
    seg_q = select(Segment.id, Segment.document_id, Segment.is_interviewer).order_by(Segment.document_id, Segment.position)
    ids = who["coder_id"].tolist()
    models = who.loc[who["role"] == "model", "coder_id"].tolist()
    applied = Coding.status == "confirmed"
    if models:
        applied = or_(applied, and_(Coding.coder_id.in_(models), Coding.status == "suggested"))
    app_q = select(Coding.segment_id, Coding.code_id, Coding.coder_id).where(Coding.coder_id.in_(ids), applied)
    seen_q = (select(Coding.coder_id, Segment.document_id).join(Segment, Segment.id == Coding.segment_id)
              .where(Coding.coder_id.in_(ids)).distinct())
    if doc_ids is not None:
        seg_q = seg_q.where(Segment.document_id.in_(doc_ids))
        app_q = app_q.join(Segment, Segment.id == Coding.segment_id).where(Segment.document_id.in_(doc_ids))
        seen_q = seen_q.where(Segment.document_id.in_(doc_ids))
    segs = read_frame(s, seg_q, ["segment_id", "document_id", "is_interviewer"])
    app = read_frame(s, app_q, ["segment_id", "code_id", "coder_id"])
    seen_docs = read_frame(s, seen_q, ["coder_id", "document_id"])
    c_index = pd.Index(who["coder_id"])
    app["c"] = c_index.get_indexer(app["coder_id"])
    seen_docs["c"] = c_index.get_indexer(seen_docs["coder_id"])

    # units: respondent segments, plus any interviewer segment a compared coder applied a code to
    coded = segs["segment_id"].isin(app["segment_id"])
    segs = segs[~segs["is_interviewer"].fillna(False).astype(bool) | coded].reset_index(drop=True)
    n_c = len(who)
    seen = np.zeros((n_c, len(segs)), dtype=bool)
    for c, docs in seen_docs.groupby("c")["document_id"]:
        seen[c] = segs["document_id"].isin(docs).to_numpy()
    keep = seen.any(axis=0)
    complete = seen.all(axis=0)
    excluded = int(len(segs) - complete.sum())
    segs, seen = segs[keep].reset_index(drop=True), seen[:, keep]

    tree = code_tree(s)
    if codes is not None:
        unknown = [c for c in codes if c not in tree.index]
        if unknown:
            raise CocodeError(f"no code with id {unknown[0]}")
        chosen = tree.loc[list(codes)]
    else:
        used = set(app["code_id"])
        chosen = tree[tree["codable"] | tree["code_id"].isin(used)]
    k_index = pd.Index(chosen["code_id"])
    u_index = pd.Index(segs["segment_id"])
    k, u = k_index.get_indexer(app["code_id"]), u_index.get_indexer(app["segment_id"])
    ok = (k >= 0) & (u >= 0)
    return Matrix(
        coders=who["name"].tolist(), unit_ids=u_index.to_numpy(), code_ids=[int(x) for x in k_index],
        code_names=chosen["code"].tolist(), k=k[ok], c=app["c"].to_numpy()[ok], u=u[ok], seen=seen,
        excluded_units=excluded, doc_ids=doc_ids,
    )


def _num(x: Any) -> float | None:
    return None if x is None or (isinstance(x, float) and np.isnan(x)) or (isinstance(x, np.floating) and np.isnan(x)) else float(x)


def _pair(a: str, b: str) -> str:
    return f"{a}|{b}"


def _summary(st: dict[str, Any], coders: list[str], i: int) -> dict[str, Any]:
    """One code's (or the pooled) statistics as JSON-safe values, with a note for whatever is undefined."""
    alpha = _num(st["alpha"][i])
    kappa = {_pair(coders[a], coders[b]): _num(v[i]) for (a, b), v in st["kappa"].items()}
    notes = []
    nc = st["complete_units"]
    if nc == 0:
        notes.append("no segment was seen by every compared coder: percent agreement, κ and AC1 undefined")
    if st["alpha_units"] == 0:
        notes.append("no segment was seen by two or more compared coders: α undefined")
    elif alpha is None:
        if st["n1_alpha"][i] == 0:
            notes.append("nobody applied this code to the compared segments: no variation, so α and κ are undefined")
        elif st["n0_alpha"][i] == 0:
            notes.append("every coder applied this code to every compared segment: no variation, so α and κ are undefined")
    if nc and alpha is not None:
        bad = [p for p, v in kappa.items() if v is None]
        if bad:
            notes.append(f"κ undefined for {', '.join(bad)}: each of the two made the same choice on every segment "
                         "(chance agreement 1)")
    return {
        "percent_agreement": _num(st["percent"][i]),
        "cohen_kappa": kappa,
        "krippendorff_alpha": alpha,
        "gwet_ac1": _num(st["ac1"][i]),
        "verdict": verdict(alpha),
        "n_positive": int(st["any_complete"][i]),
        "applied": {c: int(st["applied_complete"][i][j]) for j, c in enumerate(coders)},
        "note": "; ".join(notes) or None,
    }


def _macro(per_code: list[dict[str, Any]], coders: list[str]) -> dict[str, Any]:
    """Unweighted mean over codes where the statistic is defined (how many: `codes_defined`)."""

    def mean(values: list[float | None]) -> float | None:
        v = [x for x in values if x is not None]
        return float(np.mean(v)) if v else None

    alphas = [p["krippendorff_alpha"] for p in per_code]
    pairs = list(per_code[0]["cohen_kappa"]) if per_code else []
    alpha = mean(alphas)
    return {
        "percent_agreement": mean([p["percent_agreement"] for p in per_code]),
        "cohen_kappa": {p: mean([c["cohen_kappa"][p] for c in per_code]) for p in pairs},
        "krippendorff_alpha": alpha,
        "gwet_ac1": mean([p["gwet_ac1"] for p in per_code]),
        "verdict": verdict(alpha),
        "codes_defined": sum(a is not None for a in alphas),
        "codes": len(per_code),
    }


def agreement(s: Session, coders: list[str], documents: list[str] | None = None,
              codes: list[int] | None = None) -> dict[str, Any]:
    """Per code and pooled: percent agreement, Cohen's κ per pair, Krippendorff's α, Gwet's AC1, verdict.

    "pooled"."pooled" treats every segment × code decision as one unit of one binary variable;
    "pooled"."macro" is the plain mean of the per-code values. JSON-safe (no NaN).
    """
    mx = build_matrix(s, coders, documents, codes)
    counts = mx.counts()
    st = stats_from_counts(counts)
    per_code = [{"code": name, "code_id": cid, **_summary(st, mx.coders, i)}
                for i, (cid, name) in enumerate(zip(mx.code_ids, mx.code_names))]
    pooled_st = stats_from_counts(pool(counts))
    pooled = _summary(pooled_st, mx.coders, 0)
    pooled.pop("n_positive")
    pooled["decisions"] = int(pooled_st["complete_units"])
    return {
        "units": int(st["complete_units"]),
        "alpha_units": int(st["alpha_units"]),
        "excluded_units": mx.excluded_units,
        "coders": mx.coders,
        "per_code": per_code,
        "pooled": {"macro": _macro(per_code, mx.coders), "pooled": pooled},
    }


def disagreements(s: Session, coders: list[str], documents: list[str] | None = None) -> list[dict[str, Any]]:
    """Every segment × code (on segments all the coders saw) where some applied the code and some did not,
    with the segment text, who did what, and the supervisor's decision if already adjudicated
    ("applied", "not applied" or None). Ordered by document, position and code (tree order)."""
    mx = build_matrix(s, coders, documents)
    e = mx.counts()["entries"]
    differ = e["complete"] & (e["n1"] < len(mx.coders))  # some applied (an entry), not all
    if not differ.any():
        return []
    found = pd.DataFrame({
        "segment_id": mx.unit_ids[e["unit"][differ]],
        "k": e["code"][differ],
        "mask": e["mask"][differ],
    })
    ids = found["segment_id"].unique().tolist()
    q = (
        select(Segment.id, Document.name, Segment.position, Case.code, Segment.text)
        .join(Document, Document.id == Segment.document_id)
        .outerjoin(Case, Case.id == func.coalesce(Segment.case_id, Document.case_id))
    )
    # a long IN list costs more to compile than reading the documents' segments outright
    if len(ids) <= 500:
        q = q.where(Segment.id.in_(ids))
    elif mx.doc_ids is not None:
        q = q.where(Segment.document_id.in_(mx.doc_ids))
    info = read_frame(s, q, ["segment_id", "document", "position", "respondent", "text"])
    found = found.merge(info, on="segment_id", how="left")
    cq = (
        select(Coding.segment_id, Coding.code_id, Coding.status)
        .join(Coder, Coder.id == Coding.coder_id)
        .where(Coder.role == "consensus", or_(Coding.status == "confirmed", Coding.status == "rejected"))
    )
    decided = read_frame(s, cq, ["segment_id", "code_id", "consensus"])
    decided["consensus"] = decided["consensus"].map({"confirmed": "applied", "rejected": "not applied"})
    found["code_id"] = np.asarray(mx.code_ids, dtype=np.int64)[found["k"].to_numpy()]
    found = found.merge(decided, on=["segment_id", "code_id"], how="left")
    found = found.sort_values(["document", "position", "k"], kind="stable")
    names = mx.code_names
    by_mask = {m: ([c for j, c in enumerate(mx.coders) if (m >> j) & 1], [c for j, c in enumerate(mx.coders) if not (m >> j) & 1])
               for m in found["mask"].unique().tolist()}
    cols = [found[c].tolist() for c in ("segment_id", "document", "position", "respondent", "text", "code_id", "k", "mask", "consensus")]
    return [
        {"segment_id": sid, "document": doc, "position": pos, "respondent": None if pd.isna(resp) else resp, "text": text,
         "code_id": cid, "code": names[k], "applied_by": list(by_mask[m][0]), "not_applied_by": list(by_mask[m][1]),
         "consensus": None if pd.isna(dec) else dec}
        for sid, doc, pos, resp, text, cid, k, m, dec in zip(*cols)
    ]
