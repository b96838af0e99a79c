"""Forecaster (telemanom protocol, conv variant): windows, cost formulas, training, and parity of the exported
model with the numpy-only runtime (float tolerance), including the ``residual`` flag."""

import numpy as np
import pytest

from fdir.detectors.forecaster import Forecaster, ForecasterConfig, forecast, make_windows, train_forecaster


def _series(T: int, seed: int = 0) -> np.ndarray:
    """Sine + noise telemetry value with 2 command flags, (T, 3) float64."""
    rng = np.random.default_rng(seed)
    t = np.arange(T)
    a = np.zeros((T, 3))
    a[:, 0] = 0.6 * np.sin(2 * np.pi * t / 37.0) + 0.02 * rng.standard_normal(T)
    a[:, 1] = (t // 50) % 2
    return a


SMALL = dict(l_s=40, n_predictions=3, conv_channels=(4, 4), kernel=3, stride=2, hidden=8, epochs=10, batch_size=32,
             lr=3e-3, commands="all")


@pytest.fixture(scope="module", params=[True, False], ids=["residual", "absolute"])
def trained(request):
    cfg = ForecasterConfig(**SMALL, residual=request.param)
    return train_forecaster(_series(600), cfg)


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
    assert cfg.macs(n_in) == macs
    params = (16 * n_in * 5 + 16) + 2 * (16 * 16 * 5 + 16) + (16 * lengths[3] * 32 + 32) + (32 * 10 + 10)
    assert cfg.n_params(n_in) == params


@pytest.mark.parametrize("bad", [dict(l_s=1), dict(commands="some"), dict(validation_split=1.0), dict(lr=0.0),
                                 dict(l_s=10, conv_channels=(4, 4, 4), kernel=5)])
def test_config_rejects_bad_values(bad):
    with pytest.raises(ValueError):
        ForecasterConfig(**bad)


def test_training_learns_and_forecast_alignment(trained: Forecaster):
    h = trained.history
    assert len(h["val"]) == SMALL["epochs"] and h["val"][-1] < h["val"][0]
    test = _series(300, seed=1)
    y_hat, y = forecast(trained, test)
    n = 300 - SMALL["l_s"] - SMALL["n_predictions"]
    assert y_hat.shape == y.shape == (n,)
    np.testing.assert_array_equal(y, test[SMALL["l_s"]:SMALL["l_s"] + n, 0].astype(np.float32))
    # better than predicting zero (the signal's mean) after 10 epochs
    assert np.mean((y_hat - y) ** 2) < 0.5 * np.mean(y**2)


def test_numpy_forward_matches_jax(trained: Forecaster):
    X, _ = make_windows(_series(200, seed=2), SMALL["l_s"], SMALL["n_predictions"], trained.columns)
    np.testing.assert_allclose(trained.predict_numpy(X), trained.predict(X), rtol=0, atol=1e-5)


def test_runtime_reproduces_predict(trained: Forecaster):
    """The exported bundle run sample by sample in fdir.runtime equals Forecaster.predict (float32 tolerance)."""
    from fdir.runtime import from_arrays

    spec, arrays = trained.export_layers()
    assert spec["detector"]["residual"] is trained.cfg.residual
    test = _series(260, seed=3)
    rt = from_arrays(spec, arrays)
    out = rt.run_series(test)
    y_hat, _ = forecast(trained, test)
    assert rt.t0 == SMALL["l_s"]
    np.testing.assert_allclose(out["predictions"][: y_hat.size], y_hat, rtol=0, atol=2e-5)
    # the flag matters: flipping it in the spec shifts every forecast by the newest value
    flipped = dict(spec, detector=dict(spec["detector"], residual=not trained.cfg.residual))
    other = from_arrays(flipped, arrays).run_series(test)["predictions"][: y_hat.size]
    last = test[SMALL["l_s"] - 1:SMALL["l_s"] - 1 + y_hat.size, 0]
    sign = -1.0 if trained.cfg.residual else 1.0
    np.testing.assert_allclose(other, y_hat + sign * last, rtol=0, atol=2e-5)
