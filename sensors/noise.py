"""Inertial-sensor noise processes at sample period τ0 = 1/fs, parameterised by the IEEE 952 coefficients.

Conventions (IEEE Std 952-1997 Annex C; Allan variances in :mod:`sensors.allan`), for a rate signal Ω in
``unit`` (rad/s for gyros, m/s² for accelerometers):

* white noise (angle/velocity random walk) N [unit/√Hz]: samples N(0, N²/τ0), i.e. std N·sqrt(fs);
  σ²(τ) = N²/τ.
* rate random walk K [unit·√Hz = unit/√s]: cumulative sum of N(0, K² τ0) steps; σ²(τ) = K² τ/3.
* bias instability B [unit]: flicker (1/f) rate noise with one-sided PSD B²/(π f) (IEEE 952 states the
  two-sided B²/(2π f)), synthesised by FFT shaping between f_min and fs/2; flat σ²(τ) = (2 ln 2/π) B² for
  1/(fs) ≪ τ ≪ 1/f_min (σ_min ≈ 0.664 B).
* rate ramp R [unit/s]: deterministic R·t; σ²(τ) = R² τ²/2.

All generators take ``n`` samples and return float64 arrays of shape (n,) or (n, *shape) (independent columns),
drawing from a NumPy Generator (or int seed).
"""

from __future__ import annotations

import math

import numpy as np

from sensors._checks import check_int, check_range


def _rng(rng) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def white(n: int, N: float, fs_Hz: float, rng=None, shape=()) -> np.ndarray:
    """White rate noise of density N [unit/√Hz] sampled at fs: std N·sqrt(fs)."""
    n = check_int("n", n, 1)
    check_range("N", N, 0.0)
    check_range("fs_Hz", fs_Hz, 0.0, None, lo_open=True)
    return N * math.sqrt(fs_Hz) * _rng(rng).standard_normal((n, *shape))


def random_walk(n: int, K: float, fs_Hz: float, rng=None, shape=()) -> np.ndarray:
    """Rate random walk with coefficient K [unit/√s]: cumulative sum of N(0, K²/fs) steps (starts near 0)."""
    n = check_int("n", n, 1)
    check_range("K", K, 0.0)
    check_range("fs_Hz", fs_Hz, 0.0, None, lo_open=True)
    return np.cumsum(K / math.sqrt(fs_Hz) * _rng(rng).standard_normal((n, *shape)), axis=0)


def flicker(n: int, B: float, fs_Hz: float, rng=None, shape=(), f_min_Hz: float | None = None) -> np.ndarray:
    """Bias-instability (1/f) noise with one-sided PSD B²/(π f) for f_min <= f <= fs/2 (0 below f_min and at DC).

    FFT synthesis: rfft of unit white noise times sqrt(S(f) fs/2), inverse rfft (the series is periodic in n).
    ``f_min_Hz`` defaults to the lowest resolvable frequency fs/n.
    """
    n = check_int("n", n, 2)
    check_range("B", B, 0.0)
    check_range("fs_Hz", fs_Hz, 0.0, None, lo_open=True)
    f_min = fs_Hz / n if f_min_Hz is None else f_min_Hz
    check_range("f_min_Hz", f_min, 0.0, fs_Hz / 2, lo_open=True)
    w = _rng(rng).standard_normal((n, *shape))
    W = np.fft.rfft(w, axis=0)
    f = np.fft.rfftfreq(n, 1.0 / fs_Hz)
    S = np.zeros_like(f)
    band = f >= f_min * (1 - 1e-12)
    S[band] = B**2 / (math.pi * f[band])
    H = np.sqrt(S * fs_Hz / 2.0).reshape((-1,) + (1,) * len(shape))
    return np.fft.irfft(W * H, n=n, axis=0)


def gauss_markov(n: int, sigma: float, tau_c_s: float, fs_Hz: float, rng=None, shape=()) -> np.ndarray:
    """First-order Gauss–Markov process (exact discretisation): x_k = a x_{k−1} + sqrt(1 − a²) σ w_k,
    a = exp(−τ0/τ_c), stationary std σ; starts from the stationary distribution."""
    from scipy.signal import lfilter

    n = check_int("n", n, 1)
    check_range("sigma", sigma, 0.0)
    check_range("tau_c_s", tau_c_s, 0.0, None, lo_open=True)
    a = math.exp(-1.0 / (fs_Hz * tau_c_s))
    g = _rng(rng)
    w = g.standard_normal((n, *shape)) * sigma * math.sqrt(1 - a * a)
    x0 = g.standard_normal(shape) * sigma
    y, _ = lfilter([1.0], [1.0, -a], w, axis=0, zi=(a * np.asarray(x0))[None, ...])
    return y
