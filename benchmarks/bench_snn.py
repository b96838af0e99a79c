"""snn benchmarks: CUBA simulation speed vs Brian2, CUBA statistics, signed network vs Brian2, JAX training step
vs Spyx (its idiomatic model) and vs the strongest plain-JAX formulation (input projection hoisted).

Speed is compared alike on both sides: runs alternate (hwsim, peer, hwsim, ...), every run's wall clock and CPU time
are measured the same way, set-up/code generation/compilation happen before the timed runs, and min and median are
reported; wall ratios are per machine (each side uses the threads it uses), CPU ratios per core.

CUBA per machine (``cuba_machine``): the peer in as many processes as usable cores at once, against hwsim the same
way (the Numba engine is single-threaded, so one process per core is its whole-machine form, as ``hwsim sweep
--executor joblib`` runs it); each process is pinned to its own core and simulates its own network (seeds 11, 12,
...; the same networks on both sides), and a round's time is the slowest process's.

Brian2 cpp_standalone's loop timer (``results/last_run_info.txt``) is ``std::clock()`` in its ``network.cpp``, i.e.
CPU time: it is compared with hwsim's CPU time, never with its wall clock.

Run: ``hwsim bench snn`` (full) or ``hwsim bench snn --quick`` (about 2 minutes on 2 shared cores: skips the
cpp_standalone and Cython builds and compares with Brian2's numpy target instead, saying so in the note).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np

from hwsim.benchmarking import Benchmark, BenchmarkSkipped, Metric, WarmWorker, timeit

REF = "reference/snn.md"
ONE = "one process each, unpinned"  # the CUBA loop rows; per machine: cuba_machine


def _cuba_inputs(seed: int):
    from snn.cuba import cuba_network

    net = cuba_network(seed=seed)
    exc = (net.projections[0].i, net.projections[0].j)
    inh = (net.projections[1].i, net.projections[1].j)
    return net, exc, inh, net.populations[0].initial_v()


def _numba_compile_seconds() -> float:
    """First-call cost of the Numba engine with an empty cache (fresh process): JIT compilation + one CUBA run."""
    code = textwrap.dedent("""
        import time
        from snn.cuba import cuba_network
        from snn.engine_numba import simulate
        net = cuba_network(seed=0)
        t0 = time.perf_counter(); simulate(net, 0.001); print(time.perf_counter() - t0)
    """)
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "NUMBA_CACHE_DIR": tmp}
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def _cpu_s() -> float:
    """CPU seconds of this process (all threads) plus its finished children."""
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + ch.ru_utime + ch.ru_stime


def _timed(fn, log: dict) -> None:
    """Run ``fn()`` once, appending its wall and CPU seconds to ``log["wall"]`` / ``log["cpu"]``."""
    c0, t0 = _cpu_s(), time.perf_counter()
    fn()
    log.setdefault("wall", []).append(time.perf_counter() - t0)
    log.setdefault("cpu", []).append(_cpu_s() - c0)


def _interleaved(fns: dict, repeat: int, warmup: int = 1) -> dict[str, dict]:
    """Time each callable in turn, ``repeat`` rounds after ``warmup`` untimed rounds (set-up and compilation happen
    before): ``{name: {"wall": [...], "cpu": [...]}}`` in seconds, measured alike for every entry."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    logs: dict[str, dict] = {name: {} for name in fns}
    for _ in range(max(1, repeat)):
        for name, fn in fns.items():
            _timed(fn, logs[name])
    return logs


def _ratios(label: str, ours: dict, peer: dict, *, goal: float | None, note: str,
            wall_scope: str = "per machine") -> list[Metric]:
    """hwsim / peer for wall (``wall_scope``: per machine when each side uses the threads it uses) and CPU time (per
    core), min and median; the goal applies to the median wall ratio."""
    out = []
    for clock, scope in (("wall", wall_scope), ("cpu", "per core")):
        for stat, f in (("median", np.median), ("min", np.min)):
            r = float(f(ours[clock]) / f(peer[clock]))
            out.append(Metric(f"{label}, {clock} {stat} ({scope})", r, goal=goal if (clock, stat) == ("wall", "median")
                              else None, higher_is_better=False, note=note if clock == "wall" and stat == "median"
                              else ""))
    cores = lambda d: float(np.median(np.asarray(d["cpu"]) / np.asarray(d["wall"])))  # noqa: E731
    out.append(Metric(f"{label}: cores busy (CPU / wall), hwsim | peer", cores(ours),
                      note=f"peer {cores(peer):.2f}; n = {len(ours['wall'])} interleaved runs each"))
    return out


