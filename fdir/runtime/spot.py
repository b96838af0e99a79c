"""Streaming SPOT / DSPOT peaks-over-threshold thresholder of the runtime (numpy only): the onboard half of
:mod:`fdir.spot`, continuing from the calibrated state that :meth:`fdir.pipeline.Pipeline.export` writes into a
bundle (FORMAT.md, ``detector.threshold`` with ``"method": "spot"``).

Source: Siffer, Fouque, Termier, Largouët, "Anomaly Detection in Streams with Extreme Value Theory", KDD 2017,
doi:10.1145/3097983.3098144; reference code ``Amossys-team/SPOT`` and the maintained C library ``asiffer/libspot``.

Per stream (:class:`StreamingSPOT`), the rule of :meth:`fdir.spot.SPOTThresholder.evaluate` (its module doc, step 4):
with M the mean of the last d non-alarm values (DSPOT, depth d > 0; M = 0 for SPOT) and x' = x − M, a value with
x' > z_q is an alarm (it changes nothing); a value within the quarantine after an alarm (below) changes nothing
either; otherwise n grows, the DSPOT window takes x, and if x' exceeds t (by more than a tie, below) the peak
x' − t is added (the latest :data:`MAX_PEAKS` kept in arrival order, N_t grows) and the GPD is refitted
(:func:`grimshaw`), else z_q is recomputed for the new n (:func:`tail_quantile`). The threshold in score units is
z_q + M. A non-finite value (NaN, ±inf) is invalid: never flagged and it changes nothing but the quarantine's
count of indices.

**GPD fit** (:func:`grimshaw`, Grimshaw, Technometrics 35 (1993) 185, doi:10.1080/00401706.1993.10485040, as in
:func:`fdir.spot.grimshaw`): the maximum-likelihood equations of GPD(γ, σ) reduce to the roots of
w(θ) = u(θ)·v(θ) − 1, u = 1 + mean log(1 + θY), v = mean 1/(1 + θY). Roots are bracketed by sign changes of w on
the grids of :func:`fdir.spot.grimshaw` (64 log-spaced points towards each end of (−1/Y_max, 0), and 64 log-spaced
points on (10⁻⁴/Ȳ, 2(Ȳ − Y_min)/Y_min²)) and refined by Brent's method (:func:`brentq`: inverse quadratic
interpolation safeguarded by bisection, Brent, "Algorithms for Minimization without Derivatives", 1973, ch. 4; the
variant of scipy's ``brentq``) to |Δθ| <= 10⁻¹⁴·max(1, |θ_bracket|) + 4ε|θ|, the tolerance of the offline fit.
Candidates: every root (γ = mean log(1 + θY), σ = γ/θ), the exponential (γ = 0, σ = Ȳ) and the method of moments
(γ = ½(1 − Ȳ²/V), σ = ½Ȳ(1 + Ȳ²/V)); ``shape="nonnegative"`` keeps those with γ >= 0; the highest
log-likelihood wins. With the same arithmetic order as the offline fit (peaks in arrival order, the same grids and
Brent steps) the two agree to rounding (``tests/fdir/runtime/test_spot_runtime.py``).

**Ties**: a value x' with x' − t <= :data:`TIE_RTOL`·max(|x|, |t|) (x the raw score) is a tie with t, not a peak,
offline (calibration and streaming, :mod:`fdir.spot`) as here. The GPD describes exceedances Y > 0; an excess of zero
makes its likelihood unbounded (each zero adds log(1/σ), each positive excess about (1/γ)·log σ, so for γ above the
ratio of positive to zero excesses the likelihood grows without limit as σ → 0; Grimshaw 1993 above, and Smith,
Biometrika 72 (1985) 67, doi:10.1093/biomet/72.1.67, on irregular GPD likelihoods). Discrete scores (a quantised
channel forecast by an int8 model: both on lattices) repeat the value t exactly, and float rounding leaves such a
repeat a few units in the last place above t: found on the robustness suite's ``quantised-short-0`` (``small``,
seed 1, ``linear_int8``), where three excesses of 5.6·10⁻¹⁷ among 30 peaks gave γ = 30, σ = 7.9·10⁻¹⁶ and
z_q = 5·10⁵⁹, and no later anomaly could cross it.

**Quarantine** (``quarantine`` Q, the bundle's optional ``quarantine``, version 7; :mod:`fdir.spot` writes Q = g,
the grouping distance): a value within Q error indices after the stream's last alarm is not learned (n, the peaks,
the fit, z_q and the DSPOT window stay as they are); every index counts, an invalid one included, as offline, where
the distance is measured in sample indices. The counter saturates at Q + 1.

**Several streams** (:class:`SPOTStreams`): S streams, each at the per-stream risk stored in the bundle (q/S of the
channel's budget, already shared over the channels with ``budget="series"``, :meth:`fdir.spot.SPOTThresholder.share`),
union of their alarms per error index (Bonferroni: P(any) <= q). Streams may lag one another (the horizon-mean error
of index k is known h − 1 samples after its first-step error); an index is combined once every stream has given it.

**Grouping** (``merge_gap`` g > 0): offline, flagged samples at most g apart are joined into one interval and the
samples between them flagged too, which looks ahead. The streaming rule: a hit within g samples of the last hit joins
its interval and flags the samples between; an index's flag is final once g more indices have been combined
(a later hit can only fill index j if it comes at most g indices after the hit before j, i.e. at or before j + g).
So the final flags equal the offline rule's exactly, with a decision delay of g indices (:attr:`SPOTStreams.delay`);
the alarm itself is known at once (:attr:`SPOTStreams.last_hit`), only the flags of the samples after it wait for
the next g. ``finish()`` (end of a recording) decides the last g at once. The sample flag is the grouped flag and
the sample's validity (an invalid sample is never flagged; it may lie inside an interval, as offline).

Memory: peaks and the DSPOT window are doubled ring buffers (a contiguous view of the latest values in arrival
order, no shifting); they, the per-stream hit, grouped-flag and validity rings (:class:`SPOTStreams` holds
``history`` + g + 1 indices) and the root finder's scratch are allocated once. That scratch holds :data:`GRID_CHUNK`
x :data:`MAX_PEAKS` values (2 x 64 kB at the defaults): w(θ) is evaluated for 16 grid points per array operation, with
the same values as one point per call. A refit works on temporaries of at most :data:`MAX_PEAKS` values (the
candidates' log-likelihoods) and the root-search grids (192 values), freed at once.
"""

