"""Export of a trained spiking forecaster (:class:`fdir.detectors.spiking.SpikingDetector`) to a runtime bundle of
:mod:`fdir.runtime` (``fdir/runtime/FORMAT.md``, "Spiking forecaster"), float32 or with integer weights.

The bundle holds the send-on-delta threshold δ, the hidden neuron's one-step constants as the JAX engine executes
them (:meth:`snn.neurons.SignedLIF.discrete` / :meth:`snn.neurons.MTJNeuron.discrete` at the network's step: leak
α, input gain g, thresholds, reset, reset-before-input), the weights and the readout decay β = exp(−dt/τ_readout),
so :class:`fdir.runtime.spiking.SpikingForecaster` reproduces :meth:`fdir.detectors.spiking.SpikingTrainer.predict`
sample by sample. Neuron noise: the runtime is deterministic (the MTJ neuron's ``noise_std`` is recorded, not
drawn); compare it with a JAX run without a noise key. With ``w_bits`` the weights are quantised after training
(:func:`fdir.runtime.spiking.quantize_spiking`: symmetric, one scale per postsynaptic unit, int32 accumulation,
thresholds rescaled to accumulator units). The detector rule is the spiking detector's: the first-step error of
channel ``target`` thresholded by NDT (Hundman et al., KDD 2018, arXiv:1802.04431) from sample l_s on.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["export_spiking"]


def export_spiking(model, *, w_bits: int | None = 8, channels: int = 1, ndt=None,
                   name: str = "spiking-forecaster") -> tuple[dict, dict[str, np.ndarray]]:
    """Runtime bundle ``(spec, arrays)`` of a trained :class:`~fdir.detectors.spiking.SpikingDetector`.

    Parameters
    ----------
    model : the trained spiking forecaster (one recurrent or feed-forward signed layer and a leaky readout).
    w_bits : integer weight width (2..16; default 8: int8 weights, int32 accumulators), or None for float32.
    channels : values per telemetry sample the runtime takes (>= 1); the model reads channel 0 (``target``).
    ndt : :class:`fdir.ndt.NDTParams` of the detector rule (default: telemanom's with ``l_s`` of the model's
        config).
    name : bundle name.

    Returns
    -------
    (spec, arrays) for :func:`fdir.runtime.save_bundle` / :func:`fdir.runtime.from_arrays`: input window 1,
    ``spiking`` section, ``detector`` kind ``forecast`` (horizon = ``n_predictions``, ``residual_gain`` 0: the
    spiking model's output already is the forecast r_t + δ ŷ).

    Raises
    ------
    ValueError
        for ``channels`` < 1, ``w_bits`` outside 2..16, a network the runtime cannot run (more than one spiking
        layer, synaptic current channels, a refractory period, a resting drive, reset ``value``), or an int32
        accumulator that could overflow.
    """
    from fdir.ndt import NDTParams
    from fdir.runtime.spiking import quantize_spiking

    if not (isinstance(channels, int | np.integer) and channels >= 1):
        raise ValueError(f"channels={channels!r} must be an integer >= 1")
    if w_bits is not None and not (isinstance(w_bits, int | np.integer) and 2 <= w_bits <= 16):
        raise ValueError(f"w_bits={w_bits!r} must be None (float32) or an integer in [2, 16]")
    spec_snn, cfg = model.spec, model.cfg
    if len(spec_snn.layers) != 1 or len(model.params["layers"]) != 1:
        raise ValueError(f"the runtime runs one spiking layer, the model has {len(spec_snn.layers)}")
    layer = spec_snn.layers[0]
    d = layer.neuron.discrete(spec_snn.dt_s)
    if d.k or d.nref or d.c0 != 0.0 or d.reset not in ("subtract", "zero") or getattr(layer, "target", "v") != "v":
        raise ValueError("the runtime's spiking neuron has no synaptic channels, no refractory period, no resting "
                         f"drive and reset 'subtract' or 'zero' (got channels={len(d.k)}, nref={d.nref}, c0={d.c0}, "
                         f"reset={d.reset!r})")
    ro = spec_snn.readout
    tau = float(ro.tau_s)
    beta = 1.0 if math.isinf(tau) else (0.0 if tau == 0 else math.exp(-float(spec_snn.dt_s) / tau))
    p, pr = model.params["layers"][0], model.params["readout"]
    amp = float(d.amplitude)                        # a spike carries amplitude x weight: folded into the weights
    arrays = {"spiking.hidden.w": np.asarray(p["w"], np.float32).reshape(1, -1),
              "spiking.readout.w": (amp * np.asarray(pr["w"], np.float64)).astype(np.float32),
              "spiking.readout.w_in": np.asarray(pr["w_in"], np.float32).reshape(1, -1)}
    hidden = {"n": int(arrays["spiking.hidden.w"].shape[1]), "w": "spiking.hidden.w", "b": None, "w_rec": None}
    if "b" in p:
        arrays["spiking.hidden.b"] = np.asarray(p["b"], np.float32)
        hidden["b"] = "spiking.hidden.b"
    if "w_rec" in p:
        arrays["spiking.hidden.w_rec"] = (amp * np.asarray(p["w_rec"], np.float64)).astype(np.float32)
        hidden["w_rec"] = "spiking.hidden.w_rec"
    readout = {"n": int(arrays["spiking.readout.w"].shape[1]), "beta": beta, "tau_steps": cfg.readout_tau_steps,
               "w": "spiking.readout.w", "b": None, "w_in": "spiking.readout.w_in"}
    if "b" in pr:
        arrays["spiking.readout.b"] = np.asarray(pr["b"], np.float32)
        readout["b"] = "spiking.readout.b"
    neuron = {"model": "mtj_lif" if cfg.neuron == "mtj" else "signed_lif", "dt_s": float(d.dt_s),
              "alpha": float(d.alpha), "gain": float(d.gain), "theta_pos": float(d.theta_pos),
              "theta_neg": float(d.theta_neg), "reset": d.reset, "reset_before_input": bool(d.reset_before_input),
              "noise_std": float(d.noise_std), "noise": "not drawn (deterministic runtime)",
              "energy_per_spike_J": float(getattr(layer.neuron, "energy_per_spike_J", float("nan")))}
    ndt = NDTParams(l_s=cfg.l_s) if ndt is None else ndt
    spec = {
        "format": "hwsim-embeddable-layers", "version": 1, "name": name,
        "source": "fdir.detectors.spiking (send-on-delta → signed spiking layer → leaky readout; NDT of Hundman et "
                  "al. KDD 2018, arXiv:1802.04431)",
        "input": {"channels": int(channels), "window": 1, "layout": "samples x channels", "shape": [int(channels)],
                  "mean": None, "std": None, "sample_period_s": None},
        "layers": [],
        "spiking": {"encoder": {"kind": "send_on_delta", "delta": float(model.delta), "x0": "first sample",
                                "source": "Miskowicz, Sensors 6:49, 2006, doi:10.3390/s6010049"},
                    "neuron": neuron, "hidden": hidden, "readout": readout},
        "detector": {"kind": "forecast", "target": 0, "horizon": int(cfg.n_predictions), "error": "abs",
                     "residual": False, "residual_gain": 0.0, "smoothing_span": ndt.span,
                     "threshold": ndt.to_dict()},
    }
    if w_bits is None:
        return spec, arrays
    return quantize_spiking(spec, arrays, int(w_bits))
