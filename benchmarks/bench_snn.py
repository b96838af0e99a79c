"""snn benchmarks: CUBA simulation speed vs Brian2, CUBA statistics, signed network vs Brian2, JAX training step
vs Spyx (its idiomatic model) and vs the strongest plain-JAX formulation (input projection hoisted).

Speed is compared alike on both sides: runs alternate (hwsim, peer, hwsim, ...), every run's wall clock and CPU time
are measured the same way, set-up/code generation/compilation happen before the timed runs, and min and median are
reported; wall ratios are per machine (each side uses the threads it uses), CPU ratios per core.

Run: ``hwsim bench snn`` (full) or ``hwsim bench snn --quick`` (well under a minute: skips the cpp_standalone and
Cython builds and compares with Brian2's numpy target instead, saying so in the note).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np

from hwsim.benchmarking import Benchmark, BenchmarkSkipped, Metric, timeit

REF = "reference/snn.md"


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


def _ratios(label: str, ours: dict, peer: dict, *, goal: float | None, note: str) -> list[Metric]:
    """hwsim / peer for wall (per machine: each side uses what it uses) and CPU time (per core), min and median;
    the goal applies to the median wall ratio."""
    out = []
    for clock, scope in (("wall", "per machine"), ("cpu", "per core")):
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
    per-core (CPU) and per-machine (wall) ratios coincide up to noise; both are printed.
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
                 note=f"Brian2 numpy median {np.median(peer['wall']):.3f} s wall")
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
    m.append(Metric("Numba / Brian2 cpp_standalone loop, wall median vs Brian2's loop timer",
                    float(np.median(ours_sa["wall"]) / np.median(own)), goal=1.0, higher_is_better=False,
                    note=f"cpp_standalone loop median {np.median(own) * 1e3:.1f} ms, min {own.min() * 1e3:.1f} ms "
                         f"(last_run_info.txt, loop only); {REF} prototype 0.72-0.76"))
    m.append(Metric("Numba / Brian2 cpp_standalone loop, min vs min", float(np.min(ours_sa["wall"]) / own.min()),
                    higher_is_better=False))
    m += _ratios("Numba / Brian2 cpp_standalone process (incl. its start-up and result writing)", ours_sa,
                 {"wall": b_sa["wall_runs"], "cpu": b_sa["cpu_runs"]}, goal=None,
                 note="the binary measured from outside like hwsim: an upper bound on Brian2's time")
    m.append(Metric("Brian2 cpp_standalone build + compile (first call)", b_sa["first_s"], unit="s",
                    higher_is_better=False))
    ours_cy: dict = {}
    b_cy = brian2_cuba(target="cython", exc=exc, inh=inh, v0=v0, warmup=True, repeats=3,
                       interleave=lambda: _timed(run, ours_cy))
    m += _ratios("Numba / Brian2 cython loop", ours_cy, {"wall": b_cy["wall_runs"], "cpu": b_cy["cpu_runs"]},
                 goal=None, note=f"Brian2 cython median {np.median(b_cy['wall_runs']):.3f} s wall")
    m.append(Metric("Brian2 cython compile (first call; cached afterwards)", b_cy["first_s"], unit="s",
                    higher_is_better=False))
    from snn import engine_jax

    t0 = time.perf_counter()
    engine_jax.simulate(net, 1.0)
    m.append(Metric("hwsim JAX engine CUBA run incl. compile", time.perf_counter() - t0, unit="s",
                    higher_is_better=False, note="event gather, float64"))
    return m


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
        Benchmark("cuba_statistics", cuba_statistics, "CUBA rate, CV ISI, silent fraction over seeds (B1-B3)"),
        Benchmark("signed_network", signed_network, "signed 1000-N network vs Brian2 custom events (R2)"),
        Benchmark("jax_training_step", jax_training_step, "JAX BPTT step vs Spyx 1.0.0 (idiomatic model)"),
        Benchmark("jax_training_step_plain", jax_training_step_plain,
                  "JAX BPTT step vs plain JAX with the input projection hoisted out of the scan"),
    ]
