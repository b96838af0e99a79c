"""Layered JAX models: the same events as the Numba engine, signed inputs, MTJ neurons, training for regression."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from snn.engine_numba import simulate
from snn.model import SNN, Conv1d, Dense, Readout, apply, init_params
from snn.neurons import LIF, MTJNeuron, SignedLIF
from snn.surrogate import heaviside, spike, surrogate_grad
from snn.train import evaluate, loss, to_network, train

SPECS = {
    "lif-channel-recurrent+signed-refractory": (
        Dense(20, LIF(tau_m_s=10e-3, tau_syn_s=(5e-3,), reset="subtract"), target=0, recurrent=True),
        Dense(7, SignedLIF(theta_neg=0.7, amplitude=0.5, t_ref_s=2e-3))),
    "conv-recurrent+signed": (
        Conv1d(6, 3, SignedLIF(reset="zero"), dilation=2, recurrent=True),
        Dense(5, SignedLIF(tau_m_s=10e-3), w_scale=3.0)),
    "lif-value-reset-two-channels": (
        Dense(9, LIF(v_rest=-0.2, v_reset=-0.3, t_ref_s=3e-3, tau_syn_s=(2e-3, 8e-3)), target=1, w_scale=3),),
}


@pytest.mark.parametrize("name", list(SPECS))
def test_model_events_equal_the_numba_engine(name):
    """Signed integer input counts (send-on-delta style) through the layered model and the exported network."""
    with jax.enable_x64(True):
        spec = SNN(n_in=4, layers=SPECS[name], readout=Readout(3), dt_s=1e-3)
        params = init_params(jax.random.PRNGKey(1), spec, jnp.float64)
        params = jax.tree_util.tree_map(lambda a: 2.0 * a, params)
        params["layers"][0]["b"] = params["layers"][0]["b"] + 0.1
        x = np.random.default_rng(0).integers(-2, 3, (60, 4))
        out = apply(params, spec, jnp.asarray(x[None], jnp.float64))
    r = simulate(to_network(spec, params, x), n_steps=60)
    for li, layer in enumerate(spec.layers):
        st, ix, sg = r.spikes(f"L{li}")
        dense = np.zeros((60, layer.n_out))
        dense[st, ix] = sg
        assert np.array_equal(dense, np.asarray(out.spikes[li][0])), f"layer {li}"
        assert float(out.pos[li][0]) == np.sum(sg > 0) and float(out.neg[li][0]) == np.sum(sg < 0)
    assert sum(float(p[0]) for p in out.pos) > 20


def test_mtj_layer_reproduces_the_compact_model_one_step_later():
    compact = pytest.importorskip("devices.compact")
    m = compact.default_signed_mtj_neuron()
    I_A = np.random.default_rng(1).normal(0, 1.2, (200, 3)) * m.I_scale_A
    _, s_ref = compact.simulate_compact(m, I_A, noise=False)
    spec = SNN(n_in=3, layers=(Dense(3, MTJNeuron.from_compact(m), bias=False),), readout=Readout(1, tau_s=1e-8))
    assert spec.dt_s == m.dt_s
    with jax.enable_x64(True):
        params = init_params(jax.random.PRNGKey(0), spec, jnp.float64)
        params["layers"][0]["w"] = jnp.eye(3)
        s = np.asarray(apply(params, spec, jnp.asarray((I_A / m.I_scale_A)[None])).spikes[0][0])
        noisy = np.asarray(apply(params, spec, jnp.asarray((I_A / m.I_scale_A)[None]), jax.random.PRNGKey(5))
                           .spikes[0][0])
    assert np.abs(s_ref).sum() > 50
    assert np.array_equal(s[1:], s_ref[:-1])
    assert not np.array_equal(noisy, s)  # noise_std > 0 at 300 K changes the events when a key is given


def test_surrogate_gradient_is_the_pseudo_derivative():
    x = jnp.linspace(-1, 1, 11)
    assert np.array_equal(np.asarray(heaviside(x, "superspike", 25.0)), (np.asarray(x) > 0).astype(float))
    g = jax.vmap(jax.grad(lambda v: heaviside(v, "superspike", 25.0)))(x)
    np.testing.assert_allclose(g, 1 / (1 + 25 * np.abs(np.asarray(x))) ** 2, rtol=1e-6)
    gs = jax.vmap(jax.grad(lambda v: spike(v, "sigmoid", 4.0, smooth=True)))(x)
    np.testing.assert_allclose(gs, surrogate_grad(x, "sigmoid", 4.0), rtol=1e-6)
    with pytest.raises(ValueError, match="surrogate"):
        spike(x, "relu")


def test_signed_layer_gradient_sums_both_branches():
    spec = SNN(n_in=1, layers=(Dense(1, SignedLIF(theta_pos=1.0, theta_neg=0.5), bias=False),),
               readout=Readout(1, tau_s=math.inf, bias=False))
    p = {"layers": [{"w": jnp.ones((1, 1))}], "readout": {"w": jnp.ones((1, 1))}}

    def f(w, x):
        q = {"layers": [{"w": w}], "readout": p["readout"]}
        return apply(q, spec, x).y.sum()

    # input lands after the threshold of step 0; at step 1 v = alpha * x is tested against both thresholds
    alpha = math.exp(-1e-3 / 20e-3)
    for x0, br in ((0.9 / alpha, 1.0), (-0.45 / alpha, 0.5)):
        x = jnp.array([[[x0], [0.0]]])
        g = float(jax.grad(f)(p["layers"][0]["w"], x)[0, 0])
        # d s/d w = g_pos(dv_pos) * alpha x / theta_pos - g_neg(...) * (-alpha x) / theta_neg
        v = alpha * x0
        gp = 1 / (1 + 25 * abs((v - 1.0) / 1.0)) ** 2 * alpha * x0 / 1.0
        gn = 1 / (1 + 25 * abs((-v - 0.5) / 0.5)) ** 2 * alpha * x0 / 0.5
        assert g == pytest.approx(gp + gn, rel=1e-5), br


def test_regression_training_learns_next_value_forecasting():
    rng = np.random.default_rng(0)
    t = np.arange(40)
    phase = rng.uniform(0, 2 * np.pi, 96)
    series = np.sin(0.3 * t[None, :] + phase[:, None])
    x = series[:, :-1, None].astype(np.float32)
    y = series[:, 1:, None].astype(np.float32)
    spec = SNN(n_in=1, layers=(Dense(32, SignedLIF(tau_m_s=5e-3), recurrent=True),),
               readout=Readout(1, tau_s=2e-3, reduce="none"), dt_s=1e-3)
    res = train(spec, x, y, task="regression", epochs=60, batch_size=32, lr=1e-2, seed=0)
    mse = evaluate(spec, res.params, x, y, task="regression")["mse"]
    assert res.history["loss"][-1] < res.history["loss"][0]
    assert mse < 0.2 * np.var(y)  # far better than predicting the mean
    ev = evaluate(spec, res.params, x, y, task="regression")
    assert ev["spikes_pos"] > 0 and ev["spikes_neg"] > 0


def test_bad_model_input_raises():
    spec = SNN(n_in=3, layers=(Dense(4),), readout=Readout(2))
    params = init_params(jax.random.PRNGKey(0), spec)
    with pytest.raises(ValueError, match="n_in"):
        apply(params, spec, jnp.zeros((1, 5, 2)))
    with pytest.raises(ValueError, match="task"):
        loss(params, spec, jnp.zeros((1, 5, 3)), jnp.zeros(1), task="ranking") if False else train(
            spec, np.zeros((2, 5, 3)), np.zeros(2), task="ranking")
    with pytest.raises(ValueError, match="samples"):
        train(spec, np.zeros((2, 5, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="reduce"):
        Readout(2, reduce="median")
    with pytest.raises(ValueError, match="target"):
        Dense(3, LIF(), target=0)
    with pytest.raises(ValueError, match="layers"):
        SNN(n_in=3, layers=(), readout=Readout(2))
    with pytest.raises(ValueError, match="integer"):
        to_network(spec, params, np.full((4, 3), 0.5))
