"""``hwsim report DIR``: a Markdown report with tables and figures from a sweep folder.

The report states where its numbers come from (the sweep folder, experiment, code version), then gives the
points' status, the fixed and swept parameters, the best design per group, the Pareto front of the
objectives, a Pareto plot (first two objectives), the effect of each swept parameter and the failures. Designs
with a ``supported`` result that is false (a target that cannot execute them, :mod:`hwsim.cost.support`) are
listed in their own section with the reason and enter no ranking, front or plot.
Objectives, groups and ranking come from the arguments or else from the spec's ``[report]`` table.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from hwsim.report import markdown as md
from hwsim.report.figures import effects_figure, pareto_figure
from hwsim.report.summary import best_per_group, check_columns, classify, designs, mark_pareto, rank
from hwsim.sweep.objectives import Objective, parse_objectives
from hwsim.sweep.storage import SweepDir

MAX_LISTED_VALUES = 8


@dataclass(frozen=True)
class ReportPaths:
    """Files written by :func:`write_report` (figures are ``None`` when there was nothing to plot)."""

    markdown: Path
    pareto_png: Path | None
    effects_png: Path | None


def _as_list(x: str | Sequence[str] | None) -> list[str]:
    if x is None:
        return []
    if isinstance(x, str):
        return [s.strip() for s in x.split(",") if s.strip()]
    return list(x)


def report_config(manifest: dict[str, Any], objectives: str | Sequence[str] | None = None,
                  group_by: str | Sequence[str] | None = None, rank_by: str | Sequence[str] | None = None
                  ) -> tuple[list[Objective], list[str], list[Objective]]:
    """Objectives, group columns and ranking: the arguments where given, else the manifest's ``report`` table.

    Raises :class:`~hwsim.sweep.errors.SpecError` (a ``ValueError``) for a malformed objective.
    """
    cfg = manifest.get("report", {}) or {}
    obj_src = objectives if objectives else cfg.get("objectives")
    objs = parse_objectives(obj_src, "objectives") if obj_src else []
    groups = _as_list(group_by) if group_by else _as_list(cfg.get("group_by"))
    rank_src = rank_by if rank_by else cfg.get("rank_by")
    ranks = parse_objectives(rank_src, "rank_by") if rank_src else list(objs)
    return objs, groups, ranks


def write_report(sweep_dir: str | Path, out_dir: str | Path | None = None, *,
                 objectives: str | Sequence[str] | None = None, group_by: str | Sequence[str] | None = None,
                 rank_by: str | Sequence[str] | None = None, title: str | None = None) -> ReportPaths:
    """Write ``report.md``, ``pareto.png`` and ``effects.png`` for the sweep in ``sweep_dir``.

    ``out_dir`` defaults to ``sweep_dir/report``. ``objectives``/``rank_by``: ``"column:min|max"`` entries
    (comma-separated string or list); ``group_by``: column names. Raises ``FileNotFoundError`` when
    ``sweep_dir`` holds no sweep and ``ValueError`` for an objective or group column that is not in the results.
    """
    sd = SweepDir(sweep_dir)
    if not sd.exists():
        raise FileNotFoundError(f"{sweep_dir}: no sweep here (expected sweep.json and parts/)")
    out = Path(out_dir) if out_dir is not None else sd.path / "report"
    out.mkdir(parents=True, exist_ok=True)
    manifest = sd.read_manifest() or {}
    objs, groups, ranks = report_config(manifest, objectives, group_by, rank_by)
    df = sd.load()
    plan = sd.read_plan()
    status = sd.status()
    ok = df[df["status"] == "ok"] if "status" in df.columns else df
    if len(ok):
        check_columns(df, [*objs, *ranks], groups)
    param_cols = manifest.get("param_columns") or ([c for c in plan.columns if c not in ("point_index", "point_hash")]
                                                   if plan is not None else [])
    varying = manifest.get("varying") or []
    cols = classify(df, param_cols, varying)
    table = designs(df, cols, objs, groups) if len(ok) else pd.DataFrame()
    # designs a target cannot execute (hwsim.cost.support) have no energy: listed apart, never ranked or plotted
    unsupported = pd.DataFrame()
    if "supported" in table.columns:
        sup = pd.to_numeric(table["supported"], errors="coerce").fillna(0) >= 1  # mean over seeds: all must run
        unsupported, table = table[~sup].reset_index(drop=True), table[sup].reset_index(drop=True)
    if len(ok):
        table = mark_pareto(table, objs, groups)
    cols = replace(cols, labels=[c for c in cols.labels if c != "unsupported_reason"],
                   numeric=[c for c in cols.numeric if c != "supported"])
    # a label result that is the same in every successful point (e.g. the channel list of a study) is stated once
    same = [c for c in cols.labels if c not in groups and len(ok) and ok[c].nunique(dropna=False) == 1]
    key_cols = list(dict.fromkeys([*groups, *cols.swept, *(c for c in cols.labels if c not in same)]))
    obj_cols = [o.column for o in dict.fromkeys([*ranks, *objs])]
    multi_seed = cols.has_seed and len(table) and int(table["n_seeds"].max()) > 1
    std_cols = [f"{c}_std" for c in obj_cols if f"{c}_std" in table.columns] if multi_seed else []
    extra = [c for c in _as_list(manifest.get("report", {}).get("columns"))
             if c in table.columns and c not in key_cols and c not in obj_cols]
    shown = [*key_cols, *obj_cols, *extra, *std_cols, *(["n_seeds"] if multi_seed else [])]

    lines: list[str] = []
    name = manifest.get("name") or sd.path.name
    lines.append(f"# {title or f'Sweep report: {name}'}\n")
    lines.append(f"Experiment `{manifest.get('experiment', '?')}` (`{manifest.get('experiment_ref', '?')}`), "
                 f"code version `{manifest.get('code_version', '?')}`. Every number below is read from the "
                 f"results stored in `{sd.path.resolve()}` "
                 f"({_dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}).\n")
    if manifest.get("files"):
        lines.append(f"Data files keyed into the results: {', '.join(f'`{f}`' for f in manifest['files'])}.\n")
    lines.append(md.table(pd.DataFrame([{
        "planned points": status["planned"], "ok": status["ok"], "failed": status["failed"],
        "remaining": status["remaining"], "compute time (s)": round(status["compute_s"], 3)}])))
    lines.append("")
    lines += _parameters_section(plan, param_cols, varying)
    if same:
        lines.append("\nSame in every result: " + ", ".join(f"`{c} = {md.fmt(ok[c].iloc[0])}`" for c in same) + ".\n")
    pareto_png = effects_png = None
    if not len(ok):
        lines.append("\nNo point finished successfully: no tables or figures.\n")
    elif not objs:
        lines.append("\nNo objectives given (`--objectives column:min,...` or `[report] objectives` in the spec): "
                     "Pareto front and best designs are not computed. Designs:\n")
        lines.append(md.table(table, [c for c in table.columns if c != "pareto" and (cols.has_seed or c != "n_seeds")]))
    else:
        avg = f" Numeric results are means over {int(table['n_seeds'].max())} seeds." if multi_seed else ""
        order = ", then ".join(f"{o.column} ({'lowest' if o.sense == 'min' else 'highest'})" for o in ranks)
        lines.append(f"\n## Best design {'per ' + ', '.join(groups) if groups else 'overall'}\n")
        lines.append(f"Ranked by {order}.{avg}\n")
        lines.append(md.table(best_per_group(table, ranks, groups), shown))
        if extra:
            lines.append("\n## All designs\n")
            lines.append(md.table(rank(table, ranks).sort_values(groups, kind="stable") if groups
                                  else rank(table, ranks), shown, max_rows=200))
        lines.append(f"\n## Pareto front{' per ' + ', '.join(groups) if groups else ''}\n")
        lines.append("Designs not dominated in " + ", ".join(f"{o.column} ({o.sense})" for o in objs) +
                     (f" within their {', '.join(groups)}" if groups else "") +
                     f": {int(table['pareto'].sum())} of {len(table)}.\n")
        front = rank(table[table["pareto"]], ranks)
        if groups:
            front = front.sort_values(groups, kind="stable")
        lines.append(md.table(front, shown))
        if len(objs) >= 2:
            pareto_png = pareto_figure(table, objs[0], objs[1], out / "pareto.png", groups,
                                       logx=manifest.get("report", {}).get("logx"),
                                       logy=manifest.get("report", {}).get("logy"))
            lines.append(f"\n![Pareto front: {objs[0].column} vs {objs[1].column}]({pareto_png.name})\n")
        effect_params = [p for p in [*cols.swept] if p not in groups] or cols.swept
        effects_png = effects_figure(df, effect_params, objs, out / "effects.png")
        if effects_png is not None:
            lines.append("\n## Effect of each swept parameter\n")
            lines.append("Mean ± standard deviation over every other parameter and seed.\n")
            lines.append(f"![Effect of the swept parameters]({effects_png.name})\n")
    if len(unsupported):
        lines.append("\n## Designs a target cannot execute\n")
        lines.append(f"{len(unsupported)} design(s) are not priced: the target class does not execute their operations "
                     "or number formats (energy and latency are undefined, not zero).\n")
        why = [c for c in key_cols if c in unsupported.columns] + (
            ["unsupported_reason"] if "unsupported_reason" in unsupported.columns else [])
        lines.append(md.table(unsupported, why, max_rows=200))
    if status["errors"]:
        lines.append("\n## Failures\n")
        lines.append(f"{status['failed']} points failed (stored with their error; `hwsim sweep SPEC --retry-failed` "
                     "runs them again).\n")
        lines.append(md.table(pd.DataFrame(status["errors"]), ["count", "error"]))
    path = out / "report.md"
    path.write_text("\n".join(lines).rstrip() + "\n")
    return ReportPaths(markdown=path, pareto_png=pareto_png, effects_png=effects_png)


def _parameters_section(plan: pd.DataFrame | None, param_cols: Sequence[str], varying: Sequence[str]) -> list[str]:
    if plan is None or not len(plan):
        return []
    lines = ["\n## Parameters\n"]
    fixed = [c for c in param_cols if c not in varying and c in plan.columns]
    if fixed:
        first = plan.iloc[0]
        lines.append("Fixed: " + ", ".join(f"`{c} = {md.fmt(first[c])}`" for c in fixed) + ".\n")
    rows = []
    for c in varying:
        if c not in plan.columns:
            continue
        vals = list(dict.fromkeys(plan[c].tolist()))
        shown = ", ".join(md.fmt(v) for v in vals[:MAX_LISTED_VALUES])
        if len(vals) > MAX_LISTED_VALUES:
            shown += ", …"
        rows.append({"swept parameter": c, "values": len(vals), "": shown})
    if rows:
        lines.append(md.table(pd.DataFrame(rows)))
    return lines
