"""Workload builders: row counts, MACs and memory against closed-form expressions from the configs."""


import numpy as np
import pytest

from hwsim import ir
from hwsim.workloads.cnn import alexnet_conv1, cmsis_cifar10, mobilenet_v1_conv1
from hwsim.workloads.kws import keyword_spotter
from hwsim.workloads.lora import trainable_parameter_count, with_lora
from hwsim.workloads.moe import active_parameter_count, with_moe
from hwsim.workloads.transformer import LLAMA_3_1_8B, LLAMA_3_2_3B, MIXTRAL_8X7B, gemm_rows, llama
from hwsim.workloads.transforms import low_rank, quantize, sparsify


def test_llama_decode_has_225_gemms_and_2_flops_per_parameter():
    t = llama(LLAMA_3_1_8B)
    g = gemm_rows(t)
    assert len(g) == 225
    # decode of one token: one MAC per weight of every GEMM (embedding is a look-up)
    assert ir.dense_macs(g).sum() == ir.parameter_count(g)
    p = llama(LLAMA_3_1_8B, phase="prefill", seq_len=16, batch=2)
    assert (p[p["kind"] == "linear"]["M"] == 32).all()
    assert p[p["kind"] == "lm_head"]["M"].iloc[0] == 2  # last token of each sequence
    qk = p[p["kind"] == "attention_qk"].iloc[0]
    assert (qk["M"], qk["N"], qk["K"], qk["count"]) == (16 * 4, 16, 128, 8 * 2)


def test_llama_config_errors():
    with pytest.raises(ValueError, match="hidden_size"):
        llama({"num_hidden_layers": 2})
    with pytest.raises(ValueError, match="phase"):
        llama(LLAMA_3_2_3B, phase="serve")
    with pytest.raises(ValueError, match="num_key_value_heads"):
        llama({**LLAMA_3_2_3B, "num_key_value_heads": 5})
    with pytest.raises(ValueError, match="seq_len must be 1"):
        llama(LLAMA_3_2_3B, seq_len=4)


def test_moe_transform_reproduces_the_mixtral_builder():
    dense = llama({k: v for k, v in MIXTRAL_8X7B.items() if k not in ("num_local_experts", "num_experts_per_tok")})
    m = with_moe(dense, 8, 2)
    assert ir.parameter_count(m) == ir.parameter_count(llama(MIXTRAL_8X7B))
    assert active_parameter_count(m) == active_parameter_count(llama(MIXTRAL_8X7B))
    with pytest.raises(ValueError, match="top_k"):
        with_moe(dense, 4, 5)


def test_lora_rows_and_trainable_count():
    t = with_lora(llama(LLAMA_3_2_3B), 8, targets=("q_proj", "v_proj"))
    assert (t["kind"] == "lora_a").sum() == 2 * 28
    assert trainable_parameter_count(t) == 28 * 8 * ((3072 + 3072) + (3072 + 1024))
    with pytest.raises(ValueError, match="rank"):
        with_lora(llama(LLAMA_3_2_3B), 0)
    with pytest.raises(ValueError, match="no linear row"):
        with_lora(llama(LLAMA_3_2_3B), 4, targets=("wq",))


def test_transforms_select_rows_and_validate():
    t = llama(LLAMA_3_2_3B)
    q = quantize(t, 4, group_size=128, scale_bits=16, kinds=("linear",), layers=r"\.mlp\.")
    sel = q["layer"].str.contains(r"\.mlp\.") & (q["kind"] == "linear")
    assert (q.loc[sel, "w_bits"] == 4).all() and (q.loc[~sel, "w_bits"] == 16).all()
    s = sparsify(t, 0.5, pattern="n:m")
    assert set(s.loc[s["kind"] == "linear", "sparsity_pattern"]) == {"n:m"}
    r = low_rank(t, rank_fraction=0.25)
    row = r[r["layer"] == "layers.0.self_attn.k_proj"].iloc[0]
    assert row["rank"] == 1024 // 4
    with pytest.raises(ValueError, match="density"):
        sparsify(t, 0.0)
    with pytest.raises(ValueError, match="w_format"):
        quantize(t, 4, w_format="posit")
    with pytest.raises(ValueError, match="exactly one"):
        low_rank(t)


def test_reference_convolutions_and_kws():
    assert ir.dense_macs(mobilenet_v1_conv1()).sum() == 3 * 32 * 112 * 112 * 9
    assert ir.dense_macs(alexnet_conv1()).sum() == 3 * 96 * 55 * 55 * 121
    assert ir.dense_macs(cmsis_cifar10()).sum() == 12298240
    k = keyword_spotter(time_steps=4, spike_rate=0.25)
    assert ir.synaptic_ops(k).sum() == pytest.approx(0.25 * 4 * (390 * 256 + 256 * 256 + 256 * 29))
    with pytest.raises(ValueError, match="spike_rate"):
        keyword_spotter(spike_rate=2.0)
    assert np.isclose(k[k["kind"] == "neuron_update"]["n_neurons"].sum(), 256 + 256 + 29)
