"""SHA-256 checksums of the data files shipped in :mod:`fdir.data`, verified on every load (stdlib only).

``SHA256SUMS.txt`` beside the data lists one ``<sha256 hex>  <file name>`` line per shipped file (the format of
GNU coreutils ``sha256sum``, so ``sha256sum -c SHA256SUMS.txt`` checks an installation by hand; SHA-256:
FIPS 180-4). The loaders read a shipped file only through :func:`read_verified`, so a truncated file (even one cut
at a line boundary, which still parses), a flipped byte or a replaced file raises :class:`CorruptDataError`
naming the file before any value is used. :func:`write_sums` regenerates the list (``python -m fdir.data.build``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from fdir.data._store import CorruptDataError

__all__ = ["DATA_DIR", "SUMS_FILE", "CorruptDataError", "expected_digests", "read_verified", "sha256_bytes",
           "write_sums"]

DATA_DIR = Path(__file__).resolve().parent
"""Folder of the shipped data files and of ``SHA256SUMS.txt``."""
SUMS_FILE = "SHA256SUMS.txt"


def sha256_bytes(data: bytes) -> str:
    """SHA-256 hex digest of ``data`` (a file's bytes)."""
    return hashlib.sha256(data).hexdigest()


def expected_digests(folder: str | Path = DATA_DIR) -> dict[str, str]:
    """``{file name: sha256 hex}`` from ``folder/SHA256SUMS.txt``.

    Raises
    ------
    FileNotFoundError
        when the list is missing.
    CorruptDataError
        when a line is not ``<64 hex digits>  <name>``.
    """
    path = Path(folder) / SUMS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"checksum list {path} is missing")
    out = {}
    for i, line in enumerate(path.read_text().splitlines()):
        if not line.strip():
            continue
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest) or not name:
            raise CorruptDataError(f"{path} line {i + 1}: expected '<sha256 hex>  <file name>', got {line!r}")
        out[name.lstrip("*")] = digest
    return out


def read_verified(path: str | Path) -> bytes:
    """The bytes of shipped file ``path``, after checking them against the digest listed for its name in the
    package's ``SHA256SUMS.txt`` (the list of :data:`DATA_DIR`, wherever ``path`` lies).

    Raises
    ------
    FileNotFoundError
        when ``path`` (or the checksum list) is missing.
    CorruptDataError
        naming ``path`` when its name is not listed or its SHA-256 differs (truncated, altered or replaced file).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"data file {path} is missing")
    sums = expected_digests()
    if path.name not in sums:
        raise CorruptDataError(f"{path}: no checksum listed for {path.name!r} in {DATA_DIR / SUMS_FILE}")
    data = path.read_bytes()
    got = sha256_bytes(data)
    if got != sums[path.name]:
        raise CorruptDataError(f"{path} fails its SHA-256 check ({len(data)} bytes, sha256 {got[:12]}…, expected "
                               f"{sums[path.name][:12]}…): the file is truncated or corrupt; reinstall hwsim or "
                               "rebuild it with `python -m fdir.data.build`")
    return data


def write_sums(folder: str | Path, names: Iterable[str]) -> Path:
    """Write ``folder/SHA256SUMS.txt`` for the files ``names`` in ``folder`` (sorted by name); returns its path."""
    folder = Path(folder)
    lines = [f"{sha256_bytes((folder / n).read_bytes())}  {n}" for n in sorted(names)]
    path = folder / SUMS_FILE
    path.write_text("\n".join(lines) + "\n")
    return path
