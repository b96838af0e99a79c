"""Network IR: schema, builders, derived counts and clear errors for inconsistent rows."""

import math

import numpy as np
import pytest

from hwsim import ir


def test_linear_and_conv_rows_are_consistent():
    df = ir.make([
        ir.linear("fc", M=4, N=10, K=32, bias=True),
        ir.conv1d("c1", C=3, K_out=8, L_out=14, R=3),
        ir.conv2d("c2", C=3, K_out=32, P=112, Q=112, R=3, S=3, stride=2),
    ])
    assert list(df.columns) == list(ir.COLUMNS)
    macs = ir.dense_macs(df)
    assert macs[0] == 4 * 10 * 32
    assert macs[1] == 14 * 8 * 3 * 3
    assert macs[2] == 10_838_016  # MobileNet-v1 conv1 (Timeloop reference case V5a)
    assert ir.parameter_count(df) == 32 * 10 + 10 + 3 * 8 * 3 + 8 + 3 * 32 * 9 + 32


def test_synaptic_ops_prefers_measured_counts():
    df = ir.make([
        ir.snn_dense("a", n_pre=100, n_post=50, time_steps=10, spike_rate=0.1),
        ir.snn_dense("b", n_pre=100, n_post=50, time_steps=10, spike_rate=0.1, spikes_pos=30, spikes_neg=20,
                     signed=True),
        ir.snn_dense("c", n_pre=100, n_post=50, time_steps=10, spike_rate=0.1, syn_ops=7.0),
        ir.neuron_update("n", n_neurons=50, time_steps=10),
    ])
    np.testing.assert_allclose(ir.synaptic_ops(df), [0.1 * 100 * 10 * 50, 50 * 50, 7.0, 0.0])


@pytest.mark.parametrize(
    "row, field",
    [
        (dict(layer="x", kind="conv3d"), "kind"),
        (dict(layer="x", density=0.0), "density"),
        (dict(layer="x", w_bits=0), "w_bits"),
        (dict(layer="x", N=4, K=8, rank=5), "rank"),
        (dict(layer="x", kind="expert", n_experts=2, top_k=3), "top_k"),
        (dict(layer="x", spike_rate=math.inf), "spike_rate"),
        (dict(layer="x", kind="conv1d", M=10, N=4, K=9, C=3, K_out=4, P=10, Q=1, R=2, S=1), "K"),
    ],
)
def test_inconsistent_rows_name_the_field(row, field):
    with pytest.raises(ir.IRError, match=f"'{field}'"):
        ir.make([ir.op(**row)])


def test_unknown_field_is_rejected():
    with pytest.raises(ir.IRError, match="bogus"):
        ir.op(layer="x", bogus=1)


def test_describe_lists_every_column():
    assert list(ir.describe()["column"]) == list(ir.COLUMNS)
    assert len(ir.empty()) == 0
    ir.validate(ir.empty())


def test_embedding_rows_are_lookups_with_zero_macs_like_the_cost_model():
    df = ir.make([
        ir.linear("embed", M=7, N=64, K=1, kind="embedding", weight_elems=1000 * 64),
        ir.linear("fc", M=7, N=10, K=64),
    ])
    np.testing.assert_array_equal(ir.dense_macs(df), [0.0, 7 * 10 * 64])
