"""Reaction-wheel simulator: telemetry layout, measurement model, manoeuvre profiles, fault injection, labels.

Closed-form physics (steady states, thermal network, loop response, momentum) lives in the validation cases
(fdir/reaction_wheel/cases.py); these tests cover the remaining behaviour and the error paths.
"""

import numpy as np
import pytest

from fdir.reaction_wheel.sim.dataset import (
    CHANNEL_CONCEPTS,
    TYPE_CONCEPTS,
    WHEEL_CONCEPTS,
    Normalizer,
    fault_campaign,
    window_labels,
    windows,
)
from fdir.reaction_wheel.sim.dynamics import integrate, steady_state
from fdir.reaction_wheel.sim.faults import Fault, affected_channels, friction_schedule
from fdir.reaction_wheel.sim.maneuvers import make_profile, slew_torque
from fdir.reaction_wheel.sim.params import ManeuverParams, TelemetryParams, WheelParams, channel_index, channel_names
from fdir.reaction_wheel.sim.simulate import DEFAULT_SCALE, simulate


@pytest.fixture(scope="module")
def nominal():
    return simulate(4 * 3600.0, [11, 12])


def test_channel_layout_is_wheel_major():
    names = channel_names()
    assert len(names) == 16 and names[0] == "RW1.current_A" and names[7] == "RW2.speed_rad_per_s"
    assert channel_index(2, "voltage") == 10
    with pytest.raises(ValueError, match="wheel"):
        channel_index(4, "current")
    with pytest.raises(ValueError, match="quantity"):
        channel_index(0, "torque")


def test_telemetry_shapes_sampling_and_bias_signs(nominal):
    B, n, C = nominal.x.shape
    assert (B, C) == (2, 16) and n == 4 * 3600 // 4 + 1
    assert np.allclose(np.diff(nominal.t_s), 4.0)
    speed = nominal.x[..., 3::4]
    # null-space bias: wheels 1, 3 positive, 2, 4 negative, and never crossing zero
    assert np.all(speed[..., [0, 2]] > 0) and np.all(speed[..., [1, 3]] < 0)
    assert not nominal.mask.any() and np.all(nominal.fault_id == -1)


def test_measurement_noise_and_quantisation(nominal):
    tm, w = TelemetryParams(), WheelParams()
    st = nominal.states
    cur_noise = nominal.x[..., 0::4] - st.current_A
    assert abs(cur_noise.std() / (tm.current_noise_frac_fs * w.i_max_A) - 1) < 0.05
    temp_noise = nominal.x[..., 1::4] - st.T_w_K
    assert abs(temp_noise.std() / tm.temperature_noise_K - 1) < 0.05
    v = nominal.x[..., 2::4] / tm.voltage_quantum_V
    assert np.allclose(v, np.round(v))
    assert np.max(np.abs(nominal.x[..., 3::4] - st.omega_rad_per_s)) <= tm.speed_quantum_rad_per_s / 2 + 1e-9


def test_seeds_are_reproducible_and_independent():
    a = simulate(600.0, [5, 6])
    b = simulate(600.0, [5])
    assert np.array_equal(a.x[0], b.x[0])
    assert not np.allclose(a.x[0], a.x[1])


def test_slew_profile_has_zero_net_momentum():
    t = np.arange(0.0, 200.0, 0.01)
    tau = slew_torque(t, 10.0, 5e-3, 20.0, 30.0, 4.0)
    assert abs(np.trapezoid(tau, t)) < 1e-9
    assert tau.max() == pytest.approx(5e-3) and tau.min() == pytest.approx(-5e-3)


def test_dumps_remove_the_accumulated_momentum():
    m = ManeuverParams(tau_dist_Nm=2e-5, tau_slew_max_Nm=0.0)  # disturbance only
    prof = make_profile(6 * 5700.0, [1], maneuver=m)
    H = prof.H_wheels_Nms[0]
    ends = [int(k * m.dump_period_s + m.dump_duration_s) for k in range(1, 6)]
    # at the end of each dump only the disturbance momentum gathered during the dump itself is left
    bound = m.dump_duration_s * 2 * m.tau_dist_Nm * 1.01
    assert np.all(np.abs(H[ends]) <= bound)
    assert np.abs(H[int(m.dump_period_s) - 1]).max() > 3 * bound  # it had built up before the first dump


def test_steady_state_bad_and_good_inputs():
    ss = steady_state(np.array([100.0, -100.0]))
    assert ss["current_A"][0] == pytest.approx(-ss["current_A"][1])
    with pytest.raises(ValueError, match="omega_ref_rad_per_s"):
        integrate(np.zeros((1, 10, 3)), 2)
    with pytest.raises(ValueError, match="n_samples"):
        integrate(np.zeros((1, 10, 4)), 0)
    with pytest.raises(ValueError, match="covers"):
        integrate(np.full((1, 10, 4), 100.0), 10)
    with pytest.raises(ValueError, match="friction_scale"):
        integrate(np.full((1, 10, 4), 100.0), 2, friction_scale=-np.ones((1, 2, 4)))


