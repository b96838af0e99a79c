"""Import a dense network stored as ONNX into the network IR (:mod:`hwsim.ir`), with MACs and bytes per layer.

The model is loaded with the ``onnx`` package and its tensor shapes come from ONNX shape inference
(``onnx.shape_inference.infer_shapes(..., strict_mode=True, data_prop=True)``; https://onnx.ai/onnx/api/shape_inference.html).
Every compute node becomes one IR row; layout-only nodes (Reshape, Flatten, Transpose, ...) cost nothing and
produce no row; an operator outside :data:`SUPPORTED_OPS` raises ``ValueError`` (never a silent zero).

Per-node conventions (the ONNX operator definitions, https://onnx.ai/onnx/operators/):

* ``Conv`` (1-D / 2-D): MACs = N * C_out * prod(output spatial) * (C_in / group) * prod(kernel), i.e. the IR conv
  row has ``C = C_in / group``. A bias adds no MAC (it is one add per output, counted by neither the IR nor
  this importer; onnx-tool counts it as one MAC per output element, hence onnx-tool = ours + N*C_out*H_out*W_out
  for a Conv or Gemm with a bias). Unequal strides keep ``stride`` = the first (height) stride.
* ``Gemm`` (``Y = alpha A' B' + beta C``): MACs = M*N*K, with ``transA``/``transB`` applied.
* ``MatMul`` (numpy.matmul broadcasting): MACs = prod(batch) * M*N*K. With a constant (initializer) operand it is
  a ``linear`` row holding the weights; with two activations it is attention-style: ``attention_av`` when the
  left operand comes from a ``Softmax`` (scores x values), ``attention_qk`` otherwise (queries x keys), with
  ``count`` = prod(batch dims) and no stored weights.
* pooling (``MaxPool``, ``AveragePool``, ``LpPool``, ``GlobalAveragePool``, ``GlobalMaxPool``): an
  ``elementwise`` row of one operation per kernel element per output (``M`` = batch * output pixels, ``N`` =
  channels, ``K`` = kernel elements).
* normalisation (``BatchNormalization``, ``LayerNormalization``, ``InstanceNormalization``,
  ``LpNormalization``): a ``norm`` row of one operation per output element (stored scale/shift/statistics as
  weights); element-wise activations and arithmetic: an ``elementwise`` row of one operation per output element
  (a constant operand, e.g. a bias ``Add``, is stored as weights).
* ``Gather`` of a constant table by activation indices: an ``embedding`` look-up row.

Precision: weights take the bit width and format of their ONNX element type (float32 -> 32-bit ``fp``), activations
that of the node's output; the cost layer may override both per design point (``w_bits``/``a_bits``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hwsim import ir

MAC_OPS = ("Conv", "Gemm", "MatMul")
POOL_OPS = ("MaxPool", "AveragePool", "LpPool", "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool")
NORM_OPS = ("BatchNormalization", "LayerNormalization", "InstanceNormalization", "LpNormalization")
ELEMENTWISE_OPS = (
    "Relu", "LeakyRelu", "PRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Softmax", "LogSoftmax", "Gelu",
    "Erf", "Elu", "Selu", "Celu", "Softplus", "Softsign", "Mish", "Clip", "Exp", "Log", "Sqrt", "Reciprocal", "Pow",
    "Neg", "Abs", "Add", "Sub", "Mul", "Div", "Max", "Min", "Sum", "Mean", "Where", "ReduceMean", "ReduceSum",
    "ReduceMax", "ReduceMin",
)
LAYOUT_OPS = (
    "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Identity", "Dropout", "Constant", "Shape", "Concat",
    "Split", "Slice", "Cast", "ConstantOfShape", "Range", "Expand",
)
SUPPORTED_OPS = (*MAC_OPS, *POOL_OPS, *NORM_OPS, *ELEMENTWISE_OPS, "Gather", *LAYOUT_OPS)
"""ONNX operator types the importer understands (default domain); layout-only ones produce no IR row."""

# ONNX TensorProto element type -> (bits, IR number format)
_DTYPES = {1: (32, "fp"), 2: (8, "int"), 3: (8, "int"), 4: (16, "int"), 5: (16, "int"), 6: (32, "int"),
           7: (64, "int"), 10: (16, "fp"), 11: (64, "fp"), 12: (32, "int"), 13: (64, "int"), 16: (16, "bf")}


@dataclass(frozen=True)
class OnnxNetwork:
    """An imported ONNX model.

    ``table``: the IR (one row per compute node, :mod:`hwsim.ir` schema). ``layers``: one row per compute node with
    ``layer`` (node name), ``op_type``, ``kind`` (IR kind), ``macs`` (dense MACs per inference), ``params`` (stored
    weight elements), ``weight_B``, ``input_B`` (activation operands read), ``output_B`` (activations written),
    bytes at the model's own element types. ``name``: the graph name.
    """

    name: str
    table: pd.DataFrame
    layers: pd.DataFrame


def _bits(elem_type: int, where: str) -> tuple[int, str]:
    if elem_type not in _DTYPES:
        raise ValueError(f"{where}: ONNX element type {elem_type} is not a numeric type this importer supports "
                         f"(accepted: {sorted(_DTYPES)})")
    return _DTYPES[elem_type]


def _load(source: str | Path | Any):
    import onnx

    if isinstance(source, onnx.ModelProto):
        return source
    path = Path(source)
    if path.suffix.lower() != ".onnx" or not path.is_file():
        raise ValueError(f"source={str(source)!r} must be an existing .onnx file or an onnx.ModelProto")
    try:
        return onnx.load(str(path), load_external_data=True)
    except Exception as e:  # protobuf DecodeError, truncated file, missing external data
        raise ValueError(f"source={str(source)!r} is not a readable ONNX model: {type(e).__name__}: {e}") from e


def _fix_inputs(model, batch: int, input_shapes: Mapping[str, Sequence[int]] | None):
    """Copy of ``model`` with every graph input given a static shape (symbolic first dim -> ``batch``)."""
    import onnx

    m = onnx.ModelProto()
    m.CopyFrom(model)
    inits = {t.name for t in m.graph.initializer}
    shapes = dict(input_shapes or {})
    for vi in m.graph.input:
        if vi.name in inits:
            continue
        dims = vi.type.tensor_type.shape.dim
        if vi.name in shapes:
            new = [int(s) for s in shapes.pop(vi.name)]
            if any(s < 1 for s in new):
                raise ValueError(f"input_shapes[{vi.name!r}]={new} must be positive integers")
            del dims[:]
            for s in new:
                dims.add().dim_value = s
            continue
        for i, d in enumerate(dims):
            if d.HasField("dim_value") and d.dim_value > 0:
                continue
            if i == 0:
                d.Clear()
                d.dim_value = batch
            else:
                raise ValueError(f"graph input {vi.name!r} has a symbolic dimension {i} ({d.dim_param!r}); give its "
                                 f"shape in input_shapes={{{vi.name!r}: (...)}}")
    if shapes:
        raise ValueError(f"input_shapes names {sorted(shapes)}, which are not graph inputs")
    return m


def onnx_network(source: str | Path | Any, *, batch: int = 1,
                 input_shapes: Mapping[str, Sequence[int]] | None = None) -> OnnxNetwork:
    """Import an ONNX model (a ``.onnx`` path or an ``onnx.ModelProto``) as an IR table plus a per-layer summary.

    Parameters
    ----------
    source : path of a ``.onnx`` file (external data is loaded) or a loaded ``onnx.ModelProto``.
    batch : value of a symbolic leading (batch) dimension of the graph inputs, >= 1.
    input_shapes : static shapes for graph inputs with other symbolic dimensions, ``{name: shape}``.

    Returns
    -------
    :class:`OnnxNetwork` (``table``: IR rows, ``layers``: MACs and bytes per compute node).

    Raises
    ------
    ValueError
        for a missing/non-ONNX file, a bad ``batch``/``input_shapes``, a graph that fails ONNX shape inference, an
        operator outside :data:`SUPPORTED_OPS` (or outside the default domain), or a tensor whose shape cannot be
        inferred statically.
    """
    import onnx
    from onnx import numpy_helper

    if isinstance(batch, bool) or not isinstance(batch, int | np.integer) or batch < 1:
        raise ValueError(f"batch={batch!r} must be an integer >= 1")
    model = _fix_inputs(_load(source), int(batch), input_shapes)
    try:
        model = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True, data_prop=True)
    except Exception as exc:  # onnx raises InferenceError / ValidationError subclasses
        raise ValueError(f"ONNX shape inference failed: {exc}") from exc
    g = model.graph
    consts: dict[str, np.ndarray] = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    types: dict[str, tuple[tuple[int, ...] | None, int]] = {}
    for vi in (*g.input, *g.value_info, *g.output):
        tt = vi.type.tensor_type
        dims = tuple(d.dim_value if d.HasField("dim_value") else -1 for d in tt.shape.dim)
        static = dims if tt.HasField("shape") and all(x > 0 for x in dims) else None
        if static is not None or vi.name not in types:
            types[vi.name] = (static, tt.elem_type)
    for name, arr in consts.items():
        types[name] = (tuple(arr.shape), onnx.helper.np_dtype_to_tensor_dtype(arr.dtype))
    producer: dict[str, str] = {}
    for node in g.node:
        if node.op_type == "Constant" and node.domain in ("", "ai.onnx"):
            for a in node.attribute:
                if a.name == "value":
                    arr = numpy_helper.to_array(a.t)
                    consts[node.output[0]] = arr
                    types[node.output[0]] = (tuple(arr.shape), a.t.data_type)
        for o in node.output:
            producer[o] = node.op_type

    rows: list[dict[str, Any]] = []
    layers: list[dict[str, Any]] = []
    for idx, node in enumerate(g.node):
        name = node.name or f"{node.op_type}_{idx}"
        where = f"node {name!r} ({node.op_type})"
        if node.domain not in ("", "ai.onnx") or node.op_type not in SUPPORTED_OPS:
            raise ValueError(f"{where}: operator {node.domain + '.' if node.domain else ''}{node.op_type} is not "
                             f"supported; accepted: {list(SUPPORTED_OPS)}")
        if node.op_type in LAYOUT_OPS:
            continue
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}

        def shape(t: str, where: str = where) -> tuple[int, ...]:
            s = types.get(t, (None, 0))[0]
            if s is None:
                raise ValueError(f"{where}: the shape of tensor {t!r} could not be inferred statically")
            return s

        ins = [t for t in node.input if t]
        acts = [t for t in ins if t not in consts]
        wts = [t for t in ins if t in consts]
        out = node.output[0]
        y = shape(out)
        a_bits, a_fmt = _bits(types[out][1], where)
        w_bits, w_fmt = (_bits(types[wts[0]][1], where) if wts else (a_bits, a_fmt))
        params = int(sum(math.prod(shape(t)) for t in wts))
        prec = dict(w_bits=w_bits, w_format=w_fmt, a_bits=a_bits, acc_bits=max(32, a_bits))
        op = node.op_type
        if op == "Conv":
            x, w = shape(ins[0]), shape(ins[1])
            group = int(attrs.get("group", 1))
            spatial = len(w) - 2
            strides = list(attrs.get("strides", [1] * spatial))
            if spatial == 2:
                row = ir.conv2d(name, C=w[1], K_out=w[0], P=y[2], Q=y[3], R=w[2], S=w[3], stride=int(strides[0]),
                                batch=y[0], weight_elems=params, **prec)
            elif spatial == 1:
                row = ir.conv1d(name, C=w[1], K_out=w[0], L_out=y[2], R=w[2], stride=int(strides[0]), batch=y[0],
                                weight_elems=params, **prec)
            else:
                raise ValueError(f"{where}: only 1-D and 2-D convolutions are supported, got kernel shape {w}")
            del x, group
        elif op == "Gemm":
            a, b = shape(ins[0]), shape(ins[1])
            M, K = (a[1], a[0]) if attrs.get("transA", 0) else a
            N = b[0] if attrs.get("transB", 0) else b[1]
            kind = "linear" if ins[1] in consts or ins[0] in consts else "attention_qk"
            row = ir.linear(name, M=M, N=N, K=K, kind=kind, weight_elems=params, **prec)
        elif op == "MatMul":
            a, b = shape(ins[0]), shape(ins[1])
            a2, b2 = (a if len(a) > 1 else (1, *a)), (b if len(b) > 1 else (*b, 1))
            M, K, N = a2[-2], a2[-1], b2[-1]
            batch_dims = np.broadcast_shapes(tuple(a2[:-2]), tuple(b2[:-2]))
            nb = math.prod(batch_dims)
            if ins[1] in consts:  # x @ W: every batch row meets the same weights (unless W itself is batched)
                wb = math.prod(b2[:-2])
                row = ir.linear(name, M=M * (nb // wb), N=N, K=K, count=float(wb), weight_elems=params, **prec)
            elif ins[0] in consts:  # W @ x: Y^T = x^T W^T
                wb = math.prod(a2[:-2])
                row = ir.linear(name, M=N * (nb // wb), N=M, K=K, count=float(wb), weight_elems=params, **prec)
            else:
                kind = "attention_av" if producer.get(ins[0]) == "Softmax" else "attention_qk"
                row = ir.linear(name, M=M, N=N, K=K, count=float(nb), kind=kind, weight_elems=0, **prec)
        elif op in POOL_OPS:
            x = shape(ins[0])
            k = math.prod(x[2:]) if op.startswith("Global") else math.prod(attrs["kernel_shape"])
            row = ir.linear(name, M=y[0] * math.prod(y[2:]), N=y[1], K=int(k), kind="elementwise", weight_elems=0,
                            **prec)
        elif op == "Gather" and ins[0] in consts and len(acts) == 1:
            table_shape = shape(ins[0])
            row = ir.linear(name, M=math.prod(shape(ins[1])), N=math.prod(table_shape[1:]), K=1, kind="embedding",
                            weight_elems=params, **prec)
        elif op == "Gather":
            continue  # indexing an activation: layout only
        else:
            kind = "norm" if op in NORM_OPS else "elementwise"
            row = ir.linear(name, M=math.prod(y), N=1, K=1, kind=kind, weight_elems=params, **prec)
        rows.append(row)
        in_B = sum(math.prod(shape(t)) * _bits(types[t][1], where)[0] / 8 for t in acts)
        w_B = sum(math.prod(shape(t)) * _bits(types[t][1], where)[0] / 8 for t in wts)
        layers.append({"layer": name, "op_type": op, "kind": row["kind"],
                       "macs": float(row["M"] * row["N"] * row["K"] * row["count"]) if row["kind"] != "embedding"
                       else 0.0,
                       "params": params, "weight_B": float(w_B), "input_B": float(in_B),
                       "output_B": float(math.prod(y) * a_bits / 8)})
    if not rows:
        raise ValueError("the ONNX graph has no compute node")
    return OnnxNetwork(name=g.name, table=ir.make(rows), layers=pd.DataFrame(layers))


def onnx_workload(source: str | Path | Any, *, batch: int = 1,
                  input_shapes: Mapping[str, Sequence[int]] | None = None) -> pd.DataFrame:
    """The IR table of one inference of an ONNX model (:func:`onnx_network` ``.table``; same arguments and errors)."""
    return onnx_network(source, batch=batch, input_shapes=input_shapes).table
