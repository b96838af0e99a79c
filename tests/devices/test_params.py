"""Parameter building, validation errors and the coefficient table."""

import numpy as np
import pytest

from devices import constants as C
from devices._layout import ROW
from devices.params import EventSpec, MacrospinParams, coefficient_table, max_stable_dt
from devices.presets import preset


def test_build_broadcasts_and_derives_geometry():
    p = MacrospinParams.build(n=4, Ms_A_per_m=8e5, alpha=[0.01, 0.02, 0.03, 0.04], lx_m=100e-9, ly_m=50e-9,
                              lz_m=2e-9, shape="cylinder")
    assert p.n == 4 and p.alpha.shape == (4,) and p.demag.shape == (4, 3)
    assert p.volume_m3[0] == pytest.approx(np.pi / 4 * 100e-9 * 50e-9 * 2e-9)
    assert p.area_m2[0] == pytest.approx(np.pi / 4 * 100e-9 * 50e-9)
    assert p.R_AP_ohm[0] == pytest.approx(p.R_P_ohm[0] * 2.5)
    q = MacrospinParams.build(n=1, lx_m=10e-9, ly_m=45e-9, lz_m=50e-9, shape="ellipsoid")
    assert q.volume_m3[0] == pytest.approx(np.pi / 6 * 10e-9 * 45e-9 * 50e-9)


@pytest.mark.parametrize("kw, name", [
    (dict(alpha=-0.1), "alpha"), (dict(Ms_A_per_m=0.0), "Ms_A_per_m"), (dict(T_K=-1.0), "T_K"),
    (dict(eta=0.0), "eta"), (dict(TMR=-0.5), "TMR"), (dict(demag=(0.5, 0.5, 0.5)), "demag"),
    (dict(polarizer=(0, 0, 0)), "polarizer"), (dict(alpha=[0.1, 0.2], Ms_A_per_m=[1e6, 1e6, 1e6]), "inconsistent"),
    (dict(shape="cube"), "shape"),
])
def test_bad_parameters_name_the_field(kw, name):
    base = dict(lx_m=10e-9, ly_m=20e-9, lz_m=2e-9)
    if "demag" in kw:
        base = dict(demag=kw["demag"], volume_m3=1e-24, area_m2=1e-16, t_F_m=1e-9)
    with pytest.raises(ValueError, match=name):
        MacrospinParams.build(**{**base, **kw})


def test_missing_geometry():
    with pytest.raises(ValueError, match="lx_m"):
        MacrospinParams.build(lx_m=1e-8)
    with pytest.raises(ValueError, match="demag"):
        MacrospinParams.build(volume_m3=1e-24, area_m2=1e-16, t_F_m=1e-9)


def test_coefficient_table_gilbert_form():
    p = preset("inplane_cofeb_ellipse").params(n=2, T_K=300.0)
    T = coefficient_table(p, 1e-12)
    a, xi, g = p.alpha[0], p.xi[0], p.gamma_rad_per_s_T[0]
    gp = g / (1 + a * a)
    a1 = C.HBAR_J_S / (2 * C.E_CHARGE_C * p.Ms_A_per_m[0] * p.t_F_m[0])
    assert T[ROW["GP"], 0] == pytest.approx(gp)
    assert T[ROW["CDL"], 0] == pytest.approx(gp * (1 + a * xi) * a1)
    assert T[ROW["CFL"], 0] == pytest.approx(gp * (xi - a) * a1)
    assert T[ROW["Q0"], 0] == pytest.approx(1 / p.eta[0]) and T[ROW["Q1"], 0] == 0
    sig = np.sqrt(2 * a * C.K_B_J_PER_K * 300 / (g * p.Ms_A_per_m[0] * p.volume_m3[0] * 1e-12))
    assert T[ROW["SIG"], 0] == pytest.approx(sig)
    # Slonczewski angular efficiency η(θ) = 1/(Q0 + Q1 cos θ)
    q = p.replace(P_slonczewski=0.6)
    Tq = coefficient_table(q, 1e-12)
    for c in (-1.0, 0.0, 1.0):
        eta = 1 / (-4 + (1.6) ** 3 * (3 + c) / (4 * 0.6**1.5))
        assert 1 / (Tq[ROW["Q0"], 0] + Tq[ROW["Q1"], 0] * c) == pytest.approx(eta)


def test_drive_kind_and_dt_errors():
    p = preset("inplane_cofeb_ellipse").params()
    with pytest.raises(ValueError, match="drive_kind"):
        coefficient_table(p, 1e-12, drive_kind="charge")
    with pytest.raises(ValueError, match="dt_s"):
        coefficient_table(p, -1.0)


def test_max_stable_dt_uses_effective_field():
    # thin PMA disk: large B_K and demag nearly cancel; the bound is the spectral norm of −μ0MsN + B_K uuᵀ
    p = preset("pma_cofeb_disk").params()
    bm = C.MU0_T_M_PER_A * p.Ms_A_per_m[0]
    beff = max(abs(p.B_K_T[0] - bm * p.demag[0, 2]), bm * p.demag[0, 0])
    assert max_stable_dt(p)[0] == pytest.approx(1 / (20 * C.GAMMA_E_RAD_PER_S_T / (2 * np.pi) * beff))


def test_event_spec_validation():
    with pytest.raises(ValueError, match="reset"):
        EventSpec(reset="soft").validate(1)
    with pytest.raises(ValueError, match="theta_pos"):
        EventSpec(theta_pos=2.0).validate(1)
    with pytest.raises(ValueError, match="rearm"):
        EventSpec(rearm=1.5).validate(1)


def test_presets_provenance_and_derived_values():
    from devices.analytic import sun_critical_current_biaxial_A_per_m2, transverse_stiffness_T
    from devices.presets import preset_names

    assert set(preset_names()) >= {"inplane_cofeb_ellipse", "pma_cofeb_disk", "signed_orthogonal_ellipse"}
    for name in preset_names():
        pr = preset(name)
        assert all(s in {"paper", "typical", "assumed", "derived"} and src for s, src in pr.provenance.values())
    pr = preset("pma_cofeb_disk")
    p = pr.params()
    ba, bb = transverse_stiffness_T(p.Ms_A_per_m[0], p.demag[0], p.K_u_J_per_m3[0], 2)
    delta = 0.5 * ba * p.Ms_A_per_m[0] * p.volume_m3[0] / (C.K_B_J_PER_K * 300)
    assert delta == pytest.approx(pr.values["thermal_stability_300K"], rel=1e-9)
    jc = sun_critical_current_biaxial_A_per_m2(p.alpha[0], p.Ms_A_per_m[0], p.t_F_m[0], ba, bb, p.eta[0])
    assert jc == pytest.approx(pr.values["Jc0_A_per_m2"], rel=1e-9)
    with pytest.raises(ValueError, match="unknown preset"):
        preset("nope")
