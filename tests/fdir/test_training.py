"""fdir.training.fit, the shared training loop: known answers (least squares, scripted validation curves whose
stopping epochs follow by hand from the documented rule), per-member stopping, determinism, bad input."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from fdir.training import TrainConfig, fit


def _linear_loss(params, batch, *, state, key, train):
    x, y = batch
    return (x @ params["w"] + params["b"] - y) ** 2, state


def test_linear_regression_converges_to_least_squares():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3)).astype(np.float32)
    y = (X @ np.array([1.5, -2.0, 0.5]) + 0.3 + 0.1 * rng.normal(size=200)).astype(np.float32)
    A = np.hstack([X, np.ones((200, 1))]).astype(np.float64)
    ref = np.linalg.lstsq(A, y.astype(np.float64), rcond=None)[0]
    p0 = {"w": np.zeros(3, np.float32), "b": np.zeros((), np.float32)}
    # full-batch gradient descent on the convex MSE; validation on the training data itself, so the validation loss
    # is the training objective and the best epoch is the last one
    res = fit(_linear_loss, p0, optax.sgd(0.2), (X, y), TrainConfig(max_epochs=300, batch_size=200, patience=300),
              validation=(X, y))
    got = np.append(res.params["w"], res.params["b"])
    np.testing.assert_allclose(got, ref, atol=1e-4)        # float32 arithmetic, converged linearly
    assert res.history.stopped_epoch == 300 and res.history.best_epoch > 0
    assert res.history.val_loss.shape == res.history.train_loss.shape == (300,)


def _counter_loss(curve):
    """θ grows by one per optimiser step (train loss −θ, SGD with rate 1); the validation loss is ``curve`` read at
    θ, so with one step per epoch the validation loss after epoch e is curve[e]."""
    grid = jnp.arange(len(curve), dtype=jnp.float32)
    c = jnp.asarray(curve, jnp.float32)

    def loss(params, batch, *, state, key, train):
        (x,) = batch
        th = params["theta"]
        value = -th if train else jnp.interp(th, grid, c)
        return value + 0.0 * x, state

    return loss


def test_early_stopping_follows_the_scripted_validation_curve():
    # epoch:        0    1    2    3     4      5    6    7    8
    curve = [9.0, 4.0, 3.0, 3.0, 2.995, 3.5, 1.0, 1.0, 1.0]
    x = (np.zeros(10, np.float32),)
    cfg = TrainConfig(max_epochs=8, batch_size=64, patience=3, min_delta=0.01)
    res = fit(_counter_loss(curve), {"theta": np.float32(0.0)}, optax.sgd(1.0), x, cfg)
    # e1 4.0 best, counter 0; e2 3.0 best, counter 0; e3 3.0 not below best, counter 1; e4 2.995 below best
    # (snapshot kept) but by less than min_delta, counter 2; e5 3.5, counter 3 = patience: stop at epoch 5
    assert res.history.stopped_epoch == 5 and res.history.epochs == 5
    assert res.history.best_epoch == 4
    assert float(res.params["theta"]) == 4.0                      # the best epoch's parameters
    np.testing.assert_allclose(res.history.val_loss, curve[1:6], rtol=1e-6)
    assert res.history.best_val_loss == pytest.approx(2.995, rel=1e-6)


def test_per_member_stopping_in_an_ensemble():
    def loss(params, batch, *, state, key, train):
        (x,) = batch
        th, k = params["theta"], params["k"]
        value = -th + 0.0 * k if train else (th - k) ** 2     # k gets no gradient: each member's own optimum
        return value + 0.0 * x, state

    p0 = {"theta": np.zeros(3, np.float32), "k": np.array([2.0, 5.0, 30.0], np.float32)}
    res = fit(loss, p0, optax.sgd(1.0), (np.zeros(8, np.float32),),
              TrainConfig(max_epochs=12, batch_size=16, patience=2), ensemble=True)
    # member with optimum k improves until epoch k, then waits `patience` epochs: stops at k + 2 (capped at 12)
    np.testing.assert_array_equal(res.history.best_epoch, [2, 5, 12])
    np.testing.assert_array_equal(res.history.stopped_epoch, [4, 7, 12])
    np.testing.assert_array_equal(res.params["theta"], [2.0, 5.0, 12.0])
    np.testing.assert_array_equal(res.params["k"], p0["k"])
    assert res.history.val_loss.shape == (12, 3)
    d = res.history.as_dict()
    assert d["best_epoch"] == [2, 5, 12] and len(d["val"]) == 12


def test_ensemble_members_train_as_single_models():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(96, 2)).astype(np.float32)
    y = (X @ np.array([1.0, -1.0]) + 0.2 * rng.normal(size=96)).astype(np.float32)
    starts = [{"w": rng.normal(size=2).astype(np.float32), "b": np.float32(v)} for v in (0.5, -1.0)]
    cfg = TrainConfig(max_epochs=15, batch_size=16, patience=3, min_delta=1e-3, seed=4)
    stacked = jax.tree_util.tree_map(lambda *a: np.stack(a), *starts)
    ens = fit(_linear_loss, stacked, optax.adam(0.05), (X, y), cfg, ensemble=True)
    for m, p0 in enumerate(starts):
        one = fit(_linear_loss, p0, optax.adam(0.05), (X, y), cfg)
        np.testing.assert_allclose(ens.params["w"][m], one.params["w"], rtol=1e-5, atol=1e-6)   # float32 vmap
        assert ens.history.best_epoch[m] == one.history.best_epoch


def test_same_seed_gives_identical_parameters_and_drop_last_counts_steps():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(120, 3)).astype(np.float32)
    y = X.sum(axis=1).astype(np.float32)
    p0 = {"w": np.zeros(3, np.float32), "b": np.zeros((), np.float32)}
    cfg = TrainConfig(max_epochs=4, batch_size=16, patience=4, seed=7)
    a = fit(_linear_loss, p0, optax.adam(0.01), (X, y), cfg)
    b = fit(_linear_loss, p0, optax.adam(0.01), (X, y), cfg)
    c = fit(_linear_loss, p0, optax.adam(0.01), (X, y), TrainConfig(max_epochs=4, batch_size=16, patience=4, seed=8))
    np.testing.assert_array_equal(a.params["w"], b.params["w"])
    assert not np.array_equal(a.params["w"], c.params["w"])
    # 96 training examples (24 held out), batch 40: 3 steps per epoch padded, 2 with drop_last
    steps = {}
    for drop in (False, True):
        r = fit(_counter_loss([0.0] * 4), {"theta": np.float32(0.0)}, optax.sgd(1.0), (X[:, 0],),
                TrainConfig(max_epochs=1, batch_size=40, patience=1, drop_last=drop))
        steps[drop] = float(r.params["theta"])
    assert steps == {False: pytest.approx(3.0, abs=1e-5), True: pytest.approx(2.0, abs=1e-5)}  # float32 1/40 sums


def test_key_is_split_per_step_and_reproducible():
    def loss(params, batch, *, state, key, train):
        (x,) = batch
        return (params["a"] - jax.random.normal(key, x.shape)) ** 2, state

    x = (np.zeros(40, np.float32),)
    cfg = TrainConfig(max_epochs=3, batch_size=8, patience=3)
    r1 = fit(loss, {"a": np.float32(1.0)}, optax.sgd(0.1), x, cfg, key=jax.random.PRNGKey(0))
    r2 = fit(loss, {"a": np.float32(1.0)}, optax.sgd(0.1), x, cfg, key=jax.random.PRNGKey(0))
    r3 = fit(loss, {"a": np.float32(1.0)}, optax.sgd(0.1), x, cfg, key=jax.random.PRNGKey(1))
    assert float(r1.params["a"]) == float(r2.params["a"]) != float(r3.params["a"])


def test_state_is_carried_and_restored_with_the_best_parameters():
    def loss(params, batch, *, state, key, train):
        (x,) = batch
        new = {"steps": state["steps"] + 1.0} if train else state
        value = -params["theta"] if train else jnp.interp(params["theta"], jnp.arange(5.0),
                                                          jnp.array([5.0, 2.0, 1.0, 3.0, 4.0]))
        return value + 0.0 * x, new

    res = fit(loss, {"theta": np.float32(0.0)}, optax.sgd(1.0), (np.zeros(6, np.float32),),
              TrainConfig(max_epochs=4, batch_size=8, patience=2), state={"steps": np.float32(0.0)})
    assert res.history.best_epoch == 2 and float(res.params["theta"]) == 2.0 and float(res.state["steps"]) == 2.0


@pytest.mark.parametrize("kw, match", [
    (dict(max_epochs=0), "max_epochs"), (dict(batch_size=1.5), "batch_size"), (dict(patience=0), "patience"),
    (dict(min_delta=float("nan")), "min_delta"), (dict(min_delta=-1.0), "min_delta"),
    (dict(validation_split=1.0), "validation_split"), (dict(validation_split=float("inf")), "validation_split"),
    (dict(max_examples=1), "max_examples"), (dict(seed=-1), "seed"),
])
def test_config_rejects_bad_values(kw, match):
    base = dict(max_epochs=2, batch_size=4, patience=1)
    with pytest.raises(ValueError, match=match):
        TrainConfig(**(base | kw))


def test_fit_rejects_bad_data_and_losses():
    cfg = TrainConfig(max_epochs=1, batch_size=4, patience=1)
    p0 = {"w": np.zeros(2, np.float32), "b": np.zeros((), np.float32)}
    X = np.ones((10, 2), np.float32)
    with pytest.raises(ValueError, match="leading length"):
        fit(_linear_loss, p0, optax.sgd(0.1), (X, np.ones(9, np.float32)), cfg)
    with pytest.raises(ValueError, match="NaN"):
        fit(_linear_loss, p0, optax.sgd(0.1), (X, np.full(10, np.nan, np.float32)), cfg)
    with pytest.raises(ValueError, match="too few"):
        fit(_linear_loss, p0, optax.sgd(0.1), (X[:1], np.ones(1, np.float32)), cfg)
    with pytest.raises(ValueError, match="validation arrays"):
        fit(_linear_loss, p0, optax.sgd(0.1), (X, np.ones(10, np.float32)), cfg,
            validation=(np.ones((4, 3), np.float32), np.ones(4, np.float32)))
    with pytest.raises(ValueError, match="member axis"):
        fit(_linear_loss, {"w": np.zeros((2, 2), np.float32), "b": np.zeros(3, np.float32)}, optax.sgd(0.1),
            (X, np.ones(10, np.float32)), cfg, ensemble=True)

    def scalar_loss(params, batch, *, state, key, train):
        return jnp.mean(_linear_loss(params, batch, state=state, key=key, train=train)[0]), state

    with pytest.raises(ValueError, match="one value per example"):
        fit(scalar_loss, p0, optax.sgd(0.1), (X, np.ones(10, np.float32)), cfg)
