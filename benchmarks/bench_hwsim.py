"""``hwsim bench hwsim``: the vectorised cost model against its own per-point loop (like with like), and hwsim's
Eyeriss-like energy and latency side by side with an external tool, ZigZag, on the same convolution layer.

1. ``cost_model_llama_decode``: design points per second for Llama-3.1-8B decode (the 225 weight GEMMs: 32 layers
   x 7 projections + LM head) on the A100 target. The grid: weight bits {16, 8, 6, 5, 4, 3, 2} x group size
   {0, 32, 64, 128} x N:M density {1, 0.875, 0.75, 0.5} x rank fraction {0, 1/16, 1/8, 1/4} x activation bits
   {16, 8} x batch {1, 2, 4, ..., 128} (7,168 points; ``--quick``: batch 1 only, 896 points). The vectorised side
   costs the grid in chunks of 4,096 points with :func:`hwsim.cost.model.evaluate_arrays` (table validation once
   per chunk). The loop side runs the same array code once per point with the per-table work (validation,
   distinct-op grouping) done once beforehand (:func:`~hwsim.cost.model.prepare`, then
   :func:`~hwsim.cost.model.run_prepared` per point): the ratio measures vectorisation only. Repetitions of the
   two sides are interleaved; min and median wall times per point are reported. A per-point ``evaluate_arrays``
   loop, which repeats the validation on every call, is reported for information only (not a ratio against a
   peer). Goals (reference sheet section 7): >= 10,000 points/s and >= 10x the loop.
2. ``zigzag_eyeriss_conv``: MobileNet-v1 conv1 (C 3, K 32, P = Q 112, R = S 3, stride 2, 8-bit) on hwsim's
   ``eyeriss_like`` target and on ZigZag's own ``eyeriss_like`` accelerator (zigzag-dse, KU Leuven; Mei et al.,
   IEEE Trans. Computers 70(8), 2021, doi:10.1109/TC.2021.3059962), ZigZag searching its temporal mapping for
   minimum energy. Energies (J) and latencies (cycles) side by side with their ratios, and the time per design
   point of each tool. The two accelerators share the 14 x 12 PE array but not their per-access energies (ZigZag's
   example file vs Accelergy's table in hwsim's target), so the ratios are reported without a goal. Skipped, with
   the reason, when zigzag-dse (the ``zigzag`` extra) is not installed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from hwsim.benchmarking import Benchmark, BenchmarkSkipped, Metric


def _grid(quick: bool) -> dict[str, np.ndarray]:
    from hwsim.search.grid import grid

    axes = {"w_bits": [16, 8, 6, 5, 4, 3, 2], "group_size": [0, 32, 64, 128], "density": [1.0, 0.875, 0.75, 0.5],
            "rank_fraction": [0.0, 0.0625, 0.125, 0.25], "a_bits": [16, 8],
            "M": [1] if quick else [1, 2, 4, 8, 16, 32, 64, 128]}
    return grid(axes)


def _stats_us(per_point_s: list[float]) -> tuple[float, float]:
    """(min, median) of per-point wall times, in microseconds."""
    return 1e6 * float(np.min(per_point_s)), 1e6 * float(np.median(per_point_s))


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
    n_loop = 40 if quick else 150
    sub = g.sample(n=n_loop, random_state=0)
    prep = prepare(table, target, points(sub))  # the loop's one-off work, outside its timing
    singles = [prep.select(slice(i, i + 1)) for i in range(n_loop)]
    evaluate_arrays(table, target, points(g.iloc[:64]))  # warm-up (imports, caches)
    run_prepared(singles[0])

    vec, loop = [], []
    for _ in range(3 if quick else 5):  # interleaved: both sides see the same machine state
        t0 = time.perf_counter()
        for s in range(0, len(g), chunk):
            evaluate_arrays(table, target, points(g.iloc[s:s + chunk]))
        vec.append((time.perf_counter() - t0) / len(g))
        t0 = time.perf_counter()
        for one in singles:
            run_prepared(one)
        loop.append((time.perf_counter() - t0) / n_loop)
    rows = [points(sub.iloc[i:i + 1]) for i in range(n_loop)]
    t0 = time.perf_counter()
    for p in rows:
        evaluate_arrays(table, target, p)
    t_naive = (time.perf_counter() - t0) / n_loop
    vec_min, vec_med = _stats_us(vec)
    loop_min, loop_med = _stats_us(loop)
    return [
        Metric("points_per_s_vectorised", 1e6 / vec_med, goal=10_000, unit="points/s",
               note=f"{len(g)} points x {len(table)} GEMMs, chunks of {chunk}; median of {len(vec)} runs "
                    f"(best {1e6 / vec_min:.0f} points/s)"),
        Metric("speedup_vs_loop", loop_med / vec_med, goal=10.0, unit="x",
               note=f"per-point run_prepared loop (validation and op grouping done once, like the vectorised "
                    f"call): min/median {loop_min:.0f}/{loop_med:.0f} us/point over {n_loop} points; vectorised "
                    f"min/median {vec_min:.1f}/{vec_med:.1f} us/point; runs interleaved"),
        Metric("us_per_point_vectorised", vec_med, goal=None, higher_is_better=False, unit="us"),
        Metric("us_per_point_evaluate_each_call", 1e6 * t_naive, goal=None, higher_is_better=False, unit="us",
               note="information only: evaluate_arrays once per point repeats the table validation on every call"),
    ]


@contextlib.contextmanager
def _quiet_logging() -> Iterator[None]:
    """ZigZag logs every mapping at INFO (and configures the root logger): silence INFO for the call."""
    logging.disable(logging.INFO)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


MOBILENET_CONV1 = {"C": 3, "K": 32, "P": 112, "Q": 112, "R": 3, "S": 3, "stride": 2, "bits": 8}


def zigzag_layer(c: dict = MOBILENET_CONV1) -> list[dict]:
    """The convolution ``c`` as a ZigZag workload (one layer, batch 1; partial sums at twice the precision)."""
    s = c["stride"]
    return [{"id": 0, "name": "conv1", "operator_type": "Conv",
             "equation": "O[b][k][oy][ox]+=W[k][c][fy][fx]*I[b][c][iy][ix]",
             "dimension_relations": [f"ix={s}*ox+1*fx", f"iy={s}*oy+1*fy"],
             "loop_dims": ["B", "K", "C", "OY", "OX", "FY", "FX"],
             "loop_sizes": [1, c["K"], c["C"], c["P"], c["Q"], c["R"], c["S"]],
             "operand_precision": {"W": c["bits"], "I": c["bits"], "O": 2 * c["bits"], "O_final": c["bits"]},
             "operand_source": {"I": 0}}]


def _run_zigzag(quick: bool) -> list[Metric]:
    try:
        import zigzag
        from zigzag.api import get_hardware_performance_zigzag
    except ImportError as exc:
        raise BenchmarkSkipped(f"zigzag-dse not installed (pip install 'hwsim[zigzag]'): {exc}") from exc
    from hwsim.cost.model import evaluate_arrays
    from hwsim.workloads.cnn import mobilenet_v1_conv1

    accel = Path(zigzag.__file__).parent / "inputs" / "hardware" / "eyeriss_like.yaml"
    t0 = time.perf_counter()
    res = evaluate_arrays(mobilenet_v1_conv1(bits=MOBILENET_CONV1["bits"]), "eyeriss_like").totals
    t_hwsim = time.perf_counter() - t0
    e_hw, cyc_hw = float(res["energy_J"][0]), float(res["cycles"][0])
    with tempfile.TemporaryDirectory() as tmp, _quiet_logging():
        mapping = Path(tmp) / "mapping.yaml"  # operand -> memory links only: ZigZag searches the mapping
        links = "  memory_operand_links:\n    O: O\n    W: I2\n    I: I1\n"
        mapping.write_text(f"- name: default\n{links}- name: Conv\n{links}")
        t0 = time.perf_counter()
        e_pJ, cycles, _ = get_hardware_performance_zigzag(
            zigzag_layer(), str(accel), str(mapping), opt="energy", dump_folder=os.path.join(tmp, "out"),
            lpf_limit=4 if quick else 6, nb_spatial_mappings_generated=1 if quick else 3,
            loma_show_progress_bar=False)
        t_zz = time.perf_counter() - t0
    e_zz = 1e-12 * float(e_pJ)
    return [
        Metric("energy_J_hwsim", e_hw, unit="J", note="hwsim eyeriss_like (Accelergy 45 nm table), mapping-free"),
        Metric("energy_J_zigzag", e_zz, unit="J", note="ZigZag eyeriss_like example accelerator, searched mapping"),
        Metric("energy_ratio_hwsim_over_zigzag", e_hw / e_zz, unit="x"),
        Metric("cycles_hwsim", cyc_hw, unit="cycles", higher_is_better=False),
        Metric("cycles_zigzag", float(cycles), unit="cycles", higher_is_better=False),
        Metric("cycles_ratio_hwsim_over_zigzag", cyc_hw / float(cycles), unit="x"),
        Metric("s_per_point_hwsim", t_hwsim, unit="s", higher_is_better=False,
               note="one evaluate_arrays call, validation included"),
        Metric("s_per_point_zigzag", t_zz, unit="s", higher_is_better=False,
               note=f"mapping search included (lpf_limit {4 if quick else 6}, "
                    f"{1 if quick else 3} spatial mapping(s))"),
    ]


def benchmarks() -> list[Benchmark]:
    return [Benchmark("cost_model_llama_decode", _run,
                      "design points/s of the vectorised cost model (Llama-3.1-8B decode, 225 GEMMs, A100) vs the "
                      "same array code once per point"),
            Benchmark("zigzag_eyeriss_conv", _run_zigzag,
                      "MobileNet-v1 conv1 on an Eyeriss-like accelerator: hwsim vs ZigZag energy and latency")]
