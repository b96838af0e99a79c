"""Computed target quantities (status ``derived``) that come from another package, evaluated lazily at load.

A target file names a provider instead of a number (``{"provider": "mtj_energy_per_spike", ...}``); only the
names in :data:`PROVIDERS` are accepted, so a data file cannot run arbitrary code.
"""

from __future__ import annotations

from collections.abc import Callable


def mtj_energy_per_spike_J() -> float:
    """Energy per spike of the fitted signed MTJ-LIF neuron, ``devices.compact.default_signed_mtj_neuron()``
    (``energy_per_spike_J``, J), computed by the devices package from its macrospin model."""
    from devices.compact import default_signed_mtj_neuron

    return float(default_signed_mtj_neuron().energy_per_spike_J)


PROVIDERS: dict[str, Callable[[], float]] = {
    "mtj_energy_per_spike": mtj_energy_per_spike_J,
}
