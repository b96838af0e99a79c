"""Spiking telemetry forecaster (fdir.detectors.spiking): encoding known answers, shapes, bad input, syn-op
accounting, determinism. Synthetic streams and tiny configurations keep the file at a few seconds."""

import numpy as np
import pytest

from fdir.detectors.spiking import (
    SpikingConfig,
    SpikingTrainer,
    channel_detections,
    choose_delta,
    encode,
    make_sequences,
    syn_op_counts,
    workload,
)
from fdir.ndt import NDTParams

TINY = dict(n_hidden=8, seq_len=64, seq_stride=32, warmup=8, epochs=2, batch_size=8, l_s=50)


def _stream(T: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(T)
    return 0.8 * np.sin(2 * np.pi * t / 50.0) + 0.02 * rng.standard_normal(T)


def test_choose_delta_known_answers():
    ramp = np.linspace(0.0, 1.0, 1001)
    assert choose_delta(ramp) == pytest.approx(0.99 / 32, rel=1e-9)       # 0.5-99.5 % range of a uniform ramp
    assert choose_delta(np.full(100, 0.3)) == pytest.approx(2.0 / 32)      # constant: nominal range 2
    spiky = np.zeros(1000)
    spiky[10] = 4.0                                                        # zero percentile range → full range
    assert choose_delta(spiky, fraction=0.25) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="fraction"):
        choose_delta(ramp, fraction=0.0)
    with pytest.raises(ValueError, match="train_values"):
        choose_delta(np.array([np.nan, 1.0]))


def test_encode_reconstruction_bound_and_sequences():
    x = _stream(600)
    delta = choose_delta(x)
    counts, r = encode(x, delta)
    assert counts.shape == r.shape == x.shape and counts.dtype == np.int32
    assert np.max(np.abs(x - r)) < delta                                   # level-crossing bound |x − r| < δ
    cfg = SpikingConfig(**TINY, n_predictions=3)
    X, Z = make_sequences(x, delta, cfg)
    starts = np.arange(0, 600 - 3 - 64 + 1, 32)
    assert X.shape == (starts.size, 64, 1) and Z.shape == (starts.size, 64, 3)
    i, t, j = 2, 10, 2                                                      # target identity x_{t+1+j} = r_t + δ z
    s = starts[i] + t
    assert Z[i, t, j] * delta + r[s] == pytest.approx(x[s + 1 + j], abs=1e-5)
    with pytest.raises(ValueError, match="x must be"):
        encode(np.zeros((3, 2)), 0.1)
    with pytest.raises(ValueError, match="shorter"):
        make_sequences(x[:40], delta, cfg)


@pytest.mark.parametrize("field,value", [("neuron", "izhikevich"), ("n_hidden", 0), ("warmup", 64),
                                         ("delta_fraction", 1.5), ("tau_m_steps", 1.0), ("rate_reg", -1.0),
                                         ("validation_split", 1.0), ("patience", 0), ("min_delta", float("nan")),
                                         ("min_delta", -0.1)])
def test_config_rejects_bad_values(field, value):
    kw = {**TINY, field: value}
    with pytest.raises(ValueError, match=field):
        SpikingConfig(**kw)


def test_mtj_layer_uses_the_devices_compact_model():
    from devices.compact import default_signed_mtj_neuron

    spec = SpikingConfig(**TINY, neuron="mtj").spec()
    compact = default_signed_mtj_neuron()
    n = spec.layers[0].neuron
    assert spec.dt_s == compact.dt_s
    assert (n.theta_pos, n.theta_neg, n.leak) == (compact.theta_pos, compact.theta_neg, compact.leak)
    assert n.gain == pytest.approx(compact.gain_per_A * compact.I_scale_A, rel=1e-12)


@pytest.fixture(scope="module")
def lif_run():
    train, test = _stream(700, 1), _stream(900, 2)
    test[600:620] += 1.5                                                    # injected offset anomaly
    trainer = SpikingTrainer(SpikingConfig(**TINY))
    ndt = NDTParams(l_s=50, batch_size=50, window_size=10, error_buffer=10)
    return trainer, train, test, channel_detections("synthetic", train, test, trainer, ndt)


def test_run_shapes_and_syn_op_identity(lif_run):
    trainer, train, test, run = lif_run
    cfg = trainer.cfg
    assert run.y_hat.shape == run.y.shape == (900 - cfg.l_s,)
    assert run.n_samples == 900
    model = trainer.fit(train)
    out = trainer.predict(model, test)
    assert out["y_hat"].shape == (900, 1) and out["spikes"].shape == (900, cfg.n_hidden)
    assert set(np.unique(out["spikes"])) <= {-1.0, 0.0, 1.0}
    # syn ops = counted events x fan-out (non-zero synapses of each presynaptic neuron), computed independently
    ev_in = np.abs(out["counts"]).sum()
    ev_h = np.abs(out["spikes"]).sum(0)
    p = model.params
    ops = syn_op_counts(model, out["counts"], out["spikes"])
    assert ops["L0.w"] == ev_in * np.count_nonzero(p["layers"][0]["w"])
    assert ops["L0.w_rec"] == sum(ev_h[i] * np.count_nonzero(p["layers"][0]["w_rec"][i]) for i in range(cfg.n_hidden))
    assert ops["readout.w"] == sum(ev_h[i] * np.count_nonzero(p["readout"]["w"][i]) for i in range(cfg.n_hidden))
    # the run's measured totals give the per-inference workload: totals / samples
    wl = workload(cfg, [run]).set_index("layer")
    assert wl.loc["L0.w", "syn_ops"] == pytest.approx(run.syn_ops["L0.w"] / 900)
    assert wl.loc["L0.w", "spikes_pos"] + wl.loc["L0.w", "spikes_neg"] == pytest.approx(
        (run.events_in_pos + run.events_in_neg) / 900)
    assert wl.loc["L0.w_rec", "spikes_pos"] == pytest.approx(run.spikes_pos / 900)
    assert (wl["time_steps"] == 1).all()
    from hwsim import ir

    assert ir.synaptic_ops(wl.reset_index()).sum() == pytest.approx(sum(run.syn_ops.values()) / 900)


def test_forecast_error_peaks_at_the_injected_anomaly(lif_run):
    *_, run = lif_run
    e = np.abs(run.y_hat - run.y)
    k = 600 - 50                                                            # error index of test sample 600
    assert e[k:k + 2].max() > 5 * np.median(e)


def test_deterministic_with_seed():
    train, test = _stream(500, 3), _stream(400, 4)
    outs = []
    for _ in range(2):
        trainer = SpikingTrainer(SpikingConfig(**TINY, neuron="mtj", seed=5))
        model = trainer.fit(train)
        outs.append(trainer.predict(model, test))
    np.testing.assert_array_equal(outs[0]["y_hat"], outs[1]["y_hat"])
    np.testing.assert_array_equal(outs[0]["spikes"], outs[1]["spikes"])


def test_workload_rejects_no_runs():
    with pytest.raises(ValueError, match="runs"):
        workload(SpikingConfig(**TINY), [])


def test_describe_reports_the_trained_model(lif_run):
    trainer, train, *_ = lif_run
    model = trainer.fit(train)
    d = model.describe()
    assert d["n_params"] == trainer.cfg.n_params() == model.n_params()
    assert d["layers"]["L0.w_rec"] == [8, 8] and d["delta"] == model.delta
    assert d["neuron_constants"]["theta_pos"] == trainer.cfg.theta