def cuba_loop(quick: bool) -> list[Metric]:
    """CUBA, 4000 neurons, 1 s at dt = 0.1 ms, one network for all simulators (exported from hwsim).

    Timing: hwsim and Brian2 runs alternate (hwsim run, Brian2 run, ...); each run's wall clock and CPU time (this
    process's threads plus finished child processes) are measured the same way; set-up, code generation and
    compilation happen before (one untimed warm-up). The Numba engine and Brian2 both run on one thread, so the
    CPU and wall ratios coincide up to the share of a core each run gets; both are printed (per machine, with one
    process per core on each side: :func:`cuba_machine`).
    """
    from snn.brian2_interop import brian2_cuba
    from snn.engine_numba import compile_network, simulate

    net, exc, inh, v0 = _cuba_inputs(11)
    cn = compile_network(net)
    t0 = time.perf_counter()
    r = simulate(net, 1.0, compiled=cn)
    first_in_process = time.perf_counter() - t0
    rep = 3 if quick else 5
    ours: dict = {}
    run = lambda: simulate(net, 1.0, compiled=cn)  # noqa: E731
    b_np = brian2_cuba(target="numpy", exc=exc, inh=inh, v0=v0, warmup=True, repeats=rep,
                       interleave=lambda: _timed(run, ours))
    peer = {"wall": b_np["wall_runs"], "cpu": b_np["cpu_runs"]}
    m = [Metric("hwsim Numba loop (median wall)", float(np.median(ours["wall"])), unit="s", higher_is_better=False,
                note=f"median of {rep} interleaved with Brian2; JIT excluded")]
    same = np.array_equal(b_np["step"][b_np["step"] < r.n_steps], r.step) and np.array_equal(
        b_np["index"][b_np["step"] < r.n_steps], r.index)
    m.append(Metric("identical spike trains vs Brian2 numpy (float64)", float(same), goal=1.0,
                    note=f"{r.step.size} spikes"))
    m += _ratios("Numba / Brian2 numpy loop", ours, peer, goal=1.0 if quick else None,
                 note=f"Brian2 numpy median {np.median(peer['wall']):.3f} s wall", wall_scope=ONE)
    m.append(Metric("Brian2 numpy code generation (first call)", b_np["first_s"], unit="s", higher_is_better=False))
    if quick:
        m.append(Metric("hwsim Numba first call (this process)", first_in_process, unit="s", higher_is_better=False,
                        note="quick mode: cpp_standalone and Cython builds skipped; compared with the numpy target "
                             "(JIT may be loaded from Numba's cache)"))
        return m
    m.append(Metric("hwsim Numba first call (empty cache: JIT compile)", _numba_compile_seconds(), unit="s",
                    higher_is_better=False))
    ours_sa: dict = {}
    try:
        b_sa = brian2_cuba(target="cpp_standalone", exc=exc, inh=inh, v0=v0, repeats=5,
                           interleave=lambda: _timed(run, ours_sa))
    except Exception as exc_:  # no compiler: report the numpy comparison only
        raise BenchmarkSkipped(f"Brian2 cpp_standalone could not build: {exc_}") from exc_
    own = np.asarray(b_sa["loop_runs"])
    # Brian2's loop timer (last_run_info.txt) is std::clock() in its network.cpp: CPU time, so hwsim's CPU time is
    # its like (comparing hwsim's wall clock with it charges hwsim for other jobs' time on a shared machine)
    m.append(Metric("Numba / Brian2 cpp_standalone loop, CPU median vs Brian2's loop timer (std::clock, CPU time)",
                    float(np.median(ours_sa["cpu"]) / np.median(own)), goal=1.0, higher_is_better=False,
                    note=f"cpp_standalone loop median {np.median(own) * 1e3:.1f} ms, min {own.min() * 1e3:.1f} ms "
                         f"(last_run_info.txt, loop only); hwsim wall median {np.median(ours_sa['wall']) * 1e3:.1f} "
                         f"ms; {REF} prototype 0.72-0.76"))
    m.append(Metric("Numba / Brian2 cpp_standalone loop, CPU min vs min", float(np.min(ours_sa["cpu"]) / own.min()),
                    higher_is_better=False))
    m += _ratios("Numba / Brian2 cpp_standalone process (incl. its start-up and result writing)", ours_sa,
                 {"wall": b_sa["wall_runs"], "cpu": b_sa["cpu_runs"]}, goal=None,
                 note="the binary measured from outside like hwsim: an upper bound on Brian2's time", wall_scope=ONE)
    m.append(Metric("Brian2 cpp_standalone build + compile (first call)", b_sa["first_s"], unit="s",
                    higher_is_better=False))
    ours_cy: dict = {}
    b_cy = brian2_cuba(target="cython", exc=exc, inh=inh, v0=v0, warmup=True, repeats=3,
                       interleave=lambda: _timed(run, ours_cy))
    m += _ratios("Numba / Brian2 cython loop", ours_cy, {"wall": b_cy["wall_runs"], "cpu": b_cy["cpu_runs"]},
                 goal=None, note=f"Brian2 cython median {np.median(b_cy['wall_runs']):.3f} s wall", wall_scope=ONE)
    m.append(Metric("Brian2 cython compile (first call; cached afterwards)", b_cy["first_s"], unit="s",
                    higher_is_better=False))
    from snn import engine_jax

    t0 = time.perf_counter()
    engine_jax.simulate(net, 1.0)
    m.append(Metric("hwsim JAX engine CUBA run incl. compile", time.perf_counter() - t0, unit="s",
                    higher_is_better=False, note="event gather, float64"))
    return m


