"""Known-answer tests of the rate-coded ANN-to-SNN conversion (fdir.detectors.converted; Rueckauer et al., Front.
Neurosci. 11:682, 2017, doi:10.3389/fnins.2017.00682). The shared protocol suite (test_protocol.py) covers the
registered ``dense_converted`` pipeline; here: the IF neuron's rate, the analytic rate bound of a converted 2-layer
ReLU net, the data-based normalisation, synaptic operations = spikes x fan-out on a tiny net counted by hand, and
the cost model's support on every neuromorphic and processor target. Every expected value comes from the analytic
formulas stated in each test, not from the module."""

import math

import numpy as np
import pytest

from fdir.detectors.converted import (
    ConvertedForecasterDetector,
    ConvertedNetwork,
    IFLayer,
    convert,
    if_step,
    simulate,
    spiking_workload,
    stages_from_bundle,
)


@pytest.mark.parametrize("x", [0.125, 0.25, 0.375, 0.5, 0.8125])
@pytest.mark.parametrize("T", [8, 16, 64])
def test_if_neuron_constant_input_fires_at_rate_x(x, T):
    # non-leaky IF, threshold 1, reset by subtraction, v(0) = 0, constant current 0 < x < 1: the spike count after t
    # steps is floor(t x) (v(t) = t x − N(t) stays in [0, 1)); x is a dyadic fraction so t·x is exact in float64
    v = np.zeros(1)
    n = 0.0
    for t in range(1, T + 1):
        v, s = if_step(v, np.array([x]))
        n += s[0]
        assert n == math.floor(t * x)                      # exact at every step
        assert 0.0 <= v[0] < 1.0
    assert abs(n / T - x) < 1.0 / T                        # the rate is within 1/T of x (exact when T·x is integer)


def test_signed_if_neuron_mirrors_negative_input():
    # signed IF (input encoder): current −x fires −floor(t x) spikes (the mirror image of the positive case)
    v = np.zeros(2)
    n = np.zeros(2)
    for _ in range(16):
        v, s = if_step(v, np.array([0.375, -0.375]), signed=True)
        n += s
    np.testing.assert_array_equal(n, [6.0, -6.0])          # floor(16·0.375) = 6, exact


def _two_layer(seed: int, n_in: int = 4, n_hid: int = 6, n_out: int = 3) -> ConvertedNetwork:
    """A converted 2-layer ReLU net in normalised units (λ_0 = 1): hidden IF layer with weights in [−0.2, 0.2] and
    biases in [−0.1, 0.1], so every per-step input is at most Σ|w| + |b| ≤ 0.9 < 1 (no rate saturation), and a
    linear readout."""
    rng = np.random.default_rng(seed)
    w1 = rng.uniform(-0.2, 0.2, (n_in, n_hid))
    b1 = rng.uniform(-0.1, 0.1, n_hid)
    w2 = rng.normal(0.0, 1.0, (n_hid, n_out))
    b2 = rng.normal(0.0, 1.0, n_out)
    return ConvertedNetwork(1.0, (1, n_in), (IFLayer("h", "dense", w1, b1, 1, True),
                                             IFLayer("out", "dense", w2, b2, 1, False)), (1.0,))


