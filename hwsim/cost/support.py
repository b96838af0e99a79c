"""What a target class executes: operation kinds and number formats, and the support check of a workload.

Every target class (:data:`TARGET_CLASSES`) declares the operation kinds (:data:`OPERATIONS`) it executes and, from
its target file, the number formats of its datapath (:func:`formats`). A workload with one row the target cannot
execute is ``supported = False`` for that design point, with the reason; :mod:`hwsim.cost.model` then reports NaN
energy and latency for it (never a number). Rules:

* operation kind of an IR row (:data:`KIND_OPERATION`): dense/conv/attention MACs, embedding look-ups, vector
  work (norms, element-wise), synaptic operations on spikes, neuron state updates;
* ``array`` (accelerators, GPUs) and ``cpu`` (MCUs, space processors) execute every operation kind (spiking rows
  as event-driven accumulates in software or on the MAC datapath); their formats are the precisions of the
  target's ``peak_macs_per_s`` / ``macs_per_instr`` tables plus spikes;
* ``neuromorphic`` chips execute synaptic operations on spikes and neuron updates only: a dense network is not
  executed unless it is explicitly converted to a spiking one (e.g. rate-coded ANN-to-SNN conversion with its
  measured spike counts, Rueckauer et al., Front. Neurosci. 11:682, 2017, doi:10.3389/fnins.2017.00682). Their
  synapses hold integers of at most ``weight_bits`` (Loihi 8 bits, Davies et al. 2018; TrueNorth 9-bit signed
  weights, Merolla et al. 2014); a chip without ``weight_bits`` (SpiNNaker 2: Arm Cortex-M4F cores with a
  single-precision FPU, Mayr et al., arXiv:1911.02385) takes int32 or fp32 weights. The class re-quantises
  (:attr:`TargetClass.requantises_weights`): a spiking network's weights of any format are mapped to the chip's
  weight precision by its toolchain (as Lava/NxSDK do for Loihi), so the weight format of a spiking row does not
  make it unsupported; the effect of that rounding on quality is not modelled here;
* ``cim`` crossbars (ISAAC, Shafiee et al., ISCA 2016) execute weight-stationary GEMMs and convolutions,
  synaptic operations and the digital periphery's vector work, on integer (fixed-point) weights and inputs of up to
  16 bits (bit-sliced over cells and applied bit-serially); they do not execute products of two activations
  (attention scores) nor look-ups;
* a row's number format follows :mod:`hwsim.cost.precision` (integer datapath when the weights are integer and the
  activations at most 8 bits or declared integer, float otherwise, at the needed width; integer weights with wider
  activations of undeclared format may also run on an integer datapath as wide as both); spiking rows need spikes
  and their weights' format. An integer format is executable on an integer precision at least as wide, or on a
  float precision that represents those integers exactly (significand bits + 1: fp32 24, tf32/fp16 11, bf16 8,
  fp8 E4M3 4); a float format needs a float precision at least as wide. Neuron updates and look-ups carry no
  weight format.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hwsim.cost.points import DesignPoints
from hwsim.targets.schema import Target

OPERATIONS = ("dense_mac", "conv_mac", "attention_mac", "lookup", "vector", "synop", "neuron_update")
"""Operation kinds a target class may execute."""

KIND_OPERATION = {
    "linear": "dense_mac", "lm_head": "dense_mac", "lora_a": "dense_mac", "lora_b": "dense_mac",
    "router": "dense_mac", "expert": "dense_mac", "conv1d": "conv_mac", "conv2d": "conv_mac",
    "attention_qk": "attention_mac", "attention_av": "attention_mac", "embedding": "lookup", "norm": "vector",
    "elementwise": "vector", "snn_dense": "synop", "snn_conv": "synop", "neuron_update": "neuron_update",
}
"""IR kind -> operation kind (every kind of :data:`hwsim.ir.KINDS`)."""

EXACT_INT_BITS = {"fp32": 24, "tf32": 11, "fp16": 11, "bf16": 8, "fp8": 4}
"""Largest integer width a float format represents exactly (significand bits + 1; fp8 = E4M3)."""

_ALL = OPERATIONS
_SPIKE_OPS = ("synop", "neuron_update")


def _bits(fmt: str) -> int:
    m = re.fullmatch(r"(int|fp|bf|tf)(\d+)", fmt)
    if m is None:
        raise ValueError(f"number format {fmt!r} is not one of int<bits>, fp<bits>, bf16, tf32")
    return int(m.group(2))


def _array_formats(t: Target) -> tuple[str, ...]:
    return (*t.tables["peak_macs_per_s"], "spikes")


def _cpu_formats(t: Target) -> tuple[str, ...]:
    return (*t.tables["macs_per_instr"], "spikes")


def _neuro_formats(t: Target) -> tuple[str, ...]:
    if "weight_bits" in t.params:
        return ("spikes", f"int{round(t.p('weight_bits'))}")
    return ("spikes", "int32", "fp32")


def _cim_formats(t: Target) -> tuple[str, ...]:
    return ("int16", "spikes")


@dataclass(frozen=True)
class TargetClass:
    """A target class: its operation kinds and a function giving a target's number formats (``"spikes"`` and
    precision keys such as ``"int8"``, ``"bf16"``, ``"fp32"``). The cost function is dispatched by
    :mod:`hwsim.cost.model` on the same name."""

    name: str
    operations: tuple[str, ...]
    formats: Callable[[Target], tuple[str, ...]]
    doc: str
    requantises_weights: bool = False
    """The toolchain maps a spiking row's weights of any format to the chip's synaptic weight precision."""


TARGET_CLASSES: dict[str, TargetClass] = {
    "array": TargetClass("array", _ALL, _array_formats, "spatial MAC arrays, GPUs: roofline cost"),
    "cpu": TargetClass("cpu", _ALL, _cpu_formats, "MCUs and space processors: instruction-count cost"),
    "neuromorphic": TargetClass("neuromorphic", _SPIKE_OPS, _neuro_formats,
                                "spiking chips: synaptic events, neuron updates, time steps", requantises_weights=True),
    "cim": TargetClass("cim", ("dense_mac", "conv_mac", "vector", "synop", "neuron_update"), _cim_formats,
                       "compute-in-memory crossbars: cell reads, DAC/ADC conversions"),
}
"""The registry of target classes, one entry per class of :data:`hwsim.targets.schema.CLASSES`."""


def formats(target: Target) -> tuple[str, ...]:
    """Number formats ``target`` executes (see the module docstring)."""
    return TARGET_CLASSES[target.cls].formats(target)


def operations(target: Target) -> tuple[str, ...]:
    """Operation kinds ``target`` executes (its class's)."""
    return TARGET_CLASSES[target.cls].operations


def _executable(fmts: tuple[str, ...], is_int: np.ndarray, need: np.ndarray) -> np.ndarray:
    """Whether an (integer or float) format of ``need`` bits runs on precisions ``fmts``; arrays broadcast."""
    ints = [_bits(f) for f in fmts if f.startswith("int")]
    floats = [f for f in fmts if f != "spikes" and not f.startswith("int")]
    max_int = max([*ints, *(EXACT_INT_BITS.get(f, 0) for f in floats)], default=0)
    max_float = max([_bits(f) for f in floats], default=0)
    return np.where(is_int, need <= max_int, need <= max_float)


@dataclass(frozen=True)
class Support:
    """Per-(point, op) support: ``ok`` (points, ops) bool; ``code`` (points, ops) int (0 executed, 1 operation kind
    not executed, 2 number format not executed); ``row_format`` (points, ops) the row's needed format."""

    ok: np.ndarray
    code: np.ndarray
    row_format: np.ndarray

    def per_point(self) -> np.ndarray:
        """(points,) bool: every op of the design point is executed."""
        return np.all(self.ok, axis=1)


def check(df: pd.DataFrame, d: DesignPoints, target: Target) -> Support:
    """Which (point, op) the target executes; ``df`` the (distinct) IR rows, ``d`` their design points."""
    kind = df["kind"].to_numpy()
    op_kind = np.array([KIND_OPERATION[k] for k in kind])
    op_ok = np.isin(op_kind, operations(target))[None, :]
    fmts = formats(target)
    shape = (d.n_points, d.n_ops)
    wb = np.broadcast_to(np.asarray(d["w_bits"]), shape).astype(np.int64)
    ab = np.broadcast_to(np.asarray(d["a_bits"]), shape).astype(np.int64)
    wf = df["w_format"].to_numpy()[None, :]
    af = df["a_format"].to_numpy()[None, :] if "a_format" in df.columns else np.full((1, len(df)), "")
    int_w = np.isin(wf, ("int", "nf"))
    spiking = np.isin(op_kind, ("synop",))[None, :]
    no_format = np.isin(op_kind, ("neuron_update", "lookup"))[None, :]
    # dense rows: the precision rule of hwsim.cost.precision; spiking rows: the weights' own format
    is_int = np.where(spiking, int_w, int_w & ((ab <= 8) | (af == "int")))
    need = np.where(spiking, wb, np.where(is_int, np.maximum(wb, ab), np.where(int_w, ab, np.maximum(ab, wb))))
    fmt_ok = _executable(fmts, is_int, need)
    if TARGET_CLASSES[target.cls].requantises_weights:
        fmt_ok = fmt_ok | spiking
    fmt_ok = fmt_ok & np.where(spiking, "spikes" in fmts, True)
    # integer weights with wide activations of undeclared format (weight-only quantisation by default) also run on
    # an integer datapath wide enough for both (a 16-bit fixed-point array runs W16A16), as precision.select does
    ambiguous = ~spiking & int_w & ~is_int & (af == "")
    fmt_ok = fmt_ok | (ambiguous & _executable(fmts, np.True_, np.maximum(wb, ab)))
    fmt_ok = fmt_ok | no_format
    ok = op_ok & fmt_ok
    code = np.where(~op_ok, 1, np.where(~fmt_ok, 2, 0))
    fam = np.where(is_int, "int", np.where(wf == "bf", "bf", "fp"))
    row_format = np.char.add(np.char.add(np.where(spiking, "spikes, weights ", ""), fam), need.astype(str))
    row_format = np.where(no_format, "", row_format)
    return Support(ok=np.broadcast_to(ok, shape), code=np.broadcast_to(code, shape),
                   row_format=np.broadcast_to(row_format, shape))


def reasons(df: pd.DataFrame, s: Support, target: Target) -> np.ndarray:
    """(points,) reason strings: '' where supported, else why, naming the first op the target cannot execute."""
    out = np.full(s.ok.shape[0], "", dtype=object)
    bad = ~s.ok
    rows = np.flatnonzero(np.any(bad, axis=1))
    if rows.size == 0:
        return out
    first = np.argmax(bad[rows], axis=1)
    cls = target.cls
    cache: dict[tuple[int, int, str], str] = {}
    for r, o in zip(rows, first, strict=True):
        key = (int(o), int(s.code[r, o]), str(s.row_format[r, o]))
        if key not in cache:
            kind = str(df["kind"].iloc[o])
            layer = str(df["layer"].iloc[o])
            if key[1] == 1:
                msg = (f"{cls} target {target.name!r} does not execute {KIND_OPERATION[kind]} operations "
                       f"(layer {layer!r}, kind {kind!r}); it executes {list(operations(target))}")
                if cls == "neuromorphic":
                    msg += "; convert the dense network to a spiking one first (e.g. rate-coded ANN-to-SNN)"
            else:
                msg = (f"{cls} target {target.name!r} does not execute the number format {key[2]} of layer "
                       f"{layer!r} ({kind}); it executes {list(formats(target))}")
            cache[key] = msg
        n_bad = int(np.sum(bad[r]))
        out[r] = cache[key] + (f" ({n_bad - 1} more unsupported op(s))" if n_bad > 1 else "")
    return out
