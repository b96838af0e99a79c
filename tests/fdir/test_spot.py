"""SPOT / DSPOT thresholder (fdir.spot): GPD fit against scipy, z_q against analytic tail quantiles, false-alarm
rate on nominal data, the multi-stream budget, DSPOT under drift, protocol and bad input."""

import numpy as np
import pytest
from scipy import stats

from fdir.detectors.base import Thresholder
from fdir.spot import SPOTThresholder, gpd_loglik, grimshaw, tail_quantile

N = 20000


@pytest.mark.parametrize("gamma", [-0.4, -0.1, 0.0, 0.2, 0.4])
def test_grimshaw_likelihood_not_below_scipy(gamma):
    """Peer: scipy.stats.genpareto.fit(floc=0) on the same peaks; Grimshaw's MLE must reach its log-likelihood
    (tolerance 1e-6 absolute)."""
    for seed in range(4):
        y = stats.genpareto.rvs(gamma, scale=3.0, size=150, random_state=np.random.default_rng(seed))
        c, _, s = stats.genpareto.fit(y, floc=0)
        fit = grimshaw(y)
        assert fit.loglik >= gpd_loglik(y, c, s) - 1e-6
        assert fit.loglik == pytest.approx(gpd_loglik(y, fit.gamma, fit.sigma))


def test_tail_quantile_formula_matches_scipy_isf():
    """z_q = t + genpareto.isf(q n/N_t, γ, 0, σ) (reference sheet §2), relative 1e-12."""
    from fdir.spot import GPDFit

    for g in (-0.3, 0.0, 0.25):
        fit = GPDFit(g, 1.7, 0.0)
        assert tail_quantile(2.0, fit, 1e-4, 5000, 100) == pytest.approx(
            2.0 + stats.genpareto.isf(1e-4 * 5000 / 100, g, 0, 1.7), rel=1e-12)


@pytest.mark.parametrize(("gamma", "sigma"), [(0.0, 1.0), (0.2, 2.0), (-0.2, 0.5)])
def test_threshold_matches_analytic_quantile(gamma, sigma):
    """i.i.d. GPD(γ, σ) scores (γ = 0: exponential): the fitted z_q is the (1 − q) quantile
    σ/γ·(q^(−γ) − 1) (exponential: −σ ln q) within 8 % (N = 20,000 calibration values, 400 peaks)."""
    q = 1e-3
    x = stats.genpareto.rvs(gamma, scale=sigma, size=N, random_state=np.random.default_rng(0))
    th = SPOTThresholder(q=q, shape="free").fit(x)
    want = -sigma * np.log(q) if gamma == 0 else sigma / gamma * (q ** -gamma - 1)
    assert th.thresholds[0] == pytest.approx(want, rel=0.08)
    if gamma >= 0:   # the default non-negative shape leaves an unbounded tail's fit unchanged
        assert SPOTThresholder(q=q).fit(x).thresholds[0] == pytest.approx(want, rel=0.08)


def test_nonnegative_shape_replaces_a_bounded_tail_by_the_exponential_mle():
    """Peaks from a bounded GPD (γ = −0.3): the free fit keeps γ < 0; the non-negative fit is the exponential MLE,
    γ = 0 and σ = mean of the peaks (closed form); the shape option is checked."""
    y = stats.genpareto.rvs(-0.3, scale=1.0, size=400, random_state=np.random.default_rng(2))
    assert grimshaw(y, "free").gamma < 0
    fit = grimshaw(y, "nonnegative")
    assert fit.gamma == 0.0 and fit.sigma == pytest.approx(y.mean(), rel=1e-12)
    with pytest.raises(ValueError, match="shape"):
        grimshaw(y, "negative")
    with pytest.raises(ValueError, match="shape"):
        SPOTThresholder(shape="bounded")


