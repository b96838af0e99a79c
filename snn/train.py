"""Training and evaluation of :mod:`snn.model` networks with optax (BPTT through surrogate gradients).

* :func:`loss` - cross-entropy (classification, integer labels) or mean squared error (regression, e.g. next-value
  forecasting with ``Readout(reduce="none")``), plus an optional activity penalty ``rate_reg * mean |s|``
  (Zenke & Vogels 2021, doi:10.1162/neco_a_01367: regularise activity for sparse networks).
* :func:`train` - minibatch Adam (optax) over epochs; returns :class:`TrainResult`.
* :func:`predict` / :func:`evaluate` - batched inference; accuracy or MSE and spikes per sample by sign.
* :func:`to_network` - export a trained feed-forward/recurrent model with one input sequence as a
  :class:`snn.network.Network` for the Numba engine or Brian2 (same spikes; the readout stays in JAX).
"""

from __future__ import annotations

import math
import numbers
import time
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from snn.model import SNN, Conv1d, apply, init_params
from snn.network import Network, Population, Projection, SpikeSource

TASKS = ("classification", "regression")


def _check_task(task: str) -> None:
    if task not in TASKS:
        raise ValueError(f"task={task!r}, accepted: {TASKS}")


def _check_data(spec: SNN, x: Any, y: Any, task: str, names: tuple[str, str] = ("x", "y")) -> tuple:
    """``x`` (N, T, n_in) finite; ``y`` (N,) integer labels in [0, n_classes) (classification) or finite targets
    with N rows (regression). Returns the arrays; raises ValueError naming the argument and its range."""
    nx, ny = names
    x = np.asarray(x)
    if x.ndim != 3 or x.shape[2] != spec.n_in:
        raise ValueError(f"{nx} must have shape (N, T, n_in={spec.n_in}), got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{nx} must be finite (no NaN or inf)")
    y = np.asarray(y)
    if y.shape[:1] != x.shape[:1]:
        raise ValueError(f"{nx} has {x.shape[0]} samples but {ny} has {y.shape[:1] or 'no axis'}")
    if task == "classification":
        k = spec.readout.n
        if y.ndim != 1 or (y.size and not (np.all(np.isfinite(y.astype(np.float64)))
                                           and np.all(y == np.round(y)) and y.min() >= 0 and y.max() < k)):
            raise ValueError(f"{ny} must hold integer class labels in [0, {k - 1}] (n_classes = Readout.n = {k}), "
                             "shape (N,)")
        y = y.astype(np.int64)
    elif not np.all(np.isfinite(y)):
        raise ValueError(f"{ny} must be finite (no NaN or inf)")
    return x, y


def loss(params: dict, spec: SNN, x: jax.Array, y: jax.Array, task: str = "classification",
         rate_reg: float = 0.0, key: jax.Array | None = None) -> tuple[jax.Array, Any]:
    """Scalar loss and the model :class:`~snn.model.Output` (as aux).

    ``x`` (B, T, n_in); ``y`` integer labels (B,) for classification, or targets shaped like the reduced readout
    ((B, n_out), or (B, T, n_out) with ``reduce="none"``) for regression.
    """
    out = apply(params, spec, x, key)
    if task == "classification":
        value = optax.softmax_cross_entropy_with_integer_labels(out.y, y.astype(jnp.int32)).mean()
    else:
        value = jnp.mean((out.y - y) ** 2)
    if rate_reg:
        value = value + rate_reg * sum(jnp.mean(jnp.abs(s)) for s in out.spikes) / len(out.spikes)
    return value, out


@dataclass
class TrainResult:
    """Trained parameters and the history (``loss`` per epoch, ``val`` metric dicts per epoch, ``seconds``)."""

    params: dict
    history: dict = field(default_factory=dict)
    seconds: float = 0.0


@partial(jax.jit, static_argnames=("spec", "optimizer", "task", "rate_reg"))
def _step(params, opt_state, x, y, key=None, *, spec: SNN, optimizer: optax.GradientTransformation, task: str,
          rate_reg: float):
    (value, _), grads = jax.value_and_grad(loss, has_aux=True)(params, spec, x, y, task, rate_reg, key)
    updates, opt_state = optimizer.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state, value


