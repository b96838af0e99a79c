"""EMVA 1288 quantities: photons from irradiance, the linear-model predictions (SNR, sensitivity threshold,
saturation, dynamic range) and the measurement side (two-frame temporal variance, photon-transfer fit of the
system gain K, DSNU/PRNU).

Equations (EMVA Standard 1288 Release 4.0 Linear, §2-§4; hwsim sensors reference sheet §1):
    μ_p = A E t_exp λ / (h c)                                      photons per pixel
    σ_y² − σ_y,dark² = K (μ_y − μ_y,dark)                          photon transfer
    SNR = η μ_p / sqrt(σ_d² + σ_q²/K² + η μ_p)   (σ_q² = 1/12 DN²,  σ_d² = σ_read² + μ_I t_exp)
    SNR incl. spatial: add DSNU² + PRNU² (η μ_p)² under the root
    μ_p,min = (1/η) (1/2 + sqrt(1/4 + σ_y,dark²/K²))                exact root of SNR = 1
    DR = μ_p,sat / μ_p,min,   SNR_max = sqrt(μ_e,sat)
All photon/electron quantities are per pixel per exposure.
"""

from __future__ import annotations

import math

import numpy as np

from sensors._checks import check_range
from sensors.camera import CameraParams

H_PLANCK_J_S = 6.62607015e-34
C_LIGHT_M_PER_S = 299792458.0


def photons_per_pixel(irradiance_W_per_m2, t_exp_s, pixel_area_m2, wavelength_m):
    """Mean photons per pixel μ_p = A E t λ / (h c) (SI inputs; arrays broadcast). Raises ``ValueError`` for
    negative irradiance/time or non-positive area/wavelength."""
    check_range("irradiance_W_per_m2", irradiance_W_per_m2, 0.0)
    check_range("t_exp_s", t_exp_s, 0.0)
    check_range("pixel_area_m2", pixel_area_m2, 0.0, None, lo_open=True)
    check_range("wavelength_m", wavelength_m, 0.0, None, lo_open=True)
    return (np.asarray(pixel_area_m2) * np.asarray(irradiance_W_per_m2) * np.asarray(t_exp_s)
            * np.asarray(wavelength_m) / (H_PLANCK_J_S * C_LIGHT_M_PER_S))


def dark_variance_e2(params: CameraParams, t_exp_s: float) -> float:
    """Temporal dark noise σ_d² = σ_read² + μ_I t_exp in e⁻²."""
    return params.read_noise_e**2 + params.dark_current_e_per_s * t_exp_s


def snr(mu_p, params: CameraParams, t_exp_s: float = 0.0, *, spatial: bool = False):
    """EMVA 1288 SNR of the linear model at mean photon count(s) ``mu_p`` (no saturation; ratio, not dB).
    With ``spatial=True`` DSNU and PRNU enter the noise. Raises ``ValueError`` for negative or non-finite
    ``mu_p`` or ``t_exp_s``."""
    check_range("mu_p", mu_p, 0.0)
    check_range("t_exp_s", t_exp_s, 0.0)
    mu_e = params.qe * np.asarray(mu_p, dtype=np.float64)
    var = dark_variance_e2(params, t_exp_s) + (1.0 / 12.0) / params.gain_DN_per_e**2 + mu_e
    if spatial:
        var = var + params.dsnu_e**2 + (params.prnu * mu_e) ** 2
    return mu_e / np.sqrt(var)


def sensitivity_threshold_photons(params: CameraParams, t_exp_s: float = 0.0) -> float:
    """Absolute sensitivity threshold μ_p,min (photons): the exact root of SNR(μ_p) = 1."""
    s2 = dark_variance_e2(params, t_exp_s) + (1.0 / 12.0) / params.gain_DN_per_e**2
    return (0.5 + math.sqrt(0.25 + s2)) / params.qe


def saturation_electrons(params: CameraParams, t_exp_s: float = 0.0) -> float:
    """Saturation capacity μ_e,sat (e⁻): the smaller of the full well and the ADC ceiling, less the dark charge."""
    dark = params.dark_offset_e + params.dark_current_e_per_s * t_exp_s
    adc = ((2.0**params.adc_bits - 1.0) - params.offset_DN) / params.gain_DN_per_e
    return max(min(params.full_well_e, adc) - dark, 0.0)