# ------------------------------------------------------------------------------------------ CUBA per machine
def _machine_worker(spec: dict) -> None:
    """Worker process of :func:`cuba_machine`: pinned to core ``spec["cpu"]``, it builds CUBA network
    ``spec["seed"]`` and warms up (JIT compilation, Brian2 code generation or the cpp_standalone build outside the
    clock); then, ``rounds`` times, it waits for a ``run`` line on stdin, simulates ``duration_s`` once and answers
    with a JSON line ``{"wall": s, "cpu": s, "loop_cpu": s}``: wall clock and CPU time (this process and its finished
    children) over the run, and the CPU time of the simulation loop alone: the same CPU time, except for
    cpp_standalone, whose process time includes the binary's start-up and result writing: there Brian2's own loop timer
    (``results/last_run_info.txt``, measured with ``std::clock()``, i.e. CPU time, in Brian2's ``network.cpp``).
    """
    import shutil

    os.sched_setaffinity(0, {int(spec["cpu"])})
    net, exc, inh, v0 = _cuba_inputs(int(spec["seed"]))
    rounds, dur = int(spec["rounds"]), float(spec["duration_s"])
    standalone = spec["code"] == "peer" and spec["target"] == "cpp_standalone"
    build = tempfile.mkdtemp(prefix="hwsim_b2_machine_") if standalone else None
    clock: list[tuple[float, float]] = []  # (wall, cpu) when the current run started

    def report() -> None:
        w0, c0 = clock.pop()
        wall, cpu = time.perf_counter() - w0, _cpu_s() - c0
        loop = cpu
        if build is not None:
            with open(os.path.join(build, "results", "last_run_info.txt")) as fh:
                loop = float(fh.read().split()[0])
        print(json.dumps({"wall": wall, "cpu": cpu, "loop_cpu": loop}), flush=True)

    def start() -> None:
        """Report the run that just ended (or readiness), wait for the driver, start the clocks."""
        if clock:
            report()
        else:
            print(json.dumps({"ready": True}), flush=True)
        if sys.stdin.readline().strip() != "run":
            raise SystemExit(0)
        clock.append((time.perf_counter(), _cpu_s()))

    try:
        if spec["code"] == "hwsim":
            from snn.engine_numba import compile_network, simulate

            cn = compile_network(net)
            simulate(net, dur, compiled=cn)  # JIT / cache load
            for _ in range(rounds):
                start()
                simulate(net, dur, compiled=cn)
        else:
            from snn.brian2_interop import brian2_cuba

            # brian2_cuba calls ``start`` before each timed run (after set-up, warm-up step or build)
            brian2_cuba(duration_s=dur, target=spec["target"], directory=build, exc=exc, inh=inh, v0=v0, warmup=True,
                        repeats=rounds, interleave=start)
        report()
    finally:
        if build is not None:
            shutil.rmtree(build, ignore_errors=True)


def _worker(spec: dict) -> WarmWorker:
    """A warm :func:`_machine_worker` process on one thread."""
    return WarmWorker(__file__, spec, env={"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"})


