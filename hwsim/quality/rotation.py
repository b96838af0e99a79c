"""Rotations before quantisation: random orthogonal, randomised Hadamard and a learned (OptRot-style) rotation.

An orthogonal ``Q`` applied to a residual stream that only meets weights and gain-free RMSNorms can be folded into
the weights exactly (computational invariance: Ashkboos et al., SliceGPT, arXiv:2401.15024; QuaRot,
arXiv:2404.00456; SpinQuant, arXiv:2405.16406): weights that read the stream become ``Q^T W``, weights that write
it ``W Q``. Rotation spreads outlier weights and activations over all channels, so uniform quantisation loses less.
A rotation across a non-linearity (the MLP hidden vector) cannot be folded on both sides: it is applied online to
the activation (here the ``down_rot`` of :mod:`hwsim.quality.byte_lm`) and its transpose folded into the next
weight; a fast Walsh-Hadamard transform costs ``d log2 d`` additions per token (in the IR as an ``elementwise``
row with ``N = d``, ``K = log2 d``).

* :func:`random_orthogonal`: Haar-random (QR of a Gaussian matrix with the sign fix of Mezzadri,
  arXiv:math-ph/0609050);
* :func:`hadamard`: Sylvester-Hadamard matrix / sqrt(d) times random signs (the randomised Hadamard of QuaRot);
* :func:`learn_rotation`: starts from a randomised Hadamard and minimises the weights' fourth moment (kurtosis:
  a smooth measure of outliers; OptRot, arXiv:2512.24124, learns rotations that reduce weight outliers) over the
  orthogonal group by a Cayley parametrisation ``Q = Q0 (I - A)(I + A)^-1`` with skew-symmetric ``A`` (Adam).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

ROTATIONS = ("none", "random", "hadamard", "learned")


def random_orthogonal(d: int, seed: int = 0) -> np.ndarray:
    """Haar-random orthogonal (d, d). Raises ValueError for d < 1."""
    if not isinstance(d, int | np.integer) or d < 1:
        raise ValueError(f"d must be a positive integer, got {d!r}")
    rng = np.random.default_rng(seed)
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return q * np.sign(np.diag(r))


def hadamard(d: int, seed: int | None = 0) -> np.ndarray:
    """Sylvester-Hadamard (d, d) / sqrt(d), columns multiplied by random signs (``seed`` None: no signs).

    Raises ValueError unless d is a power of two.
    """
    if not isinstance(d, int | np.integer) or d < 1 or d & (d - 1):
        raise ValueError(f"d must be a power of two, got {d!r}")
    h = np.ones((1, 1))
    while h.shape[0] < d:
        h = np.block([[h, h], [h, -h]])
    h = h / np.sqrt(d)
    if seed is None:
        return h
    return h * np.random.default_rng(seed).choice([-1.0, 1.0], size=d)


def kurtosis(w: np.ndarray) -> float:
    """Excess-free kurtosis ``E[w^4] / E[w^2]^2`` of all entries of ``w`` (3 for Gaussian entries)."""
    w = np.asarray(w, dtype=np.float64).ravel()
    m2 = np.mean(w * w)
    return float(np.mean(w**4) / m2**2) if m2 > 0 else 0.0


def learn_rotation(readers: Sequence[np.ndarray], writers: Sequence[np.ndarray], *, steps: int = 200,
                   lr: float = 0.01, seed: int = 0) -> np.ndarray:
    """Orthogonal (d, d) that minimises ``sum_W sum(W'^4) / sum(W'^2)^2`` over the rotated weights: readers
    ``(d, n)`` become ``Q^T W``, writers ``(n, d)`` become ``W Q`` (see the module docstring).

    Raises ValueError without weights, for mismatched widths, ``steps < 0`` or a non-positive learning rate.
    """
    import jax
    import jax.numpy as jnp
    import optax

    if not readers and not writers:
        raise ValueError("learn_rotation needs at least one weight matrix")
    d = (readers[0].shape[0] if readers else writers[0].shape[1])
    if any(r.shape[0] != d for r in readers) or any(w.shape[1] != d for w in writers):
        raise ValueError(f"readers must be (d, n) and writers (n, d) with d = {d}")
    if steps < 0 or not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"need steps >= 0 and lr > 0, got {steps}, {lr}")
    q0 = hadamard(d, seed) if d & (d - 1) == 0 else random_orthogonal(d, seed)
    with jax.enable_x64(True):
        R = [jnp.asarray(r, dtype=jnp.float64) for r in readers]
        W = [jnp.asarray(w, dtype=jnp.float64) for w in writers]
        Q0 = jnp.asarray(q0)
        eye = jnp.eye(d)

        def rot(p):
            A = p - p.T
            return Q0 @ (eye - A) @ jnp.linalg.inv(eye + A)

        def loss(p):
            Q = rot(p)
            mats = [Q.T @ r for r in R] + [w @ Q for w in W]
            return sum(jnp.sum(m**4) / jnp.sum(m**2) ** 2 * m.size for m in mats)

        opt = optax.adam(lr)
        p = jnp.zeros((d, d))
        s = opt.init(p)

        def step(carry, _):
            p, s = carry
            g = jax.grad(loss)(p)
            u, s = opt.update(g, s, p)
            return (optax.apply_updates(p, u), s), None

        (p, s), _ = jax.jit(lambda c: jax.lax.scan(step, c, None, length=steps))((p, s))
        Q = np.asarray(rot(p))
    u, _, vt = np.linalg.svd(Q)  # project back onto the orthogonal group (round-off)
    return u @ vt


def rotate_lm(params: Mapping[str, np.ndarray], Q: np.ndarray) -> dict[str, np.ndarray]:
    """Fold the residual-stream rotation ``Q`` (d, d) into the weights of a :mod:`hwsim.quality.byte_lm` model
    (embeddings and writers ``W Q``, readers ``Q^T W``); the logits are unchanged.

    Raises ValueError for a non-orthogonal or mis-sized ``Q``.
    """
    d = params["embed"].shape[1]
    Q = np.asarray(Q, dtype=np.float64)
    if Q.shape != (d, d) or not np.allclose(Q.T @ Q, np.eye(d), atol=1e-8):
        raise ValueError(f"Q must be an orthogonal ({d}, {d}) matrix")
    out = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    for k in list(out):
        if k in ("embed", "pos") or k.endswith((".o", ".down")):
            out[k] = out[k] @ Q
        elif k == "head" or k.endswith((".qkv", ".up")):
            out[k] = Q.T @ out[k]
    return out


def lm_readers_writers(params: Mapping[str, np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The weights of a byte LM that read (``qkv``, ``up``, ``head``) and write (``o``, ``down``) the residual
    stream, for :func:`learn_rotation`."""
    readers = [v for k, v in params.items() if k == "head" or k.endswith((".qkv", ".up"))]
    writers = [v for k, v in params.items() if k.endswith((".o", ".down"))]
    return readers, writers


def online_hadamard_lm(params: Mapping[str, np.ndarray], seed: int = 0) -> dict[str, np.ndarray]:
    """Rotate every MLP hidden vector online by a randomised Hadamard ``H`` (``down_rot``) and fold ``H^T`` into
    ``down``; the logits are unchanged.

    Raises ValueError if an MLP width is not a power of two.
    """
    out = dict(params)
    for k in [k for k in params if k.endswith(".down")]:
        f = params[k].shape[0]
        H = hadamard(f, seed)
        out[k.replace(".down", ".down_rot")] = H
        out[k] = H.T @ np.asarray(params[k], dtype=np.float64)
    return out
