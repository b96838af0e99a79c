"""fdir.heldout_choice: the pipeline chosen on held-out nominal data behaves exactly as that candidate alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fdir import registry
from fdir.heldout_choice import HELDOUT, HeldOutChoice
from fdir.pipeline import Pipeline


def _ar2(T: int, seed: int = 0, D: int = 1) -> np.ndarray:
    """Gaussian AR(2) x_t = 1.5 x_{t-1} - 0.75 x_{t-2} + e_t (stationary: roots of 1 - 1.5z + 0.75z^2 outside the
    unit circle, |z| = 1/sqrt(0.75)), D independent columns."""
    rng = np.random.default_rng(seed)
    x = np.zeros((T + 100, D))
    e = rng.normal(size=x.shape)
    for t in range(2, len(x)):
        x[t] = 1.5 * x[t - 1] - 0.75 * x[t - 2] + e[t]
    return x[100:]


def _flags(pipe, x) -> np.ndarray:
    out = np.zeros(len(x), bool)
    for r in pipe.evaluate(x):
        out |= np.asarray(r.flags, bool)
    return out


def test_gaussian_ar_process_chooses_the_linear_predictor_and_equals_it_alone():
    # for a Gaussian AR(2) process the linear one-step predictor is the optimal one (Box & Jenkins, ch. 5), so the
    # ridge AR forecaster must beat a 3-epoch convolutional forecaster on held-out data
    x = _ar2(600)
    x[450:460, 0] += 12.0
    auto = registry.make("auto", seed=0, quick=True).fit(x[:300])
    assert auto.chosen == "linear_ar"
    assert set(auto.heldout_error) == set(registry.AUTO_CANDIDATES["auto"])
    assert auto.heldout_error["linear_ar"] < auto.heldout_error["dense_float"]
    alone = registry.make("linear_ar", seed=0).fit(x[:300])
    assert np.array_equal(_flags(auto, x), _flags(alone, x))
    assert _flags(auto, x)[450:460].any()
    assert auto.name == "auto" and auto.per_channel == alone.per_channel == "context"
    a, b = auto.detect(x), alone.detect(x)
    pd.testing.assert_frame_equal(a, b)


def test_the_layout_set_on_the_choice_reaches_every_candidate():
    x = _ar2(500, D=2)
    auto = registry.make("auto", seed=0, quick=True, per_channel="separate").fit(x[:300])
    assert auto.chosen == "linear_ar" and auto.per_channel == "separate"
    alone = registry.make("linear_ar", seed=0, per_channel="separate").fit(x[:300])
    assert np.array_equal(_flags(auto, x), _flags(alone, x))


class _NeedsMore:
    """A detector whose minimum training length no test series reaches."""

    stream_names = ("e",)
    min_train_length = 10**6

    def fit(self, train):
        raise AssertionError("never trained: the length is checked first")

    def scores(self, x):
        raise AssertionError

    def workload(self):
        raise AssertionError

    def export(self):
        raise AssertionError


class _Fails(_NeedsMore):
    """A detector that refuses every training series."""

    min_train_length = 32

    def fit(self, train):
        raise ValueError("cannot fit this")


def test_a_candidate_that_cannot_fit_the_split_is_not_a_choice():
    x = _ar2(400)
    auto = HeldOutChoice({"big": lambda: Pipeline(_NeedsMore), "linear_ar": lambda: registry.make("linear_ar")})
    # linear_ar needs 32 samples to fit and the split 30 held-out ones: the least n with floor(0.3 n) >= 30 and
    # n - floor(0.3 n) >= 32 is 100
    assert HELDOUT == 0.3 and auto.min_length == 100
    auto.fit(x[:300])
    assert auto.chosen == "linear_ar"
    assert "needs at least 1428571" in auto.heldout_error["big"]   # least n with n - floor(0.3 n) >= 10**6
    with pytest.raises(ValueError, match=r"needs at least 1428571"):       # checked before any training
        HeldOutChoice({"big": lambda: Pipeline(_NeedsMore)}).fit(x)
    with pytest.raises(ValueError, match=r"no candidate could be fitted.*fails: cannot fit this"):
        HeldOutChoice({"fails": lambda: Pipeline(_Fails)}).fit(x)


def test_too_short_series_fails_before_training_and_bad_candidates_are_named():
    auto = registry.make("auto", seed=0, quick=True)
    with pytest.raises(ValueError, match=f"needs at least {auto.min_length}"):
        auto.fit(_ar2(auto.min_length - 1))
    for bad in ({}, {"": lambda: None}, {"x": 3}, [("x", lambda: None)]):
        with pytest.raises(ValueError, match="candidates="):
            HeldOutChoice(bad)


def test_a_run_store_tells_choices_over_different_candidates_apart():
    # fdir.protocols.selection keys a resumable store by describe(pipeline): two choices whose first candidate is the
    # same but whose other candidates differ ran different settings and must not share stored rows
    from fdir.protocols.selection import describe

    def choice(*names):
        return HeldOutChoice({k: (lambda k=k: registry.make(k, seed=0, quick=True)) for k in names})

    a, b = describe(choice("dense_float", "linear_ar")), describe(choice("dense_float", "linear_int8"))
    assert a["detector"] == b["detector"]
    assert a != b
    assert list(a["candidates"]) == ["dense_float", "linear_ar"]
    assert a["candidates"]["linear_ar"]["detector"]["type"].endswith("LinearForecaster")
    assert b["candidates"]["linear_int8"]["detector"]["fixed_point"] is True
