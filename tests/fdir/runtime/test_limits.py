"""The runtime's input differencing, range-exit and flat-line checks (fdir.runtime.transform, fdir.runtime.flatline)
against the offline pipeline (fdir.pipeline, fdir.transform, fdir.flatline), through Pipeline.export.

Reference: the offline Pipeline.evaluate on the same generated series (a peer implementation: vectorised two-pass
rolling standard deviation, forward-filled gaps, scaled units), and the generating process (where a stuck stretch
and a level jump are). The runtime streams one sample at a time (running variance, last valid value kept, bounds in
telemetry units), so its per-sample flags must equal the pipeline's; scores agree to float64 rounding (tolerances
stated per assertion). ±inf, which the pipeline rejects, is compared with the pipeline run on NaN at that sample
(the runtime marks both invalid, FORMAT.md "Invalid samples")."""

import json

import numpy as np
import pytest

from fdir.flatline import FACTOR
from fdir.pipeline import FLAT_LINE, RANGE_EXIT, Pipeline
from fdir.runtime import FormatError, from_arrays, load, read_bundle, save_bundle
from fdir.thresholders import NDTThresholder, thresholder_factory


def _stream(res, name):
    k = res.stream_names.index(name)
    return res.scores[k]


def _runtime(pipe, ch, tmp_path):
    spec, arrays = pipe.export(ch)
    json.dumps(spec, allow_nan=False)                  # strict JSON: no NaN in the document
    folder = save_bundle(tmp_path / f"b{ch}", spec, arrays)
    return load(folder), read_bundle(folder)[0]


def test_flat_line_flags_equal_the_pipeline_with_gaps_and_inf(tmp_path, builders):
    """A sine (period 50) with N(0, 0.05²) noise, 2,000 training samples (no two consecutive values equal: longest
    hold H = 1), w = 20, so the hold limit L = max(20, 2·1) = 20. Test series of 3,000 samples: a value stuck at
    1.7 over [1200, 1400), NaN at 500-504 and 1300, +inf at 1350 (NaN in the pipeline's copy). The bundle declares
    version 4 and the limit; the runtime's flat-line flags equal the pipeline's FLAT_LINE flags sample for sample
    and its score h_t/L equals the pipeline's exactly (both integer counts over L). Known answer from the generating
    process: a hold is flagged from its 21st sample, and each invalid sample starts the count again, so
    [1220, 1300), [1321, 1350) and [1371, 1400) are flagged and nothing else."""
    Persistence = builders["persistence_detector"]
    rng = np.random.default_rng(0)
    T, w = 5000, 20
    x = 28.0 + np.sin(2 * np.pi * np.arange(T) / 50) + 0.05 * rng.standard_normal(T)
    test = x[2000:].copy()
    test[1200:1400] = 1.7
    test[500:505] = np.nan
    test[1300] = np.nan
    ref = test.copy()
    test[1350] = np.inf
    ref[1350] = np.nan
    # SPOT without grouping (version 3) keeps the bundle at the flat line's version 4 (the default SPOT-or-NDT
    # needs 5, and 7 with its grouping's quarantine)
    pipe = Pipeline(Persistence, thresholder_factory("spot", merge_gap=0), scaling="minmax",
                    flat_line=w).fit(x[:2000])
    res = pipe.evaluate(ref)[0]
    score_p = _stream(res, FLAT_LINE)
    flags_p = score_p > 1.0
    rt, spec = _runtime(pipe, "0", tmp_path)
    assert spec["version"] == 4
    assert spec["limits"]["flat_line"] == {"channel": 0, "limit": 20, "window": w, "longest_hold": 1,
                                           "factor": FACTOR, "source": "fdir.flatline"}
    out = rt.run_series(test[:, None])
    np.testing.assert_array_equal(out["limit_flags"], flags_p)
    np.testing.assert_array_equal(out["flatness"], score_p)
    assert not out["valid"][[500, 1300, 1350]].any() and out["valid"][1299]
    expect = np.zeros(test.size, bool)
    for u, v in ((1220, 1300), (1321, 1350), (1371, 1400)):
        expect[u:v] = True
    np.testing.assert_array_equal(out["limit_flags"], expect)
    np.testing.assert_array_equal(rt.run_series(test[:, None])["limit_flags"], expect)   # run_series resets state


def test_an_older_runtime_refuses_a_hold_length_flat_line(tmp_path, monkeypatch, builders):
    """The hold-length flat line declares version 4: a runtime that reads up to version 3 refuses it (FormatError
    naming the version) instead of looking for the rolling-deviation fields; labelled version 3 it is refused here."""

    x = np.sin(np.arange(800) / 5.0)
    spec, arrays = Pipeline(builders["persistence_detector"], NDTThresholder, flat_line=20).fit(x).export()
    folder = save_bundle(tmp_path / "b", spec, arrays)
    assert read_bundle(folder)[0]["version"] == 4
    builders["version_gate"](spec, folder, 4, monkeypatch)


