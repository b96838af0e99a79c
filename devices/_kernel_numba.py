"""Numba backend: stochastic Heun or semi-implicit midpoint (both Stratonovich) macrospin kernel, parallel over
blocks of junctions.

Layout: magnetisation as three contiguous arrays (mx, my, mz), coefficients as the (N_ROWS, N) table of
:mod:`devices._layout`. Each ``prange`` task owns a cache-sized block of BLOCK junctions, copies its coefficients
and state into one block buffer of constant shape (structure of arrays, ≈ 28 kB in float64, L1 resident) and
runs the whole time loop on it. Inside a step two branch-free loops over the block's junctions (vectorised with
``fastmath``; the constant buffer shape spares LLVM runtime alias checks that would otherwise stop the
vectoriser) first form the step's field (applied, drive and thermal) and energy, then integrate; splitting them
keeps each loop body short enough for the out-of-order window to overlap consecutive vector iterations of the
long dependent chain (measured: -8 % time per junction-step). The thermal normals come from the counter-based
generator of :mod:`devices._rng` on 32-bit integer lanes, so results do not depend on the number of threads or on
the block size. Event detection, reset and decimated output run in a scalar loop over the block after each step.
The same function is compiled once per dtype (float64, float32); float32 runs on twice as many vector lanes.

Heun scheme (Stratonovich; one noise sample for both stages, renormalised after the corrector only):
    m̃ = m + Δt f(m, b),   m' = normalise(m + Δt/2 [f(m, b) + f(m̃, b)])
(García-Palacios & Lázaro, PRB 58, 14937 (1998), doi:10.1103/PhysRevB.58.14937).

Semi-implicit midpoint scheme "SIB" (J. H. Mentink, M. V. Tretyakov, A. Fasolino, M. I. Katsnelson, Th. Rasing,
J. Phys.: Condens. Matter 22, 176001 (2010), doi:10.1088/0953-8984/22/17/176001): with dm/dt = Ω(m) × m,
    m̃ = Cay(Ω(m)) m,   m' = Cay(Ω((m + m̃)/2)) m,   Cay(Ω): solve m' = m + (Δt/2) Ω × (m + m'),
both stages with the same thermal field. Each stage is a rotation (explicit Cayley form, :func:`cayley`), so
|m| is kept exactly and the step is stable for any Δt; the final renormalisation only removes round-off, with one
Newton step m ← m (3 − |m|²)/2 (error O((|m|² − 1)²), i.e. below round-off) instead of a square root and division.
"""

from __future__ import annotations

import functools

import numba
import numpy as np
from llvmlite import ir
from numba import prange, types
from numba.extending import intrinsic, overload

from devices._layout import N_ROWS, ROW
from devices._rng import SERIES_TERMS

_JIT = dict(fastmath=True, error_model="numpy", cache=True, nogil=True)

U16 = np.uint32(16)
U15 = np.uint32(15)
U30 = np.uint32(30)
U2 = np.uint32(2)
U1 = np.uint32(1)
U0 = np.uint32(0)
M30 = np.uint32(0x3FFFFFFF)
C1 = np.uint32(0x7FEB352D)
C2 = np.uint32(0x846CA68B)
GOLDEN = np.uint32(0x9E3779B9)
SALT = np.uint32(0x2545F491)
U32 = np.uint32
"""The hash runs on 32-bit integer lanes: Numba widens uint32 arithmetic to 64 bits, so every result is cast back
with ``np.uint32`` (wrapping modulo 2³²), which lets LLVM emit 32-bit vector multiplies (vpmulld) that share the
lane width of float32 arithmetic."""

