"""Compression of the trained spiking network (:mod:`hwsim.quality.digits_snn`): width pruning by mean spike rate,
low-rank factorisation and per-layer weight bits; the compressed design reports its measured accuracy and its IR
(:mod:`hwsim.ir`, synaptic operations from the spikes it measures) from the same object.

Steps, in order (spike rates once, on the calibration sequences, with the uncompressed weights):

1. **width**: keep ``round(width x n)`` (at least 1) neurons of every hidden layer, those of largest mean spike rate
   (events of either sign per step; activity-based pruning of spiking neurons, as the activation-based importance
   of Minitron, arXiv:2407.14679, with the spike count as the activation); a removed neuron's input column and
   output row are deleted. A neuron that never spikes contributes nothing downstream, so removing it leaves every
   other spike unchanged;
2. **low rank**: the hidden projections ``L<i>.w`` (n_pre, n) become ``U V`` at rank
   ``floor(rank_fraction x min(n_pre, n))`` (at least 1; 1 leaves them whole; truncated SVD,
   :func:`hwsim.compress.lowrank.svd_factorize`). A factorised spiking projection is executed as an event-driven
   projection onto the ``r`` factor channels (synaptic operations = input events x ``r``, IR row ``L<i>.w.A``)
   followed by a dense ``r x n`` product every step (IR row ``L<i>.w.B``), since the factor channels carry analog
   sums, not spikes; the readout is not factorised;
3. **weights**: symmetric per-output-channel quantisation of every weight matrix to ``w_bits`` (16: unquantised
   float; :func:`hwsim.compress.quantize.quantize`), per layer through ``w_bits_layers`` (names ``L0.w``,
   ``L1.w``, ..., ``readout.w``); factorised layers quantise both factors; biases stay float. A weight rounded to
   zero has no synapse, so it drops out of the fan-out and of the synaptic operations.

There are no activation bits: spikes are 1-bit (binary) or 2-bit (signed) events.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hwsim import ir
from hwsim.quality import digits_snn as dsnn
from hwsim.quality.pipeline import FLOAT_BITS, compress_matrix, keep_most_important


@dataclass(frozen=True)
class SpikingDesign:
    """One compressed spiking design (see the module docstring): ``width`` fraction of hidden neurons kept,
    ``rank_fraction`` of the hidden projections, ``w_bits`` (default for every weight matrix; 16 = float) and
    ``w_bits_layers`` (per-layer overrides by name).

    Raises ValueError for a width or rank fraction outside (0, 1] (NaN included) or bits outside [2, 16]."""

    width: float = 1.0
    rank_fraction: float = 1.0
    w_bits: int = FLOAT_BITS
    w_bits_layers: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, v in (("width", self.width), ("rank_fraction", self.rank_fraction)):
            if not (isinstance(v, int | float) and math.isfinite(v) and 0 < v <= 1):
                raise ValueError(f"{name} must be in (0, 1], got {v!r}")
        for name, b in (("w_bits", self.w_bits), *self.w_bits_layers.items()):
            if not isinstance(b, int | np.integer) or not (2 <= b <= FLOAT_BITS):
                raise ValueError(f"bits of {name} must be an integer in [2, {FLOAT_BITS}], got {b!r}")

    def bits_of(self, layer: str) -> int:
        return int(self.w_bits_layers.get(layer, self.w_bits))


def spike_rates(params: Mapping[str, np.ndarray], calib_x: np.ndarray) -> list[np.ndarray]:
    """Mean spike rate (events of either sign per step per sequence) of every neuron of every hidden layer on
    ``calib_x`` (n, T, 64): a list of (n_i,) arrays."""
    n, T = calib_x.shape[:2]
    _, pos, neg = dsnn.run(params, calib_x)
    return [(p + q) / (n * T) for p, q in zip(pos, neg)]


def _is_events(x: np.ndarray) -> bool:
    return bool(np.all(x == np.round(x)))


@dataclass(frozen=True)
class CompressedSNN:
    """A compressed spiking network: flat weights (factorised layers stored as their product, for simulation),
    design, per-layer ``ranks`` (0 = whole), the inputs ``x_ir`` (n, T, 64) on which :meth:`ir` measures spikes, and
    a per-layer ``report`` (``layer, w_bits, rank, rel_error, sqnr_dB`` of the weights against the pruned ones)."""

    params: dict[str, np.ndarray]
    design: SpikingDesign
    ranks: dict[str, int]
    x_ir: np.ndarray
    report: pd.DataFrame

    def accuracy(self, x: np.ndarray, y: np.ndarray) -> float:
        """Measured top-1 accuracy on sequences ``x`` (n, T, 64) with labels ``y`` (n,)."""
        return dsnn.accuracy(self.params, x, y)

    def ir(self, x: np.ndarray | None = None) -> pd.DataFrame:
        """IR of one inference (one sequence), with spikes measured on ``x`` (default ``x_ir``) and averaged over
        its sequences: per weight matrix an ``snn_dense`` row (measured spikes of its presynaptic group; synaptic
        operations = events x non-zero fan-out) or, when factorised, ``.A`` (``snn_dense`` onto the r factor
        channels) and ``.B`` (``linear``, ``T`` x r x n MACs); a ``linear`` row of ``T`` steps for analog input
        (``rank`` set when factorised); a ``neuron_update`` row per layer and for the readout. Weight rows carry
        the design's bits (``int`` below 16, else ``bf``)."""
        x = np.asarray(self.x_ir if x is None else x, np.float32)
        N, T, _ = x.shape
        _, pos, neg = dsnn.run(self.params, x)
        pre_pos = np.maximum(x, 0).sum((0, 1)) / N
        pre_neg = np.maximum(-x, 0).sum((0, 1)) / N
        pre_signed = bool(np.any(x < 0))
        events_in = _is_events(x)
        names = dsnn.layer_names(self.params)
        rows = []
        for i, name in enumerate(names):
            w = self.params[name]
            n_pre, n_post = w.shape
            wb = self.design.bits_of(name)
            fmt = {"w_bits": wb, "w_format": "int" if wb < FLOAT_BITS else "bf"}
            r = self.ranks.get(name, 0)
            ev = pre_pos + pre_neg
            spk = {"spikes_pos": float(pre_pos.sum()), "spikes_neg": float(pre_neg.sum()),
                   "a_bits": 2 if pre_signed else 1, "signed": pre_signed}
            if i == 0 and not events_in:
                rows.append(ir.linear(name, M=T, N=n_post, K=n_pre, bias=True, rank=r, **fmt))
            elif r:
                rate = float(ev.sum()) / (n_pre * T)
                rows.append(ir.snn_dense(f"{name}.A", n_pre, r, T, rate, syn_ops=float(ev.sum()) * r,
                                         weight_elems=n_pre * r, **spk, **fmt))
                rows.append(ir.linear(f"{name}.B", M=T, N=n_post, K=r, bias=False, **fmt))
            else:
                fan = np.count_nonzero(w, axis=1).astype(np.float64)
                density = max(float(np.count_nonzero(w)) / w.size, 1.0 / w.size)
                rate = float(ev.sum()) / (n_pre * T)
                rows.append(ir.snn_dense(name, n_pre, n_post, T, rate, density=density,
                                         syn_ops=float(np.dot(ev, fan)), **spk, **fmt))
            if i < len(names) - 1:
                rows.append(ir.neuron_update(f"L{i}.neurons", n_post, T))
                pre_pos, pre_neg, pre_signed = pos[i] / N, neg[i] / N, True
        rows.append(ir.neuron_update("readout.neurons", int(self.params["readout.w"].shape[1]), T))
        return ir.make(rows)


