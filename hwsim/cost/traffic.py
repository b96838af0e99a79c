"""Bytes moved at each memory level of a target (a simple tiling model).

Levels are ordered inner to outer in the target file; the last is the backing store. For a level ``l`` that holds
tensor ``t``:

* PE-local levels with ``accesses_per_mac`` (e.g. Eyeriss scratchpads): bytes = accesses per MAC x effective MACs x
  word bytes, for the tensors listed there.
* other levels: the traffic that crosses into the level from the compute side is the operand volume of each op,
  with re-fetch when the op does not fit in ``S`` = the summed capacity of the levels inside ``l`` (``S`` = inf for
  the first level: reuse above it is assumed perfect). Per repeat of an op with weight/KV operand ``B``, input ``A``
  and output ``O`` bytes: if ``A + B + O <= S`` the traffic is compulsory, ``B + A + O``; otherwise the smaller of
  ``A`` and ``B`` stays resident in chunks of ``S/2`` and the larger operand is streamed once per chunk:
  ``small + large * ceil(small / (S/2)) + O``. Weights are counted once per inference when they fit, inputs and
  outputs once per repeat.

This is a mapping-free estimate: a mapper may choose loop orders that re-read operands more often (see
:mod:`hwsim.cost.mapping` for a given loop nest at the backing level).
"""

from __future__ import annotations

import numpy as np

from hwsim.cost.counts import Counts
from hwsim.targets.schema import Target


def level_bytes(counts: Counts, target: Target) -> dict[str, np.ndarray]:
    """Bytes per (point, op) at every memory level of ``target``, keyed by level name."""
    out: dict[str, np.ndarray] = {}
    inner_capacity = 0.0
    reps = np.maximum(counts.reps, 1.0)
    Br = counts.b_operand_B
    Ar = counts.inputs_B
    Or = counts.outputs_B
    weights_total = np.where(counts.kv_B > 0, counts.kv_B, counts.weight_read_B)
    for lv in target.memory:
        if lv.accesses_per_mac:
            word = (lv.word_bits.value if lv.word_bits else 8.0) / 8.0
            tot = np.zeros_like(counts.macs_eff)
            for q in lv.accesses_per_mac.values():
                tot = tot + q.value * counts.macs_eff * word
            out[lv.name] = tot
            inner_capacity += lv.capacity_B.value
            continue
        S = inner_capacity if inner_capacity > 0 else np.inf
        hw = "weights" in lv.holds
        hi = "inputs" in lv.holds
        ho = "outputs" in lv.holds
        a = Ar if hi else 0.0
        o = Or if ho else 0.0
        if not np.isfinite(S):  # first level: compulsory traffic
            traffic = (weights_total if hw else 0.0) + reps * (a + o)
        else:
            small = np.minimum(Br, Ar)
            passes = np.ceil(np.where(small > 0, small, 1.0) / (S / 2.0))
            over = (passes > 1) & ((Br + Ar + Or) > S)
            traffic = (weights_total if hw else 0.0) + reps * (a + o)
            if np.any(over):
                # extra passes stream the larger operand again (only if this level holds it)
                held = np.where(Br >= Ar, hw, hi)
                extra = np.where(over & held, np.maximum(Br, Ar) * (passes - 1.0), 0.0)
                traffic = traffic + reps * extra
        out[lv.name] = np.where(counts.reps > 0, traffic, 0.0)
        inner_capacity += lv.capacity_B.value
    return out
