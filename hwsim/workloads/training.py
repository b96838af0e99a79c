"""Training memory of Llama-style models: full fine-tuning and LoRA, with the peak-memory techniques of
Dbouk, Reisser, Mandke, Navali, Louizos, "Techniques for peak memory reduction for LoRA fine-tuning of LLMs on edge
devices", arXiv:2606.19528 (quantised frozen base dequantised on the fly, checkpointing with disk offload, softmax
over a semantically relevant vocabulary subset, logits masking).

Every term is in bytes; ``T`` tokens = batch x seq_len, ``b`` = compute bytes (4 fp32, 2 bf16), ``V`` vocabulary,
``h`` hidden size, ``i`` MLP size, ``kv`` K/V width, ``r`` LoRA rank, ``L`` layers.

Terms (the fields of :class:`TrainingMemory`):

* ``base_B`` - frozen base weights on the device (LoRA): all parameters at ``b`` bytes, or at ``base_bits`` + one
  ``base_scale_bits`` scale per ``base_group_size`` weights when quantised (as
  :func:`hwsim.workloads.transforms.quantize`). With ``offload`` (layer streaming from storage, the paper's disk
  offloading) only the decoder layer being computed and the LM head / tied embedding are resident.
* ``dequant_B`` - the on-the-fly dequantised copy of one projection (``b`` bytes per weight) while its matmul runs,
  as in QLoRA's 4-bit linear (Dettmers et al., arXiv:2305.14314): one weight at a time, never a whole layer.
* ``state_B`` - trainable parameters x :data:`BYTES_PER_PARAM` of the optimizer (ZeRO, SC 2020,
  doi:10.1109/SC41405.2020.00024). ``"fwd_bwd_fp32"`` is one forward + backward pass (the paper's Table 1):
  PyTorch optimizers allocate their state at the first ``step()``, so only fp32 weights and gradients exist.
* ``activations_B`` - activations saved for backward, per layer per token ``6 h + 2 kv + 4 i + n_adapters r + 2``
  elements (input and output of the two RMSNorms, q and the K/V heads kept by memory-efficient attention, the
  attention output, the MLP gate, up, SiLU and product, the input of each LoRA B, the two RMSNorm statistics), all
  layers plus the final norm (``2 h``); with checkpointing only the layer inputs (``h`` per layer per token), and
  with offload only the one being used (the checkpoints live on storage).
* ``recompute_B`` - with checkpointing, the activations of the one layer recomputed during backward.
* ``logits_B`` - ``logits_copies`` fp32 buffers of ``loss_tokens x V_eff`` at the loss: the logits, the
  log-probabilities saved by the cross-entropy for backward, and their gradient (3: PyTorch 2.13's
  ``F.cross_entropy`` forward + backward peaks at 3.008 such buffers beyond its inputs when the caller drops its
  reference to the logits, 4.000 when it keeps them; measured with ``torch.profiler`` memory timelines, T = 512,
  V = 8192). ``loss_tokens = trainable_token_fraction x T`` (logits masking: hidden states of
  prompt tokens are dropped before the LM head). ``V_eff = V`` without the softmax approximation.
* ``head_B`` - the LM-head matmul: the dequantised head rows of ``V_eff`` tokens (quantised base only) and the one
  logits buffer they produce.

Softmax approximation (``vocab_subset = k``): the softmax runs over the union ``S`` of the ``k`` semantically
relevant tokens of every loss token of a sequence, shared by the sequence so the head stays one dense matmul; all
three logits buffers are ``loss_tokens x |S|``. ``|S| = V u`` with the coverage of ``D`` independent draws of ``k``
of ``V`` tokens, ``u = 1 - (1 - k / V) ** D``, and ``D = K n ** beta`` for ``n`` loss tokens (Heaps' law for the
growth of distinct contexts, Heaps 1978, ISBN 0-12-335750-0). ``K`` and ``beta`` depend on the data and tokenizer
(:data:`SUBSET_GROWTH`). The shared union is an assumption: of the paper only its abstract and Table 1 were
readable here, and per-token subsets of ``k`` tokens would not keep the vocabulary-sized buffers whose slope
(about 3 V per token at 8192-16384 tokens) Table 1's "+ SM Approx." rows still show.

Peak = ``base + state + activations`` + the largest of the three transients that do not overlap: the LM head
(``head_B``), the loss (``logits_B``) and one layer's matmuls (``dequant_B + recompute_B``).

Checks against the paper's Table 1 (its cells are GiB: plain LoRA's intercept, 12.0, is the fp32 weights,
11.97 GiB, not 12.85 GB): plain LoRA's slope, 6.94e-3 GiB/token, is 28 x 53,282 x 4 B + 3 V x 4 B + 2 h x 4 B
= 7.01e-3 GiB/token (+1%); with checkpointing and offload the slope, 1.4453e-3 GiB/token from 8192 to 16384
tokens, is ``(3 V + h) x 4 B`` = 1.4448e-3 GiB/token (Qwen-2.5-3B, not fitted: 1.7053e-3 measured,
1.7057e-3 model). The validation cases are ``hwsim validate hwsim -k V4``.
"""

