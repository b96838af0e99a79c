"""Nonparametric dynamic thresholding (NDT), the onboard part: parameters, the per-window rule and the streaming
thresholder. numpy only (part of :mod:`fdir.runtime`).

Source: Hundman, Constantinou, Laporte, Colwell, Soderstrom, "Detecting Spacecraft Anomalies Using LSTMs and
Nonparametric Dynamic Thresholding", KDD 2018, arXiv:1802.04431, §3.2-3.3, and ``khundman/telemanom``
(``config.yaml``, ``telemanom/errors.py``). The steps (smoothing, windows, z search, flags, pruning) are described in
:mod:`fdir.ndt`, which adds the whole-series functions (:func:`fdir.ndt.detect`, :func:`fdir.ndt.detect_any`) on
top of the pieces defined here:

* :class:`NDTParams` — the thresholding parameters (telemanom defaults);
* :func:`find_z`, :func:`window_flags`, :func:`prune`, :func:`window_pass` — steps 2-4 on one window;
* :class:`StreamingNDT` — the same rule one error at a time with buffers sized once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "SCHEDULES",
    "NDTParams",
    "StreamingNDT",
    "find_z",
    "prune",
    "runs",
    "window_flags",
    "window_pass",
]


SCHEDULES = ("causal", "telemanom")


@dataclass(frozen=True)
class NDTParams:
    """telemanom thresholding parameters (defaults: ``khundman/telemanom`` config.yaml, reference sheet §3).

    batch_size : values added per threshold update (70).
    window_size : trailing batches per threshold window (30; window = 2,100 values).
    smoothing_perc : EWMA span as a fraction of the window (0.05 → span 105).
    error_buffer : values added on both sides of a flagged value (100).
    p : minimum relative drop between successive sorted sequence maxima to keep a sequence (0.13).
    l_s : forecaster input length; the first ``l_s`` smoothed errors are replaced by the mean of the first
        ``2 l_s``, and the first window ignores its first ``num_to_ignore`` values (250).
    z_min, z_max, z_step : threshold candidates ε = μ + zσ, z in [z_min, z_max) step z_step; z_max is also the
        fallback (2.5, 12.0, 0.5).
    max_sequences, max_fraction : candidate guards |E_seq| ≤ 5 and |e_a| < 0.5·window.
    min_rel_scale : scale guards relative to the target's std / 5-95 % range (0.05).
    min_abs_error : a window is skipped unless max e_s exceeds this (0.05, in target units).
    schedule : window schedule of :func:`fdir.ndt.windows`: ``"causal"`` (default: windows of ``window_len`` values
        every ``batch_size`` values and, at the end, one window ending at the last value; the schedule of
        :class:`StreamingNDT`, so offline detections equal the onboard runtime's for any series length) or
        ``"telemanom"`` (``khundman/telemanom``: the last window is longer and ends at the last value, which skips
        the (n − window_len) mod batch_size values before its newest batch; it needs the series length in advance).
    """

    batch_size: int = 70
    window_size: int = 30
    smoothing_perc: float = 0.05
    error_buffer: int = 100
    p: float = 0.13
    l_s: int = 250
    z_min: float = 2.5
    z_max: float = 12.0
    z_step: float = 0.5
    max_sequences: int = 5
    max_fraction: float = 0.5
    min_rel_scale: float = 0.05
    min_abs_error: float = 0.05
    schedule: str = "causal"

    def __post_init__(self) -> None:
        for name in ("smoothing_perc", "p", "z_min", "z_max", "z_step", "max_fraction", "min_rel_scale",
                     "min_abs_error"):
            if not math.isfinite(float(getattr(self, name))):
                raise ValueError(f"{name}={getattr(self, name)!r} must be a finite number")
        for name in ("batch_size", "window_size", "error_buffer"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name}={getattr(self, name)} must be an integer >= 1")
        if self.l_s < 0:
            raise ValueError(f"l_s={self.l_s} must be >= 0")
        if not 0 < self.smoothing_perc <= 1:
            raise ValueError(f"smoothing_perc={self.smoothing_perc} must be in (0, 1]")
        if not 0 <= self.p < 1:
            raise ValueError(f"p={self.p} must be in [0, 1)")
        if not (0 < self.z_step and self.z_min < self.z_max):
            raise ValueError(f"need z_step > 0 and z_min < z_max, got {self.z_min}, {self.z_max}, {self.z_step}")
        if not 0 < self.max_fraction <= 1 or self.max_sequences < 1:
            raise ValueError("max_fraction must be in (0, 1] and max_sequences >= 1")
        if self.min_rel_scale < 0 or self.min_abs_error < 0:
            raise ValueError("min_rel_scale and min_abs_error must be >= 0")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule={self.schedule!r}, accepted: {SCHEDULES}")

    @property
    def span(self) -> int:
        """EWMA span int(batch_size · window_size · smoothing_perc) (105 by default)."""
        return max(1, int(self.batch_size * self.window_size * self.smoothing_perc))

    @property
    def window_len(self) -> int:
        return self.batch_size * self.window_size

    def z_candidates(self) -> np.ndarray:
        return np.arange(self.z_min, self.z_max, self.z_step)

    def to_dict(self) -> dict:
        """Plain JSON-able dict (for bundles and result tables)."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


# ------------------------------------------------------------------------------------------ one window


def _dilate(mask: np.ndarray, r: int) -> np.ndarray:
    """mask (..., n) bool widened by ±r along the last axis (clipped at the edges)."""
    if r <= 0:
        return mask.copy()
    n = mask.shape[-1]
    c = np.concatenate([np.zeros((*mask.shape[:-1], 1), np.int64), np.cumsum(mask, axis=-1)], axis=-1)
    idx = np.arange(n)
    hi = np.minimum(idx + r + 1, n)
    lo = np.maximum(idx - r, 0)
    return (c[..., hi] - c[..., lo]) > 0


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Inclusive (start, end) of the runs of True in a 1-D bool mask."""
    m = np.asarray(mask, dtype=bool)
    if not m.any():
        return []
    d = np.diff(np.concatenate([[0], m.view(np.int8), [0]]))
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1) - 1
    return list(zip(starts.tolist(), ends.tolist()))


def _n_long_runs(mask: np.ndarray) -> np.ndarray:
    """Number of runs longer than one value per row of a 2-D bool mask."""
    m = mask.astype(np.int8)
    pad = np.zeros((m.shape[0], 1), np.int8)
    d = np.diff(np.concatenate([pad, m, pad], axis=1), axis=1)
    starts = d == 1
    ends = d == -1
    # a run is long when its start is not immediately followed by its end
    single = starts[:, :-1] & ends[:, 1:]
    return starts.sum(axis=1) - single.sum(axis=1)


def find_z(e_s: np.ndarray, mean: float, sd: float, params: NDTParams = NDTParams()) -> float:
    """Step 2: the z maximising (Δμ/μ + Δσ/σ)/(|E_seq|² + |e_a|) over the candidates (see module doc).

    ``e_s`` (n,) is the window (or its mirror), ``mean``/``sd`` the window's statistics of the *direct* errors
    (telemanom uses them for both). Returns ``params.z_max`` when no candidate qualifies or sd == 0.
    """
    e_s = np.asarray(e_s, dtype=np.float64)
    if sd <= 0 or mean == 0 or e_s.size == 0:
        return float(params.z_max)
    z = params.z_candidates()
    eps = mean + z[:, None] * sd
    above = e_s[None, :] >= eps                                    # (nz, n)
    e_a = _dilate(above, params.error_buffer - 1)
    n_a = e_a.sum(axis=1)
    n_seq = _n_long_runs(e_a)
    below = ~above
    cnt = below.sum(axis=1)
    s1 = np.where(below, e_s[None, :], 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        m_b = s1 / cnt
        var_b = np.where(below, (e_s[None, :] - m_b[:, None]) ** 2, 0.0).sum(axis=1) / cnt
        score = ((mean - m_b) / mean + (sd - np.sqrt(var_b)) / sd) / (n_seq**2 + n_a)
    ok = (n_a > 0) & (cnt > 0) & (n_seq <= params.max_sequences) & (n_a < e_s.size * params.max_fraction)
    if not ok.any():
        return float(params.z_max)
    best = np.flatnonzero(ok & (score >= np.max(score[ok])))[-1]   # ties: the larger z (telemanom's >=)
    return float(z[best])


def window_flags(e_s: np.ndarray, eps: float, y: np.ndarray, window_num: int, n_ignore: int,
                 params: NDTParams = NDTParams(), sd: float | None = None,
                 e_s_direct: np.ndarray | None = None) -> np.ndarray:
    """Step 3: bool (n,) flags of one window for threshold ``eps`` on ``e_s`` (direct or mirrored errors).

    ``y`` (n,) target values of the window (scale guards), ``window_num`` the window index (0: flag after
    ``n_ignore``; later: only the newest ``batch_size`` values), ``sd`` the window's std of the direct errors,
    ``e_s_direct`` the direct errors (the guards use them for the mirrored pass too).
    """
    e_s = np.asarray(e_s, dtype=np.float64)
    n = e_s.size
    direct = e_s if e_s_direct is None else e_s_direct
    sd = float(np.std(direct)) if sd is None else sd
    if n == 0 or sd <= 0:
        return np.zeros(n, bool)
    hi, lo = np.percentile(y, [95, 5])
    inter = hi - lo
    emax = float(np.max(direct))
    big_enough = sd > params.min_rel_scale * float(np.std(y)) or emax > params.min_rel_scale * inter
    if not big_enough or not emax > params.min_abs_error:
        return np.zeros(n, bool)
    hit = (e_s >= eps) & (e_s > params.min_rel_scale * inter)
    flags = _dilate(hit, params.error_buffer)
    keep = np.zeros(n, bool)
    if window_num == 0:
        keep[n_ignore:] = True
    else:
        keep[max(n - params.batch_size, 0):] = True
    return flags & keep


def prune(e_s: np.ndarray, flags: np.ndarray, prior: np.ndarray, params: NDTParams = NDTParams()) -> np.ndarray:
    """Step 4: drop flagged sequences whose maxima do not stand out by ``p`` (see module doc).

    ``flags`` (n,) from :func:`window_flags`; ``prior`` (n,) bool, values of this window flagged by earlier
    windows (excluded from the largest non-flagged error). Returns the kept flags (n,) bool; values in
    single-value runs are dropped here as in telemanom.
    """
    seqs = [(a, b) for a, b in runs(flags) if b > a]
    out = np.zeros_like(flags)
    if not seqs:
        return flags.copy()   # telemanom leaves single values untouched here; detect() drops them at the end
    maxima = np.array([e_s[a:b + 1].max() for a, b in seqs])
    free = ~(flags | prior)
    non_anom_max = float(e_s[free].max()) if free.any() else -np.inf
    m = np.append(np.sort(maxima)[::-1], non_anom_max)
    keep_n = 0
    for i in range(len(m) - 1):
        if m[i] != 0 and (m[i] - m[i + 1]) / m[i] >= params.p:
            keep_n = i + 1
    if keep_n == 0:
        return out
    thresh = m[keep_n - 1]
    for (a, b), mx in zip(seqs, maxima):
        if mx >= thresh:
            out[a:b + 1] = flags[a:b + 1]
    return out


# ------------------------------------------------------------------------------------------- whole window


def window_pass(e_s_w: np.ndarray, y_w: np.ndarray, i: int, n_ign: int, prior_w: np.ndarray,
                params: NDTParams = NDTParams()) -> tuple[np.ndarray, float, float, float, float]:
    """Steps 2-4 on one window, direct and mirrored errors: ``e_s_w`` (n,) smoothed errors, ``y_w`` (n,) target
    values, ``i`` the window index, ``n_ign`` the first window's ignored prefix, ``prior_w`` (n,) bool values
    flagged by earlier windows. Returns ``(kept (n,) bool, ε, ε_inv, μ, σ)``."""
    mean, sd = float(np.mean(e_s_w)), float(np.std(e_s_w))
    inv = 2.0 * mean - e_s_w
    z = find_z(e_s_w, mean, sd, params)
    z_inv = find_z(inv, mean, sd, params)
    eps, eps_inv = mean + z * sd, mean + z_inv * sd
    f = window_flags(e_s_w, eps, y_w, i, n_ign, params, sd)
    f_inv = window_flags(inv, eps_inv, y_w, i, n_ign, params, sd, e_s_direct=e_s_w)
    kept = prune(e_s_w, f, prior_w, params) | prune(inv, f_inv, prior_w, params)
    return kept, eps, eps_inv, mean, sd


# ------------------------------------------------------------------------------------------------ streaming


class StreamingNDT:
    """The same thresholding one error at a time, with buffers sized once (for :mod:`fdir.runtime`).

    ``push(e, y)`` takes one raw error and its target value and returns ``None`` or, when a batch completes a
    window, the (start, end) half-open range of error indices just decided; :attr:`flags_out` (capacity,) holds
    the decisions of the last ``window_len + batch_size`` values (ring buffer by error index modulo capacity).
    ``hold(y)`` stands in for a missing error (an invalid sample): it pushes the current smoothed error
    :attr:`level`, so the smoothed stream keeps its value and the index schedule stays aligned with the samples.
    ``finish()`` decides the trailing values at the end of a stream. The stream always runs the ``"causal"``
    schedule (:attr:`NDTParams.schedule` is not read): with the same inputs its decisions equal
    :func:`fdir.ndt.detect`'s ``flags`` with ``schedule="causal"`` (tested); with ``"telemanom"`` they differ only
    in the last window, telemanom's being longer and skipping the (n − window_len) mod batch_size values before its
    newest batch, while the stream decides every batch.
    ``n_ignore`` is the first window's ignored prefix (2·l_s by default; :func:`fdir.ndt.detect` lowers it for
    channels shorter than 2,500 values).
    """

    def __init__(self, params: NDTParams = NDTParams(), n_ignore: int | None = None) -> None:
        self.params = params
        self.n_ignore = 2 * params.l_s if n_ignore is None else int(n_ignore)
        self.capacity = params.window_len + params.batch_size
        self._e_s = np.zeros(self.capacity)
        self._y = np.zeros(self.capacity)
        self.flags_out = np.zeros(self.capacity, bool)
        self._a = 1.0 - 2.0 / (params.span + 1.0)
        self.reset()

    def reset(self) -> None:
        self._num = self._den = 0.0
        self.n = 0
        self._next_end = self.params.window_len
        self._window = 0
        self._prefix_done = self.params.l_s == 0
        self.flags_out[:] = False

    def _slice(self, a: int, b: int) -> np.ndarray:
        return (np.arange(a, b) % self.capacity)

    def _evaluate(self, a: int, b: int) -> tuple[int, int]:
        idx = self._slice(a, b)
        if not self._prefix_done:
            ls = self.params.l_s
            first = self._e_s[self._slice(0, min(2 * ls, self.n))]
            self._e_s[self._slice(0, min(ls, self.n))] = first.mean()
            self._prefix_done = True
        kept, *_ = window_pass(self._e_s[idx], self._y[idx], self._window, self.n_ignore,
                               self.flags_out[idx], self.params)
        self.flags_out[idx] |= kept
        self._window += 1
        lo = a if self._window == 1 else max(b - self.params.batch_size, a)
        return lo, b

    @property
    def level(self) -> float:
        """The current smoothed error e_s (EWMA of the errors pushed so far; 0.0 before the first one)."""
        return self._num / self._den if self._den > 0.0 else 0.0

    def push(self, e: float, y: float) -> tuple[int, int] | None:
        """Add raw error ``e`` (>= 0, target units) with target value ``y``; returns the decided range or None.

        Raises
        ------
        ValueError
            when ``e`` or ``y`` is not finite (the EWMA and the window statistics would stay NaN for good; an
            invalid sample goes through :meth:`hold` instead).
        """
        e, y = float(e), float(y)
        if not (math.isfinite(e) and math.isfinite(y)):
            raise ValueError(f"e={e!r} and y={y!r} must be finite (use hold() for a missing error)")
        self._num = e + self._a * self._num
        self._den = 1.0 + self._a * self._den
        k = self.n % self.capacity
        self._e_s[k] = self._num / self._den
        self._y[k] = y
        self.flags_out[k] = False
        self.n += 1
        if self.n == self._next_end:
            start = self.n - self.params.window_len
            self._next_end += self.params.batch_size
            return self._evaluate(start, self.n)
        return None

    def hold(self, y: float) -> tuple[int, int] | None:
        """Push a missing error: e = :attr:`level`, so e_s keeps its value (an EWMA fed its own mean is unchanged);
        ``y`` is the target value kept for the scale guards (the last valid one). Same return as :meth:`push`."""
        return self.push(self.level, y)

    def finish(self) -> tuple[int, int] | None:
        """Decide the values after the last full window at the end of the stream; None if there are none.

        Fewer than ``window_len`` values in all: one window over everything (the first window of
        :func:`fdir.ndt.detect`).
        Otherwise a window ending at the last value whose newest ``batch_size`` values are decided.
        """
        h = self.params.batch_size
        if self._window == 0:
            return self._evaluate(0, self.n) if self.n >= h else None
        last_end = self._next_end - h
        if self.n <= last_end:
            return None
        return self._evaluate(last_end - self.params.window_len + h, self.n)

    def flags(self, a: int, b: int) -> np.ndarray:
        """Decisions for error indices [a, b) still held in the ring buffer."""
        if a < max(0, self.n - self.capacity) or b > self.n:
            raise ValueError(f"range [{a}, {b}) is not in the buffer [{max(0, self.n - self.capacity)}, {self.n})")
        return self.flags_out[self._slice(a, b)]
