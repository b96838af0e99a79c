"""Point-wise metrics, for reference only (event-wise metrics are preferred: label boundaries are approximate).

* :func:`auc_pr`: area under the precision-recall curve of raw per-sample scores, as average precision
  (``sklearn.metrics.average_precision_score``; fdir reference sheet §5), no point adjustment.
* :func:`point_adjusted_f1`: **diagnostic only, never a headline figure.** The point-adjust protocol marks a whole
  labelled segment as detected when a single point in it is flagged; it inflates scores so much that random
  detectors look state of the art (Kim et al., "Towards a Rigorous Evaluation of Time-series Anomaly Detection",
  AAAI 2022, arXiv:2109.05257). It is provided only to compare with papers that report it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fdir.metrics.intervals import mask

__all__ = ["auc_pr", "point_adjusted_f1"]


def auc_pr(labels: Sequence[Sequence[int]] | np.ndarray, scores: np.ndarray, n_samples: int | None = None) -> float:
    """Point-wise AUC-PR (average precision) of per-sample anomaly ``scores`` against labelled events.

    Parameters
    ----------
    labels : inclusive (start, end) sample-index events.
    scores : shape (n_samples,), finite; higher = more anomalous.
    n_samples : series length; defaults to ``len(scores)`` and must equal it when given.

    Returns
    -------
    Average precision in [0, 1]; NaN when no sample is labelled anomalous (undefined).

    Raises
    ------
    ValueError
        for ``scores`` that are not 1-D and finite, a length mismatch with ``n_samples``, or invalid labels.
    """
    from sklearn.metrics import average_precision_score

    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 1 or s.size == 0:
        raise ValueError(f"scores must have shape (n_samples,), got {s.shape}")
    if n_samples is not None and s.size != n_samples:
        raise ValueError(f"scores must have shape (n_samples,) = ({n_samples},), got {s.shape}")
    if not np.isfinite(s).all():
        raise ValueError("scores must be finite")
    y = mask(labels, s.size, "labels")
    if not y.any():
        return float("nan")
    return float(average_precision_score(y, s))


def point_adjusted_f1(labels: Sequence[Sequence[int]], predictions: Sequence[Sequence[int]],
                      n_samples: int) -> float:
    """Point-adjusted F1 (DIAGNOSTIC ONLY, see the module doc): flagged samples after setting every sample of a
    labelled event that contains at least one flagged sample, then point-wise F1 over ``n_samples`` samples.

    Raises
    ------
    ValueError
        for invalid events (see :func:`fdir.metrics.intervals.check_samples`).
    """
    y = mask(labels, n_samples, "labels")
    p = mask(predictions, n_samples, "predictions").copy()
    from fdir.metrics.intervals import check_samples

    for s, e in check_samples(labels, "labels", n_samples):
        if p[s:e + 1].any():
            p[s:e + 1] = True
    tp = int(np.sum(y & p))
    fp = int(np.sum(~y & p))
    fn = int(np.sum(y & ~p))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0
