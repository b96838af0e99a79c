"""Peephole probes: unrolling, SVD/rank, GMM posterior tables, unknown answers, calibration, IR overhead."""

import warnings

import numpy as np
import pytest

from fdir.reaction_wheel.peephole.calibration import apply_temperature, ece, fit_temperature, nll, reliability
from fdir.reaction_wheel.peephole.corevector import CoreVectorMap, affine_svd, fit_corevector_map, unroll
from fdir.reaction_wheel.peephole.overhead import overhead, probe_workload
from fdir.reaction_wheel.peephole.probe import fit_probe


def test_conv_transpose_unroll_matches_direct_scatter():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 3, 5))
    w = rng.normal(size=(4, 2, 1, 2))
    b = rng.normal(size=2)
    M, bias = unroll({"op": "conv_transpose2d", "w": w, "b": b, "stride": [1, 2]}, x.shape)
    y = np.zeros((2, 3, 10))
    for i in range(4):
        for o in range(2):
            for k in range(2):
                y[o, :, k::2] += w[i, o, 0, k] * x[i]
    y += b[:, None, None]
    assert np.allclose(M @ x.ravel() + bias, y.ravel())


def test_dense_unroll_and_projection():
    rng = np.random.default_rng(1)
    w = rng.normal(size=(10, 4))
    b = rng.normal(size=4)
    cvm = fit_corevector_map("d", {"op": "dense", "w": w, "b": b}, (10,), 3)
    Wt = np.concatenate([w.T, b[:, None]], axis=1)
    _, s, vt = np.linalg.svd(Wt)
    assert np.allclose(cvm.singular_values, s[:3])
    x = rng.normal(size=(7, 10))
    ref = np.concatenate([x, np.ones((7, 1))], axis=1) @ vt[:3].T
    assert np.allclose(np.abs(cvm(x)), np.abs(ref))  # singular vectors are defined up to sign
    with pytest.raises(ValueError, match="features"):
        cvm(np.zeros((2, 9)))
    with pytest.raises(ValueError, match="kappa"):
        fit_corevector_map("d", {"op": "dense", "w": w, "b": b}, (10,), 0)


def test_gram_path_agrees_with_thin_svd(monkeypatch):
    import fdir.reaction_wheel.peephole.corevector as cv

    rng = np.random.default_rng(2)
    W = rng.normal(size=(60, 40))
    b = rng.normal(size=60)
    s1, v1, r1 = affine_svd(W, b, k=5)
    monkeypatch.setattr(cv, "GRAM_MIN_DIM", 10)
    s2, v2, r2 = cv.affine_svd(W, b, k=5)
    assert r1 == r2 == 41 and np.allclose(s1, s2)
    assert np.allclose(np.abs(np.sum(v1 * v2, axis=1)), 1.0)


def test_unroll_errors():
    with pytest.raises(ValueError, match="affine"):
        unroll({"op": "relu", "w": np.zeros(1)}, (1,))
    with pytest.raises(ValueError, match="input channels"):
        unroll({"op": "conv2d", "w": np.zeros((2, 3, 3, 3))}, (2, 4, 4))


def _toy_probe(K=4, alpha=0.1, seed=0, tau=0.5):
    rng = np.random.default_rng(seed)
    centres = np.array([[0, 0], [6, 0], [0, 6], [6, 6]], float)
    y = np.repeat(np.arange(4), 200)
    cv = centres[y] + rng.normal(0, 0.5, size=(800, 2))
    cvm = CoreVectorMap("toy", np.eye(2, 3), np.ones(2), 2, 2, (2,))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        probe = fit_probe(cvm, cv, {"c": y}, {"c": ("a", "b", "c", "d")}, n_components=K, alpha=alpha, seed=seed,
                          tau=tau)
    return probe, cv, y


def test_probe_recovers_separable_concepts_and_tables_are_counts():
    probe, cv, y = _toy_probe()
    p = probe.proba(cv, "c")
    assert np.mean(p.argmax(1) == y) == 1.0
    assign = probe.log_joint(cv).argmax(1)
    for k in range(4):
        counts = np.bincount(y[assign == k], minlength=4)
        assert np.allclose(probe.tables["c"][k], (counts + 0.1) / (counts.sum() + 0.4))
    assert np.allclose(probe.responsibilities(cv).sum(1), 1.0)


