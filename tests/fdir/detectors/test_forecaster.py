"""Forecaster (telemanom protocol, conv variant): windows, cost formulas, training, and parity of the exported
model with the numpy-only runtime (float tolerance), including the skip gain (``residual`` flag, mixed
absolute/residual ensemble)."""

from dataclasses import replace

import numpy as np
import pytest

from fdir.detectors.forecaster import (
    Forecaster,
    ForecasterConfig,
    forecast,
    forecast_heads,
    make_windows,
    train_forecaster,
)

SMALL = dict(l_s=40, n_predictions=3, conv_channels=(4, 4), kernel=3, stride=2, hidden=8, epochs=10, batch_size=32,
             lr=3e-3, commands="all")


ONE = dict(members=1, skip="fixed")


@pytest.fixture(scope="module", params=[dict(ONE, residual=True), dict(ONE, residual=False), dict()],
                ids=["residual", "absolute", "mixed"])
def trained(request, command_series):
    cfg = ForecasterConfig(**SMALL, **request.param)
    return train_forecaster(command_series(600), cfg)


def test_make_windows_alignment():
    a = np.arange(20, dtype=np.float64)[:, None] * np.array([[1.0, 10.0]])
    X, Y = make_windows(a, l_s=5, n_predictions=2)
    assert X.shape == (20 - 5 - 2, 2, 5) and Y.shape == (13, 2)
    # window i covers samples i .. i+l_s-1; targets are column 0 at i+l_s, i+l_s+1
    np.testing.assert_array_equal(X[3, 0], np.arange(3, 8))
    np.testing.assert_array_equal(X[3, 1], 10 * np.arange(3, 8))
    np.testing.assert_array_equal(Y[3], [8, 9])
    with pytest.raises(ValueError, match="too short"):
        make_windows(a[:7], 5, 2)


def test_input_length_and_costs():
    cfg = ForecasterConfig(l_s=250, conv_channels=(16, 16, 16), kernel=5, stride=2, hidden=32, n_predictions=10)
    L = cfg.input_length
    # every layer must consume its last sample: (L_i - k) divisible by s
    lengths = [L, *cfg.lengths()]
    assert all((lengths[i] - 5) % 2 == 0 for i in range(3)) and L <= 250
    n_in = 3
    macs = 16 * n_in * 5 * lengths[1] + 16 * 16 * 5 * lengths[2] + 16 * 16 * 5 * lengths[3] \
        + 16 * lengths[3] * 32 + 32 * 10
    params = (16 * n_in * 5 + 16) + 2 * (16 * 16 * 5 + 16) + (16 * lengths[3] * 32 + 32) + (32 * 10 + 10)
    # the default is a two-member ("mixed") ensemble: costs and parameters of two networks
    assert (cfg.members, cfg.skip) == (2, "mixed")
    assert cfg.macs(n_in) == 2 * macs and cfg.n_params(n_in) == 2 * params
    one = replace(cfg, members=1, skip="fixed")
    assert one.macs(n_in) == macs and one.n_params(n_in) == params


@pytest.mark.parametrize("bad", [dict(l_s=1), dict(commands="some"), dict(validation_split=1.0), dict(lr=0.0),
                                 dict(l_s=10, conv_channels=(4, 4, 4), kernel=5), dict(skip="both"),
                                 dict(skip="learned"), dict(members=0),
                                 dict(members=1), dict(horizon_error="mixed")])
def test_config_rejects_bad_values(bad):
    with pytest.raises(ValueError):
        ForecasterConfig(**bad)


def test_training_learns_and_forecast_alignment(trained: Forecaster, command_series):
    h = trained.history
    assert len(h["val"]) == SMALL["epochs"] and h["val"][-1] < h["val"][0]
    test = command_series(300, seed=1)
    y_hat, y = forecast(trained, test)
    n = 300 - SMALL["l_s"] - SMALL["n_predictions"]
    assert y_hat.shape == y.shape == (n,)
    np.testing.assert_array_equal(y, test[SMALL["l_s"]:SMALL["l_s"] + n, 0].astype(np.float32))
    # better than predicting zero (the signal's mean) after 10 epochs
    assert np.mean((y_hat - y) ** 2) < 0.5 * np.mean(y**2)


