"""JAX versions of the encoders in :mod:`sensors.encoders` (same rules, same arithmetic: identical outputs in
float64 for the same inputs; pass float64 arrays inside ``with jax.enable_x64(True):``). Time loops use
``jax.lax.scan``; functions are jit-able with ``order``/``max_level``/``n_steps`` static. Random encoders take
an explicit ``jax.random`` key.

Shapes: x (T, ...) -> counts (T, ...) int32; rate/latency: x (...) -> spikes (T, ...).
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp


def send_on_delta(x, delta, x0=None, max_events: int = 0):
    """Signed send-on-delta (see :func:`sensors.encoders.send_on_delta`); ``max_events=0`` means no cap.

    x : (T, ...) float; delta, x0 : broadcastable to x.shape[1:]; returns int32 counts (T, ...).
    """
    x = jnp.asarray(x)
    delta = jnp.broadcast_to(jnp.asarray(delta, x.dtype), x.shape[1:])
    r0 = x[0] if x0 is None else jnp.broadcast_to(jnp.asarray(x0, x.dtype), x.shape[1:])
    return _sod(x, delta, r0, max_events)


@partial(jax.jit, static_argnums=3)
def _sod(x, d, r0, cap):
    def step(m, xt):
        r = r0 + d * m
        k = jnp.trunc((xt - r) / d)
        r_new = r0 + d * (m + k)
        k = k + (xt - r_new >= d) - (xt - r_new <= -d)
        if cap:
            k = jnp.clip(k, -cap, cap)
        return m + k, k

    _, ks = jax.lax.scan(step, jnp.zeros_like(r0), x)
    return ks.astype(jnp.int32)


@partial(jax.jit, static_argnames=("order", "max_level"))
def sigma_delta(x, delta, order: int = 1, max_level: int = 1):
    """Signed sigma-delta, 1st or 2nd order (see :func:`sensors.encoders.sigma_delta`); int32 counts (T, ...)."""
    x = jnp.asarray(x)
    d = jnp.broadcast_to(jnp.asarray(delta, x.dtype), x.shape[1:])
    M = max_level
    z = jnp.zeros(x.shape[1:], x.dtype)

    if order == 1:
        def step(e, xt):
            e = e + xt
            k = jnp.clip(jnp.trunc(e / d), -M, M)
            return e - k * d, k

        _, ks = jax.lax.scan(step, z, x)
    elif order == 2:
        def step(c, xt):
            e1, e2, fb = c
            e1 = e1 + (xt - fb)
            e2 = e2 + (e1 - fb)
            k = jnp.clip(jnp.floor(e2 / d + 0.5), -M, M)
            return (e1, e2, k * d), k

        _, ks = jax.lax.scan(step, (z, z, z), x)
    else:
        raise ValueError(f"order={order!r}; accepted: 1 or 2")
    return ks.astype(jnp.int32)


@partial(jax.jit, static_argnames=("n_steps", "signed"))
def rate_encode(key, x, n_steps: int, f_max_Hz: float = 1000.0, dt_s: float = 1e-3, signed: bool = False):
    """Bernoulli rate code: spikes (T, ...) int8 with P(spike) = clip(x, 0, 1) * f_max_Hz * dt_s per step
    (the caller keeps f_max_Hz * dt_s <= 1). ``signed``: sign(x) on spikes, rate from |x|."""
    x = jnp.asarray(x)
    p = jnp.clip(jnp.abs(x) if signed else x, 0.0, 1.0) * (f_max_Hz * dt_s)
    u = jax.random.uniform(key, (n_steps, *x.shape), dtype=p.dtype)
    s = (u < p).astype(jnp.int8)
    return (s * jnp.sign(x).astype(jnp.int8)) if signed else s


@partial(jax.jit, static_argnames=("n_steps", "signed"))
def latency_encode(x, n_steps: int, x_min: float = 0.0, signed: bool = False):
    """Linear time-to-first-spike code: one spike at step round((T-1)(1-x)) for x > x_min; int8 (T, ...)."""
    x = jnp.asarray(x)
    mag = jnp.clip(jnp.abs(x) if signed else x, 0.0, 1.0)
    step = jnp.round((n_steps - 1) * (1.0 - mag)).astype(jnp.int32)
    t = jnp.arange(n_steps).reshape((n_steps,) + (1,) * x.ndim)
    s = ((t == step) & (mag > x_min)).astype(jnp.int8)
    return (s * jnp.sign(x).astype(jnp.int8)) if signed else s
