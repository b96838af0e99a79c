"""Cost model against hand calculations from the documented formulas (hwsim.cost.*)."""

import math

import numpy as np
import pytest

from hwsim import ir
from hwsim.cost.mapping import outer_traffic
from hwsim.cost.model import evaluate, evaluate_arrays, prepare, run_prepared
from hwsim.cost.primitives import HOROWITZ_45NM_J as H
from hwsim.cost.primitives import int_add_J, int_mac_J, int_mult_J
from hwsim.cost.utilisation import best_divisor_mapping
from hwsim.targets.catalogue import TargetError, load
from hwsim.targets.schema import Axis


def gemm(M=8, N=40, K=20, **kw):
    kw.setdefault("w_bits", 8)
    kw.setdefault("a_bits", 8)
    kw.setdefault("w_format", "int")
    return ir.make([ir.linear("fc", M=M, N=N, K=K, **kw)])


def test_single_gemm_on_horowitz_accelerator():
    t = load("horowitz_45nm_accel")
    M, N, K = 8, 40, 20
    r = evaluate(gemm(M, N, K), t).per_point().iloc[0]
    macs = M * N * K
    assert r.macs == macs
    util = (K / (math.ceil(K / 16) * 16)) * (N / (math.ceil(N / 16) * 16))
    assert r.utilisation == pytest.approx(util)
    assert r.latency_compute_s == pytest.approx(macs / (256e9 * util))
    sram = H["sram_1MB_read_64b"] / 8
    dram = H["dram_read_64b_low"] / 8
    bytes_ = K * N + M * K + M * N  # int8: compulsory traffic at both levels
    assert r.bytes_dram == bytes_ and r.bytes_sram_1MiB == bytes_
    assert r.energy_primitive_J == pytest.approx(macs * (0.2e-12 + 0.03e-12) + bytes_ * (sram + dram))
    assert r.latency_memory_s == pytest.approx(max(bytes_ / 64e9, bytes_ / 25.6e9))
    assert r.latency_s == pytest.approx(max(r.latency_compute_s, r.latency_memory_s))


def test_horowitz_bit_scaling():
    assert float(int_mult_J(8, 8)) == pytest.approx(H["int8_mult"])
    assert float(int_mult_J(32, 32)) == pytest.approx(H["int32_mult"])
    assert float(int_add_J(16)) == pytest.approx(H["int16_add"])
    assert float(int_mac_J(4, 4)) < float(int_mac_J(8, 8)) < float(int_mac_J(16, 16))
    with pytest.raises(ValueError, match="w_bits"):
        int_mult_J(0, 8)


def test_refetch_when_operands_exceed_the_buffer():
    t = load("horowitz_45nm_accel")
    M, N, K = 4096, 1024, 1024  # int8: W = 1 MiB, A = 4 MiB, O = 4 MiB > the 1 MiB buffer
    r = evaluate(gemm(M, N, K), t).per_point().iloc[0]
    W, A, O = K * N, M * K, M * N
    passes = math.ceil(min(W, A) / (2**20 / 2))
    assert r.bytes_dram == W + A + O + max(W, A) * (passes - 1)
    assert r.bytes_sram_1MiB == W + A + O  # first level: reuse above it is perfect


def test_vectorised_equals_per_point_loop_and_identical_rows_are_grouped():
    t = ir.make([ir.linear(f"l{i}", M=4, N=64, K=32, w_bits=16, a_bits=16) for i in range(5)]
                + [ir.linear("head", M=4, N=100, K=64, kind="lm_head", w_bits=16, a_bits=16)])
    pts = {"w_bits": np.array([16, 8, 4, 4]), "group_size": np.array([0, 0, 32, 64]),
           "scale_bits": np.array([0, 16, 16, 16]), "density": np.array([1, 0.5, 0.5, 1.0])}
    for target in ("a100_sxm4_80gb", "gr740", "loihi", "rram_cim"):
        vec = evaluate(t, target, pts).per_point()
        for i in range(4):
            one = evaluate(t, target, {k: v[i:i + 1] for k, v in pts.items()}).per_point().iloc[0]
            for col in ("energy_J", "energy_primitive_J", "latency_s", "weights_B", "macs_effective"):
                # NaN where the target does not execute the design (dense rows on Loihi)
                assert vec[col].iloc[i] == pytest.approx(one[col], rel=1e-12, nan_ok=True), (target, col, i)
    arr = evaluate_arrays(t, "a100_sxm4_80gb", pts)
    assert arr.counts.macs.shape == (4, 2)  # five identical layers evaluated once
    assert list(arr.counts.mult) == [5, 1]
    per_op = evaluate(t, "a100_sxm4_80gb", pts).per_op()
    assert len(per_op) == 4 * 6
    sums = per_op.groupby("point")["energy_primitive_J"].sum().to_numpy()
    np.testing.assert_allclose(sums, evaluate(t, "a100_sxm4_80gb", pts).per_point()["energy_primitive_J"])


