"""Cost of IR rows on ``array`` targets (accelerators, GPUs): roofline latency and primitive energy.

* compute time = effective MACs / (peak MACs/s at the compute precision x spatial utilisation);
* memory time = max over levels of bytes / bandwidth; op latency = max(compute, memory) + ``overhead_per_op_s``
  for every row that does work (roofline, Williams, Waterman, Patterson, CACM 52(4), 2009);
* energy = effective MACs x ``mac_J`` at the compute precision + sum over levels of bytes x energy per byte.

MoE ``expert`` rows: the experts of a layer run concurrently, each on an equal share of the compute units, so the
busiest expert, loaded ``imbalance`` (>= 1) times the mean, sets the compute time: compute time x ``imbalance``
(Lepikhin et al., GShard, arXiv:2006.16668; Fedus et al., Switch Transformers, JMLR 23, 2022). Weight streaming
is shared and unchanged, so a memory-bound decode step (batch 1) does not slow down; a compute-bound prefill does.

Spiking rows run as event-driven accumulates on the datapath: synops count as MACs of the weight precision
(no multiply is saved in this model, an upper bound), neuron updates as one MAC each.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hwsim.cost import precision, traffic, utilisation
from hwsim.cost.counts import Counts
from hwsim.cost.opcost import OpCost
from hwsim.cost.points import DesignPoints
from hwsim.targets.schema import Target


def cost(df: pd.DataFrame, d: DesignPoints, c: Counts, target: Target,
         outer_traffic_B: np.ndarray | None = None) -> OpCost:
    """Per-(point, op) latency, energy and bytes on an array target (see the module docstring)."""
    keys = list(target.tables["peak_macs_per_s"])
    peak_tab = np.array([target.tables["peak_macs_per_s"][k].value for k in keys])
    mac_tab = np.array([target.tables["mac_J"][k].value for k in keys])
    prec = precision.select(keys, d["w_bits"], d["a_bits"], df["w_format"].to_numpy(),
                            df["a_format"].to_numpy() if "a_format" in df.columns else None)
    work = c.macs_eff + c.synops + c.updates
    util = utilisation.utilisation(d.arrays, c.kind, target.spatial_mode, target.axes)
    util = np.broadcast_to(util, work.shape)
    t_compute = np.where(work > 0, work / (peak_tab[prec] * np.maximum(util, 1e-12)), 0.0)
    if np.any(c.kind == "expert"):  # expert parallelism: the busiest expert (imbalance x mean load) sets the time
        t_compute = np.where(c.kind[None, :] == "expert", t_compute * d["imbalance"], t_compute)
    by = traffic.level_bytes(c, target)
    if outer_traffic_B is not None:
        by[target.memory[-1].name] = np.broadcast_to(np.asarray(outer_traffic_B, dtype=np.float64), work.shape)
    t_mem = np.zeros_like(work)
    energy = {"mac": work * mac_tab[prec]}
    for lv in target.memory:
        t_mem = np.maximum(t_mem, by[lv.name] / lv.bandwidth_B_per_s.value)
        energy[f"mem:{lv.name}"] = by[lv.name] * lv.energy_J_per_B.value
    active = (work > 0) | (c.weight_read_B > 0) | (c.inputs_B > 0)
    overhead = target.p("overhead_per_op_s", 0.0) * active
    latency = np.maximum(t_compute, t_mem) + overhead
    fits_B = c.total(c.weight_stored_B) <= target.memory[-1].capacity_B.value
    return OpCost(latency_s=latency, latency_compute_s=t_compute, latency_memory_s=t_mem, energy=energy, bytes=by,
                  util=util, precision=prec, precision_keys=keys, steps=np.ones(work.shape[0]), fits=fits_B)