def cuba_machine(quick: bool) -> list[Metric]:
    """CUBA per machine: Brian2 (numpy target and 0.25 s with ``--quick``; otherwise cpp_standalone, its fastest,
    and 1 s) in one process per usable core at once, against the Numba engine the same way; every process pinned
    to its own core, one network per process (seeds 11, 12, ...; the same networks on both sides).

    Rounds alternate (all hwsim processes run at once, then all Brian2 processes); a round's wall time is its
    slowest process's, its CPU time the sum. Reported: hwsim / Brian2 time per round (min and median over rounds,
    wall and CPU) and simulated network-seconds per wall second. A cpp_standalone run is a new process (start-up and
    result writing inside its wall and CPU time: an upper bound on Brian2's time); its loop alone is compared by CPU
    time with Brian2's loop timer."""
    try:
        import brian2  # noqa: F401
    except ImportError as e:
        raise BenchmarkSkipped("Brian2 is not installed (pip install '.[oracles]')") from e
    cores = sorted(os.sched_getaffinity(0))
    target = "numpy" if quick else "cpp_standalone"
    rounds, dur = (3, 0.25) if quick else (5, 1.0)
    groups: dict[str, list[WarmWorker]] = {}
    try:
        for side in ("hwsim", "peer"):
            groups[side] = []
            for i, c in enumerate(cores):  # one at a time: no two compile into one Brian2 / Numba cache at once
                groups[side].append(_worker({"code": side, "target": target, "seed": 11 + i, "cpu": c,
                                             "rounds": rounds, "duration_s": dur}))
                groups[side][-1].read()  # warmed up and ready
        logs: dict[str, dict] = {side: {"wall": [], "cpu": [], "loop_cpu": []} for side in groups}
        for _ in range(rounds):
            for side, group in groups.items():
                for w in group:
                    w.send()
                outs = [w.read() for w in group]
                logs[side]["wall"].append(max(o["wall"] for o in outs))
                for key in ("cpu", "loop_cpu"):
                    logs[side][key].append(sum(o[key] for o in outs))
    finally:
        for group in groups.values():
            for w in group:
                w.close()
    n = len(cores)
    ours, peer = logs["hwsim"], logs["peer"]
    out = []
    for clock in ("wall", "cpu"):
        for stat, f in (("median", np.median), ("min", np.min)):
            out.append(Metric(f"per machine ({n} processes each): Numba / Brian2 {target}, {clock} {stat}",
                              float(f(ours[clock]) / f(peer[clock])), goal=None, higher_is_better=False,
                              note=(f"hwsim {f(ours[clock]):.3f} s, Brian2 {f(peer[clock]):.3f} s per round of {n} "
                                    f"networks ({clock}, {stat} of {rounds} interleaved rounds)")))
    for side, label in (("hwsim", "hwsim Numba"), ("peer", f"Brian2 {target}")):
        out.append(Metric(f"per machine: {label} simulated CUBA network-seconds per wall second", n * dur / float(
            np.median(logs[side]["wall"])), unit="s/s", note=f"{n} processes x {dur:g} s, median of {rounds} rounds"))
    if target == "cpp_standalone":
        for stat, f in (("median", np.median), ("min", np.min)):
            out.append(Metric(f"per machine ({n} processes each): Numba / Brian2 cpp_standalone, loop CPU {stat}",
                              float(f(ours["loop_cpu"]) / f(peer["loop_cpu"])), higher_is_better=False,
                              note=f"Brian2's loop timer (std::clock, CPU time) {f(peer['loop_cpu']):.3f} s vs hwsim "
                                   f"CPU {f(ours['loop_cpu']):.3f} s per round; the wall and CPU rows above include "
                                   "the binary's start-up and result writing"))
    return out


def cuba_statistics(quick: bool) -> list[Metric]:
    """B1-B3 over independent networks (Numba engine, float64 and float32), against the reference bands."""
    from snn.cuba import cuba_network, spike_statistics
    from snn.engine_numba import simulate

    n = 3 if quick else 10
    stats = []
    for k in range(n):
        r = simulate(cuba_network(seed=2000 + k), 1.0, dtype=np.float32 if k % 2 else np.float64)
        stats.append(spike_statistics(r.step, r.index, 4000, r.n_steps, 1e-4))
    out = []
    for key, lo, hi, ref in (("rate_Hz", 4.9, 6.4, "5.65 +- 0.26 Hz"), ("cv_isi", 0.49, 0.56, "0.524 +- 0.009"),
                             ("silent_fraction", 0.08, 0.25, "about 0.16")):
        v = np.array([s[key] for s in stats])
        inside = float(np.mean((v >= lo) & (v <= hi)))
        out.append(Metric(f"{key} mean over {n} networks", float(v.mean()),
                          note=f"sd {v.std(ddof=1):.3g}; {REF}: {ref}"))
        out.append(Metric(f"{key} fraction of networks in [{lo}, {hi}]", inside, goal=1.0))
    out.append(Metric("Fano factor mean (not gated)", float(np.mean([s["fano"] for s in stats]))))
    return out


