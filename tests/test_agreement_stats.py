"""The agreement statistics against published worked examples and the reference libraries."""
from __future__ import annotations

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from coding.agreement_stats import alpha_nominal, binary_stats, cohen_kappa, gwet_ac1, percent_agreement, verdict

N = np.nan

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 coders, 12 units,
# nominal values with missing data. The paper reports α_nominal = 0.743.
KRIPPENDORFF_EXAMPLE = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]


def test_krippendorff_published_worked_example():
    assert round(alpha_nominal(KRIPPENDORFF_EXAMPLE), 3) == 0.743
    assert alpha_nominal(KRIPPENDORFF_EXAMPLE) == pytest.approx(
        krippendorff.alpha(reliability_data=KRIPPENDORFF_EXAMPLE, level_of_measurement="nominal"))


def _table_to_ratings(yy: int, yn: int, ny: int, nn: int) -> tuple[np.ndarray, np.ndarray]:
    a = np.array([1] * yy + [1] * yn + [0] * ny + [0] * nn, dtype=float)
    b = np.array([1] * yy + [0] * yn + [1] * ny + [0] * nn, dtype=float)
    return a, b


def test_gwet_ac1_hand_computed_2x2_kappa_paradox():
    # Gwet (2008), the high-agreement "paradox" table: both yes 118, A yes/B no 5, A no/B yes 2, both no 0.
    # By hand: n = 125, p_a = 118/125 = 0.944.
    #   AC1: π_yes = (123/125 + 120/125)/2 = 0.972; p_e = 2·0.972·0.028 = 0.054432;
    #        AC1 = (0.944 − 0.054432)/(1 − 0.054432) = 0.889568/0.945568 = 0.94078
    #   κ:   p_e = 0.984·0.96 + 0.016·0.04 = 0.94528; κ = (0.944 − 0.94528)/0.05472 = −0.02339
    a, b = _table_to_ratings(118, 5, 2, 0)
    m = np.vstack([a, b])
    assert gwet_ac1(m) == pytest.approx(0.889568 / 0.945568)
    assert round(gwet_ac1(m), 4) == 0.9408
    assert cohen_kappa(a, b) == pytest.approx((0.944 - 0.94528) / 0.05472)
    assert percent_agreement(m) == pytest.approx(0.944)


def test_undefined_statistics_are_none_not_zero_or_nan():
    everyone = np.ones((2, 10))
    assert cohen_kappa(everyone[0], everyone[1]) is None
    assert alpha_nominal(everyone) is None
    assert gwet_ac1(everyone) is None  # one category observed and none declared
    assert gwet_ac1(everyone, categories=[0, 1]) == pytest.approx(1.0)  # binary: AC1 is defined
    assert percent_agreement(everyone) == 1.0
    assert alpha_nominal([[1, N], [N, 2]]) is None  # no unit has two values
    assert cohen_kappa([1, N], [N, 1]) is None
    assert verdict(None) == "undefined"


def test_verdict_thresholds():
    assert [verdict(x) for x in (0.95, 0.800, 0.7999, 0.667, 0.6669, -0.2)] == [
        "reliable", "reliable", "tentative", "tentative", "unreliable", "unreliable"]


matrices = st.integers(2, 4).flatmap(lambda c: st.integers(2, 40).flatmap(lambda u: st.lists(
    st.lists(st.one_of(st.sampled_from([0.0, 1.0, 2.0]), st.just(N)), min_size=u, max_size=u), min_size=c, max_size=c)))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@settings(max_examples=150, deadline=None)
@given(matrices)
def test_alpha_matches_krippendorff_package(rows):
    m = np.array(rows, dtype=float)
    ours = alpha_nominal(m)
    try:
        theirs = krippendorff.alpha(reliability_data=m, level_of_measurement="nominal")
    except ValueError:  # the package refuses data with a single value or no pairable units
        theirs = np.nan
    if ours is None:
        assert np.isnan(theirs)
    else:
        assert ours == pytest.approx(theirs, abs=1e-9)


@settings(max_examples=150, deadline=None)
@given(matrices)
def test_kappa_matches_sklearn(rows):
    m = np.array(rows, dtype=float)
    a, b = m[0], m[1]
    both = ~np.isnan(a) & ~np.isnan(b)
    ours = cohen_kappa(a, b)
    if ours is None:
        assert both.sum() == 0 or len(np.unique(np.concatenate([a[both], b[both]]))) == 1
    else:
        assert ours == pytest.approx(cohen_kappa_score(a[both], b[both]), abs=1e-9)


def test_binary_stats_match_reference_functions_per_code():
    rng = np.random.default_rng(7)
    k, c, u = 6, 3, 300
    applied = rng.random((k, c, u)) < rng.uniform(0.02, 0.5, size=(k, 1, 1))
    applied[0] = False  # a code nobody used
    applied[1] = True  # a code used everywhere
    seen = np.ones((c, u), dtype=bool)
    seen[2, 200:] = False  # the third coder never opened the last document
    out = binary_stats(applied, seen)
    complete = seen.all(axis=0)
    assert out["complete_units"] == 200 and out["alpha_units"] == 300
    for i in range(k):
        m = np.where(seen, applied[i], False).astype(float)
        m[~seen] = np.nan
        mc = m[:, complete]
        a = alpha_nominal(m)
        assert (a is None and np.isnan(out["alpha"][i])) or out["alpha"][i] == pytest.approx(a)
        assert out["percent"][i] == pytest.approx(percent_agreement(mc))
        assert out["ac1"][i] == pytest.approx(gwet_ac1(mc, categories=[0, 1]))
        for (x, y), v in out["kappa"].items():
            ref = cohen_kappa(mc[x], mc[y])
            assert (ref is None and np.isnan(v[i])) or v[i] == pytest.approx(ref)
            if ref is not None:
                assert v[i] == pytest.approx(cohen_kappa_score(mc[x], mc[y]))
        if a is not None:
            assert out["alpha"][i] == pytest.approx(krippendorff.alpha(reliability_data=m, level_of_measurement="nominal"))
    assert np.isnan(out["alpha"][0]) and np.isnan(out["alpha"][1])
