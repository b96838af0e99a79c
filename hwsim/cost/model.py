"""Cost of an IR workload on a hardware target, vectorised over design points.

:func:`evaluate` is the entry point::

    from hwsim.cost.model import evaluate
    res = evaluate(table, "a100_sxm4_80gb", {"w_bits": [16, 8, 4], "group_size": [0, 0, 128],
                                             "scale_bits": [0, 16, 16]})
    res.per_point()     # one row per design point
    res.per_op()        # one row per (design point, op)

Every quantity is computed on arrays of shape (points, ops) (no Python loop over points); rows that are identical
in every column but ``layer`` and get the same design-point values (the layers of a transformer) are evaluated once
and weighted by their multiplicity. :func:`prepare` + :func:`run_prepared` split the per-table work (validation,
grouping) from the array work. Per design point:

* ``energy_primitive_J``: primitive-only dynamic energy (sum of the component energies of the target class);
* ``energy_dynamic_J`` = ``dynamic_scale`` x primitive + ``timestep_J`` x time steps (calibrated dynamic energy);
* ``energy_static_J`` = ``static_power_W`` x latency; ``energy_J`` = calibrated dynamic + static (the calibrated
  total); report it beside the primitive-only figure, which can be optimistic by orders of magnitude on
  neuromorphic chips (Blouw et al., arXiv:1812.01739);
* ``latency_s`` (sum over ops, which run one after another), its compute and memory parts, ``cycles``;
* ``macs``, ``macs_effective``, ``synops``, ``neuron_updates``, ``bytes_<level>``, ``utilisation`` (MAC-weighted);
* inference memory ``weights_B``, ``kv_cache_B``, ``activations_B``, ``memory_B`` and ``fits`` (capacity check);
* class-specific outputs (neuromorphic: ``timestep_s``, the step used, and ``timestep_source``, see
  :mod:`hwsim.cost.neuro`);
* ``supported`` (bool) and ``unsupported_reason`` (str, '' when supported): whether the target's class executes
  every op at its number format (:mod:`hwsim.cost.support`); where it does not, every ``energy_*``, ``latency_*``,
  ``cycles`` and ``utilisation`` total is NaN (never a number), while work counts and memory stay.

The model of each target class is documented in :mod:`hwsim.cost.array`, :mod:`~hwsim.cost.cpu`,
:mod:`~hwsim.cost.neuro`, :mod:`~hwsim.cost.cim`; work and bytes in :mod:`hwsim.cost.counts`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from hwsim.cost import array, cim, counts, cpu, footprint, neuro, support
from hwsim.cost.counts import Counts
from hwsim.cost.opcost import OpCost
from hwsim.cost.points import DesignPoints, distinct_ops, expand
from hwsim.targets.catalogue import load
from hwsim.targets.schema import Target


@dataclass(frozen=True)
class Arrays:
    """The vectorised result: design points, counts, per-op costs and per-point totals (arrays of shape (points,)).

    Identical IR rows (same columns and same design-point values, e.g. the 32 layers of a transformer) are evaluated
    once: ``counts`` and ``op`` hold the distinct ops, ``counts.mult`` their multiplicities, and :meth:`expand` maps a
    per-op array back to the rows of the table (``inverse``).
    """

    target: Target
    points: DesignPoints
    counts: Counts
    op: OpCost
    totals: dict[str, np.ndarray]
    inverse: np.ndarray
    support: support.Support | None = None

    def expand(self, x: np.ndarray) -> np.ndarray:
        """A per-op array of the evaluated (distinct) ops, shape (points, distinct ops), mapped back to every op of
        the IR table, shape (points, ops)."""
        return np.asarray(x)[..., self.inverse]


def _target(t: str | Target) -> Target:
    return t if isinstance(t, Target) else load(t)


@dataclass(frozen=True)
class Prepared:
    """A workload bound to a target and a set of design points, reduced to its distinct ops (see :class:`Arrays`);
    :func:`run_prepared` evaluates it. Splitting the two lets a caller time or slice the array work alone."""

    target: Target
    table: pd.DataFrame
    points: DesignPoints
    inverse: np.ndarray
    mult: np.ndarray
    outer_traffic_B: np.ndarray | None = None

    def select(self, points: slice | np.ndarray) -> Prepared:
        """The same workload restricted to some design points (a slice or an index array)."""
        d = self.points
        arrays = {k: (v[points] if v.shape[0] == d.n_points and d.n_points > 1 else v) for k, v in d.arrays.items()}
        n = len(np.arange(d.n_points)[points])
        ot = self.outer_traffic_B
        if ot is not None and np.ndim(ot) == 2 and np.shape(ot)[0] == d.n_points and d.n_points > 1:
            ot = np.asarray(ot)[points]
        dp = DesignPoints(n_points=n, n_ops=d.n_ops, arrays=arrays, overridden=d.overridden,
                          table=d.table.iloc[points].reset_index(drop=True))
        return replace(self, points=dp, outer_traffic_B=ot)


def prepare(table: pd.DataFrame, target: str | Target, points: Mapping[str, Any] | pd.DataFrame | None = None, *,
            scope: Mapping[str, Any] | None = None, outer_traffic_B: np.ndarray | None = None) -> Prepared:
    """Validate the inputs, load the target and reduce the table to its distinct ops (see :func:`evaluate`).

    Raises ValueError for a ``table`` without rows (naming ``table``) and as :func:`evaluate`."""
    if len(table) == 0:
        raise ValueError("table has no operations; give an IR table with at least one row")
    tgt = _target(target)
    if outer_traffic_B is not None:
        if tgt.cls != "array":
            raise ValueError(f"outer_traffic_B applies to array targets only; {tgt.name!r} is class {tgt.cls!r}")
        ot = np.asarray(outer_traffic_B, dtype=np.float64)
        if ot.ndim >= 1 and ot.shape[-1] != len(table):
            raise ValueError(f"outer_traffic_B must end in the number of ops ({len(table)}), got shape {ot.shape}")
        uidx, inverse, mult = np.arange(len(table)), np.arange(len(table)), np.ones(len(table))
    else:
        uidx, inverse, mult = distinct_ops(table, points, scope=scope)
    d = expand(table, points, scope=scope, ops=uidx)
    sub = table.iloc[uidx].reset_index(drop=True) if len(uidx) < len(table) else table
    return Prepared(target=tgt, table=sub, points=d, inverse=inverse, mult=mult, outer_traffic_B=outer_traffic_B)


def run_prepared(p: Prepared) -> Arrays:
    """Evaluate a :class:`Prepared` workload: every step is an array operation over (points, distinct ops)."""
    tgt, table, d = p.target, p.table, p.points
    c = counts.compute(table, d, skip=tgt.sparsity_skip, compressed=tgt.sparsity_compressed)
    c = replace(c, mult=p.mult)
    if tgt.cls == "array":
        oc = array.cost(table, d, c, tgt, p.outer_traffic_B)
    elif tgt.cls == "cpu":
        oc = cpu.cost(table, d, c, tgt)
    elif tgt.cls == "neuromorphic":
        oc = neuro.cost(table, d, c, tgt)
    else:
        oc = cim.cost(table, d, c, tgt)
    sup = support.check(table, d, tgt)
    tot = c.total
    prim = tot(oc.energy_primitive_J)
    lat = tot(oc.latency_s)
    dyn = tgt.p("dynamic_scale", 1.0) * prim + tgt.p("timestep_J", 0.0) * oc.steps
    static = tgt.p("static_power_W") * lat
    w = c.macs_eff + c.synops
    tot_w = tot(w)
    util = np.where(tot_w > 0, tot_w / np.maximum(tot(w / np.maximum(oc.util, 1e-12)), 1e-300), 1.0)
    totals = {
        "energy_J": dyn + static,
        "energy_primitive_J": prim,
        "energy_dynamic_J": dyn,
        "energy_static_J": static,
        "latency_s": lat,
        "latency_compute_s": tot(oc.latency_compute_s),
        "latency_memory_s": tot(oc.latency_memory_s),
        "macs": tot(c.macs),
        "macs_effective": tot(c.macs_eff),
        "synops": tot(c.synops),
        "neuron_updates": tot(c.updates),
        "time_steps": oc.steps,
        "utilisation": util,
        **footprint.inference_bytes(c),
        "fits": oc.fits.astype(bool),
    }
    if "clock_Hz" in tgt.params:
        totals["cycles"] = totals["latency_compute_s"] * tgt.p("clock_Hz")
    for lv, b in oc.bytes.items():
        totals[f"bytes_{lv}"] = tot(b)
    for comp, e in oc.energy.items():
        totals[f"energy_{comp.replace(':', '_')}_J"] = tot(e)
    totals.update(oc.per_point)
    ok = sup.per_point()
    if not np.all(ok):  # a design the target cannot execute gets no energy, latency or utilisation
        for k in totals:
            if k.startswith(("energy_", "latency_")) or k in ("cycles", "utilisation"):
                totals[k] = np.where(ok, totals[k], np.nan)
    totals["supported"] = ok
    totals["unsupported_reason"] = support.reasons(table, sup, tgt)
    return Arrays(target=tgt, points=d, counts=c, op=oc, totals=totals, inverse=p.inverse, support=sup)


def evaluate_arrays(table: pd.DataFrame, target: str | Target,
                    points: Mapping[str, Any] | pd.DataFrame | None = None, *,
                    scope: Mapping[str, Any] | None = None,
                    outer_traffic_B: np.ndarray | None = None) -> Arrays:
    """The cost model on arrays only (no DataFrames): :func:`prepare` then :func:`run_prepared`; see
    :func:`evaluate` for the arguments."""
    return run_prepared(prepare(table, target, points, scope=scope, outer_traffic_B=outer_traffic_B))


@dataclass(frozen=True)
class CostResult:
    """Result of :func:`evaluate`: tidy tables built from the arrays in ``arrays``."""

    table: pd.DataFrame
    arrays: Arrays

    @property
    def target(self) -> str:
        return self.arrays.target.name

    def per_point(self) -> pd.DataFrame:
        """One row per design point: the point's parameters, the target and every total of :func:`evaluate`."""
        out = self.arrays.points.table.copy()
        out.insert(0, "point", np.arange(self.arrays.points.n_points))
        out.insert(1, "target", self.target)
        for k, v in self.arrays.totals.items():
            out[k] = v
        return out

    def per_op(self, points: Sequence[int] | None = None) -> pd.DataFrame:
        """One row per (design point, op) for the selected points (default: all; mind the size for large grids).

        Columns: ``point, op, layer, kind, precision, macs, macs_effective, synops, neuron_updates, utilisation,
        latency_s, latency_compute_s, latency_memory_s, energy_primitive_J, energy_<component>_J, bytes_<level>,
        weight_stored_B, supported`` (whether the target executes the op, :mod:`hwsim.cost.support`; the per-op
        figures of an op it does not execute are the class model's arithmetic, not a cost).
        """
        a = self.arrays
        P, O = a.points.n_points, len(self.table)
        sel = np.arange(P) if points is None else np.asarray(points, dtype=np.int64)
        if sel.size and (sel.min() < 0 or sel.max() >= P):
            raise ValueError(f"points must index 0..{P - 1}")

        def take(x: np.ndarray) -> np.ndarray:
            x = np.broadcast_to(x, (P, np.shape(x)[-1]))[sel]
            return a.expand(x).reshape(-1)

        keys = np.asarray(a.op.precision_keys)
        out = pd.DataFrame({
            "point": np.repeat(sel, O),
            "op": np.tile(np.arange(O), sel.size),
            "layer": np.tile(self.table["layer"].to_numpy(), sel.size),
            "kind": np.tile(self.table["kind"].to_numpy(), sel.size),
            "precision": keys[take(a.op.precision)],
            "macs": take(a.counts.macs),
            "macs_effective": take(a.counts.macs_eff),
            "synops": take(a.counts.synops),
            "neuron_updates": take(a.counts.updates),
            "utilisation": take(a.op.util),
            "latency_s": take(a.op.latency_s),
            "latency_compute_s": take(a.op.latency_compute_s),
            "latency_memory_s": take(a.op.latency_memory_s),
            "energy_primitive_J": take(a.op.energy_primitive_J),
            "weight_stored_B": take(a.counts.weight_stored_B),
            "supported": take(a.support.ok),
        })
        for comp, e in a.op.energy.items():
            out[f"energy_{comp.replace(':', '_')}_J"] = take(e)
        for lv, b in a.op.bytes.items():
            out[f"bytes_{lv}"] = take(b)
        return out


