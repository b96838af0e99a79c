"""fdir.runtime: a numpy-only runtime to embed a trained telemetry detector, its peephole probe and the FDIR table.

A model is a folder with ``layers.json`` + ``weights.npz`` in the *embeddable layers* format (FORMAT.md in this
package: ops, layouts, detector rule, peephole section, fixed-point export). :func:`load` builds the runtime with
every buffer allocated once; ``step(sample)`` then processes one telemetry sample and allocates no arrays (a
non-finite or absurd sample is reported invalid and never enters the state, :mod:`fdir.runtime.sample` and
FORMAT.md "Invalid samples"):

* reconstruction detectors (the peephole CAE, :class:`~fdir.runtime.monitor.WindowRuntime`): one decision per
  non-overlapping window, peephole answer, FDIR persistence/isolation/recovery (:mod:`fdir.runtime.logic`);
* forecasting detectors (telemanom-style, :class:`~fdir.runtime.forecast.ForecastRuntime`): one forecast per
  sample, smoothed error and online nonparametric dynamic threshold, or the raw errors thresholded by streaming
  SPOT/DSPOT (:mod:`fdir.runtime.spot`, a numpy GPD fit by Grimshaw's procedure), or both, flags OR-ed
  (:mod:`fdir.runtime.union`); with ``input.difference`` and
  ``limits`` (the pipeline's differenced input, range-exit and flat-line checks, :mod:`fdir.runtime.transform`,
  :mod:`fdir.runtime.flatline`) it also flags limit violations per sample;
* spiking forecasters (a bundle with a ``spiking`` section, :class:`~fdir.runtime.spiking.SpikingForecaster` run by
  the same ForecastRuntime): signed send-on-delta encoder, signed LIF or MTJ-LIF layer and leaky readout, stateful
  across samples, float32 or integer weights (:func:`fdir.runtime.spiking.quantize_spiking`).

Writing bundles: :func:`fdir.runtime.export.export_bundle` (float32 or fixed point with int8 weights/activations,
int32 accumulators, int16 probe parameters; :func:`fdir.runtime.export.spot_section` for a SPOT state,
:func:`fdir.runtime.export.union_section` for SPOT or NDT). The streaming thresholders (:mod:`fdir.runtime.ndt`,
:mod:`fdir.runtime.spot`, :mod:`fdir.runtime.union`) and the FDIR decision logic
(:mod:`fdir.runtime.logic`) are part of this package; :mod:`fdir.ndt` and
:mod:`fdir.reaction_wheel.logic` build the offline side on them. This package imports numpy only (and the standard
library).
"""

from __future__ import annotations

from pathlib import Path

from fdir.runtime.bundle import read_bundle, save_bundle
from fdir.runtime.graph import FormatError, Graph

__all__ = ["FormatError", "Graph", "from_arrays", "load", "read_bundle", "save_bundle"]


def from_arrays(spec: dict, arrays: dict, fixed_point: bool | None = None):
    """Runtime for an in-memory bundle ``(spec, arrays)`` (see :func:`load`)."""
    kind = spec["detector"]["kind"]
    if kind == "reconstruction":
        from fdir.runtime.monitor import WindowRuntime

        return WindowRuntime(spec, arrays, fixed_point=fixed_point)
    from fdir.runtime.forecast import ForecastRuntime

    return ForecastRuntime(spec, arrays, fixed_point=fixed_point)


def load(folder: str | Path, fixed_point: bool | None = None):
    """Load a bundle folder and return its runtime (:class:`~fdir.runtime.monitor.WindowRuntime` or
    :class:`~fdir.runtime.forecast.ForecastRuntime`). ``fixed_point`` defaults to whether the bundle was
    exported in fixed point.

    Raises
    ------
    FileNotFoundError
        for a missing ``layers.json`` or ``weights.npz``.
    FormatError
        for an invalid document, missing arrays or inconsistent shapes.
    """
    spec, arrays = read_bundle(folder)
    return from_arrays(spec, arrays, fixed_point=fixed_point)
