"""Analytic formulas against independent limits (the validation cases compare the simulator with them)."""

import math

import numpy as np
import pytest

from devices import analytic as A
from devices import constants as C


def test_kittel_sphere_is_larmor():
    f = A.kittel_frequency_Hz(8e5, (1 / 3, 1 / 3, 1 / 3), 0.1)
    assert f == pytest.approx(C.GAMMA_E_RAD_PER_S_T / (2 * math.pi) * 0.1, rel=1e-12)


def test_kittel_unstable_raises():
    with pytest.raises(ValueError, match="stable"):
        A.kittel_frequency_Hz(8e5, (0.1, 0.1, 0.8), 0.0)


def test_stoner_wohlfarth_symmetry_and_minimum():
    psi = np.radians(np.linspace(0, 90, 91))
    h = A.stoner_wohlfarth_h_sw(psi)
    assert h[0] == pytest.approx(1.0) and h[45] == pytest.approx(0.5, rel=1e-12)
    assert np.allclose(h, h[::-1]) and h.min() == pytest.approx(0.5)


def test_neel_brown_tends_to_brown_asymptote():
    tn = 1e-9
    r = [A.neel_brown_mfpt_s(s, tn) / A.brown_asymptotic_mfpt_s(s, tn) for s in (5.0, 10.0, 20.0, 40.0)]
    assert abs(r[-1] - 1) < 0.05 and abs(r[-1] - 1) < abs(r[-2] - 1) < abs(r[0] - 1)


def test_boltzmann_limits():
    assert A.boltzmann_mz2_uniaxial(1e-9) == pytest.approx(1 / 3, rel=1e-6)
    s = 200.0  # deep well: <m_z²> ≈ 1 − 1/σ
    assert A.boltzmann_mz2_uniaxial(s) == pytest.approx(1 - 1 / s, rel=1e-4)
    # isotropic energy: each moment 1/3
    assert np.allclose(A.boltzmann_moments_diagonal((1e-22, 1e-22, 1e-22), 300.0), 1 / 3, rtol=1e-8)
    # equipartition for stiff transverse modes: <m_x²> ≈ k_B T / (2 (k_x − k_z))
    kT = C.K_B_J_PER_K * 300
    mx2, my2, _ = A.boltzmann_moments_diagonal((400 * kT, 300 * kT, 0.0), 300.0)
    assert mx2 == pytest.approx(1 / 800, rel=0.01) and my2 == pytest.approx(1 / 600, rel=0.01)


def test_sun_and_relaxation_formulas():
    jc = A.sun_critical_current_A_per_m2(0.01, 1e6, 1.5e-9, 0.1, 0.6)
    assert jc == pytest.approx(2 * C.E_CHARGE_C * 0.01 * 1e6 * 1.5e-9 * 0.1 / (C.HBAR_J_S * 0.6))
    ba, bb = A.transverse_stiffness_T(1e6, (0.0, 0.0, 0.0), 5e4, 2)
    assert ba == bb == pytest.approx(0.1)
    assert A.sun_critical_current_biaxial_A_per_m2(0.01, 1e6, 1.5e-9, ba, bb, 0.6) == pytest.approx(jc)
    tau = A.relaxation_time_s(0.02, 0.5, 0.1)
    assert tau == pytest.approx(2 * (1 + 0.02**2) / (0.02 * C.GAMMA_E_RAD_PER_S_T * 0.6))


def test_julliere():
    P = A.julliere_polarisation(1.5)
    assert 2 * P**2 / (1 - P**2) == pytest.approx(1.5)
