"""CAE detector (shapes, training, threshold rule, export, IR workload), the end-to-end study in its quick
configuration, and the sweepable experiments."""

import numpy as np
import pytest

from fdir.detectors.cae import AFFINE_LAYERS, CAEConfig, CAEModel, init, train, workload


def test_cae_config_validation_and_paper_widths():
    assert CAEConfig.paper().c1 == 38 and CAEConfig.paper().latent == 256
    with pytest.raises(ValueError, match="window"):
        CAEConfig(window=18)
    with pytest.raises(ValueError, match="kernel"):
        CAEConfig(kernel=4)
    with pytest.raises(ValueError, match="c2"):
        CAEConfig(c2=18)


def test_forward_shapes_and_layer_inputs():
    cfg = CAEConfig(c1=4, c2=8, latent=8)
    p, s = init(cfg, 0)
    m = CAEModel(cfg, p, s, mean=np.zeros(16, np.float32), std=np.ones(16, np.float32))
    x = np.random.default_rng(0).normal(size=(3, 16, 16))
    assert m.reconstruct(x).shape == (3, 16, 16) and m.score(x).shape == (3,)
    acts = m.layer_inputs(x, AFFINE_LAYERS)
    for name in AFFINE_LAYERS:
        assert acts[name].shape == (3, int(np.prod(m.layer_input_shape(name))))
    assert np.allclose(acts["enc.conv1"], x.reshape(3, -1), atol=1e-6)
    with pytest.raises(ValueError, match="threshold"):
        m.detect(x)
    with pytest.raises(ValueError, match="windows"):
        m.score(np.zeros((2, 15, 16)))
    with pytest.raises(ValueError, match="layer"):
        m.layer_inputs(x, "enc.pool1")


def test_training_reduces_the_loss_and_sets_the_quantile_threshold():
    rng = np.random.default_rng(0)
    t = np.arange(16)
    base = np.sin(t / 3.0)[None, None, :] * rng.normal(1, 0.2, size=(300, 16, 1))
    x = base + 0.05 * rng.normal(size=(300, 16, 16))
    m = train(x[:240], x[240:], config=CAEConfig(c1=4, c2=8, latent=16), epochs=6, batch_size=32, seed=0)
    assert m.history["val"][-1] < 0.5 * m.history["val"][0]
    th = m.set_threshold(x[240:], 0.9)
    assert th == pytest.approx(np.quantile(m.score(x[240:]), 0.9))
    assert np.mean(m.detect(x[240:])) == pytest.approx(0.1, abs=0.02)
    with pytest.raises(ValueError, match="quantile"):
        m.set_threshold(x[240:], 1.0)
    with pytest.raises(ValueError, match="epochs"):
        train(x[:10], x[10:20], epochs=0)


def test_workload_rows_match_the_architecture():
    from hwsim import ir

    cfg = CAEConfig()
    df = workload(cfg)
    conv1 = df[df.layer == "enc.conv1"].iloc[0]
    assert (conv1.C, conv1.K_out, conv1.P, conv1.Q, conv1.R, conv1.S) == (1, cfg.c1, 16, 16, 3, 3)
    p, _ = init(cfg, 0)
    weights = sum(v.size for k, v in p.items() if k.split(".")[-1] not in ("gamma", "beta"))
    bn = 2 * (cfg.c1 + cfg.c2 + cfg.d1 + cfg.d2)
    assert ir.parameter_count(df) == weights + bn
    assert workload(cfg, w_bits=8, a_bits=8, w_format="int").w_bits.eq(8).all()


def test_export_without_folding_keeps_batchnorm_layers():
    cfg = CAEConfig(c1=4, c2=8, latent=8)
    p, s = init(cfg, 1)
    m = CAEModel(cfg, p, s, mean=np.zeros(16, np.float32), std=np.ones(16, np.float32), threshold=0.5)
    spec, _arrays = m.export_layers(fold_bn=False)
    assert [layer["op"] for layer in spec["layers"]].count("batchnorm") == 4
    spec2, _ = m.export_layers(fold_bn=True)
    assert [layer["op"] for layer in spec2["layers"]].count("batchnorm") == 1  # before a (1, 2) conv-transpose
    spec3, _ = m.export_layers(fold_bn=True, probe_layer="dec.out")
    assert [layer["op"] for layer in spec3["layers"]].count("batchnorm") == 2
    assert spec["detector"]["threshold"] == 0.5 and set(spec["input"]) >= {"channels", "window", "shape"}


# ------------------------------------------------------------------------------------------- quick study


def test_quick_study_end_to_end(quick_study):
    cfg, res, art = quick_study
    for k in ("recall", "precision", "acc_wheel_argmax", "acc_type_argmax", "ece_wheel", "overhead_compute",
              "overhead_memory", "coverage_wheel", "selective_acc_wheel"):
        assert np.isfinite(res[k]), k
    assert 0 <= res["false_alarm_rate"] <= 0.2
    assert res["kappa"] == min(cfg.kappa, cfg.cae.latent + 1)
    probe = art["probe"]
    assert set(probe.tables) == {"wheel", "type", "channel"}
    for t in probe.tables.values():
        assert np.allclose(t.sum(1), 1.0)
    # the probe beats the majority class on detected faulty windows, even in the quick configuration
    xw, lab = art["test"]
    det = art["model"].detect(xw) & lab.faulty
    major = np.bincount(lab.wheel[det]).max() / det.sum()
    assert res["acc_wheel_argmax"] > major


def test_seed_splits_are_disjoint():
    from fdir.reaction_wheel.peephole.study import RWStudyConfig, _seeds

    cfg = RWStudyConfig()
    sets = [set(_seeds(cfg, s, n).tolist()) for s, n in (("nominal", 6), ("nominal_val", 2), ("train", 2400),
                                                          ("val", 600), ("test", 900))]
    assert sum(len(s) for s in sets) == len(set().union(*sets))


def test_detector_cache_round_trip(tmp_path, quick_study):
    from fdir.reaction_wheel.peephole.study import cached_detector

    cfg, _, art = quick_study
    a = cached_detector(cfg, tmp_path)
    b = cached_detector(cfg, tmp_path)  # reloaded from disk
    x = art["test"][0][:5]
    assert np.allclose(a.score(x), b.score(x)) and a.threshold == b.threshold


def test_experiments_quick_and_parameter_checks(tmp_path, monkeypatch):
    from fdir.reaction_wheel import experiments as ex
    from hwsim.experiments import resolve
    from hwsim.sweep.errors import SpecError

    monkeypatch.setenv("HWSIM_CACHE", str(tmp_path))
    r = ex.rw_detection(fault_type="friction", magnitude=3.0, n_episodes=20, quick=True, seed=1)
    assert set(r) >= {"recall", "precision", "f1", "false_alarm_rate"} and r["faulty_windows"] > 0
    e = resolve("fdir.reaction_wheel.experiments:rw_peephole")
    assert e.params["kappa"].low == 1 and e.params["layer"].choices[0] == "enc.conv1"
    with pytest.raises(SpecError, match="magnitude"):
        resolve("fdir.reaction_wheel.experiments:rw_detection").bind({"magnitude": -1.0})
    with pytest.raises(SpecError, match="layer"):
        e.bind({"layer": "enc.pool1"})
