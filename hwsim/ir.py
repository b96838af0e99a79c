"""Network IR: a workload as one row per operation in a pandas DataFrame with a fixed schema.

This is a leaf module (it imports only numpy and pandas): every package may use it to describe a workload
(``snn`` networks, ``fdir`` detectors, transformer builders in :mod:`hwsim.workloads`), and the cost model in
:mod:`hwsim.cost` maps it onto hardware targets.

Conventions
-----------
* Every operation is written as a GEMM ``(M x K) @ (K x N)`` repeated ``count`` times per inference:
  ``M`` = output rows (tokens, batch positions, conv output pixels), ``N`` = output columns (output features,
  output channels), ``K`` = reduction length (input features, ``C*R*S`` for a convolution). Convolutions also keep
  their loop dimensions ``C, K_out, P, Q, R, S, stride`` (1-D convolutions use ``Q = S = 1``). Dense MACs of a row
  are ``M*N*K*count``.
* ``weight_elems`` is the number of stored weight parameters of the row (0 for activation-by-activation products
  such as attention scores; shared weights are counted once, on their first use).
* Spiking rows (``snn_dense``, ``snn_conv``): ``K`` presynaptic neurons, ``N`` postsynaptic neurons,
  ``time_steps`` steps per inference, ``spike_rate`` = mean spikes per presynaptic neuron per step (both signs),
  ``fan_out`` = mean synapses per presynaptic spike (``N*density`` for a dense layer). Measured counts per inference
  go to ``spikes_pos``, ``spikes_neg`` and ``syn_ops`` (NaN when unknown; the cost model then uses the rate).
  ``neuron_update`` rows have ``n_neurons`` neurons updated every step.
* ``dt_s`` is the physical time step of a spiking or ``neuron_update`` row in seconds, as the builder of the
  workload ran it, for neurons that evolve in physical time (e.g. the 1 ns step of the fitted MTJ neuron); NaN
  means "not stated" (the default, the value of every non-spiking row, and of LIF networks whose step is a
  modelling choice: :func:`snn.workload.physical_dt_s`). One network runs at one step: :func:`time_step_s`
  returns it. Targets whose neurons evolve in physical time (the MTJ core) take their latency from it; others
  ignore it.
* Grouped-query attention rows are written per KV head: ``M = q_tokens * heads / kv_heads`` and
  ``count = kv_heads * batch``, so the K/V cache of a KV head is read once for all query heads that share it.
* Units: bits for precisions; counts are per inference (one forward pass / one decoded token / one window).

Every column, its dtype, default and meaning are listed in :data:`SCHEMA`. :func:`validate` raises
:class:`IRError` naming the row (index and ``layer``) and field for inconsistent rows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

KINDS = (
    "linear", "conv1d", "conv2d", "attention_qk", "attention_av", "embedding", "lm_head",
    "lora_a", "lora_b", "router", "expert", "norm", "elementwise", "snn_dense", "snn_conv", "neuron_update",
)
"""Operation kinds. ``expert`` rows describe one expert's GEMM with ``n_experts``/``top_k``/``imbalance``."""

SPIKING_KINDS = ("snn_dense", "snn_conv")
FORMATS = ("int", "fp", "bf", "nf")
SPARSITY_PATTERNS = ("dense", "unstructured", "n:m", "channel", "block")


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str
    default: Any
    doc: str