def test_runtime_reproduces_predict(trained: Forecaster, command_series):
    """The exported bundle run sample by sample in fdir.runtime equals Forecaster.predict_heads per head and
    Forecaster.predict on average (float32 tolerance), with each head's skip gain."""
    from fdir.runtime import from_arrays

    spec, arrays = trained.export_layers()
    gains, K = trained.head_gains, trained.n_heads
    det = spec["detector"]
    assert det.get("heads", 1) == K and np.allclose(np.atleast_1d(det["residual_gain"]), gains)
    assert det["residual"] is (trained.skip_gain == 1.0)
    test = command_series(260, seed=3)
    rt = from_arrays(spec, arrays)
    out = rt.run_series(test)
    y_hat, _ = forecast(trained, test)
    heads, _ = forecast_heads(trained, test)
    assert rt.t0 == SMALL["l_s"] and heads.shape == (K, y_hat.size)
    np.testing.assert_allclose(out["predictions"][: y_hat.size], y_hat, rtol=0, atol=2e-5)
    np.testing.assert_allclose(out["head_predictions"][: y_hat.size], heads.T, rtol=0, atol=2e-5)
    last = test[SMALL["l_s"] - 1:SMALL["l_s"] - 1 + y_hat.size, 0]
    # the gain matters: a bundle with gains a + 0.5 shifts every forecast by 0.5 x the newest value
    g = [float(v) + 0.5 for v in gains] if K > 1 else float(gains[0]) + 0.5
    other = from_arrays(dict(spec, detector=dict(det, residual_gain=g)), arrays).run_series(test)
    np.testing.assert_allclose(other["predictions"][: y_hat.size], y_hat + 0.5 * last, rtol=0, atol=2e-5)
    if K == 1:
        # bundles of the older format (no residual_gain) read the boolean flag: gain 1 when true, 0 when false
        for flag in (True, False):
            old = dict(spec, detector={k: v for k, v in det.items() if k != "residual_gain"} | {"residual": flag})
            pred = from_arrays(old, arrays).run_series(test)["predictions"][: y_hat.size]
            np.testing.assert_allclose(pred, y_hat + (float(flag) - gains[0]) * last, rtol=0, atol=2e-5)
    from fdir.runtime.graph import FormatError

    for bad in (float("nan"), "half", [0.0] * (K + 1)):
        with pytest.raises(FormatError, match="residual_gain"):
            from_arrays(dict(spec, detector=dict(det, residual_gain=bad)), arrays)


def test_mixed_ensemble_pairs_absolute_and_residual_members(command_series):
    """skip="mixed": even members forecast the value (gain 0), odd members the change (gain 1); the gains stay fixed
    during training, the ensemble forecast is mean(network outputs) + mean(gains)·x_{t−1} (each member rebuilt as
    its own fixed-gain forecaster), exported as one head per member (union) or the mean with gain 0.5."""
    cfg = ForecasterConfig(**SMALL, members=2, skip="mixed")
    m = train_forecaster(command_series(400), cfg)
    np.testing.assert_array_equal(m.params["skip"]["a"][:, 0], [0.0, 1.0])
    assert m.skip_gain == 0.5
    X, _ = make_windows(command_series(150, seed=4), SMALL["l_s"], SMALL["n_predictions"], m.columns)
    by_member = []
    for j in range(2):
        one = Forecaster(replace(cfg, members=1, skip="fixed", residual=bool(j)), m.D, m.columns,
                         {k: {kk: vv[j:j + 1] for kk, vv in v.items()} for k, v in m.params.items() if k != "skip"})
        by_member.append(one.predict(X))
    np.testing.assert_allclose(m.predict(X), (by_member[0] + by_member[1]) / 2, rtol=0, atol=2e-5)
    np.testing.assert_allclose(m.predict_heads(X), np.stack(by_member), rtol=0, atol=2e-5)
    spec, _ = m.export_layers()        # default combine="union": one head per member, each with its own gain
    assert (spec["detector"]["heads"], spec["detector"]["residual_gain"]) == (2, [0.0, 1.0])
    mean = replace(m, cfg=replace(cfg, combine="mean"))
    spec, _ = mean.export_layers()     # combine="mean": the folded mean, one head with the mean gain
    assert "heads" not in spec["detector"] and spec["detector"]["residual_gain"] == 0.5
    assert spec["detector"]["residual"] is False
    np.testing.assert_allclose(mean.predict_heads(X)[0], m.predict(X), rtol=0, atol=1e-6)


