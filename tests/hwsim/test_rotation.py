"""Rotations before quantisation: orthogonality against scipy's Hadamard matrix, exact computational invariance of
the folded rotations (logits unchanged to float64 round-off), the learned rotation's kurtosis reduction on weights
with planted outliers, and the online-Hadamard cost row in the IR."""

import numpy as np
import pytest
from scipy.linalg import hadamard as scipy_hadamard

from hwsim import ir
from hwsim.quality import byte_lm as lm
from hwsim.quality.lm_pipeline import compress_lm
from hwsim.quality.pipeline import Design
from hwsim.quality.rotation import (
    hadamard,
    kurtosis,
    learn_rotation,
    online_hadamard_lm,
    random_orthogonal,
    rotate_lm,
)

CFG = {"d_model": 16, "n_layers": 2, "n_heads": 2, "d_ff": 32, "context": 16}


def test_hadamard_matches_scipy_and_rotations_are_orthogonal():
    assert np.allclose(hadamard(16, seed=None), scipy_hadamard(16) / 4.0, atol=1e-15)  # peer library
    for Q in (hadamard(32, seed=3), random_orthogonal(24, seed=1)):
        assert np.allclose(Q.T @ Q, np.eye(len(Q)), atol=1e-12)
    with pytest.raises(ValueError, match="power of two"):
        hadamard(12)


def test_folded_rotations_leave_the_logits_unchanged():
    p = {k: v.astype(np.float64) for k, v in lm.init_params({**lm.DEFAULT_CONFIG, **CFG}, seed=0).items()}
    tok = np.random.default_rng(0).integers(0, 256, size=(3, 16))
    ref = lm.forward(p, tok, n_heads=2)
    r = online_hadamard_lm(rotate_lm(p, random_orthogonal(16, seed=2)), seed=5)
    assert np.max(np.abs(lm.forward(r, tok, n_heads=2) - ref)) < 1e-10 * np.max(np.abs(ref))
    with pytest.raises(ValueError, match="orthogonal"):
        rotate_lm(p, np.ones((16, 16)))


def test_learned_rotation_lowers_weight_kurtosis_of_outlier_channels():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((16, 64))
    w[3] *= 12.0  # one outlier input channel: kurtosis far above the Gaussian 3
    Q = learn_rotation([w], [], steps=150, lr=0.05, seed=0)
    assert np.allclose(Q.T @ Q, np.eye(16), atol=1e-10)
    k0, k1 = kurtosis(w), kurtosis(Q.T @ w)
    assert k0 > 10 and k1 < 0.5 * k0  # the learned rotation spreads the outlier channel


def test_rotated_design_ir_has_the_online_hadamard_row():
    cfg = {**lm.DEFAULT_CONFIG, **CFG}
    p = lm.init_params(cfg, seed=0)
    calib = np.random.default_rng(1).integers(0, 256, size=(4, 17))
    c = compress_lm(p, Design(w_bits=4, rotation="hadamard"), calib, n_heads=2)
    t = c.ir()
    had = t[t["layer"].str.endswith("hadamard")]
    assert len(had) == 2 and (had["N"] == 32).all() and (had["K"] == 5).all()  # d_ff log2 d_ff additions
    assert ir.dense_macs(had).sum() == 2 * 16 * 32 * 5
    plain = compress_lm(p, Design(w_bits=4), calib, n_heads=2).ir()
    assert len(t) == len(plain) + 2
