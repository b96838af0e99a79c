"""Per-channel input transform of the detector pipeline, chosen on the training part only (issue 17): the detector
models the scaled values themselves (``"level"``) or their increments (``"difference"``), and a range-exit rule
scores samples that leave the training range.

Why: a forecaster trained on a non-stationary channel (random walk, trend) meets test values outside its training
range; its errors there grow with the distance (3-6x on the robustness suite's random walks, :mod:`fdir.suite`), so
no threshold fitted on training errors stays calibrated. The increments of such a channel are stationary.

**Differencing** (order 1): d_t = z_t − z_{t−1} for t ≥ 1 and d_0 = 0 (the first increment is unknown), with z the
scaled values (:mod:`fdir.scaling`); an anomaly then appears in the increments at the samples where it acts (a level
shift as one spike at its onset). Flags and scores stay on the caller's time index.

**Choice** (:data:`TRANSFORMS`): ``"level"`` (none), ``"difference"`` (always), or ``"auto"``: difference a column
when two stationarity tests on its training values agree that it is not stationary: the augmented Dickey-Fuller test
does not reject a unit root (p > :data:`ALPHA`; constant, lag order by AIC; Dickey & Fuller, JASA 74 (1979) 427,
doi:10.1080/01621459.1979.10482531; MacKinnon p-values) **and** the KPSS test rejects level stationarity
(p < :data:`ALPHA`; Kwiatkowski, Phillips, Schmidt & Shin, J. Econometrics 54 (1992) 159,
doi:10.1016/0304-4076(92)90104-Y), both from ``statsmodels.tsa.stattools``. Requiring both is the confirmatory use of
the pair (the null hypotheses are opposite, so a column is differenced only when the evidence points the same way
from both sides). KPSS p-values come from a table clipped to [0.01, 0.1]. A column with at most two distinct
training values (a command or mode flag, as telemanom's command columns) is kept as it is without testing: it is a
switch between two states, not a level process (its increments would only mark the switches), and the two tests
cost about 0.6 s per column on 2,872 training values, which telemanom's 25-column layout (``per_channel="joint"``)
would pay once per command column.

**Range exit** (``range_k`` k): with the training range [lo, hi] of the transformed column 0 (the watched value) and
its white-noise level σ̂ = robust scale of its first differences / √2 (von Neumann's successive-difference estimator,
Ann. Math. Statist. 12 (1941) 367, doi:10.1214/aoms/1177731677, with the normal-consistent MAD of
:func:`fdir.ndt_guards.robust_scale`), the range-exit distance is r_t = max(z_t − hi, lo − z_t, 0)/σ̂ (noise units)
and a sample with r_t > k is anomalous whatever the detector's error there (:meth:`InputTransform.range_exit`).
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass

import numpy as np

__all__ = ["ALPHA", "TRANSFORMS", "InputTransform", "fit_transform", "is_nonstationary"]

TRANSFORMS = ("level", "difference", "auto")
"""Input transforms of :func:`fit_transform` (module doc)."""

ALPHA = 0.05
"""Significance level of both stationarity tests (module doc)."""

_MIN_TEST = 20
"""Fewest training values the stationarity tests are run on (below: the column is kept as it is)."""


def is_nonstationary(x: np.ndarray) -> tuple[bool, float, float]:
    """ADF/KPSS decision of the module doc on the values ``x`` (T,): ``(difference, adf_p, kpss_p)``. A series
    shorter than 20 values or with at most two distinct values (no spread, or a two-state flag) is kept (``False``,
    NaN, NaN) untested.

    Raises
    ------
    ValueError
        for ``x`` that is not 1-D or holds NaN or ±inf.
    """
    from statsmodels.tsa.stattools import adfuller, kpss

    v = np.asarray(x, np.float64)
    if v.ndim != 1 or not np.isfinite(v).all():
        raise ValueError(f"x must be 1-D and finite, got shape {v.shape}")
    if v.size < _MIN_TEST or np.unique(v).size <= 2:
        return False, math.nan, math.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # KPSS warns when its p-value is clipped to the table's ends
        p_adf = float(adfuller(v, regression="c", autolag="AIC")[1])
        p_kpss = float(kpss(v, regression="c", nlags="auto")[1])
    return bool(p_adf > ALPHA and p_kpss < ALPHA), p_adf, p_kpss


def _noise(z: np.ndarray) -> float:
    from fdir.ndt_guards import robust_scale

    d = np.diff(z)
    s = robust_scale(d) / math.sqrt(2) if d.size else 0.0
    return s if s > 0 else 1.0


@dataclass(frozen=True)
class InputTransform:
    """Fitted input transform (module doc): ``difference`` (D,) bool per column; ``adf_p`` / ``kpss_p`` (D,) the
    test p-values (NaN where not tested); ``lo`` / ``hi`` training range and ``noise`` σ̂ of the transformed column 0
    (scaled units); ``range_k`` k (``None``: no range exit)."""

    difference: np.ndarray
    adf_p: np.ndarray
    kpss_p: np.ndarray
    lo: float
    hi: float
    noise: float
    range_k: float | None

    def apply(self, z: np.ndarray) -> np.ndarray:
        """(T, D) scaled values -> (T, D) transformed values (differenced columns: d_0 = 0). Raises ValueError for a
        column-count mismatch."""
        a = np.asarray(z, np.float64)
        if a.ndim != 2 or a.shape[1] != self.difference.size:
            raise ValueError(f"z must have shape (T, {self.difference.size}), got {a.shape}")
        if not self.difference.any():
            return a
        out = a.copy()
        cols = np.flatnonzero(self.difference)
        out[:, cols] = np.diff(a[:, cols], axis=0, prepend=a[:1, cols])
        return out

    def range_exit(self, u: np.ndarray) -> np.ndarray:
        """(T,) range-exit distance r_t in noise units of the transformed watched column ``u`` (T,) (module doc);
        zeros when ``range_k`` is None."""
        u = np.asarray(u, np.float64).reshape(-1)
        if self.range_k is None:
            return np.zeros(u.size)
        return np.maximum(np.maximum(u - self.hi, self.lo - u), 0.0) / self.noise

    @property
    def any_difference(self) -> bool:
        """True when a column is differenced."""
        return bool(self.difference.any())

    def to_dict(self) -> dict:
        """JSON-able record (bundles and reports)."""
        return {"difference": self.difference.tolist(), "adf_p": self.adf_p.tolist(), "kpss_p": self.kpss_p.tolist(),
                "range_lo": self.lo, "range_hi": self.hi, "noise": self.noise, "range_k": self.range_k}


def fit_transform(z: np.ndarray, method: str = "auto", range_k: float | None = None) -> InputTransform:
    """Fit an :class:`InputTransform` on the scaled training values ``z`` (T, D) (finite; module doc).

    method : one of :data:`TRANSFORMS`. range_k : range-exit multiple k, a finite number > 0, or None (no range
    exit).

    Raises
    ------
    ValueError
        for ``method`` not in :data:`TRANSFORMS`, ``range_k`` not a finite number > 0 (NaN, inf) or None, or ``z``
        that is not (T >= 2, D) or not finite.
    """
    if method not in TRANSFORMS:
        raise ValueError(f"method={method!r}, accepted: {TRANSFORMS}")
    if range_k is not None and not (isinstance(range_k, numbers.Real) and math.isfinite(range_k) and range_k > 0):
        raise ValueError(f"range_k={range_k!r}, accepted: a finite number > 0, or None")
    a = np.asarray(z, np.float64)
    if a.ndim != 2 or a.shape[0] < 2 or a.shape[1] < 1 or not np.isfinite(a).all():
        raise ValueError(f"z must be finite with shape (T >= 2, D >= 1), got {a.shape}")
    D = a.shape[1]
    diff, p_adf, p_kpss = np.zeros(D, bool), np.full(D, np.nan), np.full(D, np.nan)
    if method == "difference":
        diff[:] = True
    elif method == "auto":
        for j in range(D):
            diff[j], p_adf[j], p_kpss[j] = is_nonstationary(a[:, j])
    t = InputTransform(diff, p_adf, p_kpss, 0.0, 0.0, 1.0, None)
    u = t.apply(a)[:, 0]
    return InputTransform(diff, p_adf, p_kpss, float(u.min()), float(u.max()), _noise(u),
                          None if range_k is None else float(range_k))
