"""The keyword spotter of Blouw et al., "Benchmarking keyword spotting efficiency on neuromorphic hardware",
arXiv:1812.01739: a feed-forward network with 390 inputs (26 MFCC features x 15 frames), two hidden layers of 256
spiking neurons and 29 outputs (ABR ``power_benchmarks`` keyword spotter), as an IR table for neuromorphic targets.

One inference is one 390-feature frame. ``time_steps`` = 10 per inference follows the NengoLoihi keyword-spotting
example (each frame presented for ``p_time`` = 10 steps at dt = 1 ms, nengo/nengo-loihi
``docs/examples/keyword_spotting.ipynb``), which Blouw et al.'s unpublished Loihi script adapts (abr/power_benchmarks
README). Activity is not published per layer: ``spike_rate`` 0.1 spikes per neuron per step (one spike per neuron
per inference) is an assumption. Both enter the fit of Loihi's host spike-I/O energy per step
(``_host_io_step_J`` in ``hwsim/targets/loihi.json``, :func:`hwsim.targets.calibrate.fit_loihi`); change them and
the fitted value changes with them.
"""

from __future__ import annotations

import itertools

import pandas as pd

from hwsim import ir

LAYERS = (390, 256, 256, 29)


def keyword_spotter(*, time_steps: int = 10, spike_rate: float = 0.1, w_bits: int = 8) -> pd.DataFrame:
    """IR table: three ``snn_dense`` projections (390 -> 256 -> 256 -> 29) and their ``neuron_update`` rows.

    Raises ValueError for ``time_steps`` < 1 or ``spike_rate`` outside [0, 1].
    """
    if time_steps < 1:
        raise ValueError(f"time_steps must be >= 1, got {time_steps}")
    if not (0 <= spike_rate <= 1):
        raise ValueError(f"spike_rate must be in [0, 1], got {spike_rate}")
    rows = []
    for i, (n_pre, n_post) in enumerate(itertools.pairwise(LAYERS)):
        rows.append(ir.snn_dense(f"L{i}.w", n_pre, n_post, time_steps, spike_rate, w_bits=w_bits, a_bits=1,
                                 w_format="int"))
        rows.append(ir.neuron_update(f"L{i}.neurons", n_post, time_steps))
    return ir.make(rows)
