"""Exhaustive joint search: a Cartesian grid of design parameters evaluated in one vectorised cost call, with
constraints as masks and Pareto extraction.

Axes are IR columns a design point may override (:data:`hwsim.cost.points.NUMERIC_COLUMNS`), optionally scoped to
rows (``"w_bits@attn"`` is not a thing: use one axis per column and a ``scope``), plus any extra axes consumed by
an ``accuracy`` function (e.g. a per-group width or depth fraction, turned into per-op arrays by ``derive``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from hwsim.cost.model import evaluate_arrays
from hwsim.cost.points import EXTRA_COLUMNS, NUMERIC_COLUMNS
from hwsim.search.pareto import pareto_mask


def grid(axes: Mapping[str, Sequence[Any]]) -> pd.DataFrame:
    """Cartesian product of ``axes`` (``{name: values}``) as a DataFrame, one row per point, in C order.

    Raises ValueError for an empty axis.
    """
    empty = [k for k, v in axes.items() if len(v) == 0]
    if empty:
        raise ValueError(f"axes {empty} have no values")
    names = list(axes)
    mesh = np.meshgrid(*[np.asarray(axes[k]) for k in names], indexing="ij")
    return pd.DataFrame({k: m.reshape(-1) for k, m in zip(names, mesh)})


def evaluate_points(table: pd.DataFrame, target: str, points: pd.DataFrame, *,
                    scope: Mapping[str, Any] | None = None,
                    derive: Callable[[pd.DataFrame, pd.DataFrame], Mapping[str, np.ndarray]] | None = None,
                    accuracy: Callable[[pd.DataFrame], np.ndarray] | None = None) -> pd.DataFrame:
    """Cost (and accuracy) of every row of ``points`` on ``target``, vectorised.

    ``points`` columns that are IR columns are passed to the cost model; ``derive(table, points)`` may add per-op
    arrays (shape (points, ops)) computed from other columns; ``accuracy(points)`` returns one accuracy (or proxy)
    per point. Returns ``points`` joined with the cost totals (``energy_J``, ``latency_s``, ``memory_B``, ...)
    and ``accuracy`` when given.
    """
    over = {c: points[c].to_numpy() for c in points.columns if c in NUMERIC_COLUMNS + EXTRA_COLUMNS}
    if derive is not None:
        over.update(derive(table, points))
    res = evaluate_arrays(table, target, over, scope=scope)
    out = points.reset_index(drop=True).copy()
    out["target"] = res.target.name
    for k, v in res.totals.items():
        out[k] = np.broadcast_to(v, (len(out),))
    if accuracy is not None:
        out["accuracy"] = np.asarray(accuracy(points), dtype=np.float64)
    return out


def search(table: pd.DataFrame, targets: str | Sequence[str], axes: Mapping[str, Sequence[Any]],
           objectives: Mapping[str, str], *, constraints: Mapping[str, tuple[str, float]] | None = None,
           scope: Mapping[str, Any] | None = None,
           derive: Callable[[pd.DataFrame, pd.DataFrame], Mapping[str, np.ndarray]] | None = None,
           accuracy: Callable[[pd.DataFrame], np.ndarray] | None = None) -> pd.DataFrame:
    """Evaluate the full grid of ``axes`` on every target and mark the Pareto front.

    Parameters
    ----------
    objectives
        ``{column: "min" | "max"}``, e.g. ``{"energy_J": "min", "accuracy": "max"}``.
    constraints
        ``{column: (op, bound)}`` with op one of ``"<=", "<", ">=", ">", "=="``; infeasible points get
        ``feasible = False`` and are never on the front.

    Returns
    -------
    DataFrame: one row per (target, grid point) with the costs, ``feasible`` and ``pareto`` (front over all
    targets jointly, i.e. the hardware is one more design choice).

    Raises
    ------
    ValueError
        for an objective or constraint column that the results lack, or an unknown constraint operator.
    """
    targets = [targets] if isinstance(targets, str) else list(targets)
    pts = grid(axes)
    res = pd.concat([evaluate_points(table, t, pts, scope=scope, derive=derive, accuracy=accuracy)
                     for t in targets], ignore_index=True)
    ops = {"<=": np.less_equal, "<": np.less, ">=": np.greater_equal, ">": np.greater, "==": np.equal}
    feasible = np.ones(len(res), dtype=bool)
    for col, (op, bound) in (constraints or {}).items():
        if col not in res.columns:
            raise ValueError(f"constraint column {col!r} not in the results: {list(res.columns)}")
        if op not in ops:
            raise ValueError(f"constraint operator {op!r}; accepted: {list(ops)}")
        feasible &= ops[op](res[col].to_numpy(), bound)
    missing = [c for c in objectives if c not in res.columns]
    if missing:
        raise ValueError(f"objective column(s) {missing} not in the results: {list(res.columns)}")
    res["feasible"] = feasible
    mask = np.zeros(len(res), dtype=bool)
    if feasible.any():
        vals = res.loc[feasible, list(objectives)].to_numpy(np.float64)
        mask[np.flatnonzero(feasible)] = pareto_mask(vals, list(objectives.values()))
    res["pareto"] = mask
    return res


def iter_chunks(df: pd.DataFrame, size: int) -> itertools.chain:
    """Split a large grid into chunks of ``size`` rows (to bound memory of (points, ops) arrays)."""
    if size < 1:
        raise ValueError(f"size must be >= 1, got {size}")
    return itertools.chain(df.iloc[i:i + size] for i in range(0, len(df), size))
