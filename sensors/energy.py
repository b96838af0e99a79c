"""Sensor energy bookkeeping with provenance: every figure is an :class:`EnergyItem` carrying its value, unit,
source and status, and totals are :class:`Ledger` sums of itemised parts.

Figures (``energy_figures.json`` beside this module, see :func:`figure`): ADC energy floors from B. Murmann's
ADC Performance Survey (Walden FoM 0.354 fJ/conv-step, Schreier FoM 189.2 dB), datasheet powers of the Bosch
BMI270 IMU and INMP441 / MP34DT05 microphones, and explicitly *assumed* order-of-magnitude figures for CIS
readout per pixel and DVS energy per event.

ADC energy per conversion (b bits, SNDR = 6.02 b + 1.76 dB, ENOB = b):
    Walden floor    E_W = FoM_W * 2^ENOB                       (×2 per bit)
    Schreier floor  E_S = 0.5 * 10^((SNDR - FoM_S) / 10)       (×4 per bit; E = P / f_snyq)
    E_ADC(b) = margin * max(E_W, E_S)   (the floors cross near ENOB ≈ 11.9)
Sources: R. H. Walden, IEEE JSAC 17(4):539, 1999, doi:10.1109/49.761034; R. Schreier, G. C. Temes,
"Understanding Delta-Sigma Data Converters", 2005; B. Murmann, "ADC Performance Survey 1997-2025".

Bookkeeping (reference sheet §5):
    E_frame = N_px * (E_pixel + E_ADC(b)) + P_static * T_frame
    E_events = E_per_event * n_events + P_static * T
    E_samples = P_active / f_s * n_samples
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sensors._checks import check_int, check_range

_FIGURES = Path(__file__).with_name("energy_figures.json")


@dataclass(frozen=True)
class EnergyItem:
    """One traceable energy figure: ``value`` in ``unit`` (J for energies), with its source and status
    (``survey best (floor)`` | ``datasheet`` | ``datasheet (secondary)`` | ``paper`` | ``assumed`` | ``derived``)."""

    name: str
    value: float
    unit: str
    source: str
    status: str

    def scaled(self, factor: float, name: str | None = None, unit: str | None = None) -> EnergyItem:
        """The same figure times ``factor`` (e.g. per-item energy × count), provenance kept."""
        return EnergyItem(name or self.name, self.value * factor, unit or self.unit, self.source, self.status)


@dataclass(frozen=True)
class Ledger:
    """An itemised energy total. ``total_J`` is the sum of the items (all in J)."""

    items: tuple[EnergyItem, ...]

    @property
    def total_J(self) -> float:
        return math.fsum(i.value for i in self.items)

    def __getitem__(self, name: str) -> EnergyItem:
        for i in self.items:
            if i.name == name:
                return i
        raise KeyError(f"no item {name!r}; items: {[i.name for i in self.items]}")

    def to_frame(self):
        """pandas DataFrame with one row per item (name, value, unit, source, status)."""
        import pandas as pd

        return pd.DataFrame([i.__dict__ for i in self.items])


@cache
def _load() -> dict:
    with open(_FIGURES) as fh:
        return {k: v for k, v in json.load(fh).items() if not k.startswith("_")}


def figure(name: str) -> EnergyItem:
    """A figure from ``energy_figures.json`` as an :class:`EnergyItem`. Raises ``KeyError`` naming the choices."""
    figs = _load()
    if name not in figs:
        raise KeyError(f"unknown figure {name!r}; accepted: {sorted(figs)}")
    f = figs[name]
    return EnergyItem(name, float(f["value"]), f["unit"], f["source"], f["status"])


def figure_names() -> list[str]:
    return sorted(_load())


def walden_floor_J(enob_bits: float, fom_J_per_step: float | None = None) -> float:
    """Walden energy per conversion FoM_W * 2^ENOB in J (default FoM: survey best)."""
    fom = figure("adc_walden_fom_J_per_step").value if fom_J_per_step is None else fom_J_per_step
    check_range("fom_J_per_step", fom, 0.0, None, lo_open=True)
    return fom * 2.0**enob_bits


def schreier_floor_J(sndr_db: float, fom_dB: float | None = None) -> float:
    """Schreier energy per Nyquist sample 0.5 * 10^((SNDR - FoM_S)/10) in J (default FoM: survey best)."""
    fom = figure("adc_schreier_fom_dB").value if fom_dB is None else fom_dB
    return 0.5 * 10.0 ** ((sndr_db - fom) / 10.0)


def adc_energy_per_conversion(bits: int, *, margin: float = 1.0, fom_walden_J: float | None = None,
                              fom_schreier_dB: float | None = None) -> EnergyItem:
    """Energy per conversion of a b-bit ADC at the survey floors: margin * max(Walden, Schreier) in J.

    ``margin`` >= 1 scales the best-published floor towards typical parts. Raises ``ValueError`` for bits
    outside 1..24 or margin < 1.
    """
    b = check_int("bits", bits, 1, 24)
    check_range("margin", margin, 1.0, None)
    sndr = 20.0 * b * math.log10(2.0) + 10.0 * math.log10(1.5)
    ew = walden_floor_J(b, fom_walden_J)
    es = schreier_floor_J(sndr, fom_schreier_dB)
    which = "Walden" if ew >= es else "Schreier"
    src = figure("adc_walden_fom_J_per_step" if which == "Walden" else "adc_schreier_fom_dB").source
    return EnergyItem(f"adc_{b}bit", margin * max(ew, es), "J/conversion",
                      f"{which} floor at SNDR={sndr:.2f} dB, margin {margin:g}; {src}",
                      "survey best (floor)" if margin == 1.0 else "derived")


def camera_frame_energy(n_pixels: int, adc_bits: int, *, t_frame_s: float = 0.0, P_static_W: float = 0.0,
                        E_pixel_J: float | None = None, adc_margin: float = 1.0, n_frames: int = 1) -> Ledger:
    """Energy of ``n_frames`` frames: N_px (E_pixel + E_ADC(b)) per frame plus P_static * T_frame per frame.

    Items: ``pixel_readout``, ``adc``, ``static`` (J). ``E_pixel_J`` defaults to the assumed CIS figure.
    Raises ``ValueError`` for negative counts/powers/times.
    """
    n = check_int("n_pixels", n_pixels, 0)
    nf = check_int("n_frames", n_frames, 0)
    check_range("t_frame_s", t_frame_s, 0.0)
    check_range("P_static_W", P_static_W, 0.0)
    pix = figure("cis_readout_J_per_pixel")
    if E_pixel_J is not None:
        check_range("E_pixel_J", E_pixel_J, 0.0)
        pix = EnergyItem(pix.name, float(E_pixel_J), "J/pixel", "user parameter", "assumed")
    adc = adc_energy_per_conversion(adc_bits, margin=adc_margin)
    return Ledger((
        pix.scaled(n * nf, "pixel_readout", "J"),
        adc.scaled(n * nf, "adc", "J"),
        EnergyItem("static", P_static_W * t_frame_s * nf, "J", "P_static * T_frame (user parameter)", "assumed"),
    ))


def event_sensor_energy(n_events: int | float, *, duration_s: float = 0.0, P_static_W: float = 0.0,
                        E_event_J: float | None = None) -> Ledger:
    """Event-camera energy E_event * n_events + P_static * T (items ``events``, ``static``; J)."""
    check_range("n_events", n_events, 0.0)
    check_range("duration_s", duration_s, 0.0)
    check_range("P_static_W", P_static_W, 0.0)
    ev = figure("dvs_J_per_event")
    if E_event_J is not None:
        check_range("E_event_J", E_event_J, 0.0)
        ev = EnergyItem(ev.name, float(E_event_J), "J/event", "user parameter", "assumed")
    return Ledger((ev.scaled(float(n_events), "events", "J"),
                   EnergyItem("static", P_static_W * duration_s, "J", "P_static * T (user parameter)", "assumed")))


def sampled_sensor_energy(n_samples: int, fs_Hz: float, *, P_active_W: float | None = None,
                          preset: str | None = None) -> Ledger:
    """Energy of n samples of a continuously sampling sensor (IMU, microphone): P_active / f_s per sample.

    Give ``P_active_W`` or a ``preset`` figure name (``imu_bmi270_P_W``, ``mic_inmp441_P_W``,
    ``mic_mp34dt05_P_W``). Raises ``ValueError`` when neither or both are given, fs <= 0 or n < 0.
    """
    n = check_int("n_samples", n_samples, 0)
    check_range("fs_Hz", fs_Hz, 0.0, None, lo_open=True)
    if (P_active_W is None) == (preset is None):
        raise ValueError("give exactly one of P_active_W or preset")
    if preset is not None:
        p = figure(preset)
    else:
        check_range("P_active_W", P_active_W, 0.0)
        p = EnergyItem("P_active", float(P_active_W), "W", "user parameter", "assumed")
    return Ledger((EnergyItem("samples", p.value / fs_Hz * n, "J", f"P_active/f_s x n; {p.source}", p.status),))
