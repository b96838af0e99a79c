"""Cost of IR rows on ``neuromorphic`` targets (Loihi, TrueNorth, SpiNNaker 2, the MTJ core).

Primitive dynamic energy = synops x ``synop_J`` + neuron updates x ``neuron_update_J`` + presynaptic spikes x
(``spike_J`` + ``mean_hops`` x ``hop_J``) (Davies et al. 2018 for Loihi's primitives). Dense (non-spiking) rows are
not executed by this class (:mod:`hwsim.cost.support`: the design is ``supported = False`` with NaN energy and
latency); they contribute no events here. Per inference the chip runs ``T`` time steps (the largest ``time_steps`` of
the spiking and neuron-update rows, 1 when there are none): latency = T x the time per step (``timestep_s``, or
the on-chip event time below; shared among the rows in proportion to their events; at least synops /
``synops_per_s`` when the target gives a peak rate) and the calibrated model adds ``timestep_J`` x T (per-step
energy beyond the events: for Loihi the host spike I/O fitted to Blouw et al., see ``hwsim/targets/loihi.json``) and
``static_power_W`` x latency.

Time step: on a target whose neurons evolve in physical time (``physical_time_steps`` = 1, the MTJ core) a workload
that states its simulated step (the IR's ``dt_s``, :func:`hwsim.ir.time_step_s`) runs one step per ``dt_s``: the
target is re-derived with ``timestep_s = dt_s`` (:func:`hwsim.targets.catalogue.with_overrides`), so the latency is
T x ``dt_s`` and every number derived from the step (the MTJ core's sub-threshold drive energy per neuron update)
follows it. Otherwise (no ``dt_s`` stated, or a digital chip whose ``timestep_s`` is its own wall time per step) the
target's ``timestep_s`` is used. Each design point reports the step it used, ``timestep_s`` [s], and where it came
from, ``timestep_source`` (:data:`TIMESTEP_SOURCES`).

On-chip time per step (targets that give the event latencies of :data:`LATENCY_PARAMS`, Loihi): SANA-FE's simple
timing model (Boyle et al., IEEE TCAD 2025, doi:10.1109/TCAD.2025.3537971; SLAM-Lab/SANA-FE
``src/schedule.cpp``, ``schedule_messages_timestep_simple``) with a core mapping of the network,

    cores = min(ceil(neurons / neurons_per_core), n_cores)
    t_neuron = (updates x neuron_update_latency_s + spikes x spike_out_latency_s) / cores
    t_message = (spikes x spike_in_latency_s + synops x synop_latency_s) / cores   (snn_conv rows: synop_conv_latency_s)
    t_chip = max(t_neuron, t_message) + barrier_latency_s                          [s per step]

with updates, spikes and synops per step (totals / T). Simplifications: (1) neurons are packed on the fewest cores
and every layer is spread evenly over them, so the busiest core carries the mean load (a real layer-by-layer
placement is less even, so t_chip is a lower bound on the busiest core); (2) one spike message per presynaptic
spike (a spike whose targets sit on k cores sends k messages); (3) every neuron is read and updated every step;
(4) as in SANA-FE's simple model, neuron and message processing overlap (the step is the larger of the two) and the
mesh's hop latency and congestion are not modelled. A target that states ``_host_io_per_step`` = f (the fraction of
steps at which the host streams spikes; 1 when absent) takes f x max(``timestep_s``, t_chip) + (1 - f) x t_chip
per step: ``timestep_s`` is then the host-bound wall time per step of a streamed deployment.
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

LATENCY_PARAMS = ("n_cores", "neurons_per_core", "neuron_update_latency_s", "spike_out_latency_s",
                  "spike_in_latency_s", "synop_latency_s", "barrier_latency_s")
"""Parameters of the on-chip event-latency model (all or none; ``synop_conv_latency_s`` is optional)."""
TIMESTEP_SOURCES = ("workload dt_s", "target timestep_s", "on-chip event latency",
                    "host I/O and on-chip event latency")
"""``timestep_source`` values: the workload's dt_s (physical-time targets), the target's ``timestep_s`` (no
event-latency model, or a streamed deployment bound by the host), the on-chip event time (input held on chip, or
events slower than the host), a mix (0 < ``_host_io_per_step`` < 1)."""


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
    t_step = np.full(steps.shape, target.p("timestep_s"))
    src = np.full(steps.shape, source, dtype=object)
    if source == "target timestep_s" and _has_latency_model(target):
        t_step, src = _event_step(c, steps, target)
    t_run = steps * t_step
    if "synops_per_s" in target.params:  # a chip cannot run its events faster than its peak synaptic rate
        t_run = np.maximum(t_run, c.total(synops) / target.p("synops_per_s"))
    lat = share * t_run[:, None]
    neurons = c.total(c.neurons)
    synapses = c.total(c.synapses)
    fits = (neurons <= target.p("max_neurons")) & (synapses <= target.p("max_synapses"))
    zero = np.zeros_like(lat)
    n = lat.shape[0]
    per_point = {"timestep_s": np.broadcast_to(t_step, (n,)).copy(), "timestep_source": src}
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


def _has_latency_model(target: Target) -> bool:
    """True when ``target`` gives every parameter of :data:`LATENCY_PARAMS`; ValueError when only some."""
    have = [k in target.params for k in LATENCY_PARAMS]
    if any(have) and not all(have):
        missing = [k for k, h in zip(LATENCY_PARAMS, have, strict=True) if not h]
        raise ValueError(f"target {target.name!r}: the on-chip event-latency model needs all of {LATENCY_PARAMS}; "
                         f"missing {missing}")
    return all(have)


def on_chip_step_s(c: Counts, steps: np.ndarray, target: Target) -> np.ndarray:
    """On-chip time per step t_chip [s], shape (points,), of the counted workload mapped onto the cores of
    ``target`` (the event-latency model and its simplifications: module docstring). ``steps`` (points,) are the
    time steps per inference (>= 1)."""
    p = target.p
    conv = (np.asarray(c.kind)[None, :] == "snn_conv")
    per = 1.0 / steps
    updates = c.total(c.updates) * per
    spikes = c.total(c.spikes) * per
    syn_conv = c.total(np.where(conv, c.synops, 0.0)) * per
    syn_other = c.total(np.where(conv, 0.0, c.synops)) * per
    cores = np.clip(np.ceil(c.total(c.neurons) / p("neurons_per_core")), 1.0, p("n_cores"))
    t_neuron = updates * p("neuron_update_latency_s") + spikes * p("spike_out_latency_s")
    t_message = (spikes * p("spike_in_latency_s") + syn_other * p("synop_latency_s")
                 + syn_conv * p("synop_conv_latency_s", p("synop_latency_s")))
    return np.maximum(t_neuron, t_message) / cores + p("barrier_latency_s")


def _event_step(c: Counts, steps: np.ndarray, target: Target) -> tuple[np.ndarray, np.ndarray]:
    """Time per step [s] and its source per point: f x max(timestep_s, t_chip) + (1 - f) x t_chip."""
    t_chip = on_chip_step_s(c, steps, target)
    t_host = target.p("timestep_s")
    f = target.p("_host_io_per_step", 1.0)
    if not 0.0 <= f <= 1.0:
        raise ValueError(f"_host_io_per_step must be in [0, 1], got {f!r}")
    t_step = f * np.maximum(t_host, t_chip) + (1.0 - f) * t_chip
    if f == 1.0:
        src = np.where(t_chip > t_host, TIMESTEP_SOURCES[2], TIMESTEP_SOURCES[1])
    else:
        src = np.full(t_step.shape, TIMESTEP_SOURCES[2] if f == 0.0 else TIMESTEP_SOURCES[3])
    return t_step, src.astype(object)
