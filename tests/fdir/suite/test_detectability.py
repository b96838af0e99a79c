"""Known answers of the suite's detectability measure (fdir.suite.detectability): on white Gaussian noise the
reference predictor's innovations are the noise itself, so a label's matched-filter SNR is the anomaly's energy over
the noise standard deviation (sqrt(sum of squared amplitudes)/sigma); on a noise-free random walk the innovations are
the steps, so a level shift of Delta shows as one innovation of Delta (SNR Delta/sigma_w); the clairvoyant detection
probability against the standard normal table (Phi(1) = 0.841345, Phi(0) = 0.5; Kay, Detection Theory, ch. 4).
Tolerances are stated per assertion."""

import numpy as np
import pytest

from fdir.suite.dataset import Series
from fdir.suite.detectability import clairvoyant_probability, label_snr, suite_snr


def _series(nominal, values, labels, name="s", kind="point"):
    T = nominal.shape[0]
    return Series(name, "test", kind, values[:, None], nominal[:, None], np.arange(T, dtype=float),
                  np.asarray(labels, np.int64).reshape(-1, 2), np.zeros(len(labels), np.int64), int(0.4 * T), 0)


def test_white_noise_snr_is_the_anomaly_energy():
    """sigma = 1, T = 6,000: a point of +5 at 3,000 and a 9-sample collective of +2 at 4,500. The fitted 30 lags
    are O(1/sqrt(T)) = 0.013, so the energy leaked into the following innovations adds about 30/T = 0.5 % to the
    SNR squared: expected 5 and 2·3 = 6 within 4 % (the test part's sigma estimate varies by 1/sqrt(2·3,600) = 1.2 %);
    the point's peak 5 within 4 %."""
    rng = np.random.default_rng(0)
    y = rng.normal(size=6000)
    x = y.copy()
    x[3000] += 5.0
    x[4500:4509] += 2.0
    out = label_snr(_series(y, x, [(3000, 3000), (4500, 4508)]))
    assert list(out.length) == [1, 9]
    np.testing.assert_allclose(out.snr, [5.0, 6.0], rtol=0.04)
    assert abs(out.peak[0] / 5.0 - 1) < 0.04


def test_random_walk_level_shift_is_one_innovation():
    """Noise-free random walk (steps N(0, 1), T = 6,000), a level shift of +4 from 4,000 to the end: the predictor
    is the last value (own-lag weight 1), so the shift is a single innovation of 4: SNR 4 and peak 4 within 4 %."""
    y = np.cumsum(np.random.default_rng(1).normal(size=6000))
    x = y.copy()
    x[4000:] += 4.0
    out = label_snr(_series(y, x, [(4000, 5999)], kind="level_shift"))
    np.testing.assert_allclose([out.snr[0], out.peak[0]], [4.0, 4.0], rtol=0.04)


def test_clairvoyant_probability_table():
    z = 3.719016485                                      # z_{1 - 1e-4} from the standard normal table
    np.testing.assert_allclose(clairvoyant_probability([0.0, z, z + 1.0]), [1e-4, 0.5, 0.841345], rtol=1e-4)
    assert clairvoyant_probability(2.0, alpha=0.5 - 1e-12) == pytest.approx(0.97725, rel=1e-4)   # Phi(2)


def test_anomaly_free_series_and_suite_table():
    y = np.random.default_rng(2).normal(size=800)
    assert len(label_snr(_series(y, y, [], kind="none"))) == 0
    assert list(suite_snr([_series(y, y, [], kind="none")]).columns)[-3:] == ["snr", "peak", "p_detect"]


@pytest.mark.parametrize("call, name", [
    (lambda s: label_snr(s, order=0), "order"), (lambda s: label_snr(s, context_lags=-1), "context_lags"),
    (lambda s: label_snr(s, alpha=0.0), "alpha"), (lambda s: clairvoyant_probability(-1.0), "snr"),
    (lambda s: clairvoyant_probability(np.nan), "snr"), (lambda s: clairvoyant_probability(1.0, np.inf), "alpha"),
    (lambda s: label_snr(_series(s.nominal[:, 0], np.where(np.arange(800) == 7, np.nan, s.values[:, 0]), [(500, 500)])),
     "finite")])
def test_bad_parameters_are_named(call, name):
    y = np.random.default_rng(3).normal(size=800)
    with pytest.raises(ValueError, match=name):
        call(_series(y, y, [(500, 500)]))
