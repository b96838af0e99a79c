"""Rebuild the package data of :mod:`fdir.data` from an unpacked copy of the public data sets.

Usage (from the repository root)::

    python -m fdir.data.build ../shared/data/telemetry

reads ``SMAP_MSL/{train,test}/*.npy`` + ``SMAP_MSL/labeled_anomalies.csv`` and ``OPSSAT_AD/dataset.csv`` and writes
``fdir/data/smap_msl.npz`` (lossless store: an npz whose members are LZMA-compressed, see :mod:`fdir.data._store`),
``fdir/data/labeled_anomalies.csv`` (verbatim), ``fdir/data/opssat_ad.csv.xz`` (the CSV bytes, LZMA) and
``fdir/data/SHA256SUMS.txt`` (the SHA-256 of each, checked on every load, :mod:`fdir.data.checksums`).
Provenance and licences: ``PROVENANCE.md``.
"""

from __future__ import annotations

import hashlib
import lzma
import shutil
import sys
from pathlib import Path

import numpy as np

from fdir.data._store import write_store
from fdir.data.checksums import SUMS_FILE, write_sums

HERE = Path(__file__).resolve().parent
SMAP_MSL_STORE = "smap_msl.npz"
LABELS_CSV = "labeled_anomalies.csv"
OPSSAT_XZ = "opssat_ad.csv.xz"


def build(source: str | Path, dest: str | Path = HERE) -> dict[str, int]:
    """Write the three package-data files and their checksum list from ``source`` (a folder with ``SMAP_MSL/``
    and ``OPSSAT_AD/``) into ``dest``; returns their sizes in bytes.

    Raises
    ------
    FileNotFoundError
        when an input folder or file is missing.
    """
    source, dest = Path(source), Path(dest)
    sm = source / "SMAP_MSL"
    for p in (sm / "train", sm / "test", sm / LABELS_CSV, source / "OPSSAT_AD" / "dataset.csv"):
        if not p.exists():
            raise FileNotFoundError(f"{p} is missing (expected the layout of ../shared/data/telemetry)")
    chans = sorted(p.stem for p in (sm / "test").glob("*.npy"))

    def arrays():
        for split in ("train", "test"):
            for c in chans:
                yield split, c, np.load(sm / split / f"{c}.npy", allow_pickle=False)

    src_md5 = {f"{split}/{c}.npy": hashlib.md5((sm / split / f"{c}.npy").read_bytes()).hexdigest()
               for split in ("train", "test") for c in chans}
    write_store(dest / SMAP_MSL_STORE, arrays(), meta={"source_npy_md5": src_md5})
    shutil.copyfile(sm / LABELS_CSV, dest / LABELS_CSV)
    raw = (source / "OPSSAT_AD" / "dataset.csv").read_bytes()
    (dest / OPSSAT_XZ).write_bytes(lzma.compress(raw, preset=9 | lzma.PRESET_EXTREME))
    names = (SMAP_MSL_STORE, LABELS_CSV, OPSSAT_XZ)
    write_sums(dest, names)
    return {n: (dest / n).stat().st_size for n in (*names, SUMS_FILE)}


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    print(build(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/telemetry"))
