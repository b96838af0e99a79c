"""``hwsim sweep``: run a study spec (resumable), and inspect or compact a sweep folder.

``hwsim sweep SPEC [key=a,b,c ...]`` runs (or resumes) the spec; ``hwsim sweep status DIR`` and
``hwsim sweep compact DIR`` look after a sweep folder; ``hwsim sweep list`` names the registered experiments.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

EXECUTOR_CHOICES = ("serial", "joblib", "dask")


class DefaultGroup(click.Group):
    """A group whose first argument, when it is not a sub-command, goes to the default command ``run``."""

    default_command = "run"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, "SPEC [OPTIONS] [KEY=VALUES]...  |  COMMAND [ARGS]...")


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt while the block runs, so finished points are stored on `kill`."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def execute(spec: Any, out: Path, *, executor: str, n_jobs: int | None, scheduler: str | None,
            chunk_size: int | None, retry_failed: bool, progress: bool | None, force: bool = False) -> Any:
    """Run a loaded spec from the command line: clear errors, Ctrl-C/SIGTERM handling, a one-line summary.
    ``force`` lets a study run into a folder holding another study's sweep."""
    from hwsim.sweep.engine import run_sweep
    from hwsim.sweep.errors import SpecError, SweepLockedError

    if scheduler and executor != "dask":
        raise click.UsageError("--scheduler needs --executor dask")
    try:
        with sigterm_as_interrupt():
            res = run_sweep(spec, out, executor=executor, n_jobs=n_jobs, scheduler=scheduler,
                            chunk_size=chunk_size, retry_failed=retry_failed, progress=progress, force=force)
    except (SpecError, ValueError) as exc:  # bad spec or executor settings, raised before any work starts
        raise click.UsageError(str(exc)) from exc
    except SweepLockedError as exc:
        raise click.ClickException(str(exc)) from exc
    except KeyboardInterrupt:
        click.echo(f"\ninterrupted: every finished point is stored in {out}; run the same command again to resume",
                   err=True)
        sys.exit(130)
    except RuntimeError as exc:  # an executor that stopped (cluster unreachable, worker pool broken)
        raise click.ClickException(str(exc)) from exc
    workers = "" if executor == "serial" else f" ({n_jobs or 'auto'} workers)" if not scheduler else \
        f" (scheduler {scheduler})"
    name = spec.spec.name if hasattr(spec, "spec") else spec.name
    click.echo(f"sweep {name}: {res.n_points} points, {res.n_skipped} already stored; ran {res.n_run} with "
               f"{executor}{workers} in chunks of {res.chunk_size}: {res.n_ok} ok, {res.n_failed} failed, "
               f"{res.seconds:.1f} s")
    return res


FAILED_EXIT_CODE = 1
"""Exit status of ``hwsim sweep`` when any planned point is stored as failed (``--keep-going``: 0)."""


def exit_if_failed(out: Path, keep_going: bool) -> None:
    """Exit with :data:`FAILED_EXIT_CODE` when points of the folder's current plan are stored as failed
    (in this run or an earlier one), unless ``keep_going``; the failures are named on stderr either way."""
    from hwsim.sweep.storage import SweepDir

    st = SweepDir(out).status()
    if not st["failed"]:
        return
    top = st["errors"][0]["error"].splitlines()[0] if st["errors"] else "?"
    click.echo(f"{st['failed']} of {st['planned']} points failed (commonest: {top}); `hwsim sweep status {out}` "
               f"lists the errors, --retry-failed runs them again", err=True)
    if not keep_going:
        sys.exit(FAILED_EXIT_CODE)


@click.group(cls=DefaultGroup)
def sweep() -> None:
    """Run a study spec over its parameter grid, resumably, or inspect a sweep folder.

    \b
    hwsim sweep SPEC [--out DIR] [--executor serial|joblib|dask] [--n-jobs N] [--scheduler ADDRESS] [key=a,b,c]
    hwsim sweep status DIR       points done, failed, remaining; top errors
    hwsim sweep compact DIR      merge the Parquet parts into one
    hwsim sweep list             registered experiments
    """


@sweep.command("run")
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("overrides", nargs=-1, metavar="[KEY=VALUES]...")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: sweeps/<spec name>). Re-running into it resumes.")
@click.option("--executor", type=click.Choice(EXECUTOR_CHOICES), default="joblib", show_default=True,
              help="serial: this process; joblib: local worker processes (loky); dask: a Dask cluster.")
@click.option("--n-jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes for joblib or a local Dask cluster (default: the usable CPUs).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Dask scheduler to connect to, e.g. tcp://10.0.0.5:8786 (default: a LocalCluster on 127.0.0.1).")
@click.option("--chunk-size", type=click.IntRange(min=1), default=None,
              help="Points per task and per Parquet part (default: the spec's, else up to 50).")
@click.option("--profile", default=None, help="Apply the spec's [profiles.NAME] table.")
@click.option("--retry-failed", is_flag=True, help="Run again the points stored as failed.")
@click.option("--dry-run", is_flag=True, help="Check the spec and print its points; run nothing.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a terminal).")
@click.option("--keep-going", is_flag=True,
              help=f"Exit 0 even when points failed (default: exit {FAILED_EXIT_CODE} when any point failed).")
