"""Study specs shipped with hwsim (TOML, the format of :mod:`hwsim.sweep.spec`).

``default.toml`` is the built-in co-design study that ``hwsim run`` executes. :func:`path` gives a shipped
spec's location without importing anything heavy.
"""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path


def names() -> list[str]:
    """Names of the shipped specs (file names without ``.toml``)."""
    return sorted(p.name.removesuffix(".toml") for p in files(__name__).iterdir() if p.name.endswith(".toml"))


def path(name: str = "default") -> Path:
    """Filesystem path of the shipped spec ``name``; raises ``ValueError`` naming the known specs otherwise."""
    res = files(__name__) / f"{name}.toml"
    if not res.is_file():
        raise ValueError(f"study {name!r} is not shipped; known: {', '.join(names())}")
    with as_file(res) as p:  # installed packages are plain folders; zip imports are extracted
        return Path(p)
