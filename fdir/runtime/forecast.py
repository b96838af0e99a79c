"""Sample-by-sample runtime for a forecasting detector (telemanom method): forecast → error → smoothing → online
nonparametric dynamic threshold.

Per ``step(sample)`` (FORMAT.md, ``detector.kind == "forecast"``; Hundman et al., KDD 2018, arXiv:1802.04431):

1. the sample (D channels) is standardised and given to the forecasting model: a windowed graph
   (:class:`WindowForecaster`: a doubled ring buffer (2W, D), so that the last W samples are always one contiguous
   block, copied into the graph input in the bundle's layout), or, for a bundle with a ``spiking`` section, the
   stateful spiking forecaster :class:`fdir.runtime.spiking.SpikingForecaster` (W = 1, FORMAT.md);
2. if a forecast for this sample exists (made at the previous step), the raw error e = |ŷ − z_target| goes to
   :class:`fdir.runtime.ndt.StreamingNDT` (EWMA smoothing with span batch·window·smoothing_perc, a threshold window of
   ``window_size`` batches re-evaluated every ``batch_size`` errors, pruning);
3. once W samples are buffered, the graph forecasts the next ``horizon`` values; the first one is kept for the
   next step. With a skip gain a (``detector.residual_gain``; bundles without it: a = 1 when
   ``detector.residual`` is true, else 0) the forecast is ŷ = graph output + a·z_target of the newest sample, as
   in the residual / learned-skip forecasters of :mod:`fdir.detectors.forecaster`.

A bundle with ``detector.heads`` = K > 1 (a forecaster pair exported with ``combine="union"``) has K forecasts:
head k is graph output k·horizon with its own gain ``residual_gain[k]``; each head's error feeds its own
StreamingNDT (all K decide on the same schedule) and a sample is flagged when any head flags it
(``detector.combine`` "any"; offline equivalent :func:`fdir.ndt.detect_any`).

``detector.streams`` (default: the first-step error of every head) lists the error streams, each with its own
StreamingNDT: ``first_step`` e_t = |ŷ_t − z_t| as above, or ``horizon_mean`` h = (1/h) Σ_j |ŷ_{s,j} − z_{s+1+j}|,
the mean absolute error of the whole horizon of the forecast made after sample s
(:func:`fdir.detectors.forecaster.stream_errors`). The runtime keeps the last ``horizon`` forecasts of such heads in
a shift register and adds each new sample's error to every pending forecast; a horizon error is complete, and
pushed with error index s + 1 − t₀, when sample s + h arrives (h − 1 samples after that index's first-step error).
With horizon streams, ``result.decided`` reports a range once every stream has decided it (the horizon streams'
schedule, h − 1 samples later).

A non-finite (or absurd, :mod:`fdir.runtime.sample`) sample is marked invalid (``result.valid``) and never enters
the state: invalid channels are replaced by their last valid value in the window buffer, and an invalid target
gives the error streams a held error (:meth:`fdir.runtime.ndt.StreamingNDT.hold`) instead of a NaN (FORMAT.md,
"Invalid samples").

SPOT instead of NDT (FORMAT.md, ``detector.threshold`` with ``"method": "spot"``, version 3): the raw errors of every
stream go unsmoothed to :class:`fdir.runtime.spot.SPOTStreams`, which continues the offline SPOT/DSPOT state
(:mod:`fdir.spot`, Siffer et al., KDD 2017, doi:10.1145/3097983.3098144), takes the union over streams and groups
hits within ``merge_gap`` g; an index is decided g samples after every stream has scored it (``result.decided``),
and the flags equal :meth:`fdir.pipeline.Pipeline.evaluate`'s. An invalid target gives the streams the errors
against its held value (the offline forward fill) and its sample is never flagged.

SPOT or NDT (FORMAT.md, ``detector.threshold`` with ``"method": "spot_or_ndt"``, version 5; the offline
:class:`fdir.union.SPOTOrNDT`): every stream's error goes to SPOT as above and to its own StreamingNDT with the
relative guard (:class:`fdir.runtime.union.SPOTOrNDTStreams`); an index is flagged when SPOT flags it or the NDTs
flag it in a run longer than one index (telemanom's rule; one index of NDT look-ahead). Each member's part is
reported (``result.decided``) as soon as that member has decided it: SPOT's alarms at the step SPOT alone reports
them (g samples after the index, g + h − 1 with horizon streams), the NDT's when its windows decide them (at the
start of a recording only after its first window of ``window_len`` errors). A range may overlap earlier ones and add
flags to indices reported before; a reported flag is never withdrawn (OR the flags of every range in, as
:meth:`run_series` does), and an index is final once both members have decided it (below ``union.final``). An
invalid target gives SPOT the error against its held value and the NDTs a held error; its sample is
never flagged. The flags equal :meth:`fdir.pipeline.Pipeline.evaluate`'s given the offline first-window rule
(``run_series(n_ignore=fdir.ndt.num_to_ignore(n))``), except near invalid samples (:mod:`fdir.runtime.union`,
known differences).

Limit checks and input differencing (FORMAT.md, ``input.difference`` and ``limits``; :mod:`fdir.runtime.transform`,
:mod:`fdir.runtime.flatline`): differenced channels enter the standardisation as increments of their last valid raw
value; the range-exit and flat-line checks of the watched channel flag a sample at once (``result.limit_flag``,
sample-indexed, not batched like the NDT decisions), whatever the forecast error.

Errors start at sample t₀ = max(W, l_s) (``l_s`` of the threshold parameters: telemanom scores test samples from
l_s on, whatever the network's receptive field W ≤ l_s); error index k is sample k + t₀. Decisions arrive in
batches: ``result.decided`` is the half-open range of error indices decided at this step (or None; SPOT or NDT: it
may overlap earlier ranges, above) and :meth:`ForecastRuntime.flags` reads them.
The window buffer, graph buffers, the horizon registers and the NDT ring buffers are allocated once; the NDT
threshold search every ``batch_size`` samples works on temporary arrays of the window size, and the horizon
registers shift through a temporary of h·K_h·h values (bounded, freed at once). Imports numpy
only (and :mod:`fdir.runtime.ndt`, :mod:`fdir.runtime.spot`, :mod:`fdir.runtime.union`).
"""

