"""Spiking forecaster in the numpy runtime (``fdir.runtime.spiking``, FORMAT.md "Spiking forecaster") against
independent references: the send-on-delta encoder of ``sensors.encoders`` and the JAX engine ``snn.model.apply``
(without a noise key: the runtime is deterministic) on untrained networks with random weights, biases and
input-to-readout synapses, for the signed LIF and the MTJ-LIF neuron. No training here (a few seconds of JAX
compilation); the trained-model checks are in test_spiking_export.py and test_spiking_telemetry.py."""

import json
import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import fdir.runtime as rt
from fdir.detectors.spiking import SpikingConfig, SpikingDetector, encode
from fdir.detectors.spiking_export import export_spiking
from fdir.runtime import FormatError
from fdir.runtime.spiking import EVENT_CAP, SpikingForecaster

L_S = 40


def _series(T=1500, seed=0):
    """A random walk with a sine and a few jumps of several δ (multi-level crossings), float32-exact."""
    rng = np.random.default_rng(seed)
    x = 0.5 * np.sin(np.arange(T) / 7.0) + np.cumsum(0.03 * rng.standard_normal(T))
    x[rng.integers(100, T, 6)] += rng.choice([-1.0, 1.0], 6) * rng.uniform(0.3, 0.8, 6)
    return x.astype(np.float32).astype(np.float64)


def _model(neuron: str, seed: int = 0, n_hidden: int = 16, n_predictions: int = 3) -> SpikingDetector:
    """An untrained spiking forecaster with random parameters (snn.model.init_params plus random biases and
    input-to-readout weights)."""
    import jax

    from snn.model import init_params

    cfg = SpikingConfig(neuron=neuron, n_hidden=n_hidden, n_predictions=n_predictions, l_s=L_S, seed=seed)
    spec = cfg.spec()
    p = jax.tree_util.tree_map(lambda a: np.asarray(a, np.float32), init_params(jax.random.PRNGKey(seed), spec))
    rng = np.random.default_rng(seed)
    theta = float(spec.layers[0].neuron.theta_pos)
    p["layers"][0]["b"] = (0.05 * theta * rng.standard_normal(n_hidden)).astype(np.float32)
    p["readout"]["b"] = (0.1 * rng.standard_normal(n_predictions)).astype(np.float32)
    p["readout"]["w_in"] = (0.5 * rng.standard_normal((1, n_predictions))).astype(np.float32)
    return SpikingDetector(cfg, delta=0.05, spec=spec, params=p)


