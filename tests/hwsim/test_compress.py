"""Compression transforms on real arrays, against analytic errors (uniform quantisation noise, Eckart-Young)."""

import json

import numpy as np
import pytest

from hwsim import ir
from hwsim.compress.apply import apply_to_ir, compress_export, compress_weights
from hwsim.compress.lowrank import svd_factorize
from hwsim.compress.prune import magnitude_prune, nm_prune
from hwsim.compress.quantize import quantize
from hwsim.search.proxy import prune_rel_error, quant_rel_error


def test_uniform_quantisation_noise_is_delta_squared_over_12():
    rng = np.random.default_rng(0)
    w = rng.uniform(-1, 1, size=(64, 4096))  # (in, out) dense layout
    for bits in (4, 6, 8):
        r = quantize(w, bits, scale_bits=32)
        delta = np.abs(w).max(axis=0) / (2 ** (bits - 1) - 1)  # per output channel
        assert r.error["mse"] == pytest.approx(np.mean(delta**2) / 12, rel=0.05)
        assert np.abs(r.codes).max() <= 2 ** (bits - 1) - 1
    assert quantize(w, 16).error["sqnr_dB"] > 80


def test_groups_and_affine():
    rng = np.random.default_rng(1)
    w = rng.standard_normal((512, 32))
    e_channel = quantize(w, 4).error["rel_error"]
    e_group = quantize(w, 4, group_size=32).error["rel_error"]
    assert e_group < e_channel
    assert quantize(w, 4, group_size=32).bits_per_weight == pytest.approx(4 + 16 / 32)
    shifted = rng.uniform(2, 3, size=(256, 16))
    assert (quantize(shifted, 4, scheme="affine").error["rel_error"]
            < quantize(shifted, 4, scheme="symmetric").error["rel_error"])
    conv = rng.standard_normal((8, 4, 3))
    r = quantize(conv, 8, layout="conv", group_size=5)
    assert r.w_hat.shape == conv.shape and r.codes.shape == (8, 12)
    with pytest.raises(ValueError, match="bits"):
        quantize(w, 1)
    with pytest.raises(ValueError, match="layout"):
        quantize(w, 4, layout="nhwc")


def test_pruning():
    rng = np.random.default_rng(2)
    w = rng.standard_normal((100, 40))
    r = magnitude_prune(w, 0.3)
    kept = np.abs(w[r.w_hat != 0])
    assert r.w_hat.astype(bool).sum() == 1200 and kept.min() >= np.abs(w[r.w_hat == 0]).max()
    n = nm_prune(w, 2, 4)
    groups = (n.mask.reshape(40, 25, 4)).sum(axis=2)
    assert (groups == 2).all() and n.density == 0.5
    odd = nm_prune(rng.standard_normal((10, 3)), 2, 4)  # reduction 10: groups of 4, 4 and a tail of 2 (keep 1)
    assert odd.mask.sum(axis=1).tolist() == [5, 5, 5]
    c = magnitude_prune(w, 0.5, scope="channel")
    assert (c.mask.sum(axis=1) == 50).all()
    with pytest.raises(ValueError, match="n <= m"):
        nm_prune(w, 5, 4)


def test_svd_error_is_the_tail_energy_and_calibrated_output_error():
    rng = np.random.default_rng(3)
    w = rng.standard_normal((60, 30))
    s = np.linalg.svd(w.T, compute_uv=False)
    r = svd_factorize(w, rank=10)
    assert r.error["rel_error"] == pytest.approx(np.sqrt((s[10:] ** 2).sum() / (s**2).sum()), rel=1e-10)
    assert r.A.shape == (30, 10) and r.B.shape == (10, 60)
    assert r.param_ratio == pytest.approx(10 * 90 / 1800)
    e = svd_factorize(w, energy=0.9)
    cum = np.cumsum(s**2) / (s**2).sum()
    assert cum[e.rank - 1] >= 0.9 > cum[e.rank - 2]
    x = rng.standard_normal((50, 60))
    rx = svd_factorize(w, rank=30, x=x)
    assert rx.error["rel_output_error"] == pytest.approx(0, abs=1e-10)


def test_gaussian_proxies_match_measured_errors():
    rng = np.random.default_rng(4)
    w = rng.standard_normal((4096, 256))
    for d in (0.9, 0.5, 0.2):
        assert magnitude_prune(w, d).error["rel_error"] == pytest.approx(float(prune_rel_error(d)), rel=0.02)
    for b in (4, 8):
        meas = quantize(w, b, group_size=128, scale_bits=32).error["rel_error"]
        assert meas == pytest.approx(float(quant_rel_error(b, 128)), rel=0.15)


def test_chain_report_export_and_ir(tmp_path):
    rng = np.random.default_rng(5)
    weights = {"d0.w": rng.standard_normal((16, 8)), "d0.b": np.zeros(8), "c0.w": rng.standard_normal((4, 2, 3))}
    new, rep = compress_weights(weights, {"d0.w": "dense", "c0.w": "conv"},
                                [("nm", {"n": 2, "m": 4}), ("quantize", {"bits": 4, "group_size": 8})])
    assert np.array_equal(new["d0.b"], weights["d0.b"])
    tot = rep[(rep["tensor"] == "d0.w") & (rep["step"] == "total")].iloc[0]
    direct = np.linalg.norm(new["d0.w"] - weights["d0.w"]) / np.linalg.norm(weights["d0.w"])
    assert tot["rel_error"] == pytest.approx(direct)
    t = ir.make([ir.linear("d0", M=1, N=8, K=16)])
    t2 = apply_to_ir(t, rep, {"d0.w": "d0"})
    assert t2["w_bits"].iloc[0] == 4 and t2["density"].iloc[0] == 0.5 and t2["sparsity_pattern"].iloc[0] == "n:m"
    layers = [{"op": "dense", "w": "d0.w", "b": "d0.b"}, {"op": "relu"}, {"op": "conv1d", "w": "c0.w"}]
    (tmp_path / "layers.json").write_text(json.dumps(layers))
    np.savez(tmp_path / "weights.npz", **weights)
    out, rep2 = compress_export(tmp_path / "layers.json", tmp_path / "weights.npz", [("quantize", {"bits": 8})],
                                tmp_path / "out")
    with np.load(tmp_path / "out" / "weights.npz") as z:
        assert np.allclose(z["c0.w"], out["c0.w"])
    assert set(rep2["tensor"]) == {"d0.w", "c0.w"}
    with pytest.raises(ValueError, match="not in weights"):
        compress_weights(weights, {"x": "dense"}, [])
