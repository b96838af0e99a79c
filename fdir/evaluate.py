"""Detector variants on NASA SMAP/MSL for the co-design study (`hwsim run`): train, detect, score, describe the
workload of one inference in the hwsim network IR.

Variants: the detector pipelines of :mod:`fdir.registry` (the one list of choices, :func:`fdir.registry.names`), all
scored with the telemanom protocol (nonparametric dynamic thresholding,
:mod:`fdir.ndt`, same :class:`~fdir.ndt.NDTParams`; event-wise counts of :mod:`fdir.metrics.telemanom`, micro-summed
over the channels and label rows; Hundman et al., KDD 2018, arXiv:1802.04431):

* ``dense_float``: the convolutional forecaster of :mod:`fdir.detectors.forecaster` (default
  :class:`~fdir.detectors.forecaster.ForecasterConfig`), float32 (JAX).
* ``int8``: the same trained forecaster (same seed, same weights) exported in the embeddable format
  (:meth:`~fdir.detectors.forecaster.Forecaster.export_layers`), quantised by
  :func:`fdir.runtime.export.quantize_bundle` (int8 weights per output channel, int8/int16 activations, int32
  accumulators; static activation scales calibrated on up to 512 nominal training windows with 4x headroom,
  :data:`fdir.detectors.forecaster.FIXED_POINT_HEADROOM`) and run by the numpy runtime's fixed-point graph
  (:class:`fdir.runtime.Graph`); errors use the runtime's int8 predictions (the same error streams as the float
  detector, :attr:`~fdir.detectors.forecaster.Forecaster.error_streams`: each member's first-step error and the
  absolute member's horizon-mean error, each thresholded on its own, flags OR-ed, :func:`fdir.ndt.detect_any`).
  Its metrics also hold
  the float detector's ``f1_float`` / ``f0_5_float`` and ``f1_delta_vs_float`` = F1(int8) − F1(float) (the
  issue's "fixed-point F1 within 0.02 of float"), and the prediction differences ``pred_max_abs_diff``,
  ``pred_rmse_diff``, ``pred_median_abs_diff`` (value units; the static activation scales are calibrated on
  nominal data, so values more than the headroom beyond the training range still saturate).
* any other registered pipeline (``cae``, ``isolation_forest``, ``lof`` or a user's own,
  :func:`fdir.registry.register`): :class:`fdir.pipeline.Pipeline` with ``scaling="none"`` (the shipped arrays
  are already scaled to [-1, 1]) and ``per_channel=False`` (column 0 watched, command columns available), fitted
  on each channel's training array and thresholded by its own thresholder (default NDT); workload, parameter
  count and weight bits from the first channel's ``workload()``.
* ``dense_params_matched`` / ``dense_ops_matched``: ``dense_float``'s driver on the forecaster pair sized to the
  spiking detector's parameter count / operations per sample (:mod:`fdir.detectors.matched`).
* ``lif`` / ``mtj_lif``: the spiking forecaster of :mod:`fdir.detectors.spiking` (signed send-on-delta input,
  signed LIF or MTJ-LIF neurons from the devices/ compact model, leaky readout).

Workload (``VariantResult.workload``): ONE inference = one telemetry sample on one channel. Dense variants: one
``conv1d`` row per convolution and one ``linear`` row per dense layer, from the forecaster's layer shapes (MACs =
:meth:`ForecasterConfig.macs`), float32 (``w_bits = a_bits = 32``, ``w_format = "fp"``) or int8 (``w_bits = 8``,
``a_bits`` 8 or 16 per layer as exported, ``acc_bits = 32``, ``w_format = "int"``). Spiking variants: measured
events and synaptic operations per sample (:func:`fdir.detectors.spiking.workload`).

Channel subset (:data:`SUBSET`, :func:`subset_rule`): per spacecraft, label-file order, the first channels whose
labelled anomalies are all ``point`` and the first whose anomalies are all ``contextual`` (``per_class`` of each),
skipping channels whose subsystem prefix (the letters before ``-``) is already taken, so the subset spans both
anomaly classes and distinct subsystems of both spacecraft; deterministic (the label file fixes it).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from fdir.detectors.forecast_detector import dense_workload

SPECIALISED = ("dense_float", "int8", "dense_params_matched", "dense_ops_matched", "lif", "mtj_lif")
"""Variants evaluated by their own drivers below (pooled workloads, int8-vs-float figures); every other registered
name goes through :func:`_run_pipeline`."""
SPACECRAFT_CHOICES = ("SMAP", "MSL", "both")
CHANNEL_CHOICES = ("subset", "all")

SUBSET: dict[str, tuple[str, ...]] = {
    "SMAP": ("P-1", "S-1", "E-1", "A-1", "D-1", "G-1"),
    "MSL": ("M-6", "S-2", "P-10", "F-7", "T-12", "D-16"),
}
"""Representative channels per spacecraft (:func:`subset_rule` with ``per_class=3``; module doc)."""

QUICK_CHANNEL = "S-2"
"""``quick=True`` channel: MSL S-2 (926 training, 1,827 test samples, one point anomaly), the shortest in SUBSET."""

__all__ = ["CHANNEL_CHOICES", "QUICK_CHANNEL", "SPACECRAFT_CHOICES", "SUBSET", "VariantResult",
           "dense_workload", "evaluate_spiking", "resolve_channels", "run_variant", "subset_rule"]


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


@dataclass(frozen=True)
class VariantResult:
    """Outcome of :func:`run_variant`.

    variant, spacecraft : as requested. channels : the evaluated channel ids. metrics : event-wise ``precision``,
    ``recall``, ``f1``, ``f0_5``, ``tp``, ``fp``, ``fn`` (micro over channels; with spacecraft ``"both"`` also
    ``f1_SMAP``, ``f1_MSL``, ...), ``esa_*`` ESA-ADB figures when :mod:`fdir.metrics.esa` is present, spike rates
    (spiking variants) and the int8-vs-float comparison (``int8``). workload : hwsim IR (:mod:`hwsim.ir`) of one
    inference (one sample, one channel). n_params : stored parameters of one channel's detector. weight_bits :
    bits per stored weight. train_s, eval_s : wall time (s) of training and of inference + thresholding, summed
    over channels.
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