def test_version_3_rolling_deviation_flat_line_is_still_read(tmp_path, builders):
    """A bundle written before version 4 holds the rolling-deviation flat line (window w, r_min, ratio k): the runtime
    still runs it. Reference: pandas' rolling standard deviation (ddof 0) of the raw values, f_t = clip(1 −
    r_t/r_min, 0, 1), flagged when f_t > 1 − k; NaN where a window holds a missing sample. Agreement within 1e-9
    absolute on f_t (running variance vs pandas' online update), flags equal."""
    import pandas as pd

    Persistence = builders["persistence_detector"]
    rng = np.random.default_rng(5)
    x = 3.0 + np.sin(np.arange(2600) / 6.0) + 0.1 * rng.standard_normal(2600)
    test = x[1000:].copy()
    test[700:820] = 2.5
    test[300] = np.nan
    spec, arrays = Pipeline(Persistence, NDTThresholder, flat_line=20).fit(x[:1000]).export()
    w, r_min, k = 20, 0.2, 0.5
    spec["limits"]["flat_line"] = {"channel": 0, "window": w, "r_min": r_min, "ratio": k}
    spec["version"] = 2
    rt = from_arrays(spec, arrays)
    out = rt.run_series(test[:, None])
    r = pd.Series(test).rolling(w).std(ddof=0).to_numpy()
    f = np.clip(1.0 - r / r_min, 0.0, 1.0)
    np.testing.assert_array_equal(np.isnan(out["flatness"]), np.isnan(f))
    ok = ~np.isnan(f)
    np.testing.assert_allclose(out["flatness"][ok], f[ok], rtol=0, atol=1e-9)
    np.testing.assert_array_equal(out["limit_flags"], np.nan_to_num(f) > 1 - k)
    assert out["limit_flags"][720:820].all()


def test_differenced_input_and_range_exit_equal_the_pipeline(tmp_path, builders):
    """Two channels, transform="auto", range_k = 6: channel 0 a random walk (step σ = 0.1; ADF/KPSS difference it),
    channel 1 a sine with noise (kept). Test part: a jump of +3 at sample 1500 on the walk and a level of 4.0 on
    the sine over [2200, 2230), NaN at 800-802 and +inf at 1200 on both (NaN in the pipeline's copy).
    Per channel, the runtime's range-exit flags equal the pipeline's RANGE_EXIT flags and its distance agrees within
    1e-9 relative (float64 rounding of the bounds converted to telemetry units); its forecast errors (the stub
    persistence forecaster on the transformed input, float32 in the runtime) equal the stub's offline scores within
    1e-5 absolute + 1e-4 relative, including right after the gaps (forward fill then difference offline, last valid
    value kept online). Known answers: the jump is a range exit at 1500 only (one increment of 30 σ); the sine's
    level of 4.0 is one over [2200, 2230)."""
    Persistence = builders["persistence_detector"]
    rng = np.random.default_rng(1)
    T = 5000
    walk = 50 + np.cumsum(0.1 * rng.standard_normal(T))
    sine = np.sin(2 * np.pi * np.arange(T) / 40) + 0.05 * rng.standard_normal(T)
    x = np.stack([walk, sine], axis=1)
    test = x[2000:].copy()
    test[1500:, 0] += 3.0
    test[2200:2230, 1] = 4.0
    test[800:803] = np.nan
    ref = test.copy()
    test[1200] = np.inf
    ref[1200] = np.nan
    pipe = Pipeline(Persistence, NDTThresholder, scaling="minmax", transform="auto", range_k=6.0).fit(x[:2000])
    assert pipe.transforms["0"].difference.tolist() == [True] and pipe.transforms["1"].difference.tolist() == [False]
    for ch, res in zip(("0", "1"), pipe.evaluate(ref), strict=True):
        j = int(ch)
        r_p = _stream(res, RANGE_EXIT)
        flags_p = (r_p > 6.0) & ~np.isnan(ref[:, j])
        rt, spec = _runtime(pipe, ch, tmp_path)
        assert spec["input"].get("difference") == ([True] if j == 0 else None)
        assert spec["version"] == 4                   # the hold-length flat line (the default) needs 4 (FORMAT.md)
        out = rt.run_series(test[:, [j]])
        np.testing.assert_array_equal(out["limit_flags"], flags_p)
        ok = out["valid"]
        np.testing.assert_array_equal(ok, ~np.isnan(ref[:, j]))
        np.testing.assert_allclose(out["range_exit"][ok], r_p[ok], rtol=1e-9, atol=1e-12)
        e_p = res.scores[0, rt.t0:]
        e_r = out["errors"]
        both = np.isfinite(e_p) & np.isfinite(e_r)
        assert both.sum() > 2900
        np.testing.assert_allclose(e_r[both], e_p[both], rtol=1e-4, atol=1e-5)
        for t in (803, 1201):                          # first valid samples after the gaps: the same errors
            assert np.isfinite(e_r[t - rt.t0]) and abs(e_r[t - rt.t0] - e_p[t - rt.t0]) < 1e-5
        if j == 0:
            assert np.flatnonzero(flags_p).tolist() == [1500]
        else:
            assert np.flatnonzero(flags_p).tolist() == list(range(2200, 2230))


