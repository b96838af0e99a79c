"""Numpy-only runtime: import isolation, fixed memory per step, agreement with the training-side model (float32
and fixed point), the forecaster path with online dynamic thresholding, and format errors."""

import json
import subprocess
import sys
import textwrap
import tracemalloc

import numpy as np
import pytest

import fdir.runtime as rt
from fdir.reaction_wheel.logic import FdirConfig
from fdir.reaction_wheel.peephole.study import probe_features
from fdir.runtime.bundle import FORMAT_VERSION, read_bundle, save_bundle
from fdir.runtime.export import export_bundle, make_bundle
from fdir.runtime.graph import FormatError


@pytest.fixture(scope="module")
def bundles(quick_study, tmp_path_factory):
    cfg, _res, art = quick_study
    model, probe = art["model"], art["probe"]
    from fdir.reaction_wheel.sim.dataset import windows
    from fdir.reaction_wheel.sim.simulate import simulate

    nominal = windows(simulate(2 * 3600.0, [777]).x)
    out = {}
    for fp in (False, True):
        d = tmp_path_factory.mktemp("fp" if fp else "float")
        export_bundle(d, model.export_layers(probe_layer=cfg.layer), probe=probe, fdir_config=FdirConfig(),
                      fixed_point=fp, calib_windows=nominal)
        out[fp] = d
    return cfg, model, probe, art["test"], out


