"""Known-answer cases of ``sensors`` for ``hwsim validate sensors`` (format: :mod:`hwsim.harness`).

Every expected value is computed from the model's defining formula or an independent route (scipy.constants,
analytic Allan variances, exact floor counts) or is a datasheet / published figure typed here from the document
(S23-S27), never read back from the model's own parameters; tolerances follow the hwsim sensors reference sheet §7.
The energy-ledger identities (totals = sum of items, zero events -> static only) are unit tests in
tests/sensors, not validation cases.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np

EMVA = "EMVA Standard 1288 Release 4.0 Linear"
IEEE952 = "IEEE Std 952-1997 Annex C"
V2E = "v2e pixel model, Hu, Liu, Delbruck, CVPR-W 2021, arXiv:2006.07722"
SOD = "send-on-delta rule, Miskowicz, Sensors 6(1):49, 2006, doi:10.3390/s6010049"
SD = "sigma-delta, Schreier & Temes, Understanding Delta-Sigma Data Converters, 2005"
MIC = "microphone datasheet definitions (InvenSense AN-1112; INMP441 DS-INMP441-00)"


def _x64():
    import jax

    return jax.enable_x64(True)


# ---------------------------------------------------------------- camera (EMVA 1288)
def _cam_params():
    from sensors.camera import CameraParams

    return CameraParams(qe=0.6, gain_DN_per_e=0.2, read_noise_e=3.0, dark_current_e_per_s=50.0,
                        full_well_e=10000.0, offset_DN=40.0, adc_bits=12)


def _ptc_gain() -> dict:
    from sensors import emva
    from sensors.camera import capture_numpy

    p = _cam_params()
    rng = np.random.default_rng(11)
    t = 0.01
    levels = np.linspace(0.0, 0.7 * p.full_well_e / p.qe, 16)
    mus, vs = [], []
    for mp in levels:
        ph = np.full((128, 128), mp)
        m, v = emva.temporal_stats(capture_numpy(p, ph, t, rng), capture_numpy(p, ph, t, rng))
        mus.append(m)
        vs.append(v)
    fit = emva.photon_transfer_gain(mus[1:], vs[1:], mus[0], vs[0], fit_fraction=1.0)
    return {"got": fit["K"], "details": fit}


def _snr_case(mu_p: float, shot: str) -> dict:
    from sensors import emva
    from sensors.camera import capture_numpy

    p = _cam_params()
    t = 0.01
    rng = np.random.default_rng(int(mu_p) + 7)
    y = capture_numpy(p, np.full((256, 256), mu_p), t, rng, shot=shot)
    dark = capture_numpy(p, np.zeros((256, 256)), t, rng, shot=shot)
    got = (y.mean() - dark.mean()) / y.std()
    return {"got": float(got), "expected": float(emva.snr(mu_p, p, t) * 1.0)}


def _photons_from_irradiance() -> dict:
    from scipy import constants

    from sensors.emva import photons_per_pixel

    A, E, t, lam = (4.5e-6) ** 2, 0.37, 2.5e-3, 532e-9
    got = float(photons_per_pixel(E, t, A, lam))
    energy_J = A * E * t  # energy on the pixel
    photon_J = constants.h * constants.c / lam  # independent constants (scipy.constants, CODATA)
    return {"got": got, "expected": energy_J / photon_J}


# ---------------------------------------------------------------- ADC
def _adc_noise() -> dict:
    from sensors.adc import lsb, quantisation_noise_power, quantise

    x = np.random.default_rng(3).uniform(0.0, 1.0, 2_000_000)
    err = quantise(x, 8, 1.0) - x
    inside = x < 1.0 - lsb(8, 1.0)  # exclude the clipped top code
    return {"got": float(np.var(err[inside])), "expected": quantisation_noise_power(8, 1.0)}


def _adc_sqnr() -> dict:
    from sensors.adc import lsb, quantise, sndr_db, sqnr_db

    b = 10
    n = 1 << 18
    t = np.arange(n)
    amp = 0.5 - lsb(b, 1.0)  # full scale sine inside [0, 1)
    x = amp * np.sin(2 * np.pi * 0.1234567 * t)
    got = sndr_db(x, quantise(x + 0.5, b, 1.0) - 0.5)
    # ideal full-scale SQNR corrected for the amplitude just below full scale
    return {"got": got, "expected": sqnr_db(b) + 20 * math.log10(amp / 0.5)}


# ---------------------------------------------------------------- Allan (IEEE 952)
@cache
def _allan_slopes() -> dict[str, float]:
    from sensors import allan, noise

    fs, n, C = 100.0, 1 << 17, 8
    rng = np.random.default_rng(952)
    out = {}
    w = noise.white(n, 0.01, fs, rng, (C,))
    tau, av = allan.allan_variance(w, fs, allan.log_m(n, 0.01))
    out["white"] = allan.loglog_slope(tau, np.sqrt(av.mean(1)), tau[0], tau[-1])
    k = noise.random_walk(n, 1e-3, fs, rng, (C,))
    tau, av = allan.allan_variance(k, fs, allan.log_m(n, 0.01))
    out["rw"] = allan.loglog_slope(tau, np.sqrt(av.mean(1)), 1.0, tau[-1])
    b = noise.flicker(n, 2e-3, fs, rng, (C,))
    tau, av = allan.allan_variance(b, fs, allan.log_m(n, 0.05))
    out["flicker"] = allan.loglog_slope(tau, np.sqrt(av.mean(1)), 0.1, tau[-1])
    return out


ALLAN_TRUE = {"N": 5e-3, "B": 2e-3, "K": 5e-4}


@cache
def _allan_fit() -> dict[str, float]:
    from sensors import allan, noise

    fs, n, C = 100.0, 1 << 17, 32
    rng = np.random.default_rng(1997)
    x = (noise.white(n, ALLAN_TRUE["N"], fs, rng, (C,)) + noise.flicker(n, ALLAN_TRUE["B"], fs, rng, (C,))
         + noise.random_walk(n, ALLAN_TRUE["K"], fs, rng, (C,)))
    tau, av = allan.allan_variance(x, fs, allan.log_m(n, 0.1, 5))
    return allan.fit_allan(tau, av.mean(1), ("N", "B", "K"), n_samples=n * C, fs_Hz=fs)


# ---------------------------------------------------------------- DVS
def _dvs_ramp() -> dict:
    import jax

    from sensors.dvs import DVSParams, dvs_init, dvs_simulate

    p = DVSParams.ideal(theta_on=0.17, theta_off=0.23)
    T = 400
    I = 25.0 * np.exp(np.linspace(0.0, 1.9, T + 1))  # log ramp up, then back down
    I = np.concatenate([I, I[::-1][1:]])
    frames = np.broadcast_to(I[:, None, None], (I.size, 3, 4)).copy()
    with _x64():
        st = dvs_init(p, frames[0], jax.random.key(0))
        c, _ = dvs_simulate(p, st, frames[1:], 1e-3)
        c = np.asarray(c)
        half = T  # steps of the up ramp
        on = int(c[:half].sum(0).max())
        on_min = int(c[:half].sum(0).min())
    dlog = math.log(I[T]) - math.log(I[0])
    expected = math.floor(dlog / 0.17)
    if on != on_min:
        raise AssertionError("pixels of a uniform ramp disagree")
    return {"got": on, "expected": expected, "details": {"off_total": int(c[half:].sum(0)[0, 0])}}


def _dvs_engines_agree() -> float:
    import jax.numpy as jnp

    from sensors.dvs import (
        DVSNoise,
        DVSParams,
        DVSState,
        dvs_init_numpy,
        dvs_simulate,
        dvs_simulate_numba,
        dvs_simulate_numpy,
    )

    p = DVSParams.noisy(shot_noise_rate_Hz=200.0, leak_rate_Hz=20.0, refractory_s=2e-3)
    rng = np.random.default_rng(5)
    T, H, W = 120, 12, 10
    fr = 60 + 50 * np.sin(np.arange(T)[:, None, None] * 0.07 + rng.uniform(0, 6, (1, H, W)))
    st = dvs_init_numpy(p, fr[0], rng)
    nz = DVSNoise(rng.random((T, H, W)), rng.standard_normal((T, H, W)))
    a, sa = dvs_simulate_numpy(p, st, fr, 1e-3, noise=nz)
    b, sb = dvs_simulate_numba(p, st, fr, 1e-3, noise=nz)
    with _x64():
        sj = DVSState(*(jnp.asarray(getattr(st, f)) for f in ("L", "B", "t_last", "theta_on", "theta_off", "rho",
                                                               "t")))
        c, sc = dvs_simulate(p, sj, fr, 1e-3, noise=nz)
        c, scB = np.asarray(c), np.asarray(sc.B)
    if not (np.array_equal(a, b) and np.array_equal(a, c)):
        return float("inf")
    return float(max(np.max(np.abs(sa.B - sb.B)), np.max(np.abs(sa.B - scB))))


# ---------------------------------------------------------------- encoders
def _sod_bound() -> float:
    from sensors.encoders import reconstruct_send_on_delta, send_on_delta

    rng = np.random.default_rng(21)
    x = np.cumsum(rng.normal(0, 0.3, (20000, 4)), axis=0)
    delta = np.array([0.05, 0.1, 0.37, 1.0])
    r = reconstruct_send_on_delta(send_on_delta(x, delta), delta, x[0])
    return float(np.max(np.abs(x - r) / delta))


def _sod_ramp() -> dict:
    from sensors.encoders import send_on_delta

    H, delta = 7.3, 0.4
    x = np.linspace(0.0, H, 1001)[:, None]
    return {"got": int(send_on_delta(x, delta).sum()), "expected": math.floor(H / delta)}


def _sd1_bound() -> float:
    from sensors.encoders import sigma_delta

    rng = np.random.default_rng(22)
    M, delta = 2, 0.25
    x = rng.uniform(-M * delta, M * delta, (50000, 3))
    k = sigma_delta(x, delta, order=1, max_level=M)
    return float(np.max(np.abs(np.cumsum(x, 0) - delta * np.cumsum(k, 0))) / delta)


def _sd2_bound() -> float:
    from sensors.encoders import sigma_delta

    n = 100000
    t = np.arange(n)
    x = 0.6 * np.sin(2 * np.pi * t / 997.0)[:, None] * np.array([1.0, 0.5])  # oversampled, |x| <= 0.6 M delta
    k = sigma_delta(x, 1.0, order=2, max_level=1)
    return float(np.max(np.abs(np.cumsum(x, 0) - np.cumsum(k, 0))))


def _sd2_ntf_slope() -> float:
    from sensors.encoders import sigma_delta

    n = 1 << 16
    x = np.random.default_rng(23).uniform(-0.3, 0.3, (n, 1))
    e = (sigma_delta(x, 1.0, order=2) - x)[:, 0]
    E = np.abs(np.fft.rfft(e * np.hanning(n))) ** 2
    f = np.fft.rfftfreq(n)
    sel = (f > 1e-3) & (f < 2e-2)
    return float(np.polyfit(np.log10(f[sel]), np.log10(E[sel]), 1)[0])


def _on_off() -> float:
    from sensors.encoders import send_on_delta, split_on_off

    x = np.cumsum(np.random.default_rng(24).normal(size=(5000, 6)), 0)
    s = send_on_delta(x, 0.3)
    on, off = split_on_off(s)
    if on.min() < 0 or off.min() < 0 or np.any((on > 0) & (off > 0)):
        return float("inf")
    return float(np.max(np.abs(on - off - s)))


def _encoders_agree() -> float:
    from sensors import encoders as E
    from sensors import encoders_jax as EJ

    rng = np.random.default_rng(25)
    x = np.cumsum(rng.normal(size=(3000, 5)), 0)
    xs = 0.4 * np.sin(np.arange(3000) * 0.01)[:, None] * rng.uniform(0.5, 1.0, 5)
    with _x64():
        bad = [np.count_nonzero(np.asarray(EJ.send_on_delta(x, 0.7)) != E.send_on_delta(x, 0.7)),
               np.count_nonzero(np.asarray(EJ.sigma_delta(xs, 0.1, order=1, max_level=4))
                                != E.sigma_delta(xs, 0.1, order=1, max_level=4)),
               np.count_nonzero(np.asarray(EJ.sigma_delta(xs, 1.0, order=2)) != E.sigma_delta(xs, 1.0, order=2)),
               np.count_nonzero(E.send_on_delta(x, 0.7, engine="numpy") != E.send_on_delta(x, 0.7))]
    return float(sum(bad))


def _camera_agree() -> float:
    import jax

    from sensors.camera import camera_noise_numpy, capture, capture_numpy, fixed_pattern_numpy

    p = _cam_params().replace(prnu=0.01, dsnu_e=2.0)
    rng = np.random.default_rng(26)
    ph = rng.uniform(0, 3000, (64, 64))
    fpn = fixed_pattern_numpy(p, ph.shape, rng)
    nz = camera_noise_numpy(ph.shape, rng)
    a = capture_numpy(p, ph, 0.01, fpn=fpn, noise=nz, analog=True)
    with _x64():
        b = np.asarray(capture(p, ph, 0.01, jax.random.key(0), fpn, nz, analog=True))
    return float(np.max(np.abs(a - b) / np.abs(a)))


# ---------------------------------------------------------------- microphone
def _mic_tone() -> dict:
    from sensors.mic import MicParams, level_dbfs, mic_simulate

    p = MicParams.inmp441()
    fs = 48000.0
    t = np.arange(int(fs)) / fs
    y = mic_simulate(p, math.sqrt(2.0) * np.sin(2 * np.pi * 1000.0 * t), fs, noise=False)  # 94 dB SPL
    return level_dbfs(y[4800:], fs, None)


def _mic_noise() -> dict:
    from sensors.mic import MicParams, level_dbfs, mic_simulate

    p = MicParams.inmp441()
    fs = 48000.0
    y = mic_simulate(p, np.zeros(96000), fs, np.random.default_rng(27))
    return level_dbfs(y, fs)


# ---------------------------------------------------------------- energy
# Datasheet and published figures, typed here from the documents (not read from sensors/energy_figures.json):
INMP441_DS = "TDK InvenSense INMP441 datasheet DS-INMP441-00 rev 1.1"
INMP441_SENS_DBFS, INMP441_SNR_DB = -26.0, 61.0  # sensitivity at 94 dB SPL, 1 kHz; SNR (A-weighted)
INMP441_I_A, INMP441_VDD_V = 1.4e-3, 1.8  # supply current, normal mode, at VDD = 1.8 V
BMI270_DS = "Bosch BMI270 datasheet BST-BMI270-DS000"
BMI270_I_A, BMI270_VDD_V = 685e-6, 1.8  # accel + gyro in performance mode, full ODR, typical
ISAAC = ("Shafiee et al., ISAAC, ISCA 2016, doi:10.1109/ISCA.2016.12, Table 6: 8-bit ADC at 1.28 GS/s, 16 mW "
         "(a measured part; the survey floor must lie below it)")
ISAAC_ADC_J = 16e-3 / 1.28e9


def _sample_energy_1s(preset: str, fs: float) -> float:
    from sensors.energy import sampled_sensor_energy

    return sampled_sensor_energy(int(fs), fs, preset=preset).total_J


def _adc8_floor() -> float:
    from sensors.energy import adc_energy_per_conversion

    return adc_energy_per_conversion(8).value


def cases() -> list[dict]:
    p = _cam_params()
    out = [
        dict(case="S1 PTC recovers system gain K", source=f"{EMVA} §photon transfer", expected=p.gain_DN_per_e,
             tolerance=0.02, compute=_ptc_gain, unit="DN/e-"),
        dict(case="S2 mu_p from irradiance", source=f"{EMVA}: mu_p = A E t lambda/(h c); scipy.constants",
             expected=float("nan"), tolerance=1e-12, compute=_photons_from_irradiance, unit="photons"),
        dict(case="S5 ADC quantisation noise LSB^2/12", source="Bennett 1948; IEEE Std 1241-2010",
             expected=float("nan"), tolerance=0.01, compute=_adc_noise, unit="FS^2"),
        dict(case="S6 ADC full-scale sine SQNR 6.02b+1.76", source="IEEE Std 1241-2010", expected=float("nan"),
             tolerance=0.1, mode="abs", compute=_adc_sqnr, unit="dB"),
        dict(case="S7 Allan slope white noise -1/2", source=IEEE952, expected=-0.5, tolerance=0.03, mode="abs",
             compute=lambda: _allan_slopes()["white"]),
        dict(case="S8 Allan slope rate random walk +1/2", source=IEEE952, expected=0.5, tolerance=0.03, mode="abs",
             compute=lambda: _allan_slopes()["rw"]),
        dict(case="S9 Allan slope bias instability (1/f plateau) 0", source=IEEE952, expected=0.0, tolerance=0.03,
             mode="abs", compute=lambda: _allan_slopes()["flicker"]),
        dict(case="S10 Allan fit recovers N", source=IEEE952, expected=ALLAN_TRUE["N"], tolerance=0.05,
             compute=lambda: _allan_fit()["N"]),
        dict(case="S11 Allan fit recovers B", source=IEEE952, expected=ALLAN_TRUE["B"], tolerance=0.20,
             compute=lambda: _allan_fit()["B"]),
        dict(case="S12 Allan fit recovers K", source=IEEE952, expected=ALLAN_TRUE["K"], tolerance=0.15,
             compute=lambda: _allan_fit()["K"]),
        dict(case="S13 DVS log ramp gives floor(dlnI/theta) events", source=V2E, expected=float("nan"),
             tolerance=0.0, mode="abs", compute=_dvs_ramp, unit="events"),
        dict(case="S14 DVS NumPy = Numba = JAX (same noise, float64)", source="design: engines share arithmetic",
             expected=0.0, tolerance=1e-12, mode="abs", compute=_dvs_engines_agree, unit="log units"),
        dict(case="S15 send-on-delta bound max|x-r|/delta < 1", source=SOD, expected=float(np.nextafter(1.0, 0.0)),
             tolerance=0.0, mode="le", compute=_sod_bound),
        dict(case="S16 send-on-delta ramp floor(H/delta) events", source=SOD, expected=float("nan"), tolerance=0.0,
             mode="abs", compute=_sod_ramp, unit="events"),
        dict(case="S17 sigma-delta 1st order |sum x - delta sum k| < delta", source=SD,
             expected=float(np.nextafter(1.0, 0.0)), tolerance=0.0, mode="le", compute=_sd1_bound, unit="delta"),
        dict(case="S18 sigma-delta 2nd order bound <= delta (no overload)", source=SD, expected=1.0, tolerance=0.0,
             mode="le", compute=_sd2_bound, unit="delta"),
        dict(case="S19 sigma-delta 2nd order NTF slope (1-z^-1)^2 = f^4", source=SD, expected=4.0, tolerance=0.3,
             mode="abs", compute=_sd2_ntf_slope),
        dict(case="S20 ON/OFF split recombines exactly", source="hwsim sensors sheet §6", expected=0.0,
             tolerance=0.0, mode="abs", compute=_on_off),
        dict(case="S21 encoders NumPy = Numba = JAX", source="design", expected=0.0, tolerance=0.0, mode="abs",
             compute=_encoders_agree, unit="mismatches"),
        dict(case="S22 camera NumPy = JAX (same noise, float64)", source="design", expected=0.0, tolerance=1e-12,
             mode="abs", compute=_camera_agree),
        dict(case="S23 mic 94 dB SPL tone at the INMP441 datasheet sensitivity", source=f"{INMP441_DS}: -26 dBFS",
             expected=INMP441_SENS_DBFS, tolerance=0.1, mode="abs", compute=_mic_tone, unit="dBFS"),
        dict(case="S24 mic self-noise at the INMP441 datasheet sensitivity - SNR",
             source=f"{INMP441_DS}: -26 dBFS - 61 dB", expected=INMP441_SENS_DBFS - INMP441_SNR_DB, tolerance=0.5,
             mode="abs", compute=_mic_noise, unit="dBFS"),
        dict(case="S25 IMU energy of 1 s of samples = BMI270 datasheet supply", source=f"{BMI270_DS}: 685 uA at 1.8 V",
             expected=BMI270_I_A * BMI270_VDD_V, tolerance=1e-3, compute=lambda: _sample_energy_1s(
                 "imu_bmi270_P_W", 1600.0), unit="J"),
        dict(case="S26 mic energy of 1 s of samples = INMP441 datasheet supply",
             source=f"{INMP441_DS}: 1.4 mA at 1.8 V", expected=INMP441_I_A * INMP441_VDD_V, tolerance=1e-3,
             compute=lambda: _sample_energy_1s("mic_inmp441_P_W", 48000.0), unit="J"),
        dict(case="S27 ADC 8 bit survey floor below a measured 8-bit ADC", source=ISAAC, expected=ISAAC_ADC_J,
             tolerance=0.0, mode="le", compute=_adc8_floor, unit="J"),
    ]
    for mu_p in (30.0, 100.0, 1000.0, 8000.0):
        out.append(dict(case=f"S3 SNR vs photons mu_p={mu_p:g}", source=f"{EMVA} SNR formula",
                        expected=float("nan"), tolerance=0.03,
                        compute=lambda m=mu_p: _snr_case(m, "gaussian")))
    out.append(dict(case="S4 SNR vs photons mu_p=30 (Poisson)", source=f"{EMVA} SNR formula",
                    expected=float("nan"), tolerance=0.03, compute=lambda: _snr_case(30.0, "poisson")))
    return out
