"""The cost of a model file (``.onnx`` or ``.nir``) on hardware targets and number formats: one row per
(format, target). This is what ``hwsim cost MODEL`` prints and the ``model_cost`` sweep experiment stores.

Number formats (``bits``, :data:`FORMATS`): ``"stored"`` keeps the model's own precisions (float32 for most ONNX
files); ``"fp32"``, ``"fp16"``, ``"bf16"`` set weights and activations of every non-spiking row to that float
format; ``"int<N>"`` (N = 2..16) is post-training integer quantisation: N-bit integer weights with integer
activations of max(N, 8) bits (W4A8 for ``int4``, the usual deployment of 4-bit weights, e.g. Lin et al., AWQ,
arXiv:2306.00978) and 32-bit accumulators. On spiking rows a format sets the synaptic weights only (the spikes stay
spikes); neuron updates are unchanged. The cost model, including ``supported`` and its reason, is
:func:`hwsim.cost.model.evaluate`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from hwsim import ir

FLOAT_FORMATS = {"fp32": (32, "fp"), "fp16": (16, "fp"), "bf16": (16, "bf")}
FORMATS = ("stored", *FLOAT_FORMATS, *(f"int{n}" for n in (16, 8, 4, 2)))
"""Named formats (any ``int<N>`` with 2 <= N <= 16 is accepted too)."""

COLUMNS = ("model", "bits", "target", "target_class", "supported", "energy_J", "latency_s", "memory_B", "weights_B",
           "fits", "macs", "synops", "energy_primitive_J", "unsupported_reason")
"""Columns of :func:`cost_model` (J per inference, s per inference, bytes)."""


def check_format(fmt: str) -> str:
    """``fmt`` if it is a valid number format name, else ValueError listing the accepted ones."""
    m = re.fullmatch(r"int(\d+)", str(fmt))
    if fmt in FORMATS or (m and 2 <= int(m.group(1)) <= 16):
        return str(fmt)
    raise ValueError(f"bits={fmt!r}; accepted: {list(FORMATS)} or int<N> with 2 <= N <= 16")


def apply_format(table: pd.DataFrame, fmt: str) -> pd.DataFrame:
    """Copy of the IR ``table`` in number format ``fmt`` (see the module docstring); ValueError for a bad name."""
    fmt = check_format(fmt)
    if fmt == "stored":
        return table
    out = table.copy()
    kind = out["kind"].to_numpy()
    spiking = np.isin(kind, ir.SPIKING_KINDS)
    dense = ~spiking & (kind != "neuron_update")
    if fmt in FLOAT_FORMATS:
        bits, f = FLOAT_FORMATS[fmt]
        out.loc[spiking | dense, ["w_bits", "w_format"]] = [bits, f]
        out.loc[dense, ["a_bits", "a_format"]] = [bits, ""]
    else:
        bits = int(fmt[3:])
        out.loc[spiking | dense, ["w_bits", "w_format", "group_size", "scale_bits"]] = [bits, "int", 0, 0]
        out.loc[dense, ["a_bits", "a_format", "acc_bits"]] = [max(bits, 8), "int", 32]
    out = out.astype({c.name: c.dtype for c in ir.SCHEMA})
    ir.validate(out)
    return out


def cost_table(table: pd.DataFrame, *, targets: Sequence[str] | None = None, bits: Sequence[str] = ("stored",),
               model: str = "") -> pd.DataFrame:
    """Cost of the IR ``table`` on every target (default: the whole catalogue) in every format of ``bits``: one row
    per (format, target) with :data:`COLUMNS`. Raises ValueError for a bad or empty ``bits``, an empty ``targets``
    list, TargetError for a bad target."""
    from hwsim.cost.model import evaluate_arrays
    from hwsim.targets.catalogue import load, names

    if targets is not None and len(list(targets)) == 0:
        raise ValueError("targets is empty; give at least one target name or None for the whole catalogue")
    if len(list(bits)) == 0:
        raise ValueError(f"bits is empty; give at least one format of {list(FORMATS)}")
    tnames = list(targets) if targets is not None else names()
    fmts = [check_format(b) for b in bits]
    tgts = [load(t) for t in tnames]
    rows = []
    for fmt in fmts:
        t = apply_format(table, fmt)
        for tgt in tgts:
            tot = evaluate_arrays(t, tgt).totals
            rows.append({"model": model, "bits": fmt, "target": tgt.name, "target_class": tgt.cls,
                         "supported": bool(tot["supported"][0]), "energy_J": float(tot["energy_J"][0]),
                         "latency_s": float(tot["latency_s"][0]), "memory_B": float(tot["memory_B"][0]),
                         "weights_B": float(tot["weights_B"][0]), "fits": bool(tot["fits"][0]),
                         "macs": float(tot["macs"][0]), "synops": float(tot["synops"][0]),
                         "energy_primitive_J": float(tot["energy_primitive_J"][0]),
                         "unsupported_reason": str(tot["unsupported_reason"][0])})
    return pd.DataFrame(rows, columns=list(COLUMNS))


def cost_model(path: str | Path, *, targets: Sequence[str] | None = None, bits: Sequence[str] = ("stored",),
               batch: int = 1, n_steps: int = 100, input_rate_Hz: float | None = None, dt_s: float | None = None,
               seed: int = 0) -> pd.DataFrame:
    """Cost of one inference of the model in ``path`` (``.onnx`` or ``.nir``) on hardware targets.

    Parameters
    ----------
    path : the model file (:mod:`hwsim.interop.model_file`).
    targets : target names (``hwsim targets list``); None = every target of the catalogue.
    bits : number formats (:data:`FORMATS`, ``int<N>``), one cost row per (format, target).
    batch : ONNX batch size (>= 1); ``n_steps``, ``input_rate_Hz``, ``dt_s``, ``seed``: the NIR simulation.

    Returns
    -------
    DataFrame with :data:`COLUMNS`: ``energy_J`` (calibrated energy per inference, J), ``latency_s`` (s),
    ``memory_B`` (inference memory, bytes), ``fits`` (capacity check), ``supported`` and ``unsupported_reason``
    (energy and latency are NaN where the target cannot execute the model in that format).

    Raises
    ------
    ValueError for a bad file, format or parameter; ``hwsim.targets.catalogue.TargetError`` for an unknown target;
    ImportError when the importer's package is missing.
    """
    from hwsim.interop.model_file import load_workload

    table = load_workload(path, batch=batch, n_steps=n_steps, input_rate_Hz=input_rate_Hz, dt_s=dt_s, seed=seed)
    return cost_table(table, targets=targets, bits=bits, model=Path(path).name)