def test_a_differenced_channel_continues_from_its_last_valid_value(builders):
    """Runtime rule (fdir.runtime.transform): a differenced channel's increment is taken against the last valid raw
    value, the first increment is 0 and an invalid sample enters the window as the increment 0: with the identity
    standardisation the window of the persistence graph holds exactly these increments."""
    Persistence = builders["persistence_detector"]
    W = Persistence.window
    pipe = Pipeline(Persistence, scaling="none", transform="difference").fit(
        np.cumsum(np.random.default_rng(2).standard_normal(200)))
    rt = from_arrays(*pipe.export())
    seen = []
    for v in (5.0, 7.0, np.nan, np.inf, 6.5, 6.5, 10.0):
        r = rt.step(np.array([v]))
        seen.append((r.valid, float(rt.model._ring[(rt.model._pos - 1) % W, 0])))
    assert seen == [(True, 0.0), (True, 2.0), (False, 0.0), (False, 0.0), (True, -0.5), (True, 0.0), (True, 3.5)]


def test_export_refuses_what_the_runtime_cannot_run_and_bad_limits_raise(builders):
    """Thresholders other than SPOT and the default NDT are refused naming the reason; limit checks and SPOT with a
    reconstruction bundle are refused; malformed limit sections raise FormatError naming the field."""
    Persistence, Reconstruction = builders["persistence_detector"], builders["reconstruction_detector"]
    from fdir.spot import SPOTThresholder

    rng = np.random.default_rng(3)
    x = np.sin(np.arange(600) / 7.0) + 0.05 * rng.standard_normal(600)
    with pytest.raises(NotImplementedError, match="RelativeGuardNDT"):
        from fdir.ndt_guards import RelativeGuardNDT
        Pipeline(Persistence, RelativeGuardNDT).fit(x).export()
    with pytest.raises(NotImplementedError, match="forecast detectors only"):
        Pipeline(Reconstruction, NDTThresholder, flat_line=10).fit(x).export()
    with pytest.raises(NotImplementedError, match="SPOT with forecast detectors only"):
        Pipeline(Reconstruction, lambda: SPOTThresholder(q=1e-3), flat_line=None, transform="level").fit(x).export()
    Pipeline(Reconstruction, NDTThresholder, flat_line=None, transform="level").fit(x).export()   # as before
    spec, arrays = Pipeline(Persistence, flat_line=10, range_k=5.0).fit(x).export()
    from_arrays(spec, arrays)
    bad = [(lambda s: s["limits"]["flat_line"].update(limit=0), "limit"),
           (lambda s: s["limits"]["flat_line"].update(limit=2.5), "limit"),
           (lambda s: s["limits"]["flat_line"].pop("limit"), "version=4 cannot hold|r_min|window"),
           (lambda s: s["limits"]["range_exit"].update(noise=0.0), "noise"),
           (lambda s: s["limits"]["range_exit"].update(hi=float("inf")), "hi"),
           (lambda s: s["limits"]["range_exit"].update(channel=3), "channel"),
           (lambda s: s["limits"].update(spike={}), "limits"),
           (lambda s: s["input"].update(difference=[True, False]), "input.difference")]
    for mutate, match in bad:
        s = json.loads(json.dumps(spec))
        mutate(s)
        with pytest.raises(FormatError, match=match):
            from_arrays(s, arrays)


