"""Registry of sweepable experiments and the checks a study spec's parameters go through before any work starts.

An *experiment* is a plain function (see CONTRIBUTING.md, "Sweep experiments")::

    def name(*, param1: float = ..., ..., seed: int = 0) -> dict[str, float | int | str]

taking keyword scalar parameters and returning a flat dict of scalar results (or a list of such dicts when one
run yields several rows, e.g. one per hardware target). A study spec names it either by its registered name
(:data:`REGISTRY`, resolved lazily: the module is imported only when the experiment is used) or directly as
``"module:function"``.

Declaring accepted values
-------------------------
A spec whose value lies outside an experiment's accepted range fails before any point runs, naming the key.
Accepted values come from three places, all optional and all usable without importing hwsim (so the
dependency rule between packages holds):

* the annotation: ``int``, ``float``, ``str``, ``bool`` fix the type (an ``int`` is accepted for ``float`` and
  converted; an integral float is accepted for ``int``); ``X | None`` also accepts ``None``;
  ``typing.Literal["lif", "mtj"]`` lists the accepted values;
* ``typing.Annotated[float, (0.0, 1.0)]``: metadata in the grammar below (an ``annotated_types``-style object
  with ``ge``/``gt``/``le``/``lt`` attributes is understood as well);
* a ``RANGES`` dict attribute on the function, ``{parameter name: rule}``, set after the definition::

      def mtj_neuron(*, I_A: float = 50e-6, T_K: float = 300.0, seed: int = 0) -> dict: ...
      mtj_neuron.RANGES = {"I_A": (0.0, 1e-3), "T_K": (0.0, None, "(]")}

Rule grammar: ``(low, high)`` is the closed interval [low, high] (``None`` leaves an end open);
``(low, high, bounds)`` with ``bounds`` one of ``"[]"``, ``"[)"``, ``"(]"``, ``"()"`` chooses open/closed ends;
a ``list``/``set``/``frozenset`` lists the accepted values; a callable is a validator, called with each value
when the spec is checked and raising ``ValueError`` for a value it does not accept (its return value is ignored):
a catalogue look-up such as ``{"target": hwsim.targets.catalogue.path_of}`` makes a misspelt target fail before
any work starts.

An experiment may also carry a ``FILES`` attribute, a list of data files whose contents enter the hash that
keys each stored point (so a changed target catalogue re-runs the points): paths, globs, or
``"package:relative/glob"`` for files shipped inside a package, e.g. ``["hwsim:targets/*.json"]``.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import math
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hwsim.sweep.errors import SpecError

REGISTRY: dict[str, str] = {
    # the built-in co-design study behind `hwsim run` (hwsim/studies/default.toml)
    "fdir_codesign": "hwsim.study:codesign_point",
    # fdir: telemetry detectors (SMAP/MSL) and the spiking detector
    "fdir_detector_variant": "fdir.experiments_telemetry:detector_variant",
    "fdir_spiking_detector": "fdir.experiments_telemetry:spiking_detector",
    # devices: MTJ physics
    "stt_switching": "devices.experiments:stt_switching",
    "signed_neuron_response": "devices.experiments:signed_neuron_response",
    "neel_brown_escape": "devices.experiments:neel_brown_escape",
    # snn: spiking networks
    "cuba_statistics": "snn.experiments:cuba_statistics",
    "digits_training": "snn.experiments:digits_training",
    "signed_activity": "snn.experiments:signed_activity",
    # sensors
    "camera_snr_energy": "sensors.experiments:camera_snr_energy",
    "dvs_events_energy": "sensors.experiments:dvs_events_energy",
    "encoder_tradeoff": "sensors.experiments:encoder_tradeoff",
    # fdir: reaction-wheel fault detection, isolation (peephole probes) and the embeddable runtime
    "rw_peephole": "fdir.reaction_wheel.experiments:rw_peephole",
    "rw_detection": "fdir.reaction_wheel.experiments:rw_detection",
    "rw_runtime": "fdir.reaction_wheel.experiments:rw_runtime",
    # hwsim: hardware cost
    "llm_decode": "hwsim.experiments_cost:llm_decode",
    "cnn_layer": "hwsim.experiments_cost:cnn_layer",
    "ir_file": "hwsim.experiments_cost:ir_file",
    "keyword_spotter": "hwsim.experiments_cost:keyword_spotter",
    "lora_training_memory": "hwsim.experiments_cost:lora_training_memory",
    "model_cost": "hwsim.experiments_cost:model_cost",
}
"""Registered experiment name -> ``"module:function"``; modules are imported only when an experiment is used."""

SCALAR_TYPES = (bool, int, float, str)
_KINDS = {"int": int, "float": float, "str": str, "bool": bool}
_BOUNDS = ("[]", "[)", "(]", "()")


@dataclass(frozen=True)
class Param:
    """One keyword parameter of an experiment and the values it accepts.

    ``kind`` is ``int``, ``float``, ``str``, ``bool`` or ``None`` (any scalar); ``choices`` lists accepted
    values; ``low``/``high`` bound numeric values with ends chosen by ``bounds`` (``"[]"``, ``"[)"``, ``"(]"``,
    ``"()"``). ``required`` is True when the function gives no default. ``validator`` (from a callable
    ``RANGES`` rule) is called with each value and raises ``ValueError`` for one it does not accept.
    """

    name: str
    default: Any = None
    required: bool = False
    kind: type | None = None
    nullable: bool = False
    choices: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None
    bounds: str = "[]"
    validator: Callable[[Any], Any] | None = None

    def describe(self) -> str:
        """Human-readable accepted values, e.g. ``"float in (0, 1]"`` or ``"one of 'lif', 'mtj'"``."""
        parts = [self.kind.__name__ if self.kind else "scalar"]
        if self.choices is not None:
            parts = ["one of " + ", ".join(repr(c) for c in self.choices)]
        if self.low is not None or self.high is not None:
            lo = "-inf" if self.low is None else f"{self.low:g}"
            hi = "inf" if self.high is None else f"{self.high:g}"
            parts.append(f"in {self.bounds[0]}{lo}, {hi}{self.bounds[1]}")
        if self.nullable:
            parts.append("or None")
        return " ".join(parts)

    def check(self, value: Any, where: str = "") -> Any:
        """Return ``value`` converted to this parameter's type; raise :class:`SpecError` naming the key if not
        accepted. ``where`` is appended to the message (e.g. which override the value came from)."""
        value = _to_python_scalar(value)
        if value is None:
            if self.nullable or (not self.required and self.default is None):
                return None
            raise SpecError(f"{self.name}=None is not accepted (expects {self.describe()}){where}", key=self.name)
        if not isinstance(value, SCALAR_TYPES):
            raise SpecError(f"{self.name}={value!r} is not a scalar (expects {self.describe()}){where}",
                            key=self.name)
        value = self._convert(value, where)
        if self.choices is not None and value not in self.choices:
            raise SpecError(f"{self.name}={value!r} is not accepted (expects {self.describe()}){where}",
                            key=self.name)
        if self.validator is not None:
            try:
                self.validator(value)
            except ValueError as exc:
                raise SpecError(f"{self.name}={value!r} is not accepted: {exc}{where}", key=self.name) from exc
        if self.low is not None or self.high is not None:
            x = float(value)
            ok = not math.isnan(x)
            if self.low is not None:
                ok = ok and (x >= self.low if self.bounds[0] == "[" else x > self.low)
            if self.high is not None:
                ok = ok and (x <= self.high if self.bounds[1] == "]" else x < self.high)
            if not ok:
                raise SpecError(f"{self.name}={value!r} is out of range (expects {self.describe()}){where}",
                                key=self.name)
        return value

    def _convert(self, value: Any, where: str) -> Any:
        k = self.kind
        bad = SpecError(f"{self.name}={value!r} has the wrong type (expects {self.describe()}){where}", key=self.name)
        if k is None:
            return value
        if k is bool:
            if isinstance(value, bool):
                return value
            raise bad
        if isinstance(value, bool) or isinstance(value, str) != (k is str):
            raise bad
        if k is float:
            return float(value)
        if k is int:
            if isinstance(value, float):
                if not value.is_integer():
                    raise bad
                return int(value)
            return int(value)
        return value


@dataclass(frozen=True)
class Experiment:
    """A resolved experiment: its function, its reference and its parameters.

    ``name`` is how the spec named it (registry name or ``"module:function"``); ``ref`` is the canonical
    ``"module:qualname"`` (it enters the point hashes); ``var_keyword`` is True when the function takes
    ``**kwargs`` (then any key is accepted); ``files`` comes from the function's ``FILES`` attribute.
    """

    name: str
    ref: str
    func: Callable[..., Any]
    params: Mapping[str, Param]
    var_keyword: bool = False
    files: tuple[str, ...] = ()

    @property
    def module(self) -> str:
        return self.ref.split(":")[0]

    def bind(self, values: Mapping[str, Any], origins: Mapping[str, str] | None = None) -> dict[str, Any]:
        """Return the full keyword arguments of one point: defaults updated by ``values``, each checked.

        ``origins`` maps a key to a note on where its value came from (e.g. ``"override 'x=1,2'"``), used in
        error messages. Raises :class:`SpecError` naming the key for an unknown key, a missing required
        parameter or a value that is not accepted.
        """
        origins = origins or {}
        out: dict[str, Any] = {}
        for key, value in values.items():
            where = f" ({origins[key]})" if key in origins else ""
            p = self.params.get(key)
            if p is None:
                if not self.var_keyword:
                    raise SpecError(
                        f"unknown key {key!r}{where}: experiment {self.name!r} ({self.ref}) has parameters "
                        f"{', '.join(self.params) or '(none)'}", key=key)
                out[key] = Param(key).check(value, where)
            else:
                out[key] = p.check(value, where)
        for name, p in self.params.items():
            if name in out:
                continue
            if p.required:
                raise SpecError(f"missing required parameter {name!r} of experiment {self.name!r} ({self.ref}): "
                                f"expects {p.describe()}", key=name)
            out[name] = _to_python_scalar(p.default)
        return {k: out[k] for k in [*self.params, *sorted(set(out) - set(self.params))]}


def registered() -> dict[str, str]:
    """A copy of the registry: experiment name -> ``"module:function"``."""
    return dict(REGISTRY)


def available(name: str) -> bool:
    """True when the module of the registered experiment ``name`` can be found (it is not imported)."""
    mod = REGISTRY[name].split(":")[0]
    try:
        return importlib.util.find_spec(mod) is not None
    except ModuleNotFoundError:
        return False


def resolve(experiment: str | Callable[..., Any]) -> Experiment:
    """Resolve a registered name, a ``"module:function"`` reference or a function to an :class:`Experiment`.

    Raises :class:`SpecError` (key ``"experiment"``) for an unknown name, a module that cannot be imported,
    a missing attribute or an object that is not callable, and for a ``RANGES`` attribute naming a parameter
    the function does not have.
    """
    if callable(experiment):
        func = experiment
        ref = f"{getattr(func, '__module__', '?')}:{getattr(func, '__qualname__', repr(func))}"
        return _describe(ref, ref, func)
    if not isinstance(experiment, str) or not experiment.strip():
        raise SpecError(f"experiment must be a registered name or 'module:function', got {experiment!r}",
                        key="experiment")
    name = experiment.strip()
    if ":" in name:
        target = name
    elif name in REGISTRY:
        target = REGISTRY[name]
    else:
        raise SpecError(f"unknown experiment {name!r}; registered: {', '.join(sorted(REGISTRY))} "
                        "(or name a function directly as 'module:function')", key="experiment")
    mod_name, _, attr = target.partition(":")
    if not mod_name or not attr:
        raise SpecError(f"experiment reference {target!r} must look like 'module:function'", key="experiment")
    try:
        module = importlib.import_module(mod_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or "?"
        if mod_name == missing or mod_name.startswith(missing + "."):
            raise SpecError(f"experiment {name!r}: module {mod_name!r} not found (is the package that provides "
                            f"{target!r} installed and written yet?)", key="experiment") from exc
        raise SpecError(f"experiment {name!r}: importing {mod_name!r} failed: {exc}", key="experiment") from exc
    except Exception as exc:
        raise SpecError(f"experiment {name!r}: importing {mod_name!r} failed: {type(exc).__name__}: {exc}",
                        key="experiment") from exc
    func: Any = module
    for part in attr.split("."):
        try:
            func = getattr(func, part)
        except AttributeError as exc:
            raise SpecError(f"experiment {name!r}: module {mod_name!r} has no attribute {attr!r}",
                            key="experiment") from exc
    if not callable(func):
        raise SpecError(f"experiment {name!r}: {target!r} is not callable", key="experiment")
    return _describe(name, f"{mod_name}:{attr}", func)


def _describe(name: str, ref: str, func: Callable[..., Any]) -> Experiment:
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError) as exc:
        raise SpecError(f"experiment {name!r}: cannot read the signature of {ref}: {exc}", key="experiment") from exc
    try:
        hints = typing.get_type_hints(func, include_extras=True)
    except Exception:  # unresolvable forward references: fall back to the raw annotations
        hints = {}
    ranges = getattr(func, "RANGES", None) or {}
    if not isinstance(ranges, Mapping):
        raise SpecError(f"experiment {name!r}: RANGES must be a dict, got {type(ranges).__name__}", key="experiment")
    params: dict[str, Param] = {}
    var_kw = False
    for p in sig.parameters.values():
        if p.kind is p.VAR_KEYWORD:
            var_kw = True
            continue
        if p.kind in (p.VAR_POSITIONAL, p.POSITIONAL_ONLY):
            continue
        ann = hints.get(p.name, p.annotation)
        fields = _from_annotation(ann)
        if p.name in ranges:
            fields.update(_rule(ranges[p.name], f"{ref} RANGES[{p.name!r}]"))
        required = p.default is inspect.Parameter.empty
        params[p.name] = Param(p.name, default=None if required else p.default, required=required, **fields)
    unknown = set(ranges) - set(params)
    if unknown:
        raise SpecError(f"experiment {name!r}: RANGES names {sorted(unknown)}, which are not parameters of {ref}",
                        key="experiment")
    files = getattr(func, "FILES", ()) or ()
    if isinstance(files, str):
        files = (files,)
    return Experiment(name=name, ref=ref, func=func, params=params, var_keyword=var_kw, files=tuple(files))


def _from_annotation(ann: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if ann is inspect.Parameter.empty or ann is Any:
        return out
    if isinstance(ann, str):  # unresolved string annotation: understand the plain scalar names only
        txt = ann.replace(" ", "")
        if txt.endswith("|None") or txt.startswith("None|"):
            out["nullable"] = True
            txt = txt.removesuffix("|None").removeprefix("None|")
        if txt in _KINDS:
            out["kind"] = _KINDS[txt]
        return out
    origin = typing.get_origin(ann)
    if origin is typing.Annotated:
        base, *meta = typing.get_args(ann)
        out.update(_from_annotation(base))
        for m in meta:
            try:
                out.update(_rule(m, "Annotated metadata"))
            except SpecError:
                continue  # metadata meant for another tool
        return out
    if origin is typing.Literal:
        choices = typing.get_args(ann)
        out["choices"] = tuple(choices)
        kinds = {type(c) for c in choices}
        if len(kinds) == 1 and next(iter(kinds)) in SCALAR_TYPES:
            out["kind"] = next(iter(kinds))
        return out
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        if len(args) < len(typing.get_args(ann)):
            out["nullable"] = True
        if len(args) == 1:
            inner = _from_annotation(args[0])
            inner.pop("nullable", None)
            out.update(inner)
        elif set(args) == {int, float}:
            out["kind"] = float
        return out
    if ann in SCALAR_TYPES:
        out["kind"] = ann
    return out


def _rule(rule: Any, where: str) -> dict[str, Any]:
    """Parse one accepted-values rule (see the module docstring) into :class:`Param` fields."""
    if callable(rule):  # a validator, e.g. a catalogue look-up: called on each value when the spec is checked
        return {"validator": rule}
    if isinstance(rule, list | set | frozenset):
        vals = list(rule)
        try:
            vals = sorted(vals)
        except TypeError:
            pass
        return {"choices": tuple(vals)}
    if isinstance(rule, tuple) and len(rule) in (2, 3):
        low, high = rule[0], rule[1]
        bounds = rule[2] if len(rule) == 3 else "[]"
        if bounds not in _BOUNDS:
            raise SpecError(f"{where}: bounds {bounds!r} must be one of {_BOUNDS}", key="experiment")
        for v in (low, high):
            if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
                raise SpecError(f"{where}: range ends must be numbers or None, got {rule!r}", key="experiment")
        return {"low": None if low is None else float(low), "high": None if high is None else float(high),
                "bounds": bounds}
    names = ("ge", "gt", "le", "lt")
    found = {n: getattr(rule, n) for n in names if getattr(rule, n, None) is not None}
    if found:  # annotated-types style (Ge/Gt/Le/Lt/Interval)
        out: dict[str, Any] = {}
        lo_open = "gt" in found
        hi_open = "lt" in found
        lo = found.get("gt", found.get("ge"))
        hi = found.get("lt", found.get("le"))
        out["low"] = None if lo is None else float(lo)
        out["high"] = None if hi is None else float(hi)
        out["bounds"] = ("(" if lo_open else "[") + (")" if hi_open else "]")
        return out
    raise SpecError(f"{where}: cannot read accepted-values rule {rule!r} (use (low, high[, bounds]) or a list)",
                    key="experiment")


def _to_python_scalar(value: Any) -> Any:
    """numpy scalars and 0-d arrays -> the equivalent Python scalar; anything else unchanged."""
    item = getattr(value, "item", None)
    if item is not None and getattr(value, "shape", None) == ():
        return item()
    return value
