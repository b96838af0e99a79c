"""``hwsim bench sensors``: DVS emulation throughput and camera-noise frame time, each against a NumPy peer
measured in the same run.

1. ``dvs_throughput``: the v2e pixel model with v2e's command-line defaults (θ 0.2 ± 0.03, 300 Hz photoreceptor
   filter, leak 0.01 Hz with 10 % jitter, shot noise 0.001 Hz, 0.5 ms refractory period) on a drifting sine
   grating, 128×128 pixels × 200 steps of 1 ms (``--quick``: 64×64 × 100). hwsim's CPU engine
   (:func:`sensors.dvs.dvs_simulate_numba`, single-threaded default; both sides then use one core) against the
   straightforward NumPy reference of the same model (:func:`sensors.dvs.dvs_simulate_numpy`: loop over time,
   vectorised over pixels, fresh noise per step). Also reported: the Numba engine with ``parallel=True`` on all
   Numba threads and the JAX engine (float64, jit, keyed threefry noise).
   Goal: Numba / NumPy ≥ 1.5 in pixel-steps per second.
2. ``camera_noise``: one 1024×1024 EMVA 1288 frame (shot, dark and read noise, ADC) with Gaussian shot noise in
   JAX (jit, float32 default) and NumPy, against NumPy's exact Poisson sampling (and JAX's Poisson, report only).
   Metric: NumPy-Poisson time / JAX-Gaussian time (goal ≥ 1: the default Gaussian model is not slower than
   exact Poisson).

Timings: warm-up (JIT compilation) excluded; the two sides alternate over rounds and each figure is the median
of the rounds (≥ 5), so load from other jobs on a shared machine hits both sides alike.
"""

from __future__ import annotations

import platform
import time

import numpy as np

from hwsim.benchmarking import Benchmark, Metric


def _grating(T: int, size: int) -> np.ndarray:
    y, x = np.mgrid[0:size, 0:size]
    t = np.arange(T + 1)[:, None, None] * 1e-3
    return 110.0 + 90.0 * np.sin(2 * np.pi * (x / 16.0 - 4.0 * t) + 0.3 * y / 16.0)


def _median_alternating(fns: dict, rounds: int) -> dict[str, float]:
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(rounds):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    return {k: float(np.median(v)) for k, v in times.items()}


def _versions() -> str:
    import jax
    import numba

    return (f"python {platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}, "
            f"jax {jax.__version__}")


def dvs_throughput(quick: bool) -> list[Metric]:
    import jax
    import numba

    from sensors.dvs import DVSParams, DVSState, dvs_init_numpy, dvs_simulate, dvs_simulate_numba, dvs_simulate_numpy

    T, size = (100, 64) if quick else (200, 128)
    frames = _grating(T, size)
    p = DVSParams()  # v2e command-line defaults
    st = dvs_init_numpy(p, frames[0], 0)
    fr = frames[1:]
    n_threads = numba.get_num_threads()

    def numba_one():
        dvs_simulate_numba(p, st, fr, 1e-3, seed=1)

    def numba_all():
        dvs_simulate_numba(p, st, fr, 1e-3, seed=1, parallel=True)

    with jax.enable_x64(True):
        import jax.numpy as jnp

        sj = DVSState(*(jnp.asarray(getattr(st, f)) for f in ("L", "B", "t_last", "theta_on", "theta_off", "rho",
                                                               "t")))
        frj = jnp.asarray(fr)
        key = jax.random.key(1)

        def jax_run():
            dvs_simulate(p, sj, frj, 1e-3, key)[0].block_until_ready()

        fns = {"numba": numba_one, "numba_parallel": numba_all,
               "numpy": lambda: dvs_simulate_numpy(p, st, fr, 1e-3, 1), "jax": jax_run}
        for fn in fns.values():  # warm-up: compilation
            fn()
        t = _median_alternating(fns, 5 if quick else 7)
    n = T * size * size
    note = f"{size}x{size} px x {T} steps, v2e CLI defaults; {n_threads} Numba threads; {_versions()}"
    return [
        Metric("numba_over_numpy_pixel_steps_per_s", t["numpy"] / t["numba"], goal=1.5, note=note),
        Metric("numba_parallel_over_numpy", t["numpy"] / t["numba_parallel"],
               note=f"parallel=True on {n_threads} Numba threads"),
        Metric("jax_over_numpy", t["numpy"] / t["jax"], note="JAX float64, jit, keyed threefry noise"),
        Metric("numba_pixel_steps_per_s", n / t["numba"], unit="pixel-steps/s"),
        Metric("numpy_pixel_steps_per_s", n / t["numpy"], unit="pixel-steps/s"),
        Metric("jax_pixel_steps_per_s", n / t["jax"], unit="pixel-steps/s"),
    ]


def camera_noise(quick: bool) -> list[Metric]:
    import jax
    import jax.numpy as jnp

    from sensors.camera import CameraParams, capture, capture_numpy

    size = 512 if quick else 1024
    p = CameraParams(adc_bits=12)
    rng = np.random.default_rng(0)
    ph = rng.uniform(0.0, 5000.0, (size, size))
    phj = jnp.asarray(ph, dtype=jnp.float32)
    key = jax.random.key(0)
    g = np.random.default_rng(1)
    fns = {
        "jax_gauss": lambda: capture(p, phj, 0.01, key).block_until_ready(),
        "numpy_gauss": lambda: capture_numpy(p, ph, 0.01, g),
        "numpy_poisson": lambda: capture_numpy(p, ph, 0.01, g, shot="poisson"),
        "jax_poisson": lambda: capture(p, phj, 0.01, key, shot="poisson").block_until_ready(),
    }
    for fn in fns.values():
        fn()
    t = _median_alternating(fns, 5 if quick else 9)
    note = f"{size}x{size} frame; {_versions()}"
    return [
        Metric("numpy_poisson_over_jax_gauss_frame_time", t["numpy_poisson"] / t["jax_gauss"], goal=1.0, note=note),
        Metric("numpy_poisson_over_numpy_gauss_frame_time", t["numpy_poisson"] / t["numpy_gauss"]),
        Metric("jax_poisson_over_numpy_poisson_frame_time", t["jax_poisson"] / t["numpy_poisson"],
               higher_is_better=False, note="report only: jax.random.poisson on CPU"),
        Metric("jax_gauss_frame_time", t["jax_gauss"], higher_is_better=False, unit="s"),
        Metric("numpy_poisson_frame_time", t["numpy_poisson"], higher_is_better=False, unit="s"),
    ]


def benchmarks() -> list[Benchmark]:
    return [
        Benchmark("dvs_throughput", dvs_throughput,
                  "v2e DVS pixel model: Numba engine vs straightforward NumPy reference (pixel-steps/s)"),
        Benchmark("camera_noise", camera_noise,
                  "EMVA 1288 frame: Gaussian shot noise (JAX, NumPy) vs NumPy Poisson"),
    ]
