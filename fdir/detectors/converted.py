"""Rate-coded ANN-to-SNN conversion of the dense telemetry forecaster: the explicit design choice that lets a dense
network run on a neuromorphic target (issue 19).

Method (Rueckauer, Lungu, Hu, Pfeiffer, Liu, "Conversion of Continuous-Valued Deep Networks to Efficient
Event-Driven Networks for Image Classification", Front. Neurosci. 11:682, 2017, doi:10.3389/fnins.2017.00682;
Diehl, Neil, Binas, Cook, Liu, Pfeiffer, "Fast-classifying, high-accuracy spiking deep networks through weight and
threshold balancing", IJCNN 2015, doi:10.1109/IJCNN.2015.7280696):

* every ReLU unit of the trained forecaster (:class:`fdir.detectors.forecaster.Forecaster`, layers
  ``[conv1d → relu] x n → flatten → dense → relu → dense``, its ensemble members folded block-diagonally by
  :func:`fdir.detectors.forecaster.export.export_layers`) becomes a non-leaky integrate-and-fire (IF) neuron with
  threshold 1 and **reset by subtraction** (Rueckauer et al. Eq. 2-3): v ← v + I_t; a spike when v ≥ 1, then
  v ← v − 1. Under a constant input current 0 ≤ I < 1 it fires ⌊t·I⌋ spikes in t steps, so its rate is within 1/t of
  I (the analytic limit behind the conversion). A neuron driven by spikes whose counts are within 1 of t·u at every
  t, with per-step input at most 1, fires max(0, max_t ⌊C(t)⌋) spikes (C the cumulative input), so its rate is within
  (1 + Σ_j |W'_ij|)/T of its normalised ANN activation relu(W'u + b');
* **data-based normalisation** (Rueckauer et al. Sec. 2.3, "robust normalization"): λ_l is the
  :data:`PERCENTILE` (99.9th) percentile of the non-zero ReLU activations of layer l on the *training* windows,
  λ_0 that of the non-zero |input| values; weights W_l' = W_l·λ_{l−1}/λ_l and biases b_l' = b_l/λ_l (the bias is
  a constant current every step), so a rate of 1 spike per step stands for activation λ_l;
* **input**: each value of the window (already scaled to about [-1, 1] by the pipeline) drives a *signed* IF
  neuron with constant current x/λ_0 (+1 spike at v ≥ 1, −1 spike at v ≤ −1, reset by subtraction): a
  deterministic rate code, so every layer, the first convolution included, receives spikes and runs as synaptic
  operations (Rueckauer et al. feed the analogue value to the first layer instead; that layer would then be dense
  MACs, which a neuromorphic chip does not execute);
* **readout**: the last (linear) layer is a non-spiking accumulator of its synaptic input; after ``time_steps``
  (T) steps the forecast is its mean input, W_L·(λ_{L−1}·rate) + b_L ("rate x scale"). The telemanom heads and
  error streams follow unchanged (:class:`~fdir.detectors.forecast_detector.ForecasterDetector`): the skip term
  a·x_{t−1} of the residual member is added outside the network exactly as in the dense bundle's detector rule.

Layers are simulated in step (layer l sees the spikes layer l − 1 emits in the same step), vectorised over windows
in numpy (float64). Convolutions are converted too (IF neurons over every (channel, position) of the feature map).
Values beyond the calibrated range saturate at one spike per step (anomalous inputs then still give large errors).

Architecture converted by default: the study's operation-matched forecaster pair
(:func:`fdir.detectors.matched.matched_config` ``"ops"``: two 1-channel conv layers of kernel = stride 8, 2 dense
units, 484 MACs per sample), registered as ``dense_converted`` (:mod:`fdir.registry`); any
:class:`~fdir.detectors.forecaster.ForecasterConfig` converts (simulation time grows with its MACs x T).

Time steps: :data:`DEFAULT_TIME_STEPS` (see there for how it was chosen: training windows only, never test labels).

Measured (seed 0, default epochs, telemanom event-wise counting with the forecaster's per-stream NDT; issue 19):

* operation-matched pair, 12 study channels (:data:`fdir.protocols.telemanom.SUBSET`, 17 events): dense source
  F1 0.714 (F0.5 0.820); converted F1 0.759 / 0.714 / 0.714 / 0.714 at T = 8 / 16 / 32 / 64. Its hidden ReLUs are
  silent on 6 of the 12 channels (the forecast is then the output bias plus the residual member's skip term, which
  the conversion reproduces exactly). Mean synaptic operations per inference (training windows, pooled) 2,331 /
  4,859 / 9,916 / 20,045, about 95 % of them from the input encoder's spikes (the scaled telemetry sits near ±1:
  at T = 16 the 192 input neurons fire on 75 % of the steps), against 484 MACs of the source;
* full dense pair (271,392 MACs), 6 channels (the first three of each spacecraft in the subset, 9 events): source
  F1 0.778; converted 0.875 / 0.824 / 0.842 at T = 8 / 16 / 32 (one event is 0.05-0.1 of F1 here); training-window
  forecast deviation relative to the source's error 0.66-2.1 / 0.35-1.07 / 0.18-0.54 on P-1, S-1, E-1.

Workload (:meth:`ConvertedForecasterDetector.workload`): the spiking IR of one inference (one telemetry sample) with
the spike counts *measured* on the training windows (mean per inference): ``input.neurons`` (the signed encoder, one
neuron per window value), per converted layer ``<layer>.syn`` (``snn_conv``/``snn_dense``: presynaptic spikes x
their non-zero fan-out = synaptic operations) and ``<layer>.neurons`` (``neuron_update``), all over T steps.
Weights are the normalised float32 values (``w_format`` fp, 32 bits), as for the trained spiking detector; a
neuromorphic toolchain re-quantises them (:mod:`hwsim.cost.support`), which is not modelled.

Export: no numpy-runtime layer for IF networks exists, so :meth:`~ConvertedForecasterDetector.export` raises
NotImplementedError (the dense source exports through ``dense_ops_matched``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fdir.detectors.base import as_series, fitted
from fdir.detectors.forecast_detector import ForecasterDetector
from fdir.detectors.forecaster import ForecasterConfig

__all__ = ["DEFAULT_TIME_STEPS", "PERCENTILE", "ConvertedForecasterDetector", "ConvertedNetwork", "IFLayer",
           "convert", "if_step", "simulate", "spiking_workload", "stages_from_bundle"]

PERCENTILE = 99.9
"""Percentile of the non-zero training activations that sets each layer's scale λ (Rueckauer et al. 2017, Sec. 2.3)."""

