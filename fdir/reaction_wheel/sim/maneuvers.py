"""Attitude-manoeuvre torque demands and the wheel momentum references they induce.

Body-frame demands on a 1-s grid (see :class:`fdir.reaction_wheel.sim.params.ManeuverParams` for the profile
definitions):

* slews: bang-coast-bang torque τ_slew(t) about a random axis (net zero momentum per slew);
* environmental disturbance τ_dist(t) = d0 + d1 sin(2π t/T_orb + φ) absorbed by the wheels;
* momentum dumps: a magnetorquer torque τ_mtq that removes the accumulated wheel momentum linearly over the dump.

The wheels must take the body momentum H_w(t) = ∫ (−τ_slew + τ_dist + τ_mtq) dt, shared by the minimum-norm
pyramid distribution, on top of the null-space bias: h_ref(t) = J ω_bias n_s + A⁺ H_w(t), with n_s = (1, −1, 1,
−1) (Markley & Crassidis 2014, §7.2). The speed reference is ω_ref = h_ref / J.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fdir.reaction_wheel.sim.params import ManeuverParams, WheelParams
from fdir.reaction_wheel.sim.pyramid import distribution_matrix, pseudo_inverse

__all__ = ["ManeuverProfile", "make_profile", "slew_torque"]


@dataclass(frozen=True)
class ManeuverProfile:
    """Demands of a batch of episodes on the 1-s grid ``t_s`` (n,).

    ``tau_slew_Nm``, ``tau_ext_Nm`` (B, n, 3): commanded slew torque and external body torque (disturbance +
    magnetorquer); ``H_wheels_Nms`` (B, n, 3): body momentum the wheels must hold (beyond the bias);
    ``omega_ref_rad_per_s`` (B, n, 4): wheel speed references; ``A`` (3, 4) distribution matrix; ``P`` (4, 3)
    pseudo-inverse used.
    """

    t_s: np.ndarray
    tau_slew_Nm: np.ndarray
    tau_ext_Nm: np.ndarray
    H_wheels_Nms: np.ndarray
    omega_ref_rad_per_s: np.ndarray
    A: np.ndarray
    P: np.ndarray


def slew_torque(t_s: np.ndarray, t0_s: float, tau_Nm: float, t_acc_s: float, t_coast_s: float,
                t_ramp_s: float) -> np.ndarray:
    """Magnitude (n,) of one bang-coast-bang slew torque profile starting at ``t0_s`` (N·m).

    +τ trapezoid over [t0, t0 + t_acc] (linear ramps of ``t_ramp_s`` inside), zero coast, −τ trapezoid of the same
    shape; the integral over the slew is zero (momentum returns to its value before the slew).
    """
    r = min(t_ramp_s, t_acc_s / 2)

    def trap(u):  # unit trapezoid on [0, t_acc]
        return np.clip(np.minimum(u, t_acc_s - u) / r, 0.0, 1.0)

    u = np.asarray(t_s, dtype=np.float64) - t0_s
    return tau_Nm * (trap(u) - trap(u - t_acc_s - t_coast_s))


def _slews(rng: np.random.Generator, t: np.ndarray, m: ManeuverParams) -> np.ndarray:
    tau = np.zeros((t.size, 3))
    t_now = rng.uniform(0.0, m.gap_min_s)
    while t_now < t[-1]:
        axis = rng.normal(size=3)
        axis /= np.linalg.norm(axis)
        t_acc = rng.uniform(m.t_acc_min_s, m.t_acc_max_s)
        t_coast = rng.uniform(0.0, m.t_coast_max_s)
        peak = rng.uniform(0.3, 1.0) * m.tau_slew_max_Nm
        span = 2 * t_acc + t_coast
        sel = slice(int(t_now), min(t.size, int(np.ceil(t_now + span)) + 2))
        tau[sel] += np.outer(slew_torque(t[sel], t_now, peak, t_acc, t_coast, m.t_ramp_s), axis)
        t_now += max(rng.uniform(m.gap_min_s, m.gap_max_s), span + 1.0)
    return tau


def make_profile(duration_s: float, seeds: np.ndarray | list[int], wheel: WheelParams | None = None,
                 maneuver: ManeuverParams | None = None) -> ManeuverProfile:
    """Demands and speed references of ``len(seeds)`` episodes of ``duration_s`` seconds (1-s grid).

    Each seed gives an independent episode (its own slews, disturbance and dump schedule).

    Raises
    ------
    ValueError
        for ``duration_s`` < 60 s or no seeds.
    """
    wheel = wheel or WheelParams()
    m = maneuver or ManeuverParams()
    if not (np.isfinite(duration_s) and duration_s >= 60.0):
        raise ValueError(f"duration_s={duration_s!r} must be >= 60 s")
    seeds = np.atleast_1d(np.asarray(seeds, dtype=np.int64))
    if seeds.size == 0:
        raise ValueError("seeds must name at least one episode")
    A = distribution_matrix(m.pyramid_elevation_rad)
    P = pseudo_inverse(A)
    n = int(np.ceil(duration_s)) + 1
    t = np.arange(n, dtype=np.float64)
    B = seeds.size
    tau_slew = np.zeros((B, n, 3))
    tau_ext = np.zeros((B, n, 3))
    H = np.zeros((B, n, 3))
    for b, s in enumerate(seeds):
        rng = np.random.default_rng([int(s), 0x5EED])
        tau_slew[b] = _slews(rng, t, m)
        d0 = rng.uniform(-1, 1, 3) * m.tau_dist_Nm
        d1 = rng.uniform(0, 1, 3) * m.tau_dist_Nm
        phi = rng.uniform(0, 2 * np.pi, 3)
        tau_dist = d0 + d1 * np.sin(2 * np.pi * t[:, None] / m.T_orbit_s + phi)
        rate = -tau_slew[b] + tau_dist
        # cumulative trapezoid on the 1-s grid, then sequential dumps that remove the accumulated momentum
        Hb = np.concatenate([np.zeros((1, 3)), np.cumsum(0.5 * (rate[1:] + rate[:-1]), axis=0)])
        tau_mtq = np.zeros((n, 3))
        t_dump = m.dump_period_s
        while t_dump + m.dump_duration_s < t[-1]:
            i0, i1 = int(t_dump), int(t_dump + m.dump_duration_s)
            excess = Hb[i0].copy()
            ramp = np.clip((t - t_dump) / m.dump_duration_s, 0.0, 1.0)
            Hb -= ramp[:, None] * excess
            tau_mtq[i0:i1] -= excess / m.dump_duration_s
            t_dump += m.dump_period_s
        H[b] = Hb
        tau_ext[b] = tau_dist + tau_mtq
    bias = wheel.J_kg_m2 * m.omega_bias_rad_per_s * np.array([1.0, -1.0, 1.0, -1.0])
    h_ref = bias + H @ P.T
    return ManeuverProfile(t_s=t, tau_slew_Nm=tau_slew, tau_ext_Nm=tau_ext, H_wheels_Nms=H,
                           omega_ref_rad_per_s=h_ref / wheel.J_kg_m2, A=A, P=P)
