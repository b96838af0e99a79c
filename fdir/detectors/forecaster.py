"""Convolutional telemetry forecaster + nonparametric dynamic thresholding (telemanom protocol). JAX + optax.

The detector of Hundman et al., KDD 2018 (arXiv:1802.04431) forecasts the next ``n_predictions`` values of the
telemetry channel (column 0) from the last ``l_s`` samples of all columns (value + command flags) and thresholds
the first-step error with NDT (:mod:`fdir.ndt`). telemanom uses two stacked 80-unit LSTMs; here the forecaster is
a strided 1-D convolutional network (temporal convolutional forecaster, in the spirit of Bai, Kolter, Koltun,
"An Empirical Evaluation of Generic Convolutional and Recurrent Networks for Sequence Modeling", arXiv:1803.01271),
because

* it is expressible in the embeddable layer format of ``fdir.runtime`` (``conv1d``/``relu``/``flatten``/``dense``;
  an LSTM is not), so the same trained weights run in the numpy-only runtime and in int8;
* its cost per inference is fixed and small (MACs: :meth:`ForecasterConfig.macs`), with no recurrent state;
* it trains in seconds per channel on a CPU (a whole spacecraft in minutes), so all labelled channels are evaluated.

Architecture (input (D, l_s): D columns x l_s samples, channels x samples):
``[conv1d(k, stride s, valid) → relu] x len(conv_channels) → flatten → dense(hidden) → relu → dense(n_predictions)``.

Training follows telemanom's protocol: all windows of the nominal training array, shuffled, 20 % held out for
validation, MSE on the ``n_predictions`` targets, Adam (optax), batch 64, up to ``epochs`` epochs with early
stopping (patience 10, min_delta 3e-4 on the validation loss); the weights of the best validation epoch are kept
(telemanom keeps the last). Test errors: e_t = |ŷ_t − y_t| of the first-step forecast for t = l_s .. T − n_pred − 1.

Detection (``combine``, ``horizon_error``): by default each member's first-step errors, and the absolute member's
horizon-mean errors (mean |ŷ − y| over its whole ``n_predictions``-step forecast, :func:`stream_errors`), are
thresholded each by its own NDT, and a value is anomalous when any stream flags it (:func:`fdir.ndt.detect_any`);
``combine="mean"`` thresholds the error of the members' mean forecast instead.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from fdir.ndt import NDTParams, NDTResult, detect_any
from fdir.runtime.forecast import ERROR_KINDS  # the bundle format's stream kinds (numpy-only module)

COMMAND_MODES = ("active", "all", "none")
SKIP_MODES = ("fixed", "learned", "select", "mixed")
SKIP_CANDIDATES = ("absolute", "residual", "learned")
COMBINE_MODES = ("union", "mean")
HORIZON_ERROR_MODES = ("absolute", "none", "all")
FIXED_POINT_HEADROOM = 4.0
"""``headroom`` of :func:`fdir.runtime.export.quantize_bundle` for forecaster exports: activation ranges are
calibrated on nominal training windows, and anomalies drive activations beyond them. Measured on the default pair
(seed 0, all labelled channels, fixed-point runtime F1 against the float detector's SMAP 0.836 / MSL 0.646):
headroom 1 gives 0.849 / 0.708 (P-4, P-11, D-15 and T-13 decided differently: saturated errors), 2 gives
0.849 / 0.667, 4 gives 0.841 / 0.667. With the exact accumulator bound every layer keeps int16 activations, so 4x
headroom leaves 13 bits of resolution. With the horizon-mean stream and the causal NDT schedule (current default),
headroom 4 gives 0.838 / 0.746 against the float detector's 0.832 / 0.735."""

__all__ = [
    "COMBINE_MODES",
    "COMMAND_MODES",
    "ERROR_KINDS",
    "FIXED_POINT_HEADROOM",
    "HORIZON_ERROR_MODES",
    "SKIP_CANDIDATES",
    "SKIP_MODES",
    "ChannelRun",
    "Forecaster",
    "ForecasterConfig",
    "channel_detections",
    "forecast",
    "forecast_heads",
    "make_windows",
    "stream_errors",
    "train_forecaster",
]


@dataclass(frozen=True)
class ForecasterConfig:
    """Architecture and training settings (defaults: telemanom's l_s, n_predictions, batch, epochs, patience).

    l_s : input window (samples). n_predictions : steps forecast. conv_channels : output channels per conv layer.
    kernel, stride : conv kernel length and stride. hidden : dense units. epochs, batch_size, lr : training.
    weight_decay : AdamW decoupled weight decay (0: Adam). loss : ``"mse"`` (telemanom) or ``"mae"``.
    members : ensemble size (the forecast is the members' mean; default 2, one member of each forecast form).
    validation_split, patience, min_delta : early stopping. commands : which command columns are fed besides the
    value: ``"active"`` (those set at least once in the training array; a flag never seen in training
    carries no learnable information and would only meet untrained weights at test time), ``"all"`` (telemanom)
    or ``"none"`` (default: the value only). residual : ``True`` predicts the change from the newest input value
    (ŷ = network output + x_{t−1}), ``False`` (default, telemanom) predicts the value itself.
    skip : how the skip gain a of ŷ = network output + a·x_{t−1} is set: ``"fixed"`` (a = 1 with ``residual``,
    else 0), ``"learned"`` (a trainable scalar per member, initialised to ``skip_init``, trained jointly with the
    network), ``"mixed"`` (default: a fixed, untrained gain per member, 0 for even and 1 for odd members, so an
    ensemble of two averages an absolute and a residual forecaster, ŷ = mean(outputs) + ½·x_{t−1}; needs
    ``members`` >= 2; ``residual`` is ignored) or ``"select"`` (train one model per entry of ``select_from`` —
    ``"absolute"`` (a = 0), ``"residual"`` (a = 1), ``"learned"`` — with the same seed and validation split, and
    keep the one with the lowest best
    validation loss; the returned model's config is that candidate's: ``skip`` "fixed" or "learned" and its
    ``residual``). select_from : candidates of ``"select"``. skip_init, skip_lr : initial value and Adam learning
    rate of the learned gain (a larger rate than the network's, so that a can travel 0 → 1 within the
    early-stopping budget of a few hundred steps). dropout : rate of inverted dropout on the inputs of both dense
    layers during training (telemanom uses 0.3 on its LSTM outputs); the forecast and the export are unaffected.
    combine : how the members' forecasts become detections: ``"union"`` (default: each member's errors are
    thresholded by its own NDT and a value is flagged when any member flags it, :func:`fdir.ndt.detect_any`; the
    export keeps one output head per member) or ``"mean"`` (the errors of the members' mean forecast are
    thresholded, one head).
    horizon_error : heads whose horizon-mean error h_k = (1/H) Σ_j |ŷ_{k,j} − y_{k+j}| is thresholded as one
    more stream of the union (:func:`stream_errors`, :attr:`Forecaster.error_streams`): ``"absolute"`` (default:
    heads with skip gain 0, i.e. the pair's absolute member), ``"all"`` or ``"none"`` (first-step errors only,
    telemanom). With ``combine="mean"`` the single head has the members' mean gain (½ for the pair), so
    ``"absolute"`` adds nothing there.
    max_train_windows : cap on training windows (random subset; None = all). seed : initialisation, shuffle.

    The defaults were compared with the telemanom protocol (train arrays only, NDT thresholds;
    ``fdir.telemetry.run_telemanom``); the test labels of both spacecraft scored the candidates, so the figures
    below are not held-out estimates. Event-wise F1, SMAP / MSL, mean over seeds 0, 1, 2: residual 0.698 / 0.598,
    absolute 0.776 / 0.598 (seed 0: 0.794 / 0.607), mixed absolute + residual pair (default; mean rule, see
    ``combine`` below) 0.789 / 0.606
    (seeds 0 / 1 / 2: SMAP 0.806 0.771 0.791, MSL 0.582 0.593 0.643; the same pair trained as two separate models
    with identical initialisation and averaged: SMAP 0.803 0.806 0.803, MSL 0.621 0.607 0.643). Against the
    absolute model of the same seed, 11 of these 12 paired differences are >= 0. The pair costs twice the MACs
    and parameters and about 2.5x the training time (early stopping waits for both members). Four members
    (two of each form), seed 0: 0.797 / 0.607, at twice the pair's cost. Level-invariant residual
    (input window minus its newest value), seed 0: 0.723 / 0.610; tanh instead of ReLU (MSL, seeds 0-2):
    0.519 0.545 0.586. Reference points, seed-free: persistence ŷ = x_{t−1} 0.615 / 0.538; ridge AR(250)
    0.701 / 0.528.
    Single absolute model, seed 0 only: telemanom's command columns 0.791 / 0.586; 3-member absolute ensemble
    0.709 (SMAP; smaller nominal errors, more false alarms); 100 instead of 35 epochs 0.788 / 0.582; conv channels
    32 and hidden 64: 0.763 (SMAP); MAE loss 0.789 (SMAP; seed 1: 0.721 against 0.757).
    Skip-gain variants (same protocol, seeds 0 / 1 / 2, SMAP | MSL F1): absolute 0.794 0.757 0.777 |
    0.607 0.593 0.593 (means 0.776 | 0.598); residual 0.720 0.712 0.661 | 0.610 0.561 0.623 (0.698 | 0.598);
    learned gain from 0 (``skip="learned"``) 0.806 0.746 0.735 | 0.566 0.618 0.643 (0.762 | 0.609);
    ``skip="select"`` over absolute/residual by validation loss 0.806 0.692 0.750 | 0.566 0.549 0.586
    (0.749 | 0.567); over absolute/residual/learned 0.803 0.698 0.741 | 0.630 0.549 0.610 (0.747 | 0.596, 3x the
    training time). Seed 0 only: learned gain from 0.5: 0.797 | 0.561; dropout 0.3 (telemanom's rate) 0.777 |
    0.556. The held-out validation loss does not predict which forecast form detects better (on MSL's
    M-1/M-4/M-5 both forms reach similar validation losses, and neither detects their anomalies), which is why the
    pair keeps both forms instead of selecting one.
    Detection rule of the pair (``combine``), same trained models, seeds 0 / 1 / 2, SMAP | MSL F1: ``"mean"``
    (the rule behind the pair's figures above) 0.806 0.771 0.791 | 0.582 0.593 0.643 (means 0.789 | 0.606);
    ``"union"`` (default) 0.836 0.790 0.821 | 0.646 0.633 0.667 (means 0.816 | 0.649). The union trades
    precision for recall: seed 0 SMAP P 0.792 R 0.884 (mean rule 0.831 / 0.783), MSL P 0.724 R 0.583 (0.842 /
    0.444); F0.5 SMAP 0.809 0.736 0.781 | MSL 0.691 0.720 0.729. Why it helps: the two forms miss different
    anomalies; a persistent level shift keeps the absolute member's error high for longer than NDT's 50 % guard
    allows (MSL P-15), while the residual member sees its onset; alone, the residual member misses many
    anomalies the absolute member finds (seed 0 SMAP 0.720 against 0.794). A third, level-invariant member in
    the union raised MSL (0.716, seed 0, separately trained models) but cost SMAP precision (F1 0.750).
    Horizon-mean error streams (``horizon_error``), same trained pairs with the union, seeds 0 / 1 / 2, SMAP | MSL
    F1: ``"none"`` (the union figures above, means 0.816 | 0.649); ``"absolute"`` (default) 0.832 0.805 0.803 |
    0.725 0.710 0.688 (means 0.813 | 0.708); ``"all"`` 0.797 0.793 0.749 | 0.704 0.698 0.706 (0.780 | 0.703).
    Seed 0, ``"absolute"``: SMAP P 0.775 R 0.899 F0.5 0.797, MSL P 0.758 R 0.694 F0.5 0.744; on MSL it adds all
    three F-7 events and P-11's first event at no extra false alarm (contextual anomalies whose one-step errors
    stay nominal but whose 10-step forecasts drift off). The residual member's horizon error is left out by
    default because its forecast is anchored at x_{t−1}, so over 10 steps it mostly measures the signal's nominal
    drift (seed 0 SMAP false alarms 18 → 26 with ``"all"``). Other subsets of the four streams, seed 0: absolute
    member only (first-step + horizon) 0.819 | 0.689, residual first-step + absolute horizon 0.824 | 0.727 (seeds
    1, 2: 0.819 0.800 | 0.621 0.667).
    All figures above use telemanom's NDT window schedule. With the causal schedule (``NDTParams.schedule``, now
    the default, and the onboard runtime's) only seed 0 MSL changes, by F-5's false alarm: ``"absolute"`` 0.735
    (P 0.781), ``"none"`` 0.656, ``"all"`` 0.714.
    Seed-to-seed spread is about ±0.02 on SMAP and up to ±0.04 on MSL (one event moves F1 by about 0.015 on SMAP,
    0.03 on MSL). Reproduce with ``hwsim bench fdir`` (``benchmarks/bench_fdir.py``).
    """

    l_s: int = 250
    n_predictions: int = 10
    conv_channels: tuple[int, ...] = (16, 16, 16)
    kernel: int = 5
    stride: int = 2
    hidden: int = 32
    epochs: int = 35
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 0.0
    loss: str = "mse"
    members: int = 2
    validation_split: float = 0.2
    patience: int = 10
    min_delta: float = 3e-4
    commands: str = "none"
    residual: bool = False
    skip: str = "mixed"
    skip_init: float = 0.0
    skip_lr: float = 1e-2
    dropout: float = 0.0
    select_from: tuple[str, ...] = SKIP_CANDIDATES
    combine: str = "union"
    horizon_error: str = "absolute"
    max_train_windows: int | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if self.l_s < 2 or self.n_predictions < 1:
            raise ValueError(f"l_s={self.l_s} must be >= 2 and n_predictions={self.n_predictions} >= 1")
        if not self.conv_channels or min(self.conv_channels) < 1 or self.kernel < 1 or self.stride < 1:
            raise ValueError("conv_channels must be non-empty positive ints; kernel and stride >= 1")
        if self.hidden < 1 or self.epochs < 1 or self.batch_size < 1 or not self.lr > 0:
            raise ValueError("hidden, epochs, batch_size must be >= 1 and lr > 0")
        if self.commands not in COMMAND_MODES:
            raise ValueError(f"commands={self.commands!r}, accepted: {COMMAND_MODES}")
        if self.skip not in SKIP_MODES:
            raise ValueError(f"skip={self.skip!r}, accepted: {SKIP_MODES}")
        if self.members < 1:
            raise ValueError(f"members={self.members} must be >= 1")
        if self.combine not in COMBINE_MODES:
            raise ValueError(f"combine={self.combine!r}, accepted: {COMBINE_MODES}")
        if self.horizon_error not in HORIZON_ERROR_MODES:
            raise ValueError(f"horizon_error={self.horizon_error!r}, accepted: {HORIZON_ERROR_MODES}")
        if self.skip == "mixed" and self.members < 2:
            raise ValueError(f"skip='mixed' needs members >= 2 (one absolute and one residual), got {self.members}")
        if not np.isfinite(self.skip_init) or not self.skip_lr > 0:
            raise ValueError(f"skip_init={self.skip_init} must be finite and skip_lr={self.skip_lr} > 0")
        if not self.select_from or any(c not in SKIP_CANDIDATES for c in self.select_from):
            raise ValueError(f"select_from={self.select_from!r} must be a non-empty tuple of {SKIP_CANDIDATES}")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout={self.dropout} must be in [0, 1)")
        if not 0 < self.validation_split < 1:
            raise ValueError(f"validation_split={self.validation_split} must be in (0, 1)")
        if self.input_length > self.l_s:
            raise ValueError(f"l_s={self.l_s} is too short for {len(self.conv_channels)} conv layers "
                             f"(kernel {self.kernel}, stride {self.stride})")

    @property
    def input_length(self) -> int:
        """Samples the network reads: the longest L ≤ l_s for which every strided valid convolution uses its last
        input sample ((L_i − k) divisible by s at every layer), so the newest sample always reaches the output.
        The network reads the newest ``input_length`` samples of each l_s window."""
        n = len(self.conv_channels)
        L = 1
        for _ in range(n):       # smallest aligned input giving one output: L_{i-1} = s (L_i - 1) + k
            L = self.stride * (L - 1) + self.kernel
        step = self.stride**n
        if L > self.l_s:
            return L             # rejected by __post_init__
        return L + ((self.l_s - L) // step) * step

    def lengths(self) -> list[int]:
        """Sequence length after each conv layer: L_out = (L − k)/s + 1, starting from ``input_length``."""
        out, L = [], self.input_length
        for _ in self.conv_channels:
            L = (L - self.kernel) // self.stride + 1
            out.append(L)
        return out

    def columns(self, train: np.ndarray) -> tuple[int, ...]:
        """Input columns used for a training array (T, D): 0 (value) and the selected command columns."""
        D = train.shape[1]
        if self.commands == "none" or D == 1:
            return (0,)
        if self.commands == "all":
            return tuple(range(D))
        return (0, *(int(j) + 1 for j in np.flatnonzero(np.any(train[:, 1:] != 0, axis=0))))

    def layer_shapes(self, n_in: int) -> list[tuple[str, tuple[int, ...]]]:
        """(name, weight shape) of each affine layer for ``n_in`` input columns: conv (out, in, k), dense (in, out)."""
        shapes, c_in = [], n_in
        for i, c in enumerate(self.conv_channels):
            shapes.append((f"conv{i}", (c, c_in, self.kernel)))
            c_in = c
        flat = c_in * self.lengths()[-1]
        shapes.append(("dense0", (flat, self.hidden)))
        shapes.append(("out", (self.hidden, self.n_predictions)))
        return shapes

    def macs(self, n_in: int) -> int:
        """Multiply-accumulates per inference (one forecast of all ``members``, each run as its own network) for
        ``n_in`` input columns."""
        total, c_in = 0, n_in
        for c, L in zip(self.conv_channels, self.lengths()):
            total += c * c_in * self.kernel * L
            c_in = c
        one = total + c_in * self.lengths()[-1] * self.hidden + self.hidden * self.n_predictions
        return self.members * one

    def n_params(self, n_in: int) -> int:
        """Weights + biases of all ``members`` for ``n_in`` input columns (+ 1 per member for a learned skip gain;
        the fixed gains of ``"mixed"`` are constants of the forecast rule, not parameters)."""
        one = int(sum(np.prod(s) + s[0 if n.startswith("conv") else 1] for n, s in self.layer_shapes(n_in)))
        return self.members * (one + (self.skip == "learned"))


def make_windows(a: np.ndarray, l_s: int, n_predictions: int, columns: tuple[int, ...] | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """telemanom windows of an array a (T, D): X (N, D', l_s) channels x samples of the given ``columns`` (default
    all), Y (N, n_predictions) of column 0, N = T − l_s − n_predictions (window i covers samples i .. i + l_s − 1,
    targets i + l_s .. i + l_s + n_pred − 1).

    Returns float32 arrays (views are avoided: X is materialised). Raises ValueError when T ≤ l_s + n_predictions.
    """
    a = np.asarray(a)
    T = a.shape[0]
    N = T - l_s - n_predictions
    if N < 1:
        raise ValueError(f"array of {T} samples is too short for l_s={l_s} + n_predictions={n_predictions}")
    cols = a if columns is None else a[:, list(columns)]
    sw = np.lib.stride_tricks.sliding_window_view(cols.astype(np.float32), l_s, axis=0)  # (T-l_s+1, D, l_s)
    X = np.ascontiguousarray(sw[:N])
    tw = np.lib.stride_tricks.sliding_window_view(a[:, 0].astype(np.float32), n_predictions)
    Y = np.ascontiguousarray(tw[l_s:l_s + N])
    return X, Y


# ----------------------------------------------------------------------------------------------- JAX model


def _init(cfg: ForecasterConfig, n_in: int, seed: int, member: int = 0) -> dict:
    """He-uniform initialisation of member ``member``: {layer: {"w", "b"}} float32 (+ {"skip": {"a"}}: the learned
    gain's start value, or the fixed gain ``member % 2`` of a ``"mixed"`` ensemble)."""
    import jax
    import jax.numpy as jnp

    key = jax.random.PRNGKey(seed)
    params = {}
    for name, shape in cfg.layer_shapes(n_in):
        key, k = jax.random.split(key)
        fan_in = shape[1] * shape[2] if name.startswith("conv") else shape[0]
        n_out = shape[0] if name.startswith("conv") else shape[1]
        bound = float(np.sqrt((3.0 if name == "out" else 6.0) / fan_in))
        params[name] = {"w": jax.random.uniform(k, shape, jnp.float32, -bound, bound),
                        "b": jnp.zeros((n_out,), jnp.float32)}
    if cfg.skip == "learned":
        params["skip"] = {"a": jnp.full((1,), cfg.skip_init, jnp.float32)}
    elif cfg.skip == "mixed":
        params["skip"] = {"a": jnp.full((1,), float(member % 2), jnp.float32)}
    return params


def _dropout(h, key, rate: float):
    """Inverted dropout (Srivastava et al., JMLR 15, 2014): zero a fraction ``rate``, scale the rest by 1/(1−rate)."""
    import jax

    keep = jax.random.bernoulli(key, 1.0 - rate, h.shape)
    return h * keep / (1.0 - rate)


def _apply(params: dict, x, cfg: ForecasterConfig, key=None):
    """One member: x (B, D', l_s) → (B, n_predictions) (reads the newest ``input_length`` samples). With a PRNG
    ``key`` and ``cfg.dropout`` > 0 (training), dropout is applied to the inputs of both dense layers."""
    import jax

    drop = key is not None and cfg.dropout > 0
    h = x[:, :, x.shape[2] - cfg.input_length:]
    for i in range(len(cfg.conv_channels)):
        p = params[f"conv{i}"]
        h = jax.lax.conv_general_dilated(h, p["w"], (cfg.stride,), "VALID", dimension_numbers=("NCH", "OIH", "NCH"))
        h = jax.nn.relu(h + p["b"][None, :, None])
    h = h.reshape(h.shape[0], -1)
    if drop:
        k0, k1 = jax.random.split(key)
        h = _dropout(h, k0, cfg.dropout)
    h = jax.nn.relu(h @ params["dense0"]["w"] + params["dense0"]["b"])
    if drop:
        h = _dropout(h, k1, cfg.dropout)
    out = h @ params["out"]["w"] + params["out"]["b"]
    if cfg.skip in ("learned", "mixed"):          # "mixed": fixed per-member gain, kept by optax.set_to_zero
        return out + params["skip"]["a"] * x[:, 0, -1:]
    return out + x[:, 0, -1:] if cfg.residual else out


_FN_CACHE: dict = {}


def _fns(cfg: ForecasterConfig):
    """jit-compiled functions over a stacked ensemble (leading member axis M on every leaf):
    (optimizer, step, per-member summed validation loss, per-member predictions)."""
    import jax
    import jax.numpy as jnp
    import optax

    key = (cfg.conv_channels, cfg.kernel, cfg.stride, cfg.hidden, cfg.n_predictions, cfg.lr, cfg.residual, cfg.l_s,
           cfg.weight_decay, cfg.loss, cfg.skip, cfg.skip_lr, cfg.dropout)
    if key in _FN_CACHE:
        return _FN_CACHE[key]
    opt = optax.adamw(cfg.lr, weight_decay=cfg.weight_decay) if cfg.weight_decay else optax.adam(cfg.lr)
    if cfg.skip in ("learned", "mixed"):
        opt = optax.multi_transform(
            {"net": opt, "gain": optax.adam(cfg.skip_lr) if cfg.skip == "learned" else optax.set_to_zero()},
            lambda p: {k: jax.tree_util.tree_map(lambda _, k=k: "gain" if k == "skip" else "net", v)
                       for k, v in p.items()})

    def pointwise(d):
        return jnp.abs(d) if cfg.loss == "mae" else d**2

    def member_loss(params, x, y, w, key):
        err = jnp.mean(pointwise(_apply(params, x, cfg, key) - y), axis=1)
        return jnp.sum(err * w) / jnp.maximum(jnp.sum(w), 1.0)

    def member_step(params, state, x, y, w, seed, t):
        key = jax.random.fold_in(jax.random.PRNGKey(seed), t) if cfg.dropout > 0 else None
        lv, g = jax.value_and_grad(member_loss)(params, x, y, w, key)
        upd, state = opt.update(g, state, params)
        return optax.apply_updates(params, upd), state, lv

    step = jax.jit(jax.vmap(member_step, in_axes=(0, 0, 0, 0, 0, 0, None)))

    @jax.jit
    def val_loss(params, x, y, w):
        def one(p):
            return jnp.sum(jnp.mean(pointwise(_apply(p, x, cfg) - y), axis=1) * w)
        return jax.vmap(one)(params)

    @jax.jit
    def predict(params, x):
        return jax.vmap(lambda p: _apply(p, x, cfg))(params)

    _FN_CACHE[key] = (opt, step, val_loss, predict)
    return _FN_CACHE[key]


def _batches(n: int, bs: int):
    for a in range(0, n, bs):
        yield a, min(a + bs, n)


def _pad(x: np.ndarray, bs: int) -> tuple[np.ndarray, np.ndarray]:
    """Pad the batch axis to bs; weights (bs,) mark real rows (fixed shapes: one JIT compilation)."""
    n = x.shape[0]
    w = np.zeros(bs, np.float32)
    w[:n] = 1.0
    if n == bs:
        return x, w
    return np.concatenate([x, np.zeros((bs - n, *x.shape[1:]), x.dtype)]), w


def _tree_np(tree) -> dict:
    return {k: {kk: np.array(vv) for kk, vv in v.items()} for k, v in tree.items()}


@dataclass
class Forecaster:
    """A trained forecaster ensemble: ``params`` {layer: {"w", "b"}} numpy float32 with a leading member axis M
    (the forecast is the mean of the members), its config, the column count D of the channel's arrays and the
    ``columns`` it reads; ``history`` the per-epoch mean training and validation losses."""

    cfg: ForecasterConfig
    D: int
    columns: tuple[int, ...]
    params: dict
    history: dict = field(default_factory=dict)

    @property
    def skip_gain(self) -> float:
        """Gain a of ŷ = graph output + a·x_{t−1} of the ensemble mean: the members' mean learned gain, else 1.0
        for a residual and 0.0 for an absolute model."""
        if "skip" in self.params:
            return float(np.mean(self.params["skip"]["a"]))
        return 1.0 if self.cfg.residual else 0.0

    @property
    def n_members(self) -> int:
        return int(self.params["out"]["b"].shape[0])

    @property
    def member_gains(self) -> np.ndarray:
        """(M,) skip gain a_m of each member's forecast ŷ_m = output_m + a_m·x_{t−1}."""
        if "skip" in self.params:
            return np.asarray(self.params["skip"]["a"], np.float64).reshape(self.n_members)
        return np.full(self.n_members, 1.0 if self.cfg.residual else 0.0)

    @property
    def n_heads(self) -> int:
        """Forecasts thresholded separately: M with ``combine="union"``, else 1 (the members' mean)."""
        return self.n_members if self.cfg.combine == "union" else 1

    @property
    def head_gains(self) -> np.ndarray:
        """(n_heads,) skip gain of each thresholded forecast: :attr:`member_gains` (union) or (:attr:`skip_gain`,)."""
        return self.member_gains if self.n_heads > 1 else np.array([self.skip_gain])

    @property
    def error_streams(self) -> tuple[tuple[int, str], ...]:
        """The error streams NDT thresholds, each ``(head, kind)`` with kind in :data:`ERROR_KINDS`: the first-step
        error of every head, then the horizon-mean error of the heads ``cfg.horizon_error`` selects (``"absolute"``:
        heads with skip gain 0; ``"all"``; ``"none"``). See :func:`stream_errors`."""
        first = tuple((k, "first_step") for k in range(self.n_heads))
        mode = self.cfg.horizon_error
        pick = [k for k, g in enumerate(self.head_gains) if mode == "all" or (mode == "absolute" and g == 0.0)]
        return first + tuple((k, "horizon_mean") for k in pick)

    def member(self, m: int) -> dict:
        """Parameters of member m (no member axis)."""
        return {k: {kk: vv[m] for kk, vv in v.items()} for k, v in self.params.items()}

    def predict(self, X: np.ndarray, batch_size: int = 512) -> np.ndarray:
        """Ensemble-mean forecasts (N, n_predictions) for windows X (N, D', l_s) float32 (JAX)."""
        return self.predict_members(X, batch_size).mean(axis=0)

    def predict_members(self, X: np.ndarray, batch_size: int = 512) -> np.ndarray:
        """Each member's forecasts (M, N, n_predictions) for windows X (N, D', l_s) float32 (JAX)."""
        import jax.numpy as jnp

        *_, predict = _fns(self.cfg)
        p = {k: {kk: jnp.asarray(vv) for kk, vv in v.items()} for k, v in self.params.items()}
        out = []
        for a, b in _batches(X.shape[0], batch_size):
            xb, _ = _pad(np.asarray(X[a:b], np.float32), batch_size)
            out.append(np.asarray(predict(p, jnp.asarray(xb)))[:, : b - a])
        if not out:
            return np.zeros((self.n_members, 0, self.cfg.n_predictions), np.float32)
        return np.concatenate(out, axis=1)

    def predict_heads(self, X: np.ndarray, batch_size: int = 512) -> np.ndarray:
        """The forecasts NDT thresholds, (n_heads, N, n_predictions): every member's (union) or their mean."""
        out = self.predict_members(X, batch_size)
        return out if self.n_heads > 1 else out.mean(axis=0, keepdims=True)

    def predict_numpy(self, X: np.ndarray, heads: bool = False) -> np.ndarray:
        """The same forward pass in numpy float64 (reference for exports): the ensemble mean (N, n_predictions),
        or with ``heads`` the forecasts of :meth:`predict_heads` (n_heads, N, n_predictions)."""
        x = np.asarray(X, np.float64)
        outs = []
        k, s = self.cfg.kernel, self.cfg.stride
        for m in range(self.n_members):
            p = self.member(m)
            h = x[:, :, x.shape[2] - self.cfg.input_length:]
            for i in range(len(self.cfg.conv_channels)):
                w, b = p[f"conv{i}"]["w"].astype(np.float64), p[f"conv{i}"]["b"].astype(np.float64)
                L = (h.shape[2] - k) // s + 1
                cols = np.lib.stride_tricks.sliding_window_view(h, k, axis=2)[:, :, ::s][:, :, :L]  # (B, C, L, k)
                h = np.maximum(np.einsum("bclk,ock->bol", cols, w) + b[None, :, None], 0.0)
            h = h.reshape(h.shape[0], -1)
            h = np.maximum(h @ p["dense0"]["w"].astype(np.float64) + p["dense0"]["b"], 0.0)
            outs.append(h @ p["out"]["w"].astype(np.float64) + p["out"]["b"])
        last = x[:, 0, -1:]
        if heads and self.n_heads > 1:
            return np.stack([o + a * last for o, a in zip(outs, self.member_gains, strict=True)])
        mean = np.mean(outs, axis=0) + self.skip_gain * last
        return mean[None] if heads else mean

    def export_layers(self, *, name: str = "telemanom-conv-forecaster", ndt: NDTParams | None = None
                      ) -> tuple[dict, dict[str, np.ndarray]]:
        """The model in the embeddable layer format (``fdir/runtime/FORMAT.md``): ``(spec, arrays)`` for
        :func:`fdir.runtime.save_bundle`.

        Layers: ``[conv1d → relu] x n → flatten → dense → relu → dense``. The M members are folded into one
        network of the same depth: the convolutions and the hidden dense layer stack the members' channels/units
        with block-diagonal weights (exact; a fraction 1/M of those weights is non-zero); with
        ``combine="mean"`` the output layer averages the members (one head), with ``combine="union"`` it keeps
        each member's ``n_predictions`` outputs as its own head (block-diagonal too; ``detector.heads`` = M,
        ``detector.residual_gain`` the list of member gains, ``detector.combine`` "any": each head has its own
        NDT and a sample is flagged when any head flags it). The input is the full sample of D columns (columns
        the model does not read get zero weights in the first convolution), window ``input_length``. The detector
        rule is ``forecast`` on input channel 0 with ``residual_gain`` a (ŷ = graph output + a·newest value;
        :attr:`skip_gain`, or per head :attr:`head_gains`) and, for readers of the older format, ``residual``
        (true when the mean gain is 1), with the NDT parameters.
        """
        ndt = NDTParams(l_s=self.cfg.l_s) if ndt is None else ndt
        M, C = self.n_members, self.D
        P = self.params
        layers, arrays = [], {}
        for i in range(len(self.cfg.conv_channels)):
            w = P[f"conv{i}"]["w"]                     # (M, c_out, c_in, k)
            _, co, ci, k = w.shape
            if i == 0:
                full = np.zeros((M * co, C, k), np.float32)
                for m in range(M):
                    full[m * co:(m + 1) * co][:, list(self.columns), :] = w[m]
            else:
                full = np.zeros((M * co, M * ci, k), np.float32)
                for m in range(M):
                    full[m * co:(m + 1) * co, m * ci:(m + 1) * ci, :] = w[m]
            arrays[f"conv{i}.w"] = full
            arrays[f"conv{i}.b"] = P[f"conv{i}"]["b"].reshape(-1).astype(np.float32)
            layers.append({"name": f"conv{i}", "op": "conv1d", "w": f"conv{i}.w", "b": f"conv{i}.b",
                           "stride": self.cfg.stride, "padding": 0})
            layers.append({"name": f"relu{i}", "op": "relu"})
        layers.append({"name": "flatten", "op": "flatten"})
        c_last, L = self.cfg.conv_channels[-1], self.cfg.lengths()[-1]
        hdim = self.cfg.hidden
        w0 = np.zeros((M * c_last * L, M * hdim), np.float32)
        for m in range(M):                              # member block: rows (m c_last + c) L + l
            w0[m * c_last * L:(m + 1) * c_last * L, m * hdim:(m + 1) * hdim] = P["dense0"]["w"][m]
        arrays["dense0.w"], arrays["dense0.b"] = w0, P["dense0"]["b"].reshape(-1).astype(np.float32)
        H = self.cfg.n_predictions
        if self.n_heads > 1:                            # one output block per member: head m = outputs m·H .. m·H+H−1
            wo = np.zeros((M * hdim, M * H), np.float32)
            for m in range(M):
                wo[m * hdim:(m + 1) * hdim, m * H:(m + 1) * H] = P["out"]["w"][m]
            arrays["out.w"], arrays["out.b"] = wo, P["out"]["b"].reshape(-1).astype(np.float32)
        else:
            arrays["out.w"] = (P["out"]["w"].reshape(M * hdim, -1) / M).astype(np.float32)
            arrays["out.b"] = P["out"]["b"].mean(axis=0).astype(np.float32)
        layers += [{"name": "dense0", "op": "dense", "w": "dense0.w", "b": "dense0.b"},
                   {"name": "dense0_relu", "op": "relu"},
                   {"name": "out", "op": "dense", "w": "out.w", "b": "out.b"}]
        spec = {
            "format": "hwsim-embeddable-layers", "version": 1, "name": name,
            "source": "fdir.detectors.forecaster (telemanom protocol, Hundman et al. KDD 2018, arXiv:1802.04431)",
            "input": {"channels": C, "window": self.cfg.input_length, "layout": "channels x samples",
                      "shape": [C, self.cfg.input_length], "mean": None, "std": None, "sample_period_s": None},
            "layers": layers,
            "detector": {"kind": "forecast", "target": 0, "horizon": self.cfg.n_predictions, "error": "abs",
                         "residual": self.skip_gain == 1.0, "residual_gain": self.skip_gain,
                         "smoothing_span": ndt.span,
                         "threshold": ndt.to_dict()},
        }
        if self.n_heads > 1:
            spec["detector"].update(heads=self.n_heads, combine="any",
                                    residual_gain=[float(g) for g in self.head_gains])
        spec["detector"]["streams"] = [{"head": k, "error": kind} for k, kind in self.error_streams]
        return spec, arrays


def train_forecaster(train: np.ndarray, cfg: ForecasterConfig = ForecasterConfig()) -> Forecaster:
    """Train an ensemble of ``cfg.members`` forecasters on one channel's nominal array ``train`` (T, D).

    telemanom protocol (module doc): shuffled windows, ``validation_split`` held out, mini-batches shared by the
    members (which differ by their initialisation), early stopping per member on its validation loss (patience,
    min_delta), each member keeps the weights of its best validation epoch; training ends when every member has
    stopped or after ``epochs``.

    With ``cfg.skip == "select"`` one model per candidate of ``cfg.select_from`` is trained (same seed, same split)
    and the one with the lowest best validation loss is returned (first candidate on ties); ``history["select"]``
    maps each candidate to its best validation loss. No test data is used.

    Raises
    ------
    ValueError
        when the array is too short for one training and one validation window.
    """
    if cfg.skip == "select":
        from dataclasses import replace

        kw = {"absolute": dict(skip="fixed", residual=False), "residual": dict(skip="fixed", residual=True),
              "learned": dict(skip="learned")}
        runs = {c: _train(train, replace(cfg, **kw[c])) for c in dict.fromkeys(cfg.select_from)}
        best_val = {c: float(min(m.history["val"])) for c, m in runs.items()}
        chosen = runs[min(best_val, key=best_val.__getitem__)]
        chosen.history["select"] = best_val
        return chosen
    return _train(train, cfg)


def _train(train: np.ndarray, cfg: ForecasterConfig) -> Forecaster:
    """One ensemble with a fixed or learned skip gain (see :func:`train_forecaster`)."""
    import jax
    import jax.numpy as jnp

    train = np.asarray(train)
    D = train.shape[1]
    columns = cfg.columns(train)
    X, Y = make_windows(train, cfg.l_s, cfg.n_predictions, columns)
    rng = np.random.default_rng(cfg.seed)
    order = rng.permutation(X.shape[0])
    if cfg.max_train_windows is not None:
        order = order[: cfg.max_train_windows]
    n_val = round(order.size * cfg.validation_split)
    if order.size - n_val < 1 or n_val < 1:
        raise ValueError(f"{order.size} windows are too few for a training and validation split")
    tr, va = order[: order.size - n_val], order[order.size - n_val:]
    M = cfg.members
    opt, step, val_loss, _ = _fns(cfg)
    members = [_init(cfg, len(columns), cfg.seed * 1000 + m, m) for m in range(M)]
    params = jax.tree_util.tree_map(lambda *a: jnp.stack(a), *members)
    state = jax.vmap(opt.init)(params)
    bs = cfg.batch_size
    best = np.full(M, np.inf)
    wait = np.zeros(M, int)
    best_params = _tree_np(params)
    hist = {"train": [], "val": []}
    Xv, Yv = X[va], Y[va]
    seeds = jnp.asarray([cfg.seed * 1000 + m for m in range(M)], jnp.uint32)   # dropout streams per member
    n_step = 0
    for _epoch in range(cfg.epochs):
        perm = tr[rng.permutation(tr.size)]
        tl = 0.0
        for a, b in _batches(perm.size, bs):
            xb, w = _pad(X[perm[a:b]], bs)
            yb, _ = _pad(Y[perm[a:b]], bs)
            rep = [jnp.broadcast_to(jnp.asarray(v), (M, *v.shape)) for v in (xb, yb, w)]
            params, state, lv = step(params, state, *rep, seeds, n_step)
            n_step += 1
            tl += float(jnp.mean(lv)) * (b - a)
        vl = np.zeros(M)
        for a, b in _batches(Xv.shape[0], bs):
            xb, w = _pad(Xv[a:b], bs)
            yb, _ = _pad(Yv[a:b], bs)
            vl += np.asarray(val_loss(params, jnp.asarray(xb), jnp.asarray(yb), jnp.asarray(w)))
        vl /= Xv.shape[0]
        hist["train"].append(tl / tr.size)
        hist["val"].append(float(vl.mean()))
        improved = vl < best - cfg.min_delta
        better = vl < best
        active = wait < cfg.patience
        take = better & active
        if take.any():
            cur = _tree_np(params)
            for layer in best_params:
                for f in best_params[layer]:
                    best_params[layer][f][take] = cur[layer][f][take]
        best = np.where(take, vl, best)
        wait = np.where(improved & active, 0, wait + active)
        if np.all(wait >= cfg.patience):
            break
    return Forecaster(cfg, D, columns, best_params, hist)


def forecast(model: Forecaster, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First-step forecasts of the members' mean and targets on a test array (T, D): (ŷ (N,), y (N,)),
    N = T − l_s − n_predictions; index k is test sample k + l_s."""
    X, Y = make_windows(test, model.cfg.l_s, model.cfg.n_predictions, model.columns)
    return model.predict(X)[:, 0].astype(np.float64), Y[:, 0].astype(np.float64)


def forecast_heads(model: Forecaster, test: np.ndarray, full: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Forecasts of the heads NDT thresholds (:meth:`Forecaster.predict_heads`) and targets on a test array (T, D):
    first-step (ŷ (n_heads, N), y (N,)), or with ``full`` every horizon step (ŷ (n_heads, N, H), Y (N, H));
    index k is test sample k + l_s (horizon step j: sample k + l_s + j). The first-step mean over heads is
    :func:`forecast`'s."""
    X, Y = make_windows(test, model.cfg.l_s, model.cfg.n_predictions, model.columns)
    y_hat = model.predict_heads(X).astype(np.float64)
    if full:
        return y_hat, Y.astype(np.float64)
    return y_hat[:, :, 0], Y[:, 0].astype(np.float64)


def stream_errors(y_hat: np.ndarray, Y: np.ndarray, streams: tuple[tuple[int, str], ...]) -> np.ndarray:
    """Error streams (S, N) in target units from head forecasts ``y_hat`` (K, N, H) and targets ``Y`` (N, H)
    (:func:`forecast_heads` with ``full``), one row per ``(head, kind)`` of ``streams``
    (:attr:`Forecaster.error_streams`):

    * ``"first_step"``: e_k = |ŷ_{k,0} − y_k|, telemanom's error (Hundman et al., KDD 2018, arXiv:1802.04431);
    * ``"horizon_mean"``: h_k = (1/H) Σ_j |ŷ_{k,j} − y_{k+j}|, the mean absolute error of the forecast made from
      window k over its whole horizon (the multi-step forecast error; a streaming detector knows it H − 1 samples
      after e_k). A sustained departure from the learned dynamics accumulates over the H steps, while a
      one-sample surprise is diluted by 1/H.

    Raises
    ------
    ValueError
        for mismatched shapes, a head outside [0, K) or an unknown kind.
    """
    y_hat, Y = np.asarray(y_hat, np.float64), np.asarray(Y, np.float64)
    if y_hat.ndim != 3 or Y.shape != y_hat.shape[1:]:
        raise ValueError(f"y_hat must be (K, N, H) and Y (N, H) with the same N, H; got {y_hat.shape}, {Y.shape}")
    out = np.empty((len(streams), Y.shape[0]))
    for i, (k, kind) in enumerate(streams):
        if not 0 <= k < y_hat.shape[0] or kind not in ERROR_KINDS:
            raise ValueError(f"stream {(k, kind)!r}: head must be in [0, {y_hat.shape[0]}), kind in {ERROR_KINDS}")
        if kind == "first_step":
            out[i] = np.abs(y_hat[k, :, 0] - Y[:, 0])
        else:
            out[i] = np.abs(y_hat[k] - Y).mean(axis=1)
    return out


@dataclass
class ChannelRun:
    """One channel's detection run: NDT result (sequences in test indices; for several heads the
    :func:`fdir.ndt.detect_any` union), the members' mean forecast ``y_hat`` (N,), targets ``y`` (N,) and timings
    (s)."""

    chan_id: str
    ndt: NDTResult
    y_hat: np.ndarray
    y: np.ndarray
    train_s: float
    infer_s: float
    model: Forecaster | None = None


def channel_detections(chan_id: str, train: np.ndarray, test: np.ndarray, cfg: ForecasterConfig = ForecasterConfig(),
                       ndt: NDTParams | None = None, keep_model: bool = False) -> ChannelRun:
    """Train on ``train``, forecast ``test`` and threshold each error stream (:attr:`Forecaster.error_streams`)
    with its own NDT, flags OR-ed (unsupervised: no labels are used)."""
    ndt = NDTParams(l_s=cfg.l_s) if ndt is None else ndt
    t0 = time.perf_counter()
    model = train_forecaster(train, cfg)
    t1 = time.perf_counter()
    heads, Y = forecast_heads(model, test, full=True)
    y = Y[:, 0]
    res = detect_any(stream_errors(heads, Y, model.error_streams), y, ndt, offset=cfg.l_s)
    t2 = time.perf_counter()
    return ChannelRun(chan_id, res, heads[:, :, 0].mean(axis=0), y, t1 - t0, t2 - t1, model if keep_model else None)
