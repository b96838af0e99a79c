"""Calibration of probability vectors: expected calibration error and temperature scaling.

* ECE (Naeini, Cooper, Hauskrecht, AAAI 2015; Guo, Pleiss, Sun, Weinberger, "On Calibration of Modern Neural
  Networks", ICML 2017, arXiv:1706.04599): with confidence c_i = max_k p_ik and correctness a_i = [argmax p_i = y_i],
  bins B_b = equal-width confidence intervals ((b−1)/n_bins, b/n_bins] (the first bin includes 0),
  ECE = Σ_b (|B_b|/n) · |mean_{B_b} a − mean_{B_b} c|.
* Temperature scaling (Guo et al. 2017, §4.2) of a probability vector: p_T ∝ exp(log p / T), i.e. softmax of the
  log-probabilities divided by T > 0; T is fitted by minimising the negative log-likelihood on a validation split
  (never on test data). T = 1 leaves p unchanged; argmax (accuracy) is invariant for every T.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar

__all__ = ["apply_temperature", "ece", "fit_temperature", "nll", "reliability"]

_TINY = 1e-12


def _check(prob: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(prob, dtype=np.float64)
    y = np.asarray(labels)
    if p.ndim != 2 or y.ndim != 1 or p.shape[0] != y.shape[0]:
        raise ValueError(f"prob must be (n, k) and labels (n,), got {p.shape} and {y.shape}")
    if p.shape[0] and (np.any(y < 0) or np.any(y >= p.shape[1])):
        raise ValueError(f"labels must be integer codes in [0, {p.shape[1] - 1}]")
    return p, y.astype(np.int64)


def reliability(prob: np.ndarray, labels: np.ndarray, n_bins: int = 15) -> dict[str, np.ndarray]:
    """Per-bin ``count``, ``accuracy``, ``confidence`` (NaN for empty bins) and bin ``edges`` (n_bins + 1,).

    Raises
    ------
    ValueError
        for mismatched shapes, labels outside the classes or ``n_bins`` < 1.
    """
    if not (isinstance(n_bins, int | np.integer) and n_bins >= 1):
        raise ValueError(f"n_bins={n_bins!r} must be an integer >= 1")
    p, y = _check(prob, labels)
    conf = p.max(axis=1)
    correct = (p.argmax(axis=1) == y).astype(np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    b = np.clip(np.ceil(conf * n_bins).astype(np.int64) - 1, 0, n_bins - 1)
    count = np.bincount(b, minlength=n_bins).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        acc = np.bincount(b, weights=correct, minlength=n_bins) / count
        cbar = np.bincount(b, weights=conf, minlength=n_bins) / count
    return {"count": count, "accuracy": acc, "confidence": cbar, "edges": edges}


def ece(prob: np.ndarray, labels: np.ndarray, n_bins: int = 15) -> float:
    """Expected calibration error (dimensionless, in [0, 1]) with ``n_bins`` equal-width bins; NaN for n = 0."""
    r = reliability(prob, labels, n_bins)
    n = r["count"].sum()
    if n == 0:
        return float("nan")
    ok = r["count"] > 0
    return float(np.sum(r["count"][ok] / n * np.abs(r["accuracy"][ok] - r["confidence"][ok])))


def apply_temperature(prob: np.ndarray, T: float) -> np.ndarray:
    """p_T ∝ p^(1/T) row-wise (probabilities floored at 1e-12 before the log).

    Raises
    ------
    ValueError
        for T not > 0.
    """
    if not (np.isfinite(T) and T > 0):
        raise ValueError(f"T={T!r} must be a finite number > 0")
    lp = np.log(np.maximum(np.asarray(prob, dtype=np.float64), _TINY)) / T
    lp -= lp.max(axis=-1, keepdims=True)
    e = np.exp(lp)
    return e / e.sum(axis=-1, keepdims=True)


def nll(prob: np.ndarray, labels: np.ndarray) -> float:
    """Mean negative log-likelihood of the true classes (nats)."""
    p, y = _check(prob, labels)
    return float(-np.mean(np.log(np.maximum(p[np.arange(y.size), y], _TINY))))


def fit_temperature(prob: np.ndarray, labels: np.ndarray, bounds: tuple[float, float] = (0.05, 20.0)) -> float:
    """Temperature T minimising the validation NLL of :func:`apply_temperature` (bounded scalar search on log T).

    Raises
    ------
    ValueError
        for mismatched shapes, no samples, or invalid bounds.
    """
    p, y = _check(prob, labels)
    if y.size == 0:
        raise ValueError("fit_temperature needs at least one validation sample")
    lo, hi = bounds
    if not (0 < lo < 1 < hi):
        raise ValueError(f"bounds={bounds!r} must satisfy 0 < low < 1 < high")
    res = minimize_scalar(lambda u: nll(apply_temperature(p, float(np.exp(u))), y),
                          bounds=(np.log(lo), np.log(hi)), method="bounded", options={"xatol": 1e-4})
    return float(np.exp(res.x))
