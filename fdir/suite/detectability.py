"""Detectability of the robustness suite's labels: how far each anomaly stands out of the innovations of a reference
linear predictor, and the detection probability a clairvoyant detector would reach at a given false-alarm rate.

Why (issue 17): the suite's goals (event-wise F1 >= 0.80, >= 0.60 per anomaly type) are only reachable if enough of
its labels can be told from nominal variation at all; this module measures that per label, independently of any
detector under test.

Reference predictor (per label, on the labelled channel j of the series' *nominal* observation y, the same noise
draw without anomalies, :attr:`fdir.suite.Series.nominal`): the least-squares linear one-step predictor of y_j
from its own last p samples and the current and c − 1 previous samples of every other channel (the model class of
:class:`fdir.detectors.linear.LinearForecaster` with context), fitted on the whole nominal series (every sample, no
anomaly: an oracle that no causal detector has), with a ridge of 10⁻⁶·T on standardised columns for conditioning.
Its innovations on the nominal series are ε_t = y_{j,t} − ŷ_t, their standard deviation over the test part σ_ε;
the same filter on the anomalous observation x gives ε'_t, and since the filter is linear d_t = ε'_t − ε_t is the
anomaly's own effect on the innovations, non-zero from the label's start a to p samples after its end b.

Per label: ``snr`` = ‖d‖/σ_ε over [a, b + p] (the matched-filter signal-to-noise ratio: for a known signal in
white Gaussian noise of standard deviation σ_ε the Neyman-Pearson detector's statistic has mean ``snr`` and unit
variance; Kay, *Fundamentals of Statistical Signal Processing, vol. II: Detection Theory*, Prentice Hall 1998,
ch. 4), ``peak`` = max |d_t|/σ_ε (what a sample-by-sample threshold on the innovations sees), and ``p_detect`` =
Φ(snr − z_{1−α}) (:func:`clairvoyant_probability`): the detection probability of that detector at false-alarm
probability α, which knows the anomaly's shape, start and the nominal model. Every real detector does worse (it
must search over shapes and positions, so its threshold sits above z_{1−α}, and it learns the model from a short
prefix).

Scope: the bound holds for detectors whose model is this linear predictor. For the Gaussian linear classes
(``random_walk``, and ``correlated`` and ``trend_levels`` between level changes) the best linear predictor is the
optimal one (Kalman innovations), so a low ``snr`` there is out of reach of any detector; for ``seasonal`` (cycles
of up to 14,400 samples, longer than p), ``modes`` (a few discrete levels) and ``bursty`` (Poisson counts with
heavy-tailed bursts) a model of another class (seasonal templates, a level model) can see more. ``variance`` and
``stuck`` anomalies change the noise, not the mean: their ``snr`` is the energy of the change, and a detector that
does not know the noise draw gets less (an energy detector over the label's L samples needs about (k² − 1)·√(L/2)
standard deviations, k the noise factor).
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from scipy.stats import norm

from fdir.suite.dataset import Series

__all__ = ["ALPHA", "CONTEXT_LAGS", "ORDER", "clairvoyant_probability", "label_snr", "suite_snr"]

ORDER = 30
"""p, own lags of the reference predictor (samples; capped at a tenth of the series length)."""

CONTEXT_LAGS = 5
"""c, samples of every other channel in the reference predictor (the current one and c − 1 before it)."""

ALPHA = 1e-4
"""Default false-alarm probability per sample of :func:`clairvoyant_probability` (the pipeline's SPOT risk q)."""


def clairvoyant_probability(snr, alpha: float = ALPHA) -> np.ndarray:
    """Detection probability Φ(snr − z_{1−α}) of the matched filter for a known signal of matched-filter SNR ``snr``
    (array or number, >= 0) in white Gaussian noise at false-alarm probability ``alpha`` (module doc).

    Raises
    ------
    ValueError
        for ``alpha`` outside (0, 0.5) or a negative or non-finite ``snr``.
    """
    if not (isinstance(alpha, numbers.Real) and np.isfinite(alpha) and 0 < alpha < 0.5):
        raise ValueError(f"alpha={alpha!r}, accepted: a number in (0, 0.5)")
    s = np.asarray(snr, np.float64)
    if not np.all(np.isfinite(s)) or np.any(s < 0):
        raise ValueError("snr: accepted finite values >= 0")
    return norm.cdf(s - norm.isf(alpha))


_COLUMNS = ("name", "signal_class", "anomaly", "start", "end", "channel", "length", "snr", "peak", "p_detect")


def _design(v: np.ndarray, j: int, p: int, c: int) -> np.ndarray:
    """Regressors of :func:`fdir.detectors.linear.regressors` for channel ``j`` of ``v`` (T, D), plus a constant."""
    from fdir.detectors.linear import regressors

    cols = [j, *(k for k in range(v.shape[1]) if k != j)]
    X = regressors(v[:, cols], p, c)
    return np.hstack([X, np.ones((X.shape[0], 1))])


def label_snr(s: Series, order: int = ORDER, context_lags: int = CONTEXT_LAGS, alpha: float = ALPHA) -> pd.DataFrame:
    """One row per label of ``s`` (module doc): ``name``, ``signal_class``, ``anomaly``, ``start``, ``end``,
    ``channel``, ``length`` (samples), ``snr``, ``peak``, ``p_detect`` (at ``alpha``). No rows for an anomaly-free
    series.

    Raises
    ------
    ValueError
        for ``order`` not an integer >= 1, ``context_lags`` not an integer >= 0, ``alpha`` as
        :func:`clairvoyant_probability`, or non-finite values or nominal values.
    """
    if not isinstance(order, numbers.Integral) or isinstance(order, bool) or order < 1:
        raise ValueError(f"order={order!r}, accepted: an integer >= 1 (samples)")
    if not isinstance(context_lags, numbers.Integral) or isinstance(context_lags, bool) or context_lags < 0:
        raise ValueError(f"context_lags={context_lags!r}, accepted: an integer >= 0 (samples)")
    clairvoyant_probability(0.0, alpha)
    y, x = np.asarray(s.nominal, np.float64), np.asarray(s.values, np.float64)
    if not (np.isfinite(y).all() and np.isfinite(x).all()):
        raise ValueError(f"series {s.name!r}: values and nominal must be finite (no NaN or inf)")
    T = y.shape[0]
    p = max(1, min(int(order), T // 10))
    c = min(int(context_lags), p)
    center, scale = y.mean(axis=0), y.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    yz, xz = (y - center) / scale, (x - center) / scale
    fits = {}                   # channel -> (nominal innovations, innovations of x, sigma): one fit per channel
    rows = []
    for (a, b), j in zip(s.labels.tolist(), s.label_channels.tolist(), strict=True):
        if j not in fits:
            A = _design(yz, j, p, c)
            w = np.linalg.solve(A.T @ A + 1e-6 * T * np.eye(A.shape[1]), A.T @ yz[p:, j])
            eps = yz[p:, j] - A @ w
            fits[j] = (eps, xz[p:, j] - _design(xz, j, p, c) @ w, float(np.std(eps[max(s.n_train - p, 0):])))
        eps, eps_x, sigma = fits[j]
        d = (eps_x - eps)[max(a - p, 0):min(b + 1, T - p)] / sigma    # innovation index t − p, t in [a, b + p]
        rows.append({"name": s.name, "signal_class": s.signal_class, "anomaly": s.anomaly, "start": int(a),
                     "end": int(b), "channel": int(j), "length": int(b - a + 1),
                     "snr": float(np.sqrt(np.sum(d**2))), "peak": float(np.max(np.abs(d), initial=0.0))})
    out = pd.DataFrame(rows, columns=list(_COLUMNS[:-1]))
    out["p_detect"] = clairvoyant_probability(out.snr.to_numpy(np.float64), alpha)
    return out


def suite_snr(series: list[Series], **kw) -> pd.DataFrame:
    """:func:`label_snr` over ``series`` (keywords passed on), one table."""
    parts = [label_snr(s, **kw) for s in series if len(s.labels)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(_COLUMNS))
