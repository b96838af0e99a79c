"""Issue 19 gate on real telemetry: the spiking detector's int8 export in the numpy runtime detects what the JAX
float model detects. One short MSL channel (T-8: 748 training and 1,519 test samples, two labelled anomalies),
the default signed-LIF configuration, seed 0; event-wise F1 of both against the labels (telemanom counting,
``fdir.metrics.telemanom``) within 0.02. The NDT runs on the causal schedule in both, the runtime with the offline
ignore rule (``num_to_ignore`` of the series length), so the two differ only by the quantised network."""

import numpy as np

import fdir.runtime as rt
from fdir.data.smap_msl import load_channel
from fdir.detectors.spiking import SpikingConfig, SpikingTrainer
from fdir.detectors.spiking_export import export_spiking
from fdir.metrics.telemanom import telemanom_counts
from fdir.ndt import NDTParams, detect, num_to_ignore


def test_int8_runtime_f1_within_002_of_jax_float_on_msl_t8():
    ch = load_channel("T-8")
    labels = [s for row in ch.labels for s in row.sequences]
    cfg = SpikingConfig(neuron="lif", seed=0)
    ndt = NDTParams(l_s=cfg.l_s)
    tr = SpikingTrainer(cfg)
    model = tr.fit(ch.train)
    x = ch.test[:, 0]
    T, l_s = x.size, cfg.l_s
    y_hat = tr.predict(model, x)["y_hat"][:, 0]
    jax_float = detect(np.abs(y_hat[l_s - 1:T - 1] - x[l_s:]), x[l_s:], ndt, offset=l_s).sequences
    runtime = rt.from_arrays(*export_spiking(model, w_bits=8, ndt=ndt))
    assert runtime.fixed_point
    int8 = runtime.run_series(ch.test[:, :1], n_ignore=num_to_ignore(T - l_s, ndt))["sequences"]
    f_float = telemanom_counts(labels, jax_float).f1
    f_int8 = telemanom_counts(labels, int8).f1
    assert f_float > 0.0                                          # the comparison is not between two empty answers
    assert abs(f_int8 - f_float) <= 0.02, (jax_float, int8)
