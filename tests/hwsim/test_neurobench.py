"""NeuroBench's SynapticOperations and ActivationSparsity (the peer, arXiv:2304.04640) equal hwsim's workload
accounting on the same NIR network and input spikes (benchmarks/bench_hwsim_interop.py). Tolerance: exact (the
network uses exact binary arithmetic, so the spike trains are identical)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from hwsim.benchmarking import BenchmarkSkipped

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_hwsim_interop.py"


def test_neurobench_metrics_equal_hwsim_accounting():
    for mod in ("torch", "snntorch", "neurobench", "nir"):
        pytest.importorskip(mod, reason=f"{mod} is not installed (the `neurobench` extra; see pyproject.toml)")
    spec = importlib.util.spec_from_file_location("bench_hwsim_interop", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    try:
        c = bench.compare(quick=True)
    except BenchmarkSkipped as exc:
        pytest.skip(str(exc))
    assert c["same_input"]
    assert c["hwsim_synops"] > 0 and c["neurobench_macs"] == 0  # binary input: all accumulates
    assert c["neurobench_acs"] == c["hwsim_synops"]
    assert 0 < c["hwsim_activation_sparsity"] < 1
    assert c["neurobench_activation_sparsity"] == c["hwsim_activation_sparsity"]
