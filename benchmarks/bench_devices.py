"""``hwsim bench devices``: macrospin throughput of hwsim against cmtj, per core and per machine, at the same step
and at a stated accuracy.

**Same step** (``throughput_vs_cmtj``). Workload (devices.md §5-6): the in-plane CoFeB/MgO ellipse preset at 300 K
with a constant STT current and field-like torque, Δt = 1 ps - the same physics in both codes (the map of
:mod:`devices._cmtj_oracle`, validated by case D8); hwsim runs with ``energy=False``, since cmtj keeps no account
of the energy drawn either. Every configuration runs in its own worker process, started
once and kept warm, so JIT compilation and cmtj's import stay outside the clock:

* per core: cmtj in one process against hwsim pinned to one CPU (``os.sched_setaffinity``) with
  ``NUMBA_NUM_THREADS=1`` and XLA's single-threaded CPU flags;
* per machine: cmtj in as many processes as there are usable cores, each on its share of the junctions, against
  one hwsim process using every core; its time is the slowest worker's. When JAX finds a GPU, the JAX backend is
  also timed there (float32 and float64 midpoint, 8x the junctions), as a per-machine row; the CPU rows are kept
  on the CPU (``JAX_PLATFORMS=cpu``).

cmtj has no ensemble kernel: each worker loops over its junctions, and only cmtj's ``runSimulation`` is timed
(junction construction and the log are set-up, :func:`devices._cmtj_oracle.run_cmtj_timed`). Repetitions are
interleaved (one round runs every configuration once, ``rounds`` times), and each figure reports the minimum and
the median over rounds of both wall time and CPU time per junction-step. Per core, the ratio of minimum CPU times
is the headline (it is immune to time slicing on a shared machine; the wall-time ratio is printed beside it); per
machine, the wall time of the whole ensemble is what counts, so both are printed and the wall-time ratio is the
throughput figure.

The fraction of peak uses a **measured** clock: a dependent chain of xorshift operations (each a 1-cycle integer
shift or xor on x86-64, six per iteration) timed on one core, so turbo clocks are accounted for (issue 18).

**At a stated accuracy** (``accuracy_aware_vs_cmtj``). Simulated junction-nanoseconds per core-second =
(largest step that meets the tolerance) × (per-core junction-steps per second above). The observables, on the
uniaxial particle of validation cases D6-D7 (no demag, Ms = 1e6 A/m, V = 1e-24 m³, α = 0.1, σ = KV/k_BT = 3,
300 K), with their references and tolerances:

* Boltzmann ⟨m_z²⟩ (time average over 200 ns after 10 ns): quadrature, within 2.5 %;
* mean escape time (first m_z < 0 from +z, monitored every step, censored at 6τ with the exponential tail added as
  in D6): the exact Fokker-Planck quadrature τ = 32.08 ns, within 15 % (five standard errors of 1024 escapes:
  with 10 % the pass/fail of a step flipped on noise between runs - measured at 10 ps with 1024 escapes, cmtj's
  Heun +6.3 %, hwsim's Heun +2.2 % (4096), +10.3 % (1024) in another run);
* switching probability P(m_z < 0 after a 2 ns STT pulse, p = -z) at three amplitudes: the converged reference
  is fine-step (0.5 ps) stochastic Heun of hwsim with 4096 runs per amplitude; within 0.06 absolute.

Both codes use the same sample sizes (64 junctions for the time average, 1024 escapes, 512 pulses per amplitude;
``--quick``: 16, 256, 128 with doubled tolerances), so both face the same statistical noise; the tolerances are
three to five standard errors of these samples. Steps are tried on one grid (5, 10, 20, ... ps; ``--quick`` from
10 ps) upward until the first failure, for every scheme alike: hwsim's Heun and midpoint schemes and cmtj's
stochastic Heun (cmtj switches any other solver to Euler-Heun at T > 0). hwsim's Heun cannot go above its
stability limit 1/(20 f_max) (71.8 ps here). The escape time is the binding observable for every scheme: crossings
of m_z = 0 that return within one step go unseen, so the mean first-passage time grows with the step (measured with
4096 escapes: Heun +0.9 % at 2.5 ps, +4 % at 10 ps, +4.5 % at 40 ps; midpoint +4.3 % at 10 ps, +7.6 % at 40 ps,
+9.8 % at 80 ps, +24 % at 160 ps), while the Boltzmann moment stays within 0.3 % up to 80 ps.

The float32 midpoint configuration (the generator's float32 series, :data:`devices._rng.SERIES_TERMS`) gets its own
step search. Its errors track float64's within the sampling noise (the same noise stream): escape time at 80 ps
identical to three digits in eight runs of 1024 escapes; ⟨m_z²⟩ at 80 ps +0.23 % (float32) vs +0.11 % (float64),
paired difference +0.11 ± 0.10 %, and -0.02 % for both at 20 ps (8 runs of 256 junctions x 200 ns).

How close to the tolerance the 80 ps step is (measured, 8 seeds x 1024 escapes): the midpoint escape-time error is
+13.1 % on average (+8.4 % to +17.0 %; 3 of 8 runs above 15 %), cmtj's Heun +8.5 % (+6.6 % to +11.7 %, all pass).
The mean passes, but one run at this sample size can fail the midpoint at 80 ps, which halves its figure.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import sys
import time
from functools import lru_cache

import numpy as np

from hwsim.benchmarking import Benchmark, BenchmarkSkipped, Metric, WarmWorker

FLOPS_PER_JUNCTION_STEP = 376
"""Floating-point operations per junction-step of the stochastic Heun kernel on this workload (STT on; SOT and
field drives and energy bookkeeping off, so the specialised kernel of :func:`devices._kernel_numba.kernel` omits
them), counted from the source (divide and sqrt count 1; selects, conversions, bit operations and the integer hash
not counted): 2 × 93 for the right-hand side (anisotropy/demag field 18, precession and damping 27, STT with
angular efficiency and TMR-dependent drive 48), 33 for thermal field, predictor, corrector and renormalisation,
and ≈ 157 for three Gaussian numbers in float64 (two Box–Muller pairs: 2 × 39 for ln from the IEEE-754 exponent
and an atanh series, 46 + 26 for cos/sin and cos by Taylor series, 7 for radii and products)."""

FLOPS_PER_CYCLE_F64 = 16
"""Peak double-precision flop per cycle and core assumed for the fraction of peak: two 256-bit FMA pipes (AVX2 + FMA,
or AVX-512 on double-pumped units such as AMD Zen 4)."""

DT_S = 1e-12
J_A_PER_M2 = 1e10


# ------------------------------------------------------------------------------------------------ worker processes
def _worker(spec: dict) -> None:
    """Worker loop: build the workload once, warm up, then answer each ``run`` line on stdin with one timed
    repetition as a JSON line ``{"wall": s, "cpu": s, "junction_steps": n}``."""
    if spec.get("cpu") is not None:
        os.sched_setaffinity(0, {int(spec["cpu"])})
    from devices.presets import preset

    n, steps = int(spec["n"]), int(spec["steps"])
    if spec["code"] == "cmtj":
        from devices._cmtj_oracle import run_cmtj_timed

        p = preset("inplane_cofeb_ellipse").params(n=1, T_K=300.0)
        run_cmtj_timed(p, 0, (1, 0, 0), J_A_PER_M2, DT_S, 10 * DT_S, n_runs=1, T_K=300.0)  # warm-up

        def once(k):
            wall, cpu, m = run_cmtj_timed(p, 0, (1, 0, 0), J_A_PER_M2, DT_S, steps * DT_S, n_runs=n, T_K=300.0,
                                          seed0=1 + k * n + int(spec.get("seed0", 0)))
            if not np.all(np.isfinite(m)):
                raise RuntimeError("non-finite magnetisation from cmtj")
            return wall, cpu
    else:
        from devices.simulate import Drive, simulate

        p = preset("inplane_cofeb_ellipse").params(n=n, T_K=300.0)
        kw = dict(drive=Drive(stt=J_A_PER_M2), backend=spec["backend"], dtype=spec["dtype"], scheme=spec["scheme"],
                  energy=False)  # cmtj keeps no energy account either
        simulate(p, (1, 0, 0), DT_S, min(steps, 64), **kw)  # compile / warm

        def once(k):
            w0, c0 = time.perf_counter(), time.process_time()
            r = simulate(p, (1, 0, 0), DT_S, steps, seed=k, **kw)
            wall, cpu = time.perf_counter() - w0, time.process_time() - c0
            if not np.all(np.isfinite(r.m)):
                raise RuntimeError("non-finite magnetisation in the benchmark run")
            return wall, cpu
    print(json.dumps({"ready": True}), flush=True)
    k = 0
    for line in sys.stdin:
        if line.strip() != "run":
            break
        wall, cpu = once(k)
        k += 1
        print(json.dumps({"wall": wall, "cpu": cpu, "junction_steps": n * steps}), flush=True)


def _proc(spec: dict, threads: int | None) -> WarmWorker:
    """A warm worker process (see :func:`_worker`) on ``threads`` threads (None: all)."""
    env = {}
    if not spec.get("gpu"):
        env["JAX_PLATFORMS"] = "cpu"  # CPU rows stay on the CPU when JAX also sees a GPU
    if threads is not None:
        env["NUMBA_NUM_THREADS"] = str(threads)
        if threads == 1:
            env["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen=false "
                                "intra_op_parallelism_threads=1").strip()
            env["OMP_NUM_THREADS"] = "1"
    return WarmWorker(__file__, spec, env=env, skip_markers={
        "CmtjMissing": "cmtj is not installed (pip install hwsim[oracles])",
        "cmtj is not installed": "cmtj is not installed (pip install hwsim[oracles])"})


def _usable_cores() -> list[int]:
    return sorted(os.sched_getaffinity(0))


def _has_gpu() -> bool:
    """True when JAX finds a GPU (then the JAX backend is also timed on it, per machine)."""
    import jax

    try:
        return len(jax.devices("gpu")) > 0
    except RuntimeError:
        return False


@lru_cache(maxsize=2)
def measured_clock_hz(n: int = 200_000_000) -> float:
    """Core clock measured on one core: n iterations of a xorshift64 step (three shift-xor pairs, six dependent
    1-cycle integer operations per iteration on x86-64) over the thread's CPU time (so other jobs on a shared
    machine do not lower it), best of three."""
    import numba

    @numba.njit(cache=False)
    def chain(x, n):
        for _ in range(n):
            x ^= x << np.uint64(13)
            x ^= x >> np.uint64(7)
            x ^= x << np.uint64(17)
        return x

    chain(np.uint64(1), 10)
    best = math.inf
    for _ in range(3):
        t0 = time.thread_time()
        chain(np.uint64(88172645463325252), n)
        best = min(best, time.thread_time() - t0)
    return 6 * n / best


# ------------------------------------------------------------------------------------------------ same step
def _configs(quick: bool) -> list[tuple[str, str, str, str]]:
    """(label, backend, dtype, scheme) of the hwsim configurations timed per core."""
    c = [("numba float64 heun", "numba", "float64", "heun"), ("numba float64 midpoint", "numba", "float64", "midpoint"),
         ("numba float32 midpoint", "numba", "float32", "midpoint")]
    if not quick:
        c += [("numba float32 heun", "numba", "float32", "heun"), ("jax float32 heun", "jax", "float32", "heun")]
    return c


def _summary(reps: list[tuple[float, float]], junction_steps: int) -> dict:
    wall = [w / junction_steps * 1e9 for w, _ in reps]
    cpu = [c / junction_steps * 1e9 for _, c in reps]
    return {"wall_min": min(wall), "wall_med": statistics.median(wall), "cpu_min": min(cpu),
            "cpu_med": statistics.median(cpu)}


@lru_cache(maxsize=2)
def _throughput(quick: bool) -> dict:
    """Interleaved rounds over every configuration; returns {config: summary (ns per junction-step)} and sizes."""
    try:
        import cmtj  # noqa: F401
    except ImportError as exc:
        raise BenchmarkSkipped("cmtj is not installed (pip install hwsim[oracles])") from exc
    cores = _usable_cores()
    nc = len(cores)
    # sizes give runs of similar length on both sides (≈ 40 ms quick, ≈ 1 s full), so that time slicing on a shared
    # machine treats them alike
    n, steps = (2048, 1000) if quick else (10_240, 5000)
    n_cmtj, steps_cmtj = (32, 4000) if quick else (256, 12_000)
    rounds = 3 if quick else 5
    procs: dict[str, list[WarmWorker]] = {}
    try:
        procs["core: cmtj"] = [_proc({"code": "cmtj", "n": n_cmtj, "steps": steps_cmtj, "cpu": cores[0]}, 1)]
        for label, be, dt, sc in _configs(quick):
            spec = {"code": "hwsim", "backend": be, "dtype": dt, "scheme": sc, "n": n // 4 if be == "jax" else n,
                    "steps": steps, "cpu": cores[0]}
            procs[f"core: {label}"] = [_proc(spec, 1)]
        per = math.ceil(n_cmtj / nc)
        procs["machine: cmtj"] = [_proc({"code": "cmtj", "n": per, "steps": steps_cmtj, "cpu": c, "seed0": 10**6 * i},
                                        1) for i, c in enumerate(cores)]
        for label, be, dt, sc in _configs(quick):
            if be == "numba":
                spec = {"code": "hwsim", "backend": be, "dtype": dt, "scheme": sc, "n": n, "steps": steps,
                        "cpu": None}
                procs[f"machine: {label}"] = [_proc(spec, None)]
        if _has_gpu():  # the same ensemble on the GPU, 8x the junctions so that it fills the device
            for dt, sc in (("float32", "midpoint"), ("float64", "midpoint")):
                spec = {"code": "hwsim", "backend": "jax", "dtype": dt, "scheme": sc, "n": 8 * n, "steps": steps,
                        "cpu": None, "gpu": True}
                procs[f"machine: jax GPU {dt} {sc}"] = [_proc(spec, None)]
        for group in procs.values():
            for pr in group:
                pr.read()
        reps: dict[str, list[tuple[float, float]]] = {k: [] for k in procs}
        sizes: dict[str, int] = {}
        for _ in range(rounds):
            for key, group in procs.items():
                for pr in group:
                    pr.send()
                outs = [pr.read() for pr in group]
                reps[key].append((max(o["wall"] for o in outs), sum(o["cpu"] for o in outs)))
                sizes[key] = sum(o["junction_steps"] for o in outs)
    finally:
        for group in procs.values():
            for pr in group:
                pr.close()
    out = {k: _summary(v, sizes[k]) for k, v in reps.items()}
    return {"summary": out, "cores": nc, "rounds": rounds, "n": n, "steps": steps, "n_cmtj": n_cmtj,
            "steps_cmtj": steps_cmtj}


def run_throughput(quick: bool) -> list[Metric]:
    t = _throughput(quick)
    S = t["summary"]
    nc, rounds = t["cores"], t["rounds"]

    def fmt(s):
        return (f"wall min/median {s['wall_min']:.2f}/{s['wall_med']:.2f}, CPU min/median {s['cpu_min']:.2f}/"
                f"{s['cpu_med']:.2f} ns per junction-step")

    out = []
    for scope in ("core", "machine"):
        ref = S[f"{scope}: cmtj"]
        who = "cmtj, 1 process" if scope == "core" else f"cmtj, {nc} processes"
        out.append(Metric(f"per {scope}: cmtj stochastic Heun", ref["wall_min"], unit="ns/junction-step",
                          higher_is_better=False, note=f"{who}; {fmt(ref)}; {rounds} interleaved rounds"))
        for key, s in S.items():
            if not key.startswith(f"{scope}: ") or key.endswith("cmtj"):
                continue
            label = key.split(": ", 1)[1]
            goal = 30.0 if (scope == "core" and label == "numba float64 heun") else None
            out.append(Metric(f"per {scope}: {label} / cmtj, same step (CPU-time ratio)", ref["cpu_min"] /
                              s["cpu_min"], goal=goal, note=f"hwsim {fmt(s)}; ratio of minima"))
            out.append(Metric(f"per {scope}: {label} / cmtj, same step (wall-time ratio)", ref["wall_min"] /
                              s["wall_min"], note="ratio of the minimum wall time per junction-step"))
    clock = measured_clock_hz()
    s = S["core: numba float64 heun"]
    frac = FLOPS_PER_JUNCTION_STEP / (s["wall_min"] * 1e-9) / (clock * FLOPS_PER_CYCLE_F64)
    out.append(Metric("per core: numba float64 heun fraction of peak flop/s", frac, unit="fraction",
                      note=f"{FLOPS_PER_JUNCTION_STEP} flop/junction-step; measured clock {clock / 1e9:.2f} GHz "
                           f"(xorshift chain) x {FLOPS_PER_CYCLE_F64} flop/cycle"))
    return out


# ------------------------------------------------------------------------------------------------ accuracy-aware
SIGMA = 3.0
PULSE_S = 2e-9
J_OVER_JC = (2.0, 3.0, 4.0)
TOL = {"boltzmann_rel": 0.025, "escape_rel": 0.15, "switch_abs": 0.06}
ACCURACY_CONFIGS = ("numba float64 heun", "numba float64 midpoint", "numba float32 midpoint")
"""hwsim configurations whose largest passing step is searched (each timed per core and per machine above)."""
CENSOR_TAU = 6.0
"""Escape runs stop at 6 τ (0.25 % of them survive); the survivors' exponential tail is added as in case D6."""


