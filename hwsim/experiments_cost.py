"""Sweepable cost experiments (``hwsim sweep``): keyword-only scalar parameters, a flat dict of scalar results.

Register them in :data:`hwsim.experiments.REGISTRY` or name them as ``"hwsim.experiments_cost:<function>"``.
Every experiment carries ``FILES = ["hwsim:targets/*.json"]`` so a changed target catalogue re-runs stored points.

* :func:`llm_decode` - one decoded token of a Llama-style LLM vs weight/activation/KV bits, group size, sparsity,
  low rank, batch and context, on any target; with a declared quality proxy (:mod:`hwsim.search.proxy`).
* :func:`cnn_layer` - the reference convolution layers (MobileNet-v1 / AlexNet conv1, the CMSIS-NN CIFAR-10 CNN).
* :func:`ir_file` - any IR table stored as Parquet/CSV (e.g. an fdir detector's workload) vs bits and density.
* :func:`keyword_spotter` - the spiking keyword spotter of Blouw et al. vs time steps and spike rate.
* :func:`lora_training_memory` - LoRA fine-tuning peak memory (arXiv:2606.19528 techniques).
* :func:`model_cost` - a ``.onnx``/``.nir`` model file (``hwsim cost MODEL``) vs target, number format and pruning.

Every result carries ``supported`` and ``unsupported_reason`` (:mod:`hwsim.cost.support`): energy and latency are
NaN where the target cannot execute the design.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd

TARGETS_FILES = ["hwsim:targets/*.json"]
Model = Literal["llama-3.1-8b", "llama-3.2-3b", "mixtral-8x7b"]
Pattern = Literal["unstructured", "n:m", "channel", "block"]


def _config(model: str) -> dict:
    from hwsim.workloads import transformer as tr

    table = {"llama-3.1-8b": tr.LLAMA_3_1_8B, "llama-3.2-3b": tr.LLAMA_3_2_3B, "mixtral-8x7b": tr.MIXTRAL_8X7B}
    if model not in table:
        raise ValueError(f"model={model!r}; accepted: {sorted(table)}")
    return table[model]


def _totals(res, keys=("energy_J", "energy_primitive_J", "energy_dynamic_J", "latency_s", "macs_effective",
                       "synops", "weights_B", "kv_cache_B", "memory_B", "utilisation")) -> dict:
    out = {k: float(res.totals[k][0]) for k in keys if k in res.totals}
    out["fits"] = bool(res.totals["fits"][0])
    out["supported"] = bool(res.totals["supported"][0])
    out["unsupported_reason"] = str(res.totals["unsupported_reason"][0])
    return out


def llm_decode(*, model: Model = "llama-3.1-8b", target: str = "a100_sxm4_80gb", w_bits: int = 16,
               group_size: int = 0, a_bits: int = 16, kv_bits: int = 16, density: float = 1.0,
               sparsity_pattern: Pattern = "unstructured", rank_fraction: float = 0.0, batch: int = 1,
               context: int = 0) -> dict[str, float | int | str | bool]:
    """Cost of one decode step (``batch`` sequences x 1 token, ``context`` cached tokens) of ``model`` on
    ``target``, with the projections compressed as given (embeddings, LM head and norms stay bf16).

    Results: energy_J (calibrated), energy_primitive_J, energy_dynamic_J, latency_s, tokens_per_s,
    macs_effective, weights_B, kv_cache_B, memory_B, utilisation, fits, quality_proxy (1 - relative output error^2
    under the Gaussian-weight model, a declared proxy, not a measurement).
    """
    from hwsim.cost.model import evaluate_arrays
    from hwsim.search.proxy import prune_rel_error, quant_rel_error
    from hwsim.workloads.transformer import llama
    from hwsim.workloads.transforms import low_rank, quantize, sparsify

    t = llama(_config(model), phase="decode", batch=batch, context=context, kv_bits=kv_bits)
    kinds = ("linear", "expert")
    if w_bits != 16 or group_size or a_bits != 16:
        t = quantize(t, w_bits, a_bits=a_bits, group_size=group_size, scale_bits=16 if group_size else 0,
                     w_format="int" if w_bits < 16 else "bf", kinds=kinds)
    if density < 1:
        t = sparsify(t, density, pattern=sparsity_pattern, kinds=kinds)
    if rank_fraction > 0:
        t = low_rank(t, rank_fraction=rank_fraction, kinds=kinds)
    res = evaluate_arrays(t, target)
    out = _totals(res)
    out["tokens_per_s"] = batch / out["latency_s"]
    e2 = float(quant_rel_error(w_bits, group_size or 4096) ** 2 + prune_rel_error(density) ** 2)
    if rank_fraction > 0:
        e2 += 1.0 - rank_fraction  # upper bound: the top singular values hold at least their share of energy
    out["quality_proxy"] = float(max(0.0, 1.0 - e2))
    out["target"] = target
    return out


llm_decode.RANGES = {"w_bits": (1, 16), "group_size": (0, None), "a_bits": (1, 16), "kv_bits": (1, 16),
                     "density": (0.0, 1.0, "(]"), "rank_fraction": (0.0, 1.0, "[)"), "batch": (1, None),
                     "context": (0, None)}
llm_decode.FILES = TARGETS_FILES


def cnn_layer(*, layer: Literal["mobilenet_v1_conv1", "alexnet_conv1", "cmsis_cifar10"] = "mobilenet_v1_conv1",
              target: str = "eyeriss_like", bits: int = 8) -> dict[str, float | int | str | bool]:
    """Cost of a reference convolution workload (:mod:`hwsim.workloads.cnn`) on ``target`` at ``bits``."""
    from hwsim.cost.model import evaluate_arrays
    from hwsim.workloads import cnn

    t = getattr(cnn, layer)(bits=bits)
    res = evaluate_arrays(t, target)
    out = _totals(res)
    if "cycles" in res.totals:
        out["cycles"] = float(res.totals["cycles"][0])
    out["target"] = target
    return out


cnn_layer.RANGES = {"bits": (1, 32)}
cnn_layer.FILES = TARGETS_FILES


def ir_file(*, path: str, target: str = "gr712rc", w_bits: int = 0, a_bits: int = 0, density: float = 1.0,
            sparsity_pattern: Pattern = "unstructured") -> dict[str, float | int | str | bool]:
    """Cost of the IR table in ``path`` (Parquet or CSV with the :data:`hwsim.ir.SCHEMA` columns) on ``target``;
    ``w_bits``/``a_bits`` > 0 override the precision of the compressible rows, ``density`` < 1 sparsifies them.

    Raises ValueError for a missing file or a table that is not valid IR (naming the row and field).
    """
    from hwsim import ir
    from hwsim.cost.model import evaluate_arrays
    from hwsim.workloads.transforms import quantize, sparsify

    p = Path(path)
    if not p.exists():
        raise ValueError(f"path={path!r}: no such file")
    t = pd.read_parquet(p) if p.suffix == ".parquet" else pd.read_csv(p)
    if "dt_s" not in t.columns:  # tables stored before the IR carried the time step: "not stated"
        t["dt_s"] = next(c.default for c in ir.SCHEMA if c.name == "dt_s")
    t = t.astype({c.name: c.dtype for c in ir.SCHEMA if c.name in t.columns})
    ir.validate(t)
    if w_bits > 0 or a_bits > 0:
        t = quantize(t, w_bits or 16, a_bits=a_bits or None, w_format="int" if 0 < w_bits < 16 else "bf")
    if density < 1:
        t = sparsify(t, density, pattern=sparsity_pattern)
    out = _totals(evaluate_arrays(t, target))
    out["target"] = target
    return out


ir_file.RANGES = {"w_bits": (0, 32), "a_bits": (0, 32), "density": (0.0, 1.0, "(]")}
ir_file.FILES = TARGETS_FILES


def keyword_spotter(*, target: str = "loihi", time_steps: int = 10, spike_rate: float = 0.1
                    ) -> dict[str, float | int | str | bool]:
    """Energy, latency and synaptic operations of the keyword spotter (:mod:`hwsim.workloads.kws`) on ``target``."""
    from hwsim.cost.model import evaluate_arrays
    from hwsim.workloads.kws import keyword_spotter as kws

    out = _totals(evaluate_arrays(kws(time_steps=time_steps, spike_rate=spike_rate), target))
    out["target"] = target
    return out


keyword_spotter.RANGES = {"time_steps": (1, None), "spike_rate": (0.0, 1.0)}
keyword_spotter.FILES = TARGETS_FILES


def lora_training_memory(*, model: Model = "llama-3.2-3b", seq_len: int = 2048, lora_rank: int = 8,
                         compute_bytes: int = 4, base_bits: int = 0, checkpointing: bool = False,
                         offload: bool = False, vocab_subset: int = 0, trainable_token_fraction: float = 1.0
                         ) -> dict[str, float | int | str | bool]:
    """Peak memory of one LoRA fine-tuning step (:func:`hwsim.workloads.training.training_memory`); ``base_bits``
    0 keeps the base at ``compute_bytes``, ``vocab_subset`` 0 uses the full vocabulary."""
    from hwsim.workloads.training import training_memory

    m = training_memory(_config(model), seq_len=seq_len, lora_rank=lora_rank, optimizer="adamw_fp32",
                        compute_bytes=compute_bytes, base_bits=base_bits or None, checkpointing=checkpointing,
                        offload=offload, vocab_subset=vocab_subset or None,
                        trainable_token_fraction=trainable_token_fraction)
    return {k: float(v) for k, v in m.as_dict().items()}


lora_training_memory.RANGES = {"seq_len": (1, None), "lora_rank": (1, None), "compute_bytes": [2, 4],
                               "base_bits": (0, 16), "vocab_subset": (0, None),
                               "trainable_token_fraction": (0.0, 1.0, "(]")}
lora_training_memory.FILES = TARGETS_FILES


def _known_target(target: str) -> None:
    """Sweep validator: accept a catalogue name or a target file that loads; ``TargetError`` (a ValueError)
    names the known targets or the bad file's row and field. Checked for every point before any work starts."""
    from hwsim.targets.catalogue import load

    load(target)


