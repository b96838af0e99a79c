"""The telemanom evaluation protocol on NASA SMAP/MSL: per-channel training, detection, event-wise counts.

Source: Hundman et al., "Detecting Spacecraft Anomalies Using LSTMs and Nonparametric Dynamic Thresholding",
KDD 2018, arXiv:1802.04431, and ``khundman/telemanom`` (``detector.py::evaluate_sequences``); reference sheet
``fdir.md`` §3, §4 and §13. For every selected labelled channel (:mod:`fdir.data.smap_msl`):

1. a detector is trained on the channel's **training array only**;
2. the test array is scored and thresholded without labels; detections are closed index intervals in test-array
   coordinates;
3. detections are counted against each label row of the channel with the telemanom rule
   (:func:`fdir.metrics.telemanom.telemanom_counts`); ``P-2`` (SMAP, two label rows) is trained once and counted
   against both rows, as telemanom did (82 rows in all; ``p2="drop"`` leaves it out, as OmniAnomaly/TranAD);
4. TP/FP/FN are summed over the rows (micro over events): precision, recall, F0.5, F1; the ESA-ADB corrected
   event-wise figures (Kotowski et al., arXiv:2406.17826, :func:`fdir.metrics.esa.esa_counts`) are micro-summed
   over the same rows.

Two entry points share steps 1-4:

* :func:`run_telemanom` — the protocol itself with the forecaster of :mod:`fdir.detectors.forecaster` (any
  :class:`~fdir.detectors.forecaster.ForecasterConfig` and :class:`~fdir.ndt.NDTParams`) over one spacecraft,
  per-row results (:class:`TelemanomResult`), channels in parallel with joblib (``n_jobs``; each channel is
  deterministic by its explicit seeds, so the counts do not depend on ``n_jobs``). Compared with telemanom's
  published run (:data:`PUBLISHED`) by ``benchmarks/bench_fdir.py``.
* :func:`run_variant` / :func:`evaluate_spiking` — one detector variant of the co-design study (``hwsim run``):
  the same protocol, plus the hwsim IR workload of one inference (:class:`VariantResult`).

Variants: the detector pipelines of :mod:`fdir.registry` (the one list of choices, :func:`fdir.registry.names`):

* ``dense_float``: the convolutional forecaster (default :class:`~fdir.detectors.forecaster.ForecasterConfig`),
  float32 (JAX); each error stream (:attr:`~fdir.detectors.forecaster.Forecaster.error_streams`: each member's
  first-step error and the absolute member's horizon-mean error) thresholded by its own NDT, flags OR-ed
  (:func:`fdir.ndt.detect_any`, via :func:`fdir.detectors.forecaster.channel_detections`).
* ``int8``: the same trained forecaster (same seed, same weights) exported in the embeddable format and quantised
  (:func:`fdir.detectors.forecast_detector.quantized_graph`: int8 weights per output channel, int8/int16
  activations, int32 accumulators; static activation scales calibrated on up to 512 nominal training windows with
  4x headroom, :data:`fdir.detectors.forecaster.FIXED_POINT_HEADROOM`), run by the numpy runtime's fixed-point
  graph (:class:`fdir.runtime.Graph`); the same error streams from the int8 predictions. Its metrics also hold
  the float detector's ``f1_float`` / ``f0_5_float``, ``f1_delta_vs_float`` = F1(int8) − F1(float) and the
  prediction differences ``pred_max_abs_diff``, ``pred_rmse_diff``, ``pred_median_abs_diff`` (value units;
  values more than the headroom beyond the training range saturate).
* ``dense_params_matched`` / ``dense_ops_matched``: ``dense_float``'s driver on the forecaster pair sized to the
  spiking detector's parameter count / operations per sample (:mod:`fdir.detectors.matched`).
* ``lif`` / ``mtj_lif``: the spiking forecaster of :mod:`fdir.detectors.spiking` (signed send-on-delta input,
  signed LIF or MTJ-LIF neurons from the devices/ compact model, leaky readout).
* any other registered pipeline (``cae``, ``isolation_forest``, ``lof`` or a user's own,
  :func:`fdir.registry.register`): :class:`fdir.pipeline.Pipeline` with ``scaling="none"`` (the shipped arrays
  are already scaled to [-1, 1]) and ``per_channel=False`` (column 0 watched, command columns available), fitted
  on each channel's training array, with telemanom's settings (:data:`fdir.pipeline.TELEMANOM`: NDT, scaled values,
  one budget per channel, no flat-line check; a user's own pipeline included, not the pipeline's label-free
  defaults), so the study's figures follow the telemanom protocol; workload, parameter
  count and weight bits from the first channel's ``workload()``.

Workload (``VariantResult.workload``): ONE inference = one telemetry sample on one channel. Dense variants: one
``conv1d`` row per convolution and one ``linear`` row per dense layer
(:func:`fdir.detectors.forecast_detector.dense_workload`; MACs = :meth:`ForecasterConfig.macs`), float32
(``w_bits = a_bits = 32``, ``w_format = "fp"``) or int8 (``w_bits = 8``, ``a_bits`` 8 or 16 per layer as
exported, ``acc_bits = 32``, ``w_format = "int"``). Spiking variants: measured events and synaptic operations
per sample (:func:`fdir.detectors.spiking.workload`).

Channel subset (:data:`SUBSET`, :func:`subset_rule`): per spacecraft, label-file order, the first channels whose
labelled anomalies are all ``point`` and the first whose anomalies are all ``contextual`` (``per_class`` of each),
skipping channels whose subsystem prefix (the letters before ``-``) is already taken, so the subset spans both
anomaly classes and distinct subsystems of both spacecraft; deterministic (the label file fixes it).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import pandas as pd

__all__ = [
    "ACTIVITY_COLUMNS",
    "CHANNEL_CHOICES",
    "PUBLISHED",
    "QUICK_CHANNEL",
    "SPACECRAFT_CHOICES",
    "SUBSET",
    "TelemanomResult",
    "VariantResult",
    "evaluate_spiking",
    "pooled_workload",
    "resolve_channels",
    "run_telemanom",
    "run_variant",
    "subset_rule",
]

PUBLISHED = {
    "SMAP": {"tp": 62, "fp": 12, "fn": 7},
    "MSL": {"tp": 25, "fp": 1, "fn": 11},
}
"""telemanom's published run, event counts recomputed from ``khundman/telemanom`` ``results/2018-05-19_15.00.10.csv``
(reference sheet §4): SMAP P 0.838, R 0.899, F1 0.867 (69 labelled anomalies); MSL P 0.962, R 0.694, F1 0.806
(36). Derive P/R/F with :class:`fdir.metrics.telemanom.EventCounts`."""

SPECIALISED = ("dense_float", "int8", "dense_params_matched", "dense_ops_matched", "lif", "mtj_lif")
"""Variants evaluated by their own drivers below (pooled workloads, int8-vs-float figures); every other registered
name goes through the generic pipeline driver."""
SPACECRAFT_CHOICES = ("SMAP", "MSL", "both")
CHANNEL_CHOICES = ("subset", "all")

SUBSET: dict[str, tuple[str, ...]] = {
    "SMAP": ("P-1", "S-1", "E-1", "A-1", "D-1", "G-1"),
    "MSL": ("M-6", "S-2", "P-10", "F-7", "T-12", "D-16"),
}
"""Representative channels per spacecraft (:func:`subset_rule` with ``per_class=3``; module doc)."""

QUICK_CHANNEL = "S-2"
"""``quick=True`` channel: MSL S-2 (926 training, 1,827 test samples, one point anomaly), the shortest in SUBSET."""

_ESA_KEYS = ("esa_precision_corrected", "esa_recall", "esa_f0_5_corrected", "esa_f1_corrected", "esa_tnr",
             "alarming_precision", "affiliation_precision", "affiliation_recall", "adtqc")


# --------------------------------------------------------------------------------------------- channels


def subset_rule(per_class: int = 3) -> dict[str, tuple[str, ...]]:
    """The representative subset rule (module doc): per spacecraft, ``per_class`` all-point and ``per_class``
    all-contextual channels in label-file order with distinct subsystem prefixes, listed in label-file order.

    Raises
    ------
    ValueError
        for per_class < 1.
    """
    from fdir.data.smap_msl import SPACECRAFT, label_rows

    if int(per_class) < 1:
        raise ValueError(f"per_class={per_class} must be >= 1")
    out = {}
    for sc in SPACECRAFT:
        taken: dict[str, int] = {"point": 0, "contextual": 0}
        prefixes: set[str] = set()
        chosen: list[str] = []
        for row in label_rows(sc):
            cls = set(row.classes)
            if len(cls) != 1 or row.chan_id in chosen:
                continue
            c = cls.pop()
            prefix = row.chan_id.split("-")[0]
            if c in taken and taken[c] < per_class and prefix not in prefixes:
                taken[c] += 1
                prefixes.add(prefix)
                chosen.append(row.chan_id)
        out[sc] = tuple(chosen)
    return out


def resolve_channels(spacecraft: str = "SMAP", channels: str | Sequence[str] = "subset", *, quick: bool = False,
                     p2: str = "both", source=None) -> tuple[str, ...]:
    """Channel ids for a spacecraft selection.

    Parameters
    ----------
    spacecraft : one of :data:`SPACECRAFT_CHOICES`.
    channels : ``"subset"`` (:data:`SUBSET`), ``"all"`` (every labelled channel, label-file order) or explicit
        channel ids (kept in the given order).
    quick : keep one channel (:data:`QUICK_CHANNEL` when selected, else the first).
    p2 : ``"both"`` (telemanom) or ``"drop"`` (SMAP's P-2 left out; :data:`fdir.data.smap_msl.P2_MODES`).
    source : folder with the original data layout (None: the shipped copy).

    Raises
    ------
    ValueError
        for a spacecraft not in :data:`SPACECRAFT_CHOICES`, a channels string not in :data:`CHANNEL_CHOICES`, an
        empty list, ids that are not labelled channels of the selected spacecraft, or a p2 value not in
        ``P2_MODES`` (P-2 requested with ``p2="drop"`` included).
    """
    from fdir.data.smap_msl import P2_MODES, channel_ids

    if spacecraft not in SPACECRAFT_CHOICES:
        raise ValueError(f"spacecraft={spacecraft!r}, accepted: {SPACECRAFT_CHOICES}")
    if p2 not in P2_MODES:
        raise ValueError(f"p2={p2!r}, accepted: {P2_MODES}")
    crafts = ("SMAP", "MSL") if spacecraft == "both" else (spacecraft,)
    known = tuple(c for sc in crafts for c in channel_ids(sc, source=source) if not (p2 == "drop" and c == "P-2"))
    if isinstance(channels, str):
        if channels not in CHANNEL_CHOICES:
            raise ValueError(f"channels={channels!r}, accepted: {CHANNEL_CHOICES} or a sequence of channel ids")
        if channels == "subset":
            ids = tuple(c for sc in crafts for c in SUBSET[sc] if c in known)
        else:
            ids = known
        if quick:
            ids = (QUICK_CHANNEL,) if QUICK_CHANNEL in ids else ids[:1]
        return ids
    ids = tuple(str(c) for c in channels)
    if not ids:
        raise ValueError("channels must name at least one channel id")
    bad = [c for c in ids if c not in known]
    if bad:
        raise ValueError(f"channels={bad} are not labelled channels of spacecraft={spacecraft!r} (p2={p2!r}); "
                         f"accepted: {sorted(known)}")
    return ids[:1] if quick else ids


# --------------------------------------------------------------------------------------------- counting


def _label_row_counts(ch, detections: Iterable[Sequence[int]], **extra) -> list[dict]:
    """Step 3 (module doc): one dict per label row of the loaded channel ``ch``
    (:class:`fdir.data.smap_msl.Channel`) with its telemanom counts against ``detections`` (test indices), plus
    ``extra`` items (timings, model figures)."""
    from fdir.metrics.telemanom import telemanom_counts

    det = [(int(a), int(b)) for a, b in detections]
    out = []
    for r in ch.labels:
        c = telemanom_counts(r.sequences, det)
        out.append({"chan_id": ch.chan_id, "spacecraft": ch.spacecraft, "row": r.row,
                    "n_test": int(ch.test.shape[0]), "n_labels": len(r.sequences), "n_detections": len(det),
                    "tp": c.tp, "fp": c.fp, "fn": c.fn, **extra, "detections": det,
                    "labels": [tuple(int(v) for v in s) for s in r.sequences]})
    return out


def _esa_total(rows: list[dict]):
    """ESA-ADB corrected event-wise counts (:class:`fdir.metrics.esa.ESACounts`) micro-summed over label rows
    (None for no rows)."""
    from fdir.metrics.esa import esa_counts_total

    return esa_counts_total((r["labels"], r["detections"], r["n_test"]) for r in rows)


def _metrics(rows: list[dict]) -> dict[str, float]:
    """Step 4 (module doc): micro-summed precision, recall, f1, f0_5, tp, fp, fn over ``rows``; per spacecraft
    (``f1_SMAP``, ...) when the rows span both; the ESA-ADB figures of :data:`_ESA_KEYS`."""
    from fdir.metrics.telemanom import EventCounts

    total = EventCounts(0, 0, 0)
    by_sc: dict[str, EventCounts] = {}
    for r in rows:
        c = EventCounts(r["tp"], r["fp"], r["fn"])
        total = total + c
        by_sc[r["spacecraft"]] = by_sc.get(r["spacecraft"], EventCounts(0, 0, 0)) + c
    m = {"precision": total.precision, "recall": total.recall, "f1": total.f1, "f0_5": total.f05,
         "tp": float(total.tp), "fp": float(total.fp), "fn": float(total.fn)}
    if len(by_sc) > 1:
        for sc, c in by_sc.items():
            m.update({f"precision_{sc}": c.precision, f"recall_{sc}": c.recall, f"f1_{sc}": c.f1,
                      f"f0_5_{sc}": c.f05})
    esa = _esa_total(rows)
    if esa is not None:
        d = esa.as_dict()
        m.update({k: float(d[k]) for k in _ESA_KEYS})
    return m


# --------------------------------------------------------------------------------------------- the forecaster


def _dense_channel(chan: str, cfg, ndt, source=None, int8: bool = False) -> dict:
    """Steps 1-3 with the forecaster on one channel (``ndt`` given, not None): ``rows`` (label-row counts of the float
    detector, or of the int8 runtime with ``int8``), ``n_in`` (model columns), ``train_s``, ``infer_s`` (s); with
    ``int8`` also ``rows_float``, ``int8_bits`` {layer: activation bits} and ``pred_diff`` (int8 − float forecasts,
    flat)."""
    from fdir.data.smap_msl import load_channel
    from fdir.detectors.forecaster import channel_detections, forecast_heads, stream_errors
    from fdir.ndt import detect_any

    ch = load_channel(chan, source=source)
    run = channel_detections(chan, ch.train, ch.test, cfg, ndt, keep_model=True)
    model = run.model
    extra = {"train_s": run.train_s, "infer_s": run.infer_s, "skip_gain": model.skip_gain,
             "val_loss": float(min(model.history["val"]))}
    rows = _label_row_counts(ch, run.ndt.sequences, **extra)
    out = {"rows": rows, "n_in": len(model.columns), "train_s": run.train_s, "infer_s": run.infer_s}
    if int8:
        from fdir.detectors.forecast_detector import graph_forecasts, quantized_graph

        t0 = time.perf_counter()
        heads, Y = forecast_heads(model, ch.test, full=True)        # (n_heads, N, H), the float forecasts
        g, _, bits = quantized_graph(model, ch.train, cfg.seed, ndt)
        y_q = graph_forecasts(model, g, ch.test)
        res = detect_any(stream_errors(y_q, Y, model.error_streams), Y[:, 0], ndt, offset=cfg.l_s)
        out.update(rows_float=rows, rows=_label_row_counts(ch, res.sequences, **extra), int8_bits=bits,
                   pred_diff=(y_q - heads).ravel(), infer_s=run.infer_s + time.perf_counter() - t0)
    return out


def _dense_ndt(cfg, ndt):
    from fdir.ndt import NDTParams

    return NDTParams(l_s=cfg.l_s) if ndt is None else ndt


@dataclass(frozen=True)
class TelemanomResult:
    """Outcome of :func:`run_telemanom`.

    ``rows``: one dict per label row (chan_id, spacecraft, row, n_test (test samples), n_labels, n_detections, tp,
    fp, fn, train_s, infer_s (s), skip_gain (the trained model's
    :attr:`~fdir.detectors.forecaster.Forecaster.skip_gain`), val_loss (its best validation loss), detections,
    labels (closed test-index intervals)); ``tp``/``fp``/``fn`` the sums; ``wall_s`` the wall time of the whole
    run (s); ``channels`` the channel ids evaluated; ``config`` the forecaster configuration as a dict.
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
        return _esa_total(self.rows)

    def summary(self) -> dict[str, float | int | str]:
        """Flat dict: spacecraft, channel and label counts, tp/fp/fn, precision, recall, f05, f1, the ESA-ADB
        corrected precision and F0.5 (``esa_precision_corrected``, ``esa_f0_5_corrected``), wall_s."""
        esa = self.esa.as_dict()
        return {"spacecraft": self.spacecraft, "channels": len(self.channels), "label_rows": len(self.rows),
                "tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": self.precision, "recall": self.recall,
                "f05": self.f05, "f1": self.f1, "esa_precision_corrected": float(esa["esa_precision_corrected"]),
                "esa_f0_5_corrected": float(esa["esa_f0_5_corrected"]), "wall_s": self.wall_s}


def run_telemanom(spacecraft: str, cfg=None, ndt=None, *, channels: Sequence[str] | None = None, n_jobs: int = 1,
                  p2: str = "both", source=None) -> TelemanomResult:
    """The telemanom protocol (module doc) with the forecaster over the labelled channels of a spacecraft.

    Parameters
    ----------
    spacecraft : ``"SMAP"``, ``"MSL"`` or ``"both"`` (:data:`SPACECRAFT_CHOICES`).
    cfg : :class:`fdir.detectors.forecaster.ForecasterConfig` (None: the default).
    ndt : :class:`fdir.ndt.NDTParams` (None: telemanom's defaults with ``l_s = cfg.l_s``).
    channels : labelled channel ids of that spacecraft (None: all of them; 54 SMAP ids / 55 rows, 27 MSL).
    n_jobs : joblib worker processes (1: in this process).
    p2 : ``"both"`` (telemanom) or ``"drop"`` (OmniAnomaly/TranAD preprocessing) for SMAP's duplicated P-2 rows.
    source : folder with the original data layout (None: the shipped copy).

    Raises
    ------
    ValueError
        for an unknown spacecraft or p2 value, channels that are not labelled channels of that spacecraft, an
        empty channel list, or n_jobs < 1.
    """
    from fdir.detectors.forecaster import ForecasterConfig

    if int(n_jobs) < 1:
        raise ValueError(f"n_jobs={n_jobs} must be >= 1")
    chans = resolve_channels(spacecraft, "all" if channels is None else channels, p2=p2, source=source)
    cfg = ForecasterConfig() if cfg is None else cfg
    ndt = _dense_ndt(cfg, ndt)
    t0 = time.perf_counter()
    if int(n_jobs) == 1:
        per = [_dense_channel(c, cfg, ndt, source) for c in chans]
    else:
        from joblib import Parallel, delayed

        per = Parallel(n_jobs=int(n_jobs))(delayed(_dense_channel)(c, cfg, ndt, source) for c in chans)
    wall = time.perf_counter() - t0
    rows = [r for p in per for r in p["rows"]]
    tp, fp, fn = (int(sum(r[k] for r in rows)) for k in ("tp", "fp", "fn"))
    return TelemanomResult(spacecraft, rows, tp, fp, fn, wall, chans, asdict(cfg))


# --------------------------------------------------------------------------------------------- study variants


@dataclass(frozen=True)
class VariantResult:
    """Outcome of :func:`run_variant`.

    variant, spacecraft : as requested. channels : the evaluated channel ids. metrics : event-wise ``precision``,
    ``recall``, ``f1``, ``f0_5``, ``tp``, ``fp``, ``fn`` (micro over channels and label rows; with spacecraft
    ``"both"`` also ``f1_SMAP``, ``f1_MSL``, ...), ``esa_*`` ESA-ADB figures, spike rates (spiking variants) and
    the int8-vs-float comparison (``int8``). workload : hwsim IR (:mod:`hwsim.ir`) of one inference (one sample,
    one channel). n_params : stored parameters of one channel's detector. weight_bits : bits per stored weight.
    train_s, eval_s : wall time (s) of training and of inference + thresholding, summed over channels.
    """

    variant: str
    spacecraft: str
    channels: tuple[str, ...]
    metrics: dict[str, float]
    workload: pd.DataFrame = field(repr=False)
    n_params: int
    weight_bits: int
    train_s: float
    eval_s: float


def _epochs(epochs: int | None, quick: bool) -> dict:
    return {"epochs": int(epochs)} if epochs is not None else ({"epochs": 3} if quick else {})


def _run_dense(variant: str, ids: tuple[str, ...], epochs: int | None, seed: int, quick: bool,
               combine: str = "union", base=None):
    from fdir.detectors.forecast_detector import dense_workload
    from fdir.detectors.forecaster import ForecasterConfig

    kw = {"seed": seed, "combine": combine, **_epochs(epochs, quick)}
    cfg = ForecasterConfig(**kw) if base is None else replace(base, **kw)
    ndt = _dense_ndt(cfg, None)
    per = [_dense_channel(c, cfg, ndt, int8=variant == "int8") for c in ids]
    rows = [r for p in per for r in p["rows"]]
    n_in = max([1] + [p["n_in"] for p in per])
    metrics = _metrics(rows)
    metrics["macs_per_inference"] = float(cfg.macs(n_in))
    if variant == "int8":
        mf = _metrics([r for p in per for r in p["rows_float"]])
        d = np.concatenate([p["pred_diff"] for p in per])
        bits_all: dict[str, int] = {}
        for p in per:
            for k, v in p["int8_bits"].items():
                bits_all[k] = max(bits_all.get(k, 8), v)
        metrics.update({"f1_float": mf["f1"], "f0_5_float": mf["f0_5"], "f1_delta_vs_float": metrics["f1"] - mf["f1"],
                        "pred_max_abs_diff": float(np.max(np.abs(d))), "pred_rmse_diff": float(np.sqrt(np.mean(d**2))),
                        "pred_median_abs_diff": float(np.median(np.abs(d)))})
        wl, wbits = dense_workload(cfg, n_in, int8_bits=bits_all), 8
    else:
        wl, wbits = dense_workload(cfg, n_in), 32
    train_s = float(sum(p["train_s"] for p in per))
    eval_s = float(sum(p["infer_s"] for p in per))
    return metrics, wl, int(cfg.n_params(n_in)), wbits, train_s, eval_s


def _run_spiking(variant: str, ids: tuple[str, ...], epochs: int | None, seed: int, quick: bool, cfg=None,
                 T_K: float = 300.0, mtj_model=None):
    from fdir.data.smap_msl import load_channel
    from fdir.detectors.spiking import SpikingConfig, SpikingTrainer, channel_detections, workload
    from fdir.ndt import NDTParams

    if cfg is None:
        kw = {"seed": seed, "neuron": "mtj" if variant == "mtj_lif" else "lif", **_epochs(epochs, quick)}
        if variant == "mtj_lif":
            kw.update(T_K=float(T_K), mtj_model=mtj_model)
        cfg = SpikingConfig(**kw)
    ndt = NDTParams(l_s=cfg.l_s)
    trainer = SpikingTrainer(cfg)
    runs, rows = [], []
    for chan in ids:
        ch = load_channel(chan)
        r = channel_detections(chan, ch.train, ch.test, trainer, ndt)
        runs.append(r)
        rows += _label_row_counts(ch, r.ndt.sequences)
    metrics = _metrics(rows)
    n = float(sum(r.n_samples for r in runs))
    wl = workload(cfg, runs)
    metrics.update({
        "input_events_per_sample": sum(r.events_in_pos + r.events_in_neg for r in runs) / n,
        "hidden_spikes_per_sample": sum(r.spikes_pos + r.spikes_neg for r in runs) / n,
        "hidden_spike_rate": sum(r.spikes_pos + r.spikes_neg for r in runs) / (n * cfg.n_hidden),
        "syn_ops_per_inference": float(wl["syn_ops"].sum(skipna=True)),
    })
    return (metrics, wl, cfg.n_params(), 32, float(sum(r.train_s for r in runs)),
            float(sum(r.infer_s for r in runs)))


def _run_pipeline(variant: str, ids: tuple[str, ...], epochs: int | None, seed: int, quick: bool):
    """Any registered pipeline (module doc) on the channels ``ids``."""
    from fdir.data.smap_msl import load_channel
    from fdir.registry import make
    from hwsim import ir

    rows, wls, weights = [], [], []
    train_s = eval_s = 0.0
    for chan in ids:
        ch = load_channel(chan)
        pipe = make(variant, seed=seed, epochs=epochs, quick=quick, scaling="none", per_channel=False,
                    settings="telemanom")
        t0 = time.perf_counter()
        pipe.fit(ch.train)
        t1 = time.perf_counter()
        found = pipe.detect(ch.test)
        eval_s += time.perf_counter() - t1
        train_s += t1 - t0
        rows += _label_row_counts(ch, found[["start_index", "end_index"]].to_numpy())
        wls.append(pipe.workload())
        weights.append(ch.test.shape[0])
    wl = pooled_workload(wls, weights)
    return _metrics(rows), wl, int(ir.parameter_count(wl)), int(wl["w_bits"].max()), train_s, eval_s


ACTIVITY_COLUMNS = ("spikes_pos", "spikes_neg", "syn_ops")
"""IR columns that a detector measures on its data (per inference) rather than takes from its architecture."""


def pooled_workload(workloads: Sequence[pd.DataFrame], weights: Sequence[float]) -> pd.DataFrame:
    """One IR for detectors trained per channel: the layer structure of the first channel's IR, with each measured
    activity column (:data:`ACTIVITY_COLUMNS`) replaced by its ``weights``-weighted mean over the channels that have
    the same layer (matched by ``layer`` name), so a spiking or converted detector is costed at its mean activity per
    inference over the evaluated channels rather than at the first channel's. Rows whose activity is NaN everywhere
    stay NaN. ``weights``: (n_channels,) non-negative (the study uses each channel's test length in samples).

    Raises ValueError for an empty list, mismatched lengths or weights that are negative, non-finite or all zero.
    """
    w = np.asarray(weights, dtype=np.float64)
    if not workloads or len(workloads) != w.size:
        raise ValueError(f"workloads ({len(workloads)}) and weights ({w.size}) must be non-empty and equally long")
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError(f"weights={w.tolist()} must be finite, >= 0 and not all 0")
    out = workloads[0].copy()
    for col in ACTIVITY_COLUMNS:
        if col not in out.columns:
            continue
        per = pd.concat([wl.set_index("layer")[col].rename(i) for i, wl in enumerate(workloads)], axis=1)
        per = per.reindex(out["layer"])
        vals = per.to_numpy(np.float64)
        ok = np.isfinite(vals)
        ww = np.where(ok, w[None, :], 0.0)
        num = np.where(ok, vals, 0.0) @ w
        den = ww.sum(axis=1)
        out[col] = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    return out


def _result(variant, spacecraft, ids, out) -> VariantResult:
    metrics, wl, n_params, wbits, train_s, eval_s = out
    return VariantResult(variant, spacecraft, ids, {k: float(v) for k, v in metrics.items()}, wl, int(n_params),
                         int(wbits), float(train_s), float(eval_s))


def evaluate_spiking(cfg, spacecraft: str = "SMAP", channels: str | Sequence[str] = "subset", *,
                     quick: bool = False) -> VariantResult:
    """Evaluate a spiking detector with an explicit :class:`fdir.detectors.spiking.SpikingConfig` ``cfg`` (design
    sweeps: δ, neurons, sizes) like :func:`run_variant` (variant ``"lif"`` or ``"mtj_lif"`` from ``cfg.neuron``).

    Raises
    ------
    ValueError
        for a bad spacecraft or channels value (see :func:`resolve_channels`).
    """
    ids = resolve_channels(spacecraft, channels, quick=quick)
    variant = "mtj_lif" if cfg.neuron == "mtj" else "lif"
    return _result(variant, spacecraft, ids, _run_spiking(variant, ids, None, cfg.seed, quick, cfg))


def run_variant(variant: str, spacecraft: str = "SMAP", channels: str | Sequence[str] = "subset", *,
                epochs: int | None = None, seed: int = 0, quick: bool = False, combine: str = "union",
                T_K: float = 300.0, mtj_model=None) -> VariantResult:
    """Train and evaluate one detector variant on SMAP/MSL channels with the telemanom protocol (module doc).

    Parameters
    ----------
    variant : a registered detector pipeline (:func:`fdir.registry.names`).
    spacecraft : ``"SMAP"``, ``"MSL"`` or ``"both"``.
    channels : ``"subset"`` (:data:`SUBSET`), ``"all"`` (every labelled channel) or explicit channel ids.
    epochs : training epochs (default: the detector's default; 3 with ``quick``).
    seed : initialisation, shuffling, calibration sample and neuron noise.
    quick : one channel (:data:`QUICK_CHANNEL` when selected, else the first) and 3 epochs (CI).
    combine : detection rule of the dense variants' forecaster pair, one of
        :data:`fdir.detectors.forecaster.COMBINE_MODES` (``ForecasterConfig.combine``); the spiking variants
        have one forecast and ignore it.
    T_K : operating temperature of the MTJ neurons [K] (``mtj_lif`` only; :attr:`SpikingConfig.T_K`).
    mtj_model : the compact MTJ neuron fitted at ``T_K`` (``mtj_lif`` only; :attr:`SpikingConfig.mtj_model`),
        None = :meth:`snn.neurons.MTJNeuron.default` at ``T_K``.

    Raises
    ------
    ValueError
        for an unknown variant, spacecraft, channels or combine value (naming the parameter and accepted values),
        or epochs < 1.
    """
    from fdir.detectors.forecaster import COMBINE_MODES
    from fdir.registry import MATCHED, names

    if variant not in names():
        raise ValueError(f"variant={variant!r}, accepted: {names()} (fdir.registry)")
    if combine not in COMBINE_MODES:
        raise ValueError(f"combine={combine!r}, accepted: {COMBINE_MODES}")
    if epochs is not None and int(epochs) < 1:
        raise ValueError(f"epochs={epochs} must be >= 1 (or None for the detector's default)")
    ids = resolve_channels(spacecraft, channels, quick=quick)
    if variant in ("dense_float", "int8"):
        out = _run_dense(variant, ids, epochs, int(seed), bool(quick), combine)
    elif variant in MATCHED:
        from fdir.detectors.matched import matched_config

        out = _run_dense("dense_float", ids, epochs, int(seed), bool(quick), combine,
                         base=matched_config(MATCHED[variant]))
    elif variant in SPECIALISED:
        out = _run_spiking(variant, ids, epochs, int(seed), bool(quick), T_K=T_K, mtj_model=mtj_model)
    else:
        out = _run_pipeline(variant, ids, epochs, int(seed), bool(quick))
    return _result(variant, spacecraft, ids, out)