def signed_network(quick: bool) -> list[Metric]:
    """R2's signed network (custom events) in Brian2 numpy vs the Numba engine: identical events, speed."""
    from snn.brian2_interop import run_brian2
    from snn.engine_numba import compile_network, simulate
    from snn.signed_net import signed_network as build

    dur = 0.3 if quick else 1.0
    net = build(seed=0, duration_s=dur, t_ref_s=1e-3, delay_steps=1)
    cn = compile_network(net)
    t_numba = timeit(lambda: simulate(net, dur, compiled=cn), repeat=5)
    r = simulate(net, dur, compiled=cn)
    b = run_brian2(net, dur)
    same = (np.array_equal(b.result.step, r.step) and np.array_equal(b.result.index, r.index)
            and np.array_equal(b.result.sign, r.sign))
    pos, neg = r.counts("S")
    return [Metric("identical +1/-1 events vs Brian2 custom events", float(same), goal=1.0,
                   note=f"{pos} +1, {neg} -1 events in {dur} s"),
            Metric("Numba / Brian2 numpy run (signed, 1000 N)", t_numba / b.loop_s, goal=1.0, higher_is_better=False,
                   note=f"Brian2 run() incl. code generation {b.loop_s:.2f} s; {REF}: prototype 84x faster")]


def _spyx_step(n_in, hidden, n_out, T, B, beta, lr):
    import jax
    import optax
    import spyx
    from flax import nnx

    model = spyx.nn.Sequential(nnx.Linear(n_in, hidden, rngs=nnx.Rngs(0)),
                               spyx.nn.LIF((hidden,), beta=beta, rngs=nnx.Rngs(1)),
                               nnx.Linear(hidden, n_out, rngs=nnx.Rngs(2)),
                               spyx.nn.LI((n_out,), beta=0.0, rngs=nnx.Rngs(3)))
    graphdef, params = nnx.split(model)
    opt = optax.adam(lr)
    opt_state = opt.init(params)

    def loss(p, x, y):
        out, _ = spyx.nn.run(nnx.merge(graphdef, p), x, batch_major=True)
        return optax.softmax_cross_entropy_with_integer_labels(out.sum(1), y).mean()

    @jax.jit
    def step(p, s, x, y):
        value, g = jax.value_and_grad(loss)(p, x, y)
        upd, s = opt.update(g, s, p)
        return optax.apply_updates(p, upd), s, value

    return step, params, opt_state


def _plain_jax_step(n_in, hidden, n_out, T, B, beta, lr):
    """The same model in plain JAX, in its strongest form: the input projection ``x W1 + b1`` for all time steps as
    one matmul before the scan (as hwsim does, reference/snn.md section 7); the scan carries only the LIF (subtract
    reset, SuperSpike surrogate) and the readout."""
    import jax
    import jax.numpy as jnp
    import optax

    from snn.surrogate import heaviside

    k = jax.random.split(jax.random.PRNGKey(0), 2)
    params = {"w1": jax.random.normal(k[0], (n_in, hidden)) / np.sqrt(n_in), "b1": jnp.zeros(hidden),
              "w2": jax.random.normal(k[1], (hidden, n_out)) / np.sqrt(hidden), "b2": jnp.zeros(n_out)}
    opt = optax.adam(lr)

    def loss(p, x, y):
        drive = jnp.swapaxes(x @ p["w1"] + p["b1"], 0, 1)  # (T, B, hidden), hoisted out of the scan

        def f(v, it):
            s = heaviside(v - 1.0, "superspike", 25.0)
            v = beta * v + it - jax.lax.stop_gradient(s)
            return v, s

        _, spikes = jax.lax.scan(f, jnp.zeros((x.shape[0], hidden)), drive)
        out = spikes.sum(0) @ p["w2"] + T * p["b2"]  # readout without memory, summed over time
        return optax.softmax_cross_entropy_with_integer_labels(out, y).mean()

    @jax.jit
    def step(p, s, x, y):
        value, g = jax.value_and_grad(loss)(p, x, y)
        upd, s = opt.update(g, s, p)
        return optax.apply_updates(p, upd), s, value

    return step, params, opt.init(params)


