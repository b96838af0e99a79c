"""``hwsim validate``: run the packages' known-answer cases and print a table (or JSON)."""

from __future__ import annotations

import json
import sys

import click

from hwsim import PACKAGES

TOLERANCE_SIGN = {"rel": "±", "abs": "±", "le": "≤", "ge": "≥", "factor": "×"}
"""How the table shows each comparison mode of :mod:`hwsim.harness` (``×4``: within a factor of 4)."""


@click.command()
@click.argument("packages", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of case results instead of a table.")
@click.option("-k", "select", default=None, help="Run only cases whose name contains this text.")
@click.option("--list", "list_only", is_flag=True, help="List the registered cases without running them.")
def validate(packages: tuple[str, ...], as_json: bool, select: str | None, list_only: bool) -> None:
    """Run the known-answer validation cases of PACKAGES (default: all of them).

    Exits 0 only if every selected case passes; 2 on unknown package names.
    """
    from hwsim.harness import UnknownPackageError, collect, run_case

    try:
        cases = collect(packages)
    except UnknownPackageError as exc:
        raise click.BadParameter(str(exc), param_hint="PACKAGES") from exc
    if select:
        cases = [c for c in cases if select.lower() in c.case.lower()]
    if list_only:
        for c in cases:
            click.echo(f"{c.package:8s} {c.case}  [{c.source}]")
        return
    if not cases:
        msg = f"no validation cases registered for {list(packages) or list(PACKAGES)}"
        if as_json:
            click.echo("[]")
        click.echo(msg, err=True)
        sys.exit(1)

    results = []
    if as_json:
        results = [run_case(c) for c in cases]
        click.echo(json.dumps([r.to_json() for r in results], indent=1))
    else:
        from rich.table import Table

        from hwsim.cli import make_console

        console = make_console()
        table = Table(title="hwsim validate", show_lines=False)
        for col in ("package", "case", "source", "expected", "got", "tolerance", "pass", "s"):
            table.add_column(col, overflow="fold")
        with console.status("running validation cases") as status:
            for c in cases:
                status.update(f"{c.package}: {c.case}")
                r = run_case(c)
                results.append(r)
                tol = f"{TOLERANCE_SIGN[r.mode]}{r.tolerance:g}" + (" rel" if r.mode == "rel" else "")
                table.add_row(r.package, r.case, r.source, _fmt(r.expected), _fmt(r.got), tol,
                              "[green]pass[/]" if r.passed else "[red]FAIL[/]", f"{r.seconds:.1f}")
        console.print(table)
        for r in results:
            if r.error:
                console.print(f"[red]{r.package}/{r.case}[/]: {r.error}")
        n_pass = sum(r.passed for r in results)
        console.print(f"{n_pass}/{len(results)} cases passed")
    sys.exit(0 if all(r.passed for r in results) else 1)


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.6g}"
