"""Flat-line (stuck-value) limit check: the length of the current hold of one value against the longest hold of the
channel's nominal training part.

A sensor or telemetry channel that freezes (holds its last value: a stuck sensor, a frozen data path) keeps a
plausible value, so a forecaster that continues the last values scores it as nominal. The classic FDIR check is the
stuck-value (flat-line) test of on-board parameter monitoring (ECSS-E-ST-70-11C, "Space segment operability"; the
"stuck-at" test of sensor validation): the value has not changed for too many samples. Here "too many" is
calibrated on the channel's own nominal data, so the check is scale-free and respects quantisation:

    h_t = number of consecutive valid samples ending at t whose value equals x_t  (0 at a missing sample),
    H   = the longest hold max_t h_t of the training series,
    L   = max(w, ⌈c·H⌉)                                   (samples, the hold limit),

and a sample is flagged when h_t > L: the value has been held for longer than ``c`` times the longest hold the
channel showed in nominal operation, and never for fewer than w samples (``window``, the pipeline's ``flat_line``).
The score is h_t/L (flagged above 1). A quantised, quiet sensor holds values for long stretches in nominal
operation (an ADC that resolves the signal's noise only now and then); its limit grows with them, so its normal
holds are not flagged, whereas a check on the rolling standard deviation against the smallest nominal one (this
module before, still run from older runtime bundles by :class:`fdir.runtime.flatline.FlatLineMonitor`) flagged such
stretches on the SMAP test arrays 186 times. A channel held for
its whole training part has L >= its training length; it is only flagged by a hold longer than c times that.
A missing sample (NaN) ends the hold: a stuck value is reported after L samples of the same valid value.

Parameters: ``window`` w (samples, default 20 in :data:`fdir.pipeline.LABEL_FREE`, fixed before any measurement)
and :data:`FACTOR` c = 2, chosen on the robustness suite (``benchmarks/bench_fdir_suite.py``, dense_float 3 epochs)
and checked on the SMAP/MSL training arrays only (fitted on their first 70 %: 0 / 1 event on the last 30 %);
:data:`fdir.pipeline.LABEL_FREE` lists the figures. The rule itself was written after a diagnosis on the SMAP test
labels showed the rolling-deviation check failing on quantised channels (:mod:`fdir.pipeline`, Defaults), so the
SMAP/MSL figures with it are not fully held out; that is stated wherever they are reported.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

__all__ = ["FACTOR", "MIN_WINDOW", "FlatLine", "check_window", "fit_flat_line", "hold_lengths"]

FACTOR = 2.0
"""c: a hold is flagged when it is longer than c times the longest hold of the training series (module doc)."""
MIN_WINDOW = 3
"""Smallest window w (samples)."""


def check_window(w) -> int:
    """``w`` as an int. Raises ValueError unless it is an integer >= :data:`MIN_WINDOW` (samples)."""
    if isinstance(w, (bool, np.bool_)) or not isinstance(w, numbers.Integral) or int(w) < MIN_WINDOW:
        raise ValueError(f"window={w!r}, accepted: an integer >= {MIN_WINDOW} (samples)")
    return int(w)


def hold_lengths(x: np.ndarray) -> np.ndarray:
    """h_t (module doc) of ``x`` (T,): (T,) int64, the number of consecutive valid samples ending at t equal to x_t
    (1 where x_t differs from x_{t−1} or follows a missing sample; 0 where x_t is NaN). Raises ValueError for ``x``
    not one-dimensional or holding ±inf."""
    a = np.asarray(x, np.float64)
    if a.ndim != 1:
        raise ValueError(f"x must be one-dimensional, got shape {a.shape}")
    if np.isinf(a).any():
        raise ValueError("x holds ±inf")
    valid = ~np.isnan(a)
    # a new hold starts at every valid sample that differs from its valid predecessor (NaN != anything)
    start = valid.copy()
    start[1:] &= a[1:] != a[:-1]
    idx = np.arange(a.size)
    last_start = np.maximum.accumulate(np.where(start, idx, 0))
    return np.where(valid, idx - last_start + 1, 0).astype(np.int64)


@dataclass(frozen=True)
class FlatLine:
    """Fitted flat-line check (module doc): ``window`` w (samples), ``longest_hold`` H of the training series
    (samples), ``factor`` c."""

    window: int
    longest_hold: int
    factor: float = FACTOR

    @property
    def limit(self) -> int:
        """L = max(w, ⌈c·H⌉) (samples): a hold longer than L is flagged."""
        return max(int(self.window), math.ceil(self.factor * self.longest_hold))

    threshold = 1.0
    """The score h_t/L is flagged above 1."""

    def score(self, x: np.ndarray) -> np.ndarray:
        """h_t/L of ``x`` (T,): (T,) float, 0 at missing samples."""
        return hold_lengths(x) / self.limit

    def flags(self, x: np.ndarray) -> np.ndarray:
        """(T,) bool: h_t > L (never at a missing sample)."""
        return hold_lengths(x) > self.limit


def fit_flat_line(train: np.ndarray, window: int, factor: float = FACTOR) -> FlatLine:
    """Fit the check on a nominal training series ``train`` (T,) (NaN = missing, ends a hold).

    Raises
    ------
    ValueError
        for ``window`` not an integer >= :data:`MIN_WINDOW`, ``factor`` not a finite number >= 1, ``train`` not
        one-dimensional or holding ±inf, or a training series without a valid sample.
    """
    w = check_window(window)
    if isinstance(factor, (bool, np.bool_)) or not (isinstance(factor, numbers.Real) and math.isfinite(factor)
                                                    and factor >= 1):
        raise ValueError(f"factor={factor!r}, accepted: a finite number >= 1")
    h = hold_lengths(train)
    if not h.any():
        raise ValueError("train has no valid sample")
    return FlatLine(w, int(h.max()), float(factor))
