"""The runtime's SPOT or NDT (fdir.runtime.union, bundle ``"method": "spot_or_ndt"``, format version 5) against its
peers: the offline union (fdir.union.SPOTOrNDT through Pipeline.evaluate), the offline members on their own
(fdir.spot.SPOTThresholder.evaluate, fdir.thresholders.NDTThresholder.evaluate) and scipy's robust scale for the
exported guard.

Expected values come from those peers or from the injected anomalies (where they are), never from the runtime code
alone; each assertion states its tolerance."""

import json

import numpy as np
import pytest
from scipy import stats

from fdir.ndt import NDTParams, detect_any, num_to_ignore, runs
from fdir.pipeline import Pipeline
from fdir.runtime import FormatError, from_arrays, load, read_bundle, save_bundle
from fdir.runtime.export import spot_section
from fdir.runtime.ndt import StreamingNDT
from fdir.runtime.spot import SPOTStreams
from fdir.runtime.union import SPOTOrNDTStreams
from fdir.spot import SPOTThresholder
from fdir.thresholders import NDTThresholder, thresholder_factory

SPIKE, SHIFT = 1000, (2400, 2800)


def _data(seed=0, n_train=3000, n_test=3600):
    """Heavy-tailed nominal telemetry (5 + 0.1·Student t, 3 degrees of freedom: SPOT's tail is far out, the robust
    scale small) and a test part with a point anomaly (+4 at SPIKE) and a long moderate level shift (+0.4 over
    SHIFT)."""
    rng = np.random.default_rng(seed)
    x = 5.0 + 0.1 * rng.standard_t(3, n_train + n_test)
    test = x[n_train:].copy()
    test[SPIKE] += 4.0
    test[SHIFT[0]:SHIFT[1]] += 0.4
    return x[:n_train], test


def _pipeline(train, detector, **kw):
    kw = {"transform": "level", "budget": "channel", "flat_line": None, **kw}
    return Pipeline(detector, thresholder_factory("spot_or_ndt"), **kw).fit(train)


def _flags(rt, out, T):
    got = np.zeros(T, bool)
    got[rt.t0:] = out["flags"]
    return got


def test_runtime_flags_equal_pipeline_evaluate_and_the_bundle_round_trips(tmp_path, builders):
    """The mean-forecaster stub in a pipeline with thresholder_factory("spot_or_ndt") (q = 10⁻⁴, g = 100, k = 3;
    3,000 training samples, seed 0): the exported bundle declares version 5, is strict JSON, and survives
    save_bundle / read_bundle unchanged (the section equal as JSON, every array bit-equal); its ``spot`` member is
    spot_section's output for the union's SPOT. Run by ForecastRuntime from the saved folder (n_ignore =
    num_to_ignore(n_scored), the offline first-window rule) it flags exactly the samples Pipeline.evaluate flags
    (sample for sample, no tolerance). The offline union result has an interval only SPOT flags and one only the
    NDT flags; known answers: the spike at SPIKE is a SPOT-only interval, the level shift lies in an NDT-only
    interval that covers at least 80 % of it. Stepping 2,000 more samples (after a 300-sample warm-up) grows the
    traced memory by at most 32 KiB (buffers allocated at load)."""
    train, test = _data()
    pipe = _pipeline(train, builders["mean_detector"])
    want = pipe.evaluate(test[:, None])[0].flags
    ch = pipe.channels[0]
    sc, det, thr = pipe.fitted[ch]
    z = pipe.transforms[ch].apply(sc.transform(test[:, None]))
    off = thr.evaluate(det.scores(z), z[:, 0])
    np.testing.assert_array_equal(off.flags, want)
    members = dict(zip(off.intervals, off.interval_members, strict=True))
    assert members[(SPIKE, SPIKE)] == ("spot",)
    shift = [iv for iv, m in members.items() if m == ("ndt",) and iv[0] <= SHIFT[1] and iv[1] >= SHIFT[0]]
    assert len(shift) == 1 and min(shift[0][1], SHIFT[1] - 1) - max(shift[0][0], SHIFT[0]) + 1 >= 0.8 * 400

    spec, arrays = pipe.export()
    assert spec["version"] == 7   # the SPOT member's quarantine (g = 100)
    th = spec["detector"]["threshold"]
    assert th["method"] == "spot_or_ndt" and th["l_s"] == 30
    sp, sp_arrays = spot_section(thr.spot, 1, 30)
    assert th["spot"] == sp and all(np.array_equal(arrays[k], v) for k, v in sp_arrays.items())
    folder = save_bundle(tmp_path / "union", json.loads(json.dumps(spec, allow_nan=False)), arrays)
    spec2, arrays2 = read_bundle(folder)
    assert json.dumps(spec2, sort_keys=True) == json.dumps(spec, sort_keys=True)
    assert arrays2.keys() == arrays.keys() and all(np.array_equal(arrays2[k], arrays[k]) for k in arrays)
    rt = load(folder)
    assert rt.union is not None and rt.spot is None
    n_scored = test.size - rt.t0
    out = rt.run_series(test[:, None], n_ignore=num_to_ignore(n_scored, NDTParams(**th["ndt"])))
    got = _flags(rt, out, test.size)
    np.testing.assert_array_equal(got, want)
    assert got[SPIKE] and [(s, e) for s, e in out["sequences"] if s <= SPIKE <= e] == [(SPIKE, SPIKE)]

    builders["bounded_memory"](rt, test[:, None])   # streaming state is bounded: no growth over 2,000 more samples


