"""Design points: per-point overrides of IR columns, broadcast to arrays of shape (points, ops).

A design point changes numeric IR columns of some rows: ``{"w_bits": [16, 8, 4], "density": [1, 1, 0.5]}`` gives
three points. Each value is a scalar, an array of shape (points,) (applied to the rows in the column's scope) or an
array of shape (points, ops) (applied row by row). Columns not given keep their IR values (shape (1, ops)).

Default scopes (rows a per-point value of shape (points,) applies to):

* compression columns ``w_bits, group_size, scale_bits, density, rank``: the rows compression usually targets,
  :data:`COMPRESSIBLE_KINDS` (embeddings, LM head, norms, attention products and LoRA adapters keep their IR values);
* ``a_bits``: every non-spiking row (spike inputs stay 1 or 2 bits);
* every other column: all rows.

Pass ``scope={"w_bits": ("linear", "lm_head")}`` (kinds) or a boolean mask of shape (ops,) to change a scope.
The special column ``keep`` (0/1) multiplies ``count``: ``keep=0`` removes a row in that point (depth search).
If a point overrides ``spike_rate`` but not ``syn_ops``, the measured spike/synop counts of that row are dropped so
the rate is used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hwsim import ir

NUMERIC_COLUMNS = (
    "M", "N", "K", "C", "K_out", "P", "Q", "R", "S", "stride", "count", "weight_elems", "w_bits", "a_bits",
    "acc_bits", "group_size", "scale_bits", "density", "rank", "n_experts", "top_k", "imbalance", "time_steps",
    "spike_rate", "fan_out", "n_neurons", "spikes_pos", "spikes_neg", "syn_ops", "merged",
)
"""IR columns a design point may override (``merged`` as 0/1)."""
EXTRA_COLUMNS = ("keep",)
COMPRESSIBLE_KINDS = ("linear", "conv1d", "conv2d", "expert", "router", "snn_dense", "snn_conv")
COMPRESSION_COLUMNS = ("w_bits", "group_size", "scale_bits", "density", "rank")

_RULES: dict[str, tuple[float, float, bool]] = {  # column -> (low, high, low_inclusive)
    "w_bits": (1, 64, True), "a_bits": (1, 64, True), "acc_bits": (1, 128, True), "stride": (1, np.inf, True),
    "n_experts": (1, np.inf, True), "top_k": (1, np.inf, True), "time_steps": (1, np.inf, True),
    "density": (0, 1, False), "imbalance": (1, np.inf, True), "keep": (0, 1, True), "merged": (0, 1, True),
}


@dataclass(frozen=True)
class DesignPoints:
    """Per-(point, op) arrays. ``arrays[c]`` has shape (points, ops) or (1, ops); ``table`` is one row per point
    with the scalar parameters that define it (empty columns when a point was given as a (points, ops) array)."""

    n_points: int
    n_ops: int
    arrays: dict[str, np.ndarray]
    overridden: frozenset[str]
    table: pd.DataFrame

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]


def _scope_mask(df: pd.DataFrame, column: str, scope: Mapping[str, Any] | None) -> np.ndarray:
    kinds = df["kind"].to_numpy()
    if scope is not None and column in scope:
        s = scope[column]
        if isinstance(s, str):
            s = (s,)
        arr = np.asarray(s)
        if arr.dtype == bool:
            if arr.shape != (len(df),):
                raise ValueError(f"scope[{column!r}] mask must have shape ({len(df)},), got {arr.shape}")
            return arr
        bad = [k for k in arr if k not in ir.KINDS]
        if bad:
            raise ValueError(f"scope[{column!r}] names unknown kinds {bad}; accepted: {ir.KINDS}")
        return np.isin(kinds, arr)
    if column in COMPRESSION_COLUMNS:
        return np.isin(kinds, COMPRESSIBLE_KINDS)
    if column == "a_bits":
        return ~np.isin(kinds, ir.SPIKING_KINDS)
    return np.ones(len(df), dtype=bool)


def expand(df: pd.DataFrame, points: Mapping[str, Any] | pd.DataFrame | None = None, *,
           scope: Mapping[str, Any] | None = None, ops: np.ndarray | None = None) -> DesignPoints:
    """Broadcast ``points`` over the IR table ``df`` (see the module docstring).

    ``ops`` (indices into the table) restricts the arrays to those rows (e.g. the distinct ops of
    :func:`distinct_ops`).

    Returns
    -------
    DesignPoints with arrays for every column of :data:`NUMERIC_COLUMNS` plus ``keep``.

    Raises
    ------
    ValueError
        for an unknown column, inconsistent numbers of points, an empty or wrongly shaped array, a non-finite value
        (NaN is accepted only for the measured counts ``syn_ops``, ``spikes_pos``, ``spikes_neg``: unknown) or a
        value outside the column's range (bits >= 1, 0 < density <= 1, ...), naming the column.
    """
    ir.validate(df)
    n_all = len(df)
    idx = np.arange(n_all) if ops is None else np.asarray(ops, dtype=np.int64)
    n_ops = len(idx)
    if points is None:
        points = {}
    if isinstance(points, pd.DataFrame):
        points = {c: points[c].to_numpy() for c in points.columns}
    unknown = [k for k in points if k not in NUMERIC_COLUMNS + EXTRA_COLUMNS]
    if unknown:
        raise ValueError(f"design point column(s) {unknown} are not overridable; accepted: "
                         f"{list(NUMERIC_COLUMNS + EXTRA_COLUMNS)}")
    n_points = 1
    values: dict[str, np.ndarray] = {}
    for k, v in points.items():
        a = np.asarray(v, dtype=np.float64)
        if a.ndim == 0:
            a = a[None]
        if (a.ndim == 2 and a.shape[1] != n_all) or a.ndim > 2:
            raise ValueError(f"design point column {k!r}: shape {a.shape} must be (points,) or (points, {n_all})")
        if a.shape[0] == 0:
            raise ValueError(f"design point column {k!r} has no points; give at least one value")
        unknown_ok = k in ("syn_ops", "spikes_pos", "spikes_neg")  # NaN = not measured
        bad = ~np.isfinite(a) & ~(unknown_ok & np.isnan(a))
        if np.any(bad):
            raise ValueError(f"design point column {k!r}: value {a[bad][0]!r} is not finite"
                             + (" (NaN = unknown is accepted)" if unknown_ok else ""))
        if a.ndim == 2:
            a = a[:, idx]
        if a.shape[0] != 1:
            if n_points not in (1, a.shape[0]):
                raise ValueError(f"design point column {k!r} has {a.shape[0]} points, others have {n_points}")
            n_points = a.shape[0]
        values[k] = a
    arrays: dict[str, np.ndarray] = {}
    for c in NUMERIC_COLUMNS:
        base = df[c].to_numpy(np.float64)[idx][None, :]
        if c not in values:
            arrays[c] = base
            continue
        a = values[c]
        if a.ndim == 1:
            mask = _scope_mask(df, c, scope)[idx]
            # a column applied to every row stays (points, 1): numpy broadcasting does the rest
            arrays[c] = a[:, None] if mask.all() else np.where(mask[None, :], a[:, None], base)
        else:
            arrays[c] = a
    if "keep" in values:
        a = values["keep"]
        arrays["keep"] = (np.where(_scope_mask(df, "keep", scope)[idx][None, :], a[:, None], 1.0) if a.ndim == 1
                          else a)
    else:
        arrays["keep"] = np.ones((1, n_ops))
    for c, (lo, hi, inc) in _RULES.items():
        if c not in values:
            continue
        a = values[c]
        bad = (a < lo if inc else a <= lo) | (a > hi) | np.isnan(a)
        if np.any(bad):
            lo_s = "[" if inc else "("
            raise ValueError(f"design point column {c!r}: value {a[bad][0]!r} outside {lo_s}{lo}, {hi}]")
    for c in ("M", "N", "K", "C", "K_out", "P", "Q", "R", "S", "count", "weight_elems", "group_size", "scale_bits",
              "rank", "spike_rate", "fan_out", "n_neurons", "spikes_pos", "spikes_neg", "syn_ops"):
        if c in values and np.any(values[c] < 0):
            raise ValueError(f"design point column {c!r}: values must be >= 0")
    if {"top_k", "n_experts"} & set(values) and np.any(arrays["top_k"] > arrays["n_experts"]):
        raise ValueError("design point columns 'top_k' > 'n_experts'")
    gemm = ~np.isin(df["kind"].to_numpy()[idx], ("lora_a", "lora_b", "embedding", "norm", "elementwise",
                                            "neuron_update", "attention_qk", "attention_av"))
    if {"rank", "N", "K"} & set(values) and np.any((arrays["rank"] > np.minimum(arrays["N"], arrays["K"]))
                                                    & gemm[None, :]):
        raise ValueError("design point column 'rank': rank must be <= min(N, K) of the rows it applies to")
    unsigned_spiking = (np.isin(df["kind"].to_numpy()[idx], ir.SPIKING_KINDS) & ~df["signed"].to_numpy(bool)[idx])
    if "spike_rate" in values and np.any((arrays["spike_rate"] > 1) & unsigned_spiking[None, :]):
        raise ValueError("design point column 'spike_rate': values must be <= 1 spike per neuron per step for "
                         "unsigned spiking rows")
    if "spike_rate" in values and "syn_ops" not in values:
        for c in ("syn_ops", "spikes_pos", "spikes_neg"):
            arrays[c] = np.full_like(arrays[c], np.nan)
    table = pd.DataFrame({k: v for k, v in values.items() if v.ndim == 1 and v.shape[0] == n_points})
    if table.empty:
        table = pd.DataFrame(index=range(n_points))
    return DesignPoints(n_points=n_points, n_ops=n_ops, arrays=arrays, overridden=frozenset(values), table=table)


STATIC_COLUMNS = ("kind", "w_format", "a_format", "sparsity_pattern", "signed", "trainable", "saved_for_backward")


def distinct_ops(df: pd.DataFrame, points: Mapping[str, Any] | pd.DataFrame | None = None, *,
                 scope: Mapping[str, Any] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group rows that are identical in every IR column except ``layer`` and receive identical design-point values
    (e.g. the 32 layers of a transformer): they cost the same, so the cost model evaluates each group once.

    Returns (index of each group's first row in table order, group of every row, rows per group).
    """
    n = len(df)
    if isinstance(points, pd.DataFrame):
        points = {c: points[c].to_numpy() for c in points.columns}
    points = points or {}
    sig = [np.stack([pd.factorize(df[c])[0] for c in STATIC_COLUMNS], axis=1).astype(np.float64),
           np.nan_to_num(df[list(NUMERIC_COLUMNS)].to_numpy(np.float64), nan=-1.0e300)]
    two_d = []
    rng = np.random.default_rng(20240601)
    for k in sorted(points):
        a = np.asarray(points[k], dtype=np.float64)
        if a.ndim == 2 and a.shape[1] == n:
            two_d.append(a)
            proj = rng.standard_normal((a.shape[0], 2))
            sig.append(np.nan_to_num(a, nan=-1.0e300).T @ proj)
        elif k in NUMERIC_COLUMNS + EXTRA_COLUMNS:
            try:
                sig.append(_scope_mask(df, k, scope)[:, None].astype(np.float64))
            except ValueError:
                return np.arange(n), np.arange(n), np.ones(n)  # expand() reports the bad scope
    key = np.ascontiguousarray(np.concatenate(sig, axis=1))
    seen: dict[bytes, int] = {}
    inverse = np.empty(n, dtype=np.int64)
    first: list[int] = []
    for i in range(n):  # a loop over rows (hundreds), not over design points
        j = seen.setdefault(key[i].tobytes(), len(first))
        if j == len(first):
            first.append(i)
        inverse[i] = j
    first_arr = np.asarray(first, dtype=np.int64)
    for a in two_d:  # the projections are a fingerprint: confirm exact equality of grouped columns
        if not np.array_equal(a, a[:, first_arr[inverse]], equal_nan=True):
            return np.arange(n), np.arange(n), np.ones(n)
    return first_arr, inverse, np.bincount(inverse, minlength=len(first)).astype(np.float64)
