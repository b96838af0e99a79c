"""MEMS microphone: band-pass response, self-noise from the datasheet SNR, sensitivity, acoustic overload,
and PCM or PDM (1-bit sigma-delta) output.

Definitions (hwsim sensors reference sheet §4; InvenSense AN-1112 "Microphone specifications explained"):
SPL L = 20 log10(p_rms / 20 µPa) (94 dB SPL = 1 Pa rms); digital sensitivity S [dBFS] = output level of a
1 kHz 94 dB SPL tone, with 0 dBFS = a full-scale sine (rms 1/√2 of full scale); SNR [dB] = 94 dB SPL tone level
minus self-noise; equivalent input noise EIN = 94 − SNR (dB SPL); digital noise floor = S − SNR (dBFS);
AOP = SPL where the output clips (here: hard clip, or tanh soft clip, at the AOP sine peak, never above
full scale); dynamic range = AOP − EIN.

Signal chain: p(t) [Pa] → 1st-order high-pass f_hp and low-pass f_lp (bilinear Butterworth, ``scipy.signal``)
→ + self-noise (white, scaled so its rms over 20 Hz–min(20 kHz, f_s/2) equals the EIN pressure; flat band: the
datasheet's A-weighting is not applied to the noise, :func:`level_dbfs` can A-weight a measurement)
→ × sensitivity (FS/Pa) → clip at AOP → PCM (``bits``-bit mid-tread quantiser on [−1, 1)) or PDM
(:mod:`sensors.pdm`).

Presets: :meth:`MicParams.inmp441` (TDK InvenSense INMP441, DS-INMP441-00 rev 1.1: −26 dBFS, SNR 61 dBA,
120 dB SPL max acoustic input, −3 dB at 60 Hz and 15 kHz, 24-bit I²S) and :meth:`MicParams.mp34dt05`
(ST MP34DT05: −26 dBFS, SNR 64 dB, PDM; AOP taken = digital full scale, 120 dB SPL: assumed).
Arrays: pressure p (T,) in Pa at ``fs_Hz``; output (T,) in full-scale units (PCM) or int8 bits (T·osr,) (PDM).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from sensors._checks import check_choice, check_int, check_range

P_REF_PA = 20e-6
OUTPUTS = ("pcm", "pdm", "analog")


@dataclass(frozen=True)
class MicParams:
    """Digital MEMS microphone parameters (see module docstring). Units: dBFS, dB, dB SPL, Hz."""

    sensitivity_dBFS: float = -26.0
    snr_dB: float = 61.0
    aop_dB_SPL: float = 120.0
    f_hp_Hz: float = 60.0
    f_lp_Hz: float = 15000.0
    bits: int = 24
    output: str = "pcm"
    pdm_osr: int = 64
    pdm_order: int = 2
    soft_clip: bool = False
    source: str = "user parameters"

    def __post_init__(self):
        check_range("sensitivity_dBFS", self.sensitivity_dBFS, -80.0, 0.0)
        check_range("snr_dB", self.snr_dB, 0.0, 140.0)
        check_range("aop_dB_SPL", self.aop_dB_SPL, 94.0, 160.0)
        check_range("f_hp_Hz", self.f_hp_Hz, 0.0)
        check_range("f_lp_Hz", self.f_lp_Hz, 0.0, None, lo_open=True)
        check_int("bits", self.bits, 1, 32)
        check_choice("output", self.output, OUTPUTS)
        check_int("pdm_osr", self.pdm_osr, 2)
        check_int("pdm_order", self.pdm_order, 1, 2)

    def replace(self, **kw) -> MicParams:
        return dataclasses.replace(self, **kw)

    @property
    def ein_dB_SPL(self) -> float:
        """Equivalent input noise 94 − SNR (dB SPL)."""
        return 94.0 - self.snr_dB

    @property
    def gain_FS_per_Pa(self) -> float:
        """Output (full-scale units) per pascal: the 94 dB SPL tone (1 Pa rms, √2 Pa peak) has peak output
        10^(S/20) FS, so the gain is 10^(S/20)/√2 FS per Pa."""
        return 10.0 ** (self.sensitivity_dBFS / 20.0) / math.sqrt(2.0)

    @classmethod
    def inmp441(cls, **kw) -> MicParams:
        base = dict(sensitivity_dBFS=-26.0, snr_dB=61.0, aop_dB_SPL=120.0, f_hp_Hz=60.0, f_lp_Hz=15000.0, bits=24,
                    output="pcm", source="TDK InvenSense INMP441 datasheet DS-INMP441-00 rev 1.1")
        return cls(**{**base, **kw})

    @classmethod
    def mp34dt05(cls, **kw) -> MicParams:
        base = dict(sensitivity_dBFS=-26.0, snr_dB=64.0, aop_dB_SPL=120.0, f_hp_Hz=20.0, f_lp_Hz=20000.0,
                    output="pdm", source="ST MP34DT05 datasheet (sensitivity, SNR); AOP = full scale, band assumed")
        return cls(**{**base, **kw})


def spl_to_pa(spl_dB: float) -> float:
    """RMS pressure (Pa) of a sound pressure level (dB SPL re 20 µPa). Raises ``ValueError`` if not finite."""
    check_range("spl_dB", spl_dB)
    return P_REF_PA * 10.0 ** (spl_dB / 20.0)


def pa_to_spl(p_rms_Pa: float) -> float:
    """Sound pressure level (dB SPL) of an rms pressure (Pa). Raises ``ValueError`` unless 0 < p < inf."""
    check_range("p_rms_Pa", p_rms_Pa, 0.0, None, lo_open=True)
    return 20.0 * math.log10(p_rms_Pa / P_REF_PA)


def _band(fs_Hz: float) -> tuple[float, float]:
    return 20.0, min(20000.0, fs_Hz / 2.0)


def self_noise_std_Pa(params: MicParams, fs_Hz: float) -> float:
    """Std of the white self-noise samples at fs (Pa) so that the rms over the 20 Hz–min(20 kHz, fs/2) band
    equals the EIN pressure: σ = p_EIN · sqrt((fs/2)/(f_hi − f_lo))."""
    lo, hi = _band(fs_Hz)
    return spl_to_pa(params.ein_dB_SPL) * math.sqrt((fs_Hz / 2.0) / (hi - lo))


def bandpass(params: MicParams, p, fs_Hz: float) -> np.ndarray:
    """First-order high-pass (f_hp) and low-pass (f_lp) Butterworth filters (bilinear), applied causally."""
    from scipy.signal import butter, sosfilt

    y = np.asarray(p, dtype=np.float64)
    if params.f_hp_Hz > 0:
        y = sosfilt(butter(1, params.f_hp_Hz, "highpass", fs=fs_Hz, output="sos"), y)
    if params.f_lp_Hz < fs_Hz / 2:
        y = sosfilt(butter(1, params.f_lp_Hz, "lowpass", fs=fs_Hz, output="sos"), y)
    return y


def mic_simulate(params: MicParams, p_Pa, fs_Hz: float, rng=None, *, noise: bool = True) -> np.ndarray:
    """Microphone output for a pressure signal.

    Parameters
    ----------
    params : MicParams
    p_Pa : array (T,)
        Acoustic pressure in Pa sampled at ``fs_Hz``.
    fs_Hz : float > 2 f_hp
    rng : numpy Generator, int seed or None (self-noise)
    noise : add self-noise (default True)

    Returns
    -------
    y : float64 (T,) in full-scale units for ``output="pcm"`` (quantised) or "analog" (unquantised);
        int8 (T·pdm_osr,) bits in {−1, +1} for "pdm" (decode with :func:`sensors.pdm.pdm_decode`).

    Raises
    ------
    ValueError
        for p not 1-D or not finite, fs <= 0.
    """
    check_range("fs_Hz", fs_Hz, 0.0, None, lo_open=True)
    p = np.asarray(p_Pa, dtype=np.float64)
    check_range("p_Pa", p)
    if p.ndim != 1:
        raise ValueError(f"p_Pa must have shape (T,), got {p.shape}")
    x = bandpass(params, p, fs_Hz)
    if noise:
        g = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        x = x + self_noise_std_Pa(params, fs_Hz) * g.standard_normal(x.shape)
    y = params.gain_FS_per_Pa * x
    clip = min(spl_to_pa(params.aop_dB_SPL) * math.sqrt(2.0) * params.gain_FS_per_Pa, 1.0)
    y = clip * np.tanh(y / clip) if params.soft_clip else np.clip(y, -clip, clip)
    if params.output == "analog":
        return y
    if params.output == "pcm":
        from sensors.adc import quantise

        return quantise(y, params.bits, 2.0, -1.0)
    from sensors.pdm import pdm_encode

    return pdm_encode(y, params.pdm_osr, params.pdm_order)


def a_weighting_dB(f_Hz) -> np.ndarray:
    """IEC 61672-1:2013 A-weighting gain in dB (0 dB at 1 kHz; -inf at 0 Hz). Raises ``ValueError`` for negative
    or non-finite frequencies."""
    check_range("f_Hz", f_Hz, 0.0)
    f2 = np.asarray(f_Hz, dtype=np.float64) ** 2
    ra = (12194.0**2 * f2**2) / ((f2 + 20.6**2) * np.sqrt((f2 + 107.7**2) * (f2 + 737.9**2)) * (f2 + 12194.0**2))
    with np.errstate(divide="ignore"):
        return 20.0 * np.log10(ra) + 2.0


def level_dbfs(y, fs_Hz: float, band=(20.0, 20000.0), *, a_weighted: bool = False) -> float:
    """Level of a full-scale-unit signal in dBFS (0 dBFS = full-scale sine, rms 1/√2) over a frequency band,
    from the periodogram (``band=None``: whole signal); optionally A-weighted. Raises ``ValueError`` for an
    empty or non-finite ``y`` or fs <= 0."""
    check_range("fs_Hz", fs_Hz, 0.0, None, lo_open=True)
    y = np.asarray(y, dtype=np.float64)
    check_range("y", y)
    if y.size == 0:
        raise ValueError("y must hold at least one sample")
    if band is None and not a_weighted:
        ms = float(np.mean(y**2))
    else:
        Y = np.fft.rfft(y)
        f = np.fft.rfftfreq(y.size, 1.0 / fs_Hz)
        pw = np.abs(Y) ** 2 / y.size**2
        pw[1:] *= 2.0
        if y.size % 2 == 0:
            pw[-1] /= 2.0
        if a_weighted:
            pw = pw * 10.0 ** (a_weighting_dB(np.maximum(f, 1e-3)) / 10.0)
        if band is not None:
            pw = pw[(f >= band[0]) & (f <= band[1])]
        ms = float(np.sum(pw))
    return 10.0 * math.log10(ms / 0.5)