@pytest.mark.parametrize("kw, match", [({"J_kg_m2": 0.0}, "J_kg_m2"), ({"c_C_Nm": -1.0}, "c_C_Nm"),
                                       ({"T_env_K": float("nan")}, "T_env_K")])
def test_wheel_params_validation(kw, match):
    with pytest.raises(ValueError, match=match):
        WheelParams(**kw)


def test_telemetry_params_validation():
    with pytest.raises(ValueError, match="dt_int_s"):
        TelemetryParams(dt_int_s=0.5)
    with pytest.raises(ValueError, match="multiple"):
        TelemetryParams(dt_sample_s=4.05)
    with pytest.raises(ValueError, match="dump_duration_s"):
        ManeuverParams(dump_duration_s=6000.0)


# ------------------------------------------------------------------------------------------------ faults


def _faulty(fault, duration=2000.0, seed=21):
    nom = simulate(duration, [seed])
    tel = simulate(duration, [seed], [[fault]], scale=DEFAULT_SCALE)
    return nom, tel


def test_offset_fault_shifts_one_channel_by_m_sigma():
    f = Fault("offset", wheel=1, quantity="temperature", start=100, end=199, magnitude=3.0)
    nom, tel = _faulty(f)
    c = channel_index(1, "temperature")
    d = tel.x[0] - nom.x[0]
    assert np.allclose(d[100:200, c], 3.0 * DEFAULT_SCALE[c])
    d[100:200, c] = 0.0
    assert np.all(d == 0)
    assert tel.mask[0, 100:200, c].all() and tel.mask[0].sum() == 100


def test_step_fault_is_kept_to_the_end():
    f = Fault("step", wheel=0, quantity="speed", start=300, end=310, magnitude=-2.0)
    nom, tel = _faulty(f)
    c = channel_index(0, "speed")
    assert np.allclose(tel.x[0, 300:, c] - nom.x[0, 300:, c], -2.0 * DEFAULT_SCALE[c])
    assert tel.mask[0, -1, c]


def test_stuck_fault_freezes_the_last_value():
    f = Fault("stuck", scope="wheel", wheel=3, quantity=None, start=50, end=149, magnitude=0.0)
    nom, tel = _faulty(f)
    cols = affected_channels(f)
    assert cols == [12, 13, 14, 15]
    assert np.all(tel.x[0][50:150][:, cols] == nom.x[0][49][cols])
    assert np.array_equal(tel.x[0, 150:], nom.x[0, 150:])


def test_noise_fault_adds_the_requested_std():
    f = Fault("noise", scope="all", wheel=None, quantity="voltage", start=0, end=None, magnitude=2.0)
    nom, tel = _faulty(f, duration=8000.0)
    d = tel.x[0] - nom.x[0]
    for w in range(4):
        c = channel_index(w, "voltage")
        assert abs(d[:, c].std() / (2.0 * DEFAULT_SCALE[c]) - 1) < 0.08
        assert abs(d[:, c].mean()) < 0.15 * DEFAULT_SCALE[c]


def test_impulse_fault_marks_only_the_spikes():
    f = Fault("impulse", wheel=2, quantity="current", start=0, end=159, magnitude=6.0)
    nom, tel = _faulty(f)
    c = channel_index(2, "current")
    d = tel.x[0, :, c] - nom.x[0, :, c]
    spikes = np.flatnonzero(d)
    assert spikes.size == 10 and np.all(spikes <= 159)
    assert np.allclose(np.abs(d[spikes]), 6.0 * DEFAULT_SCALE[c])
    assert np.array_equal(np.flatnonzero(tel.mask[0, :, c]), spikes)


def test_correlation_fault_replaces_the_channel_by_its_past():
    f = Fault("correlation", wheel=0, quantity="current", start=200, end=299, magnitude=1.0, lag=150)
    nom, tel = _faulty(f)
    c = channel_index(0, "current")
    assert np.array_equal(tel.x[0, 200:300, c], nom.x[0, 50:150, c])


def test_friction_fault_raises_current_and_temperature_physically():
    f = Fault("friction", scope="wheel", wheel=2, quantity=None, start=100, magnitude=2.0)
    nom, tel = _faulty(f, duration=8000.0)
    st_n, st_f = nom.states, tel.states
    # same speed (the loop tracks), higher current and winding temperature on wheel 3 only
    assert np.max(np.abs(st_f.omega_rad_per_s[0, -1] - st_n.omega_rad_per_s[0, -1])) < 0.5
    assert st_f.current_A[0, -1, 2] > 2.5 * st_n.current_A[0, -1, 2]
    assert st_f.T_w_K[0, -1, 2] - st_n.T_w_K[0, -1, 2] > 5.0
    assert np.allclose(st_f.current_A[0, :, [0, 1, 3]], st_n.current_A[0, :, [0, 1, 3]])
    assert tel.mask[0, 100:, 8:12].all() and not tel.mask[0, :100].any()


