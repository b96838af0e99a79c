"""End-to-end reaction-wheel peephole study: train the CAE detector on nominal telemetry, fit and calibrate the
peephole probe on simulated fault campaigns, evaluate on held-out simulator seeds.

Protocol (reference sheet §6, §13; arXiv:2604.08424):

1. nominal telemetry of ``n_nominal`` episodes of ``nominal_hours`` (training) and ``n_nominal_val`` episodes
   (validation: early stopping and the detection threshold θ = ``quantile`` of nominal validation scores);
2. fault campaigns (:func:`fdir.reaction_wheel.sim.dataset.fault_campaign`, one random fault per episode of
   ``episode_samples`` samples; magnitudes in nominal standard deviations of the channel) on three disjoint seed ranges:
   *train* (GMM and posterior tables), *val* (temperature scaling), *test* (held out);
3. the probe sees the windows the detector flags (it explains detections): corevectors of layer ``layer``
   (κ = ``kappa`` clipped to the rank), by default followed by the detector's per-channel reconstruction-error
   profile (``residual``; an extension beyond the paper, :mod:`fdir.reaction_wheel.peephole.probe`), a diagonal GMM with
   ``n_components`` components, posterior tables for which wheel, fault type and channel;
4. metrics on the *test* windows: detection (window recall, false-alarm rate, precision, F1), probe accuracy on
   detected faulty windows (``unknown`` counted wrong, and the selective accuracy on answered windows with its
   coverage), ECE (15 bins) before and after calibration, and the probe's compute/memory overhead from the IR.

Seeds: every episode seed derives from ``seed`` and its split, so train/val/test never share a seed.

Default probe, chosen on the *val* split (test figures only reported; full table in the issue notes): with the
corevector alone, which-wheel accuracy saturates near 0.80 whatever the layer (dec.linear κ = 129, K = 200:
val 0.812; κ = 32, K = 500: 0.807; enc.linear κ = 16: 0.793; enc.conv2 κ = 24: 0.812; enc.conv1 κ = 64: 0.608):
the errors are single-channel sensor faults (impulse, noise, stuck, correlation) whose location the bottleneck
mixes. Appending the 16-value residual profile lifts it above 0.95; at dec.linear, K = 200 the val which-wheel /
type accuracy is 0.955 / 0.853 (κ = 4), 0.968 / 0.856 (κ = 8),
0.951 / 0.855 (κ = 16), 0.938 / 0.844 (κ = 32); the residual profile alone (no corevector) gives 0.963 / 0.845;
κ = 8 with K = 400 components (the default) gives 0.978 / 0.871 at about 1 % compute and 4 % memory overhead.
A trained detector can be cached on disk (:func:`cached_detector`, ``HWSIM_CACHE`` or ``~/.cache/hwsim``).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from fdir.detectors.cae import CAEConfig, CAEModel
from fdir.reaction_wheel.sim.dataset import CONCEPTS, WindowLabels, fault_campaign, window_labels, windows
from fdir.reaction_wheel.sim.faults import FAULT_TYPES
from fdir.reaction_wheel.sim.simulate import simulate

__all__ = [
    "SPLIT_OFFSETS",
    "RWStudyConfig",
    "cached_detector",
    "campaign_windows",
    "evaluate",
    "fit_peephole",
    "probe_features",
    "run_study",
    "train_detector",
]

SPLIT_OFFSETS = {"nominal": 1_000, "nominal_val": 2_000, "train": 100_000, "val": 200_000, "test": 300_000}
"""Seed offsets of the data splits (episode seeds are ``seed * 1_000_000 + offset + i``)."""


@dataclass(frozen=True)
class RWStudyConfig:
    """Sizes and hyper-parameters of the study (defaults: the benchmark configuration; :meth:`quick` for tests).

    Detector: ``cae`` shape, ``epochs``, ``lr``, ``batch_size``, ``patience``, threshold ``quantile``; nominal data
    ``n_nominal`` x ``nominal_hours`` (training) and ``n_nominal_val`` x ``nominal_val_hours`` (validation).
    Campaigns: ``n_train``, ``n_val``, ``n_test`` episodes of ``episode_samples`` samples, fault ``kinds``,
    magnitude ``magnitude`` (None: the default ranges). Probe: ``layer``, ``kappa``, ``n_components``, ``tau``,
    ``alpha``, ``ll_quantile``, ``residual`` (append the detector's per-channel reconstruction-error profile to
    the corevector, :mod:`fdir.reaction_wheel.peephole.probe`; an extension beyond the paper). ``seed`` selects every
    random stream.
    """

    cae: CAEConfig = field(default_factory=lambda: CAEConfig(c2=48, latent=128))
    epochs: int = 80
    lr: float = 3e-3
    batch_size: int = 128
    patience: int = 10
    quantile: float = 0.99
    n_nominal: int = 6
    nominal_hours: float = 24.0
    n_nominal_val: int = 2
    nominal_val_hours: float = 6.0
    n_train: int = 2400
    n_val: int = 600
    n_test: int = 900
    episode_samples: int = 1024
    kinds: tuple[str, ...] = FAULT_TYPES
    magnitude: float | None = None
    layer: str = "dec.linear"
    kappa: int = 8
    n_components: int = 400
    tau: float = 0.5
    alpha: float = 0.1
    ll_quantile: float = 0.01
    residual: bool = True
    seed: int = 0

    @classmethod
    def quick(cls, **changes) -> RWStudyConfig:
        """A configuration that runs in seconds (tests, HWSIM_QUICK notebooks): small CAE, few epochs, few
        episodes; its figures are smoke values, not the gate figures."""
        base = cls(cae=CAEConfig(c1=8, c2=16, latent=32), epochs=4, patience=4, n_nominal=2, nominal_hours=4.0,
                   n_nominal_val=1, nominal_val_hours=2.0, n_train=120, n_val=40, n_test=60, episode_samples=512,
                   kappa=33, n_components=24)
        return replace(base, **changes)

    def key(self) -> str:
        """Hash of the detector-relevant fields and of :data:`TRAINER_VERSION` (the cache key of
        :func:`cached_detector`), so a CAE cached by an older training loop is retrained."""
        d = {k: v for k, v in asdict(self).items() if k in ("cae", "epochs", "lr", "batch_size", "patience",
                                                             "quantile", "n_nominal", "nominal_hours",
                                                             "n_nominal_val", "nominal_val_hours", "seed")}
        d["trainer"] = TRAINER_VERSION
        return hashlib.sha256(json.dumps(d, sort_keys=True, default=str).encode()).hexdigest()[:16]


TRAINER_VERSION = 2
"""Version of the CAE's training loop (2: the shared loop of :mod:`fdir.training`); part of the cache key."""