def make_step(spec: SNN, optimizer: optax.GradientTransformation, task: str, rate_reg: float = 0.0):
    """A jitted ``step(params, opt_state, x, y, key) -> (params, opt_state, loss)`` (key may be None). The compiled
    step is shared by every call with the same ``spec``, ``optimizer`` object, ``task`` and ``rate_reg`` (and input
    shapes), so training the same model again does not recompile it (:func:`train` reuses one Adam per learning
    rate, :func:`adam`)."""
    _check_task(task)
    return partial(_step, spec=spec, optimizer=optimizer, task=task, rate_reg=float(rate_reg))


def adam(lr: float) -> optax.GradientTransformation:
    """``optax.adam(lr)`` (Kingma & Ba, arXiv:1412.6980), one object per learning rate ``lr`` (per step, > 0), so that
    :func:`make_step` finds its compiled step again.

    Raises
    ------
    ValueError
        for ``lr`` not a finite number > 0.
    """
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr={lr!r}, accepted: a finite number > 0 (learning rate per step)")
    return _adam(float(lr))


@lru_cache(maxsize=32)
def _adam(lr: float) -> optax.GradientTransformation:
    return optax.adam(lr)


def train(spec: SNN, x: Any, y: Any, *, task: str = "classification", epochs: int = 20, batch_size: int = 64,
          lr: float = 2e-3, seed: int = 0, params: dict | None = None, rate_reg: float = 0.0,
          x_val: Any = None, y_val: Any = None, optimizer: optax.GradientTransformation | None = None,
          noise: bool = False, dtype: Any = jnp.float32) -> TrainResult:
    """Train ``spec`` on (x, y) with Adam (``optax.adam(lr)`` unless ``optimizer`` is given).

    Parameters
    ----------
    spec : the model spec.
    x : inputs (N, T, n_in); y : labels (N,) or regression targets.
    task : ``"classification"`` or ``"regression"``.
    epochs, batch_size, lr, seed : schedule (the last partial batch of each shuffled epoch is dropped).
    params : starting parameters (default :func:`~snn.model.init_params` with ``seed``).
    rate_reg : activity penalty weight.
    x_val, y_val : optional validation data, evaluated after every epoch into ``history["val"]``.
    noise : train with the neurons' noise (MTJ ``noise_std``), a fresh key per batch.

    Raises
    ------
    ValueError
        for an unknown task, epochs < 1, batch_size < 1, ``lr`` not a finite number > 0 (without ``optimizer``),
        mis-shaped or non-finite x, mismatched x/y lengths, class labels outside [0, Readout.n) or non-finite
        regression targets (also for x_val, y_val).
    """
    _check_task(task)
    if epochs < 1 or batch_size < 1:
        raise ValueError(f"epochs={epochs} and batch_size={batch_size} must be >= 1")
    opt = optimizer or adam(lr)
    x, y = _check_data(spec, x, y, task)
    if x_val is not None:
        x_val, y_val = _check_data(spec, x_val, y_val, task, ("x_val", "y_val"))
    bs = min(batch_size, x.shape[0])
    key = jax.random.PRNGKey(seed)
    key, kinit = jax.random.split(key)
    params = init_params(kinit, spec, dtype) if params is None else params
    opt_state = opt.init(params)
    step = make_step(spec, opt, task, rate_reg)
    rng = np.random.default_rng(seed)
    hist: dict[str, list] = {"loss": [], "val": []}
    t0 = time.perf_counter()
    xd = jnp.asarray(x, dtype)
    yd = jnp.asarray(y) if task == "classification" else jnp.asarray(y, dtype)
    for _ in range(epochs):
        perm = rng.permutation(x.shape[0])
        losses = []
        for b in range(x.shape[0] // bs):
            idx = jnp.asarray(perm[b * bs:(b + 1) * bs])
            kb = None
            if noise:
                key, kb = jax.random.split(key)
            params, opt_state, value = step(params, opt_state, xd[idx], yd[idx], kb)
            losses.append(value)
        hist["loss"].append(float(jnp.mean(jnp.stack(losses))))
        if x_val is not None:
            hist["val"].append(evaluate(spec, params, x_val, y_val, task=task))
    return TrainResult(params=params, history=hist, seconds=time.perf_counter() - t0)


@partial(jax.jit, static_argnums=1)
def _apply_jit(params, spec, x):
    return apply(params, spec, x)


def predict(spec: SNN, params: dict, x: Any, batch_size: int = 512) -> dict[str, np.ndarray]:
    """Batched inference: ``{"y": reduced readout, "pos": (N, L), "neg": (N, L)}`` (events per sample per layer)."""
    x = np.asarray(x)
    dtype = params["readout"]["w"].dtype
    ys, pos, neg = [], [], []
    for b in range(0, x.shape[0], batch_size):
        out = _apply_jit(params, spec, jnp.asarray(x[b:b + batch_size], dtype))
        ys.append(np.asarray(out.y))
        pos.append(np.stack([np.asarray(p) for p in out.pos], axis=1))
        neg.append(np.stack([np.asarray(n) for n in out.neg], axis=1))
    return {"y": np.concatenate(ys), "pos": np.concatenate(pos), "neg": np.concatenate(neg)}


def evaluate(spec: SNN, params: dict, x: Any, y: Any, task: str = "classification",
             batch_size: int = 512) -> dict[str, float]:
    """Metrics on (x, y): ``accuracy`` (classification) or ``mse`` (regression), and mean events per sample
    (``spikes_pos``, ``spikes_neg``, all layers). Raises ValueError as :func:`train` for bad x or y."""
    _check_task(task)
    x, y = _check_data(spec, x, y, task)
    r = predict(spec, params, x, batch_size)
    y = np.asarray(y)
    out = {"spikes_pos": float(r["pos"].sum(1).mean()), "spikes_neg": float(r["neg"].sum(1).mean())}
    if task == "classification":
        out["accuracy"] = float(np.mean(np.argmax(r["y"], axis=-1) == y))
    else:
        out["mse"] = float(np.mean((r["y"] - y) ** 2))
    return out


def to_network(spec: SNN, params: dict, x: Any) -> Network:
    """Export a trained model with one integer input sequence ``x`` (T, n_in) as a :class:`Network`.

    Input counts become a :class:`~snn.network.SpikeSource` ``"input"``; biases a one-neuron source ``"bias"``
    firing every step; layers ``"L0", "L1", ...`` keep their neuron types; dense, convolutional and recurrent
    projections keep their weights (zero delay, conv taps as delays). The Numba engine then reproduces the JAX
    events of :func:`~snn.model.apply` (same schedule). The readout is not part of the network.

    Raises
    ------
    ValueError
        for non-integer inputs or a shape other than (T, n_in).
    """
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] != spec.n_in:
        raise ValueError(f"x must have shape (T, n_in={spec.n_in}), got {x.shape}")
    if not np.all(x == np.round(x)):
        raise ValueError("to_network: x must hold integer event counts")
    T = x.shape[0]
    sources = [SpikeSource.from_counts("input", x.astype(np.int64))]
    has_bias = any("b" in p for p in params["layers"])
    if has_bias:
        sources.append(SpikeSource("bias", 1, np.arange(T), np.zeros(T, np.int64)))
    pops, projs = [], []
    pre = "input"
    for li, (layer, p) in enumerate(zip(spec.layers, params["layers"])):
        name = f"L{li}"
        pops.append(Population(name, layer.n_out, layer.neuron))
        w = np.asarray(p["w"], np.float64)
        if isinstance(layer, Conv1d):
            projs.append(Projection.conv1d(f"{name}.w", pre, name, w, dilation=layer.dilation, target=layer.target))
        else:
            projs.append(Projection.dense(f"{name}.w", pre, name, w, target=layer.target))
        if "b" in p:
            projs.append(Projection.dense(f"{name}.b", "bias", name, np.asarray(p["b"], np.float64)[None, :],
                                          target=layer.target))
        if "w_rec" in p:
            projs.append(Projection.dense(f"{name}.w_rec", name, name, np.asarray(p["w_rec"], np.float64),
                                          target=layer.target))
        pre = name
    return Network(tuple(pops), tuple(projs), tuple(sources), dt_s=spec.dt_s, name="exported")
