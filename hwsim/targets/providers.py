"""Computed target quantities (status ``derived``) that come from another package, evaluated lazily at load.

A target file names a provider instead of a number (``{"provider": "mtj_energy_per_spike", ...}``); only the
names in :data:`PROVIDERS` are accepted, so a data file cannot run arbitrary code. A provider is called with the
target's parameters defined before it in the file (SI values by name, overrides applied, see
:func:`hwsim.targets.catalogue.load`), so a derived number follows e.g. the target's operating temperature.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping


def _need(params: Mapping[str, float], provider: str, *names: str) -> list[float]:
    missing = [n for n in names if n not in params]
    if missing:
        raise ValueError(f"provider {provider!r} needs the parameter(s) {missing} defined before it in the file")
    return [float(params[n]) for n in names]


def mtj_energy_per_spike_J(params: Mapping[str, float]) -> float:
    """Energy per spike of the signed MTJ-LIF neuron [J] at the target's ``T_K``, including the reset pulse:
    :func:`hwsim.targets.mtj_energy.spike_energy` (E_drive + E_reset; equations and sources there) with
    ``_spike_drive_rel``, ``_reset_current_rel`` and ``_reset_pulse_s`` of the target."""
    from hwsim.targets.mtj_energy import spike_energy

    T, drive, i_reset, t_reset = _need(params, "mtj_energy_per_spike", "T_K", "_spike_drive_rel",
                                       "_reset_current_rel", "_reset_pulse_s")
    return spike_energy(T, drive, i_reset, t_reset).spike_J


def mtj_sub_threshold_step_J(params: Mapping[str, float]) -> float:
    """Sub-threshold drive energy of one MTJ neuron per time step [J]:
    :func:`hwsim.targets.mtj_energy.sub_threshold_step_J` with the target's ``_drive_rms_rel`` and
    ``timestep_s``."""
    from hwsim.targets.mtj_energy import sub_threshold_step_J

    rms, step = _need(params, "mtj_sub_threshold_step", "_drive_rms_rel", "timestep_s")
    return sub_threshold_step_J(rms, step)


PROVIDERS: dict[str, Callable[[Mapping[str, float]], float]] = {
    "mtj_energy_per_spike": mtj_energy_per_spike_J,
    "mtj_sub_threshold_step": mtj_sub_threshold_step_J,
}
