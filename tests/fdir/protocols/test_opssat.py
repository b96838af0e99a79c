"""OPS-SAT-AD protocols and the scikit-learn baselines on small synthetic splits: metric formulas, protocol
hygiene (no test label or anomalous training row reaches the nominal-only detector; model selection never touches
the test split), errors. The real-data gates are validation cases (fdir/_cases_detectors.py), not repeated here."""

from __future__ import annotations

import numpy as np
import pytest

from fdir.data.opssat import OpsSatSplit
from fdir.detectors.baselines import (
    FeatureTransform,
    fit_extra_trees,
    fit_isolation_forest,
    fit_lof,
    fit_random_forest,
    oof_scores,
)
from fdir.protocols.opssat import (
    NOMINAL_DEFAULTS,
    features,
    run_nominal_only,
    run_supervised,
    scores_from,
    select_nominal_only,
    select_supervised,
)


def synthetic_split(seed=0, n_train=300, n_test=200, frac=0.2, shift=6.0) -> OpsSatSplit:
    """Two channels, 5 features; anomalies are shifted by ``shift`` standard deviations in feature 0."""
    rng = np.random.default_rng(seed)

    def part(n):
        y = (rng.random(n) < frac).astype(np.int64)
        X = rng.normal(size=(n, 5))
        X[:, 0] += shift * y
        X[:, 1] = np.exp(X[:, 1])  # a heavy-tailed positive feature
        ch = np.where(rng.random(n) < 0.5, "A", "B")
        return X, y, ch, np.where(ch == "A", 1.0, 5.0), np.arange(n)

    a, b = part(n_train), part(n_test)
    return OpsSatSplit(a[0], a[1], b[0], b[1], a[2], b[2], a[3], b[3], a[4], b[4])


def test_scores_from_matches_confusion_matrix_formulas():
    y = np.array([1, 1, 1, 0, 0, 0, 0, 1])
    p = np.array([1, 1, 0, 1, 0, 0, 0, 0])
    s = np.array([0.9, 0.8, 0.3, 0.7, 0.1, 0.2, 0.05, 0.4])
    tp, fp, fn, tn = 2, 1, 2, 3
    m = scores_from(y, p, s)
    assert m["precision"] == pytest.approx(tp / (tp + fp))
    assert m["recall"] == pytest.approx(tp / (tp + fn))
    assert m["f1"] == pytest.approx(2 * tp / (2 * tp + fp + fn))
    mcc = (tp * tn - fp * fn) / np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    assert m["mcc"] == pytest.approx(mcc)
    # AP: ranking 0.9(+) 0.8(+) 0.7(-) 0.4(+) 0.3(+) -> (1 + 1 + 3/4 + 4/5)/4
    assert m["auc_pr"] == pytest.approx((1 + 1 + 3 / 4 + 4 / 5) / 4)
    with pytest.raises(ValueError, match="equal length"):
        scores_from(y, p[:-1], s)
    with pytest.raises(ValueError, match="0/1"):
        scores_from(y * 2, p, s)


def test_supervised_protocol_on_separable_data():
    r = run_supervised(synthetic_split(), n_estimators=50)
    assert r.protocol == "supervised" and r.n_train == 300 and r.n_test == 200
    assert r.f1 > 0.95 and r.mcc > 0.9 and r.wall_time_s > 0
    assert r.params["features"] == "channel" and r.params["seed"] == 0
    rf = run_supervised(synthetic_split(), model="random_forest", features="base", n_estimators=50)
    assert rf.model == "random_forest" and rf.f1 > 0.95 and rf.params["features"] == "base"
    with pytest.raises(ValueError, match="unknown hyperparameters"):
        run_supervised(synthetic_split(), depth=3)
    with pytest.raises(ValueError, match="model"):
        run_supervised(synthetic_split(), model="svm")


def test_nominal_only_ignores_test_labels_and_anomalous_training_rows():
    s = synthetic_split(1)
    r = run_nominal_only(s)
    assert r.n_train == int(np.sum(s.y_train == 0))
    assert r.f1 > 0.8
    # same detector when the anomalous training rows are replaced by garbage and the test labels are shuffled
    X2 = s.X_train.copy()
    X2[s.y_train == 1] = 1e6
    rng = np.random.default_rng(0)
    s2 = OpsSatSplit(X2, s.y_train, s.X_test, rng.permutation(s.y_test), s.channel_train, s.channel_test,
                     s.sampling_s_train, s.sampling_s_test, s.segment_train, s.segment_test)
    r2 = run_nominal_only(s2)
    assert r2.threshold == r.threshold
    with pytest.raises(ValueError, match="unknown parameters"):
        run_nominal_only(s, k=3)
    with pytest.raises(ValueError, match="model"):
        run_nominal_only(s, model="svm")


