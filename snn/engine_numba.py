"""Engine 1: event-driven simulation of large sparse networks on CPU with Numba.

Connectivity is stored per presynaptic neuron (CSR over all populations and sources, synapses in creation order);
each step integrates every neuron exactly (:class:`snn.neurons.DiscreteNeuron`), checks thresholds, and propagates
only the events that occurred. Zero-delay events are added one by one onto the postsynaptic variable (Brian2's
``numpy.add.at`` order: spiking neurons ascending, synapses in creation order); delayed events go into a ring buffer
of per-slot sums delivered in the synapses slot of the arrival step.

Schedule per step k (Brian2 default ``groups -> thresholds -> synapses -> resets``, reference/snn.md section 2):
update (held while refractory: ``k < ref_until``), threshold on the updated v (+1 if ``v > theta_pos``, -1 if
``v < -theta_neg``, only when not refractory; an event at step n sets ``ref_until = n + nref``), synaptic delivery
(input onto v is dropped while the target is refractory, including its own event step - Brian2's rule for
``(unless refractory)`` variables; channel inputs always land), reset. Events are recorded at step k (``k dt``).

Public entry point: :func:`simulate`. Returns :class:`SimResult` (spike steps, indices, signs, per-neuron counts by
sign, synaptic operations per projection, monitored variables).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numba as nb
import numpy as np

from snn.network import Network, PoissonSource, SpikeSource
from snn.neurons import RESET_CODES

_NEVER = -(2**62)


@dataclass(frozen=True)
class CompiledNetwork:
    """Flat arrays of a :class:`~snn.network.Network` for the kernels (global order: populations, then sources).

    Shapes: per population (P,), ``k``/``beta`` (P, C) with C = max channels; CSR ``indptr`` (N + NS + 1,),
    ``post``/``chan``/``w``/``delay`` (S,) (``chan`` -1 means v); ``outdeg`` (N + NS, n_projections).
    ``w`` already includes the presynaptic amplitude and the postsynaptic input gain.
    """

    n: int
    n_src: int
    pop_start: np.ndarray
    pop_stop: np.ndarray
    pop_of: np.ndarray
    alpha: np.ndarray
    c0: np.ndarray
    k: np.ndarray
    beta: np.ndarray
    nch: np.ndarray
    theta_pos: np.ndarray
    theta_neg: np.ndarray
    reset: np.ndarray
    v_reset_pos: np.ndarray
    v_reset_neg: np.ndarray
    nref: np.ndarray
    noise: np.ndarray
    early: np.ndarray
    indptr: np.ndarray
    post: np.ndarray
    chan: np.ndarray
    w: np.ndarray
    delay: np.ndarray
    syn_proj: np.ndarray
    outdeg: np.ndarray
    pois_src: np.ndarray
    pois_p: np.ndarray
    ev_step: np.ndarray
    ev_src: np.ndarray
    ev_count: np.ndarray
    v0: np.ndarray
    g0: np.ndarray
    dtype: Any = np.float64
    projection_names: tuple[str, ...] = field(default=())


def compile_network(net: Network, dtype: Any = np.float64) -> CompiledNetwork:
    """Flatten ``net`` into :class:`CompiledNetwork` arrays of floating type ``dtype`` (float32 or float64).

    Raises ValueError for another dtype.
    """
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype={dtype}, accepted float32 or float64")
    P = len(net.populations)
    C = max(1, net.max_channels)
    N, NS = net.n_neurons, net.n_sources
    disc = [p.neuron.discrete(net.dt_s) for p in net.populations]
    pop_start = np.array([net.offset(p.name) for p in net.populations], np.int64)
    pop_stop = pop_start + np.array([p.n for p in net.populations], np.int64)
    pop_of = np.repeat(np.arange(P), [p.n for p in net.populations]).astype(np.int64)
    k = np.zeros((P, C))
    beta = np.zeros((P, C))
    for p, d in enumerate(disc):
        k[p, : d.n_channels] = d.k
        beta[p, : d.n_channels] = d.beta
    f = lambda a: np.asarray(a, dtype=dtype)  # noqa: E731

    # synapses: global pre index, effective weight = amplitude_pre * w * gain_post
    amp = {p.name: d.amplitude for p, d in zip(net.populations, disc)}
    gain = {p.name: d.gain for p, d in zip(net.populations, disc)}
    pre_l, post_l, chan_l, w_l, d_l, proj_l = [], [], [], [], [], []
    for q, pr in enumerate(net.projections):
        pre_l.append(pr.i + net.offset(pr.pre))
        post_l.append(pr.j + net.offset(pr.post))
        chan_l.append(np.full(pr.n_synapses, -1 if pr.target == "v" else int(pr.target), np.int64))
        w = pr.w
        a, g = amp.get(pr.pre, 1.0), gain[pr.post]
        if a != 1.0:
            w = a * w
        if g != 1.0:
            w = g * w
        w_l.append(w)
        d_l.append(pr.delay)
        proj_l.append(np.full(pr.n_synapses, q, np.int64))
    cat = lambda xs, dt: np.concatenate(xs).astype(dt) if xs else np.zeros(0, dt)  # noqa: E731
    pre, post, chan = cat(pre_l, np.int64), cat(post_l, np.int64), cat(chan_l, np.int64)
    w, delay, proj = cat(w_l, np.float64), cat(d_l, np.int64), cat(proj_l, np.int64)
    order = np.argsort(pre, kind="stable")  # per presynaptic neuron, projections in order, synapse order kept
    pre, post, chan, w, delay, proj = pre[order], post[order], chan[order], w[order], delay[order], proj[order]
    NT = N + NS
    indptr = np.zeros(NT + 1, np.int64)
    np.add.at(indptr, pre + 1, 1)
    indptr = np.cumsum(indptr)
    nproj = max(1, len(net.projections))
    outdeg = np.zeros((NT, nproj), np.int64)
    np.add.at(outdeg, (pre, proj), 1)

    pois_src, pois_p = [], []
    ev_step, ev_src, ev_count = [], [], []
    for s in net.sources:
        off = net.offset(s.name)
        if isinstance(s, PoissonSource):
            pois_src.append(np.arange(s.n) + off)
            pois_p.append(s.rates() * net.dt_s)
        elif isinstance(s, SpikeSource):
            ev_step.append(s.step)
            ev_src.append(s.index + off)
            ev_count.append(s.count)
    ev_step, ev_src, ev_count = cat(ev_step, np.int64), cat(ev_src, np.int64), cat(ev_count, np.int64)
    order = np.lexsort((ev_src, ev_step))
    v0 = np.concatenate([p.initial_v() for p in net.populations])
    g0 = np.zeros((C, N))
    for p, pop in zip(range(P), net.populations):
        g0[: pop.neuron.n_channels, pop_start[p]:pop_stop[p]] = pop.initial_g()
    return CompiledNetwork(
        n=N, n_src=NS, pop_start=pop_start, pop_stop=pop_stop, pop_of=pop_of,
        alpha=f([d.alpha for d in disc]), c0=f([d.c0 for d in disc]), k=f(k), beta=f(beta),
        nch=np.array([d.n_channels for d in disc], np.int64),
        theta_pos=f([d.theta_pos for d in disc]), theta_neg=f([d.theta_neg for d in disc]),
        reset=np.array([RESET_CODES[d.reset] for d in disc], np.int64),
        v_reset_pos=f([d.v_reset_pos for d in disc]), v_reset_neg=f([d.v_reset_neg for d in disc]),
        nref=np.array([d.nref for d in disc], np.int64), noise=f([d.noise_std for d in disc]),
        early=np.array([d.reset_before_input for d in disc], np.bool_),
        indptr=indptr, post=post, chan=chan, w=f(w), delay=delay, syn_proj=proj, outdeg=outdeg,
        pois_src=cat(pois_src, np.int64), pois_p=cat(pois_p, np.float64),
        ev_step=ev_step[order], ev_src=ev_src[order], ev_count=ev_count[order],
        v0=f(v0), g0=f(g0), dtype=dtype, projection_names=tuple(p.name for p in net.projections),
    )


BLOCK = 512
"""Neurons per block: the update of a block is one vectorised loop that also flags whether any neuron crossed a
threshold; only flagged blocks are scanned for events."""


@nb.njit(cache=True, nogil=True, boundscheck=False)
def _block0(k, v, ru, a, c, tp, tn):
    flag = False
    for i in range(v.shape[0]):
        vo = v[i]
        nr = k >= ru[i]
        vn = c + a * vo
        vv = vn if nr else vo
        v[i] = vv
        flag |= nr & ((vv > tp) | (vv < tn))
    return flag


@nb.njit(cache=True, nogil=True, boundscheck=False)
def _block1(k, v, g0a, ru, a, c, k0, b0, tp, tn):
    flag = False
    for i in range(v.shape[0]):
        g0 = g0a[i]
        vo = v[i]
        nr = k >= ru[i]
        vn = c + (k0 * g0 + a * vo)
        vv = vn if nr else vo
        v[i] = vv
        g0a[i] = b0 * g0
        flag |= nr & ((vv > tp) | (vv < tn))
    return flag


@nb.njit(cache=True, nogil=True, boundscheck=False)
def _block2(k, v, g0a, g1a, ru, a, c, k0, k1, b0, b1, tp, tn):
    flag = False
    for i in range(v.shape[0]):
        g0 = g0a[i]
        g1 = g1a[i]
        vo = v[i]
        nr = k >= ru[i]
        vn = c + ((k0 * g0 + k1 * g1) + a * vo)
        vv = vn if nr else vo
        v[i] = vv
        g0a[i] = b0 * g0
        g1a[i] = b1 * g1
        flag |= nr & ((vv > tp) | (vv < tn))
    return flag


@nb.njit(cache=True, nogil=True, boundscheck=False)
def _block_n(k, v, g, ru, a, c, nch, kc, bc, tp, tn):
    flag = False
    for i in range(v.shape[0]):
        acc = kc[0] * g[0, i]
        for ch in range(1, nch):
            acc = acc + kc[ch] * g[ch, i]
        vo = v[i]
        nr = k >= ru[i]
        vn = c + (acc + a * vo)
        vv = vn if nr else vo
        v[i] = vv
        for ch in range(nch):
            g[ch, i] = bc[ch] * g[ch, i]
        flag |= nr & ((vv > tp) | (vv < tn))
    return flag


@nb.njit(cache=True, nogil=True)
def _resets(fired, fcount, nf, N, pop_of, early, which, reset, vrp, vrn, theta_pos, theta_neg, v):
    for f in range(nf):
        i = fired[f]
        if i >= N:
            continue
        p = pop_of[i]
        if early[p] != which:
            continue
        mode = reset[p]
        if fcount[f] > 0:
            if mode == 0:
                v[i] = vrp[p]
            elif mode == 1:
                v[i] -= theta_pos[p]
            else:
                v[i] = 0
        else:
            if mode == 0:
                v[i] = vrn[p]
            elif mode == 1:
                v[i] += theta_neg[p]
            else:
                v[i] = 0


@nb.njit(cache=True, nogil=True)
def _run(n_steps, v, g, ref_until, pop_start, pop_stop, pop_of, alpha, c0, kc, beta, nch, theta_pos, theta_neg,
         reset, vrp, vrn, nref, noise, early, indptr, post, chan, w, delay, outdeg, pois_src, pois_p,
         ev_step, ev_src, ev_count, rec_idx, rec_var, seed, capacity):
    if seed >= 0:
        np.random.seed(seed)  # noqa: NPY002 - Numba's kernel-local generator, seeded per call
    N = v.shape[0]
    NT = indptr.shape[0] - 1
    P = pop_start.shape[0]
    nproj = outdeg.shape[1]
    C = g.shape[0]
    maxd = 0
    for s in range(delay.shape[0]):
        if delay[s] > maxd:
            maxd = delay[s]
    D = maxd + 1
    ring = np.zeros((D if maxd > 0 else 1, C + 1, N if maxd > 0 else 1), dtype=v.dtype)
    sp_step = np.empty(capacity, np.int64)
    sp_idx = np.empty(capacity, np.int64)
    sp_sign = np.empty(capacity, np.int8)
    nsp = 0
    cnt_pos = np.zeros(NT, np.int64)
    cnt_neg = np.zeros(NT, np.int64)
    synops = np.zeros(nproj, np.int64)
    fired = np.empty(NT, np.int64)
    fcount = np.empty(NT, np.int64)
    nrec = rec_idx.shape[0]
    rec = np.empty((n_steps if nrec > 0 else 0, nrec), dtype=v.dtype)
    ev = 0
    n_ev = ev_step.shape[0]
    npois = pois_src.shape[0]
    for k in range(n_steps):
        # groups (exact update, v held while refractory) fused with thresholds (+1, then the -1 custom event;
        # both on the updated v, only when not refractory), block by block
        nf = 0
        for p in range(P):
            a = alpha[p]
            c = c0[p]
            tp = theta_pos[p]
            tn = -theta_neg[p]
            sd = noise[p]
            m = nch[p]
            for b in range(pop_start[p], pop_stop[p], BLOCK):
                e = min(b + BLOCK, pop_stop[p])
                if m == 0:
                    flag = _block0(k, v[b:e], ref_until[b:e], a, c, tp, tn)
                elif m == 1:
                    flag = _block1(k, v[b:e], g[0, b:e], ref_until[b:e], a, c, kc[p, 0], beta[p, 0], tp, tn)
                elif m == 2:
                    flag = _block2(k, v[b:e], g[0, b:e], g[1, b:e], ref_until[b:e], a, c, kc[p, 0], kc[p, 1],
                                   beta[p, 0], beta[p, 1], tp, tn)
                else:
                    flag = _block_n(k, v[b:e], g[:, b:e], ref_until[b:e], a, c, m, kc[p], beta[p], tp, tn)
                if sd > 0:
                    for i in range(b, e):
                        if k >= ref_until[i]:
                            v[i] += sd * np.random.standard_normal()  # noqa: NPY002
                    flag = True
                if flag:
                    for i in range(b, e):
                        if k >= ref_until[i]:
                            vi = v[i]
                            if vi > tp:
                                fired[nf] = i
                                fcount[nf] = 1
                                nf += 1
                            elif vi < tn:
                                fired[nf] = i
                                fcount[nf] = -1
                                nf += 1
        if nsp + nf > sp_step.shape[0]:
            newcap = max(2 * sp_step.shape[0], nsp + nf + 1024)
            a1 = np.empty(newcap, np.int64)
            a2 = np.empty(newcap, np.int64)
            a3 = np.empty(newcap, np.int8)
            a1[:nsp] = sp_step[:nsp]
            a2[:nsp] = sp_idx[:nsp]
            a3[:nsp] = sp_sign[:nsp]
            sp_step, sp_idx, sp_sign = a1, a2, a3
        for f in range(nf):
            i = fired[f]
            r = nref[pop_of[i]]
            if r > 0:
                ref_until[i] = k + r
            sp_step[nsp] = k
            sp_idx[nsp] = i
            sp_sign[nsp] = fcount[f]
            nsp += 1
        # sources
        for s in range(npois):
            if np.random.random() < pois_p[s]:  # noqa: NPY002
                fired[nf] = pois_src[s]
                fcount[nf] = 1
                nf += 1
        while ev < n_ev and ev_step[ev] < k:
            ev += 1
        while ev < n_ev and ev_step[ev] == k:
            fired[nf] = ev_src[ev]
            fcount[nf] = ev_count[ev]
            nf += 1
            ev += 1
        _resets(fired, fcount, nf, N, pop_of, early, True, reset, vrp, vrn, theta_pos, theta_neg, v)
        # synapses: delayed events arriving now, then this step's zero-delay events
        if maxd > 0:
            slot = k % D
            for i in range(N):
                x = ring[slot, 0, i]
                if x != 0:
                    if k >= ref_until[i]:
                        v[i] += x
                    ring[slot, 0, i] = 0
            for ch in range(C):
                for i in range(N):
                    x = ring[slot, ch + 1, i]
                    if x != 0:
                        g[ch, i] += x
                        ring[slot, ch + 1, i] = 0
        for f in range(nf):
            src = fired[f]
            cnt = fcount[f]
            if cnt > 0:
                cnt_pos[src] += cnt
                reps = cnt
                sg = 1
            else:
                cnt_neg[src] -= cnt
                reps = -cnt
                sg = -1
            for q in range(nproj):
                synops[q] += outdeg[src, q] * reps
            for _ in range(reps):
                for syn in range(indptr[src], indptr[src + 1]):
                    x = w[syn] if sg > 0 else -w[syn]
                    d = delay[syn]
                    j = post[syn]
                    c = chan[syn]
                    if d == 0:
                        if c < 0:
                            if k >= ref_until[j]:
                                v[j] += x
                        else:
                            g[c, j] += x
                    else:
                        ring[(k + d) % D, c + 1, j] += x
        # resets (neuron events only; populations with reset_before_input were reset above)
        _resets(fired, fcount, nf, N, pop_of, early, False, reset, vrp, vrn, theta_pos, theta_neg, v)
        for r in range(nrec):
            var = rec_var[r]
            i = rec_idx[r]
            rec[k, r] = v[i] if var == 0 else g[var - 1, i]
    return sp_step[:nsp].copy(), sp_idx[:nsp].copy(), sp_sign[:nsp].copy(), cnt_pos, cnt_neg, synops, rec


@dataclass(frozen=True)
class SimResult:
    """Output of a simulation run.

    Attributes
    ----------
    dt_s, n_steps : time step (s) and steps simulated.
    step, index, sign : recorded neuron events, shape (E,) each: step k (time ``k dt_s``), global neuron index,
        sign +1/-1 (int8); sorted by step, then index.
    counts_pos, counts_neg : events per global neuron/source index by sign, shape (N + NS,), int64 (sources count
        their input events, ``|count|`` each).
    syn_ops : synaptic operations per projection name (events x synapses reached), int.
    monitors : ``{population: {variable: array (n_steps, len(indices))}}``, values after each step's reset.
    v, g : final state, shapes (N,) and (C, N).
    offsets : ``{group: (first global index, size)}``.
    """

    dt_s: float
    n_steps: int
    step: np.ndarray
    index: np.ndarray
    sign: np.ndarray
    counts_pos: np.ndarray
    counts_neg: np.ndarray
    syn_ops: dict[str, int]
    monitors: dict[str, dict[str, np.ndarray]]
    v: np.ndarray
    g: np.ndarray
    offsets: dict[str, tuple[int, int]]

    def spikes(self, group: str, sign: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Events of one population: (step, local index, sign), optionally only one sign (+1 or -1)."""
        off, n = self.offsets[group]
        m = (self.index >= off) & (self.index < off + n)
        if sign is not None:
            m &= self.sign == sign
        return self.step[m], self.index[m] - off, self.sign[m]

    def spike_times_s(self, group: str, sign: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(times in s, local indices) of one population's events."""
        st, idx, _ = self.spikes(group, sign)
        return st * self.dt_s, idx

    def counts(self, group: str) -> tuple[int, int]:
        """Total (+1, -1) events of a population or source."""
        off, n = self.offsets[group]
        return int(self.counts_pos[off:off + n].sum()), int(self.counts_neg[off:off + n].sum())


def _record_spec(net: Network, record: dict | None) -> tuple[np.ndarray, np.ndarray, list]:
    idx, var, keys = [], [], []
    for pop_name, variables in (record or {}).items():
        pop = net.group(pop_name)
        if pop not in net.populations:
            raise ValueError(f"record: {pop_name!r} is not a population")
        for vname, ids in variables.items():
            ids = np.atleast_1d(np.asarray(ids, np.int64))
            if ids.size and (ids.min() < 0 or ids.max() >= pop.n):
                raise ValueError(f"record[{pop_name!r}][{vname!r}]: indices outside [0, {pop.n - 1}]")
            if vname == "v":
                code = 0
            elif vname.startswith("g") and vname[1:].isdigit() and int(vname[1:]) < pop.neuron.n_channels:
                code = 1 + int(vname[1:])
            else:
                raise ValueError(f"record[{pop_name!r}]: variable {vname!r}, accepted 'v' or "
                                 f"'g0'..'g{pop.neuron.n_channels - 1}'")
            keys.append((pop_name, vname, len(idx), ids.size))
            idx.extend((ids + net.offset(pop_name)).tolist())
            var.extend([code] * ids.size)
    return np.array(idx, np.int64), np.array(var, np.int64), keys


def simulate(net: Network, duration_s: float | None = None, *, n_steps: int | None = None, seed: int = 0,
             dtype: Any = np.float64, record: dict | None = None, compiled: CompiledNetwork | None = None,
             noise: bool = True) -> SimResult:
    """Simulate ``net`` for ``duration_s`` (s) or ``n_steps`` steps with the event-driven Numba engine.

    Parameters
    ----------
    net : the network.
    duration_s, n_steps : length of the run (give exactly one).
    seed : seed of the Poisson sources and neuron noise (Numba's generator; not Brian2's stream).
    dtype : float64 (default) or float32 state and weights.
    record : ``{population: {"v" | "g<c>": indices}}`` variables to monitor every step.
    compiled : a :func:`compile_network` result for ``net`` and ``dtype`` to reuse across runs.
    noise : add the neurons' Gaussian noise (``noise_std`` of MTJ neurons); False gives the deterministic model.

    Returns
    -------
    SimResult

    Raises
    ------
    ValueError
        for a bad duration, dtype or record specification.
    """
    if (duration_s is None) == (n_steps is None):
        raise ValueError("give exactly one of duration_s and n_steps")
    T = net.steps(duration_s) if n_steps is None else int(n_steps)
    if T < 0:
        raise ValueError(f"n_steps={n_steps} must be >= 0")
    cn = compiled if compiled is not None else compile_network(net, dtype)
    rec_idx, rec_var, keys = _record_spec(net, record)
    v = cn.v0.copy()
    g = cn.g0.copy()
    ref_until = np.full(cn.n, _NEVER, np.int64)
    st, ix, sg, cp, cneg, synops, rec = _run(
        T, v, g, ref_until, cn.pop_start, cn.pop_stop, cn.pop_of, cn.alpha, cn.c0, cn.k, cn.beta, cn.nch,
        cn.theta_pos, cn.theta_neg, cn.reset, cn.v_reset_pos, cn.v_reset_neg, cn.nref,
        cn.noise if noise else np.zeros_like(cn.noise), cn.early,
        cn.indptr, cn.post, cn.chan, cn.w, cn.delay, cn.outdeg, cn.pois_src, cn.pois_p,
        cn.ev_step, cn.ev_src, cn.ev_count, rec_idx, rec_var, int(seed), max(1024, cn.n * 4))
    monitors: dict[str, dict[str, np.ndarray]] = {}
    for pop_name, vname, start, size in keys:
        monitors.setdefault(pop_name, {})[vname] = rec[:, start:start + size].copy()
    return SimResult(
        dt_s=net.dt_s, n_steps=T, step=st, index=ix, sign=sg, counts_pos=cp, counts_neg=cneg,
        syn_ops={name: int(synops[q]) for q, name in enumerate(cn.projection_names)},
        monitors=monitors, v=v, g=g, offsets=dict(net._offsets),
    )
