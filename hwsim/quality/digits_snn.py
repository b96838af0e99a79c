"""A spiking network trained on scikit-learn's digits with the ``snn`` package's surrogate-gradient training, used to
measure the accuracy of compressed spiking designs.

Network (:class:`snn.model.SNN`, the recipe of :func:`snn.experiments.digits_training` with two hidden layers):

* input: the 64 pixels of an 8 x 8 image (intensity / 16) encoded by :func:`snn.datasets.encode` over
  ``time_steps`` steps: ``"rate"`` (Bernoulli spikes, the default: every layer is then event-driven) or
  ``"current"`` (the intensity every step: the first projection is then a dense product per step);
* ``L0``, ``L1``: :class:`snn.model.Dense` layers of signed LIF neurons (:class:`snn.neurons.SignedLIF`,
  tau_m = 10 ms, theta_neg = 2 theta_pos, step 1 ms), widths ``config["widths"]``;
* ``readout``: 10 memoryless units (``tau_s = 0``) summed over time, so the class is the argmax of the readout
  drive accumulated over the sequence.

Training: BPTT with the SuperSpike surrogate (:func:`snn.train.train`), AdamW (Loshchilov & Hutter,
arXiv:1711.05101) with a cosine-decayed learning rate. Data: :func:`snn.datasets.digits` (1437 training / 360 test
images, stratified split with ``random_state`` = the config seed; Alpaydin & Kaynak, UCI "Optical Recognition of
Handwritten Digits", doi:10.24432/C50P49). Trained weights are cached by config (:mod:`hwsim.quality.cache`) as a
flat dict of float32 arrays ``L<i>.w`` (n_pre, n), ``L<i>.b`` (n,), ``readout.w`` (n_last, 10), ``readout.b`` (10,).

JAX (through ``snn.model``) is imported only inside the functions that run the network.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any

import numpy as np

from hwsim.quality.cache import cached

ENCODINGS = ("rate", "current")
DEFAULT_CONFIG: dict[str, Any] = {"widths": [128, 64], "time_steps": 16, "encoding": "rate", "epochs": 15,
                                  "batch": 64, "lr": 3e-3, "weight_decay": 0.05, "seed": 0}
"""Training config of :func:`trained`: about 5-20 s on 2 CPU cores (test accuracy 0.964 at seed 0)."""

TAU_M_S = 10e-3
DT_S = 1e-3
THETA_NEG = 2.0


def check_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """The full config (defaults filled in), checked.

    Raises ValueError for an empty or non-positive ``widths`` entry, ``time_steps`` < 2, ``epochs`` or ``batch``
    < 1, a non-finite or non-positive ``lr``, a negative ``weight_decay`` or an unknown ``encoding``.
    """
    cfg = {**DEFAULT_CONFIG, **dict(config)}
    w = cfg["widths"]
    if not isinstance(w, list | tuple) or not w or any(not isinstance(n, int) or n < 1 for n in w):
        raise ValueError(f"config['widths'] must be a non-empty list of positive integers, got {w!r}")
    cfg["widths"] = [int(n) for n in w]
    for k, lo in (("time_steps", 2), ("epochs", 1), ("batch", 1)):
        if not isinstance(cfg[k], int) or cfg[k] < lo:
            raise ValueError(f"config[{k!r}] must be an integer >= {lo}, got {cfg[k]!r}")
    if not (np.isfinite(cfg["lr"]) and cfg["lr"] > 0):
        raise ValueError(f"config['lr'] must be finite and > 0, got {cfg['lr']}")
    if not (np.isfinite(cfg["weight_decay"]) and cfg["weight_decay"] >= 0):
        raise ValueError(f"config['weight_decay'] must be finite and >= 0, got {cfg['weight_decay']}")
    if cfg["encoding"] not in ENCODINGS:
        raise ValueError(f"config['encoding']={cfg['encoding']!r}; accepted: {ENCODINGS}")
    return cfg


@dataclass(frozen=True)
class SpikeDigits:
    """The digits split as sequences: inputs (n, T, 64) float32 (spikes or intensities), integer labels (n,)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def load(config: Mapping[str, Any] | None = None) -> SpikeDigits:
    """:func:`snn.datasets.digits` encoded as ``config`` says (rate codes drawn with the config seed)."""
    from snn.datasets import digits

    cfg = check_config(config or {})
    xtr, ytr, xte, yte = digits(T=int(cfg["time_steps"]), encoding=cfg["encoding"], seed=int(cfg["seed"]))
    return SpikeDigits(xtr, ytr.astype(np.int64), xte, yte.astype(np.int64))


def layer_names(params: Mapping[str, np.ndarray]) -> list[str]:
    """Weight names in execution order: ``L0.w``, ``L1.w``, ..., ``readout.w``."""
    n = len({k.split(".")[0] for k in params if k.startswith("L")})
    return [f"L{i}.w" for i in range(n)] + ["readout.w"]