def _stream(thr, p, x, lag, g):
    """Feed (S = 2, T) scores ``x`` to a fresh SPOTOrNDTStreams (SPOT state of ``thr``, one StreamingNDT(p) per
    stream, stream 1 ``lag`` indices late) and OR in every reported range as it comes. Checks the reporting contract
    at every step: a flag once reported is never withdrawn (a re-reported index keeps every flag seen), indices below
    ``final`` (both members decided) never change before finish(), and SPOT's part is reported by the step at which
    SPOTStreams alone (the same section) reports it. Returns (the streams, flags (T,), ``final`` before finish())."""
    S, T = x.shape
    sec, arr = spot_section(thr, S, 0)
    u = SPOTOrNDTStreams(SPOTStreams.from_section(sec, arr, S), [StreamingNDT(p) for _ in range(S)], lag=lag)
    alone = SPOTStreams.from_section(sec, arr, S)
    got, spot_got = np.zeros(T, bool), np.zeros(T, bool)
    final = 0
    for t in range(T + lag):
        for k, i in ((0, t), (1, t - lag)):
            if 0 <= i < T:
                u.push(k, x[k, i], 0.0)
                alone.push(k, x[k, i])
        d = u.take_decided()
        if d is not None:
            f = u.flags(*d)
            assert not (got[d[0]:d[1]] & ~f).any(), f"a flag was withdrawn at step {t}"
            stable = slice(d[0], max(d[0], min(final, d[1])))
            np.testing.assert_array_equal(f[:stable.stop - d[0]], got[stable])
            got[d[0]:d[1]] |= f
        final = u.final
        d = alone.take_decided()
        if d is not None:
            spot_got[d[0]:d[1]] = alone.flags(*d)
            assert u.n >= d[1] and not (spot_got[:d[1]] & ~got[:d[1]]).any(), f"SPOT's flags late at step {t}"
    return u, got, final


