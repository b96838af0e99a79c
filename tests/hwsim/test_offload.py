"""MoE expert offloading: routing traces, the LRU expert cache, the tiered decode-latency model and expert load
imbalance. Expected values are hand formulas from the Mixtral config and the system file's bandwidths, or
analytic cache results."""

import math

import numpy as np
import pytest

from hwsim import ir
from hwsim.cost.model import evaluate_arrays
from hwsim.workloads.expert_cache import lru_hits, mean_k, routing_trace
from hwsim.workloads.offload import (
    SYSTEMS,
    decode_step,
    decode_step_from_routing,
    fit_expert_use_overhead,
    fit_hit_ratio,
    geometry,
    system,
)
from hwsim.workloads.transformer import MIXTRAL_8X7B

H, I, L = 4096, 14336, 32
EXPERT = 3 * H * I  # gate, up, down of one Mixtral expert


def test_lru_cache_by_hand():
    trace = np.array([[0, 1], [0, 2], [1, 3], [2, -1]])
    # capacity 2: 0 m, 1 m | 0 h, 2 m (evicts 1) | 1 m (evicts 0), 3 m (evicts 2) | 2 m
    s = lru_hits(trace, 2)
    assert (s.uses, s.hits, s.misses) == (7, 1, 6)
    # expert 0 pinned: 0 h, 1 m | 0 h, 2 m | 1 h, 3 m (evicts 2) | 2 m
    s = lru_hits(trace, 2, pinned=(0,))
    assert (s.uses, s.hits) == (7, 3)
    assert lru_hits(trace, 0).hits == 0


def test_lru_hit_ratio_of_uniform_independent_routing_is_capacity_over_experts():
    # independent uniform requests (top-1, no reuse): any cache of C items hits with probability C / E
    tr = routing_trace(np.full(8, 1 / 8), [1.0], 20000, seed=1)
    assert lru_hits(tr, 4).hit_ratio == pytest.approx(4 / 8, abs=0.02)  # binomial sd 0.004, 5 sd


def test_routing_trace_reuse_and_dynamic_k():
    tr = routing_trace(np.full(8, 1 / 8), [0.0, 1.0], 50, p_reuse=1.0, seed=0)
    assert (tr == tr[0]).all() and len(set(tr[0])) == 2  # full reuse repeats the first token's experts
    dyn = routing_trace(np.full(8, 1 / 8), [0.5, 0.3, 0.2], 20000, seed=2)
    assert mean_k(dyn) == pytest.approx(1 * 0.5 + 2 * 0.3 + 3 * 0.2, abs=0.03)  # sd 0.006
    assert all(len(set(r[r >= 0])) == (r >= 0).sum() for r in dyn[:200])  # no expert twice in a token
    skewed = routing_trace([0.7, 0.1, 0.1, 0.1], [1.0], 20000, seed=3)
    assert np.mean(skewed[:, 0] == 0) == pytest.approx(0.7, abs=0.02)


@pytest.mark.parametrize("kwargs, match", [
    (dict(popularity=[0.5, 0.6], k_probs=[1.0], n_tokens=3), "popularity"),
    (dict(popularity=[0.5, 0.5], k_probs=[0, 0, 1.0], n_tokens=3), "k_probs allows"),
    (dict(popularity=[0.5, 0.5], k_probs=[1.0], n_tokens=3, p_reuse=math.nan), "p_reuse"),
    (dict(popularity=[0.5, 0.5], k_probs=[1.0], n_tokens=0), "n_tokens"),
])
def test_routing_trace_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        routing_trace(**kwargs)


def test_geometry_matches_the_published_expert_share():
    g = geometry(MIXTRAL_8X7B)
    assert g.expert_params == EXPERT
    assert g.layers * g.n_experts * g.expert_params == pytest.approx(45.1e9, rel=0.001)  # arXiv:2312.17238 s4.2


def test_decode_step_hardware_bound_by_hand():
    s = system("a100_sxm4_80gb_host")
    g = geometry(MIXTRAL_8X7B)
    r = decode_step(MIXTRAL_8X7B, s, expert_bits=4.0, other_bits=16.0)
    B_e = EXPERT * 4 / 8
    dev = g.other_params * 2 / 2.039e12 + L * 2 * B_e / 2.039e12
    load = L * 2 * B_e / 31.5e9
    assert r.latency_s == pytest.approx(dev + load, rel=1e-12)
    assert r.loads == L * 2 and r.storage_B == 0.0 and r.fits
    # layer-wise offloading moves every non-resident expert of every layer
    r = decode_step(MIXTRAL_8X7B, s, expert_bits=4.0, load_unit="layer", pinned=2)
    assert r.loads == L * 6
    # a cache hit ratio of 1 leaves device time only; full prefetch hides loads shorter than the device time
    assert decode_step(MIXTRAL_8X7B, s, expert_bits=4.0, hit_ratio=1.0).latency_s == pytest.approx(dev, rel=1e-12)
    slow = decode_step(MIXTRAL_8X7B, s, expert_bits=4.0, prefetch_recall=1.0, expert_use_overhead_s=0.01)
    assert slow.latency_s == pytest.approx(slow.device_s, rel=1e-12)


def test_experts_beyond_host_memory_spill_to_storage():
    s = system("t4_16gb_colab")
    r = decode_step(MIXTRAL_8X7B, s, expert_bits=2.6, other_bits=4.5, cache=4)
    offloaded = L * 8 * EXPERT * 2.6 / 8
    assert r.host_B == s.host_capacity_B and r.storage_B == pytest.approx(offloaded - s.host_capacity_B)
    f = r.storage_B / offloaded
    B_e = EXPERT * 2.6 / 8
    assert r.load_s == pytest.approx(r.loads * (B_e / 15.75e9 + f * B_e / s.storage_to_host_B_per_s), rel=1e-12)


