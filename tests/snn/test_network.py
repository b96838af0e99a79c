"""Network description: builders, validation of shapes and names, signed input sources."""

import numpy as np
import pytest

from snn.network import Network, PoissonSource, Population, Projection, SpikeSource
from snn.neurons import LIF, SignedLIF


def test_dense_and_conv_builders():
    W = np.arange(6.0).reshape(2, 3)
    d = Projection.dense("d", "a", "b", W)
    assert d.n_synapses == 6 and np.all(d.w == W[d.i, d.j])
    nz = Projection.dense("d", "a", "b", np.array([[0.0, 1.0], [2.0, 0.0]]), keep_zeros=False)
    assert nz.n_synapses == 2
    K = np.random.default_rng(0).normal(size=(4, 3, 5))
    c = Projection.conv1d("c", "a", "b", K, dilation=2)
    assert c.n_synapses == K.size
    # tap k acts on events (K - 1 - k) * dilation steps old
    for s in range(c.n_synapses):
        k = 4 - c.delay[s] // 2
        assert c.w[s] == K[c.j[s], c.i[s], k]


def test_bernoulli_connectivity_density():
    rng = np.random.default_rng(1)
    p = Projection.bernoulli("b", "a", "a", 400, 500, 0.05, 1.0, rng=rng)
    expected = 400 * 500 * 0.05
    assert abs(p.n_synapses - expected) < 5 * np.sqrt(expected * 0.95)
    with pytest.raises(ValueError, match="p="):
        Projection.bernoulli("b", "a", "a", 4, 5, 1.5, 1.0, rng=rng)


def test_spike_source_roundtrip_and_signs():
    counts = np.zeros((6, 3), np.int64)
    counts[1, 0], counts[4, 2], counts[4, 1] = 2, -3, 1
    s = SpikeSource.from_counts("in", counts)
    assert s.signed and np.array_equal(s.to_counts(6), counts)
    assert list(s.step) == [1, 4, 4] and list(s.index) == [0, 1, 2]
    t = SpikeSource.from_times("t", 2, [0.0, 0.3e-3], [1, 0], 1e-4, signs=[1, -1])
    assert list(t.step) == [0, 3] and list(t.count) == [1, -1]


@pytest.mark.parametrize("build, match", [
    (lambda: SpikeSource("s", 2, [0, 1], [0]), "shape"),
    (lambda: SpikeSource("s", 2, [0], [2]), r"\[0, 1\]"),
    (lambda: SpikeSource("s", 2, [0], [0], [0]), "non-zero"),
    (lambda: PoissonSource("p", 3, [1.0, 2.0]), "rate_Hz"),
    (lambda: PoissonSource("p", 3, -1.0), "rate_Hz"),
    (lambda: Projection("x", "a", "b", [0, 1], [0], 1.0), "equal length"),
    (lambda: Projection("x", "a", "b", [0], [0], 1.0, delay=-1), "delay"),
    (lambda: Projection("x", "a", "b", [0], [0], np.inf), "finite"),
    (lambda: Population("p", 0, LIF()), "n="),
    (lambda: Population("p", 3, LIF(), v0=np.zeros(2)), "v0"),
    (lambda: Population("p", 3, "lif"), "neuron"),
])
def test_bad_input_raises(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_network_checks_references():
    a = Population("a", 3, LIF(tau_syn_s=(5e-3,)))
    b = Population("b", 2, SignedLIF())
    ok = Projection.dense("ab", "a", "b", np.ones((3, 2)))
    net = Network((a, b), (ok,))
    assert net.n_neurons == 5 and net.offset("b") == 3
    with pytest.raises(ValueError, match="unknown pre"):
        Network((a, b), (Projection.dense("x", "c", "b", np.ones((3, 2))),))
    with pytest.raises(ValueError, match="accepted"):
        Network((a, b), (Projection.dense("x", "b", "a", np.ones((3, 3))),))
    with pytest.raises(ValueError, match="channel"):
        Network((a, b), (Projection.dense("x", "a", "b", np.ones((3, 2)), target=0),))
    with pytest.raises(ValueError, match="duplicate"):
        Network((a, Population("a", 1, LIF())))
    with pytest.raises(ValueError, match="dt_s"):
        Network((a,), dt_s=1e-2)
