"""Training memory of Llama-style models: full fine-tuning and LoRA, with the peak-memory techniques of
Dbouk, Reisser, Mandke, Navali, Louizos, "Techniques for peak memory reduction for LoRA fine-tuning of LLMs on edge
devices", arXiv:2606.19528 (quantised frozen base dequantised on the fly, checkpointing with offload, top-k
vocabulary softmax, logits masking).

Accounting (bytes; ``T`` tokens = batch x seq_len, ``b`` = compute bytes, 4 for fp32, 2 for bf16):

* optimizer state per trainable parameter, :data:`BYTES_PER_PARAM` (AdamW mixed precision 16 B: bf16 weights and
  gradients, fp32 master weights, m and v; Rajbhandari et al., ZeRO, SC 2020, doi:10.1109/SC41405.2020.00024);
* frozen base (LoRA): all parameters at ``b`` bytes, or at ``base_bits`` (+ one ``base_scale_bits`` scale per
  ``base_group_size`` weights) when quantised, plus one layer dequantised to ``b`` bytes at a time; with ``offload``
  only the layer being computed is on the device (quantised and dequantised) - weights and checkpoints stream from
  storage;
* saved activations per layer per token, elements: ``6 h + 2 kv + 4 i`` (input and output of the two RMSNorms,
  q and the K/V heads kept by memory-efficient attention, the attention output, the MLP gate, up, SiLU and product)
  + ``r`` per LoRA adapter (input of B) + 2 (RMSNorm statistics); without checkpointing all layers are kept; with
  checkpointing only the layer inputs (``h`` per token per layer; one layer when offloaded) plus one layer
  recomputed during backward;
* logits: ``logits_copies`` fp32 buffers (logits and their gradient) of ``T x trainable_token_fraction x V_eff``
  with ``V_eff`` = vocabulary or the ``vocab_subset`` of the softmax approximation;
* peak = base + adapter/optimizer state + saved activations + the larger of the logits buffers and the recomputed
  layer (backward transients are not simultaneous).

With these rules the paper's measured length slope of plain LoRA (6.94 MB/token for Llama-3.2-3B in fp32) is
reproduced within 1% (28 layers x 53,266 x 4 B + 2 x 128,256 x 4 B = 6.99 MB/token).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hwsim import ir
from hwsim.workloads.lora import PEFT_DEFAULT_TARGETS
from hwsim.workloads.transformer import _cfg, llama

BYTES_PER_PARAM: dict[str, dict[str, float]] = {
    "adamw_mixed": {"weights": 2, "grads": 2, "master": 4, "adam_m": 4, "adam_v": 4},
    "adamw_fp32": {"weights": 4, "grads": 4, "adam_m": 4, "adam_v": 4},
    "sgd_momentum_fp32": {"weights": 4, "grads": 4, "momentum": 4},
    "sgd_fp32": {"weights": 4, "grads": 4},
}
"""Bytes of training state per trainable parameter, by optimizer (ZeRO, SC 2020, section 3.1)."""

_PROJ_SHAPES = {  # name -> (in, out) as functions of (h, i, q_dim, kv_dim)
    "q_proj": lambda h, i, q, kv: (h, q), "k_proj": lambda h, i, q, kv: (h, kv),
    "v_proj": lambda h, i, q, kv: (h, kv), "o_proj": lambda h, i, q, kv: (q, h),
    "gate_proj": lambda h, i, q, kv: (h, i), "up_proj": lambda h, i, q, kv: (h, i),
    "down_proj": lambda h, i, q, kv: (i, h),
}


def optimizer_bytes_per_param(optimizer: str) -> float:
    """Total training-state bytes per trainable parameter. Raises ValueError for an unknown optimizer."""
    if optimizer not in BYTES_PER_PARAM:
        raise ValueError(f"optimizer={optimizer!r}; accepted: {sorted(BYTES_PER_PARAM)}")
    return float(sum(BYTES_PER_PARAM[optimizer].values()))


@dataclass(frozen=True)
class TrainingMemory:
    """Memory components [B] and their peak; ``details`` lists the counts behind them."""

    base_B: float
    state_B: float
    activations_B: float
    logits_B: float
    recompute_B: float
    peak_B: float
    details: dict[str, float]

    def as_dict(self) -> dict[str, float]:
        return {"base_B": self.base_B, "state_B": self.state_B, "activations_B": self.activations_B,
                "logits_B": self.logits_B, "recompute_B": self.recompute_B, "peak_B": self.peak_B, **self.details}


def training_memory(config: Mapping[str, Any], *, seq_len: int, batch: int = 1, lora_rank: int | None = None,
                    lora_targets: Sequence[str] = PEFT_DEFAULT_TARGETS, optimizer: str = "adamw_mixed",
                    compute_bytes: float = 2.0, base_bits: float | None = None, base_group_size: int = 128,
                    base_scale_bits: int = 16, checkpointing: bool = False, offload: bool = False,
                    vocab_subset: int | None = None, trainable_token_fraction: float = 1.0,
                    logits_copies: int = 2, include_activations: bool = True) -> TrainingMemory:
    """Peak training memory of one forward + backward pass (see the module docstring for every term).

    Parameters
    ----------
    config
        model config (as for :func:`hwsim.workloads.transformer.llama`).
    seq_len, batch
        tokens per sequence and sequences per step.
    lora_rank, lora_targets
        LoRA rank and target projections (``None``: full fine-tuning of every parameter).
    optimizer
        key of :data:`BYTES_PER_PARAM` (state of the trainable parameters).
    compute_bytes
        bytes per activation and per dequantised weight (4 fp32, 2 bf16).
    base_bits, base_group_size, base_scale_bits
        precision of the frozen base in LoRA (``None``: ``compute_bytes``); group scales as in
        :func:`hwsim.workloads.transforms.quantize`.
    checkpointing, offload
        activation checkpointing at layer boundaries; offload of checkpoints and base weights to storage.
    vocab_subset, trainable_token_fraction, logits_copies
        softmax over a subset of ``vocab_subset`` tokens; fraction of tokens in the loss (logits masking);
        number of fp32 vocabulary-sized buffers per loss token.
    include_activations
        False: parameter/optimizer state only (e.g. the 16 B/param figure).

    Raises
    ------
    ValueError
        for non-positive sizes, an unknown optimizer or target projection, a fraction outside (0, 1], or
        ``offload`` without ``checkpointing``.
    """
    c = _cfg(config)
    if seq_len < 1 or batch < 1:
        raise ValueError(f"seq_len and batch must be >= 1, got {seq_len}, {batch}")
    if not (0 < trainable_token_fraction <= 1):
        raise ValueError(f"trainable_token_fraction must be in (0, 1], got {trainable_token_fraction}")
    if offload and not checkpointing:
        raise ValueError("offload stores checkpoints: it needs checkpointing=True")
    if vocab_subset is not None and not (1 <= vocab_subset <= c["vocab_size"]):
        raise ValueError(f"vocab_subset must be in [1, vocab_size={c['vocab_size']}], got {vocab_subset}")
    if logits_copies < 1:
        raise ValueError(f"logits_copies must be >= 1, got {logits_copies}")
    per_param = optimizer_bytes_per_param(optimizer)
    h, i_dim, L, V = c["hidden_size"], c["intermediate_size"], c["num_hidden_layers"], c["vocab_size"]
    q_dim = c["num_attention_heads"] * c["head_dim"]
    kv_dim = c["num_key_value_heads"] * c["head_dim"]
    table = llama(c)
    n_params = ir.parameter_count(table)
    layer_params = int(table[table["layer"].str.startswith("layers.0.")]["weight_elems"].sum())
    head_params = V * h
    T = batch * seq_len
    b = float(compute_bytes)

    if lora_rank is None:
        trainable = n_params
        base = 0.0
        adapters_per_layer = 0
    else:
        bad = [t for t in lora_targets if t not in _PROJ_SHAPES]
        if bad:
            raise ValueError(f"lora_targets {bad} unknown; accepted: {sorted(_PROJ_SHAPES)}")
        if lora_rank < 1:
            raise ValueError(f"lora_rank must be >= 1, got {lora_rank}")
        per_layer = sum(lora_rank * sum(_PROJ_SHAPES[t](h, i_dim, q_dim, kv_dim)) for t in lora_targets)
        trainable = per_layer * L
        adapters_per_layer = len(lora_targets)
        if base_bits is None:
            bits_per_w = 8.0 * b
        else:
            bits_per_w = base_bits + (base_scale_bits / base_group_size if base_group_size > 0 else 0.0)
        dequant_layer = layer_params * b if base_bits is not None else 0.0
        if offload:
            head_rows = vocab_subset if vocab_subset is not None else V
            base = layer_params * bits_per_w / 8.0 + layer_params * b + head_rows * h * b
        else:
            base = n_params * bits_per_w / 8.0 + dequant_layer
    state = trainable * per_param

    per_layer_elems = 6 * h + 2 * kv_dim + 4 * i_dim + adapters_per_layer * (lora_rank or 0) + 2
    layer_act = per_layer_elems * T * b
    if not include_activations:
        acts = logits = recompute = 0.0
    else:
        if not checkpointing:
            acts = L * layer_act + 2 * h * T * b  # + final norm input/output
            recompute = 0.0
        else:
            acts = (1 if offload else L) * h * T * b
            recompute = layer_act
        v_eff = vocab_subset if vocab_subset is not None else V
        logits = logits_copies * T * trainable_token_fraction * v_eff * 4.0
    peak = base + state + acts + max(logits, recompute)
    details = {"parameters": float(n_params), "trainable_parameters": float(trainable),
               "layer_parameters": float(layer_params), "head_parameters": float(head_params),
               "saved_elems_per_token_per_layer": float(per_layer_elems), "bytes_per_trainable_param": per_param}
    return TrainingMemory(base_B=base, state_B=state, activations_B=acts, logits_B=logits, recompute_B=recompute,
                          peak_B=peak, details=details)


def lora_edge_pipeline(config: Mapping[str, Any], seq_len: int, *, stage: str = "all") -> TrainingMemory:
    """The configurations of arXiv:2606.19528's Table 1 (fp32 compute, LoRA r=16 as the table states, on PEFT's
    default q/v targets, AdamW).

    ``stage``: ``"lora"`` (plain LoRA), ``"quant"`` (+ INT4 base, group 128 fp16 scales, dequantised on the fly),
    ``"ckpt"`` (+ checkpointing with offload), ``"sm"`` (+ top-1000 vocabulary softmax), ``"all"`` (+ logits
    masking, 30% trainable tokens). The LoRA targets are PEFT's defaults (an assumption: the table gives only the
    rank).

    Raises ValueError for an unknown stage.
    """
    stages = ("lora", "quant", "ckpt", "sm", "all")
    if stage not in stages:
        raise ValueError(f"stage={stage!r}; accepted: {stages}")
    k = stages.index(stage)
    return training_memory(
        config, seq_len=seq_len, lora_rank=16, lora_targets=PEFT_DEFAULT_TARGETS, optimizer="adamw_fp32",
        compute_bytes=4.0, base_bits=4 if k >= 1 else None, base_group_size=128, base_scale_bits=16,
        checkpointing=k >= 2, offload=k >= 2, vocab_subset=1000 if k >= 3 else None,
        trainable_token_fraction=0.3 if k >= 4 else 1.0)
