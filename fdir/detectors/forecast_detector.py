"""The convolutional telemetry forecaster of :mod:`fdir.detectors.forecaster` behind the detector protocol
(:class:`fdir.detectors.base.Detector`), float32 (JAX) or as its int8 fixed-point export run by the numpy runtime.

Streams (telemanom protocol, Hundman et al., KDD 2018, arXiv:1802.04431): the error streams of
:attr:`fdir.detectors.forecaster.Forecaster.error_streams` (default pair: the absolute and the residual member's
first-step errors and the absolute member's horizon-mean error), named ``"<member>.<kind>"`` (member ``absolute``
for skip gain 0, ``residual`` for 1, else ``head<k>``). The error of the forecast made from the window ending at
sample t − 1 is placed at sample t; samples before ``l_s`` and the last ``n_predictions`` samples (targets
unknown) are NaN.

Short series: the input window adapts to the training length, l_s = min(cfg.l_s, T_train − n_predictions −
:data:`MIN_WINDOWS`), never below the network's receptive field (29 samples for the default three stride-2
convolutions of kernel 5), so ``min_train_length`` = receptive field + n_predictions + MIN_WINDOWS (79 by default).
Every labelled SMAP/MSL training array (312 samples or more) keeps telemanom's l_s = 250.

Fixed point (``fixed_point=True``, the study's ``int8`` variant): the trained forecaster is exported
(:meth:`~fdir.detectors.forecaster.Forecaster.export_layers`), quantised by
:func:`fdir.runtime.export.quantize_bundle` (int8 weights, int8/int16 activations, int32 accumulators; static
activation scales calibrated on up to :data:`CALIBRATION_WINDOWS` nominal training windows with
:data:`fdir.detectors.forecaster.FIXED_POINT_HEADROOM` headroom) and run by the runtime's fixed-point
:class:`fdir.runtime.Graph`.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
import pandas as pd

from fdir.detectors.base import as_series, fitted, stream_array
from fdir.detectors.forecaster import ForecasterConfig

__all__ = [
    "BATCH_WINDOWS",
    "CALIBRATION_WINDOWS",
    "MIN_WINDOWS",
    "ForecasterDetector",
    "dense_workload",
    "graph_forecasts",
    "quantized_graph",
    "receptive_field",
    "run_batched",
]

MIN_WINDOWS = 40
"""Fewest training windows kept when the input window adapts to a short series (32 train + 8 validation)."""

CALIBRATION_WINDOWS = 512
"""Nominal training windows (at most) that calibrate the int8 activation scales."""

BATCH_WINDOWS = 256
"""Windows per batched run of an int8 graph in :func:`run_batched` (bounds its buffers: about 20 MB for the
default configuration's second convolution)."""


def receptive_field(cfg: ForecasterConfig) -> int:
    """Smallest input (samples) of the strided valid convolutions of ``cfg`` that gives one output."""
    L = 1
    for _ in cfg.conv_channels:
        L = cfg.stride * (L - 1) + cfg.kernel
    return L


def dense_workload(cfg: ForecasterConfig, n_in: int, *, int8_bits: dict[str, int] | None = None) -> pd.DataFrame:
    """IR of one forecast of :class:`~fdir.detectors.forecaster.ForecasterConfig` ``cfg`` with ``n_in`` input
    columns: ``conv<i>`` (``conv1d``: C, K_out, L_out, kernel, stride, bias), ``dense0`` and ``out``
    (``linear``, M = 1, bias), once per ensemble member (layer names prefixed ``m<j>.`` when ``cfg.members`` > 1:
    each member runs as its own network, without the zero blocks of the folded export). Float32 (``int8_bits``
    None) or int8 weights with the per-layer activation bits ``int8_bits`` {layer: 8 | 16} (keys without the
    member prefix: the folded export quantises each layer of all members with one scale). Total MACs equal
    ``cfg.macs(n_in)``.

    Raises
    ------
    ValueError
        for n_in < 1.
    """
    from hwsim import ir

    if int(n_in) < 1:
        raise ValueError(f"n_in={n_in} must be >= 1")

    def prec(name: str) -> dict:
        if int8_bits is None:
            return {"w_bits": 32, "a_bits": 32, "acc_bits": 32, "w_format": "fp"}
        return {"w_bits": 8, "a_bits": int(int8_bits.get(name, 8)), "acc_bits": 32, "w_format": "int",
                "a_format": "int"}

    rows = []
    for m in range(cfg.members):
        tag = "" if cfg.members == 1 else f"m{m}."
        c_in = int(n_in)
        for i, (c, L) in enumerate(zip(cfg.conv_channels, cfg.lengths())):
            rows.append(ir.conv1d(f"{tag}conv{i}", C=c_in, K_out=c, L_out=L, R=cfg.kernel, stride=cfg.stride,
                                  bias=True, **prec(f"conv{i}")))
            c_in = c
        flat = c_in * cfg.lengths()[-1]
        rows.append(ir.linear(f"{tag}dense0", M=1, N=cfg.hidden, K=flat, bias=True, **prec("dense0")))
        rows.append(ir.linear(f"{tag}out", M=1, N=cfg.n_predictions, K=cfg.hidden, bias=True, **prec("out")))
    return ir.make(rows)


def _windows(model, a: np.ndarray) -> np.ndarray:
    """View (N, C', W) of the model's columns: window k ends at sample k + l_s − 1 (N = T − l_s − n_pred)."""
    cfg, W = model.cfg, model.cfg.input_length
    N = a.shape[0] - cfg.l_s - cfg.n_predictions
    sw = np.lib.stride_tricks.sliding_window_view(a[:, list(model.columns)].astype(np.float32), W, axis=0)
    return sw[cfg.l_s - W:cfg.l_s - W + N]


def quantized_graph(model, train: np.ndarray, seed: int, ndt=None):
    """The int8 fixed-point runtime graph of a trained :class:`~fdir.detectors.forecaster.Forecaster` and its
    activation bits per affine layer: ``(graph, (qspec, qarrays), {layer: bits})``, the middle item the quantised
    bundle of the model's columns.

    The exported bundle reads every column of the channel (zero weights for those the model ignores); the
    deployed copy keeps only the model's ``columns`` (the first convolution's weights sliced to them, the input
    shape narrowed), which computes the same forecast without multiplying by zero weights. Calibration: up to
    :data:`CALIBRATION_WINDOWS` training windows drawn with ``numpy.random.default_rng(seed)``.
    """
    from fdir.detectors.forecaster import FIXED_POINT_HEADROOM
    from fdir.runtime import Graph
    from fdir.runtime.export import quantize_bundle, standardized_windows

    W, cols = model.cfg.input_length, list(model.columns)
    spec, arrays = model.export_layers(ndt=ndt)
    spec, arrays = copy.deepcopy(spec), dict(arrays)
    arrays["conv0.w"] = np.ascontiguousarray(arrays["conv0.w"][:, cols, :])
    spec["input"].update(channels=len(cols), shape=[len(cols), W])
    Xc = _windows(model, train)
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(Xc.shape[0], size=min(CALIBRATION_WINDOWS, Xc.shape[0]), replace=False))
    qspec, qarr = quantize_bundle(spec, arrays, standardized_windows(spec, arrays, Xc[pick]),
                                  headroom=FIXED_POINT_HEADROOM)
    g = Graph(qspec["layers"], qarr, tuple(qspec["input"]["shape"]), fixed_point=True)
    bits = {layer["name"]: int(layer["quant"]["a_bits"]) for layer in qspec["layers"] if "quant" in layer}
    return g, (qspec, qarr), bits


