"""Sweepable device experiments for ``hwsim sweep`` (CONTRIBUTING.md "Sweep experiments"): plain functions with
keyword-only scalar parameters (SI units in the names) and a seed, returning a flat dict of scalars. Accepted
ranges are declared in each function's ``RANGES`` (the sweep engine checks a spec against them before running)
and re-checked inside the function (ValueError naming the parameter).

* :func:`stt_switching` — switching probability and mean switching time of an STT-MRAM junction vs current
  density and temperature (an ensemble of thermal runs per point).
* :func:`signed_neuron_response` — the signed LIF MTJ neuron vs geometry and damping: leak time, barrier,
  threshold current, firing rate and energy per spike at a multiple of threshold.
* :func:`neel_brown_escape` — thermally activated escape time vs barrier height and damping, with the exact
  Fokker–Planck value alongside.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from devices._check import positive_int

__all__ = ["neel_brown_escape", "signed_neuron_response", "stt_switching"]


def _check(name: str, value: float, lo: float, hi: float, lo_open: bool = False) -> float:
    v = float(value)
    ok = (v > lo if lo_open else v >= lo) and v <= hi and math.isfinite(v)
    if not ok:
        raise ValueError(f"{name} must be in {'(' if lo_open else '['}{lo:g}, {hi:g}], got {value!r}")
    return v


def stt_switching(*, preset_name: Literal["pma_cofeb_disk", "inplane_cofeb_ellipse"] = "pma_cofeb_disk",
                  J_over_Jc0: float = 1.5, T_K: float = 300.0, pulse_s: float = 10e-9, n_runs: int = 256,
                  dt_s: float = 1e-12, dtype: Literal["float32", "float64"] = "float32",
                  seed: int = 0) -> dict[str, float | int | str]:
    """Switch from the antiparallel state with an STT pulse of J = J_over_Jc0 · J_c0 for ``pulse_s``.

    J_c0 is Sun's zero-temperature threshold J_c0 = 2eαMs t_F (B_a + B_b)/(2ħη) with the transverse stiffness
    fields about the easy axis (PMA preset: the Ikeda et al. value, 3.9 MA/cm²). Returns the switching
    probability, mean/median switching time of the switched runs [s],
    energy per pulse [J] (mean over runs) and J_c0 [A/m²].
    """
    from devices import analytic as A
    from devices.params import EventSpec
    from devices.presets import preset
    from devices.simulate import Drive, simulate

    _check("J_over_Jc0", J_over_Jc0, -20, 20)
    _check("T_K", T_K, 0, 1000)
    _check("pulse_s", pulse_s, 0, 1e-6, lo_open=True)
    n_runs = positive_int("n_runs", n_runs, 1, 10**6)
    p = preset(preset_name).params(n=n_runs, T_K=T_K)
    u = p.easy_axis[0]
    axis = int(np.argmax(np.abs(u)))
    ba, bb = A.transverse_stiffness_T(p.Ms_A_per_m[0], p.demag[0], p.K_u_J_per_m3[0], axis)
    jc0 = A.sun_critical_current_biaxial_A_per_m2(p.alpha[0], p.Ms_A_per_m[0], p.t_F_m[0], ba, bb, p.eta[0])
    n = round(pulse_s / dt_s)
    ev = EventSpec(axis=u, theta_pos=0.0, theta_neg=1.0, reset="none", capacity=1)
    r = simulate(p, -u, dt_s, n, drive=Drive(stt=J_over_Jc0 * jc0), events=ev, seed=seed, dtype=dtype)
    t = r.ev_step[:, 0] * dt_s
    sw = r.ev_step[:, 0] >= 0
    return {"p_switch": float(sw.mean()), "t_switch_mean_s": float(t[sw].mean()) if sw.any() else float("nan"),
            "t_switch_median_s": float(np.median(t[sw])) if sw.any() else float("nan"),
            "energy_per_pulse_J": float(r.energy_J.mean()), "Jc0_A_per_m2": float(jc0), "preset": preset_name}


stt_switching.RANGES = {"J_over_Jc0": (-20.0, 20.0), "T_K": (0.0, 1000.0), "pulse_s": (0.0, 1e-6, "(]"),
                        "n_runs": (1, 1_000_000), "dt_s": (0.0, 1e-11, "(]")}


def signed_neuron_response(*, lx_m: float = 10e-9, ly_m: float = 45e-9, lz_m: float = 50e-9, alpha: float = 0.02,
                           shape: Literal["ellipsoid", "cylinder"] = "ellipsoid", I_over_Ith: float = 1.2,
                           T_K: float = 0.0,
                           sim_time_s: float = 50e-9, seed: int = 0) -> dict[str, float | int | str]:
    """The signed LIF MTJ neuron for one geometry and damping: analytic leak time τ and barrier, the DC
    threshold current (T = 0 bisection over 64 currents), and under a DC drive of ``I_over_Ith`` × threshold at
    ``T_K``: the firing rate [Hz] and the energy per spike [J] (``nan`` when it does not fire)."""
    from devices.neuron import SignedMTJNeuron

    for name, v in (("lx_m", lx_m), ("ly_m", ly_m), ("lz_m", lz_m)):
        _check(name, v, 0, 1e-6, lo_open=True)
    _check("alpha", alpha, 0, 1, lo_open=True)
    _check("I_over_Ith", I_over_Ith, -10, 10)
    _check("T_K", T_K, 0, 1000)
    _check("sim_time_s", sim_time_s, 1e-9, 1e-6)
    if not (lz_m > ly_m > lx_m):
        raise ValueError("the signed device needs lx_m < ly_m < lz_m (short axis x, long in-plane y, easy z)")
    nr = SignedMTJNeuron.from_preset(lx_m=lx_m, ly_m=ly_m, lz_m=lz_m, alpha=alpha, shape=shape)
    i_est = float(nr.threshold_current_estimate_A()[0])
    I = np.linspace(0.3, 1.7, 64) * i_est
    nn = SignedMTJNeuron.from_preset(n=I.size, lx_m=lx_m, ly_m=ly_m, lz_m=lz_m, alpha=alpha, shape=shape)
    r0 = nn.run(I[:, None], n_steps=round(20e-9 / nn.dt_s), capacity=1)
    fired = r0.n_pos > 0
    i_th = float(I[int(np.argmax(fired))]) if fired.any() else float("nan")
    out = {"tau_s": float(nr.tau_s()[0]), "barrier_kT300": float(nr.barrier_kT()[0]), "I_th_A": i_th,
           "I_th_estimate_A": i_est, "firing_rate_Hz": float("nan"), "energy_per_spike_J": float("nan")}
    if math.isfinite(i_th):
        n = round(sim_time_s / nr.dt_s)
        r = nr.run(I_over_Ith * i_th, n_steps=n, T_K=T_K, seed=seed)
        out["firing_rate_Hz"] = float(r.n_spikes[0] / sim_time_s)
        out["energy_per_spike_J"] = float(r.energy_per_spike_J[0])
    return out


signed_neuron_response.RANGES = {"lx_m": (0.0, 1e-6, "(]"), "ly_m": (0.0, 1e-6, "(]"), "lz_m": (0.0, 1e-6, "(]"),
                                 "alpha": (0.0, 1.0, "(]"), "I_over_Ith": (-10.0, 10.0), "T_K": (0.0, 1000.0),
                                 "sim_time_s": (1e-9, 1e-6)}


def neel_brown_escape(*, sigma: float = 4.0, alpha: float = 0.1, T_K: float = 300.0, n_runs: int = 512,
                      dt_s: float = 2.5e-12, seed: int = 0) -> dict[str, float | int | str]:
    """Mean thermal escape time of a uniaxial particle (Ms = 1e6 A/m, V = 1e-24 m³) with barrier σ k_B T, run to
    4 τ with the exponential tail added; returns it with the exact Fokker–Planck value and Brown's asymptote."""
    from devices import analytic as A
    from devices import constants as C
    from devices.params import EventSpec, MacrospinParams
    from devices.simulate import simulate

    _check("sigma", sigma, 0.5, 15)
    _check("alpha", alpha, 0, 10, lo_open=True)
    _check("T_K", T_K, 0, 2000, lo_open=True)
    n_runs = positive_int("n_runs", n_runs, 16, 10**6)
    V, Ms = 1e-24, 1e6
    K = sigma * C.K_B_J_PER_K * T_K / V
    p = MacrospinParams.build(n=n_runs, Ms_A_per_m=Ms, alpha=alpha, demag=(0, 0, 0), volume_m3=V, area_m2=1e-16,
                              t_F_m=1e-8, K_u_J_per_m3=K, T_K=T_K)
    tn = A.neel_time_s(alpha, Ms, V, T_K)
    tau = A.neel_brown_mfpt_s(sigma, tn)
    n = math.ceil(4 * tau / dt_s)
    ev = EventSpec(axis=(0, 0, 1), theta_pos=1.0, theta_neg=0.0, reset="none", capacity=1)
    r = simulate(p, (0, 0, 1), dt_s, n, events=ev, seed=seed)
    hit = r.ev_step[:, 0] >= 0
    t = np.where(hit, r.ev_step[:, 0] * dt_s, n * dt_s)
    tmax = n * dt_s
    late = t >= tmax / 2
    tail = float(np.sum(t[late] - tmax / 2) / max(1, int(np.sum(hit & late))))
    mean = float(np.mean(np.minimum(t, tmax)) + np.mean(~hit) * tail)
    return {"tau_mean_s": mean, "tau_exact_s": tau, "tau_brown_asymptote_s": A.brown_asymptotic_mfpt_s(sigma, tn),
            "rel_error": mean / tau - 1.0, "not_escaped": int((~hit).sum())}


neel_brown_escape.RANGES = {"sigma": (0.5, 15.0), "alpha": (0.0, 10.0, "(]"), "T_K": (0.0, 2000.0, "(]"),
                            "n_runs": (16, 1_000_000), "dt_s": (0.0, 1e-10, "(]")}
