"""Alarm latency of the runtime's SPOT or NDT (fdir.runtime.union, bundle ``"method": "spot_or_ndt"``): each member's
part of a flag is reported as soon as that member has decided it, so a SPOT alarm comes at the step the same SPOT
section alone (``"method": "spot"``) reports it, also before the NDT's first window; the NDT's additions come in
later, overlapping ranges whose flags are OR-ed in; a reported flag is never withdrawn.

Peers: SPOTStreams alone run from the same bundle section (the step at which it reports), the grouping rule of
fdir.runtime.spot (an index is decided g = merge_gap = 100 indices after it was scored: the known latency), and
Pipeline.evaluate for the final flags. Each assertion states its tolerance (all exact)."""

import numpy as np

from fdir.ndt import num_to_ignore
from fdir.pipeline import Pipeline
from fdir.runtime import from_arrays
from fdir.thresholders import thresholder_factory

G = 100                      # SPOT's grouping gap of fdir.union.SPOTOrNDT (telemanom's error_buffer): the latency
WINDOW = 70 * 30             # errors of the NDT's first threshold window (telemanom's batch_size x window_size)
EARLY, LATE = 400, 3000      # point anomalies: before the NDT's first window is decided (sample t0 + 2,100) / after
COLLECTIVE = (1200, 1500)    # a 300-sample level shift inside the first window: only the NDT catches it


def _setup(builders, seed=0, n_train=3000, n_test=3600):
    """The mean-forecaster stub (error |z_t|, W = l_s = 30) in a pipeline with thresholder_factory("spot_or_ndt")
    (q = 10⁻⁴, g = 100, k = 3), fitted on heavy-tailed nominal telemetry (5 + 0.1·Student t, 3 degrees of freedom);
    the test part (3,600 samples, so num_to_ignore gives the stream's own first-window rule 2·l_s) has +4 spikes at
    EARLY and LATE and a +0.4 level shift over COLLECTIVE. Returns (pipeline, test (T,), SPOT-or-NDT runtime, the
    same bundle with its SPOT member alone as the threshold section, version 3)."""
    rng = np.random.default_rng(seed)
    x = 5.0 + 0.1 * rng.standard_t(3, n_train + n_test)
    train, test = x[:n_train], x[n_train:].copy()
    test[[EARLY, LATE]] += 4.0
    test[COLLECTIVE[0]:COLLECTIVE[1]] += 0.4
    pipe = Pipeline(builders["mean_detector"], thresholder_factory("spot_or_ndt"), transform="level",
                    budget="channel", flat_line=None).fit(train)
    spec, arrays = pipe.export()
    union = from_arrays(spec, arrays)
    alone = dict(spec, version=3, detector=dict(spec["detector"], threshold=spec["detector"]["threshold"]["spot"]))
    spot = from_arrays(alone, arrays)
    assert union.union is not None and spot.spot is not None and spot.union is None
    assert union.union.spot.merge_gap == G and spot.spot.merge_gap == G
    n = test.size - union.t0
    assert union.ndt.n_ignore == num_to_ignore(n, union.ndt_params)   # the offline first-window rule, unchanged
    return pipe, test, union, spot


def _reports(rt, x):
    """Step ``rt`` through ``x`` (T,) and finish(): the reported ranges as (step t, a, b, flags (b − a,)), the step
    of finish() being T; and ``union.final`` after every step (T,) (SPOT alone: -1)."""
    rt.reset()
    out, final = [], np.full(x.size, -1)
    for t in range(x.size):
        r = rt.step(x[t:t + 1])
        if r.decided is not None:
            out.append((t, *r.decided, rt.flags(*r.decided).copy()))
        if rt.union is not None:
            final[t] = rt.union.final
    d = rt.finish()
    if d is not None:
        out.append((x.size, *d, rt.flags(*d).copy()))
    return out, final


def _first_flagged(reports, k):
    """The step at which error index ``k`` is first reported flagged (None: never)."""
    return next((t for t, a, b, f in reports if a <= k < b and f[k - a]), None)


