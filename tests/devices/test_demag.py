"""Demagnetising factors against closed forms and limits (Osborn 1945; Beleggia et al. 2006)."""

import math

import numpy as np
import pytest

from devices.demag import demag_factors, ellipsoid_demag_factors, elliptical_cylinder_demag_factors


def prolate_nc(m):
    """Long-axis factor of a prolate spheroid with aspect m = c/a > 1 (Osborn 1945, closed form)."""
    return (m * math.log(m + math.sqrt(m * m - 1)) / math.sqrt(m * m - 1) - 1) / (m * m - 1)


def test_sphere_and_trace():
    assert np.allclose(ellipsoid_demag_factors(3e-9, 3e-9, 3e-9), 1 / 3, rtol=1e-12)
    assert sum(ellipsoid_demag_factors(5e-9, 22.5e-9, 25e-9)) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("m", [1.5, 3.0, 10.0])
def test_prolate_spheroid_closed_form(m):
    na, _nb, nc = ellipsoid_demag_factors(1e-9, 1e-9, m * 1e-9)
    assert nc == pytest.approx(prolate_nc(m), rel=1e-10)
    assert na == pytest.approx((1 - nc) / 2, rel=1e-10)


def test_cylinder_limits():
    # infinitely long elliptical cylinder: N_x = b/(a+b), N_y = a/(a+b), N_z -> 0
    nx, ny, nz = elliptical_cylinder_demag_factors(5e-9, 15e-9, 1e-3)
    assert nx == pytest.approx(15 / 20, abs=2e-5) and ny == pytest.approx(5 / 20, abs=2e-5) and nz < 1e-4
    # thin film: N_z -> 1 (first-order correction 1 - N_z ∝ t/R)
    _, _, nz = elliptical_cylinder_demag_factors(50e-9, 50e-9, 0.01e-9)
    assert nz == pytest.approx(1.0, abs=1e-3)
    # symmetry and trace of a circular pillar
    nx, ny, nz = elliptical_cylinder_demag_factors(20e-9, 20e-9, 30e-9)
    assert nx == pytest.approx(ny, rel=1e-12) and nx + ny + nz == pytest.approx(1.0, abs=1e-5)


def test_cylinder_reference_checks():
    # devices.md §1 checks: thin disk R = 50 nm, t = 1 nm: N_zz = 0.9650; 10x10x200 nm rod: N_zz = 0.0209;
    # the signed device pillar 10x45x50 nm: (0.7237, 0.1403, 0.1360)
    assert elliptical_cylinder_demag_factors(50e-9, 50e-9, 1e-9)[2] == pytest.approx(0.9650, abs=1e-4)
    assert elliptical_cylinder_demag_factors(5e-9, 5e-9, 200e-9)[2] == pytest.approx(0.0209, abs=1e-4)
    assert np.allclose(demag_factors("cylinder", 10e-9, 45e-9, 50e-9), (0.7237, 0.1403, 0.1360), atol=1e-4)


@pytest.mark.parametrize("bad", [0.0, -1e-9, float("nan")])
def test_bad_lengths(bad):
    with pytest.raises(ValueError, match="a_m"):
        ellipsoid_demag_factors(bad, 1e-9, 1e-9)
    with pytest.raises(ValueError, match="t_m"):
        elliptical_cylinder_demag_factors(1e-9, 1e-9, bad)


def test_bad_shape():
    with pytest.raises(ValueError, match="shape"):
        demag_factors("cube", 1e-9, 1e-9, 1e-9)
