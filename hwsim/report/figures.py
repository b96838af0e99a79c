"""Report figures (matplotlib, Agg backend): the Pareto plot and the effect of each swept parameter."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from hwsim.sweep.objectives import Objective

MAX_EFFECT_PARAMS = 6
MAX_EFFECT_OBJECTIVES = 3


def _figure(**kw):
    """A figure that needs no GUI backend and is not kept in pyplot's global state."""
    from matplotlib.figure import Figure

    return Figure(**kw)


def _wide(values: pd.Series) -> bool:
    v = pd.to_numeric(values, errors="coerce").dropna()
    return bool(len(v) and (v > 0).all() and v.max() / v.min() > 100)


def pareto_figure(table: pd.DataFrame, x: Objective, y: Objective, path: Path, group_by: Sequence[str] = (),
                  logx: bool | None = None, logy: bool | None = None, title: str = "") -> Path:
    """Scatter the designs of ``table`` in (``x``, ``y``) with each group's Pareto front as a step line.

    ``logx``/``logy`` ``None``: logarithmic when all values are positive and span more than two decades.
    Writes a PNG to ``path`` and returns it.
    """
    import matplotlib

    from hwsim.search.plot import pareto_plot

    fig = _figure(figsize=(7, 4.5))
    ax = fig.subplots()
    groups = list(table.groupby(list(group_by), dropna=False, sort=True)) if group_by else [(None, table)]
    colors = matplotlib.colormaps["tab10"].colors
    markers = "os^Dv<>pP*"
    for i, (key, sub) in enumerate(groups):
        label = None
        if key is not None:
            label = ", ".join(str(k) for k in (key if isinstance(key, tuple) else (key,)))
        pareto_plot(sub, x.column, y.column, senses=(x.sense, y.sense), ax=ax, label=label,
                    color=colors[i % len(colors)], marker=markers[(i // len(colors)) % len(markers)])
    if logx if logx is not None else _wide(table[x.column]):
        ax.set_xscale("log")
    if logy if logy is not None else _wide(table[y.column]):
        ax.set_yscale("log")
    ax.set_xlabel(f"{x.column} ({'lower' if x.sense == 'min' else 'higher'} is better)")
    ax.set_ylabel(f"{y.column} ({'lower' if y.sense == 'min' else 'higher'} is better)")
    ax.set_title(title or f"Pareto front: {x.column} vs {y.column}")
    ax.grid(True, which="both", alpha=0.3)
    if group_by and len(groups) > 1:
        ax.legend(title=", ".join(group_by), fontsize="small", loc="best")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    return path


def effects_figure(df: pd.DataFrame, params: Sequence[str], objectives: Sequence[Objective], path: Path
                   ) -> Path | None:
    """Mean ± standard deviation of each objective (rows) against each swept parameter (columns), averaged
    over all other parameters and seeds; successful points only. At most 6 parameters and 3 objectives.
    Returns the PNG path, or ``None`` when there is nothing to plot."""
    params = list(params)[:MAX_EFFECT_PARAMS]
    objectives = list(objectives)[:MAX_EFFECT_OBJECTIVES]
    ok = df[df["status"] == "ok"] if "status" in df.columns else df
    if not params or not objectives or not len(ok):
        return None
    nr, nc = len(objectives), len(params)
    fig = _figure(figsize=(3.2 * nc + 0.5, 2.6 * nr + 0.5))
    axes = fig.subplots(nr, nc, squeeze=False)
    for i, o in enumerate(objectives):
        yv = pd.to_numeric(ok[o.column], errors="coerce")
        for j, p in enumerate(params):
            ax = axes[i, j]
            stats = yv.groupby(ok[p], dropna=False, sort=True).agg(["mean", "std"])
            xs = stats.index.to_numpy()
            numeric = pd.api.types.is_numeric_dtype(stats.index) and not pd.api.types.is_bool_dtype(stats.index)
            if numeric:
                ax.errorbar(xs.astype(float), stats["mean"], yerr=stats["std"].fillna(0), marker="o", ms=3,
                            capsize=2)
                if _wide(pd.Series(xs)):
                    ax.set_xscale("log")
            else:
                pos = np.arange(len(xs))
                ax.errorbar(pos, stats["mean"], yerr=stats["std"].fillna(0), marker="o", ms=3, capsize=2, ls="none")
                ax.set_xticks(pos, [str(x) for x in xs], rotation=30, ha="right", fontsize="small")
            if i == nr - 1:
                ax.set_xlabel(p)
            if j == 0:
                ax.set_ylabel(f"{o.column} ({o.sense})")
            ax.grid(True, alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    return path
