"""Cost of IR rows on ``cim`` targets (RRAM/MTJ compute-in-memory crossbars, ISAAC-style).

A GEMM row with K inputs and N outputs at ``w_bits`` needs ``slices = ceil(w_bits / cell_bits)`` column slices and
``ceil(K / rows) * ceil(N * slices / cols)`` crossbars (a rank-r factorised row: both factors). Every input vector
(M x count of them for dense rows; one per time step for spiking rows) is applied bit-serially, ``a_bits`` cycles
(1 for spikes). Per input bit: K x N x slices cell reads (``cell_read_J``), K row drives (``dac_J``) and
N x slices x ceil(K / rows) ADC conversions (``adc_J``, Walden: FoM x 2^ENOB) with one shift-add each
(``digital_op_J``). Latency: conversions / (``adc_rate_Hz`` x ADCs of the crossbars in use). Weights stay in the
array (no weight traffic); norm/element-wise/neuron-update rows cost one digital op per element.
(Shafiee et al., ISAAC, ISCA 2016.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hwsim.cost.counts import Counts
from hwsim.cost.opcost import OpCost
from hwsim.cost.points import DesignPoints
from hwsim.targets.schema import Target


def cost(df: pd.DataFrame, d: DesignPoints, c: Counts, target: Target) -> OpCost:
    """Per-(point, op) energy components and latency on a compute-in-memory target."""
    a = d.arrays
    rows, cols = target.p("rows"), target.p("cols")
    sl = np.ceil(a["w_bits"] / target.p("cell_bits"))
    K, N = a["K"], a["N"]
    gemm = (c.macs > 0) | c.spiking
    r = a["rank"]
    fact = c.factorised
    xbars = np.where(fact, np.ceil(K / rows) * np.ceil(r * sl / cols) + np.ceil(r / rows) * np.ceil(N * sl / cols),
                     np.ceil(K / rows) * np.ceil(N * sl / cols))
    xbars = np.where(gemm, xbars, 0.0)
    vectors = np.where(c.spiking, a["time_steps"] * c.reps, a["M"] * c.reps)
    in_bits = np.where(c.spiking, 1.0, a["a_bits"])
    cyc = vectors * in_bits
    cells = np.where(fact, K * r * sl + r * N * sl, K * N * sl)
    conversions = cyc * np.where(fact, r * sl * np.ceil(K / rows) + N * sl * np.ceil(r / rows),
                                 N * sl * np.ceil(K / rows))
    conversions = np.where(gemm, conversions, 0.0)
    energy = {
        "cell": np.where(gemm, cyc * cells * target.p("cell_read_J"), 0.0),
        "dac": np.where(gemm, cyc * np.where(fact, K + r, K) * target.p("dac_J"), 0.0),
        "adc": conversions * target.p("adc_J"),
        "digital": (conversions + c.updates + np.where(gemm, 0.0, c.macs)) * target.p("digital_op_J"),
    }
    adcs = np.minimum(xbars, target.p("n_crossbars")) * target.p("adc_per_crossbar")
    lat = np.where(gemm, conversions / (target.p("adc_rate_Hz") * np.maximum(adcs, 1.0)), 0.0)
    fits = c.total(xbars) <= target.p("n_crossbars")
    return OpCost(latency_s=lat, latency_compute_s=lat, latency_memory_s=np.zeros_like(lat), energy=energy,
                  bytes={}, util=np.ones_like(lat), precision=np.zeros(lat.shape, dtype=np.int64),
                  precision_keys=["analog"], steps=np.ones(lat.shape[0]), fits=fits)
