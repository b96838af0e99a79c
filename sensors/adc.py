"""Ideal b-bit ADC: mid-tread quantiser over a full scale, optional dither, and the textbook noise figures.

Model: LSB = FS / 2^b; code = clip(floor((x - v_min) / LSB + 0.5), 0, 2^b - 1); reconstruction
x_hat = v_min + code * LSB. Within range the error is uniform on ±LSB/2 with variance LSB²/12 (when the input
spans many LSB); full-scale sine SQNR = 20 log10(2^b) + 10 log10(3/2) ≈ 6.02 b + 1.76 dB; ENOB = (SNDR - 1.76)/6.02.
Dither (added before rounding): "uniform" ±LSB/2 (RPDF), "triangular" (TPDF, sum of two uniforms: ±LSB),
"gaussian" (std = ``dither_lsb`` LSB). Subtractive dither removes the added dither after reconstruction;
non-subtractive RPDF/TPDF raise the error variance to 2·LSB²/12 / 3·LSB²/12 respectively.
Sources: W. R. Bennett, "Spectra of quantized signals", Bell Syst. Tech. J. 27:446, 1948;
R. A. Wannamaker, S. P. Lipshitz, J. Vanderkooy, J. N. Wright, "A theory of nonsubtractive dither",
IEEE Trans. Signal Process. 48(2):499-516, 2000, doi:10.1109/78.823976; IEEE Std 1241-2010 (ENOB).
"""

from __future__ import annotations

import math

import numpy as np

from sensors._checks import check_choice, check_int, check_range

DITHERS = ("none", "uniform", "triangular", "gaussian")


def lsb(bits: int, full_scale: float = 1.0) -> float:
    """LSB size FS / 2^bits (units of ``full_scale``). Raises ``ValueError`` for bits outside 1..32, FS <= 0."""
    b = check_int("bits", bits, 1, 32)
    check_range("full_scale", full_scale, 0.0, None, lo_open=True)
    return float(full_scale) / 2.0**b


def quantisation_noise_power(bits: int, full_scale: float = 1.0) -> float:
    """Variance of the ideal quantisation error, LSB²/12 (units of full_scale squared)."""
    return lsb(bits, full_scale) ** 2 / 12.0


def sqnr_db(bits: int) -> float:
    """Ideal full-scale sine SQNR in dB: 20 log10(2^b) + 10 log10(1.5) (≈ 6.02 b + 1.76)."""
    b = check_int("bits", bits, 1, 64)
    return 20.0 * b * math.log10(2.0) + 10.0 * math.log10(1.5)


def enob(sndr_db: float) -> float:
    """Effective number of bits (SNDR - 1.76) / 6.02 with the exact constants of :func:`sqnr_db`. Raises
    ``ValueError`` for a non-finite ``sndr_db``."""
    check_range("sndr_db", sndr_db)
    return (float(sndr_db) - 10.0 * math.log10(1.5)) / (20.0 * math.log10(2.0))


def _dither(kind: str, shape, rng: np.random.Generator, dither_lsb: float) -> np.ndarray:
    if kind == "uniform":
        return rng.uniform(-0.5, 0.5, shape)
    if kind == "triangular":
        return rng.uniform(-0.5, 0.5, shape) + rng.uniform(-0.5, 0.5, shape)
    return rng.normal(0.0, dither_lsb, shape)


def adc_codes(x, bits: int, full_scale: float = 1.0, v_min: float = 0.0, *, dither: str = "none",
              dither_lsb: float = 0.5, rng=None, return_dither: bool = False):
    """Output codes of the ideal ADC.

    Parameters
    ----------
    x : array
        Input (volts or any unit of ``full_scale``).
    bits : int in 1..32
    full_scale, v_min : float
        Input range [v_min, v_min + FS); FS > 0.
    dither : "none" | "uniform" | "triangular" | "gaussian"
    dither_lsb : float > 0
        Gaussian dither std in LSB.
    rng : numpy Generator, int seed or None
    return_dither : also return the dither in LSB (for subtractive use).

    Returns
    -------
    codes : int64 array of x's shape in [0, 2^bits - 1] (and the dither array in LSB if requested).

    Raises ``ValueError`` for non-finite ``x`` or ``v_min``, bad bits/full_scale/dither.
    """
    step = lsb(bits, full_scale)
    check_range("v_min", v_min)
    x = np.asarray(x, dtype=np.float64)
    check_range("x", x)
    check_choice("dither", dither, DITHERS)
    check_range("dither_lsb", dither_lsb, 0.0, None, lo_open=True)
    u = (np.asarray(x, dtype=np.float64) - v_min) / step
    dz = np.zeros(u.shape)
    if dither != "none":
        g = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        dz = _dither(dither, u.shape, g, dither_lsb)
    codes = np.clip(np.floor(u + dz + 0.5), 0, 2**bits - 1).astype(np.int64)
    return (codes, dz) if return_dither else codes


def adc_reconstruct(codes, bits: int, full_scale: float = 1.0, v_min: float = 0.0) -> np.ndarray:
    """Reconstructed input v_min + code * LSB (float64)."""
    return v_min + np.asarray(codes, dtype=np.float64) * lsb(bits, full_scale)


def quantise(x, bits: int, full_scale: float = 1.0, v_min: float = 0.0, *, dither: str = "none",
             dither_lsb: float = 0.5, subtractive: bool = False, rng=None) -> np.ndarray:
    """Quantise-and-reconstruct: the ADC's view of ``x`` in input units (float64, shape of x).

    With ``subtractive=True`` the dither is removed after reconstruction (error variance back to LSB²/12 and
    independent of the input). Raises ``ValueError`` for bad bits/full_scale/dither.
    """
    codes, dz = adc_codes(x, bits, full_scale, v_min, dither=dither, dither_lsb=dither_lsb, rng=rng,
                          return_dither=True)
    y = adc_reconstruct(codes, bits, full_scale, v_min)
    if subtractive:
        y = y - dz * lsb(bits, full_scale)
    return y


def sndr_db(x, x_hat) -> float:
    """Signal-to-noise-and-distortion ratio 10 log10(mean(x²) / mean((x_hat - x)²)) in dB (x zero-mean).
    Raises ``ValueError`` for non-finite or empty inputs, shapes that differ, or x_hat == x (no error)."""
    x = np.asarray(x, dtype=np.float64)
    xh = np.asarray(x_hat, dtype=np.float64)
    check_range("x", x)
    check_range("x_hat", xh)
    if x.shape != xh.shape or x.size == 0:
        raise ValueError(f"x and x_hat must be non-empty arrays of one shape, got {x.shape}, {xh.shape}")
    err = xh - x
    if not np.any(err):
        raise ValueError("x_hat equals x: no noise, the SNDR is unbounded")
    return 10.0 * math.log10(float(np.mean(x**2)) / float(np.mean(err**2)))