def test_prepared_select_matches_full_run():
    t = gemm()
    p = prepare(t, "horowitz_45nm_accel", {"w_bits": [8, 4, 2]})
    full = run_prepared(p).totals["energy_J"]
    part = run_prepared(p.select(slice(1, 2))).totals["energy_J"]
    assert part[0] == pytest.approx(full[1])


def test_default_scopes_keep_embeddings_and_head_at_their_precision():
    from hwsim.workloads.transformer import LLAMA_3_1_8B, llama

    t = llama(LLAMA_3_1_8B)
    r = evaluate_arrays(t, "a100_sxm4_80gb", {"w_bits": [4], "group_size": [128], "scale_bits": [16]})
    emb_head = 2 * 128256 * 4096 * 2
    proj = 32 * 218103808 * (4 + 16 / 128) / 8
    norms = (32 * 2 + 1) * 4096 * 2
    assert r.totals["weights_B"][0] == pytest.approx(emb_head + proj + norms)


def test_structured_sparsity_is_skipped_only_where_supported():
    a100 = load("a100_sxm4_80gb")
    nm = ir.make([ir.linear("fc", M=1, N=512, K=512, density=0.5, sparsity_pattern="n:m")])
    un = ir.make([ir.linear("fc", M=1, N=512, K=512, density=0.5, sparsity_pattern="unstructured")])
    r_nm = evaluate_arrays(nm, a100).totals
    r_un = evaluate_arrays(un, a100).totals
    assert r_nm["macs_effective"][0] == 0.5 * 512 * 512
    assert r_un["macs_effective"][0] == 512 * 512
    # 2:4 storage: half the values (16 bits) plus 2 index bits per non-zero
    assert r_nm["weights_B"][0] == pytest.approx(512 * 512 * (0.5 * 16 + 2 * 0.5) / 8)
    assert r_un["weights_B"][0] == 512 * 512 * 2


def test_low_rank_lora_and_moe_counts():
    t = ir.make([ir.linear("fc", M=4, N=256, K=128, rank=16)])
    r = evaluate_arrays(t, "horowitz_45nm_accel").totals
    assert r["macs"][0] == 4 * 16 * (256 + 128)
    assert r["weights_B"][0] == 16 * (256 + 128) * 2
    from hwsim.workloads.lora import with_lora

    base = ir.make([ir.linear("x.q_proj", M=4, N=64, K=64)])
    un = evaluate_arrays(with_lora(base, 8), "horowitz_45nm_accel").totals["macs"][0]
    mg = evaluate_arrays(with_lora(base, 8, merged=True), "horowitz_45nm_accel").totals["macs"][0]
    assert mg == 4 * 64 * 64 and un == mg + 4 * 8 * (64 + 64)
    ex = ir.make([ir.linear("e", M=1, N=32, K=16, kind="expert", n_experts=8, top_k=2)])
    r1 = evaluate_arrays(ex, "a100_sxm4_80gb", {"M": [1, 1000]}).totals
    per_expert = 32 * 16 * 2
    assert r1["weights_B"][0] == 8 * per_expert  # all experts resident
    assert r1["bytes_hbm2e"][0] == pytest.approx(2 * per_expert + 16 * 2 + 32 * 2)  # 2 experts read
    assert r1["bytes_hbm2e"][1] == pytest.approx(8 * (1 - (1 - 2 / 8) ** 1000) * per_expert + 1000 * (16 + 32) * 2)
    assert r1["macs"][1] == 1000 * 32 * 16 * 2


