"""The telemanom protocol over a whole spacecraft: per-channel training, forecast, NDT and event-wise counts.

Source: Hundman et al., "Detecting Spacecraft Anomalies Using LSTMs and Nonparametric Dynamic Thresholding",
KDD 2018, arXiv:1802.04431, and ``khundman/telemanom`` (``detector.py::evaluate_sequences``); reference sheet
``fdir.md`` §3 and §13. For every labelled channel of a spacecraft (NASA SMAP or MSL, :mod:`fdir.data.smap_msl`):

1. a forecaster (:mod:`fdir.detectors.forecaster`) is trained on the channel's **training array only**;
2. the test array is forecast, the forecast errors are thresholded by nonparametric dynamic thresholding
   (:mod:`fdir.ndt`, unsupervised: no label is read; the default pair thresholds each member's first-step errors
   and the absolute member's horizon-mean errors, each stream on its own, and ORs the flags,
   :func:`fdir.ndt.detect_any`), detections are in test-index coordinates;
3. detections are counted against each label row of the channel with the telemanom rule
   (:func:`fdir.metrics.telemanom.telemanom_counts`); ``P-2`` (SMAP, two label rows) is trained once and counted
   against both rows, as telemanom did (82 rows in all);
4. TP/FP/FN are summed over the rows of the spacecraft (micro over events): precision, recall, F0.5, F1; the
   ESA-ADB corrected event-wise figures (Kotowski et al., arXiv:2406.17826, :func:`fdir.metrics.esa.esa_counts`)
   are micro-summed over the same rows (:attr:`TelemanomResult.esa`).

Channels run in parallel with joblib (processes) when ``n_jobs`` > 1; each channel's work is deterministic
(explicit seeds), so the counts do not depend on ``n_jobs``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

__all__ = ["PUBLISHED", "TelemanomResult", "channel_rows", "run_telemanom"]

PUBLISHED = {
    "SMAP": {"tp": 62, "fp": 12, "fn": 7},
    "MSL": {"tp": 25, "fp": 1, "fn": 11},
}
"""telemanom's published run, event counts recomputed from ``khundman/telemanom`` ``results/2018-05-19_15.00.10.csv``
(reference sheet §4): SMAP P 0.838, R 0.899, F1 0.867 (69 labelled anomalies); MSL P 0.962, R 0.694, F1 0.806
(36). Derive P/R/F with :class:`fdir.metrics.telemanom.EventCounts`."""


@dataclass(frozen=True)
class TelemanomResult:
    """Outcome of :func:`run_telemanom` for one spacecraft.

    ``rows``: one dict per label row (chan_id, row, n_test (test samples), n_labels, n_detections, tp, fp, fn,
    train_s, infer_s,
    skip_gain (the trained model's :attr:`~fdir.detectors.forecaster.Forecaster.skip_gain`), val_loss (its best
    validation loss), detections); ``tp``/``fp``/``fn`` the sums; ``wall_s`` the wall time of the whole run (s);
    ``channels`` the channel ids evaluated (in label-file order).
    """

    spacecraft: str
    rows: list[dict]
    tp: int
    fp: int
    fn: int
    wall_s: float
    channels: tuple[str, ...]
    config: dict = field(default_factory=dict)

    @property
    def counts(self):
        """The summed counts as :class:`fdir.metrics.telemanom.EventCounts` (precision, recall, f(beta), f1, f05)."""
        from fdir.metrics.telemanom import EventCounts

        return EventCounts(self.tp, self.fp, self.fn)

    @property
    def precision(self) -> float:
        return self.counts.precision

    @property
    def recall(self) -> float:
        return self.counts.recall

    def f(self, beta: float = 1.0) -> float:
        return self.counts.f(beta)

    @property
    def f1(self) -> float:
        return self.counts.f1

    @property
    def f05(self) -> float:
        return self.counts.f05

    @property
    def esa(self):
        """ESA-ADB corrected event-wise counts (:class:`fdir.metrics.esa.ESACounts`) summed over the label rows:
        each row's labels against the channel's detections over its ``n_test`` samples."""
        from fdir.metrics.esa import esa_counts_total

        return esa_counts_total((r["labels"], r["detections"], r["n_test"]) for r in self.rows)

    def summary(self) -> dict[str, float | int | str]:
        """Flat dict: spacecraft, channel and label counts, tp/fp/fn, precision, recall, f05, f1, the ESA-ADB
        corrected precision and F0.5 (``esa_precision_corrected``, ``esa_f0_5_corrected``), wall_s."""
        esa = self.esa.as_dict()
        return {"spacecraft": self.spacecraft, "channels": len(self.channels), "label_rows": len(self.rows),
                "tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": self.precision, "recall": self.recall,
                "f05": self.f05, "f1": self.f1, "esa_precision_corrected": float(esa["esa_precision_corrected"]),
                "esa_f0_5_corrected": float(esa["esa_f0_5_corrected"]), "wall_s": self.wall_s}


def channel_rows(chan_id: str, cfg=None, ndt=None, source=None) -> list[dict]:
    """Run one channel (train → forecast → NDT) and count its detections against each of its label rows.

    Returns one dict per label row (two for P-2; none for an unlabelled channel). Raises KeyError for an unknown
    channel id.
    """
    from fdir.data.smap_msl import load_channel
    from fdir.detectors.forecaster import ForecasterConfig, channel_detections
    from fdir.metrics.telemanom import telemanom_counts

    cfg = ForecasterConfig() if cfg is None else cfg
    ch = load_channel(chan_id, source=source)
    run = channel_detections(chan_id, ch.train, ch.test, cfg, ndt, keep_model=True)
    det = [tuple(int(v) for v in s) for s in run.ndt.sequences]
    gain, val = run.model.skip_gain, float(min(run.model.history["val"]))
    out = []
    for r in ch.labels:
        c = telemanom_counts(r.sequences, det)
        out.append({"chan_id": chan_id, "row": r.row, "n_test": int(ch.test.shape[0]), "n_labels": len(r.sequences),
                    "n_detections": len(det),
                    "tp": c.tp, "fp": c.fp, "fn": c.fn, "train_s": run.train_s, "infer_s": run.infer_s,
                    "skip_gain": gain, "val_loss": val, "detections": det, "labels": [tuple(s) for s in r.sequences]})
    return out


def run_telemanom(spacecraft: str, cfg=None, ndt=None, *, channels: list[str] | None = None, n_jobs: int = 1,
                  p2: str = "both", source=None) -> TelemanomResult:
    """telemanom protocol over the labelled channels of one spacecraft (module doc).

    Parameters
    ----------
    spacecraft : "SMAP" or "MSL".
    cfg : :class:`fdir.detectors.forecaster.ForecasterConfig` (None: the default).
    ndt : :class:`fdir.ndt.NDTParams` (None: telemanom's defaults with ``l_s = cfg.l_s``).
    channels : subset of the spacecraft's labelled channel ids (None: all of them; 54 SMAP ids / 55 rows,
        27 MSL).
    n_jobs : joblib worker processes (1: in this process).
    p2 : "both" (telemanom) or "drop" (OmniAnomaly/TranAD preprocessing) for SMAP's duplicated P-2 rows.
    source : folder with the original data layout (None: the shipped copy).

    Raises
    ------
    ValueError
        for an unknown spacecraft, a channel not labelled on that spacecraft, an empty channel list or
        n_jobs < 1.
    """
    from fdir.data.smap_msl import SPACECRAFT, channel_ids, label_rows

    if spacecraft not in SPACECRAFT:
        raise ValueError(f"spacecraft={spacecraft!r}, accepted: {SPACECRAFT}")
    if int(n_jobs) < 1:
        raise ValueError(f"n_jobs={n_jobs} must be >= 1")
    rows_meta = label_rows(spacecraft, p2=p2, source=source)
    known = channel_ids(spacecraft, source=source)
    if p2 == "drop":
        known = [c for c in known if c != "P-2"]
    if channels is None:
        chans = known
    else:
        bad = [c for c in channels if c not in known]
        if bad:
            raise ValueError(f"channels {bad} are not labelled {spacecraft} channels (p2={p2!r})")
        chans = [c for c in known if c in set(channels)]
    if not chans:
        raise ValueError("channels must name at least one channel")
    t0 = time.perf_counter()
    if int(n_jobs) == 1:
        per = [channel_rows(c, cfg, ndt, source) for c in chans]
    else:
        from joblib import Parallel, delayed

        per = Parallel(n_jobs=int(n_jobs))(delayed(channel_rows)(c, cfg, ndt, source) for c in chans)
    wall = time.perf_counter() - t0
    keep_rows = {r.row for r in rows_meta}
    rows = [r for rs in per for r in rs if r["row"] in keep_rows]
    tp, fp, fn = (int(sum(r[k] for r in rows)) for k in ("tp", "fp", "fn"))
    from dataclasses import asdict

    conf = {} if cfg is None else {k: v for k, v in asdict(cfg).items()}
    return TelemanomResult(spacecraft, rows, tp, fp, fn, wall, tuple(chans), conf)
