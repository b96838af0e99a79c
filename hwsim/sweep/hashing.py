"""Content hashes that key stored sweep points: parameters + experiment + code version + data files.

A point's hash is the SHA-256 (first 32 hex digits) of the canonical JSON of
``{"experiment": "module:function", "params": {...all keyword arguments...}, "code": code_version,
"files": files_digest}``. Re-running a sweep skips every point whose hash is already stored; changing a
parameter, the code or a data file changes the hash, so the point runs again.
"""

from __future__ import annotations

import glob
import hashlib
import importlib.util
import inspect
import json
import math
import sys
from collections.abc import Callable, Iterable, Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from hwsim.sweep.errors import SpecError

HASH_LEN = 32


def canonical_json(obj: Any) -> str:
    """Deterministic JSON: sorted keys, no whitespace; floats by ``repr`` (exact), non-finite as strings."""

    def fix(x: Any) -> Any:
        if isinstance(x, float) and not math.isfinite(x):
            return f"float:{x!r}"
        if isinstance(x, Mapping):
            return {str(k): fix(v) for k, v in x.items()}
        if isinstance(x, list | tuple):
            return [fix(v) for v in x]
        if x is None or isinstance(x, bool | int | float | str):
            return x
        return f"{type(x).__name__}:{x!r}"

    return json.dumps(fix(obj), sort_keys=True, separators=(",", ":"), allow_nan=False)


def digest(text: str | bytes, n: int = HASH_LEN) -> str:
    """First ``n`` hex digits of the SHA-256 of ``text``."""
    data = text.encode() if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()[:n]


def point_hash(experiment_ref: str, params: Mapping[str, Any], code_version: str, files_digest: str) -> str:
    """The key of one point (see the module docstring)."""
    return digest(canonical_json({"experiment": experiment_ref, "params": dict(params), "code": code_version,
                                  "files": files_digest}))


def chunk_hash(point_hashes: Iterable[str]) -> str:
    """Name of a Parquet part holding the given points (order-independent)."""
    return digest("\n".join(sorted(point_hashes)), 24)


def _package_root(module_name: str) -> Path | None:
    top = module_name.split(".")[0]
    try:
        spec = importlib.util.find_spec(top)
    except (ModuleNotFoundError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def source_digest(paths: Iterable[Path], root: Path | None = None) -> str:
    """Digest of the relative names and bytes of the given files (sorted)."""
    h = hashlib.sha256()
    for p in sorted(paths):
        name = str(p.relative_to(root)) if root else p.name
        h.update(name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:12]


def code_version(func: Callable[..., Any], module_name: str) -> str:
    """The code version that keys an experiment's stored points.

    For an experiment inside one of the project's packages (:data:`hwsim.PACKAGES`): the installed hwsim
    version plus a digest of every ``.py`` file of those packages (any code change re-runs the points; pin
    ``code_version`` in the spec to keep results across edits). For other modules: the distribution version
    of its top-level package (when installed) plus a digest of the module's own file, or of the function's
    source when it has no file (e.g. defined in a notebook); changes in code it imports are not seen, so
    bump ``code_version`` in the spec after such a change.
    """
    from hwsim import PACKAGES, __version__

    top = module_name.split(".")[0]
    if top in PACKAGES:
        files: list[Path] = []
        roots = []
        for pkg in PACKAGES:
            root = _package_root(pkg)
            if root is not None:
                roots.append(root)
                files += [p for p in root.rglob("*.py") if "__pycache__" not in p.parts]
        base = roots[0].parent if roots else None
        return f"{__version__}+src.{source_digest(files, base)}"
    mod = sys.modules.get(module_name)
    mfile = getattr(mod, "__file__", None)
    if mfile and Path(mfile).is_file():
        src = source_digest([Path(mfile)])
    else:
        try:
            src = digest(inspect.getsource(func), 12)
        except (OSError, TypeError):
            src = digest(f"{module_name}:{getattr(func, '__qualname__', repr(func))}", 12)
    try:
        ver = version(top)
    except (PackageNotFoundError, ValueError):
        ver = "0"
    return f"{ver}+src.{src}"


def resolve_files(entries: Iterable[str], base_dir: Path | None) -> list[tuple[str, Path]]:
    """Expand ``files`` entries (paths, globs, ``"package:relative/glob"``) into ``(display name, path)`` pairs.

    Raises :class:`SpecError` (key ``"files"``) for an entry that matches no file or names an unknown package.
    """
    out: dict[str, Path] = {}
    for entry in entries:
        pkg, sep, rel = entry.partition(":")
        if sep and pkg.isidentifier() and not (len(pkg) == 1 and rel.startswith(("\\", "/"))):  # not "C:\..."
            root = _package_root(pkg)
            if root is None:
                raise SpecError(f"files entry {entry!r}: package {pkg!r} not found", key="files")
            matches = sorted(Path(p) for p in glob.glob(str(root / rel), recursive=True))
            names = [f"{pkg}:{p.relative_to(root)}" for p in matches]
        else:
            pattern = Path(entry) if Path(entry).is_absolute() else (base_dir or Path.cwd()) / entry
            matches = sorted(Path(p) for p in glob.glob(str(pattern), recursive=True))
            names = [str(p) for p in matches]
        matches_files = [(n, p) for n, p in zip(names, matches) if p.is_file()]
        if not matches_files:
            raise SpecError(f"files entry {entry!r} matches no file", key="files")
        out.update(dict(matches_files))
    return sorted(out.items())


def files_digest(files: Iterable[tuple[str, Path]]) -> str:
    """Digest of the resolved data files: each file's name (relative to its package for ``package:`` entries,
    else its base name) and the SHA-256 of its bytes, so moving the checkout does not change it."""
    h = hashlib.sha256()
    for name, p in files:
        short = name.split(":", 1)[1] if ":" in name and not Path(name).is_absolute() else Path(name).name
        h.update(short.encode() + b"\0" + hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()[:16]
