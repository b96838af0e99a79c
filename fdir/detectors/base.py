"""The detector protocol of fdir: every anomaly-detector family (forecaster, CAE, spiking, baselines) and any
user-written detector implement it, so that one pipeline, one registry and one evaluation driver serve them all.

In the spirit of scikit-learn's estimator API (Buitinck et al., "API design for machine learning software:
experiences from the scikit-learn project", arXiv:1309.0238): construction takes the settings, ``fit`` learns from
data and returns ``self``, the other methods read what was learned.

:class:`Detector`
    ``fit(train)`` on a nominal array of shape (T, D) (a 1-D array is taken as D = 1; column 0 is the value the
    detector watches, further columns are context it may read); ``scores(x)`` -> (S, T) float64 error streams
    aligned with the time index of ``x`` (T samples), ``NaN`` where a stream cannot score yet (before its input
    window is full, or after the last sample with a known target); ``stream_names`` (S,) names of the streams;
    ``min_train_length`` the fewest samples ``fit`` accepts (checked before any training); ``workload()`` the
    :mod:`hwsim.ir` table of ONE inference (one sample of one channel); ``export()`` the runtime bundle
    ``(spec, arrays)`` of :mod:`fdir.runtime` (``fdir/runtime/FORMAT.md``), or :class:`NotImplementedError`
    naming the family.

:class:`Thresholder`
    ``fit(train_scores)`` on the (S, T) scores of the training array, ``flag(scores, reference=None)`` -> (T,)
    bool. ``reference`` (T,) are the watched values (column 0 of the scaled input), for thresholders with scale
    guards such as telemanom's NDT (:mod:`fdir.thresholders`).

Detectors receive finite arrays: missing samples are the pipeline's business (:mod:`fdir.pipeline` fills them
forward for the model and never flags them). The helpers below are the one place where inputs are checked.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

__all__ = ["Detector", "Thresholder", "as_scores", "as_series", "fill_gaps", "fitted", "stream_array"]


@runtime_checkable
class Detector(Protocol):
    """Anomaly detector over a telemetry series (module doc). Shapes: train/x (T, D) or (T,); scores (S, T)."""

    stream_names: tuple[str, ...]
    min_train_length: int

    def fit(self, train: np.ndarray) -> Detector: ...

    def scores(self, x: np.ndarray) -> np.ndarray: ...

    def workload(self) -> pd.DataFrame: ...

    def export(self) -> tuple[dict, dict[str, np.ndarray]]: ...


@runtime_checkable
class Thresholder(Protocol):
    """Turns (S, T) error streams into (T,) boolean flags (module doc)."""

    def fit(self, train_scores: np.ndarray) -> Thresholder: ...

    def flag(self, scores: np.ndarray, reference: np.ndarray | None = None) -> np.ndarray: ...


def as_series(x, name: str = "x", *, allow_nan: bool = False, min_length: int = 1) -> np.ndarray:
    """``x`` as a float64 array (T, D): a 1-D array becomes (T, 1).

    Raises
    ------
    ValueError
        naming ``name`` for an array that is not 1-D or 2-D, has no column, fewer than ``min_length`` samples, holds
        ±inf, or NaN when ``allow_nan`` is False (NaN marks a missing sample; see :func:`fill_gaps`).
    """
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2 or a.shape[1] < 1:
        raise ValueError(f"{name} must have shape (T,) or (T, D) with D >= 1, got {np.shape(x)}")
    if a.shape[0] < min_length:
        raise ValueError(f"{name} has {a.shape[0]} samples; at least {min_length} are needed")
    if np.isinf(a).any():
        raise ValueError(f"{name} holds ±inf; accepted: finite values (NaN for a missing sample)")
    if not allow_nan and np.isnan(a).any():
        raise ValueError(f"{name} holds NaN; detectors take finite values (fill gaps with fdir.detectors.base."
                         "fill_gaps, as fdir.pipeline.Pipeline does)")
    return a


def as_scores(scores, name: str = "scores") -> np.ndarray:
    """Error streams as a float64 array (S, T): a 1-D array is one stream; NaN marks a sample not scored.

    Raises
    ------
    ValueError
        naming ``name`` for an array that is not 1-D or 2-D with S >= 1, or that holds ±inf.
    """
    s = np.asarray(scores, np.float64)
    if s.ndim == 1:
        s = s[None]
    if s.ndim != 2 or s.shape[0] < 1:
        raise ValueError(f"{name} must have shape (S >= 1, T), got {np.shape(scores)}")
    if np.isinf(s).any():
        raise ValueError(f"{name} holds ±inf; accepted: finite values or NaN (not scored)")
    return s


def fill_gaps(x: np.ndarray, name: str = "x") -> tuple[np.ndarray, np.ndarray]:
    """Fill missing samples (NaN) of ``x`` (T, D) column by column: forward fill (last valid value held, as a
    zero-order-hold receiver does), leading gaps back-filled with the first valid value.

    Returns ``(filled (T, D), missing (T,) bool)``, ``missing`` true where any column was NaN.

    Raises
    ------
    ValueError
        naming ``name`` for a column with no valid value, or anything :func:`as_series` rejects.
    """
    a = as_series(x, name, allow_nan=True)
    nan = np.isnan(a)
    empty = np.flatnonzero(nan.all(axis=0))
    if empty.size:
        raise ValueError(f"{name}: column(s) {empty.tolist()} hold no valid (non-NaN) value")
    if not nan.any():
        return a, np.zeros(a.shape[0], bool)
    filled = pd.DataFrame(a).ffill().bfill().to_numpy(np.float64)
    return filled, nan.any(axis=1)


def stream_array(values: np.ndarray, start: int, T: int) -> np.ndarray:
    """(S, T) stream array with ``values`` (S, n) placed at samples ``start .. start + n − 1``, NaN elsewhere."""
    v = np.atleast_2d(np.asarray(values, np.float64))
    out = np.full((v.shape[0], T), np.nan)
    out[:, start:start + v.shape[1]] = v
    return out


def fitted(model, owner: str):
    """``model`` if it is set, else ValueError asking ``owner`` (a class name) to be fitted first."""
    if model is None:
        raise ValueError(f"{owner}: call fit(train) first")
    return model
