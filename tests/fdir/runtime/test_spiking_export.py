"""``fdir.detectors.spiking_export.export_spiking`` on a trained spiking forecaster (tiny configuration, two
epochs): the float32 bundle reproduces ``SpikingTrainer.predict`` (the JAX engine; signed LIF, no noise) sample by
sample, its detections equal the offline NDT's on the JAX errors, and the int8 bundle stays close to float."""

import numpy as np
import pytest

import fdir.runtime as rt
from fdir.detectors.spiking import SpikingConfig, SpikingTrainer
from fdir.detectors.spiking_export import export_spiking
from fdir.ndt import NDTParams, detect, num_to_ignore

L_S = 50


@pytest.fixture(scope="module")
def trained():
    rng = np.random.default_rng(0)
    t = np.arange(1900)
    x = 0.8 * np.sin(2 * np.pi * t / 40.0) + 0.05 * rng.standard_normal(t.size)
    x[1500:1520] += 0.6                                           # a level excursion in the test part
    x = x.astype(np.float32).astype(np.float64)                  # float32-exact: the runtime takes float32 samples
    cfg = SpikingConfig(n_hidden=16, seq_len=64, seq_stride=32, warmup=8, epochs=2, batch_size=8, l_s=L_S)
    tr = SpikingTrainer(cfg)
    model = tr.fit(x[:800])
    test = x[800:]
    return model, test, tr.predict(model, test)["y_hat"][:, 0]


def test_float_export_reproduces_spiking_trainer_predict(trained):
    """Forecasts of the float32 runtime equal SpikingTrainer.predict within 1e-5 δ (float32 rounding)."""
    model, test, y_hat = trained
    out = rt.from_arrays(*export_spiking(model, w_bits=None)).run_series(test[:, None])
    ref = y_hat[L_S - 1:test.size - 1]
    np.testing.assert_allclose(out["predictions"], ref, rtol=0, atol=1e-5 * model.delta)


def test_float_export_detections_equal_offline_ndt(trained):
    """The runtime's streaming NDT (with the offline ignore rule) flags what fdir.ndt.detect flags on the JAX
    first-step errors."""
    model, test, y_hat = trained
    ndt = NDTParams(l_s=L_S)
    y = test[L_S:]
    ref = detect(np.abs(y_hat[L_S - 1:-1] - y), y, ndt, offset=L_S)
    out = rt.from_arrays(*export_spiking(model, w_bits=None, ndt=ndt)).run_series(
        test[:, None], n_ignore=num_to_ignore(y.size, ndt))
    assert [tuple(s) for s in out["sequences"]] == [tuple(s) for s in ref.sequences]


def test_int8_export_close_to_float(trained):
    """int8 weights (per postsynaptic unit), int32 accumulation: the mean forecast difference to float stays below
    0.25 δ and below a quarter of the float model's own mean error (what NDT thresholds); the bundle declares the
    quantisation."""
    model, test, y_hat = trained
    spec, arrays = export_spiking(model)
    assert spec["quantization"]["w_bits"] == 8 and spec["quantization"]["acc_bits"] == 32
    out = rt.from_arrays(spec, arrays).run_series(test[:, None])
    ref = y_hat[L_S - 1:test.size - 1]
    d = np.abs(out["predictions"] - ref)
    assert d.mean() <= 0.25 * model.delta
    assert d.mean() <= 0.25 * np.abs(ref - test[L_S:]).mean()


def test_channels_and_pipeline_standardisation(trained):
    """``channels`` widens the input (the model reads channel 0); the input section takes a standardisation, as
    the pipeline composes it: raw = z·std + mean gives the same forecasts in raw-to-standardised units."""
    model, test, _ = trained
    spec, arrays = export_spiking(model, w_bits=None, channels=3)
    X = np.stack([test, np.zeros_like(test), np.ones_like(test)], axis=1)
    base = rt.from_arrays(spec, arrays).run_series(X)["predictions"]
    arrays = dict(arrays, **{"in.mean": np.array([0.5, 0, 0], np.float32), "in.std": np.array([2, 1, 1], np.float32)})
    spec["input"].update(mean="in.mean", std="in.std")
    scaled = rt.from_arrays(spec, arrays).run_series(X * [2, 1, 1] + [0.5, 0, 0])["predictions"]
    np.testing.assert_allclose(scaled, base, rtol=0, atol=1e-3 * model.delta)
