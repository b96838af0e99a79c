"""Energy of the signed MTJ-LIF neuron for the MTJ core's cost, from the devices package's macrospin model.

One route from the device to the cost: the target ``mtj_core`` reads ``spike_J`` and ``neuron_update_J`` from
:func:`spike_energy` and :func:`sub_threshold_step_J` (through :mod:`hwsim.targets.providers`), at the target's
operating temperature ``T_K``.

Device: the orthogonal-easy-axis signed-spike MTJ of Zheng, Liu & Yang (arXiv:2606.03796) as reconstructed in
``devices`` (preset ``signed_orthogonal_ellipse``, :class:`devices.neuron.SignedMTJNeuron`). Its input is a signed
current through the junction; its resistance follows the TMR readout R(θ) = 1/G(θ),
G(θ) = ½(G_P + G_AP) + ½(G_P − G_AP) cos θ (Slonczewski, PRB 39, 6995 (1989), doi:10.1103/PhysRevB.39.6995),
θ the angle between m and the reference layer (the short axis x).

Energy per spike (J), E_spike(T) = E_drive(T) + E_reset:

* E_drive(T) = Σ_n ∫ I² R(θ_n(t)) dt / Σ_n spikes_n: the energy drawn from the input current source per spike
  under a supra-threshold DC drive I = ±``spike_drive_rel`` · I_th (half the junctions of each sign), from a
  stochastic-LLG ensemble at temperature T (Brown's thermal field, W. F. Brown, Phys. Rev. 130, 1677 (1963);
  Slonczewski torque, JMMM 159, L1 (1996)), integrated by the devices kernel. It contains the sub-threshold
  climb from rest to the threshold and the precessional escape; thermal noise shortens or lengthens the climb, so
  it depends on T.
* E_reset = (``reset_current_rel`` · I_th)² · R_rest · ``reset_pulse_s``: the pulse that returns m to the rest
  state +z after a spike. The devices model resets m ideally and does not count it; its amplitude and length are
  assumptions of the target file (the junction's rest-state resistance R_rest is the path's resistance).

Sub-threshold drive energy per neuron update (J): E_step = (``drive_rms_rel`` · I_th)² · R_rest · Δt, the input
current flowing for the whole step Δt at its RMS value, through the rest-state resistance (small tilts change
cos θ to first order in the tilt, which is along y, orthogonal to x: R stays R_rest to second order). A step in
which the neuron spikes is counted both here and in E_drive (an upper bound by at most one step's drive).

I_th is the zero-temperature DC threshold current of the device (the mean of the two signs, bisected by
:func:`devices.compact.fit_compact`; ``I_scale_A`` of the shipped fit, which does not depend on T by definition);
R_rest = R(θ = 90°) = 2 R_P R_AP / (R_P + R_AP) with R_P = RA/area, R_AP = R_P (1 + TMR), computed by
:func:`devices.readout.resistance_ohm` at the rest direction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

SIM_DT_S = 1e-12
"""Macrospin integration step [s] (the devices fit's ``dt_s``)."""
SIM_DURATION_S = 50e-9
"""Length of the DC-drive run [s] (the devices fit's energy window)."""
SIM_JUNCTIONS = 64
"""Junctions in the thermal ensemble (32 per current sign)."""


@dataclass(frozen=True)
class SpikeEnergy:
    """Energy per spike of the MTJ neuron at ``T_K`` [K] (see the module docstring for the equations).

    ``drive_J`` E_drive and ``reset_J`` E_reset [J]; ``I_th_A`` the DC threshold current [A]; ``I_drive_A`` the
    magnitude of the DC drive [A]; ``R_rest_ohm`` [Ω]; ``spikes`` spikes counted in the ensemble;
    ``spike_rate_per_s`` mean spikes per junction per second at that drive; ``seed`` of the thermal noise.
    """

    T_K: float
    drive_J: float
    reset_J: float
    I_th_A: float
    I_drive_A: float
    R_rest_ohm: float
    spikes: int
    spike_rate_per_s: float
    seed: int

    @property
    def spike_J(self) -> float:
        """E_spike = E_drive + E_reset [J]."""
        return self.drive_J + self.reset_J


def _real(name: str, x: float, lo: float, hi: float, unit: str) -> float:
    v = float(x)
    if not (math.isfinite(v) and lo < v <= hi):
        raise ValueError(f"{name} must be finite and in ({lo:g}, {hi:g}] {unit}, got {x!r}")
    return v


def threshold_current_A() -> float:
    """Zero-temperature DC threshold current I_th [A] of the device (mean of both signs, from the shipped
    compact fit ``devices.compact.default_signed_mtj_neuron().I_scale_A``)."""
    from devices.compact import default_signed_mtj_neuron

    return float(default_signed_mtj_neuron().I_scale_A)


def rest_resistance_ohm() -> float:
    """Resistance of the junction at its rest state (m along the easy axis z, orthogonal to the reference layer)
    [Ω], from :func:`devices.readout.resistance_ohm`."""
    from devices.neuron import SignedMTJNeuron
    from devices.readout import resistance_ohm

    nn = SignedMTJNeuron.from_preset(n=1)
    return float(resistance_ohm(np.asarray(nn.rest_axis, dtype=float)[None, :], nn.params)[0])


@lru_cache(maxsize=64)
def spike_energy(T_K: float, spike_drive_rel: float = 1.2, reset_current_rel: float = 1.0,
                 reset_pulse_s: float = 1e-9, *, seed: int = 0) -> SpikeEnergy:
    """Energy per spike of the signed MTJ-LIF neuron at temperature ``T_K`` [K] (memoised per arguments).

    ``spike_drive_rel`` DC drive as a multiple of I_th (> 1: supra-threshold; the devices fit uses 1.2);
    ``reset_current_rel`` reset-pulse amplitude as a multiple of I_th; ``reset_pulse_s`` its length [s].
    Runs :data:`SIM_JUNCTIONS` junctions for :data:`SIM_DURATION_S` at :data:`SIM_DT_S` (≈ 0.2 s after the Numba
    kernel is compiled).

    Raises
    ------
    ValueError
        for ``T_K`` outside [0, 2000] K, ``spike_drive_rel`` outside (1, 10], ``reset_current_rel`` outside
        [0, 10], ``reset_pulse_s`` outside [0, 1e-6] s (NaN and inf included), or a drive that fires no spike.
    """
    from devices.neuron import SignedMTJNeuron

    T = float(T_K)
    if not (math.isfinite(T) and 0.0 <= T <= 2000.0):
        raise ValueError(f"T_K must be finite and in [0, 2000] K, got {T_K!r}")
    rel = _real("spike_drive_rel", spike_drive_rel, 1.0, 10.0, "x I_th")
    r_rel = float(reset_current_rel)
    if not (math.isfinite(r_rel) and 0.0 <= r_rel <= 10.0):
        raise ValueError(f"reset_current_rel must be finite and in [0, 10] x I_th, got {reset_current_rel!r}")
    t_reset = float(reset_pulse_s)
    if not (math.isfinite(t_reset) and 0.0 <= t_reset <= 1e-6):
        raise ValueError(f"reset_pulse_s must be finite and in [0, 1e-6] s, got {reset_pulse_s!r}")
    i_th = threshold_current_A()
    r_rest = rest_resistance_ohm()
    n = SIM_JUNCTIONS
    sign = np.where(np.arange(n) < n // 2, 1.0, -1.0)
    nn = SignedMTJNeuron.from_preset(n=n, dt_s=SIM_DT_S, T_K=T)
    n_steps = round(SIM_DURATION_S / SIM_DT_S)
    r = nn.run((sign * rel * i_th)[:, None], n_steps=n_steps, seed=seed, capacity=1)
    spikes = int(np.sum(r.n_spikes))
    if spikes == 0:
        raise ValueError(f"spike_drive_rel={rel:g} fired no spike in {SIM_DURATION_S:g} s at T_K={T:g} K")
    return SpikeEnergy(T_K=T, drive_J=float(np.sum(r.energy_J)) / spikes,
                       reset_J=(r_rel * i_th) ** 2 * r_rest * t_reset, I_th_A=i_th, I_drive_A=rel * i_th,
                       R_rest_ohm=r_rest, spikes=spikes, spike_rate_per_s=spikes / (n * n_steps * SIM_DT_S),
                       seed=seed)


def sub_threshold_step_J(drive_rms_rel: float, step_s: float) -> float:
    """Drive energy of one neuron for one time step below threshold, (``drive_rms_rel`` · I_th)² · R_rest · Δt
    [J] (module docstring); ``step_s`` Δt [s].

    Raises ValueError for ``drive_rms_rel`` outside [0, 1] (a sub-threshold RMS current) or ``step_s`` outside
    (0, 1] s, NaN and inf included.
    """
    d = float(drive_rms_rel)
    if not (math.isfinite(d) and 0.0 <= d <= 1.0):
        raise ValueError(f"drive_rms_rel must be finite and in [0, 1] x I_th, got {drive_rms_rel!r}")
    dt = _real("step_s", step_s, 0.0, 1.0, "s")
    return (d * threshold_current_A()) ** 2 * rest_resistance_ohm() * dt
