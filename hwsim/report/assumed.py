"""The assumed numbers behind a target's figures: the fields of its data file whose status is ``assumed``.

Every number of a target file (:mod:`hwsim.targets.schema`) carries a status (paper, datasheet, quoted,
derived, fitted, assumed); a reader of a cost figure needs to know how much of it rests on assumptions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hwsim.report.labels import number

ASSUMED = "assumed"


@dataclass(frozen=True)
class AssumedNumbers:
    """``target`` (its name), ``n_total`` numbers in its file, and ``assumed`` as ``(field, value, unit)``."""

    target: str
    n_total: int
    assumed: tuple[tuple[str, float, str], ...]

    def summary(self) -> str:
        """``"10 of 11 numbers of mtj_core are assumed"``."""
        n = len(self.assumed)
        return f"{n} of {self.n_total} numbers of {self.target} {'is' if n == 1 else 'are'} {ASSUMED}"

    def sentence(self) -> str:
        """:meth:`summary` followed by the fields with their values and units."""
        if not self.assumed:
            return f"None of the {self.n_total} numbers of {self.target} is {ASSUMED}."
        items = ", ".join(f"`{f}` = {number(v, 3)}{f' {u}' if u and u != '1' else ''}" for f, v, u in self.assumed)
        return f"{self.summary()}: {items}."


def assumed_numbers(target: str | Path) -> AssumedNumbers:
    """The assumed numbers of ``target``, a catalogue name (``"mtj_core"``) or a path to a target JSON file.

    Fields are named as in ``hwsim targets show`` (``params.synop_J``, ``macs_per_instr.int8``,
    ``memory.l2.bandwidth_B_per_s``); the ``params.`` prefix is dropped. Raises
    :class:`hwsim.targets.catalogue.TargetError` (a ``ValueError``) for an unknown name or a bad file.
    """
    from hwsim.targets.catalogue import load

    t = load(target)
    rows = t.provenance()
    assumed = tuple((r["field"].removeprefix("params."), float(r["value"]), str(r["unit"]))
                    for r in rows if r["status"] == ASSUMED)
    return AssumedNumbers(target=t.name, n_total=len(rows), assumed=assumed)
