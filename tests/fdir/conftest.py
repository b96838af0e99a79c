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
