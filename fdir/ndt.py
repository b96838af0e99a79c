"""Nonparametric dynamic thresholding (NDT) of forecast errors, the telemanom method. numpy only.

Source: Hundman, Constantinou, Laporte, Colwell, Soderstrom, "Detecting Spacecraft Anomalies Using LSTMs and
Nonparametric Dynamic Thresholding", KDD 2018, arXiv:1802.04431, §3.2-3.3, and its reference implementation
``khundman/telemanom`` (``config.yaml``, ``telemanom/errors.py``), whose rules and defaults are followed here
(re-implemented, vectorised over the threshold candidates). Reference sheet: ``fdir.md`` §3.

Pipeline on one channel (errors are in the units of the forecast target; indices are error indices k, the
error of test sample ``k + offset``):

0. raw error e_k = |ŷ_k − y_k| (first-step forecast); smoothed e_s = EWMA(e, span h·w·smoothing_perc = 105) with
   pandas' ``adjust=True`` weights; the first ``l_s`` values are replaced by mean(e_s[:2·l_s])
   (:func:`smooth_errors`).
1. Windows of ``window_size`` trailing batches of ``batch_size`` values (30 x 70 = 2,100), advancing one batch at
   a time; the last window ends at the last value (:func:`windows`; ``NDTParams.schedule`` "causal", the default
   and the onboard runtime's, or telemanom's longer last window).
2. Per window (mean μ, std σ of e_s): for z in 2.5, 3.0, ..., 11.5, ε = μ + zσ; e_a = {e_s ≥ ε} widened by
   ±(error_buffer − 1); Δμ = μ − mean(e_s < ε), Δσ = σ − std(e_s < ε); score = (Δμ/μ + Δσ/σ)/(|E_seq|² + |e_a|),
   E_seq the runs of e_a longer than one value. The largest score wins (ties: larger z), subject to
   |E_seq| ≤ 5 and |e_a| < 50 % of the window; none qualifies → z = 12 (:func:`find_z`). The same on the
   mirrored errors 2μ − e_s (drops below normal).
3. Flag e_s ≥ ε that also exceed 5 % of the 5-95 % range of the target values, widened by ±error_buffer; only
   the newest batch of each window is flagged (the first window: everything after ``num_to_ignore`` values).
   Windows whose errors are negligible against the signal (σ ≤ 5 % of std(y) and max e_s ≤ 5 % of the range, or
   max e_s ≤ 0.05 absolute) flag nothing (:func:`window_flags`).
4. Pruning: sequence maxima sorted descending m_1 ≥ m_2 ≥ ..., then the largest error of the window that is not
   flagged (now or before); sequences after the last i with (m_i − m_{i+1})/m_i ≥ p = 0.13 are dropped
   (:func:`prune`).
5. Flags of all windows (direct and mirrored) are grouped into runs; single-value runs are discarded; indices are
   shifted by ``offset`` (telemanom: ``l_s``) to test-array coordinates (:func:`detect`).

A ``sd == 0`` window (constant errors) flags nothing (telemanom would divide by zero there).
:func:`detect_any` thresholds several error streams of one channel (e.g. the members of a forecaster pair) each with
its own NDT and flags a value when any stream flags it (logical OR of the flags before step 5).
:class:`StreamingNDT` runs the same rule one error at a time with fixed-size buffers (for :mod:`fdir.runtime`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "SCHEDULES",
    "NDTParams",
    "NDTResult",
    "StreamingNDT",
    "detect",
    "detect_any",
    "ewma",
    "find_z",
    "num_to_ignore",
    "prune",
    "runs",
    "smooth_errors",
    "window_flags",
    "windows",
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
    schedule : window schedule of :func:`windows`: ``"causal"`` (default: windows of ``window_len`` values every
        ``batch_size`` values and, at the end, one window ending at the last value; the schedule of
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


@dataclass
class NDTResult:
    """Output of :func:`detect`.

    sequences : list of inclusive (start, end) anomalous sequences in test-array coordinates (error index +
        offset), single-value runs removed.
    flags : (n,) bool per error index (before the single-value removal).
    e_s : (n,) smoothed errors.
    epsilon, epsilon_inv : (n_windows,) thresholds of each window (direct, mirrored errors).
    scores : per sequence, max over the sequence of |e_s − ε|/(μ + σ) (telemanom's anomaly score, with ε, μ, σ of
        the window that flagged it).
    members : for :func:`detect_any`, the K per-stream results whose flags were OR-ed (then ``e_s`` is (K, n) and
        ``epsilon``, ``epsilon_inv`` are (K, n_windows)); empty for :func:`detect`.
    """

    sequences: list[tuple[int, int]]
    flags: np.ndarray
    e_s: np.ndarray
    epsilon: np.ndarray
    epsilon_inv: np.ndarray
    scores: list[float] = field(default_factory=list)
    members: tuple[NDTResult, ...] = ()


# --------------------------------------------------------------------------------------------- smoothing


def ewma(x: np.ndarray, span: float) -> np.ndarray:
    """Exponentially weighted moving average with pandas' ``adjust=True`` weights (``Series.ewm(span).mean()``).

    y_t = Σ_{i≤t} (1−α)^{t−i} x_i / Σ_{i≤t} (1−α)^{t−i}, α = 2/(span + 1). ``x`` (n,) → (n,) float64.

    Raises
    ------
    ValueError
        for span < 1 or ``x`` not 1-D.
    """
    if span < 1:
        raise ValueError(f"span={span} must be >= 1")
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"x must be 1-D, got shape {x.shape}")
    a = 1.0 - 2.0 / (span + 1.0)
    out = np.empty_like(x)
    num = den = 0.0
    for t, v in enumerate(x.tolist()):
        num = v + a * num
        den = 1.0 + a * den
        out[t] = num / den
    return out


def smooth_errors(e: np.ndarray, params: NDTParams = NDTParams()) -> np.ndarray:
    """Step 0: EWMA of the raw errors ``e`` (n,), first ``l_s`` values replaced by mean(e_s[:2 l_s])."""
    e_s = ewma(e, params.span)
    if params.l_s > 0 and e_s.size:
        e_s[: params.l_s] = np.mean(e_s[: 2 * params.l_s])
    return e_s


def windows(n: int, params: NDTParams = NDTParams()) -> list[tuple[int, int]]:
    """Step 1: the (start, end) half-open windows over n error values (h = batch_size, w = window_size).

    ``params.schedule == "causal"`` (:class:`StreamingNDT`'s): windows [e − w·h, e) for e = w·h, w·h + h, ... ≤ n;
    when the last of them ends at e_last < n, one more window [e_last − w·h + h, n) (its newest batch is decided);
    n < w·h: the single window [0, n).
    ``"telemanom"``: n_windows = trunc((n − h·w)/h) (the window count shrinks for short channels); window i spans
    [i·h, min(w·h + i·h, n)), the last one [n_windows·h, n).

    Raises
    ------
    ValueError
        when n < batch_size (telemanom: "Batch_size larger than y_test").
    """
    h, w = params.batch_size, params.window_size
    if n < h:
        raise ValueError(f"n={n} error values < batch_size={h}: too short to threshold")
    if params.schedule == "causal":
        W = params.window_len
        if n < W:
            return [(0, n)]
        out = [(e - W, e) for e in range(W, n + 1, h)]
        if out[-1][1] < n:
            out.append((out[-1][1] - W + h, n))
        return out
    n_windows = int((n - h * w) / h)
    ws = w
    while n_windows < 0:
        ws -= 1
        n_windows = int((n - h * ws) / h)
    out = []
    for i in range(n_windows + 1):
        end = n if i == n_windows else min(w * h + i * h, n)
        out.append((i * h, end))
    return out


def num_to_ignore(n: int, params: NDTParams = NDTParams()) -> int:
    """Values ignored at the start of the first window: 2·l_s, l_s when n < 2,500, 0 when n < 1,800."""
    if n < 1800:
        return 0
    if n < 2500:
        return params.l_s
    return 2 * params.l_s


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


# ------------------------------------------------------------------------------------------- whole channel


def _window_pass(e_s_w, y_w, i, n_ign, prior_w, params):
    mean, sd = float(np.mean(e_s_w)), float(np.std(e_s_w))
    inv = 2.0 * mean - e_s_w
    z = find_z(e_s_w, mean, sd, params)
    z_inv = find_z(inv, mean, sd, params)
    eps, eps_inv = mean + z * sd, mean + z_inv * sd
    f = window_flags(e_s_w, eps, y_w, i, n_ign, params, sd)
    f_inv = window_flags(inv, eps_inv, y_w, i, n_ign, params, sd, e_s_direct=e_s_w)
    kept = prune(e_s_w, f, prior_w, params) | prune(inv, f_inv, prior_w, params)
    return kept, eps, eps_inv, mean, sd


def detect(e: np.ndarray, y: np.ndarray, params: NDTParams = NDTParams(), *, offset: int | None = None,
           smoothed: bool = False) -> NDTResult:
    """Threshold one channel's forecast errors (steps 0-5 of the module doc).

    Parameters
    ----------
    e : (n,) raw absolute forecast errors (or already smoothed errors with ``smoothed=True``), target units.
    y : (n,) target values aligned with ``e`` (for the scale guards).
    offset : added to error indices to give test-array indices (default ``params.l_s``, telemanom's shift).

    Raises
    ------
    ValueError
        for mismatched or non-1-D inputs, non-finite errors, or n < batch_size.
    """
    e = np.asarray(e, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if e.ndim != 1 or y.shape != e.shape:
        raise ValueError(f"e and y must be 1-D of equal length, got {e.shape} and {y.shape}")
    if not np.all(np.isfinite(e)):
        raise ValueError("e must be finite")
    offset = params.l_s if offset is None else int(offset)
    e_s = e.copy() if smoothed else smooth_errors(e, params)
    n = e_s.size
    wins = windows(n, params)
    n_ign = num_to_ignore(n, params)
    flags = np.zeros(n, bool)
    eps_all, eps_inv_all, scores_src = [], [], np.full((n, 3), np.nan)
    for i, (a, b) in enumerate(wins):
        kept, eps, eps_inv, mean, sd = _window_pass(e_s[a:b], y[a:b], i, n_ign, flags[a:b], params)
        eps_all.append(eps)
        eps_inv_all.append(eps_inv)
        new = kept & ~flags[a:b]
        scores_src[a:b][new] = (eps, eps_inv, mean + sd)
        flags[a:b] |= kept
    seqs, scores = [], []
    for a, b in runs(flags):
        if b > a:
            seqs.append((a + offset, b + offset))
            src = scores_src[a:b + 1]
            mean_e = np.mean(e_s)
            sc = np.maximum(np.abs(e_s[a:b + 1] - src[:, 0]), np.abs(2 * mean_e - e_s[a:b + 1] - src[:, 1]))
            scores.append(float(np.nanmax(sc / src[:, 2])))
    return NDTResult(seqs, flags, e_s, np.array(eps_all), np.array(eps_inv_all), scores)


def detect_any(E: np.ndarray, y: np.ndarray, params: NDTParams = NDTParams(), *, offset: int | None = None
               ) -> NDTResult:
    """Threshold K error streams of one channel independently (each with :func:`detect`) and flag a value when any
    stream flags it; sequences are the runs longer than one value of the OR-ed flags (step 5 of the module doc).

    Used for a forecaster pair whose absolute and residual members miss different anomalies (a persistent level
    shift keeps the absolute member's error high for longer than NDT's 50 % guard allows, while the residual
    member sees only its onset; see :class:`fdir.detectors.forecaster.ForecasterConfig`). With K = 1 the result
    is :func:`detect`'s.

    Parameters
    ----------
    E : (K, n) raw absolute forecast errors, one row per stream, target units.
    y : (n,) target values aligned with the columns of ``E``.
    offset : as in :func:`detect`.

    Returns
    -------
    NDTResult (K ≥ 2) with ``flags`` the OR of the members' flags, ``e_s`` (K, n), ``epsilon``/``epsilon_inv``
    (K, n_windows), per sequence the largest member score among the members that flag it, and ``members``.

    Raises
    ------
    ValueError
        for ``E`` not 2-D with at least one row, or anything :func:`detect` rejects.
    """
    E = np.asarray(E, dtype=np.float64)
    if E.ndim != 2 or E.shape[0] < 1:
        raise ValueError(f"E must have shape (K >= 1, n), got {E.shape}")
    offset = params.l_s if offset is None else int(offset)
    members = tuple(detect(e, y, params, offset=offset) for e in E)
    if len(members) == 1:
        return members[0]
    flags = np.logical_or.reduce([m.flags for m in members])
    seqs, scores = [], []
    for a, b in runs(flags):
        if b > a:
            seqs.append((a + offset, b + offset))
            hit = [sc for m in members for (s0, s1), sc in zip(m.sequences, m.scores, strict=True)
                   if s0 <= b + offset and s1 >= a + offset]
            scores.append(max(hit) if hit else float("nan"))   # nan: only single-value member runs met here
    return NDTResult(seqs, flags, np.stack([m.e_s for m in members]), np.stack([m.epsilon for m in members]),
                     np.stack([m.epsilon_inv for m in members]), scores, members)


# ------------------------------------------------------------------------------------------------ streaming


class StreamingNDT:
    """The same thresholding one error at a time, with buffers sized once (for :mod:`fdir.runtime`).

    ``push(e, y)`` takes one raw error and its target value and returns ``None`` or, when a batch completes a
    window, the (start, end) half-open range of error indices just decided; :attr:`flags_out` (capacity,) holds
    the decisions of the last ``window_len + batch_size`` values (ring buffer by error index modulo capacity).
    ``finish()`` decides the trailing values at the end of a stream. The stream always runs the ``"causal"``
    schedule (:attr:`NDTParams.schedule` is not read): with the same inputs its decisions equal :func:`detect`'s
    ``flags`` with ``schedule="causal"`` (tested); with ``"telemanom"`` they differ only in the last window,
    telemanom's being longer and skipping the (n − window_len) mod batch_size values before its newest batch, while
    the stream decides every batch.
    ``n_ignore`` is the first window's ignored prefix (2·l_s by default; :func:`detect` lowers it for channels
    shorter than 2,500 values).
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
        kept, *_ = _window_pass(self._e_s[idx], self._y[idx], self._window, self.n_ignore,
                                self.flags_out[idx], self.params)
        self.flags_out[idx] |= kept
        self._window += 1
        lo = a if self._window == 1 else max(b - self.params.batch_size, a)
        return lo, b

    def push(self, e: float, y: float) -> tuple[int, int] | None:
        self._num = float(e) + self._a * self._num
        self._den = 1.0 + self._a * self._den
        k = self.n % self.capacity
        self._e_s[k] = self._num / self._den
        self._y[k] = float(y)
        self.flags_out[k] = False
        self.n += 1
        if self.n == self._next_end:
            start = self.n - self.params.window_len
            self._next_end += self.params.batch_size
            return self._evaluate(start, self.n)
        return None

    def finish(self) -> tuple[int, int] | None:
        """Decide the values after the last full window at the end of the stream; None if there are none.

        Fewer than ``window_len`` values in all: one window over everything (the first window of :func:`detect`).
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
