"""Overlapping Allan variance and the IEEE 952 noise-coefficient fit.

Allan variance of rate samples Ω_k at τ0 (IEEE Std 952-1997 Annex C; D. W. Allan, Proc. IEEE 54(2):221, 1966,
doi:10.1109/PROC.1966.4634): θ_k = τ0 Σ_{i<=k} Ω_i (θ_0 = 0), τ = m τ0,
    σ²(τ) = Σ_{k=0}^{N−2m} (θ_{k+2m} − 2θ_{k+m} + θ_k)² / (2 τ² (N + 1 − 2m))      (N + 1 angle samples).
Terms and their Allan variances (coefficients in the units of :mod:`sensors.noise`):
    Q (angle quantisation) 3Q²/τ²,  N (ARW/VRW) N²/τ,  B (bias instability) (2 ln 2/π) B²,
    K (rate random walk) K² τ/3,  R (rate ramp) R² τ²/2.
σ² is linear in (Q², N², B², K², R²): :func:`fit_allan` solves the non-negative least squares problem with rows
weighted by 1/σ²(τ) (relative error). Reading points: N = σ(1 s) on the −1/2 line, K = σ(3 s) on the +1/2 line,
σ_min ≈ 0.664 B.
"""

from __future__ import annotations

import math

import numpy as np

from sensors._checks import check_range

TERMS = ("Q", "N", "B", "K", "R")
FLICKER_FACTOR = 2.0 * math.log(2.0) / math.pi


def octave_m(n_samples: int, max_fraction: float = 0.1) -> np.ndarray:
    """Octave-spaced cluster sizes m = 1, 2, 4, ... up to max_fraction · n_samples (int64)."""
    check_range("max_fraction", max_fraction, 0.0, 0.5, lo_open=True)
    top = max(1, int(max_fraction * n_samples))
    return 2 ** np.arange(int(math.log2(top)) + 1)


def log_m(n_samples: int, max_fraction: float = 0.1, per_decade: int = 10) -> np.ndarray:
    """Log-spaced unique cluster sizes from 1 to max_fraction · n_samples (``per_decade`` points per decade)."""
    top = max(1, int(max_fraction * n_samples))
    return np.unique(np.round(np.logspace(0, math.log10(top), max(2, int(per_decade * math.log10(max(top, 10))))))
                     .astype(np.int64))


def allan_variance(omega, fs_Hz: float, m=None) -> tuple[np.ndarray, np.ndarray]:
    """Overlapping Allan variance of rate samples.

    Parameters
    ----------
    omega : array (N,) or (N, C)
        Rate samples (any unit), time along axis 0.
    fs_Hz : float > 0
        Sample rate.
    m : int array, optional
        Cluster sizes (1 <= m <= (N − 1)/2); default octave-spaced up to N/10.

    Returns
    -------
    tau_s : (M,) float64 averaging times m/fs;  avar : (M,) or (M, C) Allan variance (unit²).

    Raises
    ------
    ValueError
        for fewer than 3 samples, non-finite samples or an integral that overflows float64, fs <= 0, m out of
        range.
    """
    check_range("fs_Hz", fs_Hz, 0.0, None, lo_open=True)
    y = np.asarray(omega, dtype=np.float64)
    check_range("omega", y)
    if y.ndim not in (1, 2) or y.shape[0] < 3:
        raise ValueError(f"omega must have shape (N,) or (N, C) with N >= 3, got {y.shape}")
    n = y.shape[0]
    m = octave_m(n) if m is None else np.asarray(m, dtype=np.int64)
    if m.size == 0 or m.min() < 1 or 2 * m.max() > n:
        raise ValueError(f"cluster sizes m must lie in [1, {n // 2}] for N={n}")
    tau0 = 1.0 / fs_Hz
    with np.errstate(over="ignore", invalid="ignore"):
        theta = np.concatenate([np.zeros((1, *y.shape[1:])), np.cumsum(y, axis=0) * tau0], axis=0)
    if not np.all(np.isfinite(theta)):
        raise ValueError("omega too large: its running integral overflows float64 (rescale the samples)")
    out = []
    for mi in m:
        d = theta[2 * mi:] - 2.0 * theta[mi:-mi] + theta[: -2 * mi]
        tau = mi * tau0
        out.append(np.sum(d * d, axis=0) / (2.0 * tau * tau * d.shape[0]))
    return m * tau0, np.asarray(out)


def allan_deviation(omega, fs_Hz: float, m=None) -> tuple[np.ndarray, np.ndarray]:
    """Overlapping Allan deviation: (tau_s, sqrt(allan_variance))."""
    tau, avar = allan_variance(omega, fs_Hz, m)
    return tau, np.sqrt(avar)


