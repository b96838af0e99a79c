"""Parameter checks shared by the sensor models: clear ``ValueError``s naming the parameter and its range.

Checks run only on concrete values (Python numbers, NumPy scalars/arrays, numeric lists, concrete JAX arrays);
JAX tracers and placeholder leaves
that JAX's tree utilities pass through dataclass constructors are skipped, so parameter dataclasses stay
usable under ``jit``/``vmap``.
"""

from __future__ import annotations

import numbers

import numpy as np


def _concrete(value) -> np.ndarray | None:
    if isinstance(value, bool):
        return np.asarray(value)
    if isinstance(value, numbers.Number | np.ndarray | np.generic):
        return np.asarray(value)
    if type(value).__module__.startswith("jax") and hasattr(value, "__array__"):
        try:  # a concrete JAX array; a tracer under jit/vmap cannot be converted and stays unchecked
            return np.asarray(value)
        except TypeError:
            return None
    if isinstance(value, list | tuple):
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            return None
        return arr
    return None


def check_range(name: str, value, lo: float | None = None, hi: float | None = None, *,
                lo_open: bool = False, hi_open: bool = False, finite: bool = True) -> None:
    """Raise ``ValueError`` unless every element of ``value`` lies in the interval [lo, hi] (open ends optional).

    Non-concrete values (JAX tracers, ``None`` placeholders) are accepted unchecked; NaN is always rejected,
    ±inf unless ``finite=False``.
    """
    arr = _concrete(value)
    if arr is None:
        return
    if arr.size and (np.any(np.isnan(arr)) if not finite else not np.all(np.isfinite(arr))):
        raise ValueError(f"{name} must be {'finite' if finite else 'a number'}, got {value!r}")
    bad = np.zeros(arr.shape, bool)
    if lo is not None:
        bad |= (arr <= lo) if lo_open else (arr < lo)
    if hi is not None:
        bad |= (arr >= hi) if hi_open else (arr > hi)
    if np.any(bad):
        left = "(" if lo_open else "["
        right = ")" if hi_open else "]"
        lo_s = "-inf" if lo is None else f"{lo:g}"
        hi_s = "inf" if hi is None else f"{hi:g}"
        shown = value if arr.size <= 4 else f"array with {int(bad.sum())} value(s) outside"
        raise ValueError(f"{name}={shown!r} out of range; accepted: {name} in {left}{lo_s}, {hi_s}{right}")


def check_int(name: str, value, lo: int | None = None, hi: int | None = None) -> int:
    """Return ``int(value)``; raise ``ValueError`` unless it is an integer within [lo, hi]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name}={value!r} must be an integer")
    check_range(name, int(value), lo, hi)
    return int(value)


def check_choice(name: str, value, choices) -> str:
    """Raise ``ValueError`` unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name}={value!r}; accepted: {tuple(choices)}")
    return value


def check_time_major(name: str, x, min_ndim: int = 1) -> np.ndarray:
    """Return ``x`` as a float64 array of shape (T, ...) with T >= 1; raise ``ValueError`` otherwise."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim < min_ndim or arr.shape[0] < 1:
        raise ValueError(f"{name} must have shape (T, ...) with T >= 1 and ndim >= {min_ndim}, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    return arr