from __future__ import annotations

import math

import numpy as np

from fdir.runtime.graph import FormatError

__all__ = ["GRID", "GRID_CHUNK", "MAX_PEAKS", "SHAPES", "TIE_RTOL", "SPOTStreams", "StreamingSPOT", "brentq",
           "exceeds", "gpd_loglik", "grimshaw", "tail_quantile"]

MAX_PEAKS = 500
"""Peaks kept for the GPD fit (libspot's ``max_excess``; :data:`fdir.spot.MAX_PEAKS`)."""
SHAPES = ("nonnegative", "free")
"""Admissible GPD shapes (:data:`fdir.spot.SHAPES`): ``"free"`` any γ, ``"nonnegative"`` γ >= 0 only."""
GRID = 64
"""Grid points per log-spaced segment of the root search (as :func:`fdir.spot.grimshaw`)."""
GRID_CHUNK = 16
"""Grid points whose w(θ) one array operation evaluates (:func:`grimshaw`; bounds its scratch, module doc, Memory)."""
TIE_RTOL = 2.0**-26
"""Relative tie tolerance of an exceedance (module doc, Ties): x' exceeds t only if x' − t > TIE_RTOL·max(|x|, |t|),
half the float32 precision (2⁻²⁶ ≈ 1.5·10⁻⁸), so a score that equals t up to the rounding of float32 or float64
arithmetic is a tie, not a peak."""


def exceeds(xp: float, t: float, x: float) -> bool:
    """Whether the value x' = ``xp`` (x minus the DSPOT mean; ``x`` the raw score) exceeds the peak threshold ``t``
    by more than a tie (:data:`TIE_RTOL`, module doc, Ties)."""
    return xp - t > TIE_RTOL * max(abs(x), abs(t))


RTOL = 4 * np.finfo(float).eps
"""Relative tolerance of :func:`brentq` (scipy's default for ``brentq``)."""
MAX_ITER = 100
"""Iteration limit of :func:`brentq` (scipy's default)."""
HISTORY = 4096
"""Final flags of :class:`SPOTStreams` still readable after their decision (error indices)."""


