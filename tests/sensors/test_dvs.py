"""DVS emulator: noise/leak/refractory/filter behaviour, AER conversion, Numba RNG quality, errors.
(The exact log ramp and the engine agreement are validation cases S13/S14.)"""

import math

import jax
import numpy as np
import pytest
from scipy import stats

from sensors._dvs_kernel import normals
from sensors.dvs import (
    DVSParams,
    aer_to_counts,
    dvs_init,
    dvs_init_numpy,
    dvs_simulate,
    dvs_simulate_numba,
    dvs_simulate_numpy,
    to_aer,
)


def _static(T, H=20, W=20, level=0.0):
    return np.full((T, H, W), level)


def test_leak_fires_on_events_at_leak_rate():
    p = DVSParams.ideal(leak_rate_Hz=5.0)
    fr = _static(2001, level=100.0)
    st = dvs_init_numpy(p, fr[0], 0)
    c, _ = dvs_simulate_numba(p, st, fr[1:], 1e-3)
    per_pixel = c.sum(0)
    assert c.min() >= 0 and np.all(np.abs(per_pixel - 5.0 * 2.0) <= 1)  # 10 events in 2 s


@pytest.mark.parametrize("engine", ["numba", "numpy"])
def test_shot_noise_rate_matches_v2e_formula(engine):
    r, dt, T = 50.0, 1e-3, 2000
    p = DVSParams.ideal(shot_noise_rate_Hz=r)
    fr = _static(T + 1)  # dark: inten01 = 20/275
    st = dvs_init_numpy(p, fr[0], 0)
    sim = dvs_simulate_numba if engine == "numba" else dvs_simulate_numpy
    c, _ = sim(p, st, fr[1:], dt, 3)
    inten01 = 20.0 / 275.0
    expected = r * ((0.25 - 1.0) * inten01 + 1.0) * T * dt * c[0].size
    n_on, n_off = (c > 0).sum(), (c < 0).sum()
    assert abs(n_on + n_off - expected) < 4 * math.sqrt(expected)
    assert abs(n_on - n_off) < 4 * math.sqrt(expected)


def test_refractory_caps_and_delays_events():
    dt = 1e-3
    fr = np.concatenate([_static(1, 2, 2, 30.0), _static(20, 2, 2, 30.0 * math.exp(2.05))])
    c_free, _ = dvs_simulate_numpy(DVSParams.ideal(), dvs_init_numpy(DVSParams.ideal(), fr[0], 0), fr[1:], dt)
    assert c_free[0, 0, 0] == 10 and c_free[1:].sum() == 0
    p = DVSParams.ideal(refractory_s=0.5 * dt)  # at most 2 events per step
    c, _ = dvs_simulate_numpy(p, dvs_init_numpy(p, fr[0], 0), fr[1:], dt)
    assert list(c[:6, 0, 0]) == [2, 2, 2, 2, 2, 0]
    p = DVSParams.ideal(refractory_s=3 * dt)  # one event, then 3 steps of silence
    c, _ = dvs_simulate_numpy(p, dvs_init_numpy(p, fr[0], 0), fr[1:], dt)
    assert list(c[:7, 0, 0]) == [1, 0, 0, 1, 0, 0, 1]


def test_lowpass_spreads_step_response_and_is_brighter_faster():
    dt = 1e-4
    t3 = {}
    for level in (25.0, 250.0):
        fr = np.concatenate([_static(1, 1, 1, level), _static(3000, 1, 1, level * math.exp(1.1))])
        p = DVSParams.ideal(cutoff_Hz=30.0)
        c, _ = dvs_simulate_numpy(p, dvs_init_numpy(p, fr[0], 0), fr[1:], dt)
        nz = np.nonzero(c[:, 0, 0])[0]
        assert c.sum() == 5 and nz.size == 5  # the filter delays and spreads the events, never loses them
        t3[level] = nz[2]
    assert t3[250.0] > 10 and t3[25.0] > 3 * t3[250.0]  # intensity-dependent bandwidth: dark is slower


