"""Sweep experiments: flat dicts of scalars, named errors."""

import math

import pytest

from devices import experiments as E


def _flat(d):
    return all(isinstance(v, int | float | str) for v in d.values())


def test_stt_switching():
    d = E.stt_switching(J_over_Jc0=3.0, n_runs=64, pulse_s=3e-9, seed=1)
    assert _flat(d) and 0.0 <= d["p_switch"] <= 1.0 and d["Jc0_A_per_m2"] == pytest.approx(3.9e10, rel=1e-6)
    assert d["p_switch"] > 0.5 and d["energy_per_pulse_J"] > 0
    with pytest.raises(ValueError, match="pulse_s"):
        E.stt_switching(pulse_s=-1.0)


def test_signed_neuron_response():
    d = E.signed_neuron_response(sim_time_s=10e-9)
    assert _flat(d) and d["tau_s"] == pytest.approx(0.891e-9, rel=1e-3) and d["firing_rate_Hz"] > 0
    assert 1e-13 < d["energy_per_spike_J"] < 1e-10
    with pytest.raises(ValueError, match="lx_m < ly_m < lz_m"):
        E.signed_neuron_response(lx_m=50e-9)
    with pytest.raises(ValueError, match="alpha"):
        E.signed_neuron_response(alpha=0.0)


def test_neel_brown_escape():
    d = E.neel_brown_escape(sigma=2.0, n_runs=64, seed=3)
    assert _flat(d) and math.isfinite(d["tau_mean_s"]) and abs(d["rel_error"]) < 0.5
    with pytest.raises(ValueError, match="sigma"):
        E.neel_brown_escape(sigma=100.0)
