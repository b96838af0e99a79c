"""Benchmarks of the reaction-wheel half of fdir: peephole gates on held-out simulator seeds, the numpy runtime
against the JAX model, the wheel simulator against scipy, and the fixed-point forecaster runtime on SMAP/MSL.

Run: ``hwsim bench fdir`` (full figures) or ``hwsim bench fdir --quick`` (smoke sizes, same peers).

* ``rw_peephole``: the study of :mod:`fdir.reaction_wheel.peephole.study` (CAE detector, probe at ``dec.linear`` with
  κ = 8 plus the detector's 16-channel reconstruction-error profile (an extension beyond the paper's corevector),
  K = 400, 2,400/600/900 train/val/test episodes). Gates of issue 6: which-wheel accuracy ≥ 0.85 and fault-type
  accuracy ≥ 0.80 on detected faulty windows, ECE ≤ 0.05, overhead ≤ 5 % compute and ≤ 10 % memory. Peer in the
  same run: a supervised multinomial logistic regression (scikit-learn) on the same corevectors, which bounds
  what a linear read-out of the probed layer gives; the ratio peephole/peer is reported.
* ``rw_runtime``: float32 and fixed-point runtime per window vs the JAX model called on one window (peer), the
  fixed-point decision agreement (≥ 0.99), and the probe's share of runtime time and bytes.
* ``rw_simulator``: simulated seconds per wall second of the Numba RK4 kernel vs ``scipy.integrate.solve_ivp``
  (RK45, rtol 1e-8) on the same wheel model, and their agreement.
* ``forecaster_fixed_point``: telemanom protocol on SMAP and MSL (all labelled channels; quick: 3 channels),
  event-wise F1 of the float detector (:mod:`fdir.detectors.forecaster`, offline NDT) vs the fixed-point numpy
  runtime (online NDT; quantised with ``FIXED_POINT_HEADROOM``); gate |ΔF1| ≤ 0.02. The note also gives the
  float runtime's F1 (online NDT, float32): the float runtime vs the float detector checks that the offline
  detector's causal window schedule is the runtime's (``fdir.ndt.StreamingNDT``; float32 vs float64 forecasts
  aside they decide alike), the fixed-point vs the float runtime isolates quantisation.
"""

from __future__ import annotations

import functools
import os
import time
import warnings

import numpy as np

from hwsim.benchmarking import Benchmark, BenchmarkSkipped, Metric


@functools.lru_cache(maxsize=2)
def _study(quick: bool):
    """One study per mode, shared by the peephole and runtime benchmarks of a ``hwsim bench`` process."""
    from fdir.reaction_wheel.peephole.study import RWStudyConfig, run_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_study(RWStudyConfig.quick() if quick else RWStudyConfig())


