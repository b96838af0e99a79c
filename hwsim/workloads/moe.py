"""Mixture of experts on the IR: turn dense MLP rows into ``expert`` rows with a router, count active parameters.

An ``expert`` row describes one expert's GEMM: all ``n_experts`` experts' weights are resident, each token's
compute goes through ``top_k`` of them, and ``imbalance`` (>= 1) is the load of the busiest expert relative to the
mean: on array targets it multiplies the compute time of the expert rows (the busiest expert sets the step time,
:mod:`hwsim.cost.array`). Fedus, Zoph, Shazeer, Switch Transformers, JMLR 23 (2022); Jiang et al., Mixtral of
experts, arXiv:2401.04088. Offloaded experts (memory tiers, an LRU expert cache, routing statistics) are modelled in
:mod:`hwsim.workloads.offload` and :mod:`hwsim.workloads.expert_cache`.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from hwsim import ir

MLP_PATTERN = r"\.mlp\.(gate_proj|up_proj|down_proj)$"


def with_moe(table: pd.DataFrame, n_experts: int, top_k: int, *, imbalance: float = 1.0,
             pattern: str = MLP_PATTERN) -> pd.DataFrame:
    """Replace the dense rows whose ``layer`` matches ``pattern`` by ``expert`` rows (each expert a copy of the
    dense MLP) and add one ``router`` row (K = hidden, N = n_experts) per layer before them.

    Raises
    ------
    ValueError
        if ``n_experts`` or ``top_k`` is not an integer, ``n_experts < 1``, ``top_k`` not in [1, n_experts],
        ``imbalance`` not finite or < 1, or no row matches ``pattern``.
    """
    for name, v in (("n_experts", n_experts), ("top_k", top_k)):
        if not (isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                and np.isfinite(v) and float(v) == int(v)):
            raise ValueError(f"{name}={v!r} must be an integer")
    n_experts, top_k = int(n_experts), int(top_k)
    if n_experts < 1 or not (1 <= top_k <= n_experts):
        raise ValueError(f"need n_experts >= 1 and 1 <= top_k <= n_experts, got {n_experts}, {top_k}")
    if not (np.isfinite(imbalance) and imbalance >= 1):
        raise ValueError(f"imbalance must be finite and >= 1, got {imbalance}")
    rx = re.compile(pattern)
    match = table["layer"].map(lambda s: bool(rx.search(s))).to_numpy() & (table["kind"] == "linear").to_numpy()
    if not match.any():
        raise ValueError(f"no linear row matches pattern {pattern!r}")
    rows = []
    seen: set[str] = set()
    for i, r in table.iterrows():
        r = r.to_dict()
        if match[i]:
            prefix = rx.split(r["layer"])[0]
            if prefix not in seen:
                seen.add(prefix)
                rows.append({**r, "layer": f"{prefix}.router", "kind": "router", "N": n_experts,
                             "weight_elems": int(r["K"]) * n_experts, "n_experts": 1, "top_k": 1,
                             "imbalance": 1.0, "rank": 0})
            r.update(kind="expert", n_experts=n_experts, top_k=top_k, imbalance=imbalance)
        rows.append(r)
    return ir.make(rows)


def active_parameter_count(table: pd.DataFrame) -> int:
    """Parameters touched per token: ``weight_elems`` of every row, expert rows x ``top_k`` (not x n_experts)."""
    mult = np.where(table["kind"].to_numpy() == "expert", table["top_k"].to_numpy(), 1)
    return int(np.sum(table["weight_elems"].to_numpy(np.int64) * mult))
