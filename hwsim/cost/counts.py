"""Work and data volumes of every (design point, op): MACs, synaptic operations, neuron updates, spikes and the
bytes of each operand. All arrays have shape (points, ops) (or broadcast to it); ``ops`` are the distinct ops of
the table when :mod:`hwsim.cost.model` grouped identical rows, with their multiplicities in ``Counts.mult``.

Definitions (per inference; ``c`` = ``count * keep``):

* dense MACs = M*N*K*c (x ``top_k`` for ``expert`` rows); a row with ``rank`` r > 0 (not merged) is factorised,
  x (M x K) -> (M x r) -> (M x N): M*r*(K+N)*c MACs; merged LoRA rows (``lora_a``/``lora_b`` with ``merged``) cost
  nothing at inference; ``embedding`` rows are look-ups (0 MACs, M*N*c weights gathered).
* effective MACs = dense MACs x density when the target skips the row's sparsity pattern (``channel`` pruning
  always shrinks the layer, so every target skips it).
* synaptic operations of spiking rows: measured ``syn_ops`` if present, else measured spikes x ``fan_out``, else
  ``spike_rate * K * time_steps * fan_out * c`` (the rule of :func:`hwsim.ir.synaptic_ops`); presynaptic spikes =
  synops / fan_out. Neuron updates = ``n_neurons * time_steps * c`` of ``neuron_update`` rows.
* stored weight bits per element = ``w_bits`` (+ ``scale_bits / group_size`` for group quantisation; a per-channel
  scale, ``group_size`` 0 and ``scale_bits`` > 0, adds ``N * scale_bits`` bits per row). Sparse storage on targets
  that compress the pattern keeps ``density`` of the elements plus an index: 2 bits per non-zero for N:M (as in
  2:4 sparse tensor cores), a 1-bit mask per element for unstructured/block sparsity, none for channel pruning.
* operand bytes per repeat: inputs A = M*K*a_bits/8 (convolutions: the input tensor C x H_in x W_in with
  H_in = (P-1)*stride + R), outputs O = M*N*a_bits/8, "B" operand = the weights, or for attention rows the K/V cache
  slice K*N*a_bits/8 (KV-cache quantisation via ``a_bits`` of the attention rows).
* MoE: expert weights are all resident (x ``n_experts``) but a batch of M tokens reads on average
  ``n_experts * (1 - (1 - top_k/n_experts)**M)`` distinct experts (uniform routing).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hwsim import ir
from hwsim.cost.points import DesignPoints

NON_GEMM = ("norm", "elementwise", "neuron_update")
NM_INDEX_BITS = 2.0
MASK_INDEX_BITS = 1.0


@dataclass(frozen=True)
class Counts:
    """Per-(point, op) work and bytes; see the module docstring. All float64 arrays broadcastable to (P, O)."""

    macs: np.ndarray
    macs_eff: np.ndarray
    synops: np.ndarray
    spikes: np.ndarray
    updates: np.ndarray
    time_steps: np.ndarray
    weight_stored_B: np.ndarray
    weight_read_B: np.ndarray
    b_operand_B: np.ndarray
    inputs_B: np.ndarray
    outputs_B: np.ndarray
    kv_B: np.ndarray
    reps: np.ndarray
    neurons: np.ndarray
    synapses: np.ndarray
    kind: np.ndarray
    spiking: np.ndarray
    factorised: np.ndarray
    mult: np.ndarray = field(default_factory=lambda: np.ones(0))

    def total(self, x: np.ndarray) -> np.ndarray:
        """Sum over ops weighted by each op's multiplicity (identical ops are evaluated once), shape (points,)."""
        x = np.asarray(x, dtype=np.float64)
        m = self.mult if self.mult.size == x.shape[-1] else np.ones(x.shape[-1])
        return np.broadcast_to(x, (self.macs.shape[0], x.shape[-1])) @ m


def _flags(df: pd.DataFrame, patterns: tuple[str, ...]) -> np.ndarray:
    pat = df["sparsity_pattern"].to_numpy()
    return (np.isin(pat, patterns) | (pat == "channel"))[None, :]


def _w(mask: np.ndarray, x: np.ndarray | float, y: np.ndarray | float) -> np.ndarray | float:
    """np.where that skips the work when the (static, row-kind) mask is all False."""
    return np.where(mask, x, y) if np.any(mask) else y


