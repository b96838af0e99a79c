"""Study specs: which experiment to run, on which parameter values, read from TOML.

A spec (all tables optional except ``experiment``)::

    name = "toy"                          # default: the file name without .toml
    experiment = "snn_sweep"              # a registered name (hwsim.experiments) or "module:function"
    description = "..."
    seeds = 3                             # a seed axis 0, 1, 2 (or a list [1, 5, 9]) for the `seed` parameter
    chunk_size = 50                       # points per task / per Parquet part (default: chosen per executor)
    files = ["targets/*.json"]            # data files whose contents key the stored points (paths relative to
                                          # the spec, globs, or "package:relative/glob")
    code_version = "v1"                   # pin the code version that keys stored points (default: computed)

    [fixed]                               # one value each
    T_K = 300.0

    [axes]                                # the Cartesian product (grid) of these axes, the last one fastest
    n_hidden = [16, 32, 64]
    dt_s = {start = 1e-4, stop = 1e-3, num = 4, scale = "log"}

    [[zip]]                               # a group of equal-length axes varied together (several allowed)
    width = [8, 16]
    lr = [1e-2, 5e-3]

    [sample]                              # n random joint points, crossed with the grid
    n = 8                                 # the scalar entries n, seed and method are settings; every
    seed = 0                              # table-valued entry samples the parameter of that name
    method = "lhs"                        # random | lhs | sobol
    leak = {dist = "uniform", low = 0.8, high = 0.99}

    [report]                              # how `hwsim report` / `hwsim pareto` / `hwsim run` summarise it
    objectives = ["energy_J:min", "f0_5:max"]   # the first two are the Pareto plot's x and y
    group_by = ["target"]                 # best design and front per group
    columns = ["f1", "latency_s"]         # further result columns shown in the report's tables
    choose = {quality = "f0_5:max", cost = "energy_J:min", tolerance = 0.02}  # the design chosen per group
    logx = true

    [profiles.full]                       # named variants selected with --profile NAME (`hwsim run --full`)
    fixed = {channels = "all"}

The points are ``product(axes) x zip groups x samples x seeds``, each merged with ``[fixed]``. Axis forms and
sample distributions are described in :mod:`hwsim.sweep.axes`, overrides in :mod:`hwsim.sweep.overrides`.
"""

from __future__ import annotations

import copy
import itertools
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hwsim.sweep.axes import SAMPLE_METHODS, axis_values, check_distribution, sample_points
from hwsim.sweep.errors import SpecError
from hwsim.sweep.objectives import Objective, parse_objectives
from hwsim.sweep.overrides import apply_overrides, set_param

TOP_KEYS = ("name", "experiment", "description", "seeds", "chunk_size", "files", "code_version", "fixed", "axes",
            "zip", "sample", "report", "profiles")
REPORT_KEYS = ("objectives", "group_by", "rank_by", "logx", "logy", "title", "columns", "choose")
MAX_POINTS = 10_000_000