def test_streams_equal_the_offline_members_with_lag_and_single_value_runs():
    """SPOTOrNDTStreams fed directly (two streams of exponential scores with bursts, the second stream 3 indices
    late as a horizon-mean stream is; SPOT q = 10⁻³, g = 5; NDT with small windows, batch 20 x 10, error_buffer 1,
    no guards, so that its raw flags have runs of one value; 1,500 indices, seeds 0-5) flags exactly
    SPOTThresholder.evaluate OR NDTThresholder(params).evaluate (which drops the NDT's single-value runs), index for
    index, OR-ing in the reported ranges as they come and what finish() re-decides; at every step no reported flag is
    withdrawn, final indices do not change, and SPOT's flags are reported no later than SPOTStreams alone reports
    them (the contract, checked by _stream). Across the seeds at least one single-value run of
    the OR of the per-stream NDT flags (fdir.ndt.detect_any's members) lies outside SPOT's flags, so the look-ahead
    rule is exercised."""
    p = NDTParams(batch_size=20, window_size=10, error_buffer=1, l_s=0, min_abs_error=0.0, min_rel_scale=0.0,
                  smoothing_perc=0.02)
    S, T, lag, g = 2, 1500, 3, 5
    dropped = 0
    for seed in range(6):
        rng = np.random.default_rng(seed)
        thr = SPOTThresholder(q=1e-3, merge_gap=g).fit(rng.exponential(1.0, (S, 1000)))
        x = rng.exponential(1.0, (S, T))
        for c in rng.integers(0, T - 30, 6):
            x[:, c:c + rng.integers(1, 25)] += rng.uniform(1, 6)
        spot_flags = thr.evaluate(x).flags
        want = spot_flags | NDTThresholder(p).evaluate(x).flags
        raw = np.logical_or.reduce([m.flags for m in detect_any(x, np.zeros(T), p, offset=0).members])
        dropped += sum(1 for a, b in runs(raw) if a == b and not spot_flags[a])
        u, got, _ = _stream(thr, p, x, lag, g)
        d = u.finish()
        got[d[0]:d[1]] |= u.flags(*d)
        np.testing.assert_array_equal(got, want, err_msg=f"seed {seed}")
    assert dropped >= 1


def test_finish_redecides_what_the_last_ndt_window_adds():
    """End of a recording: a step of +2 to +8 in both streams from one index before the end of the last full NDT
    window (batch 20 x 10, error_buffer 8; T = 1,300-1,600, seeds 0, 5, 26, 34; otherwise as above). The NDT's last
    window, ending at the last index, widens its hits back into indices the union had already reported as final; the
    range finish() returns re-decides them, and the flags (OR-ed in) equal SPOTThresholder.evaluate OR
    NDTThresholder(params).evaluate index for index. In every seed finish() adds a flag to an index that was final
    before (the path is exercised)."""
    p = NDTParams(batch_size=20, window_size=10, error_buffer=8, l_s=0, min_abs_error=0.0, min_rel_scale=0.0,
                  smoothing_perc=0.02)
    S, lag, g = 2, 3, 5
    for seed in (0, 5, 26, 34):
        rng = np.random.default_rng(seed)
        T = int(rng.integers(1300, 1600))
        thr = SPOTThresholder(q=1e-3, merge_gap=g).fit(rng.exponential(1.0, (S, 1000)))
        x = rng.exponential(1.0, (S, T))
        last_window_end = T - (T - p.window_len) % p.batch_size
        x[:, last_window_end - 1:] += rng.uniform(2, 8)
        want = thr.evaluate(x).flags | NDTThresholder(p).evaluate(x).flags
        u, got, reported = _stream(thr, p, x, lag, g)
        before = got[:reported].copy()          # final flags before finish()
        d = u.finish()
        assert d[0] < reported and d[1] == T
        got[d[0]:d[1]] |= u.flags(*d)
        np.testing.assert_array_equal(got, want, err_msg=f"seed {seed}")
        assert (got[:reported] & ~before).any(), f"seed {seed}"


def _persistence_errors(z, t0):
    """(2, n) errors of the persistence forecaster with h = 3 (tests/fdir/runtime/conftest.py), from their
    definitions: first-step |z_t − z_{t−1}| and horizon-mean (1/3) Σ_j |z_{t−1} − z_{t+j}|, index k = sample t0 + k
    (NaN where the horizon passes the end)."""
    t = np.arange(t0, z.size)
    h = np.full(t.size, np.nan)
    ok = t + 2 <= z.size - 1
    h[ok] = np.mean([np.abs(z[t[ok] - 1] - z[t[ok] + j]) for j in range(3)], axis=0)
    return np.vstack([np.abs(z[t] - z[t - 1]), h])


