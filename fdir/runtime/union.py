"""SPOT or NDT onboard (numpy only): the streaming half of :class:`fdir.union.SPOTOrNDT`, continuing from the state
that :meth:`fdir.pipeline.Pipeline.export` writes into a bundle (FORMAT.md, ``detector.threshold`` with
``"method": "spot_or_ndt"``, version 5; version 7 when the SPOT member holds a quarantine).

Sources: SPOT / DSPOT, Siffer et al., KDD 2017, doi:10.1145/3097983.3098144 (:mod:`fdir.runtime.spot`); telemanom's
nonparametric dynamic threshold, Hundman et al., KDD 2018, arXiv:1802.04431 (:mod:`fdir.runtime.ndt`) with the
scale-free guard of :class:`fdir.ndt_guards.RelativeGuardNDT` (``min_abs_error`` = k x robust scale of the training
errors, ``min_rel_scale`` = 0).

Per error stream (S streams of one channel, ``detector.streams``) every error goes to both members: its SPOT tail
(:class:`fdir.runtime.spot.SPOTStreams`, unsmoothed errors, union over streams, grouping within ``merge_gap`` g) and
its own :class:`fdir.runtime.ndt.StreamingNDT` (EWMA-smoothed errors, one threshold window every ``batch_size``
errors). An index is flagged when

    SPOT flags it (grouped, never at an invalid sample)  OR  (n_k AND (n_{k−1} OR n_{k+1}) AND the sample is valid),

n_k the OR of the S NDT flags of index k: NDT flags in runs of one value are dropped, as telemanom's E_seq and
:meth:`fdir.thresholders.NDTThresholder.evaluate` do, which needs the NDT decision of index k + 1 (one index of
look-ahead, or the end of the stream).

**Reporting (alarm latency).** Each member's part of a flag is reported as soon as that member has decided it:
SPOT's g indices after every stream scored the index (``lag`` more for the slowest stream), exactly when
:class:`~fdir.runtime.spot.SPOTStreams` alone reports it, whatever the NDT; the NDT's once every stream's NDT has
decided index k + 1 (the NDT decides in batches: the first window of ``window_len`` errors at once, then every
``batch_size``). :meth:`take_decided` returns the half-open range of indices whose flags were set or confirmed since
the last call, from the earliest index a member decided (or the NDT re-decided) to the newest one; it may overlap
ranges reported before. Contract:

* a reported flag is never withdrawn: the flags of a range are a lower bound of the final flags, and a consumer ORs
  the flags of every reported range into what it holds (:meth:`fdir.runtime.forecast.ForecastRuntime.run_series`
  does ``flags[a:b] |= ...``);
* a later range may add flags to indices reported before: the NDT's part up to max(``window_len``,
  ``batch_size`` + 1) (+ ``lag``) indices after the index (at the start of a recording the NDT has decided nothing
  before its first window), SPOT's up to g (+ ``lag``) indices after it (where, as with telemanom's defaults,
  g > ``batch_size`` and the NDT decides first);
* an index's flag is final once both members have decided it: indices below :attr:`final` (a consumer that wants
  final flags only reads [previous ``final``, ``final``) after each call); :meth:`finish` at the end of a recording
  may still add NDT flags to the newest ``batch_size`` + 1 of them (below).

Invalid samples (FORMAT.md, "Invalid samples"): with an invalid target, :meth:`hold` gives SPOT the error against the
held target value (the offline forward fill) and the NDT :meth:`fdir.runtime.ndt.StreamingNDT.hold` (its smoothed
error keeps its level); the invalid sample is never flagged (:meth:`set_valid`).

End of a recording (:meth:`finish`): every NDT decides its trailing values with a window ending at the last value,
which may add flags to the newest ``batch_size`` values of the window before (the offline causal schedule does the
same); the union re-decides from one index before the earliest index such a window touched and returns the range of
everything set or confirmed since the last :meth:`take_decided`, whose flags are a superset of what was reported
there (OR them in, as above).

Known differences to :meth:`fdir.union.SPOTOrNDT.evaluate` (offline), from the stream not knowing its length: the
offline NDT ignores ``num_to_ignore(n)`` values of the first window (0 below 1,800 scored values, l_s below 2,500,
else 2·l_s; the stream: 2·l_s unless told, :attr:`fdir.runtime.ndt.StreamingNDT.n_ignore`) and uses ``batch_size`` =
n // 3 below 70 scored values; and at an invalid sample the offline NDT reads the error against the forward-filled
value (:meth:`fdir.pipeline.Pipeline.evaluate`; a NaN score: the stream's median), where the stream holds its
smoothed level, so flags near invalid samples may differ. Otherwise the flags are equal
(``tests/fdir/runtime/test_union_runtime.py``).

Memory: the SPOT and NDT buffers of the members and four rings (the OR of the raw NDT flags, validity, reported
flags, and the index each slot holds) of ``history`` + window_len + batch_size + g + lag + 2 indices, allocated once;
the per-sample path and the decisions write scalars into them (the NDT's threshold search, every ``batch_size`` errors,
works on its own temporaries of the window size); :meth:`flags` returns a new array.
"""

