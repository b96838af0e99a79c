"""Brian2 interop: export a :class:`snn.network.Network` to Brian2 and run it; Brian2's own CUBA example.

Brian2 (Stimberg, Brette & Goodman 2019, eLife 8:e47314, doi:10.7554/eLife.47314) is the reference simulator for
the exact-replay checks (reference/snn.md sections 2-3). Brian2 is imported only inside these functions.

Export (:func:`to_brian2`), per population a ``NeuronGroup`` with dimensionless state (the same floats as hwsim):

* ``dv/dt = (u - v + g0 + ...)/tau_m : 1 (unless refractory)``, ``dg<c>/dt = -g<c>/tau_c : 1`` with
  ``u = v_rest + bias`` (``method='exact'``); MTJ neurons ``dv/dt = -v/tau`` with ``tau = -dt/ln(leak)`` and noise
  ``v += noise_std*randn()`` in the groups slot;
* threshold ``v > theta_pos``, reset ``v = v_reset_pos`` / ``v -= theta_pos`` / ``v = 0``, ``refractory = t_ref``;
* signed neurons: a custom event ``'neg': 'v < -theta_neg'`` (``and not_refractory`` with a refractory period)
  with ``run_on_event('neg', reset)``; with a refractory period a twin event ``'negref'`` (same condition) sets
  ``not_refractory = False; lastspike = t`` right after the thresholds, so -1 events are refractory like +1
  spikes (v held, synaptic input onto v dropped, Brian2's ``unless refractory`` rule); synapses with two pathways
  ``on_pre={'pre': 'X_post += w', 'npre': 'X_post -= w'}``, ``on_event={'pre': 'spike', 'npre': 'neg'}``;
* MTJ neurons (reset before the synaptic input) move their resets to ``after_thresholds``;
* sources: ``PoissonGroup``; explicit signed counts as ``SpikeGeneratorGroup`` s (one for +1 and one for -1
  events, ``|count|`` replicas per neuron);
* weights ``w`` include the presynaptic amplitude and the postsynaptic MTJ input gain; delays ``d * dt`` on both
  pathways.
"""

from __future__ import annotations

import math
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from snn.engine_numba import SimResult
from snn.network import Network, PoissonSource
from snn.neurons import EulerLIF, MTJNeuron

TARGETS = ("numpy", "cython", "cpp_standalone")


@dataclass
class Brian2Run:
    """A Brian2 run: the events as :class:`~snn.engine_numba.SimResult` and timings (s).

    ``loop_s``: the simulation loop (``run()`` wall time for runtime targets, the first number of
    ``results/last_run_info.txt`` for cpp_standalone); ``total_s``: build + compile + run.
    """

    result: SimResult
    loop_s: float
    total_s: float
    info: dict = field(default_factory=dict)


