"""Spike encoders: interface contracts, statistics and error handling (the exact bounds are validation cases)."""

import math

import jax
import numpy as np
import pytest

from sensors import encoders as E
from sensors import encoders_jax as EJ


def test_send_on_delta_shapes_per_channel_delta_and_x0():
    rng = np.random.default_rng(0)
    x = np.cumsum(rng.normal(size=(500, 2, 3)), axis=0)
    delta = np.array([0.2, 0.5, 1.0])  # broadcasts over the last axis
    k = E.send_on_delta(x, delta)
    assert k.shape == x.shape and k.dtype == np.int32
    assert np.all(k[0] == 0)  # default x0 = x[0]
    r = E.reconstruct_send_on_delta(k, delta, x[0])
    assert np.all(np.abs(x - r) < delta)
    k0 = E.send_on_delta(x, delta, x0=0.0)  # absolute coding: initial burst encodes x[0]
    assert np.array_equal(k0[0], np.trunc(x[0] / delta).astype(int) + 0 * k0[0]) or np.all(
        np.abs(x[0] - delta * k0[0]) < delta)
    assert np.all(np.abs(x - E.reconstruct_send_on_delta(k0, delta, 0.0)) < delta)


def test_send_on_delta_counts_changes_not_values():
    x = np.full((100, 1), 5.0)
    assert E.send_on_delta(x, 0.1).sum() == 0  # a constant signal sends nothing
    step = np.r_[np.zeros(10), np.full(10, 1.05)][:, None]
    k = E.send_on_delta(step, 0.1)
    assert k[10, 0] == 10 and np.count_nonzero(k) == 1  # multi-threshold: one sample carries 10 events


def test_send_on_delta_max_events_and_dtype_overflow():
    step = np.r_[np.zeros(3), np.full(5, 1.0)][:, None]
    k = E.send_on_delta(step, 0.1, max_events=3)
    assert k.max() == 3 and k.sum() == 9  # catches up 3 per step after the jump
    with pytest.raises(ValueError, match="overflow"):
        E.send_on_delta(np.r_[0.0, 1000.0][:, None], 1.0, dtype=np.int8)


@pytest.mark.parametrize("kw,match", [
    (dict(delta=0.0), "delta"), (dict(delta=-1.0), "delta"), (dict(delta=np.ones(3)), "broadcast"),
    (dict(delta=0.1, max_events=0), "max_events"), (dict(delta=0.1, engine="cuda"), "engine"),
])
def test_send_on_delta_bad_parameters(kw, match):
    x = np.zeros((10, 2))
    with pytest.raises(ValueError, match=match):
        E.send_on_delta(x, **kw)


def test_nonfinite_input_rejected():
    with pytest.raises(ValueError, match="finite"):
        E.send_on_delta(np.array([0.0, np.nan]), 0.1)
    with pytest.raises(ValueError, match="order"):
        E.sigma_delta(np.zeros(5), 0.1, order=3)


def test_sigma_delta_codes_value_and_moving_average_bound():
    rng = np.random.default_rng(1)
    x = rng.uniform(0.2, 0.8, (4000, 2))
    delta, W = 0.25, 20
    k = E.sigma_delta(x, delta, order=1, max_level=4)
    assert k.min() >= -4 and k.max() <= 4
    # event rate proportional to |x| / delta
    assert abs(k.sum(0) / x.shape[0] - x.mean(0) / delta).max() < 1e-3
    y = E.reconstruct_sigma_delta(k, delta, W)
    ref = E.reconstruct_sigma_delta(x / delta, delta, W)
    assert np.max(np.abs(y - ref)[W:]) < 2 * delta / W


def test_split_and_stack_on_off_numpy_and_jax():
    s = np.array([[3, -2, 0], [-1, 0, 4]], dtype=np.int16)
    on, off = E.split_on_off(s)
    assert on.dtype == s.dtype and np.array_equal(on - off, s) and on.min() >= 0 and off.min() >= 0
    st = E.stack_on_off(s)
    assert st.shape == (2, 6) and np.array_equal(st[:, :3] - st[:, 3:], s)
    jon, joff = E.split_on_off(jax.numpy.asarray(s))
    assert np.array_equal(np.asarray(jon) - np.asarray(joff), s)


def test_rate_encoder_mean_within_binomial_ci():
    x = np.array([0.0, 0.1, 0.5, 1.0, 1.7])
    T, lam = 4000, 0.25
    s = E.rate_encode(x, T, f_max_Hz=250.0, dt_s=1e-3, rng=3)
    assert s.shape == (T, 5) and s.dtype == np.int8
    p = np.clip(x, 0, 1) * lam
    sd = np.sqrt(T * p * (1 - p)) + 1e-9
    assert np.all(np.abs(s.sum(0) - T * p) <= 4 * sd)
    signed = E.rate_encode(-x, 100, rng=4, signed=True, f_max_Hz=500.0)
    assert signed.max() <= 0 and signed.min() >= -1
    pois = E.rate_encode(np.array([1.0]), 2000, f_max_Hz=2000.0, dt_s=1e-3, method="poisson", rng=5)
    assert pois.max() > 1 and abs(pois.mean() - 2.0) < 0.15
    with pytest.raises(ValueError, match="Bernoulli"):
        E.rate_encode(x, 10, f_max_Hz=2000.0, dt_s=1e-3)


def test_rate_encoder_jax_statistics():
    x = jax.numpy.array([0.2, 0.9])
    s = np.asarray(EJ.rate_encode(jax.random.key(0), x, 5000, 500.0, 1e-3))
    p = np.array([0.2, 0.9]) * 0.5
    assert np.all(np.abs(s.mean(0) - p) < 4 * np.sqrt(p * (1 - p) / 5000))


def test_latency_encoder_monotone_and_modes():
    x = np.linspace(0.0, 1.0, 11)
    s = E.latency_encode(x, 20, x_min=0.05)
    assert s.sum(0)[0] == 0 and np.all(s.sum(0)[1:] == 1)  # below the floor: silent; else one spike
    t_first = np.argmax(s[:, 1:], axis=0)
    assert np.all(np.diff(t_first) <= 0) and t_first[-1] == 0  # larger x fires earlier; x = 1 at step 0
    sl = E.latency_encode(x, 200, mode="log", tau_s=0.01, theta=0.2, dt_s=1e-3)
    tl = [np.argmax(sl[:, i]) for i in range(11) if sl[:, i].any()]
    assert np.all(np.diff(tl) <= 0) and sl[:, x <= 0.2].sum() == 0
    # step of the log mode is floor(tau ln(x/(x - theta)) / dt)
    assert np.argmax(sl[:, 10]) == math.floor(0.01 * math.log(1.0 / 0.8) / 1e-3)
    with jax.enable_x64(True):
        assert np.array_equal(np.asarray(EJ.latency_encode(x, 20, 0.05)), s)
