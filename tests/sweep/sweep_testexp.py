"""Cheap experiments for the sweep tests, referenced as ``"tests.sweep.sweep_testexp:<function>"`` (the
repository root is on sys.path under pytest and worker processes inherit it; subprocess tests run from it)."""

from __future__ import annotations

import math
import os
import time
from typing import Annotated, Literal

import numpy as np


def quad(*, x: float = 0.0, y: float = 1.0, kind: Literal["a", "b"] = "a", seed: int = 0) -> dict:
    """f = (x - 1)^2 + y + noise(seed), g = sin(x); raises for kind 'b' with x > 2.5 (a failing point)."""
    if kind == "b" and x > 2.5:
        raise ValueError(f"x={x} too large for kind b")
    noise = float(np.random.default_rng(seed).normal(0.0, 0.01))
    # "kind" echoes the parameter (dropped by the engine, stored once as the parameter)
    return {"f": (x - 1.0) ** 2 + y + noise, "g": math.sin(x), "label": f"{kind}-design", "kind": kind}


quad.RANGES = {"x": (-10.0, 10.0), "y": (0.0, None, "(]")}


def expected_quad(x: float, y: float, kind: str, seed: int) -> dict:
    """What :func:`quad` must return (computed independently of the stored results)."""
    noise = float(np.random.default_rng(seed).normal(0.0, 0.01))
    return {"f": (x - 1.0) ** 2 + y + noise, "g": math.sin(x)}


def slow(*, x: int = 0, delay_s: float = 0.05) -> dict:
    """x squared after sleeping ``delay_s`` (for the kill-and-resume test); records the worker's pid."""
    time.sleep(delay_s)
    return {"x2": x * x, "pid": os.getpid()}


def per_target(*, n: Annotated[int, (1, 100)] = 4, seed: int = 0) -> list[dict]:
    """Several rows per point: one per 'target', with an energy and a quality that trade off."""
    rng = np.random.default_rng(seed)
    rows = []
    for target, scale in (("mcu", 1.0), ("mtj", 0.1)):
        q = 1.0 - 1.0 / (n + 1) + float(rng.normal(0.0, 1e-3))
        rows.append({"target": target, "energy_J": scale * n * 1e-6, "quality": q, "latency_s": scale * n * 1e-3,
                     "data": "synthetic"})
    return rows


def bad_result(*, mode: Literal["array", "collide", "none"] = "array") -> dict:
    """Returns something that is not a flat dict of scalars (each mode a different mistake)."""
    if mode == "array":
        return {"v": np.arange(3)}
    if mode == "collide":
        return {"mode": 1.0}  # repeats the parameter with another value (an echo of "collide" would be dropped)
    return None  # type: ignore[return-value]


def needs_value(*, required_value: float, seed: int = 0) -> dict:
    """A required parameter without default."""
    return {"v": required_value}


def no_seed(*, x: float = 0.0) -> dict:
    """No seed parameter."""
    return {"v": x}
