"""Bad input is never silent in ``sensors`` (issue 18): property-based tests (hypothesis) drive NaN, ±inf, empty,
wrong-shape and extreme inputs through the public API. Every non-finite array or physical quantity raises
``ValueError`` naming the argument; extreme but finite inputs give finite outputs or a ``ValueError``.
"""

import math

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sensors import adc, allan, emva, encoders, energy, mic, pdm
from sensors.camera import CameraParams, capture_numpy, dark_current_at, exposure_photons_numpy
from sensors.dvs import DVSParams, dvs_init_numpy, dvs_simulate_numpy
from sensors.imu import ImuParams, simulate_imu

FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BAD = st.sampled_from([math.nan, math.inf, -math.inf])
CAM = CameraParams(qe=0.6, gain_DN_per_e=0.2, read_noise_e=3.0, dark_current_e_per_s=50.0, full_well_e=1e4,
                   offset_DN=40.0, adc_bits=12)
MIC = mic.MicParams.inmp441()


@st.composite
def poisoned(draw, shape, lo=0.0, hi=100.0):
    """A float64 array of ``shape`` (a strategy or a tuple) in [lo, hi] with one NaN or ±inf at a random place."""
    shp = draw(shape) if isinstance(shape, st.SearchStrategy) else shape
    a = draw(hnp.arrays(np.float64, shp, elements=st.floats(lo, hi)))
    a.flat[draw(st.integers(0, a.size - 1))] = draw(BAD)
    return a


def _raises_naming(name, fn, *args, **kw):
    with pytest.raises(ValueError) as info:
        fn(*args, **kw)
    assert name in str(info.value), f"{fn.__name__}: message {str(info.value)!r} does not name {name!r}"


IMAGE = hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=5)
SERIES = st.integers(3, 40).map(lambda n: (n,))
CHANNELS = st.tuples(st.integers(1, 12), st.integers(1, 3))

# (argument name, shape strategy, call with the poisoned array)
ARRAY_CASES = {
    "capture_numpy": ("photons", IMAGE, lambda a: capture_numpy(CAM, a, 0.01, 0)),
    "exposure_photons_numpy": ("scene_rate", IMAGE, lambda a: exposure_photons_numpy(a, 0.01)),
    "emva.snr": ("mu_p", SERIES, lambda a: emva.snr(a, CAM)),
    "emva.temporal_stats": ("frame_a", IMAGE, lambda a: emva.temporal_stats(a, np.ones_like(a))),
    "emva.dsnu_prnu": ("dark_stack", (2, 3, 3), lambda a: emva.dsnu_prnu(a, np.ones((2, 3, 3)), 0.2)),
    "dvs_init_numpy": ("frame0", IMAGE, lambda a: dvs_init_numpy(DVSParams(), a, 0)),
    "dvs_simulate_numpy": ("frames", (3, 2, 2), lambda a: dvs_simulate_numpy(
        DVSParams(), dvs_init_numpy(DVSParams(), np.ones((2, 2)), 0), a, 1e-3)),
    "simulate_imu": ("truth", st.integers(2, 20).map(lambda n: (n, 3)),
                     lambda a: simulate_imu(ImuParams(), a, 100.0, 0)),
    "allan_variance": ("omega", SERIES, lambda a: allan.allan_variance(a, 10.0, m=[1])),
    "loglog_slope": ("adev", st.just((4,)), lambda a: allan.loglog_slope([1.0, 2.0, 4.0, 8.0], a, 1.0, 8.0)),
    "mic_simulate": ("p_Pa", st.integers(16, 64).map(lambda n: (n,)), lambda a: mic.mic_simulate(MIC, a, 48e3, 0)),
    "level_dbfs": ("y", SERIES, lambda a: mic.level_dbfs(a, 48e3)),
    "a_weighting_dB": ("f_Hz", SERIES, mic.a_weighting_dB),
    "adc.quantise": ("x", SERIES, lambda a: adc.quantise(a, 8, 100.0)),
    "adc.sndr_db": ("x_hat", SERIES, lambda a: adc.sndr_db(np.linspace(-1, 1, a.size), a)),
    "send_on_delta": ("x", CHANNELS, lambda a: encoders.send_on_delta(a, 0.5)),
    "sigma_delta": ("x", CHANNELS, lambda a: encoders.sigma_delta(a, 200.0)),
    "rate_encode": ("x", SERIES, lambda a: encoders.rate_encode(a, 4, rng=0)),
    "latency_encode": ("x", SERIES, lambda a: encoders.latency_encode(a, 4)),
    "reconstruct_send_on_delta": ("counts", CHANNELS, lambda a: encoders.reconstruct_send_on_delta(a, 0.5)),
    "split_on_off": ("s", SERIES, encoders.split_on_off),
    "pdm_modulate": ("x", SERIES, pdm.pdm_modulate),
}


