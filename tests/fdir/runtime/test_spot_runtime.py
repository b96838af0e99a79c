"""The runtime's streaming SPOT (fdir.runtime.spot) against its peers: scipy (genpareto.fit, brentq, genpareto.isf)
for the GPD fit and the threshold, the offline thresholder (fdir.spot.SPOTThresholder, scipy's brentq) for the
streaming rule, grouping and several streams, and Pipeline.evaluate for an exported bundle run by ForecastRuntime.

Expected values come from those peers or from the generating process (where a spike is), never from the runtime
code; each assertion states its tolerance."""

import json

import numpy as np
import pytest
from scipy import optimize, stats

from fdir.pipeline import Pipeline
from fdir.runtime import FormatError, from_arrays, load, read_bundle, save_bundle
from fdir.runtime.export import spot_section
from fdir.runtime.spot import MAX_PEAKS, SHAPES, SPOTStreams, StreamingSPOT, brentq, grimshaw, tail_quantile
from fdir.spot import MAX_PEAKS as OFFLINE_MAX_PEAKS
from fdir.spot import SPOTThresholder


@pytest.mark.parametrize("gamma", [0.0, 0.2, 0.5])
def test_numpy_grimshaw_equals_the_scipy_fits(gamma):
    """GPD(γ, σ = 1.3) samples, N = 50, 200 and 500 (seeded): the numpy fit (shape "free") reaches the
    log-likelihood of scipy's ``genpareto.fit(floc=0)`` or a higher one (within 1e-6 nats: both are the MLE, scipy's
    optimiser stops a little short), with γ within 2e-3 and σ within 2e-3 relative of scipy's; and it equals
    fdir.spot.grimshaw (scipy's brentq on the same grids) within 1e-10 (relative, γ absolute) in every field."""
    from fdir.spot import grimshaw as grimshaw_scipy

    rng = np.random.default_rng(int(gamma * 10))
    for n in (50, 200, 500):
        y = stats.genpareto.rvs(gamma, scale=1.3, size=n, random_state=rng)
        g, s, ll = grimshaw(y, "free")
        c, _, sc = stats.genpareto.fit(y, floc=0)
        ll_scipy = float(stats.genpareto.logpdf(y, c, 0, sc).sum())
        assert ll >= ll_scipy - 1e-6, (n, ll, ll_scipy)
        assert abs(g - c) < 2e-3 and abs(s / sc - 1) < 2e-3, (n, g, c, s, sc)
        ref = grimshaw_scipy(y, "free")
        assert abs(g - ref.gamma) < 1e-10 and abs(s / ref.sigma - 1) < 1e-10 and abs(ll / ref.loglik - 1) < 1e-10
        g0, s0, _ = grimshaw(y, "nonnegative")
        ref0 = grimshaw_scipy(y, "nonnegative")
        assert g0 >= 0 and abs(g0 - ref0.gamma) < 1e-10 and abs(s0 / ref0.sigma - 1) < 1e-10


def test_brentq_and_tail_quantile_equal_scipy():
    """Brent's method: the root of x³ − 2 on [0, 3] is 2^(1/3) within 1e-12 and equals scipy.optimize.brentq within
    1e-14; the root of cos x − x equals scipy's within 1e-14. z_q = t + genpareto.isf(q n/N_t, γ, 0, σ) (scipy) within
    1e-12 relative, for γ in {0, 0.3, −0.2}."""
    assert abs(brentq(lambda x: x**3 - 2, 0.0, 3.0, xtol=1e-14) - 2 ** (1 / 3)) < 1e-12
    for f, a, b in ((lambda x: x**3 - 2, 0.0, 3.0), (lambda x: np.cos(x) - x, 0.0, 1.0)):
        assert abs(brentq(f, a, b, xtol=1e-14) - optimize.brentq(f, a, b, xtol=1e-14)) < 1e-14
    for g in (0.0, 0.3, -0.2):
        z = tail_quantile(2.0, g, 0.7, 1e-4, 5000, 100)
        assert abs(z / (2.0 + stats.genpareto.isf(1e-4 * 5000 / 100, g, 0, 0.7)) - 1) < 1e-12
    assert MAX_PEAKS == OFFLINE_MAX_PEAKS


