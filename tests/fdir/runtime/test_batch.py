"""Batched graph executor (fdir.runtime.batch.BatchGraph) and the int8 forecaster scoring built on it
(fdir.detectors.forecast_detector.graph_forecasts): in fixed point every result must equal, bit for bit
(np.array_equal, tolerance 0), what the deployed single-input runtime Graph gives window by window."""

import numpy as np
import pytest

from fdir.detectors.base import stream_array
from fdir.detectors.forecast_detector import BATCH_WINDOWS, ForecasterDetector, graph_forecasts
from fdir.detectors.forecaster import ForecasterConfig, make_windows, stream_errors
from fdir.runtime import Graph
from fdir.runtime.batch import BatchGraph, _row_blocks
from fdir.runtime.export import quantize_bundle

SMALL = dict(l_s=40, n_predictions=3, conv_channels=(4, 4), kernel=3, stride=2, hidden=8, epochs=10, batch_size=32,
             lr=3e-3, commands="all")


def _loop(graph: Graph, X: np.ndarray) -> np.ndarray:
    """(N, out) outputs of the single-input graph run once per input X[i] (the deployed runtime)."""
    out = np.empty((X.shape[0], graph.y.size), np.float32)
    for i in range(X.shape[0]):
        np.copyto(graph.x, X[i].reshape(graph.x.shape))
        out[i] = graph.run().reshape(-1)
    return out


def _batched(bg: BatchGraph, X: np.ndarray) -> np.ndarray:
    out = np.empty((X.shape[0], bg.y[0].size), np.float32)
    for i0 in range(0, X.shape[0], bg.batch):
        n = min(bg.batch, X.shape[0] - i0)
        np.copyto(bg.x[:n], X[i0:i0 + n].reshape(n, *bg.x.shape[1:]))
        bg.run()
        out[i0:i0 + n] = bg.y[:n].reshape(n, -1)
    return out


@pytest.fixture(scope="module")
def int8_detector(command_series):
    """Two-member (absolute + residual) forecaster trained on 600 samples, scored by its int8 export."""
    return ForecasterDetector(ForecasterConfig(**SMALL), fixed_point=True).fit(command_series(600))


