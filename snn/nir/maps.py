"""NIR graph structure: flattening of nested graphs, node classes, output shapes and the linear maps of the
stateless NIR nodes (``Affine``, ``Linear``, ``Scale``, ``Conv1d``, ``Conv2d``, ``SumPool2d``, ``AvgPool2d``,
``Flatten``, ``Delay``) as sparse matrices acting on flattened (channel-major) vectors.

Node semantics follow the NIR primitives (``nir`` package ``nir/ir/*.py``; Pedersen et al., Nat. Commun. 15, 8122
(2024), doi:10.1038/s41467-024-52259-9): Affine ``W x + b``, Linear ``W x``, Scale ``s * x``, Conv1d/Conv2d as
PyTorch's (cross-correlation, ``padding`` an int, a tuple or ``"same"``/``"valid"``), SumPool2d a windowed sum,
AvgPool2d the sum divided by the window size, Flatten a reshape (identity on the flat vector), Delay ``x(t - d)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import nir
import numpy as np
import scipy.sparse as sp

from snn.conv import conv2d_geometry, conv2d_synapses

NEURON_NODES = (nir.LIF, nir.CubaLIF, nir.IF, nir.LI, nir.CubaLI, nir.I)
"""NIR nodes with state that become hwsim populations."""
LINEAR_NODES = (nir.Affine, nir.Linear, nir.Scale, nir.Conv1d, nir.Conv2d, nir.SumPool2d, nir.AvgPool2d, nir.Flatten,
                nir.Delay)
"""Stateless NIR nodes that become (part of) the weights of a projection."""


@dataclass(frozen=True)
class LinearMap:
    """A stateless node as ``y = M x + b``: ``M`` scipy CSR (n_out, n_in), ``b`` (n_out,) float64, ``delay_s``
    (s, of a ``Delay`` node)."""

    M: Any
    b: np.ndarray
    delay_s: float = 0.0


def flatten_graph(graph: nir.NIRGraph) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Nodes and edges of ``graph`` with nested graphs expanded: node ``sub.x`` for node ``x`` of subgraph ``sub``;
    an edge to ``sub`` goes to its Input node(s), an edge from ``sub`` leaves from its Output node(s); the inner
    Input/Output nodes stay as identity nodes. Raises ValueError for an edge naming an unknown node."""
    nodes: dict[str, Any] = {}
    edges: list[tuple[str, str]] = []
    ins: dict[str, list[str]] = {}
    outs: dict[str, list[str]] = {}
    for name, node in graph.nodes.items():
        if isinstance(node, nir.NIRGraph):
            sub_nodes, sub_edges = flatten_graph(node)
            for n2, nd in sub_nodes.items():
                nodes[f"{name}.{n2}"] = nd
            edges += [(f"{name}.{a}", f"{name}.{b}") for a, b in sub_edges]
            ins[name] = [f"{name}.{n2}" for n2, nd in node.nodes.items() if isinstance(nd, nir.Input)]
            outs[name] = [f"{name}.{n2}" for n2, nd in node.nodes.items() if isinstance(nd, nir.Output)]
        else:
            nodes[name] = node
    for a, b in graph.edges:
        for a2 in outs.get(a, [a]):
            for b2 in ins.get(b, [b]):
                for x in (a2, b2):
                    if x not in nodes:
                        raise ValueError(f"graph: edge ({a!r}, {b!r}) names unknown node {x!r}; nodes: {list(nodes)}")
                edges.append((a2, b2))
    return nodes, edges


def neuron_shape(node: Any) -> tuple[int, ...]:
    """Shape of a NIR neuron node's state (from its parameters)."""
    for f in ("v_threshold", "tau_mem", "tau", "r"):
        if hasattr(node, f):
            return tuple(int(s) for s in np.shape(getattr(node, f)))
    raise ValueError(f"neuron node {type(node).__name__} has no parameter shape")


