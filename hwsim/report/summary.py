"""Summary tables of a sweep: designs (averaged over seeds), Pareto fronts and rankings.

A *design* is one combination of the swept parameters other than ``seed`` together with the text-valued
results that label a row (e.g. ``target`` when an experiment returns one row per hardware target). Numeric
results are averaged over the seeds of a design (sample standard deviation of each objective reported as
``<objective>_std``, the seed count as ``n_seeds``). Only successful points enter these tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hwsim.search.pareto import pareto_mask
from hwsim.sweep.objectives import Objective
from hwsim.sweep.storage import META_COLUMNS

_NUMERIC = {"boolean", "integer", "floating", "mixed-integer-float", "decimal"}


@dataclass(frozen=True)
class Columns:
    """Roles of a results table's columns: swept parameters (``seed`` apart), label and numeric results."""

    swept: list[str]
    has_seed: bool
    labels: list[str]
    numeric: list[str]


def classify(df: pd.DataFrame, param_columns: Sequence[str], varying: Sequence[str]) -> Columns:
    """Sort the columns of a loaded sweep (``SweepDir.load()``) into :class:`Columns`.

    ``param_columns`` are all experiment parameters, ``varying`` those the spec sweeps.
    """
    ok = df[df["status"] == "ok"] if "status" in df.columns else df
    swept = [c for c in varying if c in df.columns and c != "seed"]
    labels, numeric = [], []
    for c in df.columns:
        if c in param_columns or c in META_COLUMNS:
            continue
        kind = pd.api.types.infer_dtype(ok[c].dropna(), skipna=True) if len(ok) else "empty"
        if kind in _NUMERIC:
            numeric.append(c)
        elif kind != "empty":
            labels.append(c)
    return Columns(swept=swept, has_seed="seed" in varying and "seed" in df.columns, labels=labels, numeric=numeric)


def check_columns(df: pd.DataFrame, objectives: Sequence[Objective], group_by: Sequence[str]) -> None:
    """Raise ``ValueError`` naming a missing objective or group column and listing the available ones."""
    for c in [o.column for o in objectives] + list(group_by):
        if c not in df.columns:
            avail = [x for x in df.columns if x not in META_COLUMNS]
            raise ValueError(f"column {c!r} is not in the results; available: {', '.join(avail)}")


def designs(df: pd.DataFrame, cols: Columns, objectives: Sequence[Objective], group_by: Sequence[str] = ()
            ) -> pd.DataFrame:
    """One row per design: its key columns, the mean of every numeric result over seeds, objective std, n_seeds."""
    ok = df[df["status"] == "ok"] if "status" in df.columns else df
    keys = list(dict.fromkeys([*group_by, *cols.swept, *cols.labels]))
    numeric = [c for c in cols.numeric if c not in keys]
    if not len(ok):
        return pd.DataFrame(columns=[*keys, *numeric, "n_seeds"])
    if cols.has_seed:
        values = ok[keys + numeric].copy()
        values[numeric] = values[numeric].apply(pd.to_numeric, errors="coerce")
        if keys:
            g = values.groupby(keys, dropna=False, sort=False)
            out = g[numeric].mean()
            for o in objectives:
                out[f"{o.column}_std"] = g[o.column].std(ddof=1)
            out["n_seeds"] = g.size()
            return out.reset_index()
        out = values[numeric].mean().to_frame().T
        for o in objectives:
            out[f"{o.column}_std"] = values[o.column].std(ddof=1)
        out["n_seeds"] = len(values)
        return out
    out = ok[keys + numeric].reset_index(drop=True).copy()
    out["n_seeds"] = 1
    return out


def mark_pareto(table: pd.DataFrame, objectives: Sequence[Objective], group_by: Sequence[str] = ()
                ) -> pd.DataFrame:
    """Copy of ``table`` with a boolean ``pareto`` column: on the front of ``objectives`` (within each group)."""
    out = table.copy()
    out["pareto"] = False
    if not len(out) or not objectives:
        return out
    cols = [o.column for o in objectives]
    senses = [o.sense for o in objectives]
    groups = [g.index for _, g in out.groupby(list(group_by), dropna=False, sort=False)] if group_by else [out.index]
    for idx in groups:
        vals = out.loc[idx, cols].apply(pd.to_numeric, errors="coerce").to_numpy(np.float64)
        out.loc[idx, "pareto"] = pareto_mask(vals, senses)
    return out


def rank(table: pd.DataFrame, rank_by: Sequence[Objective]) -> pd.DataFrame:
    """``table`` sorted best-first by ``rank_by`` (lexicographic: the first objective, ties by the next); NaN last."""
    if not rank_by or not len(table):
        return table
    keys = []
    tmp = table.copy()
    for i, o in enumerate(rank_by):
        v = pd.to_numeric(tmp[o.column], errors="coerce")
        tmp[f"__k{i}"] = v if o.sense == "min" else -v
        keys.append(f"__k{i}")
    tmp = tmp.sort_values(keys, kind="stable", na_position="last")
    return tmp.drop(columns=keys)

