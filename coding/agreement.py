"""Inter-coder agreement and the list of disagreements, for any two or more coders (the machine included).

Units are segments. A coder has *seen* a document when they have any coding in it (any
status): not applying a code to a seen segment is a decision "not this code"; a segment in a
document the coder never opened is missing data, not a "no". Percent agreement, Cohen's κ and
Gwet's AC1 use only the units every compared coder has seen (``units``); Krippendorff's α
also uses units seen by at least two of them (α allows missing data). Interviewer turns are
left out unless a compared coder coded one. Which rows are a coder's "applied" decisions:
confirmed codings; for the machine (role model) its suggestions as well.

Statistics come from coding.agreement_stats (vectorised, checked against sklearn and the
krippendorff package in the tests). Undefined values are None with a note saying why.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models import Case, Coder, Coding, Document, Segment

from .agreement_stats import binary_stats, verdict
from .counting import code_tree
from .errors import CocodeError
from .project import find_document


@dataclass
class Matrix:
    """What the statistics need: who, which units, which codes, and the K × C × U decisions."""

    coders: list[str]
    unit_ids: np.ndarray  # U segment ids (document, position order)
    code_ids: list[int]  # K, tree order
    code_names: list[str]
    applied: np.ndarray  # bool K × C × U
    seen: np.ndarray  # bool C × U
    excluded_units: int


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
    cod_q = (
        select(Coding.segment_id, Coding.code_id, Coding.coder_id, Coding.status, Segment.document_id)
        .join(Segment, Segment.id == Coding.segment_id)
        .where(Coding.coder_id.in_(who["coder_id"].tolist()))
    )
    if doc_ids is not None:
        seg_q = seg_q.where(Segment.document_id.in_(doc_ids))
        cod_q = cod_q.where(Segment.document_id.in_(doc_ids))
    segs = pd.DataFrame([tuple(r) for r in s.execute(seg_q)], columns=["segment_id", "document_id", "is_interviewer"])
    cods = pd.DataFrame([tuple(r) for r in s.execute(cod_q)],
                        columns=["segment_id", "code_id", "coder_id", "status", "document_id"])

    c_index = pd.Index(who["coder_id"])
    cods["c"] = c_index.get_indexer(cods["coder_id"])
    model = cods["coder_id"].isin(who.loc[who["role"] == "model", "coder_id"])
    cods["applied"] = (cods["status"] == "confirmed") | (model & (cods["status"] == "suggested"))

    # units: respondent segments, plus any interviewer segment a compared coder coded
    coded = segs["segment_id"].isin(cods["segment_id"])
    segs = segs[~segs["is_interviewer"].fillna(False).astype(bool) | coded].reset_index(drop=True)
    seen_docs = cods[["c", "document_id"]].drop_duplicates()
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
        used = set(cods.loc[cods["applied"], "code_id"])
        chosen = tree[tree["codable"] | tree["code_id"].isin(used)]
    k_index = pd.Index(chosen["code_id"])
    u_index = pd.Index(segs["segment_id"])
    app = cods[cods["applied"]]
    k, u = k_index.get_indexer(app["code_id"]), u_index.get_indexer(app["segment_id"])
    ok = (k >= 0) & (u >= 0)
    applied = np.zeros((len(k_index), n_c, len(u_index)), dtype=bool)
    applied[k[ok], app["c"].to_numpy()[ok], u[ok]] = True
    return Matrix(
        coders=who["name"].tolist(), unit_ids=u_index.to_numpy(), code_ids=[int(x) for x in k_index],
        code_names=chosen["code"].tolist(), applied=applied, seen=seen, excluded_units=excluded,
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
    st = binary_stats(mx.applied, mx.seen)
    per_code = [{"code": name, "code_id": cid, **_summary(st, mx.coders, i)}
                for i, (cid, name) in enumerate(zip(mx.code_ids, mx.code_names))]
    k, c, u = mx.applied.shape
    flat = mx.applied.transpose(1, 0, 2).reshape(1, c, k * u)
    pooled_st = binary_stats(flat, np.tile(mx.seen, (1, k)))
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
    with the segment text, who did what, and the supervisor's decision if already adjudicated."""
    mx = build_matrix(s, coders, documents)
    complete = mx.seen.all(axis=0)
    n1 = mx.applied[:, :, complete].sum(axis=1)
    ks, us = np.nonzero((n1 > 0) & (n1 < len(mx.coders)))
    if ks.size == 0:
        return []
    units = mx.unit_ids[complete]
    seg_ids = units[us]
    wanted = sorted({int(x) for x in seg_ids})
    info: dict[int, tuple] = {}
    decided: dict[tuple[int, int], str] = {}
    for i in range(0, len(wanted), 5000):
        chunk = wanted[i:i + 5000]
        q = (
            select(Segment.id, Document.name, Segment.position, Case.code, Segment.text)
            .join(Document, Document.id == Segment.document_id)
            .outerjoin(Case, Case.id == func.coalesce(Segment.case_id, Document.case_id))
            .where(Segment.id.in_(chunk))
        )
        info.update({r[0]: tuple(r) for r in s.execute(q)})
        cq = (
            select(Coding.segment_id, Coding.code_id, Coding.status)
            .join(Coder, Coder.id == Coding.coder_id)
            .where(Coder.role == "consensus", Coding.segment_id.in_(chunk),
                   or_(Coding.status == "confirmed", Coding.status == "rejected"))
        )
        decided.update({(r[0], r[1]): r[2] for r in s.execute(cq)})
    complete_idx = np.nonzero(complete)[0]
    out = []
    for k, u, sid in zip(ks.tolist(), us.tolist(), seg_ids.tolist()):
        flags = mx.applied[k, :, complete_idx[u]]
        _, doc, pos, resp, text = info[sid]
        cid = mx.code_ids[k]
        out.append({
            "segment_id": sid, "document": doc, "position": pos, "respondent": resp, "text": text,
            "code_id": cid, "code": mx.code_names[k],
            "applied_by": [c for c, f in zip(mx.coders, flags) if f],
            "not_applied_by": [c for c, f in zip(mx.coders, flags) if not f],
            "consensus": {"confirmed": "applied", "rejected": "not applied"}.get(decided.get((sid, cid), ""), None),
        })
    order = {cid: i for i, cid in enumerate(mx.code_ids)}
    out.sort(key=lambda d: (d["document"], d["position"], order[d["code_id"]]))
    return out
