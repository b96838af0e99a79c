"""Reader-facing names of result columns: quantity and unit for axis labels, a short name for sentences.

One map (:data:`LABELS`) for every plot and sentence of the report, so no raw column name reaches a reader.
A column not in the map is named from its SI-unit suffix (``latency_s`` -> "latency (s)", ``power_W`` ->
"power (W)"), underscores read as spaces.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Label:
    """``quantity`` (words), ``unit`` (SI symbol, ``""`` for a count or a ratio) and ``short`` (for sentences)."""

    quantity: str
    unit: str = ""
    short: str = ""

    @property
    def axis(self) -> str:
        """Axis label: ``"energy per inference (J)"``, or the quantity alone when it has no unit."""
        return f"{self.quantity} ({self.unit})" if self.unit else self.quantity

    @property
    def name(self) -> str:
        """Short name for a sentence (``"F0.5"``), the quantity when none is set."""
        return self.short or self.quantity


LABELS: dict[str, Label] = {
    "energy_per_inference_J": Label("energy per inference", "J", "energy per inference"),
    "energy_J": Label("energy per inference", "J", "energy per inference"),
    "energy_processor_J": Label("processor energy per inference", "J"),
    "energy_primitive_J": Label("primitive-only energy per inference", "J"),
    "energy_static_J": Label("static energy per inference", "J"),
    "energy_adc_J": Label("ADC energy per conversion", "J"),
    "latency_s": Label("latency per inference", "s", "latency"),
    "memory_B": Label("memory", "B"),
    "weights_B": Label("weight memory", "B"),
    "macs": Label("multiply-accumulates per inference"),
    "synops": Label("synaptic operations per inference"),
    "f0_5": Label("event-wise F0.5", "", "F0.5"),
    "f1": Label("event-wise F1", "", "F1"),
    "precision": Label("event-wise precision", "", "precision"),
    "recall": Label("event-wise recall", "", "recall"),
    "esa_f0_5_corrected": Label("ESA-ADB corrected event-wise F0.5", "", "corrected F0.5"),
    "variant": Label("detector variant", "", "variant"),
    "target": Label("hardware target", "", "target"),
    "temperature_K": Label("temperature", "K"),
    "adc_bits": Label("ADC resolution", "bit"),
    "n_params": Label("parameters"),
    "seed": Label("seed"),
}
"""Column -> :class:`Label` for the columns the shipped experiments return."""

UNIT_SUFFIXES = ("J", "s", "B", "W", "Hz", "K", "m", "A", "V", "bit", "bits")
"""Column-name suffixes read as the SI unit of the column when it is not in :data:`LABELS`."""


def label(column: str) -> Label:
    """The :class:`Label` of ``column``: from :data:`LABELS`, else from its unit suffix (see the module doc)."""
    if column in LABELS:
        return LABELS[column]
    stem, sep, suffix = column.rpartition("_")
    if sep and stem and suffix in UNIT_SUFFIXES:
        return Label(stem.replace("_", " "), suffix)
    return Label(column.replace("_", " "))


def axis_label(column: str) -> str:
    """Axis label of ``column`` with its unit, e.g. ``energy_J`` -> ``"energy per inference (J)"``."""
    return label(column).axis


_PREFIXES = ((1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""))


def number(value: float, digits: int = 2) -> str:
    """``value`` with ``digits`` significant digits, exponent without padding (``2.1e-7``, ``0.71``, ``590``);
    an integer below 1e7 in full (``65536``)."""
    if value is None or not math.isfinite(value):
        return "-"
    if float(value).is_integer() and abs(value) < 1e7:
        return str(int(value))
    if value != 0 and (abs(value) >= 10 ** digits or abs(value) < 1e-3):
        mant, exp = f"{value:.{digits - 1}e}".split("e")
        if abs(value) < 1e-3 or abs(value) >= 1e6:
            mant = mant.rstrip("0").rstrip(".") if "." in mant else mant
            return f"{mant}e{int(exp)}"
        return f"{round(value, digits - 1 - int(exp)):.0f}"
    return f"{value:.{digits}g}"


def with_unit(value: float, column: str, digits: int = 2) -> str:
    """``value`` of ``column`` with its unit: bytes with decimal prefixes (``4.4 kB``), other units as
    ``2.1e-7 J``; no unit for a count or ratio."""
    unit = label(column).unit
    if unit == "B" and value is not None and math.isfinite(value):
        scale, prefix = next(((s, p) for s, p in _PREFIXES if abs(value) >= s), (1.0, ""))
        return f"{number(value / scale, digits)} {prefix}B"
    text = number(value, digits)
    return f"{text} {unit}" if unit and text != "-" else text
