"""Fixed-point export (fdir.runtime.export.quantize_bundle): the activation width follows the exact int32
accumulator bound of the layer's quantised weights and bias, and ``headroom`` keeps values beyond the calibrated
range from saturating."""

import numpy as np
import pytest

from fdir.runtime import Graph
from fdir.runtime.export import quantize_bundle


def _dense(w: np.ndarray, b: np.ndarray | None = None) -> tuple[dict, dict]:
    """One dense layer on an input of w.shape[0] values (layout samples x channels, window 1)."""
    n_in = w.shape[0]
    spec = {"format": "hwsim-embeddable-layers", "version": 1, "name": "dense",
            "input": {"channels": n_in, "window": 1, "layout": "samples x channels", "shape": [n_in],
                      "mean": None, "std": None},
            "layers": [{"name": "fc", "op": "dense", "w": "fc.w", "b": "fc.b"}]}
    b = np.zeros(w.shape[1], np.float32) if b is None else b
    return spec, {"fc.w": w.astype(np.float32), "fc.b": b.astype(np.float32)}


def _bits(spec: dict) -> int:
    return spec["layers"][0]["quant"]["a_bits"]


def test_activation_bits_follow_the_exact_accumulator_bound():
    """K = 2048 inputs: the reduction-length bound K·(2^15 − 1)·127 ≥ 2^31 would force int8 everywhere. With
    the actual weights, a block-diagonal layer (each output reads 256 inputs) or small weights (|w_q| ≤ 4 on
    most inputs) provably fit int16; full-scale weights on all 2048 inputs do not (2048·127·32767 ≈ 8.5e9)."""
    rng = np.random.default_rng(0)
    calib = rng.normal(size=(64, 2048)).astype(np.float32)
    block = np.zeros((2048, 8))
    for o in range(8):
        block[o * 256:(o + 1) * 256, o] = rng.normal(size=256)
    assert _bits(quantize_bundle(*_dense(block), calib)[0]) == 16      # Σ|w_q| ≤ 256·127 = 32512
    small = np.full((2048, 2), 0.01)
    small[0] = 1.0                                                       # per-column scale 1/127: other codes 1
    assert _bits(quantize_bundle(*_dense(small), calib)[0]) == 16      # Σ|w_q| = 127 + 2047
    full = np.ones((2048, 2))
    assert _bits(quantize_bundle(*_dense(full), calib)[0]) == 8
    with pytest.raises(ValueError, match="overflow"):
        quantize_bundle(*_dense(full), calib, a_bits=16)
    assert _bits(quantize_bundle(*_dense(block), calib, a_bits=8)[0]) == 8
    with pytest.raises(ValueError, match="a_bits"):
        quantize_bundle(*_dense(block), calib, a_bits=12)


def test_headroom_represents_values_beyond_the_calibration_range():
    """Identity layer calibrated on |x| ≤ 1: an input of 3 saturates at the calibrated range without headroom and
    is reproduced within one quantisation step with headroom 4 (step 4/32767 in int16)."""
    spec, arrays = _dense(np.eye(2))
    calib = np.array([[1.0, -1.0], [0.5, 0.2]], np.float32)
    x = np.array([3.0, -0.25], np.float32)
    out = {}
    for h in (1.0, 4.0):
        qs, qa = quantize_bundle(spec, arrays, calib, headroom=h)
        g = Graph(qs["layers"], qa, tuple(qs["input"]["shape"]), fixed_point=True)
        np.copyto(g.x, x)
        g.run()
        out[h] = g.y.copy()
    assert out[1.0][0] == pytest.approx(1.0, abs=1e-3)                  # clipped to the calibrated range
    np.testing.assert_allclose(out[4.0], x, rtol=0, atol=2 * 4.0 / 32767)
    with pytest.raises(ValueError, match="headroom"):
        quantize_bundle(spec, arrays, calib, headroom=0.5)