def brentq(f, a: float, b: float, xtol: float, rtol: float = RTOL, maxiter: int = MAX_ITER) -> float:
    """Root of ``f`` in the bracket [a, b] (f(a)·f(b) < 0) by Brent's method (module doc): inverse quadratic
    interpolation or secant steps, replaced by bisection whenever they leave the bracket or converge slowly; stops
    when the bracket half-width is below (``xtol`` + ``rtol``·|x|)/2.

    Raises
    ------
    ValueError
        for a non-finite bracket or tolerance, ``xtol`` <= 0, f(a) and f(b) of the same sign or NaN, or no convergence
        in ``maxiter`` iterations.
    """
    if not (math.isfinite(a) and math.isfinite(b) and math.isfinite(xtol) and xtol > 0 and rtol >= 0):
        raise ValueError(f"brentq: bracket ({a!r}, {b!r}) and xtol={xtol!r} must be finite, xtol > 0")
    xpre, xcur = float(a), float(b)
    fpre, fcur = float(f(xpre)), float(f(xcur))
    if math.isnan(fpre) or math.isnan(fcur):
        raise ValueError("brentq: f is NaN at the bracket ends")
    if fpre == 0:
        return xpre
    if fcur == 0:
        return xcur
    if (fpre < 0) == (fcur < 0):
        raise ValueError(f"brentq: f({a!r}) and f({b!r}) have the same sign")
    xblk = fblk = spre = scur = 0.0
    for _ in range(maxiter):
        if fpre != 0 and fcur != 0 and (fpre < 0) != (fcur < 0):
            xblk, fblk = xpre, fpre                     # the bracket's other end
            spre = scur = xcur - xpre
        if abs(fblk) < abs(fcur):                       # keep the best estimate in xcur
            xpre, xcur, xblk = xcur, xblk, xcur
            fpre, fcur, fblk = fcur, fblk, fcur
        delta = (xtol + rtol * abs(xcur)) / 2
        sbis = (xblk - xcur) / 2
        if fcur == 0 or abs(sbis) < delta:
            return xcur
        if abs(spre) > delta and abs(fcur) < abs(fpre):
            if xpre == xblk:                            # secant
                stry = -fcur * (xcur - xpre) / (fcur - fpre)
            else:                                       # inverse quadratic interpolation
                dpre = (fpre - fcur) / (xpre - xcur)
                dblk = (fblk - fcur) / (xblk - xcur)
                stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
            if 2 * abs(stry) < min(abs(spre), 3 * abs(sbis) - delta):
                spre, scur = scur, stry                 # accept the interpolation step
            else:
                spre = scur = sbis                      # bisect
        else:
            spre = scur = sbis                          # bisect
        xpre, fpre = xcur, fcur
        xcur += scur if abs(scur) > delta else (delta if sbis > 0 else -delta)
        fcur = float(f(xcur))
    raise ValueError(f"brentq: no convergence in {maxiter} iterations")


def gpd_loglik(y: np.ndarray, gamma: float, sigma: float) -> float:
    """Log-likelihood of GPD(γ = ``gamma``, σ = ``sigma`` > 0, score units) at the peaks ``y`` (N,) > 0; −inf outside
    the support or for σ <= 0 (as :func:`fdir.spot.gpd_loglik`)."""
    y = np.asarray(y, np.float64)
    if not sigma > 0:
        return -math.inf
    if abs(gamma) < 1e-12:
        return float(-y.size * math.log(sigma) - y.sum() / sigma)
    z = 1 + gamma * y / sigma
    if np.any(z <= 0):
        return -math.inf
    return float(-y.size * math.log(sigma) - (1 + 1 / gamma) * np.log(z).sum())


def tail_quantile(t: float, gamma: float, sigma: float, q: float, n: int, n_peaks: int) -> float:
    """z_q = t + (σ/γ)((q n/N_t)^(−γ) − 1), or t − σ ln(q n/N_t) for γ = 0 (Siffer et al. 2017, eq. 1), score units."""
    r = q * n / n_peaks
    if abs(gamma) < 1e-12:
        return float(t - sigma * math.log(r))
    return float(t + sigma / gamma * (r ** (-gamma) - 1))


