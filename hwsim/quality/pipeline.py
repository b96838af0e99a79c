"""Compression pipeline on a trained network: depth pruning, width pruning, low-rank factorisation and per-layer
weight / activation bit-widths, applied in that order; the compressed design reports its measured quality and its
IR (:mod:`hwsim.ir`) from the same object.

Steps (importance scores are computed once, on the calibration images with the uncompressed weights):

1. **depth**: remove the ``depth`` residual blocks of lowest *block influence* ``BI = 1 - E[cos(x_in, x_out)]``
   over positions (Men et al., ShortGPT, arXiv:2403.03853); a removed block becomes the identity;
2. **width**: keep ``round(width x H)`` (at least 1) hidden channels of every block, those of largest mean
   activation magnitude ``E|h_j|`` (activation-based importance, Muralidharan et al., Minitron, arXiv:2407.14679),
   slicing the 3 x 3 convolution's outputs and the 1 x 1 convolution's inputs;
3. **low rank**: factorise the block convolutions by truncated SVD at rank ``floor(rank_fraction x min(in, out))``
   (at least 1; ``rank_fraction`` 1 leaves them whole; :func:`hwsim.compress.lowrank.svd_factorize`);
4. **weights**: symmetric per-output-channel quantisation to ``w_bits`` (16: unquantised float;
   :func:`hwsim.compress.quantize.quantize`), per layer through ``w_bits_layers``; factorised layers quantise both
   factors;
5. **activations**: the input of every weight layer is fake-quantised to ``a_bits`` with one scale per tensor set
   from the calibration maximum (unsigned when the calibration input is non-negative, else symmetric;
   Jacob et al., CVPR 2018, doi:10.1109/CVPR.2018.00286); 16 = float.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hwsim import ir
from hwsim.compress.layout import error_report
from hwsim.compress.lowrank import svd_factorize
from hwsim.compress.quantize import quantize
from hwsim.quality import digits_cnn as cnn
from hwsim.quality.rotation import ROTATIONS, hadamard, learn_rotation, random_orthogonal

FLOAT_BITS = 16


@dataclass(frozen=True)
class Design:
    """One compressed design (see the module docstring): ``depth`` blocks removed, ``width`` fraction of hidden
    channels kept, ``rank_fraction`` of the factorised layers, ``w_bits`` (default for every layer; 16 = float),
    ``w_bits_layers`` (per-layer overrides by layer name), ``a_bits`` (16 = float), ``rotation`` of the residual
    stream before quantisation (one of :data:`hwsim.quality.rotation.ROTATIONS`)."""

    depth: int = 0
    width: float = 1.0
    rank_fraction: float = 1.0
    w_bits: int = FLOAT_BITS
    a_bits: int = FLOAT_BITS
    w_bits_layers: Mapping[str, int] = field(default_factory=dict)
    rotation: str = "none"

    def __post_init__(self) -> None:
        if self.rotation not in ROTATIONS:
            raise ValueError(f"rotation={self.rotation!r}; accepted: {ROTATIONS}")
        if not isinstance(self.depth, int | np.integer) or self.depth < 0:
            raise ValueError(f"depth must be a non-negative integer, got {self.depth!r}")
        for name, v in (("width", self.width), ("rank_fraction", self.rank_fraction)):
            if not (isinstance(v, int | float) and math.isfinite(v) and 0 < v <= 1):
                raise ValueError(f"{name} must be in (0, 1], got {v!r}")
        for name, b in (("w_bits", self.w_bits), ("a_bits", self.a_bits), *self.w_bits_layers.items()):
            if not isinstance(b, int | np.integer) or not (2 <= b <= FLOAT_BITS):
                raise ValueError(f"bits of {name} must be an integer in [2, {FLOAT_BITS}], got {b!r}")

    def bits_of(self, layer: str) -> int:
        return int(self.w_bits_layers.get(layer, self.w_bits))


def block_influence(params: Mapping[str, np.ndarray], x: np.ndarray) -> dict[int, float]:
    """ShortGPT block influence ``1 - E[cos(x_in, x_out)]`` of every block on images ``x`` (n, 8, 8, 1)."""
    rec: dict[str, np.ndarray] = {}
    cnn.forward(params, x.astype(np.float64), record=rec)
    out = {}
    for i in cnn.block_ids(params):
        a, b = rec[f"blocks.{i}.in"], rec[f"blocks.{i}.out"]
        cos = np.sum(a * b, -1) / np.maximum(np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1), 1e-12)
        out[i] = float(1.0 - np.mean(cos))
    return out


def channel_importance(params: Mapping[str, np.ndarray], x: np.ndarray) -> dict[int, np.ndarray]:
    """Mean |activation| of every hidden channel of every block on images ``x``, (H,) per block."""
    rec: dict[str, np.ndarray] = {}
    cnn.forward(params, x.astype(np.float64), record=rec)
    return {i: np.mean(np.abs(rec[f"blocks.{i}.hidden"]), axis=(0, 1, 2)) for i in cnn.block_ids(params)}


def _act_ranges(params: Mapping[str, np.ndarray], x: np.ndarray) -> dict[str, tuple[float, float]]:
    ranges: dict[str, tuple[float, float]] = {}

    def probe(name: str, a: np.ndarray) -> np.ndarray:
        ranges[name] = (float(np.min(a)), float(np.max(np.abs(a))))
        return a

    cnn.forward(params, x.astype(np.float64), act_quant=probe)
    return ranges


def _fake_quant(a: np.ndarray, bits: int, lo: float, amax: float) -> np.ndarray:
    if amax <= 0:
        return a
    if lo >= 0:  # unsigned
        s = amax / (2**bits - 1)
        return np.clip(np.round(a / s), 0, 2**bits - 1) * s
    qmax = 2 ** (bits - 1) - 1
    s = amax / qmax
    return np.clip(np.round(a / s), -qmax, qmax) * s


def quantise_activation(design: Design, ranges: Mapping[str, tuple[float, float]], name: str,
                        a: np.ndarray) -> np.ndarray:
    """Step 5: ``a`` fake-quantised to ``design.a_bits`` with the calibrated range of layer ``name`` (unchanged at
    16 bits)."""
    if design.a_bits >= FLOAT_BITS:
        return a
    lo, amax = ranges[name]
    return _fake_quant(a, design.a_bits, lo, amax)


def keep_most_important(importance: np.ndarray, fraction: float) -> np.ndarray:
    """Step 2: sorted indices of the ``round(fraction x n)`` (at least 1) largest importances."""
    return np.sort(np.argsort(-importance)[:max(1, round(fraction * importance.size))])


def compress_matrix(w0: np.ndarray, bits: int, rank_fraction: float, *, factorise: bool = True
                    ) -> tuple[np.ndarray, int, dict]:
    """Steps 3-4 on one (in, out) weight: truncated SVD at ``floor(rank_fraction x min(in, out))`` (at least 1;
    only when ``factorise`` and below full rank; both factors quantised), else per-output-channel quantisation to
    ``bits`` (16: unchanged). Returns the weight, the rank (0 = whole) and ``rel_error``/``sqnr_dB`` against
    ``w0``."""
    mn = min(w0.shape)
    r = max(1, math.floor(rank_fraction * mn)) if factorise else mn
    if r < mn:
        f = svd_factorize(w0, rank=r, layout="dense")
        A, B = f.A, f.B  # (out, r), (r, in)
        if bits < FLOAT_BITS:
            A = quantize(A, bits, layout="matrix").w_hat
            B = quantize(B, bits, layout="matrix").w_hat
        w, rank = (A @ B).T, r
    else:
        w = quantize(w0, bits, layout="dense").w_hat if bits < FLOAT_BITS else w0
        rank = 0
    rep = error_report(w0, w, layout="dense")
    return w, rank, {"rel_error": rep["rel_error"], "sqnr_dB": rep["sqnr_dB"]}


@dataclass(frozen=True)
class CompressedCNN:
    """A compressed CNN: its weights (dense layout), design, per-layer ``ranks`` (0 = whole), activation ranges and
    a per-layer ``report`` (``layer, w_bits, rank, rel_error, sqnr_dB`` of the weights against the pruned, not yet
    factorised or quantised, weights)."""

    params: dict[str, np.ndarray]
    design: Design
    ranks: dict[str, int]
    act_ranges: dict[str, tuple[float, float]]
    report: pd.DataFrame

    def act_quant(self, name: str, a: np.ndarray) -> np.ndarray:
        return quantise_activation(self.design, self.act_ranges, name, a)

    def accuracy(self, x: np.ndarray, y: np.ndarray) -> float:
        """Measured top-1 accuracy on images ``x`` (n, 8, 8, 1), labels ``y`` (n,)."""
        return cnn.accuracy(self.params, x, y, act_quant=self.act_quant)

    def ir(self, batch: int = 1) -> pd.DataFrame:
        """IR of one inference of ``batch`` images: one ``conv2d`` row per convolution, a ``linear`` head, with
        the design's bits (``int`` formats below 16 bits) and ranks."""
        rows = []
        a_bits = self.design.a_bits
        for li in cnn.layers(self.params):
            wb = self.design.bits_of(li.name)
            fmt = {"w_bits": wb, "w_format": "int" if wb < FLOAT_BITS else "bf", "a_bits": a_bits,
                   "rank": self.ranks.get(li.name, 0)}
            if li.kernel == 0:
                rows.append(ir.linear(li.name, M=batch, N=li.c_out, K=li.c_in, bias=True, **fmt))
            else:
                rows.append(ir.conv2d(li.name, li.c_in, li.c_out, 8, 8, li.kernel, li.kernel, batch=batch, **fmt))
            if li.name == "stem" and "stem.rot" in self.params:  # online rotation: a C x C product per pixel
                C = li.c_out
                rows.append(ir.op(layer="stem.rot", kind="elementwise", M=batch * 64, N=C,
                                  K=int(np.log2(C)) if self.design.rotation == "hadamard" else C, a_bits=a_bits))
        return ir.make(rows)


