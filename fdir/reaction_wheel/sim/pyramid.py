"""Pyramid configuration of four reaction wheels and the minimum-norm torque distribution.

Wheel i spins about the unit axis a_i = (cos β cos α_i, cos β sin α_i, sin β) with azimuths α_i = 45°, 135°,
225°, 315° and elevation β (Markley & Crassidis, *Fundamentals of Spacecraft Attitude Determination and
Control*, Springer 2014, doi:10.1007/978-1-4939-0802-8, §7.2.2). The 3x4 distribution matrix A = [a_1 … a_4] maps
wheel torques/momenta (N·m, N·m·s) to the body frame. A body demand τ_b is shared by the minimum-norm solution
τ_w = A⁺ τ_b (Moore–Penrose pseudo-inverse), so that A τ_w = τ_b exactly; the null space of A, spanned by
n = (1, −1, 1, −1)/2, carries the bias momentum without body torque. With one wheel off, the remaining three
(columns of A, rank 3 for 0 < β < 90°) still span the body frame: A_3⁺ gives three-wheel control.
"""

from __future__ import annotations

import numpy as np

__all__ = ["AZIMUTHS_RAD", "distribution_matrix", "null_vector", "pseudo_inverse"]

AZIMUTHS_RAD = np.deg2rad([45.0, 135.0, 225.0, 315.0])


def distribution_matrix(elevation_rad: float) -> np.ndarray:
    """A (3, 4): column i = spin axis of wheel i in the body frame (dimensionless).

    Raises
    ------
    ValueError
        for an elevation outside (0, π/2).
    """
    b = float(elevation_rad)
    if not (0.0 < b < np.pi / 2):
        raise ValueError(f"elevation_rad={elevation_rad!r} must be in (0, pi/2)")
    return np.stack([np.cos(b) * np.cos(AZIMUTHS_RAD), np.cos(b) * np.sin(AZIMUTHS_RAD),
                     np.full(4, np.sin(b))])


def pseudo_inverse(A: np.ndarray, active: np.ndarray | None = None) -> np.ndarray:
    """Minimum-norm distribution matrix (4, 3): τ_w = P τ_b with A P = I₃ over the ``active`` wheels.

    ``active`` (4,) bool selects the wheels in use (default: all); switched-off wheels get zero rows.

    Raises
    ------
    ValueError
        when fewer than three wheels are active (no three-axis control).
    """
    A = np.asarray(A, dtype=np.float64)
    act = np.ones(A.shape[1], bool) if active is None else np.asarray(active, bool)
    if act.sum() < 3:
        raise ValueError(f"active={act.tolist()} must enable at least 3 wheels for three-axis control")
    P = np.zeros((A.shape[1], A.shape[0]))
    P[act] = np.linalg.pinv(A[:, act])
    return P


def null_vector() -> np.ndarray:
    """Unit vector (4,) spanning the null space of the pyramid matrix: (1, −1, 1, −1)/2."""
    return np.array([1.0, -1.0, 1.0, -1.0]) / 2.0
