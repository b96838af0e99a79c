"""Brian2 export: the exported network gives the same events in Brian2's numpy target (short runs; the 1 s
replays R1/R2 are validation cases)."""

import numpy as np
import pytest

from snn.brian2_interop import brian2_cuba, run_brian2
from snn.engine_numba import simulate
from snn.network import Network, Population, Projection, SpikeSource
from snn.neurons import LIF, MTJNeuron, SignedLIF


def _same(a, b):
    return np.array_equal(a.step, b.step) and np.array_equal(a.index, b.index) and np.array_equal(a.sign, b.sign)


def test_export_channels_value_reset_signed_counts_and_delays():
    rng = np.random.default_rng(2)
    T = 300
    counts = rng.integers(-2, 3, (T, 4)) * (rng.random((T, 4)) < 0.08)
    a = Population("a", 12, LIF(tau_m_s=10e-3, v_rest=-0.1, v_th=1.0, v_reset=0.0, t_ref_s=1e-3,
                                tau_syn_s=(3e-3, 6e-3), bias=0.4), v0=rng.uniform(0, 1, 12))
    b = Population("b", 10, SignedLIF(tau_m_s=8e-3, theta_pos=0.8, theta_neg=0.6, reset="zero", amplitude=0.5,
                                      t_ref_s=0.3e-3), v0=rng.uniform(-0.5, 0.5, 10))
    c = Population("c", 6, SignedLIF(tau_m_s=12e-3, reset="value", v_reset_pos=0.2, v_reset_neg=-0.3))
    net = Network((a, b, c), (
        Projection.bernoulli("ia", "in", "a", 4, 12, 0.6, lambda r, k: r.normal(1.0, 0.3, k), rng=rng, target=0),
        Projection.bernoulli("ib", "in", "b", 4, 10, 0.6, lambda r, k: r.normal(0, 0.7, k), rng=rng, delay=1),
        Projection.bernoulli("ab", "a", "b", 12, 10, 0.4, lambda r, k: r.normal(0, 0.6, k), rng=rng,
                             delay=lambda r, k: r.integers(0, 3, k)),
        Projection.bernoulli("ba", "b", "a", 10, 12, 0.4, lambda r, k: r.normal(0, 1.0, k), rng=rng, target=1,
                             delay=3),
        Projection.bernoulli("bc", "b", "c", 10, 6, 0.5, lambda r, k: r.normal(0, 1.5, k), rng=rng),
    ), (SpikeSource.from_counts("in", counts),), dt_s=1e-4)
    mine = simulate(net, n_steps=T)
    theirs = run_brian2(net, T * 1e-4).result
    assert mine.counts("b")[1] > 0 and mine.counts("c")[0] > 0 and mine.counts("a")[0] > 0
    assert _same(mine, theirs)


def test_export_mtj_neurons_reset_before_input():
    compact = pytest.importorskip("devices.compact")
    mtj = MTJNeuron.from_compact(compact.default_signed_mtj_neuron())
    rng = np.random.default_rng(0)
    counts = rng.integers(-3, 4, (200, 3))
    net = Network((Population("m", 8, mtj),), (
        Projection.dense("in", "in", "m", rng.normal(0, 1.5, (3, 8))),
        Projection.dense("rec", "m", "m", rng.normal(0, 0.5, (8, 8)), delay=1),
    ), (SpikeSource.from_counts("in", counts),), dt_s=mtj.dt_s)
    mine = simulate(net, n_steps=200, noise=False)
    theirs = run_brian2(net, 200 * mtj.dt_s, noise=False).result
    assert mine.step.size > 50 and _same(mine, theirs)


def test_brian2_cuba_given_network_equals_our_engine():
    from snn.cuba import cuba_network

    net = cuba_network(seed=5)
    exc = (net.projections[0].i, net.projections[0].j)
    inh = (net.projections[1].i, net.projections[1].j)
    v0 = net.populations[0].initial_v()
    b = brian2_cuba(duration_s=0.05, exc=exc, inh=inh, v0=v0)
    r = simulate(net, 0.05)
    assert np.array_equal(b["step"], r.step) and np.array_equal(b["index"], r.index)
    with pytest.raises(ValueError, match="target"):
        brian2_cuba(target="opencl")
    with pytest.raises(ValueError, match="target"):
        run_brian2(net, 0.01, target="cpp_standalone")
