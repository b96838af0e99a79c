"""Suite evaluation protocol (fdir.suite.protocol): event counting per series, aggregation, false alarms per
10,000 samples, error rows; with a detector written here (absolute deviation from the training median)."""

import numpy as np
import pandas as pd
import pytest

from fdir.pipeline import Pipeline
from fdir.spot import SPOTThresholder
from fdir.suite import Series, evaluate_series, evaluate_suite, score_table


class MedianDeviation:
    """|x − median(train)| on column 0, one stream."""

    stream_names = ("abs_dev",)
    min_train_length = 20

    def fit(self, train):
        self.med = float(np.median(np.asarray(train)[:, 0]))
        return self

    def scores(self, x):
        return np.abs(np.asarray(x)[:, 0] - self.med)[None, :]

    def workload(self):
        return pd.DataFrame()

    def export(self):
        raise NotImplementedError("MedianDeviation has no runtime export")


def _series(n_train, spikes, T=1000, anomaly="point", seed=0):
    x = np.random.default_rng(seed).normal(0, 1, (T, 1))
    y = x.copy()
    for i in spikes:
        x[i, 0] += 40.0  # P(|N(0,1)| > 40) is nil: the spike is the only extreme value
    labels = np.array([[i, i] for i in spikes], np.int64).reshape(-1, 2)
    return Series(f"toy-{anomaly}", "toy", anomaly, x, y, np.arange(T, dtype=float), labels,
                  np.zeros(len(spikes), np.int64), n_train, seed)


def _pipe():
    return Pipeline(MedianDeviation, lambda: SPOTThresholder(q=1e-5), scaling="none")


def test_evaluate_series_counts_events_in_test_part():
    s = _series(400, [700, 850])
    (row,) = evaluate_series(_pipe, s)
    assert row["error"] == "" and row["thresholder"] == "pipeline"
    assert (row["tp"], row["fn"]) == (2, 0) and row["fp"] == row["n_events"] - 2
    two = evaluate_series(_pipe, s, {"a": lambda: SPOTThresholder(q=1e-5), "b": lambda: SPOTThresholder(q=1e-3)})
    assert [r["thresholder"] for r in two] == ["a", "b"] and two[0]["tp"] == 2
    assert two[1]["n_events"] >= two[0]["n_events"]  # a larger risk never flags less on the same scores


def test_one_event_over_two_labels_counts_once_but_overlaps_both():
    """Two labels 10 samples apart ([700, 719] and [730, 749], +40 on each sample, unit noise), SPOT grouped within 100
    samples: one predicted event spans both, so telemanom's rule gives TP 1 and FN 1 while ``overlapped`` is 2
    (known answer); score_table sums it."""
    x = np.random.default_rng(4).normal(0, 1, (1000, 1))
    y = x.copy()
    x[700:720, 0] += 40.0
    x[730:750, 0] += 40.0
    s = Series("toy-short", "toy", "short", x, y, np.arange(1000.0), np.array([[700, 719], [730, 749]]),
               np.zeros(2, np.int64), 400, 4)
    (row,) = evaluate_series(lambda: Pipeline(MedianDeviation, lambda: SPOTThresholder(q=1e-5, merge_gap=100),
                                              scaling="none"), s)
    assert (row["tp"], row["fn"], row["overlapped"]) == (1, 1, 2)
    assert score_table(pd.DataFrame([row])).loc["all", "overlapped"] == 2


def test_short_training_prefix_is_an_error_row():
    (row,) = evaluate_series(_pipe, _series(10, [700]))
    assert "train" in row["error"] and (row["tp"], row["fn"], row["overlapped"]) == (0, 1, 0)


def test_score_table_aggregates_micro_and_false_alarm_rate():
    rows = pd.DataFrame([
        {"anomaly": "point", "n_test": 600, "tp": 2, "fp": 1, "fn": 0, "n_events": 3, "error": ""},
        {"anomaly": "stuck", "n_test": 600, "tp": 0, "fp": 2, "fn": 1, "n_events": 2, "error": "x"},
        {"anomaly": "none", "n_test": 20000, "tp": 0, "fp": 3, "fn": 0, "n_events": 3, "error": ""},
    ])
    t = score_table(rows)
    P, R = 2 / (2 + 6), 2 / (2 + 1)
    assert t.loc["all", "f1"] == pytest.approx(2 * P * R / (P + R), rel=1e-12)
    assert t.loc["point", "f1"] == pytest.approx(2 * (2 / 3) * 1 / (2 / 3 + 1), rel=1e-12)
    assert t.loc["stuck", "f1"] == 0 and "none" not in t.index
    assert t.attrs["false_alarms_per_10k"] == pytest.approx(3 / 20000 * 1e4, rel=1e-12)
    assert t.attrs["errors"] == 1


def test_score_table_by_signal_class_and_flagged_share():
    """by="signal_class" keeps the anomaly-free series in their class (their false alarms count there); the
    flagged share is the flagged test samples of the anomaly-free series over their test samples (by hand)."""
    rows = pd.DataFrame([
        {"signal_class": "a", "anomaly": "point", "n_test": 600, "tp": 2, "fp": 1, "fn": 0, "n_events": 3,
         "n_flagged": 40, "error": ""},
        {"signal_class": "a", "anomaly": "none", "n_test": 1000, "tp": 0, "fp": 3, "fn": 0, "n_events": 3,
         "n_flagged": 30, "error": ""},
        {"signal_class": "b", "anomaly": "none", "n_test": 3000, "tp": 0, "fp": 0, "fn": 0, "n_events": 0,
         "n_flagged": 0, "error": ""},
    ])
    t = score_table(rows, by="signal_class")
    assert list(t.index) == ["all", "a", "b"]
    assert (t.loc["a", "tp"], t.loc["a", "fp"]) == (2, 4)
    assert t.loc["a", "precision"] == pytest.approx(2 / 6, rel=1e-12)
    assert t.attrs["flagged_share_nominal"] == pytest.approx(30 / 4000, rel=1e-12)
    with pytest.raises(ValueError, match="by="):
        score_table(rows, by="channel")


def test_evaluate_suite_rows():
    df = evaluate_suite(_pipe, [_series(400, [700]), _series(400, [], anomaly="none", seed=1)])
    assert list(df.anomaly) == ["point", "none"] and df.loc[0, "tp"] == 1
    assert score_table(df).attrs["false_alarms_per_10k"] == pytest.approx(df.loc[1, "n_events"] / 600 * 1e4)


def test_thresholders_refit_on_the_pipelines_held_out_scores():
    """With the pipeline's holdout 0.5 on a 400-sample prefix, each thresholder of the mapping is fitted on the
    detector's scores of samples 200-399 only (|x − median(x[:200])|, computed here; exact)."""
    seen = []

    class Recording(SPOTThresholder):
        def fit(self, train_scores):
            seen.append(np.array(train_scores))
            return super().fit(train_scores)

    s = _series(400, [700])
    med = np.median(s.values[:200, 0])
    rows = evaluate_series(lambda: Pipeline(MedianDeviation, scaling="none", holdout=0.5), s,
                           {"spot": lambda: Recording(q=1e-5)})
    assert rows[0]["error"] == "" and rows[0]["tp"] == 1
    assert len(seen) == 1
    np.testing.assert_array_equal(seen[0], np.abs(s.values[200:400, 0] - med)[None])
