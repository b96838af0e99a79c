"""Weight layouts: every transform works on a matrix (output channels, reduction) and maps back.

Layouts follow ``fdir.runtime`` (CONTRIBUTING.md): ``"dense"`` ``w`` (in, out); ``"conv"`` ``w`` (out, in, k...)
(conv1d (out, in, k), conv2d (out, in, kh, kw)); ``"matrix"`` already (out, reduction).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

LAYOUTS = ("dense", "conv", "matrix")


def to_matrix(w: np.ndarray, layout: str) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]:
    """(out, reduction) float64 view of ``w`` and the function mapping such a matrix back to ``w``'s layout.

    Raises ValueError for an unknown layout, a shape that does not fit it, an empty ``w`` or a non-finite entry
    (NaN, inf) of ``w``.
    """
    w = np.asarray(w)
    if layout not in LAYOUTS:
        raise ValueError(f"layout={layout!r}; accepted: {LAYOUTS}")
    if w.size == 0:
        raise ValueError(f"w is empty (shape {w.shape}); give at least one weight")
    if not np.all(np.isfinite(w)):
        raise ValueError(f"w has {int(np.size(w) - np.count_nonzero(np.isfinite(w)))} non-finite entries (NaN/inf); "
                         "weights must be finite")
    if layout == "dense":
        if w.ndim != 2:
            raise ValueError(f"layout 'dense' needs w of shape (in, out), got {w.shape}")
        return w.T.astype(np.float64), lambda m: m.T.astype(w.dtype)
    if layout == "conv":
        if w.ndim < 3:
            raise ValueError(f"layout 'conv' needs w of shape (out, in, k...), got {w.shape}")
        shape = w.shape
        return w.reshape(shape[0], -1).astype(np.float64), lambda m: m.reshape(shape).astype(w.dtype)
    if w.ndim != 2:
        raise ValueError(f"layout 'matrix' needs w of shape (out, reduction), got {w.shape}")
    return w.astype(np.float64), lambda m: m.astype(w.dtype)


def error_report(w: np.ndarray, w_hat: np.ndarray, x: np.ndarray | None = None, layout: str = "matrix") -> dict:
    """Errors of ``w_hat`` against ``w``: relative Frobenius error, MSE, SQNR [dB], max |error|; with calibration
    inputs ``x`` (samples, reduction) also the relative output error ``||x W - x W_hat|| / ||x W||``.
    """
    m, _ = to_matrix(w, layout)
    mh, _ = to_matrix(w_hat, layout)
    d = m - mh
    sig = float(np.sum(m * m))
    err = float(np.sum(d * d))
    out = {"rel_error": float(np.sqrt(err / sig)) if sig > 0 else float(np.sqrt(err) > 0),
           "mse": err / m.size, "sqnr_dB": float(10 * np.log10(sig / err)) if err > 0 else np.inf,
           "max_abs_error": float(np.max(np.abs(d))) if d.size else 0.0}
    if x is not None:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != m.shape[1]:
            raise ValueError(f"calibration inputs must have shape (samples, {m.shape[1]}), got {x.shape}")
        y = x @ m.T
        yh = x @ mh.T
        ny = float(np.linalg.norm(y))
        out["rel_output_error"] = float(np.linalg.norm(y - yh) / ny) if ny > 0 else 0.0
    return out