def _loop_forecasts(det: ForecasterDetector, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Head forecasts (K, N, H) by the per-window Graph.run loop (ŷ = head output + gain·newest value) and
    targets (N, H)."""
    m, g = det.model, det._graph
    X, Y = make_windows(a, m.cfg.l_s, m.cfg.n_predictions, m.columns)
    X = X[:, :, -m.cfg.input_length:]
    K, H = m.n_heads, m.cfg.n_predictions
    y = _loop(g, X)[:, :K * H].reshape(-1, K, H)
    out = np.empty((K, X.shape[0], H))
    for i in range(X.shape[0]):
        out[:, i] = y[i] + m.head_gains[:, None] * float(X[i, 0, -1])
    return out, Y.astype(np.float64)


@pytest.mark.parametrize("n_windows", [2 * BATCH_WINDOWS + 37, 50], ids=["chunk-boundary", "one-short-chunk"])
def test_int8_forecasts_and_scores_equal_the_window_loop(int8_detector, n_windows, command_series):
    det = int8_detector
    cfg = det.model.cfg
    T = cfg.l_s + cfg.n_predictions + n_windows
    a = command_series(T, seed=1)
    ref, Y = _loop_forecasts(det, a)
    assert ref.shape == (det.model.n_heads, n_windows, cfg.n_predictions)
    assert np.array_equal(graph_forecasts(det.model, det._graph, a), ref)
    expected = stream_array(stream_errors(ref, Y, det.model.error_streams), cfg.l_s, T)
    assert np.array_equal(det.scores(a), expected, equal_nan=True)


def _conv_bundle(fixed_point: bool) -> tuple[dict, dict, np.ndarray]:
    """conv1d (k 3, padding 1) → relu → conv1d (k 1) → dense on the (C, L) activation (no flatten) → relu →
    dense; random weights, quantised on 64 calibration inputs (2, 12). Returns layers, arrays and 41 inputs, some
    beyond the calibrated range (saturating)."""
    rng = np.random.default_rng(3)
    arrays = {"c0.w": rng.normal(size=(5, 2, 3)), "c0.b": rng.normal(size=5),
              "c1.w": rng.normal(size=(4, 5, 1)), "c1.b": rng.normal(size=4),
              "d0.w": rng.normal(size=(48, 6)), "d0.b": rng.normal(size=6),
              "d1.w": rng.normal(size=(6, 3)), "d1.b": rng.normal(size=3)}
    arrays = {k: v.astype(np.float32) for k, v in arrays.items()}
    layers = [{"name": "c0", "op": "conv1d", "w": "c0.w", "b": "c0.b", "padding": 1},
              {"name": "r0", "op": "relu"},
              {"name": "c1", "op": "conv1d", "w": "c1.w", "b": "c1.b"},
              {"name": "d0", "op": "dense", "w": "d0.w", "b": "d0.b"},
              {"name": "r1", "op": "relu"},
              {"name": "d1", "op": "dense", "w": "d1.w", "b": "d1.b"}]
    spec = {"input": {"channels": 2, "window": 12, "layout": "channels x samples", "shape": [2, 12],
                      "mean": None, "std": None}, "layers": layers}
    x = rng.normal(size=(41, 2, 12)).astype(np.float32)
    x[::7] *= 5.0
    if fixed_point:
        spec, arrays = quantize_bundle(spec, arrays, rng.normal(size=(64, 2, 12)).astype(np.float32))
    return spec["layers"], arrays, x


@pytest.mark.parametrize("batch", [1, 6, 41, 64])
def test_fixed_point_batch_is_bit_identical_to_single_runs(batch):
    layers, arrays, x = _conv_bundle(True)
    ref = _loop(Graph(layers, arrays, (2, 12), fixed_point=True), x)
    bg = BatchGraph(layers, arrays, (2, 12), batch, fixed_point=True)
    assert bg.y.shape == (batch, 3)
    assert np.array_equal(_batched(bg, x), ref)
    assert bg.layer_x_scale == Graph(layers, arrays, (2, 12), fixed_point=True).layer_x_scale


def test_float_batch_matches_single_runs_to_rounding():
    """Float32: batched BLAS GEMMs may sum in another order; rtol 1e-5, atol 1e-5 (outputs are O(1-10))."""
    layers, arrays, x = _conv_bundle(False)
    ref = _loop(Graph(layers, arrays, (2, 12)), x)
    np.testing.assert_allclose(_batched(BatchGraph(layers, arrays, (2, 12), 16), x), ref, rtol=1e-5, atol=1e-5)


def test_accumulator_overflow_wraps_like_the_single_input_runtime():
    """A hand-made int16-activation dense layer whose worst case 2048·127·32767 ≈ 8.5e9 exceeds int32: the batch
    path keeps int32 arithmetic (wrapping modulo 2^32 as the single-input path does) instead of exact float64."""
    layers = [{"name": "fc", "op": "dense", "w": "fc.w", "b": "fc.b",
               "quant": {"x_scale": 1.0, "w_scale": "fc.w_scale", "a_bits": 16}}]
    arrays = {"fc.w": np.full((2048, 2), 127, np.int8), "fc.b": np.array([5, -5], np.int32),
              "fc.w_scale": np.ones(2, np.float32)}
    x = np.full((3, 2048), 30000.0, np.float32)
    x[1] *= -1.0
    x[2, ::2] = 0.0
    ref = _loop(Graph(layers, arrays, (2048,), fixed_point=True), x)
    assert abs(float(ref[0, 0])) < 2048 * 127 * 30000                # wrapped: smaller than the true sum
    bg = BatchGraph(layers, arrays, (2048,), 2, fixed_point=True)
    assert bg.quantized_inputs["fc"].dtype == np.int32
    assert np.array_equal(_batched(bg, x), ref)


def test_bad_batch_and_unsupported_ops():
    layers, arrays, _ = _conv_bundle(True)
    for bad in (0, -3, 2.5, True, None):
        with pytest.raises(ValueError, match="batch"):
            BatchGraph(layers, arrays, (2, 12), bad, fixed_point=True)
    pool = [{"name": "p", "op": "maxpool1d", "kernel": 2}]
    with pytest.raises(NotImplementedError, match="maxpool1d"):
        BatchGraph(pool, {}, (2, 12), 4)
    Graph(pool, {}, (2, 12))                                           # the single-input runtime runs it


def test_row_blocks_of_a_folded_ensemble():
    """Two members' block-diagonal weights (rows 0-2 read columns 0-3, rows 3-4 columns 5-6; one quantised-to-zero
    row; the second member's first column, 4, all zero) split into one GEMM per member; unrelated single entries
    (identity) beyond the run limit stay one GEMM."""
    W = np.zeros((5, 7), np.int8)
    W[0:3, 1:4] = 3
    W[0, 0] = -1
    W[1] = 0
    W[3:5, 5:7] = -2
    assert _row_blocks(W) == [(0, 3, 0, 4), (3, 5, 5, 7)]
    assert _row_blocks(np.zeros((3, 4), np.int8)) == [(0, 3, 0, 0)]
    assert _row_blocks(np.eye(64, dtype=np.int8)) == [(0, 64, 0, 64)]
