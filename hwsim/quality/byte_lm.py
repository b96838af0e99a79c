"""A small byte-level transformer language model trained in JAX on the Python standard library's own source text,
used to measure the perplexity of compressed designs.

Corpus: the ``*.py`` files directly in ``sysconfig.get_paths()["stdlib"]`` (no sub-packages), sorted by name,
concatenated as UTF-8 bytes and cut to ``corpus_bytes``; the first 90 % trains, the last 10 % is held out
(perplexity). The Python ``major.minor`` version is part of the config, so the weight cache never mixes corpora.

Model (pre-norm decoder, Radford et al. 2019; Vaswani et al., arXiv:1706.03762): byte embedding + learned position
embedding (d), ``n_layers`` blocks of causal multi-head attention (``qkv`` (d, 3d), ``o`` (d, d)) and a ReLU MLP
(``up`` (d, f), ``down`` (f, d)), each after an RMSNorm *without* learnable gain (Zhang & Sennrich,
arXiv:1910.07467), a final RMSNorm and an untied ``head`` (d, 256). Without gains, rotating the residual stream by
any orthogonal Q is exact when folded into the weights (computational invariance, Ashkboos et al., SliceGPT,
arXiv:2401.15024; QuaRot, arXiv:2404.00456): see :mod:`hwsim.quality.rotation`.

Weights are (in, out) matrices (the ``dense`` layout of :mod:`hwsim.compress`); an optional ``layers.i.down_rot``
(f, f) orthogonal matrix is applied to the MLP hidden vector before ``down`` (an online rotation). The same
:func:`forward` runs on NumPy and JAX.
"""

from __future__ import annotations

import sys
import sysconfig
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from hwsim.quality.cache import cached

DEFAULT_CONFIG: dict[str, Any] = {"d_model": 64, "n_layers": 4, "n_heads": 4, "d_ff": 256, "context": 64,
                                  "steps": 1200, "batch": 32, "lr": 3e-3, "weight_decay": 1e-4,
                                  "corpus_bytes": 2_000_000, "seed": 0}
"""Training config of :func:`trained`; about one to two minutes on 2 CPU cores."""

ActQuant = Callable[[str, Any], Any]
LINEARS = ("qkv", "o", "up", "down")


def _python() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


@lru_cache(maxsize=4)
def corpus(n_bytes: int) -> np.ndarray:
    """The first ``n_bytes`` bytes of the standard-library corpus as uint8 (see the module docstring).

    Raises ValueError if ``n_bytes < 1024`` or the library holds fewer bytes.
    """
    if n_bytes < 1024:
        raise ValueError(f"n_bytes must be >= 1024, got {n_bytes}")
    root = Path(sysconfig.get_paths()["stdlib"])
    buf = bytearray()
    for f in sorted(root.glob("*.py")):
        buf += f.read_bytes()
        if len(buf) >= n_bytes:
            break
    if len(buf) < n_bytes:
        raise ValueError(f"the standard library at {root} holds only {len(buf)} bytes of *.py, need {n_bytes}")
    return np.frombuffer(bytes(buf[:n_bytes]), dtype=np.uint8).copy()