def test_kv_cache_uses_kv_heads():
    from hwsim.workloads.transformer import LLAMA_3_1_8B, kv_cache_bytes_per_token, llama

    r = evaluate_arrays(llama(LLAMA_3_1_8B, context=99), "a100_sxm4_80gb").totals
    assert r["kv_cache_B"][0] == 100 * kv_cache_bytes_per_token(LLAMA_3_1_8B) == 100 * 2 * 32 * 8 * 128 * 2


def test_neuromorphic_counts_energy_and_steps():
    loihi = load("loihi")
    T, rate, n_pre, n_post = 20, 0.05, 100, 30
    t = ir.make([ir.snn_dense("s", n_pre, n_post, T, rate, w_bits=8, w_format="int"),
                 ir.neuron_update("n", n_post, T)])
    r = evaluate_arrays(t, loihi).totals
    synops = rate * n_pre * T * n_post
    spikes = rate * n_pre * T
    prim = synops * 23.6e-12 + n_post * T * 52e-12 + spikes * (1.7e-12 + 1.0 * 3.5e-12)
    assert r["synops"][0] == pytest.approx(synops)
    assert r["energy_primitive_J"][0] == pytest.approx(prim)
    assert r["energy_dynamic_J"][0] == pytest.approx(prim + T * loihi.p("timestep_J"))
    assert r["latency_s"][0] == pytest.approx(T * loihi.p("timestep_s"))
    # static: idle from boot 0.029 W + embedded x86 power once deployed 0.070 W (Blouw et al., arXiv:1812.01739)
    assert r["energy_J"][0] == pytest.approx(r["energy_dynamic_J"][0] + (0.029 + 0.070) * r["latency_s"][0])
    # measured counts take precedence over the rate
    m = ir.make([ir.snn_dense("s", n_pre, n_post, T, rate, syn_ops=1234.0)])
    assert evaluate_arrays(m, loihi).totals["synops"][0] == 1234.0
    # overriding the rate drops the measured count
    assert evaluate_arrays(m, loihi, {"spike_rate": [0.1]}).totals["synops"][0] == pytest.approx(
        0.1 * n_pre * T * n_post)
    # dense rows are not executed by a neuromorphic chip: unsupported, NaN energy and latency, never a number
    d = evaluate_arrays(gemm(1, 10, 20), loihi).totals
    assert not d["supported"][0] and "dense_mac" in d["unsupported_reason"][0]
    assert np.isnan(d["energy_J"][0]) and np.isnan(d["energy_synop_J"][0]) and np.isnan(d["latency_s"][0])
    big = ir.make([ir.snn_dense("s", 20000, 20000, 1, 0.1)])
    assert not evaluate_arrays(big, loihi).totals["fits"][0]


def test_cpu_model_is_power_times_time():
    gr = load("gr712rc")
    t = gemm(1, 100, 50)
    r = evaluate_arrays(t, gr).totals
    instr = 100 * 50 / 0.25
    assert r["latency_s"][0] == pytest.approx(instr / 200e6)
    assert r["energy_J"][0] == pytest.approx(1.5 * r["latency_s"][0])
    s = ir.make([ir.snn_dense("s", 10, 10, 5, 0.2), ir.neuron_update("n", 10, 5)])
    rs = evaluate_arrays(s, gr).totals
    assert rs["latency_s"][0] == pytest.approx((0.2 * 10 * 5 * 10 * 3 + 10 * 5 * 10) / 200e6)


def test_cim_crossbars_adc_and_cells():
    c = load("rram_cim")
    M, N, K = 2, 300, 200
    t = gemm(M, N, K)
    r = evaluate_arrays(t, c).totals
    sl = math.ceil(8 / 2)
    conv = M * 8 * N * sl * math.ceil(K / 128)
    assert r["energy_adc_J"][0] == pytest.approx(conv * c.p("adc_J"))
    assert r["energy_cell_J"][0] == pytest.approx(M * 8 * K * N * sl * c.p("cell_read_J"))
    xbars = math.ceil(K / 128) * math.ceil(N * sl / 128)
    assert r["latency_s"][0] == pytest.approx(conv / (1.28e9 * xbars))


