"""Batched executor of an embeddable-layers graph (see FORMAT.md): the same layers as :class:`fdir.runtime.Graph`
run on B independent inputs at once, for offline scoring of long series (the onboard runtime keeps the single-input
:class:`~fdir.runtime.Graph`).

In fixed point the result is bit-identical to B single-input :meth:`Graph.run` calls: activations are quantised
with the same float32 operations (x·(1/s), round half to even, clip to ±(2^{b−1} − 1)), the accumulator holds the
exact integer Σ w_q·x_q + b_q, and it is dequantised with the same float32 cast and multiply. When the layer's
worst case max_o (Σ_k |w_q[o, k]|·(2^{b−1} − 1) + |b_q[o]|) stays below 2^31 (what
:func:`fdir.runtime.export.quantize_bundle` guarantees), the integer GEMM runs in float64 BLAS: every partial sum is
an integer below 2^31 < 2^53, so it is exact in any summation order and equals the int32 result. Otherwise it runs
as an int32 matmul, which wraps modulo 2^32 exactly like the single-input path. Being exact, the float64 GEMM also
skips zero weight blocks: runs of output rows that read disjoint input columns (a folded ensemble's block-diagonal
layers, one run per member) are separate GEMMs, which leaves every sum unchanged. In float32 the GEMMs are batched
BLAS calls, equal to the single-input path only to rounding (BLAS blocking depends on the matrix shapes).

Activations are held with the batch as the second axis (a per-input (C, L) tensor as (C, B, L), a vector (K,) as
(K, B)), so an affine layer is one GEMM (O, K) x (K, B·P) (or one per zero-block run). Layers: ``conv1d``,
``dense``, ``relu``, ``tanh``, ``sigmoid``, ``flatten`` (those of the forecaster export,
:mod:`fdir.detectors.forecaster.export`); the other ops of :data:`fdir.runtime.graph.OPS` raise
NotImplementedError. Imports numpy only.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from fdir.runtime.graph import OPS, FormatError, Graph, _pair, quantize_into

__all__ = ["BATCH_OPS", "BatchGraph"]

BATCH_OPS = ("conv1d", "dense", "relu", "tanh", "sigmoid", "flatten")
"""Ops :class:`BatchGraph` executes."""

_EXACT_F64 = 2**31
"""Accumulator bound below which the float64 GEMM equals int32 arithmetic (module doc)."""

_MAX_RUNS = 16
"""Most row blocks an exact GEMM is split into (:func:`_row_blocks`); more small GEMMs would cost more in per-call
overhead than the zero products they skip."""


def _row_blocks(W: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Runs of consecutive rows of ``W`` (O, K) whose non-zero columns overlap, as (r0, r1, k0, k1): rows r0..r1 − 1
    read only columns k0..k1 − 1 (a row of zeros joins the current run). A folded ensemble's block-diagonal weights
    (:mod:`fdir.detectors.forecaster.export`) give one run per member; one run (0, O, 0, K) when nothing splits."""
    nz = W != 0
    has = nz.any(axis=1)
    lo = nz.argmax(axis=1)
    hi = W.shape[1] - nz[:, ::-1].argmax(axis=1)
    runs: list[list[int]] = []
    for r in range(W.shape[0]):
        if runs and (not has[r] or runs[-1][2] == runs[-1][3] or (lo[r] < runs[-1][3] and hi[r] > runs[-1][2])):
            run = runs[-1]
            run[1] = r + 1
            if has[r]:
                run[2], run[3] = (int(lo[r]), int(hi[r])) if run[2] == run[3] else (min(run[2], int(lo[r])),
                                                                                      max(run[3], int(hi[r])))
        else:
            runs.append([r, r + 1, int(lo[r]), int(hi[r])] if has[r] else [r, r + 1, 0, 0])
    if len(runs) > _MAX_RUNS:
        return [(0, W.shape[0], 0, W.shape[1])]
    return [tuple(run) for run in runs]


