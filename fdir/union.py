"""SPOT or NDT: one thresholder of the detector protocol (:class:`fdir.detectors.base.Thresholder`) that flags a
sample when SPOT (:class:`fdir.spot.SPOTThresholder`, Siffer et al., KDD 2017, doi:10.1145/3097983.3098144) or
telemanom's NDT with the scale-free guard (:class:`fdir.ndt_guards.RelativeGuardNDT`; Hundman et al., KDD 2018,
arXiv:1802.04431) flags it, both fitted on the same calibration scores (issue 17).

Why two: the two rules miss different anomalies. SPOT thresholds every raw error against an extreme-value tail, so
points and short collectives survive (NDT's EWMA smoothing over about 105 samples dilutes them: F1 0.07-0.25 on the
robustness suite's points and short collectives), but at a risk low enough to keep its false alarms down it misses
long, moderate deviations; NDT's smoothed errors and window-wise threshold catch exactly those (SMAP/MSL's long
labelled intervals). Rule, per channel: flags = SPOT flags (risk q over the channel's S streams, grouped within
``merge_gap`` samples) OR NDT flags (runs of one sample dropped, as telemanom). The union has no joint risk: NDT has
no risk parameter, so the series budget of :class:`fdir.pipeline.Pipeline` (``budget="series"``) shares SPOT's q
over the channels (:meth:`SPOTOrNDT.share`) and leaves the NDT unchanged; the NDT's false alarms come on top.

Measured (issue 17; dense_float, 3 epochs on the suite; event-wise F1, seeds 0 / 1 / 2; figures in
:mod:`fdir.pipeline`, Defaults): robustness suite ``medium`` subset 0.669 / 0.616 / 0.649 at q = 10⁻⁴ (0.687 / 0.604 /
0.638 at q = 10⁻³; SPOT alone at q = 10⁻³ 0.665 / 0.588 / 0.606; the NDT alone 0.468 / 0.459 / 0.516). Disclosure:
this union joined the candidates after the relative-guard NDT's SMAP/MSL figures had been seen (it was built to
combine SPOT's suite strength with NDT's SMAP/MSL strength); q = 10⁻⁴ was then chosen over 10⁻³ on the suite's mean F1
over seeds 0-2 (paper's SPOT rule: 0.645 against 0.643, within one event per seed, with fewer false alarms on the
anomaly-free series: 2.5 / 2.4 / 5.1 per 10⁴ samples against 8.4 / 6.3 / 11.0), never on SMAP/MSL. ``k`` = 3 is
:class:`~fdir.ndt_guards.RelativeGuardNDT`'s own default, fixed before any measurement (a scan afterwards, same rows,
mean F1 over seeds 0-2 with false alarms per 10⁴ anomaly-free samples: k = 1.5 0.657, 5.0-5.9; 2 0.652, 4.2-5.5; 3
0.645, 2.3-5.1; 4 0.623; 6 0.611: the smaller guards gain one or two events per seed for up to twice the false alarms,
so k stays 3); ``merge_gap`` = 100 is telemanom's ``error_buffer``. The NDT's other constants (window, smoothing,
pruning) are telemanom's, which its authors set on SMAP/MSL. Scanned after the choice and kept: on the suite (mean F1
over seeds 0-2, false alarms per 10⁴ anomaly-free samples) the NDT member's ``smoothing_perc`` 0.02 gave 0.661
(4.7-6.8), 0.01 0.667 (4.7-7.6) and ``z_min`` = 2 0.658 (5.5-5.9), gains of 2-4 events per seed for more false alarms;
they were left out on that count, and the SMAP/MSL figures computed afterwards on the same detector scores as below
(seeds 0-2) confirm it: SMAP 0.689 / 0.622 / 0.830 and MSL 0.727 / 0.705 / 0.723 against the kept 0.841 / 0.732 (the
shorter smoothing finds more labels, TP over the three seeds SMAP 193 -> 197 / 196 and MSL 74 -> 93 / 93, for about
three times the false alarms, SMAP 59 -> 168 / 228 and MSL 20 -> 55 / 63).

SMAP/MSL (all labelled channels, dense_float, seeds 0-2, :mod:`fdir.protocols.selection`, with the other defaults
of :data:`fdir.pipeline.LABEL_FREE`): event-wise F1 0.825 ± 0.011 (SMAP) and 0.709 ± 0.021 (MSL) with SPOT's
quarantine (:mod:`fdir.spot`), 0.841 ± 0.020 and 0.732 ± 0.025 before it (the paper's SPOT rule, the figures the
paragraph above compares with), against 0.727 / 0.572 for SPOT alone at the same q (0.743 / 0.585 with the paper's
rule) and 0.870 / 0.676 for the relative-guard NDT alone; q, k and the quarantine were not chosen on these labels
(above and :mod:`fdir.spot` for what was seen).

Onboard: :meth:`fdir.pipeline.Pipeline.export` writes both members' fitted state (bundle format version 5; 7 with SPOT's
quarantine, i.e. grouping g > 0, :mod:`fdir.spot`) and :mod:`fdir.runtime.union` continues them sample by sample to the
same flags, reporting each member's alarms as soon as that member has decided them (SPOT's ``merge_gap`` samples after
the sample, as SPOT alone; the NDT's with its threshold windows), so a later reported range may add flags to earlier
samples (:mod:`fdir.runtime.union`, Reporting).

Result: :class:`SPOTOrNDTResult`, whose ``smoothed`` and ``threshold`` are SPOT's (raw scores, z_q per sample) and
whose ``members`` hold both members' own results.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fdir.metrics.intervals import runs
from fdir.ndt_guards import RelativeGuardNDT
from fdir.spot import SPOTThresholder
from fdir.thresholders import ThresholdResult

__all__ = ["MEMBERS", "SPOTOrNDT", "SPOTOrNDTResult"]

MEMBERS = ("spot", "ndt")
"""Member names of :class:`SPOTOrNDT`, in the order of :attr:`SPOTOrNDTResult.members`."""


@dataclass(frozen=True)
class SPOTOrNDTResult(ThresholdResult):
    """Outcome of :meth:`SPOTOrNDT.evaluate` (:class:`fdir.thresholders.ThresholdResult`).

    flags : (T,) bool, the union of the members' flags. intervals : runs of ``flags``. interval_members : per
    interval, the names (:data:`MEMBERS`) of the members that flagged part of it. interval_scores : per interval,
    the score of the first member in :data:`MEMBERS` order that flagged it, in that member's unit (SPOT: largest
    excess over z_q in GPD-scale units, (x − z)/σ; NDT: telemanom's max |e_s − ε|/(μ + σ)); ``interval_members``
    says which. interval_streams : the stream indices that flagged part of it, over both members. smoothed,
    threshold : (S, T) SPOT's (the raw scores and z_q). members : (SPOT's :class:`fdir.spot.SPOTResult`, NDT's
    :class:`fdir.thresholders.NDTThresholdResult`).
    """

    interval_members: list[tuple[str, ...]]
    members: tuple[ThresholdResult, ThresholdResult]


class SPOTOrNDT:
    """SPOT at risk ``q`` OR the relative-guard NDT (module doc).

    q : SPOT's risk, the false-alarm probability per sample of the union of a channel's streams, in (0, 0.02)
    (:class:`fdir.spot.SPOTThresholder`, level 0.98, non-negative tail shape). merge_gap : SPOT's grouping distance and
    quarantine in samples, an integer in [0, 10⁴]. k : the NDT's guard in robust standard deviations of the training
    errors, a finite number >= 0 (:class:`fdir.ndt_guards.RelativeGuardNDT`).

    Raises
    ------
    ValueError
        naming the parameter outside its range (NaN and inf included).
    """

    def __init__(self, q: float = 1e-4, merge_gap: int = 100, k: float = 3.0) -> None:
        self.spot = SPOTThresholder(q, merge_gap=merge_gap)
        self.ndt = RelativeGuardNDT(k)

    @property
    def q(self) -> float:
        """SPOT's risk (after :meth:`share`, this copy's share)."""
        return self.spot.q

    @property
    def merge_gap(self) -> int:
        """SPOT's grouping distance in samples."""
        return self.spot.merge_gap

    @property
    def k(self) -> float:
        """The NDT's guard multiple."""
        return self.ndt.k

    def share(self, n: int) -> SPOTOrNDT:
        """An unfitted copy whose SPOT holds 1/``n`` of the risk (:meth:`fdir.spot.SPOTThresholder.share`); the NDT,
        which has no risk parameter, is unchanged (module doc).

        Raises
        ------
        ValueError
            for ``n`` not an integer >= 1.
        """
        return SPOTOrNDT(self.spot.share(n).q, self.merge_gap, self.k)

    def fit(self, train_scores: np.ndarray) -> SPOTOrNDT:
        """Fit both members on the training (calibration) scores (S, T). Returns self.

        Raises
        ------
        ValueError
            as :meth:`fdir.spot.SPOTThresholder.fit` or :meth:`fdir.ndt_guards.RelativeGuardNDT.fit`.
        """
        self.spot.fit(train_scores)
        self.ndt.fit(train_scores)
        return self

    def evaluate(self, scores: np.ndarray, reference: np.ndarray | None = None) -> SPOTOrNDTResult:
        """Both members on ``scores`` (S, T), flags OR-ed (module doc); ``reference`` (T,) goes to the NDT (its
        relative guard does not read it).

        Raises
        ------
        ValueError
            before :meth:`fit`, or as the members' ``evaluate``.
        """
        results = (self.spot.evaluate(scores, reference), self.ndt.evaluate(scores, reference))
        flags = np.zeros_like(np.asarray(results[0].flags, bool))
        for r in results:
            flags |= np.asarray(r.flags, bool)
        intervals, scores_, streams, members = [], [], [], []
        for a, b in runs(flags):
            hit = [(name, sc, st) for name, r in zip(MEMBERS, results, strict=True)
                   for (u, v), sc, st in zip(r.intervals, r.interval_scores, r.interval_streams, strict=True)
                   if u <= b and v >= a]
            intervals.append((int(a), int(b)))
            names = tuple(n for n in MEMBERS if any(h[0] == n for h in hit))
            members.append(names)
            scores_.append(max(sc for n, sc, _ in hit if n == names[0]) if names else float("nan"))
            streams.append(tuple(sorted({k for *_, st in hit for k in st})))
        spot = results[0]
        return SPOTOrNDTResult(flags, intervals, scores_, streams, spot.smoothed, spot.threshold, members, results)

    def flag(self, scores: np.ndarray, reference: np.ndarray | None = None) -> np.ndarray:
        """(T,) bool flags of :meth:`evaluate`."""
        return self.evaluate(scores, reference).flags
