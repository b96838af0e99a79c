"""Llama-style decoder-only transformers as IR tables.

:func:`llama` takes a Hugging Face style config dict (keys of ``LlamaConfig``/``MixtralConfig``) and returns one
row per operation of one forward pass: per layer ``input_layernorm``, ``q/k/v_proj``, ``attn.qk`` and ``attn.av``
(grouped-query attention written per KV head: the ``heads/kv_heads`` query heads sharing a KV head are stacked as
rows of one GEMM, ``count = kv_heads x batch``, so the K/V cache slice is read once per KV head), ``o_proj``,
``post_attention_layernorm``, ``gate/up/down_proj`` (``expert`` rows and a ``router`` for mixture-of-experts
configs) and ``act`` (SiLU x up); then the final ``norm`` and ``lm_head``, after the ``embed_tokens`` look-up.
Llama-3.1-8B decode has 32 x 7 projections + the LM head = 225 GEMMs.

Phases: ``decode`` (``batch`` sequences, one new token each, attending over ``context`` cached tokens) and
``prefill``/``train`` (``batch`` x ``seq_len`` tokens, causal attention; in ``prefill`` only the last token of a
sequence goes through the LM head, in ``train`` every token does).

Configs: :data:`LLAMA_3_1_8B`, :data:`LLAMA_3_2_3B`, :data:`QWEN_2_5_3B`, :data:`MIXTRAL_8X7B` (from the
models' published ``config.json`` files).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from hwsim import ir

LLAMA_3_1_8B: dict[str, Any] = {
    "hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32,
    "num_key_value_heads": 8, "head_dim": 128, "vocab_size": 128256, "tie_word_embeddings": False,
}
"""meta-llama/Llama-3.1-8B config.json."""
LLAMA_3_2_3B: dict[str, Any] = {
    "hidden_size": 3072, "intermediate_size": 8192, "num_hidden_layers": 28, "num_attention_heads": 24,
    "num_key_value_heads": 8, "head_dim": 128, "vocab_size": 128256, "tie_word_embeddings": True,
}
"""meta-llama/Llama-3.2-3B config.json."""
QWEN_2_5_3B: dict[str, Any] = {
    "hidden_size": 2048, "intermediate_size": 11008, "num_hidden_layers": 36, "num_attention_heads": 16,
    "num_key_value_heads": 2, "head_dim": 128, "vocab_size": 151936, "tie_word_embeddings": True,
}
"""Qwen/Qwen2.5-3B config.json (a Llama-style decoder; its q/k/v biases, 92,160 parameters, are not in the IR)."""
MIXTRAL_8X7B: dict[str, Any] = {
    "hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32,
    "num_key_value_heads": 8, "head_dim": 128, "vocab_size": 32000, "tie_word_embeddings": False,
    "num_local_experts": 8, "num_experts_per_tok": 2,
}
"""mistralai/Mixtral-8x7B-v0.1 config.json."""

PHASES = ("decode", "prefill", "train")
_REQUIRED = ("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "vocab_size")


def _cfg(config: Mapping[str, Any]) -> dict[str, Any]:
    missing = [k for k in _REQUIRED if k not in config]
    if missing:
        raise ValueError(f"config lacks {missing}; required keys: {list(_REQUIRED)}")
    c = dict(config)
    c.setdefault("num_key_value_heads", c["num_attention_heads"])
    c.setdefault("head_dim", c["hidden_size"] // c["num_attention_heads"])
    c.setdefault("tie_word_embeddings", False)
    for k in (*_REQUIRED, "num_key_value_heads", "head_dim"):
        if not isinstance(c[k], int) or c[k] < 1:
            raise ValueError(f"config[{k!r}] must be a positive integer, got {c[k]!r}")
    if c["num_attention_heads"] % c["num_key_value_heads"]:
        raise ValueError("config['num_attention_heads'] must be a multiple of config['num_key_value_heads']")
    ne = c.get("num_local_experts", 0) or 0
    if ne:
        k = c.get("num_experts_per_tok", 2)
        if not (1 <= k <= ne):
            raise ValueError(f"config['num_experts_per_tok']={k} must be in [1, num_local_experts={ne}]")
    return c


def llama(config: Mapping[str, Any] = LLAMA_3_1_8B, *, phase: str = "decode", batch: int = 1, seq_len: int = 1,
          context: int = 0, w_bits: int = 16, a_bits: int = 16, w_format: str = "bf", kv_bits: int | None = None,
          trainable: bool = False) -> pd.DataFrame:
    """IR table of one forward pass of a Llama-style model (see the module docstring).

    Parameters
    ----------
    config
        model config (``hidden_size, intermediate_size, num_hidden_layers, num_attention_heads, vocab_size``;
        optional ``num_key_value_heads, head_dim, tie_word_embeddings, num_local_experts, num_experts_per_tok``).
    phase
        ``"decode"``, ``"prefill"`` or ``"train"``.
    batch, seq_len
        sequences and tokens per sequence (``seq_len`` is 1 in decode).
    context
        cached tokens attended to in decode (the new token attends to ``context + 1`` positions).
    w_bits, a_bits, w_format
        precision of every weight and activation (use :func:`hwsim.workloads.transforms.quantize` for mixed).
    kv_bits
        KV-cache precision (``a_bits`` of the attention rows), default ``a_bits``.
    trainable
        mark every weight trainable and every activation saved for backward (full fine-tuning).

    Raises
    ------
    ValueError
        for a missing or non-positive config entry, an unknown phase, or non-positive sizes.
    """
    c = _cfg(config)
    if phase not in PHASES:
        raise ValueError(f"phase={phase!r}; accepted: {PHASES}")
    for name, v in (("batch", batch), ("seq_len", seq_len)):
        if not isinstance(v, int) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    if context < 0:
        raise ValueError(f"context must be >= 0, got {context}")
    if phase == "decode" and seq_len != 1:
        raise ValueError("decode generates one token per sequence: seq_len must be 1")
    h, inter, L = c["hidden_size"], c["intermediate_size"], c["num_hidden_layers"]
    nh, nkv, hd, V = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"], c["vocab_size"]
    group = nh // nkv
    T = batch * seq_len
    kvb = a_bits if kv_bits is None else kv_bits
    ne = c.get("num_local_experts", 0) or 0
    topk = c.get("num_experts_per_tok", 2) if ne else 1
    prec = {"w_bits": w_bits, "a_bits": a_bits, "w_format": w_format, "trainable": trainable,
            "saved_for_backward": trainable or phase == "train"}
    act = {"a_bits": a_bits, "saved_for_backward": prec["saved_for_backward"]}
    ctx = context + 1 if phase == "decode" else seq_len
    rows = [ir.linear("embed_tokens", M=T, N=h, K=1, kind="embedding", weight_elems=V * h, **prec)]
    for i in range(L):
        p = f"layers.{i}"
        rows.append(ir.linear(f"{p}.input_layernorm", M=T, N=h, K=1, kind="norm", weight_elems=h, **prec))
        rows.append(ir.linear(f"{p}.self_attn.q_proj", M=T, N=nh * hd, K=h, **prec))
        rows.append(ir.linear(f"{p}.self_attn.k_proj", M=T, N=nkv * hd, K=h, **prec))
        rows.append(ir.linear(f"{p}.self_attn.v_proj", M=T, N=nkv * hd, K=h, **prec))
        # causal prefill: on average each query attends to (seq_len + 1) / 2 keys; written as the full square
        # (the usual GEMM cost of non-fused kernels); decode attends to ctx cached positions
        rows.append(ir.op(layer=f"{p}.self_attn.qk", kind="attention_qk", M=seq_len * group, N=ctx, K=hd,
                          count=float(nkv * batch), w_bits=a_bits, **act))
        rows.append(ir.op(layer=f"{p}.self_attn.av", kind="attention_av", M=seq_len * group, N=hd, K=ctx,
                          count=float(nkv * batch), w_bits=a_bits, **act))
        for r in rows[-2:]:
            r["a_bits"] = kvb
        rows.append(ir.linear(f"{p}.self_attn.o_proj", M=T, N=h, K=nh * hd, **prec))
        rows.append(ir.linear(f"{p}.post_attention_layernorm", M=T, N=h, K=1, kind="norm", weight_elems=h, **prec))
        if ne:
            rows.append(ir.linear(f"{p}.block_sparse_moe.gate", M=T, N=ne, K=h, kind="router", **prec))
            moe = {"kind": "expert", "n_experts": ne, "top_k": topk}
            rows.append(ir.linear(f"{p}.mlp.gate_proj", M=T, N=inter, K=h, **moe, **prec))
            rows.append(ir.linear(f"{p}.mlp.up_proj", M=T, N=inter, K=h, **moe, **prec))
            rows.append(ir.linear(f"{p}.mlp.act", M=T, N=inter, K=1, kind="elementwise", count=float(topk),
                                  weight_elems=0, **act))
            rows.append(ir.linear(f"{p}.mlp.down_proj", M=T, N=h, K=inter, **moe, **prec))
        else:
            rows.append(ir.linear(f"{p}.mlp.gate_proj", M=T, N=inter, K=h, **prec))
            rows.append(ir.linear(f"{p}.mlp.up_proj", M=T, N=inter, K=h, **prec))
            rows.append(ir.linear(f"{p}.mlp.act", M=T, N=inter, K=1, kind="elementwise", weight_elems=0, **act))
            rows.append(ir.linear(f"{p}.mlp.down_proj", M=T, N=h, K=inter, **prec))
    rows.append(ir.linear("norm", M=T, N=h, K=1, kind="norm", weight_elems=h, **prec))
    head_tokens = batch if phase == "prefill" else T
    rows.append(ir.linear("lm_head", M=head_tokens, N=V, K=h, kind="lm_head",
                          weight_elems=0 if c["tie_word_embeddings"] else V * h, **prec))
    return ir.make(rows)


def gemm_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The weight GEMM rows (``linear``, ``expert``, ``router``, ``lm_head``, LoRA) of a table, index reset."""
    keep = table["kind"].isin(("linear", "expert", "router", "lm_head", "lora_a", "lora_b"))
    return table[keep].reset_index(drop=True)


def kv_cache_bytes_per_token(config: Mapping[str, Any], kv_bits: int = 16) -> float:
    """KV-cache bytes per token: 2 (K and V) x layers x KV heads x head_dim x kv_bits/8."""
    c = _cfg(config)
    return 2.0 * c["num_hidden_layers"] * c["num_key_value_heads"] * c["head_dim"] * kv_bits / 8.0