# row indices as module constants (frozen into the compiled code)
GP, ALPHA = ROW["GP"], ROW["ALPHA"]
DXX, DYY, DZZ = ROW["DXX"], ROW["DYY"], ROW["DZZ"]
BK, UX, UY, UZ = ROW["BK"], ROW["UX"], ROW["UY"], ROW["UZ"]
BAX, BAY, BAZ = ROW["BAX"], ROW["BAY"], ROW["BAZ"]
HX, HY, HZ = ROW["HX"], ROW["HY"], ROW["HZ"]
PX, PY, PZ = ROW["PX"], ROW["PY"], ROW["PZ"]
CDL, CFL, Q0, Q1, G0, G1 = ROW["CDL"], ROW["CFL"], ROW["Q0"], ROW["Q1"], ROW["G0"], ROW["G1"]
RX, RY, RZ = ROW["RX"], ROW["RY"], ROW["RZ"]
SX, SY, SZ, SDL, SFL = ROW["SX"], ROW["SY"], ROW["SZ"], ROW["SDL"], ROW["SFL"]
SIG, EV, EI, GM0, GM1, ESOT = ROW["SIG"], ROW["EV"], ROW["EI"], ROW["GM0"], ROW["GM1"], ROW["ESOT"]
EX, EY, EZ, THP, THN = ROW["EX"], ROW["EY"], ROW["EZ"], ROW["THP"], ROW["THN"]
RUX, RUY, RUZ = ROW["RUX"], ROW["RUY"], ROW["RUZ"]


@numba.njit(inline="always", **_JIT)
def mix32(x):
    """lowbias32 on a uint32 (wrapping arithmetic modulo 2³², see :mod:`devices._rng`)."""
    x = U32(x ^ (x >> U16))
    x = U32(x * C1)
    x = U32(x ^ (x >> U15))
    x = U32(x * C2)
    return U32(x ^ (x >> U16))


@numba.njit(**_JIT)
def junction_key(seed, j):
    """k_j (uint32) of junction ``j`` for a ``seed`` in [0, 2³²)."""
    s = mix32(U32(U32(seed) ^ SALT))
    return mix32(U32(U32(j) * GOLDEN + s))


@numba.njit(**_JIT)
def step_key(step, c):
    """k_{s,c} = mix32(4 s + c) (uint32) for a global step ``step`` < 2³⁰."""
    return mix32(U32((U32(step) << U2) + U32(c)))


def cast_like(x, like):  # pragma: no cover - replaced by the overload below inside compiled code
    """Convert ``x`` to the float type of ``like`` (keeps float32 kernels in float32)."""
    return type(like)(x)


@overload(cast_like, jit_options=_JIT)
def _cast_like_ol(x, like):
    if isinstance(like, types.Float):
        ctor = np.float32 if like.bitwidth == 32 else np.float64

        def impl(x, like):
            return ctor(x)

        return impl
    return None


@intrinsic
def _to_bits(typingctx, x):
    """The IEEE-754 bit pattern of a float as an unsigned integer of the same width (a register bitcast)."""
    if not isinstance(x, types.Float):
        return None
    ity = types.uint32 if x.bitwidth == 32 else types.uint64

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.IntType(x.bitwidth))

    return ity(x), codegen


@intrinsic
def _from_bits(typingctx, b, like):
    """The float of the type of ``like`` whose IEEE-754 bit pattern is the unsigned integer ``b`` (same width)."""
    if not (isinstance(like, types.Float) and isinstance(b, types.Integer) and b.bitwidth == like.bitwidth):
        return None

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], context.get_value_type(like))

    return like(b, like), codegen


def exponent_mantissa(x):  # pragma: no cover - replaced by the overload below inside compiled code
    """(E, m) with x = m·2^E, m ∈ [1, 2), for a normal positive float x (E as a float of x's type)."""
    raise NotImplementedError


@overload(exponent_mantissa, jit_options=_JIT)
def _exponent_mantissa_ol(x):
    if not isinstance(x, types.Float):
        return None
    if x.bitwidth == 32:
        u, ctor, sh, frac, bias = np.uint32, np.float32, np.uint32(23), np.uint32(0x7FFFFF), 127
    else:
        u, ctor, sh, frac, bias = np.uint64, np.float64, np.uint64(52), np.uint64(0xFFFFFFFFFFFFF), 1023
    one_bits = u(bias) << sh

    def impl(x):
        b = _to_bits(x)
        e = ctor(u(b >> sh)) - ctor(bias)
        return e, _from_bits(u(u(b & frac) | one_bits), x)

    return impl


