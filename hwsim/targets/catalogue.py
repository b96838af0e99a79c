"""Load and check target data files (``hwsim/targets/*.json``); format in :mod:`hwsim.targets.schema`.

Errors are :class:`TargetError` (a ``ValueError``) whose message names the file, the row (JSON path, e.g.
``params.synop_J`` or ``memory[1].bandwidth_B_per_s``) and the field (``value``, ``unit``, ``status``, ...).
"""

from __future__ import annotations

import ast
import json
import math
import operator
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from hwsim.targets.schema import (
    CLASS_OPTIONAL,
    CLASS_REQUIRED,
    CLASS_TABLES,
    CLASSES,
    COMMON_OPTIONAL,
    COMMON_REQUIRED,
    LEVEL_OPTIONAL,
    LEVEL_SPECS,
    PRECISION_TABLE_SPECS,
    PRECISIONS,
    STATUSES,
    TENSORS,
    Axis,
    Level,
    Quantity,
    Spec,
    Target,
)

DATA_DIR = Path(__file__).resolve().parent
SPARSITY_PATTERNS = ("unstructured", "n:m", "channel", "block")
SPATIAL_MODES = ("ceil", "divisor")
SPATIAL_DIMS = ("M", "N", "K", "C", "K_out", "P", "Q", "R", "S")


class TargetError(ValueError):
    """A target file is missing, malformed or non-physical; the message names file, row and field."""


def names() -> list[str]:
    """Names of the shipped targets (file stems in ``hwsim/targets/``), sorted."""
    return sorted(p.stem for p in DATA_DIR.glob("*.json"))


def path_of(name: str) -> Path:
    """The data file of target ``name``. Raises :class:`TargetError` listing the known names."""
    p = DATA_DIR / f"{name}.json"
    if not p.exists():
        raise TargetError(f"unknown target {name!r}; known targets: {', '.join(names())}")
    return p


def load(name_or_path: str | Path, overrides: Mapping[str, float] | None = None) -> Target:
    """Load, evaluate and check a target by name (``"loihi"``) or by path to a JSON file.

    Derived quantities (``expr``) are evaluated from the other parameters; providers (e.g. the MTJ energy per spike
    from ``devices``) are called with the parameters defined before them. Results are cached per resolved path and
    overrides.

    ``overrides`` maps parameter names of the file's ``params`` to SI values that replace the file's numbers before
    anything derived from them is evaluated, e.g. ``load("mtj_core", {"T_K": 350.0})`` re-derives the MTJ energy per
    spike at 350 K. An overridden quantity keeps its unit, status and source, and notes the file's value.

    Raises
    ------
    TargetError
        for an unknown name, unreadable JSON, unknown class, missing/unknown parameters, a unit that differs from
        the schema, a status outside :data:`~hwsim.targets.schema.STATUSES`, an empty source, or a value outside its
        physical range; the message names file, row and field.
    """
    p = Path(name_or_path)
    if p.suffix != ".json":
        p = path_of(str(name_or_path))
    elif not p.exists():
        raise TargetError(f"target file {str(p)!r} does not exist")
    ov: dict[str, float] = {}
    for k, v in (overrides or {}).items():
        x = float(v)
        if math.isnan(x):
            raise TargetError(f"{p.name}: override {k!r}={v!r} is NaN")
        ov[str(k)] = x
    return _load_cached(str(p.resolve()), tuple(sorted(ov.items())))


def with_overrides(target: Target, **values: float) -> Target:
    """``target`` re-loaded from its file with parameter ``values`` replaced (on top of its own overrides); see
    :func:`load`. Raises :class:`TargetError` for a target without a file or an unknown parameter."""
    if not target.path:
        raise TargetError(f"target {target.name!r} has no file to re-load with overrides")
    return load(Path(target.path), {**dict(target.overrides), **values})


@lru_cache(maxsize=64)
def _load_cached(path: str, overrides: tuple[tuple[str, float], ...] = ()) -> Target:
    return _parse(Path(path), dict(overrides))