def allan_model(tau_s, Q=0.0, N=0.0, B=0.0, K=0.0, R=0.0) -> np.ndarray:
    """Model Allan variance 3Q²/τ² + N²/τ + (2 ln2/π) B² + K² τ/3 + R² τ²/2. Raises ``ValueError`` for
    non-positive or non-finite ``tau_s`` or non-finite coefficients."""
    t = np.asarray(tau_s, dtype=np.float64)
    check_range("tau_s", t, 0.0, None, lo_open=True)
    for name, v in (("Q", Q), ("N", N), ("B", B), ("K", K), ("R", R)):
        check_range(name, v)
    return 3 * Q**2 / t**2 + N**2 / t + FLICKER_FACTOR * B**2 + K**2 * t / 3 + R**2 * t**2 / 2


def _basis(tau, terms):
    cols = {"Q": 3.0 / tau**2, "N": 1.0 / tau, "B": np.full_like(tau, FLICKER_FACTOR), "K": tau / 3.0,
            "R": tau**2 / 2.0}
    return np.stack([cols[t] for t in terms], axis=1)


def fit_allan(tau_s, avar, terms=TERMS, *, n_samples: int | None = None, fs_Hz: float | None = None
              ) -> dict[str, float]:
    """Fit the IEEE 952 coefficients to an Allan variance curve by relative-weighted NNLS.

    Parameters
    ----------
    tau_s, avar : (M,) arrays (avar > 0)
    terms : subset of ("Q", "N", "B", "K", "R")
    n_samples, fs_Hz : optional
        Record length (samples, summed over averaged channels) and rate. When given, each row's relative
        residual is further weighted by sqrt(n_samples / m), the inverse of the approximate relative standard
        error of an overlapping Allan variance with m = τ fs (long-τ points have few degrees of freedom).

    Returns
    -------
    dict with each term's coefficient (sqrt of the fitted non-negative square; absent terms 0) and
    ``rms_rel_residual``.

    Raises
    ------
    ValueError
        for unknown terms, mismatched lengths, non-positive avar, fewer points than terms.
    """
    from scipy.optimize import nnls

    terms = tuple(terms)
    bad = [t for t in terms if t not in TERMS]
    if bad:
        raise ValueError(f"terms {bad} unknown; accepted: {TERMS}")
    tau = np.asarray(tau_s, dtype=np.float64)
    a = np.asarray(avar, dtype=np.float64)
    if tau.shape != a.shape or tau.ndim != 1:
        raise ValueError(f"tau_s and avar must be 1-D of equal length, got {tau.shape}, {a.shape}")
    check_range("tau_s", tau)
    check_range("avar", a)
    if np.any(a <= 0) or np.any(tau <= 0):
        raise ValueError("tau_s and avar must be > 0")
    if tau.size < len(terms):
        raise ValueError(f"need at least {len(terms)} points to fit {terms}")
    A = _basis(tau, terms) / a[:, None]
    w = np.ones_like(a)
    if (n_samples is None) != (fs_Hz is None):
        raise ValueError("give both n_samples and fs_Hz, or neither")
    if n_samples is not None:
        check_range("n_samples", n_samples, 1, None)
        check_range("fs_Hz", fs_Hz, 0.0, None, lo_open=True)
        w = np.sqrt(n_samples / np.maximum(tau * fs_Hz, 1.0))
    x, _ = nnls(A * w[:, None], w)
    out = dict.fromkeys(TERMS, 0.0)
    out.update({t: math.sqrt(v) for t, v in zip(terms, x)})
    out["rms_rel_residual"] = float(np.sqrt(np.mean((A @ x - 1.0) ** 2)))
    return out


def loglog_slope(tau_s, adev, tau_min: float, tau_max: float) -> float:
    """Least-squares slope of log σ vs log τ over tau_min <= τ <= tau_max (needs >= 2 points). Raises
    ``ValueError`` for non-positive or non-finite ``tau_s``/``adev`` or shapes that differ."""
    tau = np.asarray(tau_s, dtype=np.float64)
    dev = np.asarray(adev, dtype=np.float64)
    check_range("tau_s", tau, 0.0, None, lo_open=True)
    check_range("adev", dev, 0.0, None, lo_open=True)
    if dev.shape[:1] != tau.shape or tau.ndim != 1:
        raise ValueError(f"tau_s (M,) and adev (M, ...) must match, got {tau.shape}, {dev.shape}")
    sel = (tau >= tau_min) & (tau <= tau_max)
    if sel.sum() < 2:
        raise ValueError(f"fewer than 2 points with {tau_min} <= tau <= {tau_max}")
    return float(np.polyfit(np.log(tau[sel]), np.log(dev[sel]), 1)[0])


def gyro_coefficients_to_datasheet(N_deg_s_rtHz: float = 0.0, B_deg_s: float = 0.0,
                                   K_deg_s_rts: float = 0.0) -> dict[str, float]:
    """Convert gyro coefficients from SI-like per-second units to datasheet units:
    ARW N[°/√h] = 60 N[°/s/√Hz]; bias instability B[°/h] = 3600 B[°/s]; RRW K[°/h/√h] = 216000 K[°/s/√s]."""
    return {"ARW_deg_per_rt_h": 60.0 * N_deg_s_rtHz, "BI_deg_per_h": 3600.0 * B_deg_s,
            "RRW_deg_per_h_per_rt_h": 216000.0 * K_deg_s_rts}