def _horizon_bundles(builders):
    """The persistence bundle (W = 30, h = 3, a first-step and a horizon-mean stream) with a spot_or_ndt section from
    fdir.runtime.export.union_section of a SPOTOrNDT (q = 10⁻³, g = 20) fitted on the two streams' training errors
    (noisy sine, Student-t noise, seed 0), and the test part (a +1.5 spike at sample 900, a noise burst over
    2000-2399). Returns (the fitted SPOTOrNDT, its runtime, the runtime of the same bundle with the SPOT member alone
    as its threshold section (version 3), test (3000,), W)."""
    from fdir.runtime.export import union_section
    from fdir.union import SPOTOrNDT

    rng = np.random.default_rng(0)
    x = np.sin(2 * np.pi * np.arange(6000) / 50) + 0.05 * rng.standard_t(3, 6000)
    train, test = x[:3000], x[3000:].copy()
    test[900] += 1.5
    test[2000:2400] += 0.25 * rng.standard_normal(400)
    W = 30
    thr = SPOTOrNDT(q=1e-3, merge_gap=20).fit(_persistence_errors(train, W))
    spec, arrays = builders["forecaster"](W=W, D=1, horizon_stream=True)
    spec["detector"]["threshold"], tarr = union_section(thr, 2, W)
    spec["version"] = 5
    rt = from_arrays(spec, {**arrays, **tarr})
    assert rt.decision_lag == 2 and rt.t0 == W
    alone = dict(spec, version=3, detector=dict(spec["detector"], threshold=spec["detector"]["threshold"]["spot"]))
    return thr, rt, from_arrays(alone, {**arrays, **tarr}), test, W


def test_horizon_streams_through_the_forecast_runtime_equal_the_offline_union(builders):
    """ForecastRuntime with the persistence bundle (W = 30, h = 3, a first-step and a horizon-mean stream, which
    trails by h − 1 = 2 samples) and a spot_or_ndt section from fdir.runtime.export.union_section of a SPOTOrNDT
    (q = 10⁻³, g = 20) fitted on the two streams' training errors (noisy sine, Student-t noise, seed 0): on a test
    part with a +1.5 spike at sample 900 and a noise burst over 2000-2399, its flags equal SPOTOrNDT.evaluate on the
    errors computed from their definitions, index for index up to the last batch_size + error_buffer + h indices
    (there the offline NDT's last window ends h − 1 indices earlier, where the horizon errors stop). Known answers:
    the spike's first-step error (index 870) is flagged, in a SPOT-only interval; the NDT contributes an interval.
    With NaN at sample 1500 the run completes, that sample is invalid and unflagged, and exactly the three horizon
    errors whose horizon covers it (indices 1468-1470) are held (NaN)."""
    thr, rt, _, test, W = _horizon_bundles(builders)
    out = rt.run_series(test[:, None])
    off = thr.evaluate(_persistence_errors(test, W), test[W:])
    cut = off.flags.size - (rt.ndt_params.batch_size + rt.ndt_params.error_buffer + 3)
    np.testing.assert_array_equal(out["flags"][:cut], off.flags[:cut])
    members = dict(zip(off.intervals, off.interval_members, strict=True))
    assert out["flags"][870] and [m for iv, m in members.items() if iv[0] <= 870 <= iv[1]] == [("spot",)]
    assert any("ndt" in m for m in members.values())
    bad = test.copy()
    bad[1500] = np.nan
    out = rt.run_series(bad[:, None])
    assert np.flatnonzero(~out["valid"]).tolist() == [1500] and not out["flags"][1500 - W]
    np.testing.assert_array_equal(np.flatnonzero(np.isnan(out["horizon_errors"][:-2, 0])), [1468, 1469, 1470])