DEFAULT_TIME_STEPS = 16
"""Simulation steps per inference. Chosen on training data only (test labels unused): for the operation-matched
pair on the study's 12 channels (:data:`fdir.protocols.telemanom.SUBSET`, seed 0, default epochs), the first-step
forecast RMS deviation of the converted network from the dense source on each channel's *training* windows,
relative to the source's own training RMS forecast error, was at most 0.142 / 0.080 / 0.043 / 0.023 (median
0.032 / 0.017 / 0.010 / 0.005) at T = 8 / 16 / 32 / 64. The rule: the smallest T in {8, 16, 32, 64} whose largest
relative deviation is at most 0.1, i.e. the conversion adds at most 1 % to the source's training mean squared error
on every channel (independent deviations add in quadrature). Energy per inference grows linearly with T."""

BATCH = 1024
"""Windows simulated at once (memory bound: batch x neurons float64 per layer)."""


@dataclass(frozen=True)
class IFLayer:
    """One converted affine layer. ``op`` ``"conv1d"`` (``w`` (C_out, C_in, k), ``stride``) or ``"dense"`` (``w``
    (n_in, n_out)); ``b`` (C_out,) or (n_out,); ``spiking`` True for IF neurons (normalised weights), False for the
    readout accumulator (weights scaled by the previous λ, bias unscaled); ``name`` the source layer's name."""

    name: str
    op: str
    w: np.ndarray
    b: np.ndarray
    stride: int
    spiking: bool


@dataclass(frozen=True)
class ConvertedNetwork:
    """A converted network: ``input_scale`` λ_0 (input units per spike-per-step), ``input_shape`` (C, W) of one
    window, ``layers`` the :class:`IFLayer` sequence (flatten implied before the first dense layer), ``scales``
    (λ_1 .. λ_{L−1}) of the spiking layers."""

    input_scale: float
    input_shape: tuple[int, int]
    layers: tuple[IFLayer, ...]
    scales: tuple[float, ...]