def compute(df: pd.DataFrame, d: DesignPoints, *, skip: tuple[str, ...] = (),
            compressed: tuple[str, ...] = ()) -> Counts:
    """Work and operand bytes of every (point, op); ``skip``/``compressed`` are the target's sparsity patterns."""
    a = d.arrays
    kind = df["kind"].to_numpy()
    k1 = kind[None, :]
    M, N, K = a["M"], a["N"], a["K"]
    c = a["count"] * a["keep"] if "keep" in d.overridden else a["count"]
    zero = np.zeros((1, d.n_ops))
    spiking = np.isin(k1, ir.SPIKING_KINDS)
    expert = k1 == "expert"
    lora = np.isin(k1, ("lora_a", "lora_b"))
    merged = (a["merged"] > 0) & lora
    attention = np.isin(k1, ("attention_qk", "attention_av"))
    embedding = k1 == "embedding"
    neuron = k1 == "neuron_update"
    gemm_like = ~(lora | spiking | np.isin(k1, (*NON_GEMM, "embedding")) | attention)
    factorised = (a["rank"] > 0) & gemm_like
    any_fact = bool(np.any(factorised))
    n_exp = _w(expert, a["n_experts"], 1.0)
    topk = _w(expert, a["top_k"], 1.0)
    MK = M * K
    dense = MK * N
    macs = (np.where(factorised, M * a["rank"] * (K + N), dense) if any_fact else dense) * c
    if np.any(expert):
        macs = macs * topk
    macs = _w(merged | embedding | spiking | neuron, 0.0, macs)
    dens = a["density"]
    skipped = _flags(df, skip)
    macs_eff = np.where(skipped, macs * dens, macs) if np.any(skipped) else macs
    T = a["time_steps"]

    # spiking rows
    if np.any(spiking):
        fan = a["fan_out"]
        est = a["spike_rate"] * K * T * fan * c
        sp_pos, sp_neg = a["spikes_pos"], a["spikes_neg"]
        have_spikes = ~(np.isnan(sp_pos) & np.isnan(sp_neg))
        meas_spikes = (np.nan_to_num(sp_pos) + np.nan_to_num(sp_neg)) * c
        syn = np.where(~np.isnan(a["syn_ops"]), a["syn_ops"] * c, np.where(have_spikes, meas_spikes * fan, est))
        synops = np.where(spiking, syn, 0.0)
        spikes_est = np.where(have_spikes, meas_spikes, a["spike_rate"] * K * T * c)
        spikes = np.where(spiking, np.where(fan > 0, synops / np.where(fan > 0, fan, 1.0), spikes_est), 0.0)
    else:
        synops = spikes = zero
    updates = _w(neuron, a["n_neurons"] * T * c, zero)

    # stored weights (bits per element incl. scales and sparse indices)
    welems = a["weight_elems"] * n_exp
    if any_fact:
        welems = np.where(factorised, a["rank"] * (K + N) * n_exp, welems)
    welems = _w(merged, 0.0, welems)
    g = a["group_size"]
    scale_bits_per_elem = np.where(g > 0, a["scale_bits"] / np.where(g > 0, g, 1.0), 0.0)
    per_channel_bits = np.where((g <= 0) & (a["scale_bits"] > 0), N * a["scale_bits"], 0.0)
    pat = df["sparsity_pattern"].to_numpy()[None, :]
    comp = _flags(df, compressed) & (dens < 1)
    if np.any(comp):
        index_bits = np.where(pat == "n:m", NM_INDEX_BITS * dens, np.where(pat == "channel", 0.0, MASK_INDEX_BITS))
        value_bits = np.where(comp, dens * a["w_bits"] + index_bits, a["w_bits"])
    else:
        value_bits = a["w_bits"]
    stored_bits = welems * (value_bits + scale_bits_per_elem) + per_channel_bits * n_exp
    weight_stored_B = _w(attention, 0.0, stored_bits / 8.0)
    if "keep" in d.overridden:  # a removed row (depth search) stores nothing
        weight_stored_B = np.where(a["keep"] > 0, weight_stored_B, 0.0)
    # weights read per inference: embeddings gather M*N rows; experts: expected distinct experts touched
    weight_read_B = weight_stored_B
    if np.any(expert):
        ne = a["n_experts"]
        distinct = ne * (1.0 - (1.0 - a["top_k"] / ne) ** np.maximum(M, 1.0))
        weight_read_B = np.where(expert, weight_stored_B / n_exp * np.minimum(distinct, ne), weight_stored_B)
    weight_read_B = _w(embedding, M * N * c * (a["w_bits"] + scale_bits_per_elem) / 8.0, weight_read_B)
    if "keep" in d.overridden:
        weight_read_B = np.where(a["keep"] > 0, weight_read_B, 0.0)

    # activation operands per repeat
    conv = np.isin(k1, ("conv1d", "conv2d"))
    if np.any(conv):
        h_in = (a["P"] - 1) * a["stride"] + a["R"]
        w_in = np.where(a["Q"] > 1, (a["Q"] - 1) * a["stride"] + a["S"], np.maximum(a["S"], 1.0))
        batch = M / np.maximum(a["P"] * np.maximum(a["Q"], 1.0), 1.0)
        in_elems = np.where(conv, batch * a["C"] * h_in * w_in, MK)
    else:
        in_elems = MK
    in_bytes = a["a_bits"] / 8.0
    inputs_B = _w(spiking | neuron, 0.0, in_elems * in_bytes)
    inputs_B = _w(embedding, M * 4.0, inputs_B)  # token ids (int32)
    outputs_B = _w(spiking | neuron, 0.0, M * N * in_bytes)
    kv_B = _w(attention, K * N * in_bytes, zero)
    b_operand_B = _w(attention, kv_B, weight_read_B / np.maximum(c, 1.0))

    neurons = _w(neuron, a["n_neurons"], zero)
    synapses = _w(spiking, welems, zero)
    shape = (d.n_points, d.n_ops)

    def b(x: np.ndarray | float) -> np.ndarray:
        return np.broadcast_to(np.asarray(x, dtype=np.float64), shape)

    return Counts(macs=b(macs), macs_eff=b(macs_eff), synops=b(synops), spikes=b(spikes), updates=b(updates),
                  time_steps=b(_w(spiking | neuron, T, 1.0)),
                  weight_stored_B=b(weight_stored_B), weight_read_B=b(weight_read_B), b_operand_B=b(b_operand_B),
                  inputs_B=b(inputs_B), outputs_B=b(outputs_B), kv_B=b(kv_B * c), reps=b(c), neurons=b(neurons),
                  synapses=b(synapses), kind=kind, spiking=np.broadcast_to(spiking, shape),
                  factorised=np.broadcast_to(factorised, shape))
