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


# --- vectorised binary form: every code at once ------------------------------------------------


def binary_stats(applied: np.ndarray, seen: np.ndarray) -> dict[str, Any]:
    """All statistics for K binary codes at once.

    applied: bool K × C × U (code applied by coder to unit); seen: bool C × U (the coder saw the
    unit; unseen cells are missing). α uses every unit with ≥ 2 coders; percent agreement, κ and
    AC1 use the complete units (seen by all C coders). Returns arrays of length K (NaN = undefined,
    the caller turns it into None with a reason) plus the counts the reasons need.
    """
    k, c, u = applied.shape
    applied = applied & seen[None, :, :]
    m = seen.sum(axis=0).astype(float)  # coders per unit
    pairable = m >= 2
    n1 = applied.sum(axis=1).astype(float)  # K × U: coders applying the code
    with np.errstate(divide="ignore", invalid="ignore"):
        # Krippendorff's α, binary closed form: α = 1 − (n − 1) o_01 / (n_0 n_1)
        mp, n1p = m[pairable], n1[:, pairable]
        total = mp.sum()
        n1_tot = n1p.sum(axis=1)
        n0_tot = total - n1_tot
        o01 = (n1p * (mp - n1p) / (mp - 1)).sum(axis=1)
        denom = n0_tot * n1_tot
        alpha = np.where((denom > 0) & (total >= 2), 1.0 - (total - 1) * o01 / np.where(denom > 0, denom, 1), np.nan)

        complete = m == c
        nc = int(complete.sum())
        x = n1[:, complete]  # K × Uc
        pairs = c * (c - 1)
        agree = (x * (x - 1) + (c - x) * (c - x - 1)) / pairs
        pct = agree.mean(axis=1) if nc else np.full(k, np.nan)
        pi1 = (x / c).mean(axis=1) if nc else np.full(k, np.nan)
        pe_ac1 = 2 * pi1 * (1 - pi1)
        ac1 = (pct - pe_ac1) / (1 - pe_ac1) if nc else np.full(k, np.nan)

        kappa: dict[tuple[int, int], np.ndarray] = {}
        rate = applied[:, :, complete].mean(axis=2) if nc else np.full((k, c), np.nan)  # K × C
        for i in range(c):
            for j in range(i + 1, c):
                if not nc:
                    kappa[(i, j)] = np.full(k, np.nan)
                    continue
                po = (applied[:, i, complete] == applied[:, j, complete]).mean(axis=1)
                pa, pb = rate[:, i], rate[:, j]
                pe = pa * pb + (1 - pa) * (1 - pb)
                kappa[(i, j)] = np.where(1 - pe > EPS, (po - pe) / np.where(1 - pe > EPS, 1 - pe, 1), np.nan)
    return {
        "alpha": alpha, "percent": pct, "ac1": ac1, "kappa": kappa,
        "complete_units": nc, "alpha_units": int(pairable.sum()),
        "n1_alpha": n1_tot, "n0_alpha": n0_tot,
        "applied_complete": applied[:, :, complete].sum(axis=2),  # K × C
        "any_complete": (x > 0).sum(axis=1) if nc else np.zeros(k, dtype=int),
        "all_complete": (x == c).sum(axis=1) if nc else np.zeros(k, dtype=int),
    }


def verdict(alpha: float | None) -> str:
    """The field's reading of α (Krippendorff 2004): ≥ .800 reliable, ≥ .667 tentative."""
    if alpha is None:
        return "undefined"
    if alpha >= 0.800:
        return "reliable"
    if alpha >= 0.667:
        return "tentative"
    return "unreliable"
