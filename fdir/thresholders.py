"""Thresholders of the detector protocol (:class:`fdir.detectors.base.Thresholder`): (S, T) error streams -> (T,)
flags. One implementation here: telemanom's nonparametric dynamic thresholding.

:class:`NDTThresholder` wraps the offline NDT of :mod:`fdir.ndt` (Hundman et al., "Detecting Spacecraft Anomalies
Using LSTMs and Nonparametric Dynamic Thresholding", KDD 2018, arXiv:1802.04431; ``khundman/telemanom``): each
stream is thresholded by its own NDT and a sample is flagged when any stream flags it
(:func:`fdir.ndt.detect_any`). Rules on the stream array:

* the scored range is [a, b), from the first to the last sample where every stream is finite; ``fit`` records the
  training scores' first such sample as the detector's warm-up ``l_s`` (telemanom's first scored sample), which
  sets NDT's smoothing start and ignore rules exactly as the telemanom protocol does;
* a NaN inside [a, b) (a stream that cannot score one sample) is replaced by that stream's median over [a, b)
  (a neutral value) and that sample is never flagged;
* series with fewer than telemanom's ``batch_size`` = 70 scored values get ``batch_size`` = n // 3 (at least
  :data:`MIN_SCORES` = 30 values are needed: :class:`ValueError` below that); longer series use the given (default:
  telemanom's) parameters unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from fdir.detectors.base import as_scores
from fdir.ndt import NDTParams, detect_any, runs, windows

__all__ = ["MIN_SCORES", "NDTThresholdResult", "NDTThresholder", "ThresholdResult"]

MIN_SCORES = 30
"""Fewest scored values NDT thresholds (three batches of 10; telemanom's own minimum is one batch of 70)."""


@dataclass(frozen=True)
class ThresholdResult:
    """What every thresholder's ``evaluate`` returns on (S, T) scores (the subclasses add their own parameters).

    flags : (T,) bool. intervals : inclusive (start, end) sample indices of the runs of flags. interval_scores :
    per interval, the thresholder's anomaly score. interval_streams : per interval, the indices of the streams that
    flagged part of it. smoothed : (S, T) the scores as thresholded (NaN outside the scored range). threshold :
    (S, T) the threshold in score units in force at each sample.
    """

    flags: np.ndarray
    intervals: list[tuple[int, int]]
    interval_scores: list[float]
    interval_streams: list[tuple[int, ...]]
    smoothed: np.ndarray
    threshold: np.ndarray


@dataclass(frozen=True)
class NDTThresholdResult(ThresholdResult):
    """Outcome of :meth:`NDTThresholder.evaluate`: flags with runs of one sample removed; interval_scores are
    telemanom's anomaly score (max |e_s − ε|/(μ + σ)); smoothed the EWMA-smoothed errors; threshold the ε of the
    window that decided each sample; ``params`` the NDT parameters used."""

    params: NDTParams


class NDTThresholder:
    """telemanom NDT over every stream, flags OR-ed (module doc).

    params : NDT parameters; ``None`` (default) uses telemanom's with ``l_s`` set by :meth:`fit` to the training
    scores' warm-up (first fully scored sample). Given params are used as they are.
    """

    def __init__(self, params: NDTParams | None = None) -> None:
        self.params = params
        self.warmup_: int | None = None

    def fit(self, train_scores: np.ndarray) -> NDTThresholder:
        """Record the warm-up of the training scores (S, T) (module doc). Returns self.

        Raises
        ------
        ValueError
            for scores that are not (S, T) or never finite on every stream.
        """
        s = as_scores(train_scores, "train_scores")
        valid = np.flatnonzero(np.isfinite(s).all(axis=0))
        if valid.size == 0:
            raise ValueError("train_scores has no sample where every stream is finite")
        self.warmup_ = int(valid[0])
        return self

    def _params(self, n: int, a: int) -> NDTParams:
        if self.params is not None:
            return self.params
        p = NDTParams(l_s=self.warmup_ if self.warmup_ is not None else a)
        if n < p.batch_size:
            p = replace(p, batch_size=max(1, n // 3))
        return p

    def evaluate(self, scores: np.ndarray, reference: np.ndarray | None = None) -> NDTThresholdResult:
        """Threshold (S, T) ``scores``; ``reference`` (T,) the watched values for NDT's scale guards (default:
        zeros, which leaves only the absolute guard ``min_abs_error``).

        Raises
        ------
        ValueError
            for bad shapes, or fewer than :data:`MIN_SCORES` scored samples.
        """
        s = as_scores(scores, "scores")
        S, T = s.shape
        ref = np.zeros(T) if reference is None else np.asarray(reference, np.float64).reshape(-1)
        if ref.shape != (T,) or not np.isfinite(ref).all():
            raise ValueError(f"reference must be finite with shape ({T},), got {np.shape(reference)}")
        fin = np.isfinite(s).all(axis=0)
        idx = np.flatnonzero(fin)
        if idx.size < MIN_SCORES:
            raise ValueError(f"scores: {idx.size} scored samples, NDT needs at least {MIN_SCORES} (series too short "
                             "for the detector's window)")
        a, b = int(idx[0]), int(idx[-1]) + 1
        E = s[:, a:b].copy()
        holes = ~fin[a:b]
        if holes.any():
            med = np.nanmedian(E, axis=1)
            E = np.where(np.isnan(E), med[:, None], E)
        p = self._params(b - a, a)
        res = detect_any(E, ref[a:b], p, offset=a)
        flags = np.zeros(T, bool)
        for s0, s1 in res.sequences:
            flags[s0:s1 + 1] = True
        flags[a:b][holes] = False
        members = res.members or (res,)
        intervals, int_scores, int_streams = [], [], []
        for s0, s1 in ((u + a, v + a) for u, v in runs(flags[a:b])):
            if s1 == s0:
                flags[s0] = False
                continue
            hit = [(k, sc) for k, m in enumerate(members) for (u, v), sc in zip(m.sequences, m.scores, strict=True)
                   if u <= s1 and v >= s0]
            intervals.append((s0, s1))
            int_scores.append(max((sc for _, sc in hit), default=float("nan")))
            int_streams.append(tuple(sorted({k for k, _ in hit})))
        smoothed = np.full((S, T), np.nan)
        smoothed[:, a:b] = np.reshape(res.e_s, (S, b - a))
        thr = np.full((S, T), np.nan)
        eps = np.reshape(res.epsilon, (S, -1))
        start = 0
        for i, (_, wb) in enumerate(windows(b - a, p)):
            thr[:, a + start:a + wb] = eps[:, i:i + 1]
            start = wb
        return NDTThresholdResult(flags, intervals, int_scores, int_streams, smoothed, thr, p)

    def flag(self, scores: np.ndarray, reference: np.ndarray | None = None) -> np.ndarray:
        """(T,) bool flags of :meth:`evaluate`."""
        return self.evaluate(scores, reference).flags

