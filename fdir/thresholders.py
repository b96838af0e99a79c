"""Thresholders of the detector protocol (:class:`fdir.detectors.base.Thresholder`): (S, T) error streams -> (T,)
flags, and the one registry of thresholder choices (:data:`THRESHOLDERS`, :func:`thresholder_factory`). One
implementation here: telemanom's nonparametric dynamic thresholding; the other is SPOT (:mod:`fdir.spot`).

Registry: :data:`THRESHOLDERS` maps a name to its class and the keyword parameters a pipeline uses unless told
otherwise. ``"spot_or_ndt"`` (:class:`fdir.union.SPOTOrNDT`, the default of :data:`fdir.pipeline.LABEL_FREE`) flags
what SPOT at risk q = 10⁻⁴ (flags grouped within 100 samples) or the relative-guard NDT (``k`` = 3) flags; its q was
chosen on the robustness suite (:mod:`fdir.union` says how, with a disclosure). ``"spot"``
(:class:`fdir.spot.SPOTThresholder`, Siffer et al., KDD 2017, doi:10.1145/3097983.3098144) runs at risk q = 10⁻³
with flags grouped within 100 samples (q chosen on the anomaly-free series of the robustness suite,
``benchmarks/bench_fdir_suite.py``, the previous default; 100 is telemanom's ``error_buffer``, not selected), its
other parameters (``level`` 0.98, ``depth`` 0, ``shape`` ``"nonnegative"``) the class's defaults; ``"ndt"``
(:class:`NDTThresholder`) is telemanom's NDT with its published parameters; ``"ndt_relative_guard"``
(:class:`fdir.ndt_guards.RelativeGuardNDT`, ``k`` = 3) the same NDT with its SMAP/MSL-set guards replaced by one
relative to the training errors. :func:`thresholder_factory` checks a name and its keywords and returns a
:class:`ThresholderSpec`, the zero-argument factory that :class:`fdir.pipeline.Pipeline` takes; ``hwsim detect
--thresholder`` and the robustness-suite benchmark read the same registry.

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

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

import numpy as np

from fdir.detectors.base import Thresholder, as_scores
from fdir.ndt import NDTParams, detect_any, runs, windows

__all__ = ["MIN_SCORES", "THRESHOLDERS", "NDTThresholdResult", "NDTThresholder", "ThresholdResult",
           "ThresholderSpec", "thresholder_factory"]

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



def _spot_class() -> type:
    from fdir.spot import SPOTThresholder  # imported on use: fdir.spot imports this module

    return SPOTThresholder


def _ndt_class() -> type:
    return NDTThresholder


def _relative_guard_class() -> type:
    from fdir.ndt_guards import RelativeGuardNDT  # imported on use: fdir.ndt_guards imports this module

    return RelativeGuardNDT


def _union_class() -> type:
    from fdir.union import SPOTOrNDT  # imported on use: fdir.union imports this module

    return SPOTOrNDT


THRESHOLDERS: Mapping[str, tuple[Callable[[], type], Mapping[str, Any]]] = MappingProxyType({
    "spot_or_ndt": (_union_class, MappingProxyType({"q": 1e-4, "merge_gap": 100})),
    "spot": (_spot_class, MappingProxyType({"q": 1e-3, "merge_gap": 100})),
    "ndt": (_ndt_class, MappingProxyType({})),
    "ndt_relative_guard": (_relative_guard_class, MappingProxyType({})),
})
"""The registered thresholders (module doc, Registry): name -> (a function returning the class, the keyword
parameters used unless given). The first entry is the default of :class:`fdir.pipeline.Pipeline`."""


@dataclass(frozen=True)
class ThresholderSpec:
    """A registered thresholder with its keyword parameters: a zero-argument factory (call it for a fresh, unfitted
    thresholder) that pickles, compares equal by value and prints as ``name(key=value, ...)``.

    name : a key of :data:`THRESHOLDERS`. params : (key, value) pairs; the registry's parameters fill the missing
    keys and the pairs are kept sorted, so ``ThresholderSpec("spot")`` equals ``thresholder_factory("spot", q=1e-3)``.
    Build one with :func:`thresholder_factory`, which also checks the keywords and their values; a spec built
    directly checks its name only and raises at its first call for a bad parameter.

    Raises
    ------
    ValueError
        for a name not in :data:`THRESHOLDERS`.
    """

    name: str
    params: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if self.name not in THRESHOLDERS:
            raise ValueError(f"thresholder={self.name!r}, accepted: {tuple(THRESHOLDERS)}")
        merged = {**THRESHOLDERS[self.name][1], **dict(self.params)}
        object.__setattr__(self, "params", tuple(sorted(merged.items())))

    @property
    def parameters(self) -> dict[str, Any]:
        """The keyword parameters the thresholder is built with."""
        return dict(self.params)

    def __call__(self) -> Thresholder:
        return THRESHOLDERS[self.name][0]()(**self.parameters)

    def __str__(self) -> str:
        p = ", ".join(f"{k}={v!r}" for k, v in self.params)
        return f"{self.name}({p})" if p else self.name


def thresholder_factory(name: str, **params) -> ThresholderSpec:
    """The :class:`ThresholderSpec` of the thresholder registered as ``name`` with keyword ``params`` (``"spot"``:
    ``q``, ``level``, ``depth``, ``merge_gap``, ``shape`` of :class:`fdir.spot.SPOTThresholder`; ``"ndt"``:
    ``params``, a :class:`fdir.ndt.NDTParams` or None; ``"ndt_relative_guard"``: ``k``; ``"spot_or_ndt"``: ``q``,
    ``merge_gap``, ``k``), after building one
    thresholder to check the values.

    Raises
    ------
    ValueError
        for a name not in :data:`THRESHOLDERS` (naming the accepted names), a keyword the thresholder does not take
        (naming the accepted keywords), or a value outside its range (the thresholder's own message, naming the
        parameter and its range).
    """
    spec = ThresholderSpec(name, tuple(params.items()))
    cls = THRESHOLDERS[name][0]()
    accepted = tuple(k for k in inspect.signature(cls).parameters if k != "self")
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise ValueError(f"thresholder {name!r}: unknown parameter(s) {unknown}, accepted: {accepted}")
    spec()
    return spec
