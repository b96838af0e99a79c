"""Report figures (matplotlib, no GUI backend): Pareto plots per group and the effect of each swept parameter.

Axis labels name the quantity and its unit (:mod:`hwsim.report.labels`), never a raw column name. An axis is
logarithmic when its values are all positive and span more than two decades (:func:`spans_decades`).
Builders (``*_fig``) return the matplotlib ``Figure``; writers (``*_figure``) save it as a PNG.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hwsim.report.choice import design_names
from hwsim.report.labels import axis_label, label
from hwsim.search.pareto import pareto_mask
from hwsim.sweep.objectives import Objective

MAX_EFFECT_PARAMS = 6
MAX_EFFECT_OBJECTIVES = 3
MAX_PANEL_COLUMNS = 3
DECADES = 2.0
"""An axis spanning more than this many decades (max/min > 100) of positive values is drawn logarithmic."""

_MARKERS = "os^Dv<>pP*hX"


def _figure(**kw):
    """A figure that needs no GUI backend and is not kept in pyplot's global state."""
    from matplotlib.figure import Figure

    return Figure(**kw)


def spans_decades(values: Any) -> bool:
    """True when the finite values are all positive and max/min exceeds 10**:data:`DECADES`."""
    v = pd.to_numeric(pd.Series(np.asarray(values).ravel()), errors="coerce")
    v = v[np.isfinite(v)]
    return bool(len(v) and (v > 0).all() and v.max() / v.min() > 10 ** DECADES)


