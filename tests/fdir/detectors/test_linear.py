"""Known answers of the ridge AR(p) forecaster (fdir.detectors.linear): the coefficients of a simulated AR(2)
process and its innovation standard deviation as the one-step error (Box, Jenkins, Reinsel & Ljung, Time Series
Analysis, 5th ed., ch. 3: the linear one-step predictor of an AR(p) process has error variance sigma_e^2), the exact
two-term recurrence of a sampled sine, the window rule and bad input. The protocol checks (shapes, NaN gaps,
runtime export round trip) run for it in test_protocol.py."""

import numpy as np
import pytest
from scipy.signal import lfilter

from fdir.detectors.linear import FIXED_POINT_HEADROOM, LinearForecaster

PHI = (1.6, -0.8)          # stationary AR(2): roots of 1 - 1.6 B + 0.8 B^2 lie outside the unit circle
SIGMA_E = 0.1


def _ar2(T: int, seed: int) -> np.ndarray:
    e = np.random.default_rng(seed).normal(0.0, SIGMA_E, T + 500)
    return lfilter([1.0], [1.0, -PHI[0], -PHI[1]], e)[500:]       # burn-in dropped


def test_ar2_coefficients_and_innovation_std():
    det = LinearForecaster(order=2, max_fraction=0.5).fit(_ar2(20_000, 0))
    # coefficients oldest first: (phi_2, phi_1); standard error sqrt((1 - phi_2^2)/T) = 0.004, tolerance 5 SE
    np.testing.assert_allclose(det.coef, [PHI[1], PHI[0]], atol=0.02)
    test = _ar2(20_000, 1)                                          # a fresh realisation
    e = test - det.forecast(test)
    rms = np.sqrt(np.nanmean(e**2))
    assert abs(rms / SIGMA_E - 1) < 0.03                            # 19,998 errors: sampling error 0.5 %
    s = det.scores(test)
    assert s.shape == (1, test.size) and np.isnan(s[0, :2]).all()
    np.testing.assert_allclose(s[0, 2:], np.abs(e[2:]))


def test_sine_two_term_recurrence():
    omega = 2 * np.pi / 37
    z = np.sin(omega * np.arange(2000) + 0.3)                       # z_t = 2 cos(omega) z_{t-1} - z_{t-2}, exactly
    det = LinearForecaster(order=2, max_fraction=0.5).fit(z)
    np.testing.assert_allclose(det.coef, [-1.0, 2 * np.cos(omega)], atol=1e-3)
    assert np.nanmax(det.scores(z)) < 1e-3


def test_window_rule():
    det = LinearForecaster()
    assert det.window_for(200) == 50 and det.window_for(120) == 30 and det.window_for(20_000) == 50
    assert LinearForecaster(order=250).window_for(400) == 100
    x = np.random.default_rng(0).normal(size=120)
    assert LinearForecaster().fit(x).p == 30


@pytest.mark.parametrize("kw, name", [({"order": 1}, "order"), ({"order": 2.5}, "order"), ({"order": True}, "order"),
                                      ({"max_fraction": 0.0}, "max_fraction"), ({"max_fraction": 1.0}, "max_fraction"),
                                      ({"max_fraction": float("nan")}, "max_fraction")])
def test_bad_parameters_are_named(kw, name):
    with pytest.raises(ValueError, match=name):
        LinearForecaster(**kw)


def test_bad_input():
    det = LinearForecaster()
    with pytest.raises(ValueError, match="fit"):
        det.scores(np.zeros(100))
    with pytest.raises(ValueError, match="at least"):
        det.fit(np.zeros(det.min_train_length - 1))
    x = np.random.default_rng(0).normal(size=300)
    x[10] = np.inf
    with pytest.raises(ValueError, match="inf"):
        det.fit(x)


def _context_pair(T: int, seed: int, sigma: float = 0.05):
    """Channel 1: AR(1) x_t = 0.9 x_{t-1} + N(0, 1); channel 0 = 2 x_{1,t} + 0.5 x_{1,t-1} + N(0, sigma^2) white."""
    rng = np.random.default_rng(seed)
    x1 = lfilter([1.0], [1.0, -0.9], rng.normal(size=T + 200))[200:]
    x0 = 2.0 * x1 + 0.5 * np.concatenate([[0.0], x1[:-1]]) + rng.normal(0.0, sigma, T)
    return np.column_stack([x0, x1])