def test_union_detection_flags_what_any_head_flags(command_series):
    """combine="union": channel_detections thresholds each member's errors with its own NDT and ORs the flags
    (fdir.ndt.detect_any); the exported two-head bundle streamed through the runtime decides the same flags
    (offline NDT runs fdir.ndt.StreamingNDT's causal window schedule)."""
    from fdir.detectors.forecaster import channel_detections
    from fdir.ndt import NDTParams, detect, num_to_ignore, runs
    from fdir.runtime import from_arrays

    ndt = NDTParams(l_s=SMALL["l_s"], batch_size=20, window_size=5, error_buffer=5)
    test = command_series(40 + 3 + 100 + 8 * 20, seed=5)
    test[200:215, 0] += 1.5                                       # a step both forms see
    test[260:, 0] = -0.6                                          # a persistent stuck value
    cfg = ForecasterConfig(**SMALL, horizon_error="none")       # first-step errors only (horizon: next test)
    run = channel_detections("synthetic", command_series(400), test, cfg, ndt, keep_model=True)
    heads, y = forecast_heads(run.model, test)
    one = [detect(np.abs(h - y), y, ndt, offset=SMALL["l_s"]) for h in heads]
    assert one[0].sequences != one[1].sequences                   # the heads disagree here, so the OR matters
    np.testing.assert_array_equal(run.ndt.flags, one[0].flags | one[1].flags)
    assert [m.sequences for m in run.ndt.members] == [o.sequences for o in one]
    assert run.ndt.sequences == [(a + SMALL["l_s"], b + SMALL["l_s"]) for a, b in runs(run.ndt.flags) if b > a]
    assert run.ndt.e_s.shape == (2, y.size) and len(run.ndt.scores) == len(run.ndt.sequences)
    assert any(s <= 214 and e >= 200 for s, e in run.ndt.sequences)
    rt = from_arrays(*run.model.export_layers(ndt=ndt))
    out = rt.run_series(test[: rt.t0 + y.size], n_ignore=num_to_ignore(y.size, ndt))
    np.testing.assert_allclose(out["head_errors"], np.abs(heads - y).T, rtol=0, atol=5e-5)
    np.testing.assert_array_equal(out["flags"], run.ndt.flags)


