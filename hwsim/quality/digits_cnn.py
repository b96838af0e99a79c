"""A small residual CNN trained on scikit-learn's digits (8 x 8 grey images, 10 classes; Alpaydin & Kaynak, UCI
"Optical Recognition of Handwritten Digits", doi:10.24432/C50P49), used to measure the accuracy of compressed designs.

Architecture (NHWC, 3 x 3 convolutions with zero padding 1, stride 1, so every map is 8 x 8):

* ``stem``: conv 3 x 3, 1 -> C, ReLU;
* ``blocks.i`` (i < n_blocks): ``x + conv1x1(relu(conv3x3(x)))``, C -> H -> C (a bottleneck residual block, He et
  al., CVPR 2016, doi:10.1109/CVPR.2016.90) - removing a block leaves the identity, so depth pruning keeps shapes;
* ``head``: flatten (64 C) -> 10 logits.

Weights are stored as matrices in the ``dense`` layout (in, out) of :mod:`hwsim.compress`: a 3 x 3 convolution from
``c`` channels is a (9 c, out) matrix applied to the 3 x 3 patches (im2col, patch order (dy, dx, c)). The same
:func:`forward` runs on NumPy (evaluation of compressed designs) and on JAX (training). Data split: 75 % train / 25 %
test, stratified, ``random_state`` = the config seed; the first ``calibration`` training images calibrate importance
scores and activation ranges. Trained weights are cached by config (:mod:`hwsim.quality.cache`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hwsim.quality.cache import cached

DEFAULT_CONFIG: dict[str, Any] = {"channels": 16, "hidden": 32, "n_blocks": 4, "epochs": 40, "batch": 64,
                                  "lr": 3e-3, "weight_decay": 1e-4, "seed": 0}
"""Training config of :func:`trained`; about 10-20 s on 2 CPU cores."""

ActQuant = Callable[[str, Any], Any]


@dataclass(frozen=True)
class Digits:
    """The digits split: images (n, 8, 8, 1) scaled to [0, 1], integer labels (n,)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def load_digits_split(seed: int = 0) -> Digits:
    """scikit-learn's digits, split 75/25 stratified with ``random_state=seed``."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    x = (d.images / 16.0).astype(np.float32)[..., None]
    xtr, xte, ytr, yte = train_test_split(x, d.target, test_size=0.25, stratify=d.target, random_state=seed)
    return Digits(xtr, ytr.astype(np.int64), xte, yte.astype(np.int64))


def _patches(x: Any, xp: Any) -> Any:
    """3 x 3 patches of (n, 8, 8, c) with zero padding: (n, 8, 8, 9 c), order (dy, dx, c)."""
    p = xp.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    h, w = x.shape[1], x.shape[2]
    return xp.concatenate([p[:, dy:dy + h, dx:dx + w, :] for dy in range(3) for dx in range(3)], axis=-1)


def block_ids(params: Mapping[str, Any]) -> list[int]:
    """Indices of the residual blocks present in ``params`` (sorted)."""
    return sorted({int(k.split(".")[1]) for k in params if k.startswith("blocks.")})


def forward(params: Mapping[str, Any], x: Any, *, xp: Any = np, act_quant: ActQuant | None = None,
            record: dict[str, Any] | None = None) -> Any:
    """Logits (n, 10) of images ``x`` (n, 8, 8, 1).

    ``act_quant(layer, a)`` (optional) replaces the input activation of each weight layer (names ``stem``,
    ``blocks.i.conv1``, ``blocks.i.conv2``, ``head``) before its product; ``record`` (optional dict) receives the
    residual stream before/after each block (``blocks.i.in``/``.out``) and the hidden ReLU output
    (``blocks.i.hidden``), for importance scores.
    """
    q = act_quant or (lambda name, a: a)

    def mm(name: str, a: Any, w: Any, b: Any) -> Any:
        return q(name, a) @ w + b

    n = x.shape[0]
    h = xp.maximum(mm("stem", _patches(x, xp), params["stem.w"], params["stem.b"]), 0.0)
    if "stem.rot" in params:  # online rotation of the residual stream (hwsim.quality.pipeline.rotate_cnn)
        h = h @ params["stem.rot"]
    for i in block_ids(params):
        pre = f"blocks.{i}"
        if record is not None:
            record[f"{pre}.in"] = h
        z = xp.maximum(mm(f"{pre}.conv1", _patches(h, xp), params[f"{pre}.w1"], params[f"{pre}.b1"]), 0.0)
        if record is not None:
            record[f"{pre}.hidden"] = z
        h = h + mm(f"{pre}.conv2", z, params[f"{pre}.w2"], params[f"{pre}.b2"])
        if record is not None:
            record[f"{pre}.out"] = h
    return mm("head", h.reshape(n, -1), params["head.w"], params["head.b"])


def init_params(config: Mapping[str, Any], seed: int) -> dict[str, np.ndarray]:
    """He-normal initial weights (He et al., ICCV 2015, arXiv:1502.01852); the residual 1 x 1 convolutions start
    at zero scale x 0.1 so every block starts close to the identity."""
    rng = np.random.default_rng(seed)
    C, H, nb = int(config["channels"]), int(config["hidden"]), int(config["n_blocks"])

    def he(fan_in: int, shape: tuple[int, ...], scale: float = 1.0) -> np.ndarray:
        return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in) * scale).astype(np.float32)

    p = {"stem.w": he(9, (9, C)), "stem.b": np.zeros(C, np.float32)}
    for i in range(nb):
        p[f"blocks.{i}.w1"] = he(9 * C, (9 * C, H))
        p[f"blocks.{i}.b1"] = np.zeros(H, np.float32)
        p[f"blocks.{i}.w2"] = he(H, (H, C), 0.1)
        p[f"blocks.{i}.b2"] = np.zeros(C, np.float32)
    p["head.w"] = he(64 * C, (64 * C, 10))
    p["head.b"] = np.zeros(10, np.float32)
    return p


def train(config: Mapping[str, Any] | None = None) -> dict[str, np.ndarray]:
    """Train the CNN with Adam (Kingma & Ba, arXiv:1412.6980; decoupled weight decay, Loshchilov & Hutter,
    arXiv:1711.05101) on the training split; returns float32 weights (not cached: see :func:`trained`).

    Raises ValueError for a config with a non-positive size, epoch count, batch or learning rate.
    """
    import jax
    import jax.numpy as jnp
    import optax

    cfg = {**DEFAULT_CONFIG, **(config or {})}
    for k in ("channels", "hidden", "n_blocks", "epochs", "batch"):
        if not isinstance(cfg[k], int) or cfg[k] < 1:
            raise ValueError(f"config[{k!r}] must be a positive integer, got {cfg[k]!r}")
    if not (np.isfinite(cfg["lr"]) and cfg["lr"] > 0):
        raise ValueError(f"config['lr'] must be finite and > 0, got {cfg['lr']}")
    data = load_digits_split(int(cfg["seed"]))
    params = {k: jnp.asarray(v) for k, v in init_params(cfg, int(cfg["seed"])).items()}
    opt = optax.adamw(cfg["lr"], weight_decay=cfg["weight_decay"])
    state = opt.init(params)

    def loss(p, x, y):
        logits = forward(p, x, xp=jnp)
        return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()

    @jax.jit
    def step(p, s, x, y):
        g = jax.grad(loss)(p, x, y)
        upd, s = opt.update(g, s, p)
        return optax.apply_updates(p, upd), s

    rng = np.random.default_rng(int(cfg["seed"]) + 1)
    n = len(data.y_train)
    nb = n // cfg["batch"]
    for _ in range(cfg["epochs"]):
        perm = rng.permutation(n)
        for b in range(nb):
            idx = perm[b * cfg["batch"]:(b + 1) * cfg["batch"]]
            params, state = step(params, state, jnp.asarray(data.x_train[idx]), jnp.asarray(data.y_train[idx]))
    return {k: np.asarray(v, dtype=np.float32) for k, v in params.items()}


def trained(config: Mapping[str, Any] | None = None) -> dict[str, np.ndarray]:
    """Trained weights for ``config`` (defaults :data:`DEFAULT_CONFIG`), from the cache or trained once."""
    cfg = {**DEFAULT_CONFIG, **(config or {})}
    return cached("digits_cnn", cfg, lambda: train(cfg))


def accuracy(params: Mapping[str, np.ndarray], x: np.ndarray, y: np.ndarray, *,
             act_quant: ActQuant | None = None) -> float:
    """Top-1 accuracy of ``params`` on images ``x`` (n, 8, 8, 1) with labels ``y`` (n,)."""
    logits = forward(params, x.astype(np.float64), act_quant=act_quant)
    return float(np.mean(np.argmax(logits, axis=1) == y))


@dataclass(frozen=True)
class LayerInfo:
    """One weight layer of the CNN as the IR sees it: name, conv kernel (3 or 1; 0 for the dense head), input and
    output channels (features for the head)."""

    name: str
    kernel: int
    c_in: int
    c_out: int
    weight_key: str = field(default="")


def layers(params: Mapping[str, np.ndarray]) -> list[LayerInfo]:
    """The weight layers of ``params`` in execution order, with their (possibly pruned) shapes."""
    C = params["stem.w"].shape[1]
    out = [LayerInfo("stem", 3, 1, C, "stem.w")]
    for i in block_ids(params):
        H = params[f"blocks.{i}.w1"].shape[1]
        out.append(LayerInfo(f"blocks.{i}.conv1", 3, C, H, f"blocks.{i}.w1"))
        out.append(LayerInfo(f"blocks.{i}.conv2", 1, H, C, f"blocks.{i}.w2"))
    out.append(LayerInfo("head", 0, 64 * C, 10, "head.w"))
    return out
