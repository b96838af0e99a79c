"""Windowing front end: detectors that score fixed windows (the 2-D convolutional autoencoder of
:mod:`fdir.detectors.cae`, the isolation forest and LOF of :mod:`fdir.detectors.baselines`) take a plain series
through the detector protocol (:class:`fdir.detectors.base.Detector`).

A series (T, D) is cut into sliding windows of ``window`` samples, stride 1 (:func:`sliding_windows`); window k
covers samples k .. k + window − 1 and its score is placed at its newest sample k + window − 1 (a causal score:
known as soon as that sample arrives); samples before ``window − 1`` are NaN. Training uses every window of the
nominal array, a seeded 20 % of them held out for validation (the CAE's early stopping).

* :class:`CAEDetector`: one stream ``"reconstruction_mse"``, the window's mean squared reconstruction error in
  standardised units (arXiv:2604.08424, :class:`fdir.detectors.cae.CAEModel`); the D columns are the CAE's
  channels. Export: the CAE bundle (``detector.kind == "reconstruction"``, threshold = the 0.99 quantile of the
  validation windows' scores).
* :class:`NoveltyWindowDetector`: one stream named after the estimator (``"isolation_forest"`` or ``"lof"``),
  ``-score_samples`` of the window's D·window values standardised on the training windows (Liu et al., ICDM 2008,
  doi:10.1109/ICDM.2008.17; Breunig et al., SIGMOD 2000, doi:10.1145/342009.335388). Workload: the
  standardisation and, per tree, the expected isolation path length c(ψ) = 2 H(ψ − 1) − 2 (ψ − 1)/ψ comparisons
  (Liu et al. 2008, eq. 1), or for LOF one distance (D·window MACs) to each of the n training windows. No
  runtime export (:class:`NotImplementedError`).

``min_train_length`` = window + :data:`MIN_WINDOWS` − 1.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from fdir.detectors.base import as_series, fitted, stream_array

__all__ = ["MIN_WINDOWS", "NOVELTY_ESTIMATORS", "CAEDetector", "NoveltyWindowDetector", "sliding_windows"]

MIN_WINDOWS = 40
"""Fewest training windows (32 for training, 8 for validation)."""

NOVELTY_ESTIMATORS = ("isolation_forest", "lof")


def sliding_windows(a: np.ndarray, window: int) -> np.ndarray:
    """Windows (N, D, window) of a series ``a`` (T, D), stride 1, N = T − window + 1 (window k ends at sample
    k + window − 1). Raises ValueError when T < window."""
    a = as_series(a)
    if a.shape[0] < window:
        raise ValueError(f"series of {a.shape[0]} samples is shorter than window={window}")
    return np.lib.stride_tricks.sliding_window_view(a, window, axis=0)


def _split(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng(seed).permutation(n)
    n_val = max(1, round(0.2 * n))
    return np.sort(order[n_val:]), np.sort(order[:n_val])


class _Windowed:
    """What the windowed detectors share: ``window``, ``model``, the minimum length and the scoring of each
    window at its newest sample; a subclass gives ``_window_scores(xw (N, D, window)) -> (N,)``."""

    window: int
    model = None

    @property
    def min_train_length(self) -> int:
        return self.window + MIN_WINDOWS - 1

    def scores(self, x: np.ndarray) -> np.ndarray:
        """(1, T) anomaly score of each window at its newest sample (NaN before ``window − 1``)."""
        fitted(self.model, type(self).__name__)
        a = as_series(x)
        if a.shape[0] < self.window:
            return np.full((1, a.shape[0]), np.nan)
        return stream_array(self._window_scores(sliding_windows(a, self.window)), self.window - 1, a.shape[0])


class CAEDetector(_Windowed):
    """CAE over sliding windows (module doc). window : samples per window (a multiple of 4); c1, c2, latent :
    CAE widths (:class:`fdir.detectors.cae.CAEConfig`); epochs, patience : training; seed."""

    family = "cae"
    stream_names = ("reconstruction_mse",)

    def __init__(self, *, window: int = 16, c1: int = 8, c2: int = 16, latent: int = 16, epochs: int = 30,
                 patience: int = 8, seed: int = 0) -> None:
        from fdir.detectors.cae import CAEConfig

        CAEConfig(n_channels=1, window=window, c1=c1, c2=c2, latent=latent)   # validates the sizes
        self.window, self.c1, self.c2, self.latent = int(window), int(c1), int(c2), int(latent)
        self.epochs, self.patience, self.seed = int(epochs), int(patience), int(seed)

    def fit(self, train: np.ndarray) -> CAEDetector:
        """Train on the windows of a nominal array (T, D) or (T,). Raises ValueError for fewer than
        ``min_train_length`` samples or non-finite values."""
        from fdir.detectors.cae import CAEConfig
        from fdir.detectors.cae import train as train_cae

        a = as_series(train, "train", min_length=self.min_train_length)
        cfg = CAEConfig(n_channels=a.shape[1], window=self.window, c1=self.c1, c2=self.c2, latent=self.latent)
        xw = sliding_windows(a, self.window)
        tr, va = _split(xw.shape[0], self.seed)
        self.model = train_cae(xw[tr], xw[va], config=cfg, epochs=self.epochs, patience=self.patience,
                               seed=self.seed, batch_size=min(128, tr.size))
        self.model.set_threshold(xw[va])
        return self

    def _window_scores(self, xw: np.ndarray) -> np.ndarray:
        return self.model.score(xw)          # mean squared reconstruction error, standardised units

    def workload(self) -> pd.DataFrame:
        """IR of one inference = one window (:func:`fdir.detectors.cae.workload`)."""
        return fitted(self.model, type(self).__name__).workload()

    def export(self) -> tuple[dict, dict[str, np.ndarray]]:
        """The CAE bundle (:meth:`fdir.detectors.cae.CAEModel.export_layers`)."""
        return fitted(self.model, type(self).__name__).export_layers()


class NoveltyWindowDetector(_Windowed):
    """Isolation forest or LOF over sliding windows (module doc). estimator : one of :data:`NOVELTY_ESTIMATORS`;
    window : samples per window; n_estimators (isolation forest) / n_neighbors (LOF); seed.

    Raises
    ------
    ValueError
        for an unknown estimator or window < 1.
    """

    family = "baselines"

    def __init__(self, estimator: str = "isolation_forest", *, window: int = 16, n_estimators: int = 100,
                 n_neighbors: int = 20, seed: int = 0) -> None:
        if estimator not in NOVELTY_ESTIMATORS:
            raise ValueError(f"estimator={estimator!r}, accepted: {NOVELTY_ESTIMATORS}")
        if int(window) < 1:
            raise ValueError(f"window={window} must be >= 1")
        self.estimator, self.window = estimator, int(window)
        self.n_estimators, self.n_neighbors, self.seed = int(n_estimators), int(n_neighbors), int(seed)
        self.stream_names = (estimator,)
        self._n_train = 0
        self._n_features = 0

    @staticmethod
    def _features(xw: np.ndarray) -> np.ndarray:
        return xw.reshape(xw.shape[0], -1)

    def fit(self, train: np.ndarray) -> NoveltyWindowDetector:
        """Fit on the windows of a nominal array (T, D) or (T,). Raises ValueError for fewer than
        ``min_train_length`` samples or non-finite values."""
        from fdir.detectors.baselines import fit_isolation_forest, fit_lof

        a = as_series(train, "train", min_length=self.min_train_length)
        X = self._features(sliding_windows(a, self.window))
        if self.estimator == "isolation_forest":
            self.model = fit_isolation_forest(X, n_estimators=self.n_estimators, seed=self.seed)
        else:
            self.model = fit_lof(X, n_neighbors=min(self.n_neighbors, X.shape[0] - 1), seed=self.seed)
        self._n_train, self._n_features = X.shape
        return self

    def _window_scores(self, xw: np.ndarray) -> np.ndarray:
        return self.model.score(self._features(xw))      # −score_samples: higher = more anomalous

    def workload(self) -> pd.DataFrame:
        """IR of one inference = one window (module doc): a ``norm`` row for the standardisation, then
        ``elementwise`` comparisons along the isolation paths (isolation forest) or a ``linear`` row of squared
        distances to every training window (LOF)."""
        from hwsim import ir

        fitted(self.model, type(self).__name__)
        F = self._n_features
        q = {"w_bits": 32, "a_bits": 32, "acc_bits": 32, "w_format": "fp"}
        rows = [ir.op(layer="standardize", kind="norm", M=F, N=1, K=1, weight_elems=2 * F, **q)]
        if self.estimator == "isolation_forest":
            psi = min(256, self._n_train)
            c = 2.0 * (math.log(psi - 1) + 0.5772156649) - 2.0 * (psi - 1) / psi if psi > 2 else 1.0
            n_nodes = self.n_estimators * (2 * psi - 1)
            rows.append(ir.op(layer="isolation_paths", kind="elementwise", M=math.ceil(self.n_estimators * c),
                              N=1, K=1, weight_elems=n_nodes, **q))
        else:
            rows.append(ir.linear("distances", M=1, N=self._n_train, K=F, weight_elems=self._n_train * F, **q))
        return ir.make(rows)

    def export(self) -> tuple[dict, dict[str, np.ndarray]]:
        raise NotImplementedError(f"the baselines family ({self.estimator}, fdir.detectors.baselines) has no runtime "
                                  "export")
