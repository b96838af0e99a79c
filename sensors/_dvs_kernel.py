"""Numba CPU engine of the DVS pixel model (:mod:`sensors.dvs`): the same per-step arithmetic as
``sensors.dvs._step`` (bitwise, given the same noise), fused over blocks of pixels (parallel over blocks; time
loop inside; pixel loop innermost so memory access stays contiguous in the (T, P) layout).

Random numbers, when not given as arrays, come from per-pixel SplitMix64 streams (G. L. Steele, D. Lea,
C. H. Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014, doi:10.1145/2660193.2660195) seeded
from (seed, pixel index), so results do not depend on threading:

* leak-jitter normals: ziggurat method, 128 layers (G. Marsaglia, W. W. Tsang, J. Stat. Softw. 5(8), 2000,
  doi:10.18637/jss.v005.i08) with the layer index and the value taken from independent bits (J. A. Doornik,
  "An improved ziggurat method to generate normal random samples", 2005);
* shot noise: the model draws u ~ U[0, 1) per pixel-step and fires ON if u > 1 − p_on, OFF if u < p_off with
  p_on <= P_on, p_off <= P_off (per-pixel bounds). Only u's inside [0, P_off) ∪ (1 − P_on, 1] can fire, so the
  engine draws the pixel-steps where u lands there by geometric skipping (probability P_on + P_off per step), draws
  u uniformly inside that union at those steps and uses u = 1/2 (fires nothing) elsewhere: the same distribution
  of decisions as a dense uniform, at a cost proportional to the candidate count.
"""

from __future__ import annotations

import math

import numba
import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_S32 = np.uint64(32)
_MASK7 = np.uint64(127)
_INV53 = 1.0 / 9007199254740992.0
BLOCK = 64


def _zig_tables():
    """Marsaglia–Tsang RNOR tables (kn, wn, fn) for 128 layers and 2^31-scaled int32 draws."""
    m1 = 2147483648.0
    dn = 3.442619855899
    tn = dn
    vn = 9.91256303526217e-3
    kn = np.zeros(128)
    wn = np.zeros(128)
    fn = np.zeros(128)
    q = vn / math.exp(-0.5 * dn * dn)
    kn[0] = (dn / q) * m1
    kn[1] = 0.0
    wn[0] = q / m1
    wn[127] = dn / m1
    fn[0] = 1.0
    fn[127] = math.exp(-0.5 * dn * dn)
    for i in range(126, 0, -1):
        dn = math.sqrt(-2.0 * math.log(vn / dn + math.exp(-0.5 * dn * dn)))
        kn[i + 1] = (dn / tn) * m1
        tn = dn
        fn[i] = math.exp(-0.5 * dn * dn)
        wn[i] = dn / m1
    return kn, wn, fn


ZIG_KN, ZIG_WN, ZIG_FN = _zig_tables()


@numba.njit(inline="always")
def _next(s):  # pragma: no cover - compiled
    s = s + _GOLDEN
    z = s
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return s, z ^ (z >> _S31)


@numba.njit(inline="always")
def _uniform(s):  # pragma: no cover - compiled
    s, z = _next(s)
    return s, float(z >> _S11) * _INV53


@numba.njit(inline="always")
def _normal(s, kn, wn, fn):  # pragma: no cover - compiled
    r = 3.442620
    while True:
        s, z = _next(s)
        iz = int(z & _MASK7)
        hz = float(z >> _S32) - 2147483648.0  # uniform on the signed 32-bit integers, from the upper bits
        if abs(hz) < kn[iz]:
            return s, hz * wn[iz]
        if iz == 0:  # tail beyond r
            while True:
                s, u1 = _uniform(s)
                s, u2 = _uniform(s)
                x = -math.log(1.0 - u1) * (1.0 / r)
                y = -math.log(1.0 - u2)
                if y + y >= x * x:
                    break
            return s, (r + x) if hz > 0 else -(r + x)
        x = hz * wn[iz]
        s, u = _uniform(s)
        if fn[iz] + u * (fn[iz - 1] - fn[iz]) < math.exp(-0.5 * x * x):
            return s, x


