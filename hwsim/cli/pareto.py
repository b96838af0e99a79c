"""``hwsim pareto DIR --objectives ...``: the Pareto front of a sweep's results."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--objectives", "-o", multiple=True, metavar="COLUMN:min|max[,...]",
              help="Objectives, e.g. energy_J:min,f0_5:max (default: the spec's [report] objectives).")
@click.option("--group-by", "-g", default=None, metavar="COLUMN[,...]",
              help="One front per group, e.g. target (default: the spec's [report] group_by).")
@click.option("--per-point", is_flag=True,
              help="Use every stored point rather than designs averaged over seeds.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the front to this CSV file.")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also draw the first two objectives with the front to this PNG file.")
def pareto(directory: Path, objectives: tuple[str, ...], group_by: str | None, per_point: bool,
           csv_path: Path | None, plot_path: Path | None) -> None:
    """Print the designs of the sweep in DIRECTORY that no other design beats in every objective.

    Seeds of one design are averaged first (unless --per-point); failed points are left out.
    """
    import pandas as pd

    from hwsim.report import markdown as md
    from hwsim.report.summary import Columns, check_columns, classify, designs, mark_pareto, rank
    from hwsim.report.writer import report_config
    from hwsim.sweep.errors import SpecError
    from hwsim.sweep.storage import SweepDir

    sd = SweepDir(directory)
    if not sd.exists():
        raise click.UsageError(f"{directory}: no sweep here (expected sweep.json and parts/)")
    manifest = sd.read_manifest() or {}
    try:
        objs, groups, _ = report_config(manifest, list(objectives) or None, group_by)
    except SpecError as exc:
        raise click.BadParameter(str(exc), param_hint="--objectives") from exc
    if not objs:
        raise click.UsageError("no objectives: give --objectives column:min,column:max (the spec's [report] "
                               "table names none)")
    df = sd.load()
    ok = df[df["status"] == "ok"]
    if not len(ok):
        raise click.ClickException(f"{directory}: no successful point yet")
    try:
        check_columns(df, objs, groups)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--objectives/--group-by") from exc
    cols = classify(df, manifest.get("param_columns", []), manifest.get("varying", []))
    if per_point:
        cols = Columns(swept=cols.swept + (["seed"] if cols.has_seed else []), has_seed=False, labels=cols.labels,
                       numeric=cols.numeric)
    table = mark_pareto(designs(df, cols, objs, groups), objs, groups)
    front = rank(table[table["pareto"]], [o for o in objs])
    if groups:
        front = front.sort_values(groups, kind="stable")
    shown = list(dict.fromkeys([*groups, *cols.swept, *cols.labels, *(o.column for o in objs)]))
    if cols.has_seed:
        shown.append("n_seeds")
    click.echo(f"Pareto front of {', '.join(map(str, objs))}{' per ' + ', '.join(groups) if groups else ''}: "
               f"{len(front)} of {len(table)} designs")
    click.echo(md.table(front, shown, max_rows=10_000))
    if csv_path:
        pd.DataFrame(front[shown]).to_csv(csv_path, index=False)
        click.echo(f"front: {csv_path}")
    if plot_path:
        if len(objs) < 2:
            raise click.UsageError("--plot needs two objectives")
        from hwsim.report.figures import pareto_figure

        cfg = manifest.get("report", {})
        pareto_figure(table, objs[0], objs[1], plot_path, groups, logx=cfg.get("logx"), logy=cfg.get("logy"),
                      design_by=[c for c in cols.swept if c not in groups and c != "seed"])
        click.echo(f"plot: {plot_path}")
