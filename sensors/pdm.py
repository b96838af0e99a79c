"""1-bit pulse-density modulation (PDM) as in digital MEMS microphones: a 1st- or 2nd-order single-bit
sigma-delta modulator at f_PDM = OSR · f_s and a polyphase FIR decimator back to f_s.

Modulator (2nd order, two delaying-free integrators, 1-bit quantiser y = sign(e2) ∈ {−1, +1}):
    e1 += x_n − y_{n−1};  e2 += e1 − y_{n−1};  y_n = +1 if e2 >= 0 else −1,
so Y = X + (1 − z^-1)² Q (noise shaped 40 dB/decade). Stable for |x| <~ 0.5 full scale (−6 dBFS): keep inputs
there (higher orders need a designed NTF and are not provided). 1st order: e += x − y_{n−1}; y = sign(e).
Ideal peak SQNR of an L-th order modulator: 6.02 + 1.76 − 10 log10(π^{2L}/(2L+1)) + (20L+10) log10(OSR) dB.
Source: R. Schreier, G. C. Temes, "Understanding Delta-Sigma Data Converters", Wiley/IEEE 2005, ch. 2-4;
TI application report SBAA395 (PDM microphones).
"""

from __future__ import annotations

import math

import numpy as np

from sensors._checks import check_int, check_range


def _kernels():
    import numba

    @numba.njit(cache=True)
    def mod2(x):  # pragma: no cover - compiled
        y = np.empty(x.shape[0], dtype=np.int8)
        e1 = 0.0
        e2 = 0.0
        fb = 0.0
        for i in range(x.shape[0]):
            e1 += x[i] - fb
            e2 += e1 - fb
            fb = 1.0 if e2 >= 0.0 else -1.0
            y[i] = np.int8(fb)
        return y

    @numba.njit(cache=True)
    def mod1(x):  # pragma: no cover - compiled
        y = np.empty(x.shape[0], dtype=np.int8)
        e = 0.0
        fb = 0.0
        for i in range(x.shape[0]):
            e += x[i] - fb
            fb = 1.0 if e >= 0.0 else -1.0
            y[i] = np.int8(fb)
        return y

    return mod1, mod2


def pdm_modulate(x, order: int = 2) -> np.ndarray:
    """1-bit sigma-delta modulation of ``x`` (T,) already at the PDM rate, full scale ±1.

    Returns int8 (T,) in {−1, +1}. Raises ``ValueError`` for order not in (1, 2) or |x| > 1.
    """
    order = check_int("order", order, 1, 2)
    x = np.ascontiguousarray(np.asarray(x, dtype=np.float64))
    if x.ndim != 1:
        raise ValueError(f"x must have shape (T,), got {x.shape}")
    check_range("x", x, -1.0, 1.0)
    mod1, mod2 = _kernels()
    return (mod1 if order == 1 else mod2)(x)


def pdm_encode(x, osr: int = 64, order: int = 2) -> np.ndarray:
    """Upsample a PCM signal (T,) at f_s by ``osr`` (polyphase FIR, ``scipy.signal.resample_poly``) and
    modulate: int8 bits (T·osr,)."""
    from scipy.signal import resample_poly

    osr = check_int("osr", osr, 2)
    up = resample_poly(np.asarray(x, dtype=np.float64), osr, 1)
    return pdm_modulate(np.clip(up, -1.0, 1.0), order)


def pdm_decode(bits, osr: int = 64) -> np.ndarray:
    """Decimate a PDM bit stream by ``osr`` with a polyphase low-pass FIR (``scipy.signal.resample_poly``,
    Kaiser window) to PCM float64 (T,)."""
    from scipy.signal import resample_poly

    osr = check_int("osr", osr, 2)
    return resample_poly(np.asarray(bits, dtype=np.float64), 1, osr)


def ideal_sqnr_db(order: int, osr: int) -> float:
    """Theoretical peak SQNR (dB) of an ideal 1-bit L-th order modulator at oversampling ratio OSR for a
    full-scale sine, with the noise transfer function (1 − z^-1)^L (Schreier & Temes 2005, ch. 4)."""
    L = check_int("order", order, 1)
    return 6.02 + 1.76 - 10 * math.log10(math.pi ** (2 * L) / (2 * L + 1)) + (20 * L + 10) * math.log10(osr)
