"""Read and write an embeddable-layers bundle (``layers.json`` + ``weights.npz``, see FORMAT.md). numpy only."""

from __future__ import annotations

import json
from pathlib import Path
from types import MappingProxyType

import numpy as np

from fdir.runtime.graph import OPS, FormatError

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "METHOD_VERSIONS", "THRESHOLD_METHODS", "VERSION_2_KEYS", "check_spec",
           "read_bundle", "required_version", "save_bundle"]

FORMAT_NAME = "hwsim-embeddable-layers"
FORMAT_VERSION = 7
"""Newest format version this runtime reads (it reads every version from 1 up to this one)."""

VERSION_2_KEYS = ("input.difference", "limits")
"""Keys that change what the runtime computes (differenced input, limit checks): a bundle that holds any of them
declares version 2, so a runtime that only knows version 1 refuses it instead of ignoring them."""


def _has(spec: dict, dotted: str) -> bool:
    node = spec
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


THRESHOLD_METHODS = ("ndt", "spot", "spot_or_ndt")
"""``detector.threshold.method`` of a forecast bundle (FORMAT.md): ``"ndt"`` (the default when absent) the streaming
telemanom NDT's parameters; ``"spot"`` the calibrated SPOT/DSPOT state (:mod:`fdir.runtime.spot`), version 3, so a
runtime that knows only versions 1-2 refuses it instead of running NDT with SPOT's fields; ``"spot_or_ndt"`` that
SPOT state and the relative-guard NDT's parameters, flags OR-ed (:mod:`fdir.runtime.union`), version 5, so a runtime
that knows only versions 1-4 refuses it."""

METHOD_VERSIONS = MappingProxyType({"spot": 3, "spot_or_ndt": 5})
"""The format version each threshold method other than ``"ndt"`` needs."""


def _method(spec: dict) -> object:
    th = (spec.get("detector") or {}).get("threshold") if isinstance(spec.get("detector"), dict) else None
    return th.get("method", "ndt") if isinstance(th, dict) else "ndt"


def _needs(spec: dict) -> list[tuple[str, int]]:
    """The version-raising features of ``spec`` with the version each needs."""
    out = [(k, 2) for k in VERSION_2_KEYS if _has(spec, k)]
    method = _method(spec)
    if method in METHOD_VERSIONS:
        out.append((f"detector.threshold.method={method!r}", METHOD_VERSIONS[method]))
    if _has(spec, "limits.flat_line.limit"):
        out.append(("limits.flat_line.limit", 4))
    if _has(spec, "detector.lead"):
        out.append(("detector.lead", 6))
    out += [(f"{k}.quarantine", 7) for k in ("detector.threshold", "detector.threshold.spot")
            if _quarantine(spec, k)]
    return out


def _quarantine(spec: dict, dotted: str) -> bool:
    """Whether the SPOT section at ``dotted`` holds a ``quarantine`` other than 0 (version 7)."""
    node = spec
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return isinstance(node, dict) and node.get("quarantine", 0) not in (0, None)


def required_version(spec: dict) -> int:
    """The lowest format version that can hold ``spec``: 7 with a SPOT quarantine (``quarantine`` > 0 in a SPOT section:
    the samples after an alarm that SPOT does not learn), 6 with a forecast lead (``detector.lead``, a forecast of the
    current sample from the window that ends with it), 5 with a SPOT-or-NDT threshold (``detector.threshold.method`` =
    ``"spot_or_ndt"``), 4 with the hold-length flat-line check (``limits.flat_line.limit``), 3 with a SPOT threshold
    (``detector.threshold.method`` = ``"spot"``), 2 with any of :data:`VERSION_2_KEYS`, else 1."""
    return max((v for _, v in _needs(spec)), default=1)


DETECTOR_KINDS = ("reconstruction", "forecast")


