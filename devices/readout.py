"""TMR readout and energy drawn from the source, from magnetisation trajectories (NumPy, any shapes that
broadcast). The kernels accumulate the same energy on the fly (``SimResult.energy_J``); these functions
serve trajectories, sweeps of the bias and cross-checks.

Model (devices.md §1): conductance linear in cos θ between m and the reference layer r,
G(θ) = ½(G_P + G_AP) + ½(G_P − G_AP) cos θ with R_P = RA/area, R_AP = R_P (1 + TMR) (J. C. Slonczewski, PRB 39,
6995 (1989), doi:10.1103/PhysRevB.39.6995); optional bias roll-off TMR(V) = TMR0 / (1 + (V/V_h)²)
(empirical form for MgO junctions, e.g. S. Yuasa et al., Nat. Mater. 3, 868 (2004)).
"""

from __future__ import annotations

import numpy as np

from devices._check import real, real_array
from devices.params import MacrospinParams

__all__ = ["conductance_S", "energy_current_drive_J", "energy_voltage_drive_J", "resistance_ohm", "tmr_bias"]


def tmr_bias(TMR0, V_V, V_half_V=None):
    """TMR(V) = TMR0 / (1 + (V/V_h)²); ``V_half_V`` None = no roll-off. Raises ValueError naming the argument for
    NaN/inf, TMR0 outside [0, 100] or V_h <= 0 V."""
    TMR0 = real_array("TMR0", TMR0, 0.0, 100.0)
    V = real_array("V_V", V_V, unit="V")
    if V_half_V is None:
        return TMR0 * np.ones_like(V)
    vh = real_array("V_half_V", V_half_V, 0.0, lo_open=True, unit="V")
    return TMR0 / (1.0 + (V / vh) ** 2)


def conductance_S(m, p: MacrospinParams, V_V=0.0, V_half_V=None) -> np.ndarray:
    """G(θ) [S] for magnetisation ``m`` of shape (..., N, 3) (N junctions of ``p``), result (..., N).

    ``V_V`` bias (scalar or broadcastable to (..., N)) for the optional roll-off with ``V_half_V``.
    """
    if not isinstance(p, MacrospinParams):
        raise ValueError("p must be a MacrospinParams")
    m = real_array("m", m)
    if m.shape[-2:] != (p.n, 3):
        raise ValueError(f"m must have shape (..., N={p.n}, 3), got {m.shape}")
    c = np.einsum("...i,...i->...", m, np.broadcast_to(p.ref_layer, m.shape))
    gP = 1.0 / p.R_P_ohm
    gAP = 1.0 / (p.R_P_ohm * (1.0 + tmr_bias(p.TMR, V_V, V_half_V)))
    return 0.5 * (gP + gAP) + 0.5 * (gP - gAP) * c


def resistance_ohm(m, p: MacrospinParams, V_V=0.0, V_half_V=None) -> np.ndarray:
    """R = 1/G(θ) [Ω], shape (..., N); R_P at m ∥ r, R_AP at m antiparallel."""
    return 1.0 / conductance_S(m, p, V_V, V_half_V)


def energy_current_drive_J(I_A, traj, p: MacrospinParams, dt_s: float) -> np.ndarray:
    """∫ I² R(θ(t)) dt [J] per junction by the left-point rule: ``I_A`` (S, N) current during step s, ``traj``
    (S, N, 3) the magnetisation at the start of step s; result (N,)."""
    I = real_array("I_A", I_A, unit="A")
    dt_s = real("dt_s", dt_s, 0.0, lo_open=True, unit="s")
    return np.sum(I**2 * resistance_ohm(traj, p), axis=0) * dt_s


def energy_voltage_drive_J(V_V, traj, p: MacrospinParams, dt_s: float, V_half_V=None) -> np.ndarray:
    """∫ V² G(θ(t), V) dt [J] per junction (left-point rule), shapes as :func:`energy_current_drive_J`."""
    V = real_array("V_V", V_V, unit="V")
    dt_s = real("dt_s", dt_s, 0.0, lo_open=True, unit="s")
    return np.sum(V**2 * conductance_S(traj, p, V, V_half_V), axis=0) * dt_s