@dataclass(frozen=True)
class Spec:
    """A parsed, expanded study spec (see the module docstring for the TOML form).

    ``axes`` and ``zips`` hold expanded value lists; ``sample`` holds ``n``, ``seed``, ``method`` and
    ``dists`` (parameter -> distribution table); ``origins`` maps keys set by overrides to a note naming the
    override; ``raw`` is the spec as a plain dict after profile and overrides (stored with the results).
    """

    experiment: str | Callable[..., Any]
    name: str = "sweep"
    description: str = ""
    fixed: Mapping[str, Any] = field(default_factory=dict)
    axes: Mapping[str, list[Any]] = field(default_factory=dict)
    zips: tuple[Mapping[str, list[Any]], ...] = ()
    sample: Mapping[str, Any] | None = None
    seeds: tuple[int, ...] | None = None
    chunk_size: int | None = None
    files: tuple[str, ...] = ()
    code_version: str | None = None
    report: Mapping[str, Any] = field(default_factory=dict)
    base_dir: Path | None = None
    origins: Mapping[str, str] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def keys(self) -> list[str]:
        """Every parameter key the spec sets (fixed, axes, zip groups, sample, ``seed``), in spec order."""
        out = list(self.fixed) + list(self.axes)
        for g in self.zips:
            out += list(g)
        if self.sample:
            out += list(self.sample["dists"])
        if self.seeds is not None:
            out.append("seed")
        return out

    @property
    def varying(self) -> list[str]:
        """The swept parameter keys (axes, zip groups, sample, seed)."""
        return [k for k in self.keys if k not in self.fixed]

    @property
    def n_points(self) -> int:
        n = 1
        for v in self.axes.values():
            n *= len(v)
        for g in self.zips:
            n *= len(next(iter(g.values())))
        if self.sample:
            n *= self.sample["n"]
        if self.seeds is not None:
            n *= len(self.seeds)
        return n

    @property
    def objectives(self) -> list[Objective]:
        """The ``[report] objectives`` (empty list when the spec names none)."""
        obj = self.report.get("objectives")
        return parse_objectives(obj, "report.objectives") if obj else []

    def points(self) -> Iterator[dict[str, Any]]:
        """Yield the spec's points (parameter dicts, fixed values included) in a fixed order."""
        factors: list[list[dict[str, Any]]] = [[{k: v} for v in vals] for k, vals in self.axes.items()]
        for g in self.zips:
            n = len(next(iter(g.values())))
            factors.append([{k: vals[i] for k, vals in g.items()} for i in range(n)])
        if self.sample:
            factors.append(sample_points(self.sample["dists"], self.sample["n"], self.sample["seed"],
                                         self.sample["method"]))
        if self.seeds is not None:
            factors.append([{"seed": s} for s in self.seeds])
        for combo in itertools.product(*factors):
            point = dict(self.fixed)
            for part in combo:
                point.update(part)
            yield point

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], *, base_dir: Path | None = None, name: str | None = None,
                  origins: Mapping[str, str] | None = None) -> Spec:
        """Check and expand a raw spec dict (profiles already applied). Raises :class:`SpecError` naming the key."""
        raw = dict(raw)
        unknown = [k for k in raw if k not in TOP_KEYS]
        if unknown:
            raise SpecError(f"unknown spec key {unknown[0]!r}; accepted: {', '.join(TOP_KEYS)}", key=unknown[0])
        if "experiment" not in raw:
            raise SpecError("the spec names no experiment (experiment = \"name\" or \"module:function\")",
                            key="experiment")
        exp = raw["experiment"]
        if not (callable(exp) or (isinstance(exp, str) and exp.strip())):
            raise SpecError(f"experiment must be a registered name or 'module:function', got {exp!r}",
                            key="experiment")
        spec_name = str(raw.get("name") or name or "sweep")
        fixed = _table(raw, "fixed")
        for k, v in fixed.items():
            if isinstance(v, list | dict):
                raise SpecError(f"fixed {k!r} must be a scalar, got {v!r} (put lists under [axes])", key=k)
        axes = {k: axis_values(k, v) for k, v in _table(raw, "axes").items()}
        zips = []
        zraw = raw.get("zip", [])
        if isinstance(zraw, Mapping):
            zraw = [zraw]
        if not isinstance(zraw, list):
            raise SpecError("zip must be a table or an array of tables ([[zip]])", key="zip")
        for g in zraw:
            if not isinstance(g, Mapping) or not g:
                raise SpecError("each [[zip]] group must be a non-empty table of axes", key="zip")
            vals = {k: axis_values(k, v) for k, v in g.items()}
            lens = {k: len(v) for k, v in vals.items()}
            if len(set(lens.values())) > 1:
                key = sorted(lens)[0]
                raise SpecError(f"[[zip]] axes must have equal lengths, got {lens}", key=key)
            zips.append(vals)
        sample = _sample(raw.get("sample"))
        seeds = _seeds(raw.get("seeds"))
        seen: dict[str, str] = {}
        places = [("fixed", fixed), ("axes", axes), *[("zip", g) for g in zips],
                  ("sample", sample["dists"] if sample else {}), ("seeds", {"seed": 0} if seeds else {})]
        for where, table in places:
            for k in table:
                if k in seen:
                    raise SpecError(f"parameter {k!r} is set twice (in {seen[k]} and {where})", key=k)
                seen[k] = where
        chunk = raw.get("chunk_size")
        if chunk is not None and (isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1):
            raise SpecError(f"chunk_size must be an integer >= 1, got {chunk!r}", key="chunk_size")
        files = raw.get("files", [])
        if isinstance(files, str):
            files = [files]
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            raise SpecError("files must be a list of paths or globs", key="files")
        cv = raw.get("code_version")
        if cv is not None and not isinstance(cv, str):
            cv = str(cv)
        report = _table(raw, "report")
        bad = [k for k in report if k not in REPORT_KEYS]
        if bad:
            raise SpecError(f"unknown [report] key {bad[0]!r}; accepted: {', '.join(REPORT_KEYS)}",
                            key=f"report.{bad[0]}")
        if "objectives" in report:
            parse_objectives(report["objectives"], "report.objectives")
        if "rank_by" in report:
            parse_objectives(report["rank_by"], "report.rank_by")
        if "columns" in report and not (isinstance(report["columns"], list)
                                        and all(isinstance(c, str) for c in report["columns"])):
            raise SpecError("[report] columns must be a list of result column names", key="report.columns")
        if "choose" in report:
            from hwsim.report.choice import parse_choose

            parse_choose(report["choose"])
        spec = cls(experiment=exp if callable(exp) else exp.strip(), name=spec_name,
                   description=str(raw.get("description", "")), fixed=fixed, axes=axes, zips=tuple(zips),
                   sample=sample, seeds=seeds, chunk_size=chunk, files=tuple(files), code_version=cv,
                   report=report, base_dir=base_dir, origins=dict(origins or {}), raw=_plain(raw))
        if spec.n_points > MAX_POINTS:
            raise SpecError(f"the spec expands to {spec.n_points} points, more than {MAX_POINTS}", key="axes")
        return spec


def _table(raw: Mapping[str, Any], key: str) -> dict[str, Any]:
    t = raw.get(key, {})
    if not isinstance(t, Mapping):
        raise SpecError(f"[{key}] must be a table, got {t!r}", key=key)
    return dict(t)


