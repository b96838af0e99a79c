"""Per-channel affine scaling fitted on the training part of a series, z = (x − center)/scale, stored with the
model so the runtime bundle applies the same map (``input.mean`` / ``input.std`` of ``fdir/runtime/FORMAT.md``).

Why: the forecaster's training and the NDT guard ``min_abs_error = 0.05`` (:class:`fdir.ndt.NDTParams`) assume
values in about [-1, 1], as in the telemanom SMAP/MSL arrays (Hundman et al., KDD 2018, arXiv:1802.04431, which
scale each channel to [-1, 1]). Methods (:data:`SCALERS`):

* ``"minmax"``: center = (max + min)/2, scale = (max − min)/2, so the training values span exactly [-1, 1];
* ``"robust"``: center = median, scale = half the 0.5-99.5 % percentile range, so one outlier in the training part
  does not squeeze the nominal values (they span about [-1, 1]);
* ``"none"``: identity (data already scaled, e.g. the shipped SMAP/MSL arrays).

A channel with no spread (constant training values) gets scale 1 (it is only centred).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SCALERS", "Scaler", "fit_scaler"]

SCALERS = ("minmax", "robust", "none")


@dataclass(frozen=True)
class Scaler:
    """Fitted scaling: ``method`` in :data:`SCALERS`, ``center`` and ``scale`` (D,) in the caller's value units."""

    method: str
    center: np.ndarray
    scale: np.ndarray

    def transform(self, x: np.ndarray) -> np.ndarray:
        """(T, D) values -> (T, D) scaled values (NaN stays NaN). Raises ValueError for a column-count mismatch."""
        a = np.asarray(x, np.float64)
        if a.ndim != 2 or a.shape[1] != self.center.size:
            raise ValueError(f"x must have shape (T, {self.center.size}), got {a.shape}")
        return (a - self.center) / self.scale

    def inverse_transform(self, z: np.ndarray) -> np.ndarray:
        """(T, D) scaled values -> value units."""
        return np.asarray(z, np.float64) * self.scale + self.center

    def to_dict(self) -> dict:
        """JSON-able record (for bundles and reports)."""
        return {"method": self.method, "center": self.center.tolist(), "scale": self.scale.tolist()}


def fit_scaler(train: np.ndarray, method: str = "minmax") -> Scaler:
    """Fit a :class:`Scaler` on the training values ``train`` (T, D) (NaN ignored).

    Raises
    ------
    ValueError
        for ``method`` not in :data:`SCALERS`, an array that is not (T, D), or a column without a finite value.
    """
    if method not in SCALERS:
        raise ValueError(f"method={method!r}, accepted: {SCALERS}")
    a = np.asarray(train, np.float64)
    if a.ndim != 2 or a.shape[0] < 1:
        raise ValueError(f"train must have shape (T >= 1, D), got {a.shape}")
    if not np.isfinite(a).any(axis=0).all():
        raise ValueError("train: every column needs at least one finite value")
    D = a.shape[1]
    if method == "none":
        return Scaler(method, np.zeros(D), np.ones(D))
    if method == "minmax":
        lo, hi = np.nanmin(a, axis=0), np.nanmax(a, axis=0)
        center = (hi + lo) / 2
    else:
        lo, hi = np.nanpercentile(a, [0.5, 99.5], axis=0)
        center = np.nanmedian(a, axis=0)
    half = (hi - lo) / 2
    spread = half > 1e-12 * np.maximum(1.0, np.abs(center))
    return Scaler(method, center, np.where(spread, half, 1.0))
