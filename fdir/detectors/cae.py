"""2-D convolutional autoencoder over (channels x samples) telemetry windows: the peephole paper's detector.

Architecture (arXiv:2604.08424 and its code, ``SSIGPRO/peepholelib`` ``models/sentinel/model_sentinel.py``; the
channel widths here are smaller and configurable, see :class:`CAEConfig`). Input (N, 1, C, W), C = 16 channels,
W = 16 samples, values standardised per channel on nominal training telemetry:

====================  ======================================================================================
encoder block 1       conv 3x3 (1 → c1, 'same') → BatchNorm → MaxPool(1, 2) → ReLU      → (c1, C, W/2)
encoder block 2       conv 3x3 (c1 → c2, 'same') → BatchNorm → MaxPool(1, 2) → ReLU     → (c2, C, W/4)
bottleneck            flatten → dense (c2·C·W/4 → latent)
decoder               dense (latent → c2·C·W/4) → reshape
decoder block 1       conv-transpose (1, 2)/(1, 2) (c2 → c2/2) → conv 3x3 → ReLU → BatchNorm  → (c2/2, C, W/2)
decoder block 2       conv-transpose (1, 2)/(1, 2) (c2/2 → c2/4) → conv 3x3 → ReLU → BatchNorm → (c2/4, C, W)
output                conv 1x1 (c2/4 → 1)
====================  ======================================================================================

Training: mean squared reconstruction error on nominal windows, Adam (optax) with learning rate 3e-3 (the
training rate of the released code), BatchNorm with batch statistics in training and running statistics
(momentum 0.1) at inference, early stopping on a nominal validation split (the shared loop of
:mod:`fdir.training`).

Decision rule: window score s = mean over the C·W values of (x − x̂)² (standardised units); the window is
anomalous when s > θ, with θ the ``quantile`` (default 0.99) of s over nominal *validation* windows, i.e. a
per-window false-alarm rate of 1 − quantile on nominal data (the paper's fixed 0.003 belongs to its own
normalisation, see reference sheet §6). Persistence filtering (N-of-M) is applied downstream by
:mod:`fdir.reaction_wheel.logic`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

__all__ = ["AFFINE_LAYERS", "MIN_DELTA", "CAEConfig", "CAEModel", "init", "train", "workload"]

AFFINE_LAYERS = ("enc.conv1", "enc.conv2", "enc.linear", "dec.linear", "dec.convT1", "dec.conv1", "dec.convT2",
                 "dec.conv2", "dec.out")
"""Affine layers of the CAE, in forward order; any of them can host a peephole probe."""


@dataclass(frozen=True)
class CAEConfig:
    """Shape of the CAE: ``n_channels`` telemetry channels x ``window`` samples; ``c1``, ``c2`` encoder widths
    (decoder widths c2/2, c2/4); ``latent`` bottleneck size; ``kernel`` odd conv kernel size; BatchNorm ``bn_eps``
    and ``bn_momentum``. The released sentinel model uses c1 = 38, c2 = 76, latent = 256 (``CAEConfig.paper()``).

    Raises
    ------
    ValueError
        for non-positive sizes, ``window`` not a multiple of 4, ``c2`` not a multiple of 4 or an even kernel.
    """

    n_channels: int = 16
    window: int = 16
    c1: int = 16
    c2: int = 32
    latent: int = 64
    kernel: int = 3
    bn_eps: float = 1e-5
    bn_momentum: float = 0.1

    def __post_init__(self) -> None:
        for n in ("n_channels", "window", "c1", "c2", "latent", "kernel"):
            v = getattr(self, n)
            if not (isinstance(v, int) and v >= 1):
                raise ValueError(f"CAEConfig.{n}={v!r} must be an integer >= 1")
        if self.window % 4:
            raise ValueError(f"CAEConfig.window={self.window} must be a multiple of 4 (two (1, 2) poolings)")
        if self.c2 % 4:
            raise ValueError(f"CAEConfig.c2={self.c2} must be a multiple of 4 (decoder widths c2/2, c2/4)")
        if self.kernel % 2 == 0:
            raise ValueError(f"CAEConfig.kernel={self.kernel} must be odd ('same' padding)")
        if not (0 < self.bn_momentum <= 1 and self.bn_eps > 0):
            raise ValueError("CAEConfig.bn_momentum must be in (0, 1] and bn_eps > 0")

    @classmethod
    def paper(cls) -> CAEConfig:
        """Widths of the released sentinel CAE (in_ch default 19 → c1 = 38, c2 = 76; latent 32·16/2 = 256)."""
        return cls(c1=38, c2=76, latent=256)

    @property
    def d1(self) -> int:
        return self.c2 // 2

    @property
    def d2(self) -> int:
        return self.c2 // 4

    @property
    def flat(self) -> int:
        return self.c2 * self.n_channels * (self.window // 4)


def _init_np(cfg: CAEConfig, seed: int) -> tuple[dict, dict]:
    """He-uniform weights (PyTorch default bounds 1/sqrt(fan_in)), zero-mean BN state; numpy float32."""
    rng = np.random.default_rng([int(seed), 0xCAE])
    k = cfg.kernel
    C, W = cfg.n_channels, cfg.window

    def u(shape, fan_in):
        b = 1.0 / np.sqrt(fan_in)
        return rng.uniform(-b, b, size=shape).astype(np.float32)

    p = {
        "enc.conv1.w": u((cfg.c1, 1, k, k), k * k), "enc.conv1.b": u((cfg.c1,), k * k),
        "enc.conv2.w": u((cfg.c2, cfg.c1, k, k), cfg.c1 * k * k), "enc.conv2.b": u((cfg.c2,), cfg.c1 * k * k),
        "enc.linear.w": u((cfg.flat, cfg.latent), cfg.flat), "enc.linear.b": u((cfg.latent,), cfg.flat),
        "dec.linear.w": u((cfg.latent, cfg.flat), cfg.latent), "dec.linear.b": u((cfg.flat,), cfg.latent),
        "dec.convT1.w": u((cfg.c2, cfg.d1, 1, 2), cfg.d1 * 2), "dec.convT1.b": u((cfg.d1,), cfg.d1 * 2),
        "dec.conv1.w": u((cfg.d1, cfg.d1, k, k), cfg.d1 * k * k), "dec.conv1.b": u((cfg.d1,), cfg.d1 * k * k),
        "dec.convT2.w": u((cfg.d1, cfg.d2, 1, 2), cfg.d2 * 2), "dec.convT2.b": u((cfg.d2,), cfg.d2 * 2),
        "dec.conv2.w": u((cfg.d2, cfg.d2, k, k), cfg.d2 * k * k), "dec.conv2.b": u((cfg.d2,), cfg.d2 * k * k),
        "dec.out.w": u((1, cfg.d2, 1, 1), cfg.d2), "dec.out.b": u((1,), cfg.d2),
    }
    for name, c in (("enc.bn1", cfg.c1), ("enc.bn2", cfg.c2), ("dec.bn1", cfg.d1), ("dec.bn2", cfg.d2)):
        p[f"{name}.gamma"] = np.ones(c, np.float32)
        p[f"{name}.beta"] = np.zeros(c, np.float32)
    state = {}
    for name, c in (("enc.bn1", cfg.c1), ("enc.bn2", cfg.c2), ("dec.bn1", cfg.d1), ("dec.bn2", cfg.d2)):
        state[f"{name}.mean"] = np.zeros(c, np.float32)
        state[f"{name}.var"] = np.ones(c, np.float32)
    del C, W
    return p, state


def init(cfg: CAEConfig, seed: int = 0) -> tuple[dict, dict]:
    """Initial ``(params, bn_state)`` dicts of float32 numpy arrays, keyed ``"<layer>.<w|b|gamma|...>"``."""
    return _init_np(cfg, seed)


def _forward(params, state, x, cfg: CAEConfig, train: bool, capture: tuple[str, ...] = ()):
    """JAX forward pass. x (N, C, W) → (x̂ (N, C, W), new_state, captured layer inputs)."""
    import jax
    import jax.numpy as jnp

    pad = cfg.kernel // 2
    dn = ("NCHW", "OIHW", "NCHW")
    acts: dict = {}
    new_state = dict(state)

    def conv(name, h, padding):
        if name in capture:
            acts[name] = h
        y = jax.lax.conv_general_dilated(h, params[f"{name}.w"], (1, 1), padding, dimension_numbers=dn)
        return y + params[f"{name}.b"][None, :, None, None]

    def convT(name, h):  # kernel (1, 2), stride (1, 2): non-overlapping transposed convolution
        if name in capture:
            acts[name] = h
        w = params[f"{name}.w"][:, :, 0, :]  # (in, out, 2)
        y = jnp.einsum("nihw,iok->nohwk", h, w)
        n, o, hh, ww, kk = y.shape
        return y.reshape(n, o, hh, ww * kk) + params[f"{name}.b"][None, :, None, None]

    def dense(name, h):
        if name in capture:
            acts[name] = h
        return h @ params[f"{name}.w"] + params[f"{name}.b"]

    def bn(name, h):
        if train:
            mu = h.mean(axis=(0, 2, 3))
            var = h.var(axis=(0, 2, 3))
            m = cfg.bn_momentum
            n = h.shape[0] * h.shape[2] * h.shape[3]
            new_state[f"{name}.mean"] = (1 - m) * state[f"{name}.mean"] + m * mu
            new_state[f"{name}.var"] = (1 - m) * state[f"{name}.var"] + m * var * n / max(n - 1, 1)
        else:
            mu, var = state[f"{name}.mean"], state[f"{name}.var"]
        inv = params[f"{name}.gamma"] / jnp.sqrt(var + cfg.bn_eps)
        return (h - mu[None, :, None, None]) * inv[None, :, None, None] + params[f"{name}.beta"][None, :, None, None]

    def pool(h):
        n, c, hh, ww = h.shape
        return h[..., : ww // 2 * 2].reshape(n, c, hh, ww // 2, 2).max(axis=-1)

    same = ((pad, pad), (pad, pad))
    N = x.shape[0]
    h = x[:, None, :, :]
    h = jax.nn.relu(pool(bn("enc.bn1", conv("enc.conv1", h, same))))
    h = jax.nn.relu(pool(bn("enc.bn2", conv("enc.conv2", h, same))))
    h = dense("enc.linear", h.reshape(N, -1))
    h = dense("dec.linear", h).reshape(N, cfg.c2, cfg.n_channels, cfg.window // 4)
    h = convT("dec.convT1", h)
    h = bn("dec.bn1", jax.nn.relu(conv("dec.conv1", h, same)))
    h = convT("dec.convT2", h)
    h = bn("dec.bn2", jax.nn.relu(conv("dec.conv2", h, same)))
    h = conv("dec.out", h, ((0, 0), (0, 0)))
    return h[:, 0], new_state, acts


@dataclass
class CAEModel:
    """A trained CAE: ``params`` and ``state`` (BatchNorm running statistics) as float32 numpy dicts, the
    ``config``, the detection ``threshold`` θ (standardised MSE units; NaN before :meth:`set_threshold`), the
    ``mean``/``std`` (C,) per-channel normalisation of the raw telemetry and the training ``history``."""

    config: CAEConfig
    params: dict
    state: dict
    mean: np.ndarray
    std: np.ndarray
    threshold: float = float("nan")
    quantile: float = float("nan")
    history: dict = field(default_factory=dict)

    # ------------------------------------------------------------------ inference
    def _check(self, xw: np.ndarray) -> np.ndarray:
        xw = np.asarray(xw, dtype=np.float32)
        shape = (self.config.n_channels, self.config.window)
        if xw.ndim == 2:
            xw = xw[None]
        if xw.ndim != 3 or xw.shape[1:] != shape:
            raise ValueError(f"windows must have shape (N, {shape[0]}, {shape[1]}), got {xw.shape}")
        return xw

    def standardize(self, xw: np.ndarray) -> np.ndarray:
        """Raw-unit windows (N, C, W) → standardised float32 windows."""
        xw = self._check(xw)
        return ((xw - self.mean[None, :, None]) / self.std[None, :, None]).astype(np.float32)

    def _run(self, z: np.ndarray, capture: tuple[str, ...] = (), batch: int = 2048):
        import jax.numpy as jnp

        fn = _jit_forward(self.config, capture)
        outs, caps = [], {k: [] for k in capture}
        for i in range(0, z.shape[0], batch):
            y, acts = fn(self.params, self.state, jnp.asarray(z[i:i + batch]))
            outs.append(np.asarray(y))
            for k in capture:
                caps[k].append(np.asarray(acts[k]).reshape(acts[k].shape[0], -1))
        y = np.concatenate(outs) if outs else np.zeros_like(z)
        return y, {k: np.concatenate(v) for k, v in caps.items()}

    def reconstruct(self, xw: np.ndarray, standardized: bool = False) -> np.ndarray:
        """Reconstruction x̂ (N, C, W) in standardised units of raw (or already standardised) windows."""
        z = self._check(xw) if standardized else self.standardize(xw)
        return self._run(z)[0]

    def score(self, xw: np.ndarray, standardized: bool = False) -> np.ndarray:
        """Window anomaly score (N,): mean squared reconstruction error in standardised units."""
        z = self._check(xw) if standardized else self.standardize(xw)
        y = self._run(z)[0]
        return np.mean((z - y) ** 2, axis=(1, 2))

    def detect(self, xw: np.ndarray, standardized: bool = False) -> np.ndarray:
        """Window decisions (N,) bool: score > threshold.

        Raises
        ------
        ValueError
            when no threshold was set (see :meth:`set_threshold`).
        """
        if not np.isfinite(self.threshold):
            raise ValueError("threshold is not set: call set_threshold(nominal validation windows) first")
        return self.score(xw, standardized) > self.threshold

    def set_threshold(self, xw_nominal: np.ndarray, quantile: float = 0.99, standardized: bool = False) -> float:
        """θ = ``quantile`` of the scores of nominal validation windows (never test windows); returns θ.

        Raises
        ------
        ValueError
            for ``quantile`` outside (0, 1) or no windows.
        """
        if not 0.0 < quantile < 1.0:
            raise ValueError(f"quantile={quantile!r} must be in (0, 1)")
        s = self.score(xw_nominal, standardized)
        if s.size == 0:
            raise ValueError("xw_nominal holds no windows")
        self.threshold = float(np.quantile(s, quantile))
        self.quantile = float(quantile)
        return self.threshold

    def layer_inputs(self, xw: np.ndarray, layers: tuple[str, ...] | str,
                     standardized: bool = False) -> dict[str, np.ndarray]:
        """Inputs of the named affine layers, flattened to (N, d) (C-order of the layer input tensor).

        Raises
        ------
        ValueError
            for a name outside :data:`AFFINE_LAYERS`.
        """
        layers = (layers,) if isinstance(layers, str) else tuple(layers)
        for n in layers:
            if n not in AFFINE_LAYERS:
                raise ValueError(f"layer={n!r} must be one of {AFFINE_LAYERS}")
        z = self._check(xw) if standardized else self.standardize(xw)
        return self._run(z, layers)[1]

    def layer_input_shape(self, layer: str) -> tuple[int, ...]:
        """Shape of one window's input to ``layer`` (without the batch axis)."""
        c = self.config
        C, W = c.n_channels, c.window
        shapes = {"enc.conv1": (1, C, W), "enc.conv2": (c.c1, C, W // 2), "enc.linear": (c.flat,),
                  "dec.linear": (c.latent,), "dec.convT1": (c.c2, C, W // 4), "dec.conv1": (c.d1, C, W // 2),
                  "dec.convT2": (c.d1, C, W // 2), "dec.conv2": (c.d2, C, W), "dec.out": (c.d2, C, W)}
        if layer not in shapes:
            raise ValueError(f"layer={layer!r} must be one of {AFFINE_LAYERS}")
        return shapes[layer]

    def layer_op(self, layer: str) -> dict:
        """The affine map of ``layer`` as a runtime-format layer dict with numpy weights (for SVD/unrolling)."""
        if layer not in AFFINE_LAYERS:
            raise ValueError(f"layer={layer!r} must be one of {AFFINE_LAYERS}")
        w, b = np.asarray(self.params[f"{layer}.w"]), np.asarray(self.params[f"{layer}.b"])
        if layer in ("enc.linear", "dec.linear"):
            return {"op": "dense", "w": w, "b": b}
        if layer.startswith("dec.convT"):
            return {"op": "conv_transpose2d", "w": w, "b": b, "stride": [1, 2]}
        p = 0 if layer == "dec.out" else self.config.kernel // 2
        return {"op": "conv2d", "w": w, "b": b, "stride": [1, 1], "padding": [p, p]}

    # ------------------------------------------------------------------ export
    def export_layers(self, fold_bn: bool = True, probe_layer: str | None = None
                      ) -> tuple[dict, dict[str, np.ndarray]]:
        """The model in the embeddable-layers format (:mod:`fdir.runtime`): ``(spec, arrays)``.

        ``spec`` is the JSON document (``layers.json``) and ``arrays`` the npz content (``weights.npz``). With
        ``fold_bn`` the inference-mode BatchNorms are folded where this is exact: the encoder BNs into the
        preceding convs (BN precedes pooling, so the fold is elementwise), the last decoder BN into the 1x1 output
        conv (no padding, one input pixel per output pixel) unless ``probe_layer`` is ``"dec.out"`` (its input
        must stay the training-side input). The first decoder BN is followed by a (1, 2) conv-transpose whose
        folded bias would depend on the kernel position, so it stays a ``batchnorm`` layer. The detector's score
        (``mse``) and threshold are part of the spec.
        """
        c = self.config
        P = {k: np.asarray(v, np.float64) for k, v in self.params.items()}
        S = {k: np.asarray(v, np.float64) for k, v in self.state.items()}
        pad = c.kernel // 2

        def bn_affine(name):
            inv = P[f"{name}.gamma"] / np.sqrt(S[f"{name}.var"] + c.bn_eps)
            return inv, P[f"{name}.beta"] - S[f"{name}.mean"] * inv

        arrays: dict[str, np.ndarray] = {"input.mean": self.mean.astype(np.float32),
                                         "input.std": self.std.astype(np.float32)}
        layers: list[dict] = []

        def add(name, op, **kw):
            entry = {"name": name, "op": op}
            for k, v in kw.items():
                if isinstance(v, np.ndarray):
                    arrays[f"{name}.{k}"] = v.astype(np.float32)
                    entry[k] = f"{name}.{k}"
                else:
                    entry[k] = v
            layers.append(entry)

        def bn_layer(name):
            add(name, "batchnorm", mean=S[f"{name}.mean"], var=S[f"{name}.var"], gamma=P[f"{name}.gamma"],
                beta=P[f"{name}.beta"], eps=c.bn_eps, axis=0)

        for i, (conv, bn) in enumerate((("enc.conv1", "enc.bn1"), ("enc.conv2", "enc.bn2")), 1):
            w, b = P[f"{conv}.w"], P[f"{conv}.b"]
            if fold_bn:
                a, s = bn_affine(bn)
                add(conv, "conv2d", w=w * a[:, None, None, None], b=b * a + s, stride=[1, 1], padding=[pad, pad])
            else:
                add(conv, "conv2d", w=w, b=b, stride=[1, 1], padding=[pad, pad])
                bn_layer(bn)
            add(f"enc.pool{i}", "maxpool2d", kernel=[1, 2], stride=[1, 2])
            add(f"enc.relu{i}", "relu")
        add("enc.flatten", "flatten")
        add("enc.linear", "dense", w=P["enc.linear.w"], b=P["enc.linear.b"])
        add("dec.linear", "dense", w=P["dec.linear.w"], b=P["dec.linear.b"])
        add("dec.reshape", "reshape", shape=[c.c2, c.n_channels, c.window // 4])
        carry = None  # (scale, shift) of the last decoder BN, folded into the 1x1 output conv
        for convT, conv, bn in (("dec.convT1", "dec.conv1", "dec.bn1"), ("dec.convT2", "dec.conv2", "dec.bn2")):
            add(convT, "conv_transpose2d", w=P[f"{convT}.w"], b=P[f"{convT}.b"], stride=[1, 2])
            add(conv, "conv2d", w=P[f"{conv}.w"], b=P[f"{conv}.b"], stride=[1, 1], padding=[pad, pad])
            add(f"{conv}.relu", "relu")
            if fold_bn and bn == "dec.bn2" and probe_layer != "dec.out":
                carry = bn_affine(bn)
            else:
                bn_layer(bn)
        w, b = P["dec.out.w"], P["dec.out.b"]
        if carry is not None:
            a, s = carry
            b = b + np.einsum("oihw,i->o", w, s)
            w = w * a[None, :, None, None]
        add("dec.out", "conv2d", w=w, b=b, stride=[1, 1], padding=[0, 0])
        add("dec.squeeze", "reshape", shape=[c.n_channels, c.window])
        spec = {
            "format": "hwsim-embeddable-layers", "version": 1, "name": "cae2d",
            "source": "arXiv:2604.08424 (2-D convolutional autoencoder, fdir.detectors.cae)",
            "input": {"channels": c.n_channels, "window": c.window, "layout": "channels x samples",
                      "shape": [1, c.n_channels, c.window], "mean": "input.mean", "std": "input.std",
                      "sample_period_s": 4.0},
            "layers": layers,
            "detector": {"kind": "reconstruction", "score": "mse", "threshold": float(self.threshold),
                         "window": c.window, "stride": c.window},
        }
        return spec, arrays

    def workload(self) -> object:
        """The CAE as a network-IR table (:mod:`hwsim.ir`), one window per inference; see :func:`workload`."""
        return workload(self.config)


_JIT_CACHE: dict = {}


def _jit_forward(cfg: CAEConfig, capture: tuple[str, ...]):
    import jax

    key = (cfg, capture)
    if key not in _JIT_CACHE:
        def f(params, state, x):
            y, _, acts = _forward(params, state, x, cfg, False, capture)
            return y, acts
        _JIT_CACHE[key] = jax.jit(f)
    return _JIT_CACHE[key]


MIN_DELTA = 1e-6
"""Validation-loss improvement (standardised MSE) that resets the early-stopping patience of :func:`train`."""


@lru_cache(maxsize=16)
def _loss(cfg: CAEConfig):
    """Per-window reconstruction MSE (N,) in the :func:`fdir.training.fit` protocol, one object per configuration
    (it keys the loop's compilation cache); ``state`` is the BatchNorm running statistics, batch statistics in
    training and running ones in inference."""
    import jax.numpy as jnp

    def loss(p, batch, *, state, key, train):
        (x,) = batch
        y, new_state, _ = _forward(p, state, x, cfg, train)
        return jnp.mean((y - x) ** 2, axis=(1, 2)), new_state

    return loss


@lru_cache(maxsize=16)
def _optimizer(lr: float, decay_steps: int):
    """Adam at ``lr``, or cosine-decayed to 0.05·lr over ``decay_steps`` (> 0); one object per setting."""
    import optax

    schedule = optax.cosine_decay_schedule(lr, decay_steps=decay_steps, alpha=0.05) if decay_steps else lr
    return optax.adam(schedule)


def train(xw_train: np.ndarray, xw_val: np.ndarray, *, config: CAEConfig | None = None, epochs: int = 30,
          batch_size: int = 128, lr: float = 3e-3, patience: int = 8, seed: int = 0, cosine: bool = False,
          mean: np.ndarray | None = None, std: np.ndarray | None = None) -> CAEModel:
    """Train the CAE on nominal windows (raw units, (N, C, W)) with early stopping on the validation MSE of the
    nominal windows ``xw_val``, by the shared loop :func:`fdir.training.fit`: shuffled batches of ``batch_size``
    (the last partial batch dropped: BatchNorm batch statistics), ``patience`` epochs without an improvement larger
    than :data:`MIN_DELTA`, the best-validation parameters and BatchNorm statistics kept.

    Adam with a constant learning rate ``lr`` (default), or decayed to 0.05·lr over the ``epochs`` by a cosine
    schedule when ``cosine`` (Loshchilov & Hutter, SGDR, arXiv:1608.03983).

    ``mean``/``std`` (C,) standardise the channels (default: fitted on ``xw_train``). Returns the model with the
    best validation loss; the threshold is not set (use :meth:`CAEModel.set_threshold` on nominal validation
    windows). ``history``: :meth:`fdir.training.History.as_dict` plus the training time ``seconds``.

    Raises
    ------
    ValueError
        for window shapes that do not match the config, non-finite data, or non-positive epochs/batch/lr.
    """
    from fdir.training import TrainConfig, fit

    cfg = config or CAEConfig()
    for n, v in (("epochs", epochs), ("batch_size", batch_size), ("patience", patience)):
        if not (isinstance(v, int) and v >= 1):
            raise ValueError(f"{n}={v!r} must be an integer >= 1")
    if not (lr > 0 and np.isfinite(lr)):
        raise ValueError(f"lr={lr!r} must be > 0")
    xt = np.asarray(xw_train, np.float64)
    xv = np.asarray(xw_val, np.float64)
    shape = (cfg.n_channels, cfg.window)
    for n, a in (("xw_train", xt), ("xw_val", xv)):
        if a.ndim != 3 or a.shape[1:] != shape or a.shape[0] == 0:
            raise ValueError(f"{n} must have shape (N>0, {shape[0]}, {shape[1]}), got {a.shape}")
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{n} must be finite (drop windows with missing samples first)")
    if mean is None or std is None:
        flat = xt.transpose(0, 2, 1).reshape(-1, cfg.n_channels)
        mean = flat.mean(axis=0)
        sd = flat.std(axis=0)
        std = np.where(sd > 0, sd, 1.0)
    mean = np.asarray(mean, np.float64)
    std = np.asarray(std, np.float64)
    zt = ((xt - mean[:, None]) / std[:, None]).astype(np.float32)
    zv = ((xv - mean[:, None]) / std[:, None]).astype(np.float32)

    params, state = init(cfg, seed)
    nb = max(1, zt.shape[0] // batch_size)
    t0 = time.perf_counter()
    res = fit(_loss(cfg), params, _optimizer(float(lr), epochs * nb if cosine else 0), (zt,),
              TrainConfig(max_epochs=epochs, batch_size=batch_size, patience=patience, min_delta=MIN_DELTA,
                          drop_last=True, seed=int(seed)), validation=(zv,), state=state)
    hist = res.history.as_dict() | {"seconds": time.perf_counter() - t0}
    return CAEModel(config=cfg, params={k: np.asarray(v) for k, v in res.params.items()},
                    state={k: np.asarray(v) for k, v in res.state.items()}, mean=mean.astype(np.float32),
                    std=std.astype(np.float32), history=hist)


def workload(config: CAEConfig | None = None, *, w_bits: int = 32, a_bits: int = 32, acc_bits: int = 32,
             w_format: str = "fp"):
    """The CAE per window as a network-IR table (:mod:`hwsim.ir`): conv2d/linear rows for the affine layers
    (conv-transposes as per-pixel GEMMs M = H·W_in, N = C_out·kh·kw, K = C_in), ``norm`` rows for the
    BatchNorms and ``elementwise`` rows for ReLU/max-pooling/score (M = elements, N = K = 1, no weights).
    Default precisions are float32 (``w_format="fp"``); pass ``w_bits=8, a_bits=8, w_format="int"`` for the
    int8 export."""
    from hwsim import ir

    c = config or CAEConfig()
    C, W = c.n_channels, c.window
    k = c.kernel
    q = {"w_bits": w_bits, "a_bits": a_bits, "acc_bits": acc_bits, "w_format": w_format}
    rows = [
        ir.conv2d("enc.conv1", 1, c.c1, C, W, k, k, **q),
        ir.op(layer="enc.bn1", kind="norm", M=c.c1 * C * W, N=1, K=1, weight_elems=2 * c.c1, **q),
        ir.op(layer="enc.pool_relu1", kind="elementwise", M=c.c1 * C * W, N=1, K=1, **q),
        ir.conv2d("enc.conv2", c.c1, c.c2, C, W // 2, k, k, **q),
        ir.op(layer="enc.bn2", kind="norm", M=c.c2 * C * W // 2, N=1, K=1, weight_elems=2 * c.c2, **q),
        ir.op(layer="enc.pool_relu2", kind="elementwise", M=c.c2 * C * W // 2, N=1, K=1, **q),
        ir.linear("enc.linear", 1, c.latent, c.flat, bias=True, **q),
        ir.linear("dec.linear", 1, c.flat, c.latent, bias=True, **q),
        ir.linear("dec.convT1", C * W // 4, c.d1 * 2, c.c2, weight_elems=c.c2 * c.d1 * 2 + c.d1, **q),
        ir.conv2d("dec.conv1", c.d1, c.d1, C, W // 2, k, k, **q),
        ir.op(layer="dec.relu_bn1", kind="norm", M=c.d1 * C * W // 2, N=1, K=1, weight_elems=2 * c.d1, **q),
        ir.linear("dec.convT2", C * W // 2, c.d2 * 2, c.d1, weight_elems=c.d1 * c.d2 * 2 + c.d2, **q),
        ir.conv2d("dec.conv2", c.d2, c.d2, C, W, k, k, **q),
        ir.op(layer="dec.relu_bn2", kind="norm", M=c.d2 * C * W, N=1, K=1, weight_elems=2 * c.d2, **q),
        ir.conv2d("dec.out", c.d2, 1, C, W, 1, 1, **q),
        ir.op(layer="score.mse", kind="elementwise", M=C * W, N=1, K=1, **q),
    ]
    return ir.make(rows)
