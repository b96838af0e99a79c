"""Nominal signal classes of the robustness suite: equations, parameter ranges and generators.

Every class returns a :class:`Signal`: the expected part ``mean`` m (T, D), the noise part ``noise`` n (T, D),
the observation map Q and the primary cycle c (the periodic component that contextual and frequency anomalies
act on). The nominal observation is y = Q(m + n). Notation: t = 0 .. T−1 sample index, s a scale drawn
log-uniformly in [1e-2, 1e2] (so that no detector can rely on values lying in [-1, 1]), U(a, b) uniform,
logU log-uniform, N(0, σ²) Gaussian; all draws come from the series' own ``numpy.random.Generator``.

``seasonal`` (multi-seasonal periodic, D = 1, dt = 1 s)
    m_t = s·(c0 + Σ_{k=1..K} A_k sin(2π t/P_k + φ_k)), K ∈ {2, 3}, c0 ~ U(-1, 1), P_1 ~ U(40, 200),
    P_2 = P_1·U(4, 12), P_3 = P_2·U(3, 6), A_1 ~ U(1, 2), A_2 ~ U(0.5, 1.5), A_3 ~ U(0.3, 1), φ_k ~ U(0, 2π);
    n_t ~ N(0, (s·σ)²), σ ~ U(0.05, 0.15); Q = identity. Primary cycle: k = 1.
``bursty`` (bursty heavy-tailed counts, D = 1, dt = 60 s)
    λ_t = λ0 (1 + 0.3 sin(2π t/P + φ)) + Σ_i H_i 1[τ_i ≤ t < τ_i + d_i], λ0 ~ U(5, 30), P ~ U(100, 400); burst
    onsets τ_i Bernoulli(p) per sample, p ~ U(0.002, 0.01), durations d_i = 1 + Geometric(0.2), heights
    H_i = λ0·(1 + Lomax(α)), α ~ U(1.5, 2.5) (Pareto tail); counts y_t ~ Poisson(λ_t): m = λ, n = y − λ,
    Q(x) = max(round(x), 0). No primary cycle is exposed (the cycle is buried in the Poisson noise).
``trend_levels`` (trend with level changes, D = 1, dt = 10 s)
    m_t = s·(c0 + β t/T + Σ_i Δ_i 1[t ≥ τ_i]), c0 ~ U(-1, 1), β ~ U(-5, 5); level-change times τ_i form a
    Bernoulli(1/L̄) process with L̄ ~ U(1000, 3000) samples; Δ_i = ±U(2, 4) (nominal changes, also in training);
    n is AR(1), n_t = ρ n_{t−1} + e_t, ρ ~ U(0, 0.7), stationary std s (e_t ~ N(0, s²(1 − ρ²))); Q = identity.
``random_walk`` (random walk, D = 1, dt = 1 s)
    m_t = s·(c0 + Σ_{u ≤ t} w_u), w_u ~ N(0, 1); n_t ~ N(0, (s·σ)²), σ ~ U(0.2, 1); Q = identity.
``quantised`` (quiet low-noise quantised sensor, D = 1, dt = 4 s)
    quantisation step q = s; m_t = q·(c0 + A sin(2π t/P + φ)), c0 ~ U(-50, 50), A ~ U(3, 15), P ~ U(300, 2000);
    n_t ~ N(0, (q·σ)²), σ ~ U(0.2, 0.5); Q(x) = q·round(x/q). Primary cycle: the sine.
``modes`` (piecewise commanded modes, spacecraft housekeeping, D = 1, dt = 4 s)
    M ∈ {2, 3, 4} mode levels L_k = s·U(-5, 5) (re-drawn until they are ≥ s apart); the commanded mode changes
    after dwell times U(150, 1500) samples to another mode drawn uniformly; the value follows the command with a
    first-order response m_t = L_{k(t)} + (m_{t−1} − L_{k(t)})·exp(−1/τ), τ ~ U(2, 20) samples, m_0 = L_{k(0)};
    n_t ~ N(0, (s·σ)²), σ ~ U(0.05, 0.2); Q = identity.
``correlated`` (D ~ U{2..8} correlated channels, dt = 1 s)
    latent factor f_t = sin(2π t/P + φ) + z_t, P ~ U(50, 300), z AR(1) with ρ ~ U(0.95, 0.995) and stationary std
    U(0.3, 0.8); channel j: m_{t,j} = s_j (c_j + w_j f_t), s_j ~ logU(1e-2, 1e2), c_j ~ U(-1, 1),
    w_j = ±U(0.5, 2); n_{t,j} ~ N(0, (s_j σ_j)²), σ_j ~ U(0.05, 0.2); Q = identity. Primary cycle: the sine,
    amplitude s_j w_j on channel j.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.signal import lfilter

__all__ = ["DT_S", "SIGNAL_CLASSES", "Signal", "make_signal", "observe"]

SIGNAL_CLASSES = ("seasonal", "bursty", "trend_levels", "random_walk", "quantised", "modes", "correlated")
"""The signal classes (module doc), in suite order."""

DT_S = {"seasonal": 1.0, "bursty": 60.0, "trend_levels": 10.0, "random_walk": 1.0, "quantised": 4.0,
        "modes": 4.0, "correlated": 1.0}
"""Sampling interval of each class in seconds (the series' time index is t·dt_s)."""


@dataclass(frozen=True, eq=False)
class Signal:
    """Components of a nominal series (module doc). Shapes: ``mean``, ``noise`` (T, D) in value units;
    ``cycle_amp`` (D,) amplitude of the primary cycle c_{t,j} = cycle_amp_j·sin(2π t/cycle_period + cycle_phase)
    (``cycle_period`` in samples; None when the class has none); ``step`` the quantisation step (0: none);
    ``counts`` True for Q(x) = max(round(x), 0); ``noise_std`` (D,) the stationary noise std; ``params`` the
    drawn class parameters."""

    mean: np.ndarray
    noise: np.ndarray
    noise_std: np.ndarray
    step: float = 0.0
    counts: bool = False
    cycle_amp: np.ndarray | None = None
    cycle_period: float | None = None
    cycle_phase: float = 0.0
    params: dict = field(default_factory=dict)

    def cycle(self, t: np.ndarray) -> np.ndarray:
        """Primary cycle at (fractional) sample times ``t`` (n,) -> (n, D). Raises ValueError without a cycle."""
        if self.cycle_amp is None or self.cycle_period is None:
            raise ValueError("this signal class has no primary cycle")
        ph = 2 * np.pi * np.asarray(t, np.float64) / self.cycle_period + self.cycle_phase
        return np.sin(ph)[:, None] * self.cycle_amp[None, :]


def observe(x: np.ndarray, sig: Signal) -> np.ndarray:
    """The observation map Q of ``sig`` (module doc) applied to (T, D) values."""
    if sig.counts:
        return np.maximum(np.round(x), 0.0)
    if sig.step > 0:
        return sig.step * np.round(x / sig.step)
    return np.asarray(x, np.float64)


def _scale(rng: np.random.Generator) -> float:
    return float(10 ** rng.uniform(-2, 2))


def _seasonal(rng, T):
    s, t = _scale(rng), np.arange(T)
    K = int(rng.integers(2, 4))
    P = [rng.uniform(40, 200)]
    P.append(P[0] * rng.uniform(4, 12))
    P.append(P[1] * rng.uniform(3, 6))
    A = [rng.uniform(1, 2), rng.uniform(0.5, 1.5), rng.uniform(0.3, 1)]
    phi = rng.uniform(0, 2 * np.pi, 3)
    c0, sd = rng.uniform(-1, 1), rng.uniform(0.05, 0.15)
    m = s * (c0 + sum(A[k] * np.sin(2 * np.pi * t / P[k] + phi[k]) for k in range(K)))
    n = rng.normal(0, s * sd, T)
    return Signal(m[:, None], n[:, None], np.array([s * sd]), cycle_amp=np.array([s * A[0]]), cycle_period=P[0],
                  cycle_phase=float(phi[0]), params={"scale": s, "K": K, "periods": P[:K], "amplitudes": A[:K]})


def _bursty(rng, T):
    lam0, P, phi = rng.uniform(5, 30), rng.uniform(100, 400), rng.uniform(0, 2 * np.pi)
    p, alpha = rng.uniform(0.002, 0.01), rng.uniform(1.5, 2.5)
    lam = lam0 * (1 + 0.3 * np.sin(2 * np.pi * np.arange(T) / P + phi))
    for tau in np.flatnonzero(rng.random(T) < p):
        d = 1 + int(rng.geometric(0.2))
        lam[tau:tau + d] += lam0 * (1 + rng.pareto(alpha))
    y = rng.poisson(lam).astype(np.float64)
    return Signal(lam[:, None], (y - lam)[:, None], np.array([np.sqrt(lam0)]), counts=True,
                  params={"lambda0": lam0, "period": P, "burst_prob": p, "pareto_alpha": alpha})


def _trend_levels(rng, T):
    s, t = _scale(rng), np.arange(T)
    c0, beta, Lbar = rng.uniform(-1, 1), rng.uniform(-5, 5), rng.uniform(1000, 3000)
    taus = np.flatnonzero(rng.random(T) < 1 / Lbar)
    deltas = rng.choice([-1.0, 1.0], taus.size) * rng.uniform(2, 4, taus.size)
    steps = np.zeros(T)
    steps[taus] = deltas
    m = s * (c0 + beta * t / T + np.cumsum(steps))
    rho = rng.uniform(0, 0.7)
    e = rng.normal(0, s * np.sqrt(1 - rho**2), T)
    n = lfilter([1.0], [1.0, -rho], e, zi=[rho * rng.normal(0, s)])[0]
    return Signal(m[:, None], n[:, None], np.array([s]),
                  params={"scale": s, "trend": beta, "level_times": taus.tolist(), "level_steps": deltas.tolist(),
                          "ar_rho": rho})


def _random_walk(rng, T):
    s, c0, sd = _scale(rng), rng.uniform(-1, 1), rng.uniform(0.2, 1)
    m = s * (c0 + np.cumsum(rng.normal(0, 1, T)))
    n = rng.normal(0, s * sd, T)
    return Signal(m[:, None], n[:, None], np.array([s * sd]), params={"scale": s, "noise": sd})


def _quantised(rng, T):
    q = _scale(rng)
    c0, A, P, phi, sd = rng.uniform(-50, 50), rng.uniform(3, 15), rng.uniform(300, 2000), rng.uniform(0, 2 * np.pi), \
        rng.uniform(0.2, 0.5)
    m = q * (c0 + A * np.sin(2 * np.pi * np.arange(T) / P + phi))
    n = rng.normal(0, q * sd, T)
    return Signal(m[:, None], n[:, None], np.array([q * sd]), step=q, cycle_amp=np.array([q * A]), cycle_period=P,
                  cycle_phase=float(phi), params={"step": q, "amplitude_steps": A, "period": P})


def _modes(rng, T):
    s = _scale(rng)
    M = int(rng.integers(2, 5))
    while True:
        L = s * rng.uniform(-5, 5, M)
        if M == 1 or np.min(np.diff(np.sort(L))) >= s:
            break
    cmd = np.empty(T)
    k, t0 = int(rng.integers(M)), 0
    while t0 < T:
        d = int(rng.uniform(150, 1500))
        cmd[t0:t0 + d] = L[k]
        t0 += d
        k = int((k + rng.integers(1, M)) % M)
    tau, sd = rng.uniform(2, 20), rng.uniform(0.05, 0.2)
    a = np.exp(-1 / tau)
    m = lfilter([1 - a], [1.0, -a], cmd, zi=[a * cmd[0]])[0]
    n = rng.normal(0, s * sd, T)
    return Signal(m[:, None], n[:, None], np.array([s * sd]),
                  params={"scale": s, "levels": L.tolist(), "tau": tau})


def _correlated(rng, T):
    D = int(rng.integers(2, 9))
    P, phi = rng.uniform(50, 300), rng.uniform(0, 2 * np.pi)
    rho, zsd = rng.uniform(0.95, 0.995), rng.uniform(0.3, 0.8)
    e = rng.normal(0, zsd * np.sqrt(1 - rho**2), T)
    z = lfilter([1.0], [1.0, -rho], e, zi=[rho * rng.normal(0, zsd)])[0]
    f = np.sin(2 * np.pi * np.arange(T) / P + phi) + z
    s = 10 ** rng.uniform(-2, 2, D)
    c = rng.uniform(-1, 1, D)
    w = rng.choice([-1.0, 1.0], D) * rng.uniform(0.5, 2, D)
    sd = rng.uniform(0.05, 0.2, D)
    m = s * (c + w * f[:, None])
    n = rng.normal(0, 1, (T, D)) * (s * sd)
    return Signal(m, n, s * sd, cycle_amp=s * w, cycle_period=P, cycle_phase=float(phi),
                  params={"channels": D, "scales": s.tolist(), "offsets": c.tolist(), "loadings": w.tolist(),
                          "factor": f, "ar_rho": rho})


_MAKERS = {"seasonal": _seasonal, "bursty": _bursty, "trend_levels": _trend_levels, "random_walk": _random_walk,
           "quantised": _quantised, "modes": _modes, "correlated": _correlated}


def make_signal(signal_class: str, length: int, rng: np.random.Generator) -> Signal:
    """Draw a nominal :class:`Signal` of ``signal_class`` (one of :data:`SIGNAL_CLASSES`) with ``length`` samples.

    Raises
    ------
    ValueError
        for an unknown class or ``length`` < 2.
    """
    if signal_class not in _MAKERS:
        raise ValueError(f"signal_class={signal_class!r}, accepted: {SIGNAL_CLASSES}")
    if not isinstance(length, (int, np.integer)) or length < 2:
        raise ValueError(f"length={length!r}, accepted: an integer >= 2")
    return _MAKERS[signal_class](rng, int(length))
