"""IMU measurement model and Allan analysis (the slope/fit known answers are validation cases S7-S12)."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sensors import allan, noise
from sensors.imu import DEG, ImuParams, imu_measure, imu_noise, misalignment_matrix, simulate_imu


def test_scale_misalignment_bias_deterministic():
    p = ImuParams(bias=(0.1, 0.0, -0.2), scale_error=(0.01, 0.0, -0.02), misalignment_rad=(0.0, 0.0, 0.003))
    truth = np.tile([[1.0, 2.0, 3.0]], (4, 1))
    y = simulate_imu(p, truth, 100.0, 0)
    scaled = np.array([1.01, 2.0, 3 * 0.98])
    expected = misalignment_matrix(np.array([0.0, 0.0, 0.003])) @ scaled + np.array([0.1, 0.0, -0.2])
    assert np.allclose(y, expected, atol=1e-15)
    assert expected[0] == pytest.approx(1.01 - 0.003 * 2.0 + 0.1)  # small-angle skew about z


def test_saturation_and_quantisation_and_jax_agreement():
    p = ImuParams(range=4.0, bits=8)
    truth = np.linspace(-6, 6, 1001)[:, None] * np.ones(3)
    y = simulate_imu(p, truth, 100.0, 0)
    lsb = 8.0 / 256
    assert y.max() <= 4.0 - lsb + 1e-12 and y.min() >= -4.0
    inside = np.abs(truth[:, 0]) < 3.9
    assert np.max(np.abs(y[inside, 0] - truth[inside, 0])) <= lsb / 2 + 1e-12
    assert np.allclose(np.round(y / lsb), y / lsb)
    q = ImuParams.bmi270_gyro(scale_error=(1e-3, 2e-3, 0.0), misalignment_rad=(1e-3, -2e-3, 5e-4))
    rng = np.random.default_rng(1)
    t = rng.normal(size=(200, 3))
    b, w = imu_noise(q, 200, 100.0, rng)
    with jax.enable_x64(True):
        yj = np.asarray(imu_measure(q, jnp.asarray(t), jnp.asarray(b), jnp.asarray(w)))
    assert np.allclose(yj, imu_measure(q, t, b, w), rtol=0, atol=1e-15)


def test_bmi270_white_noise_density_recovered():
    p = ImuParams.bmi270_gyro(B=0.0, K=0.0, bits=0)
    fs = 200.0
    y = simulate_imu(p, np.zeros((100_000, 3)), fs, 3)
    _tau, ad = allan.allan_deviation(y, fs, [fs])  # tau = 1 s: sigma = N
    assert np.allclose(ad[0] / p.N, 1.0, atol=0.03)
    ds = allan.gyro_coefficients_to_datasheet(N_deg_s_rtHz=p.N / DEG)
    assert ds["ARW_deg_per_rt_h"] == pytest.approx(60 * 7e-3)


def test_allan_matches_direct_definition():
    rng = np.random.default_rng(4)
    x = rng.normal(size=1000)
    m = 7
    tau, av = allan.allan_variance(x, 10.0, [m])
    # direct overlapping definition from cluster averages
    avg = np.convolve(x, np.ones(m) / m, mode="valid")
    d = avg[m:] - avg[:-m]
    assert av[0] == pytest.approx(0.5 * np.mean(d**2), rel=1e-12)
    assert tau[0] == pytest.approx(0.7)


def test_allan_fit_exact_on_model_curve():
    tau = np.logspace(-2, 4, 40)
    true = dict(Q=1e-4, N=3e-3, B=1e-3, K=2e-5, R=1e-7)
    f = allan.fit_allan(tau, allan.allan_model(tau, **true))
    for k, v in true.items():
        assert f[k] == pytest.approx(v, rel=1e-6)
    with pytest.raises(ValueError, match="terms"):
        allan.fit_allan(tau, tau, ("X",))
    with pytest.raises(ValueError, match="n_samples"):
        allan.fit_allan(tau, tau, n_samples=10)


def test_gauss_markov_and_noise_errors():
    x = noise.gauss_markov(200_000, 2.0, 0.5, 100.0, 5)
    assert x.std() == pytest.approx(2.0, rel=0.05)
    lag = 50  # 0.5 s = tau_c: autocorrelation 1/e
    r = np.corrcoef(x[:-lag], x[lag:])[0, 1]
    assert r == pytest.approx(math.exp(-1), abs=0.05)
    with pytest.raises(ValueError, match="fs_Hz"):
        noise.white(10, 1.0, 0.0)
    with pytest.raises(ValueError, match="omega"):
        allan.allan_variance(np.zeros(2), 1.0)
    with pytest.raises(ValueError, match="range"):
        ImuParams(range=0.0)
    with pytest.raises(ValueError, match="truth"):
        simulate_imu(ImuParams(), np.zeros((10, 2)), 100.0)