class _W:
    """w(θ) = u(θ)·v(θ) − 1 of the peaks ``y`` with scratch buffers of :data:`GRID_CHUNK` x :data:`MAX_PEAKS` values
    allocated once, for a block of grid points or one θ of Brent's steps (module doc, Memory)."""

    def __init__(self, size: int = MAX_PEAKS) -> None:
        self._alloc(size)
        self.y = self._gs[:0]

    def _alloc(self, size: int) -> None:
        self._gs, self._gr = np.empty(GRID_CHUNK * size), np.empty(GRID_CHUNK * size)

    def bind(self, y: np.ndarray) -> None:
        if GRID_CHUNK * y.size > self._gs.size:
            self._alloc(y.size)
        self.y = y

    def __call__(self, theta: float) -> float:
        return float(self.on_grid(np.array([theta], np.float64))[0])

    def on_grid(self, grid: np.ndarray) -> np.ndarray:
        """(G,) w at every point of ``grid`` (G,), :data:`GRID_CHUNK` points per array operation, one θ per row (each
        row's arithmetic and contiguous means are those of a single θ)."""
        n = self.y.size
        out = np.empty(grid.size)
        for a in range(0, grid.size, GRID_CHUNK):
            g = grid[a:a + GRID_CHUNK]
            s = self._gs[:g.size * n].reshape(g.size, n)
            r = self._gr[:g.size * n].reshape(g.size, n)
            np.multiply(g[:, None], self.y[None, :], out=s)
            np.add(1, s, out=s)
            np.log(s, out=r)
            u = 1 + r.mean(axis=1)
            np.divide(1, s, out=r)
            out[a:a + g.size] = u * r.mean(axis=1) - 1
        return out


def _roots(w: _W, grid: np.ndarray) -> list[float]:
    """Roots of ``w`` bracketed by sign changes on ``grid``, refined by :func:`brentq` (as the offline fit)."""
    if grid.size < 2 or not np.isfinite(grid).all():
        return []
    vals = w.on_grid(grid)
    out = []
    for i in np.flatnonzero(np.sign(vals[:-1]) * np.sign(vals[1:]) < 0):
        a = float(grid[i])
        out.append(brentq(w, a, float(grid[i + 1]), xtol=1e-14 * max(1.0, abs(a))))
    out += [float(g) for g in grid[vals == 0]]
    return out


def grimshaw(peaks: np.ndarray, shape: str = "free", _w: _W | None = None) -> tuple[float, float, float]:
    """Maximum-likelihood GPD fit ``(gamma, sigma, loglik)`` of ``peaks`` (N,) (score units, σ in score units,
    log-likelihood in nats) by Grimshaw's procedure with a numpy root finder (module doc); ``shape`` one of
    :data:`SHAPES`.

    Raises
    ------
    ValueError
        for ``shape`` not in :data:`SHAPES`, fewer than two peaks, non-finite or non-positive peaks, or peaks that
        are all equal.
    """
    if shape not in SHAPES:
        raise ValueError(f"shape={shape!r}, accepted: {SHAPES}")
    y = np.asarray(peaks, np.float64).reshape(-1)
    if y.size < 2 or not np.isfinite(y).all() or (y <= 0).any():
        raise ValueError(f"peaks must hold at least 2 finite values > 0, got {y.size} values")
    ymin, ymax, ymean = float(y.min()), float(y.max()), float(y.mean())
    if ymax - ymin <= 1e-12 * ymax:
        raise ValueError("peaks are all equal: the GPD is not identifiable")
    w = _W(y.size) if _w is None else _w
    w.bind(y)
    half = np.geomspace(1e-10 / ymax, 0.5 / ymax, GRID)
    neg = np.unique(np.concatenate([-1 / ymax + half, -half]))
    thetas = _roots(w, neg) + _roots(w, np.geomspace(1e-4 / ymean, 2 * (ymean - ymin) / ymin**2, GRID))
    cands = [(0.0, ymean)]
    var = float(y.var())
    if var > 0:
        r = ymean**2 / var
        cands.append((0.5 * (1 - r), 0.5 * ymean * (1 + r)))
    for th in thetas:
        if th != 0:
            g = float(np.log(1 + th * y).mean())
            cands.append((g, g / th))
    if shape == "nonnegative":
        cands = [c for c in cands if c[0] >= 0]        # the exponential candidate (γ = 0) always stays
    best = max(cands, key=lambda c: gpd_loglik(y, *c))
    return float(best[0]), float(best[1]), gpd_loglik(y, *best)


