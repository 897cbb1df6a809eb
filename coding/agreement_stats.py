"""Inter-coder agreement statistics as pure functions on numpy arrays.

Why our own implementations next to sklearn and the `krippendorff` package: the
project-wide report needs every statistic for 60 codes × tens of thousands of units
in well under a second, which calling the libraries once per code and pair cannot
do. The tests pin these functions to the libraries and to published worked examples.

Conventions: a reliability matrix is coders × units, ``np.nan`` where a coder gave no
value for a unit. A statistic that is mathematically undefined (no variation, no
pairable units) is returned as ``None``, never 0 or NaN, so callers must say why.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

EPS = 1e-12


def _matrix(matrix: Any) -> np.ndarray:
    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2:
        raise ValueError("a reliability matrix is 2-D: coders × units")
    return m


def _value_counts(m: np.ndarray, categories: Sequence[float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(categories, counts[category, unit]): how many coders gave each value to each unit."""
    cats = np.unique(m[~np.isnan(m)]) if categories is None else np.asarray(categories, dtype=float)
    counts = (m[None, :, :] == cats[:, None, None]).sum(axis=1).astype(float)
    return cats, counts


def percent_agreement(matrix: Any) -> float | None:
    """Mean over units with ≥ 2 values of the share of coder pairs that agree (the plain two-coder match rate)."""
    _, n = _value_counts(_matrix(matrix))
    m = n.sum(axis=0)
    ok = m >= 2
    if not ok.any():
        return None
    agree = (n[:, ok] * (n[:, ok] - 1)).sum(axis=0)
    return float(np.mean(agree / (m[ok] * (m[ok] - 1))))