def _neuron_group(b2: Any, pop: Any, dt_s: float, name: str) -> Any:
    if isinstance(pop.neuron, EulerLIF):
        raise ValueError(f"population {pop.name!r}: EulerLIF (NIR forward-Euler convention) has no Brian2 export; "
                         "accepted LIF, SignedLIF, MTJNeuron")
    d = pop.neuron.discrete(dt_s)
    ns: dict[str, float] = {"theta_pos": d.theta_pos, "v_reset_pos": d.v_reset_pos, "v_reset_neg": d.v_reset_neg}
    if isinstance(pop.neuron, MTJNeuron):
        eqs = "dv/dt = -v/tau_m : 1"
        ns["tau_m"] = -dt_s / math.log(d.alpha) * b2.second
    else:
        nr = " (unless refractory)" if d.nref > 0 else ""
        drive = "".join(f" + g{c}" for c in range(d.n_channels))
        eqs = f"dv/dt = (u - v{drive})/tau_m : 1{nr}\n"
        eqs += "".join(f"dg{c}/dt = -g{c}/tau_{c} : 1\n" for c in range(d.n_channels))
        ns["tau_m"] = pop.neuron.tau_m_s * b2.second
        ns["u"] = pop.neuron.v_rest + pop.neuron.bias
        for c, tau in enumerate(pop.neuron.tau_syn_s):
            ns[f"tau_{c}"] = tau * b2.second
    reset_pos = {"value": "v = v_reset_pos", "subtract": "v -= theta_pos", "zero": "v = 0"}[d.reset]
    reset_neg = {"value": "v = v_reset_neg", "subtract": "v += theta_neg", "zero": "v = 0"}[d.reset]
    kw: dict[str, Any] = {}
    if d.nref > 0:
        kw["refractory"] = pop.neuron.t_ref_s * b2.second
    if d.signed:
        ns["theta_neg"] = d.theta_neg
        cond = "v < -theta_neg" + (" and not_refractory" if d.nref > 0 else "")
        kw["events"] = {"neg": cond}
        if d.nref > 0:  # a second event on the same condition starts the refractory period before the synapses
            kw["events"]["negref"] = cond
    G = b2.NeuronGroup(pop.n, eqs, threshold="v > theta_pos", reset=reset_pos, method="exact", namespace=ns,
                       dt=dt_s * b2.second, name=name, **kw)
    if d.signed:
        G.run_on_event("neg", reset_neg, when="after_thresholds" if d.reset_before_input else "after_resets",
                       order=6 if d.reset_before_input else 0)
        if d.nref > 0:
            G.run_on_event("negref", "not_refractory = False\nlastspike = t", when="after_thresholds", order=10)
    if d.reset_before_input:
        G.resetter["spike"].when = "after_thresholds"
        G.resetter["spike"].order = 5
    if d.noise_std > 0:
        G.namespace["noise_std"] = d.noise_std
        G.run_regularly("v += noise_std*randn()", when="groups", order=1)
    G.v = pop.initial_v()
    g0 = pop.initial_g()
    for c in range(d.n_channels):
        setattr(G, f"g{c}", g0[c])
    return G


def to_brian2(net: Network, *, noise: bool = True) -> dict[str, Any]:
    """Build the Brian2 objects of ``net`` (runtime mode: call inside the chosen codegen target).

    Returns ``{"network": brian2.Network, "groups": {name: group}, "monitors": {name: (SpikeMonitor,
    EventMonitor | None)}}``. ``noise=False`` leaves out MTJ neuron noise.
    """
    import brian2 as b2

    dt = net.dt_s
    objs: list[Any] = []
    groups: dict[str, Any] = {}
    monitors: dict[str, tuple] = {}
    for pi, pop in enumerate(net.populations):
        if not noise and isinstance(pop.neuron, MTJNeuron) and pop.neuron.noise_std > 0:
            pop = type(pop)(pop.name, pop.n, type(pop.neuron)(**{**pop.neuron.__dict__, "noise_std": 0.0}),
                            pop.v0, pop.g0)
        G = _neuron_group(b2, pop, dt, f"pop{pi}")
        groups[pop.name] = G
        mp = b2.SpikeMonitor(G, name=f"pop{pi}_spikes")
        mn = b2.EventMonitor(G, "neg", name=f"pop{pi}_neg") if pop.neuron.signed else None
        monitors[pop.name] = (mp, mn)
        objs += [G, mp] + ([mn] if mn is not None else [])
    src_groups: dict[str, list[tuple[Any, int, int]]] = {}
    for si, s in enumerate(net.sources):
        if isinstance(s, PoissonSource):
            G = b2.PoissonGroup(s.n, rates=s.rates() * b2.Hz, dt=dt * b2.second, name=f"src{si}")
            src_groups[s.name] = [(G, 1, 1)]
            objs.append(G)
        else:
            parts = []
            for sign, m in ((1, s.count > 0), (-1, s.count < 0)):
                if not np.any(m):
                    continue
                reps = int(np.abs(s.count[m]).max())
                idx = np.repeat(s.index[m] * reps, np.abs(s.count[m])) + np.concatenate(
                    [np.arange(abs(c)) for c in s.count[m]])
                steps = np.repeat(s.step[m], np.abs(s.count[m]))
                G = b2.SpikeGeneratorGroup(s.n * reps, idx, steps * dt * b2.second, dt=dt * b2.second,
                                           name=f"src{si}_{'p' if sign > 0 else 'n'}")
                parts.append((G, sign, reps))
                objs.append(G)
            src_groups[s.name] = parts
    disc = {p.name: p.neuron.discrete(dt) for p in net.populations}
    for qi, pr in enumerate(net.projections):
        post = groups[pr.post]
        d_post = disc[pr.post]
        var = "v" if pr.target == "v" else f"g{int(pr.target)}"
        w = pr.w
        if pr.pre in disc and disc[pr.pre].amplitude != 1.0:
            w = disc[pr.pre].amplitude * w
        if d_post.gain != 1.0:
            w = d_post.gain * w
        if pr.pre in groups:
            pre_parts = [(groups[pr.pre], 1, 1)]
            signed = disc[pr.pre].signed
        else:
            pre_parts = src_groups[pr.pre]
            signed = False
        for part, (G, sign, reps) in enumerate(pre_parts):
            op = "+=" if sign > 0 else "-="
            if signed:
                S = b2.Synapses(G, post, "w : 1", on_pre={"pre": f"{var}_post += w", "npre": f"{var}_post -= w"},
                                on_event={"pre": "spike", "npre": "neg"}, dt=dt * b2.second, name=f"syn{qi}_{part}")
            else:
                S = b2.Synapses(G, post, "w : 1", on_pre=f"{var}_post {op} w", dt=dt * b2.second,
                                name=f"syn{qi}_{part}")
            i = (pr.i[:, None] * reps + np.arange(reps)[None, :]).ravel()
            S.connect(i=i, j=np.repeat(pr.j, reps))
            S.w = np.repeat(w, reps)
            if np.any(pr.delay):
                for pathway in (S.pre, S.npre) if signed else (S.pre,):
                    pathway.delay = np.repeat(pr.delay, reps) * dt * b2.second
            objs.append(S)
    return {"network": b2.Network(*objs), "groups": groups, "monitors": monitors}