def _seeds(cfg: RWStudyConfig, split: str, n: int) -> np.ndarray:
    return int(cfg.seed) * 1_000_000 + SPLIT_OFFSETS[split] + np.arange(int(n))


def train_detector(cfg: RWStudyConfig) -> CAEModel:
    """Simulate nominal telemetry, train the CAE and set its threshold on the nominal validation windows."""
    from fdir.detectors.cae import train

    tr = simulate(cfg.nominal_hours * 3600.0, _seeds(cfg, "nominal", cfg.n_nominal))
    va = simulate(cfg.nominal_val_hours * 3600.0, _seeds(cfg, "nominal_val", cfg.n_nominal_val))
    W = cfg.cae.window
    xv = windows(va.x, W)
    model = train(windows(tr.x, W), xv, config=cfg.cae, epochs=cfg.epochs, batch_size=cfg.batch_size, lr=cfg.lr,
                  patience=cfg.patience, seed=cfg.seed, cosine=False)
    model.set_threshold(xv, cfg.quantile)
    return model


def _cache_dir(cache_dir: str | os.PathLike | None) -> Path:
    if cache_dir is not None:
        return Path(cache_dir)
    return Path(os.environ.get("HWSIM_CACHE", Path.home() / ".cache" / "hwsim")) / "fdir_rw"


