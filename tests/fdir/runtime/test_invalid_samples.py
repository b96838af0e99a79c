"""Bad input in the streaming runtimes is never silent (issue 18; FORMAT.md "Invalid samples"): a non-finite or
absurd sample is marked invalid, never enters the state, and the outputs after it are those of the series with the
last valid value held. Expected values come from closed forms of hand-built bundles (conftest: a persistence
forecaster ŷ_{t+1} = z_t, a window-mean forecaster, a PCA autoencoder), never from the runtime itself."""

import math

import numpy as np
import pytest

import fdir.runtime as rt
from fdir.runtime.ndt import NDTParams, StreamingNDT
from fdir.runtime.sample import ERROR_CAP, Z_VALID

BAD = [math.nan, math.inf, -math.inf, 1e300, 2 * Z_VALID]   # 1e300 overflows float32; 2e18 σ is beyond Z_VALID


def _series(T=1200, seed=0):
    rng = np.random.default_rng(seed)
    y = np.sin(np.arange(T) / 15.0) + 0.02 * rng.normal(size=T)
    return np.stack([y, rng.normal(size=T)], axis=1)


def _mean_forecaster(builders, W=30):
    """ŷ_{t+1} = mean of the last W values of channel 0: every forecast depends on the whole window."""
    spec, arrays = builders["forecaster"](W=W, D=2, batch_size=20, window_size=10)
    w = np.zeros_like(arrays["fc.w"])
    w[0::2, 0] = 1.0 / W
    arrays["fc.w"] = w
    return spec, arrays


# ------------------------------------------------------------------------------------------ window runtime
@pytest.mark.parametrize("bad", BAD)
def test_window_runtime_marks_nonfinite_and_absurd_samples_invalid(builders, bad):
    """+inf was accepted as valid before (the runtime checked isnan only)."""
    xw = builders["nominal"](3, seed=4)
    clean = rt.from_arrays(*builders["autoencoder"](fdir=False)).run_windows(xw)
    xw_bad = xw.copy()
    xw_bad[1, 0, 5] = bad
    out = rt.from_arrays(*builders["autoencoder"](fdir=False)).run_windows(xw_bad)
    assert out["valid"].tolist() == [True, False, True]
    assert math.isnan(out["score"][1]) and not out["flag"][1]
    # the windows around it are scored exactly as without the bad sample (windows do not overlap)
    np.testing.assert_array_equal(out["score"][[0, 2]], clean["score"][[0, 2]])


def test_invalid_windows_count_as_unflagged_for_fdir(builders):
    xw = builders["nominal"](8, seed=5)
    xw[:, 0, :] += 1.5                                            # every window off-nominal
    xw[[1, 3], 1, 2] = math.inf                                   # two of them also carry an invalid sample
    run = rt.from_arrays(*builders["autoencoder"]())
    out = run.run_windows(xw)
    assert out["flag"].tolist() == [True, False, True, False, True, True, True, True]
    # 3-of-5 persistence: flags 1,0,1,0,1 → the alarm rises at window 4 (0-based), not earlier
    assert [r["window"] for r in run.fdir.log_records() if r["event"] == "alarm_raised"] == [4]


def test_window_runtime_rejects_wrong_shapes(builders):
    run = rt.from_arrays(*builders["autoencoder"]())
    for bad in (np.zeros(3), np.zeros((1, 2)), np.zeros(0), 1.0):
        with pytest.raises(ValueError, match="sample"):
            run.step(bad)
    with pytest.raises(ValueError, match="sample"):
        run.step(["a", "b"])
    with pytest.raises(ValueError, match="xw"):
        run.run_windows(np.zeros((4, 16, 2)))


def test_valid_window_that_overflows_float32_is_an_alarm(builders):
    """A valid sample (|z| <= Z_VALID) that a high-gain decoder drives past float32: flagged with ERROR_CAP."""
    spec, arrays = builders["autoencoder"](fdir=False)
    arrays["dec.w"] = arrays["dec.w"] * 1e3                        # ẑ ≈ 1e3·z: (1e21)² overflows float32
    xw = builders["nominal"](3, seed=6)
    xw[1, 0, 3] = 1e18
    out = rt.from_arrays(spec, arrays).run_windows(xw)
    assert out["valid"].all() and out["flag"][1] and out["score"][1] == ERROR_CAP


