"""Sweepable experiments of ``snn`` for ``hwsim sweep`` (keyword-only scalar parameters, flat dict of scalar results).

* :func:`cuba_statistics` - the CUBA network (Brette et al. 2007, doi:10.1007/s10827-007-0038-6) vs connectivity,
  synaptic weights, size and precision: rate, CV of ISI, silent fraction, Fano factor, events, synaptic operations,
  Numba loop time.
* :func:`digits_training` - scikit-learn digits with a spiking network vs neuron type (LIF / signed LIF / MTJ),
  time steps and hidden size: test accuracy, spikes per inference by sign, synaptic operations, training time.
* :func:`signed_activity` - the signed replay network (:mod:`snn.signed_net`) vs thresholds, recurrent weight and
  input rate: +1/-1 event rates, synaptic operations per second, Numba loop time.

Each raises ValueError naming a parameter outside its accepted range (also declared in ``RANGES`` for the sweep
engine's pre-check).
"""

from __future__ import annotations

import math
import time
from typing import Literal

import numpy as np


def _range(name: str, value: float, lo: float | None, hi: float | None, *, open_lo: bool = False) -> None:
    bad = (lo is not None and (value <= lo if open_lo else value < lo)) or (hi is not None and value > hi)
    if bad or (isinstance(value, float) and math.isnan(value)):
        lo_s = "-inf" if lo is None else f"{lo:g}"
        hi_s = "inf" if hi is None else f"{hi:g}"
        raise ValueError(f"{name}={value!r} out of range: accepted {'(' if open_lo else '['}{lo_s}, {hi_s}]")


def cuba_statistics(*, p_connect: float = 0.02, we_mV: float = 1.62, wi_mV: float = -9.0, N: int = 4000,
                    duration_s: float = 1.0, float32: bool = False, seed: int = 0) -> dict[str, float | int | str]:
    """Simulate one random CUBA network (Numba engine) and return its spike statistics.

    Parameters: connection probability ``p_connect`` in [0, 1]; excitatory/inhibitory jumps ``we_mV`` >= 0 and
    ``wi_mV`` <= 0 (mV onto ge/gi); ``N`` >= 10 neurons (80 % excitatory); ``duration_s`` > 0; ``float32`` state;
    ``seed`` of the network and initial voltages.

    Returns rate_Hz, cv_isi, silent_fraction, fano, n_spikes, syn_ops, loop_s.
    """
    from snn.cuba import CUBAParams, cuba_network, spike_statistics
    from snn.engine_numba import compile_network, simulate

    _range("p_connect", p_connect, 0.0, 1.0)
    _range("we_mV", we_mV, 0.0, None)
    _range("wi_mV", wi_mV, None, 0.0)
    _range("N", N, 10, None)
    _range("duration_s", duration_s, 0.0, None, open_lo=True)
    prm = CUBAParams(N=int(N), NE=round(0.8 * N), p_connect=p_connect, we_V=we_mV * 1e-3, wi_V=wi_mV * 1e-3)
    net = cuba_network(seed, prm)
    dtype = np.float32 if float32 else np.float64
    cn = compile_network(net, dtype)
    t0 = time.perf_counter()
    r = simulate(net, duration_s, dtype=dtype, compiled=cn)
    loop = time.perf_counter() - t0
    s = spike_statistics(r.step, r.index, prm.N, r.n_steps, prm.dt_s)
    return {**s, "syn_ops": int(sum(r.syn_ops.values())), "loop_s": loop}


cuba_statistics.RANGES = {"p_connect": (0.0, 1.0), "we_mV": (0.0, None), "wi_mV": (None, 0.0), "N": (10, None),
                          "duration_s": (0.0, None, "(]")}


