"""Spike encoders: rate, latency (time to first spike), signed send-on-delta, signed sigma-delta (1st/2nd
order) and the ON/OFF split for unsigned networks. NumPy API (NumPy and Numba engines); the JAX versions of
the same rules live in :mod:`sensors.encoders_jax` and agree exactly in float64.

All inputs are time-major: ``x`` has shape (T, ...) (T samples of any channel layout); outputs have the same
shape, as signed integer event counts (send-on-delta, sigma-delta) or {0, 1} spikes (rate, latency; signed
variants give {-1, 0, +1}). Units: ``delta`` is in the units of ``x``; times in seconds.

Encoding rules (reference: hwsim sensors reference sheet §6)
------------------------------------------------------------
* send-on-delta (level crossing, multi-threshold bank): reference ``r`` starts at ``x0``;
  ``k_n = trunc((x_n - r_{n-1}) / delta)``; ``r_n = r_{n-1} + k_n * delta``. Zero-order-hold reconstruction
  ``r_n = x0 + delta * cumsum(k)_n`` (:func:`reconstruct_send_on_delta`) satisfies ``|x_n - r_n| < delta`` at
  every sample (exactly, also in floating point: the encoder evaluates ``r`` with the reconstruction's formula);
  a ramp of height H gives ``floor(H / delta)`` events. Source: M. Miskowicz, "Send-on-delta concept: an
  event-based data reporting strategy", Sensors 6(1):49-63, 2006, doi:10.3390/s6010049. The DVS pixel is this
  rule applied to log intensity (see :mod:`sensors.dvs`).
* sigma-delta, 1st order: ``e += x_n; k_n = clip(trunc(e / delta), -M, M); e -= k_n * delta``. If
  ``|x| <= M * delta``: ``|sum_{i<=n} x_i - delta * sum_{i<=n} k_i| = |e_n| < delta`` for every n.
* sigma-delta, 2nd order (two cascaded integrators, midtread quantiser):
  ``e1 += x_n - y_{n-1}; e2 += e1 - y_{n-1}; k_n = clip(round(e2 / delta), -M, M); y_n = k_n * delta``.
  Output ``Y = X + (1 - z^-1)^2 Q`` (noise shaped by (1 - z^-1)^2, unity signal transfer), so without quantiser
  overload ``|sum x - delta * sum k| = |q_n - q_{n-1}| <= delta``; the loop stays bounded for
  ``|x| <~ 0.5 * M * delta``. Source: R. Schreier, G. C. Temes, "Understanding Delta-Sigma Data Converters",
  Wiley/IEEE Press 2005 (ch. 2, MOD1 and MOD2).
  Reconstruction of sigma-delta codes: a moving average (:func:`reconstruct_sigma_delta`).
* rate: Bernoulli(clip(x, 0, 1) * f_max * dt) per step (or Poisson counts).
* latency (TTFS): one spike at step ``round((T - 1) * (1 - x))`` (linear) or ``floor(tau * ln(x / (x - theta)) / dt)``
  (RC neuron, "log"), none if ``x`` is at or below the floor.
* ON/OFF split: ``s -> (max(s, 0), max(-s, 0))``; ``on - off == s`` exactly.
"""

from __future__ import annotations

import numpy as np

from sensors._checks import check_choice, check_int, check_range, check_time_major

ENGINES = ("numba", "numpy")


def _as_channels(x: np.ndarray, value, name: str, *, positive: bool) -> np.ndarray:
    """Broadcast a scalar/array parameter to x.shape[1:] and flatten to (C,) float64."""
    arr = np.asarray(value, dtype=np.float64)
    if positive:
        check_range(name, arr, 0.0, None, lo_open=True)
    else:
        check_range(name, arr)
    try:
        arr = np.broadcast_to(arr, x.shape[1:])
    except ValueError as exc:
        raise ValueError(f"{name} with shape {arr.shape} does not broadcast to x.shape[1:] = {x.shape[1:]}") from exc
    return np.ascontiguousarray(arr.reshape(-1))


def _cast(counts: np.ndarray, dtype, shape) -> np.ndarray:
    info = np.iinfo(dtype)
    if counts.size and (counts.max() > info.max or counts.min() < info.min):
        raise ValueError(f"event counts overflow dtype {np.dtype(dtype).name}; use a larger dtype or a larger delta")
    return counts.astype(dtype).reshape(shape)


