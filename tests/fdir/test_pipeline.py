"""fdir.pipeline / fdir.scaling / fdir.thresholders / fdir.registry: the toolkit front end.

The forecaster pipeline must reproduce the telemanom-protocol driver (fdir.detectors.forecaster.channel_detections)
exactly on a real channel; scaling, gap, time and length rules are checked against values derived by hand."""

import numpy as np
import pandas as pd
import pytest

from fdir.detectors.base import as_series, fill_gaps
from fdir.pipeline import Pipeline
from fdir.registry import make, names, register, unregister
from fdir.scaling import fit_scaler
from fdir.thresholders import MIN_SCORES, NDTThresholder


class FirstDifference:
    """A user detector in a few lines: score e_t = |x_t − x_{t−1}| of column 0 (one stream)."""

    family = "first-difference (test)"
    stream_names = ("abs_diff",)
    min_train_length = 50

    def fit(self, train):
        as_series(train, "train", min_length=self.min_train_length)
        return self

    def scores(self, x):
        v = as_series(x)[:, 0]
        return np.concatenate([[np.nan], np.abs(np.diff(v))])[None]

    def workload(self):
        from hwsim import ir

        return ir.make([ir.op(layer="diff", kind="elementwise", M=1, N=1, K=1)])

    def export(self):
        raise NotImplementedError(f"{self.family} has no runtime export")


def _spiky(T=3000, seed=1):
    rng = np.random.default_rng(seed)
    x = 0.01 * rng.standard_normal(T)
    x[2000] += 10.0                                     # one point anomaly, 1000x the noise
    return x


def test_forecaster_pipeline_reproduces_the_telemanom_driver():
    from fdir.data.smap_msl import load_channel
    from fdir.detectors.forecaster import ForecasterConfig, channel_detections

    ch = load_channel("S-2")
    ref = channel_detections("S-2", ch.train, ch.test, ForecasterConfig(epochs=2, seed=0)).ndt.sequences
    p = make("dense_float", seed=0, epochs=2, scaling="none", per_channel=False, settings="telemanom").fit(ch.train)
    got = p.detect(ch.test)
    assert [tuple(r) for r in got[["start_index", "end_index"]].to_numpy()] == [tuple(s) for s in ref]   # exact


def test_scalers_map_training_values_as_documented():
    a = np.array([[0.0, 5.0], [10.0, 5.0], [4.0, 5.0]])
    mm = fit_scaler(a, "minmax")
    z = mm.transform(a)
    assert z[:, 0].min() == -1.0 and z[:, 0].max() == 1.0       # exact: (x − 5)/5
    assert np.all(z[:, 1] == 0.0)                                 # constant column: centred, scale 1
    np.testing.assert_allclose(mm.inverse_transform(z), a, rtol=0, atol=1e-12)
    r = fit_scaler(np.arange(1001.0)[:, None], "robust")
    assert r.center[0] == 500.0                                   # median
    assert r.scale[0] == pytest.approx((995.0 - 5.0) / 2, abs=1e-9)   # half the 0.5-99.5 % range (numpy linear)
    assert np.all(fit_scaler(a, "none").transform(a) == a)
    with pytest.raises(ValueError, match="method"):
        fit_scaler(a, "zscore")


def test_input_rules():
    assert as_series(np.arange(5.0)).shape == (5, 1)
    with pytest.raises(ValueError, match="inf"):
        as_series([0.0, np.inf])
    with pytest.raises(ValueError, match="NaN"):
        as_series([0.0, np.nan])
    f, miss = fill_gaps(np.array([np.nan, 1.0, np.nan, 3.0]))
    assert f[:, 0].tolist() == [1.0, 1.0, 1.0, 3.0] and miss.tolist() == [True, False, True, False]
    with pytest.raises(ValueError, match="no valid"):
        fill_gaps(np.full(4, np.nan))


def test_ndt_thresholder_flags_a_spike_and_needs_enough_scores():
    x = _spiky()
    s = np.concatenate([[np.nan], np.abs(np.diff(x))])[None]
    th = NDTThresholder().fit(s)
    assert th.warmup_ == 1
    res = th.evaluate(s)
    assert any(a <= 2000 <= b for a, b in res.intervals)
    assert res.smoothed.shape == res.threshold.shape == s.shape
    with pytest.raises(ValueError, match=str(MIN_SCORES)):
        th.evaluate(s[:, : MIN_SCORES])                # MIN_SCORES − 1 scored values


def test_user_detector_registered_with_one_call_runs_with_time_and_gaps():
    register("first_difference_test", FirstDifference)
    try:
        assert names()[-1] == "first_difference_test"
        with pytest.raises(ValueError, match="already registered"):
            register("first_difference_test", FirstDifference)
        x = _spiky()
        x[500:510] = np.nan
        rng = np.random.default_rng(2)
        time = pd.Timestamp("2026-01-01") + pd.to_timedelta(np.cumsum(rng.uniform(0.5, 3.0, x.size)), unit="s")
        table = pd.DataFrame({"bus_voltage": x}, index=time)
        p = make("first_difference_test").fit(table)
        df = p.detect(table)
        hit = df[(df["start_index"] <= 2000) & (df["end_index"] >= 2000)]
        assert len(hit) == 1 and hit["channel"].iloc[0] == "bus_voltage" and hit["stream"].iloc[0] == "abs_diff"
        row = hit.iloc[0]
        assert row["start"] == time[row["start_index"]] and row["end"] == time[row["end_index"]]   # exact
        assert not ((df["start_index"] <= 509) & (df["end_index"] >= 500)).any()
        with pytest.raises(NotImplementedError, match="first-difference"):
            p.export()
    finally:
        unregister("first_difference_test")
    with pytest.raises(ValueError, match="accepted"):
        make("first_difference_test")


