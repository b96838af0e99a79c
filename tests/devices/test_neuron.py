"""Signed MTJ neuron: the §2 design numbers of devices.md, input checks, energy per spike."""

import numpy as np
import pytest

from devices.neuron import SignedMTJNeuron


def test_design_numbers_of_the_reference_device():
    # devices.md §2: barrier z→y 21.6 k_BT (ellipsoid) / 7.2 k_BT (cylinder); τ = 0.891 ns / 0.960 ns at α = 0.02
    ell = SignedMTJNeuron.from_preset()
    cyl = SignedMTJNeuron.from_preset(shape="cylinder")
    assert ell.barrier_kT()[0] == pytest.approx(21.6, abs=0.05)
    assert cyl.barrier_kT()[0] == pytest.approx(7.2, abs=0.05)
    assert ell.tau_s()[0] == pytest.approx(0.891e-9, abs=0.001e-9)
    assert cyl.tau_s()[0] == pytest.approx(0.960e-9, abs=0.001e-9)


def test_interfacial_anisotropy_raises_barrier():
    base = SignedMTJNeuron.from_preset(shape="cylinder")
    pma = SignedMTJNeuron.from_preset(shape="cylinder", K_u_J_per_m3=2e4)
    assert pma.barrier_kT()[0] > base.barrier_kT()[0] and pma.tau_s()[0] < base.tau_s()[0]


def test_input_errors():
    nr = SignedMTJNeuron.from_preset()
    with pytest.raises(ValueError, match="n_steps"):
        nr.run(1e-4)
    with pytest.raises(ValueError, match="theta_spike"):
        SignedMTJNeuron.from_preset(theta_spike=1.5)
    with pytest.raises(ValueError, match="state_axis"):
        SignedMTJNeuron(params=nr.params, state_axis=(0.0, 2.0, 0.0))


def test_energy_per_spike_signed_and_physical():
    nr = SignedMTJNeuron.from_preset(n=2)
    I = 1.1 * nr.threshold_current_estimate_A()[0]
    r = nr.run(np.array([[I], [-I]]), n_steps=20_000)
    assert r.n_pos[0] > 0 and r.n_neg[0] == 0 and r.n_neg[1] == r.n_pos[0] and r.n_pos[1] == 0
    e = r.energy_per_spike_J
    assert np.allclose(e[0], e[1], rtol=1e-9)  # mirror-symmetric device
    # bounds: I² R_P t_spike <= E <= I² R_AP t_spike with t_spike the mean interval between spikes
    t = 20_000e-12 / r.n_pos[0]
    p = nr.params
    assert I**2 * p.R_P_ohm[0] * t <= e[0] <= I**2 * p.R_AP_ohm[0] * t
