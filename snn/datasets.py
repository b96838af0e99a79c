"""Small offline data sets as spike/event sequences for training checks and examples.

:func:`digits` - scikit-learn's 8x8 handwritten digits (1797 images, 10 classes; Alpaydin & Kaynak 1998, UCI
"Optical Recognition of Handwritten Digits"; shipped inside the scikit-learn wheel, no download), split with a
fixed seed into 1437 training and 360 test images (stratified), encoded as (N, T, 64) sequences.
"""

from __future__ import annotations

import numpy as np

ENCODINGS = ("rate", "latency", "current")


def encode(images: np.ndarray, T: int, encoding: str = "rate", seed: int = 0) -> np.ndarray:
    """Encode intensities in [0, 1] of shape (N, F) into (N, T, F) float32 sequences.

    ``rate``: Bernoulli spikes with probability = intensity per step (Poisson-like rate code);
    ``latency``: one spike at step ``round((1 - intensity) (T - 1))`` for intensity > 0 (time-to-first-spike code);
    ``current``: the intensity itself at every step (direct/analog input).
    Raises ValueError for T < 1, an unknown encoding, images not (N, F) or intensities outside [0, 1] (NaN, inf).
    """
    if T < 1:
        raise ValueError(f"T={T} must be >= 1")
    if encoding not in ENCODINGS:
        raise ValueError(f"encoding={encoding!r}, accepted: {ENCODINGS}")
    x = np.asarray(images, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"images must have shape (N, F), got {x.shape}")
    if x.size and not (np.all(np.isfinite(x)) and x.min() >= 0 and x.max() <= 1):
        raise ValueError("images must hold finite intensities in [0, 1] (no NaN or inf)")
    N, F = x.shape
    if encoding == "current":
        return np.broadcast_to(x[:, None, :], (N, T, F)).astype(np.float32)
    if encoding == "rate":
        rng = np.random.default_rng(seed)
        return (rng.random((N, T, F)) < x[:, None, :]).astype(np.float32)
    out = np.zeros((N, T, F), np.float32)
    n, f = np.nonzero(x > 0)
    t = np.round((1.0 - x[n, f]) * (T - 1)).astype(np.int64)
    out[n, t, f] = 1.0
    return out


def digits(T: int = 16, encoding: str = "rate", seed: int = 0, test_size: int = 360
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn digits as sequences: ``(x_train (N, T, 64), y_train (N,), x_test, y_test)``, pixels / 16.

    The split is stratified with ``random_state=seed`` (1437/360 by default); rate codes draw with ``seed``.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    xtr, xte, ytr, yte = train_test_split(d.data / 16.0, d.target, test_size=test_size, random_state=seed,
                                          stratify=d.target)
    return (encode(xtr, T, encoding, seed), ytr.astype(np.int32), encode(xte, T, encoding, seed + 1),
            yte.astype(np.int32))