def _jax_forecasts(model: SpikingDetector, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Forecasts (T, O) r_t + δ (y_t + c_t w_in) and hidden spikes (T, H) of the JAX engine, no noise key."""
    import jax.numpy as jnp

    from snn.model import apply

    c, r = encode(x, model.delta)
    P = model.params
    params = {"layers": [{k: jnp.asarray(v) for k, v in P["layers"][0].items()}],
              "readout": {k: jnp.asarray(v) for k, v in P["readout"].items() if k != "w_in"}}
    xin = jnp.asarray(c[None, :, None], jnp.float32)
    out = apply(params, model.spec, xin, None)
    y = np.asarray(out.y + xin * jnp.asarray(P["readout"]["w_in"][0]), np.float64)[0]
    return r[:, None] + model.delta * y, np.asarray(out.spikes[0], np.float64)[0]


def _run(forecaster: SpikingForecaster, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Forecasts (T, O) and spikes (T, H) of the runtime model, one sample per step."""
    forecaster.reset()
    Y = np.empty((x.size, forecaster.O))
    S = np.empty((x.size, forecaster.H))
    for t, v in enumerate(x):
        forecaster.push(np.array([v], np.float32))
        Y[t], S[t] = forecaster.y, forecaster.s
    return Y, S


@pytest.fixture(scope="module", params=["lif", "mtj"])
def case(request):
    model = _model(request.param)
    x = _series()
    ref, spikes = _jax_forecasts(model, x)
    return model, x, ref, spikes


def test_encoder_matches_sensors_send_on_delta():
    """Counts and reconstruction equal sensors.encoders.send_on_delta / reconstruct_send_on_delta exactly,
    jumps of several δ included."""
    from sensors.encoders import reconstruct_send_on_delta, send_on_delta

    x = _series(seed=3)
    f = SpikingForecaster(*export_spiking(_model("lif"), w_bits=None))
    counts, recon = [], []
    for v in x:
        counts.append(f.encode(float(np.float32(v))))
        recon.append(f.r)
    ref = send_on_delta(x, 0.05)
    assert np.abs(ref).max() >= 3                                  # multi-level crossings occur
    np.testing.assert_array_equal(counts, ref)
    np.testing.assert_array_equal(recon, reconstruct_send_on_delta(ref, 0.05, x0=x[0]))


def test_float_runtime_reproduces_the_jax_engine(case):
    """Float32 bundle vs snn.model.apply: identical spikes, forecasts within 1e-5 δ (float32 rounding of the
    recurrent sums, whose order differs between numpy and XLA)."""
    model, x, ref, spikes = case
    Y, S = _run(SpikingForecaster(*export_spiking(model, w_bits=None)), x)
    assert 0.05 < np.mean(np.abs(spikes)) < 0.95                  # the layer is neither silent nor saturated
    np.testing.assert_array_equal(S, spikes)
    np.testing.assert_allclose(Y, ref, rtol=0, atol=1e-5 * model.delta)


def test_integer_path_equals_the_dequantised_float_run(case):
    """The int32-accumulator path (membrane in accumulator units, rescaled thresholds) computes the same network as
    its dequantised float32 weights: spikes agree on >= 99.9 % of neuron-steps, forecasts within 1e-3 δ."""
    model, x, _, _ = case
    spec, arrays = export_spiking(model, w_bits=8)
    Yi, Si = _run(SpikingForecaster(spec, arrays, fixed_point=True), x)
    Yf, Sf = _run(SpikingForecaster(spec, arrays, fixed_point=False), x)
    assert np.mean(Si == Sf) >= 0.999
    assert np.median(np.abs(Yi - Yf)) <= 1e-3 * model.delta


def test_int16_weights_agree_with_float(case):
    """At 16 bits the quantisation error (< 2^-16 of each column's range) leaves the spikes and forecasts of the
    float model: spikes agree on >= 99.9 % of neuron-steps, 99 % of the forecasts within 1e-3 δ."""
    model, x, ref, spikes = case
    Y, S = _run(SpikingForecaster(*export_spiking(model, w_bits=16), fixed_point=True), x)
    assert np.mean(S == spikes) >= 0.999
    assert np.percentile(np.abs(Y - ref), 99) <= 1e-3 * model.delta


def test_int8_weights_agree_with_float_within_tolerance(case):
    """int8 (per postsynaptic unit) vs float on random inputs: spikes agree on >= 90 % of neuron-steps and the
    mean forecast difference stays below 0.25 δ (the send-on-delta resolution of the input)."""
    model, x, ref, spikes = case
    Y, S = _run(SpikingForecaster(*export_spiking(model, w_bits=8), fixed_point=True), x)
    assert np.mean(S == spikes) >= 0.90
    assert np.mean(np.abs(Y - ref)) <= 0.25 * model.delta


def test_bundle_round_trip_and_detector_fields(tmp_path):
    """save_bundle / load: the same forecasts and result fields as ForecastRuntime, fixed point by default for a
    quantised bundle; int8 weights on disk."""
    model = _model("lif")
    x = _series()[:, None]
    spec, arrays = export_spiking(model, w_bits=8)
    run = rt.load(rt.save_bundle(tmp_path / "b", spec, arrays))
    assert run.fixed_point and run.t0 == L_S and run.horizon == 3
    _, arr = rt.read_bundle(tmp_path / "b")
    assert arr["spiking.hidden.w_rec"].dtype == np.int8 and arr["spiking.readout.w"].dtype == np.int8
    out = run.run_series(x)
    again = rt.from_arrays(spec, arrays).run_series(x)
    np.testing.assert_array_equal(out["predictions"], again["predictions"])
    np.testing.assert_array_equal(out["flags"], again["flags"])
    r = run.step(x[0])
    assert {"t", "valid", "prediction", "error", "head_errors", "decided"} <= set(type(r).__slots__)


def test_invalid_sample_is_held_and_never_enters_the_state():
    """A NaN / inf target: result.valid False, no error, and every later forecast equals that of the series with
    the last valid value held (the held value emits no event)."""
    model = _model("mtj")
    x = _series()[:, None]
    k = 700
    bad, held = x.copy(), x.copy()
    bad[k, 0], bad[k + 5, 0] = math.nan, math.inf
    held[k, 0], held[k + 5, 0] = x[k - 1, 0], x[k + 4, 0]
    bundle = export_spiking(model, w_bits=8)
    run, ref = rt.from_arrays(*bundle), rt.from_arrays(*bundle)
    p_bad, p_ref, valid = [], [], []
    for a, b in zip(bad, held):
        r = run.step(a)
        valid.append(r.valid)
        if not r.valid:
            assert math.isnan(r.error)
        p_bad.append(r.prediction)
        p_ref.append(ref.step(b).prediction)
    assert np.flatnonzero(~np.array(valid)).tolist() == [k, k + 5]
    np.testing.assert_array_equal(p_bad, p_ref)


def test_event_count_saturates_in_fixed_point_only():
    """A valid jump of 10⁶ δ: the float path stays exact (reconstruction follows), the integer synapses see at most
    EVENT_CAP events, and both forecasts stay finite."""
    model = _model("lif")
    f = SpikingForecaster(*export_spiking(model, w_bits=None))
    q = SpikingForecaster(*export_spiking(model, w_bits=8), fixed_point=True)
    for v in (0.0, 0.0, 1e6 * model.delta, 1e6 * model.delta):
        f.push(np.array([v], np.float32))
        q.push(np.array([v], np.float32))
        assert np.all(np.isfinite(f.y)) and np.all(np.isfinite(q.y))
    assert abs(f.r - 1e6 * model.delta) < model.delta and abs(q.r - f.r) == 0.0
    assert EVENT_CAP == 2**15 - 1


def test_steps_allocate_nothing(builders):
    """10⁴ steps of the int8 runtime: traced memory does not grow (buffers are allocated at load; 32 KB of slack
    for numpy's internal caches, while one Python float kept per step would add 240 KB)."""
    spec, arrays = export_spiking(_model("lif"), w_bits=8)
    spec["detector"]["threshold"].update(batch_size=20, window_size=10)
    run = rt.from_arrays(spec, arrays)
    x = _series(10_300)[:, None]
    for i in range(300):
        run.step(x[i])
    grown = builders["memory_growth"](run.step, x[300:])
    assert grown <= 32 * 1024, f"memory grew by {grown} bytes"


def test_bad_bundles_and_arguments_raise():
    model = _model("lif")
    spec, arrays = export_spiking(model, w_bits=None)
    for field, value in (("delta", 0.0), ("delta", math.nan)):
        bad = json.loads(json.dumps(spec))
        bad["spiking"]["encoder"][field] = value
        with pytest.raises(FormatError, match=r"encoder\.delta"):
            rt.from_arrays(bad, arrays)
    bad = json.loads(json.dumps(spec))
    bad["spiking"]["neuron"]["reset"] = "value"
    with pytest.raises(FormatError, match=r"neuron\.reset"):
        rt.from_arrays(bad, arrays)
    with pytest.raises(FormatError, match="fixed_point"):
        rt.from_arrays(spec, arrays, fixed_point=True)
    with pytest.raises(FormatError, match="layers"):
        rt.save_bundle("/nonexistent-never-written", dict(spec, layers=[{"name": "x", "op": "relu"}]), arrays)
    with pytest.raises(FormatError, match="shape"):
        rt.from_arrays(spec, dict(arrays, **{"spiking.hidden.w_rec": np.zeros((3, 3), np.float32)}))
    with pytest.raises(ValueError, match="w_bits"):
        export_spiking(model, w_bits=1)
    with pytest.raises(ValueError, match="channels"):
        export_spiking(model, channels=0)


BLOCKED = ("jax", "jaxlib", "numba", "llvmlite", "scipy", "sklearn", "pandas", "torch", "optax", "brian2", "hwsim",
           "snn", "devices", "sensors")


def test_spiking_bundle_runs_with_heavy_packages_blocked(tmp_path):
    """The int8 spiking bundle loads and runs in a process where jax, numba, scipy, snn, sensors ... cannot be
    imported, and gives the same flags as in this process."""
    spec, arrays = export_spiking(_model("mtj"), w_bits=8)
    folder = rt.save_bundle(tmp_path / "spiking", spec, arrays)
    x = _series(3000)[:, None]
    x[2000:2030, 0] += 2.0
    np.save(tmp_path / "x.npy", x)
    expected = rt.load(folder).run_series(x)["flags"]
    code = textwrap.dedent(f"""
        import importlib.abc, json, sys
        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {BLOCKED!r}:
                    raise ImportError(name)
        sys.meta_path.insert(0, Block())
        import numpy as np
        import fdir.runtime as rt
        out = rt.load({str(folder)!r}).run_series(np.load({str(tmp_path / "x.npy")!r}))
        print(json.dumps(out["flags"].tolist()))
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.strip().splitlines()[-1]) == expected.tolist()