@numba.njit(cache=True)
def seed_states(seed, n):  # pragma: no cover - compiled
    out = np.empty(n, dtype=np.uint64)
    base = np.uint64(seed) * _M2 + np.uint64(0x632BE59BD9B4E019)
    for i in range(n):
        s = base ^ (np.uint64(i) * _GOLDEN)
        s, z = _next(s)
        out[i] = z
    return out


@numba.njit(cache=True)
def normals(state, n):  # pragma: no cover - compiled
    """n standard normals from one SplitMix64 stream (for tests of the generator)."""
    out = np.empty(n)
    s = np.uint64(state)
    for i in range(n):
        s, out[i] = _normal(s, ZIG_KN, ZIG_WN, ZIG_FN)
    return out


@numba.njit(inline="always")
def _geometric(s, log1m_p):  # pragma: no cover - compiled
    """Steps to the next success of a Bernoulli(p) sequence (>= 1); log1m_p = log(1 - p) < 0."""
    s, u = _uniform(s)
    return s, math.floor(math.log(1.0 - u) / log1m_p) + 1


def _dvs_kernel(frames, L, B, t_last, th_on, th_off, rho, t0, dt, prm, u_arr, z_arr, rng_state,
               use_shot, use_jitter, given, kn, wn, fn):  # pragma: no cover - compiled
    """frames (T, P); state arrays (P,) updated in place; prm = (theta_on, theta_off, cutoff_Hz, leak_rate_Hz,
    shot_noise_rate_Hz, refractory_s, leak_jitter_fraction, lin_log_threshold_DN, full_scale_DN);
    u_arr/z_arr (T, P) when ``given``; rng_state (P,) uint64 otherwise. Returns counts (T, P) int16."""
    T, P = frames.shape
    th_on_nom = prm[0]
    th_off_nom = prm[1]
    fc = prm[2]
    r_leak = prm[3]
    r_shot = prm[4]
    refr = prm[5]
    jit = prm[6]
    I_th = prm[7]
    FS = prm[8]
    f_lin = math.log(I_th) / I_th
    lp_gain = dt * 2.0 * math.pi * fc
    lp_gain_eff = lp_gain if fc > 0 else math.inf  # inten01 > 0, so min(inten01 * inf, 1) = 1: filter off
    cap = max(1.0, math.floor(dt / max(refr, 1e-300))) if refr > 0 else math.inf
    shot_scale = (r_shot / 2.0) * dt
    counts = np.zeros((T, P), dtype=np.int16)
    n_blocks = (P + BLOCK - 1) // BLOCK
    for b in numba.prange(n_blocks):
        lo = b * BLOCK
        hi = min(P, lo + BLOCK)
        n = hi - lo
        Lb = L[lo:hi].copy()
        Bb = B[lo:hi].copy()
        tl = t_last[lo:hi].copy()
        ton = th_on[lo:hi].copy()
        toff = th_off[lo:hi].copy()
        leak0 = np.empty(n)
        for j in range(n):
            leak0[j] = dt * r_leak * ton[j] * rho[lo + j]
        zb = np.zeros(n)
        logb = np.empty(n)
        inten = np.empty(n)
        cb = np.zeros(n)
        ok = np.zeros(n, dtype=np.bool_)
        ub = np.full(n, 0.5)
        s = rng_state[lo:hi].copy()
        P_on = np.empty(n)
        P_off = np.empty(n)
        log1m = np.empty(n)
        nxt = np.full(n, T + 1)
        nxt_hit = np.zeros(n, dtype=np.bool_)
        f_on = np.empty(n)
        f_off = np.empty(n)
        for j in range(n):
            f_on[j] = th_on_nom / ton[j]
            f_off[j] = th_off_nom / toff[j]
        if use_shot and not given:
            for j in range(n):
                P_on[j] = shot_scale * f_on[j]
                P_off[j] = shot_scale * f_off[j]
                pc = P_on[j] + P_off[j]
                if pc > 0:
                    log1m[j] = math.log1p(-pc)
                    s[j], g = _geometric(s[j], log1m[j])
                    nxt[j] = g - 1
        next_hit = T + 1  # earliest candidate step of the block (internal shot noise)
        for j in range(n):
            next_hit = min(next_hit, nxt[j])
        t = t0
        for k in range(T):
            t_now = t + dt
            if use_jitter:
                if given:
                    for j in range(n):
                        zb[j] = z_arr[k, lo + j]
                else:
                    for j in range(n):
                        s[j], zb[j] = _normal(s[j], kn, wn, fn)
            hits = False
            if use_shot:
                if given:
                    for j in range(n):
                        ub[j] = u_arr[k, lo + j]
                    hits = True
                elif k == next_hit:
                    hits = True
                    next_hit = T + 1
                    for j in range(n):
                        nxt_hit[j] = nxt[j] == k
                        if nxt_hit[j]:
                            s[j], v = _uniform(s[j])
                            pc = P_on[j] + P_off[j]
                            ub[j] = v * pc if v * pc < P_off[j] else 1.0 - (v * pc - P_off[j])
                            s[j], g = _geometric(s[j], log1m[j])
                            nxt[j] = k + g
                        next_hit = min(next_hit, nxt[j])
            for j in range(n):  # lin-log and intensity of the new frame (scalar log)
                x = frames[k, lo + j]
                y_lin = x * f_lin
                y_log = math.log(max(x, I_th))
                y = y_lin if x <= I_th else y_log
                logb[j] = np.rint(y * 1e8) / 1e8
                inten[j] = (x + I_th) / (FS + I_th)
            for j in range(n):  # branch-free pixel update (selects only: vectorisable)
                eps = min(inten[j] * lp_gain_eff, 1.0)
                Li = (1.0 - eps) * Lb[j] + eps * logb[j]
                Bi = Bb[j] - leak0[j] * (1.0 - jit * zb[j])
                d = Li - Bi
                pos = d >= 0.0
                m = np.floor(d / (ton[j] if pos else -toff[j]))
                okj = (t_now - tl[j]) >= refr
                m = min(m, cap) if okj else 0.0
                ok[j] = okj
                b_on = Bi + m * ton[j]
                b_off = Bi - m * toff[j]
                Bb[j] = b_on if pos else b_off
                cb[j] = m if pos else -m
                Lb[j] = Li
            if hits:
                for j in range(n):
                    # without given noise, u = 1/2 off the candidate steps and nothing can fire there
                    if ok[j] and cb[j] == 0.0 and (given or nxt_hit[j]):
                        p_sh = shot_scale * ((0.25 - 1.0) * inten[j] + 1.0)
                        u = ub[j]
                        if u > 1.0 - p_sh * f_on[j]:
                            cb[j] = 1.0
                            Bb[j] = Lb[j]
                        elif u < p_sh * f_off[j]:
                            cb[j] = -1.0
                            Bb[j] = Lb[j]
            for j in range(n):
                c = cb[j]
                tl[j] = t_now if c != 0.0 else tl[j]
                counts[k, lo + j] = np.int16(c)
            t = t_now
        L[lo:hi] = Lb
        B[lo:hi] = Bb
        t_last[lo:hi] = tl
        rng_state[lo:hi] = s
    return counts


def _compile(parallel: bool):
    import types

    fn = types.FunctionType(_dvs_kernel.__code__, _dvs_kernel.__globals__,
                            "dvs_kernel_parallel" if parallel else "dvs_kernel_serial")
    fn.__qualname__ = fn.__name__
    fn.__doc__ = _dvs_kernel.__doc__
    return numba.njit(cache=True, parallel=parallel, fastmath={"nnan", "nsz"})(fn)


dvs_kernel_serial = _compile(False)
dvs_kernel_parallel = _compile(True)
