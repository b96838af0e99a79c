"""Import a NIR graph into an hwsim network that the Numba and JAX engines run (:func:`from_nir`).

Mapping (node semantics: :mod:`snn.nir.maps`; neuron discretisation: :class:`snn.neurons.EulerLIF`, the NIR
reference implementation's forward Euler with the input of a step entering after the leak):

* every neuron node (``LIF``, ``CubaLIF``, ``IF``, ``LI``, ``CubaLI``, ``I``) becomes a population of
  :class:`~snn.neurons.EulerLIF` neurons (``IF``/``I``: ``tau_m = inf``; ``LI``/``CubaLI``/``I``: no threshold);
  every ``Input`` node a spike source fed with the input counts of each step;
* every chain of stateless nodes between two neuron nodes (or an Input and a neuron node) is composed into one
  projection ``W = M_k ... M_1`` (sparse), a single ``Conv2d`` keeps its convolution geometry; biases of the chain
  (``M_k ... M_2 b_1 + ... + b_k``) and ``v_leak`` enter as a constant input from a bias source that fires once
  per step; ``Delay`` nodes add whole steps of synaptic delay (``round(delay / dt)``);
* per-neuron ``r`` and ``w_in`` are folded into the incoming weights (so the populations have ``r = 1``); time
  constants, thresholds and reset values must be equal across a node's neurons (ValueError otherwise);
* recurrent edges (cycles through neuron nodes) act one step later, as in NIR's discrete-time reference.

Timing: the engines deliver the input of step k after that step's threshold, so a neuron node at depth L (the
longest path from an Input, counting neuron nodes) emits at engine step ``t + L`` what NIR emits at step t;
projections get ``lag(post) - lag(pre) - 1`` steps of delay (plus one into ``CubaLIF``/``CubaLI``, whose membrane
uses the previous step's current; back edges one more), and :meth:`NIRNetwork.run` shifts each output back, so
its outputs are NIR's step for step. A cycle through several neuron nodes cannot be delayed this way and raises.

Outputs: an ``Output`` node fed (through stateless nodes) by one neuron node returns ``M z + b`` of its spikes
``z`` (spiking nodes) or of its membrane ``v`` (``LI``, ``CubaLI``, ``I``). Analog values between neuron nodes
(an ``LI`` feeding another neuron) are not events and raise ValueError.

MTJ neurons: ``from_nir(..., mtj=MTJNeuron)`` swaps every spiking node (``LIF``, ``CubaLIF``, ``IF``) for the
MTJ-derived signed neuron; the network then runs at the device step ``mtj.dt_s`` with one network step per NIR step
(non-swapped nodes keep their per-step dynamics: time constants scaled by ``mtj.dt_s / dt_s``) and each incoming
weight is rescaled so that its drive per step relative to the threshold is kept: ``w' = w u / v_th *
theta_pos / gain`` with ``u`` the node's per-step input gain (``dt r / tau``, ``dt r`` for IF). A modelling choice:
the MTJ neuron's own leak, noise and signed -1 events replace the node's dynamics.

Source: Pedersen et al., "Neuromorphic intermediate representation", Nat. Commun. 15, 8122 (2024),
doi:10.1038/s41467-024-52259-9; ``nir`` package 1.0.8 (``nir/ir/neuron.py``, ``graph.py``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nir
import numpy as np
import scipy.sparse as sp

from snn.network import Network, Population, Projection, SpikeSource
from snn.neurons import EulerLIF, MTJNeuron
from snn.nir.maps import LINEAR_NODES, NEURON_NODES, flatten_graph, linear_map, neuron_shape, padding_pairs

BIAS_SOURCE = "nir.bias"
"""Name of the source that fires once per step and carries biases and ``v_leak`` as constant input."""


@dataclass(frozen=True)
class Readout:
    """How a NIR ``Output`` node is read: ``M @ x + b`` of ``variable`` (``"spikes"`` or ``"v"``) of
    ``population``, whose NIR step t is engine step ``t + lag``. ``M`` scipy CSR (n_out, n_pop), ``b`` (n_out,)."""

    name: str
    population: str
    variable: str
    lag: int
    M: Any
    b: np.ndarray
    shape: tuple[int, ...]


@dataclass(frozen=True)
class NIRNetwork:
    """An imported NIR graph: populations and projections of an hwsim :class:`~snn.network.Network` without its
    input events, the Input nodes' shapes, the Output readouts and each population's lag (engine steps).

    Build the network for an input with :meth:`network`, run it with :meth:`run`.
    """

    populations: tuple[Population, ...]
    projections: tuple[Projection, ...]
    inputs: dict[str, tuple[int, ...]]
    readouts: tuple[Readout, ...]
    lag: dict[str, int]
    dt_s: float
    name: str = "nir"

    @property
    def max_lag(self) -> int:
        return max(self.lag.values(), default=0)

    def _counts(self, x: Any) -> dict[str, np.ndarray]:
        if not isinstance(x, Mapping):
            if len(self.inputs) != 1:
                raise ValueError(f"x: give a dict of arrays for the Input nodes {list(self.inputs)}")
            x = {next(iter(self.inputs)): x}
        if set(x) != set(self.inputs):
            raise ValueError(f"x: keys {sorted(x)}, accepted exactly the Input nodes {sorted(self.inputs)}")
        out, T = {}, None
        for name, shape in self.inputs.items():
            a = np.asarray(x[name])
            if a.ndim < 1 or a.shape[1:] != tuple(shape):
                raise ValueError(f"x[{name!r}]: shape {a.shape}, accepted (T, *{tuple(shape)})")
            if a.size and (not np.all(np.isfinite(a)) or np.any(a != np.round(a))):
                raise ValueError(f"x[{name!r}]: accepted finite integer event counts per step (spikes); analog "
                                 "input is not an event stream")
            if T is not None and a.shape[0] != T:
                raise ValueError(f"x: all inputs need the same number of steps, got {a.shape[0]} and {T}")
            T = a.shape[0]
            out[name] = a.reshape(a.shape[0], -1).astype(np.int64)
        return out

    def network(self, x: Any) -> Network:
        """The hwsim network driven by input counts ``x``: an array (T, *input_shape) of integer events per step, or
        a dict of such arrays by Input node name; it runs ``T + max_lag`` steps (inputs zero after T).

        Raises ValueError for mis-shaped, non-finite or non-integer input.
        """
        counts = self._counts(x)
        T = next(iter(counts.values())).shape[0]
        total = T + self.max_lag
        sources = []
        for name, c in counts.items():
            pad = np.zeros((total, c.shape[1]), np.int64)
            pad[:T] = c
            sources.append(SpikeSource.from_counts(name, pad))
        if any(p.pre == BIAS_SOURCE for p in self.projections):
            sources.append(SpikeSource(BIAS_SOURCE, 1, np.arange(total), np.zeros(total, np.int64)))
        return Network(self.populations, self.projections, sources, dt_s=self.dt_s, name=self.name)

    def run(self, x: Any, *, engine: str = "numba", dtype: Any = np.float64, seed: int = 0,
            noise: bool = True) -> dict[str, np.ndarray]:
        """Run on input counts ``x`` (see :meth:`network`) and return each Output node's values per NIR step, shape
        (T, *output_shape), float64, aligned with the input steps (the engines' per-layer lag removed).

        ``engine``: ``"numba"`` or ``"jax"``. Raises ValueError for another engine or bad input.
        """
        from snn import engine_jax, engine_numba

        if engine not in ("numba", "jax"):
            raise ValueError(f"engine={engine!r}, accepted 'numba' or 'jax'")
        net = self.network(x)
        T = _n_in_steps(x, self.inputs)
        total = T + self.max_lag
        record = {}
        for r in self.readouts:
            if r.variable == "v":
                pop = net.group(r.population)
                idx = np.arange(pop.n)
                record[r.population] = {"v": idx, **{f"g{c}": idx for c in range(pop.neuron.n_channels)}}
        sim = engine_numba.simulate if engine == "numba" else engine_jax.simulate
        res = sim(net, n_steps=total, dtype=dtype, seed=seed, noise=noise, record=record)
        outs = {}
        for r in self.readouts:
            n = net.group(r.population).n
            if r.variable == "v":
                # the monitors hold the state after the step's input; NIR's v of step t is the next update of the
                # state recorded at engine step t + lag - 1
                mon = res.monitors[r.population]
                d = net.group(r.population).neuron.discrete(net.dt_s)
                win = slice(r.lag - 1, r.lag - 1 + T)
                acc = None
                for c in range(d.n_channels):
                    term = d.k[c] * mon[f"g{c}"][win].astype(np.float64)
                    acc = term if acc is None else acc + term
                z = d.alpha * mon["v"][win].astype(np.float64)
                z = d.c0 + (z if acc is None else acc + z)
            else:
                st, idx, sg = res.spikes(r.population)
                z = np.zeros((total, n))
                np.add.at(z, (st, idx), sg.astype(np.float64))
                z = z[r.lag:r.lag + T]
            outs[r.name] = (r.M @ z.T).T.reshape(T, *r.shape) + r.b.reshape(r.shape)
        return outs


def _n_in_steps(x: Any, inputs: dict) -> int:
    a = x[next(iter(inputs))] if isinstance(x, Mapping) else x
    return int(np.shape(a)[0])


def _uniform(node_name: str, field_name: str, value: Any) -> float:
    u = np.unique(np.asarray(value, np.float64))
    if u.size != 1:
        raise ValueError(f"node {node_name!r}: {field_name} differs across neurons ({u.size} values); accepted one "
                         "value per node (split the node into populations of equal parameters)")
    return float(u[0])


def _neuron(name: str, node: Any, dt_s: float, time_scale: float) -> tuple[EulerLIF, np.ndarray, np.ndarray]:
    """EulerLIF of a NIR neuron node, the per-neuron input scale (r * w_in) and constant input (v_leak)."""
    n = int(np.prod(neuron_shape(node)))
    one = np.ones(n)
    r = np.broadcast_to(np.asarray(getattr(node, "r", 1.0), np.float64), neuron_shape(node)).ravel()
    cuba = isinstance(node, nir.CubaLIF | nir.CubaLI)
    tau_syn = ()
    if cuba:
        tau_m = _uniform(name, "tau_mem", node.tau_mem)
        tau_syn = (_uniform(name, "tau_syn", node.tau_syn) * time_scale,)
        scale = r * np.asarray(node.w_in, np.float64).ravel() * one
        if np.any(np.asarray(node.v_leak) != 0):
            raise ValueError(f"node {name!r}: v_leak != 0 in a {type(node).__name__} is not supported (it would "
                             "need a constant input on v beside the synaptic current); accepted v_leak = 0")
        const = np.zeros(n)
    elif isinstance(node, nir.IF | nir.I):
        tau_m, scale, const = math.inf, r * one, np.zeros(n)
    else:
        tau_m = _uniform(name, "tau", node.tau)
        scale, const = r * one, np.asarray(node.v_leak, np.float64).ravel() * one
    v_th = _uniform(name, "v_threshold", node.v_threshold) if hasattr(node, "v_threshold") else math.inf
    v_reset = _uniform(name, "v_reset", node.v_reset) if hasattr(node, "v_reset") else 0.0
    if not (np.all(np.isfinite(scale)) and np.all(np.isfinite(const))):
        raise ValueError(f"node {name!r}: r, w_in and v_leak must be finite")
    if math.isinf(tau_m):
        scale = scale / time_scale
    neuron = EulerLIF(tau_m_s=tau_m * time_scale, r=1.0, v_leak=0.0, v_th=v_th, v_reset=v_reset, tau_syn_s=tau_syn)
    return neuron, scale, const


def _spiking(node: Any) -> bool:
    return hasattr(node, "v_threshold") and bool(np.all(np.isfinite(np.asarray(node.v_threshold, np.float64))))


def _mtj_scale(name: str, neuron: EulerLIF, mtj: MTJNeuron, dt_s: float) -> float:
    """Weight factor that keeps a spiking node's drive per step relative to its threshold on the MTJ neuron."""
    if not math.isfinite(neuron.v_th) or neuron.v_th <= 0:
        raise ValueError(f"node {name!r}: swapping for an MTJ neuron needs a finite threshold > 0")
    u = dt_s if math.isinf(neuron.tau_m_s) else dt_s / neuron.tau_m_s
    return u / neuron.v_th * mtj.theta_pos / mtj.gain


def from_nir(graph: nir.NIRGraph | str | Path, dt_s: float, *, mtj: MTJNeuron | None = None,
             name: str = "nir") -> NIRNetwork:
    """Import a NIR graph (or a ``.nir`` file) as an :class:`NIRNetwork` at time step ``dt_s`` (s).

    Parameters
    ----------
    graph : ``nir.NIRGraph`` or path of a file written by ``nir.write`` (read without type check, so that
        recurrent graphs load).
    dt_s : simulation step, finite > 0 and smaller than every membrane time constant (forward Euler), in the unit of
        the graph's time constants and delays: seconds for the NIR paper's graphs (dt 1e-4 s; the NIR docs say ms,
        the shipped files use s); graphs whose time constants are in steps (Sinabs) run with ``dt_s=1``.
    mtj : optional :class:`~snn.neurons.MTJNeuron` that replaces every spiking node (module doc).
    name : network name.

    Returns
    -------
    NIRNetwork

    Raises
    ------
    ValueError
        for a bad ``dt_s``, an unsupported node type, heterogeneous time constants/thresholds within a node,
        shapes that do not match, a cycle of stateless nodes or through several neuron nodes, analog values
        between neuron nodes, an Output fed by several neuron nodes, or a delay that is not whole steps.
    """
    if not (isinstance(dt_s, int | float) and math.isfinite(dt_s) and dt_s > 0):
        raise ValueError(f"dt_s={dt_s!r} is out of range: accepted finite > 0 (s)")
    if not isinstance(graph, nir.NIRGraph):
        graph = nir.read(str(graph), type_check=False)
    nodes, edges = flatten_graph(graph)
    preds: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in edges:
        preds[b].append(a)
    inputs = {n: tuple(int(s) for s in np.asarray(nd.input_type["input"]).ravel())
              for n, nd in graph.nodes.items() if isinstance(nd, nir.Input)}
    outputs = [n for n, nd in graph.nodes.items() if isinstance(nd, nir.Output)]
    neurons = [n for n, nd in nodes.items() if isinstance(nd, NEURON_NODES)]
    for n, nd in nodes.items():
        if not isinstance(nd, NEURON_NODES + LINEAR_NODES + (nir.Input, nir.Output)):
            raise ValueError(f"node {n!r}: type {type(nd).__name__} is not supported; accepted "
                             f"{[c.__name__ for c in NEURON_NODES + LINEAR_NODES]}, Input, Output")
    is_source = set(inputs) | set(neurons)

    # output shapes and linear maps, propagated forward from Inputs and neuron nodes
    shape: dict[str, tuple[int, ...]] = dict(inputs)
    shape.update({n: neuron_shape(nodes[n]) for n in neurons})
    maps: dict[str, Any] = {}
    pending = [n for n in nodes if n not in shape]
    while pending:
        progressed = False
        for n in list(pending):
            known = [p for p in preds[n] if p in shape]
            if not known:
                continue
            sizes = {int(np.prod(shape[p])) for p in known}
            if len(sizes) > 1:
                raise ValueError(f"node {n!r}: inputs of different sizes {sorted(sizes)}")
            try:
                maps[n], shape[n] = linear_map(nodes[n], shape[known[0]])
            except ValueError as e:
                raise ValueError(f"node {n!r}: {e}") from None
            pending.remove(n)
            progressed = True
        if not progressed:
            raise ValueError(f"nodes {pending} are not reached from an Input or neuron node (or form a cycle of "
                             "stateless nodes)")

    def trace(sink: str) -> tuple[dict, np.ndarray]:
        """Contributions {(source, delay_s): (M, path)} into ``sink``'s input and the constant input b."""
        n_in = int(np.prod(shape[sink]))
        contrib: dict[tuple[str, float], list] = {}
        bias = np.zeros(n_in)

        def back(node: str, acc: Any, delay: float, seen: frozenset, path: tuple) -> None:
            nonlocal bias
            for p in preds[node]:
                if p in is_source:
                    key = (p, round(delay, 15))
                    if key in contrib:
                        contrib[key][0] = contrib[key][0] + acc
                        contrib[key][1] = None
                    else:
                        contrib[key] = [acc, path]
                    continue
                if p in seen:
                    raise ValueError(f"cycle of stateless nodes through {p!r}: a recurrent edge must pass a neuron "
                                     "node")
                lm = maps[p]
                bias = bias + acc @ lm.b
                back(p, (acc @ lm.M).tocsr(), delay + lm.delay_s, seen | {p}, (p, *path))

        back(sink, sp.identity(n_in, format="csr"), 0.0, frozenset({sink}), ())
        return contrib, bias

    traced = {n: trace(n) for n in neurons}
    # lags: longest path over forward edges of the neuron-level graph; back edges found by DFS from the Inputs
    succ: dict[str, set] = {n: set() for n in is_source}
    for sink, (contrib, _) in traced.items():
        for src, _d in contrib:
            succ[src].add(sink)
    back_edges: set[tuple[str, str]] = set()
    state: dict[str, int] = {}

    def dfs(u: str) -> None:
        state[u] = 1
        for v in sorted(succ[u]):
            if state.get(v) == 1:
                back_edges.add((u, v))
            elif v not in state:
                dfs(v)
        state[u] = 2

    for start in list(inputs) + neurons:
        if start not in state:
            dfs(start)
    lag = {n: 0 for n in inputs}
    order_done = False
    while not order_done:
        order_done = True
        for sink in neurons:
            fw = [src for src, _ in traced[sink][0] if (src, sink) not in back_edges]
            new = 1 + max((lag.get(s, 0) for s in fw), default=0)
            if lag.get(sink) != new:
                lag[sink] = new
                order_done = False
                if new > len(neurons) + 1:
                    raise ValueError("cannot order the neuron nodes (cycle)")

    time_scale = 1.0 if mtj is None else mtj.dt_s / dt_s
    run_dt = dt_s if mtj is None else mtj.dt_s
    populations, projections = [], []
    for n in neurons:
        node = nodes[n]
        neuron, scale, const = _neuron(n, node, dt_s, time_scale)
        cuba = bool(neuron.tau_syn_s)
        if mtj is not None and isinstance(node, nir.LIF | nir.CubaLIF | nir.IF):
            factor = _mtj_scale(n, EulerLIF(tau_m_s=neuron.tau_m_s / time_scale, v_th=neuron.v_th), mtj, dt_s)
            scale, const = scale * factor, const * factor
            neuron, cuba = mtj, False
        try:
            neuron.discrete(run_dt)
        except ValueError as e:
            raise ValueError(f"node {n!r}: {e}") from None
        size = int(np.prod(shape[n]))
        populations.append(Population(n, size, neuron))
        contrib, bias = traced[n]
        for (src, delay_s), (M, path) in sorted(contrib.items()):
            if src in neurons and not _spiking(nodes[src]):
                raise ValueError(f"node {src!r} ({type(nodes[src]).__name__}) feeds neuron node {n!r}: its output is "
                                 "an analog membrane value, not events; accepted only as a graph output")
            steps = delay_s / dt_s
            if abs(steps - round(steps)) > 1e-6:
                raise ValueError(f"delay {delay_s:g} s into {n!r} is not a whole number of steps of dt_s={dt_s:g} s")
            d = lag[n] - lag[src] - (0 if (src, n) in back_edges else 1) + int(cuba) + round(steps)
            if d < 0:
                raise ValueError(f"the recurrent edge {src!r} -> {n!r} spans several neuron nodes: the engines add "
                                 "one step per neuron node, so it cannot act in NIR's next step")
            pname = f"{src}->{n}" if delay_s == 0 else f"{src}->{n}@{delay_s:g}s"
            target = 0 if cuba else "v"
            W = sp.diags(scale) @ M
            if path is not None and len(path) == 1 and isinstance(nodes[path[0]], nir.Conv2d) and np.all(
                    scale == scale[0]):
                cv = nodes[path[0]]
                Wk = np.asarray(cv.weight, np.float64)
                dil = tuple(int(x) for x in np.broadcast_to(np.asarray(cv.dilation), (2,)))
                projections.append(Projection.conv2d(
                    pname, src, n, Wk * scale[0], shape[src],
                    stride=tuple(int(x) for x in np.broadcast_to(np.asarray(cv.stride), (2,))),
                    padding=padding_pairs(cv.padding, Wk.shape[2:], dil), dilation=dil, groups=int(cv.groups),
                    target=target, delay=d))
            else:
                W = W.tocoo()
                projections.append(Projection(pname, src, n, W.col, W.row, W.data, target, d,
                                              "dense" if W.nnz == W.shape[0] * W.shape[1] else "sparse",
                                              int(W.shape[1]), int(W.shape[0])))
        c = scale * bias + const
        if np.any(c != 0):  # constant input from the bias source, arriving like the node's first input
            j = np.nonzero(c)[0]
            projections.append(Projection(f"{BIAS_SOURCE}->{n}", BIAS_SOURCE, n, np.zeros(j.size, np.int64), j, c[j],
                                          0 if cuba else "v", lag[n] - 1 + int(cuba), "sparse", 1, size))
    readouts = []
    for o in outputs:
        contrib, bias = trace(o)
        srcs = {s for s, _ in contrib}
        if len(contrib) != 1 or not srcs <= set(neurons):
            raise ValueError(f"Output {o!r}: accepted exactly one neuron node (through stateless nodes, no delay) "
                             f"as its source, got {sorted(srcs)}")
        (src, delay_s), (M, _) = next(iter(contrib.items()))
        if delay_s != 0:
            raise ValueError(f"Output {o!r}: a Delay before an Output is not supported")
        spiking = _spiking(nodes[src]) or (mtj is not None and isinstance(nodes[src], nir.LIF | nir.CubaLIF | nir.IF))
        readouts.append(Readout(o, src, "spikes" if spiking else "v", lag[src], M.tocsr(), bias, tuple(shape[o])))
    return NIRNetwork(tuple(populations), tuple(projections), inputs, tuple(readouts),
                      {n: lag[n] for n in neurons}, run_dt, name)
