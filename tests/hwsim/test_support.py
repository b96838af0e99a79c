"""Every target class declares the operation kinds and number formats it executes; a workload it cannot execute is
``supported = False`` with the reason and NaN energy/latency (issue 19, "cost only what can run").

Expected support follows the published capabilities cited in :mod:`hwsim.cost.support` (e.g. Loihi: spikes and
8-bit integer weights, Davies et al. 2018), not the code under test. Tolerances: exact (booleans, NaN).
"""

from __future__ import annotations

import numpy as np
import pytest

from hwsim import ir
from hwsim.cost.model import evaluate_arrays
from hwsim.cost.support import KIND_OPERATION, OPERATIONS, TARGET_CLASSES, formats, operations
from hwsim.targets.catalogue import load, names
from hwsim.targets.schema import CLASSES

ALL_TARGETS = names()
COST_KEYS = ("energy_J", "energy_primitive_J", "energy_dynamic_J", "energy_static_J", "latency_s")


def test_registry_covers_every_class_and_kind():
    assert set(TARGET_CLASSES) == set(CLASSES)
    assert set(KIND_OPERATION) == set(ir.KINDS)
    assert set(KIND_OPERATION.values()) <= set(OPERATIONS)
    for cls in TARGET_CLASSES.values():
        assert set(cls.operations) <= set(OPERATIONS)
    # every class has at least one target in the catalogue, so the tests below reach every class
    assert {load(n).cls for n in ALL_TARGETS} == set(CLASSES)


def _row(kind: str, fmt: str, bits: int) -> dict:
    p = {"w_bits": bits, "a_bits": bits, "w_format": fmt}
    if kind in ("snn_dense", "snn_conv"):
        if kind == "snn_conv":
            return ir.op(layer="s", kind="snn_conv", M=4, N=3, K=2 * 3, C=2, K_out=3, P=4, Q=1, R=3, S=1,
                         time_steps=5, spike_rate=0.1, fan_out=3.0, weight_elems=18, w_bits=bits, w_format=fmt)
        return ir.snn_dense("s", 8, 4, 5, 0.1, w_bits=bits, w_format=fmt)
    if kind == "neuron_update":
        return ir.neuron_update("n", 4, 5)
    if kind == "conv1d":
        return ir.conv1d("c", 2, 3, 4, 3, **p)
    if kind == "conv2d":
        return ir.conv2d("c", 2, 3, 4, 4, 3, 3, **p)
    if kind in ("attention_qk", "attention_av"):
        return ir.linear("a", M=4, N=6, K=8, kind=kind, weight_elems=0, **p)
    if kind in ("norm", "elementwise"):
        return ir.linear("v", M=4, N=6, K=1, kind=kind, weight_elems=0, **p)
    if kind == "expert":
        return ir.linear("e", M=4, N=6, K=8, kind="expert", n_experts=2, top_k=1, **p)
    return ir.linear("l", M=4, N=6, K=8, kind=kind, **p)


def _executes_format(tgt, fmt: str, bits: int, spiking: bool) -> bool:
    """Expected from the declared formats (independent restatement of the module rule)."""
    decl = formats(tgt)
    if spiking and "spikes" not in decl:
        return False
    if spiking and tgt.cls == "neuromorphic":  # the chip's toolchain maps any weights to its synaptic precision
        return True
    ints = [int(f[3:]) for f in decl if f.startswith("int")]
    exact = {"fp32": 24, "tf32": 11, "fp16": 11, "bf16": 8, "fp8": 4}
    floats = [f for f in decl if f not in ("spikes",) and not f.startswith("int")]
    if fmt == "int":
        return any(b >= bits for b in ints) or any(exact[f] >= bits for f in floats)
    return any(int(f[2:]) >= bits for f in floats)


@pytest.mark.parametrize("target", ALL_TARGETS)
def test_every_target_prices_only_what_it_executes(target):
    tgt = load(target)
    for kind in ir.KINDS:
        for fmt, bits in (("int", 8), ("fp", 32)):
            t = ir.make([_row(kind, fmt, bits)])
            r = evaluate_arrays(t, tgt).totals
            spiking = kind in ir.SPIKING_KINDS
            no_format = kind in ("neuron_update", "embedding")
            expect = KIND_OPERATION[kind] in operations(tgt) and (
                no_format or _executes_format(tgt, fmt, bits, spiking))
            assert bool(r["supported"][0]) == expect, (target, kind, fmt)
            if expect:
                assert r["unsupported_reason"][0] == ""
                assert all(np.isfinite(r[k][0]) for k in COST_KEYS), (target, kind, fmt)
            else:
                assert target in r["unsupported_reason"][0]
                assert all(np.isnan(r[k][0]) for k in COST_KEYS), (target, kind, fmt)


@pytest.mark.parametrize("target", [n for n in ALL_TARGETS if load(n).cls == "neuromorphic"])
def test_dense_network_is_not_costed_on_neuromorphic_targets(target):
    dense = ir.make([ir.linear("fc1", M=1, N=64, K=32, w_bits=8, a_bits=8, w_format="int"),
                     ir.linear("fc2", M=1, N=10, K=64, w_bits=8, a_bits=8, w_format="int")])
    r = evaluate_arrays(dense, target).totals
    assert not r["supported"][0]
    assert "fc1" in r["unsupported_reason"][0] and "1 more unsupported op" in r["unsupported_reason"][0]
    assert "ANN-to-SNN" in r["unsupported_reason"][0]
    assert np.isnan(r["energy_J"][0]) and np.isnan(r["latency_s"][0])
    assert r["macs"][0] == 32 * 64 + 64 * 10  # work and memory are still reported


def test_support_is_per_design_point():
    """int8 weights and activations run on Eyeriss-like (8-bit datapath); with 16-bit activations (weight-only
    quantisation, which computes in float) they do not."""
    t = ir.make([ir.conv2d("c", 3, 8, 4, 4, 3, 3, w_bits=8, a_bits=8, w_format="int")])
    r = evaluate_arrays(t, "eyeriss_like", {"w_bits": [8, 16], "a_bits": [8, 16]}).totals
    assert list(r["supported"]) == [True, False]
    assert np.isfinite(r["energy_J"][0]) and np.isnan(r["energy_J"][1])
    assert "fp16" in r["unsupported_reason"][1]


def test_wide_integer_layer_on_fixed_point_array():
    """W16A16 integer weights with undeclared activation format run on the 16-bit fixed-point Eyeriss-like array
    (the V5b AlexNet case), not on the 8-bit one."""
    t = ir.make([ir.conv2d("c", 3, 8, 4, 4, 3, 3, w_bits=16, a_bits=16, w_format="int")])
    assert evaluate_arrays(t, "eyeriss_like_16b").totals["supported"][0]
    assert not evaluate_arrays(t, "eyeriss_like").totals["supported"][0]


def test_spiking_weights_are_requantised_on_neuromorphic_chips():
    """A float-weight spiking layer runs on Loihi (8-bit synapses, weights mapped by its toolchain) but not on the
    8-bit integer Eyeriss-like array, which has no such toolchain step."""
    t = ir.make([ir.snn_dense("s", 8, 4, 5, 0.1, w_bits=32, w_format="fp"), ir.neuron_update("n", 4, 5)])
    assert evaluate_arrays(t, "loihi").totals["supported"][0]
    r = evaluate_arrays(t, "eyeriss_like").totals
    assert not r["supported"][0] and "spikes, weights fp32" in r["unsupported_reason"][0]