from __future__ import annotations

import math
import numbers
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
    "fwd_bwd_fp32": {"weights": 4, "grads": 4},
}
"""Bytes of training state per trainable parameter, by optimizer (ZeRO, SC 2020, section 3.1);
``fwd_bwd_fp32`` is one forward + backward pass before any optimizer step (no optimizer state yet)."""

LORA_EDGE_STAGES = ("lora", "quant", "ckpt", "sm", "all")
"""The cumulative configurations of arXiv:2606.19528 Table 1 (see :func:`lora_edge_pipeline`)."""


@dataclass(frozen=True)
class SubsetGrowth:
    """Growth of the number ``D = K n ** beta`` of independent vocabulary subsets over ``n`` loss tokens.

    ``K`` [subsets / token**beta] and ``beta`` [-] depend on the text and the tokenizer. See the module docstring.
    """

    K: float
    beta: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.K) and self.K > 0):
            raise ValueError(f"SubsetGrowth.K must be finite and > 0, got {self.K}")
        if not (math.isfinite(self.beta) and 0 < self.beta <= 1):
            raise ValueError(f"SubsetGrowth.beta must be in (0, 1], got {self.beta}")


SUBSET_GROWTH = SubsetGrowth(K=0.7417, beta=0.6971)
"""Fitted (status: fitted) so that :func:`lora_edge_pipeline` gives the two Llama-3.2-3B "+ SM Approx." cells of
arXiv:2606.19528 Table 1 at 8192 and 16384 tokens (11.58 and 23.79 GiB) with every other term fixed; ``beta`` lies
in the range of Heaps' law for English text (0.4-0.7). Other cells of the table validate it."""

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


def subset_union_fraction(loss_tokens: float, vocab_subset: int, vocab_size: int,
                          growth: SubsetGrowth = SUBSET_GROWTH) -> float:
    """Fraction ``u`` [-] of the vocabulary in the union of the ``vocab_subset``-token subsets of ``loss_tokens``
    tokens of one sequence: ``1 - (1 - k / V) ** (K n ** beta)`` (module docstring).

    Raises ValueError for ``loss_tokens`` < 0 or not finite, or ``vocab_subset`` outside [1, ``vocab_size``].
    """
    if not (math.isfinite(loss_tokens) and loss_tokens >= 0):
        raise ValueError(f"loss_tokens must be finite and >= 0, got {loss_tokens}")
    if not (1 <= vocab_subset <= vocab_size):
        raise ValueError(f"vocab_subset must be in [1, vocab_size={vocab_size}], got {vocab_subset}")
    if vocab_subset == vocab_size:
        return 1.0 if loss_tokens > 0 else 0.0
    draws = growth.K * loss_tokens ** growth.beta
    return float(-math.expm1(draws * math.log1p(-vocab_subset / vocab_size)))


@dataclass(frozen=True)
class TrainingMemory:
    """Memory terms [B] of one training step, their peak [B] and the phase that sets it (module docstring).

    ``peak_phase`` is ``"head"`` (LM-head matmul), ``"loss"`` (cross-entropy and its gradient) or ``"layer"`` (one
    layer's matmuls, recomputed under checkpointing); ``details`` lists the counts behind the terms.
    """

    base_B: float
    dequant_B: float
    state_B: float
    activations_B: float
    recompute_B: float
    logits_B: float
    head_B: float
    peak_B: float
    peak_phase: str
    details: dict[str, float]

    def as_dict(self) -> dict[str, float]:
        """The numeric terms and details (``peak_phase`` is left out: it is a name)."""
        return {"base_B": self.base_B, "dequant_B": self.dequant_B, "state_B": self.state_B,
                "activations_B": self.activations_B, "recompute_B": self.recompute_B, "logits_B": self.logits_B,
                "head_B": self.head_B, "peak_B": self.peak_B, **self.details}


