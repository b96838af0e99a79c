"""JAX simulation of :class:`snn.network.Network` (the same networks as the Numba engine, same schedule).

Used to cross-check the engines (float64 exact replay of Brian2) and to run networks on accelerators. Each step
(``jax.lax.scan``): exact neuron update per population, thresholds, then event-driven delivery - the indices of
the at most ``capacity`` neurons/sources with events this step are gathered (``jnp.nonzero(..., size=capacity)``),
their outgoing synapses are read from a padded CSR table (rows per presynaptic neuron, synapses in creation order)
and scatter-added onto the flat state ``[v, g_0, ..., g_{C-1}]``; delayed events go into a ring buffer. A step
with more events than ``capacity`` is detected and the run is repeated with a larger capacity.

For gradient-based training use the layered models of :mod:`snn.model` (surrogate gradients); this engine
returns discrete events.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from snn.engine_numba import SimResult, _record_spec, compile_network
from snn.network import Network, PoissonSource, SpikeSource

_NEVER = -(2**30)


def _tables(net: Network, cn: Any) -> dict[str, np.ndarray]:
    NT = cn.n + cn.n_src
    N = cn.n
    C = cn.g0.shape[0]
    deg = np.diff(cn.indptr)
    maxdeg = max(1, int(deg.max()) if deg.size else 1)
    dummy = (C + 1) * N
    tgt = np.full((NT + 1, maxdeg), dummy, np.int32)
    w = np.zeros((NT + 1, maxdeg), cn.w.dtype)
    dl = np.zeros((NT + 1, maxdeg), np.int32)
    row = np.repeat(np.arange(NT), deg)
    col = np.arange(cn.post.size) - cn.indptr[row]
    tgt[row, col] = (cn.chan + 1) * N + cn.post
    w[row, col] = cn.w
    dl[row, col] = cn.delay
    return {"tgt": tgt, "w": w, "delay": dl, "maxd": int(cn.delay.max()) if cn.delay.size else 0, "dummy": dummy}


def simulate(net: Network, duration_s: float | None = None, *, n_steps: int | None = None, seed: int = 0,
             dtype: Any = np.float64, capacity: int | None = None, noise: bool = True,
             record: dict | None = None) -> SimResult:
    """Simulate ``net`` in JAX; same arguments and :class:`~snn.engine_numba.SimResult` as the Numba engine.

    ``record``: ``{population: {"v" | "g<c>": indices}}`` variables monitored every step (after the reset), as in
    :func:`snn.engine_numba.simulate`.

    ``capacity`` is the initial maximum of events per step (default 64, doubled until no step overflows).
    float64 runs inside ``jax.enable_x64(True)`` (the global flag is left alone). Poisson sources and neuron noise
    use JAX's generator (streams differ from the Numba engine's).

    Raises
    ------
    ValueError
        for a bad duration, dtype, record specification or capacity < 1.
    """
    if (duration_s is None) == (n_steps is None):
        raise ValueError("give exactly one of duration_s and n_steps")
    T = net.steps(duration_s) if n_steps is None else int(n_steps)
    if T < 0:
        raise ValueError(f"n_steps={n_steps} must be >= 0")
    cap = 64 if capacity is None else int(capacity)
    if cap < 1:
        raise ValueError(f"capacity={capacity} must be >= 1")
    cn = compile_network(net, dtype)
    rec = _record_spec(net, record)
    with jax.enable_x64(cn.dtype == np.float64):
        while True:
            out = _run(net, cn, T, seed, min(cap, cn.n + cn.n_src), noise, rec)
            if out["max_events"] <= cap or cap >= cn.n + cn.n_src:
                break
            cap = int(out["max_events"])
    return out["result"]


def _run(net: Network, cn: Any, T: int, seed: int, cap: int, noise: bool, rec: tuple) -> dict:
    N, NS = cn.n, cn.n_src
    NT = N + NS
    C = cn.g0.shape[0]
    tb = _tables(net, cn)
    D = tb["maxd"] + 1
    dummy = tb["dummy"]
    fdt = jnp.dtype(cn.dtype)
    pops = []
    for p, pop in enumerate(net.populations):
        d = pop.neuron.discrete(net.dt_s)
        pops.append((int(cn.pop_start[p]), int(cn.pop_stop[p]), d))
    # sources
    pois = [(net.offset(s.name), s.rates() * net.dt_s) for s in net.sources if isinstance(s, PoissonSource)]
    expl = [(net.offset(s.name), s) for s in net.sources if isinstance(s, SpikeSource)]
    counts_in = np.zeros((T, NS), np.int32)
    for off, s in expl:
        counts_in[:, off - N:off - N + s.n] = s.to_counts(T)
    pois_mask = np.zeros(NS, bool)
    pois_p = np.zeros(NS)
    for off, p in pois:
        pois_mask[off - N:off - N + p.size] = True
        pois_p[off - N:off - N + p.size] = p
    tgt, w, dl = jnp.asarray(tb["tgt"]), jnp.asarray(tb["w"], fdt), jnp.asarray(tb["delay"])
    pois_p_j = jnp.asarray(pois_p, fdt)
    key = jax.random.PRNGKey(seed)
    nref = np.zeros(N, np.int32)
    for s0, s1, d in pops:
        nref[s0:s1] = d.nref
    nref_j = jnp.asarray(nref)
    rec_idx, rec_var, rec_keys = rec
    rec_flat = jnp.asarray(rec_var * N + rec_idx, jnp.int32)  # flat state layout [v, g_0, ..., g_{C-1}]

    def resets(v, ev, early):
        for s0, s1, d in pops:
            if d.reset_before_input != early:
                continue
            e = ev[s0:s1]
            vp = v[s0:s1]
            if d.reset == "value":
                vp = jnp.where(e > 0, d.v_reset_pos, jnp.where(e < 0, d.v_reset_neg, vp))
            elif d.reset == "subtract":
                vp = jnp.where(e > 0, vp - d.theta_pos, jnp.where(e < 0, vp + d.theta_neg, vp))
            else:
                vp = jnp.where(e != 0, 0.0, vp)
            v = v.at[s0:s1].set(vp.astype(fdt))
        return v

    def step(carry, xs):
        S, ring, ref_until, cpos, cneg = carry
        k, cin = xs
        v = S[:N]
        gs = [S[(c + 1) * N:(c + 2) * N] for c in range(C)]
        nr = k >= ref_until
        kstep = jax.random.fold_in(key, k)
        new_v, new_g = [], [[] for _ in range(C)]
        ev_parts = []
        for pi, (s0, s1, d) in enumerate(pops):
            vp = v[s0:s1]
            acc = None
            for c in range(d.n_channels):
                term = d.k[c] * gs[c][s0:s1]
                acc = term if acc is None else acc + term
            vn = d.c0 + (acc + d.alpha * vp) if acc is not None else d.c0 + d.alpha * vp
            nrp = nr[s0:s1]
            vp = jnp.where(nrp, vn, vp)
            if noise and d.noise_std > 0:
                z = jax.random.normal(jax.random.fold_in(kstep, pi), vp.shape, fdt)
                vp = jnp.where(nrp, vp + d.noise_std * z, vp)
            for c in range(C):
                gp = gs[c][s0:s1]
                new_g[c].append(d.beta[c] * gp if c < d.n_channels else gp)
            new_v.append(vp)
            e = jnp.where(nrp & (vp > d.theta_pos), 1, jnp.where(nrp & (vp < -d.theta_neg), -1, 0))
            ev_parts.append(e.astype(jnp.int32))
        v = jnp.concatenate(new_v).astype(fdt)
        gs = [jnp.concatenate(x).astype(fdt) for x in new_g]
        ev_n = jnp.concatenate(ev_parts)
        ref_until = jnp.where(ev_n != 0, jnp.where(nref_j > 0, k + nref_j, ref_until), ref_until)
        if NS:
            u = jax.random.uniform(jax.random.fold_in(kstep, 10_000), (NS,), fdt)
            ev_s = jnp.where(pois_mask, (u < pois_p_j).astype(jnp.int32), cin)
            ev = jnp.concatenate([ev_n, ev_s])
            cpos = cpos + jnp.maximum(ev_s, 0)
            cneg = cneg + jnp.maximum(-ev_s, 0)
        else:
            ev = ev_n
        v = resets(v, ev_n, True)
        S = jnp.concatenate([v, *gs, jnp.zeros((1,), fdt)])
        if D > 1:
            slot = k % D
            gate_v = jnp.concatenate([k >= ref_until, jnp.ones((C * N + 1,), bool)])
            S = S + jnp.where(gate_v, ring[slot], 0.0)
            ring = ring.at[slot].set(0.0)
        nev = jnp.sum(ev != 0)
        idx = jnp.nonzero(ev != 0, size=cap, fill_value=NT)[0]
        cnt = jnp.concatenate([ev, jnp.zeros((1,), jnp.int32)])[idx].astype(fdt)
        t_i = tgt[idx]
        vals = w[idx] * cnt[:, None]
        d_i = dl[idx]
        gate = jnp.concatenate([k >= ref_until, jnp.ones((C * N + 1,), bool)])
        S = S.at[jnp.where((d_i == 0) & gate[t_i], t_i, dummy).ravel()].add(vals.ravel())
        if D > 1:
            ring = ring.at[((k + d_i) % D).ravel(), jnp.where(d_i > 0, t_i, dummy).ravel()].add(vals.ravel())
        v = resets(S[:N], ev_n, False)
        S = S.at[:N].set(v).at[dummy].set(0.0)
        return (S, ring, ref_until, cpos, cneg), (ev_n.astype(jnp.int8), nev, S[rec_flat])

    S0 = jnp.concatenate([jnp.asarray(cn.v0, fdt), jnp.asarray(cn.g0[:C], fdt).ravel(), jnp.zeros((1,), fdt)])
    ring0 = jnp.zeros((D if D > 1 else 1, S0.size if D > 1 else 1), fdt)
    carry0 = (S0, ring0, jnp.full((N,), _NEVER, jnp.int32), jnp.zeros((NS,), jnp.int32), jnp.zeros((NS,), jnp.int32))

    @jax.jit
    def run(carry0, counts_in):
        return jax.lax.scan(step, carry0, (jnp.arange(T, dtype=jnp.int32), counts_in))

    (S, _, _, cpos, cneg), (evs, nev, recs) = run(carry0, jnp.asarray(counts_in))
    recs = np.asarray(recs).reshape(T, rec_flat.size)
    monitors: dict[str, dict[str, np.ndarray]] = {}
    for pop_name, vname, start, size in rec_keys:
        monitors.setdefault(pop_name, {})[vname] = recs[:, start:start + size].copy()
    evs = np.asarray(evs)
    st, ix = np.nonzero(evs)
    sg = evs[st, ix].astype(np.int8)
    counts_pos = np.concatenate([np.bincount(ix[sg > 0], minlength=N), np.asarray(cpos, np.int64)]).astype(np.int64)
    counts_neg = np.concatenate([np.bincount(ix[sg < 0], minlength=N), np.asarray(cneg, np.int64)]).astype(np.int64)
    events = counts_pos + counts_neg
    syn_ops = {name: int(np.dot(events, cn.outdeg[:, q])) for q, name in enumerate(cn.projection_names)}
    S = np.asarray(S)
    res = SimResult(dt_s=net.dt_s, n_steps=T, step=st.astype(np.int64), index=ix.astype(np.int64), sign=sg,
                    counts_pos=counts_pos, counts_neg=counts_neg, syn_ops=syn_ops, monitors=monitors, v=S[:N],
                    g=S[N:(C + 1) * N].reshape(C, N), offsets=dict(net._offsets))
    return {"result": res, "max_events": int(np.max(np.asarray(nev))) if T else 0}
