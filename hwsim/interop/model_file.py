"""Load a model file as an IR table of one inference: ONNX (dense networks) or NIR (spiking networks).

* ``.onnx``: :func:`hwsim.interop.onnx_import.onnx_workload` (ONNX shape inference; MACs and bytes per layer);
* ``.nir``: ``snn.nir.nir_workload`` (the NIR graph, Pedersen et al., Nat. Commun. 15:8122 (2024),
  doi:10.1038/s41467-024-52259-9, imported into ``snn`` and run for ``n_steps`` steps on Poisson input at
  ``input_rate_Hz``: its IR rows carry the measured spike and synaptic-operation counts).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

MODEL_SUFFIXES = (".onnx", ".nir")
"""File suffixes :func:`load_workload` accepts."""


def model_kind(path: str | Path) -> str:
    """``"onnx"`` or ``"nir"`` from the file suffix; ValueError for anything else or a missing file."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in MODEL_SUFFIXES:
        raise ValueError(f"model={str(path)!r}: the file must end in one of {list(MODEL_SUFFIXES)}")
    if not p.is_file():
        raise ValueError(f"model={str(path)!r}: no such file")
    return suffix[1:]


def load_workload(path: str | Path, *, batch: int = 1, n_steps: int = 100, input_rate_Hz: float | None = None,
                  dt_s: float | None = None, seed: int = 0) -> pd.DataFrame:
    """IR table (:mod:`hwsim.ir`) of one inference of the model in ``path``.

    ``batch`` applies to ONNX models (the symbolic batch dimension); ``n_steps``, ``input_rate_Hz`` (None: the
    importer's default), ``dt_s`` and ``seed`` to NIR graphs (simulated steps, Poisson input rate in Hz, time step
    in s, RNG seed). Raises ValueError for a bad file or parameter (from the importers), ImportError naming the
    missing package (``onnx``; the ``nir`` importer of ``snn``).
    """
    kind = model_kind(path)
    if kind == "onnx":
        from hwsim.interop.onnx_import import onnx_workload

        return onnx_workload(path, batch=batch)
    try:
        from snn.nir import nir_workload
    except ImportError as exc:
        raise ImportError(f"costing a .nir graph needs snn.nir.nir_workload (and the `nir` package): {exc}") from exc
    kw: dict[str, Any] = {"n_steps": n_steps, "dt_s": dt_s, "seed": seed}
    if input_rate_Hz is not None:
        kw["input_rate_Hz"] = input_rate_Hz
    return nir_workload(path, **kw)
