"""Uniform quantisation of weights with per-group scales (Jacob et al., CVPR 2018, doi:10.1109/CVPR.2018.00286;
group-wise scales as in GPTQ/AWQ, Frantar et al., arXiv:2210.17323).

For each output channel the reduction dimension is split into groups of ``group_size`` weights (0: one group per
channel). Symmetric: ``s = max|w| / (2^(b-1) - 1)``, codes ``q = clip(round(w/s), -(2^(b-1)-1), 2^(b-1)-1)``;
affine: ``s = (max - min) / (2^b - 1)`` over a range extended to contain 0 (so zeros, e.g. pruned weights, stay
exact), zero point ``z = round(-min/s)``, ``q = clip(round(w/s) + z, 0, 2^b - 1)``.
Scales are stored with ``scale_bits`` (16: float16, 32: float32) and the rounding of the stored scale is part of the
reported error. Storage per weight: ``bits + scale_bits / group_size`` (+ ``bits / group_size`` zero point for
affine).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hwsim.compress.layout import error_report, to_matrix

SCHEMES = ("symmetric", "affine")


@dataclass(frozen=True)
class QuantResult:
    """Quantised weights (same layout as the input), integer codes (out, reduction), scales and zero points
    (out, groups), the storage cost ``bits_per_weight`` and the error report (see
    :func:`hwsim.compress.layout.error_report`)."""

    w_hat: np.ndarray
    codes: np.ndarray
    scales: np.ndarray
    zero_points: np.ndarray | None
    bits: int
    group_size: int
    bits_per_weight: float
    error: dict


def quantize(w: np.ndarray, bits: int, *, group_size: int = 0, scheme: str = "symmetric", scale_bits: int = 16,
             layout: str = "dense", x: np.ndarray | None = None) -> QuantResult:
    """Quantise ``w`` to ``bits`` bits (see the module docstring).

    Parameters
    ----------
    w
        weights in ``layout`` (``"dense"`` (in, out), ``"conv"`` (out, in, k...), ``"matrix"`` (out, reduction)).
    bits
        code width, 2..16 for symmetric (needs a sign), 1..16 for affine.
    group_size
        weights per scale along the reduction dimension; 0 = per output channel. The last group of a channel may be
        shorter.
    scheme
        ``"symmetric"`` or ``"affine"``.
    scale_bits
        16 (float16) or 32 (float32) scale storage.
    x
        optional calibration inputs (samples, reduction) for the output error.

    Raises
    ------
    ValueError
        for bits outside the range, a negative group size, an unknown scheme or scale precision, or a bad layout.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"scheme={scheme!r}; accepted: {SCHEMES}")
    lo_bits = 2 if scheme == "symmetric" else 1
    if not (lo_bits <= bits <= 16):
        raise ValueError(f"bits={bits} outside [{lo_bits}, 16] for the {scheme} scheme")
    if group_size < 0:
        raise ValueError(f"group_size must be >= 0, got {group_size}")
    if scale_bits not in (16, 32):
        raise ValueError(f"scale_bits must be 16 or 32, got {scale_bits}")
    m, back = to_matrix(w, layout)
    out_ch, red = m.shape
    g = red if group_size == 0 else group_size
    n_groups = -(-red // g)
    pad = n_groups * g - red
    mp = np.pad(m, ((0, 0), (0, pad)))
    valid = np.pad(np.ones_like(m, dtype=bool), ((0, 0), (0, pad)))
    grp = mp.reshape(out_ch, n_groups, g)
    vg = valid.reshape(out_ch, n_groups, g)
    sdtype = np.float16 if scale_bits == 16 else np.float32
    if scheme == "symmetric":
        qmax = 2 ** (bits - 1) - 1
        amax = np.max(np.where(vg, np.abs(grp), 0.0), axis=2)
        s = (amax / qmax).astype(sdtype).astype(np.float64)
        s = np.where(s > 0, s, 1.0)
        q = np.clip(np.round(grp / s[..., None]), -qmax, qmax)
        deq = q * s[..., None]
        z = None
    else:
        qmax = 2**bits - 1
        mn = np.minimum(np.min(np.where(vg, grp, np.inf), axis=2), 0.0)  # the range contains 0 (exact zeros)
        mx = np.maximum(np.max(np.where(vg, grp, -np.inf), axis=2), 0.0)
        s = ((mx - mn) / qmax).astype(sdtype).astype(np.float64)
        s = np.where(s > 0, s, 1.0)
        z = np.clip(np.round(-mn / s), 0, qmax)
        q = np.clip(np.round(grp / s[..., None]) + z[..., None], 0, qmax)
        deq = (q - z[..., None]) * s[..., None]
    mh = deq.reshape(out_ch, -1)[:, :red]
    codes = q.reshape(out_ch, -1)[:, :red].astype(np.int32)
    extra = scale_bits + (bits if scheme == "affine" else 0)
    bpw = bits + extra * out_ch * n_groups / m.size
    w_hat = back(mh)
    xr = None if x is None else np.asarray(x)
    return QuantResult(w_hat=w_hat, codes=codes, scales=s, zero_points=z, bits=bits, group_size=group_size,
                       bits_per_weight=float(bpw), error=error_report(m, mh, xr))
