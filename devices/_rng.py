"""Counter-based Gaussian generator shared (bit for bit in its integer part) by the Numba and JAX kernels.

Why counter-based: the thermal field of junction ``j`` at global step ``s`` is a pure function of
(seed, j, s), so results do not depend on thread count, block size, chunking of a long run, or backend.

Spec (all integer arithmetic modulo 2³²):

* ``mix32`` is the "lowbias32" integer finaliser (x ^= x>>16; x *= 0x7feb352d; x ^= x>>15; x *= 0x846ca68b;
  x ^= x>>16) of C. Wellons (public domain, https://nullprogram.com/blog/2018/07/31/), a bijection with
  full avalanche.
* junction key ``k_j = mix32(j·0x9E3779B9 + mix32(seed ^ 0x2545F491))``;
  step keys ``k_{s,c} = mix32(4 s + c)`` for c = 0..3 (period 2³⁰ steps).
* four 32-bit words ``h_c = mix32(k_j ^ k_{s,c})``; two Box–Muller pairs: radius
  r = √(−2 ln u) with u = (h_0 + 1)·2⁻³² ∈ (0, 1], angle θ = (π/2)(q + f) with quadrant q = h_1 >> 30 and
  f = (h_1 & (2³⁰−1))·2⁻³⁰; n_0 = r cos θ, n_1 = r sin θ; n_2 = r' cos θ' from (h_2, h_3).
* ln and cos/sin are evaluated with branch-free polynomials (IEEE-754 exponent split + atanh series for ln,
  Taylor series on [0, π/2) for cos/sin) so the loop vectorises without a vector math library (Box & Muller,
  Ann. Math. Statist. 29, 610 (1958)). The series lengths follow the working precision
  (:data:`SERIES_TERMS`): float64 to order 20/21 (error < 1e-14), float32 to the float32 rounding (see there).
* All integer arithmetic is 32-bit, so the hash runs on the same 32-bit vector lanes as float32 arithmetic
  (the counter-based design of Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11,
  doi:10.1145/2063384.2063405: the n-th value is a keyed bijective mix of the counter n).

This module holds the NumPy reference implementation used by the tests.
"""

from __future__ import annotations

import numpy as np

SERIES_TERMS: dict[str, tuple[int, int, int]] = {"float64": (10, 11, 11), "float32": (3, 7, 6)}
"""Terms (n_ln, n_cos, n_sin) of the series of the normal generator by working dtype, read by both kernels.

ln m = 2s(1 + s²/3 + … + s^(2 n_ln)/(2 n_ln + 1)) with s = (m−1)/(m+1), |s| ≤ 3 − 2√2 for m ∈ [1/√2, √2]: the
truncation error is below s^(2 n_ln + 2)/(2 n_ln + 3), 8e-8 relative for n_ln = 3 and 6e-19 for 10. cos and sin
on [0, π/2) by Taylor series of n terms (k = 0 … n−1): the error is below (π/2)^(2n)/(2n)! for cos and
(π/2)^(2n+1)/(2n+1)! for sin, i.e. 6e-9 (cos, 7 terms) and 6e-8 (sin, 6 terms) against float32's unit roundoff
6e-8, and < 1e-17 for 11 terms (derived)."""

M32 = 0xFFFFFFFF
GOLDEN = 0x9E3779B9
SEED_SALT = 0x2545F491


def mix32_np(x: np.ndarray) -> np.ndarray:
    """lowbias32 finaliser on uint32 arrays (wrapping arithmetic)."""
    x = np.asarray(x, dtype=np.uint32).copy()
    with np.errstate(over="ignore"):
        x ^= x >> np.uint32(16)
        x *= np.uint32(0x7FEB352D)
        x ^= x >> np.uint32(15)
        x *= np.uint32(0x846CA68B)
        x ^= x >> np.uint32(16)
    return x


def junction_keys_np(seed: int, n: int) -> np.ndarray:
    """k_j for j = 0..n−1 (uint32)."""
    s = mix32_np(np.uint32((int(seed) ^ SEED_SALT) & M32))
    j = np.arange(n, dtype=np.uint64)
    return mix32_np(((j * GOLDEN + np.uint64(s)) & np.uint64(M32)).astype(np.uint32))


def normals_np(seed: int, n: int, step: int) -> np.ndarray:
    """Reference thermal normals, shape (3, n), for junctions 0..n−1 at global step ``step`` (float64)."""
    kj = junction_keys_np(seed, n)
    h = [mix32_np(kj ^ mix32_np(np.uint32(((4 * int(step)) + c) & M32))) for c in range(4)]
    out = np.empty((3, n))
    for pair, (a, b) in enumerate(((h[0], h[1]), (h[2], h[3]))):
        u = (a.astype(np.float64) + 1.0) * 2.0**-32
        r = np.sqrt(-2.0 * np.log(u))
        theta = (np.pi / 2) * ((b >> np.uint32(30)).astype(np.float64)
                               + (b & np.uint32(0x3FFFFFFF)).astype(np.float64) * 2.0**-30)
        if pair == 0:
            out[0], out[1] = r * np.cos(theta), r * np.sin(theta)
        else:
            out[2] = r * np.cos(theta)
    return out