def _scores(rng, S, T):
    """(S, T) exponential scores (a GPD tail with γ = 0) with a burst of 12 large values and two single spikes 40
    samples apart in every stream."""
    x = rng.exponential(1.0, (S, T))
    x[:, T // 2:T // 2 + 12] += 15.0
    x[:, T // 4] += 20.0
    x[:, T // 4 + 40] += 20.0
    return x


@pytest.mark.parametrize("depth,gap,seed", [(0, 0, 0), (0, 60, 1), (8, 60, 2)])
def test_streaming_streams_flag_what_the_offline_thresholder_flags(depth, gap, seed):
    """Three streams of exponential scores (2,000 calibration, 3,000 test values each, q = 10⁻³, level
    0.98): the runtime's SPOTStreams continuing from the offline fit's state (fdir.runtime.export.spot_section) gives
    the same flags as SPOTThresholder.evaluate, sample for sample, with the third stream fed 5 indices late (as the
    horizon-mean stream is) and grouping decided with the delay g; before every value, each stream's threshold (z_q
    plus the DSPOT mean, score units) equals the offline ``threshold`` within 1e-9 relative (float64 sums in another
    order for the DSPOT mean; SPOT: identical refits). Known answers: the burst and both spikes are flagged; with
    g = 60 the 39 samples between the spikes are flagged too."""
    rng = np.random.default_rng(seed)
    S, T = 3, 3000
    thr = SPOTThresholder(q=1e-3, depth=depth, merge_gap=gap).fit(rng.exponential(1.0, (S, 2000)))
    x = _scores(rng, S, T)
    off = thr.evaluate(x)
    want = off.flags
    seen = np.full((S, T), np.nan)
    section, arrays = spot_section(thr, S, 0)
    section = json.loads(json.dumps(section, allow_nan=False))        # strict JSON round trip
    run = SPOTStreams.from_section(section, arrays, S)
    got = np.zeros(T, bool)
    lag = 5
    for t in range(T + lag):
        for k, i in ((0, t), (1, t), (2, t - lag)):
            if 0 <= i < T:
                seen[k, i] = run.streams[k].threshold
                run.push(k, x[k, i])
        d = run.take_decided()
        if d is not None:
            assert d[1] <= t - lag + 1 - gap     # decided only once every stream gave it and g more followed
            got[d[0]:d[1]] = run.flags(*d)
    d = run.finish()
    if d is not None:
        got[d[0]:d[1]] = run.flags(*d)
    np.testing.assert_array_equal(got, want)
    assert run.last_hit == np.flatnonzero(want)[-1]      # an interval ends at a hit (no invalid samples here)
    assert got[T // 4] and got[T // 4 + 40] and got[T // 2:T // 2 + 12].all()
    assert got[T // 4 + 1:T // 4 + 40].all() == (gap >= 39)
    np.testing.assert_allclose(seen, off.threshold, rtol=1e-9, atol=0)


def test_invalid_values_are_never_flagged_and_leave_the_state_unchanged():
    """A stream at q = 10⁻³: NaN, +inf and −inf values return no alarm and leave n, N_t, the peaks and z_q exactly as
    they were; reset() restores the calibrated state after a run of values (peaks, n, z_q identical)."""
    rng = np.random.default_rng(5)
    thr = SPOTThresholder(q=1e-3).fit(rng.exponential(1.0, (1, 1000)))
    sec, arr = spot_section(thr, 1, 0)
    run = SPOTStreams.from_section(sec, arr, 1)
    s = run.streams[0]
    for v in rng.exponential(1.0, 200):
        s.step(v)
    before = (s.n, s.n_peaks, s.z, s.peaks.copy())
    for v in (np.nan, np.inf, -np.inf):
        assert s.step(v) is False
    assert (s.n, s.n_peaks, s.z) == before[:3] and np.array_equal(s.peaks, before[3])
    s.reset()
    assert (s.n, s.n_peaks, s.z) == (thr.tails_[0].n, thr.tails_[0].n_peaks, thr.tails_[0].z)
    np.testing.assert_array_equal(s.peaks, thr.tails_[0].peaks)


def test_quarantine_counts_invalid_indices_as_the_offline_rule_does():
    """One stream at q = 10⁻³, g = 30 (quarantine 30): alarms followed by NaN and by high errors inside and just past
    the quarantine; the runtime's threshold before every value equals the offline ``threshold`` (rtol 1e-12) and its
    alarms the offline hits, so the NaN indices count towards the quarantine in both (an index, valid or not, is one
    step). Known answer: the threshold is constant over the 30 indices after each alarm."""
    rng = np.random.default_rng(11)
    thr = SPOTThresholder(q=1e-3, merge_gap=30).fit(rng.exponential(1.0, (1, 1500)))
    z0 = thr.thresholds[0]
    x = rng.exponential(1.0, (1, 800))
    for a in (200, 500):
        x[0, a] = 2 * z0
        x[0, a + 1:a + 6] = np.nan
        x[0, a + 6:a + 40] = 0.8 * z0
    off = thr.evaluate(x)
    sec, arr = spot_section(thr, 1, 0)
    assert sec["quarantine"] == 30
    s = SPOTStreams.from_section(json.loads(json.dumps(sec)), arr, 1).streams[0]
    seen, hits = np.full(800, np.nan), np.zeros(800, bool)
    for i in range(800):
        seen[i] = s.threshold
        hits[i] = s.step(x[0, i])
    fin = np.isfinite(x[0])
    np.testing.assert_allclose(seen[fin], off.threshold[0, fin], rtol=1e-12, atol=0)
    np.testing.assert_array_equal(hits, np.isfinite(off.threshold[0]) & (x[0] > off.threshold[0]))
    for a in (200, 500):
        assert hits[a] and np.all(seen[a + 1:a + 31] == seen[a + 1])


def test_peaks_buffer_keeps_the_latest_max_peaks_in_arrival_order():
    """With more than MAX_PEAKS peaks, the runtime's peak view equals the offline list's last MAX_PEAKS values, in
    order (exactly): calibration on 6,000 values of a heavy tail (Pareto, shape 3) at level 0.9 leaves 599 peaks
    (the latest 500 kept), then 2,000 more values add about 200."""
    rng = np.random.default_rng(7)
    cal = rng.pareto(3.0, (1, 6000))
    thr = SPOTThresholder(q=1e-4, level=0.9).fit(cal)
    sec, arr = spot_section(thr, 1, 0)
    s = SPOTStreams.from_section(sec, arr, 1).streams[0]
    x = rng.pareto(3.0, 2000)
    kept = list(thr.tails_[0].peaks)
    assert len(kept) == MAX_PEAKS < thr.tails_[0].n_peaks
    for v in x:
        if not s.step(v) and v > s.t:
            kept.append(v - s.t)
    assert len(kept) > MAX_PEAKS + 100
    np.testing.assert_array_equal(s.peaks, np.asarray(kept[-MAX_PEAKS:]))


def _series(rng, T):
    return np.sin(2 * np.pi * np.arange(T) / 40) + 0.05 * rng.standard_normal(T)


def test_exported_stub_pipeline_flags_what_pipeline_evaluate_flags(tmp_path, builders):
    """The persistence stub (tests/fdir/runtime/test_limits.py) on a noisy sine, 2,000 training samples, SPOT at
    q = 10⁻³ (one channel, level input, no flat line) with (depth, g) in {(0, 0), (0, 100), (10, 100)}: the saved and
    reloaded bundle (version 3; 7 with g > 0, which adds the quarantine) run by ForecastRuntime flags exactly the
    samples Pipeline.evaluate flags, on a test part with spikes of +1 at 1000 and 1050, NaN at 1500-1502 and +inf at
    2000 (NaN in the pipeline's copy; the runtime marks both invalid). Known answers: both spikes are flagged, the
    invalid samples are not; with g = 100 the samples between the spikes are flagged too. Stepping 2,000 more samples
    (after a 300-sample warm-up) grows the traced memory by at most 32 KiB (buffers allocated at load)."""
    Persistence = builders["persistence_detector"]
    rng = np.random.default_rng(0)
    x = _series(rng, 5000)
    test = x[2000:].copy()
    test[[1000, 1050]] += 1.0
    test[1500:1503] = np.nan
    ref = test.copy()
    test[2000] = np.inf
    ref[2000] = np.nan
    for depth, gap in ((0, 0), (0, 100), (10, 100)):
        pipe = Pipeline(Persistence, lambda d=depth, g=gap: SPOTThresholder(q=1e-3, depth=d, merge_gap=g),
                        transform="level", budget="channel", flat_line=None).fit(x[:2000])
        want = pipe.evaluate(ref)[0].flags
        spec, arrays = pipe.export()
        th = spec["detector"]["threshold"]
        assert th["method"] == "spot" and th.get("quarantine", 0) == gap   # quarantine = g (fdir.spot, Quarantine)
        assert spec["version"] == (7 if gap else 3)
        json.dumps(spec, allow_nan=False)
        rt = load(save_bundle(tmp_path / f"b{depth}_{gap}", spec, arrays))
        out = rt.run_series(test[:, None])
        got = np.zeros(test.size, bool)
        got[rt.t0:] = out["flags"]
        np.testing.assert_array_equal(got, want)
        assert got[1000] and got[1050] and not got[1500:1503].any() and not got[2000]
        assert got[1001:1050].all() == (gap >= 49)
    builders["bounded_memory"](rt, test[:, None])   # streaming state is bounded: no growth over 2,000 more samples


def test_trained_forecaster_bundles_with_spot_flag_what_the_pipeline_flags():
    """The registry's dense_float forecaster and its int8 export (2 epochs, seed 0; three error streams: both
    members' first-step errors and the absolute member's horizon-mean error, h = 10) in a pipeline with SPOT at
    q = 10⁻³, g = 100, one budget per series: the exported bundle (float32, and the int8 one keeping the SPOT state
    beside its quantisation section) run by ForecastRuntime flags exactly the samples Pipeline.evaluate flags, on a
    noisy sine with spikes of +1.5 at 900 and +1.0 at 960, NaN at 700-702 and +inf at 1100 (NaN in the pipeline's
    copy). Known answer: the spike at 900 is flagged and no invalid sample is."""
    from fdir.registry import make

    rng = np.random.default_rng(1)
    x = _series(rng, 3000)
    test = x[1500:].copy()
    test[900] += 1.5
    test[960] += 1.0
    test[700:703] = np.nan
    ref = test.copy()
    test[1100] = np.inf
    ref[1100] = np.nan
    for name in ("dense_float", "int8"):
        pipe = Pipeline(make(name, seed=0, epochs=2).make_detector,
                        lambda: SPOTThresholder(q=1e-3, merge_gap=100), transform="level", budget="series",
                        flat_line=None).fit(x[:1500])
        res = pipe.evaluate(ref)[0]
        assert len(res.stream_names) == 3
        spec, arrays = pipe.export()
        assert (spec.get("quantization") is not None) == (name == "int8")
        assert len(spec["detector"]["threshold"]["tails"]) == 3
        rt = from_arrays(spec, arrays)
        assert rt.fixed_point == (name == "int8")
        out = rt.run_series(test[:, None])
        got = np.zeros(test.size, bool)
        got[rt.t0:] = out["flags"]
        np.testing.assert_array_equal(got, res.flags)
        assert got[900] and not got[[700, 701, 702, 1100]].any()


def _spot_bundle(builders):
    spec, arrays = Pipeline(builders["persistence_detector"], lambda: SPOTThresholder(q=1e-3), transform="level",
                            budget="channel", flat_line=None).fit(_series(np.random.default_rng(2), 800)).export()
    return spec, arrays


def test_fixed_point_export_keeps_the_spot_state(tmp_path, builders):
    """quantize_bundle (int8 weights, static activation scales from 200 nominal training windows) on an exported SPOT
    bundle keeps ``detector.threshold`` and the float64 SPOT arrays unchanged; the saved fixed-point bundle loads
    (fixed_point True, version 3) and flags the same samples as the float bundle on a noisy sine with a +1 spike,
    the spike among them (the int16 input step, 3e-5 of the calibrated range, moves nominal errors far less than the
    noise; the spike saturates at the calibrated range and still exceeds z_q)."""
    from fdir.runtime.export import quantize_bundle, standardized_windows

    spec, arrays = _spot_bundle(builders)
    x = _series(np.random.default_rng(2), 800)
    W = spec["input"]["window"]
    xw = np.lib.stride_tricks.sliding_window_view(x, W)[:200, None, :]
    qspec, qarr = quantize_bundle(spec, arrays, standardized_windows(spec, arrays, xw))
    assert qspec["detector"]["threshold"] == spec["detector"]["threshold"]
    for k in (k for k in arrays if k.startswith("spot.")):
        assert qarr[k].dtype == np.float64 and np.array_equal(qarr[k], arrays[k])
    rt = load(save_bundle(tmp_path / "q", qspec, qarr))
    assert rt.fixed_point and rt.spot is not None and read_bundle(tmp_path / "q")[0]["version"] == 3
    test = _series(np.random.default_rng(3), 1500)
    test[700] += 1.0
    q = rt.run_series(test[:, None])["flags"]
    f = from_arrays(spec, arrays).run_series(test[:, None])["flags"]
    np.testing.assert_array_equal(q, f)
    assert q[700 - rt.t0]


def test_an_older_runtime_refuses_a_spot_bundle(tmp_path, monkeypatch, builders):
    """A SPOT bundle declares version 3: a runtime that reads up to version 2 refuses it (FormatError naming the
    version) instead of running NDT with SPOT's fields; a SPOT bundle labelled version 2 is refused by this runtime
    (it needs version 3); an unknown threshold method is refused."""
    import fdir.runtime.bundle as bundle

    spec, arrays = _spot_bundle(builders)
    folder = save_bundle(tmp_path / "spot", spec, arrays)
    assert read_bundle(folder)[0]["version"] == 3
    builders["version_gate"](spec, folder, 3, monkeypatch)
    s = json.loads(json.dumps(spec))
    s["detector"]["threshold"]["method"] = "pot"
    with pytest.raises(FormatError, match="method"):
        bundle.check_spec(s)


def test_bad_spot_parameters_raise_naming_the_parameter(builders):
    """q outside (0, 1), NaN or inf parameters, bad peaks, shapes, gaps and malformed bundle sections raise
    ValueError (FormatError from a bundle) naming the parameter."""
    good = {"t": 1.0, "peaks": [0.5, 1.0, 2.0], "n_peaks": 3, "n": 100, "q": 1e-3, "gamma": 0.1, "sigma": 0.8,
            "z": 5.0}
    StreamingSPOT(**good)
    for key, bad in (("q", 0.0), ("q", 1.0), ("q", float("nan")), ("q", -1e-3), ("t", float("nan")),
                     ("z", float("inf")), ("sigma", float("nan")), ("sigma", -1.0), ("gamma", float("nan")),
                     ("peaks", [0.5, float("nan")]), ("peaks", [-1.0, 2.0]), ("n_peaks", 2), ("n", 1),
                     ("shape", "negative"), ("max_peaks", 1), ("quarantine", -1), ("quarantine", 10**5),
                     ("quarantine", 2.5)):
        with pytest.raises(ValueError, match=key):
            StreamingSPOT(**{**good, key: bad})
    with pytest.raises(ValueError, match="sigma"):
        StreamingSPOT(**{**good, "sigma": None})
    with pytest.raises(ValueError, match="merge_gap"):
        SPOTStreams([StreamingSPOT(**good)], merge_gap=-1)
    with pytest.raises(ValueError, match="shape"):
        grimshaw([1.0, 2.0], "negative")
    with pytest.raises(ValueError, match="peaks"):
        grimshaw([1.0, float("nan")])
    with pytest.raises(ValueError, match="same sign"):
        brentq(lambda x: x * x + 1, -1.0, 1.0, xtol=1e-12)
    assert SHAPES == ("nonnegative", "free")
    spec, arrays = _spot_bundle(builders)
    from_arrays(spec, arrays)
    for mutate, match in ((lambda th: th.update(q_stream=1.5), "q_stream"),
                          (lambda th: th.update(q_stream=None), "q_stream"),
                          (lambda th: th.update(merge_gap=-1), "merge_gap"),
                          (lambda th: th.update(quarantine=-1), "quarantine"),
                          (lambda th: th.update(quarantine=True), "quarantine"),
                          (lambda th: th.update(shape="free-ish"), "shape"),
                          (lambda th: th.update(tails=[]), "tails"),
                          (lambda th: th["tails"][0].update(peaks="missing"), "peaks"),
                          (lambda th: th["tails"][0].update(sigma=-1.0), "sigma"),
                          (lambda th: th.update(l_s=-3), "l_s")):
        s = json.loads(json.dumps(spec))
        mutate(s["detector"]["threshold"])
        with pytest.raises(FormatError, match=match):
            from_arrays(s, arrays)


def test_runtime_treats_a_value_within_rounding_of_t_as_a_tie():
    """The runtime's tie rule is the offline one (fdir.runtime.spot, Ties): discrete scores on a 0.01 lattice, every
    20th test value t plus two units in the last place; the runtime stream continuing from the offline fit meets,
    before every value, the threshold that the offline rule gives when those values are t exactly (within 1e-12
    relative: the same refits in the same order)."""
    rng = np.random.default_rng(0)
    step = 0.01
    thr = SPOTThresholder(q=1e-3).fit(np.round(rng.exponential(0.1, (1, 1000)) / step) * step)
    t = thr.tails_[0].t
    test = np.round(rng.exponential(0.1, 400) / step) * step
    exact, ulp = test.copy(), test.copy()
    exact[::20] = t
    ulp[::20] = np.nextafter(np.nextafter(t, 1.0), 1.0)
    want = thr.evaluate(exact[None]).threshold[0]
    section, arrays = spot_section(thr, 1, 0)
    stream = SPOTStreams.from_section(json.loads(json.dumps(section)), arrays, 1).streams[0]
    got = np.empty(test.size)
    for i, x in enumerate(ulp):
        got[i] = stream.threshold
        stream.step(x)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
