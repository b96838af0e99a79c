"""``hwsim report DIR``: a Markdown report with tables and figures from a sweep folder.

The report's first section gives the answer: per group (e.g. per hardware target) the design chosen by a stated
rule (:mod:`hwsim.report.choice`: by default the lowest energy whose quality is within 0.02 of the best) and a
sentence that says why in numbers, the Pareto plots per group (small multiples, designs labelled) and, per target,
the numbers of its data file that are assumed (:mod:`hwsim.report.assumed`). Then all designs, the Pareto fronts,
the effect of each swept parameter, where the numbers come from (status, parameters) and the failures. Designs
with a ``supported`` result that is false (a target that cannot execute them, :mod:`hwsim.cost.support`) are
listed in their own section with the reason and enter no ranking, front or plot.
Objectives, groups, ranking and the choice rule come from the arguments or else from the spec's ``[report]``
table. The report names files relative to its own folder, never by absolute path.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from hwsim.report import markdown as md
from hwsim.report.assumed import AssumedNumbers, assumed_numbers
from hwsim.report.choice import Choice, ChoiceRule, choice_rule, choose, design_names
from hwsim.report.figures import effects_figure, pareto_figure
from hwsim.report.labels import label
from hwsim.report.summary import check_columns, classify, designs, mark_pareto, rank
from hwsim.sweep.objectives import Objective, parse_objectives
from hwsim.sweep.storage import SweepDir

MAX_LISTED_VALUES = 8
TARGET_COLUMN = "target"
"""The group column whose values are hardware targets (catalogue names or target JSON files)."""

_ABS_PATH = re.compile(r"(?<![\w.:/~-])/(?:[^\s/`'\"|()\[\]<>,;*]+/)*[^\s/`'\"|()\[\]<>,;*]+")


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


def relative_paths(text: str, report_dir: Path) -> str:
    """``text`` with every absolute POSIX path replaced by its path relative to ``report_dir`` when it lies in
    the folder above it (the sweep folder), else by its last component (a file name)."""
    base = report_dir.resolve().parent

    def sub(m: re.Match) -> str:
        p = Path(m.group(0))
        try:
            p.relative_to(base)
        except ValueError:
            return p.name or m.group(0)
        return os.path.relpath(p, report_dir.resolve())

    return _ABS_PATH.sub(sub, text)


def _target_files(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Targets given as JSON files are shown by file name; returns the renamed results and name -> given path."""
    if TARGET_COLUMN not in df.columns:
        return df, {}
    files = {Path(v).name: v for v in df[TARGET_COLUMN].dropna().unique()
             if isinstance(v, str) and v.endswith(".json")}
    if not files:
        return df, {}
    out = df.copy()
    out[TARGET_COLUMN] = out[TARGET_COLUMN].map(lambda v: Path(v).name if v in files.values() else v)
    return out, files


def _assumed(targets: Sequence[str], files: Mapping[str, str], sweep_dir: Path) -> dict[str, AssumedNumbers | str]:
    """Assumed numbers per target name; a message instead where the target cannot be read."""
    out: dict[str, AssumedNumbers | str] = {}
    for t in targets:
        given = files.get(t, t)
        cands = [Path(given)] if Path(given).is_absolute() else [Path(given), sweep_dir / given,
                                                                  sweep_dir.parent / given]
        src = next((c for c in cands if c.suffix == ".json" and c.exists()), given)
        try:
            out[t] = assumed_numbers(src)
        except ValueError as exc:
            reason = "a target file that cannot be read" if str(given).endswith(".json") else \
                "not a target of the catalogue"
            out[t] = f"{t}: {reason} ({type(exc).__name__}), so its assumed numbers are not listed"
    return out


def _design_columns(table: pd.DataFrame, candidates: Sequence[str], groups: Sequence[str]) -> list[str]:
    """The ``candidates`` that tell designs apart within a group (a label fixed by the group, such as a target's
    class, does not)."""
    if not len(table) or not groups:
        return list(candidates)
    g = table.groupby(list(groups), dropna=False, sort=False)
    return [c for c in candidates if c in table.columns and (g[c].nunique(dropna=False) > 1).any()]


