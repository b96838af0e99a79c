"""One input policy for the public functions of ``devices`` (issue 18): arrays and physical quantities are checked
on entry, and a non-finite or out-of-range value raises ``ValueError`` naming the argument and its accepted
range (NaN and ±inf are never accepted; a range bound may be infinite only as "unbounded").
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["positive_int", "real", "real_array"]


def _range_text(lo: float, hi: float, lo_open: bool, hi_open: bool, unit: str) -> str:
    u = f" {unit}" if unit else ""
    left = "(" if lo_open or lo == -math.inf else "["
    right = ")" if hi_open or hi == math.inf else "]"
    return f"finite and in {left}{lo:g}, {hi:g}{right}{u}"


def real_array(name: str, x, lo: float = -math.inf, hi: float = math.inf, *, lo_open: bool = False,
               hi_open: bool = False, unit: str = "") -> np.ndarray:
    """``x`` as a float64 array; ValueError naming ``name`` unless every entry is finite and in the range.

    The range is [lo, hi] (``lo_open``/``hi_open`` make a side open); ``unit`` is printed in the message.
    Non-numeric input (strings, None, objects) also raises ValueError.
    """
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a real number or array of reals, got {x!r}") from exc
    ok = np.isfinite(a)
    ok &= (a > lo) if lo_open else (a >= lo)
    ok &= (a < hi) if hi_open else (a <= hi)
    if not np.all(ok):
        bad = a[~ok].reshape(-1)[0] if a.ndim else a
        raise ValueError(f"{name} must be {_range_text(lo, hi, lo_open, hi_open, unit)}, got {float(bad)!r}")
    return a


def real(name: str, x, lo: float = -math.inf, hi: float = math.inf, *, lo_open: bool = False,
         hi_open: bool = False, unit: str = "") -> float:
    """A checked scalar (see :func:`real_array`); arrays with more than one element raise ValueError."""
    a = real_array(name, x, lo, hi, lo_open=lo_open, hi_open=hi_open, unit=unit)
    if a.size != 1:
        raise ValueError(f"{name} must be a scalar, got shape {a.shape}")
    return float(a.reshape(-1)[0])


def positive_int(name: str, x, lo: int = 1, hi: int | None = None) -> int:
    """``x`` as an int in [lo, hi]; ValueError naming ``name`` for non-integers (booleans, NaN, 2.5) or out of
    range."""
    if isinstance(x, bool) or not isinstance(x, int | np.integer):
        if not (isinstance(x, float | np.floating) and math.isfinite(x) and float(x).is_integer()):
            raise ValueError(f"{name} must be an integer in [{lo}, {hi if hi is not None else 'inf'}], got {x!r}")
    v = int(x)
    if v < lo or (hi is not None and v > hi):
        raise ValueError(f"{name} must be an integer in [{lo}, {hi if hi is not None else 'inf'}], got {x!r}")
    return v
