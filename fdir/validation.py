"""Known-answer cases of ``fdir`` for ``hwsim validate fdir``: gathered from the telemetry side
(data, metrics, detectors on SMAP/MSL and OPS-SAT-AD) and the reaction-wheel side (simulator, peephole,
FDIR logic, runtime)."""

from __future__ import annotations

import importlib


def cases() -> list[dict]:
    out: list[dict] = []
    for name in ("fdir._cases_telemetry", "fdir._cases_detectors", "fdir._cases_spiking", "fdir.reaction_wheel.cases"):
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        out.extend(mod.cases())
    return out
