"""Cost of IR rows on ``cpu`` targets (MCUs, radiation-hardened space processors): an instruction-count model.

instructions = effective MACs / ``macs_per_instr`` (at the compute precision) + synops x ``instr_per_synop`` +
neuron updates x ``instr_per_neuron_update``; latency = instructions / (``mips`` x 1e6); energy = instructions x
``instr_J`` (run power / instruction rate, so energy = power x time). This is the onboard-processor model of
../shared/reference/fdir.md section 11. Memory levels are used for the capacity check only (their access energy is
inside ``instr_J``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hwsim.cost import precision
from hwsim.cost.counts import Counts
from hwsim.cost.opcost import OpCost
from hwsim.cost.points import DesignPoints
from hwsim.targets.schema import Target


def cost(df: pd.DataFrame, d: DesignPoints, c: Counts, target: Target) -> OpCost:
    """Per-(point, op) latency and energy on a CPU target (see the module docstring)."""
    keys = list(target.tables["macs_per_instr"])
    mpi = np.array([target.tables["macs_per_instr"][k].value for k in keys])
    prec = precision.select(keys, d["w_bits"], d["a_bits"], df["w_format"].to_numpy(),
                            df["a_format"].to_numpy() if "a_format" in df.columns else None)
    instr = (c.macs_eff / mpi[prec] + c.synops * target.p("instr_per_synop")
             + c.updates * target.p("instr_per_neuron_update"))
    lat = instr / (target.p("mips") * 1e6)
    by = {lv.name: np.zeros_like(lat) for lv in target.memory}
    weights_total = c.total(c.weight_stored_B)
    cap = target.p("weight_memory_B", sum(lv.capacity_B.value for lv in target.memory if "weights" in lv.holds))
    return OpCost(latency_s=lat, latency_compute_s=lat, latency_memory_s=np.zeros_like(lat),
                  energy={"instr": instr * target.p("instr_J")}, bytes=by, util=np.ones_like(lat), precision=prec,
                  precision_keys=keys, steps=np.ones(lat.shape[0]), fits=weights_total <= cap)
