"""CUBA network construction and spike statistics."""

import numpy as np
import pytest

from snn.cuba import CUBAParams, cuba_network, spike_statistics


def test_cuba_network_matches_the_example():
    net = cuba_network(seed=0)
    p = CUBAParams()
    ce, ci = net.projections
    assert ce.i.max() < 3200 and ci.i.min() >= 3200 and ce.target == 0 and ci.target == 1
    for proj, n_pre in ((ce, 3200), (ci, 800)):
        mean = n_pre * 4000 * 0.02
        assert abs(proj.n_synapses - mean) < 5 * np.sqrt(mean)
    v0 = net.populations[0].initial_v()
    assert v0.min() >= p.Vr_V and v0.max() < p.Vt_V
    assert np.all(ce.w == pytest.approx(1.62e-3)) and np.all(ci.w == pytest.approx(-9e-3))
    with pytest.raises(ValueError, match="NE"):
        CUBAParams(NE=0)


def test_spike_statistics_of_known_trains():
    dt = 1e-4
    # neuron 0 regular every 100 steps (CV 0), neuron 1 two spikes (left out of the CV), neuron 2 silent
    st = np.r_[np.arange(0, 10000, 100), [10, 5000]]
    ix = np.r_[np.zeros(100, int), [1, 1]]
    s = spike_statistics(st, ix, 3, 10000, dt)
    assert s["rate_Hz"] == pytest.approx(102 / 3)
    assert s["cv_isi"] == pytest.approx(0.0, abs=1e-12)
    assert s["silent_fraction"] == pytest.approx(1 / 3)
    # Poisson-like trains: CV close to 1
    rng = np.random.default_rng(0)
    st = np.concatenate([np.sort(rng.choice(100000, 300, replace=False)) for _ in range(50)])
    ix = np.repeat(np.arange(50), 300)
    assert spike_statistics(st, ix, 50, 100000, dt)["cv_isi"] == pytest.approx(1.0, abs=0.08)
