"""Pareto plots with matplotlib."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from hwsim.search.pareto import pareto_mask


def pareto_plot(df: pd.DataFrame, x: str, y: str, *, senses: Sequence[str] = ("min", "max"), ax: Any = None,
                label: str | None = None, color: str | None = None, show_all: bool = True, logx: bool = False,
                marker: str = "o") -> Any:
    """Scatter ``df[x]`` vs ``df[y]`` (all points faint when ``show_all``) and draw the Pareto front as a step line.

    Returns the matplotlib Axes. Raises ValueError for a missing column.
    """
    import matplotlib.pyplot as plt

    for c in (x, y):
        if c not in df.columns:
            raise ValueError(f"column {c!r} not in the table: {list(df.columns)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    v = df[[x, y]].to_numpy(np.float64)
    m = pareto_mask(v, list(senses))
    if show_all:
        ax.scatter(v[:, 0], v[:, 1], s=8, alpha=0.25, color=color)
    f = v[m]
    f = f[np.argsort(f[:, 0])]
    ax.step(f[:, 0], f[:, 1], where="post", color=color, label=label)
    ax.scatter(f[:, 0], f[:, 1], s=24, marker=marker, color=color)
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    if label:
        ax.legend()
    return ax