def spec(widths: list[int] | tuple[int, ...]) -> Any:
    """The :class:`snn.model.SNN` with hidden layers of ``widths`` signed LIF neurons (see the module docstring)."""
    from snn.model import SNN, Dense, Readout
    from snn.neurons import SignedLIF

    cell = SignedLIF(tau_m_s=TAU_M_S, theta_neg=THETA_NEG)
    return SNN(n_in=64, layers=tuple(Dense(int(n), cell) for n in widths), readout=Readout(10, tau_s=0.0), dt_s=DT_S)


def widths_of(params: Mapping[str, np.ndarray]) -> list[int]:
    """Hidden widths of a flat parameter dict."""
    return [int(params[n].shape[1]) for n in layer_names(params)[:-1]]


def to_tree(params: Mapping[str, np.ndarray], dtype: Any = np.float32) -> dict:
    """Flat dict -> the parameter pytree of :func:`snn.model.apply`."""
    names = layer_names(params)
    layers = [{"w": np.asarray(params[n], dtype), "b": np.asarray(params[n[:-1] + "b"], dtype)} for n in names[:-1]]
    return {"layers": layers, "readout": {"w": np.asarray(params["readout.w"], dtype),
                                          "b": np.asarray(params["readout.b"], dtype)}}


def from_tree(tree: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """The parameter pytree of :func:`snn.model.apply` -> flat float32 dict."""
    out = {}
    for i, p in enumerate(tree["layers"]):
        out[f"L{i}.w"] = np.asarray(p["w"], np.float32)
        out[f"L{i}.b"] = np.asarray(p["b"], np.float32)
    out["readout.w"] = np.asarray(tree["readout"]["w"], np.float32)
    out["readout.b"] = np.asarray(tree["readout"]["b"], np.float32)
    return out


def train(config: Mapping[str, Any] | None = None) -> dict[str, np.ndarray]:
    """Train the network of ``config`` (see the module docstring); returns flat float32 weights (not cached: see
    :func:`trained`). Raises ValueError as :func:`check_config`."""
    import optax

    from snn.train import train as snn_train

    cfg = check_config(config or {})
    data = load(cfg)
    steps = int(cfg["epochs"]) * max(1, data.x_train.shape[0] // int(cfg["batch"]))
    opt = optax.adamw(optax.cosine_decay_schedule(float(cfg["lr"]), steps), weight_decay=float(cfg["weight_decay"]))
    res = snn_train(spec(cfg["widths"]), data.x_train, data.y_train, epochs=int(cfg["epochs"]),
                    batch_size=int(cfg["batch"]), seed=int(cfg["seed"]), optimizer=opt)
    return from_tree(res.params)


def trained(config: Mapping[str, Any] | None = None) -> dict[str, np.ndarray]:
    """Trained weights for ``config`` (defaults :data:`DEFAULT_CONFIG`), from the cache or trained once."""
    cfg = check_config(config or {})
    return cached("digits_snn", cfg, lambda: train(cfg))


def run(params: Mapping[str, np.ndarray], x: np.ndarray, *, batch_size: int = 512) -> tuple[np.ndarray, list, list]:
    """Run the network on inputs ``x`` (n, T, 64) with :func:`snn.model.apply` (deterministic, float32).

    Returns the readout ``y`` (n, 10), and per hidden layer the +1 and -1 events of every neuron summed over the
    samples and steps, lists of (n_i,) float64 arrays.
    """
    x = np.asarray(x, np.float32)
    sp = spec(widths_of(params))
    tree = to_tree(params)
    ys = []
    pos = [np.zeros(n) for n in widths_of(params)]
    neg = [np.zeros(n) for n in widths_of(params)]
    for b in range(0, x.shape[0], batch_size):
        y, p, n = _run_jit(tree, sp, x[b:b + batch_size])
        ys.append(np.asarray(y))
        for i in range(len(pos)):
            pos[i] += np.asarray(p[i], np.float64)
            neg[i] += np.asarray(n[i], np.float64)
    return np.concatenate(ys), pos, neg


def _run_jit(tree: dict, sp: Any, x: np.ndarray) -> tuple:
    return _compiled()(tree, sp, x)


@lru_cache(maxsize=1)
def _compiled() -> Any:
    """The jitted runner (built on first use, so JAX is imported lazily)."""
    import jax
    import jax.numpy as jnp

    from snn.model import apply

    @partial(jax.jit, static_argnums=1)
    def f(tree, sp, x):
        out = apply(tree, sp, x)
        return (out.y, [jnp.maximum(s, 0).sum((0, 1)) for s in out.spikes],
                [jnp.maximum(-s, 0).sum((0, 1)) for s in out.spikes])

    return f


def accuracy(params: Mapping[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> float:
    """Top-1 accuracy of ``params`` on inputs ``x`` (n, T, 64) with labels ``y`` (n,)."""
    out, _, _ = run(params, x)
    return float(np.mean(np.argmax(out, axis=1) == np.asarray(y)))
