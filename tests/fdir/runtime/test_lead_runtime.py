"""The runtime's forecast lead 0 (``detector.lead`` = 0, format version 6: the forecast of sample t from the window
that ends with it, the target's own newest value masked) against its peer, the offline linear forecaster with
context columns (fdir.detectors.linear.LinearForecaster in Pipeline(per_channel="context")): the runtime reproduces
the offline errors and flags; bad lead sections are refused; an invalid context sample raises no alarm and leaves
the following errors as offline.

Expected values come from the offline pipeline (numpy float64 regressors, a different code path from the runtime's
float32 graph), never from the runtime alone; tolerances are stated."""

import json

import numpy as np
import pytest
from scipy.signal import lfilter

from fdir.detectors.linear import LinearForecaster
from fdir.ndt import num_to_ignore
from fdir.pipeline import Pipeline
from fdir.runtime import FormatError, from_arrays, load, save_bundle
from fdir.runtime.bundle import required_version


def _factor_series(T=3000, seed=0, brk=(2300, 2500)):
    """Three channels loading on one factor (sine + AR(1)), scales 1, -2 and 0.5, white noise; over ``brk`` channel
    0 follows the mirrored factor (a correlation break)."""
    rng = np.random.default_rng(seed)
    f = np.sin(2 * np.pi * np.arange(T) / 120) + lfilter([1.0], [1.0, -0.97], rng.normal(0, 0.05, T))
    x = np.column_stack([f, -2.0 * f, 0.5 * f]) + rng.normal(0, 0.03, (T, 3))
    x[brk[0]:brk[1], 0] = -f[brk[0]:brk[1]] + rng.normal(0, 0.03, brk[1] - brk[0])
    return x


def _pipe(train):
    return Pipeline(LinearForecaster, per_channel="context", flat_line=None).fit(train)


def test_lead0_runtime_equals_the_offline_context_forecaster(tmp_path, builders, monkeypatch):
    """Context pipeline on 3 channels (1,200 training samples): each channel's bundle declares version 7 (lead 0
    needs 6, the SPOT member's quarantine 7) with lead 0,
    names its column order (the watched channel first), round-trips through save_bundle (strict JSON), and
    ForecastRuntime (n_ignore = the offline first-window rule) gives the offline errors within 1e-5 (float32 graph
    against float64 regressors; errors of order 0.05-1) and exactly the offline flags. Known answer: channel 0's
    flags cover the correlation break; a runtime reading only up to version 6 refuses the bundle, and without the
    quarantine the lead alone needs version 6."""
    x = _factor_series()
    pipe = _pipe(x[:1200])
    res = pipe.evaluate(x)
    for j, ch in enumerate(pipe.channels):
        spec, arrays = pipe.export(ch)
        assert spec["version"] == 7 and spec["detector"]["lead"] == 0 and spec["input"]["channels"] == 3
        folder = save_bundle(tmp_path / ch, json.loads(json.dumps(spec, allow_nan=False)), arrays)
        rt = load(folder)
        cols = [j] + [k for k in range(3) if k != j]
        assert spec["input"]["columns"] == [str(k) for k in cols]     # the sample order the runtime expects
        out = rt.run_series(x[:, cols], n_ignore=num_to_ignore(x.shape[0] - rt.t0))
        p = pipe.fitted[ch][1].p
        assert rt.t0 == p                                  # the first error the offline forecaster scores
        np.testing.assert_allclose(out["errors"], res[j].scores[0, rt.t0:], atol=1e-5)
        np.testing.assert_array_equal(out["flags"], res[j].flags[rt.t0:])
        if j == 0:
            assert res[j].flags[2300:2500].mean() > 0.8
            builders["version_gate"](spec, folder, 7, monkeypatch)
            del spec["detector"]["threshold"]["spot"]["quarantine"]
            assert required_version(spec) == 6


def test_lead0_invalid_context_sample_is_marked_and_does_not_corrupt_state():
    """A NaN in a context channel at sample 1,500: that step is invalid and raises no alarm; from W samples later on
    (the NaN has left the window) the errors equal those of the clean series within 1e-6."""
    x = _factor_series()
    pipe = _pipe(x[:1200])
    spec, arrays = pipe.export(pipe.channels[0])
    clean = from_arrays(spec, arrays).run_series(x)
    bad = x.copy()
    bad[1500, 2] = np.nan
    rt = from_arrays(spec, arrays)
    out = rt.run_series(bad)
    assert not out["valid"][1500] and out["valid"][1499] and out["valid"][1501]
    assert not out["flags"][1500 - rt.t0]
    after = 1500 + rt.W - rt.t0
    np.testing.assert_allclose(out["errors"][after:], clean["errors"][after:], atol=1e-6)


@pytest.mark.parametrize("change, match", [
    (lambda s: s["detector"].update(lead=2), "lead"),
    (lambda s: s["detector"].update(lead=True), "lead"),
    (lambda s: s["detector"].update(residual_gain=1.0, residual=True), "lead=0"),
    (lambda s: s["detector"].update(horizon=2), "lead=0"),
])
def test_bad_lead_sections_are_refused(change, match):
    x = _factor_series()
    spec, arrays = _pipe(x[:1200]).export("0")
    spec = json.loads(json.dumps(spec))
    change(spec)
    with pytest.raises(FormatError, match=match):
        from_arrays(spec, arrays)