def resolve_channels(spacecraft: str = "SMAP", channels: str | Sequence[str] = "subset", *, quick: bool = False
                     ) -> tuple[str, ...]:
    """Channel ids for a spacecraft selection.

    Raises
    ------
    ValueError
        for a spacecraft not in :data:`SPACECRAFT_CHOICES`, a channels string not in :data:`CHANNEL_CHOICES`, an
        empty list, or ids that are not labelled channels of the selected spacecraft.
    """
    from fdir.data.smap_msl import channel_ids

    if spacecraft not in SPACECRAFT_CHOICES:
        raise ValueError(f"spacecraft={spacecraft!r}, accepted: {SPACECRAFT_CHOICES}")
    crafts = ("SMAP", "MSL") if spacecraft == "both" else (spacecraft,)
    if isinstance(channels, str):
        if channels not in CHANNEL_CHOICES:
            raise ValueError(f"channels={channels!r}, accepted: {CHANNEL_CHOICES} or a sequence of channel ids")
        if channels == "subset":
            ids = tuple(c for sc in crafts for c in SUBSET[sc])
        else:
            ids = tuple(c for sc in crafts for c in channel_ids(sc))
        if quick:
            ids = (QUICK_CHANNEL,) if QUICK_CHANNEL in ids else ids[:1]
        return ids
    ids = tuple(str(c) for c in channels)
    if not ids:
        raise ValueError("channels must name at least one channel id")
    known = {c for sc in crafts for c in channel_ids(sc)}
    bad = [c for c in ids if c not in known]
    if bad:
        raise ValueError(f"channels={bad} are not labelled channels of spacecraft={spacecraft!r}; accepted: "
                         f"{sorted(known)}")
    return ids[:1] if quick else ids


# --------------------------------------------------------------------------------------------- scoring


