"""Symmetric fixed-point quantisation used by the fixed-point export (reference sheet §12).

q = clip(round(x / s), −(2^{b−1} − 1), 2^{b−1} − 1) with s = max|x| / (2^{b−1} − 1), per tensor or per output
channel (axis 0). Rounding is half-to-even (``numpy.rint``). Imports numpy only.
"""

from __future__ import annotations

import numpy as np

__all__ = ["INT_DTYPES", "dequantize", "qmax", "quantize", "scale_for"]

INT_DTYPES = {8: np.int8, 16: np.int16, 32: np.int32}


def qmax(bits: int) -> int:
    """Largest symmetric code 2^{b−1} − 1.

    Raises
    ------
    ValueError
        for ``bits`` outside 2..32.
    """
    if not (isinstance(bits, int | np.integer) and 2 <= bits <= 32):
        raise ValueError(f"bits={bits!r} must be an integer in [2, 32]")
    return 2 ** (int(bits) - 1) - 1


def scale_for(x: np.ndarray, bits: int, per_channel: bool = False) -> np.ndarray:
    """Scale s = max|x| / qmax (a scalar array, or (x.shape[0],) per output channel); zero ranges give s = 1."""
    x = np.asarray(x, dtype=np.float64)
    m = np.max(np.abs(x.reshape(x.shape[0], -1)), axis=1) if per_channel else np.max(np.abs(x), initial=0.0)
    s = np.asarray(m, dtype=np.float64) / qmax(bits)
    return np.where(s > 0, s, 1.0)


def quantize(x: np.ndarray, bits: int, scale: np.ndarray | float, dtype=None) -> np.ndarray:
    """Integer codes of ``x`` for ``scale`` (scalar or per axis-0 channel), stored in the smallest of int8/16/32
    that holds ``bits`` (or ``dtype``)."""
    x = np.asarray(x, dtype=np.float64)
    s = np.asarray(scale, dtype=np.float64)
    if s.ndim == 1 and x.ndim > 1:
        s = s.reshape(-1, *([1] * (x.ndim - 1)))
    q = np.clip(np.rint(x / s), -qmax(bits), qmax(bits))
    if dtype is None:
        dtype = next(INT_DTYPES[b] for b in (8, 16, 32) if bits <= b)
    return q.astype(dtype)


def dequantize(q: np.ndarray, scale: np.ndarray | float) -> np.ndarray:
    """Float values q · s (float64), ``scale`` scalar or per axis-0 channel."""
    q = np.asarray(q, dtype=np.float64)
    s = np.asarray(scale, dtype=np.float64)
    if s.ndim == 1 and q.ndim > 1:
        s = s.reshape(-1, *([1] * (q.ndim - 1)))
    return q * s