def test_runtime_imports_numpy_only(bundles, tmp_path):
    _cfg, _model, _probe, test, paths = bundles
    np.save(tmp_path / "x.npy", test[0][:4])
    code = textwrap.dedent(f"""
        import sys
        for name in ("jax", "jaxlib", "torch", "sklearn", "scipy", "pandas", "numba", "optax"):
            sys.modules[name] = None  # any import of these now raises ImportError
        import numpy as np
        import fdir.runtime as rt
        from fdir.runtime import export, forecast, monitor, probe, quant  # noqa: F401
        run = rt.load({str(paths[True])!r})
        out = run.run_windows(np.load({str(tmp_path / "x.npy")!r}))
        third = {{m.split(".")[0] for m in sys.modules if sys.modules[m] is not None}}
        std = set(sys.stdlib_module_names) | {{"fdir", "numpy", "__main__", "_distutils_hack"}}
        print(sorted(m for m in third - std if not m.startswith("__editable__")))
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]", r.stdout


def test_step_allocates_nothing_over_ten_thousand_steps(bundles):
    _cfg, _model, _probe, test, paths = bundles
    run = rt.load(paths[False])
    x = np.ascontiguousarray(test[0][:700].transpose(0, 2, 1).reshape(-1, 16), np.float32)
    tracemalloc.start()
    for i in range(64):  # warm-up under tracing: objects replaced later are then traced when freed
        run.step(x[i])
    base, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    windows_done = 0
    for i in range(64, 64 + 10_000):
        windows_done += run.step(x[i]).window_done
    cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert windows_done == 625
    # no array is allocated per step: what remains are a few live Python scalars (counters, last score)
    assert cur - base <= 512, f"memory grew by {cur - base} bytes"
    assert peak - base < 4096, f"transient peak {peak - base} bytes"


def test_float_runtime_matches_the_model(bundles):
    _cfg, model, probe, test, paths = bundles
    xw = test[0][:300]
    run = rt.load(paths[False])
    out = run.run_windows(xw)
    ref = model.score(xw)
    assert np.allclose(out["score"], ref, rtol=1e-4, atol=1e-6)
    assert np.array_equal(out["flag"], ref > model.threshold)
    cv = probe_features(model, probe, xw)
    pred = probe.predict(cv)
    for fam in ("wheel", "type", "channel"):
        agree = out[fam] == pred[fam]
        assert agree.mean() >= 0.99, fam  # equal up to float32 ties at the tau boundary
    # the last window's posterior vector
    p_ref = probe.proba(cv[-1:], "type")[0]
    assert np.allclose(run.probe.proba["type"], p_ref, atol=1e-4)


def test_fixed_point_runtime_agrees_on_decisions(bundles):
    _cfg, model, _probe, test, paths = bundles
    spec, arrays = read_bundle(paths[True])
    affine = [layer for layer in spec["layers"] if "quant" in layer]
    assert affine and all(arrays[layer["w"]].dtype == np.int8 for layer in affine)
    assert all(arrays[layer["b"]].dtype == np.int32 for layer in affine)
    assert arrays[spec["peephole"]["gmm_means"]].dtype == np.int16
    xw = test[0][:400]
    out = rt.load(paths[True]).run_windows(xw)
    ref = model.score(xw)
    assert np.mean(out["flag"] == (ref > model.threshold)) >= 0.99
    assert np.median(np.abs(out["score"] - ref) / ref) < 0.1
    fl = rt.load(paths[False])
    assert rt.load(paths[True]).nbytes["detector_params"] < 0.4 * fl.nbytes["detector_params"]


def test_fdir_chain_runs_inside_the_runtime(bundles):
    _cfg, _model, _probe, test, paths = bundles
    xw, lab = test
    run = rt.load(paths[False])
    run.run_windows(xw[lab.faulty][:60])
    events = {r["event"] for r in run.fdir.log_records()}
    assert "alarm_raised" in events


def test_nan_window_is_not_scored(bundles):
    _cfg, _model, _probe, test, paths = bundles
    run = rt.load(paths[False])
    x = test[0][0].T.copy()
    x[3, 5] = np.nan
    for s in x:
        r = run.step(s)
    assert r.window_done and not r.valid and not r.flag
    with pytest.raises(ValueError, match="16 values"):
        run.step(np.zeros(3))


# ------------------------------------------------------------------------------------- forecaster path


def _persistence_forecaster(W=30, D=2, threshold=None):
    """A dense 'forecaster' predicting the last value of channel 0 (layout samples x channels)."""
    w = np.zeros((W * D, 1), np.float32)
    w[(W - 1) * D + 0, 0] = 1.0
    spec = {"format": "hwsim-embeddable-layers", "version": 1, "name": "persistence",
            "input": {"channels": D, "window": W, "layout": "samples x channels", "shape": [W * D],
                      "mean": None, "std": None},
            "layers": [{"name": "fc", "op": "dense", "w": "fc.w", "b": "fc.b"}],
            "detector": {"kind": "forecast", "target": 0, "horizon": 1,
                         "threshold": threshold or {"method": "ndt", "batch_size": 70, "window_size": 30,
                                                    "l_s": W}}}
    return spec, {"fc.w": w, "fc.b": np.zeros(1, np.float32)}


def test_forecast_runtime_matches_offline_ndt():
    from fdir.ndt import NDTParams, detect

    W = 30
    rng = np.random.default_rng(0)
    T = W + 2100 + 70 * 20  # n − window_len is a multiple of batch_size
    y = np.sin(np.arange(T) / 20.0) + 0.05 * rng.normal(size=T)
    y[3000:3060] += rng.normal(0.0, 1.0, 60)  # a noise burst: the persistence forecast misses it
    x = np.stack([y, rng.normal(size=T)], axis=1)
    run = rt.from_arrays(*_persistence_forecaster(W))
    out = run.run_series(x)
    e_ref = np.abs(y[W - 1:-1] - y[W:])
    assert np.allclose(out["errors"], e_ref, atol=1e-6)
    off = detect(e_ref, y[W:], NDTParams(batch_size=70, window_size=30, l_s=W))
    assert np.array_equal(out["flags"], off.flags)
    assert out["sequences"] == off.sequences
    assert any(a <= 3000 <= b for a, b in out["sequences"])


def test_forecast_runtime_fixed_point_and_errors(tmp_path):
    from fdir.runtime.export import quantize_bundle

    spec, arrays = _persistence_forecaster()
    rng = np.random.default_rng(1)
    calib = rng.normal(size=(50, 60)).astype(np.float32)
    qspec, qarr = quantize_bundle(spec, arrays, calib)
    run = rt.from_arrays(qspec, qarr)
    x = np.stack([np.linspace(-1, 1, 200), np.zeros(200)], axis=1)
    out = run.run_series(x)
    assert np.allclose(out["errors"], np.abs(np.diff(x[29:, 0])), atol=2e-3)
    bad = json.loads(json.dumps(spec))
    bad["detector"]["target"] = 5
    with pytest.raises(FormatError, match="target"):
        rt.from_arrays(bad, arrays)


# ---------------------------------------------------------------------------------------------- format


def test_bundle_round_trip_and_errors(bundles, tmp_path):
    cfg, model, probe, _test, paths = bundles
    spec, arrays = read_bundle(paths[False])
    assert spec["format"] == "hwsim-embeddable-layers" and spec["peephole"]["layer"] == cfg.layer
    save_bundle(tmp_path / "copy", spec, arrays)
    assert json.loads((tmp_path / "copy" / "layers.json").read_text()) == spec
    with pytest.raises(FileNotFoundError, match=r"weights\.npz"):
        rt.load(tmp_path)
    for mutate, match in [(lambda s: s.update(version=FORMAT_VERSION + 1), "version"),   # a newer format
                          (lambda s: s["layers"][0].update(op="lstm"), "op"),
                          (lambda s: s["input"].update(shape=[3, 3]), "shape"),
                          (lambda s: s["detector"].update(kind="svm"), "detector.kind")]:
        s = json.loads(json.dumps(spec))
        mutate(s)
        with pytest.raises(FormatError, match=match):
            save_bundle(tmp_path / "bad", s, arrays)
    s = json.loads(json.dumps(spec))
    s["layers"][0]["w"] = "nope"
    with pytest.raises(FormatError, match="nope"):
        save_bundle(tmp_path / "bad", s, arrays)
    a = dict(arrays)
    a[spec["layers"][0]["w"]] = np.zeros((2, 2, 3, 3), np.float32)
    with pytest.raises(FormatError, match="input channels"):
        rt.from_arrays(spec, a)
    with pytest.raises(FormatError, match="fixed_point"):
        rt.from_arrays(spec, arrays, fixed_point=True)
    with pytest.raises(ValueError, match="calib_windows"):
        export_bundle(tmp_path / "q", model.export_layers(), fixed_point=True)
    with pytest.raises(FormatError, match="probe layer"):
        probe.cv_map = probe.cv_map.__class__("nope", probe.cv_map.Vt, probe.cv_map.singular_values,
                                              probe.cv_map.kappa_requested, probe.cv_map.rank,
                                              probe.cv_map.in_shape)
        try:
            make_bundle(model.export_layers(), probe=probe)
        finally:
            probe.cv_map = probe.cv_map.__class__(cfg.layer, probe.cv_map.Vt, probe.cv_map.singular_values,
                                                  probe.cv_map.kappa_requested, probe.cv_map.rank,
                                                  probe.cv_map.in_shape)


def test_residual_profile_block_of_the_probe(bundles):
    from fdir.runtime.probe import RuntimeProbe

    _cfg, _model, probe, _test, paths = bundles
    spec, arrays = read_bundle(paths[False])
    sec = spec["peephole"]
    assert probe.n_residual == spec["input"]["channels"] == sec["residual"]["channels"]
    assert sec["residual"]["layout"] == spec["input"]["layout"] and sec["residual"]["window"] == 16
    x = np.zeros(sec["in_dim"], np.float32)
    with pytest.raises(FormatError, match="residual"):
        RuntimeProbe(sec, arrays, x)  # the probe needs the detector's residual buffer
    with pytest.raises(FormatError, match="residual"):
        RuntimeProbe(sec, arrays, x, residual=np.zeros(10, np.float32))
    # features: log of the per-channel mean of the squared residual, standardised like the training side
    e = np.random.default_rng(3).random((16, 16)).astype(np.float32)
    rp = RuntimeProbe(sec, arrays, x, residual=e.reshape(-1))
    rp.run()
    k = probe.kappa
    ref = (np.log(e.mean(axis=1) + probe.residual_eps) - probe.cv_mean[k:]) / probe.cv_std[k:]
    assert np.allclose(rp.z[k:], ref, rtol=1e-4, atol=1e-4)