def _collect(net: Network, monitors: dict, T: int) -> SimResult:
    steps, idx, sgn = [], [], []
    N = net.n_neurons
    for pop in net.populations:
        off = net.offset(pop.name)
        mp, mn = monitors[pop.name]
        for mon, sign in ((mp, 1), (mn, -1)):
            if mon is None:
                continue
            t = np.asarray(mon.t_[:])
            steps.append(((t + 1e-3 * net.dt_s) / net.dt_s).astype(np.int64))
            idx.append(np.asarray(mon.i[:], np.int64) + off)
            sgn.append(np.full(t.size, sign, np.int8))
    st, ix, sg = (np.concatenate(a) for a in (steps, idx, sgn))
    order = np.lexsort((ix, st))
    st, ix, sg = st[order], ix[order], sg[order]
    NT = N + net.n_sources
    cp = np.bincount(ix[sg > 0], minlength=NT).astype(np.int64)
    cn = np.bincount(ix[sg < 0], minlength=NT).astype(np.int64)
    return SimResult(dt_s=net.dt_s, n_steps=T, step=st, index=ix, sign=sg, counts_pos=cp, counts_neg=cn,
                     syn_ops={}, monitors={}, v=np.zeros(0), g=np.zeros((0, 0)), offsets=dict(net._offsets))


def run_brian2(net: Network, duration_s: float, *, target: str = "numpy", seed: int | None = 0,
               noise: bool = True) -> Brian2Run:
    """Export ``net`` and run it in Brian2 with codegen ``target`` ``"numpy"`` or ``"cython"`` (runtime).

    Returns :class:`Brian2Run` (events of the populations; source events are not recorded). Raises ValueError for
    another target (cpp_standalone: see :func:`brian2_cuba`).
    """
    if target not in ("numpy", "cython"):
        raise ValueError(f"target={target!r}, accepted 'numpy' or 'cython' (cpp_standalone: brian2_cuba)")
    import brian2 as b2

    old = b2.prefs.codegen.target
    b2.prefs.codegen.target = target
    try:
        t0 = time.perf_counter()
        if seed is not None:
            b2.seed(seed)
        objs = to_brian2(net, noise=noise)
        t1 = time.perf_counter()
        objs["network"].run(duration_s * b2.second, report=None)
        t2 = time.perf_counter()
    finally:
        b2.prefs.codegen.target = old
    T = net.steps(duration_s)
    return Brian2Run(_collect(net, objs["monitors"], T), loop_s=t2 - t1, total_s=t2 - t0,
                     info={"target": target, "build_s": t1 - t0})