def run_batched(graph, X: np.ndarray) -> np.ndarray:
    """Outputs (N, O) float32 of the runtime ``graph`` (:class:`fdir.runtime.Graph`, its output flattened to O values)
    for the N >= 1 inputs ``X`` (N, *input shape), run through :class:`fdir.runtime.batch.BatchGraph` (the same
    layers and arithmetic as ``graph``) in chunks of at most :data:`BATCH_WINDOWS`; a fixed-point ``graph`` gives
    outputs bit-identical to running each input through ``graph`` itself (:mod:`fdir.runtime.batch`). BLAS runs on one
    thread meanwhile (``threadpoolctl``): its GEMMs, (O, K) x (K, B·P) with K of a few hundred, ran 2-30x slower on two
    threads than on one on a 2-core machine shared with other work; parallelism belongs to the caller (series,
    channels)."""
    from threadpoolctl import threadpool_limits

    from fdir.runtime.batch import BatchGraph

    N = X.shape[0]
    bg = BatchGraph.of(graph, min(BATCH_WINDOWS, N))
    out = np.empty((N, bg.y[0].size), bg.y.dtype)
    with threadpool_limits(1, user_api="blas"):
        for i0 in range(0, N, bg.batch):
            n = min(bg.batch, N - i0)
            np.copyto(bg.x[:n], X[i0:i0 + n].reshape(n, *bg.x.shape[1:]))
            bg.run()
            out[i0:i0 + n] = bg.y[:n].reshape(n, -1)
    return out


def graph_forecasts(model, graph, test: np.ndarray) -> np.ndarray:
    """Forecasts (n_heads, N, H) of a runtime ``graph`` (:func:`quantized_graph`) for the windows of ``test``
    (T, D), aligned with :func:`fdir.detectors.forecaster.forecast_heads` with ``full`` (index k is test sample
    k + l_s, horizon step j sample k + l_s + j), run by :func:`run_batched`."""
    Xt = _windows(model, test)
    K, H = model.n_heads, model.cfg.n_predictions
    N = Xt.shape[0]
    out = np.empty((K, N, H))
    if N < 1:
        return out
    heads = run_batched(graph, Xt)[:, :K * H].reshape(N, K, H)     # head k: outputs k·H .. k·H + H − 1
    out[:] = heads.transpose(1, 0, 2) + model.head_gains[:, None, None] * Xt[:, 0, -1][None, :, None]
    return out