def test_aer_roundtrip_and_timestamps():
    c = np.zeros((3, 2, 3), dtype=np.int16)
    c[0, 1, 2] = 3
    c[0, 0, 0] = -1
    c[2, 1, 1] = 2
    x, y, t, p = to_aer(c, 1e-3, t0_s=1.0)
    assert len(t) == 6 and np.all(np.diff(t) >= 0)
    # bin 0: n_max = 3 -> sub-steps at 1/3, 2/3, 1 of the bin
    assert np.allclose(sorted(t[(x == 2) & (y == 1)]), 1.0 + 1e-3 * np.array([1, 2, 3]) / 3)
    assert np.all(p[(x == 0) & (y == 0)] == -1)
    assert np.array_equal(aer_to_counts(x, y, t, p, c.shape, 1e-3, 1.0), c)
    empty = to_aer(np.zeros((2, 2, 2)), 1e-3)
    assert all(a.size == 0 for a in empty)


def test_numba_normals_are_standard_normal():
    z = normals(np.uint64(12345), 200_000)
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01
    assert stats.kstest(z, "norm").pvalue > 1e-3
    assert abs(stats.kurtosis(z)) < 0.05


def test_jax_keyed_simulation_runs_and_is_reproducible():
    p = DVSParams.noisy()
    rng = np.random.default_rng(0)
    fr = 100 + 50 * np.sin(np.arange(50)[:, None, None] * 0.2 + rng.uniform(0, 6, (1, 6, 7)))
    st = dvs_init(p, fr[0], jax.random.key(1))
    a, s1 = dvs_simulate(p, st, fr[1:], 1e-3, jax.random.key(2))
    b, _ = dvs_simulate(p, st, fr[1:], 1e-3, jax.random.key(2))
    assert a.shape == (49, 6, 7) and a.dtype == np.int16 and np.array_equal(a, b) and np.abs(a).sum() > 0
    assert float(s1.t) == pytest.approx(49e-3)


def test_errors():
    p = DVSParams()
    st = dvs_init_numpy(p, np.ones((4, 4)), 0)
    with pytest.raises(ValueError, match="frames"):
        dvs_simulate_numpy(p, st, np.ones((3, 5, 4)), 1e-3)
    with pytest.raises(ValueError, match="dt_s"):
        dvs_simulate_numba(p, st, np.ones((3, 4, 4)), 0.0)
    with pytest.raises(ValueError, match="key"):
        dvs_simulate(p, st, np.ones((3, 4, 4)), 1e-3)
    with pytest.raises(ValueError, match="theta_on"):
        DVSParams(theta_on=0.0)
    with pytest.raises(ValueError, match="shot-noise probability"):
        dvs_simulate_numba(p.replace(shot_noise_rate_Hz=1e4), st, np.ones((3, 4, 4)), 1e-3)
    with pytest.raises(ValueError, match=r"frames.*accepted: frames in \[0, inf\]"):
        dvs_simulate_numba(p, st, -np.ones((3, 4, 4)), 1e-3)


def test_numba_parallel_matches_serial_and_seed_reproducible():
    p = DVSParams.noisy(shot_noise_rate_Hz=100.0)
    rng = np.random.default_rng(2)
    fr = 80 + 60 * np.sin(np.arange(60)[:, None, None] * 0.1 + rng.uniform(0, 6, (1, 17, 9)))
    st = dvs_init_numpy(p, fr[0], rng)
    a, sa = dvs_simulate_numba(p, st, fr, 1e-3, seed=7)
    b, sb = dvs_simulate_numba(p, st, fr, 1e-3, seed=7, parallel=True)
    c, _ = dvs_simulate_numba(p, st, fr, 1e-3, seed=8)
    assert np.array_equal(a, b) and np.array_equal(sa.B, sb.B) and not np.array_equal(a, c)
