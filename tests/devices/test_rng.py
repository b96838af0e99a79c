"""The counter-based Gaussian generator: identical across NumPy reference, Numba and JAX; standard normal."""

import jax
import numpy as np
from scipy import stats

from devices import _kernel_jax as kj
from devices import _rng
from devices._layout import consts


def test_jax_draws_the_reference_normals():
    ref = _rng.normals_np(7, 500, 123456)
    with jax.enable_x64(True):
        assert np.max(np.abs(kj.normals_for_test(7, 500, 123456, consts(np.float64)) - ref)) < 1e-13
    a = kj.normals_for_test(3, 1000, 9, consts(np.float32))
    assert a.dtype == np.float32
    assert np.max(np.abs(a - _rng.normals_np(3, 1000, 9))) < 1e-5


def test_numba_kernel_draws_the_same_noise_as_jax():
    """Thermal trajectories of both backends agree to round-off only if the in-kernel normals are identical."""
    from devices.presets import preset
    from devices.simulate import simulate

    p = preset("inplane_cofeb_ellipse").params(n=64, T_K=300.0)
    a = simulate(p, (1, 0, 0), 1e-12, 200, seed=3)
    b = simulate(p, (1, 0, 0), 1e-12, 200, seed=3, backend="jax")
    c = simulate(p, (1, 0, 0), 1e-12, 200, seed=4)
    assert np.max(np.abs(a.m - b.m)) < 1e-11
    assert np.max(np.abs(a.m - c.m)) > 1e-3  # the noise is not negligible here


def test_standard_normal_statistics():
    x = np.concatenate([_rng.normals_np(11, 4000, s) for s in range(50)], axis=1)  # 3 x 200k
    n = x.shape[1]
    assert np.all(np.abs(x.mean(axis=1)) < 5 / np.sqrt(n))
    assert np.all(np.abs(x.var(axis=1) - 1) < 5 * np.sqrt(2 / n))
    c = np.corrcoef(x)
    assert np.all(np.abs(c[np.triu_indices(3, 1)]) < 5 / np.sqrt(n))
    for row in x:
        assert stats.kstest(row, "norm").pvalue > 1e-3
    # different seeds and steps give independent streams
    y = _rng.normals_np(12, 4000, 0)
    assert abs(np.corrcoef(x[0, :4000], y[0])[0, 1]) < 0.08
