"""LoRA adapters on the IR (Hu et al., LoRA, arXiv:2106.09685).

For every base ``linear`` row ``W`` (K x N) whose layer name ends in one of ``targets``, two rows are added:
``lora_a`` (K -> r, ``N = r``) and ``lora_b`` (r -> N, ``K = r``), trainable, with ``rank = r``; the base rows are
frozen. ``merged=True`` folds ``B A`` into ``W`` for inference: the adapter rows then cost nothing (the cost model
skips merged LoRA rows). Nested (Matryoshka) ranks are a sweep over ``rank``: the leading r rows of A and columns of
B form a smaller adapter (MatryoshkaLoRA, arXiv:2605.07850), so the cost at rank r is that of a rank-r adapter.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from hwsim import ir

PEFT_DEFAULT_TARGETS = ("q_proj", "v_proj")
"""PEFT's default LoRA target modules for Llama models."""
ALL_LINEAR = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def with_lora(table: pd.DataFrame, rank: int, *, targets: Sequence[str] = PEFT_DEFAULT_TARGETS,
              merged: bool = False, a_bits: int | None = None, w_bits: int | None = None) -> pd.DataFrame:
    """Add rank-``rank`` LoRA rows after every matching base row (see the module docstring).

    Adapter weights keep the base row's precision unless ``w_bits`` is given (e.g. 32 for fp32 adapters on a
    quantised base); ``a_bits`` likewise.

    Raises
    ------
    ValueError
        if ``rank < 1``, larger than a target's ``min(N, K)``, or no row matches ``targets``.
    """
    if not isinstance(rank, int | np.integer) or rank < 1:
        raise ValueError(f"rank must be a positive integer, got {rank!r}")
    suffixes = tuple(f".{t}" if not t.startswith(".") else t for t in targets)
    match = (table["kind"].isin(("linear", "expert")) & table["layer"].str.endswith(suffixes)).to_numpy()
    if not match.any():
        raise ValueError(f"no linear row ends with one of {list(targets)}")
    rows = []
    for i, r in enumerate(table.to_dict("records")):
        if not match[i]:
            rows.append(r)
            continue
        if rank > min(r["N"], r["K"]):
            raise ValueError(f"rank {rank} exceeds min(N, K) = {min(r['N'], r['K'])} of row {r['layer']!r}")
        base = {**r, "trainable": False}
        rows.append(base)
        extra = {"trainable": True, "saved_for_backward": True, "rank": int(rank), "merged": bool(merged),
                 "density": 1.0, "sparsity_pattern": "dense", "group_size": 0, "scale_bits": 0}
        if w_bits is not None:
            extra["w_bits"] = w_bits
            extra["w_format"] = "fp" if w_bits >= 16 else r["w_format"]
        if a_bits is not None:
            extra["a_bits"] = a_bits
        mult = r["n_experts"] if r["kind"] == "expert" else 1
        rows.append({**r, **extra, "layer": f"{r['layer']}.lora_A", "kind": "lora_a", "N": int(rank),
                     "weight_elems": int(r["K"]) * int(rank) * mult, "n_experts": 1, "top_k": 1,
                     "count": r["count"] * (r["top_k"] if r["kind"] == "expert" else 1)})
        rows.append({**r, **extra, "layer": f"{r['layer']}.lora_B", "kind": "lora_b", "K": int(rank),
                     "weight_elems": int(r["N"]) * int(rank) * mult, "n_experts": 1, "top_k": 1,
                     "count": r["count"] * (r["top_k"] if r["kind"] == "expert" else 1)})
    return ir.make(rows)


def trainable_parameter_count(table: pd.DataFrame) -> int:
    """Parameters of rows marked ``trainable`` (expert rows x n_experts)."""
    t = table[table["trainable"]]
    return ir.parameter_count(t)
