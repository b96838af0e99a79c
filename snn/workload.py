"""Workload accounting in the hwsim network IR (:mod:`hwsim.ir`): spikes by sign, synaptic operations, neuron
updates and time steps per layer, measured from a simulation.

Definitions (per inference = one input sequence; averaged over the samples given):

* spikes_pos / spikes_neg: +1 / -1 events of the presynaptic group of a projection. Input event counts ``c`` count
  ``|c|`` events (each is delivered as one synaptic event per synapse).
* syn_ops: synaptic operations = sum over presynaptic neurons of events x that neuron's fan-out (synapses with a
  non-zero weight; a convolution tap is one synapse). ``spike_rate`` = events / (n_pre x time steps).
* neuron_update rows: every neuron of a spiking layer (and every readout unit) is updated once per step.
* analog (non-event) inputs make the first projection a dense ``linear`` row of T x n_in x n MACs.

Functions: :func:`model_workload` (a trained :mod:`snn.model` network on inputs x) and :func:`network_workload`
(a :class:`snn.network.Network` run by the Numba engine).
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from hwsim import ir
from snn.model import SNN, Conv1d, apply


@partial(jax.jit, static_argnums=1)
def _per_neuron_counts(params, spec, x):
    out = apply(params, spec, x)
    return ([jnp.maximum(s, 0).sum((0, 1)) for s in out.spikes], [jnp.maximum(-s, 0).sum((0, 1)) for s in out.spikes])


def _is_event_input(x: np.ndarray) -> bool:
    return bool(np.all(x == np.round(x)))


def _fanout(w: np.ndarray, conv: bool) -> np.ndarray:
    """Non-zero synapses per presynaptic neuron: dense w (n_pre, n_post); conv w (C_out, C_in, K)."""
    if conv:
        return np.count_nonzero(w, axis=(0, 2)).astype(np.float64)
    return np.count_nonzero(w, axis=1).astype(np.float64)


def physical_dt_s(neurons: Any, dt_s: float) -> float:
    """The IR's ``dt_s`` for a network of ``neurons`` stepped at ``dt_s`` [s]: ``dt_s`` when a neuron evolves in
    physical time (:class:`~snn.neurons.MTJNeuron`, a device whose leak and noise are set by the step, so hardware
    must run at that step), else NaN ("not stated"): the step of LIF / signed LIF / NIR neurons is a modelling
    choice that a digital or emulating chip runs at its own speed (the MTJ core would then run them at its own
    device step, not for 1 ms per step)."""
    from snn.neurons import MTJNeuron

    return float(dt_s) if any(isinstance(n, MTJNeuron) for n in neurons) else math.nan


def _spiking_row(name: str, w: np.ndarray, conv: bool, pos: np.ndarray, neg: np.ndarray, T: int, signed: bool,
                 trainable: bool = True, dt_s: float = math.nan) -> dict:
    """One snn_dense/snn_conv row with measured events (per-neuron pos/neg, shape (n_pre,), per inference)."""
    fan = _fanout(w, conv)
    events = pos + neg
    n_pre = fan.size
    rate = float(events.sum()) / (n_pre * T)
    syn_ops = float(np.dot(events, fan))
    bits = 2 if signed else 1
    density = max(float(np.count_nonzero(w)) / w.size, 1.0 / w.size)
    if conv:
        c_out, c_in, K = w.shape
        return ir.conv1d(name, C=c_in, K_out=c_out, L_out=1, R=K, bias=False, kind="snn_conv", time_steps=T,
                         spike_rate=rate, signed=signed, fan_out=c_out * K * density, density=density,
                         spikes_pos=float(pos.sum()), spikes_neg=float(neg.sum()), syn_ops=syn_ops, a_bits=bits,
                         trainable=trainable, weight_elems=int(np.count_nonzero(w)), dt_s=dt_s)
    return ir.snn_dense(name, w.shape[0], w.shape[1], T, rate, signed=signed, density=density,
                        spikes_pos=float(pos.sum()), spikes_neg=float(neg.sum()), syn_ops=syn_ops, a_bits=bits,
                        trainable=trainable, dt_s=dt_s)


def model_workload(spec: SNN, params: dict, x: Any, *, batch_size: int = 256) -> pd.DataFrame:
    """IR table of a :mod:`snn.model` network on inputs ``x`` (N, T, n_in), measured per inference (mean over N).

    Rows per layer ``L<i>``: the feed-forward projection ``L<i>.w`` (``snn_dense``/``snn_conv`` for event inputs,
    ``linear``/``conv1d`` of T time positions for analog inputs), the recurrent projection ``L<i>.w_rec`` if any,
    ``L<i>.neurons`` (``neuron_update``); then ``readout.w`` and ``readout.neurons``. Spiking and neuron rows state
    the network's step ``spec.dt_s`` [s] as ``dt_s`` when it is a physical step (:func:`physical_dt_s`).

    Raises
    ------
    ValueError
        if x is not (N, T, n_in).
    """
    x = np.asarray(x)
    if x.ndim != 3 or x.shape[2] != spec.n_in:
        raise ValueError(f"x must have shape (N, T, n_in={spec.n_in}), got {x.shape}")
    N, T, _ = x.shape
    dt = physical_dt_s([layer.neuron for layer in spec.layers], spec.dt_s)
    dtype = params["readout"]["w"].dtype
    L = len(spec.layers)
    pos = [np.zeros(layer.n_out) for layer in spec.layers]
    neg = [np.zeros(layer.n_out) for layer in spec.layers]
    for b in range(0, N, batch_size):
        p_b, n_b = _per_neuron_counts(params, spec, jnp.asarray(x[b:b + batch_size], dtype))
        for li in range(L):
            pos[li] += np.asarray(p_b[li], np.float64)
            neg[li] += np.asarray(n_b[li], np.float64)
    pos = [p / N for p in pos]
    neg = [n / N for n in neg]
    events_in = _is_event_input(x)
    x_pos = np.maximum(x, 0).sum((0, 1)) / N
    x_neg = np.maximum(-x, 0).sum((0, 1)) / N
    rows = []
    pre_pos, pre_neg, pre_signed = x_pos, x_neg, bool(np.any(x < 0))
    for li, (layer, p) in enumerate(zip(spec.layers, params["layers"])):
        name = f"L{li}"
        w = np.asarray(p["w"])
        conv = isinstance(layer, Conv1d)
        if li == 0 and not events_in:
            if conv:
                c_out, c_in, K = w.shape
                rows.append(ir.conv1d(f"{name}.w", C=c_in, K_out=c_out, L_out=T, R=K, bias="b" in p,
                                      trainable=True))
            else:
                rows.append(ir.linear(f"{name}.w", M=T, N=w.shape[1], K=w.shape[0], bias="b" in p, trainable=True))
        else:
            rows.append(_spiking_row(f"{name}.w", w, conv, pre_pos, pre_neg, T, pre_signed, dt_s=dt))
        if "w_rec" in p:
            rows.append(_spiking_row(f"{name}.w_rec", np.asarray(p["w_rec"]), False, pos[li], neg[li], T,
                                     layer.neuron.signed, dt_s=dt))
        rows.append(ir.neuron_update(f"{name}.neurons", layer.n_out, T, dt_s=dt))
        pre_pos, pre_neg, pre_signed = pos[li], neg[li], bool(layer.neuron.signed)
    rows.append(_spiking_row("readout.w", np.asarray(params["readout"]["w"]), False, pre_pos, pre_neg, T, pre_signed,
                             dt_s=dt))
    rows.append(ir.neuron_update("readout.neurons", spec.readout.n, T, dt_s=dt))
    return ir.make(rows)


def network_workload(net: Any, result: Any) -> pd.DataFrame:
    """IR table of a Numba-engine run (:func:`snn.engine_numba.simulate` result) of ``net``: one row per projection
    (``snn_dense``, or ``snn_conv`` for :meth:`~snn.network.Projection.conv1d` and
    :meth:`~snn.network.Projection.conv2d`) with the engine's measured events
    and synaptic operations, one ``neuron_update`` row per population; per inference = the whole run; every row
    states the run's step ``result.dt_s`` [s] as ``dt_s`` when it is a physical step (:func:`physical_dt_s`).
    """
    T = result.n_steps
    dt = physical_dt_s([getattr(p, "neuron", None) for p in net.populations], result.dt_s)
    rows = []
    for pr in net.projections:
        if pr.n_synapses == 0:
            continue
        off, n_pre = result.offsets[pr.pre]
        n_post = net.group(pr.post).n
        pos = float(result.counts_pos[off:off + n_pre].sum())
        neg = float(result.counts_neg[off:off + n_pre].sum())
        rate = (pos + neg) / (n_pre * max(T, 1))
        signed = bool(getattr(net.group(pr.pre), "neuron", net.group(pr.pre)).signed)
        syn_ops = float(result.syn_ops[pr.name])
        if pr.kind == "conv2d":
            geo = pr.geometry
            c_out, ho, wo = geo.out_shape
            cg = geo.in_shape[0] // geo.groups
            kh, kw = geo.kernel
            rows.append(ir.op(layer=pr.name, kind="snn_conv", M=ho * wo, N=c_out, K=cg * kh * kw, C=cg, K_out=c_out,
                              P=ho, Q=wo, R=kh, S=kw, stride=geo.stride[0], time_steps=max(T, 1), spike_rate=rate,
                              signed=signed, fan_out=pr.n_synapses / n_pre, weight_elems=c_out * cg * kh * kw,
                              spikes_pos=pos, spikes_neg=neg, syn_ops=syn_ops, a_bits=2 if signed else 1, dt_s=dt))
        elif pr.kind == "conv1d":
            K = max(1, pr.n_synapses // (n_pre * n_post))
            rows.append(ir.conv1d(pr.name, C=n_pre, K_out=n_post, L_out=1, R=K, bias=False, kind="snn_conv",
                                  time_steps=max(T, 1), spike_rate=rate, signed=signed, fan_out=pr.n_synapses / n_pre,
                                  spikes_pos=pos, spikes_neg=neg, syn_ops=syn_ops, a_bits=2 if signed else 1, dt_s=dt))
        else:
            density = min(1.0, pr.n_synapses / (n_pre * n_post))
            rows.append(ir.snn_dense(pr.name, n_pre, n_post, max(T, 1), rate, signed=signed, density=density,
                                     fan_out=pr.n_synapses / n_pre, weight_elems=pr.n_synapses, spikes_pos=pos,
                                     spikes_neg=neg, syn_ops=syn_ops, a_bits=2 if signed else 1, dt_s=dt))
    for pop in net.populations:
        rows.append(ir.neuron_update(f"{pop.name}.neurons", pop.n, max(T, 1), dt_s=dt))
    return ir.make(rows)
