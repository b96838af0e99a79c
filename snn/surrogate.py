"""Spike nonlinearities with surrogate gradients for BPTT (JAX).

Forward: Heaviside step ``H(x)`` (spike when ``x > 0``); backward: a smooth pseudo-derivative ``g(x)``
(Neftci, Mostafa & Zenke 2019, IEEE SPM 36(6):51, arXiv:1901.09948). ``x`` is the distance to threshold in units
of the threshold, ``x = (v - theta)/theta``.

* ``"superspike"`` (fast sigmoid): ``g(x) = 1/(1 + k|x|)^2`` (Zenke & Ganguli 2018, Neural Comput 30:1514,
  arXiv:1705.11146); ``k = 25`` as Spyx ``spyx.axn.superspike`` and snnTorch ``fast_sigmoid``.
* ``"sigmoid"``: ``g(x) = k sigma(kx)(1 - sigma(kx))``, the derivative of ``sigma(kx)``.

``smooth=True`` replaces the forward pass by ``sigma(kx)`` as well, so the model is smooth and its BPTT gradient can
be checked against finite differences (validation case G1). Zenke & Vogels 2021 (Neural Comput 33:899,
doi:10.1162/neco_a_01367): learning is robust to the surrogate's shape but sensitive to its scale ``k``.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

SURROGATES = ("superspike", "sigmoid")


def surrogate_grad(x: jax.Array, kind: str, k: float) -> jax.Array:
    """Pseudo-derivative ``g(x)`` of the named surrogate, same shape as ``x``."""
    if kind == "superspike":
        return 1.0 / (1.0 + k * jnp.abs(x)) ** 2
    if kind == "sigmoid":
        s = jax.nn.sigmoid(k * x)
        return k * s * (1.0 - s)
    raise ValueError(f"surrogate={kind!r}, accepted: {SURROGATES}")


@partial(jax.custom_jvp, nondiff_argnums=(1, 2))
def heaviside(x: jax.Array, kind: str = "superspike", k: float = 25.0) -> jax.Array:
    """``1.0`` where ``x > 0`` else ``0.0`` (dtype of x); derivative replaced by :func:`surrogate_grad`."""
    return (x > 0).astype(x.dtype)


@heaviside.defjvp
def _heaviside_jvp(kind, k, primals, tangents):
    (x,), (t,) = primals, tangents
    return heaviside(x, kind, k), surrogate_grad(x, kind, k).astype(x.dtype) * t


def spike(x: jax.Array, kind: str = "superspike", k: float = 25.0, smooth: bool = False) -> jax.Array:
    """Spike function of the normalised distance to threshold ``x``; ``smooth`` gives ``sigmoid(k x)``.

    Raises ValueError for an unknown surrogate or k <= 0.
    """
    if kind not in SURROGATES:
        raise ValueError(f"surrogate={kind!r}, accepted: {SURROGATES}")
    if not k > 0:
        raise ValueError(f"surrogate scale k={k} must be > 0")
    if smooth:
        return jax.nn.sigmoid(k * x)
    return heaviside(x, kind, k)
