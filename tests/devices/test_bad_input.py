"""Bad input is never silent (issue 18): NaN, inf, empty, wrong-shape and out-of-range arguments of the public
``devices`` API raise ValueError naming the argument. Every check here runs before any kernel is compiled, so the
file needs no JIT and runs in a few seconds (hypothesis: 40 examples per property)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices import analytic as A
from devices import readout
from devices.compact import CompactSignedLIF, default_signed_mtj_neuron, simulate_compact
from devices.neuron import SignedMTJNeuron
from devices.params import EventSpec, MacrospinParams, coefficient_table, max_stable_dt
from devices.presets import preset
from devices.simulate import Drive, Waveform, simulate

NONFINITE = [math.nan, math.inf, -math.inf]
bad_float = st.sampled_from(NONFINITE)
FAST = settings(max_examples=40, deadline=None)


def _p(n=2):
    return preset("inplane_cofeb_ellipse").params(n=n)


# ------------------------------------------------------------------ the reproduced cases of issue 18
@pytest.mark.parametrize("v", NONFINITE)
def test_neuron_run_rejects_nonfinite_current(v):
    nr = SignedMTJNeuron.from_preset()
    with pytest.raises(ValueError, match="I_A"):
        nr.run(v, n_steps=1000)
    with pytest.raises(ValueError, match="I_A"):
        nr.run(np.array([0.0, v, 1e-3]))


@pytest.mark.parametrize("v", NONFINITE)
@pytest.mark.parametrize("channel", ["stt", "sot", "field"])
def test_drive_rejects_nonfinite(channel, v):
    with pytest.raises(ValueError, match=rf"drive\.{channel}"):
        Drive(**{channel: v})
    with pytest.raises(ValueError, match=rf"drive\.{channel}"):
        Drive(**{channel: np.array([[1.0], [v]])})


def test_drive_inf_no_longer_blames_dt():
    with pytest.raises(ValueError, match=r"drive\.stt") as e:
        simulate(_p(), (1, 0, 0), 1e-12, 10, drive=Drive(stt=math.inf))
    assert "dt_s" not in str(e.value)


# ------------------------------------------------------------------ simulate arguments
@pytest.mark.parametrize("kw, name", [
    (dict(m0=(math.nan, 0, 1)), "m0"), (dict(m0=(0, 0, 0)), "m0"), (dict(m0=np.ones((3, 3))), "m0"),
    (dict(dt_s=math.nan), "dt_s"), (dict(dt_s=math.inf), "dt_s"), (dict(dt_s=-1e-12), "dt_s"),
    (dict(n_steps=0), "n_steps"), (dict(n_steps=2.5), "n_steps"), (dict(n_steps=math.nan), "n_steps"),
    (dict(seed=1.5), "seed"), (dict(step_offset=-1), "step_offset"), (dict(save_every=-2), "save_every"),
    (dict(armed=[1, 2]), "armed"), (dict(armed=[1.0, math.nan]), "armed"), (dict(backend="cuda"), "backend"),
    (dict(dtype="float16"), "dtype"), (dict(drive="stt"), "drive"), (dict(dt_s=1e-9), "dt_s"),
    (dict(drive=Drive(stt=np.ones(7))), "drive.stt"), (dict(energy="yes"), "energy"),
])
def test_simulate_rejects(kw, name):
    args = dict(m0=(1, 0, 0), dt_s=1e-12, n_steps=10)
    args.update(kw)
    m0, dt, n = args.pop("m0"), args.pop("dt_s"), args.pop("n_steps")
    with pytest.raises(ValueError, match=name):
        simulate(_p(), m0, dt, n, **args)


def test_waveform_rejects_bad_fields():
    with pytest.raises(ValueError, match=r"Waveform\.table"):
        Waveform(table=np.array([[0.0, math.nan]]), index=np.zeros(2, dtype=int))
    with pytest.raises(ValueError, match=r"Waveform\.scale"):
        Waveform(table=np.ones((1, 2)), index=np.zeros(2, dtype=int), scale=math.inf)
    with pytest.raises(ValueError, match=r"Waveform\.index"):
        Waveform(table=np.ones((1, 2)), index=np.array([0, 1]))
    with pytest.raises(ValueError, match=r"Waveform\.index"):
        Waveform(table=np.ones((1, 2)), index=np.array([0.0, 0.5]))


def test_eventspec_and_tables_reject():
    with pytest.raises(ValueError, match="rearm"):
        EventSpec(rearm=math.nan).validate(1)
    with pytest.raises(ValueError, match="capacity"):
        EventSpec(capacity=1.5).validate(1)
    with pytest.raises(ValueError, match="axis"):
        EventSpec(axis=(math.nan, 0, 1)).validate(1)
    with pytest.raises(ValueError, match="theta_pos"):
        EventSpec(theta_pos=math.nan).validate(1)
    with pytest.raises(ValueError, match="stt_scale"):
        coefficient_table(_p(), 1e-12, stt_scale=math.nan)
    with pytest.raises(ValueError, match="stt_max"):
        max_stable_dt(_p(), stt_max=math.inf)


@pytest.mark.parametrize("field", ["Ms_A_per_m", "alpha", "T_K", "eta", "K_u_J_per_m3", "lx_m"])
@pytest.mark.parametrize("v", NONFINITE)
def test_params_build_rejects_nonfinite(field, v):
    kw = dict(lx_m=10e-9, ly_m=20e-9, lz_m=2e-9)
    kw[field] = v
    with pytest.raises(ValueError, match=field):
        MacrospinParams.build(**kw)


def test_params_replace_rejects():
    p = _p()
    with pytest.raises(ValueError, match="T_K"):
        p.replace(T_K=math.nan)
    with pytest.raises(ValueError, match="polarizer"):
        p.replace(polarizer=(0, 0, 0))
    with pytest.raises(ValueError, match="B_app_T"):
        p.replace(B_app_T=(0, math.inf, 0))


# ------------------------------------------------------------------ neuron, compact model, readout
@pytest.mark.parametrize("kw, name", [(dict(T_K=math.nan), "T_K"), (dict(T_K=-5.0), "T_K"),
                                      (dict(n_steps=0), "n_steps"), (dict(capacity=-1), "capacity")])
def test_neuron_run_rejects(kw, name):
    with pytest.raises(ValueError, match=name):
        SignedMTJNeuron.from_preset().run(1e-3, **{"n_steps": 10, **kw})


@pytest.mark.parametrize("kw, name", [(dict(theta_spike=math.nan), "theta_spike"), (dict(dt_s=math.inf), "dt_s"),
                                      (dict(dt_s=0.0), "dt_s")])
def test_neuron_fields_rejected(kw, name):
    with pytest.raises(ValueError, match=name):
        SignedMTJNeuron.from_preset(**kw)


def test_neuron_barrier_rejects_temperature():
    with pytest.raises(ValueError, match="T_K"):
        SignedMTJNeuron.from_preset().barrier_kT(math.nan)


def test_compact_model_rejects():
    m = default_signed_mtj_neuron()
    for name in ("leak", "gain_per_A", "theta_pos", "noise_std", "T_K", "energy_per_spike_J"):
        kw = {**m.to_dict(), name: math.nan}
        with pytest.raises(ValueError, match=name):
            CompactSignedLIF.from_dict(kw)
    with pytest.raises(ValueError, match="I_A"):
        simulate_compact(m, np.array([0.0, math.nan]))
    with pytest.raises(ValueError, match="I_A"):
        m.p_fire(math.inf)
    with pytest.raises(ValueError, match="T_K"):
        default_signed_mtj_neuron(math.nan)


def test_readout_rejects():
    p = _p()
    m = np.tile([1.0, 0, 0], (5, 2, 1))
    with pytest.raises(ValueError, match="m"):
        readout.conductance_S(np.full((2, 3), math.nan), p)
    with pytest.raises(ValueError, match="V_half_V"):
        readout.tmr_bias(1.5, 0.1, 0.0)
    with pytest.raises(ValueError, match="V_V"):
        readout.tmr_bias(1.5, math.nan, 0.5)
    with pytest.raises(ValueError, match="I_A"):
        readout.energy_current_drive_J(np.full((5, 2), math.inf), m, p, 1e-12)
    with pytest.raises(ValueError, match="dt_s"):
        readout.energy_voltage_drive_J(np.zeros((5, 2)), m, p, math.nan)


# ------------------------------------------------------------------ property tests (hypothesis)
ANALYTIC = [
    ("Ms_A_per_m", lambda v: A.kittel_frequency_Hz(v, (0.7, 0.15, 0.15), 0.0)),
    ("B_z_T", lambda v: A.kittel_frequency_Hz(8e5, (0.7, 0.15, 0.15), v)),
    ("demag", lambda v: A.kittel_frequency_Hz(8e5, (v, 0.15, 0.15), 0.0)),
    ("psi_rad", lambda v: A.stoner_wohlfarth_h_sw([0.1, v])),
    ("alpha", lambda v: A.sun_critical_current_A_per_m2(v, 1e6, 1e-9, 0.1, 0.6)),
    ("eta", lambda v: A.sun_critical_current_A_per_m2(0.01, 1e6, 1e-9, 0.1, v)),
    ("T_K", lambda v: A.neel_time_s(0.1, 1e6, 1e-24, v)),
    ("sigma", lambda v: A.neel_brown_mfpt_s(v, 1e-9)),
    ("tau_N_s", lambda v: A.brown_asymptotic_mfpt_s(3.0, v)),
    ("sigma", lambda v: A.boltzmann_mz2_uniaxial(v)),
    ("stiffness_J", lambda v: A.boltzmann_moments_diagonal((0.0, v, 1e-21), 300.0)),
    ("B_x_T", lambda v: A.relaxation_time_s(0.02, v, 0.1)),
    ("V_m3", lambda v: A.barrier_J(1e6, v, 0.5, 0.2)),
    ("TMR", lambda v: A.julliere_polarisation(v)),
    ("m", lambda v: A.energy_density_J_per_m3([v, 0.0, 1.0], 1e6, (0.2, 0.3, 0.5))),
]


@pytest.mark.parametrize("name, fn", ANALYTIC, ids=[f"{i}-{a[0]}" for i, a in enumerate(ANALYTIC)])
@FAST
@given(v=bad_float)
def test_analytic_nonfinite_raises_naming_argument(name, fn, v):
    with pytest.raises(ValueError, match=name):
        fn(v)


@FAST
@given(v=st.floats(allow_nan=True, allow_infinity=True))
def test_drive_any_float_is_accepted_iff_finite(v):
    if math.isfinite(v):
        assert Drive(stt=v).stt == v
    else:
        with pytest.raises(ValueError, match=r"drive\.stt"):
            Drive(stt=v)


@FAST
@given(I=st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=1, max_size=6))
def test_neuron_current_nonfinite_raises(I):
    I = np.asarray(I)
    if np.all(np.isfinite(I)):
        return  # finite currents are simulated: covered by test_neuron.py (this file never compiles a kernel)
    with pytest.raises(ValueError, match="I_A"):
        SignedMTJNeuron.from_preset().run(I)


@FAST
@given(x=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10, 10)),
       lo=st.floats(-1e3, 1e3), width=st.floats(0, 1e3))
def test_checker_contract(x, lo, width):
    from devices._check import real

    hi = lo + width
    ok = math.isfinite(x) and lo <= x <= hi
    if ok:
        assert real("q", x, lo, hi) == float(x)
    else:
        with pytest.raises(ValueError, match="q must be finite and in"):
            real("q", x, lo, hi)


@FAST
@given(shape=st.sampled_from([(0,), (2,), (4, 3), (2, 3, 3)]))
def test_wrong_shapes_raise(shape):
    with pytest.raises(ValueError, match="m0"):
        simulate(_p(2), np.ones(shape), 1e-12, 10)