def send_on_delta(x, delta, *, x0=None, max_events: int | None = None, dtype=np.int32,
                  engine: str = "numba") -> np.ndarray:
    """Signed multi-threshold send-on-delta (level-crossing) encoder.

    Parameters
    ----------
    x : array (T, ...)
        Signal, time first; any trailing channel shape. Units arbitrary (``delta`` in the same units).
    delta : float or array broadcastable to x.shape[1:]
        Threshold per channel, > 0.
    x0 : float or array broadcastable to x.shape[1:], optional
        Initial reference level. Default ``x[0]`` (the first sample emits nothing; the decoder must know it).
        Use ``x0=0.0`` to also encode the absolute starting level as an initial burst.
    max_events : int >= 1, optional
        Cap on |events| per channel per step (a readout limit). With a cap the bound |x - r| < delta holds only
        while the cap is not reached.
    dtype : signed integer dtype
        Output dtype (default int32). Raises ``ValueError`` on overflow.
    engine : "numba" (default) or "numpy"
        Both give identical results.

    Returns
    -------
    counts : int array (T, ...)
        Signed events per sample: +k means k ON (up) crossings, -k means k OFF (down) crossings.
        Reconstruct with ``reconstruct_send_on_delta(counts, delta, x0)``.

    Raises
    ------
    ValueError
        for non-finite x, delta <= 0, shapes that do not broadcast, max_events < 1, an unknown engine, overflow.
    """
    x = check_time_major("x", x)
    d = _as_channels(x, delta, "delta", positive=True)
    r0 = _as_channels(x, x[0] if x0 is None else x0, "x0", positive=False)
    cap = 0 if max_events is None else check_int("max_events", max_events, 1)
    check_choice("engine", engine, ENGINES)
    x2 = np.ascontiguousarray(x.reshape(x.shape[0], -1))
    if engine == "numba":
        from sensors._encoder_kernels import send_on_delta_kernel

        counts = send_on_delta_kernel(x2, d, r0, cap)
    else:
        counts = np.zeros(x2.shape, dtype=np.int64)
        m = np.zeros(x2.shape[1], dtype=np.int64)
        for t in range(x2.shape[0]):
            r = r0 + d * m
            k = np.trunc((x2[t] - r) / d).astype(np.int64)
            r_new = r0 + d * (m + k)
            k += (x2[t] - r_new >= d).astype(np.int64) - (x2[t] - r_new <= -d).astype(np.int64)
            if cap:
                k = np.clip(k, -cap, cap)
            counts[t] = k
            m += k
    return _cast(counts, dtype, x.shape)


def reconstruct_send_on_delta(counts, delta, x0=0.0) -> np.ndarray:
    """Zero-order-hold reconstruction ``r_n = x0 + delta * sum_{i<=n} counts_i`` (float64, shape of counts).

    ``x0`` must be the reference the encoder started from (``x[0]`` for the default ``x0=None``).
    """
    c = np.asarray(counts)
    if c.ndim < 1:
        raise ValueError(f"counts must have shape (T, ...), got shape {c.shape}")
    check_range("counts", c)
    check_range("delta", delta, 0.0, None, lo_open=True)
    check_range("x0", x0)
    m = np.cumsum(c.astype(np.int64), axis=0)
    return np.asarray(x0, dtype=np.float64) + np.asarray(delta, dtype=np.float64) * m