class ForecasterDetector:
    """Forecaster ensemble as a :class:`fdir.detectors.base.Detector` (module doc).

    cfg : :class:`~fdir.detectors.forecaster.ForecasterConfig` (``l_s`` is the longest input window; it adapts to
    short training series). fixed_point : score with the int8 export (module doc). Attributes after :meth:`fit`:
    ``model`` (:class:`~fdir.detectors.forecaster.Forecaster`), ``stream_names``.
    """

    family = "forecaster"

    def __init__(self, cfg: ForecasterConfig | None = None, *, fixed_point: bool = False) -> None:
        self.cfg = ForecasterConfig() if cfg is None else cfg
        self.fixed_point = bool(fixed_point)
        self.model = None
        self.stream_names: tuple[str, ...] = ()
        self._graph = self._qbundle = None
        self._bits: dict[str, int] = {}

    @property
    def min_train_length(self) -> int:
        return receptive_field(self.cfg) + self.cfg.n_predictions + MIN_WINDOWS

    def config_for(self, n_train: int) -> ForecasterConfig:
        """The configuration trained on ``n_train`` samples: ``l_s`` adapted (module doc)."""
        l_s = min(self.cfg.l_s, int(n_train) - self.cfg.n_predictions - MIN_WINDOWS)
        return self.cfg if l_s == self.cfg.l_s else replace(self.cfg, l_s=max(l_s, receptive_field(self.cfg)))

    def fit(self, train: np.ndarray) -> ForecasterDetector:
        """Train on a nominal array (T, D) or (T,) (column 0 forecast). Raises ValueError for fewer than
        ``min_train_length`` samples or non-finite values."""
        from fdir.detectors.forecaster import train_forecaster

        a = as_series(train, "train", min_length=self.min_train_length)
        self.model = m = train_forecaster(a, self.config_for(a.shape[0]))
        names = {0.0: "absolute", 1.0: "residual"}
        self.stream_names = tuple(f"{names.get(float(m.head_gains[k]), f'head{k}')}.{kind}"
                                  for k, kind in m.error_streams)
        if self.fixed_point:
            self._graph, self._qbundle, self._bits = quantized_graph(m, a, m.cfg.seed, self._ndt())
        return self

    def _ndt(self):
        from fdir.ndt import NDTParams

        return NDTParams(l_s=self.model.cfg.l_s)

    def forecasts(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Head forecasts (n_heads, N, H) and targets (N, H) for the windows of ``x`` (T, D) (index k is sample
        k + l_s); float32 JAX or the int8 graph. Raises ValueError when T ≤ l_s + n_predictions."""
        from fdir.detectors.forecaster import forecast_heads, make_windows

        m = fitted(self.model, type(self).__name__)
        a = as_series(x)
        if not self.fixed_point:
            return forecast_heads(m, a, full=True)
        _, Y = make_windows(a, m.cfg.l_s, m.cfg.n_predictions, (0,))     # targets only (no float forecast)
        return graph_forecasts(m, self._graph, a), Y.astype(np.float64)

    def scores(self, x: np.ndarray) -> np.ndarray:
        """(S, T) error streams of ``x`` (T, D) or (T,) (module doc); all NaN when T ≤ l_s + n_predictions."""
        from fdir.detectors.forecaster import stream_errors

        m = fitted(self.model, type(self).__name__)
        a = as_series(x)
        T = a.shape[0]
        if T <= m.cfg.l_s + m.cfg.n_predictions:
            return np.full((len(m.error_streams), T), np.nan)
        y_hat, Y = self.forecasts(a)
        return stream_array(stream_errors(y_hat, Y, m.error_streams), m.cfg.l_s, T)

    @property
    def input_columns(self) -> tuple[int, ...]:
        """Columns of the fitted input the forecaster reads (0 = the forecast channel, then the fed columns of
        ``cfg.commands``); :class:`fdir.pipeline.Pipeline` checks it in its ``"context"`` layout. Raises ValueError
        before :meth:`fit`."""
        return tuple(int(c) for c in fitted(self.model, type(self).__name__).columns)

    def reference(self, x: np.ndarray) -> np.ndarray:
        """(T,) the forecast target (column 0) as the model sees it (float32), for the thresholder's guards."""
        return as_series(x)[:, 0].astype(np.float32).astype(np.float64)

    def workload(self) -> pd.DataFrame:
        """IR of one inference (:func:`dense_workload`; int8 precisions with ``fixed_point``)."""
        m = fitted(self.model, type(self).__name__)
        return dense_workload(m.cfg, len(m.columns), int8_bits=self._bits if self.fixed_point else None)

    def export(self) -> tuple[dict, dict[str, np.ndarray]]:
        """Runtime bundle ``(spec, arrays)`` (float32 layers; with ``fixed_point`` the quantised graph over the
        model's columns)."""
        m = fitted(self.model, type(self).__name__)
        if self.fixed_point:
            return copy.deepcopy(self._qbundle[0]), dict(self._qbundle[1])
        return m.export_layers(ndt=self._ndt())
