"""Measured-quality pipeline on a tiny trained CNN: each compression step is checked against an independent
construction (hand-pruned weights, matrix rank, number of quantisation levels, closed-form MAC counts)."""

import math

import numpy as np
import pytest

from hwsim import ir
from hwsim.quality import cache
from hwsim.quality import digits_cnn as cnn
from hwsim.quality.pipeline import Design, compress, scores

TINY = {"channels": 4, "hidden": 8, "n_blocks": 3, "epochs": 6, "batch": 64, "seed": 0}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("HWSIM_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    p = cnn.trained(TINY)
    data = cnn.load_digits_split(0)
    yield p, data
    mp.undo()


def test_training_learns_and_numpy_forward_matches_jax(trained):
    import jax.numpy as jnp

    p, data = trained
    assert cnn.accuracy(p, data.x_test, data.y_test) > 0.5  # chance is 0.1; 6 epochs of a 4-channel net
    a = cnn.forward(p, data.x_test[:32].astype(np.float64))
    b = np.asarray(cnn.forward({k: jnp.asarray(v) for k, v in p.items()}, jnp.asarray(data.x_test[:32]), xp=jnp))
    assert np.allclose(a, b, rtol=1e-4, atol=1e-4)


def test_cache_returns_stored_weights_without_training(trained, monkeypatch):
    p, _ = trained
    monkeypatch.setattr(cnn, "train", lambda cfg: pytest.fail("retrained"))
    q = cnn.trained(TINY)
    assert all(np.array_equal(p[k], q[k]) for k in p)
    with pytest.raises(ValueError, match="name"):
        cache.cached("a/b", {}, dict)


def test_identity_design_and_ir_macs(trained):
    p, data = trained
    c = compress(p, Design(), data.x_train[:64])
    assert c.accuracy(data.x_test, data.y_test) == cnn.accuracy(p, data.x_test, data.y_test)
    C, H, nb = 4, 8, 3
    macs = 64 * 9 * 1 * C + nb * 64 * (9 * C * H + H * C) + 64 * C * 10
    assert ir.dense_macs(c.ir()).sum() == macs


def test_depth_pruning_equals_deleting_the_lowest_influence_blocks(trained):
    p, data = trained
    cal = data.x_train[:64]
    sc = scores(p, cal)
    drop = min(sc.block_influence, key=sc.block_influence.get)
    by_hand = {k: v for k, v in p.items() if not k.startswith(f"blocks.{drop}.")}
    c = compress(p, Design(depth=1), cal, importance=sc)
    assert np.allclose(cnn.forward(c.params, data.x_test), cnn.forward(by_hand, data.x_test.astype(np.float64)))
    assert len(c.ir()) == 1 + 2 * 2 + 1
    with pytest.raises(ValueError, match="depth"):
        compress(p, Design(depth=4), cal)


def test_width_pruning_equals_zeroing_the_least_active_channels(trained):
    p, data = trained
    cal = data.x_train[:64]
    sc = scores(p, cal)
    c = compress(p, Design(width=0.5), cal, importance=sc)
    zeroed = {k: v.astype(np.float64).copy() for k, v in p.items()}
    for i, s in sc.channel_importance.items():
        drop = np.argsort(-s)[4:]  # keep round(0.5 x 8) = 4 channels
        zeroed[f"blocks.{i}.w2"][drop, :] = 0.0
    assert np.allclose(cnn.forward(c.params, data.x_test), cnn.forward(zeroed, data.x_test.astype(np.float64)))
    t = c.ir()
    assert (t[t["layer"].str.endswith("conv1")]["K_out"] == 4).all()


def test_low_rank_and_quantisation_levels(trained):
    p, data = trained
    cal = data.x_train[:64]
    c = compress(p, Design(rank_fraction=0.5), cal)
    w1 = c.params["blocks.0.w1"]  # (36, 8): rank floor(0.5 x 8) = 4
    assert np.linalg.matrix_rank(w1, tol=1e-9 * np.abs(w1).max()) == 4
    assert c.ir().set_index("layer").loc["blocks.0.conv1", "rank"] == 4
    q = compress(p, Design(w_bits=3, w_bits_layers={"head": 8}), cal)
    w = q.params["blocks.1.w1"]
    assert max(len(np.unique(w[:, j])) for j in range(w.shape[1])) <= 2**3 - 1  # symmetric: 7 levels per channel
    h = q.params["head.w"]
    assert max(len(np.unique(h[:, j])) for j in range(h.shape[1])) > 7
    t = q.ir().set_index("layer")
    assert t.loc["head", "w_bits"] == 8 and t.loc["stem", "w_bits"] == 3 and t.loc["stem", "w_format"] == "int"


def test_activation_quantisation_levels(trained):
    p, data = trained
    c = compress(p, Design(a_bits=3), data.x_train[:64])
    seen = {}

    def spy(name, a):
        out = c.act_quant(name, a)
        seen[name] = out
        return out

    cnn.forward(c.params, data.x_test[:16].astype(np.float64), act_quant=spy)
    assert len(np.unique(seen["stem"])) <= 2**3  # non-negative input: unsigned, 8 levels
    assert len(np.unique(seen["blocks.0.conv1"])) <= 2**3 - 1 or np.min(seen["blocks.0.conv1"]) >= 0


@pytest.mark.parametrize("kwargs, match", [
    (dict(width=0.0), "width"), (dict(width=math.nan), "width"), (dict(rank_fraction=1.5), "rank_fraction"),
    (dict(w_bits=1), "bits"), (dict(a_bits=17), "bits"), (dict(depth=-1), "depth"),
])
def test_design_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Design(**kwargs)

