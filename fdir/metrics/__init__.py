"""Anomaly-detection metrics for telemetry (numpy; scikit-learn only inside :func:`~fdir.metrics.pointwise.auc_pr`).

* :mod:`fdir.metrics.telemanom` — telemanom event-wise TP/FP/FN, precision, recall, F0.5, F1 (Hundman et al.,
  KDD 2018, arXiv:1802.04431; counting rule of ``khundman/telemanom`` ``detector.py::evaluate_sequences``).
* :mod:`fdir.metrics.intervals` — interval sets in sample (inclusive) or continuous (closed) time.
* :mod:`fdir.metrics.esa` — ESA-ADB corrected event-wise F-score, alarming precision, channel-aware F-score,
  ADTQC timing score (Kotowski et al., arXiv:2406.17826; ``kplabs-pl/ESA-ADB``).
* :mod:`fdir.metrics.affiliation` — affiliation precision/recall (Huet, Navarro, Rossi, KDD 2022,
  arXiv:2206.13167).
* :mod:`fdir.metrics.pointwise` — point-wise AUC-PR; point-adjusted F1 as a diagnostic only (never a headline:
  it makes random scores look state of the art).

F_β = (1 + β²)·P·R/(β²·P + R), 0 when the denominator is 0 (:func:`fdir.metrics.telemanom.f_beta`).
"""

from fdir.metrics.affiliation import AffiliationResult, affiliation, affiliation_continuous
from fdir.metrics.esa import (
    ADTQCResult,
    ChannelAwareScore,
    ESACounts,
    adtqc_multichannel,
    channel_aware_f_score,
    esa_counts,
    esa_counts_continuous,
    esa_counts_total,
    event_metrics,
    timing_curve,
)
from fdir.metrics.pointwise import auc_pr, point_adjusted_f1
from fdir.metrics.telemanom import EventCounts, f_beta, sum_counts, telemanom_counts

__all__ = [
    "ADTQCResult",
    "AffiliationResult",
    "ChannelAwareScore",
    "ESACounts",
    "EventCounts",
    "adtqc_multichannel",
    "affiliation",
    "affiliation_continuous",
    "auc_pr",
    "channel_aware_f_score",
    "esa_counts",
    "esa_counts_continuous",
    "esa_counts_total",
    "event_metrics",
    "f_beta",
    "point_adjusted_f1",
    "sum_counts",
    "telemanom_counts",
    "timing_curve",
]