@pytest.mark.parametrize("T", [8, 32, 128, 512])
def test_two_layer_relu_net_rates_approach_ann_within_analytic_bound(T):
    # Bound (reset by subtraction, no lower clamp): the signed input encoder has |N_0j(t) − t u_j| < 1 at every t,
    # so the hidden neuron's cumulative input C_i(t) stays within w_i = Σ_j |W_ij| of t·a_i (a = W u + b); with
    # per-step inputs <= 1 its count is max(0, max_t floor C_i(t)), hence |r_i − relu(a_i)| < (1 + w_i)/T; the
    # readout (mean input + bias) then differs from the ANN output by < Σ_i |W2_ik| (1 + w_i)/T.
    net = _two_layer(0)
    w1, b1 = net.layers[0].w, net.layers[0].b
    w2, b2 = net.layers[1].w, net.layers[1].b
    wsum = np.abs(w1).sum(axis=0)
    assert np.all(wsum + np.abs(b1) <= 1.0)               # the precondition of the bound holds by construction
    rng = np.random.default_rng(1)
    for u in rng.uniform(-1.0, 1.0, (20, 4)):
        y, counts = simulate(net, u[None, None, :], T)
        a = np.maximum(u @ w1 + b1, 0.0)
        r = counts[1][0] / T
        assert np.all(np.abs(r - a) < (1.0 + wsum) / T)
        assert np.all(np.abs(counts[0][0] - counts[0][1] - T * u) < 1.0)   # encoder: |N_0 − T u| < 1
        bound = np.abs(w2).T @ ((1.0 + wsum) / T)
        assert np.all(np.abs(y[0] - (a @ w2 + b2)) < bound)


def test_rates_converge_as_T_grows():
    # the same bound, read as convergence: the largest readout error over 50 inputs shrinks at least 16-fold
    # from T = 8 to T = 512 (the bound shrinks 64-fold)
    net = _two_layer(3)
    X = np.random.default_rng(4).uniform(-1, 1, (50, 1, 4))
    ann = np.maximum(X[:, 0] @ net.layers[0].w + net.layers[0].b, 0) @ net.layers[1].w + net.layers[1].b
    err = {T: np.abs(simulate(net, X, T)[0] - ann).max() for T in (8, 512)}
    assert err[512] < err[8] / 16


