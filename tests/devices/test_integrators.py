"""The integrators of :data:`devices.simulate.SCHEMES`: known answers not covered by validation cases D1-D11."""

import math

import numpy as np
import pytest

from devices import constants as C
from devices.params import MacrospinParams, max_stable_dt
from devices.simulate import SCHEMES, simulate


def _zeeman_only(B_T: float, n: int = 1) -> MacrospinParams:
    """α = 0, no anisotropy, no demag: m precesses about a constant B_app along z at ω = γB (exact solution)."""
    return MacrospinParams.build(n=n, Ms_A_per_m=8e5, alpha=0.0, demag=(0.0, 0.0, 0.0), volume_m3=1e-24,
                                 area_m2=1e-16, t_F_m=1e-9, B_app_T=(0.0, 0.0, B_T))


@pytest.mark.parametrize("backend", ["numba", "jax"])
def test_midpoint_is_the_cayley_rotation_for_a_constant_field(backend):
    # With Ω = γB constant, each midpoint step solves m' = m + (Δt/2) Ω × (m + m'): a rotation about B by the
    # Cayley angle φ = 2 atan(γBΔt/2) per step (exact algebra).
    B, dt, n = 0.5, 2e-12, 300
    p = _zeeman_only(B)
    th = math.radians(40.0)
    m0 = np.array([math.sin(th), 0.0, math.cos(th)])
    r = simulate(p, m0, dt, n, scheme="midpoint", backend=backend)
    phi = n * 2.0 * math.atan(C.GAMMA_E_RAD_PER_S_T * B * dt / 2.0)
    # dm/dt = -γ m×B with B along +z rotates m counter-clockwise about +z: m_x + i m_y = sinθ e^{+iγBt}
    expected = np.array([math.sin(th) * math.cos(phi), math.sin(th) * math.sin(phi), math.cos(th)])
    assert np.max(np.abs(r.m[0] - expected)) < 1e-10  # tolerance: round-off over 300 steps


def test_heun_phase_differs_from_cayley_angle():
    # the same set-up with Heun is not the Cayley rotation (its phase error is θ³/6 per step, not θ³/12): the test
    # above would fail for the wrong scheme
    B, dt, n = 0.5, 2e-12, 300
    th = math.radians(40.0)
    m0 = np.array([math.sin(th), 0.0, math.cos(th)])
    r = simulate(_zeeman_only(B), m0, dt, n, scheme="heun")
    phi = n * 2.0 * math.atan(C.GAMMA_E_RAD_PER_S_T * B * dt / 2.0)
    expected = np.array([math.sin(th) * math.cos(phi), math.sin(th) * math.sin(phi), math.cos(th)])
    assert np.max(np.abs(r.m[0] - expected)) > 1e-4


def test_step_limits_per_scheme():
    p = _zeeman_only(1.0)
    lim = float(max_stable_dt(p)[0])  # Heun: 1/(20 f_max)
    assert lim == pytest.approx(1.0 / (20 * C.GAMMA_E_RAD_PER_S_T / (2 * math.pi) * 1.0), rel=1e-12)
    m0 = (1.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="heun"):
        simulate(p, m0, 2 * lim, 10, scheme="heun")
    r = simulate(p, m0, 4 * lim, 10, scheme="midpoint")  # 1/(5 f_max) is accepted by the midpoint scheme
    assert abs(np.linalg.norm(r.m[0]) - 1.0) < 1e-14
    k = SCHEMES["heun"].steps_per_period / SCHEMES["midpoint"].steps_per_period
    with pytest.raises(ValueError, match="midpoint"):
        simulate(p, m0, 1.01 * k * lim, 10, scheme="midpoint")


def test_unknown_scheme_rejected():
    with pytest.raises(ValueError, match="scheme"):
        simulate(_zeeman_only(0.1), (1, 0, 0), 1e-12, 10, scheme="euler")
