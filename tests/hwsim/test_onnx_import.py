"""ONNX import into the IR: MACs against the ONNX operator formulas and against onnx-tool's independent counter.

Tolerance: MAC and parameter counts are integers and must match exactly.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from hwsim import ir
from hwsim.interop.onnx_import import onnx_network


def _onnx_tool_macs(model, tmp_path) -> dict[str, float]:
    """Forward MACs per node from onnx-tool (an independent counter)."""
    onnx_tool = pytest.importorskip("onnx_tool", reason="onnx-tool is not installed (pip install 'hwsim[test]')")
    import onnx

    path = tmp_path / "m.onnx"
    onnx.save(model, str(path))
    m = onnx_tool.Model(str(path))
    m.graph.shape_infer()
    m.graph.profile()
    return {n.name: float(n.macs[0]) for n in m.graph.nodemap.values()}


def _bias_outputs(model, net) -> dict[str, float]:
    """Output elements of Conv/Gemm nodes with a bias input: onnx-tool counts one MAC per output for the bias."""
    out = {}
    for node in model.graph.node:
        if node.op_type in ("Conv", "Gemm") and len(node.input) == 3 and node.input[2]:
            out[node.name] = float(net.layers.set_index("layer").loc[node.name, "output_B"] / 4)
    return out


@pytest.mark.parametrize("which", ["cnn", "mlp", "attention"])
def test_macs_equal_onnx_tool(onnx_models, tmp_path, which):
    model = getattr(onnx_models, which)()
    net = onnx_network(model)
    ours = net.layers.set_index("layer")["macs"]
    peer = _onnx_tool_macs(model, tmp_path)
    bias = _bias_outputs(model, net)
    mac_nodes = [n.name for n in model.graph.node if n.op_type in ("Conv", "Gemm", "MatMul")]
    assert mac_nodes
    for name in mac_nodes:
        # documented convention difference: onnx-tool adds one MAC per output element for a bias
        assert ours[name] + bias.get(name, 0.0) == peer[name], name
    # the IR's own MAC rule gives the same per-layer numbers
    np.testing.assert_array_equal(ir.dense_macs(net.table)[net.table["kind"] != "embedding"],
                                  net.layers["macs"].to_numpy()[net.table["kind"] != "embedding"])


def test_cnn_rows_and_formulas(onnx_models):
    net = onnx_network(onnx_models.cnn())
    L = net.layers.set_index("layer")
    # Conv 1x3x32x32 * 16x3x3x3, pad 1: N*Cout*Hout*Wout*(Cin/g)*kH*kW
    assert L.loc["conv1", "macs"] == 1 * 16 * 32 * 32 * 3 * 3 * 3 == 442_368
    # grouped conv on the pooled 16x16x16 map: 32 out, group 4, stride 2, pad 1 -> 8x8 output
    assert L.loc["conv2", "macs"] == 1 * 32 * 8 * 8 * (16 // 4) * 3 * 3
    assert L.loc["fc", "macs"] == 32 * 10
    assert L.loc["conv1", "params"] == 16 * 3 * 9 + 16 and L.loc["conv2", "params"] == 32 * 4 * 9
    assert L.loc["conv1", "weight_B"] == (16 * 27 + 16) * 4
    assert L.loc["conv1", "input_B"] == 3 * 32 * 32 * 4 and L.loc["conv1", "output_B"] == 16 * 32 * 32 * 4
    assert L.loc["pool1", "macs"] == 16 * 16 * 16 * 4  # one op per kernel element per output
    assert L.loc["gap", "macs"] == 32 * 8 * 8
    assert L.loc["bn1", "kind"] == "norm" and L.loc["bn1", "params"] == 4 * 16
    assert "flatten" not in L.index  # layout only
    t = net.table.set_index("layer")
    assert t.loc["conv2", "kind"] == "conv2d" and t.loc["conv2", "C"] == 4 and t.loc["conv2", "stride"] == 2
    assert t.loc["conv1", "w_bits"] == 32 and t.loc["conv1", "w_format"] == "fp"
    assert ir.parameter_count(net.table) == int(L["params"].sum())


def test_symbolic_batch(onnx_models):
    one = onnx_network(onnx_models.cnn(batch="N")).layers.set_index("layer")["macs"]
    four = onnx_network(onnx_models.cnn(batch="N"), batch=4).layers.set_index("layer")["macs"]
    np.testing.assert_array_equal(four.to_numpy(), 4 * one.to_numpy())


def test_attention_rows(onnx_models):
    T, d, h = 16, 32, 4
    net = onnx_network(onnx_models.attention(tokens=T, d_model=d, heads=h))
    t = net.table.set_index("layer")
    assert t.loc["scores", "kind"] == "attention_qk" and t.loc["context", "kind"] == "attention_av"
    assert t.loc["scores", "weight_elems"] == 0 and t.loc["scores", "count"] == h
    L = net.layers.set_index("layer")
    assert L.loc["scores", "macs"] == h * T * T * (d // h)
    assert L.loc["context", "macs"] == h * T * (d // h) * T
    assert L.loc["q_proj", "macs"] == T * d * d and t.loc["q_proj", "kind"] == "linear"


@pytest.mark.parametrize("op, a, b, const, attrs, expected", [
    ("Conv", (1, 3, 32, 32), (16, 3, 3, 3), True, {"pads": [1, 1, 1, 1]}, 1 * 16 * 32 * 32 * 3 * 9),
    ("Conv", (1, 16, 32, 32), (32, 4, 3, 3), True, {"pads": [1, 1, 1, 1], "strides": [2, 2], "group": 4},
     32 * 16 * 16 * 4 * 9),
    ("Gemm", (1, 8192), (10, 8192), True, {"transB": 1}, 8192 * 10),
    ("MatMul", (8, 4, 5), (8, 5, 7), False, {}, 8 * 4 * 5 * 7),
    ("Conv", (2, 4, 50), (6, 4, 5), True, {"strides": [2]}, 2 * 6 * 23 * 4 * 5),
])
def test_single_op_check_values(onnx_models, op, a, b, const, attrs, expected):
    """The interop sheet's check values (442,368; 294,912; 81,920; 1,120) and a 1-D conv, from the formulas."""
    net = onnx_network(onnx_models.single(op, a, b, const, **attrs))
    assert net.layers["macs"].sum() == expected
    assert math.isclose(float(ir.dense_macs(net.table).sum()), expected, rel_tol=0, abs_tol=0)


def test_bad_input(onnx_models, tmp_path):
    with pytest.raises(ValueError, match="batch"):
        onnx_network(onnx_models.mlp(), batch=0)
    with pytest.raises(ValueError, match="source"):
        onnx_network(tmp_path / "missing.onnx")
    with pytest.raises(ValueError, match="input_shapes"):
        onnx_network(onnx_models.mlp(), input_shapes={"nope": (1, 2)})
    import onnx

    m = onnx_models.mlp()
    m.graph.node[2].op_type = "Hardmax"  # valid ONNX, not in the importer's list
    with pytest.raises(ValueError, match="Hardmax"):
        onnx_network(m)
    del onnx
