"""Export an hwsim :class:`~snn.network.Network` to NIR (:func:`to_nir`) and restore it exactly
(:func:`network_from_nir`).

Every group and projection becomes a standard NIR node that other tools read, and carries the exact hwsim object in
its ``metadata`` (the documented hwsim extension; NIR allows free metadata per node and graph):

* population -> neuron node + ``metadata["hwsim_neuron"]`` (class name), ``metadata["hwsim_params"]`` (its
  fields), ``metadata["hwsim_n"]`` and ``metadata["hwsim_state"]`` (``v0``, ``g0`` when given):

  - :class:`~snn.neurons.LIF` without synaptic channels -> ``LIF(tau=tau_m_s, r=1, v_leak=v_rest+bias,
    v_threshold=v_th, v_reset)``; with one channel -> ``CubaLIF(tau_syn, tau_mem, r=1, w_in=1, ...)`` (hwsim
    integrates exactly, NIR readers by their own scheme; more channels or a subtract reset or a refractory
    period exist only in the metadata);
  - :class:`~snn.neurons.SignedLIF` -> ``LIF`` of its positive half (``v_threshold=theta_pos``,
    ``v_reset=v_reset_pos``); the -1 events exist only in the metadata;
  - :class:`~snn.neurons.MTJNeuron` (the MTJ extension node) -> ``LIF(tau=tau_s, r=gain tau_s/dt_s, v_leak=0,
    v_threshold=theta_pos, v_reset=0)``, the continuous-time leaky integrator whose Euler step is the compact
    model's ``u' = leak u + gain I``; signed events, noise and the device energy exist only in the metadata;
  - :class:`~snn.neurons.EulerLIF` -> the NIR node it discretises (``LIF``, ``CubaLIF``, ``IF``, ``LI``,
    ``CubaLI``, ``I``);
* spike source -> ``Input`` + ``metadata["hwsim_source"]`` (Poisson rates or the explicit events);
* projection -> ``Linear`` (weight (n_post, n_pre), the sum of its synapses) + ``metadata["hwsim_projection"]``
  (synapse lists, delays, target, kind, convolution geometry); a uniform delay of d > 0 steps is also written as a
  ``Delay`` node of ``d dt`` seconds after the ``Linear``;
* every population also feeds an ``Output`` node ``out_<name>``; the graph's metadata holds ``hwsim_dt_s``,
  ``hwsim_name`` and ``hwsim_layout`` (the order of groups and projections, JSON; HDF5 sorts node names).

Source: Pedersen et al., Nat. Commun. 15, 8122 (2024), doi:10.1038/s41467-024-52259-9; ``nir`` package 1.0.8.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import nir
import numpy as np

from snn.conv import Conv2dGeometry
from snn.network import Network, PoissonSource, Population, Projection, SpikeSource
from snn.neurons import LIF, NEURON_TYPES, EulerLIF, MTJNeuron, SignedLIF

_NEURONS = {c.__name__: c for c in NEURON_TYPES}


def _params(neuron: Any) -> dict[str, Any]:
    out = {}
    for f in dataclasses.fields(neuron):
        v = getattr(neuron, f.name)
        out[f.name] = [float(x) for x in v] if isinstance(v, tuple) else v  # no 0-d arrays: h5py compresses arrays
    return out


def _neuron_node(pop: Population) -> Any:
    nu, n = pop.neuron, pop.n
    full = lambda x: np.full(n, float(x))  # noqa: E731
    if isinstance(nu, EulerLIF):
        if math.isinf(nu.tau_m_s):
            return nir.I(r=full(nu.r)) if math.isinf(nu.v_th) else nir.IF(r=full(nu.r), v_threshold=full(nu.v_th),
                                                                           v_reset=full(nu.v_reset))
        common = {"r": full(nu.r), "v_leak": full(nu.v_leak)}
        if nu.tau_syn_s:
            cuba = {"tau_syn": full(nu.tau_syn_s[0]), "tau_mem": full(nu.tau_m_s), **common}
            if math.isinf(nu.v_th):
                return nir.CubaLI(**cuba)
            return nir.CubaLIF(**cuba, v_threshold=full(nu.v_th), v_reset=full(nu.v_reset))
        if math.isinf(nu.v_th):
            return nir.LI(tau=full(nu.tau_m_s), **common)
        return nir.LIF(tau=full(nu.tau_m_s), **common, v_threshold=full(nu.v_th), v_reset=full(nu.v_reset))
    if isinstance(nu, MTJNeuron):
        return nir.LIF(tau=full(nu.tau_s), r=full(nu.gain * nu.tau_s / nu.dt_s), v_leak=full(0.0),
                       v_threshold=full(nu.theta_pos), v_reset=full(0.0))
    if isinstance(nu, SignedLIF):
        return nir.LIF(tau=full(nu.tau_m_s), r=full(1.0), v_leak=full(nu.v_rest + nu.bias),
                       v_threshold=full(nu.theta_pos), v_reset=full(nu.v_reset_pos))
    assert isinstance(nu, LIF)
    common = {"r": full(1.0), "v_leak": full(nu.v_rest + nu.bias), "v_threshold": full(nu.v_th),
              "v_reset": full(nu.v_reset)}
    if nu.n_channels == 1:
        return nir.CubaLIF(tau_syn=full(nu.tau_syn_s[0]), tau_mem=full(nu.tau_m_s), **common)
    return nir.LIF(tau=full(nu.tau_m_s), **common)


def _check_name(name: str) -> None:
    if "." in name or "/" in name or not name:
        raise ValueError(f"group/projection name {name!r}: NIR node names must be non-empty without '.' or '/'")


def to_nir(net: Network) -> nir.NIRGraph:
    """Export ``net`` as a ``nir.NIRGraph`` (module doc for the mapping); ``nir.write(path, graph)`` saves it.

    Raises
    ------
    ValueError
        for a group or projection name containing '.' or '/' (not allowed in NIR node names).
    """
    nodes: dict[str, Any] = {}
    edges: list[tuple[str, str]] = []
    for pop in net.populations:
        _check_name(pop.name)
        node = _neuron_node(pop)
        node.metadata = {"hwsim_neuron": type(pop.neuron).__name__, "hwsim_n": int(pop.n),
                         "hwsim_params": _params(pop.neuron),
                         "hwsim_state": {k: np.asarray(getattr(pop, k), np.float64) for k in ("v0", "g0")
                                         if getattr(pop, k) is not None}}
        nodes[pop.name] = node
        nodes[f"out_{pop.name}"] = nir.Output(output_type={"output": np.array([pop.n])})
        edges.append((pop.name, f"out_{pop.name}"))
    for s in net.sources:
        _check_name(s.name)
        if isinstance(s, PoissonSource):
            r = np.asarray(s.rate_Hz, np.float64)
            meta = {"kind": "PoissonSource", "n": s.n, "rate_Hz": float(r) if r.ndim == 0 else r}
        else:
            meta = {"kind": "SpikeSource", "n": s.n, "step": s.step, "index": s.index, "count": s.count}
        nodes[s.name] = nir.Input(input_type={"input": np.array([s.n])}, metadata={"hwsim_source": meta})
    for pr in net.projections:
        _check_name(pr.name)
        n_pre, n_post = net.group(pr.pre).n, net.group(pr.post).n
        W = np.zeros((n_post, n_pre))
        np.add.at(W, (pr.j, pr.i), pr.w)
        meta = {"name": pr.name, "pre": pr.pre, "post": pr.post, "i": pr.i, "j": pr.j, "w": pr.w,
                "delay": pr.delay, "target": str(pr.target), "kind": pr.kind,
                "n_pre": -1 if pr.n_pre is None else int(pr.n_pre),
                "n_post": -1 if pr.n_post is None else int(pr.n_post)}
        if pr.geometry is not None:
            meta["geometry"] = {f.name: np.asarray(getattr(pr.geometry, f.name), np.int64)
                                for f in dataclasses.fields(pr.geometry) if f.name != "groups"}
            meta["geometry"]["groups"] = int(pr.geometry.groups)
        key = f"proj_{pr.name}"
        nodes[key] = nir.Linear(weight=W, metadata={"hwsim_projection": meta})
        edges.append((pr.pre, key))
        last = key
        d = np.unique(pr.delay)
        if d.size == 1 and d[0] > 0:
            nodes[f"delay_{pr.name}"] = nir.Delay(delay=np.full(n_post, d[0] * net.dt_s))
            edges.append((key, f"delay_{pr.name}"))
            last = f"delay_{pr.name}"
        edges.append((last, pr.post))
    layout = json.dumps({"populations": [p.name for p in net.populations], "sources": [s.name for s in net.sources],
                         "projections": [p.name for p in net.projections]})
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata={"hwsim_dt_s": float(net.dt_s), "hwsim_name": net.name,
                                                            "hwsim_layout": layout}, type_check=False)


def _py(v: Any) -> Any:
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, np.generic):
        return v.item()
    return v


def network_from_nir(graph: nir.NIRGraph | str) -> Network:
    """Restore the hwsim network that :func:`to_nir` exported, exactly (same neurons, initial state, synapses,
    delays, sources and ``dt_s``), from a ``nir.NIRGraph`` or a file path.

    Raises
    ------
    ValueError
        if the graph lacks the hwsim metadata (a foreign graph: import it with :func:`snn.nir.from_nir`).
    """
    if not isinstance(graph, nir.NIRGraph):
        graph = nir.read(str(graph), type_check=False)
    meta = graph.metadata or {}
    if "hwsim_dt_s" not in meta:
        raise ValueError("graph: no hwsim metadata ('hwsim_dt_s'); it was not written by snn.nir.to_nir - import "
                         "it with snn.nir.from_nir")
    pops, srcs, projs = [], [], []
    for name, node in graph.nodes.items():
        md = node.metadata or {}
        if "hwsim_neuron" in md:
            cls = _NEURONS[_py(md["hwsim_neuron"])]
            kw = {}
            for f in dataclasses.fields(cls):
                v = md["hwsim_params"][f.name]
                kw[f.name] = tuple(float(x) for x in np.ravel(v)) if f.name == "tau_syn_s" else _py(v)
            st = md.get("hwsim_state", {})
            state = {k: (float(st[k]) if np.ndim(st[k]) == 0 else np.asarray(st[k], np.float64)) for k in st}
            pops.append(Population(name, int(md["hwsim_n"]), cls(**kw), **state))
        elif "hwsim_source" in md:
            s = md["hwsim_source"]
            if _py(s["kind"]) == "PoissonSource":
                r = s["rate_Hz"]
                srcs.append(PoissonSource(name, int(s["n"]), np.asarray(r, np.float64) if np.ndim(r) else float(r)))
            else:
                srcs.append(SpikeSource(name, int(s["n"]), np.asarray(s["step"]), np.asarray(s["index"]),
                                        np.asarray(s["count"])))
        elif "hwsim_projection" in md:
            p = md["hwsim_projection"]
            tgt = _py(p["target"])
            geo = None
            if "geometry" in p:
                g = p["geometry"]
                pair = lambda a: tuple(int(x) for x in np.ravel(a))  # noqa: E731
                pads = np.asarray(g["padding"]).reshape(2, 2)
                geo = Conv2dGeometry(pair(g["in_shape"]), pair(g["out_shape"]), pair(g["kernel"]), pair(g["stride"]),
                                     pair(g["dilation"]), (pair(pads[0]), pair(pads[1])), int(g["groups"]))
            n_pre, n_post = int(p["n_pre"]), int(p["n_post"])
            projs.append(Projection(_py(p["name"]), _py(p["pre"]), _py(p["post"]), np.asarray(p["i"]),
                                    np.asarray(p["j"]), np.asarray(p["w"], np.float64),
                                    "v" if tgt == "v" else int(tgt), np.asarray(p["delay"]), _py(p["kind"]),
                                    None if n_pre < 0 else n_pre, None if n_post < 0 else n_post, geo))
    layout = json.loads(_py(meta["hwsim_layout"]))
    for key, items in (("populations", pops), ("sources", srcs), ("projections", projs)):
        order = {n: k for k, n in enumerate(layout[key])}
        items.sort(key=lambda g: order[g.name])
    return Network(tuple(pops), tuple(projs), tuple(srcs), dt_s=float(meta["hwsim_dt_s"]),
                   name=_py(meta.get("hwsim_name", "network")))
