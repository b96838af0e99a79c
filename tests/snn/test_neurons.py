"""Neuron models: exact-integration constants, parameter checks, the MTJ compact-model interface."""

import math
from dataclasses import dataclass

import numpy as np
import pytest

from snn.neurons import LIF, MTJNeuron, SignedLIF, psc_coupling, timestep

DT = 1e-4


def test_cuba_constants_match_the_linear_ode_solution():
    # exact solution of tau_m dv/dt = -v + g, tau_s dg/dt = -g over one step, by matrix exponential
    from scipy.linalg import expm

    for tau_s in (5e-3, 10e-3):
        A = np.array([[-1 / 20e-3, 1 / 20e-3], [0.0, -1 / tau_s]])
        M = expm(A * DT)
        d = LIF(tau_m_s=20e-3, tau_syn_s=(tau_s,)).discrete(DT)
        assert d.alpha == pytest.approx(M[0, 0], rel=1e-14)
        assert d.beta[0] == pytest.approx(M[1, 1], rel=1e-14)
        assert d.k[0] == pytest.approx(M[0, 1], rel=1e-12)


def test_equal_time_constants_use_the_limit_and_are_continuous():
    tau = 20e-3
    assert psc_coupling(tau, tau, DT) == pytest.approx((DT / tau) * math.exp(-DT / tau), rel=1e-15)
    near = psc_coupling(tau, tau * (1 + 1e-7), DT)
    assert near == pytest.approx((DT / tau) * math.exp(-DT / tau), rel=1e-6)
    # the general branch agrees with the series branch where both apply
    x = 2e-3 * tau
    a = psc_coupling(tau, tau - x, DT)
    alpha, beta = math.exp(-DT / tau), math.exp(-DT / (tau - x))
    assert a == pytest.approx((tau - x) / x * (alpha - beta), rel=1e-8)


def test_bias_gives_the_closed_form_resting_drive():
    d = LIF(tau_m_s=20e-3, v_rest=-0.065, bias=0.01).discrete(DT)
    v_inf = -0.055
    assert d.c0 + d.alpha * v_inf == pytest.approx(v_inf, rel=1e-15)


def test_timestep_is_brians_rounding():
    assert timestep(5e-3, DT) == 50
    assert timestep(2.2e-3, DT) == 22
    assert timestep(2.25e-3, DT) == 22
    assert timestep(0.0, DT) == 0


@pytest.mark.parametrize("kwargs, name", [
    ({"tau_m_s": -1e-3}, "tau_m_s"), ({"t_ref_s": -1e-3}, "t_ref_s"), ({"tau_syn_s": (0.0,)}, "tau_syn_s"),
    ({"reset": "bogus"}, "reset"), ({"v_th": math.nan}, "v_th"),
])
def test_lif_rejects_bad_parameters(kwargs, name):
    with pytest.raises(ValueError, match=name):
        LIF(**kwargs)


@pytest.mark.parametrize("kwargs, name", [
    ({"theta_pos": 0.0}, "theta_pos"), ({"theta_neg": -1.0}, "theta_neg"), ({"amplitude": 0.0}, "amplitude"),
])
def test_signed_lif_rejects_bad_parameters(kwargs, name):
    with pytest.raises(ValueError, match=name):
        SignedLIF(**kwargs)


def test_dt_larger_than_a_time_constant_is_rejected():
    with pytest.raises(ValueError, match="dt_s"):
        LIF(tau_m_s=20e-3, tau_syn_s=(1e-4,)).discrete(2e-4)
    with pytest.raises(ValueError, match="dt_s"):
        SignedLIF(tau_m_s=1e-3).discrete(0.0)


@dataclass(frozen=True)
class _StandIn:
    """The fields of devices.compact.CompactSignedLIF that snn reads (CONTRIBUTING.md)."""

    dt_s: float = 1e-9
    leak: float = 0.5
    tau_s: float = 1e-9 / math.log(2)
    gain_per_A: float = 400.0
    theta_pos: float = 0.2
    theta_neg: float = 0.15
    reset: str = "subtract"
    noise_std: float = 0.01
    T_K: float = 300.0
    I_scale_A: float = 5e-4
    energy_per_spike_J: float = 1e-12
    source: str = "stand-in"


def test_mtj_from_compact_stand_in():
    m = MTJNeuron.from_compact(_StandIn())
    assert m.gain == pytest.approx(400.0 * 5e-4)
    d = m.discrete()
    assert d.alpha == 0.5 and d.reset_before_input and d.signed
    assert d.gain == pytest.approx(m.gain / 0.5)  # input delivered after the threshold is leaked once
    finer = m.discrete(0.5e-9)
    assert finer.alpha == pytest.approx(math.sqrt(0.5), rel=1e-12)
    assert finer.noise_std == pytest.approx(0.01 * math.sqrt(0.5))
    with pytest.raises(ValueError, match="fitted step"):
        m.discrete(2e-9)


def test_mtj_from_compact_rejects_incomplete_models():
    @dataclass
    class Partial:
        dt_s: float = 1e-9

    with pytest.raises(ValueError, match="lacks field"):
        MTJNeuron.from_compact(Partial())
    with pytest.raises(ValueError, match="leak"):
        MTJNeuron(leak=1.5)


def test_mtj_from_the_devices_fit():
    compact = pytest.importorskip("devices.compact")
    model = compact.default_signed_mtj_neuron()
    m = MTJNeuron.from_compact(model)
    assert m.theta_pos == model.theta_pos and m.theta_neg == model.theta_neg
    assert m.gain == pytest.approx(model.gain_per_A * model.I_scale_A)
    assert m.discrete().alpha == model.leak


def test_neurons_are_pytrees():
    import jax

    leaves = jax.tree_util.tree_leaves(SignedLIF(theta_neg=0.5, tau_syn_s=(5e-3,)))
    assert 0.5 in leaves and (5e-3,) not in leaves
