"""The built-in co-design study behind ``hwsim run``: FDIR detector variants on real telemetry, costed on hardware.

One study point = one detector *variant* (a name of the detector registry, :func:`fdir.registry.names`: dense float
conv forecaster, its int8 fixed-point export, a spiking detector with signed LIF neurons, and one with signed MTJ-LIF
neurons from the ``devices`` compact model, both fed by signed send-on-delta spikes from ``sensors``, the windowed
CAE and baselines, or a user's own detector registered with :func:`fdir.registry.register`) trained and evaluated on the
shipped NASA SMAP/MSL telemetry (Hundman et al., KDD 2018, arXiv:1802.04431) with the telemanom event-wise
protocol, then its workload per inference (one telemetry sample of one channel) costed by :func:`hwsim.cost.model.
evaluate` on each hardware target. The experiment returns one row per target, so the sweep's Pareto front of
detection quality (F0.5) vs energy per inference can be grouped by target.

Physics: the MTJ variants' neurons are the compact model fitted at the point's operating temperature ``T_K``
(:func:`hwsim.compact_cache.compact_neuron`), their IR states the simulated step ``dt_s``, and targets with a
``T_K`` parameter (the MTJ core) are re-derived at it, so its energy per spike comes from the device simulation at
that temperature (:mod:`hwsim.targets.mtj_energy`; the detector's own ``energy_per_spike_J`` is not used). The
default study (hwsim/studies/default.toml) zips ``variant`` with ``T_K`` so only ``mtj_lif`` runs at 250, 300 and
350 K, and adds the dense forecasters matched to the spiking detector's size (:mod:`fdir.detectors.matched`) and the
published telemanom LSTM as a reference point (:data:`REFERENCES`).

The energy per inference adds the front end: one analogue-to-digital conversion of the sample at ``adc_bits``
(survey-floor ADC energy of :func:`sensors.energy.adc_energy_per_conversion`, Murmann ADC survey) to the processor's
calibrated energy (:mod:`hwsim.cost`).
"""

from __future__ import annotations

import math
import time
from typing import Literal

from fdir.registry import get as _registered

SPACE_TARGETS = ("gr712rc", "gr740", "rad750")
"""Radiation-hardened space processors of the target catalogue (hwsim/targets/*.json)."""

DEFAULT_TARGETS = (*SPACE_TARGETS, "stm32h7_mcu", "loihi", "mtj_core")
"""Targets of the default study: the space processors, a microcontroller, Loihi and the MTJ neuromorphic core."""

_COST_COLUMNS = {
    "energy_J": "energy_processor_J",
    "energy_primitive_J": "energy_primitive_J",
    "energy_static_J": "energy_static_J",
    "latency_s": "latency_s",
    "memory_B": "memory_B",
    "weights_B": "weights_B",
    "macs": "macs",
    "synops": "synops",
    "fits": "fits",
}


def _targets(targets: str) -> tuple[str, ...]:
    from hwsim.targets.catalogue import names

    known = set(names())
    out = tuple(t.strip() for t in targets.split(",") if t.strip())
    if not out:
        raise ValueError("targets must name at least one hardware target (comma-separated)")
    bad = [t for t in out if t not in known]
    if bad:
        raise ValueError(f"targets: unknown target(s) {bad}; accepted: {sorted(known)}")
    return out


REFERENCES = ("telemanom_published",)
"""Reference design points that are not trained here: ``telemanom_published``, the published telemanom LSTM
(:mod:`hwsim.workloads.telemanom`): its IR costed on each target, its quality telemanom's published per-channel
counts on the study's channels (Hundman et al., KDD 2018, arXiv:1802.04431)."""


def _variant(name: str) -> str:
    if name in REFERENCES:
        return name
    _registered(name)
    return name


def _telemanom_reference(spacecraft: str, chans, quick: bool):
    """VariantResult of the published telemanom LSTM on the study's channels (module :mod:`hwsim.workloads.telemanom`).
    With channels of both spacecraft the IR uses the channel-weighted mean input width (25 SMAP, 55 MSL columns,
    rounded): the gate MACs are linear in it, so the cost is the channel mean."""
    from fdir.data.smap_msl import load_channel
    from fdir.protocols.telemanom import VariantResult, resolve_channels
    from hwsim import ir
    from hwsim.workloads import telemanom

    ids = resolve_channels(spacecraft, chans, quick=quick)
    widths = [telemanom.N_IN[load_channel(c).spacecraft] for c in ids]
    wl = telemanom.workload(round(sum(widths) / len(widths)))
    metrics = telemanom.published_metrics(ids)
    return VariantResult("telemanom_published", spacecraft, ids, metrics, wl, ir.parameter_count(wl), 32, 0.0, 0.0)