def _panel_notes(assumed: Mapping[str, AssumedNumbers | str], unsupported: pd.DataFrame, groups: Sequence[str],
                 design_by: Sequence[str]) -> dict[str, str]:
    """A line per Pareto panel: how many of the target's numbers are assumed, which designs it cannot execute."""
    notes: dict[str, list[str]] = {}
    for t, a in assumed.items():
        if isinstance(a, AssumedNumbers):
            notes.setdefault(t, []).append(f"{len(a.assumed)} of {a.n_total} target numbers assumed")
    if len(unsupported) and groups and all(c in unsupported.columns for c in [*groups, *design_by]):
        for key, sub in unsupported.groupby(list(groups), dropna=False, sort=True):
            key = key if isinstance(key, tuple) else (key,)
            names = ", ".join(dict.fromkeys(design_names(sub, design_by)))
            notes.setdefault(", ".join(map(str, key)), []).append(f"cannot execute: {names}")
    return {k: "\n".join(v) for k, v in notes.items()}


def _answer_section(table: pd.DataFrame, rule: ChoiceRule | None, groups: Sequence[str], design_by: Sequence[str],
                    shown: Sequence[str], multi_seed: bool) -> tuple[list[str], list[Choice]]:
    where = ", ".join(groups)
    lines = [f"\n## Best design {'per ' + where if groups else 'overall'}\n"]
    if rule is None:
        lines.append("No choice rule: it needs a quality (a `:max` objective) and a cost (a `:min` objective), from "
                     "the objectives or the spec's `[report] choose` table.\n")
        return lines, []
    choices = choose(table, rule, groups, design_by)
    avg = " Numbers are means over the seeds of a design." if multi_seed else ""
    ref = ", ".join(f"{k} = {v!r}" for k, v in rule.reference)
    ref_text = f", reference = {{{ref}}}".replace("'", '"') if ref else ""
    lines.append(f"Rule: choose {rule.describe(where)} (`[report] choose = {{quality = \"{rule.quality}\", "
                 f"cost = \"{rule.cost}\", tolerance = {rule.tolerance:g}{ref_text}}}`).{avg}\n")
    if not choices:
        lines.append(f"No design has both a {label(rule.quality.column).name} and a "
                     f"{label(rule.cost.column).name}.\n")
        return lines, []
    lines += [f"- {c.sentence}" for c in choices]
    lines.append("")
    lines.append(md.table(table.loc[[c.chosen for c in choices]], shown))
    return lines, choices