from __future__ import annotations

import math

import numpy as np

from fdir.runtime.flatline import FlatLineMonitor, HoldMonitor
from fdir.runtime.graph import FormatError, Graph
from fdir.runtime.ndt import NDTParams, StreamingNDT, runs
from fdir.runtime.sample import ERROR_CAP, SampleIntake
from fdir.runtime.spot import SPOTStreams
from fdir.runtime.transform import Differencer, RangeExit
from fdir.runtime.union import SPOTOrNDTStreams

__all__ = ["ERROR_KINDS", "ForecastResult", "ForecastRuntime", "WindowForecaster"]

ERROR_KINDS = ("first_step", "horizon_mean")
"""Error kinds of ``detector.streams`` (FORMAT.md; :func:`fdir.detectors.forecaster.stream_errors` computes them
offline)."""


class ForecastResult:
    """Outcome of one ``step`` (reused): ``t`` sample index; ``valid`` every channel of the sample was valid
    (:mod:`fdir.runtime.sample`; invalid channels were replaced by their last valid value); ``prediction`` forecast
    for the next sample (of this sample with ``detector.lead`` = 0), the mean over heads (NaN before W samples);
    ``error`` |prediction − value| of this sample (NaN when there was no forecast or the target channel was invalid,
    ERROR_CAP when it overflowed float32);
    ``head_predictions``, ``head_errors`` (K,) the same per head (the errors NDT thresholds; NaN where the stream
    was held); ``horizon_errors`` (K_h,) the horizon-mean errors completed at this step, one per ``horizon_mean``
    stream, for error index ``horizon_index`` (t − t₀ − horizon + 1; NaN and −1 when none completed, NaN when
    held); ``decided`` (a, b) error-index range decided now or None (SPOT or NDT: flags set or confirmed now; it may
    overlap earlier ranges, OR its flags in); ``range_exit`` the range-exit distance r_t (noise units) and
    ``flatness`` the flat-line score of this sample: h_t/L, the current hold over its limit (0 at an invalid sample;
    a version 2-3 bundle: f_t in [0, 1], NaN until w valid samples are buffered) (NaN when the bundle has no such
    check; the range exit NaN at an invalid sample); ``limit_flag`` this sample is flagged by the range-exit or
    flat-line check."""

    __slots__ = ("decided", "error", "flatness", "head_errors", "head_predictions", "horizon_errors", "horizon_index",
                 "limit_flag", "prediction", "range_exit", "t", "valid")

    def __init__(self, n_heads: int = 1, n_horizon: int = 0) -> None:
        self.t = -1
        self.valid = True
        self.prediction = float("nan")
        self.error = float("nan")
        self.head_predictions = np.full(n_heads, np.nan)
        self.head_errors = np.full(n_heads, np.nan)
        self.horizon_errors = np.full(n_horizon, np.nan)
        self.horizon_index = -1
        self.decided = None
        self.range_exit = float("nan")
        self.flatness = float("nan")
        self.limit_flag = False


