"""NASA SMAP / MSL telemetry with expert-labelled anomaly sequences (the telemanom data set).

Source: Hundman, Constantinou, Laporte, Colwell, Soderstrom, "Detecting Spacecraft Anomalies Using LSTMs and
Nonparametric Dynamic Thresholding", KDD 2018, arXiv:1802.04431 (data released by NASA JPL with
``khundman/telemanom``). Provenance and licence of the shipped copy: ``fdir/data/PROVENANCE.md``.

Each channel has a training array and a test array, float64 (T, D): column 0 is the scaled telemetry value
(dimensionless, about [-1, 1]), columns 1..D-1 are 0/1 command flags (D = 25 for SMAP, 55 for MSL). The sampling
period is not published; indices are sample numbers. Labels (``labeled_anomalies.csv``) give inclusive
``[start, end]`` test indices.

Quirks handled here (reference sheet §2):

* ``P-2`` (SMAP) has **two** label rows with different sequences (``[[5350, 6575]]`` and ``[[5300, 6420]]``):
  82 label rows, 81 distinct channels. telemanom scored both rows (``p2="both"``, default); the
  OmniAnomaly/TranAD preprocessing drops P-2 (``p2="drop"``).
* ``test/T-10.npy`` (and its training array) exist without a label row: it is loadable (spacecraft inferred from
  D = 55, MSL) but never part of a labelled evaluation.

By default the loaders read the copy shipped in this package (``smap_msl.npz``, lossless; every shipped file is
checked against ``SHA256SUMS.txt`` on load, :mod:`fdir.data.checksums`, and each rebuilt array against its own
SHA-256);
``source=`` a folder with the original layout (``train/``, ``test/``, ``labeled_anomalies.csv``) reads that
instead (e.g. ``../shared/data/telemetry/SMAP_MSL``).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fdir.data._store import CorruptDataError, read_array, read_manifest
from fdir.data.checksums import read_verified

__all__ = [
    "N_COLUMNS",
    "SPACECRAFT",
    "Channel",
    "CorruptDataError",
    "LabelRow",
    "all_channel_ids",
    "channel_ids",
    "default_source",
    "label_rows",
    "load_channel",
]

SPACECRAFT = ("SMAP", "MSL")
N_COLUMNS = {"SMAP": 25, "MSL": 55}
"""Columns D per spacecraft: telemetry value + D-1 command flags."""
P2_MODES = ("both", "drop")
_HERE = Path(__file__).resolve().parent
_STORE = _HERE / "smap_msl.npz"
_LABELS = "labeled_anomalies.csv"
_HEADER = ["chan_id", "spacecraft", "anomaly_sequences", "class", "num_values"]


def default_source() -> Path:
    """Path of the shipped store (``fdir/data/smap_msl.npz``)."""
    return _STORE


@dataclass(frozen=True)
class LabelRow:
    """One row of ``labeled_anomalies.csv``.

    ``sequences`` are inclusive ``(start, end)`` test indices (samples), ``classes`` their class
    (``point``/``contextual``), ``num_values`` the test length T_test, ``row`` the 0-based row number.
    """

    chan_id: str
    spacecraft: str
    sequences: tuple[tuple[int, int], ...]
    classes: tuple[str, ...]
    num_values: int
    row: int


@dataclass(frozen=True)
class Channel:
    """One channel: ``train`` (T_train, D) and ``test`` (T_test, D) float64, and its label rows (two for P-2,
    none for T-10)."""

    chan_id: str
    spacecraft: str
    train: np.ndarray
    test: np.ndarray
    labels: tuple[LabelRow, ...]

    @property
    def labelled(self) -> bool:
        return bool(self.labels)


def _parse_classes(text: str, n: int, row: int) -> tuple[str, ...]:
    items = tuple(s.strip() for s in text.strip().strip("[]").split(",") if s.strip())
    if len(items) != n:
        raise CorruptDataError(f"{_LABELS} row {row}: {len(items)} classes for {n} sequences")
    return items


def _labels_text(source: str | Path | None) -> tuple[str, str]:
    path = (_HERE / _LABELS) if source is None else Path(source) / _LABELS
    if not path.is_file():
        raise FileNotFoundError(f"label file {path} is missing")
    if source is None:                                   # the shipped copy: SHA-256 checked (fdir.data.checksums)
        return read_verified(path).decode("utf-8"), str(path)
    return path.read_text(), str(path)


def _shipped_manifest() -> dict:
    """The shipped store's manifest, after the whole file passed its SHA-256 check."""
    read_verified(_STORE)
    return read_manifest(_STORE)


def _parse_labels(text: str, where: str) -> list[LabelRow]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise CorruptDataError(f"{where} is empty") from None
    if header != _HEADER:
        raise CorruptDataError(f"{where}: header {header} != {_HEADER}")
    rows = []
    for i, rec in enumerate(reader):
        if not rec:
            continue
        if len(rec) != len(_HEADER):
            raise CorruptDataError(f"{where} row {i}: {len(rec)} fields, expected {len(_HEADER)}")
        chan, sc, seq_text, cls_text, nv = rec
        if sc not in SPACECRAFT:
            raise CorruptDataError(f"{where} row {i}: spacecraft {sc!r} not in {SPACECRAFT}")
        try:
            seqs = json.loads(seq_text)
            seqs = tuple((int(a), int(b)) for a, b in seqs)
            num_values = int(nv)
        except (ValueError, TypeError) as exc:
            raise CorruptDataError(f"{where} row {i} ({chan}): unreadable sequences/num_values: {exc}") from exc
        for a, b in seqs:
            if not 0 <= a <= b < num_values:
                raise CorruptDataError(f"{where} row {i} ({chan}): sequence [{a}, {b}] outside [0, {num_values - 1}]"
                                       " or start > end")
        rows.append(LabelRow(chan, sc, seqs, _parse_classes(cls_text, len(seqs), i), num_values, i))
    return rows


