"""Input differencing and range-exit check of the runtime: the onboard side of :mod:`fdir.transform`. numpy only.

**Differencing** (bundle key ``input.difference``, FORMAT.md): a differenced channel enters the input
standardisation as its increment Δx_t = x_t − x_p in telemetry units, with x_p the last *valid* raw value of the
channel; the first valid sample's increment is 0 (d_0 = 0 in :mod:`fdir.transform`). An invalid sample (non-finite,
or whose increment is beyond :data:`fdir.runtime.sample.Z_VALID` once standardised) leaves x_p unchanged, and the
runtime gives the model the increment 0 in its place (the value held), so the increment of the next valid sample
is x_t − x_p: the offline pipeline's forward fill followed by differencing (:mod:`fdir.pipeline`, Gaps).

**Range exit** (bundle ``limits.range_exit``): with the training range [lo, hi] and white-noise level σ̂ of the
watched value (the raw value, or its increment when differenced; telemetry units), the distance
r_t = max(v_t − hi, lo − v_t, 0)/σ̂ (noise units) flags the sample when r_t > k (:meth:`InputTransform.range_exit
<fdir.transform.InputTransform.range_exit>`; the export converts the pipeline's scaled bounds to telemetry units).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["Differencer", "RangeExit"]


class Differencer:
    """Per-channel first differences of raw samples (module doc). ``mask`` (D,) bool: the differenced channels.
    :meth:`apply` writes :attr:`raw` (D,) float64, the sample as given, and :attr:`value` (D,) float64, the raw
    values with increments on the masked channels (NaN for a non-finite differenced value); :meth:`commit` keeps
    the valid raw values. Buffers are allocated here."""

    def __init__(self, mask) -> None:
        self.mask = np.asarray(mask, bool).reshape(-1)
        self.cols = [int(c) for c in np.flatnonzero(self.mask)]
        D = self.mask.size
        self.value = np.zeros(D)
        self.raw = np.zeros(D)
        self._last = np.zeros(D)
        self._have = np.zeros(D, bool)

    def reset(self) -> None:
        """Forget the last valid values (a new stream)."""
        self._have[:] = False

    def apply(self, sample) -> np.ndarray:
        """Raw ``sample`` (D,) -> :attr:`value` (module doc).

        Raises
        ------
        ValueError
            when ``sample`` does not hold D numbers.
        """
        D = self.mask.size
        if np.ndim(sample) > 1 or np.size(sample) != D:
            raise ValueError(f"sample must hold {D} values (shape ({D},)), got shape {np.shape(sample)}")
        try:
            np.copyto(self.raw, sample, casting="unsafe")
        except (TypeError, ValueError) as exc:
            raise ValueError(f"sample must hold {D} numbers: {exc}") from None
        np.copyto(self.value, self.raw)
        for c in self.cols:
            x = float(self.raw[c])
            if not math.isfinite(x):
                self.value[c] = math.nan
            else:
                self.value[c] = x - float(self._last[c]) if self._have[c] else 0.0
        return self.value

    def commit(self, ok: np.ndarray) -> None:
        """Keep the raw values of the differenced channels marked valid in ``ok`` (D,) as the new x_p."""
        for c in self.cols:
            if ok[c]:
                self._last[c] = self.raw[c]
                self._have[c] = True


class RangeExit:
    """Range-exit check (module doc): ``lo`` <= ``hi`` (telemetry units), ``noise`` σ̂ > 0, ``k`` > 0, all finite.
    ``distance`` holds r_t of the last :meth:`push` (NaN for an invalid sample).

    Raises
    ------
    ValueError
        naming the parameter outside its range (NaN and inf included).
    """

    def __init__(self, lo: float, hi: float, noise: float, k: float) -> None:
        for name, v in (("lo", lo), ("hi", hi), ("noise", noise), ("k", k)):
            if not (isinstance(v, (int, float)) and math.isfinite(v)):
                raise ValueError(f"range_exit.{name}={v!r}, accepted: a finite number")
        if not lo <= hi:
            raise ValueError(f"range_exit.lo={lo!r} must be <= range_exit.hi={hi!r}")
        if not (noise > 0 and k > 0):
            raise ValueError(f"range_exit.noise={noise!r} and range_exit.k={k!r}, accepted: numbers > 0")
        self.lo, self.hi, self.noise, self.k = float(lo), float(hi), float(noise), float(k)
        self.distance = math.nan

    def push(self, v: float, valid: bool = True) -> bool:
        """r_t of the watched value ``v``; returns whether r_t > k (never for an invalid or non-finite value)."""
        v = float(v)
        if not (valid and math.isfinite(v)):
            self.distance = math.nan
            return False
        self.distance = max(v - self.hi, self.lo - v, 0.0) / self.noise
        return self.distance > self.k