def _positive_int(name: str, v: Any) -> None:
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {v!r}")


def training_memory(config: Mapping[str, Any], *, seq_len: int, batch: int = 1, lora_rank: int | None = None,
                    lora_targets: Sequence[str] = PEFT_DEFAULT_TARGETS, optimizer: str = "adamw_mixed",
                    compute_bytes: float = 2.0, base_bits: float | None = None, base_group_size: int = 128,
                    base_scale_bits: int = 16, checkpointing: bool = False, offload: bool = False,
                    vocab_subset: int | None = None, trainable_token_fraction: float = 1.0,
                    logits_copies: int = 3, subset_growth: SubsetGrowth = SUBSET_GROWTH,
                    include_activations: bool = True) -> TrainingMemory:
    """Peak memory of one forward + backward pass (see the module docstring for every term and its source).

    Parameters
    ----------
    config
        model config (as for :func:`hwsim.workloads.transformer.llama`).
    seq_len, batch
        tokens per sequence and sequences per step (integers >= 1).
    lora_rank, lora_targets
        LoRA rank (>= 1) and target projections (``None``: full fine-tuning of every parameter).
    optimizer
        key of :data:`BYTES_PER_PARAM` (state of the trainable parameters).
    compute_bytes
        bytes per activation and per dequantised weight (4 fp32, 2 bf16); finite, > 0.
    base_bits, base_group_size, base_scale_bits
        precision [bit] of the frozen base in LoRA (``None``: ``compute_bytes``), weights per scale and scale bits.
    checkpointing, offload
        activation checkpointing at layer boundaries; offload of checkpoints and base weights to storage.
    vocab_subset, trainable_token_fraction
        tokens ``k`` of the semantically relevant subset of each loss token (softmax approximation; ``None``: full
        vocabulary); fraction of tokens in the loss (logits masking), in (0, 1].
    logits_copies
        fp32 vocabulary-sized buffers per loss token at the loss (>= 1; 3 for PyTorch's cross-entropy).
    subset_growth
        growth of the vocabulary subsets with the loss tokens (:data:`SUBSET_GROWTH`, fitted on the paper's data).
    include_activations
        False: parameter/optimizer state only (e.g. the 16 B/param figure).

    Raises
    ------
    ValueError
        for non-positive or non-integer sizes, NaN/inf, an unknown optimizer or target projection, a fraction
        outside (0, 1], a subset outside [1, vocab_size], or ``offload`` without ``checkpointing``.
    """
    c = _cfg(config)
    _positive_int("seq_len", seq_len)
    _positive_int("batch", batch)
    _positive_int("logits_copies", logits_copies)
    _positive_int("base_group_size", base_group_size)
    if not (math.isfinite(compute_bytes) and compute_bytes > 0):
        raise ValueError(f"compute_bytes must be finite and > 0, got {compute_bytes}")
    if base_bits is not None and not (math.isfinite(base_bits) and 0 < base_bits <= 32):
        raise ValueError(f"base_bits must be in (0, 32] or None, got {base_bits}")
    if not (0 <= base_scale_bits <= 32):
        raise ValueError(f"base_scale_bits must be in [0, 32], got {base_scale_bits}")
    if not (0 < trainable_token_fraction <= 1):  # False for NaN
        raise ValueError(f"trainable_token_fraction must be in (0, 1], got {trainable_token_fraction}")
    if offload and not checkpointing:
        raise ValueError("offload stores checkpoints: it needs checkpointing=True")
    if vocab_subset is not None and not (1 <= vocab_subset <= c["vocab_size"]):
        raise ValueError(f"vocab_subset must be in [1, vocab_size={c['vocab_size']}], got {vocab_subset}")
    per_param = optimizer_bytes_per_param(optimizer)
    h, i_dim, L, V = c["hidden_size"], c["intermediate_size"], c["num_hidden_layers"], c["vocab_size"]
    q_dim = c["num_attention_heads"] * c["head_dim"]
    kv_dim = c["num_key_value_heads"] * c["head_dim"]
    table = llama(c)
    n_params = ir.parameter_count(table)
    layer_params = int(table[table["layer"].str.startswith("layers.0.")]["weight_elems"].sum())
    largest_proj = max(a * o for a, o in (s(h, i_dim, q_dim, kv_dim) for s in _PROJ_SHAPES.values()))
    T = batch * seq_len
    b = float(compute_bytes)
    loss_tokens_seq = trainable_token_fraction * seq_len
    if vocab_subset is None:
        v_eff = float(V)
    else:
        v_eff = V * subset_union_fraction(loss_tokens_seq, vocab_subset, V, subset_growth)

    quantised = lora_rank is not None and base_bits is not None
    if lora_rank is None:
        trainable = n_params
        base = 0.0
        adapters_per_layer = 0
    else:
        bad = [t for t in lora_targets if t not in _PROJ_SHAPES]
        if bad:
            raise ValueError(f"lora_targets {bad} unknown; accepted: {sorted(_PROJ_SHAPES)}")
        _positive_int("lora_rank", lora_rank)
        trainable = L * sum(lora_rank * sum(_PROJ_SHAPES[t](h, i_dim, q_dim, kv_dim)) for t in lora_targets)
        adapters_per_layer = len(lora_targets)
        if base_bits is None:
            bytes_per_w = b
        else:
            bytes_per_w = (base_bits + base_scale_bits / base_group_size) / 8.0
        resident = layer_params + V * h if offload else n_params  # the head / tied embedding stays
        base = resident * bytes_per_w
    state = trainable * per_param
    dequant = largest_proj * b if quantised else 0.0

    per_layer_elems = 6 * h + 2 * kv_dim + 4 * i_dim + adapters_per_layer * (lora_rank or 0) + 2
    if not include_activations:
        acts = recompute = logits = head = 0.0
        dequant_layer = 0.0
    else:
        layer_act = per_layer_elems * T * b
        if not checkpointing:
            acts = L * layer_act + 2 * h * T * b  # + final norm input/output
            recompute = 0.0
        else:
            acts = (1 if offload else L) * h * T * b
            recompute = layer_act
        loss_rows = batch * loss_tokens_seq
        logits = logits_copies * loss_rows * v_eff * 4.0
        head = loss_rows * v_eff * 4.0 + (v_eff * h * b if quantised else 0.0)
        dequant_layer = dequant
    resident_sum = base + state + acts
    phases = {"head": resident_sum + head, "loss": resident_sum + logits,
              "layer": resident_sum + dequant_layer + recompute}
    phase = max(phases, key=phases.__getitem__)
    details = {"parameters": float(n_params), "trainable_parameters": float(trainable),
               "layer_parameters": float(layer_params), "head_parameters": float(V * h),
               "saved_elems_per_token_per_layer": float(per_layer_elems), "bytes_per_trainable_param": per_param,
               "loss_tokens": float(batch * loss_tokens_seq), "softmax_vocab": v_eff,
               **{f"phase_{k}_B": v for k, v in phases.items()}}
    return TrainingMemory(base_B=base, dequant_B=dequant, state_B=state, activations_B=acts,
                          recompute_B=recompute, logits_B=logits, head_B=head, peak_B=phases[phase],
                          peak_phase=phase, details=details)