def padding_pairs(padding: Any, k: tuple[int, ...], d: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    """NIR/PyTorch ``padding`` (int, tuple, ``'same'``, ``'valid'``) as (before, after) per spatial dimension for
    kernel ``k`` and dilation ``d``; ``'same'`` puts the odd pixel after. Raises ValueError for another string."""
    if isinstance(padding, bytes):
        padding = padding.decode()
    if isinstance(padding, str):
        if padding == "valid":
            return tuple((0, 0) for _ in k)
        if padding == "same":
            tot = [di * (ki - 1) for ki, di in zip(k, d)]
            return tuple((t // 2, t - t // 2) for t in tot)
        raise ValueError(f"padding={padding!r}: accepted an int, a tuple, 'same' or 'valid'")
    p = np.broadcast_to(np.asarray(padding), (len(k),))
    return tuple((int(x), int(x)) for x in p)


def _conv_map(node: Any, in_shape: tuple[int, ...], one_d: bool) -> tuple[LinearMap, tuple[int, ...]]:
    W = np.asarray(node.weight, dtype=np.float64)
    if one_d:  # (C, L) as (C, 1, L), kernel (1, k)
        W = W[:, :, None, :]
        in3 = (in_shape[0], 1, in_shape[1])
        stride, dil = (1, int(np.ravel(node.stride)[0])), (1, int(np.ravel(node.dilation)[0]))
        pads = ((0, 0), padding_pairs(node.padding, (W.shape[3],), (dil[1],))[0])
    else:
        in3 = tuple(in_shape)
        stride = tuple(int(x) for x in np.broadcast_to(np.asarray(node.stride), (2,)))
        dil = tuple(int(x) for x in np.broadcast_to(np.asarray(node.dilation), (2,)))
        pads = padding_pairs(node.padding, W.shape[2:], dil)
    geo = conv2d_geometry(W.shape, in3, stride=stride, padding=pads, dilation=dil, groups=int(node.groups))
    i, j, w = conv2d_synapses(W, geo)
    n_in, n_out = int(np.prod(geo.in_shape)), int(np.prod(geo.out_shape))
    M = sp.csr_matrix((w, (j, i)), shape=(n_out, n_in))
    bias = np.zeros(geo.out_shape[0]) if node.bias is None else np.broadcast_to(
        np.asarray(node.bias, np.float64), (geo.out_shape[0],))
    b = np.repeat(bias, geo.out_shape[1] * geo.out_shape[2])
    out = (geo.out_shape[0], geo.out_shape[2]) if one_d else geo.out_shape
    return LinearMap(M, b), tuple(out)


def _pool_map(node: Any, in_shape: tuple[int, ...], average: bool) -> tuple[LinearMap, tuple[int, ...]]:
    k = tuple(int(x) for x in np.broadcast_to(np.asarray(node.kernel_size), (2,)))
    stride = tuple(int(x) for x in np.broadcast_to(np.asarray(node.stride), (2,)))
    C = int(in_shape[0])
    W = np.ones((C, 1, *k)) / (k[0] * k[1] if average else 1.0)
    geo = conv2d_geometry(W.shape, in_shape, stride=stride, padding=padding_pairs(node.padding, k, (1, 1)), groups=C)
    i, j, w = conv2d_synapses(W, geo)
    M = sp.csr_matrix((w, (j, i)), shape=(int(np.prod(geo.out_shape)), int(np.prod(geo.in_shape))))
    return LinearMap(M, np.zeros(M.shape[0])), geo.out_shape


def linear_map(node: Any, in_shape: tuple[int, ...]) -> tuple[LinearMap, tuple[int, ...]]:
    """The :class:`LinearMap` of a stateless NIR node on input of shape ``in_shape`` and its output shape.

    Raises ValueError for a node type outside :data:`LINEAR_NODES`, a mis-matched input size or non-finite
    parameters.
    """
    n_in = int(np.prod(in_shape))
    name = type(node).__name__
    if isinstance(node, nir.Affine | nir.Linear):
        W = np.asarray(node.weight, dtype=np.float64)
        if W.ndim != 2 or W.shape[1] != n_in:
            raise ValueError(f"{name}: weight shape {W.shape} does not take an input of {n_in} values")
        b = np.asarray(node.bias, np.float64) if isinstance(node, nir.Affine) else np.zeros(W.shape[0])
        lm, out = LinearMap(sp.csr_matrix(W), np.broadcast_to(b, (W.shape[0],)).copy()), (W.shape[0],)
    elif isinstance(node, nir.Scale):
        s = np.broadcast_to(np.asarray(node.scale, np.float64).ravel(), (n_in,))
        lm, out = LinearMap(sp.diags(s).tocsr(), np.zeros(n_in)), tuple(in_shape)
    elif isinstance(node, nir.Conv2d):
        if len(in_shape) != 3:
            raise ValueError(f"Conv2d: input shape {in_shape}, accepted (C, H, W)")
        lm, out = _conv_map(node, in_shape, one_d=False)
    elif isinstance(node, nir.Conv1d):
        if len(in_shape) != 2:
            raise ValueError(f"Conv1d: input shape {in_shape}, accepted (C, L)")
        lm, out = _conv_map(node, in_shape, one_d=True)
    elif isinstance(node, nir.SumPool2d | nir.AvgPool2d):
        if len(in_shape) != 3:
            raise ValueError(f"{name}: input shape {in_shape}, accepted (C, H, W)")
        lm, out = _pool_map(node, in_shape, isinstance(node, nir.AvgPool2d))
    elif isinstance(node, nir.Flatten):
        nd = len(in_shape)
        s0, s1 = int(node.start_dim) % max(nd, 1), int(node.end_dim) % max(nd, 1)
        out = (*in_shape[:s0], int(np.prod(in_shape[s0:s1 + 1])), *in_shape[s1 + 1:])
        lm = LinearMap(sp.identity(n_in, format="csr"), np.zeros(n_in))
    elif isinstance(node, nir.Delay | nir.Input | nir.Output):
        d = 0.0
        if isinstance(node, nir.Delay):
            dd = np.unique(np.asarray(node.delay, np.float64))
            if dd.size != 1 or not np.isfinite(dd[0]) or dd[0] < 0:
                raise ValueError(f"Delay: delay={node.delay!r}, accepted one finite value >= 0 for all elements")
            d = float(dd[0])
        lm, out = LinearMap(sp.identity(n_in, format="csr"), np.zeros(n_in), d), tuple(in_shape)
    else:
        raise ValueError(f"node type {name} is not supported; accepted stateless nodes "
                         f"{[c.__name__ for c in LINEAR_NODES]} and neuron nodes {[c.__name__ for c in NEURON_NODES]}")
    if not (np.all(np.isfinite(lm.M.data)) and np.all(np.isfinite(lm.b))):
        raise ValueError(f"{name}: weights and biases must be finite (no NaN or inf)")
    return lm, out