def _cpu_s() -> float:
    """CPU seconds of this process (all threads) plus its finished children (a cpp_standalone binary)."""
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + ch.ru_utime + ch.ru_stime


def brian2_cuba(seed: int = 1, duration_s: float = 1.0, *, target: str = "numpy", directory: str | None = None,
                params: Any = None, exc: tuple | None = None, inh: tuple | None = None,
                v0: np.ndarray | None = None, repeats: int = 1, warmup: bool = False,
                interleave: Callable[[], Any] | None = None) -> dict[str, Any]:
    """Brian2's own CUBA example (``examples/CUBA.py``), seeded, with its network exported before the run.

    Parameters
    ----------
    seed : ``brian2.seed`` (connectivity, initial voltages).
    duration_s : simulated time (s).
    target : ``"numpy"``, ``"cython"`` or ``"cpp_standalone"`` (needs a C++ compiler; ``directory`` = build folder,
        default a temporary one; the loop time is read from ``results/last_run_info.txt``).
    params : :class:`snn.cuba.CUBAParams` (default Brian2's values).
    exc, inh, v0 : optional given network ((i, j) lists with global indices, initial voltages in V) instead of
        Brian2's random ones (same equations and code otherwise; used to time both simulators on one network).
    repeats : timed runs: cpp_standalone runs the compiled binary this many times; runtime targets call
        ``run(duration_s)`` this many times, continuing the simulation (``loop_s`` is the median).
    warmup : runtime targets: run one step first so that ``loop_s`` excludes code generation/compilation (the
        spikes then cover ``duration_s`` plus one step; ``first_s`` is the warm-up's wall time).
    interleave : called before each timed run (after set-up), so that a benchmark can interleave its own timed
        runs with Brian2's.

    Returns
    -------
    dict with ``exc`` and ``inh`` ((i, j) synapse lists), ``v0`` (N,), ``step``/``index`` (the spikes, sorted),
    ``loop_s``, ``loop_runs`` (s per timed run: Brian2's own loop timer ``last_run_info.txt`` for cpp_standalone,
    wall time of ``run()`` for runtime targets), ``wall_runs`` and ``cpu_runs`` (s per timed run, measured here:
    wall clock and CPU time of this process, plus of the finished child process for cpp_standalone, which then
    includes the binary's start-up and result writing), ``first_s`` (code generation + compilation: the build for
    cpp_standalone, the warm-up step for runtime targets), ``total_s``, ``target``.

    Raises
    ------
    ValueError
        for an unknown target.
    """
    if target not in TARGETS:
        raise ValueError(f"target={target!r}, accepted: {TARGETS}")
    import tempfile

    import brian2 as b2

    from snn.cuba import CUBAParams

    prm = params or CUBAParams()
    old_target = b2.prefs.codegen.target
    standalone = target == "cpp_standalone"
    tmp = None
    t0 = time.perf_counter()
    try:
        if standalone:
            tmp = directory or tempfile.mkdtemp(prefix="hwsim_b2_")
            b2.set_device("cpp_standalone", directory=tmp, build_on_run=False)
        else:
            b2.prefs.codegen.target = target
        b2.seed(seed)
        ns = {"taum": prm.taum_s * b2.second, "taue": prm.taue_s * b2.second, "taui": prm.taui_s * b2.second,
              "Vt": prm.Vt_V * b2.volt, "Vr": prm.Vr_V * b2.volt, "El": prm.El_V * b2.volt,
              "we": prm.we_V * b2.volt, "wi": prm.wi_V * b2.volt}
        eqs = """
        dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
        dge/dt = -ge/taue : volt
        dgi/dt = -gi/taui : volt
        """
        dt = prm.dt_s * b2.second
        P = b2.NeuronGroup(prm.N, eqs, threshold="v>Vt", reset="v = Vr", refractory=prm.t_ref_s * b2.second,
                           method="exact", namespace=ns, dt=dt)
        if v0 is None:
            P.v = "Vr + rand() * (Vt - Vr)"
        else:
            P.v = np.asarray(v0, np.float64) * b2.volt
        P.ge = 0 * b2.volt
        P.gi = 0 * b2.volt
        Ce = b2.Synapses(P, P, on_pre="ge += we", namespace=ns, dt=dt)
        Ci = b2.Synapses(P, P, on_pre="gi += wi", namespace=ns, dt=dt)
        if exc is None:
            Ce.connect(f"i<{prm.NE}", p=prm.p_connect)
        else:
            Ce.connect(i=np.asarray(exc[0]), j=np.asarray(exc[1]))
        if inh is None:
            Ci.connect(f"i>={prm.NE}", p=prm.p_connect)
        else:
            Ci.connect(i=np.asarray(inh[0]), j=np.asarray(inh[1]))
        mon = b2.SpikeMonitor(P)
        net = b2.Network(P, Ce, Ci, mon)
        out: dict[str, Any] = {"target": target}
        if not standalone:
            out["exc"] = (np.asarray(Ce.i[:], np.int64), np.asarray(Ce.j[:], np.int64))
            out["inh"] = (np.asarray(Ci.i[:], np.int64), np.asarray(Ci.j[:], np.int64))
            out["v0"] = np.asarray(P.v_[:], np.float64).copy()
            out["first_s"] = 0.0
            if warmup:
                t1 = time.perf_counter()
                net.run(dt, report=None)
                out["first_s"] = time.perf_counter() - t1
            out["loop_runs"], out["wall_runs"], out["cpu_runs"] = [], [], []
            for _ in range(max(1, int(repeats))):
                if interleave is not None:
                    interleave()
                c1, t1 = _cpu_s(), time.perf_counter()
                net.run(duration_s * b2.second, report=None)
                out["wall_runs"].append(time.perf_counter() - t1)
                out["cpu_runs"].append(_cpu_s() - c1)
                out["loop_runs"].append(out["wall_runs"][-1])
        else:
            net.run(duration_s * b2.second, report=None)
            t1 = time.perf_counter()
            b2.device.build(directory=tmp, compile=True, run=False, debug=False, with_output=False)
            out["first_s"] = time.perf_counter() - t1
            out["loop_runs"], out["wall_runs"], out["cpu_runs"] = [], [], []
            for _ in range(max(1, int(repeats))):
                if interleave is not None:
                    interleave()
                c1, t1 = _cpu_s(), time.perf_counter()
                b2.device.run(directory=tmp, with_output=False)
                out["wall_runs"].append(time.perf_counter() - t1)
                out["cpu_runs"].append(_cpu_s() - c1)
                with open(f"{tmp}/results/last_run_info.txt") as fh:
                    out["loop_runs"].append(float(fh.read().split()[0]))
            out["exc"] = (np.asarray(Ce.i[:], np.int64), np.asarray(Ce.j[:], np.int64))
            out["inh"] = (np.asarray(Ci.i[:], np.int64), np.asarray(Ci.j[:], np.int64))
            out["v0"] = None if v0 is None else np.asarray(v0, np.float64)
        out["loop_s"] = float(np.median(out["loop_runs"]))
        t = np.asarray(mon.t_[:])
        st = ((t + 1e-3 * prm.dt_s) / prm.dt_s).astype(np.int64)
        ix = np.asarray(mon.i[:], np.int64)
        order = np.lexsort((ix, st))
        out["step"], out["index"] = st[order], ix[order]
        out["total_s"] = time.perf_counter() - t0
        return out
    finally:
        if standalone:
            b2.device.reinit()
            b2.set_device("runtime")
        b2.prefs.codegen.target = old_target