def _score(per_channel: list[tuple[str, list[tuple[int, int]], int]], spacecraft_of: dict[str, str]
           ) -> dict[str, float]:
    """Micro-summed telemanom counts over channels and label rows (P-2's two rows both count, as telemanom)."""
    from fdir.data.smap_msl import label_rows
    from fdir.metrics.telemanom import EventCounts, telemanom_counts

    rows = label_rows()
    total = EventCounts(0, 0, 0)
    by_sc: dict[str, EventCounts] = {}
    for chan, dets, _n in per_channel:
        for row in (r for r in rows if r.chan_id == chan):
            c = telemanom_counts(row.sequences, dets)
            total = total + c
            sc = spacecraft_of[chan]
            by_sc[sc] = by_sc.get(sc, EventCounts(0, 0, 0)) + c
    m = {"precision": total.precision, "recall": total.recall, "f1": total.f1, "f0_5": total.f05,
         "tp": float(total.tp), "fp": float(total.fp), "fn": float(total.fn)}
    if len(by_sc) > 1:
        for sc, c in by_sc.items():
            m.update({f"precision_{sc}": c.precision, f"recall_{sc}": c.recall, f"f1_{sc}": c.f1,
                      f"f0_5_{sc}": c.f05})
    m.update(_esa(per_channel, rows))
    return m


_ESA_KEYS = ("esa_precision_corrected", "esa_recall", "esa_f0_5_corrected", "esa_f1_corrected", "esa_tnr",
             "alarming_precision", "affiliation_precision", "affiliation_recall", "adtqc")


def _esa(per_channel, rows) -> dict[str, float]:
    """ESA-ADB corrected event-wise figures (Kotowski et al., arXiv:2406.17826; :func:`fdir.metrics.esa.esa_counts`,
    additive counts micro-summed over channels and label rows, as the telemanom counts)."""
    from fdir.metrics.esa import esa_counts_total

    total = esa_counts_total((row.sequences, [(int(a), int(b)) for a, b in dets], n)
                             for chan, dets, n in per_channel for row in rows if row.chan_id == chan)
    if total is None:
        return {}
    d = total.as_dict()
    return {k: float(d[k]) for k in _ESA_KEYS}


# --------------------------------------------------------------------------------------------- dense variants


def _int8_predictions(model, train: np.ndarray, test: np.ndarray, ndt, seed: int
                      ) -> tuple[np.ndarray, dict[str, int]]:
    """Forecasts (n_heads, N, H) of the int8 runtime graph for the test windows and the activation bits per affine
    layer (:func:`fdir.detectors.forecast_detector.quantized_graph`, :func:`~fdir.detectors.forecast_detector.
    graph_forecasts`)."""
    from fdir.detectors.forecast_detector import graph_forecasts, quantized_graph

    g, _, bits = quantized_graph(model, train, seed, ndt)
    return graph_forecasts(model, g, test), bits


def _run_dense(variant: str, ids: tuple[str, ...], epochs: int | None, seed: int, quick: bool,
               combine: str = "union", base=None):
    from fdir.data.smap_msl import load_channel
    from fdir.detectors.forecaster import ForecasterConfig, forecast_heads, stream_errors, train_forecaster
    from fdir.ndt import NDTParams, detect_any

    kw = {"seed": seed, "combine": combine}
    if epochs is not None:
        kw["epochs"] = int(epochs)
    elif quick:
        kw["epochs"] = 3
    cfg = ForecasterConfig(**kw) if base is None else replace(base, **kw)
    ndt = NDTParams(l_s=cfg.l_s)
    per_channel, per_channel_float = [], []
    train_s = eval_s = 0.0
    n_in, bits_all = 1, {}
    diffs: list[np.ndarray] = []
    sc_of = {}
    for chan in ids:
        ch = load_channel(chan)
        sc_of[chan] = ch.spacecraft
        t0 = time.perf_counter()
        model = train_forecaster(ch.train, cfg)
        t1 = time.perf_counter()
        y_hat, Y = forecast_heads(model, ch.test, full=True)  # (n_heads, N, H): each error stream thresholded
        y = Y[:, 0]
        n_in = max(n_in, len(model.columns))
        if variant == "int8":
            res_f = detect_any(stream_errors(y_hat, Y, model.error_streams), y, ndt, offset=cfg.l_s)
            per_channel_float.append((chan, res_f.sequences, ch.test.shape[0]))
            y_q, bits = _int8_predictions(model, ch.train, ch.test, ndt, seed)
            for k, v in bits.items():
                bits_all[k] = max(bits_all.get(k, 8), v)
            diffs.append((y_q - y_hat).ravel())
            y_hat = y_q
        res = detect_any(stream_errors(y_hat, Y, model.error_streams), y, ndt, offset=cfg.l_s)
        per_channel.append((chan, res.sequences, ch.test.shape[0]))
        train_s += t1 - t0
        eval_s += time.perf_counter() - t1
    metrics = _score(per_channel, sc_of)
    metrics["macs_per_inference"] = float(cfg.macs(n_in))
    if variant == "int8":
        mf = _score(per_channel_float, sc_of)
        d = np.concatenate(diffs)
        metrics.update({"f1_float": mf["f1"], "f0_5_float": mf["f0_5"], "f1_delta_vs_float": metrics["f1"] - mf["f1"],
                        "pred_max_abs_diff": float(np.max(np.abs(d))), "pred_rmse_diff": float(np.sqrt(np.mean(d**2))),
                        "pred_median_abs_diff": float(np.median(np.abs(d)))})
        wl = dense_workload(cfg, n_in, int8_bits=bits_all)
        wbits = 8
    else:
        wl = dense_workload(cfg, n_in)
        wbits = 32
    return metrics, wl, int(cfg.n_params(n_in)), wbits, train_s, eval_s