def label_rows(spacecraft: str | None = None, *, p2: str = "both", source: str | Path | None = None
               ) -> list[LabelRow]:
    """Label rows in file order, optionally of one spacecraft.

    Parameters
    ----------
    spacecraft : "SMAP", "MSL" or None (both).
    p2 : "both" (telemanom: both P-2 rows, 82 rows in all) or "drop" (OmniAnomaly/TranAD: no P-2, 80 rows).
    source : folder with ``labeled_anomalies.csv`` (None: the shipped copy).

    Raises
    ------
    ValueError
        for an unknown ``spacecraft`` or ``p2``.
    FileNotFoundError, CorruptDataError
        for a missing or malformed label file, or a shipped one that fails its SHA-256 check (the message names
        the file).
    """
    if spacecraft is not None and spacecraft not in SPACECRAFT:
        raise ValueError(f"spacecraft={spacecraft!r}, accepted: {SPACECRAFT} or None")
    if p2 not in P2_MODES:
        raise ValueError(f"p2={p2!r}, accepted: {P2_MODES}")
    rows = _parse_labels(*_labels_text(source))
    if p2 == "drop":
        rows = [r for r in rows if r.chan_id != "P-2"]
    return [r for r in rows if spacecraft is None or r.spacecraft == spacecraft]


def channel_ids(spacecraft: str | None = None, *, source: str | Path | None = None) -> list[str]:
    """Distinct labelled channel ids in label-file order (54 SMAP + 27 MSL = 81; P-2 once, T-10 excluded)."""
    seen: dict[str, None] = {}
    for r in label_rows(spacecraft, source=source):
        seen.setdefault(r.chan_id)
    return list(seen)


def all_channel_ids(source: str | Path | None = None) -> list[str]:
    """Every channel with arrays (labelled or not, sorted): 82, including the unlabelled T-10."""
    if source is None:
        keys = _shipped_manifest()["arrays"]
        return sorted({k.split("/", 1)[1] for k in keys if k.startswith("test/")})
    return sorted(p.stem for p in (Path(source) / "test").glob("*.npy"))


def _read(split: str, chan: str, source: str | Path | None, manifest: dict | None) -> np.ndarray:
    if source is None:
        try:
            return read_array(_STORE, split, chan, manifest)
        except KeyError:
            raise KeyError(f"channel {chan!r} has no {split} array in {_STORE}") from None
    path = Path(source) / split / f"{chan}.npy"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing")
    try:
        a = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise CorruptDataError(f"{path} is not a readable .npy file: {exc}") from exc
    return a


def load_channel(chan_id: str, *, source: str | Path | None = None) -> Channel:
    """Load one channel's train/test arrays and label rows, validating shapes against the labels.

    Raises
    ------
    KeyError
        for an unknown channel id.
    FileNotFoundError
        for a missing file (``source`` given) or a missing shipped store.
    CorruptDataError
        naming the file when a shipped file fails its SHA-256 check; when an array is not float64 (T, D), train/test
        widths differ, D does not match the spacecraft
        (25 SMAP, 55 MSL), a command flag is not 0/1, the test length differs from ``num_values`` or a label falls
        outside the test array.
    """
    manifest = _shipped_manifest() if source is None else None
    rows = tuple(r for r in label_rows(source=source) if r.chan_id == chan_id)
    train = _read("train", chan_id, source, manifest)
    test = _read("test", chan_id, source, manifest)
    for name, a in (("train", train), ("test", test)):
        if a.ndim != 2 or a.dtype != np.float64 or a.shape[0] < 1:
            raise CorruptDataError(f"{chan_id} {name}: expected float64 (T, D), got {a.dtype} {a.shape}")
        cmd = a[:, 1:]
        if not np.all((cmd == 0.0) | (cmd == 1.0)) or not np.all(np.isfinite(a[:, 0])):
            raise CorruptDataError(f"{chan_id} {name}: command columns must be 0/1 and values finite")
    if train.shape[1] != test.shape[1]:
        raise CorruptDataError(f"{chan_id}: train has D={train.shape[1]}, test D={test.shape[1]}")
    D = test.shape[1]
    if rows:
        sc = rows[0].spacecraft
    else:
        inferred = [s for s, d in N_COLUMNS.items() if d == D]
        if not inferred:
            raise CorruptDataError(f"{chan_id}: D={D} matches no spacecraft {N_COLUMNS}")
        sc = inferred[0]
    if N_COLUMNS[sc] != D:
        raise CorruptDataError(f"{chan_id} ({sc}): D={D}, expected {N_COLUMNS[sc]}")
    for r in rows:
        if r.num_values != test.shape[0]:
            raise CorruptDataError(f"{chan_id}: label row {r.row} says {r.num_values} test values, array has "
                                   f"{test.shape[0]}")
    return Channel(chan_id, sc, train, test, rows)
