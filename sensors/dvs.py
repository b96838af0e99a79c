"""Event camera (DVS) emulator equivalent to the v2e pixel model, producing signed event counts per pixel and
time bin, and the AER conversion (x, y, t, p) outside jit.

Source: Y. Hu, S.-C. Liu, T. Delbruck, "v2e: From Video Frames to Realistic DVS Events", CVPR Workshops 2021,
arXiv:2006.07722; reference code SensorsINI/v2e (MIT), ``v2ecore/emulator.py``/``emulator_utils.py``
(reimplemented here, not copied). Pixel model per time step dt (hwsim sensors reference sheet §2):

* lin-log: ``lin_log(I) = I ln(I_th)/I_th`` for I <= I_th (linear, continuous at I_th = ``lin_log_threshold``),
  else ln(I); rounded to 1e-8 as v2e does (exact event counts at threshold crossings).
* photoreceptor low-pass (intensity dependent): τ = 1/(2π f_c), ε = min(1, inten01·dt/τ),
  L ← (1 − ε) L + ε lin_log(I), inten01 = (I + I_th)/(FS + I_th) (v2e: (DN + 20)/275 for 8-bit FS = 255);
  ``cutoff_Hz = 0`` disables the filter (L = lin_log(I)).
* leak: B ← B − dt · r_leak · θ_ON(pixel) · ρ(pixel) · (1 − j N(0,1)) → spontaneous ON events at ≈ r_leak;
  ρ = 10^(σ_dec N(0,1)) a per-pixel log-normal rate factor (``noise_rate_cov_decades`` = σ_dec).
* threshold mismatch: θ_ON, θ_OFF ~ N(θ, σ_θ²) per pixel, clipped at 0.01, drawn once (:func:`dvs_init`).
* events: d = L − B; n_ON = floor(max(d, 0)/θ_ON), n_OFF = floor(max(−d, 0)/θ_OFF);
  B ← B + n_ON θ_ON − n_OFF θ_OFF. Signed count = n_ON − n_OFF.
* shot noise: per pixel-step P(ON) = (r_shot/2) dt ((0.25 − 1) inten01 + 1) θ_nom/θ_ON(pixel) (likewise OFF),
  one uniform draw u per pixel-step, ON if u > 1 − P(ON), OFF if u < P(OFF); only in pixels without a signal
  event in that step; a noise event resets B to L.
* refractory period (step-level form of v2e's per-event filter): a pixel may emit in a step only if at least
  ``refractory_s`` has passed since its last event (times are step ends), and at most
  max(1, floor(dt/refractory_s)) events per step; B moves only by the events kept.

Defaults are v2e's *command-line* set (``v2e_args.py``): θ = 0.2, σ_θ = 0.03, f_c = 300 Hz, leak 0.01 Hz,
shot 0.001 Hz, refractory 0.5 ms, leak jitter 0.1, noise-rate spread 0.1 decades; presets :meth:`DVSParams.clean`,
:meth:`DVSParams.noisy`, :meth:`DVSParams.ideal`. The IIR is accurate only while inten01·dt/τ ≪ 1 (v2e warns
above 0.3): choose dt ≲ 0.3/(2π f_c).

Shapes and units: frames (T, H, W) linear intensity in DN of full scale ``full_scale_DN``; dt in s; counts
(T, H, W) int16; bin k covers (t0 + k dt, t0 + (k+1) dt] where t0 is the state's time (the initial frame's time).
Three engines with the same arithmetic: :func:`dvs_simulate` (JAX ``lax.scan``: jit, vmap, accelerators),
:func:`dvs_simulate_numpy` (the straightforward NumPy reference: loop over time, vectorised over pixels) and
:func:`dvs_simulate_numba` (fused CPU kernel, the fastest on CPU); given the same noise arrays (:class:`DVSNoise`)
they agree in float64 (validation case S14).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from sensors._checks import check_range

SHOT_NOISE_INTEN_FACTOR = 0.25  # v2e: shot-noise rate at full intensity relative to darkness
MIN_THRESHOLD = 0.01  # v2e clip of mismatched thresholds (log_e units)


@jax.tree_util.register_dataclass
@dataclass(frozen=True)
class DVSParams:
    """v2e pixel parameters (a JAX pytree of floats; see the module docstring). Thresholds in log_e units,
    rates in Hz, times in s, intensities in DN."""

    theta_on: float = 0.2
    theta_off: float = 0.2
    sigma_theta: float = 0.03
    cutoff_Hz: float = 300.0
    leak_rate_Hz: float = 0.01
    shot_noise_rate_Hz: float = 0.001
    refractory_s: float = 0.0005
    leak_jitter_fraction: float = 0.1
    noise_rate_cov_decades: float = 0.1
    lin_log_threshold_DN: float = 20.0
    full_scale_DN: float = 255.0

    def __post_init__(self):
        check_range("theta_on", self.theta_on, MIN_THRESHOLD, None)
        check_range("theta_off", self.theta_off, MIN_THRESHOLD, None)
        for name in ("sigma_theta", "cutoff_Hz", "leak_rate_Hz", "shot_noise_rate_Hz", "refractory_s",
                     "noise_rate_cov_decades"):
            check_range(name, getattr(self, name), 0.0)
        check_range("leak_jitter_fraction", self.leak_jitter_fraction, 0.0, 1.0)
        check_range("lin_log_threshold_DN", self.lin_log_threshold_DN, 0.0, None, lo_open=True)
        check_range("full_scale_DN", self.full_scale_DN, 0.0, None, lo_open=True)

    def replace(self, **kw) -> DVSParams:
        return dataclasses.replace(self, **kw)

    @classmethod
    def clean(cls, **kw) -> DVSParams:
        """v2e ``--dvs_params clean``: σ_θ 0.02, filter, leak, shot noise and refractory off."""
        base = dict(sigma_theta=0.02, cutoff_Hz=0.0, leak_rate_Hz=0.0, shot_noise_rate_Hz=0.0, refractory_s=0.0)
        return cls(**{**base, **kw})

    @classmethod
    def noisy(cls, **kw) -> DVSParams:
        """v2e ``--dvs_params noisy``: σ_θ 0.05, f_c 30 Hz, leak 0.1 Hz, shot 5 Hz."""
        base = dict(sigma_theta=0.05, cutoff_Hz=30.0, leak_rate_Hz=0.1, shot_noise_rate_Hz=5.0)
        return cls(**{**base, **kw})

    @classmethod
    def ideal(cls, **kw) -> DVSParams:
        """No mismatch, filter, leak, shot noise or refractory period: a pure log send-on-delta pixel."""
        base = dict(sigma_theta=0.0, cutoff_Hz=0.0, leak_rate_Hz=0.0, shot_noise_rate_Hz=0.0, refractory_s=0.0,
                    leak_jitter_fraction=0.0, noise_rate_cov_decades=0.0)
        return cls(**{**base, **kw})


@jax.tree_util.register_dataclass
@dataclass(frozen=True)
class DVSState:
    """Pixel state (arrays (H, W)): L low-passed log intensity, B memorised level, t_last time of the last
    event (s, −inf if none), per-pixel thresholds and leak-rate factor; ``t`` current time (s, scalar)."""

    L: jax.Array | np.ndarray
    B: jax.Array | np.ndarray
    t_last: jax.Array | np.ndarray
    theta_on: jax.Array | np.ndarray
    theta_off: jax.Array | np.ndarray
    rho: jax.Array | np.ndarray
    t: jax.Array | np.ndarray


@jax.tree_util.register_dataclass
@dataclass(frozen=True)
class DVSNoise:
    """Per pixel-step noise arrays (T, H, W): ``u`` uniform [0, 1) for shot noise, ``z`` standard normal for
    leak jitter."""

    u: jax.Array | np.ndarray
    z: jax.Array | np.ndarray


def lin_log(xp, x, threshold):
    """v2e lin-log mapping (linear below ``threshold`` DN, ln above), rounded to 1e-8."""
    f = xp.log(threshold) / threshold
    y = xp.where(x <= threshold, x * f, xp.log(xp.maximum(x, threshold)))
    return xp.rint(y * 1e8) / 1e8


def _init(xp, p: DVSParams, frame0, z_on, z_off, z_rho, t0):
    L = lin_log(xp, frame0, p.lin_log_threshold_DN)
    th_on = xp.maximum(p.theta_on + p.sigma_theta * z_on, MIN_THRESHOLD)
    th_off = xp.maximum(p.theta_off + p.sigma_theta * z_off, MIN_THRESHOLD)
    rho = 10.0 ** (p.noise_rate_cov_decades * z_rho)
    return DVSState(L=L, B=L, t_last=xp.full(L.shape, -xp.inf), theta_on=th_on, theta_off=th_off, rho=rho,
                    t=xp.asarray(t0, dtype=L.dtype))


def dvs_init(params: DVSParams, frame0, key, t0_s: float = 0.0) -> DVSState:
    """Initial pixel state from the first frame (H, W) (DN) at time ``t0_s``; draws the threshold-mismatch
    and leak-rate maps from ``key``."""
    check_range("frame0", frame0, 0.0)
    frame0 = jnp.asarray(frame0)
    if frame0.ndim != 2:
        raise ValueError(f"frame0 must have shape (H, W), got {frame0.shape}")
    ks = jax.random.split(key, 3)
    z = [jax.random.normal(k, frame0.shape, frame0.dtype) for k in ks]
    return _init(jnp, params, frame0, *z, t0_s)


def dvs_init_numpy(params: DVSParams, frame0, rng=None, t0_s: float = 0.0, *, maps=None) -> DVSState:
    """NumPy :func:`dvs_init`; ``maps`` = (z_on, z_off, z_rho) standard normals to reproduce a JAX state."""
    frame0 = np.asarray(frame0, dtype=np.float64)
    check_range("frame0", frame0, 0.0)
    if frame0.ndim != 2:
        raise ValueError(f"frame0 must have shape (H, W), got {frame0.shape}")
    if maps is None:
        g = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        maps = [g.standard_normal(frame0.shape) for _ in range(3)]
    return _init(np, params, frame0, *maps, t0_s)


def _step(xp, p: DVSParams, st: DVSState, frame, dt, u, z):
    """One time step; returns (signed counts, new state). ``u``/``z`` may be None (no shot noise / no jitter)."""
    I_th = p.lin_log_threshold_DN
    log_i = lin_log(xp, frame, I_th)
    inten01 = (frame + I_th) / (p.full_scale_DN + I_th)
    eps = xp.where(p.cutoff_Hz > 0, xp.minimum(inten01 * (dt * 2.0 * math.pi * p.cutoff_Hz), 1.0), 1.0)
    L = (1.0 - eps) * st.L + eps * log_i
    leak = dt * p.leak_rate_Hz * st.theta_on * st.rho
    if z is not None:
        leak = leak * (1.0 - p.leak_jitter_fraction * z)
    B = st.B - leak
    t_now = st.t + dt
    d = L - B
    n_on = xp.floor(xp.maximum(d, 0.0) / st.theta_on)
    n_off = xp.floor(xp.maximum(-d, 0.0) / st.theta_off)
    allowed = (t_now - st.t_last) >= p.refractory_s
    cap = xp.where(p.refractory_s > 0, xp.maximum(1.0, xp.floor(dt / xp.maximum(p.refractory_s, 1e-300))), xp.inf)
    n_on = xp.where(allowed, xp.minimum(n_on, cap), 0.0)
    n_off = xp.where(allowed, xp.minimum(n_off, cap), 0.0)
    B = B + n_on * st.theta_on - n_off * st.theta_off
    counts = n_on - n_off
    if u is not None:
        p_sh = (p.shot_noise_rate_Hz / 2.0) * dt * ((SHOT_NOISE_INTEN_FACTOR - 1.0) * inten01 + 1.0)
        quiet = allowed & (counts == 0)
        shot_on = quiet & (u > 1.0 - p_sh * (p.theta_on / st.theta_on))
        shot_off = quiet & ~shot_on & (u < p_sh * (p.theta_off / st.theta_off))
        counts = counts + shot_on - shot_off
        B = xp.where(shot_on | shot_off, L, B)
    t_last = xp.where(counts != 0, t_now, st.t_last)
    return counts, DVSState(L=L, B=B, t_last=t_last, theta_on=st.theta_on, theta_off=st.theta_off, rho=st.rho,
                            t=t_now)


def _noise_flags(params: DVSParams) -> tuple[bool, bool]:
    try:
        shot = float(params.shot_noise_rate_Hz) > 0
        jitter = float(params.leak_rate_Hz) > 0 and float(params.leak_jitter_fraction) > 0
    except (TypeError, jax.errors.ConcretizationTypeError):
        return True, True
    return shot, jitter


def dvs_simulate(params: DVSParams, state: DVSState, frames, dt_s: float, key=None, noise: DVSNoise | None = None):
    """Emulate the DVS over frames (JAX, jit-compiled scan over time).

    Parameters
    ----------
    params : DVSParams
    state : DVSState from :func:`dvs_init` (or a previous call)
    frames : array (T, H, W)
        Linear intensity in DN at the end of each step.
    dt_s : float
        Step length in s (> 0).
    key : jax.random key
        Needed when shot noise or leak jitter is on and ``noise`` is not given.
    noise : DVSNoise, optional
        Explicit noise arrays (T, H, W) (e.g. to compare with :func:`dvs_simulate_numpy`).

    Returns
    -------
    counts : int16 (T, H, W) signed events per pixel per bin;  state : DVSState after the last frame.

    Raises
    ------
    ValueError
        for frames not of shape (T, H, W) matching the state, negative or non-finite (concrete) frames,
        dt_s <= 0, a missing key.
    """
    check_range("frames", frames, 0.0)
    frames = jnp.asarray(frames)
    if frames.ndim != 3 or frames.shape[1:] != tuple(state.L.shape):
        raise ValueError(f"frames must have shape (T, H, W) = (T, {tuple(state.L.shape)}), got {frames.shape}")
    check_range("dt_s", dt_s, 0.0, None, lo_open=True)
    shot, jitter = _noise_flags(params)
    if noise is not None:
        return _simulate_given(params, state, frames, dt_s, noise, shot, jitter)
    if (shot or jitter) and key is None:
        raise ValueError("key is required when shot noise or leak jitter is on (or pass noise=DVSNoise(...))")
    return _simulate_keyed(params, state, frames, dt_s, key, shot, jitter)


@partial(jax.jit, static_argnums=(5, 6))
def _simulate_given(params, state, frames, dt_s, noise, shot, jitter):
    def body(st, inp):
        f, u, z = inp
        c, st = _step(jnp, params, st, f, dt_s, u if shot else None, z if jitter else None)
        return st, c.astype(jnp.int16)

    st, counts = jax.lax.scan(body, state, (frames, noise.u, noise.z))
    return counts, st


@partial(jax.jit, static_argnums=(5, 6))
def _simulate_keyed(params, state, frames, dt_s, key, shot, jitter):
    shape = frames.shape[1:]

    def body(st, inp):
        f, k = inp
        u = z = None
        if shot or jitter:
            ku, kz = jax.random.split(jax.random.fold_in(key, k))
            u = jax.random.uniform(ku, shape, frames.dtype) if shot else None
            z = jax.random.normal(kz, shape, frames.dtype) if jitter else None
        c, st = _step(jnp, params, st, f, dt_s, u, z)
        return st, c.astype(jnp.int16)

    st, counts = jax.lax.scan(body, state, (frames, jnp.arange(frames.shape[0])))
    return counts, st


def dvs_simulate_numpy(params: DVSParams, state: DVSState, frames, dt_s: float, rng=None,
                       noise: DVSNoise | None = None):
    """Straightforward NumPy reference of :func:`dvs_simulate` (loop over time, vectorised over pixels);
    same arguments with ``rng`` (Generator or seed) instead of a key; noise drawn per step when not given."""
    frames = np.asarray(frames, dtype=np.float64)
    check_range("frames", frames, 0.0)
    if frames.ndim != 3 or frames.shape[1:] != tuple(np.shape(state.L)):
        raise ValueError(f"frames must have shape (T, H, W) = (T, {tuple(np.shape(state.L))}), got {frames.shape}")
    check_range("dt_s", dt_s, 0.0, None, lo_open=True)
    shot, jitter = _noise_flags(params)
    g = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    st = DVSState(*(np.asarray(getattr(state, f.name), dtype=np.float64) for f in dataclasses.fields(DVSState)))
    out = np.zeros(frames.shape, dtype=np.int16)
    for k in range(frames.shape[0]):
        if noise is not None:
            u, z = np.asarray(noise.u[k]), np.asarray(noise.z[k])
        else:
            u = g.random(frames.shape[1:]) if shot else None
            z = g.standard_normal(frames.shape[1:]) if jitter else None
        c, st = _step(np, params, st, frames[k], dt_s, u if shot else None, z if jitter else None)
        out[k] = c
    return out, st


def dvs_simulate_numba(params: DVSParams, state: DVSState, frames, dt_s: float, seed: int = 0,
                       noise: DVSNoise | None = None, parallel: bool = False):
    """Numba CPU engine of :func:`dvs_simulate` (fused loops over blocks of 64 pixels; the fastest engine on
    CPU). Noise, when not given as arrays, comes from per-pixel SplitMix64 streams seeded by ``seed``
    (deterministic, independent of threading; see :mod:`sensors._dvs_kernel` for the exact sparse sampling of
    shot noise). ``parallel=True`` spreads pixel blocks over Numba's threads (default single-threaded, which
    suits sweeps that already run one process per core). Float64. Same returns as :func:`dvs_simulate`."""
    from sensors._dvs_kernel import ZIG_FN, ZIG_KN, ZIG_WN, dvs_kernel_parallel, dvs_kernel_serial, seed_states

    dvs_kernel = dvs_kernel_parallel if parallel else dvs_kernel_serial

    frames = np.asarray(frames, dtype=np.float64)
    check_range("frames", frames, 0.0)
    shape = tuple(np.shape(state.L))
    if frames.ndim != 3 or frames.shape[1:] != shape:
        raise ValueError(f"frames must have shape (T, H, W) = (T, {shape}), got {frames.shape}")
    check_range("dt_s", dt_s, 0.0, None, lo_open=True)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed={seed!r} must be an integer >= 0")
    shot, jitter = _noise_flags(params)
    T, P = frames.shape[0], int(np.prod(shape))
    f2 = np.ascontiguousarray(frames.reshape(T, P))
    arrs = [np.array(np.broadcast_to(np.asarray(getattr(state, n), dtype=np.float64), shape)).reshape(P)
            for n in ("L", "B", "t_last", "theta_on", "theta_off", "rho")]
    prm = np.array([float(getattr(params, n)) for n in (
        "theta_on", "theta_off", "cutoff_Hz", "leak_rate_Hz", "shot_noise_rate_Hz", "refractory_s",
        "leak_jitter_fraction", "lin_log_threshold_DN", "full_scale_DN")])
    if noise is not None:
        u = np.ascontiguousarray(np.asarray(noise.u, dtype=np.float64).reshape(T, P))
        z = np.ascontiguousarray(np.asarray(noise.z, dtype=np.float64).reshape(T, P))
        rs = np.zeros(P, dtype=np.uint64)
    else:
        u = z = np.zeros((1, 1))
        rs = seed_states(int(seed), P)
    t0 = float(np.asarray(state.t))
    if shot and noise is None:
        p_max = float(params.shot_noise_rate_Hz) / 2.0 * dt_s * max(float(params.theta_on), float(params.theta_off)) / \
            min(float(np.min(arrs[3])), float(np.min(arrs[4])))
        if p_max >= 0.5:
            raise ValueError(f"shot-noise probability per step {p_max:.3g} >= 0.5: reduce dt_s or shot_noise_rate_Hz")
    counts = dvs_kernel(f2, *arrs, t0, float(dt_s), prm, u, z, rs, shot, jitter, noise is not None,
                        ZIG_KN, ZIG_WN, ZIG_FN)
    t_end = t0
    for _ in range(T):  # the same sequential sum as the other engines
        t_end = t_end + dt_s
    L, B, t_last, th_on, th_off, rho = (a.reshape(shape) for a in arrs)
    return counts.reshape(frames.shape), DVSState(L=L, B=B, t_last=t_last, theta_on=th_on, theta_off=th_off,
                                                  rho=rho, t=np.asarray(t_end))


def to_aer(counts, dt_s: float, t0_s: float = 0.0):
    """Address-event representation of signed counts (T, H, W) (NumPy, outside jit).

    As in v2e, the events of bin k are spread over n_max(k) = max |count| linearly spaced sub-steps: the j-th
    event (j = 0..|c|−1) of a pixel at t = t0 + k dt + dt (j + 1)/n_max(k). Events are sorted by time (ties by
    row-major pixel index).

    Returns
    -------
    x, y : int32 (n,) column and row;  t : float64 (n,) seconds;  p : int8 (n,) polarity ±1.
    """
    c = np.asarray(counts)
    if c.ndim != 3:
        raise ValueError(f"counts must have shape (T, H, W), got {c.shape}")
    check_range("dt_s", dt_s, 0.0, None, lo_open=True)
    k, yy, xx = np.nonzero(c)
    vals = c[k, yy, xx].astype(np.int64)
    n = np.abs(vals)
    if n.size == 0:
        return (np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.float64), np.zeros(0, np.int8))
    nmax = np.abs(c).reshape(c.shape[0], -1).max(axis=1).astype(np.float64)
    rep = np.repeat(np.arange(n.size), n)
    j = np.arange(rep.size) - np.repeat(np.cumsum(n) - n, n)
    t = t0_s + k[rep] * dt_s + dt_s * (j + 1) / nmax[k[rep]]
    order = np.lexsort((yy[rep] * c.shape[2] + xx[rep], t))
    return (xx[rep][order].astype(np.int32), yy[rep][order].astype(np.int32), t[order],
            np.sign(vals[rep][order]).astype(np.int8))


def aer_to_counts(x, y, t, p, shape, dt_s: float, t0_s: float = 0.0) -> np.ndarray:
    """Bin AER events back into signed counts (T, H, W) with bins (t0 + k dt, t0 + (k+1) dt]; inverse of
    :func:`to_aer`. ``shape`` = (T, H, W)."""
    T, _H, _W = shape
    k = np.ceil((np.asarray(t, dtype=np.float64) - t0_s) / dt_s - 1e-9).astype(np.int64) - 1
    if k.size and (k.min() < 0 or k.max() >= T):
        raise ValueError("event times fall outside the T bins after t0_s")
    out = np.zeros(shape, dtype=np.int64)
    np.add.at(out, (k, np.asarray(y), np.asarray(x)), np.asarray(p, dtype=np.int64))
    return out
