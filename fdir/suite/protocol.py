"""Evaluation protocol of the robustness suite: any :class:`fdir.pipeline.Pipeline` over the suite's series.

Per series (:func:`evaluate_series`): the pipeline is fitted on the nominal training prefix
(:attr:`fdir.suite.Series.train`) and evaluated on the whole series (the prefix gives the detector its context);
a sample is flagged when any channel is flagged, flags inside the training prefix are dropped, and the predicted
events are the maximal runs of flagged samples. Counting is telemanom's event-wise rule
(:func:`fdir.metrics.telemanom.telemanom_counts`, Hundman et al., KDD 2018, arXiv:1802.04431: a predicted event
overlapping a label is one TP for its first unmatched label, one overlapping none is one FP, unmatched labels
are FN), at series level (a label counts as detected whichever channel raised the flag). A series the pipeline
cannot process (e.g. too short for the detector's window) is recorded with its error and all its labels as FN.
Beside the counts, ``overlapped`` is the number of labels that some predicted event overlaps: telemanom's rule counts
one predicted event that spans two labels once (one TP, one FN), so ``overlapped`` − TP is what that rule did not
credit. On the suite this happens where two labels lie closer than a detector's grouping distance (SPOT's and
telemanom's 100 samples): in the ``medium`` subset 82 of the 532 labels of seeds 0-2 start within 100 samples of the
previous label's end, and ``linear_ar`` overlapped 368 labels for 338 TP (paper's SPOT rule, 2026-12-07).

:func:`score_table` sums the counts (micro over events) over all series and per anomaly type and adds the false
alarms per 10,000 test samples on the anomaly-free series (events predicted there, each a false alarm) and the
share of their test samples flagged.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from fdir.metrics.intervals import overlap_matrix, runs
from fdir.metrics.telemanom import EventCounts, telemanom_counts
from fdir.suite.dataset import Series

if TYPE_CHECKING:
    from fdir.detectors.base import Thresholder
    from fdir.pipeline import Pipeline

__all__ = ["evaluate_series", "evaluate_suite", "score_table"]


def evaluate_series(make_pipeline: Callable[[], Pipeline], s: Series,
                    thresholders: Mapping[str, Callable[[], Thresholder]] | None = None) -> list[dict]:
    """Rows for series ``s`` (module doc), one per thresholder: ``thresholder``, ``name``, ``signal_class``,
    ``anomaly``, ``n_test`` (test samples), ``tp``, ``fp``, ``fn``, ``overlapped`` (labels some predicted event
    overlaps, module doc), ``n_events`` (predicted events in the test part), ``n_flagged`` (flagged test samples),
    ``seconds`` (fit + evaluation), ``error`` ('' when the pipeline ran).

    ``make_pipeline`` returns a fresh unfitted :class:`~fdir.pipeline.Pipeline`; it is fitted once, and each
    factory of ``thresholders`` (name -> zero-argument factory; default: the pipeline's own thresholder, named
    ``"pipeline"``) is fitted on the scores the pipeline calibrated on (:meth:`fdir.pipeline.Pipeline.set_thresholder`
    on :attr:`~fdir.pipeline.Pipeline.calibration`: the detector's training scores, or its held-out scores with the
    pipeline's ``holdout``; the pipeline's alarm budget applies) and applied to the same scores."""
    base = {"name": s.name, "signal_class": s.signal_class, "anomaly": s.anomaly, "n_test": s.length - s.n_train}
    t0 = time.perf_counter()
    try:
        pipe = make_pipeline()
        pipe.fit(s.train)
    except ValueError as e:
        return [{"thresholder": k, **base, "tp": 0, "fp": 0, "fn": len(s.labels), "overlapped": 0, "n_events": 0,
                 "n_flagged": 0, "seconds": time.perf_counter() - t0, "error": str(e)}
                for k in (thresholders or {"pipeline": 0})]
    t_fit = time.perf_counter() - t0
    rows = []
    for k, make_thr in (thresholders or {"pipeline": None}).items():
        t1 = time.perf_counter()
        row = {"thresholder": k, **base}
        try:
            if make_thr is not None:
                pipe.set_thresholder(make_thr)
            flags = np.zeros(s.length, bool)
            for r in pipe.evaluate(s.values):
                flags |= np.asarray(r.flags, bool)
            flags[:s.n_train] = False
            pred = runs(flags)
            c = telemanom_counts(s.labels.tolist(), pred)
            hit = int(overlap_matrix(s.labels, np.asarray(pred)).any(axis=1).sum())
            row.update(tp=c.tp, fp=c.fp, fn=c.fn, overlapped=hit, n_events=len(pred), n_flagged=int(flags.sum()),
                       error="")
        except ValueError as e:
            row.update(tp=0, fp=0, fn=len(s.labels), overlapped=0, n_events=0, n_flagged=0, error=str(e))
        row["seconds"] = t_fit + time.perf_counter() - t1
        rows.append(row)
    return rows


def evaluate_suite(make_pipeline: Callable[[], Pipeline], series: Sequence[Series],
                   thresholders: Mapping[str, Callable[[], Thresholder]] | None = None,
                   progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """:func:`evaluate_series` over ``series`` (rows of all series and thresholders); ``progress`` gets a line
    per series."""
    rows = []
    for i, s in enumerate(series):
        if progress is not None:
            progress(f"{i + 1}/{len(series)} {s.name}")
        rows += evaluate_series(make_pipeline, s, thresholders)
    return pd.DataFrame(rows)


def score_table(rows: pd.DataFrame, by: str = "anomaly") -> pd.DataFrame:
    """Event-wise figures of :func:`evaluate_suite` rows of one thresholder: index ``all`` then each value of the
    column ``by`` present (``"anomaly"``: each anomaly type, ``none`` excluded; ``"signal_class"``: each signal class,
    its anomaly-free series included, so their false alarms count), columns ``tp, fp, fn, precision, recall, f1,
    series`` and, for rows that hold it, ``overlapped`` (labels some predicted event overlaps, module doc);
    ``attrs['false_alarms_per_10k']`` the events predicted on the anomaly-free series per 10,000 of their test
    samples (NaN without such series), ``attrs['flagged_share_nominal']`` the share of those test samples that are
    flagged (an event-count false-alarm rate hides a detector that flags a whole test part as one event), and
    ``attrs['errors']`` the number of series the pipeline could not process."""
    def counts(df):
        c = EventCounts(int(df.tp.sum()), int(df.fp.sum()), int(df.fn.sum()))
        out = {"tp": c.tp, "fp": c.fp, "fn": c.fn, "precision": c.precision, "recall": c.recall, "f1": c.f1,
               "series": len(df)}
        if "overlapped" in df:
            out["overlapped"] = int(df.overlapped.sum())
        return out

    if by not in ("anomaly", "signal_class"):
        raise ValueError(f"by={by!r}, accepted: ('anomaly', 'signal_class')")
    out = {"all": counts(rows)}
    for kind, df in (rows[rows.anomaly != "none"] if by == "anomaly" else rows).groupby(by, sort=False):
        out[kind] = counts(df)
    table = pd.DataFrame.from_dict(out, orient="index")
    free = rows[rows.anomaly == "none"]
    table.attrs["false_alarms_per_10k"] = (float(free.n_events.sum() / free.n_test.sum() * 1e4) if len(free)
                                           else float("nan"))
    table.attrs["flagged_share_nominal"] = (float(free.n_flagged.sum() / free.n_test.sum()) if len(free)
                                            and "n_flagged" in free else float("nan"))
    table.attrs["errors"] = int((rows.error != "").sum())
    return table
