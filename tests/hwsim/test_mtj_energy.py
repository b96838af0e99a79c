"""The MTJ core's physics route: the IR's dt_s, the latency and drive energy at the workload's step, the energy per
spike at the target's temperature (reset pulse included) and target overrides. The device-simulation comparison at
250/300/350 K is validation case V13/V14 (hwsim/validation_mtj.py), not repeated here."""

import json
import math

import numpy as np
import pytest

from hwsim import ir
from hwsim.cost.model import evaluate
from hwsim.targets.catalogue import TargetError, load, path_of, with_overrides
from hwsim.targets.mtj_energy import spike_energy, sub_threshold_step_J

T_STEPS, N_NEURONS = 100, 20


def _net(dt_s=math.nan):
    return ir.make([ir.snn_dense("syn", 10, N_NEURONS, T_STEPS, 0.05, signed=True, dt_s=dt_s),
                    ir.neuron_update("lif", N_NEURONS, T_STEPS, dt_s=dt_s)])


def _file(name="mtj_core"):
    return {k: q.get("value") for k, q in json.loads(path_of(name).read_text())["params"].items()}


def _rest_resistance_from_preset():
    """R(90 deg) = 2 R_P R_AP / (R_P + R_AP), R_P = RA / (pi lx ly / 4), R_AP = R_P (1 + TMR): written out here."""
    from devices.presets import preset

    v = preset("signed_orthogonal_ellipse").values
    R_P = v["RA_ohm_m2"] / (math.pi / 4 * v["lx_m"] * v["ly_m"])
    R_AP = R_P * (1 + v["TMR"])
    return 2 * R_P * R_AP / (R_P + R_AP)


def _I_th():
    from devices.compact import default_signed_mtj_neuron

    return default_signed_mtj_neuron().I_scale_A


def test_ir_dt_s_column_default_and_checks():
    t = _net()
    assert np.isnan(t["dt_s"]).all() and math.isnan(ir.time_step_s(t))
    assert ir.time_step_s(_net(1e-9)) == 1e-9
    for bad in (0.0, -1e-9, math.inf):
        with pytest.raises(ir.IRError, match="dt_s"):
            ir.make([ir.neuron_update("lif", 4, 10, dt_s=bad)])
    mixed = ir.make([ir.snn_dense("a", 4, 4, 10, 0.1, dt_s=1e-9), ir.neuron_update("b", 4, 10, dt_s=2e-9)])
    with pytest.raises(ir.IRError, match="different time steps"):
        ir.time_step_s(mixed)


def test_mtj_core_latency_uses_the_workload_step():
    """Latency = T x dt_s when the workload states dt_s, else T x the file's timestep_s (exact, rel 1e-12); the
    synaptic rate bound (a few hundred synops at 1e11/s) is far below either."""
    f = _file()
    stated = evaluate(_net(1e-9), "mtj_core").per_point().iloc[0]
    assert stated["timestep_source"] == "workload dt_s" and stated["timestep_s"] == 1e-9
    assert stated["latency_s"] == pytest.approx(T_STEPS * 1e-9, rel=1e-12)
    default = evaluate(_net(), "mtj_core").per_point().iloc[0]
    assert default["timestep_source"] == "target timestep_s"
    assert default["latency_s"] == pytest.approx(T_STEPS * f["timestep_s"], rel=1e-12)


def test_digital_chip_ignores_the_workload_step():
    """Loihi's timestep_s is its own wall time per step: a stated dt_s changes nothing (exact)."""
    a = evaluate(_net(1e-9), "loihi").per_point().iloc[0]
    b = evaluate(_net(), "loihi").per_point().iloc[0]
    assert a["latency_s"] == b["latency_s"] and a["energy_J"] == b["energy_J"]
    assert a["timestep_source"] == "target timestep_s"