def bench_peephole(quick: bool) -> list[Metric]:
    from sklearn.linear_model import LogisticRegression

    from fdir.reaction_wheel.peephole.study import probe_features

    res, art = _study(quick)
    model, probe = art["model"], art["probe"]
    peer = {}
    for fam in ("wheel", "type"):
        xs, ys = [], []
        for split in ("train", "test"):
            xw, lab = art[split]
            det = model.detect(xw)
            sel = det & lab.faulty if split == "test" else det
            cv = probe.standardize(probe_features(model, probe, xw[sel]))
            xs.append(cv)
            ys.append(lab.codes(fam)[sel])
        clf = LogisticRegression(max_iter=300).fit(xs[0], ys[0])
        peer[fam] = float(np.mean(clf.predict(xs[1]) == ys[1]))
    note = f"{res['faulty_windows']} faulty test windows, {res['detected']} detected"
    out = [
        Metric("which_wheel_accuracy", res["acc_wheel_argmax"], 0.85, True, "", note),
        Metric("fault_type_accuracy", res["acc_type_argmax"], 0.80, True, "", note),
        Metric("channel_accuracy", res["acc_channel_argmax"], None, True, ""),
        Metric("which_wheel_selective_accuracy", res["selective_acc_wheel"], None, True, "",
               f"answered (not 'unknown', tau={probe.tau}) on coverage {res['coverage_wheel']:.3f}"),
        Metric("fault_type_selective_accuracy", res["selective_acc_type"], None, True, "",
               f"coverage {res['coverage_type']:.3f}"),
        Metric("ece_wheel", res["ece_wheel"], 0.05, False, "", f"uncalibrated {res['ece_wheel_uncalibrated']:.4f}"),
        Metric("ece_type", res["ece_type"], 0.05, False, "", f"uncalibrated {res['ece_type_uncalibrated']:.4f}"),
        Metric("overhead_compute", res["overhead_compute"], 0.05, False, "ratio", "IR MACs probe/CAE"),
        Metric("overhead_memory", res["overhead_memory"], 0.10, False, "ratio", "IR parameters probe/CAE"),
        Metric("detection_window_f1", res["f1"], None, True, "",
               f"recall {res['recall']:.3f}, false-alarm rate {res['false_alarm_rate']:.4f}"),
        Metric("wheel_accuracy_vs_linear_probe", res["acc_wheel_argmax"] / max(peer["wheel"], 1e-12), None, True,
               "ratio", f"supervised logistic regression on the same probe features: {peer['wheel']:.3f}"),
        Metric("type_accuracy_vs_linear_probe", res["acc_type_argmax"] / max(peer["type"], 1e-12), None, True,
               "ratio", f"supervised logistic regression on the same probe features: {peer['type']:.3f}"),
    ]
    return out


def probe_layer(art) -> str:
    return art["probe"].cv_map.layer


def bench_runtime(quick: bool) -> list[Metric]:
    import tempfile

    import jax.numpy as jnp

    import fdir.runtime as rt
    from fdir.detectors.cae import _jit_forward
    from fdir.reaction_wheel.logic import FdirConfig
    from fdir.reaction_wheel.sim.dataset import windows
    from fdir.reaction_wheel.sim.simulate import simulate
    from fdir.runtime.export import export_bundle

    _res, art = _study(quick)
    model, probe = art["model"], art["probe"]
    layer = probe.cv_map.layer
    xw = art["test"][0][: 300 if quick else 3000]
    calib = windows(simulate(4 * 3600.0, [424242]).x)
    runs = {}
    with tempfile.TemporaryDirectory() as d:
        for fp in (False, True):
            export_bundle(f"{d}/{fp}", model.export_layers(probe_layer=layer), probe=probe,
                          fdir_config=FdirConfig(), fixed_point=fp, calib_windows=calib)
            runs[fp] = rt.load(f"{d}/{fp}")
    ref = model.score(xw)
    flag = ref > model.threshold
    out = {fp: r.run_windows(xw) for fp, r in runs.items()}

    def per_window(fn, n=200):
        ts = []
        for _ in range(3):
            t0 = time.perf_counter()
            for i in range(n):
                fn(i)
            ts.append((time.perf_counter() - t0) / n)
        return float(np.median(ts))

    z = model.standardize(xw[:200])
    f = _jit_forward(model.config, ())
    f(model.params, model.state, jnp.asarray(z[:1]))[0].block_until_ready()
    t_jax = per_window(lambda i: f(model.params, model.state, jnp.asarray(z[i:i + 1]))[0].block_until_ready())
    times = {}
    for fp, r in runs.items():
        g = r.graph

        def det_only(i, g=g):
            np.copyto(g.x.reshape(-1), z[i].reshape(-1))
            g.run()
        times[fp] = per_window(det_only)
        times[(fp, "probe")] = per_window(lambda i, r=r: r.probe.run())
    nb = runs[False].nbytes
    return [
        Metric("float_runtime_vs_jax_per_window", t_jax / times[False], None, True, "speed-up",
               f"numpy {1e3 * times[False]:.3f} ms, JAX jit batch-1 {1e3 * t_jax:.3f} ms"),
        Metric("fixed_point_runtime_vs_jax_per_window", t_jax / times[True], None, True, "speed-up",
               f"numpy int8/int16 {1e3 * times[True]:.3f} ms"),
        Metric("float_decision_agreement", float(np.mean(out[False]["flag"] == flag)), 1.0, True, ""),
        Metric("fixed_point_decision_agreement", float(np.mean(out[True]["flag"] == flag)), 0.99, True, "",
               f"{xw.shape[0]} windows; median score rel. error "
               f"{np.median(np.abs(out[True]['score'] - ref) / ref):.4f}"),
        Metric("probe_time_share_float", times[(False, "probe")] / times[False], 0.05, False, "ratio",
               "measured numpy runtime: probe / detector time per window"),
        Metric("probe_memory_share_float", nb["probe_params"] / nb["detector_params"], 0.10, False, "ratio",
               f"bytes: probe {nb['probe_params']}, detector {nb['detector_params']} (float32 parameters)"),
    ]


