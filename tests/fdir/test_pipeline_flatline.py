"""fdir.flatline and the pipeline's flat-line stream (issue 17, stuck values): hold lengths against a plain loop
written from the definition, a held value flagged once its hold passes the limit and nowhere else, a quantised
channel's nominal holds raising the limit, bad parameters rejected."""

import math

import numpy as np
import pytest

from fdir.flatline import FACTOR, MIN_WINDOW, fit_flat_line, hold_lengths
from fdir.pipeline import FLAT_LINE, Pipeline


class Zero:
    """Stub detector scoring 0 everywhere (one stream), so only the flat-line check can flag."""

    family = "zero (test)"
    stream_names = ("zero",)
    min_train_length = 50

    def fit(self, train):
        return self

    def scores(self, x):
        return np.zeros((1, np.asarray(x).shape[0]))

    def workload(self):
        raise NotImplementedError

    def export(self):
        raise NotImplementedError


class Never:
    """Thresholder that flags nothing (the flat-line check is tested alone)."""

    def fit(self, scores):
        return self

    def flag(self, scores, ref=None):
        return np.zeros(np.asarray(scores).shape[-1], bool)


def _holds_by_loop(x):
    """h_t from its definition (module doc of fdir.flatline), one sample at a time."""
    out, prev, h = [], None, 0
    for v in x:
        if math.isnan(v):
            out.append(0)
            prev, h = None, 0
            continue
        h = h + 1 if prev is not None and v == prev else 1
        prev = v
        out.append(h)
    return np.array(out)


def test_hold_lengths_match_the_definition_with_gaps():
    rng = np.random.default_rng(0)
    x = np.round(rng.standard_normal(2000), 0)         # integer-quantised: many holds of 1-6 samples
    x[100:140] = 3.0
    x[[500, 501, 900]] = np.nan
    x[902:905] = x[901]                                # a hold that follows a gap starts at 1 after it
    np.testing.assert_array_equal(hold_lengths(x), _holds_by_loop(x))
    assert hold_lengths(np.array([1.0, 1.0, np.nan, 1.0]))[-1] == 1   # a missing sample ends the hold


def test_held_value_is_flagged_once_its_hold_passes_the_limit_and_nowhere_else():
    """White noise N(0, 1) (float64: no two consecutive samples are equal, longest training hold H = 1), w = 20:
    L = max(20, 2·1) = 20. Samples a..b equal to x[a−1] make a hold of length t − a + 2 at t, so exactly
    t >= a + 19 (h = 21 > L) through b are flagged, score h_t/L."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal(3000)
    a, b, w = 2000, 2199, 20
    x[a:b + 1] = x[a - 1]
    p = Pipeline(Zero, Never, flat_line=w).fit(x[:1000])
    fl = p.flat_lines["0"]
    assert (fl.window, fl.longest_hold, fl.factor, fl.limit) == (w, 1, FACTOR, 20)
    (r,) = p.evaluate(x)
    assert r.stream_names == ("zero", FLAT_LINE)
    np.testing.assert_array_equal(np.flatnonzero(r.flags), np.arange(a + 19, b + 1))
    assert r.scores[1][b] == pytest.approx((b - a + 2) / 20, abs=0)
    assert len(r.intervals) == 1 and r.intervals.stream.iloc[0] == FLAT_LINE
    assert r.intervals.score.iloc[0] == pytest.approx((b - a + 2) / 20, abs=0)
    assert fl.threshold == 1.0


def test_quantised_channel_holds_raise_the_limit():
    """A quiet sensor quantised to 1 LSB: x = round(0.3·N(0, 1)) holds 0 for runs of many samples. Its longest
    training hold H sets L = max(20, ⌈2H⌉) > 20; nominal test holds up to H long are never flagged, a hold of L + 5
    samples is flagged on its last 5 samples only. Channel 1 is constant through training (H = 600 = its length):
    L = 1200, so a test hold of 700 samples is not flagged."""
    rng = np.random.default_rng(4)
    x = np.round(0.3 * rng.standard_normal((3000, 2)))
    x[:, 1] = 0.0
    train, test = x[:600], x[600:].copy()
    H = int(hold_lengths(train[:, 0]).max())
    assert H > 20                                        # the quantised channel's own nominal holds
    p = Pipeline(Zero, Never, flat_line=20).fit(train)
    L = p.flat_lines["0"].limit
    assert L == math.ceil(2 * H) and p.flat_lines["1"].limit == 1200
    test[1000:1000 + L + 5, 0] = 7.0                     # a value the sensor never reads: a hold of L + 5 samples
    test[:, 1] = np.arange(2400) % 2                     # channel 1 toggles, then holds 0 for 700 samples
    test[100:800, 1] = 0.0
    res = {r.channel: r for r in p.evaluate(test)}
    flagged = np.flatnonzero(res["0"].flags)
    natural = hold_lengths(test[:, 0]) > L               # any nominal hold past L (none expected, checked here)
    np.testing.assert_array_equal(flagged, np.flatnonzero(natural))
    assert set(range(1000 + L, 1000 + L + 5)) <= set(flagged.tolist())
    assert not res["1"].flags.any()


def test_flat_line_parameters_are_validated():
    for bad in (MIN_WINDOW - 1, 2.5, True, math.nan, "20"):
        with pytest.raises(ValueError, match="window"):
            Pipeline(Zero, flat_line=bad)
    for bad in (0.5, math.nan, math.inf, True):
        with pytest.raises(ValueError, match="factor"):
            fit_flat_line(np.arange(10.0), 3, bad)
    with pytest.raises(ValueError, match="valid sample"):
        fit_flat_line(np.full(5, np.nan), 3)
    with pytest.raises(ValueError, match="inf"):
        hold_lengths(np.array([0.0, np.inf, 1.0]))
    with pytest.raises(ValueError, match="one-dimensional"):
        hold_lengths(np.zeros((3, 2)))
