"""Known-answer validation cases of the spiking telemetry detector and the detector-variant evaluation
(:mod:`fdir.detectors.spiking`, :mod:`fdir.protocols.telemanom`); gathered by :mod:`fdir.validation`.

Expected values come from definitions: the level-crossing reconstruction bound of send-on-delta, the synaptic
operation count (events x fan-out) of the hwsim IR, the MACs of the forecaster's layer shapes, and the issue's
fixed-point criterion (int8 F1 within 0.02 of float) on one short MSL channel (a single channel: the subset-wide
figure is measured by ``fdir.protocols.telemanom.run_variant("int8", "both")``).
"""

from __future__ import annotations

import numpy as np

SOURCE_SOD = ("send-on-delta / level crossing: |x − r| < δ after every sample (Miskowicz, Sensors 6:49, 2006, "
              "doi:10.3390/s6010049; sensors.encoders.send_on_delta)")


def _telemetry_stream() -> tuple[np.ndarray, float]:
    from fdir.data.smap_msl import load_channel
    from fdir.detectors.spiking import choose_delta

    ch = load_channel("F-7")                                  # MSL, 56 distinct levels, fast switching
    return ch.test[:, 0], choose_delta(ch.train[:, 0])


def _reconstruction_margin() -> float:
    """max |x − r| / δ over the F-7 test stream encoded with the training-derived δ (must stay < 1)."""
    from fdir.detectors.spiking import encode

    x, delta = _telemetry_stream()
    _, r = encode(x, delta)
    return float(np.max(np.abs(x - r)) / delta)


def _tiny_run():
    from fdir.detectors.spiking import SpikingConfig, SpikingTrainer

    rng = np.random.default_rng(0)
    t = np.arange(800)
    x = 0.8 * np.sin(2 * np.pi * t / 40.0) + 0.02 * rng.standard_normal(t.size)
    cfg = SpikingConfig(n_hidden=8, seq_len=64, seq_stride=32, warmup=8, epochs=2, batch_size=8, l_s=50)
    tr = SpikingTrainer(cfg)
    model = tr.fit(x[:500])
    return model, tr.predict(model, x[500:])


def _syn_op_identity() -> float:
    """Relative difference between the IR's synaptic operations (fdir.detectors.spiking.syn_op_counts) and
    Σ events x non-zero synapses of the presynaptic neuron, counted here from the spikes and weights."""
    from fdir.detectors.spiking import syn_op_counts

    model, out = _tiny_run()
    p = model.params
    ev_in = float(np.abs(out["counts"]).sum())
    ev_h = np.abs(out["spikes"]).sum(0)
    ref = (ev_in * np.count_nonzero(p["layers"][0]["w"]) + ev_in * np.count_nonzero(p["readout"]["w_in"])
           + sum(ev_h[i] * (np.count_nonzero(p["layers"][0]["w_rec"][i]) + np.count_nonzero(p["readout"]["w"][i]))
                 for i in range(ev_h.size)))
    got = sum(syn_op_counts(model, out["counts"], out["spikes"]).values())
    return abs(got - ref) / max(ref, 1.0)


def _dense_macs() -> float:
    """MACs of the dense variants' IR rows (fdir.detectors.forecast_detector.dense_workload) for the default forecaster,
    one input."""
    from fdir.detectors.forecast_detector import dense_workload
    from fdir.detectors.forecaster import ForecasterConfig
    from hwsim import ir

    return float(ir.dense_macs(dense_workload(ForecasterConfig(), 1)).sum())


def _expected_dense_macs() -> float:
    """members x (Σ_conv C_out C_in k L_out + flat x hidden + hidden x n_pred), L_out = (L − k)/s + 1."""
    from fdir.detectors.forecaster import ForecasterConfig

    cfg = ForecasterConfig()
    L, c_in, total = cfg.input_length, 1, 0
    for c in cfg.conv_channels:
        L = (L - cfg.kernel) // cfg.stride + 1
        total += c * c_in * cfg.kernel * L
        c_in = c
    return float(cfg.members * (total + c_in * L * cfg.hidden + cfg.hidden * cfg.n_predictions))


def _int8_f1_gap() -> float:
    """|F1(int8 runtime) − F1(float)| on MSL D-16 (default forecaster; about 1 s)."""
    from fdir.protocols.telemanom import run_variant

    return abs(run_variant("int8", "MSL", ["D-16"]).metrics["f1_delta_vs_float"])


def cases() -> list[dict]:
    return [
        {"case": "spiking detector: send-on-delta reconstruction error at most δ (MSL F-7 test stream)",
         "compute": _reconstruction_margin, "expected": 1.0, "tolerance": 1e-9, "mode": "le", "unit": "δ",
         "source": SOURCE_SOD},
        {"case": "spiking detector: synaptic operations = events x fan-out (hwsim IR definition)",
         "compute": _syn_op_identity, "expected": 0.0, "tolerance": 1e-12, "mode": "abs", "unit": "relative",
         "source": "hwsim/ir.py: syn_ops = Σ presynaptic events x non-zero synapses of that neuron"},
        {"case": "dense detector IR MACs = forecaster layer-shape MACs", "compute": _dense_macs,
         "expected": _expected_dense_macs, "tolerance": 0.0, "mode": "rel", "unit": "MAC",
         "source": "conv1d output length (L − k)/s + 1 and dense K x N (fdir.detectors.forecaster architecture)"},
        {"case": "int8 runtime F1 within 0.02 of the float forecaster (MSL D-16)", "compute": _int8_f1_gap,
         "expected": 0.0, "tolerance": 0.02, "mode": "le", "unit": "F1",
         "source": "issue 6 criterion 'Fixed-point runtime: F1 within 0.02 of the float detector on SMAP/MSL'"},
    ]
