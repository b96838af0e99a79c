"""Workload of one inference of a NIR graph in the hwsim network IR, with measured spikes and synaptic operations.

:func:`nir_workload` imports the graph (:func:`snn.nir.from_nir`), drives every Input node with independent
Bernoulli spike trains (``rate dt`` per element and step, Brian2 ``PoissonGroup`` semantics) for ``n_steps`` steps,
runs the Numba engine and counts, per projection, the events of its presynaptic group inside that group's window of
the inference (NIR steps 0 .. n_steps-1, i.e. engine steps ``lag .. lag + n_steps - 1``) and the synaptic
operations they cause (events x fan-out, :mod:`snn.workload`). Biases and ``v_leak`` are part of the neuron update
(their bias-source projections are not listed).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import nir
import numpy as np
import pandas as pd

from snn.nir.importer import BIAS_SOURCE, from_nir


def nir_workload(source: nir.NIRGraph | str | Path, *, n_steps: int = 100, input_rate_Hz: float = 100.0,
                 dt_s: float | None = None, seed: int = 0) -> pd.DataFrame:
    """The hwsim network IR table (:mod:`hwsim.ir`) of one inference of a NIR graph, measured.

    Parameters
    ----------
    source : ``nir.NIRGraph`` or path of a ``.nir`` file.
    n_steps : time steps of the inference, >= 1.
    input_rate_Hz : spike rate of every input element (Hz), >= 0 and <= 1 / dt_s (Bernoulli ``rate dt`` per step).
    dt_s : time step (s); default the graph's ``metadata["dt_s"]`` (or ``"dt"``) if present, else 1e-4 s (the step
        of the NIR paper's example graphs).
    seed : seed of the input spike trains.

    Returns
    -------
    pandas.DataFrame
        one ``snn_dense`` / ``snn_conv`` row per projection (``spikes_pos``, ``spikes_neg``, ``syn_ops`` per
        inference) and one ``neuron_update`` row per neuron node (``time_steps = n_steps``).

    Raises
    ------
    ValueError
        for ``n_steps < 1``, a rate or step outside its range (NaN and inf included), or a graph that
        :func:`snn.nir.from_nir` rejects.
    """
    from snn.engine_numba import simulate
    from snn.workload import network_workload

    if isinstance(n_steps, bool) or not isinstance(n_steps, int | np.integer) or n_steps < 1:
        raise ValueError(f"n_steps={n_steps!r} is out of range: accepted an integer >= 1")
    graph = source if isinstance(source, nir.NIRGraph) else nir.read(str(source), type_check=False)
    if dt_s is None:
        meta = getattr(graph, "metadata", None) or {}
        dt_s = float(meta.get("dt_s", meta.get("dt", 1e-4)))
    if not (isinstance(dt_s, int | float) and math.isfinite(dt_s) and dt_s > 0):
        raise ValueError(f"dt_s={dt_s!r} is out of range: accepted finite > 0 (s)")
    if not (isinstance(input_rate_Hz, int | float) and math.isfinite(input_rate_Hz)
            and 0 <= input_rate_Hz <= 1 / dt_s):
        raise ValueError(f"input_rate_Hz={input_rate_Hz!r} is out of range: accepted [0, 1/dt_s = {1 / dt_s:g}] Hz")
    model = from_nir(graph, float(dt_s))
    rng = np.random.default_rng(seed)
    x = {name: (rng.random((n_steps, *shape)) < input_rate_Hz * dt_s).astype(np.int64)
         for name, shape in model.inputs.items()}
    net = model.network(x)
    total = n_steps + model.max_lag
    res = simulate(net, n_steps=total, seed=seed)
    # counts inside each population's window of the inference
    pos, neg = res.counts_pos.copy(), res.counts_neg.copy()
    for pop in net.populations:
        off, n = res.offsets[pop.name]
        lag = model.lag[pop.name]
        st, idx, sg = res.spikes(pop.name)
        keep = (st >= lag) & (st < lag + n_steps)
        pos[off:off + n] = np.bincount(idx[keep & (sg > 0)], minlength=n)
        neg[off:off + n] = np.bincount(idx[keep & (sg < 0)], minlength=n)
    syn_ops = {}
    for pr in net.projections:
        off, n_pre = res.offsets[pr.pre]
        outdeg = np.bincount(pr.i, minlength=n_pre)
        syn_ops[pr.name] = int(np.dot(pos[off:off + n_pre] + neg[off:off + n_pre], outdeg))
    res = dataclasses.replace(res, n_steps=n_steps, counts_pos=pos, counts_neg=neg, syn_ops=syn_ops)
    body = dataclasses.replace(net, projections=tuple(p for p in net.projections if p.pre != BIAS_SOURCE))
    return network_workload(body, res)
