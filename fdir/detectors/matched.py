"""Dense forecasters sized to the spiking detector, so the co-design study separates "spiking vs dense" from
"small vs large" (issue 19).

The default spiking detector (:class:`fdir.detectors.spiking.SpikingConfig`: 32 recurrent signed neurons, one
forecast) has :meth:`~fdir.detectors.spiking.SpikingConfig.n_params` = 1,122 parameters and performs about
:data:`SPIKING_OPS_PER_SAMPLE` operations per telemetry sample, while the default dense forecaster pair
(:class:`fdir.detectors.forecaster.ForecasterConfig`, one input column) has 34,772 parameters and 271,392 MACs per
sample; the matched designs found on :data:`GRID` have 1,120 parameters (2,064 MACs) and 484 MACs (112
parameters). Two matched
dense designs keep the forecaster's form (the absolute + residual pair, telemanom's l_s = 250 input window, 10
forecast steps, the union detection rule) and shrink its architecture:

* ``by="params"``: :meth:`ForecasterConfig.n_params` closest to the spiking detector's parameter count;
* ``by="ops"``: :meth:`ForecasterConfig.macs` (MACs per sample, both members) closest to its operation count.

"Closest" is the smallest |log(value / target)| over the grid :data:`GRID` (conv layers, channels per layer,
kernel, stride, dense units), ties to the first in grid order. Reading the 250-sample window once costs at least
~250 MACs per member, so the operation-matched pair lands near, not on, the target (the achieved values are the
IR's ``macs`` in the study).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from functools import lru_cache

from fdir.detectors.forecaster.config import ForecasterConfig

__all__ = ["BY", "GRID", "SPIKING_OPS_PER_SAMPLE", "matched_config", "spiking_params"]

BY = ("params", "ops")
"""What a matched forecaster is sized by."""

SPIKING_OPS_PER_SAMPLE = 493.0
"""Operations per sample of the default LIF spiking detector: 460 synaptic operations (measured on the study's
channel subset, seed 0, as stated in issue 19) + 33 neuron updates (32 hidden, 1 readout)."""

GRID = {
    "layers": (1, 2, 3),
    "channels": (1, 2, 3, 4, 6, 8, 12, 16),
    "kernel_stride": ((5, 2), (4, 4), (8, 8)),
    "hidden": (2, 4, 8, 16, 32),
}
"""Architectures searched: ``layers`` conv layers of ``channels`` each, (kernel, stride), ``hidden`` dense units."""


def spiking_params() -> int:
    """Parameters of the default spiking detector (:meth:`fdir.detectors.spiking.SpikingConfig.n_params`)."""
    from fdir.detectors.spiking import SpikingConfig

    return SpikingConfig().n_params()


@lru_cache(maxsize=16)
def _search(by: str, target: float, base: ForecasterConfig) -> ForecasterConfig:
    best, best_d = None, math.inf
    for n, c, (k, s), h in itertools.product(GRID["layers"], GRID["channels"], GRID["kernel_stride"],
                                             GRID["hidden"]):
        try:
            cfg = replace(base, conv_channels=(c,) * n, kernel=k, stride=s, hidden=h)
        except ValueError:      # window too short for this stack
            continue
        value = cfg.n_params(1) if by == "params" else cfg.macs(1)
        d = abs(math.log(value / target))
        if d < best_d:
            best, best_d = cfg, d
    return best


def matched_config(by: str, *, target: float | None = None, base: ForecasterConfig | None = None
                   ) -> ForecasterConfig:
    """The dense forecaster of ``base`` (default :class:`ForecasterConfig`) with the architecture of :data:`GRID`
    whose parameter count (``by="params"``) or MACs per sample (``by="ops"``) for one input column is closest to
    ``target`` (default: :func:`spiking_params` or :data:`SPIKING_OPS_PER_SAMPLE`); module doc.

    Raises
    ------
    ValueError
        for ``by`` not in :data:`BY` or a target that is not finite and > 0.
    """
    if by not in BY:
        raise ValueError(f"by={by!r}, accepted: {BY}")
    if target is None:
        target = float(spiking_params()) if by == "params" else SPIKING_OPS_PER_SAMPLE
    t = float(target)
    if not (math.isfinite(t) and t > 0):
        raise ValueError(f"target={target!r} must be finite and > 0")
    return _search(by, t, ForecasterConfig() if base is None else base)