def test_horizon_streams_report_a_spot_alarm_when_spot_alone_does(builders):
    """The horizon bundles above, stepped sample by sample: the spike's first-step error (index 870, sample 900, before
    the NDT's first window of 2,100 errors) is first reported flagged at sample 900 + g + h − 1 = 922 (g = 20 after
    the slowest stream, the horizon-mean stream that trails by h − 1 = 2, has scored it; exact), the same step as the
    SPOT member alone (version-3 bundle of the same section); union.final is still 0 then."""
    _, rt, alone, test, W = _horizon_bundles(builders)
    steps, final = [], []
    for run in (rt, alone):
        run.reset()
        for t in range(test.size):
            d = run.step(test[t:t + 1]).decided
            if d is not None and d[0] <= 900 - W < d[1] and run.flags(*d)[900 - W - d[0]]:
                steps.append(t)
                final.append(None if run.union is None else run.union.final)
                break
    assert steps == [922, 922] and final == [0, None]


def test_series_budget_shares_spot_risk_and_the_guard_is_the_robust_scale(builders):
    """budget="series" with D = 3 channels (separate detectors with two error streams each, S = 2): each channel's
    section holds two tails at the per-stream SPOT risk q/(D·S) = 10⁻⁴/6 (within 1e-15 relative), and the bundle
    runs; its NDT parameters are telemanom's except min_abs_error = k·1.4826·MAD of that channel's calibration
    errors (scipy.stats.median_abs_deviation(scale="normal"), within 1e-9 relative), min_rel_scale = 0 and l_s = 30,
    the first scored sample; k = 3."""
    rng = np.random.default_rng(4)
    x = 5.0 + 0.1 * rng.standard_t(3, (3000, 3))
    pipe = _pipeline(x, builders["two_head_mean_detector"], budget="series")
    default = NDTParams()
    for ch in pipe.channels:
        spec, arrays = pipe.export(ch)
        th = spec["detector"]["threshold"]
        assert len(th["spot"]["tails"]) == 2 and th["spot"]["q_stream"] == pytest.approx(1e-4 / 6, rel=1e-15)
        assert len(from_arrays(spec, arrays).union.ndts) == 2
        cal = pipe.calibration[ch]
        mad = stats.median_abs_deviation(cal[np.isfinite(cal)], scale="normal")
        assert th["k"] == 3.0 and th["ndt"]["min_abs_error"] == pytest.approx(3 * mad, rel=1e-9)
        assert th["ndt"]["min_rel_scale"] == 0.0 and th["ndt"]["l_s"] == 30
        same = {k: v for k, v in th["ndt"].items() if k not in ("min_abs_error", "min_rel_scale", "l_s")}
        assert same == {k: getattr(default, k) for k in same}


def test_invalid_samples_are_never_flagged_and_leave_the_rest_unchanged(builders):
    """The bundle of the first test on the test series with NaN at SPIKE + 1 and 1600-1602, +inf at 1700 and −inf
    at 2650 (inside the level shift): the runtime completes, exactly those six samples are invalid and unflagged,
    and the flags equal the clean run's at every sample farther than the NDT's error_buffer (100 samples) from an
    invalid one (rule asserted: exact equality outside ±100 samples of each invalid sample; inside, held errors move
    the NDT's smoothed level and window statistics slightly). Known answers survive: the spike and most of the shift
    (>= 80 %) are still flagged."""
    train, test = _data()
    spec, arrays = _pipeline(train, builders["mean_detector"]).export()
    rt = from_arrays(spec, arrays)
    clean = _flags(rt, rt.run_series(test[:, None]), test.size)
    bad = test.copy()
    bad_idx = np.array([SPIKE + 1, 1600, 1601, 1602, 1700, 2650])
    bad[bad_idx[:4]] = np.nan
    bad[1700], bad[2650] = np.inf, -np.inf
    out = rt.run_series(bad[:, None])
    got = _flags(rt, out, test.size)
    np.testing.assert_array_equal(np.flatnonzero(~out["valid"]), bad_idx)
    assert not got[bad_idx].any()
    far = np.abs(np.arange(test.size)[:, None] - bad_idx[None]).min(axis=1) > 100
    np.testing.assert_array_equal(got[far], clean[far])
    assert got[SPIKE] and got[SHIFT[0]:SHIFT[1]].mean() >= 0.8


