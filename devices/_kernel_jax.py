"""JAX backend: the same macrospin physics and integrators (stochastic Heun, semi-implicit midpoint) as
:mod:`devices._kernel_numba`, with ``lax.scan`` over time and ``vmap`` over junctions; jit-compiled,
differentiable, runs on any JAX device (a GPU when JAX finds one: nothing here pins the CPU).

The thermal normals use the identical counter-based generator (integer part bit for bit, see
:mod:`devices._rng`), so both backends see the same noise; at T = 0 they agree to round-off in float64.
float64 needs ``jax.enable_x64``: :func:`run_host` enables it for the call when ``dtype`` is float64, and never
changes the global flag.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from devices._layout import ROW
from devices._rng import SERIES_TERMS
from devices.compact import CompactSignedLIF
from devices.params import MacrospinParams

_U = jnp.uint32


def _register_pytrees() -> None:
    """Register the parameter dataclasses as JAX pytrees (arrays/floats are leaves, structure is static), so they
    pass through jit/vmap/grad. Called once when the JAX backend is first imported."""
    from dataclasses import fields

    names = [f.name for f in fields(MacrospinParams) if f.name != "meta"]
    jax.tree_util.register_pytree_node(
        MacrospinParams,
        lambda p: ([getattr(p, k) for k in names], tuple(sorted(p.meta.items()))),
        lambda aux, leaves: MacrospinParams(**dict(zip(names, leaves)), meta=dict(aux)))
    data = [f.name for f in fields(CompactSignedLIF) if f.name not in ("reset", "source")]
    jax.tree_util.register_dataclass(CompactSignedLIF, data_fields=data, meta_fields=["reset", "source"])


_register_pytrees()


def mix32(x):
    """lowbias32 on uint32 (wrapping multiply)."""
    x = x ^ (x >> _U(16))
    x = x * _U(0x7FEB352D)
    x = x ^ (x >> _U(15))
    x = x * _U(0x846CA68B)
    x = x ^ (x >> _U(16))
    return x


def junction_keys(seed: int, n: int):
    s = mix32(_U((int(seed) ^ 0x2545F491) & 0xFFFFFFFF))
    j = jnp.arange(n, dtype=jnp.uint32)
    return mix32(j * _U(0x9E3779B9) + s)


def step_keys(gs):
    g = (jnp.asarray(gs).astype(jnp.uint32) << _U(2))
    return tuple(mix32(g + _U(c)) for c in range(4))


def _exponent_mantissa(x):
    """(E, m) with x = m·2^E, m ∈ [1, 2), from the IEEE-754 fields of a normal positive float (as the Numba
    kernel's ``exponent_mantissa``)."""
    if x.dtype == jnp.float32:
        u, sh, frac, bias = jnp.uint32, 23, 0x7FFFFF, 127
    else:
        u, sh, frac, bias = jnp.uint64, 52, 0xFFFFFFFFFFFFF, 1023
    b = lax.bitcast_convert_type(x, u)
    e = (b >> u(sh)).astype(x.dtype) - bias
    return e, lax.bitcast_convert_type((b & u(frac)) | u(bias << sh), x.dtype)


def _log_unit(h, K):
    """ln((h + 1)·2⁻³²) for uint32 words h (see :func:`devices._kernel_numba._log_unit`)."""
    one = K[1]
    ex, m = _exponent_mantissa(h.astype(K.dtype) + one)
    big = m > K[6]
    m = jnp.where(big, m * K[0], m)
    e = jnp.where(big, K[40] - ex - one, K[40] - ex)
    s = (m - one) / (m + one)
    s2 = s * s
    n_ln = SERIES_TERMS[str(K.dtype)][0]
    p = K[6 + n_ln]
    for k in range(5 + n_ln, 6, -1):
        p = p * s2 + K[k]
    p = p * s2 + one
    return K[2] * s * p - e * K[5]


def _cos_sin_quadrant(h, K):
    q = h >> _U(30)
    th = (h & _U(0x3FFFFFFF)).astype(K.dtype) * K[3]
    t2 = th * th
    _, n_cos, n_sin = SERIES_TERMS[str(K.dtype)]
    c = K[16 + n_cos]
    for k in range(15 + n_cos, 16, -1):
        c = c * t2 + K[k]
    s = K[27 + n_sin]
    for k in range(26 + n_sin, 27, -1):
        s = s * t2 + K[k]
    s = s * th
    swap = (q & _U(1)) == _U(1)
    ca = jnp.where(swap, s, c)
    sa = jnp.where(swap, c, s)
    co = jnp.where((q == _U(0)) | (q == _U(3)), ca, -ca)
    si = jnp.where(q < _U(2), sa, -sa)
    return co, si


def normals3(kj, ks, K):
    """Three standard normals per junction key ``kj`` for the step keys ``ks`` (tuple of 4)."""
    h0, h1, h2, h3 = (mix32(kj ^ k) for k in ks)
    r = jnp.sqrt(-K[2] * _log_unit(h0, K))
    c, s = _cos_sin_quadrant(h1, K)
    r2 = jnp.sqrt(-K[2] * _log_unit(h2, K))
    c2, _ = _cos_sin_quadrant(h3, K)
    return r * c, r * s, r2 * c2


def normals_for_test(seed: int, n: int, step: int, K) -> np.ndarray:
    """(3, n) normals of junctions 0..n−1 at ``step`` (for the cross-backend RNG test)."""
    K = jnp.asarray(K)
    return np.asarray(jnp.stack(normals3(junction_keys(seed, n), step_keys(step), K)))


def _cross(a, b):
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def _dot(a, b):
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def _field(m, b0, p):
    """B = b0 − D m + B_K (m·u) u [T] for one junction (3-tuple)."""
    R = ROW
    u = (p[R["UX"]], p[R["UY"]], p[R["UZ"]])
    kk = p[R["BK"]] * _dot(m, u)
    return (b0[0] - p[R["DXX"]] * m[0] + kk * u[0],
            b0[1] - p[R["DYY"]] * m[1] + kk * u[1],
            b0[2] - p[R["DZZ"]] * m[2] + kk * u[2])


def rhs_one(m, b0, p, wst, wso, has_stt=True, has_sot=True):
    """dm/dt for one junction: ``m``, ``b0`` 3-tuples of scalars, ``p`` the junction's coefficient column
    (N_ROWS,), drives ``wst`` and ``wso`` (see :mod:`devices._layout`); ``has_stt``/``has_sot`` False leave the
    torque terms out of the traced code."""
    R = ROW
    B = _field(m, b0, p)
    c = _cross(m, B)
    d = _cross(m, c)
    gp, al = p[R["GP"]], p[R["ALPHA"]]
    f = [-gp * (c[i] + al * d[i]) for i in range(3)]
    if has_stt:
        pol = (p[R["PX"]], p[R["PY"]], p[R["PZ"]])
        ref = (p[R["RX"]], p[R["RY"]], p[R["RZ"]])
        aj = wst * (p[R["G0"]] + p[R["G1"]] * _dot(m, ref)) / (p[R["Q0"]] + p[R["Q1"]] * _dot(m, pol))
        e = _cross(m, pol)
        dd = _cross(m, e)
        adl, afl = aj * p[R["CDL"]], aj * p[R["CFL"]]
        f = [f[i] - (adl * dd[i] + afl * e[i]) for i in range(3)]
    if has_sot:
        sig = (p[R["SX"]], p[R["SY"]], p[R["SZ"]])
        t = _cross(m, sig)
        uu = _cross(m, t)
        sdl, sfl = wso * p[R["SDL"]], wso * p[R["SFL"]]
        f = [f[i] - (sdl * uu[i] + sfl * t[i]) for i in range(3)]
    return tuple(f)


def omega_one(m, b0, p, wst, wso, has_stt=True, has_sot=True):
    """Rotation vector Ω with dm/dt = Ω × m for one junction (the same equation as :func:`rhs_one`; see
    :func:`devices._kernel_numba.omega`)."""
    R = ROW
    B = _field(m, b0, p)
    gp = p[R["GP"]]
    ag = p[R["ALPHA"]] * gp
    c = _cross(m, B)
    o = [gp * B[i] + ag * c[i] for i in range(3)]
    if has_stt:
        pol = (p[R["PX"]], p[R["PY"]], p[R["PZ"]])
        ref = (p[R["RX"]], p[R["RY"]], p[R["RZ"]])
        aj = wst * (p[R["G0"]] + p[R["G1"]] * _dot(m, ref)) / (p[R["Q0"]] + p[R["Q1"]] * _dot(m, pol))
        adl, afl = aj * p[R["CDL"]], aj * p[R["CFL"]]
        e = _cross(m, pol)
        o = [o[i] + adl * e[i] + afl * pol[i] for i in range(3)]
    if has_sot:
        sig = (p[R["SX"]], p[R["SY"]], p[R["SZ"]])
        sdl, sfl = wso * p[R["SDL"]], wso * p[R["SFL"]]
        t = _cross(m, sig)
        o = [o[i] + sdl * t[i] + sfl * sig[i] for i in range(3)]
    return tuple(o)


def _cayley(m, a, one, two):
    """m' solving m' = m + a × (m + m') (rotation about a by 2 atan|a|)."""
    a2 = _dot(a, a)
    am = _dot(a, m)
    c = one - a2
    inv = one / (one + a2)
    axm = _cross(a, m)
    return tuple((c * m[i] + two * axm[i] + two * am * a[i]) * inv for i in range(3))


def _heun_one(m, p, kj, ks, K, dt, wst, wso, wf, thermal, scheme=0, has_stt=True, has_sot=True):
    """One step of one junction (``scheme`` 0: Heun, 1: semi-implicit midpoint); returns (new m, energy drawn in
    this step)."""
    R = ROW
    b0 = [p[R["BAX"]] + p[R["HX"]] * wf, p[R["BAY"]] + p[R["HY"]] * wf, p[R["BAZ"]] + p[R["HZ"]] * wf]
    if thermal:
        n = normals3(kj, ks, K)
        b0 = [b0[i] + p[R["SIG"]] * n[i] for i in range(3)]
    b0 = tuple(b0)
    g = p[R["GM0"]] + p[R["GM1"]] * (m[0] * p[R["RX"]] + m[1] * p[R["RY"]] + m[2] * p[R["RZ"]])
    de = dt * (wst * wst * (p[R["EV"]] * g + p[R["EI"]] / g) + wso * wso * p[R["ESOT"]])
    hdt = K[0] * dt
    if scheme == 0:
        f0 = rhs_one(m, b0, p, wst, wso, has_stt, has_sot)
        mp = tuple(m[i] + dt * f0[i] for i in range(3))
        f1 = rhs_one(mp, b0, p, wst, wso, has_stt, has_sot)
        x = [m[i] + hdt * (f0[i] + f1[i]) for i in range(3)]
    else:
        o = omega_one(m, b0, p, wst, wso, has_stt, has_sot)
        mt = _cayley(m, tuple(hdt * v for v in o), K[1], K[2])
        o = omega_one(tuple(K[0] * (m[i] + mt[i]) for i in range(3)), b0, p, wst, wso, has_stt, has_sot)
        x = _cayley(m, tuple(hdt * v for v in o), K[1], K[2])
    r2 = x[0] * x[0] + x[1] * x[1] + x[2] * x[2]
    # the midpoint's Cayley rotations keep |m| = 1 to round-off, so one Newton step for 1/√r² suffices there
    inv = K[1] / jnp.sqrt(r2) if scheme == 0 else K[1] + K[0] * (K[1] - r2)
    return (x[0] * inv, x[1] * inv, x[2] * inv), de


def _events(carry, P, K, gs, rearm, reset_mode):
    """Threshold detection, counting, storage of the first events and reset (vectorised over junctions)."""
    (mx, my, mz, energy, armed, n_pos, n_neg, ev_step, ev_sign, ev_energy) = carry
    R = ROW
    u = mx * P[R["EX"]] + my * P[R["EY"]] + mz * P[R["EZ"]]
    is_armed = armed == 1
    pos = is_armed & (u > P[R["THP"]])
    neg = is_armed & (~pos) & (u < -P[R["THN"]])
    spike = pos | neg
    c = n_pos + n_neg
    cap = ev_step.shape[1]
    slot = (jnp.arange(cap)[None, :] == c[:, None]) & spike[:, None]
    ev_step = jnp.where(slot, (gs + 1).astype(ev_step.dtype), ev_step)
    ev_sign = jnp.where(slot, jnp.where(pos, 1, -1).astype(ev_sign.dtype)[:, None], ev_sign)
    ev_energy = jnp.where(slot, energy[:, None].astype(ev_energy.dtype), ev_energy)
    n_pos = n_pos + pos.astype(n_pos.dtype)
    n_neg = n_neg + neg.astype(n_neg.dtype)
    if reset_mode >= 1:
        ru = mx * P[R["RUX"]] + my * P[R["RUY"]] + mz * P[R["RUZ"]]
        sgn = jnp.where((ru >= 0) | (reset_mode == 2), K[1], -K[1])
        mx = jnp.where(spike, sgn * P[R["RUX"]], mx)
        my = jnp.where(spike, sgn * P[R["RUY"]], my)
        mz = jnp.where(spike, sgn * P[R["RUZ"]], mz)
    else:
        rearm_ok = (u < rearm * P[R["THP"]]) & (u > -rearm * P[R["THN"]])
        armed = jnp.where(spike, 0, jnp.where(~is_armed & rearm_ok, 1, armed)).astype(armed.dtype)
    return (mx, my, mz, energy, armed, n_pos, n_neg, ev_step, ev_sign, ev_energy)


@partial(jax.jit, static_argnames=("n_outer", "n_inner", "thermal", "detect", "reset_mode", "save", "scheme",
                                   "has_stt", "has_sot"))
def run_chunk(carry, P, K, tables, indices, s0, step_offset, dt, kj, rearm, *, n_outer, n_inner, thermal,
              detect, reset_mode, save, scheme=0, has_stt=True, has_sot=True):
    """Run n_outer × n_inner steps from local step ``s0``; returns (carry, saved m (n_outer, 3, N) or None).

    ``carry`` = (mx, my, mz, energy, armed, n_pos, n_neg, ev_step, ev_sign, ev_energy), arrays over junctions;
    ``P`` (N_ROWS, N); ``tables``/``indices``: the three drive channels (K_c, S_c) and (N,).
    """
    step_one = jax.vmap(partial(_heun_one, thermal=thermal, scheme=scheme, has_stt=has_stt, has_sot=has_sot),
                        in_axes=((0, 0, 0), 1, 0, None, None, None, 0, 0, 0))

    def drive(tab, idx, s):
        return tab[idx, s] if tab.shape[1] > 1 else tab[idx, 0]

    def inner(c, s):
        gs = step_offset + s
        ks = step_keys(gs)
        wst, wso, wf = (drive(t, i, s) for t, i in zip(tables, indices))
        mx, my, mz, energy = c[0], c[1], c[2], c[3]
        (mx, my, mz), de = step_one((mx, my, mz), P, kj, ks, K, dt, wst, wso, wf)
        c = (mx, my, mz, energy + de.astype(energy.dtype), *c[4:])
        if detect:
            c = _events(c, P, K, gs, rearm, reset_mode)
        return c, None

    def outer(c, k):
        start = s0 + k * n_inner
        c, _ = lax.scan(inner, c, start + jnp.arange(n_inner))
        return c, (jnp.stack(c[:3]) if save else None)

    carry, ys = lax.scan(outer, carry, jnp.arange(n_outer))
    return carry, ys


def _plan(n_steps: int, save_every: int, chunk: int = 2048) -> list[tuple[int, int, bool]]:
    """Split a run into calls (n_outer, n_inner, save) reusing few compiled shapes."""
    plan: list[tuple[int, int, bool]] = []
    if save_every:
        n_save = n_steps // save_every
        oc = max(1, chunk // save_every)
        full, rest = divmod(n_save, oc)
        plan += [(oc, save_every, True)] * full
        if rest:
            plan.append((rest, save_every, True))
        tail = n_steps - n_save * save_every
    else:
        tail = n_steps
    inner = min(chunk, tail) if tail else 0
    if inner:
        full, rest = divmod(tail, inner)
        plan += [(1, inner, False)] * full
        if rest:
            plan.append((1, rest, False))
    return plan


def run_host(*, P, K, m, n_steps, step_offset, dt, seed, thermal, scheme, has_stt, has_sot, has_field, w,
              detect, reset_mode, rearm, armed, cap,
             save_every, n_save):
    """Host wrapper used by :func:`devices.simulate.simulate`; returns NumPy arrays. ``has_stt``/``has_sot`` are
    static (drives that are identically zero are left out of the compiled step); ``has_field`` is accepted for
    symmetry with the Numba kernel (the field term costs three multiply-adds)."""
    x64 = P.dtype == np.float64
    with jax.enable_x64(x64):
        N = m.shape[0]
        itype = jnp.int64 if x64 else jnp.int32
        carry = (jnp.asarray(m[:, 0]), jnp.asarray(m[:, 1]), jnp.asarray(m[:, 2]),
                 jnp.zeros(N, dtype=P.dtype), jnp.asarray(armed, dtype=jnp.int8),
                 jnp.zeros(N, dtype=itype), jnp.zeros(N, dtype=itype),
                 jnp.full((N, cap), -1, dtype=itype), jnp.zeros((N, cap), dtype=jnp.int8),
                 jnp.zeros((N, cap), dtype=P.dtype))
        Pj, Kj = jnp.asarray(P), jnp.asarray(K)
        tables = tuple(jnp.asarray(t) for t, _ in w)
        indices = tuple(jnp.asarray(i, dtype=jnp.int32) for _, i in w)
        kj = junction_keys(seed, N)
        saved = []
        s0 = 0
        for n_outer, n_inner, save in _plan(n_steps, save_every):
            carry, ys = run_chunk(carry, Pj, Kj, tables, indices, jnp.asarray(s0, dtype=jnp.int32),
                                  jnp.asarray(step_offset, dtype=itype), jnp.asarray(dt, dtype=P.dtype), kj,
                                  jnp.asarray(rearm, dtype=P.dtype), n_outer=n_outer, n_inner=n_inner,
                                  thermal=bool(thermal), detect=bool(detect), reset_mode=int(reset_mode),
                                  save=save, scheme=int(scheme), has_stt=bool(has_stt), has_sot=bool(has_sot))
            if save:
                saved.append(np.asarray(ys))
            s0 += n_outer * n_inner
        mx, my, mz, energy, armed_o, n_pos, n_neg, ev_step, ev_sign, ev_energy = (np.asarray(a) for a in carry)
    mf = np.stack([mx, my, mz], axis=1)
    traj = np.transpose(np.concatenate(saved), (0, 2, 1)) if save_every else None
    if traj is not None and traj.shape[0] != n_save:
        raise RuntimeError("internal error: trajectory length mismatch")
    return (mf, traj, energy.astype(np.float64), n_pos.astype(np.int64), n_neg.astype(np.int64),
            ev_step.astype(np.int64), ev_sign, ev_energy.astype(np.float64), armed_o.astype(np.int8))
