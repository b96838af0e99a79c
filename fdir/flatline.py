"""Flat-line (stuck-value) limit check: the rolling standard deviation of a channel against the smallest one seen in
its nominal training part.

A sensor or telemetry channel that freezes (holds its last value: a stuck sensor, a frozen data path) keeps a
plausible value, so a forecaster that continues the last values scores it as nominal. The classic FDIR check is a
monitoring of the channel's variability (ECSS-E-ST-70-11C, "Space segment operability", on-board parameter
monitoring; the flat-line / stuck-value test of sensor validation): the sample standard deviation over the last w
samples,

    r_t = std(x_{t−w+1}, …, x_t)          (ddof 0; NaN for t < w − 1 and for windows with a missing sample),

is compared with r_min, the smallest r_t of the training series (nominal). The flatness score is

    f_t = max(0, 1 − r_t / r_min) ∈ [0, 1]  (0: as variable as the least variable nominal stretch; 1: constant),

and a sample is flagged when r_t < k·r_min, i.e. f_t > 1 − k, with k = :data:`RATIO` (0.5, fixed before any
measurement: half the smallest nominal variability). A held value gives r_t = 0 (f_t = 1) once the whole window is
held, so the check reports a freeze w − 1 samples after it starts. A channel whose training series already holds a
constant stretch of w samples has r_min = 0: it can never be told from a freeze, and its check flags nothing.
The statistic is scale-free (a ratio of standard deviations), so it reads the channel's raw values.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

__all__ = ["MIN_WINDOW", "RATIO", "FlatLine", "check_window", "fit_flat_line", "rolling_std"]

RATIO = 0.5
"""k: a sample is flagged when its rolling standard deviation is below k times the training minimum (module doc)."""
MIN_WINDOW = 3
"""Smallest window w (samples)."""


def check_window(w) -> int:
    """``w`` as an int. Raises ValueError unless it is an integer >= :data:`MIN_WINDOW` (samples)."""
    if isinstance(w, (bool, np.bool_)) or not isinstance(w, numbers.Integral) or int(w) < MIN_WINDOW:
        raise ValueError(f"window={w!r}, accepted: an integer >= {MIN_WINDOW} (samples)")
    return int(w)


def rolling_std(x: np.ndarray, window: int) -> np.ndarray:
    """r_t (module doc) of ``x`` (T,) in the units of ``x``: (T,), NaN for t < w − 1 and where the window holds a
    NaN. Raises ValueError for ``window`` not an integer >= :data:`MIN_WINDOW`, or ``x`` not one-dimensional or
    holding ±inf."""
    w = check_window(window)
    a = np.asarray(x, np.float64)
    if a.ndim != 1:
        raise ValueError(f"x must be one-dimensional, got shape {a.shape}")
    if np.isinf(a).any():
        raise ValueError("x holds ±inf")
    out = np.full(a.size, np.nan)
    if a.size < w:
        return out
    win = np.lib.stride_tricks.sliding_window_view(a, w)
    with np.errstate(invalid="ignore"):
        # centred two-pass std per window (no cancellation for large offsets, unlike E[x²] − E[x]²)
        out[w - 1:] = np.sqrt(np.mean((win - win.mean(axis=1, keepdims=True)) ** 2, axis=1))
        out[w - 1:][np.ptp(win, axis=1) == 0] = 0.0     # a constant window: exactly 0 (its mean may round)
    return out


@dataclass(frozen=True)
class FlatLine:
    """Fitted flat-line check (module doc): ``window`` w (samples), ``r_min`` the smallest training rolling standard
    deviation (units of the channel), ``ratio`` k."""

    window: int
    r_min: float
    ratio: float = RATIO

    @property
    def threshold(self) -> float:
        """1 − k: a sample is flagged when its flatness exceeds it."""
        return 1.0 - self.ratio

    def flatness(self, x: np.ndarray) -> np.ndarray:
        """f_t (module doc) of ``x`` (T,): (T,) in [0, 1], NaN where r_t is undefined, 0 everywhere when
        r_min = 0."""
        r = rolling_std(x, self.window)
        if self.r_min <= 0:
            return np.where(np.isnan(r), np.nan, 0.0)
        return np.clip(1.0 - r / self.r_min, 0.0, 1.0)

    def flags(self, x: np.ndarray) -> np.ndarray:
        """(T,) bool: flatness above :attr:`threshold` (never where it is NaN)."""
        f = self.flatness(x)
        return np.nan_to_num(f, nan=0.0) > self.threshold


def fit_flat_line(train: np.ndarray, window: int) -> FlatLine:
    """Fit the check on a nominal training series ``train`` (T,) (NaN = missing, skipped with its windows).

    Raises
    ------
    ValueError
        for ``window`` not an integer >= :data:`MIN_WINDOW`, ``train`` not one-dimensional or holding ±inf, or a
        training series without one complete window.
    """
    r = rolling_std(train, window)
    if not np.isfinite(r).any():
        raise ValueError(f"train has no window of {int(window)} consecutive valid samples")
    return FlatLine(int(window), float(np.nanmin(r)))