def _particle(n: int, **kw):
    from devices import constants as C
    from devices.params import MacrospinParams

    V = 1e-24
    base = dict(Ms_A_per_m=1e6, alpha=0.1, demag=(0.0, 0.0, 0.0), volume_m3=V, area_m2=1e-16, t_F_m=1e-8,
                K_u_J_per_m3=SIGMA * C.K_B_J_PER_K * 300.0 / V, easy_axis=(0, 0, 1), T_K=300.0, polarizer=(0, 0, -1),
                eta=0.6)
    base.update(kw)
    return MacrospinParams.build(n=n, **base)


def _jc() -> float:
    from devices import analytic as A

    p = _particle(1)
    return A.sun_critical_current_A_per_m2(0.1, 1e6, 1e-8, float(p.B_K_T[0]), 0.6)


def _tau_exact() -> float:
    from devices import analytic as A

    return A.neel_brown_mfpt_s(SIGMA, A.neel_time_s(0.1, 1e6, 1e-24, 300.0))


def _escape_mean(t: np.ndarray, hit: np.ndarray, tmax: float) -> float:
    """Mean first-passage time from times ``t`` (censored at ``tmax`` where not ``hit``): ∫S dt + S(tmax) τ_tail,
    τ_tail the exponential-tail time constant from the escapes after tmax/2 (as case D6)."""
    late = t >= tmax / 2
    tau_tail = np.sum(np.minimum(t, tmax)[late] - tmax / 2) / max(1, int(np.sum(hit & late)))
    return float(np.mean(np.minimum(t, tmax)) + np.mean(~hit) * tau_tail)