def test_normalisation_uses_the_percentile_of_training_activations_and_keeps_the_ann_function():
    # Rueckauer et al. 2017 Sec. 2.3: λ_l = 99.9th percentile of the non-zero ReLU activations; W_l' = W_l λ_{l−1}/λ_l,
    # b_l' = b_l/λ_l; ReLU is positively homogeneous, so the normalised ANN times λ reproduces the source ANN
    rng = np.random.default_rng(0)
    w1, b1 = rng.normal(size=(5, 7)), rng.normal(size=7)
    w2, b2 = rng.normal(size=(7, 2)), rng.normal(size=2)
    stages = [("h", "dense", w1, b1, 1, True), ("out", "dense", w2, b2, 1, False)]
    X = rng.normal(size=(400, 1, 5))
    net = convert(stages, X)
    h = np.maximum(X[:, 0] @ w1 + b1, 0.0)
    lam0 = np.percentile(np.abs(X[X != 0]), 99.9)
    lam1 = np.percentile(h[h != 0], 99.9)
    assert net.input_scale == pytest.approx(lam0, rel=1e-12)
    assert net.scales[0] == pytest.approx(lam1, rel=1e-12)
    hn = np.maximum((X[:, 0] / lam0) @ net.layers[0].w + net.layers[0].b, 0.0)
    np.testing.assert_allclose(hn * lam1, h, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(hn @ net.layers[1].w + net.layers[1].b, h @ w2 + b2, rtol=1e-10, atol=1e-12)


def _tiny_conv_net() -> ConvertedNetwork:
    # input (1 channel, 4 samples) -> conv (2 output channels, kernel 2, stride 2) -> IF (2 x 2) -> readout (4 -> 1)
    w = np.array([[[0.5, 0.5]], [[0.3, 0.0]]])             # channel 1 tap 1 is zero: no synapse
    wr = np.array([[1.0], [0.0], [2.0], [1.0]])            # flattened (channel, position): row 2 has no synapse
    return ConvertedNetwork(1.0, (1, 4), (IFLayer("conv0", "conv1d", w, np.zeros(2), 2, True),
                                          IFLayer("out", "dense", wr, np.zeros(1), 1, False)), (1.0,))


def test_workload_synops_equal_spikes_times_fan_out_by_hand():
    net = _tiny_conv_net()
    # spikes summed over 2 windows: input (pos, neg) per sample position, conv IF per (channel, position)
    counts = [(np.array([4.0, 2.0, 0.0, 6.0]), np.array([0.0, 2.0, 2.0, 0.0])),
              (np.array([2.0, 4.0, 6.0, 0.0]), np.zeros(4))]
    wl = spiking_workload(net, counts, n_windows=2, time_steps=8).set_index("layer")
    # fan-out by hand: input position p reaches output position p // 2 through tap p % 2; tap 0 has 2 non-zero
    # output channels, tap 1 one -> fan (2, 1, 2, 1); events per window (4+0, 2+2, 0+2, 6+0)/2 = (2, 2, 1, 3)
    assert wl.loc["conv0.syn", "syn_ops"] == 2 * 2 + 2 * 1 + 1 * 2 + 3 * 1        # = 11
    assert wl.loc["conv0.syn", "spikes_pos"] == 6.0 and wl.loc["conv0.syn", "spikes_neg"] == 2.0
    assert wl.loc["conv0.syn", "kind"] == "snn_conv" and bool(wl.loc["conv0.syn", "signed"])
    # readout fan-out (1, 0, 1, 1); IF events per window (1, 2, 3, 0)
    assert wl.loc["out.syn", "syn_ops"] == 1 * 1 + 2 * 0 + 3 * 1 + 0 * 1           # = 4
    assert wl.loc["conv0.neurons", "n_neurons"] == 4 and wl.loc["out.neurons", "n_neurons"] == 1
    assert wl.loc["input.neurons", "n_neurons"] == 4
    assert (wl["time_steps"] == 8).all()


def test_simulated_counts_feed_the_workload_consistently():
    # constant input 0.5 on every sample for T = 8: each encoder neuron fires floor(8·0.5) = 4 spikes; conv channel
    # 0 receives 0.5·(s_0 + s_1) per step and channel 1 0.3·s_0 (a spike every second step): over 8 steps channel 0
    # integrates 8 x 0.5 = 4 -> 4 spikes, channel 1 integrates 4 x 0.3 = 1.2 -> 1 spike
    net = _tiny_conv_net()
    y, counts = simulate(net, np.full((1, 1, 4), 0.5), 8)
    np.testing.assert_array_equal(counts[0][0], [4, 4, 4, 4])
    np.testing.assert_array_equal(counts[1][0], [4, 4, 1, 1])
    # readout: mean input over 8 steps = (1·4 + 0·4 + 2·1 + 1·1)/8
    assert y[0, 0] == pytest.approx(7 / 8, abs=1e-12)
    wl = spiking_workload(net, counts, 1, 8).set_index("layer")
    assert wl.loc["conv0.syn", "syn_ops"] == 4 * 2 + 4 * 1 + 4 * 2 + 4 * 1         # = 24


def test_stages_reject_what_is_not_converted():
    spec = {"layers": [{"name": "c", "op": "conv1d", "w": "w", "b": None, "stride": 1, "padding": 0},
                       {"name": "t", "op": "tanh"}]}
    with pytest.raises(ValueError, match="tanh"):
        stages_from_bundle(spec, {"w": np.ones((1, 1, 2))})
    spec = {"layers": [{"name": "d", "op": "dense", "w": "w", "b": None}, {"name": "r", "op": "relu"}]}
    with pytest.raises(ValueError, match="linear readout"):
        stages_from_bundle(spec, {"w": np.ones((2, 2))})


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, float("nan")])
def test_bad_time_steps_raise(bad):
    with pytest.raises(ValueError, match="time_steps"):
        ConvertedForecasterDetector(time_steps=bad)
    with pytest.raises(ValueError, match="time_steps"):
        simulate(_tiny_conv_net(), np.zeros((1, 1, 4)), bad)


@pytest.mark.parametrize("bad", [0.0, -1.0, 100.5, float("nan"), float("inf")])
def test_bad_percentile_raises(bad):
    with pytest.raises(ValueError, match="percentile"):
        ConvertedForecasterDetector(percentile=bad)
    with pytest.raises(ValueError, match="percentile"):
        convert([("out", "dense", np.ones((4, 1)), np.zeros(1), 1, False)], np.ones((3, 1, 4)), percentile=bad)