def test_fit_overhead_reproduces_the_measurement():
    o = fit_expert_use_overhead(MIXTRAL_8X7B, "rtx3060_12gb_desktop", 1.547, expert_bits=2.6, other_bits=4.5)
    r = decode_step(MIXTRAL_8X7B, "rtx3060_12gb_desktop", expert_bits=2.6, other_bits=4.5,
                    expert_use_overhead_s=o)
    assert r.tokens_per_s == pytest.approx(1.547, rel=1e-9)
    with pytest.raises(ValueError, match="faster than the hardware bound"):
        fit_expert_use_overhead(MIXTRAL_8X7B, "rtx3060_12gb_desktop", 1e3, expert_bits=2.6)


def test_fit_hit_ratio_inverts_the_hand_latency():
    """A measurement built by hand at hit ratio 0.37 (A100 system file, 4-bit experts, no overhead) gives 0.37."""
    g = geometry(MIXTRAL_8X7B)
    B_e = EXPERT * 4 / 8
    dev = g.other_params * 2 / 2.039e12 + L * 2 * B_e / 2.039e12
    measured = 1.0 / (dev + (1 - 0.37) * L * 2 * B_e / 31.5e9)
    h = fit_hit_ratio(MIXTRAL_8X7B, "a100_sxm4_80gb_host", measured, expert_bits=4.0, cache=4)
    assert h == pytest.approx(0.37, rel=1e-9)
    with pytest.raises(ValueError, match="outside"):
        fit_hit_ratio(MIXTRAL_8X7B, "a100_sxm4_80gb_host", 1.0 / (1.01 * dev + L * 2 * B_e / 31.5e9), expert_bits=4.0)
    with pytest.raises(ValueError, match="outside"):
        fit_hit_ratio(MIXTRAL_8X7B, "a100_sxm4_80gb_host", 1.0 / (0.99 * dev), expert_bits=4.0)
    for bad in (dict(load_unit="layer"), dict(prefetch_recall=0.5)):
        with pytest.raises(ValueError, match="fit with"):
            fit_hit_ratio(MIXTRAL_8X7B, "a100_sxm4_80gb_host", 2.0, expert_bits=4.0, **bad)
    with pytest.raises(ValueError, match="measured_tokens_per_s"):
        fit_hit_ratio(MIXTRAL_8X7B, "a100_sxm4_80gb_host", math.nan, expert_bits=4.0)


@pytest.mark.parametrize("kwargs, match", [
    (dict(expert_bits=math.nan), "expert_bits"),
    (dict(expert_bits=2, hit_ratio=1.5), "hit_ratio"),
    (dict(expert_bits=2, mean_k=9), "mean_k"),
    (dict(expert_bits=2, cache=6, pinned=3), "cache \\+ pinned"),
    (dict(expert_bits=2, load_unit="tensor"), "load_unit"),
    (dict(expert_bits=2, expert_use_overhead_s=math.inf), "expert_use_overhead_s"),
])
def test_decode_step_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        decode_step(MIXTRAL_8X7B, "a100_sxm4_80gb_host", **kwargs)


def test_system_file_and_names():
    assert set(SYSTEMS) >= {"a100_sxm4_80gb_host", "rtx3060_12gb_desktop", "t4_16gb_colab"}
    with pytest.raises(ValueError, match="system="):
        system("h100")
    assert "PCI Express" in system("a100_sxm4_80gb_host").sources["host_to_device_B_per_s"]


def test_busiest_expert_sets_compute_bound_latency_only():
    # one compute-bound expert GEMM on the A100 (bf16 156e12 MAC/s, utilisation 1): time x imbalance
    M, N, K = 8192, 4096, 4096
    t = ir.make([ir.op(layer="e", kind="expert", M=M, N=N, K=K, weight_elems=N * K, n_experts=8, top_k=2)])
    lat = evaluate_arrays(t, "a100_sxm4_80gb", {"imbalance": [1.0, 2.5]}).totals["latency_s"]
    assert lat[1] - lat[0] == pytest.approx(1.5 * 2 * M * N * K / 156e12, rel=1e-9)
    # batch-1 decode is memory-bound: the weight stream, not the busiest expert, sets the time
    d = ir.make([ir.op(layer="e", kind="expert", M=1, N=N, K=K, weight_elems=N * K, n_experts=8, top_k=2)])
    lat = evaluate_arrays(d, "a100_sxm4_80gb", {"imbalance": [1.0, 4.0]}).totals["latency_s"]
    assert lat[1] == pytest.approx(lat[0], rel=1e-12)


def test_decode_from_routing_traces_uses_the_measured_hit_ratio():
    # every layer routes the same two experts to every token (p_reuse 1): after the first token all hits
    traces = [routing_trace(np.full(8, 1 / 8), [0.0, 1.0], 100, p_reuse=1.0, seed=i) for i in range(L)]
    r = decode_step_from_routing(MIXTRAL_8X7B, "a100_sxm4_80gb_host", traces, cache=2, expert_bits=4.0)
    assert r.loads == pytest.approx(L * 2 * (2 / 200))  # 2 compulsory misses in 200 uses per layer
    # pinning the two used experts removes even those misses
    r = decode_step_from_routing(MIXTRAL_8X7B, "a100_sxm4_80gb_host", traces, cache=0, pinned=2, expert_bits=4.0)
    assert r.loads == 0.0
    with pytest.raises(ValueError, match="one array per MoE layer"):
        decode_step_from_routing(MIXTRAL_8X7B, "a100_sxm4_80gb_host", traces[:3], cache=2, expert_bits=4.0)