def sigma_delta(x, delta, *, order: int = 1, max_level: int = 1, dtype=np.int32,
                engine: str = "numba") -> np.ndarray:
    """Signed sigma-delta encoder, 1st or 2nd order, multi-level quantiser with levels -M..M.

    Parameters
    ----------
    x : array (T, ...)
        Signal, time first (units of ``delta``).
    delta : float or array broadcastable to x.shape[1:]
        Quantiser step (value of one event), > 0.
    order : 1 or 2
    max_level : int >= 1
        M, the largest |count| per step (M = 1: ternary spikes {-1, 0, +1}).
    dtype, engine : see :func:`send_on_delta`.

    Returns
    -------
    counts : int array (T, ...)
        Signed counts in [-M, M]; ``delta * counts`` has the same running sum as ``x`` up to the bounds in the
        module docstring (1st order: |x| <= M*delta; 2nd order: |x| <~ 0.5*M*delta).

    Raises
    ------
    ValueError
        for order not in (1, 2), max_level < 1, delta <= 0, non-finite x, an unknown engine.
    """
    x = check_time_major("x", x)
    d = _as_channels(x, delta, "delta", positive=True)
    order = check_int("order", order, 1, 2)
    M = check_int("max_level", max_level, 1)
    check_choice("engine", engine, ENGINES)
    x2 = np.ascontiguousarray(x.reshape(x.shape[0], -1))
    if engine == "numba":
        from sensors._encoder_kernels import sigma_delta1_kernel, sigma_delta2_kernel

        counts = (sigma_delta1_kernel if order == 1 else sigma_delta2_kernel)(x2, d, M)
    else:
        counts = np.zeros(x2.shape, dtype=np.int64)
        e1 = np.zeros(x2.shape[1])
        e2 = np.zeros(x2.shape[1])
        fb = np.zeros(x2.shape[1])
        for t in range(x2.shape[0]):
            if order == 1:
                e1 = e1 + x2[t]
                k = np.clip(np.trunc(e1 / d), -M, M).astype(np.int64)
                e1 = e1 - k * d
            else:
                e1 = e1 + (x2[t] - fb)
                e2 = e2 + (e1 - fb)
                k = np.clip(np.floor(e2 / d + 0.5), -M, M).astype(np.int64)
                fb = k * d
            counts[t] = k
    return _cast(counts, dtype, x.shape)


def reconstruct_sigma_delta(counts, delta, window: int) -> np.ndarray:
    """Causal moving-average decoder ``y_n = delta / W * sum_{n-W < i <= n} counts_i`` (first W-1 samples
    average over the available ones). For a 1st-order encoder, ``|y_n - mean(x over the window)| < 2*delta/W``.

    Returns float64 of the shape of ``counts``. Raises ``ValueError`` for window < 1.
    """
    W = check_int("window", window, 1)
    c = np.asarray(counts).astype(np.float64)
    if c.ndim < 1:
        raise ValueError(f"counts must have shape (T, ...), got shape {c.shape}")
    check_range("counts", c)
    check_range("delta", delta, 0.0, None, lo_open=True)
    cs = np.cumsum(c, axis=0)
    lagged = np.concatenate([np.zeros((min(W, c.shape[0]), *c.shape[1:])), cs[:-W]], axis=0)[: c.shape[0]]
    n = np.minimum(np.arange(1, c.shape[0] + 1), W).reshape((-1,) + (1,) * (c.ndim - 1))
    return np.asarray(delta, dtype=np.float64) * (cs - lagged) / n


def split_on_off(s) -> tuple[np.ndarray, np.ndarray]:
    """Split signed counts into two non-negative channels ``(on, off) = (max(s, 0), max(-s, 0))``.

    ``on - off == s`` exactly; dtype and shape of ``s`` are kept. Works on NumPy and JAX arrays. Raises
    ``ValueError`` for non-finite concrete values.
    """
    check_range("s", s)
    if type(s).__module__.startswith(("jax", "jaxlib")):
        import jax.numpy as jnp

        return jnp.maximum(s, 0), jnp.maximum(-s, 0)
    a = np.asarray(s)
    return np.maximum(a, 0), np.maximum(-a, 0)


def stack_on_off(s, axis: int = -1):
    """ON and OFF channels concatenated along ``axis`` (default last): shape (..., 2C) for s (..., C).
    For unsigned networks that take the two polarities as separate inputs."""
    on, off = split_on_off(s)
    if type(s).__module__.startswith(("jax", "jaxlib")):
        import jax.numpy as jnp

        return jnp.concatenate([on, off], axis=axis)
    return np.concatenate([on, off], axis=axis)


def _rng(rng) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, int | np.integer):
        return np.random.default_rng(rng)
    raise ValueError(f"rng={rng!r}; accepted: a numpy Generator, an int seed or None")