def test_model_selection_never_reads_the_test_split():
    s = synthetic_split(2, n_train=200)
    poisoned = OpsSatSplit(s.X_train, s.y_train, np.full_like(s.X_test, np.nan), -np.ones_like(s.y_test),
                           s.channel_train, s.channel_test, s.sampling_s_train, s.sampling_s_test,
                           s.segment_train, s.segment_test)
    best, table = select_nominal_only(poisoned, grid=dict(features=["base"], n_neighbors=[10, 20],
                                                          threshold_quantile=[0.95, None]), n_splits=3)
    assert len(table) == 4 and best == max(table, key=lambda r: r["cv_f1"])["params"]
    assert set(best) == set(NOMINAL_DEFAULTS)
    best, table = select_supervised(poisoned, grid=dict(model=["random_forest", "extra_trees"], n_estimators=[20]),
                                    n_splits=3)
    assert len(table) == 2 and best == max(table, key=lambda r: (r["cv_mcc"], r["cv_f1"]))["params"]
    with pytest.raises(ValueError, match="grid"):
        select_supervised(poisoned, grid=dict(depth=[1]))


def test_feature_sets():
    s = synthetic_split()
    chans = np.unique(s.channel_train)
    F = features(s.X_train, s.channel_train, s.sampling_s_train, chans, "channel")
    assert F.shape == (300, 5 + 2 + 1)
    assert np.all(F[:, 5:7].sum(axis=1) == 1) and np.all(F[:, 7] == s.sampling_s_train)
    with pytest.raises(ValueError, match="features"):
        features(s.X_train, s.channel_train, s.sampling_s_train, chans, "raw")


# --------------------------------------------------------------------------------------------------- baselines
def test_feature_transform_standardises_with_training_statistics():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(3, 2, 500), np.full(500, 7.0), rng.lognormal(0, 2, 500)])
    tf = FeatureTransform.fit(X, "signed_log")
    Z = tf(X)
    assert np.allclose(Z.mean(axis=0), 0, atol=1e-12)
    assert np.allclose(Z[:, [0, 2]].std(axis=0), 1) and np.allclose(Z[:, 1], 0, atol=1e-12)  # constant: centred
    ref = np.sign(X[:, 2]) * np.log1p(np.abs(X[:, 2]))
    assert np.allclose(Z[:, 2], (ref - ref.mean()) / ref.std())
    with pytest.raises(ValueError, match="transform"):
        FeatureTransform.fit(X, "pca")
    with pytest.raises(ValueError, match="features"):
        tf(X[:, :2])
    with pytest.raises(ValueError, match="finite"):
        tf(np.full((2, 3), np.inf))


def test_lof_out_of_fold_threshold_sets_the_nominal_false_alarm_rate():
    rng = np.random.default_rng(1)
    Xn = rng.normal(size=(400, 3))
    det = fit_lof(Xn, n_neighbors=20, threshold_quantile=0.9)
    oof = oof_scores(lambda: det.estimator.__class__(n_neighbors=20, novelty=True), Xn, "standard")
    assert np.mean(oof > det.threshold) == pytest.approx(0.1, abs=0.005)
    # fresh nominal data: false-alarm rate near 10 %; far outliers flagged
    assert abs(np.mean(det.predict(rng.normal(size=(2000, 3)))) - 0.1) < 0.04
    assert det.predict(np.full((5, 3), 8.0)).all()
    # default threshold is LOF's own offset (1.5)
    assert fit_lof(Xn).threshold == pytest.approx(1.5)
    with pytest.raises(ValueError, match="n_neighbors"):
        fit_lof(Xn[:10], n_neighbors=10)
    with pytest.raises(ValueError, match="threshold_quantile"):
        fit_lof(Xn, threshold_quantile=1.0)


def test_isolation_forest_and_random_forest_are_seeded():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(300, 4))
    a, b = fit_isolation_forest(X, seed=3), fit_isolation_forest(X, seed=3)
    assert np.array_equal(a.score(X), b.score(X))
    assert a.threshold == pytest.approx(0.5)  # contamination="auto": offset -0.5
    y = (X[:, 0] > 0.5).astype(int)
    r1, r2 = fit_random_forest(X, y, n_estimators=30, seed=4), fit_random_forest(X, y, n_estimators=30, seed=4)
    assert np.array_equal(r1.score(X), r2.score(X))
    e1, e2 = fit_extra_trees(X, y, n_estimators=30, seed=4), fit_extra_trees(X, y, n_estimators=30, seed=5)
    Xf = rng.normal(size=(300, 4))  # fresh rows (on training rows unbootstrapped trees are pure: scores 0/1)
    assert e1.name == "extra_trees" and not np.array_equal(e1.score(Xf), e2.score(Xf))
    assert np.array_equal(e1.score(Xf), fit_extra_trees(X, y, n_estimators=30, seed=4).score(Xf))
    assert np.mean(e1.predict(Xf) == (Xf[:, 0] > 0.5)) > 0.9
    with pytest.raises(ValueError, match="both classes"):
        fit_random_forest(X, np.zeros(300))
    with pytest.raises(ValueError, match="n_estimators"):
        fit_isolation_forest(X, n_estimators=0)
    with pytest.raises(ValueError, match="X_nominal"):
        fit_isolation_forest(X[:, 0])
