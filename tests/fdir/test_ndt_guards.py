"""Scale-free NDT guard (fdir.ndt_guards): robust scale against analytic values, and flags that do not depend on
the units of the errors (where telemanom's absolute guard 0.05 vetoes a quiet channel)."""

import numpy as np
import pytest

from fdir.ndt_guards import RelativeGuardNDT, robust_scale
from fdir.thresholders import NDTThresholder


def test_robust_scale_normal_and_quantised_fallback():
    """N(0, σ²): 1.4826·MAD estimates σ (2 % at n = 10⁵). Errors 0 (90 %) or 1 (10 %): MAD = 0, fallback
    1.253314·mean|e − ē| = 1.253314·2p(1 − p) with p = 0.1 (exact)."""
    x = np.random.default_rng(0).normal(0, 2.5, 100_000)
    assert robust_scale(x) == pytest.approx(2.5, rel=0.02)
    e = np.r_[np.zeros(90), np.ones(10)]
    assert robust_scale(e) == pytest.approx(1.253314 * 2 * 0.1 * 0.9, rel=1e-6)
    assert robust_scale(np.full(5, 3.0)) == 0.0
    with pytest.raises(ValueError, match="finite"):
        robust_scale(np.array([np.nan]))


def _errors(seed):
    rng = np.random.default_rng(seed)
    train = np.abs(rng.normal(0, 1, 3000))
    test = np.abs(rng.normal(0, 1, 3000))
    test[2000:2030] += 8.0  # a 30-sample error burst
    return train[None], test[None]


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e3])
def test_flags_do_not_depend_on_error_units(scale):
    """The same errors in three units: the relative guard gives the flags of scale 1 and catches the burst;
    telemanom's absolute guard (0.05) flags nothing at scale 1e-3 (the veto issue 17 describes)."""
    train, test = _errors(1)
    ref = RelativeGuardNDT().fit(train).flag(test)
    got = RelativeGuardNDT().fit(train * scale).flag(test * scale)
    assert np.array_equal(got, ref) and got[2000:2030].any()
    absolute = NDTThresholder().fit(train * scale).flag(test * scale)
    if scale == 1e-3:
        assert not absolute.any()


def test_flags_do_not_depend_on_the_target_range():
    """telemanom's range guard needs an error above 5 % of the target's 5-95 % range: with a target spanning
    1,000 units (a sine of amplitude 500) the 8-unit burst of _errors is below it (0.05 · ~950 ≈ 47), so plain NDT
    flags nothing; the relative guard depends on the training errors only and flags the burst with the target or
    without it (same flags)."""
    train, test = _errors(1)
    target = 500.0 * np.sin(np.arange(test.shape[1]) / 30.0)
    assert not NDTThresholder().fit(train).flag(test, target).any()
    with_target = RelativeGuardNDT().fit(train).flag(test, target)
    assert with_target[2000:2030].any()
    assert np.array_equal(with_target, RelativeGuardNDT().fit(train).flag(test))


def test_bad_input():
    for k in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="k="):
            RelativeGuardNDT(k)
    with pytest.raises(ValueError, match="fit"):
        RelativeGuardNDT().flag(np.ones((1, 100)))