def codesign_point(*, variant: str = "dense_float",
                   spacecraft: Literal["SMAP", "MSL", "both"] = "both", channels: str = "subset",
                   epochs: int = 0, adc_bits: int = 12, targets: str = ",".join(DEFAULT_TARGETS),
                   quick: bool = False, seed: int = 0, combine: Literal["union", "mean"] = "union",
                   T_K: float = 300.0) -> list[dict]:
    """Train and evaluate one FDIR detector variant on SMAP/MSL telemetry and cost it on hardware targets.

    Parameters
    ----------
    variant : detector variant, a registered name (:func:`fdir.registry.names`), or a reference design point of
        :data:`REFERENCES` (not trained: published quality, costed IR).
    spacecraft : ``"SMAP"``, ``"MSL"`` or ``"both"`` (events of both pooled).
    channels : ``"subset"`` (the representative channels of :data:`fdir.protocols.telemanom.SUBSET`), ``"all"`` (every
        labelled channel) or comma-separated channel ids.
    epochs : training epochs; 0 uses the variant's default.
    adc_bits : resolution of the front-end ADC that digitises one telemetry sample (1..24 bits).
    targets : comma-separated target names of the catalogue (``hwsim targets`` lists them).
    quick : reduced training and data (CI smoke runs; the numbers are then not representative).
    seed : training seed.
    combine : detection rule of the dense variants' forecaster pair
        (:class:`fdir.detectors.forecaster.ForecasterConfig`): ``"union"`` (each member's first-step error and the
        absolute member's horizon-mean error thresholded, flags OR-ed; higher recall and F1) or ``"mean"`` (the
        members' mean forecast thresholded; higher precision and F0.5). The spiking variants have one forecast and
        ignore it.
    T_K : operating temperature [K] (0..2000) of the MTJ devices: the MTJ variants' neurons are the compact model
        fitted at T_K (:func:`hwsim.compact_cache.compact_neuron`, cached on disk), and every target with a
        ``T_K`` parameter (``mtj_core``) is re-derived at it (``load(name, {"T_K": T_K})``: energy per spike and
        sub-threshold drive from the device simulation at T_K, :mod:`hwsim.targets.mtj_energy`). Other variants'
        detections do not depend on it.

    Returns
    -------
    One dict per target: the detection metrics (``precision``, ``recall``, ``f1``, ``f0_5`` event-wise per
    telemanom, plus ESA-ADB figures when available), the cost per inference on that target
    (``energy_per_inference_J`` = processor calibrated energy + ADC conversion energy in J, ``energy_processor_J``,
    ``energy_primitive_J``, ``energy_adc_J``, ``latency_s``, ``memory_B``, ``weights_B``, ``macs``, ``synops``,
    ``fits``) and the model size and wall times.

    Raises
    ------
    ValueError for a parameter outside its accepted values (named in the message).
    """
    from fdir.protocols.telemanom import run_variant
    from fdir.registry import MTJ_VARIANTS
    from hwsim.cost.model import evaluate
    from hwsim.targets.catalogue import load
    from sensors.energy import adc_energy_per_conversion

    if not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"epochs={epochs!r} must be an integer >= 0 (0 = the variant's default)")
    T = float(T_K)
    if not (math.isfinite(T) and 0.0 <= T <= 2000.0):
        raise ValueError(f"T_K={T_K!r} must be finite and in [0, 2000] K")
    tgts = _targets(targets)
    e_adc = adc_energy_per_conversion(adc_bits).value
    chans = channels if channels in ("subset", "all") else tuple(c.strip() for c in channels.split(",") if c.strip())
    mtj_model = None
    if variant in MTJ_VARIANTS:
        from hwsim.compact_cache import compact_neuron

        mtj_model = compact_neuron(T)
    t0 = time.perf_counter()
    if variant in REFERENCES:
        res = _telemanom_reference(spacecraft, chans, quick)
    else:
        res = run_variant(variant, spacecraft, chans, epochs=epochs or None, seed=seed, quick=quick,
                          combine=combine, T_K=T, mtj_model=mtj_model)
    t_fdir = time.perf_counter() - t0

    common: dict = {
        "n_channels": len(res.channels),
        "channel_ids": ",".join(res.channels),
        "n_params": int(res.n_params),
        "weight_bits": int(res.weight_bits),
        "train_s": float(res.train_s),
        "eval_s": float(res.eval_s),
        "detector_s": t_fdir,
        "energy_adc_J": float(e_adc),
    }
    for k, v in res.metrics.items():
        if isinstance(v, int | float) and not isinstance(v, bool):
            common[k] = float(v) if isinstance(v, float) or not float(v).is_integer() else int(v)
    rows = []
    for tgt in tgts:
        target = load(tgt)
        if "T_K" in target.params:
            target = load(tgt, {"T_K": T})
        per = evaluate(res.workload, target).per_point().iloc[0]
        row = {"target": tgt, **common}
        for src, dst in _COST_COLUMNS.items():
            if src in per.index:
                val = per[src]
                row[dst] = bool(val) if dst == "fits" else float(val)
        e_proc = row.get("energy_processor_J", math.nan)
        row["energy_per_inference_J"] = e_proc + e_adc
        rows.append(row)
    return rows


codesign_point.RANGES = {"variant": _variant, "adc_bits": (1, 24), "epochs": (0, 10_000), "targets": _targets,
                         "T_K": (0.0, 2000.0)}
codesign_point.FILES = ["hwsim:targets/*.json", "fdir:data/smap_msl.npz", "fdir:data/labeled_anomalies.csv",
                        "devices:signed_mtj_compact.json", "sensors:energy_figures.json"]
