"""Sweepable experiments of the reaction-wheel half of ``fdir`` (CONTRIBUTING.md, "Sweep experiments").

Each function takes keyword-only scalar parameters (``seed`` included) and returns a flat dict of scalars:

* :func:`rw_peephole` — the peephole study (:mod:`fdir.reaction_wheel.peephole.study`) for one (layer, κ, K, residual
  profile or not, campaign size): which-wheel / fault-type / channel accuracy on detected windows, coverage and
  selective accuracy of the ``unknown`` answer, ECE, compute/memory overhead from the IR, detection figures. Sweep κ
  and ``n_components``.
* :func:`rw_detection` — window detection of one fault kind at one magnitude (recall, precision, F1, false-alarm
  rate of the CAE): sweep ``magnitude`` for F1 vs fault magnitude.
* :func:`rw_runtime` — agreement of the numpy runtime (float32 or fixed point) with the training-side model:
  decision agreement, score error, peephole answer agreement, runtime memory and time per window.

The trained detector of a configuration is cached on disk (:func:`fdir.reaction_wheel.peephole.study.cached_detector`),
so a sweep over probe or campaign parameters trains it once. ``quick=True`` uses the small test configuration.
"""

from __future__ import annotations

import time
from typing import Literal

import numpy as np

__all__ = ["rw_detection", "rw_peephole", "rw_runtime"]

Layer = Literal["enc.conv1", "enc.conv2", "enc.linear", "dec.linear", "dec.convT1", "dec.conv1", "dec.convT2",
                "dec.conv2", "dec.out"]
FaultKind = Literal["offset", "step", "impulse", "noise", "stuck", "friction", "correlation"]


def _config(quick: bool, seed: int, **changes):
    from fdir.reaction_wheel.peephole.study import RWStudyConfig

    return RWStudyConfig.quick(seed=seed, **changes) if quick else RWStudyConfig(seed=seed, **changes)


def rw_peephole(*, layer: Layer = "dec.linear", kappa: int = 8, n_components: int = 400, n_train: int = 2400,
                n_test: int = 900, tau: float = 0.5, residual: bool = True, quick: bool = False,
                seed: int = 0) -> dict:
    """Peephole accuracy/ECE/overhead for one probe configuration (see module doc); ``residual`` appends the
    detector's per-channel reconstruction-error profile to the corevector (:mod:`fdir.reaction_wheel.peephole.probe`).
    In quick mode the sizes default to the quick configuration unless given explicitly smaller."""
    from fdir.reaction_wheel.peephole.study import run_study

    changes = {"layer": layer, "kappa": int(kappa), "n_components": int(n_components), "tau": float(tau),
               "residual": bool(residual)}
    if quick:
        changes.update(n_train=min(int(n_train), 120), n_test=min(int(n_test), 60),
                       kappa=min(int(kappa), 33), n_components=min(int(n_components), 24))
    else:
        changes.update(n_train=int(n_train), n_test=int(n_test))
    res, _ = run_study(_config(quick, seed, **changes))
    return {k: (float(v) if isinstance(v, np.floating) else v) for k, v in res.items()}


rw_peephole.RANGES = {"kappa": (1, 4096), "n_components": (1, 2000), "n_train": (10, 100_000),
                      "n_test": (10, 100_000), "tau": (0.0, 1.0), "seed": (0, None)}


def rw_detection(*, fault_type: FaultKind = "offset", magnitude: float = 2.0, n_episodes: int = 200,
                 quick: bool = False, seed: int = 0) -> dict:
    """Window detection of one fault kind at a fixed magnitude (units of :mod:`fdir.reaction_wheel.sim.faults`)."""
    from fdir.reaction_wheel.peephole.study import cached_detector, campaign_windows

    n = min(int(n_episodes), 60) if quick else int(n_episodes)
    cfg = _config(quick, seed, kinds=(fault_type,), magnitude=float(magnitude))
    model = cached_detector(cfg)
    xw, lab = campaign_windows(cfg, model, "test", n)
    det = model.detect(xw)
    f = lab.faulty
    tp, fp, fn = int(np.sum(det & f)), int(np.sum(det & ~f)), int(np.sum(~det & f))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"fault_type": fault_type, "magnitude": float(magnitude), "recall": r, "precision": p,
            "f1": 2 * p * r / (p + r) if p + r else 0.0, "false_alarm_rate": fp / max(int((~f).sum()), 1),
            "faulty_windows": int(f.sum()), "windows": int(f.size)}


rw_detection.RANGES = {"magnitude": (0.0, 100.0, "(]"), "n_episodes": (1, 100_000), "seed": (0, None)}


def rw_runtime(*, fixed_point: bool = True, n_windows: int = 2000, quick: bool = False, seed: int = 0) -> dict:
    """Agreement of the numpy runtime with the training-side CAE + probe on held-out campaign windows."""
    import tempfile

    import fdir.runtime as rt
    from fdir.reaction_wheel.logic import FdirConfig
    from fdir.reaction_wheel.peephole.study import probe_features, run_study
    from fdir.reaction_wheel.sim.simulate import simulate
    from fdir.runtime.export import export_bundle

    cfg = _config(quick, seed)
    _, art = run_study(cfg)
    model, probe = art["model"], art["probe"]
    xw = art["test"][0][: int(n_windows)]
    score = model.score(xw)
    cv = probe_features(model, probe, xw)
    wheel = probe.proba(cv, "wheel").argmax(1)
    nominal = simulate(cfg.nominal_val_hours * 3600.0,
                       int(cfg.seed) * 1_000_000 + 2_000 + np.arange(cfg.n_nominal_val)).x
    from fdir.reaction_wheel.sim.dataset import windows

    with tempfile.TemporaryDirectory() as d:
        export_bundle(d, model.export_layers(probe_layer=cfg.layer), probe=probe, fdir_config=FdirConfig(),
                      fixed_point=fixed_point, calib_windows=windows(nominal, cfg.cae.window))
        run = rt.load(d)
        t0 = time.perf_counter()
        out = run.run_windows(xw)
        dt = time.perf_counter() - t0
    flag = score > model.threshold
    rel = np.abs(out["score"] - score) / np.maximum(score, 1e-12)
    ans = out["wheel"] >= 0
    nb = run.nbytes
    return {"fixed_point": bool(fixed_point), "windows": int(xw.shape[0]),
            "decision_agreement": float(np.mean(out["flag"] == flag)),
            "score_rel_err_median": float(np.median(rel)), "score_rel_err_p99": float(np.quantile(rel, 0.99)),
            "wheel_agreement": float(np.mean(out["wheel"][ans] == wheel[ans])) if ans.any() else float("nan"),
            "ms_per_window": 1e3 * dt / max(xw.shape[0], 1), **{f"bytes_{k}": int(v) for k, v in nb.items()}}


rw_runtime.RANGES = {"n_windows": (1, 1_000_000), "seed": (0, None)}
