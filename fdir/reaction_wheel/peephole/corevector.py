"""Corevectors: projections of a layer's input on the top right-singular vectors of the layer's affine map.

Peephole method (arXiv:2604.08424; ``SSIGPRO/peepholelib`` ``models/svd_fns.py``, ``coreVectors/dimReduction/
svds.py``): for an affine layer y = W x + b, form W̃ = [W | b] (bias appended as a column), take its SVD
W̃ = U S Vᵀ and project the augmented input [x; 1] on the first κ right-singular vectors,

    cv = Vᵀ_{:κ} [x; 1]           (no S scaling, ``use_s=False`` in peepholelib),

with κ clipped to the numerical rank of W̃ (directions beyond the rank carry nothing of the layer). Convolutions
are unrolled into their Toeplitz (doubly block-Toeplitz) matrix over the *unpadded* input, i.e. the exact matrix of
the map x ↦ conv(pad(x)) (peepholelib's ``conv2d_toeplitz_svd`` unrolls over the zero-padded input instead; the
padded coordinates of a real input are always zero, so they add directions that a layer input never uses).
Non-overlapping transposed convolutions are unrolled the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg, sparse

__all__ = ["CoreVectorMap", "affine_svd", "fit_corevector_map", "numerical_rank", "unroll"]


def _pair(v, name: str) -> tuple[int, int]:
    if isinstance(v, int | np.integer):
        return int(v), int(v)
    v = tuple(int(a) for a in v)
    if len(v) != 2:
        raise ValueError(f"{name}={v!r} must be an int or a pair")
    return v


def unroll(layer: dict, in_shape: tuple[int, ...]) -> tuple[np.ndarray | sparse.csr_matrix, np.ndarray]:
    """Matrix form (W (out_dim, in_dim), b (out_dim,)) of an affine layer acting on a flattened input.

    Dense layers give a dense W; convolutions give their Toeplitz matrix as ``scipy.sparse.csr_matrix``
    (duplicate entries summed).

    ``layer`` is a runtime-format layer dict with numpy arrays: ``{"op": "dense", "w": (in, out), "b": (out,)}``,
    ``{"op": "conv2d", "w": (out, in, kh, kw), "b", "stride", "padding"}`` or ``{"op": "conv_transpose2d",
    "w": (in, out, kh, kw), "b", "stride"}`` (stride == kernel). ``in_shape`` is the input shape of one sample
    ((in,) or (C, H, W)); flattening is C-order on input and output.

    Raises
    ------
    ValueError
        for an unknown op or an input shape that does not match the weights.
    """
    op = layer.get("op")
    if op not in ("dense", "conv2d", "conv_transpose2d"):
        raise ValueError(f"op={op!r} is not an affine layer (dense, conv2d, conv_transpose2d)")
    w = np.asarray(layer["w"], dtype=np.float64)
    b = layer.get("b")
    if op == "dense":
        if int(np.prod(in_shape)) != w.shape[0]:
            raise ValueError(f"dense input shape {in_shape} does not match w {w.shape}")
        return w.T.copy(), np.zeros(w.shape[1]) if b is None else np.asarray(b, np.float64)
    if len(in_shape) != 3:
        raise ValueError(f"{op} needs a (C, H, W) input shape, got {in_shape}")
    C, H, Wd = in_shape
    if op == "conv2d":
        O, I, kh, kw = w.shape
        if I != C:
            raise ValueError(f"conv2d input channels {C} do not match w {w.shape}")
        sh, sw = _pair(layer.get("stride", 1), "stride")
        ph, pw = _pair(layer.get("padding", 0), "padding")
        P = (H + 2 * ph - kh) // sh + 1
        Q = (Wd + 2 * pw - kw) // sw + 1
        o, p, q, i, r, s = np.meshgrid(np.arange(O), np.arange(P), np.arange(Q), np.arange(I), np.arange(kh),
                                       np.arange(kw), indexing="ij")
        h = p * sh - ph + r
        x = q * sw - pw + s
        ok = (h >= 0) & (h < H) & (x >= 0) & (x < Wd)
        rows = (o * P + p) * Q + q
        cols = (i * H + h) * Wd + x
        M = sparse.csr_matrix((w[o[ok], i[ok], r[ok], s[ok]], (rows[ok], cols[ok])),
                              shape=(O * P * Q, C * H * Wd))
        bias = np.zeros(O) if b is None else np.asarray(b, np.float64)
        return M, np.repeat(bias, P * Q)
    else:  # conv_transpose2d
        I, O, kh, kw = w.shape
        if I != C:
            raise ValueError(f"conv_transpose2d input channels {C} do not match w {w.shape}")
        sh, sw = _pair(layer.get("stride", (kh, kw)), "stride")
        Ho, Wo = (H - 1) * sh + kh, (Wd - 1) * sw + kw
        i, h, x, o, r, s = np.meshgrid(np.arange(I), np.arange(H), np.arange(Wd), np.arange(O), np.arange(kh),
                                       np.arange(kw), indexing="ij")
        rows = (o * Ho + h * sh + r) * Wo + x * sw + s
        cols = (i * H + h) * Wd + x
        M = sparse.csr_matrix((w[i, o, r, s].ravel(), (rows.ravel(), cols.ravel())),
                              shape=(O * Ho * Wo, C * H * Wd))
        bias = np.zeros(O) if b is None else np.asarray(b, np.float64)
    return M, np.repeat(bias, Ho * Wo)


def numerical_rank(s: np.ndarray, shape: tuple[int, int]) -> int:
    """Rank from singular values ``s`` (descending) of a matrix of ``shape``: #{s > s_max · max(shape) · eps}
    (the NumPy ``matrix_rank`` tolerance)."""
    s = np.asarray(s)
    if s.size == 0 or s[0] == 0:
        return 0
    return int(np.sum(s > s[0] * max(shape) * np.finfo(np.float64).eps))


GRAM_MIN_DIM = 1024
"""Above this smaller dimension of W̃, :func:`affine_svd` uses the eigen-decomposition of the Gram matrix."""


def affine_svd(W: np.ndarray | sparse.spmatrix, b: np.ndarray, k: int | None = None
               ) -> tuple[np.ndarray, np.ndarray, int]:
    """Singular values, right-singular vectors Vᵀ of W̃ = [W | b] (descending) and its numerical rank.

    Returns ``(s (q,), Vt (q, in_dim + 1), rank)`` with q = all singular values, or the top ``k`` when ``k`` is
    given. Small matrices (min dimension ≤ :data:`GRAM_MIN_DIM`) use the thin LAPACK SVD (gesdd, float64) and the
    NumPy rank tolerance s > s_max·max(shape)·eps. Larger ones use the symmetric eigen-decomposition of the Gram
    matrix G = W̃ᵀW̃ (sparse product for convolutions; ``scipy.linalg.eigh``), s = √λ; the
    Gram squares the condition number, so the rank there counts λ > λ_max·max(shape)·eps (s resolved down to
    ≈ √eps·s_max), which is conservative only for directions a probe would never use.
    """
    if sparse.issparse(W):
        Wt = sparse.hstack([W, sparse.csr_matrix(np.asarray(b, np.float64)[:, None])]).tocsr()
    else:
        Wt = np.concatenate([np.asarray(W, np.float64), np.asarray(b, np.float64)[:, None]], axis=1)
    m, n = Wt.shape
    if min(m, n) <= GRAM_MIN_DIM:
        dense = Wt.toarray() if sparse.issparse(Wt) else Wt
        _, s, vt = np.linalg.svd(dense, full_matrices=False)
        r = numerical_rank(s, (m, n))
        return (s, vt, r) if k is None else (s[:k], vt[:k], r)
    G = Wt.T @ Wt
    G = G.toarray() if sparse.issparse(G) else np.asarray(G)
    lam, vec = linalg.eigh(G, overwrite_a=True, check_finite=False)
    lam, vec = lam[::-1], vec[:, ::-1]
    r = int(np.sum(lam > max(lam[0], 0.0) * max(m, n) * np.finfo(np.float64).eps))
    q = n if k is None else min(int(k), n)
    return np.sqrt(np.maximum(lam[:q], 0.0)), np.ascontiguousarray(vec[:, :q].T), r


@dataclass(frozen=True)
class CoreVectorMap:
    """Projection cv = Vᵀ_{:κ} [x; 1] of a layer input (N, d) → (N, κ).

    ``layer`` name; ``Vt`` (κ, d + 1) right-singular vectors (float64); ``singular_values`` (κ,);
    ``kappa_requested``; ``rank`` of W̃ (κ = min(kappa_requested, rank)); ``in_shape`` of one layer input.
    """

    layer: str
    Vt: np.ndarray
    singular_values: np.ndarray
    kappa_requested: int
    rank: int
    in_shape: tuple[int, ...]

    @property
    def kappa(self) -> int:
        return int(self.Vt.shape[0])

    @property
    def in_dim(self) -> int:
        return int(self.Vt.shape[1] - 1)

    def __call__(self, acts: np.ndarray) -> np.ndarray:
        """Corevectors (N, κ) of flattened layer inputs ``acts`` (N, d).

        Raises
        ------
        ValueError
            when d does not match the layer input size.
        """
        a = np.asarray(acts, dtype=np.float64)
        if a.ndim == 1:
            a = a[None]
        a = a.reshape(a.shape[0], -1)
        if a.shape[1] != self.in_dim:
            raise ValueError(f"acts must have {self.in_dim} features per sample, got {a.shape[1]}")
        return a @ self.Vt[:, :-1].T + self.Vt[:, -1]


def fit_corevector_map(layer_name: str, layer: dict, in_shape: tuple[int, ...], kappa: int) -> CoreVectorMap:
    """Unroll ``layer`` (see :func:`unroll`), take the SVD of [W | b] and keep κ = min(kappa, rank) directions.

    Raises
    ------
    ValueError
        for ``kappa`` < 1.
    """
    if not (isinstance(kappa, int | np.integer) and kappa >= 1):
        raise ValueError(f"kappa={kappa!r} must be an integer >= 1")
    W, b = unroll(layer, in_shape)
    s, vt, r = affine_svd(W, b, k=int(kappa))
    k = int(min(kappa, r))
    return CoreVectorMap(layer=layer_name, Vt=vt[:k].copy(), singular_values=s[:k].copy(), kappa_requested=int(kappa),
                         rank=r, in_shape=tuple(int(v) for v in in_shape))