def test_trained_forecaster_bundle_with_differencing_and_limits_matches_the_pipeline():
    """The registry's dense_float forecaster (2 epochs, seed 0) in a pipeline with transform="auto", range_k = 6 and
    flat_line = 20 on a random walk (differenced) and a sine (kept): the exported bundle composes the differencing
    with the forecaster's own standardisation, so the runtime's first-step errors of the absolute member equal the
    pipeline's ``absolute.first_step`` stream within 1e-5 absolute (float32 graph; the errors are ~0.02-0.1), and
    its limit flags equal the pipeline's range-exit | flat-line flags on a test part with a jump of +3 on the walk
    (sample 900), the sine stuck at 0.3 over [1100, 1200) and NaN at 700-702."""
    from fdir.registry import make

    rng = np.random.default_rng(1)
    T = 3000
    x = np.stack([50 + np.cumsum(0.1 * rng.standard_normal(T)),
                  np.sin(2 * np.pi * np.arange(T) / 40) + 0.05 * rng.standard_normal(T)], axis=1)
    pipe = Pipeline(make("dense_float", seed=0, epochs=2).make_detector, transform="auto", range_k=6.0,
                    flat_line=20).fit(x[:1500])
    assert [pipe.transforms[c].difference.tolist() for c in pipe.channels] == [[True], [False]]
    test = x[1500:].copy()
    test[900:, 0] += 3.0
    test[1100:1200, 1] = 0.3
    test[700:703] = np.nan
    for ch, res in zip(pipe.channels, pipe.evaluate(test), strict=True):
        j = int(ch)
        rt = from_arrays(*pipe.export(ch))
        out = rt.run_series(test[:, [j]])
        e_p = _stream(res, "absolute.first_step")[rt.t0:]
        e_r = out["head_errors"][:, 0]
        both = np.isfinite(e_p) & np.isfinite(e_r)
        assert both.sum() > 1200
        np.testing.assert_allclose(e_r[both], e_p[both], rtol=0, atol=1e-5)
        flags_p = ((_stream(res, RANGE_EXIT) > 6.0) | (_stream(res, FLAT_LINE) > 1.0)) \
            & ~np.isnan(test[:, j])
        np.testing.assert_array_equal(out["limit_flags"], flags_p)
        assert flags_p[900 if j == 0 else 1150]


def test_mixed_differenced_and_level_columns_enter_the_window_as_offline(builders):
    """Joint layout (one detector reads both columns): a random walk (differenced by "auto") and a sine (kept). At
    every sample the runtime's newest window row equals the pipeline's model input, the scaled and transformed
    forward-filled series (fdir.pipeline, Gaps), within 1e-5 absolute (float32 standardisation of values of order
    1), NaN samples at 400-401 included."""
    Persistence = builders["persistence_detector"]
    W = Persistence.window
    from fdir.detectors.base import fill_gaps

    rng = np.random.default_rng(4)
    T = 1600
    x = np.stack([10 + np.cumsum(0.1 * rng.standard_normal(T)),
                  np.sin(np.arange(T) / 6.0) + 0.05 * rng.standard_normal(T)], axis=1)
    pipe = Pipeline(Persistence, scaling="minmax", per_channel=False, transform="auto").fit(x[:1000])
    ch = pipe.channels[0]
    assert pipe.transforms[ch].difference.tolist() == [True, False]
    test = x[1000:].copy()
    test[400:402] = np.nan
    sc, _, _ = pipe.fitted[ch]
    want = pipe.transforms[ch].apply(sc.transform(fill_gaps(test, "x")[0]))
    rt = from_arrays(*pipe.export(ch))
    for t in range(test.shape[0]):
        rt.step(test[t])
        row = rt.model._ring[(rt.model._pos - 1) % W]
        np.testing.assert_allclose(row, want[t], rtol=0, atol=1e-5, err_msg=f"sample {t}")


def test_version_2_keys_need_version_2_so_a_version_1_runtime_refuses_them():
    """A bundle with ``limits`` or ``input.difference`` must say version 2 (an older runtime, which accepts only 1,
    then refuses it instead of ignoring the keys); version 1 with them, a version newer than this runtime's
    (FORMAT_VERSION + 1) and a non-integer are refused (SPOT bundles need 3: tests/fdir/runtime/test_spot_runtime.py).
    """
    from fdir.runtime.bundle import FORMAT_VERSION, check_spec, required_version

    spec = {"format": "hwsim-embeddable-layers", "version": 1, "name": "p",
            "input": {"channels": 1, "window": 2, "shape": [1, 2], "layout": "channels x samples"},
            "layers": [], "detector": {"kind": "forecast"}}
    assert required_version(spec) == 1
    for key, value in (("limits", {"flat_line": {}}), ("input", {**spec["input"], "difference": [True]})):
        s = {**json.loads(json.dumps(spec)), key: value}
        assert required_version(s) == 2
        with pytest.raises(FormatError, match="need version 2"):
            check_spec(s)
    for bad in (FORMAT_VERSION + 1, 0, "1", True):
        with pytest.raises(FormatError, match="version"):
            check_spec({**spec, "version": bad})