def saturation_photons(params: CameraParams, t_exp_s: float = 0.0) -> float:
    """Saturation irradiation μ_p,sat = μ_e,sat / η (photons)."""
    return saturation_electrons(params, t_exp_s) / params.qe


def dynamic_range_db(params: CameraParams, t_exp_s: float = 0.0) -> float:
    """DR = 20 log10(μ_p,sat / μ_p,min) in dB."""
    return 20.0 * math.log10(saturation_photons(params, t_exp_s) / sensitivity_threshold_photons(params, t_exp_s))


def snr_max_db(params: CameraParams, t_exp_s: float = 0.0) -> float:
    """SNR_max = 20 log10(sqrt(μ_e,sat)) in dB."""
    return 10.0 * math.log10(saturation_electrons(params, t_exp_s))


def temporal_stats(frame_a, frame_b) -> tuple[float, float]:
    """Mean μ_y and temporal variance σ_y² from two frames of the same scene: μ = mean(a+b)/2,
    σ² = var(a − b)/2 (removes fixed-pattern noise). Frames: arrays of equal shape (DN)."""
    a = np.asarray(frame_a, dtype=np.float64)
    b = np.asarray(frame_b, dtype=np.float64)
    check_range("frame_a", a)
    check_range("frame_b", b)
    if a.shape != b.shape or a.size < 2:
        raise ValueError(f"frame_a and frame_b must have the same shape with >= 2 pixels, got {a.shape}, {b.shape}")
    return float(0.5 * (a.mean() + b.mean())), float(np.var(a - b) / 2.0)


def photon_transfer_gain(mu_y, var_y, mu_dark, var_dark, *, fit_fraction: float = 0.7) -> dict[str, float]:
    """Fit the system gain K (DN/e⁻) from the photon-transfer curve.

    Linear least squares of σ_y² − σ_y,dark² against μ_y − μ_y,dark through the origin, using the levels whose
    μ_y − μ_dark is at most ``fit_fraction`` of the largest level (EMVA 1288: the linear range, ≤ 70 % of
    saturation). Arrays of equal length (one entry per illumination level).

    Returns ``{"K": slope, "n_points": used, "rms_rel_residual": ...}``. Raises ``ValueError`` with fewer than
    2 usable levels.
    """
    check_range("fit_fraction", fit_fraction, 0.0, 1.0, lo_open=True)
    x = np.asarray(mu_y, dtype=np.float64) - np.asarray(mu_dark, dtype=np.float64)
    y = np.asarray(var_y, dtype=np.float64) - np.asarray(var_dark, dtype=np.float64)
    use = (x > 0) & (x <= fit_fraction * x.max())
    if use.sum() < 2:
        raise ValueError("photon_transfer_gain needs >= 2 levels inside the fit range")
    K = float(np.sum(x[use] * y[use]) / np.sum(x[use] ** 2))
    res = (y[use] - K * x[use]) / np.maximum(y[use], 1e-300)
    return {"K": K, "n_points": int(use.sum()), "rms_rel_residual": float(np.sqrt(np.mean(res**2)))}


def dsnu_prnu(dark_stack, bright_stack, K: float) -> dict[str, float]:
    """Spatial non-uniformities from stacks of L frames (L, H, W) in DN (EMVA 1288 §"spatial nonuniformity").

    DSNU = s_y,dark / K (e⁻) and PRNU = sqrt(s_y,50² − s_y,dark²) / (μ_y,50 − μ_y,dark) (fraction), where the
    spatial variances of the L-frame mean images have their residual temporal part σ²/L removed.
    """
    check_range("K", K, 0.0, None, lo_open=True)
    d = np.asarray(dark_stack, dtype=np.float64)
    b = np.asarray(bright_stack, dtype=np.float64)
    check_range("dark_stack", d)
    check_range("bright_stack", b)
    if d.ndim != 3 or b.ndim != 3 or d.shape[0] < 2 or b.shape[0] < 2:
        raise ValueError("dark_stack and bright_stack must have shape (L, H, W) with L >= 2")

    def spatial_var(stack):
        L = stack.shape[0]
        temporal = float(np.mean(np.var(stack, axis=0, ddof=1)))
        return float(np.var(stack.mean(axis=0))) - temporal / L, float(stack.mean())

    s2d, mud = spatial_var(d)
    s2b, mub = spatial_var(b)
    return {"dsnu_e": math.sqrt(max(s2d, 0.0)) / K,
            "prnu": math.sqrt(max(s2b - s2d, 0.0)) / (mub - mud)}
