"""Affiliation precision and recall for the interval case.

Source: Huet, Navarro, Rossi, "Local Evaluation of Time Series Anomaly Detection Algorithms", KDD 2022,
doi:10.1145/3534678.3539339, arXiv:2206.13167 (reference code ``ahstat/affiliation-metrics-py``, as vendored in
``kplabs-pl/ESA-ADB``). Definitions (fdir reference sheet §5), for ground-truth events J_1 < … < J_m inside the
range [t_0, t_1) and predicted events I_k:

* affiliation zone Z_j: points closer to J_j than to any other J, i.e. Z_j = [(end(J_{j−1}) + start(J_j))/2,
  (end(J_j) + start(J_{j+1}))/2) with Z_1 starting at t_0 and Z_m ending at t_1; the zones partition the range.
* individual precision P_j = mean over y ∈ I ∩ Z_j (by duration) of S_P(dist(y, J_j)),
  S_P(d) = Pr_{X ~ U(Z_j)}[dist(X, J_j) ≥ d]; undefined when I ∩ Z_j is empty.
* individual recall R_j = mean over x ∈ J_j of S_R(x), S_R(x) = Pr_{Y ~ U(Z_j)}[|Y − x| ≥ dist(x, I ∩ Z_j)];
  0 when I ∩ Z_j is empty.
* P = mean of the defined P_j (NaN when none is defined), R = mean of all R_j.

Both integrands are piecewise linear in the integration variable, so the integrals are evaluated exactly with the
midpoint rule between the breakpoints (event ends, zone ends, mid-gaps and the points where the uniform-window
probability is clipped by the zone). The ESA-ADB vendored copy returns 0.5 instead of NaN for an undefined P_j;
this module keeps Huet's definition (undefined zones are left out of the mean).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from fdir.metrics.intervals import cells, check_closed, check_n_samples, check_samples

__all__ = [
    "AffiliationResult",
    "affiliation",
    "affiliation_continuous",
    "affiliation_from_intervals",
    "affiliation_zones",
]


@dataclass(frozen=True)
class AffiliationResult:
    """Per-event affiliation probabilities: ``individual_precision`` (m,) with NaN where the zone holds no
    prediction, ``individual_recall`` (m,), ``zones`` (m, 2) and the means ``precision`` (NaN if no zone holds a
    prediction, or no ground truth) and ``recall`` (NaN if no ground truth)."""

    individual_precision: np.ndarray
    individual_recall: np.ndarray
    zones: np.ndarray

    @property
    def precision(self) -> float:
        p = self.individual_precision[np.isfinite(self.individual_precision)]
        return float(np.mean(p)) if p.size else float("nan")

    @property
    def recall(self) -> float:
        return float(np.mean(self.individual_recall)) if self.individual_recall.size else float("nan")


def affiliation_zones(gt: np.ndarray, t_range: tuple[float, float]) -> np.ndarray:
    """Affiliation zones (m, 2) of sorted disjoint ground-truth intervals ``gt`` (m, 2) inside ``t_range``."""
    gt = np.asarray(gt, dtype=np.float64).reshape(-1, 2)
    z = np.empty_like(gt)
    if gt.shape[0] == 0:
        return z
    mids = (gt[:-1, 1] + gt[1:, 0]) / 2.0
    z[0, 0], z[-1, 1] = float(t_range[0]), float(t_range[1])
    z[1:, 0] = mids
    z[:-1, 1] = mids
    return z


def _clip(pred: np.ndarray, zone: np.ndarray) -> np.ndarray:
    lo = np.maximum(pred[:, 0], zone[0])
    hi = np.minimum(pred[:, 1], zone[1])
    keep = hi > lo
    return np.stack([lo[keep], hi[keep]], axis=1)


def _integrate(fun, a: float, b: float, breaks) -> float:
    """Exact integral over [a, b] of a function that is linear between the sorted ``breaks`` (midpoint rule)."""
    pts = np.unique(np.clip(np.concatenate([[a, b], np.asarray(breaks, dtype=np.float64)]), a, b))
    if pts.size < 2:
        return 0.0
    mid = (pts[:-1] + pts[1:]) / 2.0
    return float(np.sum((pts[1:] - pts[:-1]) * fun(mid)))


def _precision_one(pieces: np.ndarray, j: np.ndarray, z: np.ndarray) -> float:
    if pieces.shape[0] == 0:
        return float("nan")
    j0, j1 = j
    z0, z1 = z
    width = z1 - z0

    def s_p(y):
        d = np.where(y < j0, j0 - y, np.where(y > j1, y - j1, 0.0))
        far = (np.maximum(0.0, j0 - d - z0) + np.maximum(0.0, z1 - j1 - d)) / width
        return np.where(d > 0, far, 1.0)

    breaks = [j0, j1, j1 + (j0 - z0), j0 - (z1 - j1)]
    num = sum(_integrate(s_p, a, b, breaks) for a, b in pieces)
    return num / float(np.sum(pieces[:, 1] - pieces[:, 0]))


def _recall_one(pieces: np.ndarray, j: np.ndarray, z: np.ndarray) -> float:
    if pieces.shape[0] == 0:
        return 0.0
    j0, j1 = j
    z0, z1 = z
    width = z1 - z0

    def s_r(x):
        d = np.min(np.maximum(0.0, np.maximum(pieces[None, :, 0] - x[:, None], x[:, None] - pieces[None, :, 1])),
                   axis=1)
        covered = np.minimum(x + d, z1) - np.maximum(x - d, z0)
        return 1.0 - covered / width

    breaks = np.concatenate([pieces.ravel(), (pieces[:-1, 1] + pieces[1:, 0]) / 2.0,
                             (z0 + pieces[:, 0]) / 2.0, (z1 + pieces[:, 1]) / 2.0])
    return _integrate(s_r, j0, j1, breaks) / (j1 - j0)


def affiliation_from_intervals(gt: np.ndarray, pred: np.ndarray, t_range: tuple[float, float]) -> AffiliationResult:
    """Affiliation probabilities from already validated sorted disjoint intervals of positive length (the measure
    intervals of :mod:`fdir.metrics.intervals`), ``gt`` (m, 2), ``pred`` (k, 2), inside ``t_range = (t0, t1)``."""
    gt = np.asarray(gt, dtype=np.float64).reshape(-1, 2)
    pred = np.asarray(pred, dtype=np.float64).reshape(-1, 2)
    zones = affiliation_zones(gt, t_range)
    prec = np.empty(gt.shape[0])
    rec = np.empty(gt.shape[0])
    for i in range(gt.shape[0]):
        pieces = _clip(pred, zones[i])
        prec[i] = _precision_one(pieces, gt[i], zones[i])
        rec[i] = _recall_one(pieces, gt[i], zones[i])
    return AffiliationResult(prec, rec, zones)


def affiliation(labels: Sequence[Sequence[int]], predictions: Sequence[Sequence[int]],
                n_samples: int) -> AffiliationResult:
    """Affiliation precision/recall of inclusive sample-index events on one series of ``n_samples`` samples.

    Each sample i stands for the cell [i, i + 1) and the range is [0, n_samples), as in the reference code's
    ``convert_vector_to_events`` with ``Trange = (0, len(vector))``.

    Raises
    ------
    ValueError
        for invalid events (see :func:`fdir.metrics.intervals.check_samples`) or ``n_samples < 1``.
    """
    n_samples = check_n_samples(n_samples)
    gt = cells(check_samples(labels, "labels", n_samples))
    pr = cells(check_samples(predictions, "predictions", n_samples))
    return affiliation_from_intervals(gt, pr, (0.0, float(n_samples)))


def affiliation_continuous(labels: Sequence[Sequence[float]], predictions: Sequence[Sequence[float]],
                           t_range: tuple[float, float]) -> AffiliationResult:
    """Affiliation precision/recall of closed continuous-time events (e.g. seconds) inside ``t_range``.

    Raises
    ------
    ValueError
        for zero-length, unsorted, overlapping or out-of-range events, or ``t_range`` with t1 <= t0.
    """
    t0, t1 = (float(t) for t in t_range)
    if not (np.isfinite(t0) and np.isfinite(t1) and t1 > t0):
        raise ValueError(f"t_range={tuple(t_range)} must be finite with t1 > t0")
    gt = check_closed(labels, "labels", (t0, t1), positive=True)
    pr = check_closed(predictions, "predictions", (t0, t1), positive=True)
    return affiliation_from_intervals(gt, pr, (t0, t1))