def test_context_regression_coefficients_and_noise_floor():
    """Column 0 is a known linear function of column 1's current and previous values plus white noise
    (sigma = 0.05): with context the fitted weight of x_{1,t}, which nothing else in the regression carries, is 2
    within 0.02 (standard error about sigma / (std(x1)·sqrt(T)) = 3e-4; the lagged weights are not identified one
    by one: x_{0,t-1} - 2 x_{1,t-1} - 0.5 x_{1,t-2} is white noise, so a multiple of it moves weight between own
    and context lags at an MSE cost of sigma^2 per unit), and the one-step RMS error on a fresh realisation is
    within 5 % of sigma (the innovation standard deviation). Without context (context_lags = 0) the
    forecaster cannot know the current x_1: its RMS error is at least 10 x sigma (the AR(1) innovation, 1, times
    2 dominates)."""
    train, test = _context_pair(5000, 0), _context_pair(5000, 1)
    det = LinearForecaster(order=10, max_fraction=0.5).fit(train)
    assert det.p == 10 and det.c == 5 and det.input_columns == (0, 1)
    own, ctx = det.coef[:10], det.coef[10:]              # context oldest first: x_{1,t-4} .. x_{1,t}
    assert own.size == 10 and ctx.size == 5
    assert abs(ctx[-1] - 2.0) < 0.02
    rms = np.sqrt(np.nanmean((det.forecast(test) - test[:, 0]) ** 2))
    assert abs(rms / 0.05 - 1) < 0.05
    alone = LinearForecaster(order=10, max_fraction=0.5, context_lags=0).fit(train)
    assert alone.input_columns == (0,) and alone.coef.size == 10
    assert np.sqrt(np.nanmean((alone.forecast(test) - test[:, 0]) ** 2)) > 10 * 0.05


def test_context_shows_a_correlation_break():
    """Two channels follow one factor; over a break channel 0 follows the mirrored factor (its own history stays
    smooth). Context errors inside the break are at least 5 x their largest value before it; without context the
    break's errors stay below 3 x (a univariate forecaster sees a smooth signal)."""
    rng = np.random.default_rng(3)
    T = 4000
    f = np.sin(2 * np.pi * np.arange(T) / 150) + lfilter([1.0], [1.0, -0.98], rng.normal(0, 0.05, T))
    x = np.column_stack([f + rng.normal(0, 0.02, T), 1.5 * f + rng.normal(0, 0.03, T)])
    brk = slice(3000, 3400)
    x[brk, 0] = -f[brk] + rng.normal(0, 0.02, 400)
    ratios = []
    for c in (5, 0):
        det = LinearForecaster(context_lags=c).fit(x[:2000])
        e = det.scores(x)[0]
        ratios.append(np.nanmax(e[3010:3400]) / np.nanmax(e[50:2990]))
    assert ratios[0] > 5 and ratios[1] < 3


def test_context_bad_input():
    with pytest.raises(ValueError, match="context_lags"):
        LinearForecaster(context_lags=-1)
    with pytest.raises(ValueError, match="context_lags"):
        LinearForecaster(context_lags=1.5)
    det = LinearForecaster().fit(_context_pair(500, 0))
    with pytest.raises(ValueError, match="2"):
        det.scores(np.zeros((100, 3)))
    with pytest.raises(ValueError, match="fit"):
        _ = LinearForecaster().input_columns


@pytest.mark.parametrize(("D", "gain"), [(1, 1.0), (3, 1.0), (1, 30.0)])
def test_fixed_point_forecast_within_the_rounding_bound(D, gain):
    """int8 weights (one scale s_w = max|w|/127 for the single output) and 16-bit inputs (s_x = H max|x_cal|/32767,
    H = FIXED_POINT_HEADROOM = 64):
    |y_q - y| <= sum_i |x_i| s_w/2 + sum_i |w_i| s_x/2 + |x_i| |w_i| rounding cross terms + the bias step, bounded
    here by (sum|x| s_w + sum|w| s_x) / 2 * 1.01 + s_w * s_x * K + 1e-6 (float32 arithmetic). With ``gain`` 30 the
    test part runs at 30 x the training amplitude (a channel leaving its training range): within the headroom, so no
    sample saturates (at the convolutional forecasters' headroom 4 most of them would)."""
    x = np.stack([_ar2(3000, 2 + k) for k in range(D)], axis=1)
    x[:, 1:] += x[:, :1]                                             # context columns correlated with column 0
    x[2000:] *= gain
    f = LinearForecaster(order=20).fit(x[:2000])
    q = LinearForecaster(order=20, fixed_point=True).fit(x[:2000])
    np.testing.assert_array_equal(q.coef, f.coef)
    spec, arrays = f.export()
    w = arrays["out.w"].astype(np.float64).ravel()
    W = int(spec["input"]["window"])
    win = np.lib.stride_tricks.sliding_window_view(x, W, axis=0)     # (N, D, W)
    s_w = np.abs(w).max() / 127
    s_x = FIXED_POINT_HEADROOM * np.abs(win[:2000 - W + 1]).max() / 32767            # 16-bit inputs
    xs = np.abs(win[: x.shape[0] - q.p]).reshape(x.shape[0] - q.p, -1)
    bound = (xs.sum(1) * s_w + np.abs(w).sum() * s_x) / 2 * 1.01 + s_w * s_x * w.size + 1e-6
    yq, yf = q.forecast(x)[q.p:], f.forecast(x)[q.p:]
    inside = np.abs(win[: x.shape[0] - q.p]).reshape(x.shape[0] - q.p, -1).max(1) <= FIXED_POINT_HEADROOM * np.abs(
        win[:2000 - W + 1]).max()                                    # inputs within the quantised range
    assert inside.mean() > 0.99
    assert (np.abs(yq - yf)[inside] <= bound[inside]).all()
    assert q.workload()[["w_bits", "a_bits"]].values.tolist() == [[8, 16]]
    assert "quantization" in q.export()[0]
