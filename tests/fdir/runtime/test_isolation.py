"""``fdir.runtime`` is self-contained: it imports numpy and the standard library only (issue 16). A subprocess
blocks the heavy packages with a meta-path finder (any import of them raises ImportError), then loads four bundles
from disk and runs them end to end: a forecaster through the streaming NDT, the same kind of forecaster through the
streaming SPOT (its GPD refits use the runtime's own root finder, not scipy's) and through SPOT or NDT, and an
autoencoder through the FDIR chain (persistence → isolation timeout → recovery)."""

import json
import subprocess
import sys
import textwrap

import numpy as np

from fdir.runtime import save_bundle
from fdir.runtime.export import quantize_bundle, standardized_windows

BLOCKED = ("jax", "jaxlib", "numba", "llvmlite", "scipy", "sklearn", "pandas", "torch", "optax", "flax", "brian2",
           "matplotlib", "pyarrow", "hwsim", "snn", "devices", "sensors")


def test_runtime_runs_with_heavy_packages_blocked(tmp_path, builders):
    from fdir.pipeline import Pipeline
    from fdir.spot import SPOTThresholder
    from fdir.thresholders import thresholder_factory

    fc = save_bundle(tmp_path / "forecaster", *builders["forecaster"](W=30, D=2))
    rng = np.random.default_rng(3)
    train = np.sin(np.arange(2000) / 15.0) + 0.02 * rng.normal(size=2000)
    spot_pipe = Pipeline(builders["persistence_detector"], lambda: SPOTThresholder(q=1e-3, merge_gap=100),
                         transform="level", budget="channel", flat_line=None).fit(train)
    sp = save_bundle(tmp_path / "spot", *spot_pipe.export())
    union_pipe = Pipeline(builders["persistence_detector"], thresholder_factory("spot_or_ndt"), transform="level",
                          budget="channel", flat_line=None).fit(train)
    un = save_bundle(tmp_path / "union", *union_pipe.export())
    spec, arrays = builders["autoencoder"]()
    calib = standardized_windows(spec, arrays, builders["nominal"](64, seed=1))
    ae = save_bundle(tmp_path / "autoencoder", *quantize_bundle(spec, arrays, calib))   # fixed point, int8

    rng = np.random.default_rng(0)
    T = 30 + 2100 + 70 * 10
    y = np.sin(np.arange(T) / 15.0) + 0.02 * rng.normal(size=T)
    y[2500:2540] += rng.normal(0.0, 1.0, 40)                     # a noise burst the persistence forecast misses
    np.save(tmp_path / "series.npy", np.stack([y, np.zeros(T)], axis=1))
    xw = builders["nominal"](40, seed=2)
    xw[20:34, 0, :] += 1.5                                        # 14 off-nominal windows in a row
    np.save(tmp_path / "windows.npy", xw)

    code = textwrap.dedent(f"""
        import importlib.abc, json, sys
        BLOCKED = {BLOCKED!r}

        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in BLOCKED:
                    raise ImportError(f"{{name}} is blocked in this test")
                return None

        sys.meta_path.insert(0, Block())
        import numpy as np
        import fdir.runtime as rt
        from fdir.runtime import bundle, export, forecast, graph, logic, monitor, ndt, probe, quant  # noqa
        from fdir.runtime import flatline, sample, spiking, spot, transform, union  # noqa

        f = rt.load({str(fc)!r}).run_series(np.load({str(tmp_path / "series.npy")!r}))
        s = rt.load({str(sp)!r}).run_series(np.load({str(tmp_path / "series.npy")!r})[:, :1])
        u = rt.load({str(un)!r}).run_series(np.load({str(tmp_path / "series.npy")!r})[:, :1])
        run = rt.load({str(ae)!r})
        w = run.run_windows(np.load({str(tmp_path / "windows.npy")!r}))
        events = [r["event"] for r in run.fdir.log_records()]
        third = {{m.split(".")[0] for m in sys.modules if sys.modules[m] is not None}}
        std = set(sys.stdlib_module_names) | {{"fdir", "numpy", "__main__", "_distutils_hack"}}
        print(json.dumps({{"sequences": f["sequences"], "spot": s["flags"].tolist(), "flags": w["flag"].tolist(),
                          "union": u["flags"].tolist(),
                          "events": events,
                          "fixed_point": run.fixed_point,
                          "third": sorted(m for m in third - std if not m.startswith("__editable__"))}}))
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["third"] == [], out["third"]
    assert out["fixed_point"]
    # the burst is found (telemanom widens flags by error_buffer = 100 samples on both sides), nothing else
    assert len(out["sequences"]) == 1 and out["sequences"][0][0] <= 2500 <= out["sequences"][0][1]
    # SPOT (q = 1e-3, flags grouped within 100 samples; errors from sample t0 = W = 30 on) flags the samples the
    # offline pipeline flags on that channel, the burst's among them
    want = spot_pipe.evaluate(np.load(tmp_path / "series.npy")[:, :1])[0].flags
    got = np.array(out["spot"])
    np.testing.assert_array_equal(got, want[30:])
    assert got[2500 - 30:2540 - 30].mean() > 0.5
    # SPOT or NDT (format version 5): the offline pipeline's flags too (2,830 scored samples: the offline NDT's
    # first-window rule is the stream's default, 2·l_s)
    want = union_pipe.evaluate(np.load(tmp_path / "series.npy")[:, :1])[0].flags
    np.testing.assert_array_equal(np.array(out["union"]), want[30:])
    assert want[2500:2540].all()
    flags = np.array(out["flags"])
    assert flags[20:34].all() and not flags[:20].any() and not flags[34:].any()
    # 3-of-5 persistence raises the alarm at the 3rd flagged window (22); without a peephole the wheel stays
    # unknown: each flagged window of the alarm logs evidence and the 10th (window 31, isolation_timeout = 10)
    # escalates to safe mode
    ev = out["events"]
    assert ev[0] == "alarm_raised" and ev.count("evidence") == 10
    assert ev[-3:] == ["isolation_timeout", "escalated", "safe_mode"]
