"""``hwsim targets``: list the hardware target catalogue and show one target's numbers with their provenance."""

from __future__ import annotations

import json
from collections import Counter

import click


@click.group()
def targets() -> None:
    """Hardware targets (data files in hwsim/targets/, every number with source and status)."""


@targets.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON records instead of a table.")
def list_targets(as_json: bool) -> None:
    """List every target: class, process node, description and how many numbers have each status."""
    from hwsim.targets.catalogue import TargetError, load, names

    rows = []
    for n in names():
        try:
            t = load(n)
        except TargetError as exc:
            rows.append({"name": n, "class": "?", "node_nm": None, "status": f"ERROR: {exc}", "description": ""})
            continue
        counts = Counter(r["status"] for r in t.provenance())
        rows.append({"name": n, "class": t.cls, "node_nm": t.p("node_nm"),
                     "status": ", ".join(f"{k} {v}" for k, v in sorted(counts.items())),
                     "description": t.description})
    if as_json:
        click.echo(json.dumps(rows, indent=1))
        return
    from rich.table import Table

    from hwsim.cli import make_console

    table = Table(title="hwsim targets")
    for col in ("name", "class", "node [nm]", "numbers by status", "description"):
        table.add_column(col, overflow="fold")
    for r in rows:
        node = "-" if r["node_nm"] is None else f"{r['node_nm']:g}"
        table.add_row(r["name"], r["class"], node, r["status"], r["description"])
    make_console().print(table)


@targets.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON records instead of a table.")
def show(name: str, as_json: bool) -> None:
    """Show every number of target NAME (or a path to a JSON file) with unit, status and source."""
    from hwsim.targets.catalogue import TargetError, load

    try:
        t = load(name)
    except TargetError as exc:
        raise click.BadParameter(str(exc), param_hint="NAME") from exc
    rows = t.provenance()
    if as_json:
        click.echo(json.dumps({"name": t.name, "class": t.cls, "description": t.description, "notes": t.notes,
                               "numbers": rows}, indent=1))
        return
    from rich.table import Table

    from hwsim.cli import make_console

    console = make_console()
    console.print(f"[bold]{t.name}[/] ({t.cls}): {t.description}")
    table = Table()
    for col in ("field", "value", "unit", "status", "source", "note"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["field"], f"{r['value']:.6g}", r["unit"], r["status"], r["source"], r["note"])
    console.print(table)
    if t.axes:
        ax = "; ".join(f"{a.size} PEs <- {'*'.join(a.dims)}" for a in t.axes)
        console.print(f"spatial ({t.spatial_mode}): {ax}")
    if t.sparsity_skip or t.sparsity_compressed:
        console.print(f"sparsity skipped: {list(t.sparsity_skip)}, stored compressed: {list(t.sparsity_compressed)}")
    if t.notes:
        console.print(f"notes: {t.notes}")
