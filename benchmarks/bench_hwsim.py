"""``hwsim bench hwsim``: design points per second of the vectorised cost model for Llama-3.1-8B decode (the 225
weight GEMMs: 32 layers x 7 projections + LM head) on the A100 target, against a per-point Python loop over the same
model in the same run.

The grid: weight bits {16, 8, 6, 5, 4, 3, 2} x group size {0, 32, 64, 128} x N:M density {1, 0.875, 0.75, 0.5} x
rank fraction {0, 1/16, 1/8, 1/4} x activation bits {16, 8} x batch {1, 2, 4, ..., 128} (7,168 points;
``--quick``: batch 1 only, 896 points). The vectorised path costs all points in chunks of 4,096 with
:func:`hwsim.cost.model.evaluate_arrays` (arrays of shape (points, ops); identical layers are evaluated once); the
loop peer calls the same function once per point for a random subset of points (its cost per point does not depend
on the grid size) and its throughput is measured per point. Goals (reference sheet section 7): >= 10,000 points/s
and >= 10x the loop.
"""

from __future__ import annotations

import time

import numpy as np

from hwsim.benchmarking import Benchmark, Metric


def _grid(quick: bool) -> dict[str, np.ndarray]:
    from hwsim.search.grid import grid

    axes = {"w_bits": [16, 8, 6, 5, 4, 3, 2], "group_size": [0, 32, 64, 128], "density": [1.0, 0.875, 0.75, 0.5],
            "rank_fraction": [0.0, 0.0625, 0.125, 0.25], "a_bits": [16, 8],
            "M": [1] if quick else [1, 2, 4, 8, 16, 32, 64, 128]}
    return grid(axes)


def _run(quick: bool) -> list[Metric]:
    from hwsim.cost.model import evaluate_arrays, prepare, run_prepared
    from hwsim.targets.catalogue import load
    from hwsim.workloads.transformer import LLAMA_3_1_8B, gemm_rows, llama
    from hwsim.workloads.transforms import sparsify

    table = sparsify(gemm_rows(llama(LLAMA_3_1_8B)), 0.999, pattern="n:m")  # pattern n:m; density is swept
    target = load("a100_sxm4_80gb")
    g = _grid(quick)
    mn = np.minimum(table["N"].to_numpy(), table["K"].to_numpy())
    compressible = (table["kind"] == "linear").to_numpy()

    def points(df):
        rank = np.where(compressible[None, :], np.floor(df["rank_fraction"].to_numpy()[:, None] * mn[None, :]), 0)
        return {"w_bits": df["w_bits"].to_numpy(), "group_size": df["group_size"].to_numpy(),
                "scale_bits": np.where(df["group_size"].to_numpy() > 0, 16, 0), "density": df["density"].to_numpy(),
                "rank": rank, "a_bits": df["a_bits"].to_numpy(), "M": df["M"].to_numpy()}

    chunk = 4096
    evaluate_arrays(table, target, points(g.iloc[:64]))  # warm-up (imports, caches)

    def vectorised():
        for s in range(0, len(g), chunk):
            evaluate_arrays(table, target, points(g.iloc[s:s + chunk]))

    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        vectorised()
        times.append(time.perf_counter() - t0)
    t_vec = float(np.median(times)) / len(g)
    n_loop = 40 if quick else 150
    sub = g.sample(n=n_loop, random_state=0)
    rows = [points(sub.iloc[i:i + 1]) for i in range(n_loop)]
    t0 = time.perf_counter()
    for p in rows:
        evaluate_arrays(table, target, p)
    t_loop = (time.perf_counter() - t0) / n_loop
    # the same array code once per point, with the per-table work (validation, distinct ops) done once
    prep = prepare(table, target, points(sub))
    t0 = time.perf_counter()
    for i in range(n_loop):
        run_prepared(prep.select(slice(i, i + 1)))
    t_core_loop = (time.perf_counter() - t0) / n_loop
    t0 = time.perf_counter()
    run_prepared(prep)
    t_core_vec = (time.perf_counter() - t0) / n_loop
    return [
        Metric("points_per_s_vectorised", 1.0 / t_vec, goal=10_000, unit="points/s",
               note=f"{len(g)} points x {len(table)} GEMMs, chunks of {chunk}"),
        Metric("speedup_vs_loop", t_loop / t_vec, goal=10.0, unit="x",
               note=f"per-point evaluate_arrays loop: {1e6 * t_loop:.0f} us/point over {n_loop} points; "
                    f"vectorised {1e6 * t_vec:.1f} us/point"),
        Metric("speedup_vs_prepared_loop", t_core_loop / t_vec, goal=10.0, unit="x",
               note=f"per-point run_prepared loop (validation and op grouping hoisted): {1e6 * t_core_loop:.0f} "
                    f"us/point; the same {n_loop} points in one call: {1e6 * t_core_vec:.0f} us/point"),
        Metric("us_per_point_vectorised", 1e6 * t_vec, goal=None, higher_is_better=False, unit="us"),
    ]


def benchmarks() -> list[Benchmark]:
    return [Benchmark("cost_model_llama_decode", _run,
                      "design points/s of the vectorised cost model (Llama-3.1-8B decode, 225 GEMMs, A100) vs a "
                      "per-point loop")]
