"""Weight pruning: unstructured magnitude pruning (Han et al., NeurIPS 2015, arXiv:1506.02626) and N:M structured
sparsity (N non-zeros in every M consecutive weights along the reduction dimension; 2:4 as in NVIDIA Ampere sparse
tensor cores, Mishra et al., arXiv:2104.08378).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hwsim.compress.layout import error_report, to_matrix


@dataclass(frozen=True)
class PruneResult:
    """Pruned weights (input layout), keep mask (out, reduction), achieved density, pattern, error report."""

    w_hat: np.ndarray
    mask: np.ndarray
    density: float
    pattern: str
    error: dict


def magnitude_prune(w: np.ndarray, density: float, *, scope: str = "tensor", layout: str = "dense",
                    x: np.ndarray | None = None) -> PruneResult:
    """Keep the ``density`` fraction of weights with the largest magnitude (per tensor, or per output ``channel``).

    Ties at the threshold are broken by position, so exactly ``round(density * n)`` weights are kept.

    Raises
    ------
    ValueError
        for a density outside (0, 1] or an unknown scope.
    """
    if not (0 < density <= 1):
        raise ValueError(f"density must be in (0, 1], got {density}")
    if scope not in ("tensor", "channel"):
        raise ValueError(f"scope={scope!r}; accepted: ('tensor', 'channel')")
    m, back = to_matrix(w, layout)
    mask = np.zeros(m.shape, dtype=bool)
    if scope == "tensor":
        k = round(density * m.size)
        idx = np.argsort(-np.abs(m), axis=None, kind="stable")[:k]
        mask.reshape(-1)[idx] = True
    else:
        k = round(density * m.shape[1])
        idx = np.argsort(-np.abs(m), axis=1, kind="stable")[:, :k]
        np.put_along_axis(mask, idx, True, axis=1)
    mh = np.where(mask, m, 0.0)
    return PruneResult(w_hat=back(mh), mask=mask, density=float(mask.mean()), pattern="unstructured",
                       error=error_report(m, mh, None if x is None else np.asarray(x)))


def nm_prune(w: np.ndarray, n: int = 2, m: int = 4, *, layout: str = "dense",
             x: np.ndarray | None = None) -> PruneResult:
    """Keep the ``n`` largest-magnitude weights in every group of ``m`` consecutive weights along the reduction
    dimension (a trailing partial group keeps ``ceil(n * len / m)``).

    Raises
    ------
    ValueError
        unless 1 <= n <= m.
    """
    if not (1 <= n <= m):
        raise ValueError(f"need 1 <= n <= m, got n={n}, m={m}")
    mat, back = to_matrix(w, layout)
    out_ch, red = mat.shape
    groups = -(-red // m)
    pad = groups * m - red
    a = np.pad(np.abs(mat), ((0, 0), (0, pad)), constant_values=-1.0).reshape(out_ch, groups, m)
    order = np.argsort(-a, axis=2, kind="stable")
    keep = np.zeros_like(a, dtype=bool)
    np.put_along_axis(keep, order[..., :n], True, axis=2)
    if pad:
        last = red - (groups - 1) * m
        n_last = -(-n * last // m)
        keep[:, -1, :] = False
        np.put_along_axis(keep[:, -1, :], order[:, -1, :n_last], True, axis=1)
    mask = keep.reshape(out_ch, -1)[:, :red]
    mh = np.where(mask, mat, 0.0)
    return PruneResult(w_hat=back(mh), mask=mask, density=float(mask.mean()), pattern="n:m",
                       error=error_report(mat, mh, None if x is None else np.asarray(x)))
