"""Engine 2 (JAX): layered spiking networks for batched, differentiable simulation and training (BPTT).

A model is a hashable spec (:class:`SNN`, usable as a static argument of ``jax.jit``) plus a parameter pytree
(:func:`init_params`). :func:`apply` runs a batch of input sequences ``x`` of shape (B, T, n_in): binary spikes,
signed event counts (e.g. ``sensors.encoders.send_on_delta``) or analog values (then the first projection is a dense
matrix product per step). Layers:

* :class:`Dense`: spiking layer of ``n`` neurons fed by a dense projection, optionally recurrent (``n x n``).
* :class:`Conv1d`: spiking layer of ``channels`` neurons fed by a causal temporal convolution over the previous
  layer's channels (kernel ``K``, dilation ``d``: tap k sees events ``(K-1-k) d`` steps old), optionally recurrent.
* :class:`Readout`: non-spiking leaky integrator ``y_t = beta y_{t-1} + W s_t + b`` with ``beta = exp(-dt/tau)``,
  reduced over time by ``sum | mean | max | last`` (classification) or ``none`` (a sequence, e.g. forecasting).

Neurons: :class:`~snn.neurons.LIF` (binary), :class:`~snn.neurons.SignedLIF` and :class:`~snn.neurons.MTJNeuron`
(ternary), with exactly the update of :class:`~snn.neurons.DiscreteNeuron` and Brian2's step order (update,
threshold, synaptic input of this step - dropped onto v while refractory -, reset), so a trained model exported with
:func:`snn.train.to_network` gives the same spikes in the Numba engine. Consequently a layer's input of step t
affects its spikes from step t+1 on (one step of latency per layer).

Each layer's feed-forward projection is computed for all time steps as one matrix product (or convolution) outside
the time scan; only the neuron state and the recurrent input are inside ``jax.lax.scan``. The spike nonlinearity is
a Heaviside with surrogate gradient (:mod:`snn.surrogate`); the reset path uses ``stop_gradient`` on the spikes
(reference/snn.md section 7).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from snn.neurons import LIF, MTJNeuron, SignedLIF, check_neuron
from snn.surrogate import SURROGATES, spike

REDUCTIONS = ("sum", "mean", "max", "last", "none")


def _check_target(target: Any, neuron: Any, where: str) -> None:
    if target == "v":
        return
    if not isinstance(target, int) or not 0 <= target < neuron.n_channels:
        raise ValueError(f"{where}: target={target!r}, accepted 'v' or a channel index < {neuron.n_channels}")


@dataclass(frozen=True)
class Dense:
    """Spiking layer of ``n`` neurons behind a dense projection (``w`` of shape (n_pre, n)).

    ``neuron`` (default: LIF with threshold 1, subtract reset, tau_m = 20 ms), ``recurrent`` adds ``w_rec`` (n, n)
    with zero delay, ``bias`` a constant input per step, ``target`` the channel the input drives (``"v"`` or an index
    into the neuron's ``tau_syn_s``), ``w_scale`` the initial weight scale (std ``w_scale * threshold /
    (gain sqrt(fan_in))``). Raises ValueError for n < 1, a bad target or neuron type.
    """

    n: int
    neuron: Any = field(default_factory=lambda: LIF(tau_m_s=20e-3, v_th=1.0, reset="subtract"))
    recurrent: bool = False
    bias: bool = True
    target: int | str = "v"
    w_scale: float = 1.0

    def __post_init__(self) -> None:
        if int(self.n) < 1:
            raise ValueError(f"Dense: n={self.n} must be >= 1")
        check_neuron(self.neuron, "Dense: neuron")
        _check_target(self.target, self.neuron, "Dense")

    @property
    def n_out(self) -> int:
        return self.n


@dataclass(frozen=True)
class Conv1d:
    """Spiking layer of ``channels`` neurons behind a causal temporal convolution (kernel ``kernel`` taps,
    ``dilation``), weights ``w`` of shape (channels, C_in, kernel). Other fields as :class:`Dense`.

    Raises ValueError for channels < 1, kernel < 1, dilation < 1, a bad target or neuron type.
    """

    channels: int
    kernel: int
    neuron: Any = field(default_factory=lambda: LIF(tau_m_s=20e-3, v_th=1.0, reset="subtract"))
    dilation: int = 1
    recurrent: bool = False
    bias: bool = True
    target: int | str = "v"
    w_scale: float = 1.0

    def __post_init__(self) -> None:
        for name in ("channels", "kernel", "dilation"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"Conv1d: {name}={getattr(self, name)} must be >= 1")
        check_neuron(self.neuron, "Conv1d: neuron")
        _check_target(self.target, self.neuron, "Conv1d")

    @property
    def n(self) -> int:
        return self.channels

    @property
    def n_out(self) -> int:
        return self.channels


@dataclass(frozen=True)
class Readout:
    """Non-spiking leaky readout of ``n`` units: ``y_t = beta y_{t-1} + W s_t + b``, ``beta = exp(-dt/tau_s)``
    (``tau_s = inf``: a perfect integrator; ``tau_s = 0``: no memory, so ``reduce="sum"`` decodes spike counts),
    reduced over time by ``reduce`` (one of :data:`REDUCTIONS`).

    Raises ValueError for n < 1, tau_s < 0 or an unknown reduction.
    """

    n: int
    tau_s: float = 20e-3
    reduce: str = "sum"
    bias: bool = True
    w_scale: float = 1.0

    def __post_init__(self) -> None:
        if int(self.n) < 1:
            raise ValueError(f"Readout: n={self.n} must be >= 1")
        if not self.tau_s >= 0:
            raise ValueError(f"Readout: tau_s={self.tau_s} must be >= 0 (inf for a perfect integrator)")
        if self.reduce not in REDUCTIONS:
            raise ValueError(f"Readout: reduce={self.reduce!r}, accepted: {REDUCTIONS}")


@dataclass(frozen=True)
class SNN:
    """A layered spiking network spec (hashable; pass it as a static argument to ``jax.jit``).

    Parameters
    ----------
    n_in : input features per step.
    layers : tuple of :class:`Dense` / :class:`Conv1d` spiking layers (at least one).
    readout : :class:`Readout`.
    dt_s : time step (s); neuron constants come from ``neuron.discrete(dt_s)``. Default (None): the fitted step of
        the first MTJ layer if any (MTJ neurons run at their device step), else 1 ms.
    surrogate, surrogate_k : surrogate gradient (:data:`snn.surrogate.SURROGATES`) and its scale k.
    smooth : forward pass ``sigmoid(k x)`` instead of spikes (gradient checks only).
    checkpoint : wrap the scan step in ``jax.checkpoint`` (less memory for long T, more compute).
    detach_reset : ``stop_gradient`` on the spikes in the reset path (default; common practice). False gives the
        exact gradient of the forward pass (with ``smooth=True``: the gradient check G1).

    Raises
    ------
    ValueError
        for n_in < 1, no layers, an unknown surrogate, k <= 0 or a dt_s the neurons do not accept.
    """

    n_in: int
    layers: tuple
    readout: Readout
    dt_s: float | None = None
    surrogate: str = "superspike"
    surrogate_k: float = 25.0
    smooth: bool = False
    checkpoint: bool = False
    detach_reset: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(self.layers))
        if self.dt_s is None:
            mtj = [layer.neuron.dt_s for layer in self.layers if isinstance(layer.neuron, MTJNeuron)]
            object.__setattr__(self, "dt_s", float(mtj[0]) if mtj else 1e-3)
        if int(self.n_in) < 1:
            raise ValueError(f"SNN: n_in={self.n_in} must be >= 1")
        if not self.layers:
            raise ValueError("SNN: layers must hold at least one spiking layer")
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, Dense | Conv1d):
                raise ValueError(f"SNN: layers[{i}] is {type(layer).__name__}, accepted Dense or Conv1d")
            layer.neuron.discrete(self.dt_s)
        if self.surrogate not in SURROGATES:
            raise ValueError(f"SNN: surrogate={self.surrogate!r}, accepted: {SURROGATES}")
        if not self.surrogate_k > 0:
            raise ValueError(f"SNN: surrogate_k={self.surrogate_k} must be > 0")

    @property
    def signed(self) -> tuple[bool, ...]:
        return tuple(bool(layer.neuron.signed) for layer in self.layers)

    def layer_names(self) -> tuple[str, ...]:
        return tuple(f"L{i}" for i in range(len(self.layers)))


def _threshold_scale(neuron: Any) -> float:
    """Scale of the distance to threshold used by the surrogate (threshold units)."""
    if isinstance(neuron, LIF):
        s = abs(neuron.v_th - neuron.v_rest)
        return s if s > 0 else max(abs(neuron.v_th), 1.0)
    return float(neuron.theta_pos)


def init_params(key: jax.Array, spec: SNN, dtype: Any = jnp.float32) -> dict:
    """Initial parameters: ``{"layers": [{"w", "b"?, "w_rec"?}, ...], "readout": {"w", "b"?}}``.

    Shapes: Dense ``w`` (n_pre, n), Conv1d ``w`` (channels, C_in, kernel), ``b`` (n,), ``w_rec`` (n, n), readout
    ``w`` (n_last, n_out), ``b`` (n_out,). Normal weights with std ``w_scale * threshold/(gain sqrt(fan_in))``
    (recurrent: half of that), zero biases.
    """
    layers = []
    n_pre = spec.n_in
    keys = jax.random.split(key, 2 * len(spec.layers) + 1)
    for li, layer in enumerate(spec.layers):
        d = layer.neuron.discrete(spec.dt_s)
        scale = layer.w_scale * _threshold_scale(layer.neuron) / d.gain
        if isinstance(layer, Conv1d):
            fan_in = n_pre * layer.kernel
            shape = (layer.channels, n_pre, layer.kernel)
            w = jax.random.normal(keys[2 * li], shape, dtype) * scale / math.sqrt(fan_in)
        else:
            w = jax.random.normal(keys[2 * li], (n_pre, layer.n), dtype) * scale / math.sqrt(n_pre)
        p = {"w": w}
        if layer.bias:
            p["b"] = jnp.zeros((layer.n_out,), dtype)
        if layer.recurrent:
            p["w_rec"] = jax.random.normal(keys[2 * li + 1], (layer.n_out, layer.n_out), dtype) * (
                0.5 * scale / math.sqrt(layer.n_out))
        layers.append(p)
        n_pre = layer.n_out
    ro = spec.readout
    out = {"w": jax.random.normal(keys[-1], (n_pre, ro.n), dtype) * ro.w_scale / math.sqrt(n_pre)}
    if ro.bias:
        out["b"] = jnp.zeros((ro.n,), dtype)
    return {"layers": layers, "readout": out}


def project(layer: Any, p: dict, x: jax.Array) -> jax.Array:
    """Feed-forward input of a layer for all steps: x (B, T, n_pre) -> (B, T, n), outside the time scan."""
    if isinstance(layer, Conv1d):
        K, dil = layer.kernel, layer.dilation
        out = jax.lax.conv_general_dilated(
            jnp.swapaxes(x, 1, 2), p["w"], window_strides=(1,), padding=[((K - 1) * dil, 0)],
            rhs_dilation=(dil,), dimension_numbers=("NCH", "OIH", "NCH"))
        out = jnp.swapaxes(out, 1, 2)
    else:
        out = jnp.einsum("btk,kn->btn", x, p["w"])
    if "b" in p:
        out = out + p["b"]
    return out


@jax.tree_util.register_dataclass
@dataclass(frozen=True)
class Output:
    """Result of :func:`apply`.

    Attributes
    ----------
    y : readout reduced over time, (B, n_out) (or (B, T, n_out) when ``reduce="none"``).
    y_seq : readout at every step, (B, T, n_out).
    spikes : per layer, events (B, T, n) with values -1/0/+1 (smooth forward: in [0, 1] / [-1, 1]).
    pos, neg : per layer, +1 and -1 events per sample, (B,) each.
    """

    y: jax.Array
    y_seq: jax.Array
    spikes: tuple
    pos: tuple
    neg: tuple


def _layer_scan(spec: SNN, layer: Any, p: dict, inp: jax.Array, key: jax.Array | None) -> jax.Array:
    """Simulate one layer given its feed-forward input (B, T, n); returns events (B, T, n) (before amplitude)."""
    d = layer.neuron.discrete(spec.dt_s)
    B, T, n = inp.shape
    dtype = inp.dtype
    signed = d.signed
    sp_scale = _threshold_scale(layer.neuron)
    sn_scale = float(d.theta_neg) if signed else 1.0
    k = tuple(float(c) for c in d.k)
    beta = tuple(float(c) for c in d.beta)
    target = layer.target
    w_rec = p.get("w_rec")
    gain, amp = float(d.gain), float(d.amplitude)
    use_noise = d.noise_std > 0 and key is not None
    fn = lambda x: spike(x, spec.surrogate, spec.surrogate_k, spec.smooth)  # noqa: E731

    def step(carry, xs):
        v, g, rem = carry
        i_t, k_t = xs
        rem = rem - 1
        nr = rem <= 0
        acc = None
        for c in range(len(k)):
            term = k[c] * g[c]
            acc = term if acc is None else acc + term
        v_upd = d.c0 + (acc + d.alpha * v) if acc is not None else d.c0 + d.alpha * v
        v = jnp.where(nr, v_upd, v)
        g = tuple(beta[c] * g[c] for c in range(len(k)))
        if use_noise:
            v = v + jnp.where(nr, d.noise_std * jax.random.normal(k_t, v.shape, dtype), 0.0)
        nrf = nr.astype(dtype)
        sp = fn((v - d.theta_pos) / sp_scale) * nrf
        sn = fn((-v - d.theta_neg) / sn_scale) * nrf if signed else jnp.zeros_like(v)
        s = sp - sn
        sp_, sn_ = (jax.lax.stop_gradient(sp), jax.lax.stop_gradient(sn)) if spec.detach_reset else (sp, sn)

        def do_reset(v):
            if d.reset == "value":
                return v * (1 - sp_ - sn_) + sp_ * d.v_reset_pos + sn_ * d.v_reset_neg
            if d.reset == "subtract":
                return v - sp_ * d.theta_pos + sn_ * (d.theta_neg if signed else 0.0)
            return v * (1 - sp_ - sn_)

        if d.nref > 0:
            rem = jnp.where(jax.lax.stop_gradient(sp_ + sn_) > 0.5, d.nref, rem)
        if d.reset_before_input:
            v = do_reset(v)
        x = i_t
        if w_rec is not None:
            x = x + (amp * s) @ w_rec
        x = gain * x if gain != 1.0 else x
        if target == "v":
            v = v + (x * (rem <= 0).astype(dtype) if d.nref > 0 else x)
        else:
            g = tuple(g[c] + x if c == target else g[c] for c in range(len(g)))
        if not d.reset_before_input:
            v = do_reset(v)
        return (v, g, rem), s

    if spec.checkpoint:
        step = jax.checkpoint(step)
    v0 = jnp.full((B, n), d.v_init, dtype)
    g0 = tuple(jnp.zeros((B, n), dtype) for _ in k)
    rem0 = jnp.zeros((B, n), jnp.int32)
    keys = jax.random.split(key, T) if use_noise else jnp.zeros((T,), jnp.uint32)
    _, s = jax.lax.scan(step, (v0, g0, rem0), (jnp.swapaxes(inp, 0, 1), keys))
    return jnp.swapaxes(s, 0, 1)


def readout(spec: SNN, p: dict, s: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Leaky readout of events s (B, T, n_last): returns (reduced y, y_seq (B, T, n_out))."""
    ro = spec.readout
    drive = jnp.einsum("btn,no->bto", s, p["w"])
    if "b" in p:
        drive = drive + p["b"]
    beta = 1.0 if math.isinf(ro.tau_s) else (0.0 if ro.tau_s == 0 else math.exp(-spec.dt_s / ro.tau_s))

    def step(y, u):
        y = beta * y + u
        return y, y

    _, ys = jax.lax.scan(step, jnp.zeros(drive.shape[::2], drive.dtype), jnp.swapaxes(drive, 0, 1))
    y_seq = jnp.swapaxes(ys, 0, 1)
    red = {"sum": lambda a: a.sum(1), "mean": lambda a: a.mean(1), "max": lambda a: a.max(1),
           "last": lambda a: a[:, -1], "none": lambda a: a}[ro.reduce]
    return red(y_seq), y_seq