def _number(section: dict, key: str, lo: float, hi: float, *, lo_open: bool = True, hi_open: bool = True,
            where: str = "detector.threshold") -> float:
    v = section.get(key)
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) \
        and (v > lo if lo_open else v >= lo) and (v < hi if hi_open else v <= hi)
    if not ok:
        lb, rb = "(" if lo_open else "[", ")" if hi_open else "]"
        raise ValueError(f"{where}.{key}={v!r}, accepted: a finite number in {lb}{lo:g}, {hi:g}{rb}")
    return float(v)


def _integer(section: dict, key: str, lo: int, hi: int, where: str = "detector.threshold") -> int:
    v = section.get(key)
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not lo <= v <= hi:
        raise ValueError(f"{where}.{key}={v!r}, accepted: an integer in [{lo}, {hi}]")
    return int(v)


class StreamingSPOT:
    """One error stream's SPOT (``depth`` = 0) or DSPOT (``depth`` = d > 0) from a calibrated state (module doc).

    t : initial threshold (score units; DSPOT: relative to the moving mean). peaks : (N,) the latest peaks
    X' − t > 0 in arrival order, N <= ``max_peaks``. n_peaks : N_t, peaks seen (>= N). n : values seen (>= N_t).
    q : this stream's risk, in (0, 1). gamma, sigma : the current GPD fit (σ > 0, score units), or None for a
    degenerate tail (fewer than two distinct peaks). z : current z_q (score units). shape : one of :data:`SHAPES`.
    window : (d,) the last d non-alarm raw values, oldest first (DSPOT), or None / empty for SPOT.
    max_peaks : peaks kept, in [2, 10⁶]. quarantine : Q samples after an alarm whose values are not learned (module
    doc), an integer in [0, 10⁴]; 0 (default) is the paper's rule.

    Raises
    ------
    ValueError
        naming the parameter out of range: NaN and inf included (t, z, γ finite; σ > 0; peaks finite and > 0).
    """

    def __init__(self, *, t: float, peaks, n_peaks: int, n: int, q: float, gamma: float | None,
                 sigma: float | None, z: float, shape: str = "nonnegative", window=None,
                 max_peaks: int = MAX_PEAKS, quarantine: int = 0) -> None:
        sec = {"t": t, "z": z, "q": q, "n": n, "n_peaks": n_peaks, "max_peaks": max_peaks, "quarantine": quarantine}
        self.t = _number(sec, "t", -math.inf, math.inf, where="spot")
        self.z0 = _number(sec, "z", -math.inf, math.inf, where="spot")
        self.q = _number(sec, "q", 0.0, 1.0, where="spot")
        self.max_peaks = _integer(sec, "max_peaks", 2, 10**6, where="spot")
        self.quarantine = _integer(sec, "quarantine", 0, 10**4, where="spot")
        if shape not in SHAPES:
            raise ValueError(f"spot.shape={shape!r}, accepted: {SHAPES}")
        self.shape = shape
        p = np.asarray(peaks, np.float64).reshape(-1)
        if p.size > self.max_peaks or not (np.isfinite(p).all() and (p > 0).all()):
            raise ValueError(f"spot.peaks: {p.size} values, accepted: at most max_peaks={self.max_peaks} finite "
                             "values > 0")
        self.n_peaks0 = _integer(sec, "n_peaks", p.size, 2**62, where="spot")
        self.n0 = _integer(sec, "n", max(self.n_peaks0, 1), 2**62, where="spot")
        if (gamma is None) != (sigma is None):
            raise ValueError(f"spot.gamma={gamma!r}, spot.sigma={sigma!r}: both numbers or both None")
        if gamma is not None:
            _number({"gamma": gamma}, "gamma", -math.inf, math.inf, where="spot")
            _number({"sigma": sigma}, "sigma", 0.0, math.inf, where="spot")
        self.fit0 = None if gamma is None else (float(gamma), float(sigma))
        w = np.zeros(0) if window is None else np.asarray(window, np.float64).reshape(-1)
        if w.size > 10**4 or not np.isfinite(w).all():
            raise ValueError(f"spot.window: {w.size} values, accepted: at most 10000 finite values (DSPOT depth)")
        self.depth = int(w.size)
        self._peaks0, self._window0 = p.copy(), w.copy()
        self._pk = np.zeros(2 * self.max_peaks)         # doubled rings: [i:i+N] is the latest N in arrival order
        self._win = np.zeros(2 * max(self.depth, 1))
        self._w = _W(self.max_peaks)
        self.reset()

    def reset(self) -> None:
        """Back to the calibrated state (as :meth:`fdir.spot.SPOTThresholder.evaluate` starts every call)."""
        p, m = self._peaks0, self.max_peaks
        self._pk[:] = 0.0
        self._pk[:p.size] = p
        self._pk[m:m + p.size] = p
        self._pos, self._np = 0, p.size                # ring start (oldest), peaks held
        self.n, self.n_peaks, self.fit, self.z = self.n0, self.n_peaks0, self.fit0, self.z0
        d = self.depth
        if d:
            self._win[:d] = self._window0
            self._win[d:] = self._window0
        self._wpos = 0
        self.mean = float(self._window0.sum()) / d if d else 0.0
        self._since = self.quarantine + 1               # indices since the last alarm (none yet: out of quarantine)

    @property
    def peaks(self) -> np.ndarray:
        """(N,) view of the peaks held, oldest first."""
        return self._pk[self._pos:self._pos + self._np]

    @property
    def threshold(self) -> float:
        """Current threshold z_q + M in score units (M the DSPOT moving mean, 0 for SPOT)."""
        return self.z + self.mean

    def _add_peak(self, v: float) -> None:
        m = self.max_peaks
        if self._np < m:
            i = self._np
            self._np += 1
        else:                                           # overwrite the oldest: the view moves one to the right
            i = self._pos
            self._pos = (i + 1) % m
        self._pk[i] = v
        self._pk[i + m] = v

    def _refit(self) -> None:
        y = self.peaks
        if y.size < 2 or y.max() - y.min() <= 1e-12 * y.max():
            self.fit = None
            self.z = max(self.z, self.t + (float(y.max()) if y.size else 0.0))
            return
        g, s, _ = grimshaw(y, self.shape, self._w)
        self.fit = (g, s)
        self.z = tail_quantile(self.t, g, s, self.q, self.n, self.n_peaks)

    def step(self, x: float) -> bool:
        """One score ``x`` (score units), one error index; True when it is an alarm (x − M > z_q). A non-finite ``x``
        returns False and changes nothing but the count of indices since the last alarm (module doc, Quarantine)."""
        x = float(x)
        self._since = min(self._since + 1, self.quarantine + 1)
        if not math.isfinite(x):
            return False
        xp = x - self.mean
        if xp > self.z:
            self._since = 0
            return True
        if self._since <= self.quarantine:              # quarantine: the value is not learned
            return False
        d = self.depth
        if d:                                           # DSPOT window: drop the oldest, append x
            i = self._wpos
            self._win[i] = x
            self._win[i + d] = x
            self._wpos = (i + 1) % d
            self.mean = float(self._win[self._wpos:self._wpos + d].sum()) / d
        self.n += 1
        if exceeds(xp, self.t, x):
            self._add_peak(xp - self.t)
            self.n_peaks += 1
            self._refit()
        elif self.fit is not None:
            self.z = tail_quantile(self.t, *self.fit, self.q, self.n, self.n_peaks)
        return False


