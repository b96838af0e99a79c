"""The fitted compact MTJ neuron per temperature, cached on disk across processes.

:func:`devices.compact.default_signed_mtj_neuron` reads the shipped 300 K fit and fits any other temperature in
≈ 18 s (2-core machine, Numba kernel already compiled), memoised only inside one process; a study that sweeps
temperature over several worker processes would refit in each. :func:`compact_neuron` stores each fit as JSON in
``$HWSIM_CACHE_DIR/devices`` (default ``~/.cache/hwsim/devices``), keyed by the temperature, the fit settings
(:data:`devices.compact.FIT_SETTINGS`) and a hash of the devices package's code and presets (the code version), so a
change of the model or the fit never serves a stale entry. Entries are written to a temporary name and renamed
atomically (``os.replace``).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from functools import lru_cache
from pathlib import Path


def cache_dir() -> Path:
    """``$HWSIM_CACHE_DIR/devices`` if the variable is set, else ``~/.cache/hwsim/devices`` (created on use)."""
    root = os.environ.get("HWSIM_CACHE_DIR")
    d = (Path(root) if root else Path.home() / ".cache" / "hwsim") / "devices"
    d.mkdir(parents=True, exist_ok=True)
    return d


@lru_cache(maxsize=1)
def code_version() -> str:
    """SHA-256 (16 hex digits) of the devices package's ``*.py`` and ``*.toml`` files (names and contents)."""
    import devices

    h = hashlib.sha256()
    root = Path(devices.__file__).resolve().parent
    for p in sorted([*root.glob("*.py"), *root.glob("*.toml")]):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def cache_key(T_K: float) -> str:
    """Key of the fit at ``T_K``: temperature, fit settings and :func:`code_version`."""
    from devices.compact import FIT_SETTINGS

    blob = json.dumps({"T_K": float(T_K), "settings": FIT_SETTINGS, "code": code_version()}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def compact_neuron(T_K: float):
    """The fitted :class:`devices.compact.CompactSignedLIF` of the signed MTJ preset at ``T_K`` [K]: the shipped fit
    at its temperature, else a disk-cached :func:`devices.compact.default_signed_mtj_neuron` fit (module docstring).

    Raises ValueError for ``T_K`` outside [0, 2000] K, NaN and inf included.
    """
    from devices import compact

    T = float(T_K)
    if not (math.isfinite(T) and 0.0 <= T <= 2000.0):
        raise ValueError(f"T_K must be finite and in [0, 2000] K, got {T_K!r}")
    path = cache_dir() / f"signed_mtj_compact-{T:g}K-{cache_key(T)}.json"
    if path.exists():
        return compact.CompactSignedLIF.from_dict(json.loads(path.read_text())["model"])
    model = compact.default_signed_mtj_neuron(T)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump({"T_K": T, "settings": compact.FIT_SETTINGS, "code": code_version(), "model": model.to_dict()}, f)
    os.replace(tmp, path)
    return model