def test_version_5_is_refused_by_a_version_4_runtime_and_older_bundles_still_load(tmp_path, monkeypatch, builders):
    """A SPOT-or-NDT bundle without grouping (g = 0) declares version 5: a runtime that reads up to version 4 refuses
    it (FormatError naming the version) instead of running the NDT path with its fields; the same spec labelled
    version 4 is refused by this runtime (it needs version 5). With the default g = 100 the SPOT member's quarantine
    raises it to 7, refused by a version-6 runtime (which would learn the quarantined errors). Bundles of the older
    methods keep their versions and load: SPOT 3, telemanom NDT 1, NDT with the hold-length flat line 4 (each saved,
    loaded and run on 200 samples)."""
    from fdir.union import SPOTOrNDT

    train, _ = _data(n_train=1000)
    pipe = Pipeline(builders["mean_detector"], lambda: SPOTOrNDT(merge_gap=0), transform="level", budget="channel",
                    flat_line=None).fit(train)
    spec, arrays = pipe.export()
    assert "quarantine" not in spec["detector"]["threshold"]["spot"]
    builders["version_gate"](spec, save_bundle(tmp_path / "union", spec, arrays), 5, monkeypatch)
    spec, arrays = _pipeline(train, builders["mean_detector"]).export()
    assert spec["detector"]["threshold"]["spot"]["quarantine"] == 100
    builders["version_gate"](spec, save_bundle(tmp_path / "union7", spec, arrays), 7, monkeypatch)
    x = np.sin(2 * np.pi * np.arange(1000) / 40) + 0.05 * np.random.default_rng(1).standard_normal(1000)
    Persistence = builders["persistence_detector"]
    for name, thr, flat_line, version in (("spot", lambda: SPOTThresholder(q=1e-3), None, 3),
                                          ("ndt", NDTThresholder, None, 1), ("flat", NDTThresholder, 20, 4)):
        s, a = Pipeline(Persistence, thr, transform="level", budget="channel", flat_line=flat_line).fit(x).export()
        assert s["version"] == version
        rt = load(save_bundle(tmp_path / name, s, a))
        assert read_bundle(tmp_path / name)[0]["version"] == version
        assert rt.union is None and rt.run_series(x[:200, None])["valid"].all()


def test_malformed_sections_raise_naming_the_field(builders):
    """Out-of-range, missing or mistyped fields of a ``spot_or_ndt`` section raise FormatError naming the field."""
    train, _ = _data(n_train=1000)
    spec, arrays = _pipeline(train, builders["mean_detector"]).export()
    from_arrays(spec, arrays)
    for mutate, match in ((lambda th: th.update(l_s=-1), "l_s"),
                          (lambda th: th.update(k=float("nan")), "k"),
                          (lambda th: th.update(spot=None), "spot"),
                          (lambda th: th["spot"].update(method="ndt"), "spot"),
                          (lambda th: th["spot"].update(l_s=7), "spot.l_s"),
                          (lambda th: th["spot"].update(q_stream=2.0), "q_stream"),
                          (lambda th: th["spot"]["tails"][0].update(peaks="missing"), "peaks"),
                          (lambda th: th.update(ndt=[]), "ndt"),
                          (lambda th: th["ndt"].update(batch_size=7.5), "batch_size"),
                          (lambda th: th["ndt"].update(p=float("nan")), "p"),
                          (lambda th: th["ndt"].update(n_ignore=-2), "n_ignore"),
                          (lambda th: th["ndt"].update(bogus=1), "bogus")):
        s = json.loads(json.dumps(spec))
        mutate(s["detector"]["threshold"])
        with pytest.raises(FormatError, match=match):
            from_arrays(s, arrays)