@numba.njit(inline="always", **_JIT)
def _log_unit(h, K, n_ln):
    """ln((h + 1)·2⁻³²) for a 32-bit word h, branch-free: x = h + 1 ∈ [1, 2³²] is split into its binary exponent
    E and mantissa m ∈ [1, 2) by reading the IEEE-754 fields, m is folded into (1/√2, √2], and ln m comes from the
    atanh series of ``n_ln`` terms after the leading one (:data:`devices._rng.SERIES_TERMS`)."""
    one = K[1]
    ex, m = exponent_mantissa(cast_like(h, one) + one)
    big = m > K[6]
    m = m * K[0] if big else m
    e = K[40] - ex - one if big else K[40] - ex  # ln u = ln m − e ln 2, e = 32 − E (− 1 after halving m)
    s = (m - one) / (m + one)
    s2 = s * s
    p = K[6 + n_ln]
    for k in range(5 + n_ln, 6, -1):
        p = p * s2 + K[k]
    p = p * s2 + one
    return K[2] * s * p - e * K[5]


@numba.njit(inline="always", **_JIT)
def _cos_sin_quadrant(h, K, n_cos, n_sin):
    """(cos θ, sin θ) with θ = (π/2)(q + f) from a 32-bit word (q = h >> 30, f = low 30 bits · 2⁻³⁰); Taylor series
    of ``n_cos`` and ``n_sin`` terms on [0, π/2) (:data:`devices._rng.SERIES_TERMS`)."""
    q = U32(h >> U30)
    th = cast_like(U32(h & M30), K[1]) * K[3]
    t2 = th * th
    c = K[16 + n_cos]
    for k in range(15 + n_cos, 16, -1):
        c = c * t2 + K[k]
    s = K[27 + n_sin]
    for k in range(26 + n_sin, 27, -1):
        s = s * t2 + K[k]
    s = s * th
    swap = U32(q & U1) == U1
    ca = s if swap else c
    sa = c if swap else s
    co = ca if (q == U0 or q == U32(3)) else -ca
    si = sa if q < U2 else -sa
    return co, si


@numba.njit(inline="always", **_JIT)
def normals3(kj, k0, k1, k2, k3, K, n_ln, n_cos, n_sin):
    """Three standard normals for one junction key and the four step keys of the current step (uint32 words)."""
    h0 = mix32(kj ^ k0)
    h1 = mix32(kj ^ k1)
    h2 = mix32(kj ^ k2)
    h3 = mix32(kj ^ k3)
    r = np.sqrt(-K[2] * _log_unit(h0, K, n_ln))
    c, s = _cos_sin_quadrant(h1, K, n_cos, n_sin)
    r2 = np.sqrt(-K[2] * _log_unit(h2, K, n_ln))
    c2, _ = _cos_sin_quadrant(h3, K, n_cos, n_sin)
    return r * c, r * s, r2 * c2


