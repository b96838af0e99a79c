"""Closed forms of the leaky integrate-and-fire neuron under constant input (reference/snn.md section 4).

``tau dv/dt = -(v - El) + R I`` with constant ``R I`` (same unit as v), ``V_inf = El + R I``:

* membrane: ``v(t) = V_inf + (v0 - V_inf) exp(-t/tau)``;
* time to first spike from ``v0 < Vt < V_inf``: ``T = tau ln((V_inf - v0)/(V_inf - Vt))`` (none if V_inf <= Vt;
  rheobase ``R I = Vt - El``);
* f-I curve with refractory period ``t_ref`` and reset ``Vr``: ``f = 1/(t_ref + tau ln((V_inf - Vr)/(V_inf - Vt)))``;
* on the time grid with Brian2's semantics (strict ``v > Vt`` after each exact update):
  ``m* = floor((tau/dt) ln((V_inf - v0)/(V_inf - Vt))) + 1`` updates to cross, first event at step ``m* - 1``
  (time ``(m* - 1) dt``), inter-spike interval ``max(nref - 1, 0) + m*`` steps from ``v0 = Vr``.

Source: Gerstner, Kistler, Naud & Paninski, Neuronal Dynamics (2014), ch. 1.3; Brian2 schedule (Stimberg et al.
2019, doi:10.7554/eLife.47314).
"""

from __future__ import annotations

import math

import numpy as np


def _check_tau(tau_s: float) -> None:
    if not tau_s > 0:
        raise ValueError(f"tau_s={tau_s} must be > 0")


def membrane(t_s: np.ndarray, tau_s: float, v0: float, v_inf: float) -> np.ndarray:
    """``v(t) = V_inf + (v0 - V_inf) exp(-t/tau)`` for times ``t_s`` (s); same shape as t_s."""
    _check_tau(tau_s)
    return v_inf + (v0 - v_inf) * np.exp(-np.asarray(t_s, dtype=np.float64) / tau_s)


def time_to_first_spike(tau_s: float, v0: float, v_th: float, v_inf: float) -> float:
    """``tau ln((V_inf - v0)/(V_inf - Vt))`` in s; ``inf`` when ``V_inf <= Vt``. Raises ValueError if v0 >= Vt."""
    _check_tau(tau_s)
    if v0 >= v_th:
        raise ValueError(f"v0={v0} must be below the threshold v_th={v_th}")
    if v_inf <= v_th:
        return math.inf
    return tau_s * math.log((v_inf - v0) / (v_inf - v_th))


def firing_rate(tau_s: float, v_reset: float, v_th: float, v_inf: float, t_ref_s: float = 0.0) -> float:
    """Continuous f-I curve ``1/(t_ref + tau ln((V_inf - Vr)/(V_inf - Vt)))`` in Hz (0 when ``V_inf <= Vt``)."""
    if v_inf <= v_th:
        return 0.0
    return 1.0 / (t_ref_s + time_to_first_spike(tau_s, v_reset, v_th, v_inf))


def steps_to_cross(tau_s: float, dt_s: float, v0: float, v_th: float, v_inf: float) -> int:
    """``m* = floor((tau/dt) ln((V_inf - v0)/(V_inf - Vt))) + 1`` exact updates to exceed Vt; -1 if never."""
    T = time_to_first_spike(tau_s, v0, v_th, v_inf)
    if math.isinf(T):
        return -1
    return math.floor(T / dt_s) + 1


def grid_first_spike_step(tau_s: float, dt_s: float, v0: float, v_th: float, v_inf: float) -> int:
    """Step of the first event from ``v0`` at step 0 (Brian2 schedule): ``m* - 1``; -1 if never."""
    m = steps_to_cross(tau_s, dt_s, v0, v_th, v_inf)
    return m - 1 if m > 0 else -1


def grid_isi_steps(tau_s: float, dt_s: float, v_reset: float, v_th: float, v_inf: float, nref: int) -> int:
    """Inter-spike interval in steps on the grid: ``max(nref - 1, 0) + m*`` (m* from ``Vr``); -1 if no firing."""
    m = steps_to_cross(tau_s, dt_s, v_reset, v_th, v_inf)
    return max(nref - 1, 0) + m if m > 0 else -1