def _fail(file: str, row: str, field: str, msg: str) -> TargetError:
    return TargetError(f"{file}: row {row!r}, field {field!r}: {msg}")


_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
        ast.Pow: operator.pow, ast.USub: operator.neg, ast.UAdd: operator.pos}


def _eval_expr(expr: str, env: dict[str, float], file: str, row: str) -> float:
    """Evaluate arithmetic ``expr`` (numbers, names from ``env``, + - * / **, parentheses, min/max)."""
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError as exc:
        raise _fail(file, row, "expr", f"cannot parse {expr!r}: {exc.msg}") from exc

    def ev(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return float(node.value)
        if isinstance(node, ast.Name):
            if node.id not in env:
                raise _fail(file, row, "expr", f"{expr!r} names {node.id!r}, which is not a parameter defined "
                            "before it or a constant of hwsim.cost.primitives.CONSTANTS")
            return env[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](ev(node.operand))
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("min", "max", "log2")
                and not node.keywords):
            args = [ev(a) for a in node.args]
            return math.log2(*args) if node.func.id == "log2" else (min if node.func.id == "min" else max)(args)
        raise _fail(file, row, "expr", f"{expr!r}: only numbers, parameter names, + - * / ** and min/max/log2 "
                    "are allowed")

    try:
        return float(ev(tree))
    except ZeroDivisionError as exc:
        raise _fail(file, row, "expr", f"{expr!r} divides by zero") from exc


def _quantity(raw: Any, spec: Spec, env: dict[str, float], file: str, row: str) -> Quantity:
    if not isinstance(raw, dict):
        raise _fail(file, row, "value", f"expected an object with value/unit/status/source, got {raw!r}")
    unknown = set(raw) - {"value", "expr", "provider", "unit", "status", "source", "note"}
    if unknown:
        raise _fail(file, row, sorted(unknown)[0], "unknown field; accepted: value|expr|provider, unit, status, "
                    "source, note")
    given = [k for k in ("value", "expr", "provider") if k in raw]
    if len(given) != 1:
        raise _fail(file, row, "value", f"give exactly one of value, expr, provider (got {given or 'none'})")
    unit = raw.get("unit")
    if unit != spec.unit:
        raise _fail(file, row, "unit", f"unit {unit!r} does not match the schema unit {spec.unit!r}")
    status = raw.get("status")
    if status not in STATUSES:
        raise _fail(file, row, "status", f"status {status!r} is not one of {STATUSES}")
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip():
        raise _fail(file, row, "source", "every number needs a non-empty source")
    expr = provider = ""
    if "value" in raw:
        v = raw["value"]
        if v == "inf":
            v = math.inf
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise _fail(file, row, "value", f"value must be a number, got {v!r}")
        value = float(v)
    elif "expr" in raw:
        expr = str(raw["expr"])
        value = _eval_expr(expr, env, file, row)
    else:
        from hwsim.targets.providers import PROVIDERS

        provider = str(raw["provider"])
        if provider not in PROVIDERS:
            raise _fail(file, row, "provider", f"unknown provider {provider!r}; known: {sorted(PROVIDERS)}")
        try:
            value = float(PROVIDERS[provider](dict(env)))
        except Exception as exc:
            raise _fail(file, row, "provider", f"provider {provider!r} failed: {type(exc).__name__}: {exc}") from exc
    if (math.isnan(value) or value > spec.high
            or (value < spec.low if spec.low_inclusive else value <= spec.low)):
        lo = "[" if spec.low_inclusive else "("
        raise _fail(file, row, "value", f"value {value!r} {spec.unit} is outside the physical range "
                    f"{lo}{spec.low}, {spec.high}] ({spec.doc})")
    return Quantity(value=value, unit=unit, status=status, source=source.strip(), note=str(raw.get("note", "")),
                    expr=expr, provider=provider)


