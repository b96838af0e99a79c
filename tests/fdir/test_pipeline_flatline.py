"""fdir.flatline and the pipeline's flat-line stream (issue 17, stuck values): rolling standard deviation against
pandas, a held value flagged from the sample its window is full, nothing flagged where the training series already
holds a constant stretch, bad windows rejected."""

import math

import numpy as np
import pandas as pd
import pytest

from fdir.flatline import MIN_WINDOW, RATIO, fit_flat_line, rolling_std
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


def test_rolling_std_matches_pandas_and_marks_incomplete_windows():
    rng = np.random.default_rng(0)
    x = 1e3 + rng.standard_normal(300)                # offset: the centred form keeps full precision
    x[100] = np.nan
    w = 7
    ref = pd.Series(x).rolling(w).std(ddof=0).to_numpy()
    got = rolling_std(x, w)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))      # first w − 1 and windows holding sample 100
    np.testing.assert_allclose(got, ref, rtol=1e-9, equal_nan=True)   # pandas' online update: ~1e-12 relative
    assert np.isnan(got[100:100 + w]).all() and np.isfinite(got[100 + w])


def test_held_value_is_flagged_once_its_window_is_full_and_nowhere_else():
    """White noise N(0, 1), T = 3000, w = 20. Training minimum of r_t over ~1,000 windows: a few tenths of σ. A held
    value (samples a..b equal to x[a−1]) gives r_t = 0, flatness exactly 1, from t = a + w − 2 (window a−1 .. a+w−2
    all equal) to b. Nominal windows need r_t < 0.5·r_min: for 20 Gaussian samples P(r < 0.15σ) = P(χ²₁₉ < 0.45)
    ≈ 1e-12, so no flag outside [a, b + w − 1] (the windows that overlap the held stretch)."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal(3000)
    a, b, w = 2000, 2199, 20
    x[a:b + 1] = x[a - 1]
    p = Pipeline(Zero, Never, flat_line=w).fit(x[:1000])
    (r,) = p.evaluate(x)
    assert r.stream_names == ("zero", FLAT_LINE)
    flat = r.scores[1]
    assert np.all(flat[a + w - 2:b + 1] == 1.0)                           # exact: r_t = 0
    idx = np.flatnonzero(r.flags)
    assert idx.min() >= a and idx.max() <= b + w - 1
    assert set(range(a + w - 2, b + 1)) <= set(idx.tolist())
    assert len(r.intervals) == 1 and r.intervals.stream.iloc[0] == FLAT_LINE
    assert r.intervals.score.iloc[0] == 1.0
    fl = p.flat_lines["0"]
    assert fl.window == w and fl.threshold == 1 - RATIO
    assert fl.r_min == pytest.approx(np.nanmin(pd.Series(x[:1000]).rolling(w).std(ddof=0)), rel=1e-9)


def test_channel_with_a_constant_training_stretch_is_never_flagged():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((1500, 2))
    x[200:260, 1] = 0.5                                 # 60 equal training samples: r_min = 0 for w = 20
    x[1000:1200] = x[999]                               # both channels held in the test part
    p = Pipeline(Zero, Never, flat_line=20).fit(x[:600])
    assert p.flat_lines["1"].r_min == 0.0
    res = {r.channel: r for r in p.evaluate(x)}
    assert res["0"].flags[1100] and not res["1"].flags.any()


def test_flat_line_window_is_validated():
    for bad in (MIN_WINDOW - 1, 2.5, True, math.nan, "20"):
        with pytest.raises(ValueError, match="window"):
            Pipeline(Zero, flat_line=bad)
    with pytest.raises(ValueError, match="window"):
        fit_flat_line(np.r_[1.0, np.nan, 2.0, np.nan], 3)
    with pytest.raises(ValueError, match="inf"):
        rolling_std(np.array([0.0, np.inf, 1.0]), 3)