@click.option("--force", is_flag=True, help="Run into an --out folder that holds another study's sweep.")
def run_cmd(spec: Path, overrides: tuple[str, ...], out: Path | None, executor: str, n_jobs: int | None,
            scheduler: str | None, chunk_size: int | None, profile: str | None, retry_failed: bool,
            dry_run: bool, progress: bool | None, keep_going: bool, force: bool) -> None:
    """Run (or resume) the study SPEC (a TOML file, or the name of a study shipped in hwsim/studies), with
    KEY=VALUES overrides (key=v fixes, key=a,b,c sweeps).

    The spec and overrides are checked against the experiment before any work starts. Each finished chunk
    is stored atomically in OUT/parts; a point that raises is stored with its error and the sweep goes on;
    re-running the same command skips every stored point. The exit status is 1 when any point failed (0 with
    --keep-going). An OUT folder holding another study (experiment or spec name) is refused unless --force.
    """
    from hwsim.sweep.errors import SpecError
    from hwsim.sweep.plan import make_plan
    from hwsim.sweep.spec import load_spec

    spec = resolve_spec_path(spec)
    try:
        loaded = load_spec(spec, profile=profile, overrides=overrides)
        plan = make_plan(loaded)
    except SpecError as exc:
        raise click.UsageError(str(exc)) from exc
    out = out or Path("sweeps") / loaded.name
    if plan.n_duplicates:
        click.echo(f"note: {plan.n_duplicates} repeated points dropped (identical parameters)", err=True)
    if dry_run:
        _print_plan(plan)
        return
    execute(plan, out, executor=executor, n_jobs=n_jobs, scheduler=scheduler, chunk_size=chunk_size,
            retry_failed=retry_failed, progress=progress, force=force)
    click.echo(f"results: {out}  (hwsim sweep status {out}; hwsim report {out})")
    exit_if_failed(out, keep_going)


def resolve_spec_path(spec: Path) -> Path:
    """``spec`` itself when it is a file, else the shipped study of that name (``hwsim sweep encoders``)."""
    if spec.is_file() or spec.suffix:
        return spec
    from hwsim import studies

    if str(spec) in studies.names():
        return studies.path(str(spec))
    raise click.UsageError(f"spec file {str(spec)!r} not found, nor a shipped study ({', '.join(studies.names())})")


def _print_plan(plan: Any) -> None:
    from hwsim.report.markdown import fmt

    click.echo(f"experiment {plan.experiment.name} ({plan.experiment.ref}), code version {plan.code_version}")
    click.echo(f"{plan.n_points} points; swept: {', '.join(plan.spec.varying) or '(nothing)'}")
    for i, p in enumerate(plan.params[:10]):
        click.echo(f"  {i:4d} {plan.hashes[i][:12]}  " + " ".join(f"{k}={fmt(v)}" for k, v in p.items()))
    if plan.n_points > 10:
        click.echo(f"  ... {plan.n_points - 10} more")


@sweep.command("status")
@click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
def status_cmd(directory: Path, as_json: bool) -> None:
    """Points planned, finished, failed and remaining in the sweep folder DIRECTORY; the commonest errors."""
    from hwsim.sweep.storage import SweepDir

    sd = SweepDir(directory)
    if not sd.exists():
        raise click.UsageError(f"{directory}: no sweep here (expected sweep.json and parts/)")
    st = sd.status()
    if as_json:
        click.echo(json.dumps(st, indent=1))
        return
    done = st["ok"] + st["failed"]
    pct = 100.0 * done / st["planned"] if st["planned"] else 100.0
    click.echo(f"sweep {st['name']} in {st['dir']}")
    click.echo(f"experiment {st['experiment']} ({st['experiment_ref']}), code version {st['code_version']}")
    click.echo(f"points: {st['planned']} planned, {st['ok']} ok, {st['failed']} failed, {st['remaining']} remaining "
               f"({pct:.1f} % done)")
    mean = f", {st['mean_point_s']:.3g} s per point" if st["mean_point_s"] is not None else ""
    click.echo(f"storage: {st['parts']} parts, {st['temporary_files']} leftover temporary files; "
               f"compute {st['compute_s']:.1f} s{mean}")
    if st["rows_from_other_plans"]:
        click.echo(f"{st['rows_from_other_plans']} stored points belong to an earlier plan (other parameters, "
                   "code version or data files); `hwsim sweep compact --drop-stale` removes them")
    for e in st["errors"]:
        click.echo(f"  {e['count']:5d} x {e['error']}")


@sweep.command("compact")
@click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--drop-stale", is_flag=True, help="Also drop points that are not in the current plan.")
def compact_cmd(directory: Path, drop_stale: bool) -> None:
    """Merge the Parquet parts of DIRECTORY into one (each point once) and remove leftover temporary files."""
    from hwsim.sweep.errors import SweepLockedError
    from hwsim.sweep.storage import SweepDir

    sd = SweepDir(directory)
    if not sd.exists():
        raise click.UsageError(f"{directory}: no sweep here (expected sweep.json and parts/)")
    try:
        res = sd.compact(drop_stale=drop_stale)
    except SweepLockedError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"compacted {directory}: {res['parts_before']} parts -> {res['parts_after']}, {res['rows']} rows")


@sweep.command("list")
def list_cmd() -> None:
    """The registered experiments (name -> module:function) and whether their module is present."""
    from hwsim.experiments import available, registered

    for name, ref in sorted(registered().items()):
        click.echo(f"{name:28s} {ref:50s} {'' if available(name) else '(module not present)'}")
