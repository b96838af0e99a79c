"""Reaction-wheel assembly telemetry: 4 wheels x {motor current, temperature, commanded voltage, speed} every 4 s.

:func:`simulate` runs a batch of episodes (one seed each): manoeuvre demands (:mod:`fdir.reaction_wheel.sim.maneuvers`)
→ wheel physics under the PI speed loop with per-wheel friction faults (:mod:`fdir.reaction_wheel.sim.dynamics`) →
measurement model (noise, quantisation; :class:`fdir.reaction_wheel.sim.params.TelemetryParams`) → sensor faults
(:mod:`fdir.reaction_wheel.sim.faults`). Columns are wheel-major: ``4*wheel + q`` with q over (current [A], temperature
[K] (winding), voltage [V], speed [rad/s]); see :func:`fdir.reaction_wheel.sim.params.channel_names`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from fdir.reaction_wheel.sim.dynamics import WheelStates, integrate
from fdir.reaction_wheel.sim.faults import Fault, apply_sensor_fault, friction_schedule
from fdir.reaction_wheel.sim.maneuvers import ManeuverProfile, make_profile
from fdir.reaction_wheel.sim.params import N_CHANNELS, ManeuverParams, TelemetryParams, WheelParams

__all__ = ["DEFAULT_SCALE", "Telemetry", "measure", "simulate"]

DEFAULT_SCALE = np.tile([0.05, 0.5, 0.5, 5.0], 4)
"""Fallback σ_c per channel (A, K, V, rad/s) for fault magnitudes when no nominal statistics are given."""


@dataclass(frozen=True)
class Telemetry:
    """Simulated telemetry of B episodes with n samples each.

    ``x`` (B, n, 16) measured telemetry (SI units, wheel-major columns); ``t_s`` (n,) sample times;
    ``mask`` (B, n, 16) bool, True where an injected fault changed that sample (physical faults: every sample of
    the faulty wheel from the fault start); ``fault_id`` (B, n, 16) int, index of the fault in ``faults[b]`` that
    affects the sample (−1 none; the first listed wins); ``faults`` per-episode tuples of :class:`Fault`;
    ``states`` true wheel states; ``profile`` manoeuvre demands; ``seeds`` (B,).
    """

    x: np.ndarray
    t_s: np.ndarray
    mask: np.ndarray
    fault_id: np.ndarray
    faults: tuple[tuple[Fault, ...], ...]
    states: WheelStates
    profile: ManeuverProfile
    seeds: np.ndarray


def measure(states: WheelStates, telemetry: TelemetryParams, wheel: WheelParams,
            seeds: np.ndarray) -> np.ndarray:
    """Measured telemetry (B, n, 16) from the true states: current + N(0, (f_FS·i_max)²), temperature
    + N(0, σ_T²), voltage and speed quantised to their LSB (round to nearest). Each seed has its own stream."""
    B, n, _ = states.omega_rad_per_s.shape
    x = np.empty((B, n, 4, 4))
    x[..., 0] = states.current_A
    x[..., 1] = states.T_w_K
    x[..., 2] = states.voltage_V
    x[..., 3] = states.omega_rad_per_s
    for b, s in enumerate(seeds):
        rng = np.random.default_rng([int(s), 0xA11CE])
        x[b, :, :, 0] += rng.normal(0.0, telemetry.current_noise_frac_fs * wheel.i_max_A, size=(n, 4))
        x[b, :, :, 1] += rng.normal(0.0, telemetry.temperature_noise_K, size=(n, 4))
    for q, lsb in ((2, telemetry.voltage_quantum_V), (3, telemetry.speed_quantum_rad_per_s)):
        if lsb > 0:
            x[..., q] = np.round(x[..., q] / lsb) * lsb
    return x.reshape(B, n, N_CHANNELS)


def simulate(duration_s: float, seeds: Sequence[int] | np.ndarray | int,
             faults: Sequence[Sequence[Fault]] | None = None, *, wheel: WheelParams | None = None,
             maneuver: ManeuverParams | None = None, telemetry: TelemetryParams | None = None,
             scale: np.ndarray | None = None) -> Telemetry:
    """Simulate ``len(seeds)`` episodes of ``duration_s`` seconds of RWA telemetry with injected faults.

    Parameters
    ----------
    duration_s : episode length in seconds (≥ 60); n = floor(duration_s / dt_sample) + 1 samples.
    seeds : one integer seed per episode (manoeuvres, noise and fault randomness derive from it).
    faults : per episode, a sequence of :class:`Fault` (default: nominal episodes).
    scale : (16,) σ_c per channel for sensor-fault magnitudes (default :data:`DEFAULT_SCALE`).

    Raises
    ------
    ValueError
        when ``faults`` does not have one entry per seed, or from the parameter classes.
    """
    wheel = wheel or WheelParams()
    maneuver = maneuver or ManeuverParams()
    telemetry = telemetry or TelemetryParams()
    seeds = np.atleast_1d(np.asarray(seeds, dtype=np.int64))
    B = seeds.size
    faults = tuple(tuple(f) for f in faults) if faults is not None else tuple(() for _ in range(B))
    if len(faults) != B:
        raise ValueError(f"faults must have one entry per seed ({B}), got {len(faults)}")
    scale = DEFAULT_SCALE if scale is None else np.asarray(scale, dtype=np.float64)
    profile = make_profile(duration_s, seeds, wheel, maneuver)
    n = int(np.floor(duration_s / telemetry.dt_sample_s + 1e-9)) + 1
    fric = np.stack([friction_schedule(f, n) for f in faults])
    states = integrate(profile.omega_ref_rad_per_s, n, wheel, telemetry, fric, profile.tau_ext_Nm, profile.A)
    x = measure(states, telemetry, wheel, seeds)
    mask = np.zeros((B, n, N_CHANNELS), bool)
    fid = np.full((B, n, N_CHANNELS), -1, np.int64)
    for b in range(B):
        for j, flt in enumerate(faults[b]):
            m = np.zeros((n, N_CHANNELS), bool)
            if flt.kind == "friction":
                s, e = flt.interval(n)
                for w in flt.wheels:
                    m[s:e + 1, 4 * w:4 * w + 4] = True
            else:
                apply_sensor_fault(x[b], flt, scale, np.random.default_rng([int(seeds[b]), 0xFA, j]), m)
            fid[b][m & (fid[b] < 0)] = j
            mask[b] |= m
    return Telemetry(x=x, t_s=states.t_s, mask=mask, fault_id=fid, faults=faults, states=states, profile=profile,
                     seeds=seeds)