def rate_encode(x, n_steps: int, *, f_max_Hz: float = 1000.0, dt_s: float = 1e-3, rng=None,
                signed: bool = False, method: str = "bernoulli") -> np.ndarray:
    """Rate (Bernoulli or Poisson) encoding of a static input.

    Parameters
    ----------
    x : array (...)
        Intensities in [0, 1] (values are clipped); with ``signed=True`` the sign of x sets the spike sign and
        |x| the rate.
    n_steps : int >= 1
        T, the number of time steps.
    f_max_Hz, dt_s : float > 0
        Rate at x = 1 and step length; ``f_max_Hz * dt_s`` must be <= 1 for "bernoulli".
    rng : numpy Generator, int seed or None
    method : "bernoulli" (spikes in {0, 1}) or "poisson" (counts, may exceed 1)

    Returns
    -------
    spikes : int8 (bernoulli) / int32 (poisson) array (T, ...); mean count per element = clip(x)*f_max*dt*T.

    Raises
    ------
    ValueError
        for n_steps < 1, f_max_Hz or dt_s <= 0, f_max*dt > 1 with "bernoulli", an unknown method, non-finite x.
    """
    T = check_int("n_steps", n_steps, 1)
    check_range("f_max_Hz", f_max_Hz, 0.0, None, lo_open=True)
    check_range("dt_s", dt_s, 0.0, None, lo_open=True)
    check_choice("method", method, ("bernoulli", "poisson"))
    lam = f_max_Hz * dt_s
    if method == "bernoulli" and lam > 1.0:
        raise ValueError(f"f_max_Hz*dt_s={lam:g} must be <= 1 for Bernoulli rate coding (use method='poisson')")
    xa = np.asarray(x, dtype=np.float64)
    check_range("x", xa)
    sign = np.sign(xa) if signed else 1.0
    p = np.clip(np.abs(xa) if signed else xa, 0.0, 1.0) * lam
    g = _rng(rng)
    if method == "bernoulli":
        out = (g.random((T, *xa.shape)) < p).astype(np.int8)
    else:
        out = g.poisson(np.broadcast_to(p, (T, *xa.shape))).astype(np.int32)
    return (out * sign).astype(out.dtype) if signed else out


def latency_encode(x, n_steps: int, *, x_min: float = 0.0, mode: str = "linear", tau_s: float = 0.01,
                   theta: float = 0.2, dt_s: float = 1e-3, signed: bool = False) -> np.ndarray:
    """Latency (time-to-first-spike) encoding: one spike per element, earlier for larger inputs.

    Parameters
    ----------
    x : array (...)
        Intensities in [0, 1] (clipped); ``signed=True`` encodes |x| and carries the sign on the spike.
    n_steps : int >= 1
    x_min : float in [0, 1)
        Floor: elements with (|x|) <= x_min emit no spike.
    mode : "linear" (step ``round((T-1)(1-x))``) or "log" (RC charging: ``t = tau ln(x/(x-theta))`` for
        x > theta, step ``floor(t/dt)``; none if the step is >= T). The log form is the RC-charging latency code
        of snnTorch's ``spikegen.latency`` (J. K. Eshraghian et al., Proc. IEEE 111(9):1016, 2023,
        doi:10.1109/JPROC.2023.3308088).
    tau_s, theta, dt_s : float > 0 (log mode)

    Returns
    -------
    spikes : int8 array (T, ...), at most one non-zero per element (+1, or the sign of x when signed).

    Raises
    ------
    ValueError
        for n_steps < 1, x_min outside [0, 1), non-positive tau/theta/dt, an unknown mode, non-finite x.
    """
    T = check_int("n_steps", n_steps, 1)
    check_range("x_min", x_min, 0.0, 1.0, hi_open=True)
    check_choice("mode", mode, ("linear", "log"))
    for name, v in (("tau_s", tau_s), ("theta", theta), ("dt_s", dt_s)):
        check_range(name, v, 0.0, None, lo_open=True)
    xa = np.asarray(x, dtype=np.float64)
    check_range("x", xa)
    mag = np.clip(np.abs(xa) if signed else xa, 0.0, 1.0)
    if mode == "linear":
        fire = mag > x_min
        step = np.round((T - 1) * (1.0 - mag)).astype(np.int64)
    else:
        fire = (mag > x_min) & (mag > theta)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = tau_s * np.log(mag / np.where(fire, mag - theta, 1.0))
        step = np.where(fire, np.floor(t / dt_s), T).astype(np.int64)
        fire &= step < T
    out = (np.arange(T).reshape((T,) + (1,) * xa.ndim) == step) & fire
    out = out.astype(np.int8)
    if signed:
        out = (out * np.sign(xa)).astype(np.int8)
    return out
