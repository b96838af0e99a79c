"""``hwsim cost MODEL``: the cost of one inference of a ``.onnx`` or ``.nir`` model on every hardware target."""

from __future__ import annotations

import math
from pathlib import Path

import click


def _num(x: float, unit: str) -> str:
    return "-" if not math.isfinite(x) else f"{x:.3g} {unit}"


@click.command("cost")
@click.argument("model", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--target", "-t", "targets", multiple=True, metavar="NAME",
              help="Target name (repeatable; default: every target of `hwsim targets list`).")
@click.option("--bits", "-b", "bits", multiple=True, metavar="FORMAT",
              help="Number format (repeatable): stored (the model's own), fp32, fp16, bf16 or int<N> (2..16: N-bit "
                   "integer weights, max(N, 8)-bit integer activations). Default: stored.")
@click.option("--out", "-o", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the table as CSV here (default: MODEL's name with .cost.csv, beside the model).")
@click.option("--batch", type=click.IntRange(min=1), default=1, show_default=True, help="ONNX batch size.")
@click.option("--steps", "n_steps", type=click.IntRange(min=1), default=100, show_default=True,
              help="NIR graphs: simulated time steps per inference.")
@click.option("--rate", "input_rate_Hz", type=click.FloatRange(min=0, min_open=True), default=None,
              help="NIR graphs: Poisson input rate [Hz] (default: the importer's).")
@click.option("--seed", type=int, default=0, show_default=True, help="NIR graphs: input RNG seed.")
def cost(model: Path, targets: tuple[str, ...], bits: tuple[str, ...], out: Path | None, batch: int, n_steps: int,
         input_rate_Hz: float | None, seed: int) -> None:
    """Cost one inference of MODEL (.onnx or .nir) on hardware targets: energy per inference [J], latency [s],
    memory [B], whether it fits, and whether the target executes it at all (with the reason when not)."""
    from rich.table import Table

    from hwsim.cli import make_console
    from hwsim.cost.network import cost_model
    from hwsim.targets.catalogue import TargetError

    try:
        df = cost_model(model, targets=targets or None, bits=bits or ("stored",), batch=batch, n_steps=n_steps,
                        input_rate_Hz=input_rate_Hz, seed=seed)
    except (ValueError, TargetError, ImportError) as exc:
        raise click.ClickException(str(exc)) from exc
    out = out if out is not None else model.with_suffix(".cost.csv")
    df.to_csv(out, index=False)
    table = Table(title=f"hwsim cost {model.name}: one inference")
    for col in ("target", "class", "bits", "energy", "latency", "memory", "fits", "supported"):
        table.add_column(col, overflow="fold", justify="right" if col in ("energy", "latency", "memory") else "left")
    for r in df.itertuples(index=False):
        sup = "yes" if r.supported else f"no: {r.unsupported_reason}"
        table.add_row(r.target, r.target_class, r.bits, _num(r.energy_J, "J"), _num(r.latency_s, "s"),
                      _num(r.memory_B, "B"), "yes" if r.fits else "no", sup)
    console = make_console()
    console.print(table)
    console.print(f"MACs {df['macs'].iloc[0]:.6g}, synaptic ops {df['synops'].iloc[0]:.6g} per inference "
                  f"(format {df['bits'].iloc[0]}). Table written to {out}")
