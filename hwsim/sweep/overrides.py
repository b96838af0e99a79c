"""Command-line overrides in the Hydra style: ``key=value`` fixes a parameter, ``key=a,b,c`` sweeps it.

Grammar of one override ``KEY=VALUES``:

* ``KEY`` is an experiment parameter, or one of the spec settings ``experiment``, ``name``, ``seeds``,
  ``chunk_size``, ``code_version``, ``sample.n``, ``sample.seed``, ``sample.method``.
* ``VALUES`` is one value (the parameter becomes fixed) or a comma-separated list (it becomes a list axis;
  the parameter is taken out of ``[fixed]``, ``[axes]``, ``[[zip]]`` groups and ``[sample]``), or one of
  ``range(start, stop[, step])`` (stop excluded), ``linspace(start, stop, num)`` and
  ``geomspace(start, stop, num)`` (both ends included).
* Each value is read as an integer, a float, ``true``/``false``, ``none``, a quoted string (``'a,b'`` keeps
  its comma) or otherwise a bare string.

Whether a parameter key exists is checked later against the experiment's signature (before any work starts);
the error then names the key and the override it came from.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from typing import Any

from hwsim.sweep.errors import SpecError

SETTINGS = ("experiment", "name", "seeds", "chunk_size", "code_version")
SAMPLE_SETTINGS = ("sample.n", "sample.seed", "sample.method")
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?")
_FUNC = re.compile(r"(range|linspace|geomspace)\((.*)\)", re.DOTALL)
_INT = re.compile(r"[+-]?\d+")


def split_values(text: str) -> list[str]:
    """Split at commas that are outside quotes, parentheses and brackets."""
    out, cur, depth, quote = [], [], 0, ""
    for ch in text:
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = ""
            continue
        if ch in "'\"":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    out.append("".join(cur))
    return [s.strip() for s in out]


def parse_scalar(token: str, origin: str = "") -> Any:
    """Read one override value: int, float, bool, None, quoted or bare string (see the module docstring)."""
    t = token.strip()
    if not t:
        raise SpecError(f"empty value in override {origin!r}", key=origin.split("=")[0] or None)
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "'\"":
        return t[1:-1]
    low = t.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("none", "null"):
        return None
    if _INT.fullmatch(t):
        return int(t)
    try:
        return float(t)
    except ValueError:
        return t


def parse_override(text: str) -> tuple[str, Any, bool]:
    """Parse ``KEY=VALUES`` into ``(key, value_or_axis, is_axis)``.

    ``value_or_axis`` is a scalar when ``is_axis`` is False, else a list of values or a range table (the
    axis forms of :mod:`hwsim.sweep.axes`). Raises :class:`SpecError` for a malformed override.
    """
    key, sep, rhs = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise SpecError(f"override {text!r} must look like key=value or key=a,b,c", key=key or None)
    if not _KEY.fullmatch(key):
        raise SpecError(f"override {text!r}: {key!r} is not a valid key", key=key)
    rhs = rhs.strip()
    m = _FUNC.fullmatch(rhs)
    if m:
        fn, args = m.group(1), [parse_scalar(a, text) for a in split_values(m.group(2))]
        if fn == "range" and len(args) in (2, 3):
            return key, {"start": args[0], "stop": args[1], "step": args[2] if len(args) == 3 else 1}, True
        if fn in ("linspace", "geomspace") and len(args) == 3:
            scale = "linear" if fn == "linspace" else "log"
            return key, {"start": args[0], "stop": args[1], "num": args[2], "scale": scale}, True
        raise SpecError(f"override {text!r}: {fn}() takes "
                        f"{'(start, stop[, step])' if fn == 'range' else '(start, stop, num)'}", key=key)
    tokens = split_values(rhs)
    values = [parse_scalar(t, text) for t in tokens]
    if len(values) == 1:
        return key, values[0], False
    return key, values, True


def remove_param(raw: dict[str, Any], key: str) -> None:
    """Take parameter ``key`` out of every place of a raw spec dict that can set it (in place)."""
    for table in ("fixed", "axes"):
        if isinstance(raw.get(table), dict):
            raw[table].pop(key, None)
    if isinstance(raw.get("zip"), list):
        groups = [{k: v for k, v in g.items() if k != key} for g in raw["zip"] if isinstance(g, dict)]
        raw["zip"] = [g for g in groups if g]
    if isinstance(raw.get("sample"), dict) and isinstance(raw["sample"].get(key), dict):
        raw["sample"].pop(key)  # a distribution table; scalar entries (n, seed, method) are sample settings
    if key == "seed":
        raw.pop("seeds", None)


def set_param(raw: dict[str, Any], key: str, value: Any, is_axis: bool) -> None:
    """Make ``key`` fixed at ``value`` (``is_axis`` False) or an axis over ``value`` (in place)."""
    remove_param(raw, key)
    raw.setdefault("axes" if is_axis else "fixed", {})[key] = value


def apply_overrides(raw: dict[str, Any], overrides: Iterable[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Apply ``key=a,b,c`` overrides to a raw spec dict.

    Returns the new dict (the input is not modified) and ``origins``: parameter key -> ``"override 'TEXT'"``,
    used to name the override in later error messages. Raises :class:`SpecError` for a malformed override
    or a spec setting given a list where it takes one value.
    """
    out = copy.deepcopy(raw)
    origins: dict[str, str] = {}
    for text in overrides:
        key, value, is_axis = parse_override(text)
        origin = f"override {text!r}"
        if key in SETTINGS:
            if key == "seeds":
                if isinstance(value, dict):
                    value = _range_list(value, origin)
                remove_param(out, "seed")  # a seed parameter set elsewhere gives way to the seeds setting
                out["seeds"] = value
                origins["seeds"] = origin
                continue
            if is_axis:
                raise SpecError(f"{origin}: {key} takes one value", key=key)
            out[key] = value
            origins[key] = origin
        elif key in SAMPLE_SETTINGS:
            if is_axis:
                raise SpecError(f"{origin}: {key} takes one value", key=key)
            if not isinstance(out.get("sample"), dict):
                raise SpecError(f"{origin}: the spec has no [sample] table", key=key)
            out["sample"][key.split(".")[1]] = value
            origins[key] = origin
        elif "." in key:
            raise SpecError(f"{origin}: unknown setting {key!r}; settings: {', '.join(SETTINGS + SAMPLE_SETTINGS)}",
                            key=key)
        else:
            set_param(out, key, value, is_axis)
            origins[key] = origin
    return out, origins


def _range_list(form: dict[str, Any], origin: str) -> list[Any]:
    from hwsim.sweep.axes import axis_values

    try:
        return axis_values("seeds", form)
    except SpecError as exc:
        raise SpecError(f"{origin}: {exc}", key="seeds") from exc
