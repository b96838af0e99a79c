"""The counter-based Gaussian generator: identical across NumPy reference, Numba and JAX; standard normal."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

from devices import _kernel_jax as kj
from devices import _rng
from devices._layout import consts


@functools.partial(jax.jit, static_argnums=(0, 1))
def _normals_f32(seed: int, n: int, steps):
    """(S, 3, n) float32 normals of junctions 0..n-1 at each of the S ``steps``: the arithmetic of
    :func:`devices._kernel_jax.normals_for_test` (jitted, as inside the JAX kernel) for all steps in one call, where
    100 eager calls dispatch every operation one by one (most of these tests' time)."""
    K = jnp.asarray(consts(np.float32))
    keys = kj.junction_keys(seed, n)
    return jax.vmap(lambda s: jnp.stack(kj.normals3(keys, kj.step_keys(s), K)))(jnp.asarray(steps, jnp.int32))


def _concat_steps(z) -> np.ndarray:
    """(S, 3, n) -> (3, S·n) float64, step-major (as concatenating the per-step draws along axis 1)."""
    z = np.asarray(z, np.float64)
    return np.transpose(z, (1, 0, 2)).reshape(3, -1)


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


def test_float32_generator_statistics():
    """The float32 series (devices._rng.SERIES_TERMS, shared by both kernels) still draw standard normals.

    3 x 400k draws from 100 steps x 4000 junctions. Tolerances: mean 5 SE (1/sqrt n), variance 5 SE (sqrt(2/n)),
    excess kurtosis 5 SE (sqrt(24/n)), KS p-value > 1e-3 against scipy.stats.norm, cross-correlations 5/sqrt(n).
    """
    x = _concat_steps(_normals_f32(21, 4000, np.arange(100)))
    n = x.shape[1]
    assert np.all(np.abs(x.mean(axis=1)) < 5 / np.sqrt(n))
    assert np.all(np.abs(x.var(axis=1) - 1) < 5 * np.sqrt(2 / n))
    assert np.all(np.abs(stats.kurtosis(x, axis=1)) < 5 * np.sqrt(24 / n))
    for row in x:
        assert stats.kstest(row, stats.norm.cdf).pvalue > 1e-3
    c = np.corrcoef(x)
    assert np.all(np.abs(c[np.triu_indices(3, 1)]) < 5 / np.sqrt(n))
    # the float32 series agree with the exact Box-Muller transform of the same 32-bit words to float32 round-off
    ref = _rng.normals_np(21, 4000, 7)
    assert np.max(np.abs(x[:, 7 * 4000:8 * 4000] - ref)) < 5e-6  # |z| <= 6.7: a few ulp of float32


def test_float32_streams_are_independent():
    """Streams of different seeds, neighbouring junctions and consecutive steps are uncorrelated
    (|r| < 5/sqrt(n), n = 200k pairs; for independent streams |r| has standard deviation 1/sqrt(n))."""
    steps = np.asarray(_normals_f32(1, 2001, np.arange(101)), np.float64)  # (101, 3, 2001), seed 1
    a = _concat_steps(steps[:100])
    b = _concat_steps(_normals_f32(2, 2001, np.arange(100)))
    nxt = _concat_steps(steps[1:])
    lim = 5 / np.sqrt(a.shape[1])
    assert abs(np.corrcoef(a[0], b[0])[0, 1]) < lim  # seeds
    assert abs(np.corrcoef(a[0], nxt[0])[0, 1]) < lim  # step s and s + 1 of the same junction
    cur = np.concatenate([s[:, :-1] for s in steps[:100]], axis=1)
    nb = np.concatenate([s[:, 1:] for s in steps[:100]], axis=1)
    assert abs(np.corrcoef(cur[0], nb[0])[0, 1]) < 5 / np.sqrt(cur.shape[1])  # junction j and j + 1


@pytest.mark.parametrize("scheme", ["heun", "midpoint"])
def test_numba_float32_kernel_draws_the_same_noise_as_jax(scheme):
    """The Numba float32 kernel hashes on 32-bit lanes with the float32 series; JAX traces the same arithmetic, so
    thermal float32 trajectories agree to float32 round-off (tolerance 1e-4 after 200 steps, against > 1e-3 for
    another seed). A constant STT current runs beside the noise: the same drive on both backends changes nothing in
    the comparison, and the kernel is then the thermal STT float32 specialisation that validation case D1 compiles
    anyway, rather than a thermal-only one compiled for this test alone (~20 s per scheme with a cold Numba cache)."""
    from devices.presets import preset
    from devices.simulate import Drive, simulate

    p = preset("inplane_cofeb_ellipse").params(n=64, T_K=300.0)
    kw = dict(dtype="float32", scheme=scheme, drive=Drive(stt=1e11))
    a = simulate(p, (1, 0, 0), 1e-12, 200, seed=3, **kw)
    b = simulate(p, (1, 0, 0), 1e-12, 200, seed=3, backend="jax", **kw)
    c = simulate(p, (1, 0, 0), 1e-12, 200, seed=4, **kw)
    assert a.m.dtype == np.float32
    assert np.max(np.abs(a.m - b.m)) < 1e-4
    assert np.max(np.abs(a.m - c.m)) > 1e-3