@numba.njit(inline="always", **_JIT)
def rhs(mx, my, mz, b0x, b0y, b0z, P, j, wst, wso, has_stt, has_sot):
    """dm/dt (explicit LL form of LLG + STT + SOT) for junction j at magnetisation m (see _layout)."""
    mu = mx * P[UX, j] + my * P[UY, j] + mz * P[UZ, j]
    kk = P[BK, j] * mu
    bx = b0x - P[DXX, j] * mx + kk * P[UX, j]
    by = b0y - P[DYY, j] * my + kk * P[UY, j]
    bz = b0z - P[DZZ, j] * mz + kk * P[UZ, j]
    # m × B and m × (m × B)
    cx = my * bz - mz * by
    cy = mz * bx - mx * bz
    cz = mx * by - my * bx
    dx = my * cz - mz * cy
    dy = mz * cx - mx * cz
    dz = mx * cy - my * cx
    gp = P[GP, j]
    al = P[ALPHA, j]
    fx = -gp * (cx + al * dx)
    fy = -gp * (cy + al * dy)
    fz = -gp * (cz + al * dz)
    if has_stt:  # spin-transfer torque, polariser p, drive through optional TMR conductance and angular efficiency
        px, py, pz = P[PX, j], P[PY, j], P[PZ, j]
        cr = mx * P[RX, j] + my * P[RY, j] + mz * P[RZ, j]
        cp = mx * px + my * py + mz * pz
        aj = wst * (P[G0, j] + P[G1, j] * cr) / (P[Q0, j] + P[Q1, j] * cp)
        tx, ty, tz = spin_torque(mx, my, mz, px, py, pz, aj * P[CDL, j], aj * P[CFL, j])
        fx, fy, fz = fx + tx, fy + ty, fz + tz
    if has_sot:  # spin-orbit torque, spin polarisation σ
        tx, ty, tz = spin_torque(mx, my, mz, P[SX, j], P[SY, j], P[SZ, j], wso * P[SDL, j], wso * P[SFL, j])
        fx, fy, fz = fx + tx, fy + ty, fz + tz
    return fx, fy, fz


@numba.njit(inline="always", **_JIT)
def spin_torque(mx, my, mz, vx, vy, vz, dl, fl):
    """−dl m×(m×v) − fl m×v: damping-like and field-like torque rates [1/s] toward the unit vector v."""
    ex = my * vz - mz * vy
    ey = mz * vx - mx * vz
    ez = mx * vy - my * vx
    return (-(dl * (my * ez - mz * ey) + fl * ex), -(dl * (mz * ex - mx * ez) + fl * ey),
            -(dl * (mx * ey - my * ex) + fl * ez))


@numba.njit(inline="always", **_JIT)
def omega(mx, my, mz, b0x, b0y, b0z, P, j, wst, wso, has_stt, has_sot):
    """Rotation vector Ω [rad/s] with dm/dt = Ω × m: the same equation as :func:`rhs`, written for the Cayley
    (SIB) scheme. Ω = γ'B + αγ' m×B + a_J (C_DL m×p + C_FL p) + w_SOT (S_DL m×σ + S_FL σ), since
    (m×B)×m = −m×(m×B) and p×m = −m×p."""
    mu = mx * P[UX, j] + my * P[UY, j] + mz * P[UZ, j]
    kk = P[BK, j] * mu
    bx = b0x - P[DXX, j] * mx + kk * P[UX, j]
    by = b0y - P[DYY, j] * my + kk * P[UY, j]
    bz = b0z - P[DZZ, j] * mz + kk * P[UZ, j]
    gp = P[GP, j]
    ag = P[ALPHA, j] * gp
    ox = gp * bx + ag * (my * bz - mz * by)
    oy = gp * by + ag * (mz * bx - mx * bz)
    oz = gp * bz + ag * (mx * by - my * bx)
    if has_stt:
        px, py, pz = P[PX, j], P[PY, j], P[PZ, j]
        cr = mx * P[RX, j] + my * P[RY, j] + mz * P[RZ, j]
        cp = mx * px + my * py + mz * pz
        aj = wst * (P[G0, j] + P[G1, j] * cr) / (P[Q0, j] + P[Q1, j] * cp)
        adl = aj * P[CDL, j]
        afl = aj * P[CFL, j]
        ox += adl * (my * pz - mz * py) + afl * px
        oy += adl * (mz * px - mx * pz) + afl * py
        oz += adl * (mx * py - my * px) + afl * pz
    if has_sot:
        sx, sy, sz = P[SX, j], P[SY, j], P[SZ, j]
        sdl = wso * P[SDL, j]
        sfl = wso * P[SFL, j]
        ox += sdl * (my * sz - mz * sy) + sfl * sx
        oy += sdl * (mz * sx - mx * sz) + sfl * sy
        oz += sdl * (mx * sy - my * sx) + sfl * sz
    return ox, oy, oz