def compress_snn(params: Mapping[str, np.ndarray], design: SpikingDesign, calib_x: np.ndarray, *,
                 rates: list[np.ndarray] | None = None, x_ir: np.ndarray | None = None) -> CompressedSNN:
    """Apply ``design`` to trained flat ``params`` (see the module docstring). ``calib_x`` (n, T, 64) gives the
    spike rates unless ``rates`` (from :func:`spike_rates` on the same ``params``) is given; ``x_ir`` (default
    ``calib_x``) are the sequences on which the IR measures spikes.

    Raises
    ------
    ValueError
        if a ``w_bits_layers`` name is not a weight matrix of the network, or ``rates`` does not match its layers.
    """
    p = {k: np.asarray(v, dtype=np.float32) for k, v in params.items()}
    names = dsnn.layer_names(p)
    bad = [n for n in design.w_bits_layers if n not in names]
    if bad:
        raise ValueError(f"w_bits_layers names unknown layers {bad}; layers: {names}")
    sr = rates if rates is not None else spike_rates(p, calib_x)
    widths = dsnn.widths_of(p)
    if len(sr) != len(widths) or any(s.shape != (n,) for s, n in zip(sr, widths)):
        raise ValueError(f"rates must hold one (n_i,) array per hidden layer of widths {widths}")
    # 1. width
    if design.width < 1:
        for i, s in enumerate(sr):
            keep = keep_most_important(s, design.width)
            p[f"L{i}.w"] = p[f"L{i}.w"][:, keep]
            p[f"L{i}.b"] = p[f"L{i}.b"][keep]
            nxt = names[i + 1]
            p[nxt] = p[nxt][keep, :]
    # 2. low rank and 3. weight bits
    ranks: dict[str, int] = {}
    rows = []
    for name in names:
        bits = design.bits_of(name)
        w, r, rep = compress_matrix(p[name].astype(np.float64), bits, design.rank_fraction,
                                    factorise=name != "readout.w")
        p[name] = w.astype(np.float32) if (r or bits < FLOAT_BITS) else p[name]
        if r:
            ranks[name] = r
        rows.append({"layer": name, "w_bits": bits, "rank": r, **rep})
    x = calib_x if x_ir is None else x_ir
    return CompressedSNN(params=p, design=design, ranks=ranks, x_ir=np.asarray(x, np.float32),
                         report=pd.DataFrame(rows))
