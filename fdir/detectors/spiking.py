"""Spiking telemetry forecaster: signed send-on-delta events → signed LIF or MTJ-LIF neurons → leaky readout,
trained with surrogate gradients, thresholded by the telemanom NDT like the dense forecaster. JAX + optax.

Pipeline on one channel (value column 0 of the SMAP/MSL arrays, dimensionless, about [-1, 1]):

1. **Encoding** (:func:`encode`): signed multi-threshold send-on-delta (``sensors.encoders.send_on_delta``,
   level crossing; Miskowicz, Sensors 6:49, 2006, doi:10.3390/s6010049) with reference ``r_0 = x_0`` (the decoder
   knows the first sample). c_t ∈ ℤ is the number of ±δ level crossings at sample t; the zero-order-hold
   reconstruction r_t = x_0 + δ Σ_{i≤t} c_i satisfies |x_t − r_t| < δ at every sample (uncapped encoder).
   δ is chosen from the nominal training array only (:func:`choose_delta`): δ = ``delta_fraction`` x the
   0.5-99.5 % range of the training values (default 1/32: the reconstruction error stays below 3.1 % of the
   range, under telemanom's 5 %-of-range error guard); a training array with a zero 0.5-99.5 % range uses its full
   range, and a constant one the nominal range 2 of the scaled SMAP/MSL values ([-1, 1]).
2. **Spiking layer**: ``n_hidden`` signed neurons (:class:`snn.neurons.SignedLIF`, or :class:`snn.neurons.MTJNeuron`
   from the devices/ compact model of the signed orthogonal-easy-axis MTJ, arXiv:2606.03796, fitted at the
   operating temperature ``T_K``, :attr:`SpikingConfig.mtj_model`) fed by the one signed input with a dense
   projection (each input event reaches ``n_hidden`` synapses), recurrent (``n_hidden x n_hidden``, zero delay), in
   :mod:`snn.model`'s schedule (update, threshold, synaptic input, reset). **One telemetry sample per neuron step**:
   the network is stateful across samples, so one inference = one sample. The LIF layer runs at a nominal step
   ``dt_s`` with ``tau_m = tau_m_steps · dt_s`` (only the ratio matters; the SMAP/MSL period is not published);
   the MTJ layer runs at ``mtj_dt_s`` (default the device's fitted step, 1 ns: λ = exp(−dt/τ) ≈ 0.33 per sample;
   a shorter step rescales leak, gain and noise, :meth:`snn.neurons.MTJNeuron.discrete`), with its thermal
   noise (``noise_std``) in training and evaluation (a seeded key).
3. **Readout**: non-spiking leaky integrator (:class:`snn.model.Readout`, ``tau = readout_tau_steps`` samples,
   ``reduce="none"``) of the hidden spikes plus a direct input-to-readout synapse per output (``w_in``:
   ŷ_t = readout_t + w_in c_t; in the engine's schedule a spiking layer answers an input one step later, so
   without it the forecast made at sample t would ignore the newest event c_t), giving ``n_predictions`` values
   in units of δ; the forecast of x_{t+1+j} is r_t + δ ŷ_{t,j} (residual on the decoder's reconstruction, as the
   dense forecaster is residual on the newest value).
4. **Training** (:class:`SpikingTrainer`): the nominal training stream is cut into ``seq_len``-sample sequences
   (stride ``seq_stride``), each started from the zero state; MSE (or Huber, ``loss``) on the targets
   (x_{t+1+j} − r_t)/δ from sample ``warmup`` of each sequence on, plus ``rate_reg`` x mean |spike|
   (Zenke & Vogels 2021, doi:10.1162/neco_a_01367); BPTT with the SuperSpike surrogate (Zenke & Ganguli 2018,
   arXiv:1705.11146; :mod:`snn.surrogate`), Adam (optax), ``validation_split`` of the sequences held out, early
   stopping on the validation forecast error (without the activity penalty; ``patience``, ``min_delta``) and the
   best-validation epoch kept, by the shared loop :func:`fdir.training.fit` (last partial batch dropped).
5. **Detection** (:func:`channel_detections`): the test stream runs through the network from the zero state;
   errors e_k = |x_t − (r_{t−1} + δ ŷ_{t−1,0})| for test samples t = l_s .. T−1 (k = t − l_s, telemanom's scoring
   range) are thresholded by :func:`fdir.ndt.detect` with the same :class:`fdir.ndt.NDTParams` as the dense
   forecaster, so detections are comparable.

Workload (:func:`workload`): per inference (one sample), measured on the evaluated stream: input events × fan-out
(non-zero input weights to the hidden layer and the readout) + hidden events × (recurrent + readout fan-out)
synaptic operations, ``neuron_update``
rows for the hidden and readout units, in the :mod:`hwsim.ir` schema (``snn_dense`` rows with ``spikes_pos``,
``spikes_neg``, ``syn_ops``; ``time_steps = 1``; ``dt_s`` the MTJ layer's simulated step, NaN for the nominal LIF
step). The MTJ device's own ``energy_per_spike_J`` is not part of the workload: the target prices a spike
(``hwsim.targets``' ``spike_J``, one route).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fdir.ndt import NDTParams, NDTResult, detect

NEURONS = ("lif", "mtj")
LOSSES = ("mse", "huber")

__all__ = [
    "NEURONS",
    "SpikingConfig",
    "SpikingDetector",
    "SpikingRun",
    "SpikingTrainer",
    "channel_detections",
    "choose_delta",
    "encode",
    "make_sequences",
    "syn_op_counts",
    "workload",
]


@dataclass(frozen=True)
class SpikingConfig:
    """Settings of the spiking forecaster (module doc).

    neuron : ``"lif"`` (:class:`snn.neurons.SignedLIF`, subtract reset, thresholds ``theta``) or ``"mtj"``
        (the devices/ compact MTJ neuron, its own thresholds, zero reset, noise).
    n_hidden : spiking neurons (>= 1). recurrent : hidden-to-hidden projection.
    n_predictions : values forecast per sample (>= 1; the first is scored).
    delta_fraction : δ = delta_fraction x the 0.5-99.5 % range of the training values (:func:`choose_delta`),
        in (0, 1].
    tau_m_steps : LIF membrane time constant in samples (> 1). theta : LIF thresholds (threshold units, > 0).
    lif_dt_s : nominal LIF step (s, > 0; only tau_m/dt matters). readout_tau_steps : readout time constant in
        samples (> 0).
    seq_len, seq_stride, warmup : training sequences (samples; warmup < seq_len, unscored first samples).
    epochs, batch_size, lr, rate_reg, validation_split : training (Adam).
    patience, min_delta : early stopping on the validation forecast error (δ² units; :func:`fdir.training.fit`):
        patience >= 1 epochs, min_delta >= 0.
    loss : ``"mse"`` or ``"huber"`` (quadratic within ±1 δ, linear outside: unpredictable jumps of many δ pull
        the forecast less).
    l_s : first scored test sample (telemanom's l_s, 250). seed : initialisation, shuffling, neuron noise.
    T_K : operating temperature of the MTJ neurons [K] (0..2000; ``neuron="mtj"`` only): the compact model fitted
        at T_K sets their leak, gain, thresholds and thermal noise.
    mtj_dt_s : time step of the MTJ layer [s], in (0, the fit's step]; None = the fit's step (1 ns).
    mtj_model : the fitted compact MTJ neuron at ``T_K``, a :class:`snn.neurons.MTJNeuron` or any object
        :meth:`snn.neurons.MTJNeuron.from_compact` accepts (e.g. ``hwsim.compact_cache.compact_neuron(T_K)``,
        injected by the caller, which may hold a cache); None = :meth:`snn.neurons.MTJNeuron.default` at ``T_K``
        (fits in-process for a temperature other than the shipped 300 K). A model that states its own ``T_K``
        must state this one.

    Raises
    ------
    ValueError
        naming the field for a value outside its range.
    """

    neuron: str = "lif"
    n_hidden: int = 32
    recurrent: bool = True
    n_predictions: int = 1
    delta_fraction: float = 1.0 / 32.0
    tau_m_steps: float = 8.0
    theta: float = 1.0
    lif_dt_s: float = 1e-3
    readout_tau_steps: float = 4.0
    seq_len: int = 256
    seq_stride: int = 64
    warmup: int = 32
    epochs: int = 30
    batch_size: int = 16
    lr: float = 3e-3
    rate_reg: float = 1e-3
    loss: str = "mse"
    validation_split: float = 0.2
    patience: int = 10
    min_delta: float = 0.0
    l_s: int = 250
    seed: int = 0
    T_K: float = 300.0
    mtj_dt_s: float | None = None
    mtj_model: Any = None

    def __post_init__(self) -> None:
        if self.neuron not in NEURONS:
            raise ValueError(f"neuron={self.neuron!r}, accepted: {NEURONS}")
        if not (math.isfinite(float(self.T_K)) and 0.0 <= float(self.T_K) <= 2000.0):
            raise ValueError(f"T_K={self.T_K!r} must be finite and in [0, 2000] K")
        if self.mtj_dt_s is not None and not (math.isfinite(float(self.mtj_dt_s)) and self.mtj_dt_s > 0):
            raise ValueError(f"mtj_dt_s={self.mtj_dt_s!r} must be None or finite and > 0 s")
        model_T = getattr(self.mtj_model, "T_K", None)
        if model_T is not None and not math.isclose(float(model_T), float(self.T_K), rel_tol=1e-9):
            raise ValueError(f"mtj_model is fitted at T_K={model_T} K, but T_K={self.T_K} K")
        for name in ("n_hidden", "n_predictions", "seq_len", "seq_stride", "epochs", "batch_size", "patience"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name}={getattr(self, name)!r} must be an integer >= 1")
        if not 0 <= self.warmup < self.seq_len:
            raise ValueError(f"warmup={self.warmup} must be in [0, seq_len={self.seq_len})")
        if not 0 < self.delta_fraction <= 1:
            raise ValueError(f"delta_fraction={self.delta_fraction} must be in (0, 1]")
        if not self.tau_m_steps > 1:
            raise ValueError(f"tau_m_steps={self.tau_m_steps} must be > 1 sample")
        for name in ("theta", "lif_dt_s", "readout_tau_steps", "lr"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name}={getattr(self, name)!r} must be > 0")
        if self.loss not in LOSSES:
            raise ValueError(f"loss={self.loss!r}, accepted: {LOSSES}")
        if self.rate_reg < 0:
            raise ValueError(f"rate_reg={self.rate_reg} must be >= 0")
        if not (math.isfinite(float(self.min_delta)) and self.min_delta >= 0):
            raise ValueError(f"min_delta={self.min_delta!r} must be finite and >= 0")
        if not 0 < self.validation_split < 1:
            raise ValueError(f"validation_split={self.validation_split} must be in (0, 1)")
        if self.l_s < 1:
            raise ValueError(f"l_s={self.l_s} must be >= 1")

    def neuron_model(self) -> Any:
        """The :mod:`snn.neurons` instance of the hidden layer."""
        from snn.neurons import MTJNeuron, SignedLIF

        if self.neuron == "mtj":
            if self.mtj_model is None:
                return MTJNeuron.default(float(self.T_K))
            m = self.mtj_model
            return m if isinstance(m, MTJNeuron) else MTJNeuron.from_compact(m)
        return SignedLIF(tau_m_s=self.tau_m_steps * self.lif_dt_s, theta_pos=self.theta, theta_neg=self.theta,
                         reset="subtract")

    def spec(self) -> Any:
        """The :class:`snn.model.SNN` spec: 1 signed input → Dense(n_hidden, recurrent) → Readout(n_predictions)."""
        from snn.model import SNN, Dense, Readout

        neuron = self.neuron_model()
        dt = self.step_s(neuron) if self.neuron == "mtj" else float(self.lif_dt_s)
        return SNN(n_in=1, layers=(Dense(self.n_hidden, neuron=neuron, recurrent=self.recurrent),),
                   readout=Readout(self.n_predictions, tau_s=self.readout_tau_steps * dt, reduce="none"), dt_s=dt)

    def step_s(self, neuron: Any = None) -> float:
        """The physical time step of the spiking layer [s]: ``mtj_dt_s`` or the MTJ fit's step for
        ``neuron="mtj"``; NaN for ``"lif"`` (its ``lif_dt_s`` is nominal: only tau_m/dt matters, so it states no
        physical step). ``neuron``: the hidden layer's neuron model if already built.

        Raises ValueError for ``mtj_dt_s`` larger than the fit's step (the fit does not hold for coarser steps)."""
        if self.neuron != "mtj":
            return math.nan
        neuron = self.neuron_model() if neuron is None else neuron
        dt = float(neuron.dt_s) if self.mtj_dt_s is None else float(self.mtj_dt_s)
        neuron.discrete(dt)      # checks dt against the fitted step
        return dt

    def n_params(self) -> int:
        """Weights + biases: input (n_hidden) + bias (n_hidden) + recurrent (n_hidden²) + readout weights and bias +
        input-to-readout weights."""
        h, o = self.n_hidden, self.n_predictions
        return h + h + (h * h if self.recurrent else 0) + h * o + o + o


def choose_delta(train_values: np.ndarray, fraction: float = 1.0 / 32.0, nominal_range: float = 2.0) -> float:
    """Send-on-delta threshold from nominal training values ``train_values`` (T,): δ = fraction x R, value units,
    R the 0.5-99.5 % range q99.5 − q0.5; if that is 0, the full range max − min; if that is 0 too (a constant
    training channel), ``nominal_range`` (2: SMAP/MSL values are scaled to [-1, 1]).

    Raises
    ------
    ValueError
        for an empty or non-finite array, fraction outside (0, 1] or nominal_range <= 0.
    """
    x = np.asarray(train_values, np.float64).reshape(-1)
    if x.size == 0 or not np.all(np.isfinite(x)):
        raise ValueError("train_values must be a non-empty finite array")
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction={fraction} must be in (0, 1]")
    if not nominal_range > 0:
        raise ValueError(f"nominal_range={nominal_range} must be > 0")
    lo, hi = np.percentile(x, [0.5, 99.5])
    R = hi - lo
    if not R > 0:
        R = float(x.max() - x.min())
    if not R > 0:
        R = float(nominal_range)
    return float(fraction * R)


def encode(x: np.ndarray, delta: float) -> tuple[np.ndarray, np.ndarray]:
    """Signed send-on-delta events of a stream x (T,) with reference x[0]: ``(counts (T,) int32, r (T,) float64)``,
    r the zero-order-hold reconstruction (|x − r| < δ everywhere).

    Raises
    ------
    ValueError
        for x not 1-D / non-finite or delta <= 0 (from ``sensors.encoders``).
    """
    from sensors.encoders import reconstruct_send_on_delta, send_on_delta

    x = np.asarray(x, np.float64)
    if x.ndim != 1 or x.size < 1:
        raise ValueError(f"x must be a non-empty 1-D stream, got shape {x.shape}")
    counts = np.asarray(send_on_delta(x, delta), np.int32)
    return counts, reconstruct_send_on_delta(counts, delta, x0=x[0])


def make_sequences(x: np.ndarray, delta: float, cfg: SpikingConfig) -> tuple[np.ndarray, np.ndarray]:
    """Training sequences of a nominal stream x (T,): inputs (N, seq_len, 1) float32 event counts and targets
    (N, seq_len, n_predictions) float32, (x_{t+1+j} − r_t)/δ, over every complete sequence start 0, stride, ...
    (events are encoded once over the whole stream, so the references are those the sensor would hold).

    Raises
    ------
    ValueError
        when the stream is shorter than seq_len + n_predictions samples.
    """
    x = np.asarray(x, np.float64)
    L, h = cfg.seq_len, cfg.n_predictions
    if x.shape[0] < L + h:
        raise ValueError(f"stream of {x.shape[0]} samples is shorter than seq_len + n_predictions = {L + h}")
    counts, r = encode(x, delta)
    n_t = x.shape[0] - h                       # samples t with all targets x_{t+1..t+h}
    fut = np.lib.stride_tricks.sliding_window_view(x[1:], h)[:n_t]            # (n_t, h)
    z = (fut - r[:n_t, None]) / delta
    starts = np.arange(0, n_t - L + 1, cfg.seq_stride)
    idx = starts[:, None] + np.arange(L)[None, :]
    return counts[idx][..., None].astype(np.float32), z[idx].astype(np.float32)


@dataclass
class SpikingDetector:
    """A trained spiking forecaster: config, δ (value units), the :class:`snn.model.SNN` spec, parameters
    (``{"layers": [{"w" (1, H), "b" (H,), "w_rec" (H, H)}], "readout": {"w" (H, n_pred), "b" (n_pred,),
    "w_in" (1, n_pred)}}``, numpy float32; ``w_in`` the input-to-readout synapses),
    per-epoch training/validation losses and the training time (s)."""

    cfg: SpikingConfig
    delta: float
    spec: Any
    params: dict
    history: dict = field(default_factory=dict)
    train_s: float = 0.0

    def n_params(self) -> int:
        return int(sum(np.size(v) for layer in self.params["layers"] for v in layer.values())
                   + sum(np.size(v) for v in self.params["readout"].values()))

    def describe(self) -> dict:
        """JSON-able description (neuron constants, δ, layer shapes, parameter count; ``energy_per_spike_J`` of the
        MTJ device from the compact model, NaN for LIF) for reports and exports."""
        d = self.spec.layers[0].neuron.discrete(self.spec.dt_s)
        return {
            "kind": "spiking-forecast", "neuron": self.cfg.neuron, "delta": self.delta, "dt_s": self.spec.dt_s,
            "neuron_constants": {"alpha": d.alpha, "gain": d.gain, "theta_pos": d.theta_pos,
                                 "theta_neg": d.theta_neg, "reset": d.reset, "noise_std": d.noise_std,
                                 "reset_before_input": d.reset_before_input},
            "layers": {f"L0.{k}": list(np.shape(v)) for k, v in self.params["layers"][0].items()}
            | {f"readout.{k}": list(np.shape(v)) for k, v in self.params["readout"].items()},
            "energy_per_spike_J": float(getattr(self.spec.layers[0].neuron, "energy_per_spike_J", float("nan"))),
            "readout_tau_steps": self.cfg.readout_tau_steps, "n_params": self.n_params(),
            "source": "fdir.detectors.spiking (send-on-delta → signed spiking layer → leaky readout; NDT of "
                      "Hundman et al. KDD 2018, arXiv:1802.04431)",
        }


@dataclass
class SpikingRun:
    """One channel's spiking run.

    ``y_hat``, ``y`` (n,) forecasts and values of test samples l_s .. T−1; ``ndt`` the NDT result (sequences in test
    indices); per sample over the whole test stream (T,): ``events_in`` |c_t|, ``spikes_pos``/``spikes_neg``
    hidden +1/−1 spikes; the syn-op totals of :func:`syn_op_counts`; timings (s).
    """

    chan_id: str
    ndt: NDTResult
    y_hat: np.ndarray
    y: np.ndarray
    events_in_pos: float
    events_in_neg: float
    spikes_pos: float
    spikes_neg: float
    n_samples: int
    syn_ops: dict[str, float]
    train_s: float
    infer_s: float
    delta: float


def _pad_len(T: int, quantum: int = 2048) -> int:
    return int(math.ceil(T / quantum) * quantum)


class SpikingTrainer:
    """Builds the spec, optimiser, per-example loss and jit-compiled prediction of one :class:`SpikingConfig` once,
    then trains any number of channels with them (:meth:`fit`, the shared loop :func:`fdir.training.fit`, which
    compiles its step once per trainer) and runs them (:meth:`predict`). Holds no data.
    """

    def __init__(self, cfg: SpikingConfig = SpikingConfig()) -> None:
        import jax
        import jax.numpy as jnp
        import optax

        from snn.model import apply

        self.cfg = cfg
        self.spec = spec = cfg.spec()
        self.noise = cfg.neuron == "mtj"
        self._opt = optax.adam(cfg.lr)
        mask = (jnp.arange(cfg.seq_len) >= cfg.warmup).astype(jnp.float32)[None, :, None]

        def forward(params, x, key):
            out = apply(params["snn"], spec, x, key)
            return out.y + x * params["w_in"], out.spikes[0]

        def loss(params, batch, *, state, key, train):
            """Per sequence (B,): the mean MSE/Huber error over the scored samples (from ``warmup``) and the
            ``n_predictions`` targets, plus ``rate_reg`` x mean |spike| in training (the validation loss is the
            forecast error alone)."""
            x, z = batch
            y, s = forward(params, x, key)
            d = y - z
            pt = d**2 if cfg.loss == "mse" else jnp.where(jnp.abs(d) <= 1.0, 0.5 * d**2, jnp.abs(d) - 0.5)
            err = jnp.sum(mask * pt, axis=(1, 2)) / (jnp.sum(mask) * z.shape[2])
            if train:
                err = err + cfg.rate_reg * jnp.mean(jnp.abs(s), axis=(1, 2))
            return err, state

        self._loss = loss
        self._run = jax.jit(forward)

    def _key(self, seed: int):
        import jax

        return jax.random.PRNGKey(seed) if self.noise else None

    def fit(self, train: np.ndarray) -> SpikingDetector:
        """Train on one channel's nominal array ``train`` (T,) or (T, D) (column 0 is used).

        Raises
        ------
        ValueError
            when the stream is too short for one training and one validation sequence.
        """
        import jax
        import jax.numpy as jnp

        from fdir.training import TrainConfig, fit
        from snn.model import init_params

        cfg = self.cfg
        t0 = time.perf_counter()
        x = np.asarray(train, np.float64)
        x = x[:, 0] if x.ndim == 2 else x
        delta = choose_delta(x, cfg.delta_fraction)
        X, Z = make_sequences(x, delta, cfg)
        if X.shape[0] < 2:
            raise ValueError(f"{X.shape[0]} training sequence is too few for a training/validation split "
                             f"(seq_len={cfg.seq_len}, seq_stride={cfg.seq_stride})")
        key = jax.random.PRNGKey(cfg.seed)
        key, kinit = jax.random.split(key)
        params = {"snn": init_params(kinit, self.spec),
                  "w_in": jnp.zeros((cfg.n_predictions,), jnp.float32)}
        tc = TrainConfig(max_epochs=cfg.epochs, batch_size=cfg.batch_size, patience=cfg.patience,
                         min_delta=cfg.min_delta, validation_split=cfg.validation_split, drop_last=True,
                         seed=cfg.seed)
        res = fit(self._loss, params, self._opt, (X, Z), tc, key=key if self.noise else None)
        bp = jax.tree_util.tree_map(lambda a: np.asarray(a, np.float32), res.params)
        np_params = {"layers": bp["snn"]["layers"], "readout": {**bp["snn"]["readout"], "w_in": bp["w_in"][None, :]}}
        return SpikingDetector(cfg, delta, self.spec, np_params, res.history.as_dict(), time.perf_counter() - t0)

    def predict(self, model: SpikingDetector, x: np.ndarray) -> dict[str, np.ndarray]:
        """Run a stream x (T,) or (T, D) (column 0) from the zero state, one sample per step.

        Returns ``counts`` (T,) input events, ``r`` (T,) reconstruction, ``y_hat`` (T, n_predictions) forecasts of
        x_{t+1..t+n} in value units (r_t + δ ŷ_t), ``spikes`` (T, n_hidden) hidden events in {−1, 0, +1}. MTJ
        noise uses the key of ``cfg.seed + 2``.
        """
        import jax.numpy as jnp

        x = np.asarray(x, np.float64)
        x = x[:, 0] if x.ndim == 2 else x
        counts, r = encode(x, model.delta)
        T = counts.size
        xin = np.zeros((1, _pad_len(T), 1), np.float32)
        xin[0, :T, 0] = counts
        ro = {k: jnp.asarray(v) for k, v in model.params["readout"].items() if k != "w_in"}
        params = {"snn": {"layers": [{k: jnp.asarray(v) for k, v in layer.items()} for layer in model.params["layers"]],
                          "readout": ro},
                  "w_in": jnp.asarray(model.params["readout"]["w_in"][0])}
        y, s = self._run(params, jnp.asarray(xin), self._key(model.cfg.seed + 2))
        y = np.asarray(y, np.float64)[0, :T]
        return {"counts": counts, "r": r, "y_hat": r[:, None] + model.delta * y,
                "spikes": np.asarray(s, np.float64)[0, :T]}


def syn_op_counts(model: SpikingDetector, counts: np.ndarray, spikes: np.ndarray) -> dict[str, float]:
    """Synaptic operations of a run (totals over the stream): ``"L0.w"`` = Σ_t |c_t| x (non-zero input weights),
    ``"L0.w_rec"`` = Σ_{t,i} |s_{t,i}| x (non-zero weights in row i of w_rec), ``"readout.w"`` likewise with the
    readout weights, ``"readout.w_in"`` = Σ_t |c_t| x (non-zero input-to-readout weights). ``counts`` (T,),
    ``spikes`` (T, n_hidden)."""
    p = model.params["layers"][0]
    ev_in = float(np.abs(np.asarray(counts)).sum())
    ev_hidden = np.abs(np.asarray(spikes)).sum(axis=0)                  # (H,)
    out = {"L0.w": ev_in * float(np.count_nonzero(p["w"][0])),
           "readout.w_in": ev_in * float(np.count_nonzero(model.params["readout"]["w_in"][0]))}
    if "w_rec" in p:
        out["L0.w_rec"] = float(ev_hidden @ np.count_nonzero(p["w_rec"], axis=1))
    out["readout.w"] = float(ev_hidden @ np.count_nonzero(model.params["readout"]["w"], axis=1))
    return out


def channel_detections(chan_id: str, train: np.ndarray, test: np.ndarray, trainer: SpikingTrainer,
                       ndt: NDTParams | None = None) -> SpikingRun:
    """Train on ``train``, run ``test`` sample by sample and threshold the first-step errors of test samples
    l_s .. T−1 with NDT (unsupervised: no labels are used). Arrays (T, D) or (T,); column 0 is the value.

    Raises
    ------
    ValueError
        when the test stream has no more than ``l_s + ndt.batch_size`` samples (too short to score).
    """
    cfg = trainer.cfg
    ndt = NDTParams(l_s=cfg.l_s) if ndt is None else ndt
    model = trainer.fit(train)
    t1 = time.perf_counter()
    out = trainer.predict(model, test)
    x = np.asarray(test, np.float64)
    x = x[:, 0] if x.ndim == 2 else x
    T = x.size
    if T - cfg.l_s < ndt.batch_size:
        raise ValueError(f"test stream of {T} samples is too short for l_s={cfg.l_s} + batch_size={ndt.batch_size}")
    y = x[cfg.l_s:]
    y_hat = out["y_hat"][cfg.l_s - 1:T - 1, 0]
    res = detect(np.abs(y_hat - y), y, ndt, offset=cfg.l_s)
    s = out["spikes"]
    c = out["counts"]
    return SpikingRun(chan_id, res, y_hat, y, float(np.maximum(c, 0).sum()), float(np.maximum(-c, 0).sum()),
                      float((s > 0).sum()), float((s < 0).sum()), T, syn_op_counts(model, c, s), model.train_s,
                      time.perf_counter() - t1, model.delta)


def workload(cfg: SpikingConfig, runs: list[SpikingRun], *, w_bits: int = 32, w_format: str = "fp"):
    """hwsim IR (:mod:`hwsim.ir`) of ONE inference (one telemetry sample) measured over ``runs`` (sample-weighted
    mean over the channels' test streams).

    Rows: ``L0.w`` (``snn_dense`` 1 → n_hidden, signed input events), ``L0.w_rec`` (n_hidden → n_hidden, when
    recurrent), ``L0.neurons`` (``neuron_update``, n_hidden), ``readout.w_in`` (1 → n_predictions, input events),
    ``readout.w`` (n_hidden → n_predictions),
    ``readout.neurons`` (n_predictions leaky integrators); ``time_steps = 1``, measured ``spikes_pos``,
    ``spikes_neg``, ``syn_ops`` per sample, ``spike_rate`` = events / (n_pre x 1 step). Weights as trained
    (``w_bits``/``w_format``: float32 by default), signed 2-bit spikes.

    Raises
    ------
    ValueError
        for an empty ``runs``.
    """
    from hwsim import ir

    if not runs:
        raise ValueError("runs must hold at least one SpikingRun")
    n = float(sum(r.n_samples for r in runs))
    H, O = cfg.n_hidden, cfg.n_predictions
    in_pos = sum(r.events_in_pos for r in runs) / n
    in_neg = sum(r.events_in_neg for r in runs) / n
    hp = sum(r.spikes_pos for r in runs) / n
    hn = sum(r.spikes_neg for r in runs) / n

    def ops(name: str) -> float:
        return sum(r.syn_ops.get(name, 0.0) for r in runs) / n

    prec = {"w_bits": int(w_bits), "w_format": w_format, "a_bits": 2, "trainable": True, "dt_s": cfg.step_s()}
    rows = [ir.snn_dense("L0.w", 1, H, 1, in_pos + in_neg, signed=True, spikes_pos=in_pos, spikes_neg=in_neg,
                         syn_ops=ops("L0.w"), **prec)]
    if cfg.recurrent:
        rows.append(ir.snn_dense("L0.w_rec", H, H, 1, (hp + hn) / H, signed=True, spikes_pos=hp, spikes_neg=hn,
                                 syn_ops=ops("L0.w_rec"), **prec))
    rows.append(ir.neuron_update("L0.neurons", H, 1, dt_s=prec["dt_s"]))
    rows.append(ir.snn_dense("readout.w_in", 1, O, 1, in_pos + in_neg, signed=True, spikes_pos=in_pos,
                             spikes_neg=in_neg, syn_ops=ops("readout.w_in"), **prec))
    rows.append(ir.snn_dense("readout.w", H, O, 1, (hp + hn) / H, signed=True, spikes_pos=hp, spikes_neg=hn,
                             syn_ops=ops("readout.w"), **prec))
    rows.append(ir.neuron_update("readout.neurons", O, 1, dt_s=prec["dt_s"]))
    return ir.make(rows)