def apply(params: dict, spec: SNN, x: jax.Array, key: jax.Array | None = None) -> Output:
    """Run the network on a batch.

    Parameters
    ----------
    params : from :func:`init_params` (or trained).
    spec : the :class:`SNN`.
    x : inputs (B, T, n_in): spikes, signed counts or analog values (cast to the parameters' dtype).
    key : PRNG key for neuron noise (MTJ ``noise_std``); without it the run is deterministic.

    Returns
    -------
    Output

    Raises
    ------
    ValueError
        if x is not 3-D with ``n_in`` features, or params do not match the spec.
    """
    dtype = params["readout"]["w"].dtype
    x = jnp.asarray(x)
    if x.ndim != 3 or x.shape[2] != spec.n_in:
        raise ValueError(f"x must have shape (B, T, n_in={spec.n_in}), got {x.shape}")
    if len(params["layers"]) != len(spec.layers):
        raise ValueError(f"params hold {len(params['layers'])} layers, the spec {len(spec.layers)}")
    h = x.astype(dtype)
    spikes, pos, neg = [], [], []
    keys = jax.random.split(key, len(spec.layers)) if key is not None else [None] * len(spec.layers)
    for layer, p, k in zip(spec.layers, params["layers"], keys):
        s = _layer_scan(spec, layer, p, project(layer, p, h), k)
        spikes.append(s)
        pos.append(jnp.sum(jnp.maximum(s, 0), axis=(1, 2)))
        neg.append(jnp.sum(jnp.maximum(-s, 0), axis=(1, 2)))
        amp = float(layer.neuron.discrete(spec.dt_s).amplitude)
        h = amp * s if amp != 1.0 else s
    y, y_seq = readout(spec, params["readout"], h)
    return Output(y=y, y_seq=y_seq, spikes=tuple(spikes), pos=tuple(pos), neg=tuple(neg))


def n_params(params: dict) -> int:
    """Number of scalar parameters."""
    return int(sum(np.size(a) for a in jax.tree_util.tree_leaves(params)))


__all__ = ["SNN", "Conv1d", "Dense", "MTJNeuron", "Output", "Readout", "SignedLIF", "apply", "init_params"]