def test_too_short_raises_before_fit_and_channels_are_columns():
    calls = []

    class Counting(FirstDifference):
        def fit(self, train):
            calls.append(1)
            return super().fit(train)

    p = Pipeline(Counting)
    with pytest.raises(ValueError, match="at least 50"):
        p.fit(np.zeros(49))
    assert calls == []                                   # nothing trained
    two = np.stack([_spiky(seed=1), _spiky(seed=2)], axis=1)
    df = Pipeline(Counting).fit(two).detect(two)
    assert set(df["channel"]) == {"0", "1"} and len(calls) == 2


class Recording(FirstDifference):
    """FirstDifference that records every array it was fitted on."""

    seen: list = []

    def fit(self, train):
        Recording.seen.append(np.array(train))
        return super().fit(train)


class RecordingNDT(NDTThresholder):
    """telemanom NDT that records the scores it was fitted on."""

    seen: list = []

    def fit(self, train_scores):
        RecordingNDT.seen.append(np.array(train_scores))
        return super().fit(train_scores)


def test_holdout_detector_never_sees_calibration_part_and_thresholder_gets_exactly_its_scores():
    """T = 1000, holdout 0.3: the detector is fitted on samples 0-699 only (n_fit = 1000 − ⌊300⌋, by hand); the
    thresholder on the held-out scores |x_t − x_{t−1}|, t = 700-999 (computed here with np.diff), behind the
    detector's one-sample warm-up as NaN; exact equality."""
    Recording.seen.clear()
    RecordingNDT.seen.clear()
    x = np.random.default_rng(3).standard_normal(1000)
    p = Pipeline(Recording, RecordingNDT, scaling="none", holdout=0.3).fit(x)
    assert len(Recording.seen) == 1 and len(RecordingNDT.seen) == 1
    np.testing.assert_array_equal(Recording.seen[0][:, 0], x[:700])
    cal = RecordingNDT.seen[0]
    want = np.concatenate([[np.nan], np.abs(np.diff(x))[699:]])[None]
    assert cal.shape == (1, 301)
    np.testing.assert_array_equal(cal, want)
    np.testing.assert_array_equal(p.calibration["0"], want)
    assert p.fitted["0"][2].warmup_ == 1                 # same warm-up as without the split
    Recording.seen.clear()
    Pipeline(Recording, scaling="none").fit(x)           # default: telemanom's training-error calibration
    np.testing.assert_array_equal(Recording.seen[0][:, 0], x)


def test_holdout_min_length_accounts_for_split():
    """FirstDifference needs 50 samples; with holdout 0.3 the fewest n with n − ⌊0.3 n⌋ >= 50 and ⌊0.3 n⌋ >= 30
    (MIN_SCORES) is 100 (by hand: ⌊29.7⌋ = 29 at n = 99); a 100-sample series is fitted, 99 raises before any
    training; bad holdout values raise naming the parameter."""
    assert MIN_SCORES == 30
    assert Pipeline(FirstDifference).min_length == 50
    p = Pipeline(Recording, holdout=0.3)
    assert p.min_length == 100
    Recording.seen.clear()
    with pytest.raises(ValueError, match=r"holdout=0\.3 needs at least 100"):
        p.fit(np.random.default_rng(4).standard_normal(99))
    assert Recording.seen == []
    p.fit(np.random.default_rng(4).standard_normal(100))
    assert Recording.seen[0].shape == (70, 1)
    for bad in (-0.1, 0.95, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="holdout"):
            Pipeline(FirstDifference, holdout=bad)


class NearestTrainingValue:
    """A memorising detector: score = distance of x_t to the nearest value it was fitted on (0 on its own
    training samples, so its training errors understate its errors on unseen data)."""

    stream_names = ("nn_distance",)
    min_train_length = 50

    def fit(self, train):
        self.v = np.sort(as_series(train)[:, 0])
        return self

    def scores(self, x):
        x = as_series(x)[:, 0]
        i = np.clip(np.searchsorted(self.v, x), 1, self.v.size - 1)
        return np.minimum(np.abs(x - self.v[i - 1]), np.abs(x - self.v[i]))[None]

    def workload(self):
        raise NotImplementedError

    def export(self):
        raise NotImplementedError


def test_spot_false_alarm_rate_near_q_with_holdout_calibration():
    """Known answer: on a stationary i.i.d. N(0, 1) signal the held-out scores and the test scores of the
    memorising detector are identically distributed, so SPOT calibrated on the held-out part flags a share near q
    = 10⁻³ of 20,000 test samples (20 expected; band 0.4q-2.5q: Poisson spread plus the streaming rule's
    excess, fdir.spot module doc); calibrated on its training errors (all 0) it flags nearly everything (> 50 %).
    transform="level": calibration does not depend on it, and "auto" would only run ADF + KPSS on 40,000 i.i.d.
    samples (two thirds of this test's time) to keep the signal as it is."""
    from fdir.spot import SPOTThresholder

    q = 1e-3
    for seed in (0, 1):
        rng = np.random.default_rng(seed)
        train, test = rng.standard_normal(40000), rng.standard_normal(20000)
        held = Pipeline(NearestTrainingValue, lambda: SPOTThresholder(q=q), scaling="none", holdout=0.5,
                        transform="level").fit(train)
        assert 0.4 * q <= held.evaluate(test)[0].flags.mean() <= 2.5 * q
        naive = Pipeline(NearestTrainingValue, lambda: SPOTThresholder(q=q), scaling="none",
                         transform="level").fit(train)
        assert naive.evaluate(test)[0].flags.mean() > 0.5
