"""A recurrent signed-LIF network driven by signed input events: the replay case R2 (reference/snn.md section 5).

``n`` :class:`~snn.neurons.SignedLIF` neurons (tau_m = 20 ms, default theta_pos = 1, theta_neg = 0.8, reset by
subtraction, optional refractory period) receive delta synapses (onto v) from ``n_in`` input neurons that emit
signed events (each input neuron fires with probability ``rate dt`` per step, sign +1/-1 with equal probability;
connection probability ``p_in``, weights N(w_in, (w_in/2)^2)) and from each other (probability ``p_rec``, weights
N(0, w_rec^2), zero delay, or ``delay_steps``). All random numbers come from numpy's ``default_rng(seed)``, so the
network is explicit and Brian2 can replay it exactly through custom events.
"""

from __future__ import annotations

import numpy as np

from snn.network import Network, Population, Projection, SpikeSource
from snn.neurons import SignedLIF


def signed_network(seed: int = 0, *, n: int = 1000, n_in: int = 200, duration_s: float = 1.0, dt_s: float = 1e-4,
                   rate_Hz: float = 5.0, p_in: float = 0.1, w_in: float = 0.3, p_rec: float = 0.02,
                   w_rec: float = 0.1, t_ref_s: float = 0.0, delay_steps: int = 0, theta_pos: float = 1.0,
                   theta_neg: float = 0.8) -> Network:
    """Build the signed replay network (units: v in threshold units, times in s).

    Raises ValueError for probabilities outside [0, 1], negative rates or sizes < 1.
    """
    if n < 1 or n_in < 1:
        raise ValueError(f"n={n} and n_in={n_in} must be >= 1")
    if rate_Hz < 0 or rate_Hz * dt_s > 1:
        raise ValueError(f"rate_Hz={rate_Hz} out of range: accepted 0 <= rate_Hz * dt_s <= 1")
    rng = np.random.default_rng(seed)
    T = round(duration_s / dt_s)
    fire = rng.random((T, n_in)) < rate_Hz * dt_s
    t, i = np.nonzero(fire)
    sign = np.where(rng.random(t.size) < 0.5, 1, -1)
    src = SpikeSource("input", n_in, t, i, sign)
    neuron = SignedLIF(tau_m_s=20e-3, theta_pos=theta_pos, theta_neg=theta_neg, reset="subtract", t_ref_s=t_ref_s)
    pop = Population("S", n, neuron, v0=rng.uniform(-0.8, 1.0, n))
    inp = Projection.bernoulli("in", "input", "S", n_in, n, p_in,
                               lambda r, k: r.normal(w_in, w_in / 2, k), rng=rng, target="v")
    rec = Projection.bernoulli("rec", "S", "S", n, n, p_rec, lambda r, k: r.normal(0.0, w_rec, k), rng=rng,
                               target="v", delay=delay_steps)
    return Network((pop,), (inp, rec), (src,), dt_s=dt_s, name="signed")