# ---------------------------------------------------------------------------------------- forecast runtime
def test_forecast_step_nan_does_not_poison_predictions(builders):
    """Before: step(nan) made the next W predictions NaN and the NDT's EWMA NaN for good, with no flag."""
    W, k = 30, 700
    x = _series()
    x_nan = x.copy()
    x_nan[k, 0] = math.nan
    x_held = x.copy()
    x_held[k, 0] = x[k - 1, 0]                                   # the documented rule: last valid value held
    spec, arrays = _mean_forecaster(builders, W)
    run = rt.from_arrays(spec, arrays)
    preds, levels, valid = [], [], []
    for s in x_nan:
        r = run.step(s)
        preds.append(r.prediction)
        levels.append(run.ndt.level)
        valid.append(r.valid)
    preds = np.array(preds)
    assert np.flatnonzero(~np.array(valid)).tolist() == [k]
    assert np.all(np.isfinite(preds[W - 1:])) and np.all(np.isfinite(levels))
    # closed form: the mean of the last W values of the held series (float32 arithmetic, tolerance 1e-5)
    z = x_held[:, 0]
    ref = np.array([z[t - W + 1:t + 1].mean() for t in range(W - 1, len(z))])
    np.testing.assert_allclose(preds[W - 1:], ref, atol=1e-5)
    # once the window has refilled (W samples after k) the forecasts equal the clean stream's, bit for bit
    clean = rt.from_arrays(spec, arrays)
    p_clean = np.array([clean.step(s).prediction for s in x])
    np.testing.assert_array_equal(preds[k + W:], p_clean[k + W:])
    assert not np.array_equal(preds[k:k + W], p_clean[k:k + W])


def test_forecast_invalid_target_has_no_error_and_holds_the_threshold(builders):
    W, k = 30, 500
    x = _series(seed=1)
    x[k, 0] = math.inf
    run = rt.from_arrays(*builders["forecaster"](W=W, D=2, batch_size=20, window_size=10))
    out = run.run_series(x)
    err = out["errors"]                                           # error index i ↔ sample i + W
    assert np.flatnonzero(np.isnan(err)).tolist() == [k - W]
    # the persistence forecast made at the invalid sample is the held value x[k−1]: e_{k+1} = |x[k+1] − x[k−1]|
    assert err[k + 1 - W] == pytest.approx(abs(x[k + 1, 0] - x[k - 1, 0]), abs=1e-6)
    assert out["valid"].sum() == len(x) - 1 and not out["valid"][k]
    assert out["sequences"] == []                                 # a held error raises no alarm


def test_forecast_invalid_other_channel_keeps_the_target_error(builders):
    x = _series(seed=2)
    x[400, 1] = math.nan
    out = rt.from_arrays(*builders["forecaster"](W=30, D=2, batch_size=20, window_size=10)).run_series(x)
    assert np.all(np.isfinite(out["errors"])) and not out["valid"][400]


def test_forecast_detections_unchanged_by_an_invalid_sample(builders):
    """A burst at 2,500 is found with or without a NaN at 1,500 (the held error barely moves the statistics)."""
    x = _series(T=30 + 2100 + 700, seed=3)
    rng = np.random.default_rng(9)
    x[2500:2540, 0] += rng.normal(0.0, 1.0, 40)
    spec, arrays = builders["forecaster"](W=30, D=2)
    clean = rt.from_arrays(spec, arrays).run_series(x)["sequences"]
    x[1500, 0] = math.nan
    got = rt.from_arrays(spec, arrays).run_series(x)["sequences"]
    assert len(clean) == 1 and clean[0][0] <= 2500 <= clean[0][1]
    assert got == clean