for _exp in (llm_decode, cnn_layer, ir_file, keyword_spotter):
    _exp.RANGES = {**_exp.RANGES, "target": _known_target}


def _target_exists(name: str) -> None:
    from hwsim.targets.catalogue import path_of

    path_of(name)


def model_cost(*, model: str, target: str = "gr740", bits: str = "stored", density: float = 1.0,
               sparsity_pattern: Pattern = "unstructured", batch: int = 1, n_steps: int = 100, seed: int = 0
               ) -> dict[str, float | int | str | bool]:
    """Cost of one inference of the ``.onnx``/``.nir`` file ``model`` on ``target`` in number format ``bits``
    (:data:`hwsim.cost.network.FORMATS`), with the compressible rows pruned to ``density`` (``sparsity_pattern``;
    the quality of the pruned model is not measured here). ``batch``: ONNX batch; ``n_steps``, ``seed``: the NIR
    simulation.

    Results: the columns of :data:`hwsim.cost.network.COLUMNS` (energy_J per inference, latency_s, memory_B,
    weights_B, fits, macs, synops, supported, unsupported_reason). The model file's contents are not part of the
    stored point's hash: give a changed model a new path.

    Raises ValueError for a missing/unsupported file or a parameter outside its range.
    """
    from hwsim.cost.network import check_format, cost_table
    from hwsim.interop.model_file import load_workload
    from hwsim.workloads.transforms import sparsify

    check_format(bits)
    t = load_workload(model, batch=batch, n_steps=n_steps, seed=seed)
    if density < 1:
        t = sparsify(t, density, pattern=sparsity_pattern)
    row = cost_table(t, targets=[target], bits=[bits], model=Path(model).name).iloc[0].to_dict()
    for k in ("model", "bits", "target"):  # parameters, not results (target is echoed like the other experiments)
        row.pop(k)
    row["target"] = target
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}


def _format_ok(bits: str) -> None:
    from hwsim.cost.network import check_format

    check_format(bits)


model_cost.RANGES = {"target": _target_exists, "bits": _format_ok, "density": (0.0, 1.0, "(]"),
                     "batch": (1, None), "n_steps": (1, None)}
model_cost.FILES = TARGETS_FILES
