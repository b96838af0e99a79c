"""``hwsim report DIR``: Markdown tables and matplotlib figures from a sweep folder."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for report.md and the figures (default: DIRECTORY/report).")
@click.option("--objectives", "-o", multiple=True, metavar="COLUMN:min|max[,...]",
              help="Objectives (default: the spec's [report] objectives); the first two are the Pareto plot's axes.")
@click.option("--group-by", "-g", default=None, metavar="COLUMN[,...]",
              help="Best design and front per group (default: the spec's [report] group_by).")
@click.option("--rank-by", default=None, metavar="COLUMN:min|max[,...]",
              help="Order of the designs in the tables (default: the spec's [report] rank_by, else the objectives); "
                   "the design chosen per group follows the spec's [report] choose rule.")
@click.option("--title", default=None, help="Report title.")
def report(directory: Path, out: Path | None, objectives: tuple[str, ...], group_by: str | None,
           rank_by: str | None, title: str | None) -> None:
    """Write a Markdown report (the design chosen per group and why, Pareto plots, fronts, effects, status,
    parameters, failures) and its figures for the sweep in DIRECTORY, and print where they are."""
    from hwsim.report.writer import write_report
    from hwsim.sweep.errors import SpecError

    try:
        paths = write_report(directory, out, objectives=list(objectives) or None, group_by=group_by,
                             rank_by=rank_by, title=title)
    except FileNotFoundError as exc:
        raise click.UsageError(str(exc)) from exc
    except (SpecError, ValueError) as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f"report: {paths.markdown}")
    for label, p in (("pareto plot", paths.pareto_png), ("effects plot", paths.effects_png)):
        if p is not None:
            click.echo(f"{label}: {p}")
