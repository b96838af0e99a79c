"""Numba kernels of the sequential encoders (send-on-delta, sigma-delta); imported lazily by
:mod:`sensors.encoders`. Arrays are (T, C) float64, thresholds (C,); outputs int64 (T, C).
The NumPy engine in :mod:`sensors.encoders` implements the same arithmetic step for step."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def send_on_delta_kernel(x, delta, x0, max_events):  # pragma: no cover - compiled
    T, C = x.shape
    out = np.zeros((T, C), dtype=np.int64)
    for c in range(C):
        m = 0
        d = delta[c]
        for t in range(T):
            r = x0[c] + d * m
            k = int((x[t, c] - r) / d)  # trunc toward zero
            # guard the strict bound |x - r| < delta against round-off in the division
            r_new = x0[c] + d * (m + k)
            if x[t, c] - r_new >= d:
                k += 1
            elif x[t, c] - r_new <= -d:
                k -= 1
            if max_events > 0:
                if k > max_events:
                    k = max_events
                elif k < -max_events:
                    k = -max_events
            out[t, c] = k
            m += k
    return out


@numba.njit(cache=True)
def sigma_delta1_kernel(x, delta, max_level):  # pragma: no cover - compiled
    T, C = x.shape
    out = np.zeros((T, C), dtype=np.int64)
    for c in range(C):
        e = 0.0
        d = delta[c]
        for t in range(T):
            e += x[t, c]
            k = int(e / d)
            if k > max_level:
                k = max_level
            elif k < -max_level:
                k = -max_level
            e -= k * d
            out[t, c] = k
    return out


@numba.njit(cache=True)
def sigma_delta2_kernel(x, delta, max_level):  # pragma: no cover - compiled
    T, C = x.shape
    out = np.zeros((T, C), dtype=np.int64)
    for c in range(C):
        e1 = 0.0
        e2 = 0.0
        fb = 0.0
        d = delta[c]
        for t in range(T):
            e1 += x[t, c] - fb
            e2 += e1 - fb
            k = int(np.floor(e2 / d + 0.5))
            if k > max_level:
                k = max_level
            elif k < -max_level:
                k = -max_level
            fb = k * d
            out[t, c] = k
    return out
