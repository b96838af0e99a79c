"""One protocol test suite for every registered detector pipeline (fdir.registry): shapes, 1-D input, NaN gaps,
determinism by seed, workload() a valid hwsim IR, export() round trip through the numpy runtime where supported
(else NotImplementedError naming the family; the MTJ neuron's noise is drawn only in JAX; a bundle that the runtime
cannot run with the default settings' SPOT and flat-line check is checked under telemanom's settings), and the
minimum length checked before any training. The pipelines run the default (label-free) settings.

Tiny series (600 samples, a sine with noise and a 12-sample burst) and 2 training epochs keep it fast; detection
quality is not asserted here (see tests/fdir/test_pipeline.py and tests/hwsim/test_detect_cli.py)."""

import numpy as np
import pytest

from fdir.detectors.base import Detector
from fdir.registry import BUILTIN, make
from hwsim import ir

NAMES = tuple(BUILTIN)
T = 600


def _series(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(T)
    x = np.sin(2 * np.pi * t / 40) + 0.05 * rng.standard_normal(T)
    x[450:462] += 1.5
    return 20.0 * x + 300.0            # raw units far from [-1, 1]: the scaler's job


@pytest.fixture(scope="module")
def fitted():
    x = _series()
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = make(name, seed=0, epochs=2).fit(x)
        return cache[name]
    return get


@pytest.mark.parametrize("name", NAMES)
def test_scores_shape_streams_and_alignment(name, fitted):
    p = fitted(name)
    sc, det, _ = p.fitted[p.channels[0]]
    assert isinstance(det, Detector)
    z = sc.transform(_series()[:, None])
    s = det.scores(z[:, 0])                              # 1-D input accepted as D = 1
    assert s.shape == (len(det.stream_names), T)
    np.testing.assert_array_equal(s, det.scores(z))      # same as (T, 1); exact
    fin = np.isfinite(s).all(axis=0)
    assert fin.sum() >= 30 and not fin[0]               # a warm-up that cannot score, then scores


@pytest.mark.parametrize("name", NAMES)
def test_detect_returns_interval_table(name, fitted):
    df = fitted(name).detect(_series())
    assert list(df.columns[:5]) == ["start", "end", "channel", "stream", "score"]
    assert (df["end"] >= df["start"]).all() and (df["channel"] == "0").all()


@pytest.mark.parametrize("name", NAMES)
def test_nan_gaps_are_filled_and_never_flagged(name, fitted):
    x = _series()
    x[300:320] = np.nan
    x[455] = np.nan
    res = fitted(name).evaluate(x)[0]
    assert not res.flags[np.isnan(x)].any()             # exact: missing samples are never flagged
    for a, b in res.intervals[["start_index", "end_index"]].to_numpy():
        assert not np.isnan(x[a:b + 1]).any()


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_scores(name, fitted):
    x = _series()
    p1 = fitted(name)
    p2 = make(name, seed=0, epochs=2).fit(x)
    s1 = p1.evaluate(x)[0].scores
    s2 = p2.evaluate(x)[0].scores
    np.testing.assert_array_equal(s1, s2)               # exact: seeded training and inference


@pytest.mark.parametrize("name", NAMES)
def test_workload_is_a_valid_ir_table(name, fitted):
    wl = fitted(name).workload()
    ir.validate(wl)
    assert len(wl) >= 1


@pytest.mark.parametrize("name", NAMES)
def test_too_short_series_fails_before_training(name):
    p = make(name, seed=0, epochs=2)
    n = p.min_length - 1
    with pytest.raises(ValueError, match="at least"):
        p.fit(_series()[:n])
    assert not p.fitted                                  # nothing was trained


@pytest.mark.parametrize("name", NAMES)
def test_export_round_trip_or_named_not_implemented(name, fitted):
    from fdir.runtime import from_arrays

    p = fitted(name)
    sc, det, _ = p.fitted[p.channels[0]]
    x = _series()
    try:
        spec, arrays = p.export()
    except NotImplementedError as exc:
        if det.family in str(exc):
            return                                      # the family has no runtime bundle
        # the default settings' SPOT and flat-line check run with forecast bundles only; the detector's own bundle
        # is checked under telemanom's settings (NDT, no limit checks)
        assert "forecast detectors only" in str(exc)
        p = make(name, seed=0, epochs=2, settings="telemanom").fit(x)
        sc, det, _ = p.fitted[p.channels[0]]
        spec, arrays = p.export()
    z = sc.transform(x[:, None])
    s = det.scores(z)
    rt = from_arrays(spec, arrays)
    if spec["detector"]["kind"] == "forecast":
        K = rt.n_heads
        got = np.full((K, T), np.nan)
        for t in range(T):
            r = rt.step(x[t:t + 1])
            got[:, t] = r.head_errors
        ok = np.isfinite(got).all(axis=0) & np.isfinite(s[:K]).all(axis=0)
        assert ok.sum() > 200
        if getattr(getattr(det, "trainer", None), "noise", False):
            # MTJ neurons: JAX draws the thermal noise, the numpy runtime does not (spiking_export doc), so the
            # errors agree in their course, not sample by sample: correlation >= 0.9
            assert np.corrcoef(got[0, ok], s[0, ok])[0, 1] >= 0.9
        else:
            # float32 forward pass of the same weights; int8 is compared with its own fixed-point graph
            np.testing.assert_allclose(got[:, ok], s[:K][:, ok], atol=2e-4, rtol=1e-3)
    else:
        W = int(spec["input"]["window"])
        n_win = 0
        for t in range(T):
            r = rt.step(x[t:t + 1])
            if r.window_done and r.valid:
                n_win += 1
                np.testing.assert_allclose(r.score, s[0, t], rtol=1e-3, atol=1e-5)   # float32 runtime
        assert n_win == T // W
