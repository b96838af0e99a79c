"""fdir.protocols.telemanom.run_variant: argument checks, the subset rule, dense/int8/spiking variants in quick mode
(one MSL channel, 3 epochs), workload accounting and the int8-vs-float agreement."""

from dataclasses import replace

import numpy as np
import pytest

from fdir.detectors.forecast_detector import dense_workload
from fdir.protocols.telemanom import SUBSET, resolve_channels, run_variant, subset_rule


def test_subset_follows_the_stated_rule():
    assert subset_rule(3) == SUBSET
    from fdir.data.smap_msl import label_rows

    classes = {r.chan_id: set(r.classes) for r in label_rows()}
    for ids in SUBSET.values():
        kinds = [classes[c] for c in ids]
        assert {"point"} in kinds and {"contextual"} in kinds
        assert len({c.split("-")[0] for c in ids}) == len(ids)             # distinct subsystems


@pytest.mark.parametrize("kwargs,name", [
    (dict(variant="dense"), "variant"),
    (dict(variant="lif", spacecraft="Cassini"), "spacecraft"),
    (dict(variant="lif", channels="most"), "channels"),
    (dict(variant="lif", spacecraft="SMAP", channels=["M-6"]), "channels"),
    (dict(variant="lif", channels=[]), "channels"),
    (dict(variant="lif", epochs=0), "epochs"),
    (dict(variant="dense_float", combine="max"), "combine"),
])
def test_bad_arguments_raise_naming_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=name):
        run_variant(**kwargs)


def test_resolve_channels():
    assert resolve_channels("both", "subset") == SUBSET["SMAP"] + SUBSET["MSL"]
    assert resolve_channels("MSL", "subset", quick=True) == ("S-2",)
    assert len(resolve_channels("SMAP", "all")) == 54
    assert resolve_channels("MSL", ["T-4", "C-1"]) == ("T-4", "C-1")


def test_dense_workload_matches_the_forecaster_macs():
    from fdir.detectors.forecaster import ForecasterConfig
    from hwsim import ir

    cfg = ForecasterConfig()
    wl = dense_workload(cfg, 1)
    assert ir.dense_macs(wl).sum() == cfg.macs(1)
    assert ir.parameter_count(wl) == cfg.n_params(1)
    assert len(wl) == cfg.members * (len(cfg.conv_channels) + 2)          # one network per ensemble member
    q = dense_workload(cfg, 1, int8_bits={"conv0": 16}).set_index("layer")
    assert (q["w_bits"] == 8).all() and (q.loc[["m0.conv0", "m1.conv0"], "a_bits"] == 16).all()
    assert q.loc["m1.dense0", "a_bits"] == 8
    one = replace(cfg, members=1, skip="fixed")
    assert ir.dense_macs(dense_workload(one, 1)).sum() == one.macs(1) == cfg.macs(1) // 2
    assert list(dense_workload(one, 1)["layer"]) == ["conv0", "conv1", "conv2", "dense0", "out"]


def test_int8_variant_tracks_float():
    r = run_variant("int8", "MSL", "subset", quick=True)
    assert r.channels == ("S-2",) and r.weight_bits == 8
    m = r.metrics
    # int8 runtime predictions stay within 0.05 RMS (value units, scaled range [-1, 1]) of the float forecasts
    assert m["pred_rmse_diff"] < 0.05
    assert abs(m["f1_delta_vs_float"]) <= 0.02 or m["f1"] >= m["f1_float"]
    for k in ("precision", "recall", "f1", "f0_5", "tp", "fp", "fn", "esa_f0_5_corrected"):
        assert k in m
    assert m["tp"] + m["fn"] == 1                                          # S-2 has one labelled anomaly


def test_dense_variant_detection_rule_is_a_parameter():
    """combine="mean" and "union" threshold the same trained pair (same seed): same workload and size; the
    detections come from the mean forecast (one stream) or from each member's first-step error and the absolute
    member's horizon-mean error (flags OR-ed; Forecaster.error_streams)."""
    from fdir.data.smap_msl import load_channel
    from fdir.detectors.forecaster import ForecasterConfig, forecast_heads, stream_errors, train_forecaster
    from fdir.metrics.telemanom import telemanom_counts
    from fdir.ndt import NDTParams, detect_any

    runs = {c: run_variant("dense_float", "MSL", "subset", quick=True, combine=c) for c in ("union", "mean")}
    assert runs["union"].n_params == runs["mean"].n_params
    assert runs["union"].workload.equals(runs["mean"].workload)
    ch = load_channel("S-2")
    for c, r in runs.items():
        cfg = ForecasterConfig(epochs=3, combine=c)
        model = train_forecaster(ch.train, cfg)
        heads, Y = forecast_heads(model, ch.test, full=True)
        assert heads.shape[0] == (2 if c == "union" else 1)
        det = detect_any(stream_errors(heads, Y, model.error_streams), Y[:, 0], NDTParams(l_s=cfg.l_s), offset=cfg.l_s)
        k = [telemanom_counts(row.sequences, det.sequences) for row in ch.labels]
        assert (r.metrics["tp"], r.metrics["fp"]) == (sum(x.tp for x in k), sum(x.fp for x in k))


def test_spiking_variant_workload_and_determinism():
    a = run_variant("lif", "both", "subset", quick=True)
    b = run_variant("lif", "both", "subset", quick=True)
    assert a.metrics == b.metrics
    wl = a.workload.set_index("layer")
    events = wl.loc["L0.w", "spikes_pos"] + wl.loc["L0.w", "spikes_neg"]
    assert events == pytest.approx(a.metrics["input_events_per_sample"])
    assert wl.loc["L0.w", "syn_ops"] <= events * 32 + 1e-12              # fan-out ≤ n_hidden synapses per event
    hidden = wl.loc["L0.w_rec", "spikes_pos"] + wl.loc["L0.w_rec", "spikes_neg"]
    assert hidden == pytest.approx(a.metrics["hidden_spikes_per_sample"])
    assert a.metrics["syn_ops_per_inference"] == pytest.approx(float(np.nansum(wl["syn_ops"])))
    assert a.n_params == 32 + 32 + 32 * 32 + 32 + 1 + 1
