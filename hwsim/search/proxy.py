"""A declared accuracy proxy for models whose accuracy is not measured here (e.g. Llama-scale LLMs): the relative
output error of a compressed layer under a Gaussian-weight noise model. Label results that use it as a proxy.

For weights ~ N(0, sigma^2) (a common first-order model of trained layers):

* symmetric uniform quantisation to b bits with per-group max scaling: relative error
  ``e_q(b) = (a_max / (2^(b-1) - 1)) / sqrt(12)`` with ``a_max`` the expected group maximum in units of sigma
  (``sqrt(2 ln g)`` for group size g, Gumbel asymptotics), the classical Delta/sqrt(12) noise (Widrow & Kollar,
  Quantization Noise, 2008);
* magnitude pruning keeping a fraction d: removed energy ``r(d) = (1 - d) - 2 t phi(t)`` with
  ``t = Phi^-1(1 - d/2)``, relative error ``sqrt(r(d))`` (truncated second moment of a Gaussian);
* removing a layer (depth) or a fraction of a layer's width: an importance-weighted error (declared per use).

Errors of independent sources add in quadrature; the proxy accuracy is ``acc0 * (1 - sum_l w_l e_l^2)`` clipped at
0, with ``w_l`` layer importances summing to 1. :func:`hwsim.compress` measures the real errors when weights exist;
the tests check both formulas against it on Gaussian weights.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm


def quant_rel_error(bits: np.ndarray | float, group_size: np.ndarray | float = 128) -> np.ndarray:
    """Relative RMS error of symmetric b-bit group quantisation of Gaussian weights (b >= 16: 0)."""
    b = np.asarray(bits, dtype=np.float64)
    g = np.maximum(np.asarray(group_size, dtype=np.float64), 2.0)
    a_max = np.sqrt(2.0 * np.log(g))
    e = a_max / (2.0 ** (b - 1) - 1) / np.sqrt(12.0)
    return np.where(b >= 16, 0.0, e)


def prune_rel_error(density: np.ndarray | float) -> np.ndarray:
    """Relative RMS error of magnitude pruning of Gaussian weights to ``density`` (kept fraction)."""
    d = np.clip(np.asarray(density, dtype=np.float64), 1e-12, 1.0)
    t = norm.ppf(1.0 - d / 2.0)
    r = (1.0 - d) - 2.0 * t * norm.pdf(t)
    return np.sqrt(np.clip(r, 0.0, 1.0))


def proxy_accuracy(rel_errors_sq: np.ndarray, importance: np.ndarray, acc0: float = 1.0) -> np.ndarray:
    """``acc0 * (1 - sum_l importance_l * e_l^2)`` over the last axis, clipped to [0, acc0]."""
    imp = np.asarray(importance, dtype=np.float64)
    return np.clip(acc0 * (1.0 - np.sum(np.asarray(rel_errors_sq) * imp, axis=-1)), 0.0, acc0)
