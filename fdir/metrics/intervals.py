"""Interval sets for event-wise metrics, in sample (inclusive) or continuous (closed) time.

Conventions (fdir reference sheet, "Conventions" and §5):

* **Sample time** (SMAP/MSL labels, detector outputs): an event is an inclusive pair ``(start, end)`` of sample
  indices, ``0 <= start <= end < n_samples``. For durations each sample ``i`` stands for the time cell
  ``[i, i + 1)`` (the convention of the affiliation reference code, Huet et al. KDD 2022, and of ESA-ADB's
  ``convert_time_series_to_events`` for predictions), so the duration of ``(start, end)`` is ``end - start + 1``
  samples and the full range is ``[0, n_samples)``.
* **Continuous time** (ESA-ADB with timestamps in seconds): an event is a closed interval ``[start, end]`` with
  duration ``end - start``.

In both cases two events intersect when ``a.start <= b.end and b.start <= a.end``. A set of events must be sorted
by start and non-overlapping (``start[i + 1] > end[i]``); touching inclusive sample events such as ``(0, 4)`` and
``(5, 9)`` are allowed (they share no sample).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "cells",
    "check_closed",
    "check_indices",
    "check_n_samples",
    "check_samples",
    "intersection",
    "intersection_measure",
    "mask",
    "measure",
    "overlap_matrix",
    "runs",
]


def _as_pairs(intervals, name: str) -> np.ndarray:
    if isinstance(intervals, np.ndarray):
        arr = intervals
    else:
        try:
            arr = np.asarray([tuple(p) for p in intervals], dtype=object)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} must be a sequence of (start, end) pairs: {exc}") from exc
    if arr.size == 0:
        return np.zeros((0, 2), dtype=object)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"{name} must be a sequence of (start, end) pairs, got shape {arr.shape}")
    return arr


def _check_order(arr: np.ndarray, name: str) -> None:
    bad = np.nonzero(arr[:, 0] > arr[:, 1])[0]
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{name}[{i}] = ({arr[i, 0]}, {arr[i, 1]}): start must be <= end")
    bad = np.nonzero(arr[1:, 0] <= arr[:-1, 1])[0]
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{name}[{i}] = ({arr[i, 0]}, {arr[i, 1]}) and {name}[{i + 1}] = ({arr[i + 1, 0]}, "
                         f"{arr[i + 1, 1]}) overlap or are unsorted: events must be sorted with start[k+1] > end[k]")


def check_n_samples(n_samples) -> int:
    """A series length: an integer >= 1 (bool, NaN, inf and fractional values rejected).

    Raises
    ------
    ValueError
        naming ``n_samples``.
    """
    try:
        ok = not isinstance(n_samples, bool | np.bool_) and float(n_samples).is_integer() and n_samples >= 1
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise ValueError(f"n_samples={n_samples!r} must be an integer >= 1")
    return int(n_samples)


def check_indices(intervals: Sequence[Sequence[int]] | np.ndarray, name: str) -> np.ndarray:
    """Validate (start, end) pairs of sample indices without ordering rules; return an int64 array (k, 2).

    Raises
    ------
    ValueError
        naming ``name`` for a non-pair, an index that is not an integer in [0, 2^62) (NaN, inf, fractional,
        bool, negative or huge values), or ``start > end``.
    """
    arr = _as_pairs(intervals, name)
    out = np.zeros(arr.shape, dtype=np.int64)
    for idx, v in np.ndenumerate(arr):
        try:
            ok = not isinstance(v, bool | np.bool_) and float(v).is_integer() and 0 <= v < 2**62
        except (TypeError, ValueError, OverflowError):
            ok = False
        if not ok:
            raise ValueError(f"{name}[{idx[0]}] = {tuple(arr[idx[0]])}: sample indices must be integers in "
                             "[0, 2**62)")
        out[idx] = int(v)
    bad = np.nonzero(out[:, 0] > out[:, 1])[0]
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{name}[{i}] = ({out[i, 0]}, {out[i, 1]}): start must be <= end")
    return out


def check_samples(intervals: Sequence[Sequence[int]] | np.ndarray, name: str,
                  n_samples: int | None = None) -> np.ndarray:
    """Validate inclusive sample-index events; return them as an int64 array of shape (k, 2).

    Parameters
    ----------
    intervals : sequence of (start, end) integer pairs, or an integer array of shape (k, 2).
    name : parameter name used in error messages.
    n_samples : series length; when given, every ``end`` must be ``< n_samples``.

    Raises
    ------
    ValueError
        naming ``name`` for a non-pair, a non-integer or negative index, ``start > end``, unsorted or overlapping
        events, or ``end >= n_samples``.
    """
    out = check_indices(intervals, name)
    _check_order(out, name)
    if n_samples is not None and out.size and out[:, 1].max() >= n_samples:
        i = int(np.nonzero(out[:, 1] >= n_samples)[0][0])
        raise ValueError(f"{name}[{i}] = {tuple(out[i])}: end must be < n_samples = {n_samples}")
    return out


def check_closed(intervals: Sequence[Sequence[float]] | np.ndarray, name: str,
                 t_range: tuple[float, float] | None = None, *, positive: bool = False) -> np.ndarray:
    """Validate closed continuous-time events; return them as a float64 array of shape (k, 2).

    ``t_range = (t0, t1)``: when given, every event must lie inside ``[t0, t1]``. ``positive=True`` also
    requires ``end > start`` (zero-length events have no affiliation measure).

    Raises
    ------
    ValueError
        naming ``name`` for non-finite values, ``start > end`` (or ``>=`` with ``positive``), unsorted or
        overlapping events, or events outside ``t_range``.
    """
    arr = _as_pairs(intervals, name)
    try:
        out = arr.astype(np.float64).reshape(-1, 2)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must hold numbers: {exc}") from exc
    if not np.isfinite(out).all():
        raise ValueError(f"{name} must hold finite numbers")
    _check_order(out, name)
    if positive and out.size and (out[:, 1] <= out[:, 0]).any():
        i = int(np.nonzero(out[:, 1] <= out[:, 0])[0][0])
        raise ValueError(f"{name}[{i}] = {tuple(out[i])}: zero-length events are not accepted here "
                         "(end must be > start; use sample time for point events)")
    if t_range is not None and out.size and (out[0, 0] < t_range[0] or out[-1, 1] > t_range[1]):
        raise ValueError(f"{name} must lie inside t_range = {tuple(t_range)}")
    return out


def cells(samples: np.ndarray) -> np.ndarray:
    """Inclusive sample events (k, 2) -> float time cells ``[start, end + 1)`` (k, 2), durations in samples."""
    out = np.asarray(samples, dtype=np.float64).reshape(-1, 2).copy()
    out[:, 1] += 1.0
    return out


def measure(iv: np.ndarray) -> float:
    """Total duration of disjoint intervals (k, 2): Σ (end − start)."""
    iv = np.asarray(iv, dtype=np.float64).reshape(-1, 2)
    return float(np.sum(iv[:, 1] - iv[:, 0]))


def intersection(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise-clipped intersection of two sorted disjoint interval sets, closed semantics: pieces
    ``[max(a0, b0), min(a1, b1)]`` with ``max <= min`` (zero-length pieces kept), sorted, shape (m, 2)."""
    a = np.asarray(a, dtype=np.float64).reshape(-1, 2)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 2)
    lo = np.maximum(a[:, None, 0], b[None, :, 0])
    hi = np.minimum(a[:, None, 1], b[None, :, 1])
    keep = lo <= hi
    out = np.stack([lo[keep], hi[keep]], axis=1)
    return out[np.argsort(out[:, 0], kind="stable")] if out.size else out.reshape(0, 2)