def evaluate(table: pd.DataFrame, target: str | Target, points: Mapping[str, Any] | pd.DataFrame | None = None, *,
             scope: Mapping[str, Any] | None = None, outer_traffic_B: np.ndarray | None = None) -> CostResult:
    """Cost of the IR ``table`` on ``target`` (a name from ``hwsim targets list``, a path, or a loaded Target) for
    every design point.

    Parameters
    ----------
    table
        IR table (:mod:`hwsim.ir`), ``ops`` rows.
    target
        target name, JSON path or :class:`~hwsim.targets.schema.Target`.
    points
        design points (see :mod:`hwsim.cost.points`): ``{column: scalar | (points,) | (points, ops)}`` or a
        DataFrame with one row per point; ``None`` = the IR as it is (one point).
    scope
        rows a per-point column applies to (see :mod:`hwsim.cost.points`).
    outer_traffic_B
        bytes at the backing memory level per (point, op) or per op, replacing the mapping-free tiling estimate
        (e.g. from :func:`hwsim.cost.mapping.outer_traffic` for a mapper's loop nest); array targets only.

    Returns
    -------
    CostResult with ``per_point()`` and ``per_op()`` tables and the raw ``arrays``.

    Raises
    ------
    hwsim.targets.catalogue.TargetError
        for an unknown or invalid target; ``ValueError`` (``hwsim.ir.IRError``) for an inconsistent IR row or a bad
        design point, naming the row/column.
    """
    return CostResult(table=table.reset_index(drop=True),
                      arrays=evaluate_arrays(table, target, points, scope=scope, outer_traffic_B=outer_traffic_B))
