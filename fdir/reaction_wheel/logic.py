"""FDIR logic for the reaction-wheel assembly (detect → confirm → isolate → recover → escalate).

The implementation is onboard code and lives in the numpy-only runtime, :mod:`fdir.runtime.logic` (module doc:
the chain, the recovery table, ECSS-E-ST-70-11C conventions); this module re-exports it for the offline side
(studies, experiments, notebooks).
"""

from fdir.runtime.logic import (
    ACTION_LEVEL,
    ACTIONS,
    CHANNELS,
    DEFAULT_TABLE,
    EVENTS,
    FAULT_TYPES,
    LOG_DTYPE,
    WHEELS,
    FdirConfig,
    FdirManager,
    Persistence,
)

__all__ = [
    "ACTIONS",
    "ACTION_LEVEL",
    "CHANNELS",
    "DEFAULT_TABLE",
    "EVENTS",
    "FAULT_TYPES",
    "LOG_DTYPE",
    "WHEELS",
    "FdirConfig",
    "FdirManager",
    "Persistence",
]
