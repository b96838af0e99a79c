"""Anomaly types of the robustness suite: the equation of each, its parameter ranges and the injector.

An anomaly acts on one channel j over an inclusive interval [a, b] of L = b − a + 1 samples, in the
components of the nominal signal (:mod:`fdir.suite.signals`: y = Q(m + n), primary cycle c). The anomalous
observation is x = Q(m' + n') with (m', n') below, equal to (m, n) outside [a, b] and on the other channels, so
x equals the nominal y everywhere else. u_j is the anomaly unit of channel j: the standard deviation of the first
difference of the nominal training prefix divided by √2 (the white-noise level for a smooth signal, the step size
for a random walk), at least the quantisation step. ± is a random sign.

================  ==============================================================  ==========================
type              equation on [a, b]                                              ranges
================  ==============================================================  ==========================
``point``         m'_a = m_a ± A·u_j  (L = 1)                                     A ~ U(6, 12)
``short``         m'_t = m_t ± A·u_j                                              L ~ U{3..20}, A ~ U(4, 8)
``long``          m'_t = m_t ± A·u_j·sin(π (t − a + 1)/(L + 1))  (half-sine bump) L ~ U{50..500}, A ~ U(3, 6)
``contextual``    m'_t = m_t − 2 c_t  (primary cycle half a period out of phase:  L ~ U{P/4..P}, P the cycle
                  a normal value at the wrong phase)                              period
``level_shift``   m'_t = m_t ± Δ·u_j for a ≤ t ≤ T − 1 (persists: b = T − 1)      Δ ~ U(4, 8)
``variance``      n'_t = k·n_t                                                    L ~ U{100..1000}, k ~ U(3, 6)
``frequency``     m'_t = m_t − c_t + c(a + r (t − a))  (cycle r times faster,     L ~ U{2P..6P}, r ~ U(2, 4)
                  phase-continuous at a)
``stuck``         x_t = y_{a−1}  (the last nominal observation is held)           L ~ U{50..500}
``correlation``   m'_{t,j} = m_{t,j} − 2 s_j w_j f_t  (channel j follows the      L ~ U{100..1000}
                  mirrored latent factor: correlation with the others flips sign)
================  ==============================================================  ==========================

Lengths are capped at 20 % of the test part (the samples after the training prefix) and at least the type's
minimum. Which types apply to which signal class is :data:`COMPATIBLE`: contextual and frequency need a primary
cycle (frequency is left out of ``quantised``, whose 300-2,000-sample cycle cannot show 2-6 periods inside 20 %
of a short test part), the correlation break needs several correlated channels, and level shifts are left out of
``trend_levels``, whose nominal level changes they would duplicate.
"""

from __future__ import annotations

import numpy as np

from fdir.suite.signals import SIGNAL_CLASSES, Signal, observe

__all__ = ["ANOMALY_TYPES", "COMPATIBLE", "LENGTHS", "anomaly_unit", "apply", "inject", "interval_length"]

ANOMALY_TYPES = ("point", "short", "long", "contextual", "level_shift", "variance", "frequency", "stuck",
                 "correlation", "none")
"""The anomaly types (module doc); ``none`` = an anomaly-free series."""

_ALL_BASIC = ("point", "short", "long", "level_shift", "variance", "stuck", "none")
COMPATIBLE: dict[str, tuple[str, ...]] = {
    "seasonal": ("point", "short", "long", "contextual", "level_shift", "variance", "frequency", "stuck", "none"),
    "bursty": _ALL_BASIC,
    "trend_levels": ("point", "short", "long", "variance", "stuck", "none"),
    "random_walk": _ALL_BASIC,
    "quantised": ("point", "short", "long", "contextual", "level_shift", "variance", "stuck", "none"),
    "modes": _ALL_BASIC,
    "correlated": ANOMALY_TYPES,
}
"""Anomaly types generated for each signal class (module doc)."""
assert set(COMPATIBLE) == set(SIGNAL_CLASSES)

LENGTHS = {"point": (1, 1), "short": (3, 20), "long": (50, 500), "variance": (100, 1000), "stuck": (50, 500),
           "correlation": (100, 1000)}
"""Interval length range (samples, inclusive) of the types with fixed ranges; contextual and frequency scale
with the cycle period, a level shift lasts to the end of the series (module doc)."""


