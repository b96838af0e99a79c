"""Networks: neuron populations, input sources and synaptic projections (dense, sparse, 1-D and 2-D convolution).

A :class:`Network` is a plain, immutable description that both engines (:mod:`snn.engine_numba`,
:mod:`snn.engine_jax`) and the Brian2 exporter (:mod:`snn.brian2_interop`) read:

* :class:`Population`: ``n`` neurons of one type (:mod:`snn.neurons`) with initial state.
* :class:`PoissonSource`: ``n`` independent Poisson trains; at each step a neuron fires iff ``rand() < rate dt``
  (Brian2 ``PoissonGroup`` semantics).
* :class:`SpikeSource`: explicit events (step, index, signed count), e.g. send-on-delta counts from
  ``sensors.encoders`` via :meth:`SpikeSource.from_counts`. A count ``c`` delivers ``|c|`` events of sign ``sign(c)``.
* :class:`Projection`: synapses ``i -> j`` with weights ``w`` onto a channel of the postsynaptic neuron (an index
  into its ``tau_syn_s``) or onto ``v`` directly (``target="v"``), with delays of whole steps. Builders:
  :meth:`Projection.dense`, :meth:`Projection.sparse`, :meth:`Projection.bernoulli`, :meth:`Projection.conv1d`,
  :meth:`Projection.conv2d` (spatial, :mod:`snn.conv`), :meth:`Projection.one_to_one`. Recurrent connections are
  projections whose ``pre`` is their ``post``.

Timing (Brian2 default schedule): an event of step k reaches its targets in the synapses slot of step
``k + delay``, after that step's threshold and before its reset; a channel input affects v from the next update.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from snn.neurons import EulerLIF, MTJNeuron, check_neuron


def _as_index(name: str, a: Any, n: int, where: str) -> np.ndarray:
    a = np.asarray(a)
    if a.ndim != 1 or (a.size and not np.issubdtype(a.dtype, np.integer)):
        raise ValueError(f"{where}: {name} must be a 1-D integer array, got shape {a.shape} dtype {a.dtype}")
    a = a.astype(np.int64)
    if a.size and (a.min() < 0 or a.max() >= n):
        raise ValueError(f"{where}: {name} has values in [{a.min()}, {a.max()}], accepted [0, {n - 1}]")
    return a


def _check_integral(name: str, a: np.ndarray) -> None:
    """Raise ValueError unless ``a`` holds finite whole numbers (NaN/inf would become -2**63 in an int cast)."""
    if a.size and not np.issubdtype(a.dtype, np.integer) and a.dtype != np.bool_:
        f = a.astype(np.float64)
        if not np.all(np.isfinite(f)) or np.any(f != np.round(f)):
            raise ValueError(f"{name} must hold finite integers (no NaN, inf or fractions)")


@dataclass(frozen=True)
class Population:
    """``n`` neurons of one type.

    Parameters
    ----------
    name : unique name.
    n : number of neurons, >= 1.
    neuron : :class:`~snn.neurons.LIF`, :class:`~snn.neurons.SignedLIF` or :class:`~snn.neurons.MTJNeuron`.
    v0 : initial membrane value(s), scalar or shape (n,) (default the neuron's resting value; 0 for
        :class:`~snn.neurons.MTJNeuron` and :class:`~snn.neurons.EulerLIF`).
    g0 : initial channel values, shape (n_channels, n) or scalar (default 0).

    Raises
    ------
    ValueError
        for n < 1, an unknown neuron type, mis-shaped initial state or non-finite values in it.
    """

    name: str
    n: int
    neuron: Any
    v0: Any = None
    g0: Any = None

    def __post_init__(self) -> None:
        where = f"Population {self.name!r}"
        if int(self.n) < 1:
            raise ValueError(f"{where}: n={self.n} must be >= 1")
        check_neuron(self.neuron, f"{where}: neuron")
        if self.v0 is not None:
            v0 = np.asarray(self.v0, dtype=np.float64)
            if v0.shape not in ((), (self.n,)):
                raise ValueError(f"{where}: v0 shape {v0.shape}, accepted () or ({self.n},)")
            if not np.all(np.isfinite(v0)):
                raise ValueError(f"{where}: v0 must be finite (no NaN or inf)")
        if self.g0 is not None:
            g0 = np.asarray(self.g0, dtype=np.float64)
            if g0.shape not in ((), (self.neuron.n_channels, self.n)):
                raise ValueError(f"{where}: g0 shape {g0.shape}, accepted () or ({self.neuron.n_channels}, {self.n})")
            if not np.all(np.isfinite(g0)):
                raise ValueError(f"{where}: g0 must be finite (no NaN or inf)")

    def initial_v(self) -> np.ndarray:
        """Initial v, shape (n,), float64."""
        if self.v0 is None:
            v_init = 0.0 if isinstance(self.neuron, MTJNeuron | EulerLIF) else float(self.neuron.v_rest)
            return np.full(self.n, v_init)
        return np.broadcast_to(np.asarray(self.v0, dtype=np.float64), (self.n,)).copy()

    def initial_g(self) -> np.ndarray:
        """Initial channel values, shape (n_channels, n), float64."""
        shape = (self.neuron.n_channels, self.n)
        if self.g0 is None:
            return np.zeros(shape)
        return np.broadcast_to(np.asarray(self.g0, dtype=np.float64), shape).copy()


@dataclass(frozen=True)
class PoissonSource:
    """``n`` Poisson spike trains of rate ``rate_Hz`` (scalar or (n,)), Bernoulli ``rate dt`` per step.

    Source: Brian2 ``PoissonGroup`` (fires iff ``rand() < rate*dt``). Raises ValueError for n < 1, negative rates or
    a mis-shaped rate array.
    """

    name: str
    n: int
    rate_Hz: Any

    def __post_init__(self) -> None:
        where = f"PoissonSource {self.name!r}"
        if int(self.n) < 1:
            raise ValueError(f"{where}: n={self.n} must be >= 1")
        r = np.asarray(self.rate_Hz, dtype=np.float64)
        if r.shape not in ((), (self.n,)):
            raise ValueError(f"{where}: rate_Hz shape {r.shape}, accepted () or ({self.n},)")
        if np.any(~np.isfinite(r)) or np.any(r < 0):
            raise ValueError(f"{where}: rate_Hz must be finite and >= 0")

    def rates(self) -> np.ndarray:
        return np.broadcast_to(np.asarray(self.rate_Hz, dtype=np.float64), (self.n,)).copy()

    signed = False


@dataclass(frozen=True)
class SpikeSource:
    """Explicit input events: at step ``step[e]`` neuron ``index[e]`` emits ``count[e]`` events (signed integer).

    Shapes: ``step``, ``index``, ``count`` (E,) integers; events are stored sorted by (step, index).
    Raises ValueError for mismatched shapes, indices outside [0, n), negative, non-finite or fractional steps, and
    zero, non-finite or fractional counts.
    """

    name: str
    n: int
    step: Any
    index: Any
    count: Any = None

    def __post_init__(self) -> None:
        where = f"SpikeSource {self.name!r}"
        if int(self.n) < 1:
            raise ValueError(f"{where}: n={self.n} must be >= 1")
        step = np.asarray(self.step)
        index = _as_index("index", self.index, self.n, where)
        if step.shape != index.shape:
            raise ValueError(f"{where}: step shape {step.shape} != index shape {index.shape}")
        _check_integral(f"{where}: step", step)
        step = step.astype(np.int64)
        if step.size and step.min() < 0:
            raise ValueError(f"{where}: step must be >= 0")
        count = np.ones_like(step) if self.count is None else np.asarray(self.count)
        if count.shape != step.shape:
            raise ValueError(f"{where}: count shape {count.shape} != step shape {step.shape}")
        _check_integral(f"{where}: count", count)
        count = count.astype(np.int64)
        if np.any(count == 0):
            raise ValueError(f"{where}: count must be non-zero (omit empty events)")
        order = np.lexsort((index, step))
        object.__setattr__(self, "step", step[order])
        object.__setattr__(self, "index", index[order])
        object.__setattr__(self, "count", count[order])

    @property
    def signed(self) -> bool:
        return bool(np.any(self.count < 0))

    @classmethod
    def from_counts(cls, name: str, counts: Any) -> SpikeSource:
        """From a dense array of signed integer counts, shape (T, n) (e.g. ``sensors.encoders.send_on_delta``).

        Raises ValueError for another shape or for NaN, inf or fractional counts."""
        c = np.asarray(counts)
        if c.ndim != 2:
            raise ValueError(f"SpikeSource {name!r}: counts must have shape (T, n), got {c.shape}")
        _check_integral(f"SpikeSource {name!r}: counts", c)
        t, i = np.nonzero(c)
        return cls(name, c.shape[1], t, i, c[t, i].astype(np.int64))

    @classmethod
    def from_times(cls, name: str, n: int, times_s: Any, indices: Any, dt_s: float,
                   signs: Any = None) -> SpikeSource:
        """From spike times (s) and indices; step = Brian2 ``timestep(t, dt)``; ``signs`` +-1 (default +1).

        Raises ValueError for non-finite or negative times or a ``dt_s`` that is not finite and > 0."""
        if not (np.isfinite(dt_s) and dt_s > 0):
            raise ValueError(f"SpikeSource {name!r}: dt_s={dt_s!r} is out of range: accepted finite > 0 (s)")
        t = np.asarray(times_s, dtype=np.float64)
        if not np.all(np.isfinite(t)) or np.any(t < 0):
            raise ValueError(f"SpikeSource {name!r}: times_s must be finite and >= 0 (s)")
        steps = ((t + 1e-3 * dt_s) / dt_s).astype(np.int64)
        return cls(name, n, steps, np.asarray(indices), None if signs is None else np.asarray(signs))

    def to_counts(self, n_steps: int) -> np.ndarray:
        """Dense signed counts, shape (n_steps, n), int64; events at steps >= n_steps are dropped."""
        out = np.zeros((n_steps, self.n), dtype=np.int64)
        keep = self.step < n_steps
        np.add.at(out, (self.step[keep], self.index[keep]), self.count[keep])
        return out


@dataclass(frozen=True)
class Projection:
    """Synapses from ``pre`` to ``post`` (names of a population/source and a population).

    Attributes
    ----------
    i, j : presynaptic and postsynaptic indices, shape (S,) int64, in synapse order.
    w : weights, shape (S,) float64 (unit of the target: V for v or a channel of a volt-unit model).
    target : channel index (int, into the postsynaptic neuron's ``tau_syn_s``) or ``"v"`` (delta synapse).
    delay : delay in whole steps, shape (S,) int64, >= 0.
    kind : ``"dense" | "sparse" | "conv1d" | "conv2d" | "one_to_one"`` (workload accounting).
    geometry : :class:`snn.conv.Conv2dGeometry` of a ``conv2d`` projection (else None).

    Raises
    ------
    ValueError
        for mismatched shapes, negative delays or non-finite weights.
    """

    name: str
    pre: str
    post: str
    i: Any
    j: Any
    w: Any
    target: int | str = "v"
    delay: Any = 0
    kind: str = "sparse"
    n_pre: int | None = None
    n_post: int | None = None
    geometry: Any = None

    def __post_init__(self) -> None:
        where = f"Projection {self.name!r}"
        i = np.asarray(self.i).astype(np.int64)
        j = np.asarray(self.j).astype(np.int64)
        if i.ndim != 1 or i.shape != j.shape:
            raise ValueError(f"{where}: i and j must be 1-D of equal length, got {i.shape} and {j.shape}")
        w = np.broadcast_to(np.asarray(self.w, dtype=np.float64), i.shape).copy()
        if not np.all(np.isfinite(w)):
            raise ValueError(f"{where}: weights must be finite")
        d = np.asarray(self.delay)
        if d.size and not np.all(d == np.round(d)):
            raise ValueError(f"{where}: delay must be whole steps (integers)")
        d = np.broadcast_to(d.astype(np.int64), i.shape).copy()
        if d.size and d.min() < 0:
            raise ValueError(f"{where}: delay must be >= 0 steps")
        if not (self.target == "v" or (isinstance(self.target, int | np.integer) and int(self.target) >= 0)):
            raise ValueError(f"{where}: target={self.target!r}, accepted 'v' or a channel index >= 0")
        for name, a in (("i", i), ("j", j)):
            object.__setattr__(self, name, a)
        object.__setattr__(self, "w", w)
        object.__setattr__(self, "delay", d)

    @property
    def n_synapses(self) -> int:
        return int(self.i.size)

    @classmethod
    def dense(cls, name: str, pre: str, post: str, W: Any, *, target: int | str = "v", delay: int = 0,
              keep_zeros: bool = True) -> Projection:
        """All-to-all from a weight matrix ``W`` of shape (n_pre, n_post); zeros dropped if not ``keep_zeros``."""
        W = np.asarray(W, dtype=np.float64)
        if W.ndim != 2:
            raise ValueError(f"Projection {name!r}: W must have shape (n_pre, n_post), got {W.shape}")
        if keep_zeros:
            i, j = np.divmod(np.arange(W.size), W.shape[1])
        else:
            i, j = np.nonzero(W)
        return cls(name, pre, post, i, j, W[i, j], target, delay, "dense", W.shape[0], W.shape[1])

    @classmethod
    def sparse(cls, name: str, pre: str, post: str, i: Any, j: Any, w: Any, *, target: int | str = "v",
               delay: Any = 0) -> Projection:
        """From explicit synapse lists ``i, j`` (S,) and weights ``w`` (scalar or (S,))."""
        return cls(name, pre, post, i, j, w, target, delay, "sparse")

    @classmethod
    def bernoulli(cls, name: str, pre: str, post: str, n_pre: int, n_post: int, p: float, w: Any, *,
                  rng: np.random.Generator, target: int | str = "v", delay: Any = 0,
                  autapses: bool = True) -> Projection:
        """Independent Bernoulli(p) connection per (i, j) pair (Brian2 ``connect(p=...)``), synapses ordered by
        (i, j); ``w`` and ``delay`` scalars or callables ``f(rng, S)`` returning (S,) values (weights; delays in
        steps). Raises ValueError if p not in [0, 1].
        """
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Projection {name!r}: p={p} is out of range: accepted [0, 1]")
        ii, jj = [], []
        chunk = max(1, 4_000_000 // max(n_post, 1))
        for start in range(0, n_pre, chunk):
            m = rng.random((min(chunk, n_pre - start), n_post)) < p
            a, b = np.nonzero(m)
            ii.append(a + start)
            jj.append(b)
        i = np.concatenate(ii) if ii else np.zeros(0, np.int64)
        j = np.concatenate(jj) if jj else np.zeros(0, np.int64)
        if not autapses and pre == post:
            keep = i != j
            i, j = i[keep], j[keep]
        weights = w(rng, i.size) if callable(w) else w
        delays = delay(rng, i.size) if callable(delay) else delay
        return cls(name, pre, post, i, j, weights, target, delays, "sparse", n_pre, n_post)

    @classmethod
    def one_to_one(cls, name: str, pre: str, post: str, n: int, w: Any, *, target: int | str = "v",
                   delay: Any = 0) -> Projection:
        """Synapse ``i -> i`` for i < n."""
        idx = np.arange(n)
        return cls(name, pre, post, idx, idx, w, target, delay, "one_to_one", n, n)

    @classmethod
    def conv1d(cls, name: str, pre: str, post: str, W: Any, *, dilation: int = 1, target: int | str = "v",
               delay: int = 0) -> Projection:
        """Causal temporal 1-D convolution for time series: ``C_in`` presynaptic channels (neurons) to ``C_out``
        postsynaptic channels with kernel ``W`` of shape (C_out, C_in, K).

        Tap ``k`` acts on events ``(K - 1 - k) * dilation + delay`` steps old (cross-correlation with causal left
        padding, as ``jax.lax.conv_general_dilated`` / PyTorch ``Conv1d`` with ``padding=(K-1)*dilation`` on the
        left), so each synapse ``(c_in -> c_out, tap k)`` is one delayed synapse. Raises ValueError for a
        mis-shaped kernel or dilation < 1.
        """
        W = np.asarray(W, dtype=np.float64)
        if W.ndim != 3:
            raise ValueError(f"Projection {name!r}: W must have shape (C_out, C_in, K), got {W.shape}")
        if int(dilation) < 1:
            raise ValueError(f"Projection {name!r}: dilation={dilation} must be >= 1")
        c_out, c_in, K = W.shape
        ci, co, k = np.meshgrid(np.arange(c_in), np.arange(c_out), np.arange(K), indexing="ij")
        ci, co, k = ci.ravel(), co.ravel(), k.ravel()
        d = (K - 1 - k) * int(dilation) + int(delay)
        return cls(name, pre, post, ci, co, W[co, ci, k], target, d, "conv1d", c_in, c_out)


    @classmethod
    def conv2d(cls, name: str, pre: str, post: str, W: Any, input_shape: Any, *, stride: Any = 1, padding: Any = 0,
               dilation: Any = 1, groups: int = 1, target: int | str = "v", delay: int = 0) -> Projection:
        """Spatial 2-D convolution between neuron grids (PyTorch ``conv2d`` semantics, :mod:`snn.conv`).

        ``W`` (C_out, C_in / groups, k_h, k_w); ``input_shape`` (C_in, H, W) of ``pre``, whose neurons are the
        channel-major flattened grid; ``post`` must have C_out * H_out * W_out neurons. ``padding``: int,
        (p_h, p_w) or ((top, bottom), (left, right)); zero-padding taps are no synapses. Raises ValueError for
        mismatched shapes or out-of-range stride/padding/dilation/groups.
        """
        from snn.conv import conv2d_geometry, conv2d_synapses

        try:
            geo = conv2d_geometry(np.shape(W), input_shape, stride=stride, padding=padding, dilation=dilation,
                                  groups=groups)
            i, j, w = conv2d_synapses(W, geo)
        except ValueError as e:
            raise ValueError(f"Projection {name!r}: {e}") from None
        return cls(name, pre, post, i, j, w, target, delay, "conv2d", int(np.prod(geo.in_shape)),
                   int(np.prod(geo.out_shape)), geo)


@dataclass(frozen=True)
class Network:
    """Populations, sources and projections at time step ``dt_s`` (s).

    Global neuron order (used by the engines): populations in order, then sources in order.

    Raises
    ------
    ValueError
        for duplicate names, projections naming unknown groups, indices outside a group, a projection into a
        source, a channel index the postsynaptic neuron lacks, an invalid ``dt_s`` for a neuron type, or a Poisson
        rate above ``1/dt_s``.
    """

    populations: tuple[Population, ...]
    projections: tuple[Projection, ...] = ()
    sources: tuple[PoissonSource | SpikeSource, ...] = ()
    dt_s: float = 1e-4
    name: str = "network"
    _offsets: dict = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        for attr in ("populations", "projections", "sources"):
            object.__setattr__(self, attr, tuple(getattr(self, attr)))
        if not self.populations:
            raise ValueError("Network: populations must not be empty")
        names = [g.name for g in self.populations + self.sources]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"Network: duplicate group names {dup}")
        pnames = [p.name for p in self.projections]
        dup = sorted({n for n in pnames if pnames.count(n) > 1})
        if dup:
            raise ValueError(f"Network: duplicate projection names {dup}")
        offsets, off = {}, 0
        for g in self.populations + self.sources:
            offsets[g.name] = (off, g.n)
            off += g.n
        object.__setattr__(self, "_offsets", offsets)
        for pop in self.populations:
            pop.neuron.discrete(self.dt_s)  # raises for an invalid dt_s
        for s in self.sources:
            if isinstance(s, PoissonSource) and np.any(s.rates() * self.dt_s > 1.0):
                raise ValueError(f"PoissonSource {s.name!r}: rate_Hz up to {s.rates().max():g} Hz is out of range: "
                                 f"accepted [0, 1/dt_s = {1 / self.dt_s:g}] Hz (at most one spike per step)")
        pops = {p.name: p for p in self.populations}
        for pr in self.projections:
            where = f"Projection {pr.name!r}"
            if pr.pre not in offsets:
                raise ValueError(f"{where}: unknown pre {pr.pre!r}; groups: {list(offsets)}")
            if pr.post not in pops:
                raise ValueError(f"{where}: post {pr.post!r} must be a population; populations: {list(pops)}")
            _as_index("i", pr.i, offsets[pr.pre][1], where)
            _as_index("j", pr.j, pops[pr.post].n, where)
            if pr.n_pre is not None and pr.n_pre != offsets[pr.pre][1]:
                raise ValueError(f"{where}: built for n_pre={pr.n_pre}, but {pr.pre!r} has {offsets[pr.pre][1]}")
            if pr.n_post is not None and pr.n_post != pops[pr.post].n:
                raise ValueError(f"{where}: built for n_post={pr.n_post}, but {pr.post!r} has {pops[pr.post].n}")
            nch = pops[pr.post].neuron.n_channels
            if pr.target != "v" and int(pr.target) >= nch:
                raise ValueError(f"{where}: target channel {pr.target} but {pr.post!r} has {nch} channel(s)")

    @property
    def n_neurons(self) -> int:
        return sum(p.n for p in self.populations)

    @property
    def n_sources(self) -> int:
        return sum(s.n for s in self.sources)

    def offset(self, name: str) -> int:
        """Global index of the first neuron of group ``name``."""
        return self._offsets[name][0]

    def group(self, name: str) -> Population | PoissonSource | SpikeSource:
        for g in self.populations + self.sources:
            if g.name == name:
                return g
        raise KeyError(f"no group {name!r}; groups: {list(self._offsets)}")

    @property
    def max_channels(self) -> int:
        return max(p.neuron.n_channels for p in self.populations)

    def steps(self, duration_s: float) -> int:
        """Whole steps in ``duration_s`` (Brian2 rounding). Raises ValueError for duration_s < 0."""
        if duration_s < 0:
            raise ValueError(f"duration_s={duration_s} must be >= 0")
        return round(duration_s / self.dt_s)
