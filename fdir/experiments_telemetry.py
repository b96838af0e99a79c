"""Sweepable experiments of the telemetry half of ``fdir`` (CONTRIBUTING.md, "Sweep experiments"): NASA SMAP/MSL
detectors with the telemanom protocol (Hundman et al., KDD 2018, arXiv:1802.04431).

* :func:`detector_variant` — one detector variant of :mod:`fdir.protocols.telemanom` (dense float, int8 runtime, spiking
  LIF, spiking MTJ-LIF) on a spacecraft's channel subset: event-wise P/R/F1/F0.5 (+ ESA-ADB corrected F0.5),
  parameters, weight bits, MACs or synaptic operations per inference, spike rates, wall times.
* :func:`spiking_detector` — the spiking detector's design space (neuron, hidden size, send-on-delta fraction δ,
  membrane time constant, activity penalty): detection quality vs events and synaptic operations per sample.

Both return one flat dict of scalars (the ``metrics`` of :class:`fdir.protocols.telemanom.VariantResult` plus sizes and
timings); nothing is cached.
"""

from __future__ import annotations

from typing import Literal

from fdir.registry import get as _registered
from hwsim import ir

__all__ = ["detector_variant", "spiking_detector"]

Spacecraft = Literal["SMAP", "MSL", "both"]
Channels = Literal["subset", "all"]


def _flat(res) -> dict:
    wl = res.workload
    dense = ~wl["kind"].isin((*ir.SPIKING_KINDS, "neuron_update"))
    out = {k: float(v) for k, v in res.metrics.items()}
    out.update({"n_channels": len(res.channels), "n_params": res.n_params, "weight_bits": res.weight_bits,
                "macs_per_inference": float(ir.dense_macs(wl[dense]).sum()),
                "syn_ops_per_inference": float(ir.synaptic_ops(wl).sum()), "train_s": res.train_s,
                "eval_s": res.eval_s})
    return out


def detector_variant(*, variant: str = "dense_float", spacecraft: Spacecraft = "both",
                     channels: Channels = "subset", epochs: int = 0, quick: bool = False, seed: int = 0) -> dict:
    """Train and score one detector variant (:func:`fdir.protocols.telemanom.run_variant`; ``variant`` a name of
    :func:`fdir.registry.names`); ``epochs = 0`` keeps the detector's default. Raises ValueError for values outside
    the declared ranges."""
    from fdir.protocols.telemanom import run_variant

    if int(epochs) < 0:
        raise ValueError(f"epochs={epochs} must be >= 0 (0 = the detector's default)")
    res = run_variant(variant, spacecraft, channels, epochs=int(epochs) or None, seed=int(seed), quick=bool(quick))
    return _flat(res)


detector_variant.RANGES = {"variant": _registered, "epochs": (0, 1000), "seed": (0, None)}


def spiking_detector(*, neuron: Literal["lif", "mtj"] = "lif", n_hidden: int = 32, delta_fraction: float = 1 / 32,
                     tau_m_steps: float = 8.0, rate_reg: float = 1e-3, epochs: int = 30,
                     spacecraft: Spacecraft = "both", channels: Channels = "subset", quick: bool = False,
                     seed: int = 0) -> dict:
    """Spiking detector design point (:class:`fdir.detectors.spiking.SpikingConfig`) scored on a channel subset
    (:func:`fdir.protocols.telemanom.evaluate_spiking`). Raises ValueError for values outside the declared ranges."""
    from fdir.detectors.spiking import SpikingConfig
    from fdir.protocols.telemanom import evaluate_spiking

    cfg = SpikingConfig(neuron=neuron, n_hidden=int(n_hidden), delta_fraction=float(delta_fraction),
                        tau_m_steps=float(tau_m_steps), rate_reg=float(rate_reg),
                        epochs=3 if quick else int(epochs), seed=int(seed))
    return _flat(evaluate_spiking(cfg, spacecraft, channels, quick=bool(quick)))


spiking_detector.RANGES = {"n_hidden": (1, 1024), "delta_fraction": (0.0, 1.0, "(]"), "tau_m_steps": (1.0, 1e4, "(]"),
                           "rate_reg": (0.0, 10.0), "epochs": (1, 1000), "seed": (0, None)}