def test_friction_ramp_schedule():
    f = Fault("friction", scope="wheel", wheel=1, quantity=None, start=10, end=30, magnitude=1.0, profile="ramp")
    s = friction_schedule([f], 50)
    assert np.all(s[:10] == 1) and s[20, 1] == pytest.approx(1.5) and np.all(s[30:, 1] == 2.0)
    assert np.all(s[:, [0, 2, 3]] == 1)


@pytest.mark.parametrize("kw, match", [
    ({"kind": "drift"}, "kind"), ({"kind": "offset", "scope": "unit"}, "scope"),
    ({"kind": "offset", "wheel": 4}, "wheel"), ({"kind": "offset", "quantity": "torque"}, "quantity"),
    ({"kind": "friction", "scope": "channel"}, "friction"), ({"kind": "offset", "start": 5, "end": 2}, "end"),
    ({"kind": "noise", "magnitude": 0.0}, "magnitude"), ({"kind": "correlation", "magnitude": 1.5}, "magnitude"),
    ({"kind": "offset", "scope": "all", "wheel": 1}, "None")])
def test_fault_validation(kw, match):
    with pytest.raises(ValueError, match=match):
        Fault(**kw)


# ------------------------------------------------------------------------------------------ windows, labels


def test_windows_layout_and_errors():
    x = np.arange(2 * 40 * 3, dtype=float).reshape(2, 40, 3)
    w = windows(x, W=16)
    assert w.shape == (4, 3, 16)
    assert np.array_equal(w[1, :, 0], x[0, 16]) and np.array_equal(w[2, 2], x[1, :16, 2])
    assert windows(x, W=16, stride=8).shape == (8, 3, 16)
    with pytest.raises(ValueError, match="fewer than one window"):
        windows(x[:, :10], W=16)


def test_window_labels_signature_and_injected():
    faults = [[Fault("step", wheel=1, quantity="speed", start=40, magnitude=2.0)],
              [Fault("friction", scope="all", wheel=None, quantity=None, start=0, magnitude=1.0)], []]
    tel = simulate(127 * 4.0, [1, 2, 3], faults)
    lab = window_labels(tel)
    sig = lab.select(lab.episode == 0)
    assert not sig.faulty[:2].any() and sig.faulty[2:].all()
    assert TYPE_CONCEPTS[sig.type[2]] == "step"  # the level change at sample 40 lies inside window 2
    assert all(TYPE_CONCEPTS[t] == "offset" for t in sig.type[3:])  # later windows show a constant bias
    assert WHEEL_CONCEPTS[sig.wheel[2]] == "RW2" and CHANNEL_CONCEPTS[sig.channel[2]] == "speed"
    inj = window_labels(tel, label_mode="injected").select(lab.episode == 0)
    assert all(TYPE_CONCEPTS[t] == "step" for t in inj.type[2:])
    all_w = lab.select(lab.episode == 1)
    assert all_w.faulty.all() and np.all(all_w.wheel == WHEEL_CONCEPTS.index("all"))
    assert np.all(all_w.channel == CHANNEL_CONCEPTS.index("all"))
    assert not lab.select(lab.episode == 2).faulty.any()
    with pytest.raises(ValueError, match="label_mode"):
        window_labels(tel, label_mode="x")


def test_fault_campaign_draws_and_validation():
    camp = fault_campaign(200, 1024, seed=3, nominal_fraction=0.2)
    kinds = {f[0].kind for f in camp if f}
    assert kinds == {"offset", "step", "impulse", "noise", "stuck", "friction", "correlation"}
    assert 20 <= sum(1 for f in camp if not f) <= 60
    assert all(f[0].scope != "channel" for f in camp if f and f[0].kind == "friction")
    assert fault_campaign(5, 1024, seed=3) == fault_campaign(5, 1024, seed=3)
    with pytest.raises(ValueError, match="kinds"):
        fault_campaign(3, 1024, seed=0, kinds=("drift",))
    with pytest.raises(ValueError, match="8 windows"):
        fault_campaign(3, 64, seed=0)


def test_normalizer_round_trip():
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(500, 4))
    x[:, 3] = 1.0
    nz = Normalizer.fit(x)
    z = nz(x)
    assert np.allclose(z[:, :3].mean(0), 0, atol=1e-12) and np.allclose(z[:, :3].std(0), 1)
    assert nz.std[3] == 1.0
    w = windows(x[None], W=10)
    assert np.allclose(nz(w)[0], z[:10].T)
    with pytest.raises(ValueError, match="finite"):
        Normalizer.fit(np.array([[np.nan]]))