PEERS = {"spyx": ("Spyx 1.0.0 (idiomatic: Sequential of nnx.Linear, spyx.nn.LIF, LI run by spyx.nn.run)", _spyx_step),
         "plain_jax": ("plain JAX, input projection hoisted out of the scan", _plain_jax_step)}


def _training(quick: bool, peer_key: str) -> list[Metric]:
    """Feed-forward LIF training step, batch 16, 500 steps, 700 -> 128 LIF -> 20 readout, forward + backward + Adam;
    hwsim and the peer alternate (compiled and warmed up first); wall and CPU time of each step measured alike."""
    import jax
    import jax.numpy as jnp
    import optax

    from snn.model import SNN, Dense, Readout, init_params
    from snn.neurons import LIF
    from snn.train import make_step

    label, build = PEERS[peer_key]
    if peer_key == "spyx":
        try:
            import spyx  # noqa: F401
        except ImportError as e:
            raise BenchmarkSkipped("Spyx is not installed: pip install '.[crosscheck]' (spyx==1.0.0 resolves with "
                                   "jax 0.10.2 and pulls flax 0.12.8)") from e
    n_in, hidden, n_out, T, B, lr = 700, 128, 20, 500, 16, 1e-3
    dt, tau = 1e-3, 20e-3
    beta = float(np.exp(-dt / tau))
    rng = np.random.default_rng(0)
    x = jnp.asarray((rng.random((B, T, n_in)) < 0.02).astype(np.float32))
    y = jnp.asarray(rng.integers(0, n_out, B))
    spec = SNN(n_in=n_in, layers=(Dense(hidden, LIF(tau_m_s=tau, v_th=1.0, reset="subtract")),),
               readout=Readout(n_out, tau_s=0.0, reduce="sum"), dt_s=dt)
    opt = optax.adam(lr)
    params = init_params(jax.random.PRNGKey(0), spec)
    state = {"p": params, "s": opt.init(params)}
    ours = make_step(spec, opt, "classification")

    def run_ours():
        state["p"], state["s"], v = ours(state["p"], state["s"], x, y)
        v.block_until_ready()

    pstep, pp, ps = build(n_in, hidden, n_out, T, B, beta, lr)
    pstate = {"p": pp, "s": ps}

    def run_peer():
        pstate["p"], pstate["s"], v = pstep(pstate["p"], pstate["s"], x, y)
        v.block_until_ready()

    rep = 5 if quick else 15
    logs = _interleaved({"hwsim": run_ours, "peer": run_peer}, repeat=rep, warmup=2)
    t_ours, t_peer = float(np.median(logs["hwsim"]["wall"])), float(np.median(logs["peer"]["wall"]))
    return [*_ratios(f"hwsim JAX / {label} training step", logs["hwsim"], logs["peer"], goal=1.0,
                     note=f"hwsim {t_ours * 1e3:.1f} ms, peer {t_peer * 1e3:.1f} ms (median wall); batch 16, 500 "
                          "steps, 700-128-20; XLA uses the same threads for both"),
            Metric("hwsim JAX training step (median wall)", t_ours, unit="s", higher_is_better=False)]


def jax_training_step(quick: bool) -> list[Metric]:
    """hwsim's JAX training step against Spyx's idiomatic model (skipped, saying so, when Spyx is absent)."""
    return _training(quick, "spyx")


def jax_training_step_plain(quick: bool) -> list[Metric]:
    """hwsim's JAX training step against the strongest plain-JAX formulation of the same model."""
    return _training(quick, "plain_jax")


def benchmarks() -> list[Benchmark]:
    return [
        Benchmark("cuba_loop", cuba_loop, "CUBA 1 s: Numba engine vs Brian2 cpp_standalone / numpy / cython"),
        Benchmark("cuba_machine", cuba_machine, "CUBA 1 s per machine: Numba engine vs Brian2, one process per "
                  "core on each side, interleaved rounds"),
        Benchmark("cuba_statistics", cuba_statistics, "CUBA rate, CV ISI, silent fraction over seeds (B1-B3)"),
        Benchmark("signed_network", signed_network, "signed 1000-N network vs Brian2 custom events (R2)"),
        Benchmark("jax_training_step", jax_training_step, "JAX BPTT step vs Spyx 1.0.0 (idiomatic model)"),
        Benchmark("jax_training_step_plain", jax_training_step_plain,
                  "JAX BPTT step vs plain JAX with the input projection hoisted out of the scan"),
    ]


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "--worker":
    _machine_worker(json.loads(sys.argv[2]))
