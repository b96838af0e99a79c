"""fdir.transform and the pipeline's transform, range-exit and alarm-budget stages (issue 17): known answers.

Expected values come from the generating process (the random walk's step variance, the i.i.d. noise level) or from
probability (binomial/Poisson spread of false-alarm counts), never from the code under test."""

import warnings

import numpy as np
import pytest

from fdir.pipeline import RANGE_EXIT, Pipeline
from fdir.spot import SPOTThresholder
from fdir.transform import TRANSFORMS, fit_transform, is_nonstationary


def test_differencing_a_random_walk_gives_iid_increments_with_the_generating_variance():
    """x_t = Σ w_u, w ~ N(0, σ²), σ = 0.7, n = 20,000: the increments are the w_t. Their sample variance is σ² within
    5 % (sampling SE √(2/n) = 1 %, so 5 SE), their lag-1 autocorrelation is 0 within 4/√n; d_0 = 0 (module doc)."""
    sigma, n = 0.7, 20000
    w = np.random.default_rng(0).normal(0, sigma, n)
    x = np.cumsum(w)[:, None]
    tr = fit_transform(x, "difference")
    d = tr.apply(x)[:, 0]
    assert d[0] == 0.0
    np.testing.assert_allclose(d[1:], w[1:], rtol=0, atol=1e-9)     # exactly the generating increments
    assert abs(d[1:].var() / sigma**2 - 1) < 0.05
    r1 = np.corrcoef(d[1:-1], d[2:])[0, 1]
    assert abs(r1) < 4 / np.sqrt(n)


def test_stationarity_tests_difference_random_walks_and_keep_white_noise():
    """ADF + KPSS at 5 % (fdir.transform): random walks of 2,000 steps (seeds 0-9) are differenced unless ADF wrongly
    rejects the unit root (probability 0.05 per walk: at most 2 of 10 allowed, binomial P(> 2) = 1.2 %); i.i.d.
    noise is kept (both tests must err to difference it: at most 1 of 10 seeds allowed); a trend-free AR(1) with
    ρ = 0.5 is kept likewise; a constant column is kept untested."""
    rw = [is_nonstationary(np.cumsum(np.random.default_rng(s).standard_normal(2000)))[0] for s in range(10)]
    assert sum(rw) >= 8
    wn = [is_nonstationary(np.random.default_rng(100 + s).standard_normal(2000))[0] for s in range(10)]
    assert sum(wn) <= 1
    ar = []
    for s in range(10):
        e = np.random.default_rng(200 + s).standard_normal(2000)
        v = np.empty_like(e)
        v[0] = e[0]
        for t in range(1, e.size):
            v[t] = 0.5 * v[t - 1] + e[t]
        ar.append(is_nonstationary(v)[0])
    assert sum(ar) <= 1
    keep, p_adf, p_kpss = is_nonstationary(np.full(500, 3.0))
    assert not keep and np.isnan(p_adf) and np.isnan(p_kpss)
    z = np.column_stack([np.cumsum(np.random.default_rng(1).standard_normal(2000)),
                         np.random.default_rng(2).standard_normal(2000)])
    assert fit_transform(z, "auto").difference.tolist() == [True, False]
    assert fit_transform(z, "level").difference.tolist() == [False, False]


