"""The SMAP/MSL telemetry forecaster of :mod:`fdir.detectors.forecaster` as a measured-quality compression subject:
event-wise F1 of the telemanom protocol on a few channels after compression, and the IR from the same object.

Training, windows, error streams, thresholding and counting are fdir's (imported, unchanged): one forecaster pair per
channel is trained on the channel's training array (:func:`fdir.detectors.forecaster.train_forecaster`, weights
cached per channel and config by :mod:`hwsim.quality.cache`); a compressed design forecasts the test windows
(:func:`fdir.detectors.forecaster.make_windows`), its error streams
(:func:`fdir.detectors.forecaster.stream_errors`) are thresholded by NDT (:func:`fdir.ndt.detect_any`) and the
detections counted against the labels with the telemanom rule (:func:`fdir.metrics.telemanom.telemanom_counts`),
micro-summed over the channels (Hundman et al., KDD 2018, arXiv:1802.04431). The IR is fdir's
(:func:`fdir.detectors.forecast_detector.dense_workload`) with the design's shapes, bits and ranks.

The compressed network runs in NumPy (:func:`member_forward`, the same valid strided convolutions as fdir's JAX
model, checked against it in the tests), so activation bits and importance probes can act inside it. Steps, in
order, per ensemble member (importance once, on up to ``n_calib`` training windows, with the trained weights):

1. **width**: keep ``round(width x C)`` (at least 1) output channels of every convolution and ``round(width x
   hidden)`` dense units, those of largest mean |activation| after the ReLU (Minitron, arXiv:2407.14679);
2. **low rank**: ``conv1``, ``conv2`` (as (in x kernel, out) matrices: an r-channel convolution followed by a 1 x 1
   one) and ``dense0`` at ``floor(rank_fraction x min(in, out))``;
3. **weights**: symmetric per-output-channel ``w_bits`` (``w_bits_layers`` per layer ``conv0`` ... ``out``;
   :func:`hwsim.quality.pipeline.compress_matrix`);
4. **activations**: per-tensor ``a_bits`` fake quantisation of every layer's input, scale from the calibration
   maximum (:func:`hwsim.quality.pipeline.quantise_activation`).

Designs are :class:`hwsim.quality.pipeline.Design` with ``depth`` 0 and no rotation (the forecaster has no residual
blocks); unquantised (16) weights and activations are costed as the float32 the forecaster runs in.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hwsim import ir
from hwsim.quality.cache import cached
from hwsim.quality.pipeline import FLOAT_BITS, Design, compress_matrix, keep_most_important, quantise_activation

DEFAULT_CHANNELS = ("S-2", "T-12", "M-6")
"""Three short MSL channels of :data:`fdir.protocols.telemanom.SUBSET` (one labelled anomaly each; 20-40 s of training
in all on 2 CPU cores, early stopping included)."""

FACTORISED = ("conv1", "conv2", "dense0")
"""Layers low rank applies to (step 2 of the module docstring)."""


def config(overrides: Mapping[str, Any] | None = None) -> Any:
    """:class:`fdir.detectors.forecaster.ForecasterConfig` with ``overrides`` (JSON-able values; tuples as lists).
    Raises ValueError (fdir's, naming the field) for a bad value, or for an unknown field."""
    from fdir.detectors.forecaster import ForecasterConfig

    o = dict(overrides or {})
    names = {f.name for f in dataclasses.fields(ForecasterConfig)}
    bad = sorted(set(o) - names)
    if bad:
        raise ValueError(f"unknown ForecasterConfig fields {bad}; accepted: {sorted(names)}")
    if "conv_channels" in o:
        o["conv_channels"] = tuple(int(c) for c in o["conv_channels"])
    return ForecasterConfig(**o)


def check_channel(channel: str) -> str:
    """``channel`` if it is a SMAP/MSL channel id (:func:`fdir.data.smap_msl.all_channel_ids`), else ValueError
    naming the accepted ids."""
    from fdir.data.smap_msl import all_channel_ids

    ids = all_channel_ids()
    if channel not in ids:
        raise ValueError(f"channel={channel!r} is not a SMAP/MSL channel; accepted: {sorted(ids)}")
    return channel


def trained(channel: str, overrides: Mapping[str, Any] | None = None) -> Any:
    """The :class:`fdir.detectors.forecaster.Forecaster` trained on ``channel``'s training array with ``config(
    overrides)``, from the cache or trained once. Raises ValueError for an unknown channel or config field."""
    from fdir.data.smap_msl import load_channel
    from fdir.detectors.forecaster import Forecaster, train_forecaster

    cfg = config(overrides)
    check_channel(channel)
    key = {"channel": channel, **{k: (list(v) if isinstance(v, tuple) else v)
                                  for k, v in dataclasses.asdict(cfg).items()}}

    def build() -> dict[str, np.ndarray]:
        m = train_forecaster(load_channel(channel).train, cfg)
        out = {f"{k}.{kk}": np.asarray(vv) for k, v in m.params.items() for kk, vv in v.items()}
        out["__D"] = np.array(m.D)
        out["__columns"] = np.array(m.columns)
        return out

    a = cached(f"forecaster-{channel}", key, build)
    params: dict[str, dict[str, np.ndarray]] = {}
    for k, v in a.items():
        if not k.startswith("__"):
            layer, name = k.rsplit(".", 1)
            params.setdefault(layer, {})[name] = v
    return Forecaster(cfg=cfg, D=int(a["__D"]), columns=tuple(int(c) for c in a["__columns"]), params=params)


def _conv_names(p: Mapping[str, Any]) -> list[str]:
    return sorted((k for k in p if k.startswith("conv")), key=lambda s: int(s[4:]))


def member_forward(p: Mapping[str, Mapping[str, np.ndarray]], x: np.ndarray, cfg: Any, *,
                   act_quant: Any = None, record: dict | None = None, batch: int = 1024) -> np.ndarray:
    """One member's network output (N, n_predictions), before the skip term, for windows ``x`` (N, D', l_s) (the
    newest ``cfg.input_length`` samples are read); ``p`` {layer: {"w", "b"}} without the member axis, conv ``w``
    (out, in, kernel), dense ``w`` (in, out). ``act_quant(layer, a)`` replaces each layer's input; ``record``
    receives the post-ReLU activations of every convolution (N, C, L) and of ``dense0`` (N, hidden)."""
    q = act_quant or (lambda name, a: a)
    outs = []
    recs: dict[str, list] = {}
    for s in range(0, x.shape[0], batch):
        h = np.asarray(x[s:s + batch, :, x.shape[2] - cfg.input_length:], np.float64)
        for name in _conv_names(p):
            w, b = p[name]["w"], p[name]["b"]
            win = np.lib.stride_tricks.sliding_window_view(q(name, h), w.shape[2], axis=2)[:, :, ::cfg.stride, :]
            h = np.maximum(np.einsum("nilk,oik->nol", win, w, optimize=True) + b[None, :, None], 0.0)
            recs.setdefault(name, []).append(h)
        h = h.reshape(h.shape[0], -1)
        h = np.maximum(q("dense0", h) @ p["dense0"]["w"] + p["dense0"]["b"], 0.0)
        recs.setdefault("dense0", []).append(h)
        outs.append(q("out", h) @ p["out"]["w"] + p["out"]["b"])
    if record is not None:
        record.update({k: np.concatenate(v) for k, v in recs.items()})
    return np.concatenate(outs) if outs else np.zeros((0, cfg.n_predictions))


def _member(model: Any, j: int) -> dict[str, dict[str, np.ndarray]]:
    return {k: {kk: np.asarray(vv[j], np.float64) for kk, vv in v.items()} for k, v in model.params.items()
            if k != "skip"}


@dataclass(frozen=True)
class TelemetryData:
    """The evaluation data of one channel: ``chan_id``, test windows ``X`` (N, D', l_s) and targets ``Y``
    (N, H) (fdir's :func:`~fdir.detectors.forecaster.make_windows`), calibration windows ``X_cal`` from the
    training array, and the label rows' anomaly sequences (inclusive test indices)."""

    chan_id: str
    X: np.ndarray
    Y: np.ndarray
    X_cal: np.ndarray
    labels: tuple[tuple[tuple[int, int], ...], ...]


def telemetry_data(channel: str, model: Any, *, n_calib: int = 512) -> TelemetryData:
    """:class:`TelemetryData` of ``channel`` for a trained ``model``; ``n_calib`` training windows, evenly spaced.
    Raises ValueError for n_calib < 1 or an unknown channel."""
    from fdir.data.smap_msl import load_channel
    from fdir.detectors.forecaster import make_windows

    if n_calib < 1:
        raise ValueError(f"n_calib must be >= 1, got {n_calib}")
    ch = load_channel(check_channel(channel))
    cfg = model.cfg
    X, Y = make_windows(ch.test, cfg.l_s, cfg.n_predictions, model.columns)
    Xtr, _ = make_windows(ch.train, cfg.l_s, cfg.n_predictions, model.columns)
    pick = np.unique(np.linspace(0, Xtr.shape[0] - 1, min(n_calib, Xtr.shape[0])).round().astype(int))
    labels = tuple(tuple((int(a), int(b)) for a, b in r.sequences) for r in ch.labels)
    return TelemetryData(channel, X, Y, Xtr[pick], labels)


@dataclass(frozen=True)
class CompressedForecaster:
    """One channel's compressed forecaster pair: per-member weights (factorised layers stored as their product),
    skip gains, the compressed config (pruned widths), ranks, activation ranges per member, the trained model's
    error streams, and a per-layer ``report`` (member 0)."""

    members: tuple[dict, ...]
    gains: np.ndarray
    cfg: Any
    n_in: int
    design: Design
    ranks: dict[str, int]
    act_ranges: tuple[dict, ...]
    streams: tuple
    n_heads: int
    report: pd.DataFrame

    def forecasts(self, X: np.ndarray) -> np.ndarray:
        """Head forecasts (n_heads, N, H) for windows X (N, D', l_s): each member's (union) or their mean."""
        outs = []
        for p, g, rng in zip(self.members, self.gains, self.act_ranges):
            def aq(name: str, a: np.ndarray, rng: dict = rng) -> np.ndarray:
                return quantise_activation(self.design, rng, name, a)

            outs.append(member_forward(p, X, self.cfg, act_quant=aq) + g * X[:, 0, -1:].astype(np.float64))
        y = np.stack(outs)
        return y if self.n_heads > 1 else y.mean(axis=0, keepdims=True)

    def detections(self, data: TelemetryData) -> list[tuple[int, int]]:
        """Anomalous sequences (inclusive test indices) of the channel: fdir's error streams thresholded by NDT."""
        from fdir.detectors.forecaster import stream_errors
        from fdir.ndt import NDTParams, detect_any

        E = stream_errors(self.forecasts(data.X), data.Y.astype(np.float64), self.streams)
        res = detect_any(E, data.Y[:, 0].astype(np.float64), NDTParams(l_s=self.cfg.l_s), offset=self.cfg.l_s)
        return [(int(a), int(b)) for a, b in res.sequences]

    def counts(self, data: TelemetryData) -> Any:
        """telemanom event counts (:class:`fdir.metrics.telemanom.EventCounts`) summed over the label rows."""
        from fdir.metrics.telemanom import sum_counts, telemanom_counts

        det = self.detections(data)
        return sum_counts(telemanom_counts(rows, det) for rows in data.labels)

    def ir(self) -> pd.DataFrame:
        """IR of one forecast (fdir's :func:`~fdir.detectors.forecast_detector.dense_workload` of the compressed
        config) with the design's weight bits (``int``; float32 when unquantised), activation bits (``int``;
        float32 when unquantised) and ranks."""
        from fdir.detectors.forecast_detector import dense_workload

        t = dense_workload(self.cfg, self.n_in).copy()
        base = t["layer"].str.split(".").str[-1]
        wb = base.map(self.design.bits_of)
        t["w_bits"] = np.where(wb < FLOAT_BITS, wb, 32)
        t["w_format"] = np.where(wb < FLOAT_BITS, "int", "fp")
        a = self.design.a_bits
        t["a_bits"] = a if a < FLOAT_BITS else 32
        if a < FLOAT_BITS:
            t["a_format"] = "int"
        t["rank"] = base.map(lambda n: self.ranks.get(n, 0)).astype(np.int64)
        ir.validate(t)
        return t


def _ranges(p: Mapping, X: np.ndarray, cfg: Any) -> dict[str, tuple[float, float]]:
    ranges: dict[str, tuple[float, float]] = {}

    def probe(name: str, a: np.ndarray) -> np.ndarray:
        lo, hi = ranges.get(name, (math.inf, 0.0))
        ranges[name] = (min(lo, float(np.min(a))), max(hi, float(np.max(np.abs(a)))))
        return a

    member_forward(p, X, cfg, act_quant=probe)
    return ranges


def importance(model: Any, X_cal: np.ndarray) -> list[dict[str, np.ndarray]]:
    """Per member, mean |activation| after the ReLU of every channel of every convolution and every ``dense0`` unit
    on calibration windows ``X_cal`` (N, D', l_s)."""
    out = []
    for j in range(model.n_members):
        rec: dict[str, np.ndarray] = {}
        member_forward(_member(model, j), X_cal, model.cfg, record=rec)
        out.append({k: np.mean(np.abs(v), axis=(0, 2) if v.ndim == 3 else 0) for k, v in rec.items()})
    return out


def compress_forecaster(model: Any, design: Design, X_cal: np.ndarray, *,
                        scores: list[dict[str, np.ndarray]] | None = None) -> CompressedForecaster:
    """Apply ``design`` to a trained forecaster pair (see the module docstring); ``X_cal`` (N, D', l_s) calibrates
    importance (unless ``scores`` from :func:`importance` is given) and activation ranges.

    Raises
    ------
    ValueError
        for ``design.depth`` other than 0, a rotation, or a ``w_bits_layers`` name that is not a layer.
    """
    if design.depth != 0:
        raise ValueError(f"depth must be 0 for the forecaster (it has no residual blocks), got {design.depth}")
    if design.rotation != "none":
        raise ValueError(f"rotation must be 'none' for the forecaster, got {design.rotation!r}")
    cfg = model.cfg
    convs = _conv_names(model.params)
    names = [*convs, "dense0", "out"]
    bad = [n for n in design.w_bits_layers if n not in names]
    if bad:
        raise ValueError(f"w_bits_layers names unknown layers {bad}; layers: {names}")
    sc = scores if scores is not None else importance(model, X_cal)
    L_last = cfg.lengths()[-1]
    members, ranges, ranks, rows = [], [], {}, []
    for j in range(model.n_members):
        p = _member(model, j)
        if design.width < 1:                                       # 1. width
            for i, name in enumerate(convs):
                keep = keep_most_important(sc[j][name], design.width)
                p[name] = {"w": p[name]["w"][keep], "b": p[name]["b"][keep]}
                if i + 1 < len(convs):
                    nxt = convs[i + 1]
                    p[nxt] = {"w": p[nxt]["w"][:, keep], "b": p[nxt]["b"]}
                else:
                    idx = (keep[:, None] * L_last + np.arange(L_last)).ravel()
                    p["dense0"] = {"w": p["dense0"]["w"][idx], "b": p["dense0"]["b"]}
            keep = keep_most_important(sc[j]["dense0"], design.width)
            p["dense0"] = {"w": p["dense0"]["w"][:, keep], "b": p["dense0"]["b"][keep]}
            p["out"] = {"w": p["out"]["w"][keep], "b": p["out"]["b"]}
        for name in names:                                         # 2. low rank, 3. weight bits
            w = p[name]["w"]
            conv = w.ndim == 3
            dense = w.reshape(w.shape[0], -1).T if conv else w     # (in x kernel, out) or (in, out)
            w2, r, rep = compress_matrix(dense, design.bits_of(name), design.rank_fraction,
                                         factorise=name in FACTORISED)
            p[name] = {"w": w2.T.reshape(w.shape) if conv else w2, "b": p[name]["b"]}
            if j == 0:
                if r:
                    ranks[name] = r
                rows.append({"layer": name, "w_bits": design.bits_of(name), "rank": r, **rep})
        members.append(p)
        ranges.append(_ranges(p, X_cal, cfg) if design.a_bits < FLOAT_BITS else {})   # 4. activation ranges
    new_cfg = dataclasses.replace(cfg, conv_channels=tuple(int(members[0][n]["w"].shape[0]) for n in convs),
                                  hidden=int(members[0]["dense0"]["w"].shape[1]))
    return CompressedForecaster(members=tuple(members), gains=np.asarray(model.member_gains, np.float64),
                                cfg=new_cfg, n_in=len(model.columns), design=design, ranks=ranks,
                                act_ranges=tuple(ranges), streams=tuple(model.error_streams), n_heads=model.n_heads,
                                report=pd.DataFrame(rows))


@dataclass(frozen=True)
class CompressedDetectors:
    """The compressed forecaster of every channel of a subject (same design): :meth:`f1` over the channels and
    :meth:`ir` (one forecast; the channels' IRs are identical when they read the same number of columns)."""

    channels: tuple[CompressedForecaster, ...]
    data: tuple[TelemetryData, ...]

    def f1(self) -> float:
        """Event-wise F1 micro-summed over the channels' label rows (telemanom counting)."""
        from fdir.metrics.telemanom import sum_counts

        return float(sum_counts(c.counts(d) for c, d in zip(self.channels, self.data)).f1)

    def ir(self) -> pd.DataFrame:
        return self.channels[0].ir()


def forecaster_subject(channels: Sequence[str] = DEFAULT_CHANNELS, overrides: Mapping[str, Any] | None = None, *,
                       n_calib: int = 512) -> Any:
    """The forecaster pairs trained (or cached) on ``channels`` as a :class:`hwsim.search.measured.Subject` over
    :class:`hwsim.quality.pipeline.Design` (quality: event-wise F1, ``"max"``).

    Raises ValueError for an empty channel list, an unknown channel or config field, or n_calib < 1."""
    from hwsim.search.measured import Subject

    chans = tuple(channels)
    if not chans:
        raise ValueError("channels must name at least one SMAP/MSL channel")
    models = [trained(c, overrides) for c in chans]
    data = [telemetry_data(c, m, n_calib=n_calib) for c, m in zip(chans, models)]
    scores = [importance(m, d.X_cal) for m, d in zip(models, data)]

    def compress(design: Design) -> CompressedDetectors:
        return CompressedDetectors(tuple(compress_forecaster(m, design, d.X_cal, scores=s)
                                         for m, d, s in zip(models, data, scores)), tuple(data))

    return Subject("smap_msl_forecaster", compress, lambda c: c.f1(), sense="max", quality_name="event-wise F1")
