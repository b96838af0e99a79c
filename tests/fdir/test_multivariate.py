"""fdir.pipeline channel layouts (issue 17, multivariate member): ``per_channel="context"`` gives each channel's
detector all columns, the watched one first, so a break of the relation between channels shows in the forecast error
of a channel whose own history is nominal; the per-channel detector cannot see it by construction."""

import numpy as np
import pytest

from fdir.pipeline import CHANNEL_MODES, Pipeline, channel_mode


class Recorder:
    """Stub detector: keeps the array it was fitted on; score = |column 0| (one stream)."""

    family = "recorder (test)"
    stream_names = ("abs",)
    min_train_length = 50

    def __init__(self, input_columns=None):
        self.seen = None
        if input_columns is not None:
            self.input_columns = input_columns

    def fit(self, train):
        self.seen = np.array(train, np.float64)
        return self

    def scores(self, x):
        return np.abs(np.asarray(x, np.float64)[:, :1].T)

    def workload(self):
        raise NotImplementedError

    def export(self):
        raise NotImplementedError


def test_channel_modes_name_the_layouts_and_reject_others():
    assert channel_mode(True) == "separate" and channel_mode(False) == "joint"
    assert all(channel_mode(m) == m for m in CHANNEL_MODES)
    for bad in ("both", 1, None, float("nan")):
        with pytest.raises(ValueError, match="per_channel"):
            Pipeline(Recorder, per_channel=bad)


def test_registry_passes_the_layout_through():
    from fdir.registry import make

    assert make("dense_float", per_channel="context").per_channel == "context"
    assert make("dense_float", per_channel=False).per_channel == "joint"
    with pytest.raises(ValueError, match="per_channel"):
        make("dense_float", per_channel="columns")


def test_context_layout_feeds_every_column_watched_first():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 3))
    p = Pipeline(Recorder, scaling="none", per_channel="context").fit(x)
    assert p.channels == ["0", "1", "2"]
    for j, order in enumerate(([0, 1, 2], [1, 0, 2], [2, 0, 1])):
        np.testing.assert_array_equal(p.fitted[str(j)][1].seen, x[:, order])     # exact: no scaling
    sep = Pipeline(Recorder, scaling="none", per_channel="separate").fit(x)
    np.testing.assert_array_equal(sep.fitted["2"][1].seen, x[:, [2]])
    joint = Pipeline(Recorder, scaling="none", per_channel=False).fit(x)
    assert joint.channels == ["0"]


def test_context_layout_rejects_a_detector_that_reads_the_watched_column_only():
    x = np.random.default_rng(1).standard_normal((200, 2))
    with pytest.raises(ValueError, match="context"):
        Pipeline(lambda: Recorder(input_columns=(0,)), per_channel="context").fit(x)
    Pipeline(lambda: Recorder(input_columns=(0,)), per_channel="context").fit(x[:, :1])   # D = 1: nothing to add
    Pipeline(lambda: Recorder(input_columns=(0, 1)), per_channel="context").fit(x)


def test_context_forecaster_sees_a_correlation_break_the_per_channel_one_cannot():
    """Two channels, y2 = y1 = sin(2π t/25) (noise-free, exactly periodic: one period tiled). In the test part y1 is
    mirrored for 200 samples (the suite's correlation break, m' = m − 2·w·f), so it stays in its training range
    [-1, 1] while channel 2 (column "1") keeps its training sinusoid: every window the per-channel detector of
    channel 2 sees in the test part equals a training window, so its test scores cannot exceed its training maximum
    (tolerance: relative 1e-6, float32 forecasts of identical inputs). The context detector of channel 2 reads
    [y2, y1]; it learned y1 = y2, so its error in the break must exceed its training-score maximum (asserted on the
    largest stream by a factor 2; seed 0 gives about 5x)."""
    from fdir.detectors.forecast_detector import ForecasterDetector
    from fdir.detectors.forecaster import ForecasterConfig

    P, n_train, brk = 25, 500, slice(600, 800)
    y = np.tile(np.sin(2 * np.pi * np.arange(P) / P), 40)
    x = np.stack([y, y], axis=1)
    x[brk, 0] = -y[brk]

    def pipe(mode, commands):
        cfg = ForecasterConfig(l_s=48, conv_channels=(8, 8, 8), hidden=16, epochs=30, commands=commands, seed=0)
        p = Pipeline(lambda: ForecasterDetector(cfg), per_channel=mode).fit(x[:n_train])
        (r,) = [r for r in p.evaluate(x) if r.channel == "1"]
        np.testing.assert_array_equal(r.values, y)
        cal = p.calibration["1"]                           # the detector's streams (the flat-line stream follows)
        return np.nanmax(cal, axis=1), r.scores[:cal.shape[0]]

    train_max, s = pipe("context", "all")
    assert np.nanmax(s[:, brk], axis=1).max() > 2.0 * train_max.max()
    train_max, s = pipe("separate", "none")
    assert np.all(np.nanmax(s[:, n_train:], axis=1) <= train_max * (1 + 1e-6))
