"""Confidence calibration: the prior map, the isotonic map once decisions accumulate, and ECE."""
from __future__ import annotations

import numpy as np

from coding.calibration import MIN_DECISIONS, expected_calibration_error, fit_calibrator, prior_confidence


def test_prior_is_monotone_and_bounded():
    scores = np.linspace(-0.5, 1.0, 50)
    conf = prior_confidence(scores)
    assert np.all(np.diff(conf) > 0) and conf.min() > 0 and conf.max() < 1


def test_too_few_decisions_keep_the_prior():
    cal = fit_calibrator(np.array([0.1, 0.9] * 5), np.array([False, True] * 5))
    assert cal.kind == "prior"
    assert np.allclose(cal(np.array([0.3])), prior_confidence(np.array([0.3])))


def test_isotonic_learns_observed_acceptance_rates():
    rng = np.random.default_rng(0)
    scores = rng.uniform(0, 1, 2000)
    accepted = rng.uniform(0, 1, 2000) < scores**2  # true P(accept | score) = score^2
    cal = fit_calibrator(scores, accepted)
    assert cal.kind == "isotonic" and cal.n == 2000
    probe = np.array([0.2, 0.5, 0.9])
    assert np.allclose(cal(probe), probe**2, atol=0.08)
    assert np.all(np.diff(cal(np.linspace(0, 1, 100))) >= -1e-12)
    # the learned map is better calibrated on fresh data than the fixed prior
    fresh = rng.uniform(0, 1, 2000)
    truth = rng.uniform(0, 1, 2000) < fresh**2
    assert expected_calibration_error(cal(fresh), truth) < expected_calibration_error(prior_confidence(fresh), truth)


def test_isotonic_needs_both_kinds_of_decision():
    cal = fit_calibrator(np.linspace(0, 1, MIN_DECISIONS * 2), np.ones(MIN_DECISIONS * 2, dtype=bool))
    assert cal.kind == "prior"


def test_expected_calibration_error_by_hand():
    # two bins: 0.25 (1 of 2 right -> gap 0.25) and 0.85 (2 of 2 right -> gap 0.15); equal weights
    conf = np.array([0.25, 0.25, 0.85, 0.85])
    right = np.array([1, 0, 1, 1])
    assert np.isclose(expected_calibration_error(conf, right), 0.5 * 0.25 + 0.5 * 0.15)
    assert expected_calibration_error(np.array([]), np.array([])) == 0.0
    assert np.isclose(expected_calibration_error(np.full(10, 0.7), np.array([1] * 7 + [0] * 3)), 0.0)
