"""Pooling per-channel IRs of the generic pipeline path: activity is the sample-weighted mean over channels."""

import numpy as np
import pytest

from fdir.protocols.telemanom import pooled_workload
from hwsim import ir


def _wl(syn_ops_a: float, spikes_b: float):
    return ir.make([
        ir.snn_dense("a", n_pre=10, n_post=5, time_steps=4, spike_rate=0.1, syn_ops=syn_ops_a),
        ir.snn_dense("b", n_pre=5, n_post=2, time_steps=4, spike_rate=0.1, spikes_pos=spikes_b, spikes_neg=0.0),
    ])


def test_activity_is_the_weighted_mean_and_structure_is_kept():
    out = pooled_workload([_wl(100.0, 8.0), _wl(400.0, 2.0)], [3.0, 1.0])
    # hand values: (3*100 + 1*400)/4 = 175; (3*8 + 1*2)/4 = 6.5
    assert out["syn_ops"].iloc[0] == pytest.approx(175.0, rel=1e-12)
    assert out["spikes_pos"].iloc[1] == pytest.approx(6.5, rel=1e-12)
    assert np.isnan(out["syn_ops"].iloc[1])            # never measured on any channel: stays NaN
    assert out["N"].tolist() == [5, 2] and ir.parameter_count(out) == ir.parameter_count(_wl(0.0, 0.0))


def test_one_channel_is_unchanged():
    wl = _wl(50.0, 3.0)
    out = pooled_workload([wl], [7.0])
    assert out.equals(wl)


@pytest.mark.parametrize("weights", [[], [1.0, 2.0], [-1.0], [np.nan], [0.0]])
def test_bad_weights_raise(weights):
    with pytest.raises(ValueError, match="weights"):
        pooled_workload([_wl(1.0, 1.0)], weights)
