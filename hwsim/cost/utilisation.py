"""Spatial utilisation of a PE array (fragmentation when loop bounds do not fill the array).

Two modes, chosen by the target file:

* ``ceil`` (padded tiles, e.g. a systolic array): each array axis of ``size`` PEs gets the product ``n`` of its
  loop dimensions and ``util = prod_axes n / (ceil(n / size) * size)``; vectorised over (points, ops).
* ``divisor`` (exact factorisation, as Timeloop's mapper with perfect factors): each axis gets a product of exact
  divisors of its loop dimensions that fits its size (dimensions listed in ``full`` must be mapped whole; a
  dimension listed on several axes splits its bound between them); the mapping with the most active PEs is chosen
  and ``util = active PEs / total PEs``. Evaluated once per distinct loop-bound tuple (cached).

Loop dimensions use IR names. Rows that are not convolutions map as ``C = K``, ``K_out = N``, ``P = M``,
``Q = R = S = 1``; for convolutions ``M, N, K`` are the GEMM view (``M = batch*P*Q``, ``N = K_out``, ``K = C*R*S``).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from hwsim.targets.schema import Axis

DIMS = ("M", "N", "K", "C", "K_out", "P", "Q", "R", "S")


def loop_bounds(arrays: dict[str, np.ndarray], kind: np.ndarray) -> dict[str, np.ndarray]:
    """Loop bounds by IR dimension name, shape (points, ops) each (non-conv rows mapped as described above)."""
    conv = np.isin(kind, ("conv1d", "conv2d", "snn_conv"))[None, :]
    M, N, K = arrays["M"], arrays["N"], arrays["K"]
    one = np.ones_like(M)
    return {
        "M": M, "N": N, "K": K,
        "C": np.where(conv, arrays["C"], K), "K_out": np.where(conv, arrays["K_out"], N),
        "P": np.where(conv, arrays["P"], M), "Q": np.where(conv, np.maximum(arrays["Q"], 1), one),
        "R": np.where(conv, np.maximum(arrays["R"], 1), one), "S": np.where(conv, np.maximum(arrays["S"], 1), one),
    }


def ceil_util(bounds: dict[str, np.ndarray], axes: tuple[Axis, ...]) -> np.ndarray:
    """Padded-tile utilisation, shape of the bounds (1.0 when the target declares no axes)."""
    util = np.ones(np.broadcast_shapes(*(b.shape for b in bounds.values())))
    for ax in axes:
        n = np.ones_like(util)
        for dim in ax.dims:
            n = n * np.maximum(bounds[dim], 1.0)
        util = util * n / (np.ceil(n / ax.size) * ax.size)
    return util


def _divisors(n: int, limit: int) -> list[int]:
    return [d for d in range(1, min(n, limit) + 1) if n % d == 0]


@lru_cache(maxsize=4096)
def best_divisor_mapping(bounds: tuple[tuple[str, int], ...], axes: tuple[Axis, ...]) -> tuple[int, int]:
    """(active PEs, total PEs) of the best exact-divisor mapping of loop ``bounds`` onto ``axes``.

    Exhaustive search over (axis, dimension) factor assignments; a ``full`` dimension larger than its axis is
    mapped with its largest divisor that fits.
    """
    b = dict(bounds)
    slots = [(i, dim) for i, ax in enumerate(axes) for dim in ax.dims]
    total = int(np.prod([ax.size for ax in axes]))
    best = 0

    def rec(j: int, room: list[int], left: dict[str, int], used: int) -> None:
        nonlocal best
        if j == len(slots):
            best = max(best, used)
            return
        i, dim = slots[j]
        n = left[dim]
        ax = axes[i]
        if dim in ax.full:
            divs = _divisors(n, room[i])
            choices = [n] if n <= room[i] else divs[-1:]
        else:
            choices = _divisors(n, room[i])
        saved = room[i]
        for f in sorted(choices, reverse=True):
            room[i] = saved // f
            left[dim] = n // f
            rec(j + 1, room, left, used * f)
        left[dim] = n
        room[i] = saved

    rec(0, [ax.size for ax in axes], {k: int(v) for k, v in b.items()}, 1)
    return best, total


def divisor_util(bounds: dict[str, np.ndarray], axes: tuple[Axis, ...]) -> np.ndarray:
    """Exact-divisor utilisation, shape of the bounds; one search per distinct bound tuple."""
    if not axes:
        return np.ones(np.broadcast_shapes(*(v.shape for v in bounds.values())))
    used_dims = sorted({d for ax in axes for d in ax.dims})
    shape = np.broadcast_shapes(*(bounds[d].shape for d in used_dims))
    stack = np.stack([np.broadcast_to(bounds[d], shape).astype(np.int64) for d in used_dims], axis=-1)
    flat = stack.reshape(-1, len(used_dims))
    uniq, inv = np.unique(flat, axis=0, return_inverse=True)
    vals = np.empty(len(uniq))
    for r, row in enumerate(uniq):  # distinct loop-bound tuples only (few per workload)
        active, total = best_divisor_mapping(tuple(zip(used_dims, (int(x) for x in row))), axes)
        vals[r] = active / total
    return vals[inv.reshape(-1)].reshape(shape)


def utilisation(arrays: dict[str, np.ndarray], kind: np.ndarray, mode: str, axes: tuple[Axis, ...]) -> np.ndarray:
    """Spatial utilisation per (point, op) under the target's ``mode`` and ``axes``.

    Raises ValueError for an unknown mode.
    """
    bounds = loop_bounds(arrays, kind)
    if mode == "ceil":
        return ceil_util(bounds, axes)
    if mode == "divisor":
        return divisor_util(bounds, axes)
    raise ValueError(f"spatial mode {mode!r}; accepted: ('ceil', 'divisor')")
