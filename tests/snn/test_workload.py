"""Workload accounting in the hwsim IR."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from hwsim import ir
from snn.model import SNN, Conv1d, Dense, Readout, apply, init_params
from snn.neurons import LIF, SignedLIF
from snn.workload import model_workload


def _model():
    spec = SNN(n_in=5, layers=(Conv1d(6, 3, SignedLIF(tau_m_s=5e-3)), Dense(8, LIF(reset="subtract"),
                                                                               recurrent=True, w_scale=3.0)),
               readout=Readout(3))
    params = init_params(jax.random.PRNGKey(0), spec)
    params["layers"][1]["w"] = params["layers"][1]["w"].at[0, :4].set(0.0)  # pruned synapses are not counted
    return spec, params


def test_model_workload_counts_events_and_synaptic_operations():
    spec, params = _model()
    x = np.random.default_rng(0).integers(-2, 3, (7, 30, 5))
    tab = model_workload(spec, params, x, batch_size=3).set_index("layer")
    out = apply(params, spec, jnp.asarray(x, jnp.float32))
    s0 = np.asarray(out.spikes[0])
    s1 = np.asarray(out.spikes[1])
    # input row: |count| events per sign, fan-out C_out * K (all taps non-zero)
    assert tab.loc["L0.w", "kind"] == "snn_conv"
    assert tab.loc["L0.w", "spikes_pos"] == pytest.approx(np.maximum(x, 0).sum() / 7)
    assert tab.loc["L0.w", "syn_ops"] == pytest.approx(np.abs(x).sum() / 7 * 6 * 3)
    # dense row: events of L0 x non-zero fan-out per presynaptic neuron
    fan = np.count_nonzero(np.asarray(params["layers"][1]["w"]), axis=1)
    ev = np.abs(s0).sum((0, 1)) / 7
    assert tab.loc["L1.w", "syn_ops"] == pytest.approx(float(ev @ fan), rel=1e-6)
    assert tab.loc["L1.w", "spikes_pos"] + tab.loc["L1.w", "spikes_neg"] == pytest.approx(ev.sum(), rel=1e-6)
    assert tab.loc["L1.w", "signed"] and tab.loc["L1.w", "density"] < 1
    assert tab.loc["L1.w_rec", "syn_ops"] == pytest.approx(np.abs(s1).sum() / 7 * 8, rel=1e-6)
    assert tab.loc["L1.neurons", "n_neurons"] == 8 and tab.loc["L1.neurons", "time_steps"] == 30
    assert tab.loc["readout.neurons", "n_neurons"] == 3
    ir.validate(tab.reset_index())
    np.testing.assert_allclose(ir.synaptic_ops(tab.reset_index())[:1], [tab.loc["L0.w", "syn_ops"]])


def test_analog_input_is_a_dense_row():
    spec = SNN(n_in=4, layers=(Dense(6, SignedLIF()),), readout=Readout(2))
    params = init_params(jax.random.PRNGKey(1), spec)
    tab = model_workload(spec, params, np.random.default_rng(0).normal(size=(3, 10, 4))).set_index("layer")
    assert tab.loc["L0.w", "kind"] == "linear" and tab.loc["L0.w", "M"] == 10
    assert ir.dense_macs(tab.reset_index())[0] == 10 * 4 * 6
    with pytest.raises(ValueError, match="n_in"):
        model_workload(spec, params, np.zeros((3, 10, 5)))
