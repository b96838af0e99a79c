"""Discrete-time compact model of the signed LIF MTJ neuron (:class:`CompactSignedLIF`), its fit to the macrospin
device (:func:`fit_compact`), its simulation (:func:`simulate_compact`) and the shipped default
(:func:`default_signed_mtj_neuron`).

Compact model (devices.md §2), time step Δt, state u (the integration-axis component m·ŷ of the device):

    u[k+1] = λ u[k] + g I[k] + σ ξ[k],   ξ ~ N(0, 1)
    s[k+1] = +1 if u[k+1] > θ₊,  −1 if u[k+1] < −θ₋,  else 0;  after a spike u ← 0 ("zero") or u ← u ∓ θ
    ("subtract").

Fit (:func:`fit_compact`), all from macrospin simulations of the device, zero temperature unless stated:
λ = exp(−Δt/τ) with τ fitted to the ring-down of a small tilt; g = (1 − λ) du∞/dI from the small-signal DC tilt;
the firing probability within one step from rest, P(spike | I, T), from device ensembles at T, fitted by a
logistic per sign; σ from the thermal smearing of that threshold, σ = g · w π/√3 (w the logistic scale: one
compact step from rest fires with probability Φ((gI − θ)/σ)); θ± from the device's threshold crossings: the
thresholds at which the compact model (with its noise) emits as many +1 (−1) spikes as the device at T on a
400 ns training train of signed currents (a new value in ±1.6 I_th every 1 ns, 30 % of the segments silent); the DC
threshold currents I_th± by bisection; the energy per spike from the device at a DC drive of 1.2 I_th. Fit errors
on fresh test trains: RMS of u on a sub-threshold signed train at T = 0 (leaky integration only, compact
thresholds disabled; the device does not fire) and the relative spike-count error (|Δn₊| + |Δn₋|)/n on an 800 ns
signed train at T drawn like the training train (device: mean of 16 thermal runs, compact: mean of 64 noise
realisations).

Why σ is not the equilibrium fluctuation of u: at 300 K m_y fluctuates by ≈ 0.15 (⟨m_y²⟩ from the Boltzmann
distribution, reported in the fit details), but the device only fires by escaping over the 21.6 k_BT barrier, so
it is silent at zero input; a linear-threshold model with that much Gaussian noise would fire spontaneously.

Limits: above threshold the device escapes precessionally (≈ 0.3–0.9 ns per spike), faster than a first-order
leak with τ ≈ 0.9 ns can integrate; a single θ cannot match both the spike counts under drive and the DC
threshold (θ_rheobase = (du∞/dI) I_th, reported in the fit details, is about twice the count-matched θ), so the
compact neuron also fires for DC inputs between ≈ θ/(du∞/dI) and I_th where the device does not. The firing
probability P(spike | I, T) keeps the device's threshold current.

:func:`default_signed_mtj_neuron` returns the fit of the orthogonal-easy-axis preset. Fitting compiles the Numba
kernel (≈ 15 s once) and runs a few seconds, so the result at 300 K is shipped in
``devices/signed_mtj_compact.json``; ``tests/devices/test_compact.py`` re-runs the fit and checks the shipped numbers.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from pathlib import Path

import numpy as np

from devices._check import positive_int, real, real_array

__all__ = [
    "FIT_SETTINGS",
    "SHIPPED_PATH",
    "CompactSignedLIF",
    "default_signed_mtj_neuron",
    "fit_compact",
    "simulate_compact",
]

SHIPPED_PATH = Path(__file__).resolve().parent / "signed_mtj_compact.json"
FIT_SETTINGS = dict(dt_c_s=1e-9, dt_s=1e-12, seed=0, n_trials=128, preset="signed_orthogonal_ellipse")
"""Settings of the shipped fit (:func:`default_signed_mtj_neuron`)."""


@dataclass(frozen=True)
class CompactSignedLIF:
    """Fitted discrete-time signed LIF neuron (see module doc for the update rule).

    Fields: ``dt_s`` step [s]; ``leak`` λ = exp(−dt/τ); ``tau_s`` τ [s]; ``gain_per_A`` g [state units per A
    per step]; ``theta_pos``, ``theta_neg`` thresholds (> 0, state units; −1 spikes when u < −theta_neg);
    ``reset`` "zero" | "subtract"; ``noise_std`` σ [state units per step at ``T_K``]; ``T_K`` [K];
    ``p_fire_I50_A`` (I50 for +1 spikes, I50 for −1 spikes as a magnitude) [A] and ``p_fire_width_A``
    (w₊, w₋) [A]: P(+1 spike within ``p_fire_window_s`` from rest | I) = 1/(1 + exp(−(I − I50₊)/w₊)), likewise
    for −1 spikes with −I; ``I_scale_A`` the current that one unit of synaptic input represents (the mean DC
    threshold current); ``energy_per_spike_J`` [J]; ``fit_rms_u`` RMS error of u on a sub-threshold train;
    ``fit_spike_count_rel_error``; ``source`` provenance text; ``p_fire_window_s`` [s].
    """

    dt_s: float
    leak: float
    tau_s: float
    gain_per_A: float
    theta_pos: float
    theta_neg: float
    reset: str
    noise_std: float
    T_K: float
    p_fire_I50_A: tuple[float, float]
    p_fire_width_A: tuple[float, float]
    I_scale_A: float
    energy_per_spike_J: float
    fit_rms_u: float
    fit_spike_count_rel_error: float
    source: str
    p_fire_window_s: float = 0.0

    def __post_init__(self):
        real("dt_s", self.dt_s, 0.0, lo_open=True, unit="s")
        real("tau_s", self.tau_s, 0.0, lo_open=True, unit="s")
        real("leak", self.leak, 0.0, 1.0, lo_open=True, hi_open=True)
        real("gain_per_A", self.gain_per_A, unit="per A")
        real("theta_pos", self.theta_pos, 0.0, lo_open=True)
        real("theta_neg", self.theta_neg, 0.0, lo_open=True)
        if self.reset not in ("zero", "subtract"):
            raise ValueError(f"reset must be 'zero' or 'subtract', got {self.reset!r}")
        real("noise_std", self.noise_std, 0.0)
        real("T_K", self.T_K, 0.0, 2000.0, unit="K")
        for name in ("p_fire_I50_A", "p_fire_width_A"):
            if real_array(name, getattr(self, name), unit="A").shape != (2,):
                raise ValueError(f"{name} must have 2 entries (+1 and -1 spikes)")
        real_array("p_fire_width_A", self.p_fire_width_A, 0.0, lo_open=True, unit="A")
        real("I_scale_A", self.I_scale_A, 0.0, unit="A")
        real("energy_per_spike_J", self.energy_per_spike_J, 0.0, unit="J")
        real("p_fire_window_s", self.p_fire_window_s, 0.0, unit="s")

    def to_dict(self) -> dict:
        """JSON-ready dict (tuples become lists)."""
        d = asdict(self)
        d["p_fire_I50_A"] = list(self.p_fire_I50_A)
        d["p_fire_width_A"] = list(self.p_fire_width_A)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> CompactSignedLIF:
        """Inverse of :meth:`to_dict` (unknown keys are ignored)."""
        names = {f.name for f in fields(cls)}
        kw = {k: v for k, v in d.items() if k in names}
        kw["p_fire_I50_A"] = tuple(kw["p_fire_I50_A"])
        kw["p_fire_width_A"] = tuple(kw["p_fire_width_A"])
        return cls(**kw)

    def p_fire(self, I_A) -> tuple[np.ndarray, np.ndarray]:
        """(P(+1 spike), P(−1 spike)) within ``p_fire_window_s`` from rest for currents ``I_A`` [A]."""
        I = real_array("I_A", I_A, unit="A")
        pp = 1.0 / (1.0 + np.exp(-(I - self.p_fire_I50_A[0]) / self.p_fire_width_A[0]))
        pn = 1.0 / (1.0 + np.exp(-(-I - self.p_fire_I50_A[1]) / self.p_fire_width_A[1]))
        return pp, pn


def simulate_compact(model: CompactSignedLIF, I_A, *, seed: int | None = 0, noise: bool = True,
                     u0=0.0) -> tuple[np.ndarray, np.ndarray]:
    """Run the compact model on input currents ``I_A`` of shape (K,) or (K, N) [A], one value per step.

    Returns (u, s): u (K, ...) the state after each step (after reset), s (K, ...) int8 spikes in {−1, 0, +1}.
    ``noise`` adds σ ξ with a NumPy generator seeded by ``seed``.
    """
    I = real_array("I_A", I_A, unit="A")
    if I.ndim not in (1, 2):
        raise ValueError(f"I_A must have shape (K,) or (K, N), got {I.shape}")
    u0 = real_array("u0", u0)
    rng = np.random.default_rng(seed)
    u = np.broadcast_to(np.asarray(u0, dtype=float), I.shape[1:]).copy()
    us = np.empty_like(I)
    ss = np.zeros(I.shape, dtype=np.int8)
    sig = model.noise_std if noise else 0.0
    for k in range(I.shape[0]):
        u = model.leak * u + model.gain_per_A * I[k]
        if sig > 0:
            u = u + sig * rng.standard_normal(u.shape)
        pos = u > model.theta_pos
        neg = u < -model.theta_neg
        ss[k] = pos.astype(np.int8) - neg.astype(np.int8)
        if model.reset == "zero":
            u = np.where(pos | neg, 0.0, u)
        else:
            u = u - model.theta_pos * pos + model.theta_neg * neg
        us[k] = u
    return us, ss


# ------------------------------------------------------------------------------------------ fitting
def _ringdown_tau(neuron, dt: float) -> tuple[float, float]:
    """τ from the T = 0 ring-down of a 3° tilt toward the integration axis (fit e^{−t/τ}(a cos ωt + b sin ωt))."""
    from scipy.optimize import curve_fit

    th = math.radians(3.0)
    y = np.asarray(neuron.state_axis, dtype=float)
    z = np.asarray(neuron.rest_axis, dtype=float)
    m0 = math.sin(th) * y + math.cos(th) * z
    p1 = neuron.params.take(slice(0, 1)).replace(T_K=0.0)
    from devices.simulate import simulate

    n = round(6 * neuron.tau_s()[0] / dt)
    r = simulate(p1, m0, dt, n, save_every=5)
    t = r.t_s
    u = r.traj[:, 0] @ y
    tau0 = float(neuron.tau_s()[0])
    bx, by = (float(v[0]) for v in neuron.stiffness_T())
    w0 = neuron.params.gamma_rad_per_s_T[0] * math.sqrt(bx * by)

    def model(t, tau, w, a, b):
        return np.exp(-t / tau) * (a * np.cos(w * t) + b * np.sin(w * t))

    popt, _ = curve_fit(model, t, u, p0=(tau0, w0, u[0], 0.0))
    return float(popt[0]), float(popt[1])


def _dc_tilt_slope(neuron, dt: float, I_est: float) -> float:
    """du∞/dI [1/A] from DC currents ±(0.05, 0.1, 0.15)·I_est at T = 0 (least squares through the origin)."""
    from devices.simulate import Drive, simulate

    I = np.array([-0.15, -0.1, -0.05, 0.05, 0.1, 0.15]) * I_est
    p = neuron.params.take(np.zeros(I.size, dtype=int)).replace(T_K=0.0)
    n = round(12 * neuron.tau_s()[0] / dt)
    r = simulate(p, neuron.rest_axis, dt, n, drive=Drive(stt=I[:, None], stt_kind="current"),
                 save_every=10)
    tail = r.traj[-int(0.25 * r.traj.shape[0]):] @ np.asarray(neuron.state_axis, dtype=float)
    u_inf = tail.mean(axis=0)
    return float(np.dot(I, u_inf) / np.dot(I, I))


def _dc_thresholds(neuron, dt: float, I_est: float, window_s: float) -> tuple[float, float]:
    """Smallest DC current of each sign that fires within ``window_s`` at T = 0 (two grid refinements)."""
    from devices.neuron import SignedMTJNeuron

    lo, hi = 0.4 * I_est, 1.6 * I_est
    out = []
    for sign in (+1.0, -1.0):
        a, b = lo, hi
        for _ in range(2):
            I = np.linspace(a, b, 128)
            nn = SignedMTJNeuron(params=neuron.params.take(np.zeros(I.size, dtype=int)).replace(T_K=0.0),
                                 spike_axis=neuron.spike_axis, state_axis=neuron.state_axis,
                                 rest_axis=neuron.rest_axis, theta_spike=neuron.theta_spike, dt_s=dt)
            r = nn.run(sign * I[:, None], n_steps=round(window_s / dt), capacity=1)
            fired = (r.n_pos if sign > 0 else r.n_neg) > 0
            if not fired.any() or fired.all():
                raise RuntimeError(f"DC threshold not bracketed in [{a:.4g}, {b:.4g}] A")
            k = int(np.argmax(fired))
            a, b = I[max(k - 1, 0)], I[k]
        out.append(float(0.5 * (a + b)))
    return out[0], out[1]


def _p_fire(neuron, dt: float, I_th: tuple[float, float], window_s: float, T_K: float, n_trials: int,
            seed: int) -> tuple[tuple[float, float], tuple[float, float], dict]:
    """Logistic fit of the probability to fire within ``window_s`` from rest at T_K, per sign."""
    from scipy.optimize import curve_fit

    from devices.neuron import SignedMTJNeuron

    rel = np.linspace(0.6, 2.0, 29)
    I50, W, raw = [], [], {}
    for sign, ith in ((+1.0, I_th[0]), (-1.0, I_th[1])):
        I = np.repeat(rel * ith, n_trials)
        nn = SignedMTJNeuron(params=neuron.params.take(np.zeros(I.size, dtype=int)).replace(T_K=T_K),
                             spike_axis=neuron.spike_axis, state_axis=neuron.state_axis, rest_axis=neuron.rest_axis,
                             theta_spike=neuron.theta_spike, dt_s=dt)
        r = nn.run(sign * I[:, None], n_steps=round(window_s / dt), capacity=1,
                   seed=seed + (1 if sign > 0 else 2))
        fired = ((r.n_pos if sign > 0 else r.n_neg) > 0).reshape(rel.size, n_trials).mean(axis=1)
        x = rel * ith

        def logistic(x, i50, w):
            return 1.0 / (1.0 + np.exp(-(x - i50) / w))

        if T_K > 0:
            popt, _ = curve_fit(logistic, x, fired, p0=(ith, 0.05 * ith), maxfev=10000)
            i50, w = float(popt[0]), abs(float(popt[1]))
        else:  # deterministic: a step; width set by the current grid resolution
            k = int(np.argmax(fired > 0.5))
            i50, w = float(0.5 * (x[max(k - 1, 0)] + x[k])), float(0.25 * (x[1] - x[0]))
        I50.append(i50)
        W.append(w)
        raw["+" if sign > 0 else "-"] = {"I_A": x.tolist(), "p": fired.tolist()}
    return (I50[0], I50[1]), (W[0], W[1]), raw


def _energy_per_spike(neuron, dt: float, I_th: tuple[float, float]) -> float:
    from devices.neuron import SignedMTJNeuron

    I = np.array([1.2 * I_th[0], -1.2 * I_th[1]])
    nn = SignedMTJNeuron(params=neuron.params.take(np.zeros(2, dtype=int)).replace(T_K=0.0),
                         spike_axis=neuron.spike_axis, state_axis=neuron.state_axis, rest_axis=neuron.rest_axis,
                         theta_spike=neuron.theta_spike, dt_s=dt)
    r = nn.run(I[:, None], n_steps=round(50e-9 / dt))
    return float(np.sum(r.energy_J) / np.sum(r.n_spikes))


def _compact_counts(model: CompactSignedLIF, I_steps: np.ndarray, n_real: int = 1, seed: int = 0
                    ) -> tuple[float, float]:
    """Mean (+1, −1) spike counts of the compact model on a train over ``n_real`` noise realisations."""
    I = np.repeat(I_steps[:, None], n_real, axis=1)
    _, s = simulate_compact(model, I, seed=seed, noise=model.noise_std > 0)
    return float((s > 0).sum(axis=0).mean()), float((s < 0).sum(axis=0).mean())


def _device_train(neuron, dt: float, I_steps: np.ndarray, dt_c: float, *, T_K: float = 0.0, n_runs: int = 1,
                  seed: int = 0):
    """Device response to a piecewise-constant current (one value per compact step) at T_K, ``n_runs`` thermal
    realisations: u (K, n_runs) at the end of each compact step and the mean (+1, −1) spike counts."""
    from devices.neuron import SignedMTJNeuron

    per = round(dt_c / dt)
    wave = np.repeat(I_steps, per)
    nn = SignedMTJNeuron(params=neuron.params.take(np.zeros(n_runs, dtype=int)).replace(T_K=T_K),
                         spike_axis=neuron.spike_axis, state_axis=neuron.state_axis, rest_axis=neuron.rest_axis,
                         theta_spike=neuron.theta_spike, dt_s=dt)
    r = nn.run(wave, save_every=per, capacity=1, seed=seed)
    return r.u, float(r.n_pos.mean()), float(r.n_neg.mean()), r


def fit_compact(neuron=None, *, T_K: float = 300.0, dt_c_s: float = 1e-9, dt_s: float = 1e-12, seed: int = 0,
                n_trials: int = 128, reset: str = "zero", details: dict | None = None) -> CompactSignedLIF:
    """Fit :class:`CompactSignedLIF` to a :class:`devices.neuron.SignedMTJNeuron` (default: the orthogonal-
    easy-axis preset; only its first junction is used).

    ``T_K`` temperature of the noise and firing-probability fits; ``dt_c_s`` compact time step; ``dt_s``
    device integration step; ``n_trials`` device runs per current for P(spike | I); ``details`` (optional dict)
    receives intermediate results (analytic τ, ring-down frequency, thresholds, P(I) points, train errors).

    Raises ValueError for non-positive ``dt_c_s``/``dt_s`` or ``dt_c_s`` not a multiple of ``dt_s``.
    """
    from devices import analytic as A
    from devices import constants as C
    from devices.neuron import SignedMTJNeuron

    dt_c_s = real("dt_c_s", dt_c_s, 0.0, lo_open=True, unit="s")
    dt_s = real("dt_s", dt_s, 0.0, 1e-9, lo_open=True, unit="s")
    n_trials = positive_int("n_trials", n_trials, 1)
    if abs(dt_c_s / dt_s - round(dt_c_s / dt_s)) > 1e-6 or round(dt_c_s / dt_s) < 10:
        raise ValueError("dt_c_s must be a multiple (>= 10) of dt_s")
    T_K = real("T_K", T_K, 0.0, 2000.0, unit="K")
    if reset not in ("zero", "subtract"):
        raise ValueError(f"reset must be 'zero' or 'subtract', got {reset!r}")
    neuron = neuron or SignedMTJNeuron.from_preset(dt_s=dt_s)
    I_est = float(neuron.threshold_current_estimate_A()[0])
    tau, w_ring = _ringdown_tau(neuron, dt_s)
    lam = math.exp(-dt_c_s / tau)
    slope = _dc_tilt_slope(neuron, dt_s, I_est)
    g = (1.0 - lam) * slope
    window = 50e-9
    I_th = _dc_thresholds(neuron, dt_s, I_est, window)
    p = neuron.params
    if T_K > 0:  # equilibrium fluctuation of u (reported; see the module doc for why σ is not taken from it)
        k = (0.5 * C.MU0_T_M_PER_A * p.Ms_A_per_m[0] ** 2 * p.volume_m3[0] * p.demag[0]
             - p.K_u_J_per_m3[0] * p.volume_m3[0] * p.easy_axis[0] ** 2)
        mom = A.boltzmann_moments_diagonal(tuple(k), T_K)
        u2 = float(np.dot(np.asarray(neuron.state_axis) ** 2, mom))
    else:
        u2 = 0.0
    I50, W, praw = _p_fire(neuron, dt_s, I_th, dt_c_s, T_K, n_trials, seed)
    # σ: thermal smearing of the firing threshold; a logistic of scale w has the variance of a Gaussian of
    # std w π/√3, and one compact step from rest fires with probability Φ((g I − θ)/σ): σ = g · w π/√3
    sigma = g * 0.5 * (W[0] + W[1]) * math.pi / math.sqrt(3.0) if T_K > 0 else 0.0
    e_spike = _energy_per_spike(neuron, dt_s, I_th)
    i_scale = float(0.5 * (I_th[0] + I_th[1]))
    rep = max(1, round(1e-9 / dt_c_s))
    n_dev = 16 if T_K > 0 else 1  # device runs (thermal realisations) per train
    n_cmp = 64 if T_K > 0 else 1  # compact noise realisations per train
    base = dict(dt_s=dt_c_s, leak=lam, tau_s=tau, gain_per_A=g, reset=reset, noise_std=sigma, T_K=T_K,
                p_fire_I50_A=I50, p_fire_width_A=W, I_scale_A=i_scale, energy_per_spike_J=e_spike, fit_rms_u=0.0,
                fit_spike_count_rel_error=0.0, source="", p_fire_window_s=dt_c_s)

    def train(rng, n):  # a new current every 1 ns, 30 % of the segments silent
        a = rng.uniform(-1.6, 1.6, n)
        a[rng.random(n) < 0.3] = 0.0
        return np.repeat(a, rep) * i_scale

    # θ± from the device's threshold crossings: the thresholds at which the compact model (with its noise, mean
    # over n_cmp realisations) emits as many +1 (−1) spikes as the device at T_K (mean over n_dev runs)
    tr = train(np.random.default_rng(seed + 98), 400)
    _, tp, tn, _ = _device_train(neuron, dt_s, tr, dt_c_s, T_K=T_K, n_runs=n_dev, seed=seed + 98)
    grid = np.arange(0.05, 0.8, 0.0025)
    cnt = np.array([_compact_counts(CompactSignedLIF(theta_pos=t, theta_neg=t, **base), tr, n_cmp, seed + 5)
                    for t in grid])
    theta_p = round(float(grid[np.argmin(np.abs(cnt[:, 0] - tp))]), 6)
    theta_n = round(float(grid[np.argmin(np.abs(cnt[:, 1] - tn))]), 6)
    model0 = CompactSignedLIF(theta_pos=theta_p, theta_neg=theta_n, **base)
    # out-of-sample test trains
    rng = np.random.default_rng(seed + 99)
    sub = np.repeat(rng.uniform(-0.8, 0.8, 200), rep) * i_scale
    u_dev, _, _, _ = _device_train(neuron, dt_s, sub, dt_c_s)
    # leaky-integration fidelity at T = 0: u with the compact thresholds out of reach (the device does not fire)
    u_cmp, _ = simulate_compact(CompactSignedLIF(**{**base, "theta_pos": 1e9, "theta_neg": 1e9}), sub, noise=False)
    rms = float(np.sqrt(np.mean((u_dev[:, 0] - u_cmp) ** 2)))
    sup = train(rng, 800)
    _, sp, sn, r_tr = _device_train(neuron, dt_s, sup, dt_c_s, T_K=T_K, n_runs=n_dev, seed=seed + 99)
    cp, cn = _compact_counts(model0, sup, n_cmp, seed + 6)
    err = float((abs(cp - sp) + abs(cn - sn)) / max(1e-9, sp + sn))
    _, s0 = simulate_compact(model0, np.zeros((1000, 64)), seed=seed + 7)  # spontaneous firing at zero input
    src = (f"hwsim devices.compact.fit_compact: macrospin fit of preset '{p.meta.get('preset', 'custom')}' "
           f"(arXiv:2606.03796 reconstruction, devices.md §2), T={T_K:g} K, dt_c={dt_c_s:g} s, dt={dt_s:g} s, "
           f"seed={seed}, n_trials={n_trials}")
    if details is not None:
        details.update(dict(tau_analytic_s=float(neuron.tau_s()[0]), ringdown_omega_rad_per_s=w_ring,
                            slope_per_A=slope, I_th_A=I_th, I_threshold_estimate_A=I_est, u2_eq=u2,
                            noise_std_equilibrium=math.sqrt(u2 * (1.0 - lam**2)),
                            p_fire_points=praw, theta_rheobase=(slope * I_th[0], slope * I_th[1]),
                            train_spikes_device=(tp, tn), test_spikes_device=(sp, sn), test_spikes_compact=(cp, cn),
                            compact_spontaneous_rate_per_step=float(np.mean(np.abs(s0))),
                            test_energy_per_spike_J=float(np.sum(r_tr.energy_J) / max(1, np.sum(r_tr.n_spikes)))))
    return CompactSignedLIF(**{**model0.to_dict(), "p_fire_I50_A": I50, "p_fire_width_A": W, "fit_rms_u": rms,
                               "fit_spike_count_rel_error": err, "source": src})


@lru_cache(maxsize=8)
def _load_or_fit(T_K: float) -> CompactSignedLIF:
    if SHIPPED_PATH.exists():
        data = json.loads(SHIPPED_PATH.read_text())
        if math.isclose(float(data["model"]["T_K"]), T_K) and data.get("settings") == FIT_SETTINGS:
            return CompactSignedLIF.from_dict(data["model"])
    s = FIT_SETTINGS
    return fit_compact(T_K=T_K, dt_c_s=s["dt_c_s"], dt_s=s["dt_s"], seed=s["seed"], n_trials=s["n_trials"])


def default_signed_mtj_neuron(T_K: float = 300.0) -> CompactSignedLIF:
    """The fitted compact model of the orthogonal-easy-axis signed-spike preset at temperature ``T_K`` [K].

    Memoised. At the shipped temperature (300 K) it reads ``devices/signed_mtj_compact.json`` (no
    simulation, no JIT); at other temperatures it runs :func:`fit_compact` once (≈ 15 s with compilation).
    Raises ValueError for a negative or non-finite ``T_K``.
    """
    return _load_or_fit(real("T_K", T_K, 0.0, 2000.0, unit="K"))


def write_shipped(path: Path = SHIPPED_PATH) -> CompactSignedLIF:
    """Re-run the shipped fit (300 K, :data:`FIT_SETTINGS`) and write it with its settings (maintainers)."""
    s = FIT_SETTINGS
    details: dict = {}
    model = fit_compact(T_K=300.0, dt_c_s=s["dt_c_s"], dt_s=s["dt_s"], seed=s["seed"], n_trials=s["n_trials"],
                        details=details)
    path.write_text(json.dumps({"settings": FIT_SETTINGS, "model": model.to_dict(),
                                "details": {k: v for k, v in details.items() if k != "p_fire_points"}},
                               indent=1) + "\n")
    return model
