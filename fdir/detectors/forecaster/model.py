"""The forecaster's model (JAX + optax): telemanom windows, the strided 1-D convolutional network, its ensemble
training (the shared loop :func:`fdir.training.fit`), forecasts, error streams and the per-channel detection driver.
See the package doc of :mod:`fdir.detectors.forecaster`."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from fdir.detectors.base import as_series
from fdir.detectors.forecaster.config import ERROR_KINDS, ForecasterConfig
from fdir.ndt import NDTParams, NDTResult, detect_any
from fdir.training import pad_rows

__all__ = ["ChannelRun", "Forecaster", "channel_detections", "forecast", "forecast_heads", "make_windows",
           "stream_errors", "train_forecaster"]


def make_windows(a: np.ndarray, l_s: int, n_predictions: int, columns: tuple[int, ...] | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """telemanom windows of an array a (T, D) (or (T,), one column): X (N, D', l_s) channels x samples of the
    given ``columns`` (default all), Y (N, n_predictions) of column 0, N = T − l_s − n_predictions (window i covers
    samples i .. i + l_s − 1, targets i + l_s .. i + l_s + n_pred − 1).

    Returns float32 arrays (views are avoided: X is materialised). Raises ValueError when T ≤ l_s + n_predictions.
    """
    a = np.asarray(a)
    if a.ndim == 1:
        a = a[:, None]
    T = a.shape[0]
    N = T - l_s - n_predictions
    if N < 1:
        raise ValueError(f"array of {T} samples is too short for l_s={l_s} + n_predictions={n_predictions}")
    cols = a if columns is None else a[:, list(columns)]
    sw = np.lib.stride_tricks.sliding_window_view(cols.astype(np.float32), l_s, axis=0)  # (T-l_s+1, D, l_s)
    X = np.ascontiguousarray(sw[:N])
    tw = np.lib.stride_tricks.sliding_window_view(a[:, 0].astype(np.float32), n_predictions)
    Y = np.ascontiguousarray(tw[l_s:l_s + N])
    return X, Y


# ----------------------------------------------------------------------------------------------- JAX model


def _init(cfg: ForecasterConfig, n_in: int, seed: int, member: int = 0) -> dict:
    """He-uniform initialisation of member ``member``: {layer: {"w", "b"}} float32 (+ {"skip": {"a"}}: the fixed
    gain ``member % 2`` of a ``"mixed"`` ensemble)."""
    import jax
    import jax.numpy as jnp

    key = jax.random.PRNGKey(seed)
    params = {}
    for name, shape in cfg.layer_shapes(n_in):
        key, k = jax.random.split(key)
        fan_in = shape[1] * shape[2] if name.startswith("conv") else shape[0]
        n_out = shape[0] if name.startswith("conv") else shape[1]
        bound = float(np.sqrt((3.0 if name == "out" else 6.0) / fan_in))
        params[name] = {"w": jax.random.uniform(k, shape, jnp.float32, -bound, bound),
                        "b": jnp.zeros((n_out,), jnp.float32)}
    if cfg.skip == "mixed":
        params["skip"] = {"a": jnp.full((1,), float(member % 2), jnp.float32)}
    return params


def _apply(params: dict, x, cfg: ForecasterConfig):
    """One member: x (B, D', l_s) → (B, n_predictions) (reads the newest ``input_length`` samples)."""
    import jax

    h = x[:, :, x.shape[2] - cfg.input_length:]
    for i in range(len(cfg.conv_channels)):
        p = params[f"conv{i}"]
        h = jax.lax.conv_general_dilated(h, p["w"], (cfg.stride,), "VALID", dimension_numbers=("NCH", "OIH", "NCH"))
        h = jax.nn.relu(h + p["b"][None, :, None])
    h = h.reshape(h.shape[0], -1)
    h = jax.nn.relu(h @ params["dense0"]["w"] + params["dense0"]["b"])
    out = h @ params["out"]["w"] + params["out"]["b"]
    if cfg.skip == "mixed":                       # fixed per-member gain, kept by optax.set_to_zero
        return out + params["skip"]["a"] * x[:, 0, -1:]
    return out + x[:, 0, -1:] if cfg.residual else out


_FN_CACHE: dict = {}


def _fns(cfg: ForecasterConfig):
    """Per configuration, built once and reused by every channel (they key the compilation caches of
    :func:`fdir.training.fit`): (optimizer, per-example loss of one member in the :func:`fdir.training.fit`
    protocol, jit-compiled per-member predictions over a stacked ensemble (leading member axis M on every leaf))."""
    import jax
    import jax.numpy as jnp
    import optax

    key = (cfg.conv_channels, cfg.kernel, cfg.stride, cfg.hidden, cfg.n_predictions, cfg.lr, cfg.residual, cfg.l_s,
           cfg.skip)
    if key in _FN_CACHE:
        return _FN_CACHE[key]
    opt = optax.adam(cfg.lr)
    if cfg.skip == "mixed":
        opt = optax.multi_transform(
            {"net": opt, "gain": optax.set_to_zero()},
            lambda p: {k: jax.tree_util.tree_map(lambda _, k=k: "gain" if k == "skip" else "net", v)
                       for k, v in p.items()})

    def member_loss(params, batch, *, state, key, train):
        """Per-window MSE over the n_predictions targets (B,); the forecaster has no state and no noise."""
        x, y = batch
        return jnp.mean((_apply(params, x, cfg) - y) ** 2, axis=1), state

    @jax.jit
    def predict(params, x):
        return jax.vmap(lambda p: _apply(p, x, cfg))(params)

    _FN_CACHE[key] = (opt, member_loss, predict)
    return _FN_CACHE[key]


def _batches(n: int, bs: int):
    for a in range(0, n, bs):
        yield a, min(a + bs, n)


@dataclass
class Forecaster:
    """A trained forecaster ensemble: ``params`` {layer: {"w", "b"}} numpy float32 with a leading member axis M
    (the forecast is the mean of the members), its config, the column count D of the channel's arrays and the
    ``columns`` it reads; ``history`` the per-epoch mean training and validation losses."""

    cfg: ForecasterConfig
    D: int
    columns: tuple[int, ...]
    params: dict
    history: dict = field(default_factory=dict)

    @property
    def skip_gain(self) -> float:
        """Gain a of ŷ = graph output + a·x_{t−1} of the ensemble mean: the members' mean gain (``"mixed"``), else
        1.0 for a residual and 0.0 for an absolute model."""
        if "skip" in self.params:
            return float(np.mean(self.params["skip"]["a"]))
        return 1.0 if self.cfg.residual else 0.0

    @property
    def n_members(self) -> int:
        return int(self.params["out"]["b"].shape[0])

    @property
    def member_gains(self) -> np.ndarray:
        """(M,) skip gain a_m of each member's forecast ŷ_m = output_m + a_m·x_{t−1}."""
        if "skip" in self.params:
            return np.asarray(self.params["skip"]["a"], np.float64).reshape(self.n_members)
        return np.full(self.n_members, 1.0 if self.cfg.residual else 0.0)

    @property
    def n_heads(self) -> int:
        """Forecasts thresholded separately: M with ``combine="union"``, else 1 (the members' mean)."""
        return self.n_members if self.cfg.combine == "union" else 1

    @property
    def head_gains(self) -> np.ndarray:
        """(n_heads,) skip gain of each thresholded forecast: :attr:`member_gains` (union) or (:attr:`skip_gain`,)."""
        return self.member_gains if self.n_heads > 1 else np.array([self.skip_gain])

    @property
    def error_streams(self) -> tuple[tuple[int, str], ...]:
        """The error streams NDT thresholds, each ``(head, kind)`` with kind in :data:`ERROR_KINDS`: the first-step
        error of every head, then the horizon-mean error of the heads ``cfg.horizon_error`` selects (``"absolute"``:
        heads with skip gain 0; ``"all"``; ``"none"``). See :func:`stream_errors`."""
        first = tuple((k, "first_step") for k in range(self.n_heads))
        mode = self.cfg.horizon_error
        pick = [k for k, g in enumerate(self.head_gains) if mode == "all" or (mode == "absolute" and g == 0.0)]
        return first + tuple((k, "horizon_mean") for k in pick)

    def member(self, m: int) -> dict:
        """Parameters of member m (no member axis)."""
        return {k: {kk: vv[m] for kk, vv in v.items()} for k, v in self.params.items()}

    def predict(self, X: np.ndarray, batch_size: int = 512) -> np.ndarray:
        """Ensemble-mean forecasts (N, n_predictions) for windows X (N, D', l_s) float32 (JAX)."""
        return self.predict_members(X, batch_size).mean(axis=0)

    def predict_members(self, X: np.ndarray, batch_size: int = 512) -> np.ndarray:
        """Each member's forecasts (M, N, n_predictions) for windows X (N, D', l_s) float32 (JAX)."""
        import jax.numpy as jnp

        *_, predict = _fns(self.cfg)
        p = {k: {kk: jnp.asarray(vv) for kk, vv in v.items()} for k, v in self.params.items()}
        out = []
        for a, b in _batches(X.shape[0], batch_size):
            xb = pad_rows(np.asarray(X[a:b], np.float32), batch_size)
            out.append(np.asarray(predict(p, jnp.asarray(xb)))[:, : b - a])
        if not out:
            return np.zeros((self.n_members, 0, self.cfg.n_predictions), np.float32)
        return np.concatenate(out, axis=1)

    def predict_heads(self, X: np.ndarray, batch_size: int = 512) -> np.ndarray:
        """The forecasts NDT thresholds, (n_heads, N, n_predictions): every member's (union) or their mean."""
        out = self.predict_members(X, batch_size)
        return out if self.n_heads > 1 else out.mean(axis=0, keepdims=True)

    def export_layers(self, *, name: str = "telemanom-conv-forecaster", ndt: NDTParams | None = None
                      ) -> tuple[dict, dict[str, np.ndarray]]:
        """The model in the embeddable layer format: :func:`fdir.detectors.forecaster.export.export_layers`."""
        from fdir.detectors.forecaster.export import export_layers

        return export_layers(self, name=name, ndt=ndt)


def train_forecaster(train: np.ndarray, cfg: ForecasterConfig | None = None) -> Forecaster:
    """Train an ensemble of ``cfg.members`` forecasters on one channel's nominal array ``train`` (T, D).

    telemanom protocol (package doc) run by the shared loop :func:`fdir.training.fit` (``ensemble=True``):
    shuffled windows (seed ``cfg.seed``), ``validation_split`` held out (after the ``max_train_windows`` cap),
    mini-batches of ``batch_size`` shared by the members (which differ by their initialisation; the last one padded),
    early stopping per member on its validation loss (patience, min_delta), each member keeps the weights of its
    best validation epoch; training ends when every member has stopped or after ``epochs``. ``history``:
    :meth:`fdir.training.History.as_dict`.

    ``train`` may be 1-D (one column).

    Raises
    ------
    ValueError
        when the array is too short for one training and one validation window, or holds NaN or ±inf.
    """
    import jax
    import jax.numpy as jnp

    from fdir.training import TrainConfig, fit

    cfg = ForecasterConfig() if cfg is None else cfg
    train = as_series(train, "train")
    D = train.shape[1]
    columns = cfg.columns(train)
    X, Y = make_windows(train, cfg.l_s, cfg.n_predictions, columns)
    opt, loss, _ = _fns(cfg)
    members = [_init(cfg, len(columns), cfg.seed * 1000 + m, m) for m in range(cfg.members)]
    params = jax.tree_util.tree_map(lambda *a: jnp.stack(a), *members)
    tc = TrainConfig(max_epochs=cfg.epochs, batch_size=cfg.batch_size, patience=cfg.patience,
                     min_delta=cfg.min_delta, validation_split=cfg.validation_split,
                     max_examples=cfg.max_train_windows, seed=cfg.seed)
    res = fit(loss, params, opt, (X, Y), tc, ensemble=True)
    return Forecaster(cfg, D, columns, res.params, res.history.as_dict())


def forecast(model: Forecaster, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First-step forecasts of the members' mean and targets on a test array (T, D): (ŷ (N,), y (N,)),
    N = T − l_s − n_predictions; index k is test sample k + l_s."""
    X, Y = make_windows(test, model.cfg.l_s, model.cfg.n_predictions, model.columns)
    return model.predict(X)[:, 0].astype(np.float64), Y[:, 0].astype(np.float64)


def forecast_heads(model: Forecaster, test: np.ndarray, full: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Forecasts of the heads NDT thresholds (:meth:`Forecaster.predict_heads`) and targets on a test array (T, D):
    first-step (ŷ (n_heads, N), y (N,)), or with ``full`` every horizon step (ŷ (n_heads, N, H), Y (N, H));
    index k is test sample k + l_s (horizon step j: sample k + l_s + j). The first-step mean over heads is
    :func:`forecast`'s."""
    X, Y = make_windows(test, model.cfg.l_s, model.cfg.n_predictions, model.columns)
    y_hat = model.predict_heads(X).astype(np.float64)
    if full:
        return y_hat, Y.astype(np.float64)
    return y_hat[:, :, 0], Y[:, 0].astype(np.float64)


def stream_errors(y_hat: np.ndarray, Y: np.ndarray, streams: tuple[tuple[int, str], ...]) -> np.ndarray:
    """Error streams (S, N) in target units from head forecasts ``y_hat`` (K, N, H) and targets ``Y`` (N, H)
    (:func:`forecast_heads` with ``full``), one row per ``(head, kind)`` of ``streams``
    (:attr:`Forecaster.error_streams`):

    * ``"first_step"``: e_k = |ŷ_{k,0} − y_k|, telemanom's error (Hundman et al., KDD 2018, arXiv:1802.04431);
    * ``"horizon_mean"``: h_k = (1/H) Σ_j |ŷ_{k,j} − y_{k+j}|, the mean absolute error of the forecast made from
      window k over its whole horizon (the multi-step forecast error; a streaming detector knows it H − 1 samples
      after e_k). A sustained departure from the learned dynamics accumulates over the H steps, while a
      one-sample surprise is diluted by 1/H.

    Raises
    ------
    ValueError
        for mismatched shapes, a head outside [0, K) or an unknown kind.
    """
    y_hat, Y = np.asarray(y_hat, np.float64), np.asarray(Y, np.float64)
    if y_hat.ndim != 3 or Y.shape != y_hat.shape[1:]:
        raise ValueError(f"y_hat must be (K, N, H) and Y (N, H) with the same N, H; got {y_hat.shape}, {Y.shape}")
    out = np.empty((len(streams), Y.shape[0]))
    for i, (k, kind) in enumerate(streams):
        if not 0 <= k < y_hat.shape[0] or kind not in ERROR_KINDS:
            raise ValueError(f"stream {(k, kind)!r}: head must be in [0, {y_hat.shape[0]}), kind in {ERROR_KINDS}")
        if kind == "first_step":
            out[i] = np.abs(y_hat[k, :, 0] - Y[:, 0])
        else:
            out[i] = np.abs(y_hat[k] - Y).mean(axis=1)
    return out


@dataclass
class ChannelRun:
    """One channel's detection run: NDT result (sequences in test indices; for several heads the
    :func:`fdir.ndt.detect_any` union), the members' mean forecast ``y_hat`` (N,), targets ``y`` (N,) and timings
    (s)."""

    chan_id: str
    ndt: NDTResult
    y_hat: np.ndarray
    y: np.ndarray
    train_s: float
    infer_s: float
    model: Forecaster | None = None


def channel_detections(chan_id: str, train: np.ndarray, test: np.ndarray, cfg: ForecasterConfig | None = None,
                       ndt: NDTParams | None = None, keep_model: bool = False) -> ChannelRun:
    """Train on ``train``, forecast ``test`` and threshold each error stream (:attr:`Forecaster.error_streams`)
    with its own NDT, flags OR-ed (unsupervised: no labels are used)."""
    cfg = ForecasterConfig() if cfg is None else cfg
    ndt = NDTParams(l_s=cfg.l_s) if ndt is None else ndt
    t0 = time.perf_counter()
    model = train_forecaster(train, cfg)
    t1 = time.perf_counter()
    heads, Y = forecast_heads(model, test, full=True)
    y = Y[:, 0]
    res = detect_any(stream_errors(heads, Y, model.error_streams), y, ndt, offset=cfg.l_s)
    t2 = time.perf_counter()
    return ChannelRun(chan_id, res, heads[:, :, 0].mean(axis=0), y, t1 - t0, t2 - t1, model if keep_model else None)
