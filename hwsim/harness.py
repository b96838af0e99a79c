"""Known-answer validation harness behind ``hwsim validate`` and the test suite.

Every package ``P`` in :data:`hwsim.PACKAGES` may register cases in a module ``P/validation.py`` exposing

    def cases() -> list[dict]

Each dict describes one case (plain dicts keep ``devices`` and ``sensors`` free of project imports):

=============  =====================================================================================
key            meaning
=============  =====================================================================================
``case``       short unique name, e.g. ``"D3 Kittel FMR 0.05 T"``
``source``     where the expected value comes from (paper DOI/arXiv, standard, datasheet, analytic)
``expected``   float, or a zero-argument callable computing it (expected values are computed, not copied)
``tolerance``  float >= 0, interpreted by ``mode``
``compute``    zero-argument callable returning the measured value ``got`` (float), or a mapping with
               ``"got"`` and optionally ``"expected"`` (when the same run yields both) and ``"details"``
``mode``       ``"rel"`` (default): abs(got - expected) <= tolerance * abs(expected);
               ``"abs"``: abs(got - expected) <= tolerance;
               ``"le"``: got <= expected + tolerance;  ``"ge"``: got >= expected - tolerance;
               ``"factor"``: got and expected positive and max(got/expected, expected/got) <= tolerance
               (tolerance >= 1; for order-of-magnitude references such as closed-form estimates)
``unit``       optional unit string for display
=============  =====================================================================================

A case whose ``compute`` raises is reported as failed with the error text (never as passed).
"""

from __future__ import annotations

import importlib
import math
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hwsim import PACKAGES

MODES = ("rel", "abs", "le", "ge", "factor")


class UnknownPackageError(ValueError):
    """Raised for a package name that is not one of :data:`hwsim.PACKAGES`."""


@dataclass(frozen=True)
class ValidationCase:
    """One known-answer case: compare ``compute()`` with ``expected`` under ``mode`` and ``tolerance``."""

    package: str
    case: str
    source: str
    expected: float | Callable[[], float]
    tolerance: float
    compute: Callable[[], Any]
    mode: str = "rel"
    unit: str = ""

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"case {self.package}/{self.case}: mode={self.mode!r}, accepted: {MODES}")
        if not (isinstance(self.tolerance, int | float) and self.tolerance >= 0):
            raise ValueError(f"case {self.package}/{self.case}: tolerance must be a number >= 0")
        if self.mode == "factor" and self.tolerance < 1:
            raise ValueError(f"case {self.package}/{self.case}: mode 'factor' needs tolerance >= 1")
        if not callable(self.compute):
            raise ValueError(f"case {self.package}/{self.case}: compute must be callable")


@dataclass
class CaseResult:
    """Outcome of running one :class:`ValidationCase`; ``to_json`` gives the ``--json`` record."""

    package: str
    case: str
    source: str
    expected: float | None
    got: float | None
    tolerance: float
    mode: str
    passed: bool
    seconds: float
    unit: str = ""
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        def num(x: float | None) -> float | None:
            return None if x is None or not math.isfinite(x) else float(x)

        out = {
            "package": self.package,
            "case": self.case,
            "expected": num(self.expected),
            "got": num(self.got),
            "tolerance": self.tolerance,
            "passed": bool(self.passed),
            "mode": self.mode,
            "source": self.source,
            "unit": self.unit,
            "seconds": round(self.seconds, 3),
        }
        if self.error:
            out["error"] = self.error
        return out


def compare(got: float, expected: float, tolerance: float, mode: str) -> bool:
    """True when ``got`` matches ``expected`` within ``tolerance`` under ``mode`` (see module doc)."""
    if not (math.isfinite(got) and math.isfinite(expected)):
        return False
    if mode == "rel":
        return abs(got - expected) <= tolerance * abs(expected)
    if mode == "abs":
        return abs(got - expected) <= tolerance
    if mode == "le":
        return got <= expected + tolerance
    if mode == "ge":
        return got >= expected - tolerance
    if mode == "factor":
        return got > 0 and expected > 0 and max(got / expected, expected / got) <= tolerance
    raise ValueError(f"mode={mode!r}, accepted: {MODES}")


def run_case(c: ValidationCase) -> CaseResult:
    """Run one case; exceptions are caught and reported as a failed result with the error text."""
    t0 = time.perf_counter()
    expected: float | None = None
    got: float | None = None
    details: dict[str, Any] = {}
    try:
        out = c.compute()
        if isinstance(out, Mapping):
            got = float(out["got"])
            details = dict(out.get("details", {}))
            if "expected" in out:
                expected = float(out["expected"])
        else:
            got = float(out)
        if expected is None:
            expected = float(c.expected() if callable(c.expected) else c.expected)
        passed = compare(got, expected, c.tolerance, c.mode)
        error = None
    except Exception as exc:  # a failing case is a result, not a crash of the harness
        passed = False
        error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=6)}"
    return CaseResult(
        package=c.package,
        case=c.case,
        source=c.source,
        expected=expected,
        got=got,
        tolerance=c.tolerance,
        mode=c.mode,
        passed=passed,
        seconds=time.perf_counter() - t0,
        unit=c.unit,
        error=error,
        details=details,
    )


def check_packages(packages: Iterable[str] | None) -> list[str]:
    """Return the selected package names (all when empty); raise :class:`UnknownPackageError` otherwise."""
    selected = list(packages or PACKAGES)
    unknown = [p for p in selected if p not in PACKAGES]
    if unknown:
        raise UnknownPackageError(f"unknown package(s) {unknown}; accepted: {list(PACKAGES)}")
    return selected


def _to_case(package: str, raw: Any) -> ValidationCase:
    if isinstance(raw, ValidationCase):
        return raw
    if not isinstance(raw, Mapping):
        raise TypeError(f"{package}.validation.cases() must return dicts, got {type(raw).__name__}")
    missing = {"case", "source", "expected", "tolerance", "compute"} - set(raw)
    if missing:
        raise KeyError(f"{package}.validation case {raw.get('case', '?')!r} lacks keys {sorted(missing)}")
    return ValidationCase(
        package=package,
        case=str(raw["case"]),
        source=str(raw["source"]),
        expected=raw["expected"],
        tolerance=float(raw["tolerance"]),
        compute=raw["compute"],
        mode=str(raw.get("mode", "rel")),
        unit=str(raw.get("unit", "")),
    )


def collect(packages: Iterable[str] | None = None) -> list[ValidationCase]:
    """Import ``P.validation`` for each selected package and return its cases (packages without one: none).

    Raises
    ------
    UnknownPackageError
        for a name outside :data:`hwsim.PACKAGES`.
    ValueError
        when two cases of one package share a name.
    """
    out: list[ValidationCase] = []
    for pkg in check_packages(packages):
        modname = f"{pkg}.validation"
        try:
            mod = importlib.import_module(modname)
        except ModuleNotFoundError as exc:
            if exc.name == modname:
                continue
            raise
        cases = [_to_case(pkg, raw) for raw in mod.cases()]
        names = [c.case for c in cases]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"{pkg}.validation registers duplicate case names: {dup}")
        out.extend(cases)
    return out
