"""Cost of IR rows on ``neuromorphic`` targets (Loihi, TrueNorth, SpiNNaker 2, the MTJ core).

Primitive dynamic energy = synops x ``synop_J`` + neuron updates x ``neuron_update_J`` + presynaptic spikes x
(``spike_J`` + ``mean_hops`` x ``hop_J``) (Davies et al. 2018 for Loihi's primitives). Dense (non-spiking) rows are
not executed by this class (:mod:`hwsim.cost.support`: the design is ``supported = False`` with NaN energy and
latency); they contribute no events here. Per inference the chip runs ``T`` time steps (the largest ``time_steps`` of
the spiking and neuron-update rows, 1 when there are none): latency = T x ``timestep_s`` (shared among the rows in
proportion to their events; at least synops / ``synops_per_s`` when the target gives a peak rate) and the calibrated
model adds ``timestep_J`` x T (management energy, fitted for Loihi) and ``static_power_W`` x latency.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hwsim.cost.counts import Counts
from hwsim.cost.opcost import OpCost
from hwsim.cost.points import DesignPoints
from hwsim.targets.schema import Target


def cost(df: pd.DataFrame, d: DesignPoints, c: Counts, target: Target) -> OpCost:
    """Per-(point, op) energy components and latency on a neuromorphic target (see the module docstring)."""
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
    return OpCost(latency_s=lat, latency_compute_s=lat, latency_memory_s=zero, energy=energy, bytes={},
                  util=np.ones_like(lat), precision=np.zeros(lat.shape, dtype=np.int64), precision_keys=["spike"],
                  steps=steps, fits=fits)