def test_bad_windows_raise():
    with pytest.raises(ValueError, match="X must be"):
        simulate(_tiny_conv_net(), np.zeros((1, 1, 5)), 4)
    with pytest.raises(ValueError, match="X must be"):
        simulate(_tiny_conv_net(), np.full((1, 1, 4), np.nan), 4)
    with pytest.raises(ValueError, match="calibration"):
        convert([("out", "dense", np.ones((4, 1)), np.zeros(1), 1, False)], np.full((2, 1, 4), np.inf))


@pytest.fixture(scope="module")
def fitted_detector():
    """The operation-matched forecaster pair with random He-uniform weights and small positive biases (so its ReLU
    units are active; training is not what is tested here), converted on a sine series."""
    from fdir.detectors.forecaster import Forecaster
    from fdir.detectors.matched import matched_config

    cfg = matched_config("ops")
    rng = np.random.default_rng(0)
    M = cfg.members
    params = {}
    for name, shape in cfg.layer_shapes(1):
        fan_in = shape[1] * shape[2] if name.startswith("conv") else shape[0]
        n_out = shape[0] if name.startswith("conv") else shape[1]
        bound = np.sqrt(6.0 / fan_in)
        params[name] = {"w": rng.uniform(-bound, bound, (M, *shape)).astype(np.float32),
                        "b": np.full((M, n_out), 0.1, np.float32)}
    params["skip"] = {"a": np.array([[0.0], [1.0]], np.float32)}          # the absolute and the residual member
    t = np.arange(600)
    x = 0.8 * np.sin(2 * np.pi * t / 40) + 0.05 * rng.standard_normal(t.size)
    det = ConvertedForecasterDetector(cfg, time_steps=16)
    det.model = Forecaster(cfg, 1, (0,), params)
    return det.convert_source(x), x


def test_converted_forecasts_approach_the_source_as_T_grows(fitted_detector):
    # the rate-code error shrinks like 1/T: the RMS deviation from the dense source at T = 256 is at most 1/4 of
    # T = 16's (the analytic bound shrinks 16-fold)
    import copy

    det, x = fitted_detector
    assert all(pos.sum() > 0 for pos, _ in det.train_counts)   # every population spikes (non-trivial network)
    src, Y = det.source_forecasts(x)
    conv16, Y16 = det.forecasts(x)
    np.testing.assert_array_equal(Y, Y16)
    det256 = copy.copy(det)                                 # same trained source and scales, simulated longer
    det256.time_steps = 256
    conv256, _ = det256.forecasts(x)
    rms = {T: float(np.sqrt(np.mean((c - src) ** 2))) for T, c in ((16, conv16), (256, conv256))}
    assert rms[16] > 0 and rms[256] <= rms[16] / 4


def test_workload_is_supported_and_costed_on_neuromorphic_and_processor_targets(fitted_detector):
    from hwsim.cost.model import evaluate
    from hwsim.targets.catalogue import load, names

    det, _ = fitted_detector
    wl = det.workload()
    assert set(wl["kind"]) <= {"snn_conv", "snn_dense", "neuron_update"}      # no dense MAC left
    # measured synops: per row, spikes x fan-out (fan_out column = mean synapses per spike)
    spk = wl["spikes_pos"].fillna(0) + wl["spikes_neg"].fillna(0)
    syn = wl["kind"].isin(["snn_conv", "snn_dense"])
    np.testing.assert_allclose(wl.loc[syn, "syn_ops"], (spk * wl["fan_out"])[syn], rtol=1e-12)
    checked = []
    for name in names():
        target = load(name)
        if target.cls not in ("neuromorphic", "cpu"):
            continue
        per = evaluate(wl, target).per_point().iloc[0]
        assert bool(per["supported"]), (name, per.get("reason"))
        assert np.isfinite(per["energy_J"]) and per["energy_J"] > 0
        checked.append(name)
    assert {"loihi", "mtj_core", "gr740"} <= set(checked)