def _style(i: int) -> dict[str, Any]:
    import matplotlib

    colors = matplotlib.colormaps["tab10"].colors
    return {"color": colors[i % len(colors)], "marker": _MARKERS[(i // len(colors) + i) % len(_MARKERS)]}


def _better(o: Objective) -> str:
    return "lower is better" if o.sense == "min" else "higher is better"


def pareto_fig(table: pd.DataFrame, x: Objective, y: Objective, group_by: Sequence[str] = (),
               design_by: Sequence[str] = (), chosen: Collection[Any] = (), notes: Mapping[str, str] | None = None,
               logx: bool | None = None, logy: bool | None = None, title: str = ""):
    """Small multiples, one panel per group of ``group_by`` (one panel without groups): each design of ``table``
    (one row per design) at (``x``, ``y``), coloured and marked by its name from ``design_by`` (same style in
    every panel, one legend), the panel's Pareto front as a grey step line, rows in ``chosen`` (index labels)
    ringed; a panel is titled by its group's values (an absolute path by its file name). ``notes`` maps a group's
    name (values joined by ``", "``) to lines under the panel title; a group named only in ``notes`` (e.g. a
    target that executes none of the designs) gets an empty panel.
    ``logx``/``logy`` ``None``: logarithmic when :func:`spans_decades`. Axes are shared across panels.

    Returns the ``matplotlib.figure.Figure``. Raises ``ValueError`` naming a column missing from ``table``.
    """
    from matplotlib.lines import Line2D

    for c in [x.column, y.column, *group_by, *design_by]:
        if c not in table.columns:
            raise ValueError(f"column {c!r} is not in the table; available: {', '.join(map(str, table.columns))}")
    groups = list(table.groupby(list(group_by), dropna=False, sort=True)) if group_by else [((), table)]
    known = {", ".join(str(v) for v in (k if isinstance(k, tuple) else (k,))) for k, _ in groups}
    groups += [((name,), table.iloc[:0]) for name in sorted(notes or {}) if group_by and name not in known]
    names = design_names(table, design_by) if design_by else pd.Series([""] * len(table), index=table.index)
    order = list(dict.fromkeys(names.tolist()))
    styles = {n: _style(i) for i, n in enumerate(order)}
    n = max(len(groups), 1)
    nc = min(MAX_PANEL_COLUMNS, n)
    nr = math.ceil(n / nc)
    fig = _figure(figsize=(max(3.9 * nc, 5.5) + 0.4, 3.2 * nr + 1.3 + 0.25 * math.ceil(len(order) / (2 * nc))),
                  layout="constrained")
    axes = fig.subplots(nr, nc, squeeze=False, sharex=True, sharey=True)
    xs_all = pd.to_numeric(table[x.column], errors="coerce")
    ys_all = pd.to_numeric(table[y.column], errors="coerce")
    log_x = logx if logx is not None else spans_decades(xs_all)
    log_y = logy if logy is not None else spans_decades(ys_all)
    chosen = set(chosen)
    for k, (key, sub) in enumerate(groups):
        ax = axes.flat[k]
        key = key if isinstance(key, tuple) else (key,)
        gname = ", ".join(str(v) for v in key)
        v = np.column_stack([pd.to_numeric(sub[x.column], errors="coerce"),
                             pd.to_numeric(sub[y.column], errors="coerce")]).astype(np.float64)
        finite = np.isfinite(v).all(axis=1)
        front = np.zeros(len(sub), bool)
        if finite.any():
            front[finite] = pareto_mask(v[finite], [x.sense, y.sense])
        f = v[front]
        f = f[np.argsort(f[:, 0])]
        ax.step(f[:, 0], f[:, 1], where="post", color="0.55", lw=1.2, zorder=1)
        for (idx, row_name), (px, py), ok, on in zip(names.loc[sub.index].items(), v, finite, front, strict=True):
            if not ok:
                continue
            st = styles[row_name]
            ax.scatter([px], [py], s=46, marker=st["marker"], color=st["color"], edgecolors="black" if on else "none",
                       linewidths=0.6, zorder=3)
            if idx in chosen:
                ax.scatter([px], [py], s=190, facecolors="none", edgecolors="black", linewidths=1.6, zorder=4)
        if not len(sub):
            ax.text(0.5, 0.5, "no design it can execute", transform=ax.transAxes, ha="center", va="center",
                    color="0.4")
        note = (notes or {}).get(gname, "")
        shown = ", ".join(Path(v).name if isinstance(v, str) and Path(v).is_absolute() else str(v) for v in key)
        ax.set_title(shown + (f"\n{note}" if note else ""), fontsize="medium" if not note else "small")
        ax.grid(True, which="major", alpha=0.35)
        ax.grid(True, which="minor", alpha=0.1)
        if log_x:
            ax.set_xscale("log")
        if log_y:
            ax.set_yscale("log")
    for ax in axes.flat[len(groups):]:
        ax.set_visible(False)
    xl = f"{axis_label(x.column)}, {_better(x)}" + (", log scale" if log_x else "")
    yl = f"{axis_label(y.column)},\n{_better(y)}" + (", log scale" if log_y else "")
    for k, ax in enumerate(axes.flat[:len(groups)]):
        r, c = divmod(k, nc)
        if r == nr - 1 or k + nc >= len(groups):  # the lowest panel of its column
            ax.set_xlabel(xl)
            ax.xaxis.set_tick_params(labelbottom=True)
        if c == 0:
            ax.set_ylabel(yl)
    fig.suptitle(title or f"{label(y.column).quantity} vs {label(x.column).quantity}"
                 + (f" per {', '.join(label(g).name for g in group_by)}" if group_by else ""))
    handles = [Line2D([], [], ls="none", ms=7, markeredgecolor="none", **styles[nm], label=nm) for nm in order if nm]
    handles.append(Line2D([], [], color="0.55", lw=1.2, label="Pareto front (black edge: on it)"))
    if chosen:
        handles.append(Line2D([], [], ls="none", marker="o", ms=12, markerfacecolor="none", markeredgecolor="black",
                              markeredgewidth=1.6, label="chosen design"))
    legend_title = ", ".join(label(c).name for c in design_by) if design_by else None
    fig.legend(handles=handles, loc="outside lower center", title=legend_title, fontsize="small",
               ncols=max(1, min(len(handles), 2 * nc)))
    return fig


def pareto_figure(table: pd.DataFrame, x: Objective, y: Objective, path: Path, group_by: Sequence[str] = (),
                  logx: bool | None = None, logy: bool | None = None, title: str = "", design_by: Sequence[str] = (),
                  chosen: Collection[Any] = (), notes: Mapping[str, str] | None = None) -> Path:
    """:func:`pareto_fig` written as a PNG to ``path``; returns ``path``."""
    fig = pareto_fig(table, x, y, group_by, design_by, chosen, notes, logx, logy, title)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")  # a wide legend is never clipped
    return path


def _stats(values: pd.Series, by: pd.Series, geometric: bool) -> pd.DataFrame:
    """Centre and lower/upper bar lengths per value of ``by``: geometric mean with bars to gm/gsd and gm*gsd
    (``geometric``), else mean ± sample standard deviation with the lower bar cut at zero when every value is
    non-negative."""
    v = values.astype(np.float64)
    if geometric:
        g = np.log(v).groupby(by, dropna=False, sort=True).agg(["mean", "std"])
        centre = np.exp(g["mean"])
        factor = np.exp(g["std"].fillna(0.0))
        return pd.DataFrame({"centre": centre, "lo": centre - centre / factor, "hi": centre * factor - centre})
    g = v.groupby(by, dropna=False, sort=True).agg(["mean", "std"])
    sd = g["std"].fillna(0.0)
    lo = np.minimum(sd, g["mean"]) if (v >= 0).all() else sd
    return pd.DataFrame({"centre": g["mean"], "lo": lo, "hi": sd})


def effects_fig(df: pd.DataFrame, params: Sequence[str], objectives: Sequence[Objective]):
    """Each objective (rows) against each swept parameter (columns), over all other parameters and seeds;
    successful points only, and only designs a target can execute when a ``supported`` column exists.

    An objective whose values are positive and span decades (:func:`spans_decades`) is drawn on a log axis as
    the geometric mean with bars of one geometric standard deviation factor (gm/gsd to gm*gsd); others as
    mean ± standard deviation, the lower bar cut at zero for non-negative quantities. At most 6 parameters and 3
    objectives. Returns the ``Figure``, or ``None`` when there is nothing to plot.
    """
    params = list(params)[:MAX_EFFECT_PARAMS]
    objectives = list(objectives)[:MAX_EFFECT_OBJECTIVES]
    ok = df[df["status"] == "ok"] if "status" in df.columns else df
    if "supported" in ok.columns:
        ok = ok[pd.to_numeric(ok["supported"], errors="coerce").fillna(0) >= 1]
    if not params or not objectives or not len(ok):
        return None
    nr, nc = len(objectives), len(params)
    fig = _figure(figsize=(3.4 * nc + 0.6, 2.8 * nr + 0.6), layout="constrained")
    axes = fig.subplots(nr, nc, squeeze=False)
    for i, o in enumerate(objectives):
        yv = pd.to_numeric(ok[o.column], errors="coerce")
        keep = np.isfinite(yv)
        geometric = spans_decades(yv[keep])
        for j, p in enumerate(params):
            ax = axes[i, j]
            stats = _stats(yv[keep], ok.loc[keep, p], geometric)
            xs = stats.index.to_numpy()
            numeric = pd.api.types.is_numeric_dtype(stats.index) and not pd.api.types.is_bool_dtype(stats.index)
            pos = xs.astype(float) if numeric else np.arange(len(xs))
            ax.errorbar(pos, stats["centre"], yerr=[stats["lo"], stats["hi"]], marker="o", ms=4, capsize=3,
                        ls="-" if numeric else "none")
            if numeric:
                if spans_decades(xs):
                    ax.set_xscale("log")
            else:
                ax.set_xticks(pos, [str(x) for x in xs], rotation=30, ha="right", fontsize="small")
            if geometric:
                ax.set_yscale("log")
            if i == nr - 1:
                ax.set_xlabel(axis_label(p))
            if j == 0:
                what = "geometric mean" if geometric else "mean"
                ax.set_ylabel(f"{axis_label(o.column)}\n{what}, {_better(o)}", fontsize="small")
            ax.grid(True, which="major", alpha=0.35)
    return fig


def effects_figure(df: pd.DataFrame, params: Sequence[str], objectives: Sequence[Objective], path: Path
                   ) -> Path | None:
    """:func:`effects_fig` written as a PNG to ``path``; returns ``path``, or ``None`` when nothing was plotted."""
    fig = effects_fig(df, params, objectives)
    if fig is None:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return path
