"""The SMAP/MSL forecaster as a measured-quality subject: the NumPy network, detections and counts are checked against
fdir's own forecasts, NDT and telemanom counting on the same trained weights; pruning against zeroed weights; low
rank against the matrix rank; quantisation against the number of levels; the IR against fdir's MAC count."""

import math

import numpy as np
import pytest

from hwsim import ir
from hwsim.quality import forecaster as fq
from hwsim.quality.pipeline import Design

TINY = {"conv_channels": [4, 4, 4], "hidden": 8, "epochs": 2, "max_train_windows": 256}
CHANNEL = "S-2"  # MSL, 926 training / 1827 test samples, one labelled anomaly


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("HWSIM_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    m = fq.trained(CHANNEL, TINY)
    d = fq.telemetry_data(CHANNEL, m, n_calib=128)
    yield m, d
    mp.undo()


def test_uncompressed_design_reproduces_fdirs_forecasts_detections_and_counts(trained):
    from fdir.data.smap_msl import load_channel
    from fdir.detectors.forecaster import forecast_heads, stream_errors
    from fdir.metrics.telemanom import telemanom_counts
    from fdir.ndt import NDTParams, detect_any

    m, d = trained
    c = fq.compress_forecaster(m, Design(), d.X_cal)
    ch = load_channel(CHANNEL)
    heads, Y = forecast_heads(m, ch.test, full=True)
    ours = c.forecasts(d.X)
    assert np.allclose(ours, heads, rtol=0, atol=1e-5)  # float64 NumPy vs float32 JAX
    ref = detect_any(stream_errors(heads, Y, m.error_streams), Y[:, 0], NDTParams(l_s=m.cfg.l_s), offset=m.cfg.l_s)
    assert c.detections(d) == [tuple(s) for s in ref.sequences]
    want = telemanom_counts(ch.labels[0].sequences, ref.sequences)
    assert c.counts(d) == want
    # IR: fdir's dense workload of the trained config, float32; MACs = ForecasterConfig.macs
    t = c.ir()
    assert ir.dense_macs(t).sum() == m.cfg.macs(1)
    assert (t["w_bits"] == 32).all() and (t["w_format"] == "fp").all() and (t["rank"] == 0).all()


def test_width_pruning_equals_zeroing_the_least_active_units(trained):
    m, d = trained
    sc = fq.importance(m, d.X_cal)
    c = fq.compress_forecaster(m, Design(width=0.5), d.X_cal, scores=sc)
    assert c.cfg.conv_channels == (2, 2, 2) and c.cfg.hidden == 4
    L = m.cfg.lengths()[-1]
    for j in range(m.n_members):
        p = {k: {kk: np.asarray(vv[j], np.float64).copy() for kk, vv in v.items()} for k, v in m.params.items()
             if k != "skip"}
        for i in range(3):  # a dropped channel's outgoing weights are zeroed: its activation no longer matters
            drop = np.argsort(-sc[j][f"conv{i}"])[2:]
            if i < 2:
                p[f"conv{i + 1}"]["w"][:, drop, :] = 0.0
            else:
                p["dense0"]["w"][(drop[:, None] * L + np.arange(L)).ravel()] = 0.0
        p["out"]["w"][np.argsort(-sc[j]["dense0"])[4:]] = 0.0
        assert np.allclose(fq.member_forward(c.members[j], d.X, c.cfg), fq.member_forward(p, d.X, m.cfg),
                           rtol=0, atol=1e-9)
    t = c.ir()
    assert ir.dense_macs(t).sum() == c.cfg.macs(1) < m.cfg.macs(1)


def test_low_rank_and_quantisation_levels(trained):
    m, d = trained
    c = fq.compress_forecaster(m, Design(rank_fraction=0.5), d.X_cal)
    w = c.members[0]["dense0"]["w"]  # (4 x L, 8): rank floor(0.5 x 8) = 4
    assert np.linalg.matrix_rank(w, tol=1e-9 * np.abs(w).max()) == 4
    w1 = c.members[0]["conv1"]["w"]  # (4, 4, 5) as (20, 4): rank 2
    assert np.linalg.matrix_rank(w1.reshape(4, -1), tol=1e-9 * np.abs(w1).max()) == 2
    t = c.ir().set_index("layer")
    assert t.loc["m0.dense0", "rank"] == 4 and t.loc["m1.conv1", "rank"] == 2 and t.loc["m0.out", "rank"] == 0
    q = fq.compress_forecaster(m, Design(w_bits=3, a_bits=8, w_bits_layers={"out": 8}), d.X_cal)
    w = q.members[1]["conv2"]["w"]
    assert max(len(np.unique(w[o])) for o in range(w.shape[0])) <= 2**3 - 1  # 7 levels per output channel
    t = q.ir().set_index("layer")
    assert t.loc["m0.conv0", "w_bits"] == 3 and t.loc["m0.out", "w_bits"] == 8 and (t["a_bits"] == 8).all()
    assert (t["w_format"] == "int").all() and (t["a_format"] == "int").all()


@pytest.mark.parametrize("design, match", [
    (Design(depth=1), "depth"), (Design(rotation="random"), "rotation"),
    (Design(w_bits_layers={"conv9": 4}), "w_bits_layers"),
])
def test_compress_rejects_bad_designs(trained, design, match):
    m, d = trained
    with pytest.raises(ValueError, match=match):
        fq.compress_forecaster(m, design, d.X_cal)


def test_bad_subject_arguments_are_rejected():
    with pytest.raises(ValueError, match="channels"):
        fq.forecaster_subject(())
    with pytest.raises(ValueError, match="not a SMAP/MSL channel"):
        fq.forecaster_subject(("Z-99",))
    with pytest.raises(ValueError, match="unknown ForecasterConfig"):
        fq.config({"widht": 3})
    with pytest.raises(ValueError, match="lr"):
        fq.config({"lr": math.nan})
