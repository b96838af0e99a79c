"""Sweep axes: the values one parameter takes (lists, ranges, linear/log spacing) and random samples.

Axis forms (TOML on the left, what it expands to on the right)::

    x = [1, 2, 3]                                   # list: exactly these values
    x = {start = 0, stop = 10, step = 2}            # range: 0, 2, 4, 6, 8 (stop excluded, as Python's range)
    x = {start = 0.0, stop = 1.0, num = 5}          # linear: 0, 0.25, 0.5, 0.75, 1 (both ends included)
    x = {start = 1e-3, stop = 1.0, num = 4, scale = "log"}   # geometric: 1e-3, 1e-2, 1e-1, 1

Random samples (``[sample]`` table of a spec) draw ``n`` joint points, one value per sampled parameter::

    lr = {dist = "loguniform", low = 1e-4, high = 1e-1}
    width = {dist = "int", low = 8, high = 64}      # integers, both ends included
    x = {dist = "uniform", low = 0.0, high = 1.0}
    z = {dist = "normal", mean = 0.0, std = 1.0}
    neuron = {dist = "choice", values = ["lif", "mtj"]}

with ``method`` ``"random"`` (NumPy PCG64 stream), ``"lhs"`` (Latin hypercube) or ``"sobol"`` (scrambled Sobol
sequence), both from :mod:`scipy.stats.qmc` (McKay, Beckman & Conover, Technometrics 21, 239, 1979,
doi:10.1080/00401706.1979.10489755; Sobol', USSR Comput. Math. Math. Phys. 7, 86, 1967). Samples are a pure
function of ``seed``, so a spec always expands to the same points.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from hwsim.sweep.errors import SpecError

SAMPLE_METHODS = ("random", "lhs", "sobol")
DISTRIBUTIONS = ("uniform", "loguniform", "int", "normal", "choice")
MAX_AXIS_LENGTH = 10_000_000


def _num(value: Any, key: str, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SpecError(f"axis {key!r}: {what} must be a finite number, got {value!r}", key=key)
    return value


def _scalar(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def axis_values(key: str, form: Any) -> list[Any]:
    """Expand one axis definition (see the module docstring) into its list of values.

    Raises :class:`SpecError` naming ``key`` for an empty list, a non-scalar entry, an unknown or
    inconsistent range form, or a range that is empty or longer than ``MAX_AXIS_LENGTH`` values.
    """
    if isinstance(form, list | tuple):
        if not form:
            raise SpecError(f"axis {key!r} is an empty list", key=key)
        for v in form:
            if isinstance(v, list | tuple | dict):
                raise SpecError(f"axis {key!r}: values must be scalars, got {v!r}", key=key)
        return [_scalar(v) for v in form]
    if not isinstance(form, Mapping):
        raise SpecError(f"axis {key!r} must be a list or a range table, got {form!r}", key=key)
    keys = set(form)
    if keys <= {"start", "stop", "step"} and {"start", "stop", "step"} <= keys:
        return _arange(key, form["start"], form["stop"], form["step"])
    if keys <= {"start", "stop", "num", "scale"} and {"start", "stop", "num"} <= keys:
        return _spaced(key, form["start"], form["stop"], form["num"], form.get("scale", "linear"))
    if "dist" in keys:
        raise SpecError(f"axis {key!r}: random distributions belong in the [sample] table", key=key)
    raise SpecError(f"axis {key!r}: cannot read {dict(form)!r}; use a list, {{start, stop, step}} or "
                    "{start, stop, num[, scale = \"linear\"|\"log\"]}", key=key)


def _arange(key: str, start: Any, stop: Any, step: Any) -> list[Any]:
    start, stop, step = (_num(v, key, n) for v, n in ((start, "start"), (stop, "stop"), (step, "step")))
    if step == 0:
        raise SpecError(f"axis {key!r}: step must be non-zero", key=key)
    if all(isinstance(v, int) for v in (start, stop, step)):
        vals = list(range(start, stop, step))
    else:
        n = math.ceil(round((stop - start) / step, 9))  # rounding keeps 0.1-steps from gaining a value
        if n > MAX_AXIS_LENGTH:
            raise SpecError(f"axis {key!r}: {n} values is more than {MAX_AXIS_LENGTH}", key=key)
        vals = [float(start + i * step) for i in range(max(n, 0))]
    if not vals:
        raise SpecError(f"axis {key!r}: range(start={start}, stop={stop}, step={step}) is empty", key=key)
    if len(vals) > MAX_AXIS_LENGTH:
        raise SpecError(f"axis {key!r}: {len(vals)} values is more than {MAX_AXIS_LENGTH}", key=key)
    return vals


def _spaced(key: str, start: Any, stop: Any, num: Any, scale: Any) -> list[float]:
    start, stop = _num(start, key, "start"), _num(stop, key, "stop")
    if isinstance(num, bool) or not isinstance(num, int) or not 1 <= num <= MAX_AXIS_LENGTH:
        raise SpecError(f"axis {key!r}: num must be an integer in [1, {MAX_AXIS_LENGTH}], got {num!r}", key=key)
    if scale == "linear":
        return [float(v) for v in np.linspace(start, stop, num)]
    if scale == "log":
        if start <= 0 or stop <= 0:
            raise SpecError(f"axis {key!r}: scale = \"log\" needs start > 0 and stop > 0", key=key)
        return [float(v) for v in np.geomspace(start, stop, num)]
    raise SpecError(f"axis {key!r}: scale must be \"linear\" or \"log\", got {scale!r}", key=key)


def check_distribution(key: str, dist: Any) -> None:
    """Raise :class:`SpecError` naming ``key`` unless ``dist`` is a valid sample distribution table."""
    if not isinstance(dist, Mapping) or "dist" not in dist:
        raise SpecError(f"sample {key!r} must be a table with a 'dist' key ({', '.join(DISTRIBUTIONS)})", key=key)
    kind = dist["dist"]
    allowed = {
        "uniform": {"low", "high"},
        "loguniform": {"low", "high"},
        "int": {"low", "high"},
        "normal": {"mean", "std"},
        "choice": {"values"},
    }
    if kind not in allowed:
        raise SpecError(f"sample {key!r}: dist {kind!r} is not one of {DISTRIBUTIONS}", key=key)
    got = set(dist) - {"dist"}
    if got != allowed[kind]:
        raise SpecError(f"sample {key!r}: dist {kind!r} takes keys {sorted(allowed[kind])}, got {sorted(got)}",
                        key=key)
    if kind == "choice":
        vals = dist["values"]
        if not isinstance(vals, list) or not vals:
            raise SpecError(f"sample {key!r}: values must be a non-empty list", key=key)
        return
    if kind == "normal":
        _num(dist["mean"], key, "mean")
        if _num(dist["std"], key, "std") <= 0:
            raise SpecError(f"sample {key!r}: std must be > 0", key=key)
        return
    low, high = _num(dist["low"], key, "low"), _num(dist["high"], key, "high")
    if kind == "int":
        if not (isinstance(low, int) and isinstance(high, int)) or high < low:
            raise SpecError(f"sample {key!r}: int needs integers low <= high, got {low!r}, {high!r}", key=key)
    elif not high > low:
        raise SpecError(f"sample {key!r}: needs low < high, got {low!r}, {high!r}", key=key)
    if kind == "loguniform" and low <= 0:
        raise SpecError(f"sample {key!r}: loguniform needs low > 0, got {low!r}", key=key)


def sample_points(dists: Mapping[str, Mapping[str, Any]], n: int, seed: int, method: str = "random"
                  ) -> list[dict[str, Any]]:
    """Draw ``n`` joint points from the distributions ``dists`` (parameter -> distribution table).

    Returns a list of ``n`` dicts (parameter -> Python scalar), a pure function of ``(dists, n, seed,
    method)``: unit-cube points ``u`` of shape (n, len(dists)) are drawn with ``method`` and mapped through
    each distribution's inverse CDF, in the order the parameters are listed.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise SpecError(f"sample n must be an integer >= 1, got {n!r}", key="sample.n")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SpecError(f"sample seed must be an integer >= 0, got {seed!r}", key="sample.seed")
    if method not in SAMPLE_METHODS:
        raise SpecError(f"sample method {method!r} is not one of {SAMPLE_METHODS}", key="sample.method")
    for key, d in dists.items():
        check_distribution(key, d)
    names = list(dists)
    d = len(names)
    if d == 0:
        raise SpecError("[sample] names no parameter to sample", key="sample")
    if method == "random":
        u = np.random.default_rng(seed).random((n, d))
    else:
        from scipy.stats import qmc

        engine = qmc.LatinHypercube(d=d, rng=seed) if method == "lhs" else qmc.Sobol(d=d, scramble=True, rng=seed)
        u = engine.random(n)
    cols: dict[str, list[Any]] = {}
    for j, name in enumerate(names):
        cols[name] = _inverse_cdf(dists[name], u[:, j])
    return [{name: cols[name][i] for name in names} for i in range(n)]


def _inverse_cdf(dist: Mapping[str, Any], u: np.ndarray) -> list[Any]:
    kind = dist["dist"]
    if kind == "uniform":
        return [float(v) for v in dist["low"] + (dist["high"] - dist["low"]) * u]
    if kind == "loguniform":
        lo, hi = math.log(dist["low"]), math.log(dist["high"])
        return [float(v) for v in np.exp(lo + (hi - lo) * u)]
    if kind == "int":
        span = dist["high"] - dist["low"] + 1
        return [int(v) for v in dist["low"] + np.minimum(np.floor(u * span), span - 1).astype(np.int64)]
    if kind == "normal":
        from scipy.special import ndtri

        return [float(v) for v in dist["mean"] + dist["std"] * ndtri(np.clip(u, 1e-12, 1 - 1e-12))]
    vals: Sequence[Any] = dist["values"]
    idx = np.minimum(np.floor(u * len(vals)), len(vals) - 1).astype(np.int64)
    return [_scalar(vals[i]) for i in idx]