def test_false_alarm_rate_near_q_and_union_budget():
    """Nominal exponential scores over 20,000 samples (20 expected alarms at q, Poisson spread ±22 %): the
    calibrated z_q held fixed flags 0.5q-1.6q; the streaming rule, whose fit never sees values above z_q
    (module doc: about 1.5 q), flags 0.5q-2.5q; three independent streams at q/3 each keep the union in the
    same band (Bonferroni), where three streams at q each would give about 3q-4.5q."""
    q = 1e-3
    rng = np.random.default_rng(1)
    one = SPOTThresholder(q=q).fit(rng.exponential(size=N))
    y = rng.exponential(size=N)
    assert 0.5 * q <= (y > one.thresholds[0]).mean() <= 1.6 * q
    assert 0.5 * q <= one.flag(y).mean() <= 2.5 * q
    three = SPOTThresholder(q=q).fit(rng.exponential(size=(3, N)))
    union = three.flag(rng.exponential(size=(3, N))).mean()
    assert 0.5 * q <= union <= 2.5 * q
    assert three.thresholds == pytest.approx(np.full(3, -np.log(q / 3)), rel=0.08)


def test_spike_flagged_nan_skipped_and_calls_independent():
    rng = np.random.default_rng(2)
    th = SPOTThresholder(q=1e-4).fit(rng.exponential(size=5000))
    x = rng.exponential(size=3000)
    x[1000], x[2000] = 40.0, np.nan  # exp tail: P(X > 40) = e^-40
    r = th.evaluate(x)
    assert r.flags[1000] and not r.flags[2000]
    assert (1000, 1000) in r.intervals
    assert np.isnan(r.threshold[0, 2000]) and np.isfinite(r.threshold[0, 1999])
    assert np.array_equal(th.flag(x), r.flags)  # flag starts from the fitted state every call


def test_dspot_follows_drift():
    """Exponential noise on a linear drift of +10 over 3,000 test samples: SPOT's calibrated tail flags the
    drifted values (more than 50 q), DSPOT (depth 20) stays within 3 q and still flags a +30 spike."""
    q = 1e-3
    rng = np.random.default_rng(3)
    train = rng.exponential(size=N)
    test = rng.exponential(size=3000) + np.linspace(0, 10, 3000)
    test[2500] += 30
    # the paper's free shape: the non-negative default's streaming refits absorb part of the drift (1.5 % flagged)
    spot = SPOTThresholder(q=q, shape="free").fit(train).flag(test).mean()
    d = SPOTThresholder(q=q, depth=20).fit(train).flag(test)
    assert spot > 50 * q
    assert d[2500] and d.mean() <= 3 * q


def test_merge_gap_groups_nearby_flags():
    th = SPOTThresholder(q=1e-3).fit(np.zeros(200))
    x = np.zeros(400)
    x[[100, 150, 300]] = 1.0
    assert th.evaluate(x).intervals == [(100, 100), (150, 150), (300, 300)]
    grouped = SPOTThresholder(q=1e-3, merge_gap=100).fit(np.zeros(200)).evaluate(x)
    assert grouped.intervals == [(100, 150), (300, 300)] and grouped.flags[100:151].all()


