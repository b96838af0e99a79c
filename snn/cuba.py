"""The Vogels-Abbott CUBA network (Brette et al. 2007 benchmark 2; Brian2 ``examples/CUBA.py``) and spike statistics.

Parameters (reference/snn.md section 1), SI units: N = 4000 LIF neurons, the first 3200 excitatory; taum 20 ms,
taue 5 ms, taui 10 ms; Vt = -50 mV, Vr = -60 mV, El = -49 mV; we = +1.62 mV onto ge, wi = -9 mV onto gi;
refractory 5 ms (only v held); independent Bernoulli connectivity p = 0.02 (self-pairs allowed, no delay);
v0 uniform in [Vr, Vt), ge = gi = 0.

Sources: Brette et al. 2007, J Comput Neurosci 23:349, doi:10.1007/s10827-007-0038-6; Vogels & Abbott 2005,
J Neurosci 25:10786, doi:10.1523/JNEUROSCI.3508-05.2005.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from snn.network import Network, Population, Projection
from snn.neurons import LIF


@dataclass(frozen=True)
class CUBAParams:
    """CUBA constants (SI: s, V). Defaults are Brian2's ``examples/CUBA.py``."""

    N: int = 4000
    NE: int = 3200
    taum_s: float = 20e-3
    taue_s: float = 5e-3
    taui_s: float = 10e-3
    Vt_V: float = -50e-3
    Vr_V: float = -60e-3
    El_V: float = -49e-3
    we_V: float = 60 * 0.27 / 10 * 1e-3
    wi_V: float = -20 * 4.5 / 10 * 1e-3
    t_ref_s: float = 5e-3
    p_connect: float = 0.02
    dt_s: float = 1e-4

    def __post_init__(self) -> None:
        if not 0 < self.NE <= self.N:
            raise ValueError(f"CUBAParams: NE={self.NE} must satisfy 0 < NE <= N={self.N}")
        if not 0.0 <= self.p_connect <= 1.0:
            raise ValueError(f"CUBAParams: p_connect={self.p_connect} out of range: accepted [0, 1]")

    def neuron(self) -> LIF:
        """The CUBA neuron: channel 0 = ge (taue), channel 1 = gi (taui)."""
        return LIF(tau_m_s=self.taum_s, v_rest=self.El_V, v_th=self.Vt_V, v_reset=self.Vr_V, t_ref_s=self.t_ref_s,
                   tau_syn_s=(self.taue_s, self.taui_s), reset="value")


def cuba_network(seed: int | None = 0, params: CUBAParams | None = None, *, exc: tuple | None = None,
                 inh: tuple | None = None, v0: np.ndarray | None = None) -> Network:
    """Build the CUBA network.

    Parameters
    ----------
    seed : seed of numpy's ``default_rng`` for connectivity and initial voltages (ignored for parts given).
    params : :class:`CUBAParams` (default: Brian2's example).
    exc, inh : optional ``(i, j)`` synapse lists (global neuron indices, e.g. Brian2's ``Ce.i[:], Ce.j[:]``).
    v0 : optional initial voltages (V), shape (N,).

    Returns
    -------
    Network with one population ``"P"`` and projections ``"Ce"`` (onto channel 0) and ``"Ci"`` (onto channel 1).
    """
    prm = params or CUBAParams()
    rng = np.random.default_rng(seed)
    if v0 is None:
        v0 = prm.Vr_V + rng.random(prm.N) * (prm.Vt_V - prm.Vr_V)
    NI = prm.N - prm.NE
    projections = []
    for name, given, lo, n_pre, w, ch in (("Ce", exc, 0, prm.NE, prm.we_V, 0), ("Ci", inh, prm.NE, NI, prm.wi_V, 1)):
        if given is None:
            part = Projection.bernoulli(name, "P", "P", n_pre, prm.N, prm.p_connect, w, rng=rng, target=ch)
            i, j = part.i + lo, part.j
        else:
            i, j = (np.asarray(a, np.int64) for a in given)
        projections.append(Projection.sparse(name, "P", "P", i, j, w, target=ch))
    pop = Population("P", prm.N, prm.neuron(), v0=np.asarray(v0, np.float64))
    return Network((pop,), tuple(projections), dt_s=prm.dt_s, name="CUBA")


def spike_statistics(step: np.ndarray, index: np.ndarray, n: int, n_steps: int, dt_s: float,
                     min_spikes: int = 3) -> dict[str, float]:
    """Rate, CV of ISI, silent fraction and Fano factor of a spike list.

    Parameters
    ----------
    step, index : spike steps and neuron indices, shape (E,).
    n, n_steps, dt_s : neurons, steps, step (s).
    min_spikes : neurons with fewer spikes are left out of the CV average (>= 2 ISIs).

    Returns
    -------
    ``rate_Hz`` (all spikes / (n T)), ``cv_isi`` (mean over neurons of std/mean of their ISIs), ``silent_fraction``
    (neurons without spikes / n), ``fano`` (variance/mean of spike counts in 100 ms windows, averaged over neurons
    with spikes), ``n_spikes``.
    """
    T = n_steps * dt_s
    counts = np.bincount(index, minlength=n)
    order = np.lexsort((step, index))
    st, ix = step[order], index[order]
    same = ix[1:] == ix[:-1]
    isi = np.diff(st)[same].astype(np.float64)
    owner = ix[1:][same]
    s1 = np.bincount(owner, weights=isi, minlength=n)
    s2 = np.bincount(owner, weights=isi * isi, minlength=n)
    m = np.bincount(owner, minlength=n)
    ok = counts >= min_spikes
    mean = s1[ok] / m[ok]
    var = np.maximum(s2[ok] / m[ok] - mean**2, 0.0)
    cv = float(np.mean(np.sqrt(var) / mean)) if ok.any() else float("nan")
    win = max(1, round(0.1 / dt_s))
    nwin = max(1, n_steps // win)
    binned = np.zeros((n, nwin))
    keep = st < nwin * win
    np.add.at(binned, (ix[keep], st[keep] // win), 1.0)
    active = binned.sum(axis=1) > 0
    fano = float(np.mean(binned[active].var(axis=1) / binned[active].mean(axis=1))) if active.any() else float("nan")
    return {"rate_Hz": float(step.size / (n * T)), "cv_isi": cv, "silent_fraction": float(np.mean(counts == 0)),
            "fano": fano, "n_spikes": int(step.size)}
