"""Compute precision of each (point, op) on a target: which row of the target's precision tables it uses.

Rule: integer or NormalFloat weights with activations of at most 8 bits run on the integer datapath at
``max(w_bits, a_bits)`` bits; everything else runs on the floating-point datapath at
``max(a_bits, w_bits if the weights are float)`` bits (weights narrower than the activations are dequantised on the
fly: W4A16 computes in 16-bit float, saving bytes but not MACs). The smallest supported precision of that family
with at least the needed bits is used (``bf16`` preferred for bf16 weights, ``fp16`` otherwise); if the family has
none wide enough, the widest precision of the family, and if the target has no such family, its widest precision
of the other one (a fixed 16-bit datapath computes int8 in 16 bits).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

BITS = {"int2": 2, "int4": 4, "int8": 8, "int16": 16, "int32": 32, "fp8": 8, "fp16": 16, "bf16": 16, "tf32": 19,
        "fp32": 32}


def _choose(keys: list[str], family: str, need: int, prefer_bf: bool) -> int:
    fam = [k for k in keys if k.startswith("int")] if family == "int" else [k for k in keys if not k.startswith("int")]
    other = [k for k in keys if k not in fam]
    if fam:
        ok = [k for k in fam if BITS[k] >= need]
        if ok:
            best = min(BITS[k] for k in ok)
            cands = [k for k in ok if BITS[k] == best]
            if len(cands) > 1:
                pref = "bf16" if prefer_bf else "fp16"
                cands.sort(key=lambda k: k != pref)
            return keys.index(cands[0])
        return keys.index(max(fam, key=lambda k: BITS[k]))
    return keys.index(max(other, key=lambda k: BITS[k]))


@lru_cache(maxsize=64)
def _lut(keys: tuple[str, ...]) -> np.ndarray:
    """[is_int, bits, prefers bf16] -> index of the chosen precision (260 entries)."""
    lut = np.empty((2, 65, 2), dtype=np.int64)
    for fam in (0, 1):
        for bits in range(1, 65):
            for pb in (0, 1):
                lut[fam, bits, pb] = _choose(list(keys), "int" if fam else "float", bits, bool(pb))
    lut.setflags(write=False)
    return lut


def select(keys: list[str], w_bits: np.ndarray, a_bits: np.ndarray, w_format: np.ndarray,
           a_format: np.ndarray | None = None) -> np.ndarray:
    """Index into ``keys`` of the compute precision per (point, op); inputs broadcast to (points, ops).

    ``w_format`` and ``a_format`` have shape (ops,) (IR strings). Integer weights compute in the integer family when
    the activations are at most 8 bits or declared integer (``a_format == "int"``, e.g. W8A16 fixed point); above 8
    bits with an undeclared activation format they are weight-only quantised and compute in float.
    Raises ValueError if ``keys`` is empty.
    """
    if not keys:
        raise ValueError("the target declares no compute precision")
    shape = np.broadcast_shapes(np.shape(w_bits), np.shape(a_bits), (1, len(w_format)))
    wb = np.asarray(w_bits).astype(np.int64)
    ab = np.asarray(a_bits).astype(np.int64)
    fmt = np.asarray(w_format)[None, :]
    int_w = np.isin(fmt, ("int", "nf"))
    int_a = np.zeros(fmt.shape, bool) if a_format is None else (np.asarray(a_format)[None, :] == "int")
    is_int = int_w & ((ab <= 8) | int_a)
    need = np.where(is_int, np.maximum(wb, ab), np.where(int_w, ab, np.maximum(ab, wb)))
    bf = fmt == "bf"
    need = np.clip(need, 1, 64)
    lut = _lut(tuple(keys))
    return np.broadcast_to(lut[is_int.astype(np.int64), need, bf.astype(np.int64)], shape)