def digits_training(*, neuron: Literal["lif", "signed", "mtj"] = "signed", time_steps: int = 8, hidden: int = 128,
                    epochs: int = 15, lr: float = 3e-3, seed: int = 0) -> dict[str, float | int | str]:
    """Train a one-hidden-layer spiking network on scikit-learn digits (current-coded pixels) and measure it.

    ``neuron``: ``"lif"`` (binary), ``"signed"`` (ternary, theta_neg = 2 theta_pos) or ``"mtj"`` (the devices/
    compact MTJ neuron at its device step); ``time_steps`` >= 2; ``hidden`` >= 1; ``epochs`` >= 1; ``lr`` > 0.

    Returns accuracy, spikes_pos and spikes_neg (hidden layer, per inference), syn_ops per inference (hidden and
    readout), n_params, train_s.
    """
    import optax

    from snn.datasets import digits
    from snn.model import SNN, Dense, Readout, n_params
    from snn.neurons import LIF, MTJNeuron, SignedLIF
    from snn.train import evaluate, train
    from snn.workload import model_workload

    if neuron not in ("lif", "signed", "mtj"):
        raise ValueError(f"neuron={neuron!r}, accepted: 'lif', 'signed', 'mtj'")
    _range("time_steps", time_steps, 2, None)
    _range("hidden", hidden, 1, None)
    _range("epochs", epochs, 1, None)
    _range("lr", lr, 0.0, None, open_lo=True)
    if neuron == "lif":
        cell, dt = LIF(tau_m_s=10e-3, reset="subtract"), 1e-3
    elif neuron == "signed":
        cell, dt = SignedLIF(tau_m_s=10e-3, theta_neg=2.0), 1e-3
    else:
        from devices.compact import default_signed_mtj_neuron

        cell = MTJNeuron.from_compact(default_signed_mtj_neuron())
        dt = cell.dt_s
    xtr, ytr, xte, yte = digits(T=int(time_steps), encoding="current", seed=0)
    spec = SNN(n_in=64, layers=(Dense(int(hidden), cell),), readout=Readout(10, tau_s=0.0), dt_s=dt)
    steps = int(epochs) * (xtr.shape[0] // 64)
    opt = optax.adamw(optax.cosine_decay_schedule(lr, steps), weight_decay=0.05)
    res = train(spec, xtr, ytr, epochs=int(epochs), batch_size=64, seed=seed, optimizer=opt)
    ev = evaluate(spec, res.params, xte, yte)
    wl = model_workload(spec, res.params, xte)
    hid = wl.set_index("layer")
    return {"accuracy": ev["accuracy"], "spikes_pos": float(hid.loc["readout.w", "spikes_pos"]),
            "spikes_neg": float(hid.loc["readout.w", "spikes_neg"]),
            "syn_ops": float(np.nansum(wl["syn_ops"].to_numpy())), "n_params": n_params(res.params),
            "train_s": res.seconds}


digits_training.RANGES = {"time_steps": (2, None), "hidden": (1, None), "epochs": (1, None), "lr": (0.0, None, "(]")}


def signed_activity(*, theta_pos: float = 1.0, theta_neg: float = 0.8, w_rec: float = 0.1, rate_Hz: float = 5.0,
                    n: int = 1000, duration_s: float = 1.0, seed: int = 0) -> dict[str, float | int | str]:
    """Run the signed replay network (Numba engine) and return its activity and workload.

    ``theta_pos``, ``theta_neg`` > 0 (threshold units); ``w_rec`` >= 0 (recurrent weight std); ``rate_Hz`` in
    [0, 10000] (input events per input neuron); ``n`` >= 1; ``duration_s`` > 0.

    Returns pos_rate_Hz, neg_rate_Hz (per neuron), syn_ops_per_s, loop_s.
    """
    from snn.engine_numba import compile_network, simulate
    from snn.signed_net import signed_network

    _range("theta_pos", theta_pos, 0.0, None, open_lo=True)
    _range("theta_neg", theta_neg, 0.0, None, open_lo=True)
    _range("w_rec", w_rec, 0.0, None)
    _range("rate_Hz", rate_Hz, 0.0, 1e4)
    _range("n", n, 1, None)
    _range("duration_s", duration_s, 0.0, None, open_lo=True)
    net = signed_network(seed, n=int(n), duration_s=duration_s, rate_Hz=rate_Hz, w_rec=w_rec, theta_pos=theta_pos,
                         theta_neg=theta_neg)
    cn = compile_network(net)
    t0 = time.perf_counter()
    r = simulate(net, duration_s, compiled=cn)
    loop = time.perf_counter() - t0
    pos, neg = r.counts("S")
    return {"pos_rate_Hz": pos / (n * duration_s), "neg_rate_Hz": neg / (n * duration_s),
            "syn_ops_per_s": sum(r.syn_ops.values()) / duration_s, "loop_s": loop}


signed_activity.RANGES = {"theta_pos": (0.0, None, "(]"), "theta_neg": (0.0, None, "(]"), "w_rec": (0.0, None),
                          "rate_Hz": (0.0, 1e4), "n": (1, None), "duration_s": (0.0, None, "(]")}
