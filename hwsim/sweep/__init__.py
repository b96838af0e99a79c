"""Resumable parameter sweeps: study specs (TOML), overrides, hashing, Parquet parts and executors.

Typical use::

    from hwsim.sweep import load_spec, run_sweep, SweepDir

    spec = load_spec("study.toml", overrides=["n_hidden=16,32,64"])
    run_sweep(spec, "runs/study", executor="joblib", n_jobs=4)
    df = SweepDir("runs/study").load()        # one row per point (or per result row), parameters + results

Modules: :mod:`~hwsim.sweep.spec` (spec format), :mod:`~hwsim.sweep.axes` (axis forms, random samples),
:mod:`~hwsim.sweep.overrides` (``key=a,b,c``), :mod:`~hwsim.sweep.plan` (binding to the experiment, checks),
:mod:`~hwsim.sweep.hashing`, :mod:`~hwsim.sweep.storage` (folder layout, atomic parts, status, compact),
:mod:`~hwsim.sweep.executors` (serial, joblib, Dask), :mod:`~hwsim.sweep.engine` (the driver).
Names below are imported on first use, so ``import hwsim.sweep`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Spec": "hwsim.sweep.spec",
    "load_spec": "hwsim.sweep.spec",
    "Plan": "hwsim.sweep.plan",
    "make_plan": "hwsim.sweep.plan",
    "run_sweep": "hwsim.sweep.engine",
    "SweepResult": "hwsim.sweep.engine",
    "SweepDir": "hwsim.sweep.storage",
    "SpecError": "hwsim.sweep.errors",
    "SweepLockedError": "hwsim.sweep.errors",
    "Objective": "hwsim.sweep.objectives",
    "parse_objectives": "hwsim.sweep.objectives",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'hwsim.sweep' has no attribute {name!r}")
