"""2-D convolution as a synapse list: the index map that turns a Conv2d (or a sum/average pooling) between two
neuron grids into explicit synapses ``i -> j`` with weights, which both engines run like any sparse projection.

Layout: a neuron grid of shape (C, H, W) is flattened channel-major, index ``c*H*W + y*W + x`` (PyTorch's and NIR's
``Flatten`` order). Semantics are PyTorch's ``torch.nn.functional.conv2d`` (cross-correlation): output
``o[co, y, x] = sum_{ci in group, ky, kx} W[co, ci, ky, kx] in[g*Cg + ci, y*s_h - p_top + ky*d_h,
x*s_w - p_left + kx*d_w]`` over in-range positions (zero padding contributes nothing, so padded taps are no
synapse), ``H_out = floor((H + p_top + p_bottom - d_h (k_h - 1) - 1) / s_h) + 1``. A sum pool is the depthwise
convolution with an all-ones kernel (``groups = C``).

Source: PyTorch ``Conv2d`` documentation (shape formula); NIR ``Conv2d``/``SumPool2d`` nodes (Pedersen et al., Nat.
Commun. 15, 8122 (2024), doi:10.1038/s41467-024-52259-9).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


def _pair(name: str, x: Any, lo: int) -> tuple[int, int]:
    a = np.broadcast_to(np.asarray(x), (2,))
    if not np.all(np.isfinite(a.astype(float))) or np.any(a != np.round(a)) or np.any(a < lo):
        raise ValueError(f"{name}={x!r}: accepted one or two integers >= {lo}")
    return int(a[0]), int(a[1])


def _padding(padding: Any) -> tuple[tuple[int, int], tuple[int, int]]:
    """int, (p_h, p_w) or ((top, bottom), (left, right)), all >= 0."""
    p = np.asarray(padding)
    if p.shape == (2, 2):
        return _pair("padding[0]", p[0], 0), _pair("padding[1]", p[1], 0)
    ph, pw = _pair("padding", padding, 0)
    return (ph, ph), (pw, pw)


@dataclass(frozen=True)
class Conv2dGeometry:
    """Shapes of a 2-D convolution between neuron grids: input (C_in, H, W), output (C_out, H_out, W_out), kernel
    (k_h, k_w), stride, dilation, padding ((top, bottom), (left, right)) and groups."""

    in_shape: tuple[int, int, int]
    out_shape: tuple[int, int, int]
    kernel: tuple[int, int]
    stride: tuple[int, int]
    dilation: tuple[int, int]
    padding: tuple[tuple[int, int], tuple[int, int]]
    groups: int


def conv2d_geometry(weight_shape: tuple[int, ...], in_shape: Any, *, stride: Any = 1, padding: Any = 0,
                    dilation: Any = 1, groups: int = 1) -> Conv2dGeometry:
    """Check the arguments of a 2-D convolution and return its :class:`Conv2dGeometry`.

    ``weight_shape`` (C_out, C_in / groups, k_h, k_w); ``in_shape`` (C_in, H, W).

    Raises
    ------
    ValueError
        for a weight that is not 4-D, an input shape that is not 3 positive integers, stride/dilation < 1,
        negative padding, groups < 1 or not dividing both channel counts, or an empty output.
    """
    if len(weight_shape) != 4:
        raise ValueError(f"weight must have shape (C_out, C_in/groups, k_h, k_w), got {tuple(weight_shape)}")
    ins = np.asarray(in_shape)
    if ins.shape != (3,) or np.any(ins != np.round(ins)) or np.any(ins < 1):
        raise ValueError(f"input_shape={in_shape!r}: accepted (C_in, H, W), positive integers")
    c_in, h, w = (int(v) for v in ins)
    c_out, cg, kh, kw = (int(v) for v in weight_shape)
    g = int(groups)
    if g < 1 or c_in % g or c_out % g or cg != c_in // g:
        raise ValueError(f"groups={groups}: accepted >= 1 dividing C_in={c_in} and C_out={c_out}, with weight "
                         f"shape[1] = C_in/groups (got {cg})")
    s, d, p = _pair("stride", stride, 1), _pair("dilation", dilation, 1), _padding(padding)
    ho = (h + sum(p[0]) - d[0] * (kh - 1) - 1) // s[0] + 1
    wo = (w + sum(p[1]) - d[1] * (kw - 1) - 1) // s[1] + 1
    if ho < 1 or wo < 1:
        raise ValueError(f"convolution of input {(c_in, h, w)} with kernel {(kh, kw)} gives an empty output "
                         f"({ho} x {wo}); check padding/stride/dilation")
    return Conv2dGeometry((c_in, h, w), (c_out, ho, wo), (kh, kw), s, d, p, g)


def conv2d_synapses(weight: Any, geo: Conv2dGeometry) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Synapses of a 2-D convolution: presynaptic index ``i``, postsynaptic index ``j`` (flattened grids, int64) and
    weight ``w`` (float64), each shape (S,), in order (output channel, output row, output column, input channel,
    kernel row, kernel column); out-of-range (padding) taps are left out, zero weights are kept.

    ``weight`` shape (C_out, C_in / groups, k_h, k_w), finite. Raises ValueError otherwise.
    """
    W = np.asarray(weight, dtype=np.float64)
    if W.shape != (geo.out_shape[0], geo.in_shape[0] // geo.groups, *geo.kernel):
        raise ValueError(f"weight shape {W.shape} does not match the geometry {geo}")
    if not np.all(np.isfinite(W)):
        raise ValueError("weight must be finite (no NaN or inf)")
    c_in, h, w = geo.in_shape
    c_out, ho, wo = geo.out_shape
    kh, kw = geo.kernel
    cg = c_in // geo.groups
    og = c_out // geo.groups
    co, y, x, ci, ky, kx = np.meshgrid(np.arange(c_out), np.arange(ho), np.arange(wo), np.arange(cg),
                                       np.arange(kh), np.arange(kw), indexing="ij")
    iy = y * geo.stride[0] - geo.padding[0][0] + ky * geo.dilation[0]
    ix = x * geo.stride[1] - geo.padding[1][0] + kx * geo.dilation[1]
    ok = (iy >= 0) & (iy < h) & (ix >= 0) & (ix < w)
    cin = (co // og) * cg + ci
    i = (cin * h + iy) * w + ix
    j = (co * ho + y) * wo + x
    return i[ok].astype(np.int64), j[ok].astype(np.int64), W[co, ci, ky, kx][ok]
