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
The parameters, the one-window rule (steps 2-4) and :class:`StreamingNDT` (the same rule one error at a time with
fixed-size buffers) live in the numpy-only :mod:`fdir.runtime.ndt`, which this module re-exports; the whole-series
functions (smoothing, window schedule, :func:`detect`, :func:`detect_any`) are here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from fdir.runtime.ndt import SCHEDULES, NDTParams, StreamingNDT, find_z, prune, runs, window_flags, window_pass

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


_DEFAULT = NDTParams()
"""telemanom's defaults (reference sheet §3)."""


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


def smooth_errors(e: np.ndarray, params: NDTParams = _DEFAULT) -> np.ndarray:
    """Step 0: EWMA of the raw errors ``e`` (n,), first ``l_s`` values replaced by mean(e_s[:2 l_s])."""
    e_s = ewma(e, params.span)
    if params.l_s > 0 and e_s.size:
        e_s[: params.l_s] = np.mean(e_s[: 2 * params.l_s])
    return e_s


def windows(n: int, params: NDTParams = _DEFAULT) -> list[tuple[int, int]]:
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


def num_to_ignore(n: int, params: NDTParams = _DEFAULT) -> int:
    """Values ignored at the start of the first window: 2·l_s, l_s when n < 2,500, 0 when n < 1,800."""
    if n < 1800:
        return 0
    if n < 2500:
        return params.l_s
    return 2 * params.l_s


# ------------------------------------------------------------------------------------------- whole channel


def detect(e: np.ndarray, y: np.ndarray, params: NDTParams = _DEFAULT, *, offset: int | None = None,
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
        for mismatched or non-1-D inputs, non-finite errors or targets, or n < batch_size.
    """
    e = np.asarray(e, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if e.ndim != 1 or y.shape != e.shape:
        raise ValueError(f"e and y must be 1-D of equal length, got {e.shape} and {y.shape}")
    if not np.all(np.isfinite(e)):
        raise ValueError("e must be finite")
    if not np.all(np.isfinite(y)):
        raise ValueError("y must be finite")
    offset = params.l_s if offset is None else int(offset)
    e_s = e.copy() if smoothed else smooth_errors(e, params)
    n = e_s.size
    wins = windows(n, params)
    n_ign = num_to_ignore(n, params)
    flags = np.zeros(n, bool)
    eps_all, eps_inv_all, scores_src = [], [], np.full((n, 3), np.nan)
    for i, (a, b) in enumerate(wins):
        kept, eps, eps_inv, mean, sd = window_pass(e_s[a:b], y[a:b], i, n_ign, flags[a:b], params)
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


def detect_any(E: np.ndarray, y: np.ndarray, params: NDTParams = _DEFAULT, *, offset: int | None = None
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
