"""The compression pipeline of :mod:`hwsim.quality.pipeline` on the byte-level transformer
(:mod:`hwsim.quality.byte_lm`): measured held-out perplexity and the IR from the same object.

Steps, in order (importance scores once, on calibration windows, with the uncompressed weights):

1. **depth**: remove the ``depth`` blocks of lowest block influence ``1 - E[cos(x_in, x_out)]`` (ShortGPT,
   arXiv:2403.03853);
2. **width**: keep ``round(width x d_ff)`` MLP neurons per block, largest mean ``|relu(up)|`` first (Minitron,
   arXiv:2407.14679);
3. **rotation** (``Design.rotation``): fold a residual-stream rotation (random orthogonal, randomised Hadamard or
   learned, :mod:`hwsim.quality.rotation`) into the weights, and rotate every MLP hidden vector online by a
   randomised Hadamard (needs a power-of-two MLP width) - the online rotation appears in the IR;
4. **low rank**: truncated SVD of ``qkv, o, up, down`` at ``floor(rank_fraction x min(in, out))``;
5. **weights**: symmetric per-output-channel ``w_bits`` (``w_bits_layers`` per layer: ``layers.i.qkv`` ...,
   ``head``); embeddings stay float;
6. **activations**: per-tensor ``a_bits`` fake quantisation of every weight product's input, scale from the
   calibration maximum (unsigned for non-negative inputs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hwsim import ir
from hwsim.quality import byte_lm as lm
from hwsim.quality.pipeline import FLOAT_BITS, Design, compress_matrix, keep_most_important, quantise_activation
from hwsim.quality.rotation import (
    hadamard,
    learn_rotation,
    lm_readers_writers,
    online_hadamard_lm,
    random_orthogonal,
    rotate_lm,
)


@dataclass(frozen=True)
class LMScores:
    """Block influence per block and mean |MLP activation| per neuron per block of the uncompressed model."""

    block_influence: dict[int, float]
    neuron_importance: dict[int, np.ndarray]


def lm_scores(params: Mapping[str, np.ndarray], windows: np.ndarray, *, n_heads: int) -> LMScores:
    """Importance scores of ``params`` on calibration ``windows`` (n, T+1)."""
    rec: dict[str, np.ndarray] = {}
    lm.forward({k: np.asarray(v, np.float64) for k, v in params.items()}, windows[:, :-1], n_heads=n_heads,
               record=rec)
    bi, ni = {}, {}
    for i in lm.layer_ids(params):
        a, b = rec[f"layers.{i}.in"], rec[f"layers.{i}.out"]
        cos = np.sum(a * b, -1) / np.maximum(np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1), 1e-12)
        bi[i] = float(1.0 - np.mean(cos))
        ni[i] = np.mean(np.abs(rec[f"layers.{i}.hidden"]), axis=(0, 1))
    return LMScores(bi, ni)


@dataclass(frozen=True)
class CompressedLM:
    """A compressed byte LM: weights, design, ranks per layer, activation ranges, per-layer error ``report``."""

    params: dict[str, np.ndarray]
    design: Design
    n_heads: int
    ranks: dict[str, int]
    act_ranges: dict[str, tuple[float, float]]
    report: pd.DataFrame

    def act_quant(self, name: str, a: np.ndarray) -> np.ndarray:
        return quantise_activation(self.design, self.act_ranges, name, a)

    def perplexity(self, windows: np.ndarray) -> float:
        """Measured per-byte perplexity on ``windows`` (n, T+1)."""
        return lm.perplexity(self.params, windows, n_heads=self.n_heads, act_quant=self.act_quant)

    def ir(self, tokens: int | None = None) -> pd.DataFrame:
        """IR of one forward pass over ``tokens`` positions (default the trained context): embedding look-up, per
        block ``qkv``, attention products per head, ``o``, ``up``, the online Hadamard (``elementwise``,
        ``K = log2 d_ff``) when rotated, ``down``; then the ``head``."""
        p = self.params
        T = int(tokens if tokens is not None else p["pos"].shape[0])
        d = p["embed"].shape[1]
        dh = d // self.n_heads
        ab = self.design.a_bits
        rows = [ir.op(layer="embed", kind="embedding", M=T, N=d, K=1, weight_elems=256 * d + p["pos"].size)]

        def lin(name: str, K: int, N: int, kind: str = "linear") -> dict:
            wb = self.design.bits_of(name)
            return ir.linear(name, M=T, N=N, K=K, kind=kind, w_bits=wb, a_bits=ab,
                             w_format="int" if wb < FLOAT_BITS else "bf", rank=self.ranks.get(name, 0))

        for i in lm.layer_ids(p):
            pre = f"layers.{i}"
            f = p[f"{pre}.up"].shape[1]
            rows.append(lin(f"{pre}.qkv", d, 3 * d))
            rows.append(ir.op(layer=f"{pre}.attn.qk", kind="attention_qk", M=T, N=T, K=dh, count=self.n_heads,
                              a_bits=ab))
            rows.append(ir.op(layer=f"{pre}.attn.av", kind="attention_av", M=T, N=dh, K=T, count=self.n_heads,
                              a_bits=ab))
            rows.append(lin(f"{pre}.o", d, d))
            rows.append(lin(f"{pre}.up", d, f))
            if f"{pre}.down_rot" in p:
                rows.append(ir.op(layer=f"{pre}.hadamard", kind="elementwise", M=T, N=f, K=int(np.log2(f)),
                                  a_bits=ab))
            rows.append(lin(f"{pre}.down", f, d))
        rows.append(lin("head", d, 256, kind="lm_head"))
        return ir.make(rows)


def _residual_rotation(p: Mapping[str, np.ndarray], kind: str, seed: int) -> np.ndarray:
    d = p["embed"].shape[1]
    if kind == "random":
        return random_orthogonal(d, seed)
    if kind == "hadamard":
        return hadamard(d, seed)
    readers, writers = lm_readers_writers(p)
    return learn_rotation(readers, writers, seed=seed)


def compress_lm(params: Mapping[str, np.ndarray], design: Design, calib: np.ndarray, *, n_heads: int,
                importance: LMScores | None = None, seed: int = 0) -> CompressedLM:
    """Apply ``design`` to a trained byte LM (see the module docstring); ``calib`` (n, T+1) calibration windows.

    Raises
    ------
    ValueError
        if ``design.depth`` exceeds the blocks present, a ``w_bits_layers`` name is unknown, or a rotation is asked
        for with a non-power-of-two MLP width.
    """
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    ids = lm.layer_ids(p)
    if design.depth > len(ids):
        raise ValueError(f"depth must be <= {len(ids)} (blocks present), got {design.depth}")
    names = {f"layers.{i}.{n}" for i in ids for n in lm.LINEARS} | {"head"}
    bad = [n for n in design.w_bits_layers if n not in names]
    if bad:
        raise ValueError(f"w_bits_layers names unknown layers {bad}")
    sc = importance if importance is not None else lm_scores(p, calib, n_heads=n_heads)
    if design.depth:
        for i in sorted(sc.block_influence, key=sc.block_influence.get)[:design.depth]:
            for n in lm.LINEARS:
                del p[f"layers.{i}.{n}"]
    if design.width < 1:
        for i in lm.layer_ids(p):
            keep = keep_most_important(sc.neuron_importance[i], design.width)
            p[f"layers.{i}.up"] = p[f"layers.{i}.up"][:, keep]
            p[f"layers.{i}.down"] = p[f"layers.{i}.down"][keep, :]
    if design.rotation != "none":
        p = rotate_lm(p, _residual_rotation(p, design.rotation, seed))
        p = online_hadamard_lm(p, seed)
    ranks: dict[str, int] = {}
    rows = []
    for name in [f"layers.{i}.{n}" for i in lm.layer_ids(p) for n in lm.LINEARS] + ["head"]:
        bits = design.bits_of(name)
        w, r, rep = compress_matrix(p[name], bits, design.rank_fraction, factorise=name != "head")
        p[name] = w
        if r:
            ranks[name] = r
        rows.append({"layer": name, "w_bits": bits, "rank": r, **rep})
    ranges: dict[str, tuple[float, float]] = {}
    if design.a_bits < FLOAT_BITS:
        def probe(name: str, a: np.ndarray) -> np.ndarray:
            ranges[name] = (float(np.min(a)), float(np.max(np.abs(a))))
            return a

        lm.forward(p, calib[:, :-1], n_heads=n_heads, act_quant=probe)
    return CompressedLM(params=p, design=design, n_heads=n_heads, ranks=ranks, act_ranges=ranges,
                        report=pd.DataFrame(rows))
