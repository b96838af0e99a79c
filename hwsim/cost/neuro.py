"""Cost of IR rows on ``neuromorphic`` targets (Loihi, TrueNorth, SpiNNaker 2, the MTJ core).

Primitive dynamic energy = synops x ``synop_J`` + neuron updates x ``neuron_update_J`` + presynaptic spikes x
(``spike_J`` + ``mean_hops`` x ``hop_J``) (Davies et al. 2018 for Loihi's primitives). Dense (non-spiking) rows are
not executed by this class (:mod:`hwsim.cost.support`: the design is ``supported = False`` with NaN energy and
latency); they contribute no events here. Per inference the chip runs ``T`` time steps (the largest ``time_steps`` of
the spiking and neuron-update rows, 1 when there are none): latency = T x ``timestep_s`` (shared among the rows in
proportion to their events; at least synops / ``synops_per_s`` when the target gives a peak rate) and the calibrated
model adds ``timestep_J`` x T (per-step energy beyond the events: for Loihi the host spike I/O fitted to Blouw et
al., see ``hwsim/targets/loihi.json``) and ``static_power_W`` x latency.

Time step: on a target whose neurons evolve in physical time (``physical_time_steps`` = 1, the MTJ core) a workload
that states its simulated step (the IR's ``dt_s``, :func:`hwsim.ir.time_step_s`) runs one step per ``dt_s``: the
target is re-derived with ``timestep_s = dt_s`` (:func:`hwsim.targets.catalogue.with_overrides`), so the latency is
T x ``dt_s`` and every number derived from the step (the MTJ core's sub-threshold drive energy per neuron update)
follows it. Otherwise (no ``dt_s`` stated, or a digital chip whose ``timestep_s`` is its own wall time per step) the
target's ``timestep_s`` is used. Each design point reports the step it used, ``timestep_s`` [s], and where it came
from, ``timestep_source`` ("workload dt_s" or "target timestep_s").
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from hwsim.cost.counts import Counts
from hwsim.cost.opcost import OpCost
from hwsim.cost.points import DesignPoints
from hwsim.ir import time_step_s
from hwsim.targets.catalogue import with_overrides
from hwsim.targets.schema import Target


def cost(df: pd.DataFrame, d: DesignPoints, c: Counts, target: Target) -> OpCost:
    """Per-(point, op) energy components and latency on a neuromorphic target (see the module docstring)."""
    target, source = _stepped(df, target)
    reps = c.reps
    synops, spikes, updates = c.synops, c.spikes, c.updates
    per_spike = target.p("spike_J") + target.p("mean_hops", 0.0) * target.p("hop_J", 0.0)
    energy = {"synop": synops * target.p("synop_J"), "neuron_update": updates * target.p("neuron_update_J"),
              "spike": spikes * per_spike}
    timed = c.spiking | (np.asarray(c.kind)[None, :] == "neuron_update")
    steps = np.max(np.where(timed & (reps > 0), c.time_steps, 1.0), axis=1)
    events = synops + updates
    share = events / np.maximum(c.total(events)[:, None], 1e-300)
    t_run = steps * target.p("timestep_s")
    if "synops_per_s" in target.params:  # a chip cannot run its events faster than its peak synaptic rate
        t_run = np.maximum(t_run, c.total(synops) / target.p("synops_per_s"))
    lat = share * t_run[:, None]
    neurons = c.total(c.neurons)
    synapses = c.total(c.synapses)
    fits = (neurons <= target.p("max_neurons")) & (synapses <= target.p("max_synapses"))
    zero = np.zeros_like(lat)
    n = lat.shape[0]
    per_point = {"timestep_s": np.full(n, target.p("timestep_s")), "timestep_source": np.full(n, source, dtype=object)}
    return OpCost(latency_s=lat, latency_compute_s=lat, latency_memory_s=zero, energy=energy, bytes={},
                  util=np.ones_like(lat), precision=np.zeros(lat.shape, dtype=np.int64), precision_keys=["spike"],
                  steps=steps, fits=fits, per_point=per_point)


def _stepped(df: pd.DataFrame, target: Target) -> tuple[Target, str]:
    """The target at the workload's stated step (physical-time targets only) and the step's source."""
    dt = time_step_s(df)
    if target.p("physical_time_steps", 0.0) < 0.5 or math.isnan(dt):
        return target, "target timestep_s"
    if dt != target.p("timestep_s"):
        target = with_overrides(target, timestep_s=dt)
    return target, "workload dt_s"