@numba.njit(inline="always", **_JIT)
def cayley(x, y, z, ax, ay, az, one, two):
    """Solve m' = m + a × (m + m') for m' (a = Ω Δt/2): the rotation of m about a by 2 atan|a|,
    m' = [(1 − |a|²) m + 2 a×m + 2 (a·m) a] / (1 + |a|²); |m'| = |m| exactly."""
    a2 = ax * ax + ay * ay + az * az
    am = ax * x + ay * y + az * z
    c = one - a2
    inv = one / (one + a2)
    nx = (c * x + two * (ay * z - az * y) + two * am * ax) * inv
    ny = (c * y + two * (az * x - ax * z) + two * am * ay) * inv
    nz = (c * z + two * (ax * y - ay * x) + two * am * az) * inv
    return nx, ny, nz


BLOCK = 64
"""Junctions per parallel task. A compile-time constant: the block buffer then has a constant shape, so LLVM
knows the distance between its rows and vectorises the junction loop without runtime alias checks."""

NR = N_ROWS
S_MX, S_MY, S_MZ, S_E, S_WST, S_WSO, S_WF = NR, NR + 1, NR + 2, NR + 3, NR + 4, NR + 5, NR + 6
S_BX, S_BY, S_BZ = NR + 7, NR + 8, NR + 9  # the step's constant field b0 (applied + drive + thermal) [T]
A_ROWS = NR + 10
FLUSH = 32  # steps between flushes of the working-precision energy partial sum into the float64 total