class SPOTStreams:
    """S streams of :class:`StreamingSPOT`, their union per error index, the streaming grouping and the validity mask
    (module doc), from a bundle's ``detector.threshold`` with ``"method": "spot"`` (FORMAT.md) or directly.

    ``streams`` the S stream thresholders; ``merge_gap`` g (samples, integer in [0, 10⁴]); ``history`` final flags
    kept readable after their decision (>= 1). Feed each stream's values in index order with :meth:`push`, mark each
    index's validity with :meth:`set_valid` (default valid), read the decided range with :meth:`take_decided` and the
    flags with :meth:`flags`. :attr:`delay` = g: an index is decided g indices after every stream has given it.

    Raises
    ------
    ValueError
        for no streams, a ``merge_gap`` or ``history`` out of range.
    """

    def __init__(self, streams: list[StreamingSPOT], merge_gap: int = 0, history: int = HISTORY) -> None:
        if not streams:
            raise ValueError("streams: at least one StreamingSPOT is needed")
        self.merge_gap = _integer({"merge_gap": merge_gap}, "merge_gap", 0, 10**4, where="spot")
        _integer({"history": history}, "history", 1, 10**7, where="spot")
        self.streams = list(streams)
        self.delay = self.merge_gap
        self._cap = int(history) + self.merge_gap + 1
        self._hit = np.zeros((self._cap, len(self.streams)), bool)   # per-stream alarms of pending indices
        self._flag = np.zeros(self._cap, bool)                        # grouped flags (final once decided)
        self._valid = np.ones(self._cap, bool)
        self._n = np.zeros(len(self.streams), np.int64)
        self.reset()

    @classmethod
    def from_section(cls, section: dict, arrays: dict, n_streams: int) -> SPOTStreams:
        """Build from a bundle's ``detector.threshold`` section (FORMAT.md) with one tail per error stream.

        Raises
        ------
        FormatError
            naming the field for a missing or out-of-range value, a missing array or a tail count other than
            ``n_streams``.
        """
        try:
            q = _number(section, "q_stream", 0.0, 1.0)
            shape = section.get("shape")
            if shape not in SHAPES:
                raise ValueError(f"detector.threshold.shape={shape!r}, accepted: {SHAPES}")
            depth = _integer(section, "depth", 0, 10**4)
            gap = _integer(section, "merge_gap", 0, 10**4)
            max_peaks = _integer(section, "max_peaks", 2, 10**6)
            quarantine = _integer(section, "quarantine", 0, 10**4) if "quarantine" in section else 0
            tails = section.get("tails")
            if not isinstance(tails, list) or len(tails) != n_streams:
                raise ValueError(f"detector.threshold.tails must list {n_streams} tail(s), one per error stream, got "
                                 f"{tails!r:.80}")
            streams = []
            for i, tl in enumerate(tails):
                where = f"detector.threshold.tails[{i}]"
                if not isinstance(tl, dict):
                    raise ValueError(f"{where} must be an object")
                peaks = arrays.get(tl.get("peaks"))
                if peaks is None:
                    raise ValueError(f"{where}.peaks={tl.get('peaks')!r} is not an array of the bundle")
                window = None
                if depth:
                    window = arrays.get(tl.get("window"))
                    if window is None or np.size(window) != depth:
                        raise ValueError(f"{where}.window={tl.get('window')!r} must name an array of depth={depth} "
                                         "values")
                try:
                    streams.append(StreamingSPOT(t=tl.get("t"), peaks=peaks, n_peaks=tl.get("n_peaks"),
                                                 n=tl.get("n"), q=q, gamma=tl.get("gamma"), sigma=tl.get("sigma"),
                                                 z=tl.get("z"), shape=shape, window=window, max_peaks=max_peaks,
                                                 quarantine=quarantine))
                except ValueError as exc:
                    raise ValueError(f"{where}: {exc}") from None
            return cls(streams, gap)
        except ValueError as exc:
            raise FormatError(str(exc)) from None

    def reset(self) -> None:
        """Back to the calibrated state of every stream; no index seen."""
        for s in self.streams:
            s.reset()
        self._n[:] = 0
        self._hit[:] = False
        self._flag[:] = False
        self._valid[:] = True
        self._u = 0                 # indices combined
        self._last = -1             # last index with a hit (union), -1 none
        self._decided = 0           # indices decided
        self._reported = 0          # indices reported by take_decided

    @property
    def n(self) -> int:
        """Error indices decided (final flags available for [0, n))."""
        return self._decided

    @property
    def last_hit(self) -> int:
        """The last error index at which any stream raised an alarm (−1: none yet), known as soon as every stream has
        scored it, g indices before its flag and its interval's extent are final (module doc, Grouping)."""
        return self._last

    def set_valid(self, k: int, valid: bool) -> None:
        """Mark error index ``k`` (not decided yet, at most ``history`` ahead of the decided ones) valid or not; an
        invalid index is never flagged. Indices not marked are valid.

        Raises
        ------
        ValueError
            for an index already decided or too far ahead.
        """
        if not self._decided <= k < self._decided + self._cap:
            raise ValueError(f"k={k}, accepted: an undecided index in [{self._decided}, {self._decided + self._cap})")
        self._valid[k % self._cap] = bool(valid)

    def push(self, i: int, x: float, y: float | None = None) -> bool:
        """Stream ``i``'s next value ``x`` (score units, its next error index); returns whether that stream raised an
        alarm. ``y`` (the target value) is not read: SPOT has no scale guard; it is accepted so that
        :class:`fdir.runtime.forecast.ForecastRuntime` feeds this bank and :class:`fdir.runtime.union.SPOTOrNDTStreams`
        the same way.

        Raises
        ------
        ValueError
            when stream ``i`` runs more than ``history`` indices ahead of the slowest stream.
        """
        k = int(self._n[i])
        if k >= self._decided + self._cap:
            raise ValueError(f"stream {i} runs more than {self._cap - self.merge_gap - 1} indices ahead of the others")
        hit = self.streams[i].step(x)
        self._hit[k % self._cap, i] = hit
        self._n[i] = k + 1
        self._combine(int(self._n.min()))
        return hit

    def hold(self, i: int, x: float, y: float | None = None) -> bool:
        """Stream ``i``'s next index with an invalid target: SPOT takes ``x``, the error against the held target value
        (the offline forward fill), as :meth:`push` does."""
        return self.push(i, x)

    def _decide(self, j: int) -> None:
        """Index ``j`` is final: apply its validity and free its validity slot for index j + capacity."""
        slot = j % self._cap
        self._flag[slot] &= self._valid[slot]
        self._valid[slot] = True

    def _combine(self, upto: int) -> None:
        g, cap = self.merge_gap, self._cap
        while self._u < upto:
            u = self._u
            slot = u % cap
            hit = bool(self._hit[slot].any())
            self._hit[slot] = False
            self._flag[slot] = hit
            if hit:
                if self._last >= 0 and u - self._last - 1 <= g:
                    for j in range(self._last + 1, u):  # at most g undecided samples between two hits
                        self._flag[j % cap] = True
                self._last = u
            self._u = u + 1
            while self._decided < self._u - g:
                self._decide(self._decided)
                self._decided += 1

    def take_decided(self) -> tuple[int, int] | None:
        """The error-index range [a, b) decided since the last call, or None."""
        if self._decided <= self._reported:
            return None
        a, self._reported = self._reported, self._decided
        return a, self._decided

    def finish(self) -> tuple[int, int] | None:
        """End of a recording: combine the indices that some streams have given (the union of those streams; a
        lagging stream counts as silent there), decide every combined index and return the range not reported yet
        (or None)."""
        top = int(self._n.max())
        self._n[:] = top
        self._combine(top)
        while self._decided < self._u:
            self._decide(self._decided)
            self._decided += 1
        return self.take_decided()

    def flag(self, k: int) -> bool:
        """Final flag of the decided error index ``k`` (:meth:`flags` of one index, without temporaries).

        Raises
        ------
        ValueError
            for an index that is not decided yet or no longer held (older than ``history`` indices).
        """
        lo = max(0, self._decided - (self._cap - self.merge_gap - 1))
        if not lo <= k < self._decided:
            raise ValueError(f"flag({k}): decided and held error indices are [{lo}, {self._decided})")
        return bool(self._flag[k % self._cap])

    def flags(self, a: int, b: int) -> np.ndarray:
        """Final flags (bool) of decided error indices [a, b): grouped and masked by validity.

        Raises
        ------
        ValueError
            for a range that is not decided yet or no longer held (older than ``history`` indices).
        """
        held = self._cap - self.merge_gap - 1
        lo = max(0, self._decided - held)
        if not lo <= a <= b <= self._decided:
            raise ValueError(f"flags({a}, {b}): decided and held error indices are [{lo}, {self._decided})")
        idx = np.arange(a, b) % self._cap
        return self._flag[idx].copy()
