"""Measured-quality compression of the spiking network on digits: each step is checked against an independent
construction (the snn package's own evaluation and workload accounting, hand-built weights whose spikes and synaptic
operations are counted by hand, matrix rank, number of quantisation levels)."""

import math

import numpy as np
import pandas as pd
import pytest

from hwsim import ir
from hwsim.quality import digits_snn as dsnn
from hwsim.quality.snn_pipeline import SpikingDesign, compress_snn, spike_rates
from hwsim.search.measured import compare, sequential

TINY = {"widths": [16, 8], "time_steps": 8, "epochs": 3, "seed": 0}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("HWSIM_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    p = dsnn.trained(TINY)
    data = dsnn.load(TINY)
    yield p, data
    mp.undo()


def test_uncompressed_design_equals_the_snn_package(trained):
    """16-bit (float) weights and full width/rank leave the weights untouched: the accuracy equals snn.train's
    evaluation exactly and every spiking row's synaptic operations and spikes equal snn.workload's (rel 1e-9)."""
    from snn.train import evaluate
    from snn.workload import model_workload

    p, data = trained
    c = compress_snn(p, SpikingDesign(), data.x_train[:64], x_ir=data.x_test)
    assert all(np.array_equal(c.params[k], p[k]) for k in p)
    sp, tree = dsnn.spec(TINY["widths"]), dsnn.to_tree(p)
    assert c.accuracy(data.x_test, data.y_test) == evaluate(sp, tree, data.x_test, data.y_test)["accuracy"]
    assert c.accuracy(data.x_test, data.y_test) > 0.3  # chance is 0.1; 3 epochs of a 16-8 network
    ours = c.ir().set_index("layer")
    peer = model_workload(sp, tree, data.x_test).set_index("layer")
    for row in ("L0.w", "L1.w", "readout.w"):
        for col in ("syn_ops", "spikes_pos", "spikes_neg", "spike_rate", "density"):
            assert ours.loc[row, col] == pytest.approx(peer.loc[row, col], rel=1e-9), (row, col)
    assert ours.loc["L1.neurons", "n_neurons"] == 8 and ours.loc["readout.neurons", "n_neurons"] == 10


def _hand_params(n_in=64, widths=(3, 2)):
    """L0 neuron 0 reads pixel 0 with weight 5, L1 reads L0 neuron 0 with weight 0.01 from its two neurons, the
    readout reads L1; every other weight and bias is 0."""
    p = {"L0.w": np.zeros((n_in, widths[0]), np.float32), "L0.b": np.zeros(widths[0], np.float32),
         "L1.w": np.zeros(widths, np.float32), "L1.b": np.zeros(widths[1], np.float32),
         "readout.w": np.ones((widths[1], 10), np.float32), "readout.b": np.zeros(10, np.float32)}
    p["L0.w"][0, 0] = 5.0
    p["L0.w"][1, :] = 1e-3  # pixel 1 reaches all three neurons but never drives them to threshold
    p["L1.w"][0, :] = 0.01
    return p


def test_synaptic_operations_of_a_hand_built_network():
    """Pixel 0 spikes every step of T = 4 and pixel 1 once; L0 neuron 0 (weight 5, threshold 1, leak
    exp(-1 ms / 10 ms)) is above threshold from step 1 on: the input of step t acts from step t + 1 (snn.model),
    so it fires 3 times. By hand: L0.w synops = 4 events x fan-out 1 + 1 event x fan-out 3 = 7; L1.w synops =
    3 spikes x fan-out 2 = 6; L1 receives at most 3 x 0.01 and stays silent, so the readout has 0 synops."""
    p = _hand_params()
    x = np.zeros((1, 4, 64), np.float32)
    x[0, :, 0] = 1.0
    x[0, 2, 1] = 1.0
    c = compress_snn(p, SpikingDesign(), x)
    t = c.ir().set_index("layer")
    assert t.loc["L0.w", "syn_ops"] == 7 and t.loc["L0.w", "spikes_pos"] == 5
    assert t.loc["L1.w", "spikes_pos"] == 3 and t.loc["L1.w", "spikes_neg"] == 0 and t.loc["L1.w", "syn_ops"] == 6
    assert t.loc["readout.w", "syn_ops"] == 0
    assert ir.synaptic_ops(t.reset_index()).sum() == 13
    # rank 1 of L0 (min(64, 3) = 3 -> floor(0.34 x 3) = 1): 5 input events x 1 factor channel, then 4 x 1 x 3 MACs
    f = compress_snn(p, SpikingDesign(rank_fraction=0.34), x).ir().set_index("layer")
    assert f.loc["L0.w.A", "syn_ops"] == 5 and f.loc["L0.w.A", "N"] == 1
    b = f.loc[["L0.w.B"]].reset_index()
    assert b.loc[0, "kind"] == "linear" and ir.dense_macs(b)[0] == 4 * 1 * 3


def test_pruning_silent_neurons_leaves_every_spike_unchanged_and_keeps_k_units():
    """Neurons with zero weights and bias never spike; pruning exactly them (width = k / n) leaves the readout and
    the spikes of the kept neurons unchanged, and the IR has exactly k units in that layer."""
    rng = np.random.default_rng(0)
    p = {"L0.w": rng.normal(0, 0.4, (64, 6)).astype(np.float32), "L0.b": np.zeros(6, np.float32),
         "L1.w": rng.normal(0, 0.8, (6, 4)).astype(np.float32), "L1.b": np.zeros(4, np.float32),
         "readout.w": rng.normal(0, 1, (4, 10)).astype(np.float32), "readout.b": np.zeros(10, np.float32)}
    silent = [1, 4]
    p["L0.w"][:, silent] = 0.0
    p["L1.w"][:, 2] = 0.0  # one silent L1 neuron: width 0.75 of 4 keeps the other 3
    x = (rng.random((20, 8, 64)) < 0.3).astype(np.float32)
    rates = spike_rates(p, x)
    assert np.all(rates[0][silent] == 0) and np.all(np.delete(rates[0], silent) > 0)
    assert rates[1][2] == 0 and np.all(np.delete(rates[1], 2) > 0)
    # width 4/6 keeps round(4) L0 units and round(0.667 x 4) = 3 L1 units: exactly the spiking ones
    c = compress_snn(p, SpikingDesign(width=4 / 6), x, rates=rates)
    y0, pos0, _ = dsnn.run(p, x)
    y1, pos1, _ = dsnn.run(c.params, x)
    assert np.allclose(y0, y1, rtol=0, atol=1e-5)
    assert np.array_equal(pos1[0], np.delete(pos0[0], silent))
    t = c.ir().set_index("layer")
    assert t.loc["L0.neurons", "n_neurons"] == 4 and t.loc["L1.w", "K"] == 4
    assert t.loc["L1.neurons", "n_neurons"] == 3 and t.loc["readout.w", "K"] == 3


def test_low_rank_and_quantisation_levels(trained):
    p, data = trained
    cal = data.x_train[:64]
    c = compress_snn(p, SpikingDesign(rank_fraction=0.5), cal)
    w = c.params["L1.w"].astype(np.float64)  # (16, 8): rank floor(0.5 x 8) = 4
    assert np.linalg.matrix_rank(w, tol=1e-5 * np.abs(w).max()) == 4
    t = c.ir().set_index("layer")
    assert t.loc["L1.w.A", "N"] == 4 and t.loc["L1.w.B", "K"] == 4 and "readout.w" in t.index
    q = compress_snn(p, SpikingDesign(w_bits=3, w_bits_layers={"readout.w": 8}), cal)
    w = q.params["L0.w"]
    assert max(len(np.unique(w[:, j])) for j in range(w.shape[1])) <= 2**3 - 1  # symmetric: 7 levels per neuron
    r = q.params["readout.w"]
    assert max(len(np.unique(r[:, j])) for j in range(r.shape[1])) > 7
    t = q.ir().set_index("layer")
    assert t.loc["L0.w", "w_bits"] == 3 and t.loc["L0.w", "w_format"] == "int" and t.loc["readout.w", "w_bits"] == 8


@pytest.mark.parametrize("kwargs, match", [
    (dict(width=0.0), "width"), (dict(width=math.nan), "width"), (dict(rank_fraction=math.inf), "rank_fraction"),
    (dict(w_bits=1), "bits"), (dict(w_bits_layers={"L0.w": 17}), "bits"),
])
def test_design_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SpikingDesign(**kwargs)


@pytest.mark.parametrize("cfg, match", [
    ({"widths": []}, "widths"), ({"widths": [8, 0]}, "widths"), ({"time_steps": 1}, "time_steps"),
    ({"lr": math.nan}, "lr"), ({"encoding": "latency"}, "encoding"), ({"weight_decay": -1.0}, "weight_decay"),
])
def test_config_rejects_bad_input(cfg, match):
    with pytest.raises(ValueError, match=match):
        dsnn.check_config(cfg)


def test_unknown_layer_and_mismatched_rates_are_rejected():
    p = _hand_params()
    x = np.zeros((1, 4, 64), np.float32)
    with pytest.raises(ValueError, match="w_bits_layers"):
        compress_snn(p, SpikingDesign(w_bits_layers={"L2.w": 4}), x)
    with pytest.raises(ValueError, match="rates"):
        compress_snn(p, SpikingDesign(), x, rates=[np.zeros(3)])


def test_sequential_search_on_designs_without_depth_or_activation_bits():
    """A spiking subject's results have no depth, a_bits or rotation column: those axes count as uncompressed.
    Prune first with a 5 % budget: float designs >= 0.95 are width 1 (10 J) and 0.5 (6 J) -> width 0.5, then every
    bit width of it."""
    spec = {(1.0, 16): (1.00, 10.0), (0.5, 16): (0.97, 6.0), (1.0, 4): (0.99, 4.0), (0.5, 4): (0.90, 2.0)}
    r = pd.DataFrame([{"design": i, "width": w, "rank_fraction": 1.0, "w_bits": b, "quality": q, "target": "t",
                       "energy_J": e} for i, ((w, b), (q, e)) in enumerate(spec.items())])
    s = sequential(r, order="prune_then_quantise", budgets=[0.05], sense="max", target="t")
    assert sorted(zip(s.width, s.w_bits)) == [(0.5, 4), (0.5, 16)]
    s = sequential(r, order="quantise_then_prune", budgets=[0.05], sense="max", target="t")
    assert sorted(zip(s.width, s.w_bits)) == [(0.5, 4), (1.0, 4)]


def test_designs_a_target_cannot_execute_count_on_no_front():
    """A design with NaN energy (e.g. a low-rank factor's dense layer on Loihi) is unreachable on that target even
    when its quality is the best: the energy at quality 0.99 is the 4 J design's, not NaN."""
    spec = {(1.0, 16): (0.98, 10.0), (0.5, 16): (1.00, np.nan), (1.0, 4): (0.99, 4.0)}
    r = pd.DataFrame([{"design": i, "width": w, "rank_fraction": 1.0, "w_bits": b, "quality": q, "target": "t",
                       "energy_J": e} for i, ((w, b), (q, e)) in enumerate(spec.items())])
    c = compare(r, sense="max", budgets=[0.0], thresholds=[0.99]).set_index("strategy")
    assert c.loc["joint", "energy_at_0.99"] == 4.0
