"""Telemetry sample intake of the runtimes: shape check, standardisation, validity. numpy only.

Every ``step(sample)`` of :class:`~fdir.runtime.monitor.WindowRuntime` and
:class:`~fdir.runtime.forecast.ForecastRuntime` goes through :class:`SampleIntake`: the raw sample (C values, the
telemetry's units) is standardised, z = (x − mean)/std, into a preallocated float32 row and each channel is
checked. A channel is **valid** when its standardised value is finite and |z| ≤ :data:`Z_VALID`; NaN, ±inf and
values that overflow float32 are invalid. What a runtime does with an invalid sample is its documented rule
(FORMAT.md, "Invalid samples"): an invalid value never enters the model state. A valid but extreme input whose
forecast or score overflows float32 is an anomaly: the runtimes give it the score / error :data:`ERROR_CAP`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ERROR_CAP", "Z_VALID", "SampleIntake"]

Z_VALID = 1.0e18
"""Largest accepted |z| (training standard deviations from the training mean): about sqrt(float32 max)/18, so the
square of any valid standardised value, the reconstruction residual the MSE score averages, is finite in float32
((2·10¹⁸)² = 4·10³⁶ < 3.4·10³⁸). Physical excursions stay far below it even on a channel that was almost constant
in training (a standard deviation floored at 10⁻¹² of the signal level puts a full-scale jump near 10¹²); a value
beyond it is a corrupted telemetry word, not a measurement."""
ERROR_CAP = float(np.finfo(np.float32).max)
"""Error given to the thresholder when a *valid* input drives a float32 forecast or score beyond the float32 range
(3.4·10³⁸): the largest float32, finite in the float64 thresholder, so the excursion is an alarm, never a NaN."""


class SampleIntake:
    """Standardise one sample of C channels into :attr:`row` (C,) float32 and mark each channel valid in
    :attr:`ok` (C,) bool; every buffer is allocated here, :meth:`take` allocates nothing.

    ``mean``, ``std`` : (C,) training mean and standard deviation (telemetry units), or None (0 and 1).

    Raises
    ------
    ValueError
        (:class:`~fdir.runtime.graph.FormatError` from the runtimes) when ``mean``/``std`` are not C finite
        values with std > 0.
    """

    def __init__(self, channels: int, mean: np.ndarray | None = None, std: np.ndarray | None = None) -> None:
        self.C = int(channels)
        mean = np.zeros(self.C) if mean is None else np.asarray(mean, np.float64)
        std = np.ones(self.C) if std is None else np.asarray(std, np.float64)
        if mean.shape != (self.C,) or std.shape != (self.C,) or not (np.all(np.isfinite(mean))
                                                                      and np.all(np.isfinite(std))
                                                                      and np.all(std > 0)):
            raise ValueError(f"input mean/std must be ({self.C},) finite values with std > 0")
        self.mean = mean.astype(np.float32)
        self.inv_std = (1.0 / std).astype(np.float32)
        self.row = np.zeros(self.C, np.float32)
        self.ok = np.zeros(self.C, bool)
        self.bad = np.zeros(self.C, bool)
        self._mag = np.zeros(self.C, np.float32)

    def take(self, sample) -> bool:
        """Standardise ``sample`` (C,) into :attr:`row`; set :attr:`ok` / :attr:`bad` per channel; return whether
        every channel is valid. Invalid entries of :attr:`row` are left as computed (NaN, ±inf or huge): the
        caller replaces them by its rule.

        Raises
        ------
        ValueError
            when ``sample`` is not C numbers (a scalar is accepted for C = 1), naming ``sample``.
        """
        if np.ndim(sample) > 1 or np.size(sample) != self.C:
            raise ValueError(f"sample must hold {self.C} values (shape ({self.C},)), got shape {np.shape(sample)}")
        row = self.row
        with np.errstate(over="ignore", invalid="ignore"):     # overflow → inf → marked invalid below
            try:
                np.copyto(row, sample, casting="unsafe")
            except (TypeError, ValueError) as exc:
                raise ValueError(f"sample must hold {self.C} numbers: {exc}") from None
            np.subtract(row, self.mean, out=row)
            np.multiply(row, self.inv_std, out=row)
        np.abs(row, out=self._mag)
        np.less_equal(self._mag, Z_VALID, out=self.ok)          # False for NaN, ±inf and |z| > Z_VALID
        np.logical_not(self.ok, out=self.bad)
        return bool(self.ok.all())
