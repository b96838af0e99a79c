"""``hwsim run``: the built-in co-design study (hwsim/studies/default.toml) through the sweep engine,
then its results (Parquet), Pareto plot (PNG) and Markdown report.

When stdout is not a terminal (CI logs, ``nohup``), progress is printed as lines: one per stage (plan, run,
results, report) and one each time stored points change (``3/9 points stored (0 failed), 95 s``), with a
heartbeat line at least every :data:`HEARTBEAT_S` seconds; a study of at most :data:`ONE_PER_CHUNK_MAX` points
then runs one point per chunk, so each finished point is stored (and counted) at once. Python warnings raised in
this process while the study runs (third-party ones such as joblib/loky's) go to the run's log file ``OUT/run.log``
instead of the terminal. The exit status is
:data:`hwsim.cli.sweep.FAILED_EXIT_CODE` when planned points are stored as failed (``--keep-going``: 0), after the
report of the points that did finish is written.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import click

from hwsim.cli.sweep import EXECUTOR_CHOICES, execute, exit_if_failed

HEARTBEAT_S = 60.0
"""Longest silence (s) of the progress lines while points run."""
POLL_S = 2.0
"""How often (s) the progress lines look at the stored points."""
ONE_PER_CHUNK_MAX = 200
"""Largest study run one point per chunk with progress lines (larger ones keep the engine's chunks: fewer files)."""


def _line(msg: str) -> None:
    click.echo(f"[{time.strftime('%H:%M:%S')}] {msg}")


@contextlib.contextmanager
def _progress_lines(out: Path, n_points: int, enabled: bool) -> Iterator[None]:
    """Print a line whenever the stored points of ``out`` change, and a heartbeat (module doc)."""
    if not enabled:
        yield
        return
    from hwsim.sweep.storage import SweepDir

    stop = threading.Event()
    t0 = time.monotonic()

    def watch() -> None:
        last, last_t = None, time.monotonic()
        while not stop.wait(POLL_S):
            try:
                st = SweepDir(out).status()
            except (OSError, ValueError):     # a part being written: look again at the next poll
                continue
            now = (st["ok"], st["failed"])
            if now != last or time.monotonic() - last_t >= HEARTBEAT_S:
                word = "points stored" if now != last else "points stored, still running"
                _line(f"{sum(now)}/{n_points} {word} ({now[1]} failed), {time.monotonic() - t0:.0f} s")
                last, last_t = now, time.monotonic()

    th = threading.Thread(target=watch, name="hwsim-run-progress", daemon=True)
    th.start()
    try:
        yield
    finally:
        stop.set()
        th.join()
        st = SweepDir(out).status()
        _line(f"{st['ok'] + st['failed']}/{n_points} points stored ({st['failed']} failed), "
              f"{time.monotonic() - t0:.0f} s")


@contextlib.contextmanager
def _warnings_to(log_path: Path) -> Iterator[None]:
    """Route Python warnings of this process to ``log_path`` (appended) instead of stderr while the block runs."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    logger = logging.getLogger("py.warnings")
    old_propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    logging.captureWarnings(True)
    try:
        yield
    finally:
        logging.captureWarnings(False)
        logger.removeHandler(handler)
        logger.propagate = old_propagate
        handler.close()


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
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on a terminal, progress lines otherwise (default: on).")
@click.option("--keep-going", is_flag=True, help="Exit 0 even when points failed (they are named either way).")
def run(overrides: tuple[str, ...], full: bool, out: Path, executor: str, n_jobs: int | None,
        scheduler: str | None, spec_path: Path | None, retry_failed: bool, progress: bool | None,
        keep_going: bool) -> None:
    """Run the built-in co-design study and print where its results, Pareto plot and report are.

    KEY=VALUES overrides change the study's parameters as in `hwsim sweep`. The default run uses the
    study's stated channel subset; --full applies its `full` profile. Warnings go to OUT/run.log; the exit
    status is 1 when points failed (unless --keep-going).
    """
    from hwsim import studies
    from hwsim.report.writer import write_report
    from hwsim.sweep.errors import SpecError
    from hwsim.sweep.plan import make_plan
    from hwsim.sweep.spec import load_spec
    from hwsim.sweep.storage import SweepDir

    lines = progress is not False and not sys.stdout.isatty()
    source = spec_path or studies.path("default")
    try:
        plan = make_plan(load_spec(source, profile="full" if full else None, overrides=overrides))
    except SpecError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f"study {plan.spec.name}{' (full)' if full else ''}: {plan.n_points} points of "
               f"{plan.experiment.name}; output in {out}")
    log = out / "run.log"
    if lines:
        _line(f"running {plan.n_points} points with {executor}; warnings go to {log}")
    with _warnings_to(log):
        with _progress_lines(out, plan.n_points, lines):
            execute(plan, out, executor=executor, n_jobs=n_jobs, scheduler=scheduler,
                    chunk_size=1 if lines and plan.n_points <= ONE_PER_CHUNK_MAX else None,
                    retry_failed=retry_failed, progress=False if lines else progress)
        if lines:
            _line("exporting the results")
        sd = SweepDir(out)
        results = sd.export(out / "results.parquet")
        if lines:
            _line("writing the report")
        try:
            paths = write_report(out, out / "report")
        except ValueError as exc:
            raise click.ClickException(f"results stored in {results}, but the report failed: {exc}") from exc
    click.echo(f"results: {results.resolve()}")
    if paths.pareto_png is not None:
        click.echo(f"pareto plot: {paths.pareto_png.resolve()}")
    click.echo(f"report: {paths.markdown.resolve()}")
    exit_if_failed(out, keep_going)