@pytest.mark.parametrize("case", sorted(ARRAY_CASES))
def test_non_finite_arrays_raise_naming_the_argument(case):
    name, shape, call = ARRAY_CASES[case]

    @FAST
    @given(a=poisoned(shape))
    def prop(a):
        _raises_naming(name, call, a)

    prop()


# (argument name, call with a non-finite scalar)
SCALAR_CASES = {
    "capture_numpy t_exp_s": ("t_exp_s", lambda v: capture_numpy(CAM, np.ones((2, 2)), v, 0)),
    "photons_per_pixel": ("irradiance_W_per_m2", lambda v: emva.photons_per_pixel(v, 0.01, 1e-12, 5e-7)),
    "dark_current_at": ("dark_current_ref_e_per_s", lambda v: dark_current_at(v, 300.0)),
    "dark_current_at T": ("T_K", lambda v: dark_current_at(10.0, v)),
    "spl_to_pa": ("spl_dB", mic.spl_to_pa),
    "pa_to_spl": ("p_rms_Pa", mic.pa_to_spl),
    "enob": ("sndr_db", adc.enob),
    "lsb": ("full_scale", lambda v: adc.lsb(8, v)),
    "adc_codes v_min": ("v_min", lambda v: adc.adc_codes(np.zeros(3), 8, v_min=v)),
    "simulate_imu fs": ("fs_Hz", lambda v: simulate_imu(ImuParams(), np.zeros((4, 3)), v, 0)),
    "allan_variance fs": ("fs_Hz", lambda v: allan.allan_variance(np.zeros(8), v)),
    "allan_model N": ("N", lambda v: allan.allan_model(np.ones(3), N=v)),
    "send_on_delta delta": ("delta", lambda v: encoders.send_on_delta(np.zeros((3, 1)), v)),
    "reconstruct delta": ("delta", lambda v: encoders.reconstruct_send_on_delta(np.zeros((3, 1)), v)),
    "rate_encode f_max": ("f_max_Hz", lambda v: encoders.rate_encode(np.zeros(2), 3, f_max_Hz=v)),
    "camera_frame_energy": ("t_frame_s", lambda v: energy.camera_frame_energy(10, 8, t_frame_s=v)),
    "event_sensor_energy": ("n_events", lambda v: energy.event_sensor_energy(v)),
    "sampled_sensor_energy": ("fs_Hz", lambda v: energy.sampled_sensor_energy(10, v, P_active_W=1e-3)),
    "adc_energy margin": ("margin", lambda v: energy.adc_energy_per_conversion(8, margin=v)),
    "mic_simulate fs": ("fs_Hz", lambda v: mic.mic_simulate(MIC, np.zeros(32), v, 0)),
}


@pytest.mark.parametrize("case", sorted(SCALAR_CASES))
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
def test_non_finite_quantities_raise_naming_the_argument(case, value):
    name, call = SCALAR_CASES[case]
    _raises_naming(name, call, value)


