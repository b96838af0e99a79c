"""The MTJ spiking detector at the operating temperature T_K: its compact neuron, spike counts, IR step and cost."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fdir.detectors.spiking import SpikingConfig
from fdir.detectors.spiking_detector import SpikingForecastDetector


def _series(n: int = 600, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return (0.6 * np.sin(2 * np.pi * t / 37.0) + 0.05 * rng.standard_normal(n))[:, None]


def _fit(T_K: float):
    from hwsim.compact_cache import compact_neuron

    cfg = SpikingConfig(neuron="mtj", n_hidden=8, epochs=2, seq_len=64, seq_stride=32, warmup=8, l_s=100,
                        T_K=T_K, mtj_model=compact_neuron(T_K))
    det = SpikingForecastDetector(cfg).fit(_series())
    det.scores(_series(seed=1))
    return det


def test_temperature_changes_spikes_and_mtj_core_energy():
    """T_K = 250 vs 350 K: different thermal noise and fitted constants give different hidden spike counts (exact
    inequality; same seed and data), and the MTJ core re-derived at T_K prices the workloads differently
    (relative difference > 1e-6)."""
    from hwsim.cost.model import evaluate
    from hwsim.targets.catalogue import load

    out = {}
    for T in (250.0, 350.0):
        det = _fit(T)
        wl = det.workload()
        assert set(wl["dt_s"].dropna()) == {1e-9}           # the fit's step, stated in the IR
        spikes = float(wl.loc[wl["layer"] == "L0.w_rec", "spikes_pos"].iloc[0]
                       + wl.loc[wl["layer"] == "L0.w_rec", "spikes_neg"].iloc[0])
        e = float(evaluate(wl, load("mtj_core", {"T_K": T})).per_point()["energy_J"].iloc[0])
        out[T] = (spikes, e, det.model.spec.layers[0].neuron.noise_std)
    assert out[250.0][2] != out[350.0][2]
    assert out[250.0][0] != out[350.0][0]
    assert abs(out[250.0][1] - out[350.0][1]) > 1e-6 * out[350.0][1]


def test_lif_states_no_physical_step_and_bad_temperature():
    """The LIF's nominal step is not a physical one (dt_s NaN); T_K outside [0, 2000] K or NaN raises naming it; a
    model fitted at another temperature is refused."""
    assert math.isnan(SpikingConfig().step_s())
    for bad in (-1.0, math.nan, math.inf, 3000.0):
        with pytest.raises(ValueError, match="T_K"):
            SpikingConfig(neuron="mtj", T_K=bad)
    from hwsim.compact_cache import compact_neuron

    with pytest.raises(ValueError, match="T_K"):
        SpikingConfig(neuron="mtj", T_K=300.0, mtj_model=compact_neuron(250.0))
    with pytest.raises(ValueError, match="mtj_dt_s"):
        SpikingConfig(neuron="mtj", mtj_dt_s=0.0)
