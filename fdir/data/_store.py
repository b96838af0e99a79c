"""Lossless compact store of the NASA SMAP/MSL telemetry arrays shipped as package data (numpy + stdlib only).

Each telemanom array ``<split>/<chan>.npy`` is float64 (T, D): column 0 is the scaled telemetry value, columns
1..D-1 are 0/1 command flags (several may be set in one row, so they are multi-hot, not one-hot). The store is a
zip archive with LZMA-compressed members (readable by :func:`numpy.load`):

* ``<split>/<chan>/value.npy``: float64 (T,), column 0 bit for bit;
* ``<split>/<chan>/commands.npy``: uint8 (T, ceil((D-1)/8)), the flags packed with ``np.packbits(axis=1)``;

and a ``manifest.json`` member with, per array, its shape and the SHA-256 of the reconstructed float64 C-order
bytes. :func:`read_array` rebuilds the exact float64 array and checks the digest, so a corrupt or truncated file
fails with :class:`CorruptDataError` naming the file instead of yielding wrong numbers (a damaged LZMA stream or zip
structure included). The shipped store is also checked whole against ``SHA256SUMS.txt`` before it is opened
(:mod:`fdir.data.checksums`).
"""

from __future__ import annotations

import hashlib
import io
import json
import lzma
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np

__all__ = [
    "CorruptDataError",
    "decode_array",
    "encode_array",
    "read_array",
    "read_manifest",
    "sha256_array",
    "write_store",
]

MANIFEST = "manifest.json"
STORE_FORMAT = "hwsim-telemetry-store"
STORE_VERSION = 1


class CorruptDataError(ValueError):
    """A shipped or user-given data file is missing members, malformed or fails its checksum."""


def sha256_array(a: np.ndarray) -> str:
    """SHA-256 hex digest of ``a``'s C-order bytes (dtype and shape are checked separately)."""
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def encode_array(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split a telemanom array (T, D) float64 into ``(value (T,) float64, packed commands (T, ceil((D-1)/8)) uint8)``.

    Raises
    ------
    ValueError
        when ``a`` is not 2-D float64 with D >= 1, or a command column holds anything but +0.0 / 1.0 (the store
        would not be lossless).
    """
    a = np.asarray(a)
    if a.ndim != 2 or a.dtype != np.float64 or a.shape[1] < 1:
        raise ValueError(f"a must be a float64 array (T, D) with D >= 1, got {a.dtype} {a.shape}")
    cmd = a[:, 1:]
    ok = (cmd == 1.0) | ((cmd == 0.0) & ~np.signbit(cmd))
    if not np.all(ok):
        raise ValueError("command columns 1.. must hold only 0.0 or 1.0 for a lossless store")
    return a[:, 0].copy(), np.packbits(cmd.astype(np.uint8), axis=1)


def decode_array(value: np.ndarray, packed: np.ndarray, n_commands: int) -> np.ndarray:
    """Inverse of :func:`encode_array`: float64 (T, 1 + n_commands), C-contiguous."""
    T = value.shape[0]
    out = np.empty((T, 1 + n_commands), dtype=np.float64)
    out[:, 0] = value
    if n_commands:
        out[:, 1:] = np.unpackbits(packed, axis=1, count=n_commands)
    return out


def _npy_bytes(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.ascontiguousarray(a), allow_pickle=False)
    return buf.getvalue()


def write_store(path: str | Path, arrays: Iterable[tuple[str, str, np.ndarray]], meta: dict | None = None) -> Path:
    """Write ``(split, chan, array)`` triples into the store at ``path`` (LZMA zip). Returns the path."""
    path = Path(path)
    manifest = {"format": STORE_FORMAT, "version": STORE_VERSION, "arrays": {}, **(meta or {})}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_LZMA) as zf:
        for split, chan, a in arrays:
            value, packed = encode_array(a)
            key = f"{split}/{chan}"
            zf.writestr(f"{key}/value.npy", _npy_bytes(value))
            zf.writestr(f"{key}/commands.npy", _npy_bytes(packed))
            manifest["arrays"][key] = {"shape": [int(a.shape[0]), int(a.shape[1])], "sha256": sha256_array(a)}
        zf.writestr(MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))
    return path


def read_manifest(path: str | Path) -> dict:
    """The store's manifest (format, version, per-array shape and digest).

    Raises
    ------
    FileNotFoundError
        when ``path`` does not exist.
    CorruptDataError
        when it is not a readable store.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"telemetry store {path} is missing")
    try:
        with zipfile.ZipFile(path) as zf:
            man = json.loads(zf.read(MANIFEST))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, UnicodeDecodeError, OSError, EOFError,
            lzma.LZMAError, zlib.error) as exc:
        raise CorruptDataError(f"{path} is not a readable telemetry store ({type(exc).__name__}: {exc})") from exc
    if man.get("format") != STORE_FORMAT or man.get("version") != STORE_VERSION:
        raise CorruptDataError(f"{path}: format {man.get('format')!r} v{man.get('version')!r}, expected "
                               f"{STORE_FORMAT!r} v{STORE_VERSION}")
    return man


def read_array(path: str | Path, split: str, chan: str, manifest: dict | None = None) -> np.ndarray:
    """Rebuild the float64 (T, D) array ``<split>/<chan>`` from the store and verify its SHA-256.

    Raises
    ------
    KeyError
        when the store has no such array.
    CorruptDataError
        when a member is unreadable, has the wrong shape or the digest does not match.
    """
    man = read_manifest(path) if manifest is None else manifest
    key = f"{split}/{chan}"
    if key not in man["arrays"]:
        raise KeyError(f"no array {key!r} in {path}")
    info = man["arrays"][key]
    T, D = info["shape"]
    try:
        with zipfile.ZipFile(path) as zf:
            value = np.lib.format.read_array(io.BytesIO(zf.read(f"{key}/value.npy")), allow_pickle=False)
            packed = np.lib.format.read_array(io.BytesIO(zf.read(f"{key}/commands.npy")), allow_pickle=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, lzma.LZMAError, zlib.error) as exc:
        raise CorruptDataError(f"{path}: member {key} is unreadable ({type(exc).__name__}: {exc})") from exc
    if value.shape != (T,) or value.dtype != np.float64 or packed.dtype != np.uint8 or packed.shape[0] != T:
        raise CorruptDataError(f"{path}: member {key} has shape {value.shape}/{packed.shape}, manifest says ({T}, {D})")
    a = decode_array(value, packed, D - 1)
    if sha256_array(a) != info["sha256"]:
        raise CorruptDataError(f"{path}: array {key} fails its SHA-256 check (corrupt file)")
    return a
