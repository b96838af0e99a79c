"""Streaming flat-line (stuck-value) checks of the runtime: the onboard side of :mod:`fdir.flatline`. numpy only.

:class:`HoldMonitor` (bundle format version 4, ``limits.flat_line.limit``; what :meth:`fdir.pipeline.Pipeline.export`
writes): a counter of the current hold h_t, the number of consecutive valid samples equal to the latest one; a
sample is flagged when h_t > L, the limit fitted offline (:mod:`fdir.flatline`: L = max(w, ⌈c·H⌉), H the longest
hold of the training series). O(1) per sample, no buffer. An invalid sample ends the hold (h = 0, no flag); the
next valid sample starts a new one, exactly :func:`fdir.flatline.hold_lengths`.

:class:`FlatLineMonitor` runs the rolling-deviation check of bundles written in format versions 2-3
(``limits.flat_line.r_min``), which the runtime still reads. Per valid sample x_t of the watched channel (raw
telemetry units) it keeps the last w samples in a ring buffer and their running mean and sum of squared deviations
M2 (Welford's update, with the sliding-window form when the oldest sample leaves: Welford, Technometrics 4 (1962)
419, doi:10.1080/00401706.1962.10490022), so r_t = sqrt(M2/w) (ddof 0) costs O(1) per sample. M2 is recomputed
exactly (two-pass over the buffer) each time the ring wraps, so rounding cannot accumulate over a long stream, and
a window whose w samples are all equal gives r_t = 0 exactly (a run-length counter). f_t = clip(1 − r_t/r_min, 0,
1) (0 everywhere when r_min = 0), flagged when f_t > 1 − k (the ``ratio``). An invalid sample never enters the
buffer; it ends the current run of valid samples, so f_t is undefined (NaN, no flag) until w valid samples have
followed (a window holding a missing sample has no standard deviation). The buffers are allocated in the
constructor.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["FlatLineMonitor", "HoldMonitor"]


class HoldMonitor:
    """Stuck-value check by hold length (module doc): ``limit`` L (samples, an integer >= 1). ``flatness`` holds
    the score h_t/L of the last :meth:`push` (0 after an invalid sample); ``hold`` h_t.

    Raises
    ------
    ValueError
        naming ``limit`` when it is not an integer >= 1.
    """

    def __init__(self, limit: int) -> None:
        if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or int(limit) < 1:
            raise ValueError(f"flat_line.limit={limit!r}, accepted: an integer >= 1 (samples)")
        self.limit = int(limit)
        self.reset()

    def reset(self) -> None:
        """Forget every sample (a new stream)."""
        self.hold = 0
        self._last = math.nan
        self.flatness = 0.0

    def push(self, x: float, valid: bool = True) -> bool:
        """Add one sample ``x`` (telemetry units); ``valid`` False (or a non-finite ``x``) marks it invalid (module
        doc). Returns whether the sample is flagged (h_t > L)."""
        x = float(x)
        if not (valid and math.isfinite(x)):
            self.reset()
            return False
        self.hold = self.hold + 1 if x == self._last else 1
        self._last = x
        self.flatness = self.hold / self.limit
        return self.hold > self.limit


class FlatLineMonitor:
    """Rolling-deviation flat-line check of format versions 2-3 over the last ``window`` w valid samples (module
    doc).

    window : w (samples, integer >= 3). r_min : smallest training rolling standard deviation (telemetry units,
    finite, >= 0). ratio : k in (0, 1) (flagged when r_t < k·r_min). ``flatness`` holds f_t of the last
    :meth:`push` (NaN while undefined).

    Raises
    ------
    ValueError
        naming the parameter outside its range (NaN and inf included).
    """

    def __init__(self, window: int, r_min: float, ratio: float) -> None:
        if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or int(window) < 3:
            raise ValueError(f"flat_line.window={window!r}, accepted: an integer >= 3 (samples)")
        if not (isinstance(r_min, (int, float)) and math.isfinite(r_min) and r_min >= 0):
            raise ValueError(f"flat_line.r_min={r_min!r}, accepted: a finite number >= 0 (telemetry units)")
        if not (isinstance(ratio, (int, float)) and math.isfinite(ratio) and 0 < ratio < 1):
            raise ValueError(f"flat_line.ratio={ratio!r}, accepted: a number in (0, 1)")
        self.w, self.r_min, self.ratio = int(window), float(r_min), float(ratio)
        self.threshold = 1.0 - self.ratio
        self._buf = np.zeros(self.w)
        self._tmp = np.zeros(self.w)
        self.reset()

    def reset(self) -> None:
        """Forget every sample (a new stream)."""
        self._n = self._pos = self._equal = 0
        self._mean = self._m2 = 0.0
        self._last = math.nan
        self.flatness = math.nan

    def push(self, x: float, valid: bool = True) -> bool:
        """Add one sample ``x`` (telemetry units); ``valid`` False (or a non-finite ``x``) marks it invalid (module
        doc). Returns whether the sample is flagged (f_t > 1 − k)."""
        x = float(x)
        if not (valid and math.isfinite(x)):
            self.reset()
            return False
        w = self.w
        if self._n < w:                                   # filling: Welford's update
            self._n += 1
            d = x - self._mean
            self._mean += d / self._n
            self._m2 += d * (x - self._mean)
        else:                                             # sliding: the oldest sample leaves
            old = float(self._buf[self._pos])
            mean = self._mean + (x - old) / w
            self._m2 += (x - old) * (x - mean + old - self._mean)
            self._mean = mean
        self._buf[self._pos] = x
        self._pos = (self._pos + 1) % w
        self._equal = self._equal + 1 if x == self._last else 1
        self._last = x
        if self._n < w:
            self.flatness = math.nan
            return False
        if self._pos == 0:                                # the ring wrapped: exact two-pass recomputation
            self._mean = float(self._buf.mean())
            np.subtract(self._buf, self._mean, out=self._tmp)
            np.multiply(self._tmp, self._tmp, out=self._tmp)
            self._m2 = float(self._tmp.sum())
        r = 0.0 if self._equal >= w else math.sqrt(max(self._m2, 0.0) / w)
        self.flatness = 0.0 if self.r_min <= 0 else min(max(1.0 - r / self.r_min, 0.0), 1.0)
        return self.flatness > self.threshold