from __future__ import annotations

import math

import numpy as np

from fdir.runtime.graph import FormatError
from fdir.runtime.ndt import NDTParams, StreamingNDT
from fdir.runtime.spot import HISTORY, SPOTStreams

__all__ = ["NDT_INTEGER_FIELDS", "SPOTOrNDTStreams"]

NDT_INTEGER_FIELDS = ("batch_size", "window_size", "error_buffer", "l_s", "max_sequences")
"""Fields of :class:`fdir.runtime.ndt.NDTParams` that a bundle must give as integers."""


class SPOTOrNDTStreams:
    """S error streams thresholded by SPOT (``spot``) and one NDT per stream (``ndts``), flags OR-ed with the NDT's
    single-value runs dropped (module doc).

    spot : the streams' :class:`fdir.runtime.spot.SPOTStreams`; the union runs a copy over the same
    :class:`~fdir.runtime.spot.StreamingSPOT` streams whose history is what it needs (attribute ``spot``).
    ndts : S :class:`fdir.runtime.ndt.StreamingNDT` with equal parameters, stream i's NDT at position i.
    lag : how many indices the slowest stream may trail the fastest (h − 1 with horizon-mean streams), integer >= 0.
    history : flags kept readable after they are final (indices), integer >= 1.

    Feed stream i's error of its next index with :meth:`push` (valid target) or :meth:`hold` (invalid target), mark
    each index's validity with :meth:`set_valid`, read the range set or confirmed since the last call with
    :meth:`take_decided` and its flags with :meth:`flags` (OR them into what was reported: a flag is never withdrawn,
    a later range may add flags to earlier indices; final below :attr:`final`; module doc, Reporting);
    :meth:`finish` at the end of a recording.

    Raises
    ------
    ValueError
        for no NDT, a count of NDTs other than the SPOT streams, NDTs with different parameters, or ``lag`` /
        ``history`` out of range.
    """

    def __init__(self, spot: SPOTStreams, ndts: list[StreamingNDT], lag: int = 0, history: int = HISTORY) -> None:
        ndts = list(ndts)
        if not ndts or len(ndts) != len(spot.streams):
            raise ValueError(f"ndts: one StreamingNDT per SPOT stream ({len(spot.streams)}) is needed, got {len(ndts)}")
        if any(n.params != ndts[0].params for n in ndts):
            raise ValueError("ndts: every stream's StreamingNDT must have the same parameters")
        for name, v, lo in (("lag", lag, 0), ("history", history, 1)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not lo <= v <= 10**7:
                raise ValueError(f"{name}={v!r}, accepted: an integer in [{lo}, 10000000]")
        self.params = ndts[0].params
        self.lag, self.history = int(lag), int(history)
        # indices between the newest index written and the oldest one still needed (module doc, Memory)
        span = self.params.window_len + self.params.batch_size + spot.merge_gap + self.lag + 2
        self.spot = SPOTStreams(spot.streams, spot.merge_gap, history=span)
        self.ndts = ndts
        self._cap = span + self.history
        self._tag = np.full(self._cap, -1, np.int64)     # index held by each slot of _raw, _valid, _flag
        self._raw = np.zeros(self._cap, bool)            # OR over streams of the NDT flags (runs of one kept)
        self._valid = np.ones(self._cap, bool)
        self._flag = np.zeros(self._cap, bool)           # reported flags (final below self.final)
        self._end = [0] * len(ndts)                      # per stream: end of the NDT's decided range
        self.reset()

    @classmethod
    def from_section(cls, section: dict, arrays: dict, n_streams: int, lag: int = 0) -> SPOTOrNDTStreams:
        """Build from a bundle's ``detector.threshold`` section with ``"method": "spot_or_ndt"`` (FORMAT.md): ``spot``
        as :meth:`fdir.runtime.spot.SPOTStreams.from_section` reads it (one tail per error stream), ``ndt`` the
        :class:`fdir.runtime.ndt.NDTParams` fields (optional ``n_ignore``), ``l_s`` and ``k``.

        Raises
        ------
        FormatError
            naming the field for a missing or out-of-range value, a missing array or a tail count other than
            ``n_streams``.
        """
        where = "detector.threshold"
        try:
            l_s = section.get("l_s")
            if isinstance(l_s, bool) or not isinstance(l_s, int) or l_s < 0:
                raise ValueError(f"{where}.l_s={l_s!r}, accepted: an integer >= 0 (first scored sample)")
            k = section.get("k")
            if isinstance(k, bool) or not isinstance(k, (int, float)) or not math.isfinite(k) or k < 0:
                raise ValueError(f"{where}.k={k!r}, accepted: a finite number >= 0 (the NDT guard multiple)")
            sp = section.get("spot")
            if not isinstance(sp, dict) or sp.get("method") != "spot":
                raise ValueError(f"{where}.spot must be a SPOT section (an object with \"method\": \"spot\", "
                                 "fdir.runtime.export.spot_section)")
            if sp.get("l_s") != l_s:
                raise ValueError(f"{where}.spot.l_s={sp.get('l_s')!r} must equal {where}.l_s={l_s!r}")
            try:
                spot = SPOTStreams.from_section(sp, arrays, n_streams)
            except FormatError as exc:
                raise ValueError(f"{where}.spot: {exc}") from None
            nd = section.get("ndt")
            if not isinstance(nd, dict):
                raise ValueError(f"{where}.ndt must be an object of fdir.runtime.ndt.NDTParams fields")
            nd = dict(nd)
            n_ignore = nd.pop("n_ignore", None)
            for f in (*NDT_INTEGER_FIELDS, *(("n_ignore",) if n_ignore is not None else ())):
                v = n_ignore if f == "n_ignore" else nd.get(f, 0)
                if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                    raise ValueError(f"{where}.ndt.{f}={v!r}, accepted: an integer >= 0")
            try:
                params = NDTParams(**nd)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{where}.ndt: {exc}") from None
            ndts = [StreamingNDT(params, n_ignore=n_ignore) for _ in range(n_streams)]
            return cls(spot, ndts, lag=lag)
        except ValueError as exc:
            raise FormatError(str(exc)) from None

    def reset(self) -> None:
        """Back to the calibrated state of every member; no index seen."""
        self.spot.reset()
        for n in self.ndts:
            n.reset()
        self._tag[:] = -1
        self._raw[:] = False
        self._valid[:] = True
        self._flag[:] = False
        self._end = [0] * len(self.ndts)
        self._s = 0                  # SPOT's flags of indices < _s are in _flag
        self._m = 0                  # the NDT rule's flags of indices < _m are in _flag
        self._lo = self._hi = -1     # range set or confirmed since the last take_decided ([-1, -1): none)

    @property
    def n(self) -> int:
        """Error indices reported: each index of [0, n) decided by at least one member, its flag final below
        :attr:`final`; :meth:`flags` reads [max(0, final − ``history``), n)."""
        return max(self._s, self._m)

    @property
    def final(self) -> int:
        """Error indices whose flags are final: both members have decided [0, final) (module doc, Reporting; only
        :meth:`finish` may still add NDT flags to the newest ``batch_size`` + 1 of them)."""
        return min(self._s, self._m)

    def _slot(self, k: int) -> int:
        """Ring slot of index ``k``, claimed for it (cleared when it held an older index)."""
        s = k % self._cap
        if self._tag[s] != k:
            if self._tag[s] >= self.final:
                raise ValueError(f"index {k} runs more than {self._cap - self.history} indices ahead of the "
                                 f"undecided index {int(self._tag[s])}")
            self._tag[s] = k
            self._raw[s] = False
            self._valid[s] = True
            self._flag[s] = False
        return s

    def set_valid(self, k: int, valid: bool) -> None:
        """Mark error index ``k`` (not decided by either member yet) valid or not; an invalid index is never flagged.
        Indices not marked are valid.

        Raises
        ------
        ValueError
            for an index already decided or too far ahead of the undecided ones.
        """
        if k < self.n:
            raise ValueError(f"k={k}, accepted: an undecided index >= {self.n}")
        self.spot.set_valid(k, valid)
        self._valid[self._slot(k)] = bool(valid)

    def _ndt_decided(self, i: int, d: tuple[int, int] | None) -> None:
        if d is None:
            return
        a, b = d
        ndt = self.ndts[i]
        for k in range(a, b):                        # one batch (or the first window) per decision
            s = self._slot(k)
            self._raw[s] |= bool(ndt.flags_out[k % ndt.capacity])
        self._end[i] = max(self._end[i], b)

    def _mark(self, a: int, b: int) -> None:
        """Indices [a, b) were set or confirmed: widen the range the next :meth:`take_decided` returns."""
        self._lo = a if self._lo < 0 else min(self._lo, a)
        self._hi = max(self._hi, b)

    def _take_spot(self) -> None:
        """OR SPOT's newly decided flags into the reported flags (at once, whatever the NDT has decided)."""
        top = self.spot.n
        if top > self._s:
            for k in range(self._s, top):
                s = self._slot(k)
                self._flag[s] |= self.spot.flag(k)
            self._mark(self._s, top)
            self._s = top

    def push(self, i: int, e: float, y: float) -> None:
        """Stream ``i``'s next error ``e`` (>= 0, score units) with its target value ``y`` (the NDT's scale guards),
        both finite.

        Raises
        ------
        ValueError
            for a non-finite ``e`` or ``y`` (use :meth:`hold` for an invalid target), or a stream running too far
            ahead of the others.
        """
        self.spot.push(i, e)
        self._ndt_decided(i, self.ndts[i].push(e, y))
        self._take_spot()
        self._take_ndt()

    def hold(self, i: int, e: float, y: float) -> None:
        """Stream ``i``'s next index with an invalid target: SPOT takes ``e``, the error against the held target value
        ``y`` (the offline forward fill; a non-finite ``e`` changes nothing), the NDT holds its smoothed level
        (:meth:`fdir.runtime.ndt.StreamingNDT.hold`, ``y`` for its scale guards)."""
        self.spot.push(i, e)
        self._ndt_decided(i, self.ndts[i].hold(y))
        self._take_spot()
        self._take_ndt()

    def _raw_at(self, k: int, last: int | None) -> bool:
        """The OR of the NDT flags of index ``k`` (False before the stream, past ``last`` or never written)."""
        if k < 0 or (last is not None and k >= last):
            return False
        s = k % self._cap
        return bool(self._raw[s]) if self._tag[s] == k else False

    def _ndt_rule(self, a: int, b: int, last: int | None) -> None:
        """OR the NDT rule's flags n_k ∧ (n_{k−1} ∨ n_{k+1}) ∧ valid of indices [a, b) into the reported flags (module
        doc), one index at a time (no temporaries); ``last`` the end of the stream (None while it runs: index b has
        an NDT decision)."""
        prev, cur = self._raw_at(a - 1, last), self._raw_at(a, last)
        for k in range(a, b):
            nxt = self._raw_at(k + 1, last)
            s = self._slot(k)
            self._flag[s] |= cur and (prev or nxt) and bool(self._valid[s])
            prev, cur = cur, nxt

    def _take_ndt(self) -> None:
        """OR the NDT rule's flags of the indices whose look-ahead index every stream's NDT has now decided."""
        top = min(self._end) - 1
        if top > self._m:
            self._ndt_rule(self._m, top, None)
            self._mark(self._m, top)
            self._m = top

    def take_decided(self) -> tuple[int, int] | None:
        """The error-index range [a, b) whose flags were set or confirmed since the last call, or None: a the
        earliest index a member decided (or the NDT re-decided) since then, b the end of the newest one; it may
        overlap ranges reported before. Its flags (:meth:`flags`) are never withdrawn later: OR them into what was
        reported; a later range may add flags to these indices until both members have decided them (below
        :attr:`final`; module doc, Reporting)."""
        if self._lo < 0:
            return None
        a, b = self._lo, self._hi
        self._lo = self._hi = -1
        return a, b

    def finish(self) -> tuple[int, int] | None:
        """End of a recording: both members decide what they hold (:meth:`fdir.runtime.spot.SPOTStreams.finish`,
        :meth:`fdir.runtime.ndt.StreamingNDT.finish`); returns the range set or confirmed since the last
        :meth:`take_decided`, from at most one index before the earliest one the NDT's last windows touched (a
        superset of the flags reported there), or None. Afterwards every index is final."""
        lo = self._m + 1                             # earliest index a last window touched
        for i, ndt in enumerate(self.ndts):
            d = ndt.finish()
            if d is not None:
                lo = min(lo, d[0])
                self._ndt_decided(i, d)
        self.spot.finish()
        self._take_spot()
        top = max(self.spot.n, max(n.n for n in self.ndts))
        a = max(0, min(lo - 1, self._m))
        if top > a:
            self._ndt_rule(a, top, top)
            self._mark(a, top)
        self._s = max(self._s, top)
        self._m = max(self._m, top)
        return self.take_decided()

    def flags(self, a: int, b: int) -> np.ndarray:
        """Reported flags (bool) of error indices [a, b): final below :attr:`final`, else a lower bound that later
        ranges may add to (module doc, Reporting).

        Raises
        ------
        ValueError
            for a range that is not reported yet (beyond :attr:`n`) or no longer held (older than ``history`` indices
            before :attr:`final`).
        """
        lo, hi = max(0, self.final - self.history), self.n
        if not lo <= a <= b <= hi:
            raise ValueError(f"flags({a}, {b}): reported and held error indices are [{lo}, {hi})")
        return self._flag[np.arange(a, b) % self._cap]
