"""Closed forms (reference/snn.md section 4) are consistent with each other."""

import math

import numpy as np
import pytest

from snn import analytic


def test_first_spike_time_reaches_threshold_on_the_membrane_curve():
    T = analytic.time_to_first_spike(20e-3, -65e-3, -50e-3, -45e-3)
    assert T == pytest.approx(20e-3 * math.log(4.0))
    assert analytic.membrane(np.array([T]), 20e-3, -65e-3, -45e-3)[0] == pytest.approx(-50e-3, rel=1e-12)


def test_rate_and_grid_formulas():
    assert analytic.firing_rate(20e-3, -65e-3, -50e-3, -50.1e-3) == 0.0
    f = analytic.firing_rate(20e-3, -65e-3, -50e-3, -45e-3, 2e-3)
    assert f == pytest.approx(1 / (2e-3 + 20e-3 * math.log(4)))
    # CUBA neuron without synapses: m* = floor(200 ln 11) + 1 (reference: 480 updates, ISI 529 steps)
    m = analytic.steps_to_cross(20e-3, 1e-4, -60e-3, -50e-3, -49e-3)
    assert m == math.floor(200 * math.log(11)) + 1
    assert analytic.grid_isi_steps(20e-3, 1e-4, -60e-3, -50e-3, -49e-3, 50) == 49 + m
    assert analytic.grid_first_spike_step(20e-3, 1e-4, -60e-3, -50e-3, -50.5e-3) == -1
    with pytest.raises(ValueError, match="v0"):
        analytic.time_to_first_spike(20e-3, -40e-3, -50e-3, -45e-3)
    with pytest.raises(ValueError, match="tau_s"):
        analytic.membrane(np.zeros(1), 0.0, 0.0, 1.0)
