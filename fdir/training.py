"""The one training loop of every trained fdir family (forecaster, CAE, spiking forecaster): mini-batch gradient
descent with an optax optimiser and early stopping on the validation loss. JAX + optax (imported on first use).

Protocol (:func:`fit`): the caller gives initial parameters (any pytree; with ``ensemble=True`` every leaf carries a
leading member axis M and the members train side by side), a **per-example loss**
``loss(params, batch, *, state, key, train) -> (losses (B,), new_state)`` over a batch (a tuple of arrays with a
leading example axis B, in the order of ``data``), an optax optimiser, the training arrays and a
:class:`TrainConfig`. ``state`` is non-trained model state carried from step to step (BatchNorm running statistics;
``None`` when the model has none), ``key`` a JAX PRNG key for stochastic models (``None`` unless :func:`fit` got
one) and ``train`` a Python bool (``False`` on validation batches: inference mode, the returned state is ignored).

Schedule, per epoch: the training examples are shuffled (numpy ``default_rng(seed)``), cut into ``batch_size``
batches and each batch takes one optimiser step on the weighted mean Σ wᵢ lᵢ / Σ wᵢ of its per-example losses.
The last partial batch is padded to ``batch_size`` with zero-weight rows (fixed shapes: one compilation), or
dropped with ``drop_last`` (models whose training forward pass mixes examples, e.g. BatchNorm batch statistics,
which padded rows would bias). The validation loss is the mean per-example loss over the validation examples in
inference mode. The jit-compiled step and validation functions are cached per (loss, optimiser) object, so a
caller that keeps those objects (one per configuration) compiles once for all the channels it trains.

Validation split: the examples are permuted once with the same generator, optionally cut to the first
``max_examples``, and the last n_val = max(1, round(n · validation_split)) of the permutation are held out (at least
one example must remain for training), unless an explicit validation set is given.

Early stopping (Keras ``EarlyStopping(patience, min_delta, restore_best_weights=True)``, Prechelt, "Early
Stopping — But When?", Neural Networks: Tricks of the Trade, 1998, doi:10.1007/3-540-49430-8_3, with one
difference): after each epoch, every member whose patience is not exhausted keeps a snapshot of its parameters
(and state) whenever its validation loss is below its best so far; its patience counter is reset only when the
loss improved by more than ``min_delta`` and grows by one otherwise (Keras keeps the snapshot only on an
improvement by more than ``min_delta``). A member stops when the counter reaches ``patience`` and keeps its best
snapshot; the loop ends when every member has stopped or after ``max_epochs``. Stopped members of an ensemble
keep being stepped with the others (shared batches, one vmapped step) but their snapshot no longer changes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any

import numpy as np

__all__ = ["History", "TrainConfig", "TrainResult", "fit", "pad_rows", "split_indices"]


@dataclass(frozen=True)
class TrainConfig:
    """Settings of :func:`fit` (module doc).

    max_epochs : passes over the training examples at most (>= 1). batch_size : examples per optimiser step (>= 1).
    patience : epochs without an improvement larger than ``min_delta`` before a member stops (>= 1).
    min_delta : improvement of the validation loss (loss units) that resets the patience counter (>= 0).
    validation_split : fraction of the examples held out when no explicit validation set is given, in (0, 1).
    max_examples : keep a random subset of at most this many examples before the split (None: all; >= 2).
    drop_last : drop the last partial batch of each epoch instead of padding it with zero-weight rows.
    seed : numpy seed of the split and of the per-epoch shuffles.

    Raises
    ------
    ValueError
        naming the field for a value outside its range (NaN and inf included).
    """

    max_epochs: int
    batch_size: int
    patience: int
    min_delta: float = 0.0
    validation_split: float = 0.2
    max_examples: int | None = None
    drop_last: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("max_epochs", "batch_size", "patience"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{name}={v!r} must be an integer >= 1")
        if not (math.isfinite(float(self.min_delta)) and self.min_delta >= 0):
            raise ValueError(f"min_delta={self.min_delta!r} must be finite and >= 0")
        if not (math.isfinite(float(self.validation_split)) and 0 < self.validation_split < 1):
            raise ValueError(f"validation_split={self.validation_split!r} must be in (0, 1)")
        if self.max_examples is not None and (isinstance(self.max_examples, bool) or int(self.max_examples) < 2
                                              or int(self.max_examples) != self.max_examples):
            raise ValueError(f"max_examples={self.max_examples!r} must be None or an integer >= 2")
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)) or self.seed < 0:
            raise ValueError(f"seed={self.seed!r} must be an integer >= 0")


@dataclass(frozen=True)
class History:
    """Per-epoch record of :func:`fit`; E epochs ran, M members (arrays keep the member axis only with
    ``ensemble=True``).

    train_loss, val_loss : (E, M) or (E,) mean per-example training loss (over the epoch's steps, parameters
    changing) and validation loss after the epoch, in loss units. best_epoch : (M,) or int, 1-based epoch whose
    parameters were kept (0: no epoch improved on the initial parameters). stopped_epoch : (M,) or int, epochs a
    member was active (its patience ran out at that epoch; E when it never did). best_val_loss : (M,) or float.
    """

    train_loss: np.ndarray
    val_loss: np.ndarray
    best_epoch: Any
    stopped_epoch: Any
    best_val_loss: Any

    @property
    def epochs(self) -> int:
        """Epochs run (the longest-active member's)."""
        return int(np.shape(self.val_loss)[0])

    def as_dict(self) -> dict[str, list | float | int]:
        """JSON-able summary: ``train``/``val`` per-epoch losses (mean over members), ``best_epoch``,
        ``stopped_epoch`` and ``best_val`` (lists per member for an ensemble)."""
        def py(a):
            a = np.asarray(a)
            return a.tolist() if a.ndim else a.item()

        tr, va = np.asarray(self.train_loss), np.asarray(self.val_loss)
        return {"train": (tr.mean(axis=1) if tr.ndim == 2 else tr).tolist(),
                "val": (va.mean(axis=1) if va.ndim == 2 else va).tolist(),
                "best_epoch": py(self.best_epoch), "stopped_epoch": py(self.stopped_epoch),
                "best_val": py(self.best_val_loss)}


@dataclass(frozen=True)
class TrainResult:
    """Outcome of :func:`fit`: ``params`` (the best-validation parameters, numpy leaves, same tree and shapes as the
    initial ones), ``state`` (the model state of the same epochs; None when the model has none), ``history``."""

    params: Any
    state: Any
    history: History


def split_indices(n: int, validation_split: float, max_examples: int | None, rng: np.random.Generator
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Training and validation indices of n examples (module doc: one permutation, capped at ``max_examples``, the
    last max(1, round(n' · validation_split)) held out). ``validation_split`` 0 holds nothing out (explicit
    validation set).

    Raises
    ------
    ValueError
        when fewer than one training and (with a split) one validation example remain.
    """
    order = rng.permutation(int(n))
    if max_examples is not None:
        order = order[: int(max_examples)]
    n_val = max(1, round(order.size * validation_split)) if validation_split > 0 else 0
    if order.size - n_val < 1:
        raise ValueError(f"{order.size} examples are too few for a training and validation split "
                         f"(validation_split={validation_split})")
    return order[: order.size - n_val], order[order.size - n_val:]


def _as_arrays(name: str, data: Sequence[np.ndarray]) -> tuple[np.ndarray, ...]:
    if isinstance(data, np.ndarray) or not isinstance(data, (tuple, list)) or not data:
        raise ValueError(f"{name} must be a non-empty tuple of arrays with a common leading example axis")
    arrays = tuple(np.asarray(a) for a in data)
    n = arrays[0].shape[0] if arrays[0].ndim else 0
    for i, a in enumerate(arrays):
        if a.ndim == 0 or a.shape[0] != n:
            raise ValueError(f"{name}[{i}] has shape {a.shape}; every array needs the leading length {n}")
        if a.dtype.kind in "fc" and not np.all(np.isfinite(a)):
            raise ValueError(f"{name}[{i}] holds NaN or inf")
    if n < 1:
        raise ValueError(f"{name} holds no examples")
    return arrays


def pad_rows(a: np.ndarray, size: int) -> np.ndarray:
    """``a`` with its leading (batch) axis zero-padded to ``size`` rows (fixed shapes: one JIT compilation)."""
    n = a.shape[0]
    if n == size:
        return a
    return np.concatenate([a, np.zeros((size - n, *a.shape[1:]), a.dtype)])


def _weights(n: int, size: int) -> np.ndarray:
    w = np.zeros(size, np.float32)
    w[:n] = 1.0
    return w


def _keep(old: np.ndarray, new: np.ndarray, take: np.ndarray) -> np.ndarray:
    """Copy the members ``take`` (M,) bool of ``new`` into the snapshot ``old`` (in place)."""
    old[take] = new[take]
    return old


@lru_cache(maxsize=1)
def _compiled():
    """The jit-compiled training step and validation sum (loss, optimiser and ensemble flag static)."""
    import jax
    import jax.numpy as jnp
    import optax

    def objective(loss, params, state, batch, w, key):
        losses, new_state = loss(params, batch, state=state, key=key, train=True)
        if losses.shape != w.shape:
            raise ValueError(f"loss must return one value per example, shape {w.shape}; got {losses.shape}")
        return jnp.sum(losses * w) / jnp.maximum(jnp.sum(w), 1.0), new_state

    def step(loss, optimizer, ensemble, params, opt_state, state, batch, w, key):
        def one(p, o, s, b, ww, k):
            (value, new_s), g = jax.value_and_grad(objective, argnums=1, has_aux=True)(loss, p, s, b, ww, k)
            updates, o = optimizer.update(g, o, p)
            return optax.apply_updates(p, updates), o, new_s, value

        return (jax.vmap(one) if ensemble else one)(params, opt_state, state, batch, w, key)

    def val_sum(loss, ensemble, params, state, batch, w, key):
        def one(p, s, k):               # the batch is shared (unbatched under vmap)
            losses, _ = loss(p, batch, state=s, key=k, train=False)
            return jnp.sum(losses * w)

        return jax.vmap(one)(params, state, key) if ensemble else one(params, state, key)

    return (jax.jit(step, static_argnums=(0, 1, 2)), jax.jit(val_sum, static_argnums=(0, 1)))


def fit(loss: Callable, params: Any, optimizer: Any, data: Sequence[np.ndarray], config: TrainConfig, *,
        validation: Sequence[np.ndarray] | None = None, state: Any = None, key: Any = None,
        ensemble: bool = False) -> TrainResult:
    """Train ``params`` by minimising the mean of ``loss`` over ``data`` with ``optimizer``, with early stopping on
    the validation loss (module doc).

    Parameters
    ----------
    loss : ``loss(params, batch, *, state, key, train) -> (losses (B,), new_state)``, jax-traceable, per example
        (one member's parameters when ``ensemble``). Keep the same object for every call with the same model: it
        keys the compilation cache.
    params : initial parameters, a pytree of arrays (leading member axis M on every leaf with ``ensemble``).
    optimizer : an ``optax.GradientTransformation`` (its state is initialised here).
    data : tuple of arrays (N, ...), the training examples (e.g. ``(X, Y)``); a batch is the same tuple of rows.
    config : :class:`TrainConfig`.
    validation : explicit validation arrays (N_val, ...) in the order of ``data``; None: split ``data``
        (``config.validation_split``).
    state : initial non-trained model state (pytree, member axis with ``ensemble``), or None.
    key : JAX PRNG key for stochastic models: each step gets a fresh key split from it (per member with
        ``ensemble``), validation one fixed key; None: the loss receives ``key=None``.
    ensemble : train the M members of a stacked ``params`` side by side (vmapped step, shared batches,
        per-member early stopping).

    Returns
    -------
    TrainResult with the best-validation parameters and state as numpy arrays, and the :class:`History`.

    Raises
    ------
    ValueError
        for a non-TrainConfig ``config``, mismatched or non-finite arrays, too few examples for the split, member
        axes that disagree, or a loss that does not return one value per example.
    """
    import jax
    import jax.numpy as jnp

    if not isinstance(config, TrainConfig):
        raise ValueError(f"config must be a TrainConfig, got {type(config).__name__}")
    data = _as_arrays("data", data)
    rng = np.random.default_rng(config.seed)
    if validation is None:
        tr, va = split_indices(data[0].shape[0], config.validation_split, config.max_examples, rng)
        val_data = data
    else:
        val_data = _as_arrays("validation", validation)
        if len(val_data) != len(data) or any(v.shape[1:] != d.shape[1:] for v, d in zip(val_data, data)):
            raise ValueError(f"validation arrays {[v.shape for v in val_data]} must match the data arrays "
                             f"{[d.shape for d in data]} after the leading example axis")
        tr, _ = split_indices(data[0].shape[0], 0.0, config.max_examples, rng)
        va = np.arange(val_data[0].shape[0])
    leaves = jax.tree_util.tree_leaves(params)
    if not leaves:
        raise ValueError("params holds no arrays")
    if ensemble:
        M = int(np.shape(leaves[0])[0]) if np.ndim(leaves[0]) else 0
        if M < 1 or any(np.ndim(x) == 0 or np.shape(x)[0] != M
                        for x in leaves + jax.tree_util.tree_leaves(state)):
            raise ValueError("with ensemble=True every leaf of params and state needs the same leading member axis")
    else:
        M = 1
    step, val_sum = _compiled()
    params = jax.tree_util.tree_map(jnp.asarray, params)
    state = jax.tree_util.tree_map(jnp.asarray, state)
    opt_state = (jax.vmap(optimizer.init) if ensemble else optimizer.init)(params)
    val_key = None
    if key is not None:
        key, val_key = jax.random.split(key)
        if ensemble:
            val_key = jax.random.split(val_key, M)

    def host(tree):
        return jax.tree_util.tree_map(np.array, tree)

    def members(a):
        return jnp.broadcast_to(jnp.asarray(a), (M, *a.shape)) if ensemble else jnp.asarray(a)

    bs = config.batch_size
    if config.drop_last:
        starts = [(j * bs, min((j + 1) * bs, tr.size)) for j in range(max(1, tr.size // bs))]
    else:
        starts = [(a, min(a + bs, tr.size)) for a in range(0, tr.size, bs)]
    n_seen = sum(b - a for a, b in starts)
    best = np.full(M, np.inf)
    wait = np.zeros(M, int)
    best_epoch = np.zeros(M, int)
    stopped = np.zeros(M, int)
    best_params, best_state = host(params), host(state)
    train_hist, val_hist = [], []
    for epoch in range(1, config.max_epochs + 1):
        perm = tr[rng.permutation(tr.size)]
        values = []
        for a, b in starts:
            rows = perm[a:b]
            size = bs if not config.drop_last else b - a
            batch = tuple(members(pad_rows(x[rows], size)) for x in data)
            kb = None
            if key is not None:
                key, kb = jax.random.split(key)
                if ensemble:
                    kb = jax.random.split(kb, M)
            params, opt_state, state, value = step(loss, optimizer, ensemble, params, opt_state, state, batch,
                                                   members(_weights(b - a, size)), kb)
            values.append((value, b - a))
        tl = sum(np.asarray(v, np.float64) * n for v, n in values) / n_seen
        vl = np.zeros(M)
        for a in range(0, va.size, bs):
            rows = va[a:a + bs]
            batch = tuple(jnp.asarray(pad_rows(x[rows], bs)) for x in val_data)
            vl += np.asarray(val_sum(loss, ensemble, params, state, batch, jnp.asarray(_weights(rows.size, bs)),
                                     val_key), np.float64).reshape(M)
        vl /= va.size
        train_hist.append(np.broadcast_to(tl, (M,)).copy())
        val_hist.append(vl.copy())
        active = wait < config.patience
        take = (vl < best) & active
        if take.any():
            cur_p, cur_s = host(params), host(state)
            if ensemble:
                best_params = jax.tree_util.tree_map(partial(_keep, take=take), best_params, cur_p)
                best_state = jax.tree_util.tree_map(partial(_keep, take=take), best_state, cur_s)
            else:
                best_params, best_state = cur_p, cur_s
        improved = vl < best - config.min_delta
        best = np.where(take, vl, best)
        best_epoch = np.where(take, epoch, best_epoch)
        stopped = np.where(active, epoch, stopped)
        wait = np.where(improved & active, 0, wait + active)
        if np.all(wait >= config.patience):
            break

    def out(a: np.ndarray):
        if ensemble:
            return a
        return a[..., 0] if a.ndim > 1 else a[0].item()

    hist = History(train_loss=out(np.array(train_hist)), val_loss=out(np.array(val_hist)),
                   best_epoch=out(best_epoch), stopped_epoch=out(stopped), best_val_loss=out(best))
    return TrainResult(best_params, best_state, hist)