def _sample(s: Any) -> dict[str, Any] | None:
    if s is None:
        return None
    if not isinstance(s, Mapping):
        raise SpecError("[sample] must be a table", key="sample")
    s = dict(s)
    # scalar entries are the settings; every table-valued entry samples the parameter of that name
    n, seed, method = (s.pop(k, default) if not isinstance(s.get(k), Mapping) else default
                       for k, default in (("n", None), ("seed", 0), ("method", "random")))
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise SpecError(f"[sample] n must be an integer >= 1, got {n!r}", key="sample.n")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SpecError(f"[sample] seed must be an integer >= 0, got {seed!r}", key="sample.seed")
    if method not in SAMPLE_METHODS:
        raise SpecError(f"[sample] method {method!r} is not one of {SAMPLE_METHODS}", key="sample.method")
    if not s:
        raise SpecError("[sample] names no parameter to sample", key="sample")
    for k, d in s.items():
        check_distribution(k, d)
    return {"n": n, "seed": seed, "method": method, "dists": s}


def _seeds(s: Any) -> tuple[int, ...] | None:
    if s is None:
        return None
    if isinstance(s, int) and not isinstance(s, bool):
        if s < 1:
            raise SpecError(f"seeds must be a count >= 1 or a list of seeds, got {s!r}", key="seeds")
        return tuple(range(s))
    if isinstance(s, list) and s and all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in s):
        if len(set(s)) != len(s):
            raise SpecError(f"seeds has repeated values: {s!r}", key="seeds")
        return tuple(s)
    raise SpecError(f"seeds must be a count >= 1 or a list of distinct integers >= 0, got {s!r}", key="seeds")


def _plain(raw: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy({k: v for k, v in raw.items() if k != "experiment"})
    exp = raw["experiment"]
    out["experiment"] = exp if isinstance(exp, str) else f"{exp.__module__}:{exp.__qualname__}"
    return out


def apply_profile(raw: Mapping[str, Any], profile: str | None) -> dict[str, Any]:
    """Return ``raw`` with profile ``profile`` (a ``[profiles.NAME]`` table) merged in, and ``profiles`` dropped.

    A profile's ``fixed``/``axes`` entries move the parameter there (as an override would); its ``zip`` and
    ``sample`` tables replace the spec's; ``report`` entries update the spec's; other keys replace them.
    Raises :class:`SpecError` for an unknown profile name.
    """
    out = copy.deepcopy(dict(raw))
    profiles = out.pop("profiles", {}) or {}
    if not isinstance(profiles, Mapping):
        raise SpecError("[profiles] must be a table of tables", key="profiles")
    if profile is None:
        return out
    if profile not in profiles:
        names = ", ".join(sorted(profiles)) or "(none)"
        raise SpecError(f"unknown profile {profile!r}; the spec defines: {names}", key="profile")
    prof = profiles[profile]
    if not isinstance(prof, Mapping):
        raise SpecError(f"[profiles.{profile}] must be a table", key=f"profiles.{profile}")
    for k, v in prof.items():
        if k in ("fixed", "axes"):
            if not isinstance(v, Mapping):
                raise SpecError(f"[profiles.{profile}.{k}] must be a table", key=f"profiles.{profile}.{k}")
            for pk, pv in v.items():
                set_param(out, pk, pv, is_axis=(k == "axes"))
        elif k == "report":
            out.setdefault("report", {}).update(v)
        elif k in TOP_KEYS and k != "profiles":
            out[k] = copy.deepcopy(v)
        else:
            raise SpecError(f"unknown key {k!r} in [profiles.{profile}]", key=f"profiles.{profile}.{k}")
    return out


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML spec file; raise :class:`SpecError` for a missing file or a TOML syntax error."""
    p = Path(path)
    if not p.is_file():
        raise SpecError(f"spec file {str(p)!r} not found", key="spec")
    try:
        with p.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"spec file {str(p)!r} is not valid TOML: {exc}", key="spec") from exc


def load_spec(source: str | Path | Mapping[str, Any], *, profile: str | None = None,
              overrides: Iterable[str] = (), base_dir: str | Path | None = None, name: str | None = None) -> Spec:
    """Read a spec (a TOML file path or a dict), apply a profile and ``key=a,b,c`` overrides, and expand it.

    Relative ``files`` entries are resolved against ``base_dir`` (default: the spec file's folder, or the
    working directory for a dict). Raises :class:`SpecError` naming the key on any problem. The experiment
    itself is checked later, by :func:`hwsim.sweep.plan.make_plan`, still before any work starts.
    """
    if isinstance(source, Mapping):
        raw = dict(source)
        bdir = Path(base_dir) if base_dir else Path.cwd()
    else:
        raw = read_toml(source)
        bdir = Path(base_dir) if base_dir else Path(source).resolve().parent
        name = name or Path(source).stem
    raw = apply_profile(raw, profile)
    raw, origins = apply_overrides(raw, overrides)
    return Spec.from_dict(raw, base_dir=bdir, name=name, origins=origins)