def _observables_hwsim(dt: float, scheme: str, sizes: dict, seed: int = 0, dtype: str = "float64") -> dict:
    from devices.params import EventSpec
    from devices.simulate import Drive, simulate

    nb, ne, ns = sizes["boltzmann"], sizes["escape"], sizes["switch"]
    every = max(1, round(100e-12 / dt))
    kw = dict(scheme=scheme, dtype=dtype)
    r = simulate(_particle(nb), (0, 0, 1), dt, round(210e-9 / dt), save_every=every, seed=seed + 1, **kw)
    mz2 = float(np.mean(r.traj[round(10e-9 / dt) // every:, :, 2] ** 2))
    tau = _tau_exact()
    n = math.ceil(CENSOR_TAU * tau / dt)
    ev = EventSpec(axis=(0, 0, 1), theta_pos=1.0, theta_neg=0.0, reset="none", capacity=1)
    r = simulate(_particle(ne), (0, 0, 1), dt, n, events=ev, seed=seed + 2, **kw)
    hit = r.ev_step[:, 0] >= 0
    esc = _escape_mean(np.where(hit, r.ev_step[:, 0] * dt, n * dt), hit, n * dt)
    J = np.repeat(np.array(J_OVER_JC) * _jc(), ns)
    r = simulate(_particle(J.size), (0, 0, 1), dt, round(PULSE_S / dt), drive=Drive(stt=J[:, None]),
                 seed=seed + 3, **kw)
    P = (r.m[:, 2] < 0).reshape(len(J_OVER_JC), ns).mean(axis=1)
    return {"mz2": mz2, "escape_s": esc, "P": P}


def _observables_cmtj(dt: float, sizes: dict, seed: int = 0) -> dict:
    from devices._cmtj_oracle import run_cmtj, run_cmtj_timed

    p = _particle(1)
    nb, ne, ns = sizes["boltzmann"], sizes["escape"], sizes["switch"]
    vals = []
    for k in range(nb):
        t, m = run_cmtj(p, 0, (0, 0, 1), 0.0, dt, 210e-9, write_every_s=max(dt, 100e-12), T_K=300.0, solver="Heun",
                        seed=seed + 1 + k)
        vals.append(m[t >= 10e-9, 2] ** 2)
    mz2 = float(np.mean(np.concatenate(vals)))
    tau = _tau_exact()
    tmax = math.ceil(CENSOR_TAU * tau / dt) * dt
    times, hits = [], []
    for k in range(ne):
        t, m = run_cmtj(p, 0, (0, 0, 1), 0.0, dt, tmax, write_every_s=dt, T_K=300.0, solver="Heun",
                        seed=seed + 10_000 + k)
        below = np.nonzero(m[:, 2] < 0)[0]
        hits.append(below.size > 0)
        times.append(t[below[0]] + dt if below.size else tmax)  # cmtj stamps a record with the time before its step
    esc = _escape_mean(np.asarray(times), np.asarray(hits), tmax)
    P = []
    for i, a in enumerate(J_OVER_JC):
        _, _, fin = run_cmtj_timed(p, 0, (0, 0, 1), a * _jc(), dt, round(PULSE_S / dt) * dt, n_runs=ns, T_K=300.0,
                                   seed0=seed + 100_000 * (i + 1))
        P.append(float(np.mean(fin[:, 2] < 0)))
    return {"mz2": mz2, "escape_s": esc, "P": np.asarray(P)}


def _errors(obs: dict, ref_P: np.ndarray) -> dict:
    from devices import analytic as A

    return {"boltzmann_rel": abs(obs["mz2"] / A.boltzmann_mz2_uniaxial(SIGMA) - 1),
            "escape_rel": abs(obs["escape_s"] / _tau_exact() - 1),
            "switch_abs": float(np.max(np.abs(obs["P"] - ref_P)))}


def run_accuracy(quick: bool) -> list[Metric]:
    t = _throughput(quick)
    S = t["summary"]
    scale = 2.0 if quick else 1.0
    tol = {k: v * scale for k, v in TOL.items()}
    # the same sample sizes for both codes, so that both face the same statistical noise against the tolerances
    sizes = {"boltzmann": 16, "escape": 256, "switch": 128} if quick else {"boltzmann": 64, "escape": 1024,
                                                                          "switch": 512}
    grid = [10e-12 * 2**k for k in range(7)] if quick else [5e-12 * 2**k for k in range(8)]
    from devices.simulate import Drive, simulate

    J = np.repeat(np.array(J_OVER_JC) * _jc(), 4096)
    r = simulate(_particle(J.size), (0, 0, 1), 0.5e-12, round(PULSE_S / 0.5e-12), drive=Drive(stt=J[:, None]),
                 seed=99)
    ref_P = (r.m[:, 2] < 0).reshape(len(J_OVER_JC), -1).mean(axis=1)

    def largest(fn) -> tuple[float, dict]:
        best, info = float("nan"), {}
        for dt in grid:
            try:
                err = _errors(fn(dt), ref_P)
            except ValueError:  # above the scheme's accepted step
                info = {"stopped_at_s": dt, "reason": "above the scheme's accepted step"}
                break
            if any(err[k] > tol[k] for k in tol):
                info = {"failed_at_s": dt, **err}
                break
            best = dt
        return best, info

    dts = {"cmtj": largest(lambda dt: _observables_cmtj(dt, sizes))}
    for label in ACCURACY_CONFIGS:
        _, dtype, scheme = label.split()
        dts[label] = largest(lambda dt, dtype=dtype, scheme=scheme: _observables_hwsim(dt, scheme, sizes,
                                                                                        dtype=dtype))
    note_tol = (f"tolerances: <m_z^2> {tol['boltzmann_rel']:.1%}, escape time {tol['escape_rel']:.0%}, "
                f"P_switch {tol['switch_abs']:.2f}; grid from {grid[0] * 1e12:g} ps, doubling")
    out = []
    c_dt = dts["cmtj"][0]
    for scope in ("core", "machine"):
        kind = "cpu_min" if scope == "core" else "wall_min"  # as the same-step headline ratios
        c = S[f"{scope}: cmtj"][kind]
        c_rate = c_dt * 1e9 / (c * 1e-9) if math.isfinite(c_dt) else float("nan")
        out.append(Metric(f"per {scope}: cmtj simulated junction-ns per second at the stated accuracy", c_rate,
                          unit="junction-ns/s", note=f"largest step {c_dt * 1e12:g} ps {dts['cmtj'][1]}; {note_tol}"))
        for label in ACCURACY_CONFIGS:
            key = f"{scope}: {label}"
            if key not in S:
                continue
            h_dt, info = dts[label]
            rate = h_dt * 1e9 / (S[key][kind] * 1e-9)
            goal = 30.0 if scope == "core" else None
            out.append(Metric(f"per {scope}: {label} / cmtj, simulated ns per second at the stated accuracy",
                              rate / c_rate, goal=goal,
                              note=f"hwsim step {h_dt * 1e12:g} ps vs cmtj {c_dt * 1e12:g} ps; {rate:.3g} "
                                   f"junction-ns/s; first failure {info or 'none on the grid'}"))
    return out


def benchmarks() -> list[Benchmark]:
    return [Benchmark("throughput_vs_cmtj", run_throughput,
                      "stochastic LLG at 300 K, same step: hwsim (Numba f64/f32, JAX; Heun, midpoint) vs cmtj, per "
                      "core and per machine, CPU and wall time"),
            Benchmark("accuracy_aware_vs_cmtj", run_accuracy,
                      "simulated junction-ns per second at the largest step meeting stated tolerances on Boltzmann "
                      "moments, mean escape time (sigma = 3) and switching probability, hwsim vs cmtj")]


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "--worker":
    _worker(json.loads(sys.argv[2]))