def test_two_valued_command_column_is_kept_untested():
    """A 0/1 command flag that switches on for good halfway (a step): statsmodels' ADF does not reject a unit root
    and KPSS rejects level stationarity on it (checked here, the pair's "difference" verdict), yet a two-state column
    is kept as it is without testing (module doc): (False, NaN, NaN), also as a command column beside a random walk."""
    from statsmodels.tsa.stattools import adfuller, kpss

    flag = np.r_[np.zeros(1000), np.ones(1000)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert adfuller(flag, regression="c", autolag="AIC")[1] > 0.05
        assert kpss(flag, regression="c", nlags="auto")[1] < 0.05
    keep, p_adf, p_kpss = is_nonstationary(flag)
    assert not keep and np.isnan(p_adf) and np.isnan(p_kpss)
    z = np.column_stack([np.cumsum(np.random.default_rng(1).standard_normal(2000)), flag])
    tr = fit_transform(z, "auto")
    assert tr.difference.tolist() == [True, False]
    assert np.isfinite(tr.adf_p[0]) and np.isnan(tr.adf_p[1]) and np.isnan(tr.kpss_p[1])


def test_range_exit_distance_in_noise_units_of_iid_training():
    """Training i.i.d. N(0, σ²), σ = 0.3, n = 20,000: the white-noise level σ̂ (von Neumann / MAD) is σ within 3 %
    (MAD SE about 1.1 % here); a test sample at hi + 2σ has distance 2 noise units (±3 %), one at hi − 1 has 0."""
    sigma = 0.3
    x = np.random.default_rng(5).normal(0, sigma, 20000)[:, None]
    tr = fit_transform(x, "level", range_k=3.0)
    assert abs(tr.noise / sigma - 1) < 0.03
    assert tr.lo == x.min() and tr.hi == x.max()
    r = tr.range_exit(np.array([tr.hi + 2 * sigma, tr.hi - 1.0, tr.lo - 5 * sigma]))
    np.testing.assert_allclose(r, [2.0, 0.0, 5.0], rtol=0.03)
    assert not fit_transform(x, "level").range_exit(np.array([100.0])).any()   # no range exit without k


def test_pipeline_range_exit_flags_a_stationary_signal_leaving_its_range(magnitude):
    """A stub detector that never alarms on its own (SPOT at q = 10⁻⁴ on |x| of N(0, 1) training data, test data
    0.5 N(0, 1)) and a 200-sample excursion to +8 (8 noise units above a training maximum near 4): with range_k = 3
    exactly the excursion's 200 samples are flagged (stream ``range_exit``), without range_k none of them needs
    the range-exit stream. The flat-line check is off: the excursion's 0.01 noise would also trip it, and this test
    is about the range-exit stage alone."""
    rng = np.random.default_rng(7)
    train = rng.standard_normal(5000)
    test = 0.5 * rng.standard_normal(3000)
    test[1000:1200] = 8.0 + 0.01 * rng.standard_normal(200)
    p = Pipeline(magnitude, lambda: SPOTThresholder(q=1e-4), scaling="none", range_k=3.0, flat_line=None).fit(train)
    res = p.evaluate(test)[0]
    assert res.stream_names[-1] == RANGE_EXIT and res.scores.shape == (2, 3000)
    flagged = np.flatnonzero(res.flags)
    assert set(range(1000, 1200)) <= set(flagged.tolist())
    rows = p.detect(test)
    hit = rows[(rows.start_index <= 1000) & (rows.end_index >= 1199)]
    assert len(hit) == 1 and RANGE_EXIT in hit.stream.iloc[0]


def test_series_budget_keeps_the_union_false_alarm_rate_of_one_stream(magnitude):
    """D = 4 independent i.i.d. N(0, 1) channels scored by |x| (one stream each), SPOT q = 2·10⁻³, 20,000 training
    and 20,000 test samples. budget="series" gives each channel q/4 (Bonferroni), so the union's alarm count is a
    single channel's count at q (measured in the same test) within Poisson spread (|Δ| <= 4 √(n₁ + n₂));
    budget="channel" gives about 4 times as many (same tolerance around 4 n₁). transform="level": the budget does
    not depend on the transform, and "auto" would only run ADF + KPSS on 20,000 i.i.d. samples per channel (a third
    of this test's time) to keep each channel as it is."""
    q, D, T = 2e-3, 4, 20000
    rng = np.random.default_rng(11)
    train, test = rng.standard_normal((T, D)), rng.standard_normal((T, D))
    one = Pipeline(magnitude, lambda: SPOTThresholder(q=q), scaling="none", transform="level").fit(train[:, :1])
    n1 = int(one.evaluate(test[:, :1])[0].flags.sum())
    assert n1 > 20                                               # enough alarms for the comparison to mean something

    def union(budget):
        p = Pipeline(magnitude, lambda: SPOTThresholder(q=q), scaling="none", transform="level", budget=budget)
        p.fit(train)
        return int(np.logical_or.reduce([r.flags for r in p.evaluate(test)]).sum())

    n_series, n_channel = union("series"), union("channel")
    assert abs(n_series - n1) <= 4 * np.sqrt(n_series + n1)
    assert abs(n_channel - D * n1) <= 4 * np.sqrt(n_channel + D * n1)
    assert n_channel > 2 * n_series


def test_differenced_pipeline_and_bad_options(magnitude):
    """A differenced pipeline's detector sees increments (the stub scores |Δx|: a level step of 5 in a random walk
    scores 5 ± noise at its onset only); bad transform, range_k and budget values raise naming the parameter
    (export of differencing, range exit and SPOT: tests/fdir/runtime/test_limits.py, test_spot_runtime.py)."""
    rng = np.random.default_rng(3)
    x = np.cumsum(0.1 * rng.standard_normal(4000))
    x[3000:] += 5.0
    p = Pipeline(magnitude, lambda: SPOTThresholder(q=1e-4), scaling="none", transform="difference").fit(x[:2000])
    assert p.transforms["0"].difference.tolist() == [True]
    res = p.evaluate(x)[0]
    assert abs(res.scores[0, 3000] - 5.0) < 0.5 and res.scores[0, 3001] < 0.5
    assert res.flags[3000]
    for kw, name in (({"transform": "log"}, "transform"), ({"range_k": float("nan")}, "range_k"),
                     ({"range_k": 0.0}, "range_k"), ({"range_k": float("inf")}, "range_k"),
                     ({"budget": "global"}, "budget")):
        with pytest.raises(ValueError, match=name):
            Pipeline(magnitude, **kw)
    with pytest.raises(ValueError, match="method"):
        fit_transform(np.zeros((10, 1)), "log")
    with pytest.raises(ValueError, match="z must"):
        fit_transform(np.array([[np.nan], [1.0]]))
    assert TRANSFORMS == ("level", "difference", "auto")
    with pytest.raises(ValueError, match="k="):
        SPOTThresholder().share(0)
