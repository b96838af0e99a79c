"""Sweepable experiments: flat scalar results, clear errors for bad parameters."""

import pytest

from snn import experiments


def _flat(d):
    return isinstance(d, dict) and all(isinstance(v, int | float | str) for v in d.values())


def test_cuba_statistics_small():
    r = experiments.cuba_statistics(N=400, p_connect=0.2, we_mV=0.162, wi_mV=-0.9, duration_s=0.2, seed=1)
    assert _flat(r) and r["n_spikes"] > 0 and r["syn_ops"] > 0
    with pytest.raises(ValueError, match="p_connect"):
        experiments.cuba_statistics(p_connect=1.5)
    with pytest.raises(ValueError, match="wi_mV"):
        experiments.cuba_statistics(wi_mV=1.0)


def test_signed_activity_small():
    r = experiments.signed_activity(n=200, duration_s=0.2, seed=2)
    assert _flat(r) and r["pos_rate_Hz"] > 0 and r["neg_rate_Hz"] > 0
    with pytest.raises(ValueError, match="theta_neg"):
        experiments.signed_activity(theta_neg=0.0)


def test_digits_training_small():
    r = experiments.digits_training(neuron="signed", time_steps=4, hidden=32, epochs=2, seed=0)
    assert _flat(r) and 0.5 < r["accuracy"] <= 1.0 and r["syn_ops"] > 0 and r["spikes_neg"] > 0
    with pytest.raises(ValueError, match="neuron"):
        experiments.digits_training(neuron="izhikevich")
    with pytest.raises(ValueError, match="time_steps"):
        experiments.digits_training(time_steps=1)