def cohen_kappa(a: Any, b: Any) -> float | None:
    """Cohen's κ for two coders over the units both coded; None when chance agreement is 1 (no variation)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    both = ~np.isnan(a) & ~np.isnan(b)
    a, b = a[both], b[both]
    if a.size == 0:
        return None
    cats = np.unique(np.concatenate([a, b]))
    pa = (a[:, None] == cats[None, :]).mean(axis=0)
    pb = (b[:, None] == cats[None, :]).mean(axis=0)
    po = float(np.mean(a == b))
    pe = float(np.sum(pa * pb))
    if 1.0 - pe <= EPS:
        return None
    return (po - pe) / (1.0 - pe)


def alpha_nominal(matrix: Any) -> float | None:
    """Krippendorff's α for nominal data with missing values (coincidence-matrix form).

    Units with fewer than two values are not pairable and drop out. None when fewer than
    two pairable values exist or only one value occurs (expected disagreement 0).
    """
    _, n = _value_counts(_matrix(matrix))
    m = n.sum(axis=0)
    ok = m >= 2
    n, m = n[:, ok], m[ok]
    total = m.sum()
    if total < 2:
        return None
    # observed agreement: coincidences o_cc = Σ_u n_cu (n_cu − 1) / (m_u − 1)
    o_cc = (n * (n - 1) / (m - 1)).sum()
    n_c = n.sum(axis=1)
    d_o = 1.0 - o_cc / total
    d_e = 1.0 - float((n_c * (n_c - 1)).sum()) / (total * (total - 1))
    if d_e <= EPS:
        return None
    return float(1.0 - d_o / d_e)


def gwet_ac1(matrix: Any, categories: Sequence[float] | None = None) -> float | None:
    """Gwet's AC1 (Gwet 2008, multi-rater form); `categories` defaults to the values observed.

    Agreement p_a over units with ≥ 2 values; category prevalence π_k over units with ≥ 1;
    chance p_e = Σ π_k (1 − π_k) / (Q − 1). None with fewer than two categories or no units.
    """
    cats, n = _value_counts(_matrix(matrix), categories)
    q = len(cats)
    m = n.sum(axis=0)
    pairable = m >= 2
    if q < 2 or not pairable.any():
        return None
    pa = float(np.mean((n[:, pairable] * (n[:, pairable] - 1)).sum(axis=0) / (m[pairable] * (m[pairable] - 1))))
    rated = m >= 1
    pi = (n[:, rated] / m[rated]).mean(axis=1)
    pe = float((pi * (1 - pi)).sum() / (q - 1))
    if 1.0 - pe <= EPS:
        return None
    return (pa - pe) / (1.0 - pe)


# --- vectorised binary form: every code at once, from the sparse list of applications ---------
#
# Every statistic for a binary code is a sum over units of a function of (coders who saw the
# unit, coders who applied the code). Units where nobody applied the code contribute a
# constant, so only the applications (a few per segment) are visited: O(codings), not
# O(codes × coders × units). The same sufficient statistics summed over codes give the
# pooled values (every segment × code decision one unit).


def binary_counts(k: np.ndarray, c: np.ndarray, u: np.ndarray, seen: np.ndarray, n_codes: int) -> dict[str, Any]:
    """Sufficient statistics per code from applications (code k, coder c, unit u) and seen (bool C × U)."""
    n_c, n_u = seen.shape
    k, c, u = (np.asarray(x, dtype=np.int64) for x in (k, c, u))
    ok = seen[c, u] if k.size else np.zeros(0, dtype=bool)
    k, c, u = k[ok], c[ok], u[ok]
    triple = np.unique((k * n_u + u) * n_c + c)  # de-duplicated applications
    c = triple % n_c
    ku, inv = np.unique(triple // n_c, return_inverse=True)
    n1 = np.bincount(inv, minlength=ku.size).astype(float)  # coders applying, per (code, unit)
    mask = np.bincount(inv, weights=(1 << c).astype(float), minlength=ku.size).astype(np.int64)
    kk, uu = ku // n_u, ku % n_u
    m = seen.sum(axis=0)
    pairable, complete = m >= 2, m == n_c
    mu = m[uu].astype(float)
    p, q = pairable[uu], complete[uu]

    def per_code(sel: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(kk[sel], weights=None if w is None else w[sel], minlength=n_codes).astype(float)

    with np.errstate(divide="ignore", invalid="ignore"):
        o01 = np.where(mu > 1, n1 * (mu - n1) / (mu - 1), 0.0)
    pairs = n_c * (n_c - 1)
    disagree = 1.0 - (n1 * (n1 - 1) + (n_c - n1) * (n_c - n1 - 1)) / pairs if pairs else np.zeros_like(n1)
    bits = [(mask >> j) & 1 for j in range(n_c)]
    full = np.ones(n_codes)
    return {
        "coders": n_c,
        "total": full * float(m[pairable].sum()),  # pairable values (α's n), the same for every code
        "n1": per_code(p, n1),  # pairable values that are "applied"
        "o01": per_code(p, o01),  # observed 0–1 coincidences
        "nc": full * float(complete.sum()),  # complete units
        "disagree": per_code(q, disagree),  # Σ over complete units of the share of disagreeing pairs
        "applied": np.stack([per_code(q, b.astype(float)) for b in bits], axis=1) if n_c else np.zeros((n_codes, 0)),
        "both": {(i, j): per_code(q, (bits[i] & bits[j]).astype(float)) for i in range(n_c) for j in range(i + 1, n_c)},
        "any": per_code(q),
        "alpha_units": int(pairable.sum()),
        "complete_units": int(complete.sum()),
        "entries": {"code": kk, "unit": uu, "n1": n1, "mask": mask, "complete": q},
    }


def pool(counts: dict[str, Any]) -> dict[str, Any]:
    """The counts of all codes summed: one binary variable over every segment × code decision."""
    out = dict(counts)
    for key in ("total", "n1", "o01", "nc", "disagree", "any"):
        out[key] = counts[key].sum(keepdims=True)
    out["applied"] = counts["applied"].sum(axis=0, keepdims=True)
    out["both"] = {p: v.sum(keepdims=True) for p, v in counts["both"].items()}
    out["complete_units"] = int(counts["nc"].sum())
    return out


def stats_from_counts(ct: dict[str, Any]) -> dict[str, Any]:
    """α, percent agreement, AC1 and κ per pair (arrays; NaN = undefined) from binary_counts()."""
    n_c = ct["coders"]
    total, n1, nc = ct["total"], ct["n1"], ct["nc"]
    n0 = total - n1
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = n0 * n1
        alpha = np.where((denom > 0) & (total >= 2), 1.0 - (total - 1) * ct["o01"] / np.where(denom > 0, denom, 1), np.nan)
        has = nc > 0
        pct = np.where(has, 1.0 - ct["disagree"] / np.where(has, nc, 1), np.nan)
        rate = ct["applied"] / np.where(has, nc, 1)[:, None]  # share of complete units each coder applied it to
        pi1 = rate.mean(axis=1) if n_c else np.full_like(nc, np.nan)
        pe = 2 * pi1 * (1 - pi1)
        ac1 = np.where(has, (pct - pe) / (1 - pe), np.nan)
        kappa = {}
        for (i, j), both in ct["both"].items():
            pa, pb = rate[:, i], rate[:, j]
            po = 1.0 - (ct["applied"][:, i] + ct["applied"][:, j] - 2 * both) / np.where(has, nc, 1)
            pe_k = pa * pb + (1 - pa) * (1 - pb)
            ok = has & (1 - pe_k > EPS)
            kappa[(i, j)] = np.where(ok, (po - pe_k) / np.where(ok, 1 - pe_k, 1), np.nan)
    return {
        "alpha": alpha, "percent": pct, "ac1": ac1, "kappa": kappa,
        "complete_units": ct["complete_units"], "alpha_units": ct["alpha_units"],
        "n1_alpha": n1, "n0_alpha": n0, "applied_complete": ct["applied"], "any_complete": ct["any"],
    }


def binary_stats(applied: np.ndarray, seen: np.ndarray) -> dict[str, Any]:
    """All statistics for K binary codes from a dense K × C × U bool array (convenience for small data).

    α uses every unit seen by ≥ 2 coders; percent agreement, κ and AC1 the complete units.
    """
    k, c, u = np.nonzero(applied)
    return stats_from_counts(binary_counts(k, c, u, seen, applied.shape[0]))


def verdict(alpha: float | None) -> str:
    """The field's reading of α (Krippendorff 2004): ≥ .800 reliable, ≥ .667 tentative."""
    if alpha is None:
        return "undefined"
    if alpha >= 0.800:
        return "reliable"
    if alpha >= 0.667:
        return "tentative"
    return "unreliable"