def anomaly_unit(nominal_train: np.ndarray, step: float = 0.0) -> np.ndarray:
    """u_j (module doc) of a nominal training prefix (T, D) -> (D,): std of the first difference / √2, at least
    ``step`` and strictly positive."""
    u = np.std(np.diff(nominal_train, axis=0), axis=0) / np.sqrt(2)
    return np.maximum(np.maximum(u, step), 1e-12 * np.maximum(1.0, np.abs(nominal_train).max(axis=0)))


def interval_length(kind: str, sig: Signal, n_test: int, rng: np.random.Generator) -> int:
    """Draw the interval length L of ``kind`` (module doc), capped at 20 % of ``n_test`` and at least the
    type's minimum."""
    if kind in ("contextual", "frequency"):
        P = float(sig.cycle_period)
        lo, hi = (P / 4, P) if kind == "contextual" else (2 * P, 6 * P)
        lo, hi = int(np.ceil(lo)), int(hi)
    else:
        lo, hi = LENGTHS[kind]
    hi = max(lo, min(hi, int(0.2 * n_test)))
    return int(rng.integers(lo, hi + 1))


def inject(kind: str, sig: Signal, m: np.ndarray, n: np.ndarray, y: np.ndarray, a: int, b: int, j: int,
           unit: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """Apply anomaly ``kind`` on channel ``j`` over [a, b] (module doc) to the components ``m``, ``n`` (T, D) of
    the signal ``sig`` (its cycle and latent factor are read from ``sig``).

    ``y`` (T, D) the current observation (for ``stuck``), ``unit`` u_j. Returns ``(mean', noise', x_override,
    params)``: the new components (copies), a (T, D) array holding NaN except where the observation is overridden
    (``stuck``), and the drawn parameters (JSON-able).

    Raises
    ------
    ValueError
        for an unknown type, or a type the signal cannot carry (no cycle, one channel for ``correlation``).
    """
    m, n = np.array(m, np.float64), np.array(n, np.float64)
    over = np.full(y.shape, np.nan)
    t = np.arange(a, b + 1)
    sign = float(rng.choice([-1.0, 1.0]))
    p: dict = {"type": kind, "start": int(a), "end": int(b), "channel": int(j), "unit": float(unit)}
    if kind in ("point", "short"):
        A = rng.uniform(6, 12) if kind == "point" else rng.uniform(4, 8)
        m[a:b + 1, j] += sign * A * unit
        p.update(amplitude=float(A), sign=sign)
    elif kind == "long":
        A, L = rng.uniform(3, 6), b - a + 1
        m[a:b + 1, j] += sign * A * unit * np.sin(np.pi * (t - a + 1) / (L + 1))
        p.update(amplitude=float(A), sign=sign)
    elif kind == "level_shift":
        A = rng.uniform(4, 8)
        m[a:b + 1, j] += sign * A * unit
        p.update(amplitude=float(A), sign=sign)
    elif kind == "variance":
        k = rng.uniform(3, 6)
        n[a:b + 1, j] *= k
        p.update(factor=float(k))
    elif kind == "contextual":
        m[a:b + 1, j] -= 2 * sig.cycle(t)[:, j]
    elif kind == "frequency":
        r = rng.uniform(2, 4)
        m[a:b + 1, j] += sig.cycle(a + r * (t - a))[:, j] - sig.cycle(t)[:, j]
        p.update(ratio=float(r))
    elif kind == "stuck":
        over[a:b + 1, j] = y[a - 1, j]
    elif kind == "correlation":
        if m.shape[1] < 2 or "factor" not in sig.params:
            raise ValueError("anomaly 'correlation' needs a correlated multichannel signal")
        s, w = sig.params["scales"][j], sig.params["loadings"][j]
        m[a:b + 1, j] -= 2 * s * w * sig.params["factor"][a:b + 1]
    else:
        raise ValueError(f"kind={kind!r}, accepted: {ANOMALY_TYPES[:-1]}")
    return m, n, over, p


def apply(sig: Signal, m: np.ndarray, n: np.ndarray, over: np.ndarray) -> np.ndarray:
    """Observation x = Q(m' + n') with the ``stuck`` overrides (module doc)."""
    x = observe(m + n, sig)
    return np.where(np.isnan(over), x, over)