def test_quarantine_keeps_the_threshold_through_an_anomaly():
    """With grouping g = 100 the errors in the g samples after an alarm are not learned (fdir.spot, Quarantine): after a
    spike at 300 followed by 80 errors of 0.9·z_q (inside (t, z_q], each one a peak for the paper's rule) the threshold
    stays exactly at its value at the spike for the values at indices 301-401 and moves again once index 401 is
    learned; with g = 0 (the paper's rule) the same errors join the tail and lift z_q by more than 20 % (exponential
    scores clipped below 0.7·z_q, 2,000 calibration values, q = 10⁻³). The first 300 samples are identical under
    both rules."""
    rng = np.random.default_rng(3)
    train = rng.exponential(1.0, (1, 2000))
    z0 = SPOTThresholder(q=1e-3).fit(train).thresholds[0]
    x = np.minimum(rng.exponential(1.0, (1, 600)), 0.7 * z0)     # no alarm but the spike
    x[0, 300] = 3 * z0
    x[0, 301:381] = 0.9 * z0
    quar = SPOTThresholder(q=1e-3, merge_gap=100).fit(train).evaluate(x)
    paper = SPOTThresholder(q=1e-3).fit(train).evaluate(x)
    np.testing.assert_array_equal(quar.threshold[0, :301], paper.threshold[0, :301])
    assert quar.flags[300] and paper.flags[300]
    # threshold[i] is the one x[i] meets: 301-400 are not learned, so it holds through 401; 401 is learned
    assert np.all(quar.threshold[0, 301:402] == quar.threshold[0, 300])
    assert quar.threshold[0, 402] != quar.threshold[0, 401]
    assert paper.threshold[0, 400] > 1.2 * paper.threshold[0, 300]


def test_constant_training_scores_degenerate_tail():
    th = SPOTThresholder(q=1e-3).fit(np.zeros(200))
    f = th.flag(np.r_[np.zeros(50), 1e-3, np.zeros(50)])
    assert f.sum() == 1 and f[50]


def test_protocol_and_bad_input():
    assert isinstance(SPOTThresholder(), Thresholder)
    for kw, name in [({"q": 0.05}, "q"), ({"q": float("nan")}, "q"), ({"q": 0.0}, "q"),
                     ({"level": 1.0}, "level"), ({"level": float("inf")}, "level"), ({"depth": -1}, "depth"),
                     ({"depth": 2.5}, "depth"), ({"merge_gap": -1}, "merge_gap")]:
        with pytest.raises(ValueError, match=name):
            SPOTThresholder(**kw)
    with pytest.raises(ValueError, match="fit"):
        SPOTThresholder().flag(np.ones(10))
    with pytest.raises(ValueError, match="train_scores"):
        SPOTThresholder().fit(np.ones(10))
    with pytest.raises(ValueError, match="train_scores"):
        SPOTThresholder().fit(np.r_[np.ones(100), np.inf])
    th = SPOTThresholder().fit(np.random.default_rng(0).exponential(size=(2, 500)))
    with pytest.raises(ValueError, match="streams"):
        th.flag(np.ones((3, 10)))
    with pytest.raises(ValueError, match="peaks"):
        grimshaw(np.array([1.0]))


def test_values_within_rounding_of_t_are_ties_not_peaks():
    """Discrete scores (exponential, mean 0.1, rounded to a 0.01 lattice; 1,000 calibration values, q = 10⁻³): the
    calibrated t is a lattice value and the peaks are exactly the calibration values on a higher lattice point. In a
    test stream where every 20th value equals t, the threshold path is the same whether those values are t exactly
    or t plus two units in the last place (float rounding of a repeated value): a tie is not a peak
    (fdir.runtime.spot, Ties). Under the rule without ties the near-zero excesses made the GPD likelihood unbounded and
    z_q reached 10²⁶; here it stays within 2 % of its calibrated value."""
    rng = np.random.default_rng(0)
    step = 0.01
    train = np.round(rng.exponential(0.1, 1000) / step) * step
    thr = SPOTThresholder(q=1e-3).fit(train[None])
    tail = thr.tails_[0]
    assert tail.n_peaks == int(np.sum(np.round(train / step) > round(tail.t / step)))
    test = np.round(rng.exponential(0.1, 400) / step) * step
    exact, ulp = test.copy(), test.copy()
    exact[::20] = tail.t
    ulp[::20] = np.nextafter(np.nextafter(tail.t, 1.0), 1.0)
    a, b = thr.evaluate(exact[None]).threshold[0], thr.evaluate(ulp[None]).threshold[0]
    np.testing.assert_array_equal(a, b)
    assert b.max() < 1.02 * tail.z