def split(n_bytes: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, held-out) byte arrays: the first 90 % and the last 10 % of :func:`corpus`."""
    c = corpus(n_bytes)
    cut = int(0.9 * c.size)
    return c[:cut], c[cut:]


def eval_batch(held_out: np.ndarray, context: int, n_seq: int) -> np.ndarray:
    """``n_seq`` non-overlapping windows of ``context + 1`` bytes from the start of ``held_out``, (n_seq, context+1).

    Raises ValueError if ``held_out`` is too short.
    """
    need = n_seq * (context + 1)
    if held_out.size < need:
        raise ValueError(f"held-out text has {held_out.size} bytes, need {need}")
    return held_out[:need].reshape(n_seq, context + 1).astype(np.int64)


def layer_ids(params: Mapping[str, Any]) -> list[int]:
    """Indices of the transformer blocks present in ``params`` (sorted)."""
    return sorted({int(k.split(".")[1]) for k in params if k.startswith("layers.")})


def _rms(x: Any, xp: Any) -> Any:
    return x / xp.sqrt(xp.mean(x * x, axis=-1, keepdims=True) + 1e-6)


def forward(params: Mapping[str, Any], tokens: Any, *, n_heads: int, xp: Any = np,
            act_quant: ActQuant | None = None, record: dict[str, Any] | None = None) -> Any:
    """Logits (B, T, 256) of byte ``tokens`` (B, T).

    ``act_quant(layer, a)`` replaces the input of every weight product (``layers.i.qkv|o|up|down``, ``head``);
    ``record`` receives ``layers.i.in``/``.out`` (residual stream) and ``layers.i.hidden`` (MLP ReLU output).
    """
    q = act_quant or (lambda name, a: a)
    B, T = tokens.shape
    x = params["embed"][tokens] + params["pos"][:T]
    d = x.shape[-1]
    dh = d // n_heads
    mask = xp.tril(xp.ones((T, T), dtype=bool))
    for i in layer_ids(params):
        pre = f"layers.{i}"
        if record is not None:
            record[f"{pre}.in"] = x
        qkv = q(f"{pre}.qkv", _rms(x, xp)) @ params[f"{pre}.qkv"]
        qh, kh, vh = (qkv[..., j * d:(j + 1) * d].reshape(B, T, n_heads, dh).transpose(0, 2, 1, 3) for j in range(3))
        s = qh @ kh.transpose(0, 1, 3, 2) / np.sqrt(dh)
        s = xp.where(mask, s, -1e30)
        s = xp.exp(s - xp.max(s, axis=-1, keepdims=True))
        a = (s / xp.sum(s, axis=-1, keepdims=True)) @ vh
        a = a.transpose(0, 2, 1, 3).reshape(B, T, d)
        x = x + q(f"{pre}.o", a) @ params[f"{pre}.o"]
        h = xp.maximum(q(f"{pre}.up", _rms(x, xp)) @ params[f"{pre}.up"], 0.0)
        if record is not None:
            record[f"{pre}.hidden"] = h
        if f"{pre}.down_rot" in params:
            h = h @ params[f"{pre}.down_rot"]
        x = x + q(f"{pre}.down", h) @ params[f"{pre}.down"]
        if record is not None:
            record[f"{pre}.out"] = x
    return q("head", _rms(x, xp)) @ params["head"]


def init_params(config: Mapping[str, Any], seed: int) -> dict[str, np.ndarray]:
    """Normal initial weights with std 1/sqrt(fan-in) (output projections scaled by 1/sqrt(2 n_layers), GPT-2)."""
    rng = np.random.default_rng(seed)
    d, f, L, T = (int(config[k]) for k in ("d_model", "d_ff", "n_layers", "context"))

    def nrm(shape: tuple[int, int], scale: float = 1.0) -> np.ndarray:
        return (rng.standard_normal(shape) * scale / np.sqrt(shape[0])).astype(np.float32)

    p = {"embed": (rng.standard_normal((256, d)) * 0.5).astype(np.float32),
         "pos": (rng.standard_normal((T, d)) * 0.1).astype(np.float32)}
    res = 1.0 / np.sqrt(2 * L)
    for i in range(L):
        p[f"layers.{i}.qkv"] = nrm((d, 3 * d))
        p[f"layers.{i}.o"] = nrm((d, d), res)
        p[f"layers.{i}.up"] = nrm((d, f))
        p[f"layers.{i}.down"] = nrm((f, d), res)
    p["head"] = nrm((d, 256))
    return p


def _check(cfg: Mapping[str, Any]) -> None:
    for k in ("d_model", "n_layers", "n_heads", "d_ff", "context", "steps", "batch", "corpus_bytes"):
        if not isinstance(cfg[k], int) or cfg[k] < 1:
            raise ValueError(f"config[{k!r}] must be a positive integer, got {cfg[k]!r}")
    if cfg["d_model"] % cfg["n_heads"]:
        raise ValueError("config['d_model'] must be a multiple of config['n_heads']")
    if not (np.isfinite(cfg["lr"]) and cfg["lr"] > 0):
        raise ValueError(f"config['lr'] must be finite and > 0, got {cfg['lr']}")


def train(config: Mapping[str, Any] | None = None) -> dict[str, np.ndarray]:
    """Train with AdamW (Loshchilov & Hutter, arXiv:1711.05101), linear warm-up over 5 % of the steps and cosine
    decay, on random windows of the training split; returns float32 weights (see :func:`trained` for the cache).

    Raises ValueError for a bad config (non-positive sizes, ``d_model`` not a multiple of ``n_heads``).
    """
    import jax
    import jax.numpy as jnp
    import optax

    cfg = {**DEFAULT_CONFIG, "python": _python(), **(config or {})}
    _check(cfg)
    tr, _ = split(int(cfg["corpus_bytes"]))
    T, nh = int(cfg["context"]), int(cfg["n_heads"])
    params = {k: jnp.asarray(v) for k, v in init_params(cfg, int(cfg["seed"])).items()}
    sched = optax.warmup_cosine_decay_schedule(0.0, cfg["lr"], max(1, cfg["steps"] // 20), cfg["steps"])
    opt = optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(sched, weight_decay=cfg["weight_decay"]))
    state = opt.init(params)

    def loss(p, w):
        logits = forward(p, w[:, :-1], n_heads=nh, xp=jnp)
        return optax.softmax_cross_entropy_with_integer_labels(logits, w[:, 1:]).mean()

    @jax.jit
    def step(p, s, w):
        g = jax.grad(loss)(p, w)
        upd, s = opt.update(g, s, p)
        return optax.apply_updates(p, upd), s

    rng = np.random.default_rng(int(cfg["seed"]) + 1)
    offs = np.arange(T + 1)
    for _ in range(int(cfg["steps"])):
        starts = rng.integers(0, tr.size - T - 1, size=int(cfg["batch"]))
        params, state = step(params, state, jnp.asarray(tr[starts[:, None] + offs].astype(np.int32)))
    return {k: np.asarray(v, dtype=np.float32) for k, v in params.items()}


def trained(config: Mapping[str, Any] | None = None) -> dict[str, np.ndarray]:
    """Trained weights for ``config`` (defaults :data:`DEFAULT_CONFIG`), from the cache or trained once."""
    cfg = {**DEFAULT_CONFIG, "python": _python(), **(config or {})}
    return cached("byte_lm", cfg, lambda: train(cfg))


def perplexity(params: Mapping[str, np.ndarray], windows: np.ndarray, *, n_heads: int,
               act_quant: ActQuant | None = None) -> float:
    """Per-byte perplexity ``exp(mean cross-entropy)`` of next-byte prediction on ``windows`` (n, T+1)."""
    logits = forward(params, windows[:, :-1], n_heads=n_heads, act_quant=act_quant)
    logits = logits - logits.max(axis=-1, keepdims=True)
    logp = logits - np.log(np.sum(np.exp(logits), axis=-1, keepdims=True))
    nll = -np.take_along_axis(logp, windows[:, 1:, None], axis=-1).mean()
    return float(np.exp(nll))