# --------------------------------------------------------------------------------------------- spiking variants


def _run_spiking(variant: str, ids: tuple[str, ...], epochs: int | None, seed: int, quick: bool, cfg=None,
                 T_K: float = 300.0, mtj_model=None):
    from fdir.data.smap_msl import load_channel
    from fdir.detectors.spiking import SpikingConfig, SpikingTrainer, channel_detections, workload
    from fdir.ndt import NDTParams

    if cfg is None:
        kw = {"seed": seed, "neuron": "mtj" if variant == "mtj_lif" else "lif"}
        if variant == "mtj_lif":
            kw.update(T_K=float(T_K), mtj_model=mtj_model)
        if epochs is not None:
            kw["epochs"] = int(epochs)
        elif quick:
            kw["epochs"] = 3
        cfg = SpikingConfig(**kw)
    ndt = NDTParams(l_s=cfg.l_s)
    trainer = SpikingTrainer(cfg)
    runs, per_channel, sc_of = [], [], {}
    for chan in ids:
        ch = load_channel(chan)
        sc_of[chan] = ch.spacecraft
        r = channel_detections(chan, ch.train, ch.test, trainer, ndt)
        runs.append(r)
        per_channel.append((chan, r.ndt.sequences, ch.test.shape[0]))
    metrics = _score(per_channel, sc_of)
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

    per_channel, sc_of, wl = [], {}, None
    train_s = eval_s = 0.0
    for chan in ids:
        ch = load_channel(chan)
        sc_of[chan] = ch.spacecraft
        pipe = make(variant, seed=seed, epochs=epochs, quick=quick, scaling="none", per_channel=False)
        t0 = time.perf_counter()
        pipe.fit(ch.train)
        t1 = time.perf_counter()
        found = pipe.detect(ch.test)
        eval_s += time.perf_counter() - t1
        train_s += t1 - t0
        per_channel.append((chan, [(int(a), int(b)) for a, b in found[["start_index", "end_index"]].to_numpy()],
                            ch.test.shape[0]))
        if wl is None:
            wl = pipe.workload()
    metrics = _score(per_channel, sc_of)
    return metrics, wl, int(ir.parameter_count(wl)), int(wl["w_bits"].max()), train_s, eval_s


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
    metrics, wl, n_params, wbits, train_s, eval_s = _run_spiking(variant, ids, None, cfg.seed, quick, cfg)
    return VariantResult(variant, spacecraft, ids, {k: float(v) for k, v in metrics.items()}, wl, int(n_params),
                         int(wbits), float(train_s), float(eval_s))


def run_variant(variant: str, spacecraft: str = "SMAP", channels: str | Sequence[str] = "subset", *,
                epochs: int | None = None, seed: int = 0, quick: bool = False, combine: str = "union",
                T_K: float = 300.0, mtj_model=None) -> VariantResult:
    """Train and evaluate one detector variant on SMAP/MSL channels (module doc).

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
    metrics, wl, n_params, wbits, train_s, eval_s = out
    return VariantResult(variant, spacecraft, ids, {k: float(v) for k, v in metrics.items()}, wl, int(n_params),
                         int(wbits), float(train_s), float(eval_s))
