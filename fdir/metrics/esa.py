"""ESA-ADB event-wise metrics: corrected event-wise precision/recall/F_β, alarming precision, affiliation
precision/recall, channel-aware (and subsystem-aware) F-score and the ADTQC timing score.

Source: Kotowski et al., "European Space Agency Benchmark for Anomaly Detection in Satellite Telemetry",
arXiv:2406.17826, reference code ``kplabs-pl/ESA-ADB`` (``timeeval/metrics/ESA_ADB_metrics.py``,
``ranking_metrics.py::ChannelAwareFScore``, ``latency_metrics.py::ADTQC``); TNR correction of event-wise
precision from Sehili & Zhang, arXiv:2308.13068; affiliation metrics from Huet et al., KDD 2022,
doi:10.1145/3534678.3539339 (:mod:`fdir.metrics.affiliation`). Definitions (fdir reference sheet §5), for
ground-truth events G_j and predicted events E_k on one channel, full range [t_0, t_1]:

* TP_e: G_j intersected by some E_k (each G_j counted once), FN_e: the other G_j; FP_e: E_k intersecting no G_j;
* redundant detections: Σ_j max(0, n_j − 1), n_j = number of E_k intersecting G_j;
* TNR_t = 1 − |(∪E_k) ∩ N| / |N|, N = [t_0, t_1] \\ ∪G_j (TNR_t = 1 when |N| = 0);
* corrected precision Pr_ew = TP_e/(TP_e + FP_e) · TNR_t (the factor applied only when the raw value is > 0),
  recall Re_ew = TP_e/(TP_e + FN_e), headline F0.5 = F_β(Pr_ew, Re_ew) with β = 0.5;
* alarming precision = TP_e/(TP_e + redundant detections) (redundant detections inside one anomaly count once);
* ADTQC (per detected event): x = start of the first detection intersecting it − start of the event,
  β_a = event duration, α_a = min(β_a, start − previous event start) (first event: α_a = β_a);
  f(x) = ((x + α)/α)^e for −α < x ≤ 0, 1/(1 + (x/(β − x))^e) for 0 < x < β, 0 otherwise, and 1 when
  x = 0 and α·β = 0; score = mean f over detected events (NaN if none), after-rate = share with x ≥ 0.

Sample time (the default for :func:`esa_counts`) counts durations in samples, each sample i being the cell
[i, i + 1) of the range [0, n_samples) (:mod:`fdir.metrics.intervals`); :func:`esa_counts_continuous` uses closed
intervals in continuous time (seconds) as ESA-ADB does with timestamps. (On index timestamps ESA-ADB would give
a closed label [s, e] the duration e − s, one sample less than here, while its predictions already cover
[t_i, t_{i+1}) per flagged sample as here; the sample-cell convention keeps point anomalies at duration 1.)
Labels of one channel are separate events
(ESA-ADB's multi-channel event ids are handled by :func:`channel_aware_f_score` and :func:`adtqc_multichannel`).

Aggregation: :class:`ESACounts` is additive (``+``). Summing the counts of the channels of one spacecraft gives
the micro-average over events of ESA-ADB (TP/FP/FN/redundant summed, TNR from the summed false-positive and
nominal durations, affiliation and ADTQC averaged over all events); the event counts and TNR equal those of the
channels laid end to end (affiliation zones and ADTQC margins stay within each channel).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from fdir.metrics.affiliation import affiliation_from_intervals
from fdir.metrics.intervals import (
    cells,
    check_closed,
    check_n_samples,
    check_samples,
    intersection,
    intersection_measure,
    measure,
    overlap_matrix,
)
from fdir.metrics.telemanom import f_beta, telemanom_counts

__all__ = [
    "ADTQCResult",
    "ChannelAwareScore",
    "ESACounts",
    "adtqc_multichannel",
    "channel_aware_f_score",
    "esa_counts",
    "esa_counts_continuous",
    "esa_counts_total",
    "event_metrics",
    "timing_curve",
]


@dataclass(frozen=True)
class ESACounts:
    """Additive ESA-ADB event counts of one or more channels (see the module doc for the definitions).

    Fields: ``tp``, ``fp``, ``fn``, ``redundant`` (event counts); ``fp_time`` and ``nominal_time`` (durations, in
    samples or seconds, of predicted-anomalous nominal time and of nominal time); ``aff_precision_sum`` /
    ``aff_precision_n`` (sum and number of defined individual affiliation precisions), ``aff_recall_sum`` /
    ``aff_recall_n`` (over all ground-truth events); ``adtqc_sum``, ``adtqc_n`` (detected events),
    ``adtqc_after`` (detected events with latency x >= 0).
    """

    tp: int = 0
    fp: int = 0
    fn: int = 0
    redundant: int = 0
    fp_time: float = 0.0
    nominal_time: float = 0.0
    aff_precision_sum: float = 0.0
    aff_precision_n: int = 0
    aff_recall_sum: float = 0.0
    aff_recall_n: int = 0
    adtqc_sum: float = 0.0
    adtqc_n: int = 0
    adtqc_after: int = 0

    def __add__(self, other: ESACounts) -> ESACounts:
        if not isinstance(other, ESACounts):
            return NotImplemented
        return ESACounts(*(getattr(self, f) + getattr(other, f) for f in self.__dataclass_fields__))

    def __radd__(self, other):  # lets sum() start from 0
        if other == 0:
            return self
        return NotImplemented

    @property
    def precision_raw(self) -> float:
        """Uncorrected event-wise precision TP_e/(TP_e + FP_e) (0 without detections)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def tnr(self) -> float:
        """Time true-negative rate TNR_t = 1 − fp_time/nominal_time (1 without nominal time)."""
        return 1.0 - self.fp_time / self.nominal_time if self.nominal_time > 0 else 1.0

    @property
    def precision(self) -> float:
        """Corrected event-wise precision Pr_ew = raw precision · TNR_t."""
        p = self.precision_raw
        return p * self.tnr if p > 0 else p

    @property
    def recall(self) -> float:
        """Event-wise recall TP_e/(TP_e + FN_e) (0 without ground-truth events)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    def f(self, beta: float = 0.5) -> float:
        """Corrected event-wise F_β (β = 0.5 is the ESA-ADB headline)."""
        return f_beta(self.precision, self.recall, beta)

    @property
    def f0_5(self) -> float:
        return self.f(0.5)

    @property
    def alarming_precision(self) -> float:
        """TP_e/(TP_e + redundant detections) (0 when both are 0)."""
        return self.tp / (self.tp + self.redundant) if self.tp + self.redundant else 0.0

    @property
    def affiliation_precision(self) -> float:
        """Mean defined individual affiliation precision (NaN when no zone holds a prediction)."""
        return self.aff_precision_sum / self.aff_precision_n if self.aff_precision_n else float("nan")

    @property
    def affiliation_recall(self) -> float:
        """Mean individual affiliation recall over ground-truth events (NaN without events)."""
        return self.aff_recall_sum / self.aff_recall_n if self.aff_recall_n else float("nan")

    def affiliation_f(self, beta: float = 0.5) -> float:
        """F_β of the affiliation precision and recall (NaN when either is undefined)."""
        p, r = self.affiliation_precision, self.affiliation_recall
        return float("nan") if math.isnan(p) or math.isnan(r) else f_beta(p, r, beta)

    @property
    def adtqc(self) -> float:
        """Mean ADTQC timing score over detected events (NaN when no event is detected)."""
        return self.adtqc_sum / self.adtqc_n if self.adtqc_n else float("nan")

    @property
    def adtqc_after_rate(self) -> float:
        """Share of detected events whose first detection starts at or after the event start (NaN if none)."""
        return self.adtqc_after / self.adtqc_n if self.adtqc_n else float("nan")

    def as_dict(self) -> dict[str, float]:
        """The ESA-ADB figures under the keys of :func:`event_metrics`."""
        return {"esa_tp": self.tp, "esa_fp": self.fp, "esa_fn": self.fn, "esa_redundant": self.redundant,
                "esa_tnr": self.tnr, "esa_precision_raw": self.precision_raw,
                "esa_precision_corrected": self.precision, "esa_recall": self.recall,
                "esa_f0_5_corrected": self.f0_5, "esa_f1_corrected": self.f(1.0),
                "alarming_precision": self.alarming_precision,
                "affiliation_precision": self.affiliation_precision, "affiliation_recall": self.affiliation_recall,
                "affiliation_f0_5": self.affiliation_f(0.5), "adtqc": self.adtqc,
                "adtqc_after_rate": self.adtqc_after_rate}


def timing_curve(x: float, alpha: float, beta: float, exponent: float = math.e) -> float:
    """ADTQC timing quality f(x) for latency ``x`` (detection start − event start), ``alpha`` (tolerated early
    margin) and ``beta`` (event duration), both >= 0, same unit as ``x``; see the module doc.

    Raises
    ------
    ValueError
        for negative ``alpha`` or ``beta`` or ``exponent <= 0``.
    """
    if alpha < 0 or beta < 0:
        raise ValueError(f"alpha={alpha} and beta={beta} must be >= 0")
    if not exponent > 0:
        raise ValueError(f"exponent={exponent} must be > 0")
    if (alpha == 0 or beta == 0) and x == 0:
        return 1.0
    if x <= -alpha or x >= beta:
        return 0.0
    if x <= 0:
        return ((x + alpha) / alpha) ** exponent
    return 1.0 / (1.0 + (x / (beta - x)) ** exponent)


def _counts(gt_closed: np.ndarray, pr_closed: np.ndarray, gt_meas: np.ndarray, pr_meas: np.ndarray,
            t_range: tuple[float, float]) -> ESACounts:
    """Core: ``*_closed`` give the intersection semantics (inclusive samples or closed intervals), ``*_meas`` the
    duration intervals, ``t_range`` the duration range."""
    ov = overlap_matrix(gt_closed, pr_closed)  # (m, k)
    n_det = ov.sum(axis=1)
    tp = int(np.count_nonzero(n_det))
    fn = int(gt_closed.shape[0] - tp)
    fp = int(np.count_nonzero(~ov.any(axis=0)))
    redundant = int(np.sum(np.maximum(n_det - 1, 0)))
    span = float(t_range[1] - t_range[0])
    nominal = span - measure(gt_meas)
    fp_time = measure(pr_meas) - intersection_measure(pr_meas, gt_meas)
    out = dict(tp=tp, fp=fp, fn=fn, redundant=redundant, fp_time=max(fp_time, 0.0), nominal_time=max(nominal, 0.0))
    if gt_closed.shape[0]:
        aff = affiliation_from_intervals(gt_meas, pr_meas, t_range)
        ok = np.isfinite(aff.individual_precision)
        out.update(aff_precision_sum=float(aff.individual_precision[ok].sum()), aff_precision_n=int(ok.sum()),
                   aff_recall_sum=float(aff.individual_recall.sum()), aff_recall_n=int(aff.individual_recall.size))
        # ADTQC: one channel, each label its own event; durations from the measure intervals
        starts = gt_meas[:, 0]
        lengths = gt_meas[:, 1] - gt_meas[:, 0]
        s_sum, s_n, s_after = 0.0, 0, 0
        for j in np.nonzero(n_det)[0]:
            x = float(np.min(pr_meas[ov[j], 0]) - starts[j])
            alpha = lengths[j] if j == 0 else min(lengths[j], starts[j] - starts[j - 1])
            s_sum += timing_curve(x, float(alpha), float(lengths[j]))
            s_n += 1
            s_after += int(x >= 0)
        out.update(adtqc_sum=s_sum, adtqc_n=s_n, adtqc_after=s_after)
    return ESACounts(**out)


def esa_counts(labels: Sequence[Sequence[int]], predictions: Sequence[Sequence[int]], n_samples: int) -> ESACounts:
    """ESA-ADB counts of one channel in sample time.

    Parameters
    ----------
    labels, predictions : inclusive (start, end) sample-index pairs, sorted and non-overlapping, with
        ``0 <= start <= end < n_samples``; each label is one event, each prediction one detected event
        (a maximal run of flagged samples, see :func:`fdir.metrics.intervals.runs`).
    n_samples : series length (samples); durations are in samples.

    Raises
    ------
    ValueError
        naming the parameter for invalid events or ``n_samples < 1``.
    """
    n = check_n_samples(n_samples)
    gt = check_samples(labels, "labels", n)
    pr = check_samples(predictions, "predictions", n)
    return _counts(gt, pr, cells(gt), cells(pr), (0.0, float(n)))


def esa_counts_total(items: Iterable[tuple[Sequence[Sequence[int]], Sequence[Sequence[int]], int]]
                     ) -> ESACounts | None:
    """Micro-sum of :func:`esa_counts` over ``(labels, predictions, n_samples)`` items (label rows or channels);
    the events of each item are sorted first. Returns None for no items. Raises as :func:`esa_counts`."""
    total = None
    for labels, predictions, n in items:
        c = esa_counts(sorted(tuple(e) for e in labels), sorted(tuple(e) for e in predictions), n)
        total = c if total is None else total + c
    return total


def esa_counts_continuous(labels: Sequence[Sequence[float]], predictions: Sequence[Sequence[float]],
                          t_range: tuple[float, float]) -> ESACounts:
    """ESA-ADB counts of one channel in continuous time: closed intervals (e.g. seconds) inside
    ``t_range = (t0, t1)``; durations in the same unit. Affiliation needs events of positive length.

    Raises
    ------
    ValueError
        naming the parameter for invalid, zero-length or out-of-range events, or t1 <= t0.
    """
    t0, t1 = (float(t) for t in t_range)
    if not (np.isfinite(t0) and np.isfinite(t1) and t1 > t0):
        raise ValueError(f"t_range={tuple(t_range)} must be finite with t1 > t0")
    gt = check_closed(labels, "labels", (t0, t1), positive=True)
    pr = check_closed(predictions, "predictions", (t0, t1), positive=True)
    return _counts(gt, pr, gt, pr, (t0, t1))


def event_metrics(labels: Sequence[Sequence[int]], predictions: Sequence[Sequence[int]], n_samples: int, *,
                  scores: np.ndarray | None = None) -> dict[str, float]:
    """All event-wise metrics of one channel in sample time.

    Parameters
    ----------
    labels, predictions : inclusive (start, end) sample-index pairs (see :func:`esa_counts`).
    n_samples : series length (samples).
    scores : optional per-sample anomaly scores, shape (n_samples,), finite; adds ``auc_pr``.

    Returns
    -------
    dict with the telemanom event-wise figures ``tp, fp, fn, precision, recall, f0_5, f1``
    (:func:`fdir.metrics.telemanom.telemanom_counts`), the ESA-ADB figures of :meth:`ESACounts.as_dict`
    (``esa_precision_corrected, esa_recall, esa_f0_5_corrected, alarming_precision, affiliation_precision,
    affiliation_recall, adtqc`` and companions; NaN where undefined: affiliation without events or without
    predictions in any zone, ADTQC without detected events) and, with ``scores``, the point-wise ``auc_pr``
    (:func:`fdir.metrics.pointwise.auc_pr`). Point-adjusted F1 is deliberately not part of it.

    Raises
    ------
    ValueError
        naming the parameter for invalid events, ``n_samples < 1`` or ``scores`` of the wrong shape.
    """
    n = check_n_samples(n_samples)
    gt = check_samples(labels, "labels", n)
    pr = check_samples(predictions, "predictions", n)
    tm = telemanom_counts(gt.tolist(), pr.tolist())
    out: dict[str, float] = {"tp": tm.tp, "fp": tm.fp, "fn": tm.fn, "precision": tm.precision,
                             "recall": tm.recall, "f0_5": tm.f05, "f1": tm.f1}
    out.update(_counts(gt, pr, cells(gt), cells(pr), (0.0, float(n))).as_dict())
    if scores is not None:
        from fdir.metrics.pointwise import auc_pr

        out["auc_pr"] = auc_pr(gt, scores, n)
    return out


# ------------------------------------------------------------------------------------------------ multi-channel
Events = Mapping[Hashable, Mapping[str, Sequence[Sequence[float]]]]
"""Ground truth over channels: ``{event_id: {channel: [(start, end), ...]}}`` (ESA-ADB ``labels.csv`` rows
grouped by ``ID``); intervals are inclusive samples or closed continuous times."""


def _prep(events: Events, predictions: Mapping[str, Sequence[Sequence[float]]]):
    if not isinstance(predictions, Mapping) or not predictions:
        raise ValueError("predictions must be a non-empty mapping {channel: [(start, end), ...]}")
    preds = {c: check_closed(v, f"predictions[{c!r}]") for c, v in predictions.items()}
    if not isinstance(events, Mapping):
        raise ValueError("events must be a mapping {event_id: {channel: [(start, end), ...]}}")
    ev = {}
    for aid, per_ch in events.items():
        if not isinstance(per_ch, Mapping) or not per_ch:
            raise ValueError(f"events[{aid!r}] must be a non-empty mapping {{channel: [(start, end), ...]}}")
        chans = {}
        for c, iv in per_ch.items():
            if c not in preds:
                raise ValueError(f"events[{aid!r}] names channel {c!r}, which is not a key of predictions "
                                 f"(monitored channels: {sorted(map(str, preds))})")
            arr = check_closed(iv, f"events[{aid!r}][{c!r}]")
            if arr.shape[0]:
                chans[c] = arr
        if not chans:
            raise ValueError(f"events[{aid!r}] has no interval")
        ev[aid] = chans
    return ev, preds


@dataclass(frozen=True)
class ChannelAwareScore:
    """Channel-aware (and optionally subsystem-aware) scores, means over events of the per-event precision,
    recall and F_β. ``per_event`` maps event id -> (tp, fp, fn) of channels; ``subsystem_*`` are NaN without a
    subsystem mapping."""

    precision: float
    recall: float
    f_score: float
    beta: float
    per_event: dict = field(default_factory=dict)
    subsystem_precision: float = float("nan")
    subsystem_recall: float = float("nan")
    subsystem_f_score: float = float("nan")


def _prf(tp: int, fp: int, fn: int, beta: float) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, f_beta(p, r, beta)


def channel_aware_f_score(events: Events, predictions: Mapping[str, Sequence[Sequence[float]]], *,
                          beta: float = 0.5, subsystems: Mapping[str, Sequence[str]] | None = None
                          ) -> ChannelAwareScore:
    """ESA-ADB channel-aware F-score (``ChannelAwareFScore``): how well detections name the affected channels.

    For each event a with per-channel intervals, T_a = union of its intervals over channels; for each monitored
    channel c (the keys of ``predictions``): TP if c is affected and c's detections intersect T_a, FN if affected
    and not, FP if not affected but c's detections intersect T_a, unless that detected part intersects another
    event's intervals on c. Per event P = TP/(TP+FP), R = TP/(TP+FN), F_β; the result is the mean over events.
    With ``subsystems`` ({name: [channels]}) the same is done with subsystems in place of channels.

    Parameters
    ----------
    events : ``{event_id: {channel: [(start, end), ...]}}``, intervals inclusive (samples) or closed (seconds).
    predictions : ``{channel: [(start, end), ...]}`` for every monitored channel (empty list: no detection).
    beta : F_β weight, > 0 (ESA-ADB uses 0.5).
    subsystems : optional mapping from subsystem name to its channels.

    Raises
    ------
    ValueError
        for an empty or malformed mapping, invalid intervals, an event channel that is not monitored, or
        ``beta <= 0``.
    """
    if not beta > 0:
        raise ValueError(f"beta={beta} must be > 0")
    ev, preds = _prep(events, predictions)
    if not ev:
        raise ValueError("events must hold at least one event")
    chans = list(preds)
    span = {aid: np.concatenate(list(per.values())) for aid, per in ev.items()}
    span = {aid: s[np.argsort(s[:, 0], kind="stable")] for aid, s in span.items()}
    per_event, prf, sub_prf = {}, [], []
    for aid, per in ev.items():
        det = {c: intersection(span[aid], preds[c]) for c in chans}

        def explained(c, piece, aid=aid):
            return any(c in o and overlap_matrix(piece, o[c]).any() for oid, o in ev.items() if oid != aid)

        tp = fp = fn = 0
        for c in chans:
            hit = det[c].shape[0] > 0
            if c in per:
                tp, fn = (tp + 1, fn) if hit else (tp, fn + 1)
            elif hit and not explained(c, det[c]):
                fp += 1
        per_event[aid] = (tp, fp, fn)
        prf.append(_prf(tp, fp, fn, beta))
        if subsystems is not None:
            stp = sfp = sfn = 0
            for _name, members in subsystems.items():
                members = [c for c in members if c in preds]
                if not members:
                    continue
                affected = any(c in per for c in members)
                hits = {c: det[c].shape[0] > 0 for c in members}
                if affected:
                    stp, sfn = (stp + 1, sfn) if any(hits.values()) else (stp, sfn + 1)
                elif any(hits[c] and not explained(c, det[c]) for c in members):
                    sfp += 1
            sub_prf.append(_prf(stp, sfp, sfn, beta))
    m = np.mean(np.asarray(prf), axis=0)
    out = dict(precision=float(m[0]), recall=float(m[1]), f_score=float(m[2]), beta=beta, per_event=per_event)
    if sub_prf:
        s = np.mean(np.asarray(sub_prf), axis=0)
        out.update(subsystem_precision=float(s[0]), subsystem_recall=float(s[1]), subsystem_f_score=float(s[2]))
    return ChannelAwareScore(**out)


@dataclass(frozen=True)
class ADTQCResult:
    """ADTQC over events: ``score`` (mean timing quality over detected events, NaN if none), ``after_rate``,
    ``n_before`` / ``n_after`` (detected events with latency < 0 / >= 0) and ``per_event`` {id: (x, f)}."""

    score: float
    after_rate: float
    n_before: int
    n_after: int
    per_event: dict


def adtqc_multichannel(events: Events, predictions: Mapping[str, Sequence[Sequence[float]]], *,
                       sample_time: bool = True, exponent: float = math.e) -> ADTQCResult:
    """ESA-ADB ADTQC (``latency_metrics.py::ADTQC``) over multi-channel events.

    For event a: its global span is the hull of its per-channel intervals, β_a its duration; the detections
    considered are those on affected channels that intersect that channel's intervals; x = earliest start of them
    − event start; α_a = min(β_a, start − previous event start) over events sorted by start (first: α_a = β_a);
    f = :func:`timing_curve`. Undetected events are left out.

    ``sample_time=True``: intervals are inclusive sample indices and durations count samples (end − start + 1);
    otherwise closed continuous intervals (end − start).

    Raises
    ------
    ValueError
        as :func:`channel_aware_f_score`, or for ``exponent <= 0``.
    """
    ev, preds = _prep(events, predictions)
    pad = 1.0 if sample_time else 0.0
    starts = {aid: min(iv[:, 0].min() for iv in per.values()) for aid, per in ev.items()}
    order = np.sort(np.fromiter(starts.values(), float, len(starts)))
    per_event, before, after = {}, 0, 0
    for aid, per in ev.items():
        s0 = starts[aid]
        length = max(iv[:, 1].max() for iv in per.values()) + pad - s0
        first = [preds[c][overlap_matrix(preds[c], iv).any(axis=1), 0] for c, iv in per.items()]
        first = np.concatenate(first) if first else np.zeros(0)
        if first.size == 0:
            continue
        x = float(first.min() - s0)
        i = int(np.searchsorted(order, s0, side="left"))
        alpha = length if i == 0 else min(length, s0 - order[i - 1])
        f = timing_curve(x, float(alpha), float(length), exponent)
        per_event[aid] = (x, f)
        before, after = (before + 1, after) if x < 0 else (before, after + 1)
    n = before + after
    score = float(np.mean([v[1] for v in per_event.values()])) if n else float("nan")
    return ADTQCResult(score, after / n if n else float("nan"), before, after, per_event)