def _parse(path: Path, overrides: Mapping[str, float] | None = None) -> Target:
    file = path.name
    overrides = dict(overrides or {})
    try:
        raw = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise TargetError(f"{file}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}") from exc
    if not isinstance(raw, dict):
        raise TargetError(f"{file}: the top level must be an object")
    allowed = {"name", "class", "description", "params", "memory", "spatial", "sparsity", "notes",
               *PRECISION_TABLE_SPECS}
    unknown = set(raw) - allowed
    if unknown:
        raise _fail(file, sorted(unknown)[0], "key", f"unknown top-level key; accepted: {sorted(allowed)}")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise _fail(file, "name", "name", "a non-empty name is required")
    cls = raw.get("class")
    if cls not in CLASSES:
        raise _fail(file, "class", "class", f"class {cls!r} is not one of {CLASSES}")
    from hwsim.cost.primitives import CONSTANTS

    env: dict[str, float] = dict(CONSTANTS)
    params_raw = raw.get("params", {})
    if not isinstance(params_raw, dict):
        raise _fail(file, "params", "params", "params must be an object")
    specs = {**COMMON_REQUIRED, **COMMON_OPTIONAL, **CLASS_REQUIRED[cls], **CLASS_OPTIONAL[cls]}
    params: dict[str, Quantity] = {}
    for key, q in params_raw.items():
        spec = specs.get(key)
        if spec is None:
            if key.startswith("_"):  # helper quantities (inputs of derived values), any unit, must be >= 0
                spec = Spec(q.get("unit", "") if isinstance(q, dict) else "", 0.0, math.inf, low_inclusive=True,
                            doc="helper quantity")
            else:
                raise _fail(file, f"params.{key}", "name", f"unknown parameter for class {cls!r}; accepted: "
                            f"{sorted(specs)} (or a helper starting with '_')")
        if key in overrides and isinstance(q, dict):
            was = q.get("value", q.get("expr", q.get("provider")))
            q = {k: v for k, v in q.items() if k not in ("value", "expr", "provider", "note")}
            q.update(value=overrides.pop(key), note=f"overridden (file: {was})")
        params[key] = _quantity(q, spec, env, file, f"params.{key}")
        env[key] = params[key].value
    if overrides:
        raise _fail(file, f"params.{sorted(overrides)[0]}", "override", f"no such parameter in the file; "
                    f"accepted: {sorted(params)}")
    missing = [k for k in {**COMMON_REQUIRED, **CLASS_REQUIRED[cls]} if k not in params]
    if missing:
        raise _fail(file, f"params.{missing[0]}", "value", f"required parameter(s) {missing} missing for class "
                    f"{cls!r}")
    tables: dict[str, dict[str, Quantity]] = {}
    for tname in CLASS_TABLES[cls]:
        t = raw.get(tname)
        if not isinstance(t, dict) or not t:
            raise _fail(file, tname, "value", f"class {cls!r} needs a non-empty {tname} table keyed by precision "
                        f"({PRECISIONS})")
        tables[tname] = {}
        for prec, q in t.items():
            if prec not in PRECISIONS:
                raise _fail(file, f"{tname}.{prec}", "name", f"unknown precision; accepted: {PRECISIONS}")
            tables[tname][prec] = _quantity(q, PRECISION_TABLE_SPECS[tname], env, file, f"{tname}.{prec}")
    if cls == "array" and set(tables["peak_macs_per_s"]) != set(tables["mac_J"]):
        raise _fail(file, "mac_J", "name", f"mac_J precisions {sorted(tables['mac_J'])} must match peak_macs_per_s "
                    f"{sorted(tables['peak_macs_per_s'])}")
    for tname in set(PRECISION_TABLE_SPECS) - set(CLASS_TABLES[cls]):
        if tname in raw:
            raise _fail(file, tname, "key", f"table {tname} is not used by class {cls!r}")
    memory = tuple(_level(lv, i, env, file) for i, lv in enumerate(raw.get("memory", [])))
    if cls in ("array", "cpu") and not memory:
        raise _fail(file, "memory", "value", f"class {cls!r} needs at least one memory level")
    mode, axes = _spatial(raw.get("spatial"), file)
    sp = raw.get("sparsity", {}) or {}
    skip = tuple(sp.get("skip", ()))
    comp = tuple(sp.get("compressed", ()))
    for key, pats in (("skip", skip), ("compressed", comp)):
        bad = [x for x in pats if x not in SPARSITY_PATTERNS]
        if bad:
            raise _fail(file, f"sparsity.{key}", "value", f"unknown pattern(s) {bad}; accepted: {SPARSITY_PATTERNS}")
    return Target(name=name, cls=cls, description=str(raw.get("description", "")), params=params, tables=tables,
                  memory=memory, spatial_mode=mode, axes=axes, sparsity_skip=skip, sparsity_compressed=comp,
                  notes=str(raw.get("notes", "")), path=str(path),
                  overrides=tuple((k, params[k].value) for k in params if params[k].note.startswith("overridden")))