class WindowForecaster:
    """The forecasting model of a windowed bundle: a doubled ring buffer (2W, D) of standardised samples, so the
    last W samples are one contiguous block, copied into the graph input (the bundle's layout) and run through the
    :class:`~fdir.runtime.graph.Graph` once W samples are buffered; with ``detector.lead`` = 0 the target channel's
    newest sample (``masked``) is set to 0 in the graph input (FORMAT.md). ``y`` (view of the graph output, flat) holds
    the forecasts after :meth:`push` returned True. Buffers are allocated here.

    Raises
    ------
    FormatError
        for an invalid graph (see :class:`~fdir.runtime.graph.Graph`).
    """

    def __init__(self, spec: dict, arrays: dict, fixed_point: bool = False, masked: int | None = None) -> None:
        inp = spec["input"]
        self.D, self.W = int(inp["channels"]), int(inp["window"])
        self._masked = masked               # channel zeroed at the newest sample (FORMAT.md: lead 0), or None
        self.graph = Graph(spec["layers"], arrays, tuple(inp["shape"]), fixed_point=fixed_point)
        self.y = self.graph.y.reshape(-1)
        self._ring = np.zeros((2 * self.W, self.D), np.float32)
        self._blocks = [self._ring[i:i + self.W] for i in range(self.W + 1)]  # views made once
        if inp["layout"] == "channels x samples":
            self._dst = self.graph.x.reshape(self.D, self.W).T
        else:
            self._dst = self.graph.x.reshape(self.W, self.D)
        self.reset()

    def reset(self) -> None:
        """Empty the window."""
        self._pos = self._n = 0

    def push(self, row: np.ndarray) -> bool:
        """Append the standardised sample ``row`` (D,); run the graph and return True once W samples are in."""
        p = self._pos
        np.copyto(self._ring[p], row)
        np.copyto(self._ring[p + self.W], row)
        self._pos = (p + 1) % self.W
        self._n = min(self._n + 1, self.W)
        if self._n < self.W:
            return False
        np.copyto(self._dst, self._blocks[self._pos])
        if self._masked is not None:        # lead 0: the forecast sample itself is not an input
            self._dst[self.W - 1, self._masked] = 0.0
        self.graph.run()
        return True