SCHEMA: tuple[Column, ...] = (
    Column("layer", "string", "", "layer/operation name"),
    Column("kind", "string", "linear", f"operation kind, one of {KINDS}"),
    Column("M", "int64", 1, "GEMM output rows (tokens, batch positions, output pixels)"),
    Column("N", "int64", 1, "GEMM output columns (output features / channels / postsynaptic neurons)"),
    Column("K", "int64", 1, "GEMM reduction length (input features, C*R*S, presynaptic neurons)"),
    Column("C", "int64", 0, "conv input channels (0 for non-conv rows)"),
    Column("K_out", "int64", 0, "conv output channels"),
    Column("P", "int64", 0, "conv output height (1-D: output length)"),
    Column("Q", "int64", 0, "conv output width (1-D: 1)"),
    Column("R", "int64", 0, "conv kernel height (1-D: kernel length)"),
    Column("S", "int64", 0, "conv kernel width (1-D: 1)"),
    Column("stride", "int64", 1, "conv stride"),
    Column("count", "float64", 1.0, "repeats of this op per inference (heads, tokens, layers folded)"),
    Column("weight_elems", "int64", 0, "stored weight parameters of this row"),
    Column("w_bits", "int64", 16, "weight bits"),
    Column("a_bits", "int64", 16, "activation bits"),
    Column("acc_bits", "int64", 32, "accumulator bits"),
    Column("w_format", "string", "bf", f"weight number format, one of {FORMATS}"),
    Column("a_format", "string", "", "activation number format: '' (default: integer only when a_bits <= 8 with "
           "integer weights, i.e. weight-only quantisation keeps float activations above 8 bits) or one of "
           f"{FORMATS} ('int' for fixed-point activations of any width, e.g. W8A16 integer kernels)"),
    Column("group_size", "int64", 0, "quantisation group size along K (0 = per channel / per tensor)"),
    Column("scale_bits", "int64", 0, "bits per quantisation scale (and zero point) per group"),
    Column("density", "float64", 1.0, "fraction of non-zero weights, 0 < density <= 1"),
    Column("sparsity_pattern", "string", "dense", f"one of {SPARSITY_PATTERNS}"),
    Column("rank", "int64", 0, "low-rank factor rank (0 = full rank)"),
    Column("merged", "bool", False, "low-rank/LoRA adapter merged into the base weight"),
    Column("n_experts", "int64", 1, "experts in a mixture-of-experts row"),
    Column("top_k", "int64", 1, "experts active per token"),
    Column("imbalance", "float64", 1.0, "load imbalance factor of the busiest expert (>= 1)"),
    Column("time_steps", "int64", 1, "simulation time steps per inference (spiking rows)"),
    Column("spike_rate", "float64", 0.0, "mean spikes per presynaptic neuron per time step (spiking rows)"),
    Column("signed", "bool", False, "spikes are signed (+1/-1)"),
    Column("fan_out", "float64", 0.0, "mean synapses reached by one presynaptic spike"),
    Column("n_neurons", "int64", 0, "neurons updated every step (neuron_update rows)"),
    Column("spikes_pos", "float64", math.nan, "measured +1 spikes per inference (NaN: unknown)"),
    Column("spikes_neg", "float64", math.nan, "measured -1 spikes per inference (NaN: unknown)"),
    Column("syn_ops", "float64", math.nan, "measured synaptic operations per inference (NaN: unknown)"),
    Column("dt_s", "float64", math.nan, "simulated time step of spiking/neuron_update rows in s (NaN: not stated)"),
    Column("trainable", "bool", False, "parameters of this row are trained"),
    Column("saved_for_backward", "bool", False, "activations of this row are kept for the backward pass"),
)
COLUMNS = tuple(c.name for c in SCHEMA)
_BY_NAME = {c.name: c for c in SCHEMA}


class IRError(ValueError):
    """An IR row or table is inconsistent; the message names the row and field."""


def op(**fields: Any) -> dict[str, Any]:
    """One IR row as a dict, defaults filled in. Unknown field names raise :class:`IRError`."""
    unknown = set(fields) - set(COLUMNS)
    if unknown:
        raise IRError(f"unknown IR field(s) {sorted(unknown)}; accepted: {list(COLUMNS)}")
    row = {c.name: c.default for c in SCHEMA}
    row.update(fields)
    return row


