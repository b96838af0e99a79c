"""ESA OPS-SAT anomaly detection data set (OPS-SAT-AD), segment-level feature table, official split.

Source: Ruszczak, Kotowski, Evans, Nalepa, "The OPS-SAT benchmark for detecting anomalies in satellite telemetry",
arXiv:2407.04730; data DOI 10.5281/zenodo.12588359 (CC BY 4.0). Provenance of the shipped copy:
``fdir/data/PROVENANCE.md``.

One row per telemetry segment of the ADCS channels CADC0872..CADC0894: ``segment`` id, ``anomaly`` (0/1),
``train`` (0/1, the official split), ``channel``, ``sampling`` (s, 1 or 5) and the 18 hand-crafted features of
:data:`FEATURES` (``duration`` in s, ``len`` in samples, statistics of the raw values and their differences).
Split only by the ``train`` column (segments of one channel are correlated; random splits leak).
"""

from __future__ import annotations

import hashlib
import io
import lzma
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fdir.data._store import CorruptDataError
from fdir.data.checksums import read_verified

__all__ = ["COLUMNS", "FEATURES", "OPSSAT_MD5", "CorruptDataError", "OpsSatSplit", "load_frame", "load_split"]

FEATURES = ("duration", "len", "mean", "var", "std", "kurtosis", "skew", "n_peaks", "smooth10_n_peaks",
            "smooth20_n_peaks", "diff_peaks", "diff2_peaks", "diff_var", "diff2_var", "gaps_squared",
            "len_weighted", "var_div_duration", "var_div_len")
"""The 18 segment features of arXiv:2407.04730, in file order."""
COLUMNS = ("segment", "anomaly", "train", "channel", "sampling", *FEATURES)
OPSSAT_MD5 = "a1dcf1e3f023337defc3a049bb18516b"
"""MD5 of the ``dataset.csv`` copy shipped here (as given in ../shared/data/telemetry/README.md)."""
_SHIPPED = Path(__file__).resolve().parent / "opssat_ad.csv.xz"


@dataclass(frozen=True)
class OpsSatSplit:
    """Official split: ``X_*`` (n, 18) float64 features in :data:`FEATURES` order, ``y_*`` (n,) int 0/1 (1 =
    anomaly), ``channel_*`` (n,) str, ``sampling_s_*`` (n,) float sampling period (s), ``segment_*`` (n,) ids."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    channel_train: np.ndarray
    channel_test: np.ndarray
    sampling_s_train: np.ndarray
    sampling_s_test: np.ndarray
    segment_train: np.ndarray
    segment_test: np.ndarray


def _raw_bytes(source: str | Path | None) -> tuple[bytes, str]:
    if source is None:
        if not _SHIPPED.is_file():
            raise FileNotFoundError(f"shipped OPS-SAT-AD copy {_SHIPPED} is missing")
        try:
            raw = lzma.decompress(read_verified(_SHIPPED))
        except lzma.LZMAError as exc:
            raise CorruptDataError(f"{_SHIPPED} is not a valid .xz file: {exc}") from exc
        if hashlib.md5(raw).hexdigest() != OPSSAT_MD5:
            raise CorruptDataError(f"{_SHIPPED}: decompressed CSV fails its MD5 check ({OPSSAT_MD5})")
        return raw, str(_SHIPPED)
    path = Path(source)
    if path.is_dir():
        path = path / "dataset.csv"
    if not path.is_file():
        raise FileNotFoundError(f"OPS-SAT-AD table {path} is missing")
    return path.read_bytes(), str(path)


def load_frame(source: str | Path | None = None):
    """The feature table as a pandas DataFrame (2,123 rows for the published file), columns :data:`COLUMNS`.

    ``source``: None (shipped copy: the .xz file checked against ``SHA256SUMS.txt``, :mod:`fdir.data.checksums`,
    and the decompressed CSV against its published MD5), a ``dataset.csv`` path or a folder holding one.

    Raises
    ------
    FileNotFoundError
        for a missing file.
    CorruptDataError
        naming the file for a checksum mismatch; for wrong columns, missing values, labels outside {0, 1} or
        duplicate segments.
    """
    import pandas as pd

    raw, where = _raw_bytes(source)
    try:
        df = pd.read_csv(io.BytesIO(raw))
    except (ValueError, pd.errors.ParserError) as exc:
        raise CorruptDataError(f"{where} is not a readable CSV: {exc}") from exc
    if tuple(df.columns) != COLUMNS:
        raise CorruptDataError(f"{where}: columns {list(df.columns)} != {list(COLUMNS)}")
    if df.isna().any().any():
        raise CorruptDataError(f"{where}: missing values in columns {list(df.columns[df.isna().any()])}")
    for col in ("anomaly", "train"):
        if not df[col].isin((0, 1)).all():
            raise CorruptDataError(f"{where}: column {col!r} must hold only 0/1")
    if df["segment"].duplicated().any():
        raise CorruptDataError(f"{where}: duplicate segment ids")
    if not ((df["train"] == 1).any() and (df["train"] == 0).any()):
        raise CorruptDataError(f"{where}: the official split needs train==1 and train==0 rows")
    return df


def load_split(source: str | Path | None = None) -> OpsSatSplit:
    """The official train/test split (``train`` column) as arrays; see :func:`load_frame` for errors."""
    df = load_frame(source)
    tr = df["train"].to_numpy() == 1

    def part(mask):
        sub = df[mask]
        return (sub[list(FEATURES)].to_numpy(np.float64), sub["anomaly"].to_numpy(np.int64),
                sub["channel"].to_numpy(str), sub["sampling"].to_numpy(np.float64), sub["segment"].to_numpy(np.int64))

    Xa, ya, ca, sa, ga = part(tr)
    Xb, yb, cb, sb, gb = part(~tr)
    return OpsSatSplit(Xa, ya, Xb, yb, ca, cb, sa, sb, ga, gb)