def test_empty_cluster_gives_uniform_row():
    probe, cv, y = _toy_probe(K=4, alpha=0.0)
    probe.weights = np.append(probe.weights * 0.999, 0.001)
    probe.means = np.vstack([probe.means, [[50.0, 50.0]]])
    probe.variances = np.vstack([probe.variances, [[1.0, 1.0]]])
    # refit the tables through fit_probe's rule on the extended mixture: the new cluster gets no window
    from fdir.reaction_wheel.peephole import probe as P

    assign = probe.log_joint(cv).argmax(1)
    assert not np.any(assign == 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        refit = P.fit_probe(probe.cv_map, np.vstack([cv, [[1e3, 1e3]]]), {"c": np.append(y, 0)},
                            probe.concepts, n_components=6, alpha=0.0, seed=0)
    empty = refit.cluster_counts == 0
    if empty.any():
        assert np.allclose(refit.tables["c"][empty], 0.25)
    assert np.all(np.isfinite(refit.tables["c"]))


def test_unknown_answers_for_low_confidence_and_out_of_distribution():
    probe, cv, y = _toy_probe(tau=0.5)
    mid = np.array([[3.0, 3.0]])  # equidistant from the four clusters
    far = np.array([[60.0, -60.0]])
    pred = probe.predict(np.vstack([cv[:3], mid, far]))
    assert np.all(pred["c"][:3] == y[:3])
    assert pred["c"][4] == -1 and pred["ood"][4]
    assert probe.ll_threshold > probe.log_likelihood(far)[0]
    probe.tau = 0.99
    assert np.all(probe.predict(mid)["c"] == -1)


def test_fit_probe_validation():
    cvm = CoreVectorMap("toy", np.eye(2, 3), np.ones(2), 2, 2, (2,))
    cv = np.zeros((10, 2))
    with pytest.raises(ValueError, match="n_components"):
        fit_probe(cvm, cv, {"c": np.zeros(10, int)}, {"c": ("a",)}, n_components=20)
    with pytest.raises(ValueError, match="labels"):
        fit_probe(cvm, cv, {"c": np.full(10, 3)}, {"c": ("a", "b")}, n_components=2)
    with pytest.raises(ValueError, match="cv_train"):
        fit_probe(cvm, np.zeros((10, 3)), {"c": np.zeros(10, int)}, {"c": ("a",)}, n_components=2)
    with pytest.raises(ValueError, match="covariance_type"):
        fit_probe(cvm, cv, {"c": np.zeros(10, int)}, {"c": ("a",)}, n_components=2, covariance_type="full")


def test_calibration_improves_an_overconfident_probe():
    rng = np.random.default_rng(5)
    logits = rng.normal(0, 1.5, size=(4000, 4))
    q = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    y = (rng.random(4000)[:, None] > np.cumsum(q, 1)).sum(1)
    over = apply_temperature(q, 0.4)  # overconfident report
    T = fit_temperature(over[:2000], y[:2000])
    assert T == pytest.approx(2.5, rel=0.15)
    cal = apply_temperature(over[2000:], T)
    assert ece(cal, y[2000:]) < 0.5 * ece(over[2000:], y[2000:])
    assert nll(cal, y[2000:]) < nll(over[2000:], y[2000:])
    assert np.array_equal(cal.argmax(1), over[2000:].argmax(1))


def test_ece_edge_cases_and_reliability():
    p = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert ece(p, np.array([0, 1])) == 0.0
    assert ece(p, np.array([1, 0])) == 1.0
    r = reliability(p, np.array([0, 1]), n_bins=4)
    assert r["count"].tolist() == [0, 0, 0, 2]
    assert np.isnan(ece(np.zeros((0, 2)), np.zeros(0, int)))
    with pytest.raises(ValueError, match="labels"):
        ece(p, np.array([0, 2]))
    with pytest.raises(ValueError, match="T="):
        apply_temperature(p, 0.0)


def test_overhead_counts_follow_the_cost_formula():
    from fdir.detectors.cae import CAEConfig, workload

    d, kappa, K, nc = 128, 129, 200, 20
    pw = probe_workload(d, kappa, K, nc)
    from hwsim import ir

    probe_ops = kappa * d + 2 * kappa * K + K * nc + (kappa + K + nc)  # GEMMs + elementwise rows (IR: M ops)
    assert ir.dense_macs(pw).sum() == probe_ops
    assert ir.parameter_count(pw) == kappa * (d + 1) + K * (2 * kappa + 1) + K * nc
    cfg = CAEConfig(c2=48, latent=128)
    det = workload(cfg)
    macs_conv = (1 * cfg.c1 * 9 * 16 * 16 + cfg.c1 * cfg.c2 * 9 * 16 * 8 + cfg.d1 * cfg.d1 * 9 * 16 * 8
                 + cfg.d2 * cfg.d2 * 9 * 16 * 16 + cfg.d2 * 16 * 16)
    macs_dense = 2 * cfg.flat * cfg.latent + cfg.c2 * cfg.d1 * 2 * 16 * 4 + cfg.d1 * cfg.d2 * 2 * 16 * 8
    elementwise = 2 * (cfg.c1 * 256 + cfg.c2 * 128) + cfg.d1 * 128 + cfg.d2 * 256 + 256  # BN, pool+ReLU, score
    assert ir.dense_macs(det).sum() == macs_conv + macs_dense + elementwise
    ov = overhead(det, pw)
    assert ov["compute_ratio"] == pytest.approx(probe_ops / (macs_conv + macs_dense + elementwise))
    with pytest.raises(ValueError, match="kappa"):
        probe_workload(10, 0, 5, 5)


def test_residual_profile_features_and_their_cost():
    from fdir.reaction_wheel.peephole.probe import peephole_features, residual_profile
    from hwsim import ir

    rng = np.random.default_rng(7)
    z = rng.normal(size=(5, 4, 8))
    zh = z.copy()
    zh[:, 2, :] += 2.0  # residual of 2 on channel 2 only: profile (0, 0, 4, 0)
    r = residual_profile(z, zh)
    assert r.shape == (5, 4) and np.allclose(r[:, 2], 4.0) and np.allclose(np.delete(r, 2, axis=1), 0.0)
    with pytest.raises(ValueError, match="z_hat"):
        residual_profile(z, zh[:, :3])
    cvm = CoreVectorMap("toy", np.eye(2, 3), np.ones(2), 2, 2, (2,))
    acts = rng.normal(size=(5, 2))
    f = peephole_features(cvm, acts, r, 4, eps=1e-6)
    assert f.shape == (5, 6) and np.allclose(f[:, :2], acts) and np.allclose(f[:, 4], np.log(4.0 + 1e-6))
    assert np.allclose(f[:, 2], np.log(1e-6))
    assert np.array_equal(peephole_features(cvm, acts), acts)
    with pytest.raises(ValueError, match="residual"):
        peephole_features(cvm, acts, None, 4)
    with pytest.raises(ValueError, match="residual"):
        peephole_features(cvm, acts, -r, 4)
    # the GMM sees kappa + n_residual features; the 2π constant follows the feature count
    y = (f[:, 0] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        probe = fit_probe(cvm, np.tile(f, (4, 1)) + rng.normal(0, 0.1, (20, 6)), {"c": np.tile(y, 4)},
                          {"c": ("a", "b")}, n_components=2, n_residual=4)
    assert probe.n_features == 6 and probe.means.shape == (2, 6)
    zz = probe.standardize(f)
    ll_ref = np.log(sum(w * np.prod(np.exp(-0.5 * (zz - m) ** 2 / v) / np.sqrt(2 * np.pi * v), axis=1)
                        for w, m, v in zip(probe.weights, probe.means, probe.variances, strict=True)))
    assert np.allclose(probe.log_likelihood(f), ll_ref)
    with pytest.raises(ValueError, match="kappa"):
        fit_probe(cvm, f, {"c": y}, {"c": ("a", "b")}, n_components=2)  # 6 features but n_residual = 0
    # cost: the GMM row grows to 2(κ + n_r) inputs, pooling and log are elementwise rows, 2 n_r parameters
    d, kappa, K, nc, nr, W = 128, 16, 200, 19, 16, 16
    pw = probe_workload(d, kappa, K, nc, n_residual=nr, window=W)
    nf = kappa + nr
    assert ir.dense_macs(pw).sum() == kappa * d + 2 * nf * K + K * nc + (nr * W + 2 * nr + nf + K + nc)
    assert ir.parameter_count(pw) == kappa * (d + 1) + 2 * nr + K * (2 * nf + 1) + K * nc
    with pytest.raises(ValueError, match="n_residual"):
        probe_workload(d, kappa, K, nc, n_residual=-1)