def _level(raw: Any, i: int, env: dict[str, float], file: str) -> Level:
    row = f"memory[{i}]"
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise _fail(file, row, "name", "each memory level is an object with a name")
    row = f"memory[{i}] ({raw['name']})"
    unknown = set(raw) - {"name", "holds", *LEVEL_SPECS, *LEVEL_OPTIONAL}
    if unknown:
        raise _fail(file, row, sorted(unknown)[0], "unknown field")
    q = {}
    for f, spec in LEVEL_SPECS.items():
        if f not in raw:
            raise _fail(file, row, f, "missing")
        q[f] = _quantity(raw[f], spec, env, file, f"{row}.{f}")
    holds = tuple(raw.get("holds", TENSORS))
    bad = [h for h in holds if h not in TENSORS]
    if bad or not holds:
        raise _fail(file, row, "holds", f"holds must list some of {TENSORS}, got {list(holds)}")
    apm = {}
    for t, qq in (raw.get("accesses_per_mac") or {}).items():
        if t not in TENSORS:
            raise _fail(file, f"{row}.accesses_per_mac", t, f"tensor must be one of {TENSORS}")
        apm[t] = _quantity(qq, LEVEL_OPTIONAL["accesses_per_mac"], env, file, f"{row}.accesses_per_mac.{t}")
    wb = _quantity(raw["word_bits"], LEVEL_OPTIONAL["word_bits"], env, file, f"{row}.word_bits") \
        if "word_bits" in raw else None
    if apm and wb is None:
        raise _fail(file, row, "word_bits", "a level with accesses_per_mac needs word_bits")
    return Level(name=raw["name"], holds=holds, accesses_per_mac=apm, word_bits=wb, **q)


def _spatial(raw: Any, file: str) -> tuple[str, tuple[Axis, ...]]:
    if raw is None:
        return "ceil", ()
    mode = raw.get("mode", "ceil")
    if mode not in SPATIAL_MODES:
        raise _fail(file, "spatial", "mode", f"mode {mode!r} is not one of {SPATIAL_MODES}")
    axes = []
    for i, a in enumerate(raw.get("axes", [])):
        size = a.get("size")
        if not isinstance(size, int) or size < 1:
            raise _fail(file, f"spatial.axes[{i}]", "size", f"size must be an integer >= 1, got {size!r}")
        dims = tuple(a.get("dims", ()))
        full = tuple(a.get("full", ()))
        bad = [d for d in (*dims, *full) if d not in SPATIAL_DIMS]
        if bad or not dims:
            raise _fail(file, f"spatial.axes[{i}]", "dims", f"dims must be a non-empty list of {SPATIAL_DIMS}")
        if not set(full) <= set(dims):
            raise _fail(file, f"spatial.axes[{i}]", "full", "full dims must also be listed in dims")
        axes.append(Axis(size=size, dims=dims, full=full))
    return mode, tuple(axes)