def bench_simulator(quick: bool) -> list[Metric]:
    from scipy.integrate import solve_ivp

    from fdir.reaction_wheel.sim.dynamics import _pvec, integrate
    from fdir.reaction_wheel.sim.maneuvers import make_profile
    from fdir.reaction_wheel.sim.params import WheelParams

    w = WheelParams()
    dur = 600.0 if quick else 3600.0
    prof = make_profile(dur, [5], w)
    n = int(dur // 4) + 1
    integrate(prof.omega_ref_rad_per_s, 3)  # compile
    t0 = time.perf_counter()
    st = integrate(prof.omega_ref_rad_per_s, n, w)
    t_nb = time.perf_counter() - t0
    p = _pvec(w)
    J, kt, R, imax, Vmax, cC, cv, eps, Cw, Ch, Rwh, Rha, Tenv, Kp, Ki, Tt = p
    ref = prof.omega_ref_rad_per_s[0]

    def rhs(t, y):
        om, xi, Tw, Th = y.reshape(4, 4)
        r = np.array([np.interp(t, prof.t_s, ref[:, j]) for j in range(4)])
        e = r - om
        u = Kp * e + xi
        V = np.clip(u, -Vmax, Vmax)
        i = np.clip((V - kt * om) / R, -imax, imax)
        tf = cC * np.tanh(om / eps) + cv * om
        pj = R * i * i
        q = (Tw - Th) / Rwh
        return np.concatenate([(kt * i - tf) / J, Ki * e + (V - u) / Tt, (pj - q) / Cw,
                               (q + np.abs(tf * om) - (Th - Tenv) / Rha) / Ch])

    y0 = np.concatenate([st.omega_rad_per_s[0, 0], st.voltage_V[0, 0], st.T_w_K[0, 0], st.T_h_K[0, 0]])
    t0 = time.perf_counter()
    sol = solve_ivp(rhs, (0.0, dur), y0, t_eval=st.t_s, rtol=1e-8, atol=1e-8, max_step=0.5)
    t_sp = time.perf_counter() - t0
    err = float(np.max(np.abs(sol.y[:4].T - st.omega_rad_per_s[0])))
    return [
        Metric("simulator_vs_scipy_speed", t_sp / t_nb, 10.0, True, "speed-up",
               f"4 wheels, {dur:.0f} s episode: Numba RK4 {t_nb * 1e3:.1f} ms, solve_ivp {t_sp * 1e3:.1f} ms"),
        Metric("simulator_vs_scipy_speed_error", err, 1e-3, False, "rad/s", "max |Δω| at the telemetry samples"),
        Metric("simulated_seconds_per_second", dur / t_nb, None, True, "s/s"),
    ]


def _forecaster_channel(cid: str, quick: bool) -> dict:
    """One channel: train, offline NDT detections (float detector), and the exported bundle streamed through the
    float32 and the fixed-point runtime; returns the (TP, FP, FN) triples of each summed over the label rows."""
    from fdir.data.smap_msl import load_channel
    from fdir.detectors.forecaster import FIXED_POINT_HEADROOM, ForecasterConfig, channel_detections, make_windows
    from fdir.metrics.telemanom import EventCounts, telemanom_counts
    from fdir.ndt import num_to_ignore
    from fdir.runtime import from_arrays
    from fdir.runtime.export import quantize_bundle

    cfg = ForecasterConfig(epochs=3) if quick else ForecasterConfig()
    ch = load_channel(cid)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = channel_detections(cid, ch.train, ch.test, cfg, keep_model=True)
    m = run.model
    spec, arr = m.export_layers()
    X, _ = make_windows(ch.train, cfg.l_s, cfg.n_predictions, None)
    calib = X[:: max(1, X.shape[0] // 500), :, -m.cfg.input_length:].astype(np.float32)
    n_err = run.y.size
    tot = {"float": EventCounts(0, 0, 0), "runtime_float": EventCounts(0, 0, 0),
           "runtime_fixed": EventCounts(0, 0, 0)}
    fixed = quantize_bundle(spec, arr, calib, headroom=FIXED_POINT_HEADROOM)
    for key, bundle in (("runtime_float", (spec, arr)), ("runtime_fixed", fixed)):
        rt = from_arrays(*bundle)
        # every sample the offline detector scores: n_err first-step errors and, h − 1 samples on, as many
        # horizon-mean errors (the runtime's first-step streams see the h − 1 extra samples too)
        seqs = rt.run_series(ch.test[: rt.t0 + n_err + rt.decision_lag], n_ignore=num_to_ignore(n_err))["sequences"]
        for row in ch.labels:
            tot[key] = tot[key] + telemanom_counts(row.sequences, seqs)
    for row in ch.labels:
        tot["float"] = tot["float"] + telemanom_counts(row.sequences, run.ndt.sequences)
    return tot


def bench_forecaster(quick: bool) -> list[Metric]:
    try:
        from fdir.data.smap_msl import channel_ids
        from fdir.detectors.forecaster import ForecasterConfig  # noqa: F401  (the telemetry half is installed)
    except ImportError as exc:  # the telemetry half is not installed
        raise BenchmarkSkipped(f"fdir forecaster or SMAP/MSL loaders unavailable: {exc}") from exc
    from joblib import Parallel, delayed

    from fdir.metrics.telemanom import EventCounts

    n_jobs = max(1, min(2, os.cpu_count() or 1))
    out = []
    for sc in ("SMAP", "MSL"):
        ids = channel_ids(sc)
        if quick:
            ids = ids[:2] if sc == "SMAP" else ids[:1]
        t0 = time.perf_counter()
        per = Parallel(n_jobs=n_jobs)(delayed(_forecaster_channel)(cid, quick) for cid in ids)
        tot = {k: sum((p[k] for p in per), EventCounts(0, 0, 0)) for k in ("float", "runtime_float", "runtime_fixed")}
        secs = time.perf_counter() - t0
        f_float, f_fixed = tot["float"].f1, tot["runtime_fixed"].f1
        out += [
            Metric(f"{sc}_fixed_point_f1_gap", abs(f_fixed - f_float), 0.02, False, "F1",
                   f"{len(ids)} channels; float detector F1 {f_float:.3f} "
                   f"(TP {tot['float'].tp}, FP {tot['float'].fp}, FN {tot['float'].fn}); fixed-point runtime F1 "
                   f"{f_fixed:.3f}; float runtime F1 {tot['runtime_float'].f1:.3f}; {secs:.0f} s, n_jobs={n_jobs}"),
            Metric(f"{sc}_float_detector_f1", f_float, None, True, "F1"),
            Metric(f"{sc}_fixed_point_runtime_f1", f_fixed, None, True, "F1"),
            Metric(f"{sc}_fixed_point_vs_float_runtime_f1_gap", abs(f_fixed - tot["runtime_float"].f1), None, False,
                   "F1", "quantisation alone: both runtimes use the same online threshold schedule"),
        ]
    return out


def benchmarks() -> list[Benchmark]:
    return [
        Benchmark("rw_peephole", bench_peephole, "peephole gates on held-out simulator seeds vs a linear probe"),
        Benchmark("rw_runtime", bench_runtime, "numpy runtime (float, fixed point) vs the JAX CAE"),
        Benchmark("rw_simulator", bench_simulator, "Numba RK4 wheel simulator vs scipy solve_ivp"),
        Benchmark("forecaster_fixed_point", bench_forecaster, "fixed-point runtime F1 vs float on SMAP/MSL"),
    ]
