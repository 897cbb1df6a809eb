"""Turning suggestion scores into confidences that mean something.

A confidence of 0.8 should be right about 80% of the time. The scores the suggester
blends (cosine similarities, neighbour similarities, classifier votes) are not
probabilities, so we map them:

* with enough human decisions on shown suggestions (at least MIN_DECISIONS, with at
  least MIN_EACH confirmations and MIN_EACH rejections), isotonic regression fitted on
  (score the suggestion had when it was shown, confirmed or rejected). Those scores were
  computed before the decision, so they are held-out by construction.
* otherwise a fixed logistic prior, set from the zero-shot top-3 suggestions of the
  ci-claims benchmark (bench/suggest_quality.py prints the fit: A 8.2, B -3.05); the
  isotonic map is blended in (at least half weight) once it can be fitted.

`expected_calibration_error` is the measure the benchmark reports.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MIN_DECISIONS = 30
MIN_EACH = 5

# conf = 1 / (1 + exp(-(A * score + B))): close to the zero-shot fit on ci-claims (see module doc).
PRIOR_A = 9.0
PRIOR_B = -3.2


def prior_confidence(scores: np.ndarray) -> np.ndarray:
    scores = np.asarray(scores, dtype=np.float64)
    return 1.0 / (1.0 + np.exp(-(PRIOR_A * scores + PRIOR_B)))


@dataclass
class Calibrator:
    """score -> confidence. `kind` says which map is in use ('prior' or 'isotonic')."""

    kind: str = "prior"
    n: int = 0
    _iso: object | None = field(default=None, repr=False)

    def __call__(self, scores: np.ndarray) -> np.ndarray:
        scores = np.asarray(scores, dtype=np.float64)
        prior = prior_confidence(scores)
        if self._iso is None:
            return np.clip(prior, 0.0, 1.0)
        learned = self._iso.predict(scores.ravel()).reshape(scores.shape)  # type: ignore[attr-defined]
        # trust the learned map more as decisions accumulate (fully from 4 x MIN_DECISIONS)
        w = min(1.0, self.n / (4 * MIN_DECISIONS))
        w = max(w, 0.5)
        return np.clip(w * learned + (1 - w) * prior, 0.0, 1.0)


def fit_calibrator(scores: np.ndarray, accepted: np.ndarray) -> Calibrator:
    """Isotonic map from held-out (score, accepted?) pairs when there are enough of both kinds."""
    scores = np.asarray(scores, dtype=np.float64)
    accepted = np.asarray(accepted, dtype=bool)
    n_pos = int(accepted.sum())
    n_neg = int(len(accepted) - n_pos)
    if len(scores) < MIN_DECISIONS or n_pos < MIN_EACH or n_neg < MIN_EACH:
        return Calibrator(kind="prior", n=len(scores))
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip", increasing=True)
    iso.fit(scores, accepted.astype(np.float64))
    return Calibrator(kind="isotonic", n=len(scores), _iso=iso)


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """ECE: the gap between confidence and accuracy, averaged over equal-width bins weighted by size."""
    confidence = np.asarray(confidence, dtype=np.float64)
    correct = np.asarray(correct, dtype=np.float64)
    if len(confidence) == 0:
        return 0.0
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    ece = 0.0
    for b in range(bins):
        mask = idx == b
        if mask.any():
            ece += mask.mean() * abs(confidence[mask].mean() - correct[mask].mean())
    return float(ece)