@functools.cache
def kernel(thermal: bool, scheme: int, has_stt: bool, has_sot: bool, has_field: bool, dtype: str = "float64",
           track_energy: bool = True):
    """The time-stepping kernel compiled for one combination of structural choices (compile-time constants):
    ``thermal`` (T > 0 somewhere), ``scheme`` (0 Heun, 1 midpoint), ``has_stt``/``has_sot``/``has_field`` (the
    drive is not identically zero), ``dtype`` (the working precision, which sets the series lengths of the normal
    generator, :data:`devices._rng.SERIES_TERMS`), ``track_energy`` (False: no energy bookkeeping, ``energy`` and
    ``ev_energy`` are left untouched). Unused drives - their torque terms, energy bookkeeping and waveform loads -
    and the thermal generator are then absent from the machine code rather than multiplied by zero. Each version is
    compiled once per process and cached on disk by Numba (the closure constants are part of its cache key)."""
    thermal, scheme, has_stt, has_sot, has_field = bool(thermal), int(scheme), bool(has_stt), bool(has_sot), \
        bool(has_field)
    track_energy = bool(track_energy)
    N_LN, N_COS, N_SIN = SERIES_TERMS[dtype]

    @numba.njit(parallel=True, **_JIT)
    def run(P, K, mx, my, mz, n_steps, step_offset, dt, seed,
            w_stt, i_stt, w_sot, i_sot, w_fld, i_fld,
            energy, detect, reset_mode, rearm, armed, n_pos, n_neg, ev_step, ev_sign, ev_energy,
            save_every, traj):
        """Advance every junction by ``n_steps`` steps of ``dt`` seconds, in place (``scheme`` 0: stochastic Heun,
        1: semi-implicit midpoint; see :data:`devices.simulate.SCHEMES`).

        ``thermal``, ``scheme``, ``has_stt``, ``has_sot``, ``has_field`` and ``track_energy`` are the constants of
        :func:`kernel`.

        N must be a multiple of :data:`BLOCK` (the host pads). Shapes: P (N_ROWS, N); mx, my, mz (N,);
        w_* (K_c, S_c) waveform tables with S_c == n_steps or 1 (column = local step, or 0), i_* (N,) int64 row of
        each junction in its table; energy (N,) float64 [J]; armed (N,) int8; n_pos, n_neg (N,) int64;
        ev_step (N, cap) int64, ev_sign (N, cap) int8, ev_energy (N, cap) float64; traj (n_save, 3, N) with
        n_save = n_steps // save_every (save_every = 0: none).
        """
        n = mx.shape[0]
        nb = n // BLOCK
        cap = ev_step.shape[1]
        hdt = K[0] * dt
        zero = K[39]
        for b in prange(nb):
            j0 = b * BLOCK
            A = np.empty((A_ROWS, BLOCK), dtype=P.dtype)
            A[:NR] = P[:, j0:j0 + BLOCK]
            for j in range(BLOCK):
                A[S_MX, j] = mx[j0 + j]
                A[S_MY, j] = my[j0 + j]
                A[S_MZ, j] = mz[j0 + j]
                A[S_E, j] = zero
            kj = np.empty(BLOCK, dtype=np.uint32)
            for j in range(BLOCK):
                kj[j] = junction_key(seed, j0 + j)
            for s in range(n_steps):
                gs = step_offset + s
                k0, k1, k2, k3 = step_key(gs, 0), step_key(gs, 1), step_key(gs, 2), step_key(gs, 3)
                cs = s if w_stt.shape[1] > 1 else 0
                co = s if w_sot.shape[1] > 1 else 0
                cf = s if w_fld.shape[1] > 1 else 0
                for j in range(BLOCK):
                    if has_stt:
                        A[S_WST, j] = w_stt[i_stt[j0 + j], cs]
                    if has_sot:
                        A[S_WSO, j] = w_sot[i_sot[j0 + j], co]
                    if has_field:
                        A[S_WF, j] = w_fld[i_fld[j0 + j], cf]
                # ---- hot loops: branch-free, vectorised over the block's junctions. Split in two (the step's field,
                # then the integrator) so that each loop body is short enough for the out-of-order window to overlap
                # the long dependent chains of consecutive vector iterations (generator -> field -> two stages).
                for j in range(BLOCK):
                    b0x = A[BAX, j]
                    b0y = A[BAY, j]
                    b0z = A[BAZ, j]
                    if has_field:
                        wf = A[S_WF, j]
                        b0x += A[HX, j] * wf
                        b0y += A[HY, j] * wf
                        b0z += A[HZ, j] * wf
                    if thermal:
                        n0, n1, n2 = normals3(kj[j], k0, k1, k2, k3, K, N_LN, N_COS, N_SIN)
                        sg = A[SIG, j]
                        b0x += sg * n0
                        b0y += sg * n1
                        b0z += sg * n2
                    A[S_BX, j] = b0x
                    A[S_BY, j] = b0y
                    A[S_BZ, j] = b0z
                    # power drawn from the sources during this step (left-point rule)
                    if has_stt and track_energy:
                        wst = A[S_WST, j]
                        g = A[GM0, j] + A[GM1, j] * (A[S_MX, j] * A[RX, j] + A[S_MY, j] * A[RY, j] +
                                                     A[S_MZ, j] * A[RZ, j])
                        A[S_E, j] += dt * wst * wst * (A[EV, j] * g + A[EI, j] / g)
                    if has_sot and track_energy:
                        wso = A[S_WSO, j]
                        A[S_E, j] += dt * wso * wso * A[ESOT, j]
                for j in range(BLOCK):
                    x, y, z = A[S_MX, j], A[S_MY, j], A[S_MZ, j]
                    wst = A[S_WST, j] if has_stt else zero
                    wso = A[S_WSO, j] if has_sot else zero
                    b0x, b0y, b0z = A[S_BX, j], A[S_BY, j], A[S_BZ, j]
                    if scheme == 0:  # Heun: m̃ = m + Δt f(m), m' = m + Δt/2 [f(m) + f(m̃)]
                        f0x, f0y, f0z = rhs(x, y, z, b0x, b0y, b0z, A, j, wst, wso, has_stt, has_sot)
                        px = x + dt * f0x
                        py = y + dt * f0y
                        pz = z + dt * f0z
                        f1x, f1y, f1z = rhs(px, py, pz, b0x, b0y, b0z, A, j, wst, wso, has_stt, has_sot)
                        x = x + hdt * (f0x + f1x)
                        y = y + hdt * (f0y + f1y)
                        z = z + hdt * (f0z + f1z)
                    else:  # midpoint: m̃ = Cay(Ω(m)) m, m' = Cay(Ω((m + m̃)/2)) m
                        ox, oy, oz = omega(x, y, z, b0x, b0y, b0z, A, j, wst, wso, has_stt, has_sot)
                        px, py, pz = cayley(x, y, z, hdt * ox, hdt * oy, hdt * oz, K[1], K[2])
                        ox, oy, oz = omega(K[0] * (x + px), K[0] * (y + py), K[0] * (z + pz), b0x, b0y, b0z, A, j,
                                           wst, wso, has_stt, has_sot)
                        x, y, z = cayley(x, y, z, hdt * ox, hdt * oy, hdt * oz, K[1], K[2])
                    r2 = x * x + y * y + z * z
                    if scheme == 0:
                        inv = K[1] / np.sqrt(r2)
                    else:  # |m| is 1 to round-off after the Cayley rotations: one Newton step for 1/√r² suffices
                        inv = K[1] + K[0] * (K[1] - r2)
                    A[S_MX, j] = x * inv
                    A[S_MY, j] = y * inv
                    A[S_MZ, j] = z * inv
                # ---- scalar bookkeeping: energy flush, events and reset, decimated output
                if track_energy and ((s + 1) % FLUSH == 0 or s == n_steps - 1):
                    for j in range(BLOCK):
                        energy[j0 + j] += A[S_E, j]
                        A[S_E, j] = zero
                if detect:
                    for j in range(BLOCK):
                        jg = j0 + j
                        u = A[S_MX, j] * A[EX, j] + A[S_MY, j] * A[EY, j] + A[S_MZ, j] * A[EZ, j]
                        if armed[jg] == 1:
                            sign = 0
                            if u > A[THP, j]:
                                sign = 1
                            elif u < -A[THN, j]:
                                sign = -1
                            if sign != 0:
                                c = n_pos[jg] + n_neg[jg]
                                if sign > 0:
                                    n_pos[jg] += 1
                                else:
                                    n_neg[jg] += 1
                                if c < cap:
                                    ev_step[jg, c] = gs + 1
                                    ev_sign[jg, c] = sign
                                    if track_energy:
                                        ev_energy[jg, c] = energy[jg] + A[S_E, j]
                                if reset_mode >= 1:
                                    ru = A[S_MX, j] * A[RUX, j] + A[S_MY, j] * A[RUY, j] + A[S_MZ, j] * A[RUZ, j]
                                    sgn = K[1] if (ru >= zero or reset_mode == 2) else -K[1]
                                    A[S_MX, j] = sgn * A[RUX, j]
                                    A[S_MY, j] = sgn * A[RUY, j]
                                    A[S_MZ, j] = sgn * A[RUZ, j]
                                else:
                                    armed[jg] = 0
                        elif u < rearm * A[THP, j] and u > -rearm * A[THN, j]:
                            armed[jg] = 1
                if save_every > 0 and (s + 1) % save_every == 0:
                    k = (s + 1) // save_every - 1
                    for j in range(BLOCK):
                        traj[k, 0, j0 + j] = A[S_MX, j]
                        traj[k, 1, j0 + j] = A[S_MY, j]
                        traj[k, 2, j0 + j] = A[S_MZ, j]
            for j in range(BLOCK):
                mx[j0 + j] = A[S_MX, j]
                my[j0 + j] = A[S_MY, j]
                mz[j0 + j] = A[S_MZ, j]

    return run