def intersection_measure(a: np.ndarray, b: np.ndarray) -> float:
    """Duration of the intersection of two disjoint interval sets (each (k, 2))."""
    return measure(intersection(a, b))


def overlap_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Boolean (len(a), len(b)): ``a_i`` and ``b_j`` share at least one point (closed/inclusive semantics)."""
    a = np.asarray(a).reshape(-1, 2)
    b = np.asarray(b).reshape(-1, 2)
    return (a[:, None, 0] <= b[None, :, 1]) & (b[None, :, 0] <= a[:, None, 1])


def runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """Maximal runs of nonzero values in a 1-D array as inclusive (start, end) sample pairs.

    Raises
    ------
    ValueError
        for an array that is not 1-D.
    """
    f = np.asarray(flags)
    if f.ndim != 1:
        raise ValueError(f"flags must be 1-D, got shape {f.shape}")
    b = np.concatenate([[0], (f != 0).astype(np.int8), [0]])
    d = np.diff(b)
    starts = np.nonzero(d == 1)[0]
    ends = np.nonzero(d == -1)[0] - 1
    return [(int(s), int(e)) for s, e in zip(starts, ends, strict=True)]


def mask(intervals: Sequence[Sequence[int]] | np.ndarray, n_samples: int, name: str = "intervals") -> np.ndarray:
    """Boolean per-sample mask (n_samples,) of inclusive sample events (validated with :func:`check_samples`)."""
    iv = check_samples(intervals, name, n_samples)
    out = np.zeros(int(n_samples), dtype=bool)
    for s, e in iv:
        out[s:e + 1] = True
    return out
