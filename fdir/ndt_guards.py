"""Scale-free guards for telemanom's NDT: the absolute guard ``min_abs_error`` = 0.05 (:class:`fdir.ndt.NDTParams`,
Hundman et al., KDD 2018, arXiv:1802.04431, which assumes values scaled to [-1, 1] and SMAP/MSL error levels)
replaced by a multiple of the training errors' robust scale, and telemanom's range guard (an error must exceed
``min_rel_scale`` = 5 % of the target's 5-95 % range, also set on SMAP/MSL) dropped, so the only guard means the
same on a quiet quantised sensor, on a bursty channel and on a target in any units (issue 17). The defaults of
:mod:`fdir.ndt` are not changed here.

Rule: min_abs_error = ``k`` · max over streams of robust_scale(training errors), min_rel_scale = 0, where
robust_scale is the normal-consistent MAD, 1.4826·median|e − median(e)|, with the fallback 1.253314·mean|e −
mean(e)| when the MAD is 0 (quantised or mostly constant errors) (Iglewicz & Hoaglin, "How to Detect and Handle
Outliers", ASQC 1993; fallback as quoted in the fdir-thresholds reference sheet §3). ``k`` = 3 (three robust
standard deviations) was fixed when the class was written, before any measurement. Everything else is
:class:`fdir.thresholders.NDTThresholder`'s rule: telemanom's published window, smoothing, z search and pruning
(p = 0.13), which its authors set on SMAP/MSL, the warm-up from the training scores, ``batch_size`` = n // 3 below
70 scored values. Registered as ``"ndt_relative_guard"`` (:data:`fdir.thresholders.THRESHOLDERS`).

Measured (issue 17; figures in :mod:`fdir.pipeline`, Defaults): on the robustness suite's ``medium`` subset with the
other label-free settings it scores event-wise F1 0.468 / 0.459 / 0.516 (seeds 0-2) against SPOT's 0.665 / 0.588 /
0.606 (NDT's smoothing loses points and short anomalies: F1 0.07-0.25 on them), so alone it is not the default; the
default (:class:`fdir.union.SPOTOrNDT`) ORs it with SPOT. On SMAP/MSL (all labelled channels, dense_float, seeds
0-2, :mod:`fdir.protocols.selection`) it scores 0.870 ± 0.012 (SMAP) and 0.676 ± 0.043 (MSL), cross-spacecraft
selection's pick when choosing on SMAP (chosen on MSL it picks the default, 0.825 on SMAP; 0.841 before SPOT's
quarantine), against 0.743 / 0.585 for SPOT at q = 10⁻⁴; with or without the range guard the flags were identical
on both spacecraft and on the suite.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import replace

import numpy as np

from fdir.ndt import NDTParams
from fdir.thresholders import NDTThresholder, NDTThresholdResult

__all__ = ["RelativeGuardNDT", "robust_scale"]


def robust_scale(e: np.ndarray) -> float:
    """Normal-consistent robust scale of the finite values of ``e`` (any shape): 1.4826·MAD, or
    1.253314·(mean absolute deviation) when the MAD is 0 (module doc). 0.0 for constant values.

    Raises
    ------
    ValueError
        when ``e`` has no finite value.
    """
    v = np.asarray(e, np.float64).reshape(-1)
    v = v[np.isfinite(v)]
    if v.size == 0:
        raise ValueError("e holds no finite value")
    mad = float(np.median(np.abs(v - np.median(v))))
    if mad > 0:
        return 1.482602218505602 * mad
    return 1.2533141373155001 * float(np.mean(np.abs(v - v.mean())))


class RelativeGuardNDT:
    """telemanom NDT with ``min_abs_error`` = ``k`` · robust scale of the training errors and no range guard
    (module doc).

    k : guard multiple, a finite number >= 0 (default 3: a window must hold an error above three robust
    standard deviations of the training errors).

    Raises
    ------
    ValueError
        for ``k`` negative, NaN or inf.
    """

    def __init__(self, k: float = 3.0) -> None:
        if not (isinstance(k, numbers.Real) and math.isfinite(k) and k >= 0):
            raise ValueError(f"k={k!r}, accepted: a finite number >= 0")
        self.k = float(k)
        self.guard_: float | None = None
        self.warmup_: int | None = None

    def fit(self, train_scores: np.ndarray) -> RelativeGuardNDT:
        """Warm-up and guard from the training scores (S, T). Returns self.

        Raises
        ------
        ValueError
            as :meth:`fdir.thresholders.NDTThresholder.fit`.
        """
        inner = NDTThresholder().fit(train_scores)
        s = np.atleast_2d(np.asarray(train_scores, np.float64))
        self.warmup_ = inner.warmup_
        self.guard_ = self.k * max(robust_scale(row) for row in s if np.isfinite(row).any())
        return self

    def evaluate(self, scores: np.ndarray, reference: np.ndarray | None = None) -> NDTThresholdResult:
        """:meth:`fdir.thresholders.NDTThresholder.evaluate` with the relative guard (module doc).

        Raises
        ------
        ValueError
            before :meth:`fit`, or as :meth:`fdir.thresholders.NDTThresholder.evaluate`.
        """
        if self.guard_ is None:
            raise ValueError("RelativeGuardNDT: call fit(train_scores) first")
        s = np.atleast_2d(np.asarray(scores, np.float64))
        fin = np.flatnonzero(np.isfinite(s).all(axis=0))
        n = int(fin[-1] - fin[0] + 1) if fin.size else 0
        p = NDTParams(l_s=self.warmup_, min_abs_error=self.guard_, min_rel_scale=0.0)
        if n < p.batch_size:
            p = replace(p, batch_size=max(1, n // 3))
        return NDTThresholder(p).evaluate(scores, reference)

    def flag(self, scores: np.ndarray, reference: np.ndarray | None = None) -> np.ndarray:
        """(T,) bool flags of :meth:`evaluate`."""
        return self.evaluate(scores, reference).flags
