"""A cache of trained weights keyed by a hash of the training config, so notebooks and tests do not retrain.

The directory is ``$HWSIM_CACHE_DIR/quality`` if that variable is set, else ``~/.cache/hwsim/quality``. An entry is
``<name>-<hash>.npz`` with the arrays and the config (JSON) stored beside them; it is written to a temporary name and
renamed atomically (``os.replace``), so an interrupted run leaves no partial entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np


def cache_dir() -> Path:
    """The cache directory (created on first use)."""
    root = os.environ.get("HWSIM_CACHE_DIR")
    base = Path(root) if root else Path.home() / ".cache" / "hwsim"
    d = base / "quality"
    d.mkdir(parents=True, exist_ok=True)
    return d


def config_hash(config: Mapping[str, Any]) -> str:
    """SHA-256 (first 16 hex digits) of the config as sorted JSON."""
    return hashlib.sha256(json.dumps(dict(config), sort_keys=True, default=str).encode()).hexdigest()[:16]


def cached(name: str, config: Mapping[str, Any], build: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The arrays stored for ``(name, config)``, or ``build()``'s result after storing it.

    Raises ValueError if ``name`` is empty or contains a path separator.
    """
    if not name or "/" in name or os.sep in name:
        raise ValueError(f"name must be a plain file-name stem, got {name!r}")
    path = cache_dir() / f"{name}-{config_hash(config)}.npz"
    if path.exists():
        with np.load(path) as z:
            return {k: z[k] for k in z.files if k != "__config__"}
    arrays = build()
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz")
    os.close(fd)
    np.savez(tmp, __config__=np.array(json.dumps(dict(config), sort_keys=True, default=str)), **arrays)
    os.replace(tmp, path)
    return arrays
