"""Numba and JAX engines agree with each other and with the step semantics of reference/snn.md section 2."""

import numpy as np
import pytest

from snn import engine_jax, engine_numba
from snn.network import Network, PoissonSource, Population, Projection, SpikeSource
from snn.neurons import LIF, SignedLIF


def _mixed_network(seed=0):
    """LIF with two channels and refractoriness, signed LIF with amplitude/value reset/refractoriness, signed
    explicit inputs with counts up to 3, per-synapse and uniform delays, recurrent connections."""
    rng = np.random.default_rng(seed)
    T = 400
    counts = rng.integers(-3, 4, (T, 5)) * (rng.random((T, 5)) < 0.05)
    src = SpikeSource.from_counts("in", counts)
    a = Population("a", 30, LIF(tau_m_s=10e-3, v_rest=0.0, v_th=1.0, v_reset=-0.2, t_ref_s=1.5e-3,
                                tau_syn_s=(2e-3, 5e-3), bias=0.3), v0=rng.uniform(0, 1, 30))
    b = Population("b", 20, SignedLIF(tau_m_s=8e-3, theta_pos=0.9, theta_neg=0.6, reset="value", v_reset_pos=0.1,
                                      v_reset_neg=-0.1, amplitude=0.7, t_ref_s=0.5e-3), v0=rng.uniform(-1, 1, 20))
    projs = (
        Projection.bernoulli("in_a", "in", "a", 5, 30, 0.5, lambda r, k: r.normal(1.0, 0.3, k), rng=rng, target=0),
        Projection.bernoulli("in_b", "in", "b", 5, 20, 0.5, lambda r, k: r.normal(0.0, 0.6, k), rng=rng),
        Projection.bernoulli("ab", "a", "b", 30, 20, 0.3, lambda r, k: r.normal(0.0, 0.5, k), rng=rng,
                             delay=lambda r, k: r.integers(0, 4, k)),
        Projection.bernoulli("ba", "b", "a", 20, 30, 0.3, lambda r, k: r.normal(0.0, 0.8, k), rng=rng, target=1),
        Projection.bernoulli("bb", "b", "b", 20, 20, 0.2, lambda r, k: r.normal(0.0, 0.4, k), rng=rng, delay=2),
    )
    return Network((a, b), projs, (src,), dt_s=1e-4), T


def _same(r1, r2):
    return (np.array_equal(r1.step, r2.step) and np.array_equal(r1.index, r2.index)
            and np.array_equal(r1.sign, r2.sign))


def test_numba_and_jax_engines_give_identical_events_float64():
    net, T = _mixed_network()
    rn = engine_numba.simulate(net, n_steps=T)
    rj = engine_jax.simulate(net, n_steps=T, capacity=4)  # forces the capacity to grow
    assert rn.step.size > 50 and np.any(rn.sign < 0)
    assert _same(rn, rj)
    assert rn.syn_ops == rj.syn_ops
    assert np.array_equal(rn.counts_pos, rj.counts_pos) and np.array_equal(rn.counts_neg, rj.counts_neg)
    np.testing.assert_allclose(rn.v, rj.v, rtol=0, atol=1e-12)


def test_float32_runs_are_close_to_float64_at_first():
    net, T = _mixed_network(1)
    r64 = engine_numba.simulate(net, n_steps=T, record={"a": {"v": [0, 1]}})
    r32 = engine_numba.simulate(net, n_steps=T, dtype=np.float32, record={"a": {"v": [0, 1]}})
    assert r32.monitors["a"]["v"].dtype == np.float32
    first = min(r64.step.size, r32.step.size, 20)
    assert np.array_equal(r64.step[:first], r32.step[:first])


def test_delays_and_conv_taps_arrive_on_time():
    src = SpikeSource("in", 2, [3, 10], [0, 1], [1, -2])
    pop = Population("p", 2, LIF(tau_m_s=1.0, v_th=100.0))
    K = np.zeros((2, 2, 3))
    K[0, 0, 0] = 1.0  # tap 0 of a 3-tap kernel: delay 2 steps
    K[1, 1, 2] = 0.5  # tap 2: delay 0
    net = Network((pop,), (Projection.conv1d("c", "in", "p", K),), (src,), dt_s=1e-3)
    for sim in (engine_numba.simulate, engine_jax.simulate):
        r = sim(net, n_steps=14) if sim is engine_jax.simulate else sim(net, n_steps=14, record={"p": {"v": [0, 1]}})
        if sim is engine_numba.simulate:
            v = r.monitors["p"]["v"]
            assert v[4, 0] == 0 and v[5, 0] == pytest.approx(1.0)  # event at 3, delay 2: lands at step 5
            assert v[9, 1] == 0 and v[10, 1] == pytest.approx(-1.0)  # count -2 times 0.5, no delay
        assert r.syn_ops["c"] == (1 + 2) * K.shape[0] * K.shape[2]  # events x stored synapses (C_out x taps)


def test_refractory_drops_input_onto_v_but_not_onto_channels():
    # neuron 0 spikes at step 0 (v0 above threshold), then receives an input at step 2 inside its refractory period
    pop = Population("p", 1, LIF(tau_m_s=1.0, v_th=1.0, v_reset=0.0, t_ref_s=1e-3, tau_syn_s=(1.0,)), v0=2.0)
    for target, expect in (("v", 0.0), (0, 0.25)):
        net = Network((pop,), (Projection.one_to_one("c", "in", "p", 1, 0.25, target=target),),
                      (SpikeSource("in", 1, [2], [0]),), dt_s=1e-4)
        r = engine_numba.simulate(net, n_steps=5, record={"p": {"v": [0], "g0": [0]}})
        assert r.step.tolist() == [0]
        got = r.monitors["p"]["v" if target == "v" else "g0"][2, 0]
        assert got == pytest.approx(expect, abs=1e-12)


def test_poisson_sources_fire_at_the_given_rate():
    net = Network((Population("p", 1, LIF()),), (), (PoissonSource("s", 200, np.linspace(0, 400, 200)),), dt_s=1e-4)
    r = engine_numba.simulate(net, 0.5, seed=3)
    pos, _ = r.counts("s")
    expected = np.sum(np.linspace(0, 400, 200)) * 0.5
    assert abs(pos - expected) < 4 * np.sqrt(expected)


def test_simulate_rejects_bad_arguments():
    net, _ = _mixed_network()
    with pytest.raises(ValueError, match="exactly one"):
        engine_numba.simulate(net)
    with pytest.raises(ValueError, match="dtype"):
        engine_numba.simulate(net, n_steps=2, dtype=np.int32)
    with pytest.raises(ValueError, match="variable"):
        engine_numba.simulate(net, n_steps=2, record={"a": {"w": [0]}})
    with pytest.raises(ValueError, match="capacity"):
        engine_jax.simulate(net, n_steps=2, capacity=0)
