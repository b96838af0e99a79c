"""The spiking telemetry forecaster of :mod:`fdir.detectors.spiking` (signed send-on-delta events → signed LIF or
MTJ-LIF neurons → leaky readout) behind the detector protocol (:class:`fdir.detectors.base.Detector`).

One stream, ``"first_step"``: e_t = |x_t − ŷ_{t−1}|, the error of the forecast made after sample t − 1, placed at
sample t for t ≥ l_s (telemanom's scoring range, Hundman et al., KDD 2018, arXiv:1802.04431), NaN before.

Short series: when the training array holds fewer than two training sequences (T − n_predictions <
seq_len + seq_stride), the sequences shrink to seq_len = (T − n_predictions) // 2 (stride and warm-up a quarter
of it, capped at the configured values); the first scored sample is l_s = min(cfg.l_s, T_train − 31), so a series
of the training length keeps at least 30 scored samples. ``min_train_length`` is :data:`MIN_TRAIN`.

Workload (:meth:`SpikingForecastDetector.workload`): :func:`fdir.detectors.spiking.workload` measured on the last
series given to :meth:`~SpikingForecastDetector.scores` (the training series until then). Export: the float32
bundle of :mod:`fdir.detectors.spiking_export`.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import numpy as np
import pandas as pd

from fdir.detectors.base import as_series, fitted, stream_array
from fdir.detectors.spiking import SpikingConfig

__all__ = ["MIN_TRAIN", "SpikingForecastDetector"]

MIN_TRAIN = 96
"""Fewest training samples: two sequences of 32 samples plus the forecast horizon and 30 scored samples."""


@lru_cache(maxsize=8)
def _trainer(cfg: SpikingConfig):
    """One :class:`~fdir.detectors.spiking.SpikingTrainer` per configuration (its jit-compiled functions are
    reused by every channel and refit; the trainer holds no data)."""
    from fdir.detectors.spiking import SpikingTrainer

    return SpikingTrainer(cfg)


class SpikingForecastDetector:
    """Spiking forecaster as a :class:`fdir.detectors.base.Detector` (module doc). cfg :
    :class:`~fdir.detectors.spiking.SpikingConfig`. Attributes after :meth:`fit`: ``model``
    (:class:`~fdir.detectors.spiking.SpikingDetector`), ``trainer``."""

    family = "spiking"
    stream_names = ("first_step",)
    min_train_length = MIN_TRAIN

    def __init__(self, cfg: SpikingConfig | None = None) -> None:
        self.cfg = SpikingConfig() if cfg is None else cfg
        self.model = self.trainer = None
        self._run = None

    def config_for(self, n_train: int) -> SpikingConfig:
        """The configuration trained on ``n_train`` samples (module doc)."""
        c, n = self.cfg, int(n_train)
        kw = {}
        if n - c.n_predictions < c.seq_len + c.seq_stride:
            L = (n - c.n_predictions) // 2
            kw.update(seq_len=L, seq_stride=max(1, min(c.seq_stride, L // 4)), warmup=min(c.warmup, L // 4))
        if n - c.l_s < 31:
            kw["l_s"] = n - 31
        return replace(c, **kw) if kw else c

    def fit(self, train: np.ndarray) -> SpikingForecastDetector:
        """Train on a nominal array (T, D) or (T,) (column 0). Raises ValueError for fewer than
        :data:`MIN_TRAIN` samples or non-finite values."""
        a = as_series(train, "train", min_length=MIN_TRAIN)
        self.trainer = _trainer(self.config_for(a.shape[0]))
        self.model = self.trainer.fit(a[:, 0])
        self._measure(a[:, 0])
        return self

    def _measure(self, x: np.ndarray) -> np.ndarray:
        from fdir.detectors.spiking import SpikingRun, syn_op_counts

        out = self.trainer.predict(self.model, x)
        c, s = out["counts"], out["spikes"]
        self._run = SpikingRun("", None, out["y_hat"][:, 0], x, float(np.maximum(c, 0).sum()),
                               float(np.maximum(-c, 0).sum()), float((s > 0).sum()), float((s < 0).sum()), x.size,
                               syn_op_counts(self.model, c, s), self.model.train_s, 0.0, self.model.delta)
        return out["y_hat"][:, 0]

    def scores(self, x: np.ndarray) -> np.ndarray:
        """(1, T) first-step errors of ``x`` (T, D) or (T,) (module doc)."""
        m = fitted(self.model, type(self).__name__)
        v = as_series(x)[:, 0]
        T, l_s = v.size, m.cfg.l_s
        y_hat = self._measure(v)
        if T <= l_s:
            return np.full((1, T), np.nan)
        return stream_array(np.abs(y_hat[l_s - 1:T - 1] - v[l_s:]), l_s, T)

    def reference(self, x: np.ndarray) -> np.ndarray:
        """(T,) the watched values (column 0), for the thresholder's guards."""
        return as_series(x)[:, 0]

    def workload(self) -> pd.DataFrame:
        """IR of one inference (one sample), measured events and synaptic operations (module doc)."""
        from fdir.detectors.spiking import workload

        m = fitted(self.model, type(self).__name__)
        return workload(m.cfg, [self._run])

    def export(self) -> tuple[dict, dict[str, np.ndarray]]:
        """Float32 runtime bundle of the trained network (:func:`fdir.detectors.spiking_export.export_spiking`, NDT
        from the model's ``l_s``); the numpy runtime is deterministic (the MTJ neuron's noise is not drawn)."""
        from fdir.detectors.spiking_export import export_spiking
        from fdir.ndt import NDTParams

        m = fitted(self.model, type(self).__name__)
        return export_spiking(m, w_bits=None, ndt=NDTParams(l_s=m.cfg.l_s))
