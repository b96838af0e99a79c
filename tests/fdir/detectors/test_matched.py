"""Dense forecasters sized to the spiking detector (fdir.detectors.matched) and their registry names."""

from __future__ import annotations

import math

import pytest

from fdir.detectors.matched import matched_config


def test_matched_forecasters_are_sized_to_the_spiking_detector():
    """The default spiking detector has 32 + 32 + 32² + 32 + 1 + 1 = 1,122 parameters (input, bias, recurrent,
    readout weights and bias, input-to-readout; counted by hand); the params-matched pair is within 5 % of it. The
    ops-matched pair's MACs per sample are within a factor 1.25 of 493 operations (the floor of reading the 250-sample
    window twice is ~500 MACs). Both are far smaller than the default pair."""
    from fdir.detectors.forecaster import ForecasterConfig

    p = matched_config("params")
    assert abs(p.n_params(1) / 1122 - 1) < 0.05
    o = matched_config("ops")
    assert abs(math.log(o.macs(1) / 493.0)) < math.log(1.25)
    big = ForecasterConfig()
    assert big.n_params(1) > 20 * p.n_params(1) and big.macs(1) > 100 * o.macs(1)
    assert (p.l_s, p.n_predictions, p.members, p.combine) == (big.l_s, big.n_predictions, big.members, big.combine)
    with pytest.raises(ValueError, match="by"):
        matched_config("energy")
    with pytest.raises(ValueError, match="target"):
        matched_config("params", target=float("nan"))


def test_matched_variants_are_registered():
    from fdir.detectors.forecast_detector import ForecasterDetector
    from fdir.registry import get, names

    for name, by in (("dense_params_matched", "params"), ("dense_ops_matched", "ops")):
        assert name in names()
        det = get(name)(seed=3, epochs=2)
        assert isinstance(det, ForecasterDetector)
        assert det.cfg.conv_channels == matched_config(by).conv_channels and det.cfg.seed == 3
