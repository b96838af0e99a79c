"""Compact signed LIF model: known-answer dynamics, the shipped fit (re-run and compared), light default loader."""

import json
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from devices.compact import (
    FIT_SETTINGS,
    SHIPPED_PATH,
    CompactSignedLIF,
    default_signed_mtj_neuron,
    fit_compact,
    simulate_compact,
)


def toy(**kw):
    base = dict(dt_s=1e-9, leak=0.5, tau_s=1e-9 / np.log(2), gain_per_A=1.0, theta_pos=0.9, theta_neg=0.9,
                reset="zero", noise_std=0.0, T_K=0.0, p_fire_I50_A=(0.5, 0.5), p_fire_width_A=(0.1, 0.1),
                I_scale_A=1.0, energy_per_spike_J=1e-12, fit_rms_u=0.0, fit_spike_count_rel_error=0.0,
                source="test")
    base.update(kw)
    return CompactSignedLIF(**base)


def test_lif_known_answer():
    # u_k = g I (1 − λ^k)/(1 − λ) = 0.5, 0.75, 0.875, 0.9375 > θ → spike at k = 4, then periodic
    u, s = simulate_compact(toy(), np.full(12, 0.5))
    assert np.allclose(u[:3], [0.5, 0.75, 0.875]) and u[3] == 0.0
    assert s.tolist() == [0, 0, 0, 1] * 3
    u, s = simulate_compact(toy(), np.full(4, -0.5))
    assert s.tolist() == [0, 0, 0, -1]
    u, s = simulate_compact(toy(reset="subtract"), np.full(4, 0.5))
    assert u[3] == pytest.approx(0.9375 - 0.9)
    u, s = simulate_compact(toy(), np.full((4, 3), 0.5))  # vectorised over neurons
    assert s.shape == (4, 3) and np.all(s[3] == 1)


def test_noise_and_probability():
    m = toy(noise_std=0.1)
    u, _ = simulate_compact(m, np.zeros((2000, 50)), seed=1)
    assert np.var(u) == pytest.approx(0.01 / (1 - 0.25), rel=0.05)  # stationary AR(1) variance σ²/(1−λ²)
    pp, pn = m.p_fire(np.array([0.5, -0.5]))
    assert pp[0] == pytest.approx(0.5) and pn[1] == pytest.approx(0.5) and pn[0] < 0.01


def test_validation_and_roundtrip():
    with pytest.raises(ValueError, match="leak"):
        toy(leak=1.5)
    with pytest.raises(ValueError, match="theta"):
        toy(theta_neg=0.0)
    with pytest.raises(ValueError, match="reset"):
        toy(reset="hard")
    m = toy()
    assert CompactSignedLIF.from_dict(json.loads(json.dumps(m.to_dict()))) == m


def test_default_loads_shipped_file_without_jit():
    code = ("import sys, time; t = time.perf_counter(); from devices.compact import default_signed_mtj_neuron as d; "
            "m = d(); assert d() is m; print(time.perf_counter() - t, m.energy_per_spike_J, "
            "'numba' in sys.modules, 'jax' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert float(out[0]) < 2.0 and out[2] == "False" and out[3] == "False"
    assert float(out[1]) == default_signed_mtj_neuron().energy_per_spike_J


def test_bad_temperature():
    with pytest.raises(ValueError, match="T_K"):
        default_signed_mtj_neuron(-1.0)


def test_shipped_fit_is_reproduced():
    """Re-run the fit with the shipped settings: T = 0 quantities within 1e-3 (deterministic, up to
    floating-point differences of the compiled kernel); thermal ones (counter-based noise, 128 trials per current,
    16 thermal runs per train) within 2 % (I50), 25 % (width, σ) and four grid steps (θ)."""
    shipped = json.loads(SHIPPED_PATH.read_text())
    assert shipped["settings"] == FIT_SETTINGS
    s = FIT_SETTINGS
    new = fit_compact(T_K=shipped["model"]["T_K"], dt_c_s=s["dt_c_s"], dt_s=s["dt_s"], seed=s["seed"],
                      n_trials=s["n_trials"])
    old = CompactSignedLIF.from_dict(shipped["model"])
    for f in ("leak", "tau_s", "gain_per_A", "I_scale_A", "energy_per_spike_J"):
        assert getattr(new, f) == pytest.approx(getattr(old, f), rel=1e-3), f
    assert new.theta_pos == pytest.approx(old.theta_pos, abs=0.0101)
    assert new.theta_neg == pytest.approx(old.theta_neg, abs=0.0101)
    assert np.allclose(new.p_fire_I50_A, old.p_fire_I50_A, rtol=0.02)
    assert np.allclose(new.p_fire_width_A, old.p_fire_width_A, rtol=0.25)
    assert new.noise_std == pytest.approx(old.noise_std, rel=0.25)
    assert new.fit_rms_u == pytest.approx(old.fit_rms_u, abs=0.01)
    assert new.fit_spike_count_rel_error == pytest.approx(old.fit_spike_count_rel_error, abs=0.05)
    # physics sanity of the fit: leak time = analytic small-tilt τ (devices.md §2) within 1 %; the compact neuron
    # is silent at zero input like the device (its noise is the threshold smearing, not the m_y fluctuation)
    assert new.tau_s == pytest.approx(shipped["details"]["tau_analytic_s"], rel=0.01)
    _, s = simulate_compact(new, np.zeros((500, 32)), seed=1)
    assert not s.any()
    assert replace(new, source=old.source).source == old.source