class ForecastRuntime:
    """Forecast-detector runtime built from a bundle's ``(spec, arrays)`` (see module doc).

    ``model`` the forecasting model (:class:`WindowForecaster`, or :class:`fdir.runtime.spiking.SpikingForecaster`
    for a bundle with a ``spiking`` section) and ``graph`` its layer graph (None for a spiking bundle);
    ``streams`` the ``(head, kind)`` error streams thresholded; ``decision_lag`` the samples by which an index's
    last error trails its first-step error (h − 1 with ``horizon_mean`` streams, else 0): a series must run that
    many samples past the last first-step error for every stream to score it. ``ndts`` the streams' NDTs, or
    ``spot`` (:class:`fdir.runtime.spot.SPOTStreams`, None for NDT) for a SPOT bundle, whose decisions trail by
    ``decision_lag`` + ``spot.delay`` samples, or ``union`` (:class:`fdir.runtime.union.SPOTOrNDTStreams`, None
    otherwise) for a SPOT-or-NDT bundle, whose ``ndts`` are then the union's.

    Raises
    ------
    FormatError
        for a detector that is not a forecaster, a target outside the channels, an ``input.difference`` that is not
        D booleans, a ``limits`` section with an unknown check, a channel outside [0, D) or a parameter out of
        range (:class:`~fdir.runtime.transform.RangeExit`, :class:`~fdir.runtime.flatline.FlatLineMonitor`),
        ``heads`` < 1, a ``residual_gain``
        that is not one finite number per head (a list of K, or one number for K = 1), a graph with fewer than
        K·horizon outputs (K·1 when ``horizon`` is absent), a ``combine`` other than "any", or ``streams`` that is
        not a non-empty list of ``{"head": k, "error": kind}`` with k in [0, K) and kind in :data:`ERROR_KINDS`
        (``horizon_mean`` also needs K·horizon graph outputs), or a SPOT ``threshold`` with a field out of range,
        a missing array or not one tail per stream (:meth:`fdir.runtime.spot.SPOTStreams.from_section`), or a
        SPOT-or-NDT ``threshold`` with such a SPOT member or an NDT field out of range
        (:meth:`fdir.runtime.union.SPOTOrNDTStreams.from_section`).
    """

    def __init__(self, spec: dict, arrays: dict, fixed_point: bool | None = None) -> None:
        det = spec["detector"]
        if det.get("kind") != "forecast":
            raise FormatError("ForecastRuntime needs detector.kind 'forecast'")
        inp = spec["input"]
        self.D, self.W = int(inp["channels"]), int(inp["window"])
        self.target = int(det.get("target", 0))
        if not 0 <= self.target < self.D:
            raise FormatError(f"detector.target={self.target} must be a channel index in [0, {self.D - 1}]")
        self.lead = det.get("lead", 1)
        if isinstance(self.lead, bool) or self.lead not in (0, 1):
            raise FormatError(f"detector.lead={self.lead!r} must be 0 or 1")
        fp = spec.get("quantization") is not None if fixed_point is None else bool(fixed_point)
        if fp and spec.get("quantization") is None:
            raise FormatError("fixed_point=True needs a bundle exported with a 'quantization' section")
        self.fixed_point = fp
        if spec.get("spiking") is not None:
            from fdir.runtime.spiking import SpikingForecaster

            self.model = SpikingForecaster(spec, arrays, fixed_point=fp)
        else:
            self.model = WindowForecaster(spec, arrays, fixed_point=fp, masked=None if self.lead else self.target)
        self.graph = getattr(self.model, "graph", None)
        self.horizon = int(det.get("horizon", 1))
        self.residual = bool(det.get("residual", False))
        self.n_heads = int(det.get("heads", 1))
        if self.n_heads < 1:
            raise FormatError(f"detector.heads={self.n_heads} must be >= 1")
        if self.n_heads > 1 and det.get("combine", "any") != "any":
            raise FormatError(f"detector.combine={det.get('combine')!r}: only 'any' is supported")
        gain = det.get("residual_gain")
        try:
            g = (1.0 if self.residual else 0.0) if gain is None else gain
            gains = np.asarray([g] if np.ndim(g) == 0 else g, np.float64).reshape(-1)
        except (TypeError, ValueError):
            gains = np.array([np.nan])
        if gains.size != self.n_heads or not np.all(np.isfinite(gains)):
            raise FormatError(f"detector.residual_gain={gain!r} must be {self.n_heads} finite number(s), one per head")
        self.head_gains = gains
        self.residual_gain = float(gains.mean())
        n_out = self.model.y.size
        if n_out < 1 or (self.n_heads > 1 and n_out < self.n_heads * self.horizon):
            raise FormatError(f"forecast graph has {n_out} outputs, needs {self.n_heads} head(s) "
                              f"x horizon {self.horizon}")
        flat = self.model.y
        self._pred_src = flat[:: self.horizon][: self.n_heads] if self.n_heads > 1 else flat[:1]
        self.streams = self._parse_streams(det.get("streams"))
        hz = [k for k, kind in self.streams if kind == "horizon_mean"]
        if self.lead == 0 and (spec.get("spiking") is not None or self.n_heads != 1 or self.horizon != 1 or hz
                               or gains[0] != 0.0):
            raise FormatError("detector.lead=0 needs a windowed graph with one head, horizon 1, first-step errors "
                              "and residual_gain 0 (the forecast sample is not an input)")
        H = self.horizon
        self.decision_lag = H - 1 if hz else 0          # samples the horizon errors trail the first-step errors
        if hz and n_out < self.n_heads * H:
            raise FormatError(f"horizon_mean streams need {self.n_heads} x {H} graph outputs, got {n_out}")
        self._hz_src = [flat[k * H:(k + 1) * H] for k in hz]      # views of each head's graph outputs
        self._hz_gain = self.head_gains[np.asarray(hz, np.intp)]
        self._fc = np.zeros((H, len(hz), H))          # full forecast of origin t−1−j (lag j)
        self._acc = np.zeros((H, len(hz)))            # running Σ |error| of the origin at lag j
        self._ys = np.zeros(H)                        # first target value of the origin at lag j
        self._diag = np.diagonal(self._fc, axis1=0, axis2=2)   # view (K_h, H): [i, j] = lag-j forecast of z_t
        self._tmp = np.zeros((len(hz), H))
        try:
            self._intake = SampleIntake(self.D, None if inp.get("mean") is None else arrays[inp["mean"]],
                                        None if inp.get("std") is None else arrays[inp["std"]])
        except ValueError as exc:
            raise FormatError(str(exc)) from None
        self._held = np.zeros(self.D, np.float32)      # last valid standardised value per channel (0 = train mean)
        self._parse_limits(inp, spec.get("limits"))
        self._hz_bad = np.zeros(H, bool)               # origin at lag j has an invalid target in its horizon
        th = dict(det.get("threshold") or {})
        self.spot = self.union = None
        method = th.pop("method", "ndt")
        if method == "spot_or_ndt":                            # FORMAT.md: SPOT state and the NDT's parameters
            self.union = SPOTOrNDTStreams.from_section(th, arrays, len(self.streams), lag=self.decision_lag)
            self.ndts = self.union.ndts                         # run_series sets their n_ignore
            self.ndt, self.ndt_params = self.ndts[0], self.union.params
            sinks = list(range(len(self.streams)))              # stream i pushes into self.union as stream i
            l_s = th["l_s"]
        elif method == "spot":                                 # FORMAT.md: SPOT state instead of NDT parameters
            self.spot = SPOTStreams.from_section(th, arrays, len(self.streams))
            self.ndt_params, self.ndts, self.ndt = None, [], None
            sinks = list(range(len(self.streams)))              # stream i pushes into self.spot as stream i
            l_s = th.get("l_s")
            if isinstance(l_s, bool) or not isinstance(l_s, int) or l_s < 0:
                raise FormatError(f"detector.threshold.l_s={l_s!r} must be an integer >= 0 (first scored sample)")
        else:
            n_ignore = th.pop("n_ignore", None)
            self.ndt_params = NDTParams(**th)
            self.ndts = sinks = [StreamingNDT(self.ndt_params, n_ignore=n_ignore) for _ in self.streams]
            self.ndt = self.ndts[0]
            l_s = self.ndt_params.l_s
        self._bank = self.spot if self.union is None else self.union   # index-decided thresholds, or None (NDT)
        self._first = [(k, n) for (k, kind), n in zip(self.streams, sinks, strict=True) if kind == "first_step"]
        self._ndt_hz = [n for (_, kind), n in zip(self.streams, sinks, strict=True) if kind == "horizon_mean"]
        self.t0 = max(self.W - 1 + self.lead, int(l_s))
        self.result = ForecastResult(self.n_heads, len(hz))
        self._heads = self.result.head_predictions      # written in place by step(): no copies per sample
        self.reset()

    def _parse_streams(self, streams) -> tuple[tuple[int, str], ...]:
        if streams is None:
            return tuple((k, "first_step") for k in range(self.n_heads))
        try:
            out = tuple((int(d["head"]), str(d["error"])) for d in streams)
        except (TypeError, KeyError, ValueError):
            out = ()
        if not out or any(not 0 <= k < self.n_heads or kind not in ERROR_KINDS for k, kind in out):
            raise FormatError(f"detector.streams={streams!r} must be a non-empty list of {{'head': k, 'error': kind}}"
                              f" with k in [0, {self.n_heads - 1}] and kind in {ERROR_KINDS}")
        return out

    def _parse_limits(self, inp: dict, limits) -> None:
        """Input differencing and limit checks of the bundle (FORMAT.md, ``input.difference``, ``limits``)."""
        diff = inp.get("difference")
        self.differencer = None
        if diff is not None:
            if not (isinstance(diff, list) and len(diff) == self.D and all(isinstance(v, bool) for v in diff)):
                raise FormatError(f"input.difference={diff!r} must be a list of {self.D} booleans")
            if any(diff):
                self.differencer = Differencer(diff)
                # an invalid differenced channel enters the window as the increment 0 (its value held), standardised
                self._zero_inc = np.asarray((0.0 - self._intake.mean) * self._intake.inv_std, np.float32)
        limits = {} if limits is None else limits
        if not isinstance(limits, dict) or any(k not in ("range_exit", "flat_line") for k in limits):
            raise FormatError(f"limits={limits!r} must be an object with optional 'range_exit' and 'flat_line'")
        self.range_check = self.flat_check = None
        self._range_ch = self._flat_ch = 0
        try:
            if limits.get("range_exit") is not None:
                r = limits["range_exit"]
                self._range_ch = self._limit_channel(r, "range_exit")
                self.range_check = RangeExit(r["lo"], r["hi"], r["noise"], r["k"])
            if limits.get("flat_line") is not None:
                f = limits["flat_line"]
                self._flat_ch = self._limit_channel(f, "flat_line")
                self.flat_check = (HoldMonitor(f["limit"]) if "limit" in f        # version 4
                                   else FlatLineMonitor(f["window"], f["r_min"], f["ratio"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise FormatError(f"limits: {exc}") from None

    def _limit_channel(self, section: dict, name: str) -> int:
        c = section.get("channel", 0)
        if isinstance(c, bool) or not isinstance(c, int) or not 0 <= c < self.D:
            raise FormatError(f"limits.{name}.channel={c!r} must be a channel index in [0, {self.D - 1}]")
        return c

    def reset(self) -> None:
        """Start a new stream (window buffer, pending forecasts, NDT states and limit checks cleared)."""
        self.t = -1
        if self.differencer is not None:
            self.differencer.reset()
        if self.flat_check is not None:
            self.flat_check.reset()
        self.model.reset()
        self._pending = float("nan")
        self._heads[:] = np.nan
        self._fc[:] = 0.0
        self._acc[:] = 0.0
        self._held[:] = 0.0
        self._hz_bad[:] = False
        self._reported = self._decided_first = 0
        for ndt in self.ndts:
            ndt.reset()
        if self._bank is not None:
            self._bank.reset()

    def step(self, sample: np.ndarray) -> ForecastResult:
        """Push one sample (D,) in raw units; returns the (reused) :class:`ForecastResult`.

        Invalid samples (FORMAT.md "Invalid samples"; a channel is invalid when non-finite or beyond
        :data:`~fdir.runtime.sample.Z_VALID` standard deviations): ``result.valid`` is False; each invalid channel
        enters the window buffer as its last valid value (0, the training mean, before any); when the target
        channel is invalid the sample's errors are NaN and every error stream it belongs to receives
        :meth:`~fdir.runtime.ndt.StreamingNDT.hold` (its smoothed error keeps its level and the index schedule
        stays aligned), so it raises no alarm by itself. A valid but extreme input whose forecast overflows float32
        gets the error :data:`~fdir.runtime.sample.ERROR_CAP` (an alarm, never a NaN).

        Raises
        ------
        ValueError
            when ``sample`` does not hold D values.
        """
        intake = self._intake
        r = self.result
        dif = self.differencer
        value = sample if dif is None else dif.apply(sample)
        r.valid = intake.take(value)
        self.t += 1
        r.t = self.t
        r.decided = None
        row = intake.row
        if not r.valid:
            np.copyto(row, self._held, where=intake.bad)
        np.copyto(self._held, row)
        if dif is not None:
            dif.commit(intake.ok)
            np.copyto(self._held, self._zero_inc, where=dif.mask)
        r.limit_flag = False
        if self.range_check is not None:
            c = self._range_ch
            r.limit_flag |= self.range_check.push(value[c] if np.ndim(value) else value, bool(intake.ok[c]))
            r.range_exit = self.range_check.distance
        if self.flat_check is not None:
            c = self._flat_ch
            x = dif.raw[c] if dif is not None else (sample[c] if np.ndim(sample) else sample)
            r.limit_flag |= self.flat_check.push(x, bool(intake.ok[c]))
            r.flatness = self.flat_check.flatness
        y = float(row[self.target])
        y_ok = bool(intake.ok[self.target])
        if self.lead == 0:                                      # the forecast of this sample, from its own window
            self._predict(row, y)
        decided = None
        bank = self._bank
        if self.t >= self.t0:                                   # one push per stream and sample from t₀ on
            np.subtract(self._heads, y, out=r.head_errors)
            np.abs(r.head_errors, out=r.head_errors)
            if y_ok:
                e = abs(self._pending - y)
                r.error = e if math.isfinite(e) else ERROR_CAP
            else:
                r.error = float("nan")
            if bank is not None:
                bank.set_valid(self.t - self.t0, r.valid)
            for k, sink in self._first:                         # the same schedule for every stream
                e = float(r.head_errors[k])                     # sink: its StreamingNDT, or its stream index
                if not math.isfinite(e):                        # a valid input drove the forecast out of float32
                    e = r.head_errors[k] = ERROR_CAP
                if not y_ok:
                    r.head_errors[k] = np.nan
                    if bank is None:
                        decided = sink.hold(y)
                    else:                                       # SPOT: the held target's error; NDT: its level
                        bank.hold(sink, e, y)
                elif bank is None:
                    decided = sink.push(e, y)
                else:
                    bank.push(sink, e, y)
            if decided is not None:
                self._decided_first = decided[1]
        else:
            r.error = float("nan")
            r.head_errors[:] = np.nan
        if self._ndt_hz:
            decided = self._horizon_step(y, y_ok)
        if bank is not None:
            decided = bank.take_decided()
        if decided is not None:
            r.decided = decided
            self._reported = max(self._reported, decided[1])   # SPOT or NDT ranges may overlap earlier ones
        if self.lead == 1:                                      # the forecast of the next sample
            self._predict(row, y)
        r.prediction = self._pending
        return r

    def _predict(self, row: np.ndarray, y: float) -> None:
        """Push ``row`` into the model; once its window is full, set the heads' forecasts (and the pending mean)."""
        with np.errstate(over="ignore", invalid="ignore"):      # an overflowing forecast is caught at its error
            if self.model.push(row):
                np.multiply(self.head_gains, y, out=self._heads)
                np.add(self._heads, self._pred_src, out=self._heads)
                self._pending = float(self._heads.mean())
                if self._ndt_hz:                               # full-horizon forecast of this origin (lag 0)
                    for i, src in enumerate(self._hz_src):
                        np.multiply(self._hz_gain[i], y, out=self._fc[0, i])
                        np.add(self._fc[0, i], src, out=self._fc[0, i])

    def _horizon_step(self, y: float, y_ok: bool) -> tuple[int, int] | None:
        """Add sample z_t's error to every pending forecast, push the completed horizon errors (origin t − h) and
        shift the registers by one lag. An invalid target (``y_ok`` False) marks every pending origin: their
        horizon errors are held (:meth:`~fdir.runtime.ndt.StreamingNDT.hold`), reported as NaN. Returns the
        horizon streams' decided range (or None)."""
        r, H, decided = self.result, self.horizon, None
        r.horizon_index = -1
        if self.t >= self.t0:                                  # origins t−1−j for lags j; invalid ones never complete
            with np.errstate(over="ignore", invalid="ignore"):
                np.subtract(self._diag, y, out=self._tmp)
                np.abs(self._tmp, out=self._tmp)
                np.add(self._acc, self._tmp.T, out=self._acc)
            self._ys[0] = y
            if not y_ok:
                self._hz_bad[:] = True
        if self.t >= self.t0 + H - 1:                          # origin t − h: all h targets seen
            np.divide(self._acc[H - 1], H, out=r.horizon_errors)
            r.horizon_index = self.t - self.t0 - H + 1
            y_first = float(self._ys[H - 1])
            bad = bool(self._hz_bad[H - 1])
            bank = self._bank
            for i, sink in enumerate(self._ndt_hz):         # sink: its StreamingNDT, or its stream index
                e = float(r.horizon_errors[i])
                if not math.isfinite(e):                        # overflow from a valid input: an alarm, not a NaN
                    e = r.horizon_errors[i] = ERROR_CAP
                if bad:
                    r.horizon_errors[i] = np.nan
                    if bank is None:
                        decided = sink.hold(y_first)
                    else:                                       # SPOT: the held targets' error; NDT: its level
                        bank.hold(sink, e, y_first)
                elif bank is None:
                    decided = sink.push(e, y_first)
                else:
                    bank.push(sink, e, y_first)
        else:
            r.horizon_errors[:] = np.nan
        self._fc[1:] = self._fc[:-1]                           # overlapping copies: numpy buffers (h·K_h·h values)
        self._acc[1:] = self._acc[:-1]
        self._acc[0] = 0.0
        self._ys[1:] = self._ys[:-1]
        self._hz_bad[1:] = self._hz_bad[:-1]
        self._hz_bad[0] = False
        return decided

    def finish(self) -> tuple[int, int] | None:
        """End of stream: decide the errors after the last full threshold window of every stream (see
        StreamingNDT.finish); the returned range also covers what the first-step streams decided but had not been
        reported yet (they run h − 1 samples ahead of horizon streams). With SPOT (:meth:`SPOTStreams.finish`): the
        indices held back by the grouping delay and those only the first-step streams have scored. With SPOT or NDT
        (:meth:`SPOTOrNDTStreams.finish`): everything both hold, from one index before the earliest index the NDTs'
        last windows touched, and whatever was set since the last reported range (OR the flags of the returned range
        into what was reported)."""
        if self._bank is not None:
            return self._bank.finish()
        ends = [e for e in (ndt.finish() for ndt in self.ndts) if e is not None]
        if self._decided_first > self._reported:
            ends.append((self._reported, self._decided_first))
        if not ends:
            return None
        self._reported = max(b for _, b in ends)
        return min(a for a, _ in ends), self._reported

    def flags(self, a: int, b: int) -> np.ndarray:
        """Decisions (bool) for error indices [a, b) still in the NDT buffers, any stream (error k ↔ sample
        k + t₀); a stream that has not reached b yet (horizon streams lag h − 1) contributes up to its end. With SPOT
        or SPOT or NDT, the flags of reported indices (:meth:`SPOTStreams.flags`; :meth:`SPOTOrNDTStreams.flags`, final
        below ``union.final``, else flags that later ranges may add to).
        """
        if self._bank is not None:
            return self._bank.flags(a, b)
        f = np.zeros(max(b - a, 0), bool)
        for ndt in self.ndts:
            e = min(b, ndt.n)
            if e > a:
                f[: e - a] |= ndt.flags(a, e)
        return f

    def run_series(self, x: np.ndarray, n_ignore: int | None = None) -> dict:
        """Offline convenience (allocates its outputs): stream a whole series ``x`` (T, D) and return
        ``errors`` (T − t₀,), ``predictions`` (T − t₀,) (mean over heads), ``head_errors``, ``head_predictions``
        (T − t₀, K) per head, ``horizon_errors`` (T − t₀, K_h) per ``horizon_mean`` stream by error index (NaN for
        the last h − 1, never completed), ``flags`` (T − t₀,) bool per error index (any head) and
        ``sequences`` (inclusive runs in sample coordinates k + t₀; with NDT only those longer than one value, as
        telemanom's E_seq, with SPOT or SPOT or NDT every run (SPOT's single-sample flags are alarms; the union has
        already dropped the NDT's), as :meth:`fdir.pipeline.Pipeline.detect`), ``range_exit``,
        ``flatness`` (T,) and ``limit_flags`` (T,) bool per sample (limit checks, NaN / False without them),
        ``valid`` (T,) bool per
        sample (non-finite values are marked invalid, see :meth:`step`). ``n_ignore``
        overrides the first threshold window's ignored prefix (e.g. ``fdir.ndt.num_to_ignore(T − t₀)``, the
        offline rule, which needs the series length)."""
        try:
            x = np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"x must be a numeric array of shape (T, {self.D}): {exc}") from None
        if x.ndim != 2 or x.shape[1] != self.D:
            raise ValueError(f"x must have shape (T, {self.D}), got {x.shape}")
        T = x.shape[0]
        t0 = self.t0
        n = max(T - t0, 0)
        err = np.full(n, np.nan)
        pred = np.full(n, np.nan)
        herr = np.full((n, self.n_heads), np.nan)
        hpred = np.full((n, self.n_heads), np.nan)
        hz = np.full((n, len(self._ndt_hz)), np.nan)
        flags = np.zeros(n, bool)
        valid = np.zeros(T, bool)
        rexit, flat, lflags = np.full(T, np.nan), np.full(T, np.nan), np.zeros(T, bool)
        self.reset()
        keep = None if self.ndt is None else self.ndt.n_ignore
        if n_ignore is not None:
            for ndt in self.ndts:
                ndt.n_ignore = int(n_ignore)
        for t in range(T):
            r = self.step(x[t])
            valid[t] = r.valid
            rexit[t], flat[t], lflags[t] = r.range_exit, r.flatness, r.limit_flag
            if t >= t0:
                err[t - t0] = r.error
                herr[t - t0] = r.head_errors
            if r.horizon_index >= 0:
                hz[r.horizon_index] = r.horizon_errors
            if r.decided is not None:
                a, b = r.decided
                flags[a:b] |= self.flags(a, b)
            if t0 - self.lead <= t < T - self.lead:           # the forecast of sample t + lead
                pred[t + self.lead - t0] = r.prediction
                hpred[t + self.lead - t0] = r.head_predictions
        fin = self.finish()
        if fin is not None:
            a, b = fin
            flags[a:b] |= self.flags(a, b)
        for ndt in self.ndts:
            ndt.n_ignore = keep
        single = self.ndt is None or self.union is not None   # NDT drops one-value sequences, SPOT keeps its flags
        seqs = [(a + t0, b + t0) for a, b in runs(flags) if single or b > a]
        return {"errors": err, "predictions": pred, "head_errors": herr, "head_predictions": hpred,
                "horizon_errors": hz, "flags": flags, "sequences": seqs, "valid": valid,
                "range_exit": rexit, "flatness": flat, "limit_flags": lflags}