def check_spec(spec: dict) -> None:
    """Validate the JSON document's structure (array contents are checked when the graph is built).

    Raises
    ------
    FormatError
        naming the field for a wrong format name/version, a missing section, an unknown op or detector kind.
    """
    if not isinstance(spec, dict):
        raise FormatError("layers.json must hold a JSON object")
    if spec.get("format") != FORMAT_NAME:
        raise FormatError(f"format={spec.get('format')!r} must be {FORMAT_NAME!r}")
    version = spec.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= FORMAT_VERSION:
        raise FormatError(f"version={version!r} is not supported (accepted: 1 to {FORMAT_VERSION})")
    if version < required_version(spec):
        raise FormatError(f"version={version} cannot hold {[k for k, v in _needs(spec) if v > version]}: "
                          f"they need version {required_version(spec)} (FORMAT.md, Versioning)")
    inp = spec.get("input")
    if not isinstance(inp, dict):
        raise FormatError("'input' section is missing")
    for k in ("channels", "window", "shape", "layout"):
        if k not in inp:
            raise FormatError(f"input.{k} is missing")
    if inp["layout"] not in ("channels x samples", "samples x channels"):
        raise FormatError(f"input.layout={inp['layout']!r} must be 'channels x samples' or 'samples x channels'")
    C, W = int(inp["channels"]), int(inp["window"])
    if C < 1 or W < 1 or int(np.prod(inp["shape"])) != C * W:
        raise FormatError(f"input.shape={inp['shape']!r} must hold channels x window = {C} x {W} values")
    layers = spec.get("layers")
    spiking = spec.get("spiking")
    if spiking is not None:                       # a spiking forecaster: the section replaces the layer graph
        if not isinstance(spiking, dict):
            raise FormatError("'spiking' must be a JSON object")
        if layers not in (None, []):
            raise FormatError("a bundle with a 'spiking' section must have no 'layers' (or an empty list)")
        layers = []
    elif not isinstance(layers, list) or not layers:
        raise FormatError("'layers' must be a non-empty list")
    for i, layer in enumerate(layers):
        if not isinstance(layer, dict) or layer.get("op") not in OPS:
            raise FormatError(f"layers[{i}]: op={layer.get('op') if isinstance(layer, dict) else layer!r} must be "
                              f"one of {OPS}")
    det = spec.get("detector")
    if not isinstance(det, dict) or det.get("kind") not in DETECTOR_KINDS:
        raise FormatError(f"detector.kind must be one of {DETECTOR_KINDS}")
    if spiking is not None and det["kind"] != "forecast":
        raise FormatError("a 'spiking' section needs detector.kind 'forecast'")
    if _method(spec) not in THRESHOLD_METHODS or (_method(spec) != "ndt" and det["kind"] != "forecast"):
        raise FormatError(f"detector.threshold.method={_method(spec)!r} must be one of {THRESHOLD_METHODS} (those "
                          "other than 'ndt' with detector.kind 'forecast' only)")


def save_bundle(folder: str | Path, spec: dict, arrays: dict[str, np.ndarray]) -> Path:
    """Write ``layers.json`` and ``weights.npz`` into ``folder`` (created); returns the folder.

    Raises
    ------
    FormatError
        when the spec is invalid or references an array that is not given.
    """
    check_spec(spec)
    missing = sorted(k for k in _keys(spec) if k not in arrays)
    if missing:
        raise FormatError(f"spec references arrays that are not given: {missing[:5]}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "layers.json").write_text(json.dumps(spec, indent=1))
    np.savez(folder / "weights.npz", **{k: np.asarray(v) for k, v in arrays.items()})
    return folder


def read_bundle(folder: str | Path) -> tuple[dict, dict[str, np.ndarray]]:
    """Load and validate ``layers.json`` + ``weights.npz`` from ``folder``.

    Raises
    ------
    FileNotFoundError
        when either file is missing.
    FormatError
        for an invalid document or a referenced array missing from the npz.
    """
    folder = Path(folder)
    for name in ("layers.json", "weights.npz"):
        if not (folder / name).is_file():
            raise FileNotFoundError(f"{folder / name} is missing (a bundle holds layers.json and weights.npz)")
    try:
        spec = json.loads((folder / "layers.json").read_text())
    except json.JSONDecodeError as exc:
        raise FormatError(f"{folder / 'layers.json'} is not valid JSON: {exc}") from exc
    check_spec(spec)
    with np.load(folder / "weights.npz", allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    missing = sorted(k for k in _keys(spec) if k not in arrays)
    if missing:
        raise FormatError(f"weights.npz lacks arrays referenced by layers.json: {missing[:5]}")
    return spec, arrays


_KEY_FIELDS = ("w", "b", "mean", "var", "gamma", "beta", "w_scale", "std", "project_w", "project_b", "gmm_means",
               "gmm_logvar", "gmm_logweight", "w_rec", "w_in", "w_in_scale", "theta_pos", "theta_neg", "peaks",
               "window")


def _keys(obj) -> set[str]:
    """Every array key referenced by the document (fields named in ``_KEY_FIELDS`` and probe tables)."""
    out: set[str] = set()
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in _KEY_FIELDS and isinstance(v, str):
                out.add(v)
            elif k == "tables" and isinstance(v, dict):
                out.update(x for x in v.values() if isinstance(x, str))
            else:
                out |= _keys(v)
    elif isinstance(obj, list):
        for v in obj:
            out |= _keys(v)
    return out