def test_precision_selection():
    from hwsim.cost.precision import select

    keys = ["int4", "int8", "fp16", "bf16", "fp32"]
    fmt = np.array(["int", "int", "bf", "fp", "int"])
    idx = select(keys, np.array([[4, 8, 16, 32, 4]]), np.array([[4, 8, 16, 32, 16]]), fmt)
    assert [keys[i] for i in idx[0]] == ["int4", "int8", "bf16", "fp32", "fp16"]
    assert select(["int16", "fp32"], np.array([[8]]), np.array([[8]]), np.array(["int"]))[0, 0] == 0


def test_divisor_mapping_is_the_best_exact_factorisation():
    axes = (Axis(14, ("Q", "K_out")), Axis(12, ("S", "C"), ("S",)))
    rng = np.random.default_rng(0)
    for _ in range(20):
        dims = {"Q": int(rng.integers(1, 60)), "K_out": int(rng.integers(1, 100)), "S": int(rng.integers(1, 6)),
                "C": int(rng.integers(1, 10))}
        got, total = best_divisor_mapping(tuple(dims.items()), axes)
        best = 0
        for q in range(1, 15):
            for ko in range(1, 15):
                if dims["Q"] % q or dims["K_out"] % ko or q * ko > 14:
                    continue
                for c in range(1, 13):
                    if dims["C"] % c or dims["S"] * c > 12:
                        continue
                    best = max(best, q * ko * dims["S"] * c)
        assert got == best and total == 168


def test_outer_traffic_matches_timeloop_stats():
    # current eyeriss_like default problem: DRAM loops P8, M2 (timeloop-mapper.stats.txt of the exercise)
    el = outer_traffic(dict(K_out=32, C=3, P=112, Q=112, R=3, S=3), [("P", 8), ("K_out", 2)], stride=2)
    assert el == {"weights": 6912, "inputs": 156600, "outputs": 401408}
    with pytest.raises(ValueError, match="reduction loop"):
        outer_traffic(dict(K_out=4, C=4, P=4, Q=4, R=1, S=1), [("C", 2), ("P", 2)])
    with pytest.raises(ValueError, match="divide"):
        outer_traffic(dict(K_out=4, C=3, P=4, Q=4, R=1, S=1), [("C", 2)])


def test_bad_inputs_are_named():
    t = gemm()
    with pytest.raises(ValueError, match="'colour'"):
        evaluate(t, "gr740", {"colour": [1]})
    with pytest.raises(ValueError, match="'density'"):
        evaluate(t, "gr740", {"density": [0.0]})
    with pytest.raises(ValueError, match="'density' has 2 points, others have 3"):
        evaluate(t, "gr740", {"w_bits": [8, 4, 2], "density": [1.0, 0.5]})
    with pytest.raises(ValueError, match="shape"):
        evaluate(t, "gr740", {"rank": np.ones((2, 5))})
    with pytest.raises(TargetError, match="unknown target"):
        evaluate(t, "cray-1")
    bad = t.copy()
    bad.loc[0, "density"] = 1.5
    with pytest.raises(ir.IRError, match=r"row 0.*density"):
        evaluate(bad, "gr740")
    with pytest.raises(ValueError, match="outer_traffic_B applies to array targets"):
        evaluate(t, "gr740", outer_traffic_B=np.ones(1))


def test_integer_activation_format_selects_the_integer_path_for_w8a16():
    """W8A16 with fixed-point activations (a_format="int") runs on the MCU's q15 SMLAD path (CMSIS-NN), cheaper
    than float; the same row without a_format is weight-only quantisation and computes in fp32."""
    from hwsim import ir
    from hwsim.cost.model import evaluate

    base = dict(layer="fc", M=1, N=64, K=256, w_bits=8, a_bits=16, w_format="int")
    wonly = ir.make([ir.linear(**base)])
    fixed = ir.make([ir.linear(**base, a_format="int")])
    fp32 = ir.make([ir.linear("fc", M=1, N=64, K=256, w_bits=32, a_bits=32, w_format="fp")])
    e = {k: float(evaluate(t, "stm32h7_mcu").per_point()["latency_s"].iloc[0])
         for k, t in (("wonly", wonly), ("fixed", fixed), ("fp32", fp32))}
    assert e["wonly"] == pytest.approx(e["fp32"], rel=1e-12)
    assert e["fixed"] < 0.5 * e["fp32"]
    with pytest.raises(ir.IRError, match="a_format"):
        ir.validate(ir.make([ir.linear(**base, a_format="q15")]))


