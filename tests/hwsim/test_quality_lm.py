"""Byte-level transformer LM: training beats the initial and the unigram perplexity on held-out standard-library
text, and depth/width pruning equal hand edits of the weights; IR MACs by hand."""

import numpy as np
import pytest

from hwsim.cost.model import evaluate_arrays
from hwsim.quality import byte_lm as lm
from hwsim.quality.lm_pipeline import compress_lm, lm_scores
from hwsim.quality.pipeline import Design

LM_TINY = {"d_model": 16, "n_layers": 2, "n_heads": 2, "d_ff": 32, "context": 16, "steps": 200, "lr": 1e-2, "batch": 16,
           "corpus_bytes": 20_000, "seed": 0}


def test_byte_lm_trains_below_its_initial_and_unigram_perplexity(tmp_path, monkeypatch):
    monkeypatch.setenv("HWSIM_CACHE_DIR", str(tmp_path))
    tr, ho = lm.split(20_000)
    w = lm.eval_batch(ho, 16, 32)
    p0 = lm.init_params({**lm.DEFAULT_CONFIG, **LM_TINY}, seed=0)
    p = lm.trained(LM_TINY)
    ppl0, ppl = lm.perplexity(p0, w, n_heads=2), lm.perplexity(p, w, n_heads=2)
    freq = np.bincount(tr, minlength=256) / tr.size  # unigram model of the training bytes
    unigram = np.exp(-np.mean(np.log(np.maximum(freq[w[:, 1:]], 1e-12))))
    assert ppl < ppl0 and ppl < unigram
    with pytest.raises(ValueError, match="n_heads"):
        lm.train({**LM_TINY, "n_heads": 3})


def test_lm_pruning_equals_hand_edits():
    p = {k: v.astype(np.float64) for k, v in lm.init_params({**lm.DEFAULT_CONFIG, **LM_TINY}, seed=1).items()}
    calib = np.random.default_rng(0).integers(0, 256, size=(4, 17))
    tok = np.random.default_rng(1).integers(0, 256, size=(2, 16))
    sc = lm_scores(p, calib, n_heads=2)
    # width 0.5: the same as zeroing the down-projection rows of the 16 least active neurons
    c = compress_lm(p, Design(width=0.5), calib, n_heads=2, importance=sc)
    z = {k: v.copy() for k, v in p.items()}
    for i, s in sc.neuron_importance.items():
        z[f"layers.{i}.down"][np.argsort(-s)[16:], :] = 0.0
    assert np.allclose(lm.forward(c.params, tok, n_heads=2), lm.forward(z, tok, n_heads=2))
    # depth 1: the block of lowest influence is gone
    drop = min(sc.block_influence, key=sc.block_influence.get)
    c = compress_lm(p, Design(depth=1), calib, n_heads=2, importance=sc)
    assert lm.layer_ids(c.params) == [i for i in (0, 1) if i != drop]
    t = c.ir()
    assert len(t[t["kind"] == "attention_qk"]) == 1
    # IR MACs of one 16-token pass of the pruned model by hand: qkv, qk, av, o, up, down, head
    macs = evaluate_arrays(t, "horowitz_45nm_accel").totals["macs"][0]  # the embedding look-up is no MAC
    assert macs == 16 * (16 * 48 + 16 * 8 * 2 + 16 * 8 * 2 + 16 * 16 + 16 * 32 * 2) + 16 * 16 * 256
