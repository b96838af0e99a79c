"""Property-based bad-input tests of the runtime (issue 18, hypothesis): any mix of nominal, NaN, ±inf, huge and
tiny samples leaves every output of a valid sample finite and the state finite; wrong shapes raise ValueError
naming the argument. Bundles are hand-built (conftest); each property runs 30-40 examples in a few seconds."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fdir.runtime as rt
from fdir.runtime.export import quantize_bundle, standardized_windows
from fdir.runtime.sample import ERROR_CAP, Z_VALID

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
special = st.sampled_from([math.nan, math.inf, -math.inf, 1e300, -1e300, 3.5e38, 1e-300, 0.0, -0.0, 2 * Z_VALID])
value = st.one_of(st.floats(-3.0, 3.0), special, st.floats(allow_nan=True, allow_infinity=True))
# (index, channel, value) corruptions applied to a nominal series
corruptions = st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 1), value), max_size=25)


def _valid(v: float, std: float) -> bool:
    """The documented rule (mean 0 here): z = v/std finite and |z| <= Z_VALID (no value lies near the bound)."""
    return math.isfinite(v) and abs(v / std) <= Z_VALID


@FAST
@given(bad=corruptions, std=st.sampled_from([1.0, 1e-3]), horizon=st.booleans())
def test_forecast_runtime_outputs_stay_finite(builders, bad, std, horizon):
    T, W = 260, 12
    t = np.arange(T)
    x = np.stack([std * np.sin(t / 7.0), std * np.cos(t / 5.0)], axis=1)
    for i, c, v in bad:
        x[i % T, c] = v
    run = rt.from_arrays(*builders["forecaster"](W=W, D=2, std=std, horizon_stream=horizon, batch_size=10,
                                                 window_size=6))
    for ti in range(T):
        r = run.step(x[ti])
        ok = [_valid(float(v), std) for v in x[ti]]
        assert r.valid == all(ok)
        if ti >= W - 1:
            assert math.isfinite(r.prediction)                    # the held values keep every forecast finite
        if ti >= run.t0:
            assert math.isfinite(r.error) == ok[0]                # an error exactly when the target is valid
            assert r.error <= ERROR_CAP or not ok[0]
        assert all(math.isfinite(n.level) for n in run.ndts)      # the NDT state never becomes NaN
        assert np.all(np.isfinite(run.graph.x))
        if r.decided is not None:
            run.flags(*r.decided)
    run.finish()


@FAST
@given(bad=corruptions, fixed_point=st.booleans())
def test_window_runtime_outputs_stay_finite(builders, bad, fixed_point):
    spec, arrays = builders["autoencoder"]()
    if fixed_point:
        spec, arrays = quantize_bundle(spec, arrays, standardized_windows(spec, arrays, builders["nominal"](32)))
    xw = builders["nominal"](6, seed=1)
    flat = xw.transpose(0, 2, 1).reshape(-1, 2)                   # (N·W, C) in time order
    for i, c, v in bad:
        flat[i % len(flat), c] = v
    xw = flat.reshape(6, 16, 2).transpose(0, 2, 1)
    run = rt.from_arrays(spec, arrays)
    out = run.run_windows(xw)
    window_ok = np.array([all(_valid(float(v), 1.0) for v in w.ravel()) for w in xw])
    np.testing.assert_array_equal(out["valid"], window_ok)
    assert np.all(np.isfinite(out["score"][window_ok])) and np.all(np.isnan(out["score"][~window_ok]))
    assert not out["flag"][~window_ok].any()
    assert out["flag"][out["score"] == ERROR_CAP].all()          # a float32 overflow is an alarm
    assert run.fdir.persistence.count <= 5


def test_invalid_samples_leave_no_memory_behind(builders):
    """10⁴ forecast steps, one sample in seven invalid: the held values live in buffers allocated at load, so the
    traced memory does not grow with the steps (the NDT threshold search's temporaries are freed after each batch;
    a few KB of numpy's internal caches may appear, while keeping one float per step would add 240 KB)."""
    run = rt.from_arrays(*builders["forecaster"](W=30, D=2, batch_size=20, window_size=10))
    rng = np.random.default_rng(0)
    x = np.stack([np.sin(np.arange(10_300) / 9.0), rng.normal(size=10_300)], axis=1)
    x[::7, 0] = np.nan
    x[3::11, 1] = np.inf
    for i in range(300):                                          # warm-up: the NDT windows are full from here
        run.step(x[i])
    grown = builders["memory_growth"](run.step, x[300:])
    assert grown <= 32 * 1024, f"memory grew by {grown} bytes"


@FAST
@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
def test_wrong_sample_shapes_raise_naming_sample(builders, shape):
    if shape == (2,):
        return
    for run in (rt.from_arrays(*builders["forecaster"](W=12, D=2)), rt.from_arrays(*builders["autoencoder"]())):
        with pytest.raises(ValueError, match="sample"):
            run.step(np.zeros(shape))


@FAST
@given(shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5))
def test_wrong_series_shapes_raise_naming_the_argument(builders, shape):
    fc = rt.from_arrays(*builders["forecaster"](W=12, D=2))
    if len(shape) == 2 and shape[1] == 2:
        out = fc.run_series(np.zeros(shape))                      # a short series is fine: nothing is scored
        assert out["errors"].size == max(shape[0] - fc.t0, 0)
    else:
        with pytest.raises(ValueError, match="x must"):
            fc.run_series(np.zeros(shape))
    ae = rt.from_arrays(*builders["autoencoder"]())
    if len(shape) == 3 and shape[1:] == (2, 16):
        assert ae.run_windows(np.zeros(shape))["score"].shape == (shape[0],)
    else:
        with pytest.raises(ValueError, match="xw must"):
            ae.run_windows(np.zeros(shape))
