"""Pareto (non-dominated) extraction over a table of objective values.

A point ``a`` dominates ``b`` when it is no worse in every objective and strictly better in at least one
(objectives to minimise: ``a_i <= b_i`` for all ``i`` and ``a_j < b_j`` for some ``j``). Identical points do not
dominate each other, so duplicates on the front are all kept. Points with a NaN objective are never on the front.

Algorithms (pure NumPy, no Python loop over points):

* two objectives: lexicographic sort by the first objective, then the second, and a running minimum of the
  second (Kung, Luccio & Preparata, J. ACM 22(4), 469-476, 1975), O(n log n);
* k objectives: points sorted by the sum of their per-objective ranks (a dominating point always has a strictly
  smaller rank sum, so it is visited first) and checked in blocks against the front found so far and their own
  block ("sort-filter-skyline", Chomicki et al., ICDE 2003), O(n * front * k) time, O(block * (front + block) * k)
  memory.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

SENSES = ("min", "max")


def _as_minimisation(values: np.ndarray | Sequence, senses: Sequence[str]) -> np.ndarray:
    v = np.asarray(values, dtype=np.float64)
    if v.ndim == 1:
        v = v[:, None]
    if v.ndim != 2:
        raise ValueError(f"values must have shape (n_points, n_objectives), got shape {v.shape}")
    senses = [senses] if isinstance(senses, str) else list(senses)
    if len(senses) != v.shape[1]:
        raise ValueError(f"senses has {len(senses)} entries but values has {v.shape[1]} objective column(s)")
    bad = [s for s in senses if s not in SENSES]
    if bad:
        raise ValueError(f"senses entries {bad} not accepted; each must be one of {SENSES}")
    sign = np.array([1.0 if s == "min" else -1.0 for s in senses])
    return v * sign


def _front_2d(v: np.ndarray) -> np.ndarray:
    n = len(v)
    order = np.lexsort((v[:, 1], v[:, 0]))  # by f0, then f1
    f0, f1 = v[order, 0], v[order, 1]
    # first index of each run of equal f0 in sorted order
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = f0[1:] != f0[:-1]
    group_start = np.maximum.accumulate(np.where(new_group, np.arange(n), 0))
    # minimum of f1 over every point strictly before index t (inf for t = 0)
    before = np.empty(n)
    before[0] = np.inf
    before[1:] = np.minimum.accumulate(f1)[:-1]
    min_before_group = before[group_start]
    dominated = (min_before_group <= f1) | (f1[group_start] < f1)
    mask = np.empty(n, dtype=bool)
    mask[order] = ~dominated
    return mask


def _dominated_by(cand: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """For each row of ``cand`` (b, k): is it dominated by some row of ``ref`` (r, k)? Shape (b,)."""
    if len(ref) == 0:
        return np.zeros(len(cand), dtype=bool)
    le = np.all(ref[None, :, :] <= cand[:, None, :], axis=2)
    lt = np.any(ref[None, :, :] < cand[:, None, :], axis=2)
    return np.any(le & lt, axis=1)


def _front_kd(v: np.ndarray, block: int) -> np.ndarray:
    n, k = v.shape
    ranks = np.empty_like(v)
    for j in range(k):  # k is small: a loop over objectives, not points
        col = v[:, j]
        srt = np.sort(col)
        ranks[:, j] = np.searchsorted(srt, col, side="left")  # "min" ranks: ties share the lowest rank
    order = np.lexsort((*[v[:, j] for j in range(k - 1, -1, -1)], ranks.sum(axis=1)))
    vs = v[order]
    keep = np.zeros(n, dtype=bool)
    front = np.empty((0, k))
    for start in range(0, n, block):  # loop over blocks; each block is checked as arrays
        cand = vs[start:start + block]
        ok = ~_dominated_by(cand, front)
        ok &= ~_dominated_by(cand, cand)
        keep[start:start + block] = ok
        front = np.concatenate([front, cand[ok]])
    mask = np.empty(n, dtype=bool)
    mask[order] = keep
    return mask


def pareto_mask(values: np.ndarray | Sequence, senses: Sequence[str], *, block: int = 256) -> np.ndarray:
    """Boolean mask of the non-dominated points.

    Parameters
    ----------
    values
        objective values, shape (n_points, n_objectives) (a 1-D array is one objective).
    senses
        one of ``"min"``/``"max"`` per objective column.
    block
        points checked at once in the k-objective algorithm (memory ~ block * (front + block) * k floats).

    Returns
    -------
    numpy.ndarray of bool, shape (n_points,): True for points on the Pareto front. Rows with a NaN objective are
    False; identical non-dominated rows are all True.

    Raises
    ------
    ValueError
        for a shape that is not 2-D, a ``senses`` length that does not match the columns, an entry of ``senses``
        other than ``"min"``/``"max"``, or ``block < 1``.
    """
    if block < 1:
        raise ValueError(f"block must be >= 1, got {block}")
    v = _as_minimisation(values, senses)
    n, k = v.shape
    mask = np.zeros(n, dtype=bool)
    finite = ~np.isnan(v).any(axis=1)
    if not finite.any():
        return mask
    vf = v[finite]
    if k == 1:
        sub = vf[:, 0] == vf[:, 0].min()
    elif k == 2:
        sub = _front_2d(vf)
    else:
        sub = _front_kd(vf, block)
    mask[np.flatnonzero(finite)] = sub
    return mask


def pareto_front(df: pd.DataFrame, objectives: Mapping[str, str], *, constraints: np.ndarray | None = None,
                 sort: bool = True) -> pd.DataFrame:
    """The rows of ``df`` on the Pareto front of the columns ``objectives`` (``{column: "min" | "max"}``).

    ``constraints`` is an optional boolean mask of shape (len(df),): rows where it is False are infeasible and
    dropped before the front is extracted. The result keeps the original index and is sorted by the first
    objective when ``sort`` is True.

    Raises
    ------
    ValueError
        for a column missing from ``df``, a bad sense, or a constraint mask of the wrong length.
    """
    if not objectives:
        raise ValueError("objectives must name at least one column")
    missing = [c for c in objectives if c not in df.columns]
    if missing:
        raise ValueError(f"objective column(s) {missing} not in the table; available: {list(df.columns)}")
    feasible = np.ones(len(df), dtype=bool)
    if constraints is not None:
        c = np.asarray(constraints, dtype=bool)
        if c.shape != (len(df),):
            raise ValueError(f"constraints must have shape ({len(df)},), got {c.shape}")
        feasible = c
    sub = df[feasible]
    mask = pareto_mask(sub[list(objectives)].to_numpy(np.float64), list(objectives.values()))
    out = sub[mask]
    if sort:
        first = next(iter(objectives))
        out = out.sort_values(first, ascending=objectives[first] == "min", kind="stable")
    return out


def hypervolume_2d(values: np.ndarray | Sequence, senses: Sequence[str], reference: Sequence[float]) -> float:
    """Area dominated by the points of a 2-objective set and bounded by ``reference`` (in objective units).

    ``reference`` must be worse than every point that should count (points not strictly better than the reference
    in both objectives contribute nothing). Used to compare two fronts: the larger area is the better front
    (Zitzler & Thiele, PPSN 1998).

    Raises
    ------
    ValueError
        if ``values`` does not have exactly two objective columns or ``reference`` does not have two entries.
    """
    v = _as_minimisation(values, senses)
    if v.shape[1] != 2:
        raise ValueError(f"hypervolume_2d needs 2 objective columns, got {v.shape[1]}")
    ref = np.asarray(reference, dtype=np.float64)
    if ref.shape != (2,):
        raise ValueError(f"reference must have 2 entries, got shape {ref.shape}")
    sign = np.array([1.0 if s == "min" else -1.0 for s in senses])
    r = ref * sign
    v = v[~np.isnan(v).any(axis=1)]
    v = v[(v[:, 0] < r[0]) & (v[:, 1] < r[1])]
    if len(v) == 0:
        return 0.0
    v = v[_front_2d(v)]
    v = v[np.lexsort((v[:, 1], v[:, 0]))]
    # staircase: sorted by f0 ascending, f1 is then non-increasing along the front
    widths = np.diff(np.append(v[:, 0], r[0]))
    return float(np.sum(widths * (r[1] - v[:, 1])))