def rotate_cnn(params: Mapping[str, np.ndarray], Q: np.ndarray) -> dict[str, np.ndarray]:
    """Rotate the CNN's residual stream (C channels) by orthogonal ``Q`` (C, C): the stem output is rotated online
    (``stem.rot``: it follows a ReLU, so it cannot be folded), block ``conv1`` and the head read ``Q^T`` per pixel,
    block ``conv2`` writes ``W Q``. The logits are unchanged."""
    p = dict(params)
    C = p["stem.w"].shape[1]
    p["stem.rot"] = np.asarray(Q, dtype=np.float64)
    for i in cnn.block_ids(p):
        w1 = p[f"blocks.{i}.w1"]
        p[f"blocks.{i}.w1"] = np.einsum("cd,pch->pdh", Q, w1.reshape(9, C, -1)).reshape(w1.shape)
        p[f"blocks.{i}.w2"] = p[f"blocks.{i}.w2"] @ Q
        p[f"blocks.{i}.b2"] = p[f"blocks.{i}.b2"] @ Q
    h = p["head.w"]
    p["head.w"] = np.einsum("cd,pcn->pdn", Q, h.reshape(64, C, -1)).reshape(h.shape)
    return p


def cnn_rotation(params: Mapping[str, np.ndarray], kind: str, seed: int = 0) -> np.ndarray:
    """The (C, C) rotation of kind ``random``, ``hadamard`` or ``learned`` (weight kurtosis of the readers and
    writers of the residual stream) for a CNN."""
    C = params["stem.w"].shape[1]
    if kind == "random":
        return random_orthogonal(C, seed)
    if kind == "hadamard":
        return hadamard(C, seed)
    readers = [params[f"blocks.{i}.w1"].reshape(9, C, -1).transpose(1, 0, 2).reshape(C, -1)
               for i in cnn.block_ids(params)]
    readers.append(params["head.w"].reshape(64, C, -1).transpose(1, 0, 2).reshape(C, -1))
    writers = [params[f"blocks.{i}.w2"] for i in cnn.block_ids(params)]
    return learn_rotation(readers, writers, seed=seed)


