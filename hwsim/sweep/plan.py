"""Bind a spec to its experiment: check every key and value, complete each point and compute its hash.

Everything here runs before any point does, so a bad spec or override fails early, naming the key.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hwsim.experiments import Experiment, resolve
from hwsim.sweep.errors import SpecError
from hwsim.sweep.hashing import code_version, files_digest, point_hash, resolve_files
from hwsim.sweep.spec import Spec


@dataclass(frozen=True)
class Plan:
    """A spec bound to its experiment.

    ``params[i]`` holds every keyword argument of point ``i`` (defaults included) and ``hashes[i]`` its key;
    ``files`` lists the data files (display name, path) whose contents enter the hashes; ``n_duplicates``
    counts spec points dropped because they repeat an earlier point exactly.
    """

    spec: Spec
    experiment: Experiment
    code_version: str
    files: list[tuple[str, Path]]
    files_digest: str
    params: list[dict[str, Any]]
    hashes: list[str]
    n_duplicates: int = 0
    columns: list[str] = field(default_factory=list)

    @property
    def n_points(self) -> int:
        return len(self.hashes)

    def manifest(self) -> dict[str, Any]:
        """JSON-serialisable description stored as ``sweep.json`` beside the results."""
        from hwsim import __version__

        return {
            "name": self.spec.name,
            "experiment": self.experiment.name,
            "experiment_ref": self.experiment.ref,
            "code_version": self.code_version,
            "files": [name for name, _ in self.files],
            "files_digest": self.files_digest,
            "n_points": self.n_points,
            "param_columns": self.columns,
            "varying": [k for k in self.spec.varying if k in self.columns],
            "report": dict(self.spec.report),
            "spec": dict(self.spec.raw),
            "hwsim_version": __version__,
            "python": sys.version.split()[0],
        }


def make_plan(spec: Spec) -> Plan:
    """Resolve ``spec.experiment`` and check and expand every point.

    Raises :class:`SpecError` naming the key for an unknown experiment, an unknown key, a missing required
    parameter, a value of the wrong type or out of the experiment's declared range, ``seeds`` for an
    experiment without a ``seed`` parameter, or a ``files`` entry that matches nothing.
    """
    exp = resolve(spec.experiment)
    if spec.seeds is not None and "seed" not in exp.params and not exp.var_keyword:
        raise SpecError(f"seeds is set but experiment {exp.name!r} ({exp.ref}) has no 'seed' parameter",
                        key="seeds")
    known = set(exp.params)
    for key in spec.keys:
        if key not in known and not exp.var_keyword:
            where = f" ({spec.origins[key]})" if key in spec.origins else ""
            raise SpecError(f"unknown key {key!r}{where}: experiment {exp.name!r} ({exp.ref}) has parameters "
                            f"{', '.join(exp.params) or '(none)'}", key=key)
    cache: dict[tuple[str, str, Any], Any] = {}

    def check(key: str, value: Any) -> Any:
        ck = (key, type(value).__name__, value)
        try:
            return cache[ck]
        except KeyError:
            pass
        except TypeError:  # unhashable: let bind() report it
            return value
        where = f" ({spec.origins[key]})" if key in spec.origins else ""
        p = exp.params.get(key)
        out = p.check(value, where) if p is not None else value
        cache[ck] = out
        return out

    files = resolve_files(spec.files, spec.base_dir)
    if exp.files:
        mod = sys.modules.get(exp.module)
        mdir = Path(mod.__file__).parent if getattr(mod, "__file__", None) else None
        files = sorted(dict(files + resolve_files(exp.files, mdir)).items())
    fdig = files_digest(files)
    cv = spec.code_version or code_version(exp.func, exp.module)
    params: list[dict[str, Any]] = []
    hashes: list[str] = []
    seen: set[str] = set()
    n_dup = 0
    template: dict[str, Any] | None = None
    for point in spec.points():
        checked = {k: check(k, v) for k, v in point.items()}
        if template is None:
            template = exp.bind(checked, spec.origins)  # defaults, required parameters, column order
        full = {k: checked.get(k, template[k]) for k in template}
        full.update({k: v for k, v in checked.items() if k not in full})
        h = point_hash(exp.ref, full, cv, fdig)
        if h in seen:
            n_dup += 1
            continue
        seen.add(h)
        params.append(full)
        hashes.append(h)
    columns = list(template) if template else []
    return Plan(spec=spec, experiment=exp, code_version=cv, files=files, files_digest=fdig, params=params,
                hashes=hashes, n_duplicates=n_dup, columns=columns)


def plan_frame(plan: Plan) -> Any:
    """The plan as a DataFrame: ``point_index``, ``point_hash`` and one column per parameter."""
    import pandas as pd

    df = pd.DataFrame(plan.params, columns=plan.columns)
    df.insert(0, "point_hash", plan.hashes)
    df.insert(0, "point_index", range(plan.n_points))
    return df


def describe_axes(plan: Plan) -> Mapping[str, list[Any]]:
    """Swept parameter -> its distinct values in the plan (first-seen order)."""
    out: dict[str, list[Any]] = {}
    for k in plan.spec.varying:
        vals: dict[Any, None] = {}
        for p in plan.params:
            vals.setdefault(p[k], None)
        out[k] = list(vals)
    return out
