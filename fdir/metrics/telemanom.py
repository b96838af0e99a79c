"""telemanom event-wise counting on SMAP/MSL (reference sheet §3).

Source: Hundman et al., KDD 2018, arXiv:1802.04431; rule of ``khundman/telemanom`` ``detector.py::
evaluate_sequences``. Per channel, labelled sequences L_j and predicted sequences S_k are inclusive [start, end]
sample indices:

* S_k overlapping at least one label is matched to the **first** overlapping label in list order; it is a TP if
  that label was not matched before, otherwise it adds nothing (neither TP nor FP);
* S_k overlapping no label is one FP; FN = labels never matched.

Counts are summed over the channels of a spacecraft before P = TP/(TP+FP), R = TP/(TP+FN) (micro over events).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from fdir.metrics.intervals import check_indices

__all__ = ["EventCounts", "f_beta", "sum_counts", "telemanom_counts"]


def f_beta(precision: float, recall: float, beta: float = 1.0) -> float:
    """F_β = (1 + β²)·P·R/(β²·P + R); 0 when the denominator is 0.

    Raises
    ------
    ValueError
        for β <= 0 or P, R outside [0, 1].
    """
    if not beta > 0:
        raise ValueError(f"beta={beta} must be > 0")
    if not (0 <= precision <= 1 and 0 <= recall <= 1):
        raise ValueError(f"precision={precision} and recall={recall} must be in [0, 1]")
    den = beta**2 * precision + recall
    return 0.0 if den == 0 else (1 + beta**2) * precision * recall / den


@dataclass(frozen=True)
class EventCounts:
    """Event counts with derived precision P = TP/(TP+FP) (0 if no detection), recall R = TP/(TP+FN)
    (0 if no label), F1 and F0.5."""

    tp: int
    fp: int
    fn: int

    def __add__(self, other: EventCounts) -> EventCounts:
        return EventCounts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    def f(self, beta: float = 1.0) -> float:
        return f_beta(self.precision, self.recall, beta)

    @property
    def f1(self) -> float:
        return self.f(1.0)

    @property
    def f05(self) -> float:
        return self.f(0.5)

    def as_dict(self, prefix: str = "") -> dict[str, float]:
        return {f"{prefix}tp": self.tp, f"{prefix}fp": self.fp, f"{prefix}fn": self.fn,
                f"{prefix}precision": self.precision, f"{prefix}recall": self.recall,
                f"{prefix}f1": self.f1, f"{prefix}f05": self.f05}


def _check(seqs, name: str) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b in check_indices(list(seqs), name)]


def telemanom_counts(labels: Sequence[Sequence[int]], detections: Iterable[Sequence[int]]) -> EventCounts:
    """TP/FP/FN of one channel under the telemanom rule (module doc); sequences are inclusive (start, end).

    Raises
    ------
    ValueError
        naming ``labels`` or ``detections`` for a sequence that is not a (start, end) pair of integer indices
        >= 0 with start <= end (overlapping detections are allowed).
    """
    labels = _check(labels, "labels")
    detections = _check(detections, "detections")
    matched: set[int] = set()
    tp = fp = 0
    for a, b in detections:
        hit = [j for j, (la, lb) in enumerate(labels) if a <= lb and la <= b]
        if not hit:
            fp += 1
        elif hit[0] not in matched:
            matched.add(hit[0])
            tp += 1
    return EventCounts(tp, fp, len(labels) - len(matched))


def sum_counts(counts: Iterable[EventCounts]) -> EventCounts:
    """Micro-sum of per-channel counts."""
    total = EventCounts(0, 0, 0)
    for c in counts:
        total = total + c
    return total