def if_step(v: np.ndarray, current: np.ndarray, signed: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """One step of integrate-and-fire neurons with threshold 1 and reset by subtraction (Rueckauer et al. 2017,
    Eq. 2-3): v ← v + current; spike s = 1 where v ≥ 1 (and, ``signed``, s = −1 where v ≤ −1); v ← v − s.

    Returns ``(v, s)`` (same shape as ``v``; ``v`` is updated in place). No refractory period, no leak, at most one
    spike per neuron per step (a current above 1 saturates the rate at 1)."""
    v += current
    s = (v >= 1.0).astype(np.float64)
    if signed:
        s -= (v <= -1.0)
    v -= s
    return v, s


def _affine(layer: IFLayer, h: np.ndarray) -> np.ndarray:
    """Synaptic input of ``layer`` for presynaptic activity h: conv (N, C, L) → (N, C_out, L_out); dense (N, n) →
    (N, n_out); bias not added."""
    if layer.op == "conv1d":
        k = layer.w.shape[2]
        sw = np.lib.stride_tricks.sliding_window_view(h, k, axis=2)[:, :, ::layer.stride]   # (N, C, L_out, k)
        return np.einsum("nclk,ock->nol", sw, layer.w, optimize=True)
    return h.reshape(h.shape[0], -1) @ layer.w


def _bias(layer: IFLayer) -> np.ndarray:
    """The bias of ``layer`` broadcast over (N, C_out, L_out) or (N, n_out)."""
    return layer.b[None, :, None] if layer.op == "conv1d" else layer.b[None, :]


def stages_from_bundle(spec: dict, arrays: dict[str, np.ndarray]) -> list[tuple[str, str, np.ndarray, np.ndarray,
                                                                                int, bool]]:
    """The affine layers of an embeddable-layers bundle (``fdir/runtime/FORMAT.md``) as ``(name, op, w, b, stride,
    relu)`` (float64), for graphs of ``conv1d`` / ``dense`` layers each followed by ``relu`` except the last, with
    ``flatten`` between convolutions and dense layers.

    Raises
    ------
    ValueError
        naming the first layer op outside {conv1d, dense, relu, flatten}, padded convolutions, a ``relu`` not after
        an affine layer, or a graph whose last affine layer is followed by ``relu`` (the readout must be linear).
    """
    out: list[list] = []
    for layer in spec["layers"]:
        op = layer["op"]
        if op in ("conv1d", "dense"):
            pad = layer.get("padding", 0)
            if op == "conv1d" and pad not in (0, [0, 0]):
                raise ValueError(f"layer {layer['name']!r}: padded conv1d is not converted (padding={pad!r})")
            w = np.asarray(arrays[layer["w"]], np.float64)
            n_out = w.shape[0] if op == "conv1d" else w.shape[1]
            b = np.zeros(n_out) if layer.get("b") is None else np.asarray(arrays[layer["b"]], np.float64)
            out.append([layer["name"], op, w, b, int(layer.get("stride", 1)), False])
        elif op == "relu":
            if not out or out[-1][5]:
                raise ValueError(f"layer {layer['name']!r}: relu must follow a conv1d or dense layer")
            out[-1][5] = True
        elif op != "flatten":
            raise ValueError(f"layer {layer['name']!r}: op {op!r} is not converted; accepted: conv1d, dense, relu, "
                             "flatten")
    if not out or out[-1][5] or not all(s[5] for s in out[:-1]):
        raise ValueError("the graph must be affine layers each followed by relu, ending in a linear readout")
    return [tuple(s) for s in out]


def _ann_forward(stages, X: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Float64 forward pass of the source network: the ReLU activations of every hidden layer and the output."""
    h, acts = X.astype(np.float64), []
    for _, op, w, b, stride, relu in stages:
        lay = IFLayer("", op, w, b, stride, True)
        z = _affine(lay, h) + _bias(lay)
        h = np.maximum(z, 0.0) if relu else z
        if relu:
            acts.append(h)
    return acts, h


def _scale(a: np.ndarray, percentile: float) -> float:
    nz = np.abs(a[a != 0])
    return float(np.percentile(nz, percentile)) if nz.size else 1.0


def convert(stages, calibration: np.ndarray, *, percentile: float = PERCENTILE) -> ConvertedNetwork:
    """Convert the affine ``stages`` (:func:`stages_from_bundle`) with data-based normalisation (module doc) on the
    ``calibration`` windows (N, C, W) (training windows; never test data).

    Raises
    ------
    ValueError
        for calibration windows that are not (N >= 1, C, W) finite, or ``percentile`` outside (0, 100].
    """
    X = np.asarray(calibration, np.float64)
    if X.ndim != 3 or X.shape[0] < 1 or not np.isfinite(X).all():
        raise ValueError(f"calibration must be finite windows (N >= 1, C, W), got shape {X.shape}")
    p = float(percentile)
    if not (math.isfinite(p) and 0.0 < p <= 100.0):
        raise ValueError(f"percentile={percentile!r} must be in (0, 100]")
    acts, _ = _ann_forward(stages, X)
    lam = [_scale(X, p)] + [_scale(a, p) for a in acts]
    layers = []
    for i, (name, op, w, b, stride, relu) in enumerate(stages):
        if relu:
            layers.append(IFLayer(name, op, w * lam[i] / lam[i + 1], b / lam[i + 1], stride, True))
        else:
            layers.append(IFLayer(name, op, w * lam[i], b, stride, False))
    return ConvertedNetwork(lam[0], (int(X.shape[1]), int(X.shape[2])), tuple(layers), tuple(lam[1:]))


def simulate(net: ConvertedNetwork, X: np.ndarray, time_steps: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Run the converted network on windows X (N, C, W) for ``time_steps`` steps (module doc).

    Returns ``(y, counts)``: the readout y (N, n_out) (mean synaptic input over the steps + bias, in the source
    network's output units) and, per spiking population (the input encoder first, then every IF layer), the
    per-neuron spike counts summed over the N windows as ``(pos, neg)`` arrays (neurons,) flattened C-order.

    Raises
    ------
    ValueError
        for ``time_steps`` not an integer >= 1 or X not (N >= 1, C, W) finite with (C, W) = ``net.input_shape``.
    """
    if isinstance(time_steps, bool) or not isinstance(time_steps, int | np.integer) or time_steps < 1:
        raise ValueError(f"time_steps={time_steps!r} must be an integer >= 1")
    X = np.asarray(X, np.float64)
    if X.ndim != 3 or X.shape[1:] != net.input_shape or not np.isfinite(X).all():
        raise ValueError(f"X must be finite windows (N, {net.input_shape[0]}, {net.input_shape[1]}), got {X.shape}")
    spiking = [lay for lay in net.layers if lay.spiking]
    readout = net.layers[-1]
    if X.shape[0] == 0:
        raise ValueError("X holds no window (N = 0)")
    pos: list = [0.0] * (len(spiking) + 1)
    neg: list = [0.0] * (len(spiking) + 1)
    ys = []
    for a in range(0, X.shape[0], BATCH):
        u = X[a:a + BATCH] / net.input_scale
        n = u.shape[0]
        v_in = np.zeros_like(u)
        v: list = [None] * len(spiking)
        acc = 0.0
        for _ in range(int(time_steps)):
            _, h = if_step(v_in, u, signed=True)
            pos[0] = pos[0] + np.maximum(h, 0.0).reshape(n, -1).sum(0)
            neg[0] = neg[0] + np.maximum(-h, 0.0).reshape(n, -1).sum(0)
            for i, lay in enumerate(spiking):
                cur = _affine(lay, h) + _bias(lay)
                if v[i] is None:
                    v[i] = np.zeros_like(cur)
                _, h = if_step(v[i], cur)
                pos[i + 1] = pos[i + 1] + h.reshape(n, -1).sum(0)
            acc = acc + _affine(readout, h)
        ys.append((acc / int(time_steps) + _bias(readout)).reshape(n, -1))
    neg[1:] = [np.zeros_like(p) for p in pos[1:]]       # IF layers emit non-negative spikes only
    return np.concatenate(ys), list(zip(pos, neg, strict=True))


def _fan_out(lay: IFLayer, in_shape: tuple[int, ...]) -> np.ndarray:
    """Non-zero synapses of every presynaptic neuron of ``lay`` (flattened C-order over ``in_shape``): for a
    strided valid convolution, input (c, p) reaches output (o, j) through tap i = p − j·stride (0 <= i < k)."""
    if lay.op == "dense":
        return np.count_nonzero(lay.w, axis=1).astype(np.float64)
    C, L = in_shape
    k = lay.w.shape[2]
    L_out = (L - k) // lay.stride + 1
    nz = np.count_nonzero(lay.w, axis=0).astype(np.float64)          # (C, k) non-zero outputs per tap
    fan = np.zeros((C, L))
    for i in range(k):
        np.add.at(fan, (slice(None), np.arange(L_out) * lay.stride + i), nz[:, i:i + 1])
    return fan.reshape(-1)


def spiking_workload(net: ConvertedNetwork, counts: list[tuple[np.ndarray, np.ndarray]], n_windows: int,
                     time_steps: int) -> pd.DataFrame:
    """IR (:mod:`hwsim.ir`) of one inference of ``net`` from the spike ``counts`` of :func:`simulate` summed over
    ``n_windows`` windows (module doc, Workload). Synaptic operations of a row = Σ_j (spikes of presynaptic neuron
    j per inference) x (non-zero synapses of j).

    Raises
    ------
    ValueError
        for ``n_windows`` < 1 or counts that do not match the network.
    """
    from hwsim import ir

    if n_windows < 1 or len(counts) != sum(lay.spiking for lay in net.layers) + 1:
        raise ValueError(f"n_windows={n_windows} must be >= 1 and counts must hold one entry per spiking population")
    T = int(time_steps)
    C, W = net.input_shape
    rows = [ir.neuron_update("input.neurons", C * W, T)]
    shape: tuple[int, ...] = (C, W)
    for i, lay in enumerate(net.layers):
        pos, neg = (c / n_windows for c in counts[i])
        if pos.size != int(np.prod(shape)):
            raise ValueError(f"counts[{i}] has {pos.size} neurons, layer {lay.name!r} expects {int(np.prod(shape))}")
        fan = _fan_out(lay, shape)
        events = pos + neg
        syn = float(np.dot(events, fan))
        n_pre = fan.size
        signed = i == 0
        ev = float(events.sum())
        common = {"time_steps": T, "spike_rate": ev / (n_pre * T), "signed": signed,
                  "fan_out": syn / ev if ev > 0 else float(fan.mean()), "spikes_pos": float(pos.sum()),
                  "spikes_neg": float(neg.sum()), "syn_ops": syn, "w_bits": 32, "w_format": "fp",
                  "a_bits": 2 if signed else 1, "weight_elems": int(np.count_nonzero(lay.w) + lay.b.size)}
        density = max(np.count_nonzero(lay.w) / lay.w.size, 1.0 / lay.w.size)
        if density < 1:
            common["sparsity_pattern"] = "unstructured"
        if lay.op == "conv1d":
            c_out, c_in, k = lay.w.shape
            L_out = (shape[1] - k) // lay.stride + 1
            rows.append(ir.conv1d(f"{lay.name}.syn", C=c_in, K_out=c_out, L_out=L_out, R=k, stride=lay.stride,
                                  kind="snn_conv", density=density, **common))
            shape = (c_out, L_out)
            n_post = c_out * L_out
        else:
            n_in, n_out = lay.w.shape
            rows.append(ir.snn_dense(f"{lay.name}.syn", n_in, n_out, T, common.pop("spike_rate"), density=density,
                                     signed=common.pop("signed"), spikes_pos=common.pop("spikes_pos"),
                                     spikes_neg=common.pop("spikes_neg"), syn_ops=common.pop("syn_ops"),
                                     **{k: v for k, v in common.items() if k != "time_steps"}))
            shape = (n_out,)
            n_post = n_out
        rows.append(ir.neuron_update(f"{lay.name}.neurons", n_post, T))
    return ir.make(rows)


class ConvertedForecasterDetector(ForecasterDetector):
    """The dense forecaster of ``cfg`` trained as :class:`~fdir.detectors.forecast_detector.ForecasterDetector`
    (same seed, same weights) and scored by its rate-coded spiking conversion (module doc).

    cfg : :class:`~fdir.detectors.forecaster.ForecasterConfig` of the source network (default: the full dense pair;
    the registered ``dense_converted`` uses the operation-matched one). time_steps : T, simulation
    steps per inference (default :data:`DEFAULT_TIME_STEPS`). percentile : normalisation percentile (default
    :data:`PERCENTILE`). Attributes after :meth:`fit`: ``model`` (the trained source), ``network``
    (:class:`ConvertedNetwork`), ``train_counts`` (spike counts on the training windows, :func:`simulate`),
    ``n_train_windows``.

    Raises
    ------
    ValueError
        for ``time_steps`` not an integer >= 1 or ``percentile`` outside (0, 100] (NaN and inf included).
    """

    family = "converted"

    def __init__(self, cfg: ForecasterConfig | None = None, *, time_steps: int = DEFAULT_TIME_STEPS,
                 percentile: float = PERCENTILE) -> None:
        if isinstance(time_steps, bool) or not isinstance(time_steps, int | np.integer) or time_steps < 1:
            raise ValueError(f"time_steps={time_steps!r} must be an integer >= 1")
        p = float(percentile)
        if not (math.isfinite(p) and 0.0 < p <= 100.0):
            raise ValueError(f"percentile={percentile!r} must be in (0, 100]")
        super().__init__(cfg, fixed_point=False)
        self.time_steps = int(time_steps)
        self.percentile = p
        self.network: ConvertedNetwork | None = None
        self.train_counts: list | None = None
        self.n_train_windows = 0

    def _input_windows(self, a: np.ndarray) -> np.ndarray:
        """(N, C', input_length) float64 windows of the model's columns (window k ends at sample k + l_s − 1)."""
        from fdir.detectors.forecaster import make_windows

        m = self.model
        X, _ = make_windows(a, m.cfg.l_s, m.cfg.n_predictions, m.columns)
        return X[:, :, m.cfg.l_s - m.cfg.input_length:].astype(np.float64)

    def fit(self, train: np.ndarray) -> ConvertedForecasterDetector:
        """Train the source forecaster on ``train`` (T, D) or (T,), then :meth:`convert_source` on the same
        series. Raises ValueError as :meth:`ForecasterDetector.fit
        <fdir.detectors.forecast_detector.ForecasterDetector.fit>`."""
        a = as_series(train, "train", min_length=self.min_train_length)
        super().fit(a)
        return self.convert_source(a)

    def convert_source(self, train: np.ndarray) -> ConvertedForecasterDetector:
        """Convert the trained source ``model`` with normalisation scales from the windows of its training series
        ``train`` (T, D) or (T,) and measure the spike counts on them (module doc). Raises ValueError before a
        source is trained or for a series without a window."""
        import copy

        m = fitted(self.model, type(self).__name__)
        a = as_series(train, "train")
        spec, arrays = m.export_layers()
        spec, arrays = copy.deepcopy(spec), dict(arrays)
        arrays["conv0.w"] = np.ascontiguousarray(arrays["conv0.w"][:, list(m.columns), :])
        X = self._input_windows(a)
        self.network = convert(stages_from_bundle(spec, arrays), X, percentile=self.percentile)
        _, self.train_counts = simulate(self.network, X, self.time_steps)
        self.n_train_windows = X.shape[0]
        return self

    def forecasts(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Head forecasts (n_heads, N, H) of the converted network and targets (N, H) for the windows of ``x``
        (T, D) (index k is sample k + l_s), as :meth:`ForecasterDetector.forecasts`."""
        from fdir.detectors.forecaster import make_windows

        m = fitted(self.model, type(self).__name__)
        a = as_series(x)
        _, Y = make_windows(a, m.cfg.l_s, m.cfg.n_predictions, m.columns)
        X = self._input_windows(a)
        out, _ = simulate(self.network, X, self.time_steps)
        K, H = m.n_heads, m.cfg.n_predictions
        heads = out[:, :K * H].reshape(-1, K, H).transpose(1, 0, 2)     # head k = outputs k·H .. k·H + H − 1
        return heads + m.head_gains[:, None, None] * X[None, :, 0, -1:], Y.astype(np.float64)

    def source_forecasts(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The dense source network's forecasts and targets (JAX float32), for comparing source and conversion."""
        return super().forecasts(x)

    def workload(self) -> pd.DataFrame:
        """Spiking IR of one inference with the spike counts measured on the training windows (module doc)."""
        net = fitted(self.network, type(self).__name__)
        return spiking_workload(net, self.train_counts, self.n_train_windows, self.time_steps)

    def export(self) -> tuple[dict, dict[str, np.ndarray]]:
        """Not available: the numpy runtime has no integrate-and-fire layer (module doc)."""
        raise NotImplementedError("the converted family (rate-coded IF network) has no fdir.runtime layer; export "
                                  "the dense source with the dense_ops_matched detector instead")