def test_neuron_update_energy_is_the_sub_threshold_drive_at_the_step():
    """Per update (_drive_rms_rel I_th)^2 R_rest dt, R_rest from the preset's RA, TMR and geometry (rel 1e-9)."""
    f = _file()
    for dt in (1e-9, 4e-9):
        got = evaluate(_net(dt), "mtj_core").per_point().iloc[0]["energy_neuron_update_J"]
        per = (f["_drive_rms_rel"] * _I_th()) ** 2 * _rest_resistance_from_preset() * dt
        assert got == pytest.approx(N_NEURONS * T_STEPS * per, rel=1e-9)


def test_spike_energy_includes_the_reset_pulse():
    """spike_J - E_drive = (I_reset)^2 R_rest t_reset from the file's assumptions (rel 1e-9)."""
    f = _file()
    t = load("mtj_core")
    e = spike_energy(t.p("T_K"), f["_spike_drive_rel"], f["_reset_current_rel"], f["_reset_pulse_s"])
    assert t.p("spike_J") == e.spike_J
    reset = (f["_reset_current_rel"] * _I_th()) ** 2 * _rest_resistance_from_preset() * f["_reset_pulse_s"]
    assert e.reset_J == pytest.approx(reset, rel=1e-9)
    # the drive part is a simulated spike: one spike per escape at 1.2 I_th takes well under the 50 ns run
    assert e.drive_J > 0 and e.spikes > 64


def test_temperature_is_a_target_override():
    base = load("mtj_core")
    hot = load("mtj_core", {"T_K": 350.0})
    assert hot.p("T_K") == 350.0 and base.p("T_K") == _file()["T_K"]
    assert hot.params["T_K"].note.startswith("overridden") and hot.params["T_K"].status == "assumed"
    # a different thermal ensemble: the simulated energy per spike differs (it is not a constant)
    assert hot.p("spike_J") != base.p("spike_J")
    assert with_overrides(hot, timestep_s=1e-9).overrides == (("T_K", 350.0), ("timestep_s", 1e-9))
    with pytest.raises(TargetError, match="no_such"):
        load("mtj_core", {"no_such": 1.0})
    with pytest.raises(TargetError, match="NaN"):
        load("mtj_core", {"T_K": math.nan})
    with pytest.raises(TargetError, match="T_K"):
        load("mtj_core", {"T_K": -5.0})


@pytest.mark.parametrize("kw, name", [({"T_K": math.nan}, "T_K"), ({"T_K": -1.0}, "T_K"),
                                      ({"T_K": 300.0, "spike_drive_rel": 0.9}, "spike_drive_rel"),
                                      ({"T_K": 300.0, "reset_pulse_s": math.inf}, "reset_pulse_s"),
                                      ({"T_K": 300.0, "reset_current_rel": -1.0}, "reset_current_rel")])
def test_spike_energy_bad_input(kw, name):
    with pytest.raises(ValueError, match=name):
        spike_energy(**kw)


def test_sub_threshold_step_bad_input():
    with pytest.raises(ValueError, match="drive_rms_rel"):
        sub_threshold_step_J(1.5, 1e-9)
    with pytest.raises(ValueError, match="step_s"):
        sub_threshold_step_J(0.5, math.nan)


def test_compact_neuron_disk_cache(tmp_path, monkeypatch):
    """The fit runs once per temperature and code version; later calls (other processes) read the stored entry.
    The fitter is replaced by a recorder here: the real fit takes ~18 s per temperature."""
    import dataclasses

    from devices import compact
    from hwsim import compact_cache

    shipped = compact.default_signed_mtj_neuron(300.0)
    calls = []

    def fake_fit(T_K):
        calls.append(T_K)
        return dataclasses.replace(shipped, T_K=T_K, noise_std=shipped.noise_std * T_K / 300.0)

    monkeypatch.setenv("HWSIM_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(compact, "default_signed_mtj_neuron", fake_fit)
    a = compact_cache.compact_neuron(350.0)
    b = compact_cache.compact_neuron(350.0)
    assert calls == [350.0] and a == b and b.T_K == 350.0
    compact_cache.compact_neuron(250.0)
    assert calls == [350.0, 250.0] and len(list((tmp_path / "devices").glob("*.json"))) == 2
    for bad in (math.nan, -1.0, math.inf):
        with pytest.raises(ValueError, match="T_K"):
            compact_cache.compact_neuron(bad)
