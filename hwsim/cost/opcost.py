"""Container of per-(point, op) cost arrays returned by the target-class models."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class OpCost:
    """Per-(point, op) arrays of shape (points, ops).

    ``energy`` maps a component name (``mac``, ``mem:<level>``, ``synop``, ``neuron_update``, ``spike``, ``adc``,
    ``cell``, ``dac``, ``digital``, ``instr``) to its primitive energy [J]; ``bytes`` maps a memory level to bytes
    moved; ``precision`` indexes ``precision_keys``. ``steps`` (points,) is the time steps per inference of
    time-stepped targets (1 otherwise); ``fits`` (points,) says whether the workload fits the target's capacity.
    ``per_point`` holds extra per-point outputs of a class model (arrays of shape (points,)), added to the totals
    under their names (e.g. the neuromorphic ``timestep_s`` and ``timestep_source``).
    """

    latency_s: np.ndarray
    latency_compute_s: np.ndarray
    latency_memory_s: np.ndarray
    energy: dict[str, np.ndarray]
    bytes: dict[str, np.ndarray]
    util: np.ndarray
    precision: np.ndarray
    precision_keys: list[str]
    steps: np.ndarray
    fits: np.ndarray
    notes: dict[str, str] = field(default_factory=dict)
    per_point: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def energy_primitive_J(self) -> np.ndarray:
        """Sum of the primitive energy components, shape (points, ops)."""
        tot = np.zeros_like(self.latency_s)
        for v in self.energy.values():
            tot = tot + v
        return tot