def cached_detector(cfg: RWStudyConfig, cache_dir: str | os.PathLike | None = None) -> CAEModel:
    """:func:`train_detector`, stored as ``<cache>/cae-<key>.npz`` and reloaded when present."""
    path = _cache_dir(cache_dir) / f"cae-{cfg.key()}.npz"
    if path.is_file():
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            params = {k[2:]: z[k] for k in z.files if k.startswith("p:")}
            state = {k[2:]: z[k] for k in z.files if k.startswith("s:")}
            return CAEModel(config=CAEConfig(**meta["config"]), params=params, state=state, mean=z["mean"],
                            std=z["std"], threshold=meta["threshold"], quantile=meta["quantile"],
                            history=meta["history"])
    model = train_detector(cfg)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"config": asdict(model.config), "threshold": model.threshold, "quantile": model.quantile,
            "history": model.history}
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, meta=json.dumps(meta), mean=model.mean, std=model.std,
             **{f"p:{k}": v for k, v in model.params.items()}, **{f"s:{k}": v for k, v in model.state.items()})
    tmp.replace(path)
    return model


def campaign_windows(cfg: RWStudyConfig, model: CAEModel, split: str, n: int | None = None
                     ) -> tuple[np.ndarray, WindowLabels]:
    """Windows (N, 16, 16) and labels of the fault campaign of ``split`` (``"train"``, ``"val"``, ``"test"``);
    magnitudes in units of the detector's nominal channel standard deviations."""
    if split not in ("train", "val", "test"):
        raise ValueError(f"split={split!r} must be 'train', 'val' or 'test'")
    n = {"train": cfg.n_train, "val": cfg.n_val, "test": cfg.n_test}[split] if n is None else n
    seeds = _seeds(cfg, split, n)
    camp = fault_campaign(n, cfg.episode_samples, seed=int(seeds[0]), kinds=cfg.kinds, magnitude=cfg.magnitude,
                          W=cfg.cae.window)
    tel = simulate((cfg.episode_samples - 1) * 4.0, seeds, camp, scale=np.asarray(model.std, np.float64))
    return windows(tel.x, cfg.cae.window), window_labels(tel, cfg.cae.window)


def probe_features(model: CAEModel, probe_or_map, xw: np.ndarray, n_residual: int | None = None,
                   eps: float | None = None) -> np.ndarray:
    """Probe features (N, κ + n_residual) of raw windows ``xw`` (N, C, W) from one CAE pass: corevectors of the
    probed layer's input and, when the probe uses it, the log per-channel reconstruction-error profile
    (:func:`fdir.reaction_wheel.peephole.probe.peephole_features`). ``probe_or_map`` is a fitted probe (its
    ``n_residual`` and ``residual_eps`` are used) or a :class:`~fdir.reaction_wheel.peephole.corevector.CoreVectorMap`
    (then give ``n_residual``)."""
    from fdir.reaction_wheel.peephole.probe import PeepholeProbe, peephole_features, residual_profile

    if isinstance(probe_or_map, PeepholeProbe):
        cvm, n_r, e = probe_or_map.cv_map, probe_or_map.n_residual, probe_or_map.residual_eps
    else:
        cvm, n_r, e = probe_or_map, int(n_residual or 0), 1e-6
    e = e if eps is None else eps
    z = model.standardize(xw)
    y, caps = model._run(z, (cvm.layer,))
    res = residual_profile(z, y) if n_r else None
    return peephole_features(cvm, caps[cvm.layer], res, n_r, e)


def fit_peephole(cfg: RWStudyConfig, model: CAEModel, train: tuple[np.ndarray, WindowLabels],
                 val: tuple[np.ndarray, WindowLabels]):
    """Fit the probe on the detected training windows and calibrate it on the detected validation windows."""
    from fdir.reaction_wheel.peephole.corevector import fit_corevector_map
    from fdir.reaction_wheel.peephole.probe import fit_probe

    cvm = fit_corevector_map(cfg.layer, model.layer_op(cfg.layer), model.layer_input_shape(cfg.layer), cfg.kappa)
    n_r = cfg.cae.n_channels if cfg.residual else 0
    out = []
    for xw, lab in (train, val):
        det = model.detect(xw)
        out.append((probe_features(model, cvm, xw[det], n_r), {f: lab.codes(f)[det] for f in CONCEPTS}))
    (cv_tr, y_tr), (cv_va, y_va) = out
    K = min(cfg.n_components, cv_tr.shape[0])
    probe = fit_probe(cvm, cv_tr, y_tr, CONCEPTS, n_components=K, tau=cfg.tau, alpha=cfg.alpha,
                      ll_quantile=cfg.ll_quantile, seed=cfg.seed, n_residual=n_r)
    probe.calibrate(cv_va, y_va)
    return probe