def lora_edge_pipeline(config: Mapping[str, Any], seq_len: int, *, stage: str = "all") -> TrainingMemory:
    """The configurations of arXiv:2606.19528's Table 1: one forward + backward pass, batch 1, fp32 compute, LoRA
    r = 16 (as the table states) on PEFT's default q/v targets (an assumption: the table gives only the rank).

    ``stage`` (cumulative, :data:`LORA_EDGE_STAGES`): ``"lora"`` (plain LoRA, fp32 base), ``"quant"`` (+ INT4 base,
    group 128, fp16 scales, dequantised on the fly), ``"ckpt"`` (+ checkpointing with offload to storage), ``"sm"``
    (+ softmax over the union of the top-1000 relevant tokens), ``"all"`` (+ logits masking, 30 % trainable
    tokens). Returns the :class:`TrainingMemory` [B].

    Raises ValueError for an unknown stage or a ``seq_len`` that is not an integer >= 1.
    """
    if stage not in LORA_EDGE_STAGES:
        raise ValueError(f"stage={stage!r}; accepted: {LORA_EDGE_STAGES}")
    k = LORA_EDGE_STAGES.index(stage)
    return training_memory(
        config, seq_len=seq_len, lora_rank=16, lora_targets=PEFT_DEFAULT_TARGETS, optimizer="fwd_bwd_fp32",
        compute_bytes=4.0, base_bits=4 if k >= 1 else None, base_group_size=128, base_scale_bits=16,
        checkpointing=k >= 2, offload=k >= 2, vocab_subset=1000 if k >= 3 else None,
        trainable_token_fraction=0.3 if k >= 4 else 1.0)
