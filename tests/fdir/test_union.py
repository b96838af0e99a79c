"""SPOT or NDT (fdir.union.SPOTOrNDT): each member catches the anomaly the other misses, the union is the OR of the
two thresholders run on their own, SPOT's budget is shared and the NDT's is not, and bad parameters are refused.

Known answers from the generating process: errors |N(0, 1)|; a single error of 12 at sample 1500 (a point anomaly,
12 robust standard deviations; SPOT's z_q at q = 10⁻⁴ on |N(0, 1)| is about 3.9, so SPOT must flag it, while the
NDT's EWMA over 105 samples dilutes it to about 0.1 above its level); samples 3500-3799 held in [2.0, 2.6) (a
collective of 300 samples, below SPOT's initial threshold t, the 98 % quantile 2.33 of |N(0, 1)| plus sampling
error, and far below z_q, but 2.5 times the usual mean error, which NDT's smoothed errors and window threshold
catch)."""

import math

import numpy as np
import pytest

from fdir.ndt_guards import RelativeGuardNDT
from fdir.spot import SPOTThresholder
from fdir.thresholders import thresholder_factory
from fdir.union import MEMBERS, SPOTOrNDT


def _errors(seed):
    rng = np.random.default_rng(seed)
    train = np.abs(rng.normal(0, 1, 4000))
    test = np.abs(rng.normal(0, 1, 6000))
    test[1500] = 12.0
    test[3500:3800] = 2.0 + 0.3 * np.abs(rng.normal(0, 1, 300)).clip(max=1.999)
    return train[None], test[None]


@pytest.mark.parametrize("seed", range(3))
def test_each_member_catches_what_the_other_misses(seed):
    train, test = _errors(seed)
    res = SPOTOrNDT().fit(train).evaluate(test)
    spot = SPOTThresholder(1e-4, merge_gap=100).fit(train).evaluate(test).flags
    ndt = RelativeGuardNDT(3.0).fit(train).evaluate(test).flags
    assert np.array_equal(res.flags, spot | ndt)                   # the union of the two run on their own
    assert spot[1500] and not ndt[1500]                            # the point: SPOT only
    assert ndt[3500:3800].any() and not spot[3500:3800].any()      # the collective: NDT only
    by_member = dict(zip(res.intervals, res.interval_members, strict=True))
    point = [iv for iv in res.intervals if iv[0] <= 1500 <= iv[1]]
    shift = [iv for iv in res.intervals if iv[0] < 3800 and iv[1] >= 3500]
    assert len(point) == 1 and by_member[point[0]] == ("spot",)
    assert len(shift) == 1 and by_member[shift[0]] == ("ndt",)
    assert res.interval_streams[res.intervals.index(shift[0])] == (0,)
    assert res.smoothed.shape == res.threshold.shape == test.shape
    assert tuple(type(m).__name__ for m in res.members) == ("SPOTResult", "NDTThresholdResult")
    assert MEMBERS == ("spot", "ndt")


def test_share_splits_spot_risk_only():
    """budget="series" over D channels: SPOT runs at q/D (Bonferroni), the NDT has no risk and keeps k."""
    u = SPOTOrNDT(q=1e-3, merge_gap=50, k=4.0).share(4)
    assert (u.q, u.merge_gap, u.k) == (pytest.approx(2.5e-4, rel=1e-12), 50, 4.0)
    assert u.spot.tails_ is None and u.ndt.guard_ is None        # unfitted copy
    with pytest.raises(ValueError, match="k=0"):
        SPOTOrNDT().share(0)


def test_registry_entry():
    spec = thresholder_factory("spot_or_ndt")
    assert spec.parameters == {"q": 1e-4, "merge_gap": 100} and isinstance(spec(), SPOTOrNDT)
    assert spec().k == 3.0
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['depth'\]"):
        thresholder_factory("spot_or_ndt", depth=5)


@pytest.mark.parametrize(("kw", "match"), [
    ({"q": 0.0}, "q=0.0, accepted"), ({"q": math.nan}, "q=nan, accepted"), ({"q": 0.05}, "q=0.05, accepted"),
    ({"k": -1.0}, "k=-1.0, accepted"), ({"k": math.inf}, "k=inf, accepted"),
    ({"merge_gap": -1}, "merge_gap=-1, accepted"),
])
def test_bad_parameters(kw, match):
    with pytest.raises(ValueError, match=match):
        SPOTOrNDT(**kw)


def test_evaluate_before_fit_and_bad_scores():
    with pytest.raises(ValueError, match="fit"):
        SPOTOrNDT().evaluate(np.ones((1, 500)))
    train, test = _errors(0)
    u = SPOTOrNDT().fit(train)
    with pytest.raises(ValueError, match="streams"):
        u.evaluate(np.vstack([test, test]))
    with pytest.raises(ValueError):
        u.evaluate(np.where(np.arange(test.shape[1]) == 7, np.inf, test))
