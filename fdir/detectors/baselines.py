"""Classical scikit-learn baselines for telemetry anomaly detection: isolation forest, local outlier factor
(novelty mode, trained on nominal data only) and supervised random forest / extremely randomized trees.

Sources: Liu, Ting, Zhou, "Isolation Forest", ICDM 2008, doi:10.1109/ICDM.2008.17; Breunig, Kriegel, Ng, Sander,
"LOF: Identifying Density-Based Local Outliers", SIGMOD 2000, doi:10.1145/342009.335388; Breiman, "Random
Forests", Machine Learning 45, 2001, doi:10.1023/A:1010933404324; settings of the OPS-SAT-AD baselines in
Ruszczak et al., arXiv:2407.04730 and the fdir reference sheet §9 (``IsolationForest(n_estimators=100,
contamination="auto", random_state=0)``, ``LocalOutlierFactor(n_neighbors=20, novelty=True)`` on standardised
nominal features, ``RandomForestClassifier(n_estimators=100…500, random_state=0)``).

Thin wrappers: a feature transform fitted on the training rows (standardisation, optionally after the signed
logarithm sign(x)·log(1 + |x|) that tames heavy-tailed features such as variances and counts), the scikit-learn
estimator with an explicit seed, and a decision threshold. Scores are "higher = more anomalous". For the
nominal-only detectors the threshold is either the estimator's own (``threshold_quantile=None``: the isolation
forest's ``contamination="auto"`` offset, LOF's offset 1.5) or the ``threshold_quantile`` of **out-of-fold**
scores of the nominal training rows (k-fold, seeded), which avoids the optimistic in-sample scores of LOF and
uses no anomalous data. Input arrays are (n_samples, n_features) float feature tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

__all__ = ["FeatureTransform", "NoveltyDetector", "SupervisedDetector", "fit_extra_trees", "fit_isolation_forest",
           "fit_lof", "fit_random_forest", "oof_scores"]

Transform = Literal["standard", "signed_log"]
TRANSFORMS = ("standard", "signed_log")


def _check_X(X, name: str = "X", n_features: int | None = None) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"{name} must have shape (n_samples >= 1, n_features), got {X.shape}")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(f"{name} must have {n_features} features (columns), got {X.shape[1]}")
    if not np.isfinite(X).all():
        raise ValueError(f"{name} must be finite")
    return X


@dataclass(frozen=True)
class FeatureTransform:
    """Per-feature transform fitted on training rows: optional signed log, then standardisation with the
    training mean and standard deviation (features with no spread, sd <= 1e-12·max(1, |mean|), are only
    centred)."""

    kind: str
    mean: np.ndarray
    scale: np.ndarray

    @staticmethod
    def fit(X: np.ndarray, kind: Transform = "standard") -> FeatureTransform:
        """Fit on ``X`` (n, d). Raises ValueError for an unknown ``kind`` (accepted: :data:`TRANSFORMS`) or bad X."""
        if kind not in TRANSFORMS:
            raise ValueError(f"transform={kind!r}, accepted: {TRANSFORMS}")
        Z = FeatureTransform._pre(_check_X(X), kind)
        mean, sd = Z.mean(axis=0), Z.std(axis=0)
        spread = sd > 1e-12 * np.maximum(1.0, np.abs(mean))  # constant columns give sd ~ 1e-16 from rounding
        return FeatureTransform(kind, mean, np.where(spread, sd, 1.0))

    @staticmethod
    def _pre(X: np.ndarray, kind: str) -> np.ndarray:
        return np.sign(X) * np.log1p(np.abs(X)) if kind == "signed_log" else X

    def __call__(self, X: np.ndarray) -> np.ndarray:
        X = _check_X(X, n_features=self.mean.size)
        return (self._pre(X, self.kind) - self.mean) / self.scale


@dataclass(frozen=True)
class NoveltyDetector:
    """A fitted nominal-only detector. ``score(X)`` (n,) is higher for more anomalous rows; ``predict(X)`` is
    ``score > threshold`` (bool, (n,)). ``params`` records the hyperparameters and threshold rule."""

    name: str
    transform: FeatureTransform
    estimator: Any
    threshold: float
    params: dict = field(default_factory=dict)

    def score(self, X: np.ndarray) -> np.ndarray:
        return -self.estimator.score_samples(self.transform(X))

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.score(X) > self.threshold


@dataclass(frozen=True)
class SupervisedDetector:
    """A fitted supervised classifier: ``score(X)`` = predicted probability of the anomaly class (n,),
    ``predict(X)`` = ``score > threshold``."""

    name: str
    transform: FeatureTransform
    estimator: Any
    threshold: float = 0.5
    params: dict = field(default_factory=dict)

    def score(self, X: np.ndarray) -> np.ndarray:
        return self.estimator.predict_proba(self.transform(X))[:, 1]

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.score(X) > self.threshold


def _make_if(n_estimators: int, max_samples, seed: int):
    from sklearn.ensemble import IsolationForest

    return IsolationForest(n_estimators=n_estimators, max_samples=max_samples, contamination="auto",
                           random_state=seed)


def _make_lof(n_neighbors: int):
    from sklearn.neighbors import LocalOutlierFactor

    return LocalOutlierFactor(n_neighbors=n_neighbors, novelty=True)


def oof_scores(make, X: np.ndarray, transform: Transform, *, n_splits: int = 5, seed: int = 0) -> np.ndarray:
    """Out-of-fold anomaly scores (n,) of the rows of ``X``: each fold is scored by an estimator
    (``make()``, with ``score_samples``) fitted, with its own transform, on the other folds.

    Raises
    ------
    ValueError
        for ``n_splits < 2`` or fewer rows than folds.
    """
    from sklearn.model_selection import KFold

    X = _check_X(X)
    if n_splits < 2 or X.shape[0] < n_splits:
        raise ValueError(f"n_splits={n_splits} must be >= 2 and <= number of rows {X.shape[0]}")
    out = np.empty(X.shape[0])
    for a, b in KFold(n_splits, shuffle=True, random_state=seed).split(X):
        tf = FeatureTransform.fit(X[a], transform)
        out[b] = -make().fit(tf(X[a])).score_samples(tf(X[b]))
    return out


def _threshold(make, X, transform, q, default, seed):
    if q is None:
        return float(default), "estimator offset"
    if not 0 < q < 1:
        raise ValueError(f"threshold_quantile={q} must be in (0, 1) or None")
    return float(np.quantile(oof_scores(make, X, transform, seed=seed), q)), f"out-of-fold nominal quantile {q}"


def fit_isolation_forest(X_nominal: np.ndarray, *, n_estimators: int = 100, max_samples: int | str = "auto",
                         transform: Transform = "standard", threshold_quantile: float | None = None,
                         seed: int = 0) -> NoveltyDetector:
    """Isolation forest on nominal rows ``X_nominal`` (n, d).

    Hyperparameters (defaults of the reference sheet §9): ``n_estimators`` = 100 trees, ``max_samples`` = "auto"
    (min(256, n)), ``contamination="auto"`` (offset −0.5 of the score of Liu et al.), ``random_state=seed``.

    Raises
    ------
    ValueError
        for bad ``X_nominal``, ``transform`` or ``threshold_quantile``, or ``n_estimators < 1``.
    """
    if int(n_estimators) < 1:
        raise ValueError(f"n_estimators={n_estimators} must be >= 1")
    X = _check_X(X_nominal, "X_nominal")
    tf = FeatureTransform.fit(X, transform)
    est = _make_if(int(n_estimators), max_samples, seed).fit(tf(X))
    thr, rule = _threshold(lambda: _make_if(int(n_estimators), max_samples, seed), X, transform,
                           threshold_quantile, -est.offset_, seed)
    return NoveltyDetector("isolation_forest", tf, est, thr,
                           dict(n_estimators=int(n_estimators), max_samples=max_samples, transform=transform,
                                threshold_rule=rule, seed=seed))


def fit_lof(X_nominal: np.ndarray, *, n_neighbors: int = 20, transform: Transform = "standard",
            threshold_quantile: float | None = None, seed: int = 0) -> NoveltyDetector:
    """Local outlier factor in novelty mode on nominal rows ``X_nominal`` (n, d); score = LOF of a new row
    w.r.t. the training rows (≈ 1 inside the nominal cloud). ``seed`` only seeds the fold split of the
    out-of-fold threshold (LOF itself is deterministic).

    Raises
    ------
    ValueError
        for bad ``X_nominal``, ``transform`` or ``threshold_quantile``, or ``n_neighbors`` outside [1, n − 1].
    """
    X = _check_X(X_nominal, "X_nominal")
    if not 1 <= int(n_neighbors) < X.shape[0]:
        raise ValueError(f"n_neighbors={n_neighbors} must be in [1, n_rows - 1 = {X.shape[0] - 1}]")
    tf = FeatureTransform.fit(X, transform)
    est = _make_lof(int(n_neighbors)).fit(tf(X))
    thr, rule = _threshold(lambda: _make_lof(int(n_neighbors)), X, transform, threshold_quantile, -est.offset_, seed)
    return NoveltyDetector("lof", tf, est, thr, dict(n_neighbors=int(n_neighbors), transform=transform,
                                                     threshold_rule=rule, seed=seed))


def _fit_forest(cls, name: str, X, y, n_estimators, max_features, min_samples_leaf, class_weight, transform,
                seed) -> SupervisedDetector:
    X = _check_X(X)
    y = np.asarray(y)
    if y.shape != (X.shape[0],) or not np.isin(y, (0, 1)).all() or np.unique(y).size < 2:
        raise ValueError(f"y must have shape ({X.shape[0]},) with both classes 0 and 1")
    if int(n_estimators) < 1:
        raise ValueError(f"n_estimators={n_estimators} must be >= 1")
    tf = FeatureTransform.fit(X, transform)
    est = cls(n_estimators=int(n_estimators), max_features=max_features, min_samples_leaf=int(min_samples_leaf),
              class_weight=class_weight, random_state=seed, n_jobs=1).fit(tf(X), y.astype(np.int64))
    return SupervisedDetector(name, tf, est, 0.5,
                              dict(n_estimators=int(n_estimators), max_features=max_features,
                                   min_samples_leaf=int(min_samples_leaf), class_weight=class_weight,
                                   transform=transform, seed=seed))


def fit_random_forest(X: np.ndarray, y: np.ndarray, *, n_estimators: int = 300, max_features: str | float = "sqrt",
                      min_samples_leaf: int = 1, class_weight: str | None = None, transform: Transform = "standard",
                      seed: int = 0) -> SupervisedDetector:
    """Supervised random forest (Breiman 2001) on labelled rows ``X`` (n, d), ``y`` (n,) in {0, 1}
    (1 = anomaly); decision threshold 0.5 on the anomaly-class probability. Trees are invariant to monotone
    transforms, so ``transform`` only matters for reproducibility of the features seen. ``n_jobs=1`` keeps the
    result independent of the core count.

    Raises
    ------
    ValueError
        for bad ``X``/``y`` (shape, labels outside {0, 1}, a single class) or ``n_estimators < 1``.
    """
    from sklearn.ensemble import RandomForestClassifier

    return _fit_forest(RandomForestClassifier, "random_forest", X, y, n_estimators, max_features, min_samples_leaf,
                       class_weight, transform, seed)


def fit_extra_trees(X: np.ndarray, y: np.ndarray, *, n_estimators: int = 300, max_features: str | float = "sqrt",
                    min_samples_leaf: int = 1, class_weight: str | None = None, transform: Transform = "standard",
                    seed: int = 0) -> SupervisedDetector:
    """Supervised extremely randomized trees (Geurts, Ernst, Wehenkel, "Extremely randomized trees", Machine
    Learning 63, 2006, doi:10.1007/s10994-006-6226-1): the random-forest variant with random split thresholds and
    no bootstrap; same interface, threshold and errors as :func:`fit_random_forest`."""
    from sklearn.ensemble import ExtraTreesClassifier

    return _fit_forest(ExtraTreesClassifier, "extra_trees", X, y, n_estimators, max_features, min_samples_leaf,
                       class_weight, transform, seed)
