"""Target file format: every number is a *quantity* with its unit, source and status.

A target file is JSON (``hwsim/targets/<name>.json``)::

    {
      "name": "loihi", "class": "neuromorphic", "description": "...",
      "params": {
        "synop_J": {"value": 23.6e-12, "unit": "J", "status": "paper",
                    "source": "Davies et al., IEEE Micro 38(1) 82-99, 2018, doi:10.1109/MM.2018.112130359, Table 1"},
        "timestep_J": {"expr": "(E_meas_J - E_prim_J) / T", "unit": "J", "status": "fitted", "source": "..."},
        ...
      },
      "memory": [ {"name": "sram", "capacity_B": {...}, "bandwidth_B_per_s": {...}, "energy_J_per_B": {...},
                   "holds": ["weights", "inputs", "outputs"]}, ... ],      # inner -> outer (array/cpu classes)
      "spatial": {"mode": "ceil" | "divisor", "axes": [{"size": 16, "dims": ["K"]}, ...]}   # optional
      "peak_macs_per_s": {"int8": {...}, "bf16": {...}},                    # array class
      "mac_J": {"int8": {...}, ...},                                       # array class
      "sparsity": {"skip": ["n:m"], "compressed": ["n:m"]},                # optional
      "notes": "free text"
    }

A quantity has ``unit`` and ``status`` and ``source`` and exactly one of ``value`` (a number), ``expr`` (arithmetic
over other ``params`` names and the constants of :data:`hwsim.cost.primitives.CONSTANTS`, evaluated at load) or
``provider`` (the name of a computed value in :data:`hwsim.targets.providers.PROVIDERS`, e.g. the MTJ energy per
spike from ``devices``, evaluated lazily at load). ``status`` is one of :data:`STATUSES`:

* ``paper`` - a peer-reviewed or preprint publication (cite DOI/arXiv and the table/figure);
* ``datasheet`` - a vendor datasheet or product brief;
* ``quoted`` - a secondary quote of a primary figure (issue text, slides) not checked against the primary;
* ``derived`` - computed here from other numbers (``expr`` or ``provider``), formula in the file;
* ``fitted`` - fitted to one published measurement (say which);
* ``assumed`` - an engineering assumption (say why).

The schema below lists, per target class, the required and optional parameters with their unit and the range a
physical value must lie in; :mod:`hwsim.targets.catalogue` enforces it and names file, row and field on error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

STATUSES = ("paper", "datasheet", "quoted", "derived", "fitted", "assumed")
CLASSES = ("array", "cpu", "neuromorphic", "cim")
PRECISIONS = ("int2", "int4", "int8", "int16", "int32", "fp8", "fp16", "bf16", "tf32", "fp32")
"""Compute precision keys of ``peak_macs_per_s`` / ``mac_J`` / ``macs_per_instr`` tables."""
TENSORS = ("weights", "inputs", "outputs")


@dataclass(frozen=True)
class Spec:
    """Expected unit and physical range ``(low, high)`` (open at ``low`` unless ``low_inclusive``)."""

    unit: str
    low: float = 0.0
    high: float = math.inf
    low_inclusive: bool = False
    doc: str = ""


COMMON_REQUIRED: dict[str, Spec] = {
    "node_nm": Spec("nm", 1.0, 1000.0, doc="process node"),
    "static_power_W": Spec("W", 0.0, 1e4, low_inclusive=True, doc="power drawn while the workload runs, "
                           "besides the modelled dynamic energy (leakage, clocks, board)"),
}
COMMON_OPTIONAL: dict[str, Spec] = {
    "clock_Hz": Spec("Hz", 1e3, 1e11, doc="core clock"),
    "overhead_per_op_s": Spec("s", 0.0, 1.0, low_inclusive=True, doc="fixed latency per IR row (kernel launch)"),
    "dynamic_scale": Spec("1", 0.0, 1e4, low_inclusive=True, doc="calibrated dynamic energy / primitive dynamic"),
    "tdp_W": Spec("W", 0.0, 1e4, doc="thermal design power (information)"),
    "weight_memory_B": Spec("B", 0.0, 1e15, doc="capacity that must hold the weights (fits check)"),
}

CLASS_REQUIRED: dict[str, dict[str, Spec]] = {
    "array": {},
    "cpu": {
        "mips": Spec("MIPS", 0.0, 1e7, doc="sustained million instructions per second, all cores"),
        "instr_J": Spec("J", 0.0, 1e-6, doc="energy per instruction (power / instruction rate)"),
        "instr_per_synop": Spec("1", 0.0, 1e4, doc="instructions per event-driven synaptic accumulate"),
        "instr_per_neuron_update": Spec("1", 0.0, 1e5, doc="instructions per neuron state update"),
    },
    "neuromorphic": {
        "synop_J": Spec("J", 0.0, 1e-6, doc="energy per synaptic operation"),
        "neuron_update_J": Spec("J", 0.0, 1e-6, low_inclusive=True, doc="energy per neuron update (0: included in "
                                 "synop_J or static power)"),
        "spike_J": Spec("J", 0.0, 1e-6, low_inclusive=True, doc="energy per emitted spike (routing)"),
        "timestep_J": Spec("J", 0.0, 1.0, low_inclusive=True, doc="fixed energy per time step (management)"),
        "timestep_s": Spec("s", 0.0, 10.0, doc="wall time per time step"),
        "max_neurons": Spec("1", 0.0, 1e12, doc="neurons per chip"),
        "max_synapses": Spec("1", 0.0, 1e15, doc="synapses per chip"),
    },
    "cim": {
        "rows": Spec("1", 0.0, 1e6, doc="crossbar rows (inputs)"),
        "cols": Spec("1", 0.0, 1e6, doc="crossbar columns"),
        "cell_bits": Spec("bit", 0.0, 16.0, doc="bits stored per cell"),
        "cell_read_J": Spec("J", 0.0, 1e-9, doc="energy per cell per 1-bit input read cycle"),
        "adc_J": Spec("J", 0.0, 1e-6, doc="energy per ADC conversion"),
        "dac_J": Spec("J", 0.0, 1e-6, low_inclusive=True, doc="energy per input-bit DAC drive per row"),
        "adc_per_crossbar": Spec("1", 0.0, 1e6, doc="ADCs shared by the columns of one crossbar"),
        "adc_rate_Hz": Spec("Hz", 0.0, 1e12, doc="conversions per second per ADC"),
        "n_crossbars": Spec("1", 0.0, 1e9, doc="crossbars on the chip"),
        "digital_op_J": Spec("J", 0.0, 1e-9, low_inclusive=True, doc="shift-add per ADC output"),
    },
}
CLASS_OPTIONAL: dict[str, dict[str, Spec]] = {
    "array": {},
    "cpu": {},
    "neuromorphic": {
        "neuron_update_active_J": Spec("J", 0.0, 1e-6, doc="energy per update of a neuron that received input"),
        "syn_update_J": Spec("J", 0.0, 1e-6, doc="energy per synaptic update (learning)"),
        "hop_J": Spec("J", 0.0, 1e-6, low_inclusive=True, doc="energy per mesh hop of a spike"),
        "mean_hops": Spec("1", 0.0, 1e4, low_inclusive=True, doc="mean mesh hops per spike"),
        "weight_bits": Spec("bit", 0.0, 64.0, doc="synaptic weight precision"),
        "synops_per_s": Spec("1/s", 0.0, 1e16, doc="peak synaptic operations per second (latency bound)"),
        "T_K": Spec("K", 0.0, 2000.0, doc="operating temperature of physical (device) neurons"),
        "physical_time_steps": Spec("1", 0.0, 1.0, low_inclusive=True, doc="1: the neurons evolve in physical "
                                    "time, so a workload step of dt_s seconds takes dt_s (the workload's stated "
                                    "dt_s replaces timestep_s); 0: timestep_s is the chip's wall time per step"),
        # on-chip time per step from event latencies (all seven, or none; hwsim.cost.neuro)
        "n_cores": Spec("1", 0.0, 1e7, doc="neuromorphic cores on the chip"),
        "neurons_per_core": Spec("1", 0.0, 1e9, doc="neurons (compartments) one core holds"),
        "neuron_update_latency_s": Spec("s", 0.0, 1e-3, doc="core time to read and update one neuron per step"),
        "spike_out_latency_s": Spec("s", 0.0, 1e-3, low_inclusive=True, doc="sending core's time per spike "
                                    "message (soma spike out + axon out)"),
        "spike_in_latency_s": Spec("s", 0.0, 1e-3, low_inclusive=True, doc="receiving core's time per spike "
                                   "message (axon in)"),
        "synop_latency_s": Spec("s", 0.0, 1e-3, doc="receiving core's time per synaptic operation"),
        "barrier_latency_s": Spec("s", 0.0, 1e-2, low_inclusive=True, doc="end-of-step barrier synchronisation"),
        "synop_conv_latency_s": Spec("s", 0.0, 1e-3, doc="time per synaptic operation of a convolutional "
                                     "(shared-weight) row; default synop_latency_s"),
    },
    "cim": {
        "adc_enob": Spec("bit", 0.0, 32.0, doc="ADC effective number of bits"),
        "adc_fom_J_per_step": Spec("J", 0.0, 1e-9, doc="Walden figure of merit"),
    },
}

PRECISION_TABLE_SPECS = {
    "peak_macs_per_s": Spec("MAC/s", 0.0, 1e18, doc="dense peak multiply-accumulates per second"),
    "mac_J": Spec("J", 0.0, 1e-6, doc="energy per multiply-accumulate"),
    "macs_per_instr": Spec("1", 0.0, 1e4, doc="multiply-accumulates per instruction"),
}
CLASS_TABLES = {"array": ("peak_macs_per_s", "mac_J"), "cpu": ("macs_per_instr",), "neuromorphic": (), "cim": ()}
LEVEL_SPECS = {
    "capacity_B": Spec("B", 0.0, math.inf, doc="capacity (inf for a backing store)"),
    "bandwidth_B_per_s": Spec("B/s", 0.0, 1e16, doc="bandwidth"),
    "energy_J_per_B": Spec("J/B", 0.0, 1e-6, low_inclusive=True, doc="mean read/write energy per byte"),
}
LEVEL_OPTIONAL = {
    "accesses_per_mac": Spec("1", 0.0, 100.0, low_inclusive=True,
                             doc="for PE-local levels: accesses per MAC (element accesses), replaces the tiling model"),
    "word_bits": Spec("bit", 0.0, 1024.0, doc="word size of a PE-local level (accesses -> bytes)"),
}


@dataclass(frozen=True)
class Quantity:
    """One number with provenance. ``value`` is in SI units (``unit``)."""

    value: float
    unit: str
    status: str
    source: str
    note: str = ""
    expr: str = ""
    provider: str = ""

    def describe(self) -> str:
        how = f" = {self.expr}" if self.expr else (f" <- {self.provider}" if self.provider else "")
        return f"{self.value:.6g} {self.unit} [{self.status}]{how} ({self.source})"


@dataclass(frozen=True)
class Level:
    """One memory level (inner to outer); ``holds`` lists the tensors it stores."""

    name: str
    capacity_B: Quantity
    bandwidth_B_per_s: Quantity
    energy_J_per_B: Quantity
    holds: tuple[str, ...] = TENSORS
    accesses_per_mac: dict[str, Quantity] = field(default_factory=dict)
    word_bits: Quantity | None = None


@dataclass(frozen=True)
class Axis:
    """One dimension of a PE array: ``size`` PEs, loop dimensions it may parallelise (IR names)."""

    size: int
    dims: tuple[str, ...]
    full: tuple[str, ...] = ()


@dataclass(frozen=True)
class Target:
    """A hardware target loaded from its data file; see the module docstring for the fields."""

    name: str
    cls: str
    description: str
    params: dict[str, Quantity]
    tables: dict[str, dict[str, Quantity]]
    memory: tuple[Level, ...]
    spatial_mode: str = "ceil"
    axes: tuple[Axis, ...] = ()
    sparsity_skip: tuple[str, ...] = ()
    sparsity_compressed: tuple[str, ...] = ()
    notes: str = ""
    path: str = ""
    overrides: tuple[tuple[str, float], ...] = ()

    def p(self, name: str, default: float | None = None) -> float:
        """Value of parameter ``name`` (SI units); ``default`` when absent, else KeyError naming the target."""
        q = self.params.get(name)
        if q is None:
            if default is not None:
                return default
            raise KeyError(f"target {self.name!r} has no parameter {name!r}")
        return q.value

    def provenance(self) -> list[dict[str, Any]]:
        """Every number as rows ``{field, value, unit, status, source, note}`` (for ``hwsim targets show``)."""
        rows = []
        for k, q in self.params.items():
            rows.append({"field": f"params.{k}", **_q(q)})
        for t, table in self.tables.items():
            for k, q in table.items():
                rows.append({"field": f"{t}.{k}", **_q(q)})
        for lv in self.memory:
            for f in ("capacity_B", "bandwidth_B_per_s", "energy_J_per_B"):
                rows.append({"field": f"memory.{lv.name}.{f}", **_q(getattr(lv, f))})
            for k, q in lv.accesses_per_mac.items():
                rows.append({"field": f"memory.{lv.name}.accesses_per_mac.{k}", **_q(q)})
        return rows


def _q(q: Quantity) -> dict[str, Any]:
    return {"value": q.value, "unit": q.unit, "status": q.status, "source": q.source,
            "note": q.note or (f"= {q.expr}" if q.expr else (f"<- {q.provider}" if q.provider else ""))}