@dataclass(frozen=True)
class Scores:
    """Importance scores of the uncompressed network: block influence per block, mean |activation| per hidden
    channel per block."""

    block_influence: dict[int, float]
    channel_importance: dict[int, np.ndarray]


def scores(params: Mapping[str, np.ndarray], calib_x: np.ndarray) -> Scores:
    """:func:`block_influence` and :func:`channel_importance` of ``params`` on ``calib_x`` (n, 8, 8, 1)."""
    return Scores(block_influence(params, calib_x), channel_importance(params, calib_x))


def compress(params: Mapping[str, np.ndarray], design: Design, calib_x: np.ndarray, *,
             importance: Scores | None = None) -> CompressedCNN:
    """Apply ``design`` to trained ``params`` (see the module docstring); ``calib_x`` (n, 8, 8, 1) calibrates
    activation ranges and, unless ``importance`` (from :func:`scores` on the same ``params``) is given, the
    importance scores.

    Raises
    ------
    ValueError
        if ``design.depth`` exceeds the number of blocks, or a ``w_bits_layers`` name is not a layer.
    """
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    blocks = cnn.block_ids(p)
    if design.depth > len(blocks):
        raise ValueError(f"depth must be <= {len(blocks)} (blocks present), got {design.depth}")
    names = {li.name for li in cnn.layers(p)}
    bad = [n for n in design.w_bits_layers if n not in names]
    if bad:
        raise ValueError(f"w_bits_layers names unknown layers {bad}; layers: {sorted(names)}")
    sc = importance if importance is not None else scores(p, calib_x)
    # 1. depth
    if design.depth:
        bi = sc.block_influence
        for i in sorted(bi, key=bi.get)[:design.depth]:
            for k in ("w1", "b1", "w2", "b2"):
                del p[f"blocks.{i}.{k}"]
    # 2. width
    if design.width < 1:
        for i in cnn.block_ids(p):
            keep = keep_most_important(sc.channel_importance[i], design.width)
            p[f"blocks.{i}.w1"] = p[f"blocks.{i}.w1"][:, keep]
            p[f"blocks.{i}.b1"] = p[f"blocks.{i}.b1"][keep]
            p[f"blocks.{i}.w2"] = p[f"blocks.{i}.w2"][keep, :]
    # rotation of the residual stream (exact; see rotate_cnn)
    if design.rotation != "none":
        p = rotate_cnn(p, cnn_rotation(p, design.rotation))
    # 3. low rank and 4. weight quantisation
    ranks: dict[str, int] = {}
    rows = []
    for li in cnn.layers(p):
        bits = design.bits_of(li.name)
        w, r, rep = compress_matrix(p[li.weight_key], bits, design.rank_fraction,
                                    factorise=li.name.startswith("blocks."))
        p[li.weight_key] = w
        if r:
            ranks[li.name] = r
        rows.append({"layer": li.name, "w_bits": bits, "rank": r, **rep})
    # 5. activation ranges (of the compressed weights, float activations)
    ranges = _act_ranges(p, calib_x) if design.a_bits < FLOAT_BITS else {}
    return CompressedCNN(params=p, design=design, ranks=ranks, act_ranges=ranges, report=pd.DataFrame(rows))
