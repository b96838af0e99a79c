"""Sweepable sensor experiments for ``hwsim sweep`` (keyword-only scalar parameters, flat dict of scalar results;
register by name in ``hwsim/experiments.py`` or use ``"sensors.experiments:<name>"``).

* :func:`camera_snr_energy`  EMVA 1288 camera: measured vs predicted SNR and frame energy vs photons and ADC bits.
* :func:`dvs_events_energy`  v2e DVS on a moving bright bar: events, event rate and event-camera energy vs
  threshold, speed and noise.
* :func:`encoder_tradeoff`   signed encoders: events per second vs reconstruction error vs delta.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np


def camera_snr_energy(*, photons: float = 100.0, adc_bits: int = 8, qe: float = 0.6, read_noise_e: float = 2.5,
                      full_well_e: float = 10000.0, full_scale_e: float = 0.0, t_exp_s: float = 0.01,
                      dark_current_e_per_s: float = 20.0, n_side: int = 64, shot: Literal["gaussian", "poisson"]
                      = "gaussian", seed: int = 0) -> dict[str, float]:
    """Flat field of ``photons`` per pixel through the EMVA 1288 camera (no fixed-pattern noise).

    The system gain maps ``full_scale_e`` electrons (0: the full well) to the ADC's top code:
    K = (2^b − 1)/full_scale_e DN/e⁻. Returns the measured temporal SNR (two-frame method), the EMVA prediction,
    SNR in dB, the sensitivity threshold, dynamic range and the frame energy split (pixel readout, ADC, total; J)
    from :func:`sensors.energy.camera_frame_energy` (ADC at the survey floor).
    """
    from sensors import emva
    from sensors.camera import CameraParams, capture_numpy
    from sensors.energy import camera_frame_energy

    if photons < 0:
        raise ValueError(f"photons={photons} must be >= 0")
    if not 1 <= n_side <= 4096:
        raise ValueError(f"n_side={n_side} out of range; accepted: 1 <= n_side <= 4096")
    fs_e = full_well_e if full_scale_e <= 0 else full_scale_e
    K = (2.0**adc_bits - 1.0) / fs_e
    p = CameraParams(qe=qe, gain_DN_per_e=K, read_noise_e=read_noise_e, dark_current_e_per_s=dark_current_e_per_s,
                     full_well_e=full_well_e, adc_bits=adc_bits, offset_DN=0.0)
    rng = np.random.default_rng(seed)
    shape = (n_side, n_side)
    ya = capture_numpy(p, np.full(shape, photons), t_exp_s, rng, shot=shot)
    yb = capture_numpy(p, np.full(shape, photons), t_exp_s, rng, shot=shot)
    dark = capture_numpy(p, np.zeros(shape), t_exp_s, rng, shot=shot)
    mu, var = emva.temporal_stats(ya, yb)
    signal = mu - float(dark.mean())
    snr_meas = signal / math.sqrt(var) if var > 0 else (math.inf if signal > 0 else math.nan)
    snr_th = float(emva.snr(photons, p, t_exp_s))
    led = camera_frame_energy(n_side * n_side, adc_bits, t_frame_s=t_exp_s)
    return {
        "snr_measured": float(snr_meas),
        "snr_theory": snr_th,
        "snr_dB": 20 * math.log10(snr_meas) if snr_meas > 0 else -math.inf,
        "gain_DN_per_e": K,
        "sensitivity_threshold_photons": emva.sensitivity_threshold_photons(p, t_exp_s),
        "dynamic_range_dB": emva.dynamic_range_db(p, t_exp_s),
        "energy_pixel_J": led["pixel_readout"].value,
        "energy_adc_J": led["adc"].value,
        "energy_frame_J": led.total_J,
    }


camera_snr_energy.RANGES = {"photons": (0.0, None), "adc_bits": (1, 24), "qe": (0.0, 1.0, "(]"),
                            "read_noise_e": (0.0, None), "full_well_e": (0.0, None, "()"),
                            "full_scale_e": (0.0, None), "t_exp_s": (0.0, None), "n_side": (1, 4096)}


def _bar_frames(size: int, n_steps: int, dt_s: float, speed_px_per_s: float, contrast: float,
                background_DN: float = 30.0, bar_px: float = 6.0) -> np.ndarray:
    """A bright vertical bar (rows 1/4..3/4 of the frame, ``bar_px`` wide, antialiased edges) moving right."""
    x = np.arange(size, dtype=np.float64)
    t = (np.arange(n_steps + 1) * dt_s)[:, None]
    left = 2.0 + speed_px_per_s * t
    cover = np.clip(x[None, :] + 0.5 - left, 0, 1) * np.clip(left + bar_px - (x[None, :] - 0.5), 0, 1)
    rows = np.zeros(size)
    rows[size // 4: 3 * size // 4] = 1.0
    return background_DN * (1.0 + (contrast - 1.0) * cover[:, None, :] * rows[None, :, None])


def dvs_events_energy(*, threshold: float = 0.2, sigma_theta: float = 0.03, speed_px_per_s: float = 100.0,
                      contrast: float = 4.0, size_px: int = 32, duration_s: float = 0.2, dt_s: float = 1e-3,
                      cutoff_Hz: float = 300.0, leak_rate_Hz: float = 0.01, shot_noise_rate_Hz: float = 0.001,
                      refractory_s: float = 5e-4, energy_per_event_J: float = 1e-9, seed: int = 0
                      ) -> dict[str, float]:
    """v2e DVS (Numba engine) watching a bright bar (``contrast`` × background) cross the field of view.

    Returns total/ON/OFF events, events per second, events per pixel per second, the events of an ideal pixel
    array (no mismatch, filter, leak, noise or refractory period) on the same frames, and the event-camera energy
    (J) at
    ``energy_per_event_J`` (an assumed order-of-magnitude figure, see :mod:`sensors.energy`).
    """
    from sensors.dvs import DVSParams, dvs_init_numpy, dvs_simulate_numba
    from sensors.energy import event_sensor_energy

    n = round(duration_s / dt_s)
    if n < 1:
        raise ValueError(f"duration_s={duration_s} must cover at least one step of dt_s={dt_s}")
    p = DVSParams(theta_on=threshold, theta_off=threshold, sigma_theta=sigma_theta, cutoff_Hz=cutoff_Hz,
                  leak_rate_Hz=leak_rate_Hz, shot_noise_rate_Hz=shot_noise_rate_Hz, refractory_s=refractory_s)
    frames = _bar_frames(size_px, n, dt_s, speed_px_per_s, contrast)
    rng = np.random.default_rng(seed)
    st = dvs_init_numpy(p, frames[0], rng)
    counts, _ = dvs_simulate_numba(p, st, frames[1:], dt_s, seed=seed)
    c = counts.astype(np.int64)
    n_on = int(np.clip(c, 0, None).sum())
    n_off = int(np.clip(-c, 0, None).sum())
    ideal_p = DVSParams.ideal(theta_on=threshold, theta_off=threshold)
    ideal_c, _ = dvs_simulate_numba(ideal_p, dvs_init_numpy(ideal_p, frames[0], 0), frames[1:], dt_s)
    ideal = int(np.abs(ideal_c.astype(np.int64)).sum())
    led = event_sensor_energy(n_on + n_off, duration_s=duration_s, E_event_J=energy_per_event_J)
    return {
        "events": n_on + n_off,
        "events_on": n_on,
        "events_off": n_off,
        "events_per_s": (n_on + n_off) / duration_s,
        "events_per_pixel_per_s": (n_on + n_off) / duration_s / size_px**2,
        "ideal_events": ideal,
        "energy_J": led.total_J,
    }


dvs_events_energy.RANGES = {"threshold": (0.01, None), "sigma_theta": (0.0, None), "speed_px_per_s": (0.0, None),
                            "contrast": (1.0, None, "()"), "size_px": (8, 1024), "duration_s": (0.0, None, "()"),
                            "dt_s": (0.0, None, "()"), "cutoff_Hz": (0.0, None), "leak_rate_Hz": (0.0, None),
                            "shot_noise_rate_Hz": (0.0, None), "refractory_s": (0.0, None)}


def encoder_tradeoff(*, delta: float = 0.1, encoder: Literal["send_on_delta", "sigma_delta1", "sigma_delta2"]
                     = "send_on_delta", signal: Literal["sine", "random_walk", "chirp"] = "sine",
                     fs_Hz: float = 1000.0, duration_s: float = 10.0, window: int = 16, seed: int = 0
                     ) -> dict[str, float]:
    """Encode a unit-scale test signal and decode it: events per second vs reconstruction error.

    Signals: ``sine`` (1 Hz, amplitude 1, plus 1 % white noise), ``random_walk`` (normalised to unit std),
    ``chirp`` (0.1 → 20 Hz, amplitude 1). Send-on-delta is decoded by zero-order hold (error bound delta);
    sigma-delta (levels ±M with M·delta >= 1 for 1st order, >= 2 for 2nd order) by a ``window``-sample moving
    average. Returns events_per_s (Σ|counts|/T), rmse, max_abs_error, bound (delta for send-on-delta, NaN
    otherwise) and bound_holds (1/0).
    """
    from scipy.signal import chirp

    from sensors import encoders as E

    if delta <= 0:
        raise ValueError(f"delta={delta} must be > 0")
    n = round(duration_s * fs_Hz)
    if n < 2:
        raise ValueError("duration_s * fs_Hz must give at least 2 samples")
    rng = np.random.default_rng(seed)
    t = np.arange(n) / fs_Hz
    if signal == "sine":
        x = np.sin(2 * np.pi * t) + 0.01 * rng.standard_normal(n)
    elif signal == "random_walk":
        x = np.cumsum(rng.standard_normal(n))
        x = (x - x.mean()) / x.std()
    elif signal == "chirp":
        x = chirp(t, 0.1, t[-1], 20.0)
    else:
        raise ValueError(f"signal={signal!r}; accepted: sine, random_walk, chirp")
    x = x[:, None]
    bound = math.nan
    if encoder == "send_on_delta":
        k = E.send_on_delta(x, delta)
        xr = E.reconstruct_send_on_delta(k, delta, x[0])
        err = x - xr
        bound = delta
        holds = bool(np.max(np.abs(err)) < delta)
    elif encoder in ("sigma_delta1", "sigma_delta2"):
        order = int(encoder[-1])
        M = max(1, math.ceil(order * float(np.max(np.abs(x))) / delta))
        k = E.sigma_delta(x, delta, order=order, max_level=M)
        xr = E.reconstruct_sigma_delta(k, delta, window)
        ref = E.reconstruct_sigma_delta(x / delta, delta, window)  # the same moving average of x
        err = (x - xr)[window:]
        holds = bool(order != 1 or np.max(np.abs(xr - ref)[window:]) < 2 * delta / window + 1e-12)
    else:
        raise ValueError(f"encoder={encoder!r}; accepted: send_on_delta, sigma_delta1, sigma_delta2")
    return {
        "events_per_s": float(np.abs(k).sum()) / duration_s,
        "rmse": float(np.sqrt(np.mean(err**2))),
        "max_abs_error": float(np.max(np.abs(err))),
        "bound": bound,
        "bound_holds": int(holds),
    }


encoder_tradeoff.RANGES = {"delta": (0.0, None, "()"), "fs_Hz": (0.0, None, "()"), "duration_s": (0.0, None, "()"),
                           "window": (1, None)}
