"""``hwsim run``: the built-in co-design study (hwsim/studies/default.toml) through the sweep engine,
then its results (Parquet), Pareto plot (PNG) and Markdown report."""

from __future__ import annotations

from pathlib import Path

import click

from hwsim.cli.sweep import EXECUTOR_CHOICES, execute


@click.command()
@click.argument("overrides", nargs=-1, metavar="[KEY=VALUES]...")
@click.option("--full", is_flag=True, help="Run the full study (the spec's [profiles.full]: every channel).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("hwsim-run"),
              show_default=True, help="Output folder; re-running into it resumes the study.")
@click.option("--executor", type=click.Choice(EXECUTOR_CHOICES), default="joblib", show_default=True,
              help="serial, joblib (local processes) or dask.")
@click.option("--n-jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: the usable CPUs).")
@click.option("--scheduler", default=None, metavar="ADDRESS", help="Dask scheduler address (with --executor dask).")
@click.option("--spec", "spec_path", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="Run this spec instead of the built-in study.")
@click.option("--retry-failed", is_flag=True, help="Run again the points stored as failed.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal).")
def run(overrides: tuple[str, ...], full: bool, out: Path, executor: str, n_jobs: int | None,
        scheduler: str | None, spec_path: Path | None, retry_failed: bool, progress: bool | None) -> None:
    """Run the built-in co-design study and print where its results, Pareto plot and report are.

    KEY=VALUES overrides change the study's parameters as in `hwsim sweep`. The default run uses the
    study's stated channel subset; --full applies its `full` profile.
    """
    from hwsim import studies
    from hwsim.report.writer import write_report
    from hwsim.sweep.errors import SpecError
    from hwsim.sweep.plan import make_plan
    from hwsim.sweep.spec import load_spec
    from hwsim.sweep.storage import SweepDir

    source = spec_path or studies.path("default")
    try:
        plan = make_plan(load_spec(source, profile="full" if full else None, overrides=overrides))
    except SpecError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f"study {plan.spec.name}{' (full)' if full else ''}: {plan.n_points} points of "
               f"{plan.experiment.name}; output in {out}")
    execute(plan, out, executor=executor, n_jobs=n_jobs, scheduler=scheduler, chunk_size=None,
            retry_failed=retry_failed, progress=progress)
    sd = SweepDir(out)
    results = sd.export(out / "results.parquet")
    try:
        paths = write_report(out, out / "report")
    except ValueError as exc:
        raise click.ClickException(f"results stored in {results}, but the report failed: {exc}") from exc
    click.echo(f"results: {results.resolve()}")
    if paths.pareto_png is not None:
        click.echo(f"pareto plot: {paths.pareto_png.resolve()}")
    click.echo(f"report: {paths.markdown.resolve()}")
