"""Known answers of the ridge AR(p) forecaster (fdir.detectors.linear): the coefficients of a simulated AR(2)
process and its innovation standard deviation as the one-step error (Box, Jenkins, Reinsel & Ljung, Time Series
Analysis, 5th ed., ch. 3: the linear one-step predictor of an AR(p) process has error variance sigma_e^2), the exact
two-term recurrence of a sampled sine, the window rule and bad input. The protocol checks (shapes, NaN gaps,
runtime export round trip) run for it in test_protocol.py."""

import numpy as np
import pytest
from scipy.signal import lfilter

from fdir.detectors.linear import LinearForecaster

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