def test_spot_alarm_is_reported_when_spot_alone_reports_it_at_start_and_in_steady_state(builders):
    """A +4 spike at sample EARLY = 400 (error index 370, before the NDT's first window of 2,100 errors is decided,
    when error 2,099 arrives at sample t0 + 2,099 = 2,129) and one at LATE = 3,000 (steady state): the union reports a
    range with the spike's index flagged at sample spike + g exactly (g = 100, the grouping rule's decision delay; no
    tolerance), the same step as the same SPOT section alone (version-3 bundle). The early spike's index becomes final
    (union.final, both members decided; the old report-when-final rule) only at sample 2,129, 1,729 samples later."""
    _, test, union, spot = _setup(builders)
    rep, final = _reports(union, test)
    rep_spot, _ = _reports(spot, test)
    t0 = union.t0
    for s in (EARLY, LATE):
        k = s - t0
        got, want = _first_flagged(rep, k), _first_flagged(rep_spot, k)
        assert want == s + G, f"SPOT alone reports the spike at {s} at step {want}"
        assert got == want, f"union reports the spike at {s} at step {got}, SPOT alone at {want}"
    assert int(np.argmax(final > EARLY - t0)) == t0 + WINDOW - 1


def test_reported_flags_are_never_withdrawn_and_their_or_is_the_offline_result(builders):
    """Every reported range (per step and at finish()): an index reported again keeps every flag seen before it;
    every flag ever seen set is set in the final flags; the OR of all reported ranges equals both the runtime's
    flags after finish() (ForecastRuntime.flags over all error indices) and Pipeline.evaluate's flags, sample for
    sample (no tolerance); and ranges do overlap (an NDT range re-reports indices SPOT reported first)."""
    pipe, test, union, _ = _setup(builders)
    rep, _ = _reports(union, test)
    n = test.size - union.t0
    seen = np.zeros(n, bool)
    overlaps = 0
    reported_end = 0
    for t, a, b, f in rep:
        assert not (seen[a:b] & ~f).any(), f"a flag was withdrawn at step {t}"
        overlaps += a < reported_end
        reported_end = max(reported_end, b)
        seen[a:b] |= f
    want = pipe.evaluate(test[:, None])[0].flags[union.t0:]
    np.testing.assert_array_equal(seen, want)
    np.testing.assert_array_equal(union.flags(0, n), seen)
    assert overlaps >= 1


def test_ndt_collective_is_added_in_a_later_range_with_the_offline_flags(builders):
    """A +0.4 level shift over COLLECTIVE (300 samples, inside the NDT's first window), which the offline union
    flags through its NDT member only (interval_members ("ndt",), SPOT flags none of it): every flagged index of it
    is first reported unflagged (SPOT's part, g = 100 samples after it) and gets its flag in a later range (the NDT's
    first window, decided when error 2,099 arrives at sample t0 + 2,099 = 2,129); its final flags equal
    Pipeline.evaluate's (no tolerance), at least 80 % of the shift flagged."""
    pipe, test, union, _ = _setup(builders)
    ch = pipe.channels[0]
    res = pipe.evaluate(test[:, None])[0]
    sc, det, thr = pipe.fitted[ch]
    z = pipe.transforms[ch].apply(sc.transform(test[:, None]))
    off = thr.evaluate(det.scores(z), z[:, 0])
    lo, hi = COLLECTIVE
    assert not off.members[0].flags[lo:hi].any()                      # SPOT's own result
    members = [m for (a, b), m in zip(off.intervals, off.interval_members, strict=True) if a < hi and b >= lo]
    assert members == [("ndt",)]
    rep, _ = _reports(union, test)
    t0 = union.t0
    flagged = np.flatnonzero(res.flags[lo:hi]) + lo
    assert flagged.size >= 0.8 * (hi - lo)
    for s in flagged:
        k = s - t0
        first = next(t for t, a, b, _ in rep if a <= k < b)
        assert first == s + G, f"sample {s} first reported at step {first}"
        assert _first_flagged(rep, k) == t0 + WINDOW - 1, f"sample {s} flagged at step {_first_flagged(rep, k)}"
    seen = np.zeros(test.size, bool)
    for _, a, b, f in rep:
        seen[a + t0:b + t0] |= f
    np.testing.assert_array_equal(seen[lo:hi], res.flags[lo:hi])
