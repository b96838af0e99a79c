"""``hwsim bench``: run benchmarks that compare hwsim with a peer tool or a published figure in one run."""

from __future__ import annotations

import json
import sys

import click


@click.command()
@click.argument("packages", nargs=-1)
@click.option("--quick", is_flag=True, help="Smaller sizes (still against the peer): a smoke pass.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of metric records.")
@click.option("--dir", "bench_dir", default=None, type=click.Path(file_okay=False),
              help="Folder holding bench_<package>.py files (default: the repository's benchmarks/).")
@click.option("--only", multiple=True, help="Run only the named benchmark(s).")
def bench(packages: tuple[str, ...], quick: bool, as_json: bool, bench_dir: str | None,
          only: tuple[str, ...]) -> None:
    """Run the registered benchmarks of PACKAGES (default: all) and print each measured ratio and its goal.

    Exit status 0 when every benchmark ran or was skipped with a reason; 1 if one raised an error.
    A goal that is not met is reported (met=false) but is not an error.
    """
    from hwsim.benchmarking import run
    from hwsim.harness import UnknownPackageError

    try:
        results = run(packages, quick=quick, bench_dir=bench_dir, only=only)
    except UnknownPackageError as exc:
        raise click.BadParameter(str(exc), param_hint="PACKAGES") from exc
    except FileNotFoundError as exc:
        raise click.UsageError(str(exc)) from exc
    if as_json:
        click.echo(json.dumps([row for r in results for row in r.to_json()], indent=1))
    else:
        from rich.table import Table

        from hwsim.cli import make_console

        table = Table(title="hwsim bench" + (" --quick" if quick else ""))
        for col in ("package", "benchmark", "metric", "value", "goal", "met", "note"):
            table.add_column(col, overflow="fold")
        for r in results:
            if r.status != "ok":
                colour = "yellow" if r.status == "skipped" else "red"
                table.add_row(r.package, r.benchmark, "-", "-", "-", f"[{colour}]{r.status}[/]",
                              r.reason.splitlines()[0] if r.reason else "")
                continue
            for m in r.metrics:
                goal = "-" if m.goal is None else f"{'≥' if m.higher_is_better else '≤'}{m.goal:g}"
                met = {None: "-", True: "[green]yes[/]", False: "[red]no[/]"}[m.met]
                table.add_row(r.package, r.benchmark, m.metric + (f" [{m.unit}]" if m.unit else ""),
                              f"{m.value:.4g}", goal, met, m.note)
        make_console().print(table)
        if not results:
            click.echo("no benchmarks registered for the selected packages", err=True)
    sys.exit(1 if any(r.status == "error" for r in results) else 0)
