"""Shared fixtures of the fdir tests."""

import numpy as np
import pytest

from fdir.detectors.base import as_series


class Magnitude:
    """Stub detector: one stream, the score is |x_t| of column 0 (what it reads is exactly what it scores)."""

    stream_names = ("magnitude",)
    min_train_length = 50

    def fit(self, train):
        as_series(train, "train", min_length=self.min_train_length)
        return self

    def scores(self, x):
        return np.abs(as_series(x)[:, 0])[None]

    def workload(self):
        raise NotImplementedError

    def export(self):
        raise NotImplementedError("stub")


@pytest.fixture
def magnitude():
    """The stub detector class :class:`Magnitude` (a zero-argument detector factory for ``Pipeline``)."""
    return Magnitude


def _command_series(T: int, seed: int = 0) -> np.ndarray:
    """Sine (period 37, amplitude 0.6) + N(0, 0.02²) telemetry value, a command flag toggling every 50 samples and
    an unused zero column: (T, 3) float64."""
    rng = np.random.default_rng(seed)
    t = np.arange(T)
    a = np.zeros((T, 3))
    a[:, 0] = 0.6 * np.sin(2 * np.pi * t / 37.0) + 0.02 * rng.standard_normal(T)
    a[:, 1] = (t // 50) % 2
    return a


@pytest.fixture(scope="session")
def command_series():
    """``(T, seed=0) -> (T, 3)`` telemetry with a command column for the forecaster tests."""
    return _command_series
