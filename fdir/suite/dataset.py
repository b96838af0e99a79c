"""The robustness suite as a data set: labelled series generated from the equations of :mod:`fdir.suite.signals`
and :mod:`fdir.suite.anomalies`, deterministic by seed.

Plan (:func:`plan`): for every signal class and every anomaly type compatible with it
(:data:`fdir.suite.anomalies.COMPATIBLE`, 54 pairs including the anomaly-free ``none``), :data:`REPLICATES` = 4
series whose lengths are drawn log-uniformly in the replicate's length band of :data:`LENGTH_BANDS` (500 to
20,000 samples in four log-spaced bands), so the full suite (``subset="all"``) has 216 series and the
``"small"`` subset (replicate 0 of every pair: 54 series of 500-1,257 samples) covers every pair quickly
(:data:`SUBSETS`).

Each series (:func:`make_series`): the first :data:`TRAIN_FRACTION` = 40 % of the samples are the nominal training
prefix (never anomalous); an anomalous series carries 1-3 anomalies of its type (a level shift: exactly one, which
persists to the end) placed in equal slots of the remaining test part, each on one channel (drawn for
multichannel series), so that every labelled interval changes at least one sample (re-drawn otherwise).
Labels are inclusive [start, end] sample indices of the whole series.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from fdir.suite.anomalies import ANOMALY_TYPES, COMPATIBLE, anomaly_unit, apply, inject, interval_length
from fdir.suite.signals import DT_S, SIGNAL_CLASSES, make_signal, observe

__all__ = ["LENGTH_BANDS", "REPLICATES", "SUBSETS", "TRAIN_FRACTION", "Series", "load", "make_series", "plan",
           "summary"]

TRAIN_FRACTION = 0.4
"""Share of each series that is the anomaly-free training prefix."""

REPLICATES = 4
"""Series per (signal class, anomaly type) pair, one per length band."""

LENGTH_BANDS = tuple(zip(np.geomspace(500, 20000, REPLICATES + 1)[:-1].round().astype(int).tolist(),
                         np.geomspace(500, 20000, REPLICATES + 1)[1:].round().astype(int).tolist(), strict=True))
"""(low, high) sample-count band of each replicate: log-spaced from 500 to 20,000."""

SUBSETS = ("all", "medium", "small")
"""``all``: every replicate (216 series); ``medium``: replicates 0 and 1 (108 series of 500-3,162 samples);
``small``: replicate 0 of every pair (54 series of 500-1,257 samples)."""

_MAX_TRIES = 50


@dataclass(frozen=True, eq=False)
class Series:
    """One labelled series of the suite.

    ``values`` (T, D) observations in the series' own units; ``nominal`` (T, D) the same series without its
    anomalies (same noise draw); ``time_s`` (T,) seconds from the first sample; ``labels`` (k, 2) inclusive
    [start, end] sample indices (k = 0 for ``anomaly == "none"``); ``label_channels`` (k,) the channel each label
    acts on; ``n_train`` length of the anomaly-free training prefix; ``seed`` the generator's seed
    (``make_series(signal_class, anomaly, T, seed)`` regenerates it); ``anomaly_params`` one dict per label (the
    drawn equation parameters of :mod:`fdir.suite.anomalies`); ``signal_params`` the drawn class parameters plus
    ``noise_std`` (D,), ``step``, ``cycle_period`` / ``cycle_amp`` / ``cycle_phase`` where the class has a cycle.
    """

    name: str
    signal_class: str
    anomaly: str
    values: np.ndarray
    nominal: np.ndarray
    time_s: np.ndarray
    labels: np.ndarray
    label_channels: np.ndarray
    n_train: int
    seed: int
    anomaly_params: tuple[dict, ...] = ()
    signal_params: dict = field(default_factory=dict)

    @property
    def length(self) -> int:
        """T, samples."""
        return int(self.values.shape[0])

    @property
    def channels(self) -> int:
        """D, channels."""
        return int(self.values.shape[1])

    @property
    def train(self) -> np.ndarray:
        """(n_train, D) nominal training prefix."""
        return self.values[:self.n_train]

    @property
    def test(self) -> np.ndarray:
        """(T − n_train, D) the part after the training prefix."""
        return self.values[self.n_train:]

    @property
    def test_labels(self) -> np.ndarray:
        """(k, 2) labels in :attr:`test` sample indices."""
        return self.labels - self.n_train


def make_series(signal_class: str, anomaly: str, length: int, seed: int, name: str = "") -> Series:
    """Generate one series (module doc) of ``signal_class`` (:data:`~fdir.suite.signals.SIGNAL_CLASSES`) with
    anomalies of type ``anomaly`` (:data:`~fdir.suite.anomalies.COMPATIBLE` for that class), ``length`` samples,
    from ``numpy.random.default_rng(seed)``.

    Raises
    ------
    ValueError
        naming the parameter: unknown class, a type not compatible with the class, ``length`` outside
        [100, 10⁶] or a negative or non-integer ``seed``.
    """
    if signal_class not in SIGNAL_CLASSES:
        raise ValueError(f"signal_class={signal_class!r}, accepted: {SIGNAL_CLASSES}")
    if anomaly not in COMPATIBLE[signal_class]:
        raise ValueError(f"anomaly={anomaly!r}, accepted for {signal_class!r}: {COMPATIBLE[signal_class]}")
    if not isinstance(length, (int, np.integer)) or not 100 <= length <= 10**6:
        raise ValueError(f"length={length!r}, accepted: an integer in [100, 1e6]")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed={seed!r}, accepted: a non-negative integer")
    T = int(length)
    rng = np.random.default_rng(int(seed))
    sig = make_signal(signal_class, T, rng)
    y0 = observe(sig.mean + sig.noise, sig)
    D = y0.shape[1]
    n_train = int(TRAIN_FRACTION * T)
    n_test = T - n_train
    unit = anomaly_unit(y0[:n_train], sig.step)
    labels, chans, params = [], [], []
    x = y0
    if anomaly != "none":
        for _ in range(_MAX_TRIES):
            m, n, over = sig.mean, sig.noise, np.full(y0.shape, np.nan)
            labels, chans, params = [], [], []
            if anomaly == "level_shift":
                spans = [(int(rng.integers(n_train + n_test // 5, n_train + 4 * n_test // 5)), T - 1)]
            else:
                k = int(rng.integers(1, 4))
                slot = n_test // k
                spans = []
                for i in range(k):
                    L = min(interval_length(anomaly, sig, n_test, rng), slot - 2)
                    lo = n_train + i * slot + 1
                    a = int(rng.integers(lo, lo + slot - L))
                    spans.append((a, a + L - 1))
            x = y0
            for a, b in spans:
                j = int(rng.integers(D)) if D > 1 else 0
                m, n, o, p = inject(anomaly, sig, m, n, x, a, b, j, float(unit[j]), rng)
                over = np.where(np.isnan(o), over, o)
                x = apply(sig, m, n, over)
                labels.append((a, b))
                chans.append(j)
                params.append(p)
            if all((x[a:b + 1, j] != y0[a:b + 1, j]).any() for (a, b), j in zip(labels, chans, strict=True)):
                break
        else:  # pragma: no cover - the equations change the signal with probability one except for ``stuck``
            raise RuntimeError(f"{signal_class}/{anomaly} seed {seed}: no placement changed the signal")
    sp = {k: v for k, v in sig.params.items() if k != "factor"}
    sp.update(noise_std=sig.noise_std.tolist(), step=sig.step, unit=unit.tolist())
    if sig.cycle_period is not None:
        sp.update(cycle_period=sig.cycle_period, cycle_amp=sig.cycle_amp.tolist(), cycle_phase=sig.cycle_phase)
    return Series(name or f"{signal_class}-{anomaly}", signal_class, anomaly, x, y0,
                  np.arange(T) * DT_S[signal_class], np.asarray(labels, np.int64).reshape(-1, 2),
                  np.asarray(chans, np.int64), n_train, int(seed), tuple(params), sp)


def plan(subset: str = "all", seed: int = 0) -> pd.DataFrame:
    """The suite's plan (module doc) without generating it: one row per series with ``name``, ``signal_class``,
    ``anomaly``, ``replicate``, ``length``, ``seed``.

    Raises
    ------
    ValueError
        for ``subset`` not in :data:`SUBSETS` or a negative or non-integer ``seed``.
    """
    if subset not in SUBSETS:
        raise ValueError(f"subset={subset!r}, accepted: {SUBSETS}")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed={seed!r}, accepted: a non-negative integer")
    reps = range({"all": REPLICATES, "medium": 2, "small": 1}[subset])
    rows = []
    for ci, cls in enumerate(SIGNAL_CLASSES):
        for kind in COMPATIBLE[cls]:
            ai = ANOMALY_TYPES.index(kind)
            for r in reps:
                rng = np.random.default_rng([int(seed), ci, ai, r])
                lo, hi = LENGTH_BANDS[r]
                T = round(float(np.exp(rng.uniform(np.log(lo), np.log(hi)))))
                rows.append({"name": f"{cls}-{kind}-{r}", "signal_class": cls, "anomaly": kind, "replicate": r,
                             "length": T, "seed": int(rng.integers(2**31))})
    return pd.DataFrame(rows)


def load(subset: str = "all", seed: int = 0) -> list[Series]:
    """Generate the suite's series (module doc), in plan order. Same ``subset`` and ``seed`` -> identical series.

    Raises
    ------
    ValueError
        as :func:`plan`.
    """
    return [make_series(r.signal_class, r.anomaly, r.length, r.seed, r.name) for r in plan(subset, seed).itertuples()]


def summary(series: list[Series]) -> pd.DataFrame:
    """One row per series: ``name``, ``signal_class``, ``anomaly``, ``length``, ``channels``, ``n_train``,
    ``n_anomalies``, ``anomalous_fraction`` (labelled share of the test part), ``dt_s``, ``seed``."""
    rows = []
    for s in series:
        lab = int(sum(b - a + 1 for a, b in s.labels))
        rows.append({"name": s.name, "signal_class": s.signal_class, "anomaly": s.anomaly, "length": s.length,
                     "channels": s.channels, "n_train": s.n_train, "n_anomalies": len(s.labels),
                     "anomalous_fraction": lab / (s.length - s.n_train),
                     "dt_s": float(s.time_s[1] - s.time_s[0]), "seed": s.seed})
    return pd.DataFrame(rows)