def evaluate(cfg: RWStudyConfig, model: CAEModel, probe, test: tuple[np.ndarray, WindowLabels]) -> dict:
    """Detection and probe metrics on held-out windows plus the IR overheads (flat dict of scalars)."""
    from fdir.reaction_wheel.peephole.calibration import ece
    from fdir.reaction_wheel.peephole.overhead import overhead, probe_workload

    xw, lab = test
    det = model.detect(xw)
    f = lab.faulty
    tp, fp, fn = int(np.sum(det & f)), int(np.sum(det & ~f)), int(np.sum(~det & f))
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    res: dict = {"windows": int(lab.faulty.size), "faulty_windows": int(f.sum()), "detected": int(det.sum()),
                 "recall": rec, "precision": prec, "f1": 2 * prec * rec / (prec + rec) if prec + rec else 0.0,
                 "false_alarm_rate": fp / max(int((~f).sum()), 1), "threshold": float(model.threshold)}
    for k, name in enumerate(CONCEPTS["type"]):
        sel = lab.type == k
        if name != "nominal" and sel.any():
            res[f"recall_{name}"] = float(det[sel].mean())
    cv = probe_features(model, probe, xw[det])
    ev = f[det]
    pred = probe.predict(cv)
    for fam in CONCEPTS:
        y = lab.codes(fam)[det]
        p = probe.proba(cv, fam)
        p0 = probe.proba(cv, fam, calibrated=False)
        answered = pred[fam] >= 0
        res[f"acc_{fam}"] = float(np.mean(pred[fam][ev] == y[ev])) if ev.any() else float("nan")
        res[f"acc_{fam}_argmax"] = float(np.mean(p[ev].argmax(1) == y[ev])) if ev.any() else float("nan")
        sel = ev & answered
        res[f"coverage_{fam}"] = float(sel.sum() / max(ev.sum(), 1))
        res[f"selective_acc_{fam}"] = float(np.mean(pred[fam][sel] == y[sel])) if sel.any() else float("nan")
        res[f"ece_{fam}"] = ece(p[ev], y[ev]) if ev.any() else float("nan")
        res[f"ece_{fam}_uncalibrated"] = ece(p0[ev], y[ev]) if ev.any() else float("nan")
        res[f"acc_{fam}_all_detected"] = float(np.mean(p.argmax(1) == y)) if det.any() else float("nan")
        res[f"T_{fam}"] = float(probe.temperatures.get(fam, 1.0))
    n_c = sum(len(c) for c in CONCEPTS.values())
    ov = overhead(model.workload(), probe_workload(probe.cv_map.in_dim, probe.kappa, probe.n_components, n_c,
                                                   n_residual=probe.n_residual, window=cfg.cae.window))
    res.update({"overhead_compute": ov["compute_ratio"], "overhead_memory": ov["memory_ratio"],
                "detector_macs": ov["detector_macs"], "probe_macs": ov["probe_macs"],
                "detector_params": ov["detector_params"], "probe_params": ov["probe_params"],
                "kappa": probe.kappa, "n_components": probe.n_components, "ood_fraction": float(pred["ood"].mean())})
    return res


def run_study(cfg: RWStudyConfig | None = None, *, cache_dir: str | os.PathLike | None = None,
              use_cache: bool = True) -> tuple[dict, dict]:
    """Run the whole study; returns (metrics, artefacts) with artefacts ``model``, ``probe``, ``test``."""
    cfg = cfg or RWStudyConfig()
    t0 = time.perf_counter()
    model = cached_detector(cfg, cache_dir) if use_cache else train_detector(cfg)
    t1 = time.perf_counter()
    train = campaign_windows(cfg, model, "train")
    val = campaign_windows(cfg, model, "val")
    test = campaign_windows(cfg, model, "test")
    t2 = time.perf_counter()
    probe = fit_peephole(cfg, model, train, val)
    t3 = time.perf_counter()
    res = evaluate(cfg, model, probe, test)
    res.update({"seconds_detector": t1 - t0, "seconds_data": t2 - t1, "seconds_probe": t3 - t2,
                "epochs_run": len(model.history.get("val", []))})
    return res, {"model": model, "probe": probe, "test": test, "train": train, "val": val}
