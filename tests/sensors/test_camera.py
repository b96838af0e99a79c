"""EMVA 1288 camera model: noise statistics, clipping, fixed pattern, exposure/motion blur, JAX pytree sweeps."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sensors import emva
from sensors.camera import (
    CameraParams,
    capture,
    capture_numpy,
    dark_current_at,
    exposure_photons,
    exposure_photons_numpy,
    fixed_pattern_numpy,
)

P = CameraParams(qe=0.5, gain_DN_per_e=0.5, read_noise_e=2.0, dark_current_e_per_s=100.0, full_well_e=4000.0,
                 offset_DN=20.0, adc_bits=12)


def test_parameter_errors_name_the_field():
    with pytest.raises(ValueError, match="qe"):
        CameraParams(qe=1.5)
    with pytest.raises(ValueError, match="adc_bits"):
        CameraParams(adc_bits=0)
    with pytest.raises(ValueError, match="shot"):
        capture_numpy(P, np.ones((2, 2)), 0.01, shot="binomial")
    with pytest.raises(ValueError, match="photons"):
        capture_numpy(P, -np.ones((2, 2)), 0.01)


def test_poisson_and_gaussian_match_mean_and_variance():
    mu_p, t = 400.0, 0.02
    ph = np.full((200, 200), mu_p)
    g = capture_numpy(P, ph, t, 1, analog=True)
    p = capture_numpy(P, ph, t, 2, shot="poisson", analog=True)
    mean = P.gain_DN_per_e * (P.qe * mu_p + P.dark_current_e_per_s * t) + P.offset_DN
    var = P.gain_DN_per_e**2 * (P.qe * mu_p + P.dark_current_e_per_s * t + P.read_noise_e**2)
    for y in (g, p):
        assert abs(y.mean() - mean) < 4 * math.sqrt(var / y.size)
        assert abs(y.var() / var - 1) < 0.03
    pj = np.asarray(capture(P, jnp.asarray(ph), t, jax.random.key(3), shot="poisson", analog=True))
    assert abs(pj.mean() - mean) < 4 * math.sqrt(var / pj.size) + 1e-3


def test_full_well_and_adc_clip():
    y = capture_numpy(P, np.full((50, 50), 1e6), 0.01, 0)
    assert y.max() <= 2**12 - 1
    # clipped at full well (plus read noise), far below the ADC ceiling here
    assert abs(np.median(y) - (P.gain_DN_per_e * P.full_well_e + P.offset_DN)) <= 3
    low = capture_numpy(P.replace(adc_bits=4, gain_DN_per_e=2.0), np.full((50, 50), 1e4), 0.01, 0)
    assert low.max() == 15 and low.min() >= 0 and np.all(low == np.round(low))


def test_ptc_variance_drops_at_saturation():
    levels = np.linspace(0.2, 1.6, 8) * P.full_well_e / P.qe
    var = [emva.temporal_stats(capture_numpy(P, np.full((64, 64), m), 0.0, 2 * i),
                               capture_numpy(P, np.full((64, 64), m), 0.0, 2 * i + 1))[1]
           for i, m in enumerate(levels)]
    assert np.argmax(var) < len(levels) - 2 and var[-1] < 0.1 * max(var)


def test_sensitivity_threshold_is_root_of_snr_one_and_dr():
    t = 0.01
    mp = emva.sensitivity_threshold_photons(P, t)
    assert abs(float(emva.snr(mp, P, t)) - 1.0) < 1e-12
    assert emva.dynamic_range_db(P, t) == pytest.approx(20 * math.log10(emva.saturation_photons(P, t) / mp))
    assert emva.snr_max_db(P) == pytest.approx(10 * math.log10(P.full_well_e))


def test_dsnu_prnu_recovered():
    p = P.replace(dsnu_e=4.0, prnu=0.02, read_noise_e=1.0, dark_current_e_per_s=0.0)
    rng = np.random.default_rng(9)
    fpn = fixed_pattern_numpy(p, (128, 128), rng)
    dark = np.stack([capture_numpy(p, np.zeros((128, 128)), 0.0, rng, fpn=fpn, analog=True) for _ in range(8)])
    half = 0.5 * p.full_well_e / p.qe
    bright = np.stack([capture_numpy(p, np.full((128, 128), half), 0.0, rng, fpn=fpn, analog=True)
                       for _ in range(8)])
    est = emva.dsnu_prnu(dark, bright, p.gain_DN_per_e)
    assert est["dsnu_e"] == pytest.approx(4.0, rel=0.05)
    assert est["prnu"] == pytest.approx(0.02, rel=0.08)


def test_exposure_static_moving_and_engines_agree():
    scene = np.zeros((40, 60))
    scene[15:25, 20:30] = 1e5  # photons/s per pixel
    static = np.asarray(exposure_photons(jnp.asarray(scene), 0.01))
    assert np.allclose(static, scene * 0.01)
    v = (0.0, 1000.0)  # 10 px of blur in 10 ms
    blurred = exposure_photons_numpy(scene, 0.01, v, n_sub=32)
    assert blurred.sum() == pytest.approx(static.sum(), rel=1e-9)  # photons conserved away from the edges
    row = blurred[20]
    assert np.count_nonzero(row > 1e-9) >= 19 and row.max() < static.max()
    with jax.enable_x64(True):
        bj = np.asarray(exposure_photons(jnp.asarray(scene), 0.01, v, n_sub=32))
    assert np.allclose(bj, blurred, rtol=1e-12, atol=1e-9)


def test_params_are_pytrees_that_vmap():
    qes = jnp.array([0.2, 0.5, 0.8])
    base = CameraParams(gain_DN_per_e=0.5, read_noise_e=0.0, dark_current_e_per_s=0.0, adc_bits=12)
    ps = jax.tree.map(lambda v: jnp.full(3, v), base).replace(qe=qes)  # a sweep: every leaf batched
    ph = jnp.full((8, 8), 1000.0)
    out = jax.vmap(lambda p: capture(p, ph, 0.0, jax.random.key(0), analog=True).mean())(ps)
    assert np.allclose(np.asarray(out), 0.5 * 1000 * np.asarray(qes), rtol=0.05)


def test_dark_current_doubles_every_T_d():
    assert dark_current_at(10.0, 305.15, 298.15, 7.0) == pytest.approx(20.0)
    with pytest.raises(ValueError, match="T_K"):
        dark_current_at(10.0, -1.0)


def test_photons_per_pixel_errors():
    with pytest.raises(ValueError, match="wavelength_m"):
        emva.photons_per_pixel(1.0, 1.0, 1e-12, 0.0)
