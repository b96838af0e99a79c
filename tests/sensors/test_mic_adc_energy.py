"""Microphone + PDM, ADC with dither, energy bookkeeping (sensitivity/self-noise/energy known answers: S5-S6,
S23-S27)."""

import math

import numpy as np
import pytest

from sensors import adc, energy, pdm
from sensors.mic import MicParams, a_weighting_dB, level_dbfs, mic_simulate, pa_to_spl, spl_to_pa


def _sine_sndr(x, ref, f0, fs):
    t = np.arange(x.size) / fs
    A = np.c_[np.sin(2 * np.pi * f0 * t), np.cos(2 * np.pi * f0 * t), np.ones_like(t)]
    c, *_ = np.linalg.lstsq(A, x, rcond=None)
    r = x - A @ c
    return 10 * math.log10(np.mean((A @ c) ** 2) / np.mean(r**2))


def test_pdm_second_order_beats_first_order():
    fs, n = 48000.0, 24000
    x = 0.5 * np.sin(2 * np.pi * 1000.0 * np.arange(n) / fs)  # -6 dBFS
    sndr = {}
    for order in (1, 2):
        bits = pdm.pdm_encode(x, 64, order)
        assert bits.dtype == np.int8 and set(np.unique(bits)) <= {-1, 1} and bits.size == 64 * n
        y = pdm.pdm_decode(bits, 64)[4000:-4000]
        sndr[order] = _sine_sndr(y, x[4000:-4000], 1000.0, fs)
    assert sndr[2] >= 65.0 and sndr[2] > sndr[1] + 15.0
    assert sndr[2] < pdm.ideal_sqnr_db(2, 64)
    with pytest.raises(ValueError, match="x"):
        pdm.pdm_modulate(np.array([1.5]))


def test_pdm_microphone_keeps_sensitivity():
    p = MicParams.mp34dt05()
    fs = 48000.0
    t = np.arange(24000) / fs
    bits = mic_simulate(p, math.sqrt(2) * np.sin(2 * np.pi * 1000 * t), fs, 0)
    y = pdm.pdm_decode(bits, p.pdm_osr)
    assert level_dbfs(y[4800:], fs) == pytest.approx(p.sensitivity_dBFS, abs=0.3)


def test_aop_clipping_hard_and_soft():
    p = MicParams.inmp441(aop_dB_SPL=110.0)
    fs = 48000.0
    t = np.arange(4800) / fs
    loud = spl_to_pa(130.0) * math.sqrt(2) * np.sin(2 * np.pi * 1000 * t)
    y = mic_simulate(p.replace(output="analog"), loud, fs, noise=False)
    clip = spl_to_pa(110.0) * math.sqrt(2) * p.gain_FS_per_Pa
    assert np.max(np.abs(y)) == pytest.approx(clip)
    ys = mic_simulate(p.replace(output="analog", soft_clip=True), loud, fs, noise=False)
    assert np.max(np.abs(ys)) < clip
    assert pa_to_spl(spl_to_pa(94.0)) == pytest.approx(94.0) and spl_to_pa(94.0) == pytest.approx(1.0, rel=3e-3)
    with pytest.raises(ValueError, match="output"):
        MicParams(output="i2s")


def test_a_weighting_table_values():
    # IEC 61672-1 table: 0 dB at 1 kHz, -19.1 dB at 100 Hz, +1.2 dB at 2 kHz, -2.5 dB at 8 kHz (rounded to 0.1)
    got = a_weighting_dB(np.array([1000.0, 100.0, 2000.0, 8000.0]))
    assert np.allclose(got, [0.0, -19.1, 1.2, -1.1], atol=0.06)


def test_adc_dither_variances_and_enob():
    rng = np.random.default_rng(0)
    x = rng.uniform(0.1, 0.9, 400_000)
    q = adc.quantisation_noise_power(6)
    e_rpdf = adc.quantise(x, 6, dither="uniform", rng=1) - x
    e_sub = adc.quantise(x, 6, dither="uniform", subtractive=True, rng=1) - x
    e_tpdf = adc.quantise(x, 6, dither="triangular", rng=2) - x
    assert np.var(e_sub) == pytest.approx(q, rel=0.02)
    assert np.var(e_rpdf) == pytest.approx(2 * q, rel=0.02)
    assert np.var(e_tpdf) == pytest.approx(3 * q, rel=0.02)
    assert adc.enob(adc.sqnr_db(11)) == pytest.approx(11.0)
    codes = adc.adc_codes(np.array([-1.0, 0.0, 0.5, 2.0]), 4)
    assert list(codes) == [0, 0, 8, 15]
    with pytest.raises(ValueError, match="bits"):
        adc.lsb(0)
    with pytest.raises(ValueError, match="dither"):
        adc.quantise(x, 4, dither="blue")


def test_adc_floors_cross_near_enob_12_and_margin():
    e = [energy.adc_energy_per_conversion(b) for b in range(4, 17)]
    w = [energy.walden_floor_J(b) for b in range(4, 17)]
    switch = next(b for b, item in zip(range(4, 17), e) if "Schreier" in item.source)
    assert switch == 12  # floors cross at ENOB ~ 11.9
    assert all(item.value >= wf * (1 - 1e-12) for item, wf in zip(e, w))
    m = energy.adc_energy_per_conversion(8, margin=10.0)
    assert m.value == pytest.approx(10 * e[4].value) and m.status == "derived"
    with pytest.raises(ValueError, match="margin"):
        energy.adc_energy_per_conversion(8, margin=0.5)


def test_ledger_and_figures():
    led = energy.camera_frame_energy(100, 8, t_frame_s=0.1, P_static_W=1e-3, E_pixel_J=2e-12)
    df = led.to_frame()
    assert list(df["name"]) == ["pixel_readout", "adc", "static"] and led["static"].value == pytest.approx(1e-4)
    assert led.total_J == pytest.approx(df["value"].sum(), rel=1e-15)
    s = energy.sampled_sensor_energy(1000, 100.0, preset="imu_bmi270_P_W")
    assert s.total_J == pytest.approx(energy.figure("imu_bmi270_P_W").value * 10.0)
    assert all(energy.figure(n).status for n in energy.figure_names())
    with pytest.raises(KeyError, match="accepted"):
        energy.figure("nope")
    with pytest.raises(ValueError, match="exactly one"):
        energy.sampled_sensor_energy(10, 1.0)
    with pytest.raises(ValueError, match="n_events"):
        energy.event_sensor_energy(-1)
