"""Allocation-free executor of an embeddable-layers graph (see FORMAT.md), float32 or fixed point.

:class:`Graph` compiles the ``layers`` list once: it allocates every activation, padding and im2col buffer and
pre-creates every view, then :meth:`Graph.run` executes a list of closures that write into those buffers with
``out=`` ufuncs, ``np.take(..., out=, mode="clip")`` gathers and ``np.matmul(..., out=)`` (float32 BLAS, or the
int32 loop for the fixed-point path). Convolutions run as im2col GEMMs. Imports numpy only.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

__all__ = ["AFFINE_OPS", "OPS", "FormatError", "Graph", "quantize_into"]

AFFINE_OPS = ("dense", "conv1d", "conv2d", "conv_transpose2d")
OPS = (*AFFINE_OPS, "relu", "tanh", "sigmoid", "maxpool1d", "maxpool2d", "flatten", "reshape", "batchnorm")


class FormatError(ValueError):
    """An embeddable-layers document or its arrays are inconsistent; the message names the layer and field."""


def quantize_into(src: np.ndarray, tmp: np.ndarray, qsrc: np.ndarray, inv: np.float32, qmax: np.float32) -> None:
    """The fixed-point activation quantiser, in place: ``qsrc`` = clip(rint(``src``·``inv``), ±``qmax``) with the
    float32 steps in this order (``tmp`` float32 scratch of ``src``'s shape; ``inv`` = 1/s; ``qmax`` = 2^{b−1} − 1;
    rint rounds half to even), cast into ``qsrc``'s dtype. One function for :class:`Graph` and
    :class:`fdir.runtime.batch.BatchGraph`, so both quantise bit-identically."""
    np.multiply(src, inv, out=tmp)
    np.rint(tmp, out=tmp)
    np.clip(tmp, -qmax, qmax, out=tmp)
    np.copyto(qsrc, tmp, casting="unsafe")


def _pair(v, name: str, where: str) -> tuple[int, int]:
    if isinstance(v, int | np.integer):
        return int(v), int(v)
    try:
        a, b = (int(x) for x in v)
    except (TypeError, ValueError) as exc:
        raise FormatError(f"{where}: {name}={v!r} must be an int or a pair of ints") from exc
    return a, b


class Graph:
    """Compiled graph. ``x`` is the input buffer (shape ``input.shape``), ``y`` the output buffer; ``inputs``
    maps each layer name to a flat float32 view of that layer's input (for probes); ``quantized_inputs`` maps the
    fixed-point affine layers to their int32 quantised input buffers; ``layer_x_scale`` their input scales.

    Parameters
    ----------
    layers : the ``layers`` list of the document.
    arrays : npz contents (key → array).
    in_shape : input shape of the first layer.
    fixed_point : run affine layers in int8 x int8 → int32 (needs ``quant`` entries).

    Raises
    ------
    FormatError
        for unknown ops, missing arrays, or shapes that do not chain.
    """

    def __init__(self, layers: list[dict], arrays: dict, in_shape: tuple[int, ...], fixed_point: bool = False
                 ) -> None:
        self._init_state(layers, arrays, np.zeros(tuple(int(s) for s in in_shape), np.float32), fixed_point)
        cur = self.x
        for i, layer in enumerate(layers):
            op = layer.get("op")
            name = layer.get("name", f"layer{i}")
            where = f"layer {i} ({name!r}, op {op!r})"
            if op not in OPS:
                raise FormatError(f"{where}: unknown op; accepted: {OPS}")
            if not cur.flags.c_contiguous:
                raise FormatError(f"{where}: input buffer is not contiguous")
            self.inputs[name] = cur.reshape(-1)
            cur = getattr(self, f"_build_{op}")(layer, cur, where, name)
        self.y = cur

    # ------------------------------------------------------------------ helpers
    def _init_state(self, layers: list[dict], arrays: dict, x: np.ndarray, fixed_point: bool) -> None:
        """Empty compiled state around the input buffer ``x`` (shared with :class:`fdir.runtime.batch.BatchGraph`)."""
        self.fixed_point = bool(fixed_point)
        self.x = x
        self.inputs: dict[str, np.ndarray] = {}
        self.quantized_inputs: dict[str, np.ndarray] = {}
        self.layer_x_scale: dict[str, float] = {}
        self._steps: list[Callable[[], None]] = []
        self.nbytes_weights = 0
        self.nbytes_buffers = self.x.nbytes
        self._arrays = arrays
        self._layers = list(layers)      # (for fdir.runtime.batch.BatchGraph.of)

    def run(self) -> np.ndarray:
        """Execute the graph on the current content of :attr:`x`; returns :attr:`y` (a buffer, overwritten by the
        next run)."""
        for f in self._steps:
            f()
        return self.y

    def _arr(self, layer: dict, field: str, where: str, required: bool = True) -> np.ndarray | None:
        key = layer.get(field)
        if key is None:
            if required:
                raise FormatError(f"{where}: field {field!r} is missing")
            return None
        if key not in self._arrays:
            raise FormatError(f"{where}: array {key!r} (field {field!r}) is not in the npz")
        a = np.asarray(self._arrays[key])
        self.nbytes_weights += a.nbytes
        return a

    def _buf(self, shape, dtype=np.float32) -> np.ndarray:
        b = np.zeros(shape, dtype)
        self.nbytes_buffers += b.nbytes
        return b

    def _full(self, per_channel: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        """(shape[0],) per-channel values repeated to the full ``shape`` (same-shape ufunc operands avoid
        numpy's broadcasting buffers, so a step allocates nothing)."""
        a = np.ascontiguousarray(np.broadcast_to(per_channel.reshape(-1, *([1] * (len(shape) - 1))), shape))
        self.nbytes_buffers += a.nbytes
        return a

    def _quant(self, layer: dict, where: str, n_out: int) -> tuple[float, np.ndarray, int]:
        """(x_scale, s_x·s_w (n_out,) float32, activation bits) of a fixed-point affine layer."""
        q = layer.get("quant")
        if not isinstance(q, dict) or "x_scale" not in q or "w_scale" not in q:
            raise FormatError(f"{where}: fixed-point run needs a 'quant' entry with x_scale and w_scale")
        sx = float(q["x_scale"])
        if not (np.isfinite(sx) and sx > 0):
            raise FormatError(f"{where}: quant.x_scale={sx!r} must be > 0")
        sw = self._arr(q, "w_scale", where).astype(np.float32).reshape(-1)
        if sw.size != n_out:
            raise FormatError(f"{where}: quant.w_scale has {sw.size} entries, expected {n_out}")
        ab = int(q.get("a_bits", 8))
        if ab not in (8, 16):
            raise FormatError(f"{where}: quant.a_bits={ab!r} must be 8 or 16")
        return sx, (np.float32(sx) * sw).astype(np.float32), ab

    def _affine(self, name: str, where: str, layer: dict, src: np.ndarray, Wm: np.ndarray, b: np.ndarray | None,
                out2: np.ndarray, gather: Callable, rows_per_channel: int = 1) -> np.ndarray | None:
        """Register (quantise) → gather → GEMM → bias (→ rescale) steps. ``Wm`` (O·r, K) float or int8 with r =
        ``rows_per_channel`` GEMM rows per output channel; ``gather(buf)`` returns (column matrix, step or None)
        for ``src`` or its int32 copy. Returns s_x·s_w per output channel (fixed point) or None."""
        O = Wm.shape[0]
        if not self.fixed_point:
            Wf = np.ascontiguousarray(Wm, np.float32)
            col, g = gather(src)
            bcol = None if b is None else self._full(np.asarray(b, np.float32), out2.shape)
            if g is not None:
                self._steps.append(g)

            def gemm(Wf=Wf, col=col, out2=out2, bcol=bcol):
                np.matmul(Wf, col, out=out2)
                if bcol is not None:
                    np.add(out2, bcol, out=out2)
            self._steps.append(gemm)
            return None
        if Wm.dtype != np.int8:
            raise FormatError(f"{where}: fixed-point weights must be int8, got {Wm.dtype}")
        sx, deq_ch, ab = self._quant(layer, where, O // rows_per_channel)
        deq = np.repeat(deq_ch, rows_per_channel)
        self.layer_x_scale[name] = sx
        Wq = np.ascontiguousarray(Wm, np.int32)
        qmax = np.float32(2 ** (ab - 1) - 1)
        inv = np.float32(1.0 / sx)
        tmp = self._buf(src.shape)
        qsrc = self._buf(src.shape, np.int32)
        self.quantized_inputs[name] = qsrc.reshape(-1)
        col, g = gather(qsrc)
        acc = self._buf(out2.shape, np.int32)
        bq = None if b is None else self._full(np.asarray(b, np.int32), out2.shape)
        deqc = self._full(deq, out2.shape)

        self._steps.append(partial(quantize_into, src, tmp, qsrc, inv, qmax))
        if g is not None:
            self._steps.append(g)

        def igemm(Wq=Wq, col=col, acc=acc, bq=bq, out2=out2, deqc=deqc):
            np.matmul(Wq, col, out=acc)
            if bq is not None:
                np.add(acc, bq, out=acc)
            np.copyto(out2, acc, casting="unsafe")
            np.multiply(out2, deqc, out=out2)
        self._steps.append(igemm)
        return deq_ch

    # ------------------------------------------------------------------ affine ops
    def _build_dense(self, layer, cur, where, name):
        w = self._arr(layer, "w", where)
        b = self._arr(layer, "b", where, required=False)
        if w.ndim != 2 or w.shape[0] != cur.size:
            raise FormatError(f"{where}: w {w.shape} must be (in={cur.size}, out)")
        O = w.shape[1]
        if b is not None and b.shape != (O,):
            raise FormatError(f"{where}: b {b.shape} must be ({O},)")
        y = self._buf((O,))
        self._affine(name, where, layer, cur, np.ascontiguousarray(w.T), b, y.reshape(O, 1),
                     lambda src: (src.reshape(src.size, 1), None))
        return y

    def _im2col(self, src_shape, kh, kw, sh, sw, ph, pw):
        C, H, W = src_shape
        P = (H + 2 * ph - kh) // sh + 1
        Q = (W + 2 * pw - kw) // sw + 1
        if P < 1 or Q < 1:
            raise FormatError(f"kernel ({kh}, {kw}) larger than the padded input {src_shape}")
        Hp, Wp = H + 2 * ph, W + 2 * pw
        c, r, s, p, q = np.meshgrid(np.arange(C), np.arange(kh), np.arange(kw), np.arange(P), np.arange(Q),
                                    indexing="ij")
        idx = (c * Hp + p * sh + r) * Wp + q * sw + s
        return idx.reshape(C * kh * kw, P * Q).astype(np.intp), P, Q, Hp, Wp

    def _conv_nd(self, layer, cur, where, name, w, sh, sw, ph, pw):
        """Shared im2col convolution on a (C, H, W) view of ``cur``."""
        b = self._arr(layer, "b", where, required=False)
        O, I, kh, kw = w.shape
        C, H, W = cur.shape
        if I != C:
            raise FormatError(f"{where}: w has {I} input channels, input has {C}")
        if b is not None and b.shape != (O,):
            raise FormatError(f"{where}: b {b.shape} must be ({O},)")
        idx, P, Q, Hp, Wp = self._im2col(cur.shape, kh, kw, sh, sw, ph, pw)
        y = self._buf((O, P, Q))
        y2 = y.reshape(O, P * Q)
        direct = (kh == kw == 1 and sh == sw == 1 and ph == pw == 0)

        def gather(src):
            if direct:
                return src.reshape(C, H * W), None
            pad = self._buf((C, Hp, Wp), src.dtype)
            inner = pad[:, ph:ph + H, pw:pw + W]
            flat = pad.reshape(-1)
            col = self._buf(idx.shape, src.dtype)

            def g(src=src, inner=inner, flat=flat, col=col):
                np.copyto(inner, src)
                np.take(flat, idx, out=col, mode="clip")
            return col, g
        self._affine(name, where, layer, cur, w.reshape(O, -1), b, y2, gather)
        return y

    def _build_conv2d(self, layer, cur, where, name):
        w = self._arr(layer, "w", where)
        if w.ndim != 4 or cur.ndim != 3:
            raise FormatError(f"{where}: needs w (out, in, kh, kw) and a (C, H, W) input, got {w.shape}, {cur.shape}")
        sh, sw = _pair(layer.get("stride", 1), "stride", where)
        ph, pw = _pair(layer.get("padding", 0), "padding", where)
        return self._conv_nd(layer, cur, where, name, w, sh, sw, ph, pw)

    def _build_conv1d(self, layer, cur, where, name):
        w = self._arr(layer, "w", where)
        if w.ndim != 3 or cur.ndim != 2:
            raise FormatError(f"{where}: needs w (out, in, k) and a (C, L) input, got {w.shape}, {cur.shape}")
        stride = int(layer.get("stride", 1))
        pad = layer.get("padding", 0)
        pl, pr = _pair(pad, "padding", where)
        if pl != pr:  # asymmetric padding: pad once on the left inside a wider buffer
            raise FormatError(f"{where}: asymmetric conv1d padding {pad!r} is not supported")
        y = self._conv_nd(layer, cur.reshape(cur.shape[0], 1, cur.shape[1]), where, name, w[:, :, None, :],
                          1, stride, 0, pl)
        return y.reshape(y.shape[0], y.shape[2])

    def _build_conv_transpose2d(self, layer, cur, where, name):
        w = self._arr(layer, "w", where)
        b = self._arr(layer, "b", where, required=False)
        if w.ndim != 4 or cur.ndim != 3:
            raise FormatError(f"{where}: needs w (in, out, kh, kw) and a (C, H, W) input")
        I, O, kh, kw = w.shape
        C, H, W = cur.shape
        if I != C:
            raise FormatError(f"{where}: w has {I} input channels, input has {C}")
        sh, sw = _pair(layer.get("stride", (kh, kw)), "stride", where)
        if (sh, sw) != (kh, kw):
            raise FormatError(f"{where}: stride {(sh, sw)} must equal the kernel {(kh, kw)} (non-overlapping)")
        Wt = w.transpose(1, 2, 3, 0).reshape(O * kh * kw, I)
        tmp = self._buf((O * kh * kw, H * W))
        y = self._buf((O, H * kh, W * kw))
        o, hh, r, ww, s = np.meshgrid(np.arange(O), np.arange(H), np.arange(kh), np.arange(W), np.arange(kw),
                                      indexing="ij")
        idx = ((((o * kh + r) * kw + s) * H + hh) * W + ww).reshape(-1).astype(np.intp)
        yflat = y.reshape(-1)
        tflat = tmp.reshape(-1)
        # the GEMM writes tmp (O·kh·kw, H·W); the bias per output channel is added after the scatter
        deq = self._affine(name, where, layer, cur, Wt, None, tmp, lambda src: (src.reshape(I, H * W), None),
                           rows_per_channel=kh * kw)
        if b is not None and b.shape != (O,):
            raise FormatError(f"{where}: b {b.shape} must be ({O},)")
        bb = None
        if b is not None:  # (int32 bias of the fixed-point export is in accumulator units: rescale once)
            bf = np.asarray(b, np.float64) * (1.0 if deq is None else deq)
            bb = self._full(bf.astype(np.float32), y.shape)

        def scatter(tflat=tflat, yflat=yflat, y=y, bb=bb):
            np.take(tflat, idx, out=yflat, mode="clip")
            if bb is not None:
                np.add(y, bb, out=y)
        self._steps.append(scatter)
        return y

    # ------------------------------------------------------------------ other ops
    def _build_relu(self, layer, cur, where, name):
        zero = np.float32(0.0)
        self._steps.append(lambda cur=cur, zero=zero: np.maximum(cur, zero, out=cur))
        return cur

    def _build_tanh(self, layer, cur, where, name):
        self._steps.append(lambda cur=cur: np.tanh(cur, out=cur))
        return cur

    def _build_sigmoid(self, layer, cur, where, name):
        one = np.float32(1.0)

        def f(cur=cur, one=one):
            np.negative(cur, out=cur)
            np.exp(cur, out=cur)
            np.add(cur, one, out=cur)
            np.reciprocal(cur, out=cur)
        self._steps.append(f)
        return cur

    def _pool(self, cur, kernel, stride):
        """Max pooling as a gather of the kernel offsets into a contiguous (k, out) buffer, then elementwise max."""
        shape = cur.shape[1:]
        outs = [(n - k) // s + 1 for n, k, s in zip(shape, kernel, stride)]
        if min(outs) < 1:
            raise FormatError(f"pool kernel {kernel} larger than the input {shape}")
        base = np.arange(cur.size).reshape(cur.shape)
        idx = []
        for offs in np.ndindex(*kernel):
            sl = tuple(slice(o, o + (m - 1) * s + 1, s) for o, m, s in zip(offs, outs, stride))
            idx.append(base[(slice(None), *sl)].reshape(-1))
        idx = np.stack(idx).astype(np.intp)
        stack = self._buf(idx.shape)
        rows = [stack[i] for i in range(stack.shape[0])]
        y = self._buf((cur.shape[0], *outs))
        yf = y.reshape(-1)
        flat = cur.reshape(-1)

        def f(flat=flat, idx=idx, stack=stack, rows=rows, yf=yf):
            np.take(flat, idx, out=stack, mode="clip")
            np.copyto(yf, rows[0])
            for r in rows[1:]:
                np.maximum(yf, r, out=yf)
        self._steps.append(f)
        return y

    def _build_maxpool2d(self, layer, cur, where, name):
        if cur.ndim != 3:
            raise FormatError(f"{where}: needs a (C, H, W) input, got {cur.shape}")
        k = _pair(layer.get("kernel", 2), "kernel", where)
        s = _pair(layer.get("stride", k), "stride", where)
        return self._pool(cur, k, s)

    def _build_maxpool1d(self, layer, cur, where, name):
        if cur.ndim != 2:
            raise FormatError(f"{where}: needs a (C, L) input, got {cur.shape}")
        k = int(layer.get("kernel", 2))
        s = int(layer.get("stride", k))
        return self._pool(cur, (k,), (s,))

    def _build_flatten(self, layer, cur, where, name):
        return cur.reshape(-1)

    def _build_reshape(self, layer, cur, where, name):
        shape = tuple(int(v) for v in layer.get("shape", ()))
        if int(np.prod(shape)) != cur.size:
            raise FormatError(f"{where}: shape {shape} does not hold {cur.size} values")
        return cur.reshape(shape)

    def _build_batchnorm(self, layer, cur, where, name):
        axis = int(layer.get("axis", 0))
        if not 0 <= axis < cur.ndim:
            raise FormatError(f"{where}: axis={axis} outside the input rank {cur.ndim}")
        C = cur.shape[axis]
        parts = [self._arr(layer, f, where).astype(np.float64).reshape(-1) for f in ("mean", "var", "gamma", "beta")]
        if any(p.size != C for p in parts):
            raise FormatError(f"{where}: mean/var/gamma/beta must have {C} entries")
        mu, var, g, beta = parts
        eps = float(layer.get("eps", 1e-5))
        shape = [1] * cur.ndim
        shape[axis] = C
        scale = np.ascontiguousarray(np.broadcast_to((g / np.sqrt(var + eps)).astype(np.float32).reshape(shape),
                                                     cur.shape))
        shift = np.ascontiguousarray(np.broadcast_to((beta - mu * g / np.sqrt(var + eps)).astype(np.float32)
                                                     .reshape(shape), cur.shape))
        self.nbytes_buffers += scale.nbytes + shift.nbytes

        def f(cur=cur, scale=scale, shift=shift):
            np.multiply(cur, scale, out=cur)
            np.add(cur, shift, out=cur)
        self._steps.append(f)
        return cur