def test_horizon_mean_stream_offline_and_runtime(command_series):
    """horizon_error="absolute" (default): the absolute head's horizon-mean error h_k = mean_j |ŷ_{k,j} − y_{k+j}|
    is a third NDT stream. Offline: stream_errors gives it from the full forecasts (checked against a direct loop)
    and channel_detections ORs the three streams' detections. Runtime: the exported bundle declares the streams,
    computes h_k online from its shift register (5e-5 of the offline value) and decides the same flags as the
    offline streams (first-step streams over n values, the horizon stream over n − H + 1, both lengths on the NDT
    window schedule)."""
    from fdir.detectors.forecaster import channel_detections, stream_errors
    from fdir.ndt import NDTParams, detect, runs
    from fdir.runtime import from_arrays
    from fdir.runtime.graph import FormatError

    H = 21                                                        # H − 1 = batch_size: both stream lengths fit
    cfg = ForecasterConfig(**dict(SMALL, n_predictions=H))
    ndt = NDTParams(l_s=SMALL["l_s"], batch_size=20, window_size=5, error_buffer=5)
    n = 100 + 8 * 20
    test = command_series(40 + n + H, seed=6)
    test[180:240, 0] = 0.3 * test[180:240, 0]                     # damped oscillation
    run = channel_detections("synthetic", command_series(400), test, cfg, ndt, keep_model=True)
    model = run.model
    assert model.error_streams == ((0, "first_step"), (1, "first_step"), (0, "horizon_mean"))
    assert replace(model, cfg=replace(cfg, horizon_error="all")).error_streams[2:] == ((0, "horizon_mean"),
                                                                                      (1, "horizon_mean"))
    assert replace(model, cfg=replace(cfg, horizon_error="none")).error_streams == model.error_streams[:2]
    y_hat, Y = forecast_heads(model, test, full=True)
    assert y_hat.shape == (2, n, H) and Y.shape == (n, H)
    E = stream_errors(y_hat, Y, model.error_streams)
    direct = [np.mean([abs(y_hat[0, k, j] - test[40 + k + j, 0]) for j in range(H)]) for k in (0, 57, n - 1)]
    np.testing.assert_allclose(E[2, [0, 57, n - 1]], direct, rtol=0, atol=1e-6)
    np.testing.assert_allclose(E[0], np.abs(y_hat[0, :, 0] - Y[:, 0]), rtol=0, atol=0)
    y = Y[:, 0]
    one = [detect(e, y, ndt, offset=SMALL["l_s"]) for e in E]
    assert np.any(one[2].flags & ~(one[0].flags | one[1].flags))  # the horizon stream adds flags here
    np.testing.assert_array_equal(run.ndt.flags, one[0].flags | one[1].flags | one[2].flags)
    with pytest.raises(ValueError, match="head must be"):
        stream_errors(y_hat, Y, ((2, "first_step"),))
    with pytest.raises(ValueError, match="kind in"):
        stream_errors(y_hat, Y, ((0, "median"),))

    spec, arrays = model.export_layers(ndt=ndt)
    assert spec["detector"]["streams"] == [{"head": 0, "error": "first_step"}, {"head": 1, "error": "first_step"},
                                           {"head": 0, "error": "horizon_mean"}]
    rt = from_arrays(spec, arrays)
    out = rt.run_series(test[: rt.t0 + n], n_ignore=0)          # first-step: n errors; horizon: n − H + 1
    m = n - H + 1
    np.testing.assert_allclose(out["horizon_errors"][:m, 0], E[2, :m], rtol=0, atol=5e-5)
    assert np.all(np.isnan(out["horizon_errors"][m:]))
    np.testing.assert_allclose(out["head_errors"], np.abs(y_hat[:, :, 0] - y).T, rtol=0, atol=5e-5)
    ref = one[0].flags | one[1].flags
    ref[:m] |= detect(E[2, :m], y[:m], ndt, offset=SMALL["l_s"]).flags
    np.testing.assert_array_equal(out["flags"], ref)
    assert out["sequences"] == [(a + rt.t0, b + rt.t0) for a, b in runs(ref) if b > a]
    # without the streams key a bundle thresholds the first-step error of every head (older bundles)
    old = dict(spec, detector={k: v for k, v in spec["detector"].items() if k != "streams"})
    assert from_arrays(old, arrays).streams == ((0, "first_step"), (1, "first_step"))
    for bad in ([], [{"head": 2, "error": "first_step"}], [{"head": 0, "error": "median"}], [{"error": "x"}], 3):
        with pytest.raises(FormatError, match="streams"):
            from_arrays(dict(spec, detector=dict(spec["detector"], streams=bad)), arrays)
