"""The robustness suite (fdir.suite): plan, determinism, label placement and the anomaly equations.

Expected values are recomputed here from the equations of the fdir.suite.anomalies / signals module docs with the
drawn parameters the series records (amplitude, sign, unit, cycle), never with the generator's helpers.
"""

import numpy as np
import pytest

from fdir import suite

EXACT = ("seasonal", "trend_levels", "random_walk", "modes", "correlated")  # classes with Q = identity


@pytest.fixture(scope="module")
def small():
    return suite.load("small", seed=0)


def test_plan_covers_every_pair_and_length_range():
    full = suite.plan("all", seed=0)
    assert len(full) >= 200
    assert full.length.between(500, 20000).all()
    pairs = {(c, a) for c in suite.SIGNAL_CLASSES for a in suite.COMPATIBLE[c]}
    assert set(zip(full.signal_class, full.anomaly, strict=True)) == pairs
    assert set(full.anomaly) == set(suite.ANOMALY_TYPES)
    assert (full.anomaly == "none").sum() >= 7 * 4
    small = suite.plan("small", seed=0)
    assert set(zip(small.signal_class, small.anomaly, strict=True)) == pairs
    assert small.length.max() < 1300


def test_deterministic_by_seed(small):
    again = suite.load("small", seed=0)
    for a, b in zip(small, again, strict=True):
        assert np.array_equal(a.values, b.values) and np.array_equal(a.labels, b.labels)
    one = suite.make_series(small[3].signal_class, small[3].anomaly, small[3].length, small[3].seed)
    assert np.array_equal(one.values, small[3].values)
    other = suite.load("small", seed=1)
    assert not np.array_equal(other[0].values[:100], small[0].values[:100])


def test_series_fields_and_label_placement(small):
    df = suite.summary(small)
    assert len(df) == len(small) and df.n_train.eq((0.4 * df.length).astype(int)).all()
    for s in small:
        T, D = s.values.shape
        assert s.nominal.shape == (T, D) and s.time_s.shape == (T,) and np.all(np.diff(s.time_s) > 0)
        assert np.isfinite(s.values).all()
        if s.anomaly == "none":
            assert s.labels.shape == (0, 2) and np.array_equal(s.values, s.nominal)
            continue
        a, b = s.labels[:, 0], s.labels[:, 1]
        assert (a > s.n_train).all() and (b < T).all() and (a <= b).all()
        assert (a[1:] > b[:-1]).all(), "labels sorted and disjoint"
        L = b - a + 1
        if s.anomaly == "point":
            assert (L == 1).all()
        elif s.anomaly == "short":
            assert ((L >= 3) & (L <= 20)).all()
        elif s.anomaly == "level_shift":
            assert len(L) == 1 and b[0] == T - 1
        assert np.array_equal(s.test_labels, s.labels - s.n_train)


def test_anomaly_changes_signal_only_where_labelled(small):
    for s in small:
        inside = np.zeros(s.values.shape, bool)
        for (a, b), j in zip(s.labels, s.label_channels, strict=True):
            inside[a:b + 1, j] = True
            assert (s.values[a:b + 1, j] != s.nominal[a:b + 1, j]).any(), s.name
        assert np.array_equal(s.values[~inside], s.nominal[~inside]), s.name
        assert np.array_equal(s.train, s.nominal[:s.n_train])


def _cycle(s, t):
    p = s.signal_params
    return np.asarray(p["cycle_amp"]) * np.sin(2 * np.pi * np.asarray(t)[:, None] / p["cycle_period"]
                                               + p["cycle_phase"])


def test_anomaly_equations(small):
    """Difference x − y on each labelled interval against the module-doc equation (tolerance: 1e-9 relative to
    the signal scale for Q = identity, one quantisation step for the quantised sensor)."""
    checked = set()
    for s in small:
        if s.anomaly in ("none", "variance", "correlation", "stuck") or s.signal_class == "bursty":
            continue
        step = s.signal_params["step"]
        for (a, b), j, p in zip(s.labels, s.label_channels, s.anomaly_params, strict=True):
            t = np.arange(a, b + 1)
            d = s.values[a:b + 1, j] - s.nominal[a:b + 1, j]
            if s.anomaly in ("point", "short", "level_shift"):
                want = np.full(t.size, p["sign"] * p["amplitude"] * p["unit"])
            elif s.anomaly == "long":
                want = p["sign"] * p["amplitude"] * p["unit"] * np.sin(np.pi * (t - a + 1) / (b - a + 2))
            elif s.anomaly == "contextual":
                want = -2 * _cycle(s, t)[:, j]
            else:  # frequency
                want = _cycle(s, a + p["ratio"] * (t - a))[:, j] - _cycle(s, t)[:, j]
            scale = np.abs(s.nominal[:, j]).max() + np.abs(want).max()
            tol = step if s.signal_class == "quantised" else 1e-9 * scale
            np.testing.assert_allclose(d, want, rtol=0, atol=tol, err_msg=s.name)
            checked.add(s.anomaly)
    assert checked == {"point", "short", "long", "contextual", "level_shift", "frequency"}


def test_stuck_variance_correlation_equations(small):
    seen = set()
    for s in small:
        for (a, b), j, p in zip(s.labels, s.label_channels, s.anomaly_params, strict=True):
            x, y = s.values[a:b + 1, j], s.nominal[a:b + 1, j]
            if s.anomaly == "stuck":
                assert np.all(x == s.nominal[a - 1, j]), s.name  # the last nominal value is held
            elif s.anomaly == "variance" and s.signal_class in EXACT:
                # x − y = (k − 1) n on the interval: sample std against (k − 1)·σ_n, 40 % for L >= 100 samples
                ratio = np.std(x - y) / ((p["factor"] - 1) * s.signal_params["noise_std"][j])
                assert 0.6 < ratio < 1.4, (s.name, ratio)
            elif s.anomaly == "correlation":
                k = next(c for c in range(s.channels) if c != j)
                before = np.corrcoef(y, s.nominal[a:b + 1, k])[0, 1]
                after = np.corrcoef(x, s.values[a:b + 1, k])[0, 1]
                assert abs(before) > 0.5 and np.sign(after) == -np.sign(before), (s.name, before, after)
            else:
                continue
            seen.add(s.anomaly)
    assert seen == {"stuck", "variance", "correlation"}


def test_nominal_observation_maps(small):
    for s in small:
        if s.signal_class == "quantised":
            q = s.signal_params["step"]
            np.testing.assert_allclose(s.nominal / q, np.round(s.nominal / q), atol=1e-6)
        if s.signal_class == "bursty":
            assert (s.nominal >= 0).all() and np.array_equal(s.nominal, np.round(s.nominal))
    # scales are drawn log-uniformly over 4 decades: no detector may rely on values in [-1, 1]
    noise = [np.std(np.diff(s.train[:, 0])) for s in small]
    assert max(noise) / min(noise) > 100


@pytest.mark.parametrize(("kw", "name"), [
    ({"signal_class": "sine"}, "signal_class"),
    ({"anomaly": "correlation"}, "anomaly"),
    ({"length": 50}, "length"),
    ({"length": float("nan")}, "length"),
    ({"seed": -1}, "seed"),
])
def test_bad_input(kw, name):
    args = {"signal_class": "seasonal", "anomaly": "point", "length": 1000, "seed": 0, **kw}
    with pytest.raises(ValueError, match=name):
        suite.make_series(**args)


def test_bad_subset():
    with pytest.raises(ValueError, match="subset"):
        suite.load("tiny")
    with pytest.raises(ValueError, match="seed"):
        suite.plan("small", seed=-2)