def test_horizon_stream_holds_the_forecasts_covering_an_invalid_target(builders):
    """With h = 3 the horizon errors of the three origins whose horizon holds the invalid sample are held (NaN);
    every other horizon error is the closed form (1/3) Σ_j |z_s − z_{s+1+j}| of the persistence forecast."""
    W, k, H = 30, 300, 3
    x = _series(T=600, seed=4)
    x[k, 0] = math.nan
    run = rt.from_arrays(*builders["forecaster"](W=W, D=2, horizon_stream=True, batch_size=20, window_size=10))
    out = run.run_series(x)
    hz = out["horizon_errors"][:, 0]                              # error index i: origin sample i + W − 1
    held = np.flatnonzero(np.isnan(hz[: len(hz) - (H - 1)]))
    assert (held + W - 1).tolist() == [k - 3, k - 2, k - 1]
    z = x[:, 0].copy()
    z[k] = z[k - 1]
    s = np.arange(W - 1, len(z) - H)
    ref = np.mean([np.abs(z[s] - z[s + 1 + j]) for j in range(H)], axis=0)
    ok = ~np.isnan(hz[: len(s)])
    np.testing.assert_allclose(hz[: len(s)][ok], ref[ok], atol=1e-5)
    assert all(math.isfinite(n.level) for n in run.ndts)


def test_valid_forecast_that_overflows_float32_is_an_alarm(builders):
    """ŷ = z₀ + 10²¹·z₁ (channel 1 is 0 in nominal data): one valid z₁ = 10¹⁸ overflows the float32 forecast; the
    error is ERROR_CAP, never NaN, the thresholder flags it, and the stream is persistence again right after."""
    W, k = 30, 30 + 2100 + 300
    spec, arrays = builders["forecaster"](W=W, D=2)
    arrays["fc.w"][(W - 1) * 2 + 1, 0] = 1e21
    x = _series(T=30 + 2100 + 700, seed=5)
    x[:, 1] = 0.0
    x[k, 1] = 1e18
    run = rt.from_arrays(spec, arrays)
    out = run.run_series(x)
    assert out["valid"].all() and np.isinf(out["predictions"][k + 1 - W])
    assert out["errors"][k + 1 - W] == ERROR_CAP
    assert np.all(np.isfinite(out["errors"])) and all(math.isfinite(n.level) for n in run.ndts)
    assert any(a <= k + 1 <= b for a, b in out["sequences"])
    # the forecasts after it are persistence forecasts again: e_t = |z_t − z_{t−1}|
    np.testing.assert_allclose(out["errors"][k + 2 - W:], np.abs(np.diff(x[k + 1:, 0])), atol=1e-6)


def test_forecast_runtime_rejects_wrong_shapes(builders):
    run = rt.from_arrays(*builders["forecaster"](W=30, D=2))
    for bad in (np.zeros(3), np.zeros((2, 1)), np.zeros(0)):
        with pytest.raises(ValueError, match="sample"):
            run.step(bad)
    for bad in (np.zeros(10), np.zeros((10, 3)), [["a", "b"]]):
        with pytest.raises(ValueError, match="x must"):
            run.run_series(bad)


# -------------------------------------------------------------------------------------------- streaming NDT
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_streaming_ndt_rejects_nonfinite_and_hold_keeps_the_level(bad):
    ndt = StreamingNDT(NDTParams(batch_size=10, window_size=5, l_s=0))
    for e in (0.1, 0.3, 0.2):
        ndt.push(e, 0.0)
    with pytest.raises(ValueError, match="e="):
        ndt.push(bad, 0.0)
    with pytest.raises(ValueError, match="y="):
        ndt.push(0.1, bad)
    a = 1 - 2 / (ndt.params.span + 1)                             # pandas adjust=True EWMA of 0.1, 0.3, 0.2
    level = (0.2 + a * 0.3 + a * a * 0.1) / (1 + a + a * a)
    assert ndt.level == pytest.approx(level, rel=1e-12) and ndt.n == 3
    ndt.hold(0.0)
    assert ndt.level == pytest.approx(level, rel=1e-12) and ndt.n == 4
