"""Compress every weight tensor of a model and report the error per tensor; mirror the change in the IR.

Works on a mapping ``{name: array}`` (e.g. the arrays of an ``fdir.runtime`` ``weights.npz``) with a layout per
tensor, or directly on an ``fdir.runtime`` export (``layers.json`` + ``weights.npz``, layouts from CONTRIBUTING.md:
dense ``w`` (in, out), conv ``w`` (out, in, k...)). Biases and 1-D tensors are left unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hwsim.compress.lowrank import svd_factorize
from hwsim.compress.prune import magnitude_prune, nm_prune
from hwsim.compress.quantize import quantize

METHODS = ("quantize", "magnitude", "nm", "svd")


def compress_tensor(w: np.ndarray, method: str, layout: str, x: np.ndarray | None = None,
                    **params: Any) -> tuple[np.ndarray, dict]:
    """Apply one method (``quantize``: bits, group_size, scheme, scale_bits; ``magnitude``: density, scope;
    ``nm``: n, m; ``svd``: rank or energy) and return (w_hat, report row incl. the IR fields it implies).

    Raises ValueError for an unknown method (and the method's own errors).
    """
    if method == "quantize":
        r = quantize(w, layout=layout, x=x, **params)
        ir = {"w_bits": r.bits, "group_size": r.group_size, "scale_bits": params.get("scale_bits", 16),
              "bits_per_weight": r.bits_per_weight}
        return r.w_hat, {**r.error, **ir}
    if method == "magnitude":
        r = magnitude_prune(w, layout=layout, x=x, **params)
        return r.w_hat, {**r.error, "density": r.density, "sparsity_pattern": r.pattern}
    if method == "nm":
        r = nm_prune(w, layout=layout, x=x, **params)
        return r.w_hat, {**r.error, "density": r.density, "sparsity_pattern": r.pattern}
    if method == "svd":
        r = svd_factorize(w, layout=layout, x=x, **params)
        return r.w_hat, {**r.error, "rank": r.rank, "param_ratio": r.param_ratio}
    raise ValueError(f"method={method!r}; accepted: {METHODS}")


def compress_weights(weights: Mapping[str, np.ndarray], layouts: Mapping[str, str], steps: list[tuple[str, dict]],
                     *, calibration: Mapping[str, np.ndarray] | None = None
                     ) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    """Apply ``steps`` (``[(method, params), ...]``, in order, e.g. prune then quantise) to every tensor named in
    ``layouts``; other tensors are copied. Returns the new weights and a report with one row per (tensor, step):
    ``tensor, step, method, rel_error, sqnr_dB, ...`` and a final row per tensor with the total error of all steps
    (``step = "total"``).

    Raises ValueError for a tensor named in ``layouts`` but missing from ``weights``.
    """
    missing = [k for k in layouts if k not in weights]
    if missing:
        raise ValueError(f"layouts name tensors {missing} that are not in weights ({sorted(weights)})")
    out = {k: np.array(v, copy=True) for k, v in weights.items()}
    rows = []
    for name, layout in layouts.items():
        w0 = np.asarray(weights[name])
        x = None if calibration is None else calibration.get(name)
        cur = w0
        for i, (method, params) in enumerate(steps):
            cur, rep = compress_tensor(cur, method, layout, x, **params)
            rows.append({"tensor": name, "step": i, "method": method, **rep})
        # error of the whole chain against the original tensor
        from hwsim.compress.layout import error_report

        rows.append({"tensor": name, "step": "total", "method": "+".join(m for m, _ in steps),
                     **error_report(w0, cur, x, layout)})
        out[name] = cur
    return out, pd.DataFrame(rows)


def compress_export(layers_json: str | Path, weights_npz: str | Path, steps: list[tuple[str, dict]],
                    out_dir: str | Path | None = None) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    """Compress the weight tensors ``w`` of the ``dense``/``conv1d``/``conv2d`` layers of an ``fdir.runtime`` export
    and (if ``out_dir`` is given) write ``layers.json`` and ``weights.npz`` there with the compressed weights.

    Raises ValueError if a layer's ``w`` key is missing from the npz.
    """
    layers = json.loads(Path(layers_json).read_text())
    if isinstance(layers, dict) and "layers" in layers:
        layers = layers["layers"]
    with np.load(weights_npz) as z:
        weights = {k: z[k] for k in z.files}
    layouts = {}
    for i, layer in enumerate(layers):
        op = layer.get("op")
        if op in ("dense", "conv1d", "conv2d"):
            key = layer.get("w")
            if key not in weights:
                raise ValueError(f"layer {i} ({op}) names weight key {key!r}, not in {sorted(weights)}")
            layouts[key] = "dense" if op == "dense" else "conv"
    new, report = compress_weights(weights, layouts, steps)
    if out_dir is not None:
        o = Path(out_dir)
        o.mkdir(parents=True, exist_ok=True)
        (o / "layers.json").write_text(Path(layers_json).read_text())
        np.savez(o / "weights.npz", **new)
    return new, report


def apply_to_ir(table: pd.DataFrame, report: pd.DataFrame, layer_of: Mapping[str, str]) -> pd.DataFrame:
    """Copy the IR fields implied by a compression report (``w_bits``, ``group_size``, ``scale_bits``, ``density``,
    ``sparsity_pattern``, ``rank``) onto the IR rows named by ``layer_of[tensor]``.

    Raises ValueError for a layer name that is not in the table.
    """
    from hwsim import ir

    out = table.copy()
    fields = ("w_bits", "group_size", "scale_bits", "density", "sparsity_pattern", "rank")
    for tensor, layer in layer_of.items():
        rows = out.index[out["layer"] == layer]
        if len(rows) == 0:
            raise ValueError(f"IR has no row with layer {layer!r} (for tensor {tensor!r})")
        rep = report[(report["tensor"] == tensor) & (report["step"] != "total")]
        for f in fields:
            if f in rep.columns:
                vals = rep[f].dropna()
                if len(vals):
                    out.loc[rows, f] = vals.iloc[-1]
    out = out.astype({c.name: c.dtype for c in ir.SCHEMA})
    ir.validate(out)
    return out