@pytest.mark.parametrize(("name", "call"), [
    ("omega", lambda: allan.allan_variance(np.zeros((4, 2, 2)), 1.0)),
    ("omega", lambda: allan.allan_variance(np.zeros(2), 1.0)),
    ("truth", lambda: simulate_imu(ImuParams(), np.zeros((5, 2)), 100.0, 0)),
    ("frame0", lambda: dvs_init_numpy(DVSParams(), np.ones(4), 0)),
    ("frames", lambda: dvs_simulate_numpy(DVSParams(), dvs_init_numpy(DVSParams(), np.ones((2, 2)), 0),
                                          np.ones((3, 2, 3)), 1e-3)),
    ("p_Pa", lambda: mic.mic_simulate(MIC, np.zeros((4, 2)), 48e3, 0)),
    ("y", lambda: mic.level_dbfs(np.zeros(0), 48e3)),
    ("x", lambda: adc.sndr_db(np.zeros(0), np.zeros(0))),
    ("frame_a", lambda: emva.temporal_stats(np.ones((2, 2)), np.ones((3, 3)))),
    ("tau_s", lambda: allan.fit_allan([1.0, 2.0], [1.0, 2.0, 3.0])),
    ("counts", lambda: encoders.reconstruct_send_on_delta(np.int64(3), 0.5)),
    ("x", lambda: encoders.send_on_delta(np.zeros(()), 0.5)),
])
def test_empty_and_wrong_shapes_raise_naming_the_argument(name, call):
    _raises_naming(name, call)


@pytest.mark.parametrize(("name", "call"), [
    ("photons", lambda: capture_numpy(CAM, -np.ones((2, 2)), 0.01, 0)),
    ("mu_p", lambda: emva.snr(-1.0, CAM)),
    ("K", lambda: emva.dsnu_prnu(np.ones((2, 2, 2)), np.ones((2, 2, 2)), 0.0)),
    ("p_rms_Pa", lambda: mic.pa_to_spl(0.0)),
    ("f_Hz", lambda: mic.a_weighting_dB(-1.0)),
    ("frames", lambda: dvs_simulate_numpy(DVSParams(), dvs_init_numpy(DVSParams(), np.ones((2, 2)), 0),
                                          -np.ones((3, 2, 2)), 1e-3)),
    ("bits", lambda: adc.quantise(np.zeros(3), 0)),
    ("n_steps", lambda: encoders.rate_encode(np.zeros(3), 0)),
    ("tau_s", lambda: allan.allan_model(np.array([0.0]), N=1.0)),
])
def test_out_of_range_quantities_raise_naming_the_argument(name, call):
    _raises_naming(name, call)


@FAST
@given(x=hnp.arrays(np.float64, SERIES, elements=st.floats(-1e300, 1e300)),
       fs=st.floats(1e-3, 1e9))
def test_extreme_finite_inputs_never_give_silent_nan(x, fs):
    """Huge but finite samples: the ADC saturates to valid codes, the Allan variance is not NaN (finite, inf from
    squaring, or a ValueError naming omega when the integral overflows), and the encoders either code them or
    refuse with a ValueError (no NaN, no wrap)."""
    q = adc.quantise(x, 12, 2.0, -1.0)
    assert np.all(np.isfinite(q)) and q.min() >= -1.0 and q.max() <= 1.0
    try:
        with np.errstate(over="ignore"):
            _, av = allan.allan_variance(x, fs, m=[1])
    except ValueError as exc:
        assert "omega" in str(exc)
    else:
        assert not np.any(np.isnan(av))
    try:
        s = encoders.send_on_delta(x[:, None], 1e290)
    except ValueError as exc:
        assert "overflow" in str(exc) or "x" in str(exc)
    else:
        r = encoders.reconstruct_send_on_delta(s, 1e290, x0=x[0])
        assert np.all(np.abs(r[:, 0] - x) < 1e290 * (1 + 1e-9))