# SANA-FE arch/loihi.yaml latencies [ns] (Boyle et al., IEEE TCAD 2025): neuron access 6.0 + update 3.7, spike out
# 30.0 + axon out 5.1, axon in 20.0, dense synapse 4.0, barrier 299 (earlier loihi.yaml); 1,024 neurons per core.
_UPD, _OUT, _IN, _SYN, _BAR = 9.7e-9, 35.1e-9, 20.0e-9, 4.0e-9, 299e-9


def _tiny(n_in, rate, T=10, n_out=100):
    return ir.make([ir.neuron_update("in", n_in, T), ir.snn_dense("s", n_in, n_out, T, rate, w_bits=8, w_format="int"),
                    ir.neuron_update("out", n_out, T)])


def test_loihi_on_chip_step_time_by_hand_on_one_and_two_cores():
    on_chip = load("loihi", {"_host_io_per_step": 0.0})
    T = 10
    # 1 core (600 neurons): 25 spikes and 2,500 synops per step; message-bound
    r = evaluate_arrays(_tiny(500, 0.05, T), on_chip).totals
    t_neuron, t_message = 600 * _UPD + 25 * _OUT, 25 * _IN + 2500 * _SYN
    assert t_message > t_neuron
    assert r["latency_s"][0] == pytest.approx(T * (t_message + _BAR), rel=1e-12)
    assert r["timestep_s"][0] == pytest.approx(10.799e-6, rel=1e-12)
    assert r["timestep_source"][0] == "on-chip event latency"
    assert r["energy_static_J"][0] == pytest.approx(0.099 * r["latency_s"][0], rel=1e-12)
    # 2 cores (1,100 neurons > 1,024): 10 spikes and 1,000 synops per step, shared by 2 cores; neuron-bound
    r = evaluate_arrays(_tiny(1000, 0.01, T), on_chip).totals
    t_neuron, t_message = 1100 * _UPD + 10 * _OUT, 10 * _IN + 1000 * _SYN
    assert t_neuron > t_message
    assert r["timestep_s"][0] == pytest.approx(t_neuron / 2 + _BAR, rel=1e-12)
    assert r["timestep_s"][0] == pytest.approx(5.8095e-6, rel=1e-12)


def test_loihi_streamed_step_is_host_bound_and_mixed_deployments_average():
    T = 10
    host = 1 / (296 * 10)  # Blouw et al., arXiv:1812.01739: 296 inferences/s x 10 steps
    r = evaluate_arrays(_tiny(500, 0.05, T), load("loihi")).totals
    assert r["latency_s"][0] == pytest.approx(T * host, rel=1e-12)
    assert r["timestep_source"][0] == "target timestep_s"
    half = evaluate_arrays(_tiny(500, 0.05, T), load("loihi", {"_host_io_per_step": 0.5})).totals
    assert half["timestep_s"][0] == pytest.approx(0.5 * host + 0.5 * 10.799e-6, rel=1e-12)
    assert half["timestep_source"][0] == "host I/O and on-chip event latency"
    with pytest.raises(ValueError, match="_host_io_per_step"):
        evaluate_arrays(_tiny(500, 0.05, T), load("loihi", {"_host_io_per_step": 2.0}))


def test_partial_event_latency_parameters_are_rejected_by_name():
    import dataclasses

    loihi = load("loihi")
    partial = dataclasses.replace(loihi, params={k: v for k, v in loihi.params.items() if k != "barrier_latency_s"})
    with pytest.raises(ValueError, match="barrier_latency_s"):
        evaluate_arrays(_tiny(500, 0.05), partial)
