"""Objectives for Pareto fronts and reports, written ``"column:min"`` or ``"column:max"``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hwsim.sweep.errors import SpecError

SENSES = ("min", "max")


@dataclass(frozen=True)
class Objective:
    """A result column and whether smaller (``"min"``) or larger (``"max"``) is better."""

    column: str
    sense: str

    def __str__(self) -> str:
        return f"{self.column}:{self.sense}"


def parse_objectives(spec: str | Iterable[str], key: str = "objectives") -> list[Objective]:
    """Parse ``"energy_J:min,f0_5:max"`` or ``["energy_J:min", "f0_5:max"]`` into :class:`Objective` s.

    Raises :class:`SpecError` (naming ``key``) for an entry without ``:min``/``:max``, a repeated column or
    an empty list.
    """
    items: list[str] = []
    for part in [spec] if isinstance(spec, str) else list(spec):
        if not isinstance(part, str):
            raise SpecError(f"{key}: entries must be strings like 'energy_J:min', got {part!r}", key=key)
        items.extend(s.strip() for s in part.split(",") if s.strip())
    if not items:
        raise SpecError(f"{key}: give at least one objective like 'energy_J:min'", key=key)
    out: list[Objective] = []
    for item in items:
        column, sep, sense = item.rpartition(":")
        if not sep or not column or sense not in SENSES:
            raise SpecError(f"{key}: {item!r} must look like 'column:min' or 'column:max'", key=key)
        if any(o.column == column for o in out):
            raise SpecError(f"{key}: column {column!r} is given twice", key=key)
        out.append(Objective(column, sense))
    return out
