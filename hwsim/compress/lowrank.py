"""Low-rank factorisation by truncated SVD (Eckart-Young-Mirsky: the best rank-r approximation in Frobenius norm;
Denton et al., NeurIPS 2014, arXiv:1404.0736 for network compression). ``W (out, red) ~= A B`` with
``A = U_r sqrt(S_r)`` (out, r) and ``B = sqrt(S_r) V_r^T`` (r, red); parameters r (out + red).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hwsim.compress.layout import error_report, to_matrix


@dataclass(frozen=True)
class LowRankResult:
    """Reconstructed weights (input layout), factors ``A`` (out, r) and ``B`` (r, reduction), the rank, the
    singular values, the parameter ratio r(out + red)/(out red) and the error report."""

    w_hat: np.ndarray
    A: np.ndarray
    B: np.ndarray
    rank: int
    singular_values: np.ndarray
    param_ratio: float
    error: dict


def svd_factorize(w: np.ndarray, *, rank: int | None = None, energy: float | None = None, layout: str = "dense",
                  x: np.ndarray | None = None) -> LowRankResult:
    """Truncate the SVD of ``w`` at ``rank``, or at the smallest rank keeping ``energy`` of sum(sigma^2).

    Raises
    ------
    ValueError
        unless exactly one of ``rank`` (1..min(out, red)) and ``energy`` (0, 1] is given.
    """
    if (rank is None) == (energy is None):
        raise ValueError("give exactly one of rank, energy")
    m, back = to_matrix(w, layout)
    U, S, Vt = np.linalg.svd(m, full_matrices=False)
    if rank is None:
        if not (0 < energy <= 1):
            raise ValueError(f"energy must be in (0, 1], got {energy}")
        cum = np.cumsum(S**2) / max(np.sum(S**2), 1e-300)
        rank = int(np.searchsorted(cum, energy - 1e-12) + 1)
    if not (1 <= rank <= len(S)):
        raise ValueError(f"rank must be in [1, {len(S)}], got {rank}")
    r = int(rank)
    sq = np.sqrt(S[:r])
    A = U[:, :r] * sq
    B = sq[:, None] * Vt[:r]
    mh = A @ B
    ratio = r * (m.shape[0] + m.shape[1]) / m.size
    return LowRankResult(w_hat=back(mh), A=A, B=B, rank=r, singular_values=S, param_ratio=float(ratio),
                         error=error_report(m, mh, None if x is None else np.asarray(x)))
