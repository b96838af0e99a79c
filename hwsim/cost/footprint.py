"""Inference memory footprint per design point: resident weights (with scales and sparse indices), KV cache and
peak activations.

* weights = sum of stored weight bytes (all experts resident);
* KV cache = sum over attention rows of K x N x count x a_bits/8 (keys of ``attention_qk`` rows, values of
  ``attention_av`` rows: 2 x layers x kv_heads x head_dim x context x bytes for a Llama-style builder);
* activations = the largest input + output of one op repeat (buffers are reused between layers).
"""

from __future__ import annotations

import numpy as np

from hwsim.cost.counts import Counts


def inference_bytes(c: Counts) -> dict[str, np.ndarray]:
    """``weights_B``, ``kv_cache_B``, ``activations_B`` and ``memory_B`` (their sum), each of shape (points,)."""
    w = c.total(c.weight_stored_B)
    kv = c.total(c.kv_B)
    act = np.max(np.where(c.reps > 0, c.inputs_B + c.outputs_B, 0.0), axis=1)
    return {"weights_B": w, "kv_cache_B": kv, "activations_B": act, "memory_B": w + kv + act}
