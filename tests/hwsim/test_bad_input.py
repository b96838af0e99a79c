"""Bad input is never silent in hwsim's public API (issue 18): property-based tests (hypothesis) drive NaN, inf,
empty, wrong-shape, negative, non-integral and extreme values through the IR builders, the cost model, target
overrides, the workload transforms, weight compression and the ONNX importer. Property: every bad input raises
ValueError (or a subclass: IRError, TargetError) whose message names the argument or field; every valid input gives
finite, non-negative energy, latency and memory where ``supported`` and NaN energy/latency only where it is not.

Each regression named in the report (silent passes found and fixed) has its own example below. Runs in a few
seconds: 25 examples per property, targets loaded once (cached by the catalogue)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hwsim import ir
from hwsim.compress import lowrank, prune
from hwsim.compress import quantize as cquant
from hwsim.cost.model import evaluate_arrays
from hwsim.cost.network import cost_table
from hwsim.targets import catalogue
from hwsim.workloads import transforms
from hwsim.workloads.moe import with_moe

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NONFINITE = st.sampled_from([math.nan, math.inf, -math.inf])
NEGATIVE = st.one_of(st.integers(-(2**40), -1), st.floats(-1e300, -1e-300))
NON_INTEGRAL = st.floats(0.01, 1e6).filter(lambda x: x != round(x))
TARGETS = catalogue.names()


def _raises_naming(name: str, fn, *args, **kwargs) -> None:
    """``fn`` raises ValueError (or a subclass) whose message names ``name``."""
    with pytest.raises(ValueError, match=re.escape(name)):
        fn(*args, **kwargs)


def _base() -> object:
    return ir.make([ir.linear("blk.mlp.up_proj", 4, 8, 8), ir.linear("blk.mlp.down_proj", 4, 8, 8)])


def _spiking() -> object:
    return ir.make([ir.snn_dense("fc1", 16, 8, 10, 0.05), ir.neuron_update("lif1", 8, 10)])


# ------------------------------------------------------------------------------------------- IR builders

INT_FIELDS = ("M", "N", "K", "time_steps", "w_bits", "a_bits", "n_neurons", "rank", "group_size", "top_k")


@FAST
@given(field=st.sampled_from(INT_FIELDS), bad=st.one_of(NONFINITE, NON_INTEGRAL))
def test_make_rejects_nonfinite_or_fractional_integer_fields(field, bad):
    # regression: linear("a", 2.5, 4, 4) was truncated to M=2 and w_bits=NaN passed validate
    _raises_naming(field, ir.make, [ir.op(layer="a", **{field: bad})])


@FAST
@given(field=st.sampled_from(("count", "spike_rate", "fan_out", "density", "imbalance")), bad=NONFINITE)
def test_make_rejects_nonfinite_float_fields(field, bad):
    # regression: imbalance=NaN/inf passed
    row = ir.op(**{"layer": "s", "kind": "snn_dense", "N": 4, "K": 4, "time_steps": 2, "spike_rate": 0.1,
                   "fan_out": 4.0, field: bad})
    _raises_naming(field, ir.make, [row])
    if field == "density":  # regression: the builder raised a bare "cannot convert float NaN to integer"
        _raises_naming(field, ir.snn_dense, "s", 4, 4, 2, 0.1, density=bad)


@FAST
@given(field=st.sampled_from(("spikes_pos", "spikes_neg", "syn_ops")), bad=st.one_of(
    st.sampled_from([math.inf, -math.inf]), NEGATIVE))
def test_make_rejects_infinite_or_negative_measured_counts(field, bad):
    # regression: spikes_pos/spikes_neg/syn_ops = inf passed (NaN = unknown stays accepted)
    _raises_naming(field, ir.make, [ir.snn_dense("s", 4, 4, 2, 0.1, **{field: bad})])
    assert np.isnan(ir.make([ir.snn_dense("s", 4, 4, 2, 0.1, **{field: math.nan})])[field].iloc[0])


@FAST
@given(builder=st.sampled_from(("linear", "conv1d", "conv2d", "snn_dense", "neuron_update")),
       bad=st.one_of(NONFINITE, NEGATIVE, NON_INTEGRAL))
def test_builders_reject_bad_dimensions(builder, bad):
    rows = {
        "linear": lambda: ir.linear("l", bad, 4, 4),
        "conv1d": lambda: ir.conv1d("c", 3, 4, bad, 3),
        "conv2d": lambda: ir.conv2d("c", 3, 4, 5, bad, 3, 3),
        "snn_dense": lambda: ir.snn_dense("s", bad, 4, 2, 0.1),
        "neuron_update": lambda: ir.neuron_update("n", bad, 5),
    }[builder]
    with pytest.raises(ValueError, match=r"field '\w+'"):
        ir.make([rows()])


@FAST
@given(field=st.sampled_from(("w_bits", "a_bits", "acc_bits")), bits=st.integers(129, 2**40))
def test_make_rejects_absurd_bit_widths(field, bits):
    # regression: quantize(table, w_bits=2**40) was accepted; bits now lie in [1, 64] ([1, 128] for acc_bits)
    _raises_naming(field, ir.make, [ir.op(layer="a", **{field: bits})])


def test_make_rejects_unknown_field_and_validate_missing_columns():
    _raises_naming("no_such", ir.make, [{"layer": "a", "no_such": 1}])
    _raises_naming("lacks column", ir.validate, ir.empty().drop(columns=["M"]))
    ir.validate(ir.empty())  # an empty table with the full schema is a valid (empty) workload


def test_dt_s_accepts_nan_rejects_nonpositive_and_infinite():
    for bad in (0.0, -1e-9, math.inf):
        _raises_naming("dt_s", ir.make, [ir.neuron_update("n", 4, 5, dt_s=bad)])
    assert math.isnan(ir.time_step_s(ir.make([ir.neuron_update("n", 4, 5)])))


# ------------------------------------------------------------------------------------------- transforms

@FAST
@given(arg=st.sampled_from(("w_bits", "a_bits", "group_size", "scale_bits")), bad=st.one_of(NONFINITE, NEGATIVE))
def test_quantize_rejects_bad_arguments(arg, bad):
    # regression: w_bits=NaN, a_bits=NaN, group_size=NaN, scale_bits=NaN returned a table
    kwargs = {"w_bits": 8, arg: bad}
    _raises_naming(arg, transforms.quantize, _base(), **kwargs)


@FAST
@given(bad=st.one_of(NONFINITE, st.floats(-1e6, 0.0), st.floats(1.0, 1e6, exclude_min=True)))
def test_sparsify_rejects_density_outside_unit_interval(bad):
    _raises_naming("density", transforms.sparsify, _base(), bad)


@FAST
@given(bad=st.one_of(NONFINITE, NEGATIVE, NON_INTEGRAL, st.just(0), st.integers(9, 2**40)))
def test_low_rank_rejects_bad_rank(bad):
    # regression: rank=0 (a no-op) and rank=2.5 (truncated to 2) returned a table
    _raises_naming("rank", transforms.low_rank, _base(), rank=bad)


@FAST
@given(bad=st.one_of(NONFINITE, st.floats(-1.0, 0.0), st.floats(1.0, 10.0, exclude_min=True)))
def test_low_rank_rejects_bad_rank_fraction(bad):
    _raises_naming("rank_fraction", transforms.low_rank, _base(), rank_fraction=bad)


@FAST
@given(arg=st.sampled_from(("n_experts", "top_k", "imbalance")), bad=st.one_of(NONFINITE, NEGATIVE, NON_INTEGRAL))
def test_with_moe_rejects_bad_arguments(arg, bad):
    # regression: imbalance=NaN/inf and n_experts=4.5 returned a table
    kwargs = {"n_experts": 4, "top_k": 2, "imbalance": 1.0, arg: bad}
    if arg == "imbalance" and isinstance(bad, float) and math.isfinite(bad) and bad >= 1:
        return  # a non-integral imbalance >= 1 is valid
    with pytest.raises(ValueError, match=r"n_experts|top_k|imbalance"):
        with_moe(_base(), **kwargs)


# ------------------------------------------------------------------------------------------- cost model

@FAST
@given(column=st.sampled_from(("count", "M", "w_bits", "density", "spike_rate", "time_steps", "fan_out",
                               "imbalance", "stride")),
       bad=NONFINITE, target=st.sampled_from(TARGETS))
def test_design_points_reject_nonfinite_values(column, bad, target):
    # regression: points {"count": [nan]} / {"M": [inf]} / {"stride": [inf]} returned NaN or inf totals
    _raises_naming(column, evaluate_arrays, _spiking(), target, {column: [bad]})


@FAST
@given(column=st.sampled_from(("syn_ops", "spikes_pos", "spikes_neg", "count", "fan_out")), bad=NEGATIVE)
def test_design_points_reject_negative_values(column, bad):
    # regression: points {"syn_ops": [-1]} gave a negative synop count
    _raises_naming(column, evaluate_arrays, _spiking(), "loihi", {column: [bad]})


@FAST
@given(rate=st.floats(1.0, 1e300, exclude_min=True))
def test_design_points_reject_spike_rate_above_one_on_unsigned_rows(rate):
    # regression: points {"spike_rate": [5.0]} on an unsigned snn_dense row was costed (the IR rejects it)
    _raises_naming("spike_rate", evaluate_arrays, _spiking(), "loihi", {"spike_rate": [rate]})


def test_design_points_reject_empty_and_wrong_shape():
    _raises_naming("w_bits", evaluate_arrays, _base(), "a100_sxm4_80gb", {"w_bits": []})
    _raises_naming("w_bits", evaluate_arrays, _base(), "a100_sxm4_80gb", {"w_bits": np.ones((2, 5))})
    _raises_naming("points", evaluate_arrays, _base(), "a100_sxm4_80gb", {"density": [0.5, 0.5],
                                                                            "w_bits": [4, 8, 16]})


def test_cost_table_rejects_empty_lists_and_unknown_names():
    # regression: targets=[] silently meant "the whole catalogue" and bits=[] silently meant "stored"
    _raises_naming("targets", cost_table, _base(), targets=[])
    _raises_naming("bits", cost_table, _base(), bits=[])
    _raises_naming("bits", cost_table, _base(), targets=["loihi"], bits=["int99"])
    with pytest.raises(catalogue.TargetError, match="no_such_target"):
        cost_table(_base(), targets=["no_such_target"])


def _check_totals(tot: dict) -> None:
    sup = np.asarray(tot["supported"], bool)
    for k in ("energy_J", "energy_dynamic_J", "energy_static_J", "latency_s"):
        x = np.asarray(tot[k], np.float64)
        assert np.all(np.isfinite(x[sup]) & (x[sup] >= 0)), (k, x)
        assert np.all(np.isnan(x[~sup])), (k, x)  # NaN exactly where unsupported
    for k in ("memory_B", "weights_B", "macs", "synops"):
        x = np.asarray(tot[k], np.float64)
        assert np.all(np.isfinite(x) & (x >= 0)), (k, x)


@FAST
@given(M=st.integers(1, 2**16), N=st.integers(1, 2**14), K=st.integers(1, 2**14),
       count=st.floats(1e-3, 1e6), w_bits=st.integers(1, 64), density=st.floats(1e-6, 1.0, exclude_min=True),
       rate=st.floats(0.0, 1.0), steps=st.integers(1, 10_000), target=st.sampled_from(TARGETS))
def test_valid_workloads_give_finite_nonnegative_costs(M, N, K, count, w_bits, density, rate, steps, target):
    table = ir.make([
        ir.linear("fc", M, N, K, count=count, w_bits=w_bits, w_format="int", density=density,
                  sparsity_pattern="unstructured" if density < 1 else "dense"),
        ir.snn_dense("syn", K, N, steps, rate),
        ir.neuron_update("lif", N, steps),
    ])
    _check_totals(evaluate_arrays(table, target).totals)


@FAST
@given(w_bits=st.lists(st.integers(1, 64), min_size=1, max_size=4), target=st.sampled_from(TARGETS))
def test_valid_design_points_give_finite_nonnegative_costs(w_bits, target):
    _check_totals(evaluate_arrays(_base(), target, {"w_bits": w_bits}).totals)


def test_empty_workload_is_rejected_naming_the_table():
    # regression: an IR table without rows raised numpy's "zero-size array to reduction operation"
    _raises_naming("table", evaluate_arrays, ir.empty(), "loihi")
    _raises_naming("table", cost_table, ir.empty(), targets=["a100_sxm4_80gb"])


# ------------------------------------------------------------------------------------------- target overrides

_RAW_PARAMS = [(t, k) for t in TARGETS if t != "mtj_core"  # mtj_core's providers run a device simulation
               for k, q in catalogue.load(t).params.items() if not k.startswith("_") and not q.expr]


@FAST
@given(tp=st.sampled_from(_RAW_PARAMS), bad=st.one_of(NONFINITE, st.floats(-1e300, -1e-300)))
def test_target_overrides_reject_nonfinite_and_negative(tp, bad):
    name, param = tp
    with pytest.raises(catalogue.TargetError, match=re.escape(param)):
        catalogue.load(name, {param: bad})


def test_target_override_rejects_unknown_parameter_and_name():
    with pytest.raises(catalogue.TargetError, match="no_such_param"):
        catalogue.load("loihi", {"no_such_param": 1.0})
    with pytest.raises(catalogue.TargetError, match="no_such_target"):
        catalogue.load("no_such_target")
    with pytest.raises(ValueError):
        catalogue.load("loihi", {"synop_J": "abc"})


# ------------------------------------------------------------------------------------------- compression

@FAST
@given(fn=st.sampled_from(("quantize", "magnitude_prune", "nm_prune", "svd")), bad=NONFINITE,
       i=st.integers(0, 63))
def test_compression_rejects_nonfinite_weights(fn, bad, i):
    # regression: NaN/inf weights were quantised/pruned silently, and svd_factorize hung on inf
    w = np.random.default_rng(0).normal(size=(8, 8))
    w.flat[i] = bad
    call = {"quantize": lambda: cquant.quantize(w, 4), "magnitude_prune": lambda: prune.magnitude_prune(w, 0.5),
            "nm_prune": lambda: prune.nm_prune(w), "svd": lambda: lowrank.svd_factorize(w, rank=2)}[fn]
    with pytest.raises(ValueError, match="non-finite"):
        call()


def test_compression_rejects_empty_and_wrong_shape_weights():
    _raises_naming("w", cquant.quantize, np.zeros((0, 8)), 4)
    _raises_naming("layout 'dense'", prune.magnitude_prune, np.ones(8), 0.5)


# ------------------------------------------------------------------------------------------- ONNX importer

@FAST
@given(payload=st.binary(min_size=1, max_size=64))
def test_onnx_importer_rejects_malformed_files(tmp_path_factory, payload):
    # regression: a corrupt file raised protobuf's DecodeError instead of ValueError
    pytest.importorskip("onnx")
    from hwsim.interop.onnx_import import onnx_workload

    p = tmp_path_factory.mktemp("onnx") / "bad.onnx"
    p.write_bytes(payload)
    with pytest.raises(ValueError, match=r"source=|ONNX|onnx"):
        onnx_workload(p)


def test_onnx_importer_rejects_bad_batch_and_shape_mismatch():
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    from hwsim.interop.onnx_import import onnx_workload

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])

    def model(rows: int) -> onnx.ModelProto:
        w = helper.make_tensor("W", TensorProto.FLOAT, [rows, 3], np.ones(rows * 3, np.float32).tolist())
        return helper.make_model(helper.make_graph([helper.make_node("MatMul", ["x", "W"], ["y"])], "g", [x], [y],
                                                   [w]))

    for bad in (0, -1, 1.5, math.nan):
        _raises_naming("batch", onnx_workload, model(4), batch=bad)
    with pytest.raises(ValueError, match="shape"):
        onnx_workload(model(5))