class BatchGraph(Graph):
    """Compiled graph over ``batch`` inputs. ``x`` is the input buffer (B, *in_shape) float32, ``y`` a view
    (B, *out_shape) of the output buffer (overwritten by the next :meth:`run`); ``inputs`` maps each layer name to
    its input activation with the batch as axis 1; ``quantized_inputs`` maps the fixed-point affine layers to their
    quantised input codes (same layout; float64 holding integers when the float64 GEMM is exact, else int32);
    ``layer_x_scale`` their input scales.

    Parameters
    ----------
    layers : the ``layers`` list of the document.
    arrays : npz contents (key → array).
    in_shape : input shape of one input (the first layer's).
    batch : inputs per run, B >= 1.
    fixed_point : run affine layers in int8 x int8 → int32 (needs ``quant`` entries).

    Raises
    ------
    ValueError
        for ``batch`` not an integer >= 1.
    FormatError
        for unknown ops, missing arrays, or shapes that do not chain (as :class:`~fdir.runtime.Graph`).
    NotImplementedError
        for an op outside :data:`BATCH_OPS`.
    """

    def __init__(self, layers: list[dict], arrays: dict, in_shape: tuple[int, ...], batch: int,
                 fixed_point: bool = False) -> None:
        if isinstance(batch, bool) or not isinstance(batch, int | np.integer) or batch < 1:
            raise ValueError(f"batch={batch!r} must be an integer >= 1")
        self.batch = B = int(batch)
        self._init_state(layers, arrays, np.zeros((B, *(int(s) for s in in_shape)), np.float32), fixed_point)
        cur = np.moveaxis(self.x, 0, 1)                    # batch as axis 1
        for i, layer in enumerate(layers):
            op = layer.get("op")
            name = layer.get("name", f"layer{i}")
            where = f"layer {i} ({name!r}, op {op!r})"
            if op not in OPS:
                raise FormatError(f"{where}: unknown op; accepted: {OPS}")
            if op not in BATCH_OPS:
                raise NotImplementedError(f"{where}: not available in batch mode; accepted: {BATCH_OPS}")
            self.inputs[name] = cur
            cur = getattr(self, f"_build_{op}")(layer, cur, where, name)
        self.y = np.moveaxis(cur, 1, 0)

    @classmethod
    def of(cls, graph: Graph, batch: int) -> BatchGraph:
        """The batched executor of the same layers, arrays, input shape and arithmetic as ``graph``.

        Raises
        ------
        ValueError, NotImplementedError
            as the constructor.
        """
        return cls(graph._layers, graph._arrays, graph.x.shape, batch, fixed_point=graph.fixed_point)

    def _sample_shape(self, cur: np.ndarray) -> tuple[int, ...]:
        return (cur.shape[0], *cur.shape[2:])

    def _batch_affine(self, name: str, where: str, layer: dict, src: np.ndarray, Wm: np.ndarray,
                      b: np.ndarray | None, out2: np.ndarray, gather: Callable) -> None:
        """Register (quantise) → gather → GEMM → bias (→ dequantise) steps. ``Wm`` (O, K) float or int8; ``src``
        the layer input (batch as axis 1); ``gather(buf)`` returns (column matrix (K, B·P), step or None) of
        ``buf`` (contiguous, the shape of ``src``); ``out2`` (O, B·P) float32."""
        O = Wm.shape[0]
        if not self.fixed_point:
            Wf = np.ascontiguousarray(Wm, np.float32)
            buf = src
            steps = []
            if not src.flags.c_contiguous:
                buf = self._buf(src.shape)
                steps.append(lambda src=src, buf=buf: np.copyto(buf, src))
            col, g = gather(buf)
            bcol = None if b is None else np.asarray(b, np.float32).reshape(O, 1)
            steps += [] if g is None else [g]

            def gemm(Wf=Wf, col=col, out2=out2, bcol=bcol):
                np.matmul(Wf, col, out=out2)
                if bcol is not None:
                    np.add(out2, bcol, out=out2)
            self._steps += [*steps, gemm]
            return
        if Wm.dtype != np.int8:
            raise FormatError(f"{where}: fixed-point weights must be int8, got {Wm.dtype}")
        sx, deq_ch, ab = self._quant(layer, where, O)
        self.layer_x_scale[name] = sx
        qmax = np.float32(2 ** (ab - 1) - 1)
        inv = np.float32(1.0 / sx)
        bi = None if b is None else np.asarray(b, np.int32).reshape(O, 1)
        worst = (np.abs(Wm.astype(np.int64)).sum(axis=1, initial=0) * int(qmax)
                 + (0 if bi is None else np.abs(bi[:, 0].astype(np.int64)))).max(initial=0)
        acc_dtype = np.float64 if worst < _EXACT_F64 else np.int32
        blocks = [(r0, r1, k0, k1, np.ascontiguousarray(Wm[r0:r1, k0:k1], acc_dtype))
                  for r0, r1, k0, k1 in (_row_blocks(Wm) if acc_dtype == np.float64 else [(0, O, 0, Wm.shape[1])])]
        tmp = self._buf(src.shape)
        qsrc = self._buf(src.shape, acc_dtype)
        self.quantized_inputs[name] = qsrc
        col, g = gather(qsrc)
        acc = self._buf(out2.shape, acc_dtype)
        bq = None if bi is None else bi.astype(acc_dtype)
        deq = deq_ch.reshape(O, 1)

        self._steps.append(partial(quantize_into, src, tmp, qsrc, inv, qmax))
        if g is not None:
            self._steps.append(g)

        gemms = [(Wb, col[k0:k1], acc[r0:r1]) for r0, r1, k0, k1, Wb in blocks]

        def igemm(gemms=gemms, acc=acc, bq=bq, out2=out2, deq=deq):
            for Wb, cb, ab in gemms:
                np.matmul(Wb, cb, out=ab)
            if bq is not None:
                np.add(acc, bq, out=acc)
            np.copyto(out2, acc, casting="unsafe")
            np.multiply(out2, deq, out=out2)
        self._steps.append(igemm)

    # ------------------------------------------------------------------ ops
    def _build_dense(self, layer, cur, where, name):
        if cur.ndim != 2:
            cur = self._build_flatten(layer, cur, where, name)
        w = self._arr(layer, "w", where)
        b = self._arr(layer, "b", where, required=False)
        K = cur.shape[0]
        if w.ndim != 2 or w.shape[0] != K:
            raise FormatError(f"{where}: w {w.shape} must be (in={K}, out)")
        O = w.shape[1]
        if b is not None and b.shape != (O,):
            raise FormatError(f"{where}: b {b.shape} must be ({O},)")
        y = self._buf((O, self.batch))
        self._batch_affine(name, where, layer, cur, np.ascontiguousarray(w.T), b, y, lambda buf: (buf, None))
        return y

    def _build_conv1d(self, layer, cur, where, name):
        w = self._arr(layer, "w", where)
        b = self._arr(layer, "b", where, required=False)
        if w.ndim != 3 or cur.ndim != 3:
            raise FormatError(f"{where}: needs w (out, in, k) and a (C, L) input, got {w.shape}, "
                              f"{self._sample_shape(cur)}")
        stride = int(layer.get("stride", 1))
        pad = layer.get("padding", 0)
        p, pr = _pair(pad, "padding", where)
        if p != pr:
            raise FormatError(f"{where}: asymmetric conv1d padding {pad!r} is not supported")
        O, I, k = w.shape
        C, B, L = cur.shape
        if I != C:
            raise FormatError(f"{where}: w has {I} input channels, input has {C}")
        if b is not None and b.shape != (O,):
            raise FormatError(f"{where}: b {b.shape} must be ({O},)")
        P = (L + 2 * p - k) // stride + 1
        if P < 1:
            raise FormatError(f"kernel (1, {k}) larger than the padded input {(C, 1, L)}")
        y = self._buf((O, B, P))

        def gather(buf):
            if k == 1 and stride == 1 and p == 0:
                return buf.reshape(C, B * L), None
            steps = []
            src = buf
            if p:
                src = self._buf((C, B, L + 2 * p), buf.dtype)
                inner = src[:, :, p:p + L]
                steps.append(lambda inner=inner, buf=buf: np.copyto(inner, buf))
            col = self._buf((C, k, B, P), buf.dtype)              # row c·k + r: tap r of channel c
            for r in range(k):
                steps.append(lambda d=col[:, r], s=src[:, :, r:r + stride * (P - 1) + 1:stride]: np.copyto(d, s))

            def g(steps=steps):
                for f in steps:
                    f()
            return col.reshape(C * k, B * P), g
        self._batch_affine(name, where, layer, cur, w.reshape(O, I * k), b, y.reshape(O, B * P), gather)
        return y

    def _build_flatten(self, layer, cur, where, name):
        """(C, B, L…) → (C·L…, B) in the single-input flatten order (a copy step; a (K, B) input is returned)."""
        if cur.ndim == 2:
            return cur
        src = np.moveaxis(cur, 1, -1)
        buf = self._buf(src.shape)
        self._steps.append(lambda src=src, buf=buf: np.copyto(buf, src))
        return buf.reshape(-1, self.batch)