def write_report(sweep_dir: str | Path, out_dir: str | Path | None = None, *,
                 objectives: str | Sequence[str] | None = None, group_by: str | Sequence[str] | None = None,
                 rank_by: str | Sequence[str] | None = None, title: str | None = None) -> ReportPaths:
    """Write ``report.md``, ``pareto.png`` and ``effects.png`` for the sweep in ``sweep_dir``.

    ``out_dir`` defaults to ``sweep_dir/report``. ``objectives``/``rank_by``: ``"column:min|max"`` entries
    (comma-separated string or list); ``group_by``: column names. The choice rule is the spec's
    ``[report] choose`` table (:mod:`hwsim.report.choice`; defaults from the objectives). Raises
    ``FileNotFoundError`` when ``sweep_dir`` holds no sweep and ``ValueError`` for an objective, group or choice
    column that is not in the results or a malformed ``choose`` table.
    """
    sd = SweepDir(sweep_dir)
    if not sd.exists():
        raise FileNotFoundError(f"{sweep_dir}: no sweep here (expected sweep.json and parts/)")
    out = Path(out_dir) if out_dir is not None else sd.path / "report"
    out.mkdir(parents=True, exist_ok=True)
    manifest = sd.read_manifest() or {}
    cfg = manifest.get("report", {}) or {}
    objs, groups, ranks = report_config(manifest, objectives, group_by, rank_by)
    rule = choice_rule(cfg.get("choose"), [*objs, *ranks])
    df, target_files = _target_files(sd.load())
    plan = sd.read_plan()
    status = sd.status()
    ok = df[df["status"] == "ok"] if "status" in df.columns else df
    if len(ok):
        check_columns(df, [*objs, *ranks, *([rule.quality, rule.cost] if rule else [])], groups)
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
    design_by = _design_columns(table, [c for c in key_cols if c not in groups], groups)
    obj_cols = [o.column for o in dict.fromkeys([*ranks, *objs])]
    multi_seed = bool(cols.has_seed and len(table) and int(table["n_seeds"].max()) > 1)
    std_cols = [f"{c}_std" for c in obj_cols if f"{c}_std" in table.columns] if multi_seed else []
    extra = [c for c in _as_list(cfg.get("columns")) if c in table.columns and c not in key_cols and c not in obj_cols]
    shown = [*key_cols, *obj_cols, *extra, *std_cols, *(["n_seeds"] if multi_seed else [])]

    lines: list[str] = []
    name = manifest.get("name") or sd.path.name
    lines.append(f"# {title or f'Sweep report: {name}'}\n")
    rel = os.path.relpath(sd.path.resolve(), out.resolve())
    lines.append(f"Experiment `{manifest.get('experiment', '?')}` (`{manifest.get('experiment_ref', '?')}`), "
                 f"code version `{manifest.get('code_version', '?')}`. Every number below is read from the "
                 f"results stored in the sweep folder `{rel}` (relative to this report), "
                 f"{_dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}.\n")
    pareto_png = effects_png = None
    if not len(ok):
        lines.append("\nNo point finished successfully: no tables or figures.\n")
    elif not objs:
        lines.append("\nNo objectives given (`--objectives column:min,...` or `[report] objectives` in the spec): "
                     "Pareto front and best designs are not computed. Designs:\n")
        lines.append(md.table(table, [c for c in table.columns if c != "pareto" and (cols.has_seed or c != "n_seeds")]))
    else:
        answer, choices = _answer_section(table, rule, groups, design_by, shown, multi_seed)
        lines += answer
        if len(objs) >= 2:
            targets = sorted(map(str, table[TARGET_COLUMN].dropna().unique())) if TARGET_COLUMN in groups else []
            assumed = _assumed(targets, target_files, sd.path)
            notes = _panel_notes(assumed if groups == [TARGET_COLUMN] else {}, unsupported, groups, design_by)
            pareto_png = pareto_figure(table, objs[0], objs[1], out / "pareto.png", groups,
                                       logx=cfg.get("logx"), logy=cfg.get("logy"), design_by=design_by,
                                       chosen=[c.chosen for c in choices], notes=notes)
            lines.append(f"\n![Pareto front per {', '.join(groups) or 'sweep'}: "
                         f"{label(objs[1].column).quantity} vs {label(objs[0].column).quantity}]({pareto_png.name})\n")
            lines.append("Each panel is one " + (", ".join(groups) or "sweep") + "; colour and marker name the "
                         "design, the grey step line is the Pareto front" +
                         (", the ring marks the chosen design.\n" if choices else ".\n"))
            if assumed:
                lines.append("Assumed numbers behind each target's figure (status `assumed` in its data file; "
                             "`hwsim targets show NAME` gives every number with its source):\n")
                lines += [f"- {a.sentence() if isinstance(a, AssumedNumbers) else a}" for a in assumed.values()]
                lines.append("")
        order = ", then ".join(f"{o.column} ({'lowest' if o.sense == 'min' else 'highest'})" for o in ranks)
        avg = f" Numeric results are means over {int(table['n_seeds'].max())} seeds." if multi_seed else ""
        if extra:
            lines.append("\n## All designs\n")
            lines.append(md.table(rank(table, ranks).sort_values(groups, kind="stable") if groups
                                  else rank(table, ranks), shown, max_rows=200))
        lines.append(f"\n## Pareto front{' per ' + ', '.join(groups) if groups else ''}\n")
        lines.append("Designs not dominated in " + ", ".join(f"{o.column} ({o.sense})" for o in objs) +
                     (f" within their {', '.join(groups)}" if groups else "") +
                     f": {int(table['pareto'].sum())} of {len(table)}. Ranked by {order}.{avg}\n")
        front = rank(table[table["pareto"]], ranks)
        if groups:
            front = front.sort_values(groups, kind="stable")
        lines.append(md.table(front, shown))
        effect_params = [p for p in [*cols.swept] if p not in groups] or cols.swept
        effects_png = effects_figure(df, effect_params, objs, out / "effects.png")
        if effects_png is not None:
            lines.append("\n## Effect of each swept parameter\n")
            lines.append("Each objective over every other parameter and seed: quantities that are positive and span "
                         "more than two decades as the geometric mean on a log axis with bars of one geometric "
                         "standard deviation factor, others as mean ± standard deviation (cut at zero for "
                         "non-negative quantities).\n")
            lines.append(f"![Effect of the swept parameters]({effects_png.name})\n")
    lines.append("\n## Where the numbers come from\n")
    if manifest.get("files"):
        lines.append(f"Data files keyed into the results: {', '.join(f'`{f}`' for f in manifest['files'])}.\n")
    lines.append(md.table(pd.DataFrame([{
        "planned points": status["planned"], "ok": status["ok"], "failed": status["failed"],
        "remaining": status["remaining"], "compute time (s)": round(status["compute_s"], 3)}])))
    lines.append("")
    lines += _parameters_section(plan, param_cols, varying)
    if same:
        lines.append("\nSame in every result: " + ", ".join(f"`{c} = {md.fmt(ok[c].iloc[0])}`" for c in same) + ".\n")
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
    path.write_text(relative_paths("\n".join(lines).rstrip() + "\n", out))
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
