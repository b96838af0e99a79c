"""The ``hwsim`` command line (click). Sub-commands live one per module and are imported only when used,
so ``hwsim --help`` does not pay for JAX/Numba imports."""

from __future__ import annotations

import importlib
import importlib.util

import click

from hwsim import __version__

# name -> "module:attribute"; a command appears once its module exists.
COMMANDS: dict[str, str] = {
    "run": "hwsim.cli.run:run",
    "detect": "hwsim.cli.detect:detect",
    "sweep": "hwsim.cli.sweep:sweep",
    "pareto": "hwsim.cli.pareto:pareto",
    "report": "hwsim.cli.report:report",
    "targets": "hwsim.cli.targets:targets",
    "validate": "hwsim.cli.validate:validate",
    "bench": "hwsim.cli.bench:bench",
    "cost": "hwsim.cli.cost:cost",
}


class LazyGroup(click.Group):
    """A click group that imports each sub-command's module on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [n for n, target in COMMANDS.items() if importlib.util.find_spec(target.split(":")[0])]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        mod_name, attr = target.split(":")
        if importlib.util.find_spec(mod_name) is None:
            return None
        return getattr(importlib.import_module(mod_name), attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hwsim")
def cli() -> None:
    """hwsim: hardware simulation and co-design of brain-inspired and onboard AI."""


def main() -> None:
    cli()


def make_console():
    """A rich console; when output is not a terminal (pipes, CI logs) it is 200 columns wide instead of rich's
    default 80, so tables of long case names and sources stay readable."""
    import sys

    from rich.console import Console

    return Console() if sys.stdout.isatty() else Console(width=200)
