"""Fixtures of tests/hwsim: small ONNX models written with onnx.helper (a CNN, an MLP, an attention block).

``onnx`` is imported lazily, so this directory's other tests run without it; the fixture ``onnx_models`` skips
when it is absent.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest


def _onnx():
    pytest.importorskip("onnx", reason="onnx is not installed (pip install 'hwsim[interop]')")
    import onnx
    import onnx.numpy_helper

    return onnx


def _w(rng: np.random.Generator, name: str, *shape: int):
    onnx = _onnx()
    return onnx.numpy_helper.from_array((0.1 * rng.standard_normal(shape)).astype(np.float32), name)


def _model(nodes, inputs, outputs, inits, name: str):
    onnx = _onnx()
    g = onnx.helper.make_graph(nodes, name, inputs, outputs, inits)
    m = onnx.helper.make_model(g, opset_imports=[onnx.helper.make_opsetid("", 17)])
    onnx.checker.check_model(m)
    return m


def _io(name: str, shape):
    onnx = _onnx()
    return onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, shape)


def cnn(seed: int = 0, batch: int | str = 1):
    """1x3x32x32 -> Conv 3->16 k3 p1 (+bias) -> BN -> Relu -> MaxPool 2 -> grouped Conv 16->32 k3 s2 p1 g4 (no bias)
    -> Relu -> GlobalAveragePool -> Flatten -> Gemm 32->10 (transB, bias)."""
    onnx = _onnx()
    r = np.random.default_rng(seed)
    n = onnx.helper.make_node
    inits = [_w(r, "w1", 16, 3, 3, 3), _w(r, "b1", 16), _w(r, "bn_s", 16), _w(r, "bn_b", 16), _w(r, "bn_m", 16),
             onnx.numpy_helper.from_array(np.ones(16, np.float32), "bn_v"), _w(r, "w2", 32, 4, 3, 3),
             _w(r, "fc_w", 10, 32), _w(r, "fc_b", 10)]
    nodes = [n("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
             n("BatchNormalization", ["c1", "bn_s", "bn_b", "bn_m", "bn_v"], ["bn1"], name="bn1"),
             n("Relu", ["bn1"], ["r1"], name="relu1"),
             n("MaxPool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]),
             n("Conv", ["p1", "w2"], ["c2"], name="conv2", pads=[1, 1, 1, 1], strides=[2, 2], group=4),
             n("Relu", ["c2"], ["r2"], name="relu2"),
             n("GlobalAveragePool", ["r2"], ["gap"], name="gap"),
             n("Flatten", ["gap"], ["flat"], name="flatten"),
             n("Gemm", ["flat", "fc_w", "fc_b"], ["y"], name="fc", transB=1)]
    return _model(nodes, [_io("x", [batch, 3, 32, 32])], [_io("y", [batch, 10])], inits, "cnn")


def mlp(seed: int = 0):
    """4x64 -> MatMul 64x128 -> Add bias -> Relu -> MatMul 128x10."""
    onnx = _onnx()
    r = np.random.default_rng(seed)
    n = onnx.helper.make_node
    inits = [_w(r, "w1", 64, 128), _w(r, "b1", 128), _w(r, "w2", 128, 10)]
    nodes = [n("MatMul", ["x", "w1"], ["h"], name="fc1"), n("Add", ["h", "b1"], ["hb"], name="bias1"),
             n("Relu", ["hb"], ["hr"], name="relu1"), n("MatMul", ["hr", "w2"], ["y"], name="fc2")]
    return _model(nodes, [_io("x", [4, 64])], [_io("y", [4, 10])], inits, "mlp")


def attention(seed: int = 0, tokens: int = 16, d_model: int = 32, heads: int = 4):
    """Single-head-group self-attention block on (1, tokens, d_model): Q/K/V projections, split into heads,
    scores = Q K^T (MatMul of two activations), Softmax, context = P V (MatMul of two activations), output
    projection."""
    onnx = _onnx()
    r = np.random.default_rng(seed)
    n = onnx.helper.make_node
    dh = d_model // heads
    shp = onnx.numpy_helper.from_array(np.array([1, tokens, heads, dh], np.int64), "shp")
    back = onnx.numpy_helper.from_array(np.array([1, tokens, d_model], np.int64), "back")
    inits = [_w(r, f"w{p}", d_model, d_model) for p in "qkvo"] + [shp, back]
    nodes = []
    for p in "qkv":
        nodes += [n("MatMul", ["x", f"w{p}"], [f"{p}0"], name=f"{p}_proj"),
                  n("Reshape", [f"{p}0", "shp"], [f"{p}1"], name=f"{p}_reshape")]
    nodes += [n("Transpose", ["q1"], ["q"], name="q_t", perm=[0, 2, 1, 3]),
              n("Transpose", ["k1"], ["kT"], name="k_t", perm=[0, 2, 3, 1]),
              n("Transpose", ["v1"], ["v"], name="v_t", perm=[0, 2, 1, 3]),
              n("MatMul", ["q", "kT"], ["s"], name="scores"),
              n("Softmax", ["s"], ["p"], name="softmax", axis=-1),
              n("MatMul", ["p", "v"], ["ctx"], name="context"),
              n("Transpose", ["ctx"], ["ctx_t"], name="ctx_t", perm=[0, 2, 1, 3]),
              n("Reshape", ["ctx_t", "back"], ["ctx2"], name="ctx_reshape"),
              n("MatMul", ["ctx2", "wo"], ["y"], name="o_proj")]
    return _model(nodes, [_io("x", [1, tokens, d_model])], [_io("y", [1, tokens, d_model])], inits, "attention")


def single(op: str, a_shape, b_shape, b_const: bool, **attrs):
    """One Conv/Gemm/MatMul node (the interop sheet's check values)."""
    onnx = _onnx()
    r = np.random.default_rng(0)
    inputs = [_io("a", list(a_shape))]
    inits = []
    if b_const:
        inits.append(_w(r, "b", *b_shape))
    else:
        inputs.append(_io("b", list(b_shape)))
    node = onnx.helper.make_node(op, ["a", "b"], ["y"], name="op", **attrs)
    out = onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [f"d{i}" for i in range(len(a_shape))])
    g = onnx.helper.make_graph([node], "single", inputs, [out], inits)
    m = onnx.helper.make_model(g, opset_imports=[onnx.helper.make_opsetid("", 17)])
    onnx.checker.check_model(m)
    return m


@pytest.fixture
def onnx_models() -> SimpleNamespace:
    """Builders of small ONNX models (skips when ``onnx`` is not installed)."""
    _onnx()
    return SimpleNamespace(cnn=cnn, mlp=mlp, attention=attention, single=single)
