"""pyod as the oracle for fdir's nominal-only baseline detectors (issue 18): the isolation forest and the local
outlier factor of :mod:`fdir.detectors.baselines`, fitted on the same standardised nominal rows with the same
hyperparameters and seed, score new rows as pyod's ``IForest`` and ``LOF`` do (pyod 3.6; Zhao, Nasrullah, Li,
"PyOD: A Python Toolbox for Scalable Outlier Detection", JMLR 20(96), 2019). Skipped, with the reason, when pyod
is not installed.
"""

import numpy as np
import pytest

pyod = pytest.importorskip("pyod", reason="pyod not installed (a test oracle: pip install pyod)")

from fdir.detectors.baselines import fit_isolation_forest, fit_lof  # noqa: E402


def _data(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nominal rows (400, 4) with correlated, offset features; test rows: 200 nominal + 20 outliers shifted by
    about 1.6 standard deviations per feature (hard enough that no detector is perfect: ROC AUC about 0.91-0.94)."""
    rng = np.random.default_rng(seed)
    mix = np.array([[1.0, 0.3, 0.0, 0.0], [0.0, 2.0, 0.5, 0.0], [0.0, 0.0, 0.5, 0.1], [0.0, 0.0, 0.0, 10.0]])
    nominal = rng.standard_normal((400, 4)) @ mix + np.array([5.0, -3.0, 0.0, 100.0])
    test_nominal = rng.standard_normal((200, 4)) @ mix + np.array([5.0, -3.0, 0.0, 100.0])
    outliers = test_nominal[:20] + rng.choice([-1.0, 1.0], (20, 4)) * np.array([1.6, 3.2, 0.8, 16.0])
    X = np.vstack([test_nominal, outliers])
    y = np.r_[np.zeros(200, bool), np.ones(20, bool)]
    return nominal, X, y


def test_isolation_forest_scores_equal_pyod_iforest_up_to_its_offset():
    from pyod.models.iforest import IForest

    nominal, X, _ = _data()
    det = fit_isolation_forest(nominal, n_estimators=100, seed=0)
    peer = IForest(n_estimators=100, max_samples="auto", random_state=0).fit(det.transform(nominal))
    diff = det.score(X) - peer.decision_function(det.transform(X))
    # pyod's score is sklearn's -(score_samples - offset_): the same trees give a constant difference
    assert np.ptp(diff) <= 1e-12, np.ptp(diff)
    assert diff[0] == pytest.approx(-peer.detector_.offset_, abs=1e-12)


def test_lof_scores_equal_pyod_lof():
    from pyod.models.lof import LOF

    nominal, X, _ = _data()
    det = fit_lof(nominal, n_neighbors=20)
    peer = LOF(n_neighbors=20, novelty=True).fit(det.transform(nominal))
    np.testing.assert_allclose(det.score(X), peer.decision_function(det.transform(X)), rtol=1e-12, atol=0.0)


def test_baselines_rank_outliers_like_an_independent_pyod_detector():
    """ECOD (Li et al., IEEE TKDE 2022, doi:10.1109/TKDE.2022.3159580) shares no code with scikit-learn's
    forests or neighbours: on the same shifted outliers all three reach a ROC AUC within 0.05 of each other."""
    from pyod.models.ecod import ECOD
    from sklearn.metrics import roc_auc_score

    nominal, X, y = _data()
    iforest = fit_isolation_forest(nominal, seed=0)
    lof = fit_lof(nominal)
    ecod = ECOD().fit(iforest.transform(nominal))
    auc_peer = roc_auc_score(y, ecod.decision_function(iforest.transform(X)))
    assert 0.8 < auc_peer < 0.99  # the outliers are separable but not trivially: the comparison is meaningful
    for det in (iforest, lof):
        assert roc_auc_score(y, det.score(X)) == pytest.approx(auc_peer, abs=0.05), det.name