def make(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Build and validate an IR table from row dicts (missing fields take their defaults).

    Raises
    ------
    IRError
        for unknown fields or inconsistent rows (see :func:`validate`).
    """
    rows = [op(**dict(r)) for r in rows]
    df = pd.DataFrame(rows, columns=list(COLUMNS)) if rows else empty()
    for c in SCHEMA:
        if c.dtype == "int64" and len(df):
            v = pd.to_numeric(df[c.name], errors="coerce").to_numpy(np.float64)
            bad = ~np.isfinite(v) | (v != np.round(v)) | (np.abs(v) >= 2.0**63)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise IRError(f"IR row {i} (layer {df['layer'].iloc[i]!r}): field {c.name!r}="
                              f"{df[c.name].iloc[i]!r} must be a finite integer")
    df = df.astype({c.name: c.dtype for c in SCHEMA})
    validate(df)
    return df.reset_index(drop=True)


def empty() -> pd.DataFrame:
    """An IR table with no rows and the full schema."""
    return pd.DataFrame({c.name: pd.Series(dtype=c.dtype) for c in SCHEMA})


def concat(tables: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate IR tables (e.g. per-layer builders) and re-validate."""
    tables = list(tables)
    df = pd.concat(tables, ignore_index=True) if tables else empty()
    validate(df)
    return df


def validate(df: pd.DataFrame) -> None:
    """Check schema and per-row consistency.

    Raises
    ------
    IRError
        naming the row index, its ``layer`` and the offending field: missing/extra columns, unknown kind or format,
        non-integer or non-finite integer fields, bits outside [1, 64] (``acc_bits``: [1, 128]), density outside
        (0, 1], rank larger than ``min(N, K)``, ``top_k > n_experts``, ``imbalance`` not finite or < 1, negative or
        infinite dimensions/rates/measured counts, ``dt_s`` neither NaN nor a finite positive number, conv dims
        that do not match ``M, N, K``.
    """
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise IRError(f"IR table lacks column(s) {missing}")
    extra = [c for c in df.columns if c not in _BY_NAME]
    if extra:
        raise IRError(f"IR table has unknown column(s) {extra}; accepted: {list(COLUMNS)}")
    if len(df) == 0:
        return

    def fail(mask: np.ndarray, field: str, rule: str) -> None:
        if np.any(mask):
            i = int(np.flatnonzero(mask)[0])
            raise IRError(
                f"IR row {i} (layer {df['layer'].iloc[i]!r}, kind {df['kind'].iloc[i]!r}): field {field!r}="
                f"{df[field].iloc[i]!r} violates {rule}"
            )

    fail(~df["kind"].isin(KINDS).to_numpy(), "kind", f"kind in {KINDS}")
    fail(~df["w_format"].isin(FORMATS).to_numpy(), "w_format", f"w_format in {FORMATS}")
    fail(~df["a_format"].isin(("", *FORMATS)).to_numpy(), "a_format", f"a_format '' or in {FORMATS}")
    fail(~df["sparsity_pattern"].isin(SPARSITY_PATTERNS).to_numpy(), "sparsity_pattern",
         f"sparsity_pattern in {SPARSITY_PATTERNS}")
    for c in SCHEMA:
        if c.dtype == "int64" and not pd.api.types.is_integer_dtype(df[c.name].dtype):
            v = pd.to_numeric(df[c.name], errors="coerce").to_numpy(np.float64)
            fail(~np.isfinite(v) | (v != np.round(v)), c.name, "a finite integer")
    for f in ("M", "N", "K", "C", "K_out", "P", "Q", "R", "S", "weight_elems", "group_size", "scale_bits",
              "rank", "n_neurons"):
        fail(df[f].to_numpy() < 0, f, ">= 0")
    for f in ("w_bits", "a_bits", "acc_bits", "stride", "n_experts", "top_k", "time_steps"):
        fail(df[f].to_numpy() < 1, f, ">= 1")
    for f in ("count", "spike_rate", "fan_out"):
        v = df[f].to_numpy()
        fail(~np.isfinite(v) | (v < 0), f, "finite and >= 0")
    fail(df["w_bits"].to_numpy() > 64, "w_bits", "<= 64")
    fail(df["a_bits"].to_numpy() > 64, "a_bits", "<= 64")
    fail(df["acc_bits"].to_numpy() > 128, "acc_bits", "<= 128")
    for f in ("spikes_pos", "spikes_neg", "syn_ops"):
        v = df[f].to_numpy(np.float64)
        fail(~np.isnan(v) & ~(np.isfinite(v) & (v >= 0)), f, "NaN (unknown) or finite and >= 0")
    v = df["dt_s"].to_numpy(np.float64)
    fail(~np.isnan(v) & ~(np.isfinite(v) & (v > 0)), "dt_s", "NaN (not stated) or finite and > 0 s")
    d = df["density"].to_numpy()
    fail(~((d > 0) & (d <= 1)), "density", "0 < density <= 1")
    fail(df["rank"].to_numpy() > np.minimum(df["N"], df["K"]).to_numpy(), "rank", "rank <= min(N, K)")
    fail(df["top_k"].to_numpy() > df["n_experts"].to_numpy(), "top_k", "top_k <= n_experts")
    v = df["imbalance"].to_numpy(np.float64)
    fail(~(np.isfinite(v) & (v >= 1)), "imbalance", "finite and >= 1")
    conv = df["kind"].isin(("conv1d", "conv2d", "snn_conv")).to_numpy()
    gemm_m = (df["P"] * df["Q"]).to_numpy()
    gemm_k = (df["C"] * df["R"] * df["S"]).to_numpy()
    # a conv row over a batch may repeat output pixels: M must be a positive multiple of P*Q
    fail(conv & ((gemm_m <= 0) | (df["M"].to_numpy() % np.maximum(gemm_m, 1) != 0)), "M",
         "M = batch * P * Q for conv rows")
    fail(conv & (df["K"].to_numpy() != gemm_k), "K", "K = C * R * S for conv rows")
    fail(conv & (df["N"].to_numpy() != df["K_out"].to_numpy()), "N", "N = K_out for conv rows")
    spiking = df["kind"].isin(SPIKING_KINDS).to_numpy()
    fail(spiking & (df["spike_rate"].to_numpy() > 1) & ~df["signed"].to_numpy(), "spike_rate",
         "<= 1 spike per neuron per step for unsigned spiking rows")


# ----------------------------------------------------------------------------------------------- builders


def linear(layer: str, M: int, N: int, K: int, *, count: float = 1.0, bias: bool = False,
           kind: str = "linear", **fields: Any) -> dict[str, Any]:
    """A dense layer ``y = x W (+ b)``: ``x`` (M, K), ``W`` (K, N). ``weight_elems`` = K*N (+ N with bias)."""
    w = K * N + (N if bias else 0)
    fields.setdefault("weight_elems", w)
    return op(layer=layer, kind=kind, M=M, N=N, K=K, count=count, **fields)


def conv1d(layer: str, C: int, K_out: int, L_out: int, R: int, *, stride: int = 1, batch: int = 1,
           bias: bool = True, count: float = 1.0, kind: str = "conv1d", **fields: Any) -> dict[str, Any]:
    """A 1-D convolution: C input channels, K_out output channels, output length L_out, kernel R."""
    fields.setdefault("weight_elems", C * K_out * R + (K_out if bias else 0))
    return op(layer=layer, kind=kind, M=batch * L_out, N=K_out, K=C * R, C=C, K_out=K_out, P=L_out, Q=1,
              R=R, S=1, stride=stride, count=count, **fields)


def conv2d(layer: str, C: int, K_out: int, P: int, Q: int, R: int, S: int, *, stride: int = 1,
           batch: int = 1, bias: bool = True, count: float = 1.0, **fields: Any) -> dict[str, Any]:
    """A 2-D convolution with output P x Q and kernel R x S (GEMM view M = batch*P*Q, N = K_out, K = C*R*S)."""
    fields.setdefault("weight_elems", C * K_out * R * S + (K_out if bias else 0))
    return op(layer=layer, kind="conv2d", M=batch * P * Q, N=K_out, K=C * R * S, C=C, K_out=K_out, P=P, Q=Q,
              R=R, S=S, stride=stride, count=count, **fields)


def snn_dense(layer: str, n_pre: int, n_post: int, time_steps: int, spike_rate: float, *,
              signed: bool = False, density: float = 1.0, spikes_pos: float = math.nan,
              spikes_neg: float = math.nan, syn_ops: float = math.nan, dt_s: float = math.nan,
              **fields: Any) -> dict[str, Any]:
    """Spiking synapses from ``n_pre`` to ``n_post`` neurons over ``time_steps`` steps of ``dt_s`` seconds.

    ``spike_rate`` is spikes per presynaptic neuron per step; ``fan_out`` defaults to ``n_post * density``;
    ``dt_s`` NaN = step not stated. Raises :class:`IRError` for a ``density`` outside (0, 1] (NaN, inf included)
    and, through :func:`make`, for any other invalid field.
    """
    if not (isinstance(density, (int, float, np.number)) and 0 < density <= 1):
        raise IRError(f"snn_dense {layer!r}: field 'density'={density!r} violates 0 < density <= 1")
    w = n_pre * n_post * density
    fields.setdefault("weight_elems", round(w) if math.isfinite(w) else w)  # non-finite: make() names the field
    fields.setdefault("fan_out", n_post * density)
    if density < 1:
        fields.setdefault("sparsity_pattern", "unstructured")
    return op(layer=layer, kind="snn_dense", M=1, N=n_post, K=n_pre, time_steps=time_steps,
              spike_rate=spike_rate, signed=signed, density=density, spikes_pos=spikes_pos,
              spikes_neg=spikes_neg, syn_ops=syn_ops, dt_s=dt_s, **fields)


def neuron_update(layer: str, n_neurons: int, time_steps: int, *, dt_s: float = math.nan,
                  **fields: Any) -> dict[str, Any]:
    """State update of ``n_neurons`` spiking neurons every step for ``time_steps`` steps of ``dt_s`` seconds
    (NaN = step not stated)."""
    return op(layer=layer, kind="neuron_update", M=1, N=n_neurons, K=1, n_neurons=n_neurons,
              time_steps=time_steps, dt_s=dt_s, **fields)


# ------------------------------------------------------------------------------------------ derived counts


def dense_macs(df: pd.DataFrame) -> np.ndarray:
    """Dense multiply-accumulates per row per inference, ``M*N*K*count`` (MoE rows: x top_k), shape (rows,).

    ``embedding`` rows are look-ups and count 0 MACs, as in the cost model (:mod:`hwsim.cost.counts`); spiking rows
    give the MACs of the equivalent dense layer per time step.
    """
    kind = df["kind"].to_numpy()
    moe = np.where(kind == "expert", df["top_k"].to_numpy(), 1)
    macs = (df["M"].to_numpy(np.float64) * df["N"].to_numpy(np.float64) * df["K"].to_numpy(np.float64)
            * df["count"].to_numpy(np.float64) * moe)
    return np.where(kind == "embedding", 0.0, macs)


def synaptic_ops(df: pd.DataFrame) -> np.ndarray:
    """Synaptic operations per spiking row per inference, shape (rows,); 0 for non-spiking rows.

    Measured ``syn_ops`` when present; else measured spikes x ``fan_out``; else
    ``spike_rate * K * time_steps * fan_out * count``.
    """
    spiking = df["kind"].isin(SPIKING_KINDS).to_numpy()
    fan = df["fan_out"].to_numpy(np.float64)
    count = df["count"].to_numpy(np.float64)
    est = df["spike_rate"].to_numpy() * df["K"].to_numpy() * df["time_steps"].to_numpy() * fan * count
    spikes = np.nan_to_num(df["spikes_pos"].to_numpy()) + np.nan_to_num(df["spikes_neg"].to_numpy())
    have_spikes = ~(np.isnan(df["spikes_pos"].to_numpy()) & np.isnan(df["spikes_neg"].to_numpy()))
    from_spikes = spikes * fan * count
    measured = df["syn_ops"].to_numpy(np.float64)
    out = np.where(~np.isnan(measured), measured, np.where(have_spikes, from_spikes, est))
    return np.where(spiking, out, 0.0)


def time_step_s(df: pd.DataFrame) -> float:
    """The simulated time step [s] stated by the spiking and ``neuron_update`` rows of ``df`` (NaN when none
    states one).

    Raises
    ------
    IRError
        when the rows state different steps (one network runs at one step).
    """
    timed = df["kind"].isin((*SPIKING_KINDS, "neuron_update")).to_numpy()
    v = df["dt_s"].to_numpy(np.float64)[timed]
    v = np.unique(v[~np.isnan(v)])
    if v.size > 1:
        raise IRError(f"IR rows state different time steps dt_s {v.tolist()} s; one network runs at one step")
    return float(v[0]) if v.size else math.nan


def parameter_count(df: pd.DataFrame) -> int:
    """Total stored weight parameters (sum of ``weight_elems``; MoE expert rows x n_experts)."""
    mult = np.where(df["kind"].to_numpy() == "expert", df["n_experts"].to_numpy(), 1)
    return int(np.sum(df["weight_elems"].to_numpy(np.int64) * mult))


def describe() -> pd.DataFrame:
    """The schema as a table (name, dtype, default, meaning) for docs and ``hwsim`` help."""
    return pd.DataFrame([(c.name, c.dtype, c.default, c.doc) for c in SCHEMA],
                        columns=["column", "dtype", "default", "meaning"])
