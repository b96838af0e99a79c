"""Reaction-wheel assembly dynamics: RK4 integration of four wheels under a PI speed loop (Numba kernel).

The model equations are in :mod:`fdir.reaction_wheel.sim.params`. Per wheel the state is (ω [rad/s], x_I [V], T_w [K],
T_h [K]); the body momentum H_b [N·m·s] (3,) is integrated alongside, dH_b/dt = τ_ext − A (τ_m − τ_f), so that
H_b + A J ω − ∫ τ_ext dt is conserved (motor and bearing friction torques are internal to the spacecraft).
Speed references come on a 1-s grid (linear interpolation inside the step); the friction scale of each wheel
is constant over each telemetry interval. Episodes start in the steady state of their initial reference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from fdir.reaction_wheel.sim.params import TelemetryParams, WheelParams

__all__ = ["WheelStates", "integrate", "steady_state"]


@dataclass(frozen=True)
class WheelStates:
    """True (noise-free) wheel quantities at the telemetry instants t_k = k·dt_sample, k = 0..n−1.

    ``omega_rad_per_s``, ``current_A``, ``voltage_V``, ``T_w_K``, ``T_h_K``, ``tau_f_Nm`` (B, n, 4);
    ``H_body_Nms`` (B, n, 3) body angular momentum (body frame, zero at t = 0); ``t_s`` (n,).
    """

    t_s: np.ndarray
    omega_rad_per_s: np.ndarray
    current_A: np.ndarray
    voltage_V: np.ndarray
    T_w_K: np.ndarray
    T_h_K: np.ndarray
    tau_f_Nm: np.ndarray
    H_body_Nms: np.ndarray


def _pvec(w: WheelParams) -> np.ndarray:
    return np.array([w.J_kg_m2, w.k_t_Nm_per_A, w.R_ohm, w.i_max_A, w.V_max_V, w.c_C_Nm, w.c_v_Nm_s_per_rad,
                     w.omega_eps_rad_per_s, w.C_w_J_per_K, w.C_h_J_per_K, w.R_wh_K_per_W, w.R_ha_K_per_W,
                     w.T_env_K, w.K_p_V_s_per_rad, w.K_i_V_per_rad, w.T_t_s], dtype=np.float64)


def steady_state(omega_rad_per_s: np.ndarray, wheel: WheelParams | None = None,
                 friction_scale: np.ndarray | float = 1.0) -> dict[str, np.ndarray]:
    """Closed-form steady state of a wheel held at constant speed ω (any shape).

    τ_f = f (c_C tanh(ω/ω_ε) + c_v ω); i = τ_f / k_t; V = R i + k_e ω; x_I = V (zero error);
    T_h = T_env + R_ha (R i² + |τ_f ω|); T_w = T_h + R_wh R i². Valid while |i| < i_max and |V| < V_max.
    Returns a dict with keys ``tau_f_Nm, current_A, voltage_V, T_w_K, T_h_K``.
    """
    w = wheel or WheelParams()
    om = np.asarray(omega_rad_per_s, dtype=np.float64)
    tau_f = np.asarray(friction_scale) * (w.c_C_Nm * np.tanh(om / w.omega_eps_rad_per_s) + w.c_v_Nm_s_per_rad * om)
    i = tau_f / w.k_t_Nm_per_A
    V = w.R_ohm * i + w.k_e_V_s_per_rad * om
    pj = w.R_ohm * i**2
    T_h = w.T_env_K + w.R_ha_K_per_W * (pj + np.abs(tau_f * om))
    return {"tau_f_Nm": tau_f, "current_A": i, "voltage_V": V, "T_w_K": T_h + w.R_wh_K_per_W * pj, "T_h_K": T_h}


@numba.njit(cache=True, inline="always")
def _wheel_rates(om, xi, Tw, Th, ref, fs, p):
    J, kt, R, imax, Vmax, cC, cv, eps, Cw, Ch, Rwh, Rha, Tenv, Kp, Ki, Tt = (
        p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15])
    e = ref - om
    u = Kp * e + xi
    V = min(max(u, -Vmax), Vmax)
    i = min(max((V - kt * om) / R, -imax), imax)
    tau_m = kt * i
    tau_f = fs * (cC * np.tanh(om / eps) + cv * om)
    dom = (tau_m - tau_f) / J
    dxi = Ki * e + (V - u) / Tt
    pj = R * i * i
    q_wh = (Tw - Th) / Rwh
    dTw = (pj - q_wh) / Cw
    dTh = (q_wh + abs(tau_f * om) - (Th - Tenv) / Rha) / Ch
    return dom, dxi, dTw, dTh, tau_m - tau_f, i, V, tau_f


@numba.njit(cache=True)
def _kernel(omega_ref, fric, tau_ext, A, p, x0, substeps, dt):  # pragma: no cover - compiled
    B, n1, nw = omega_ref.shape
    n = fric.shape[1]
    out = np.empty((B, n, 6, nw))  # omega, current, voltage, T_w, T_h, tau_f
    H_out = np.empty((B, n, 3))
    x = np.empty((nw, 4))
    k_om = np.empty((4, nw, 4))
    tau_net = np.empty((4, nw))
    xs = np.empty((nw, 4))
    text = np.empty((4, 3))
    for b in range(B):
        for w in range(nw):
            for j in range(4):
                x[w, j] = x0[b, w, j]
        H = np.zeros(3)
        for k in range(n):
            t_k = k * substeps * dt
            for w in range(nw):
                idx = int(t_k)
                fr = t_k - idx
                if idx >= n1 - 1:
                    idx, fr = n1 - 2, 1.0
                ref = omega_ref[b, idx, w] * (1 - fr) + omega_ref[b, idx + 1, w] * fr
                r = _wheel_rates(x[w, 0], x[w, 1], x[w, 2], x[w, 3], ref, fric[b, k, w], p)
                out[b, k, 0, w] = x[w, 0]
                out[b, k, 1, w] = r[5]
                out[b, k, 2, w] = r[6]
                out[b, k, 3, w] = x[w, 2]
                out[b, k, 4, w] = x[w, 3]
                out[b, k, 5, w] = r[7]
            for a in range(3):
                H_out[b, k, a] = H[a]
            if k == n - 1:
                break
            for s in range(substeps):
                t = t_k + s * dt
                for stage in range(4):
                    ts = t + (0.0 if stage == 0 else (dt if stage == 3 else 0.5 * dt))
                    idx = int(ts)
                    fr = ts - idx
                    if idx >= n1 - 1:
                        idx, fr = n1 - 2, 1.0
                    for a in range(3):
                        text[stage, a] = tau_ext[b, idx, a] * (1 - fr) + tau_ext[b, idx + 1, a] * fr
                    for w in range(nw):
                        for j in range(4):
                            if stage == 0:
                                xs[w, j] = x[w, j]
                            else:
                                h = dt if stage == 3 else 0.5 * dt
                                xs[w, j] = x[w, j] + h * k_om[stage - 1, w, j]
                        ref = omega_ref[b, idx, w] * (1 - fr) + omega_ref[b, idx + 1, w] * fr
                        r = _wheel_rates(xs[w, 0], xs[w, 1], xs[w, 2], xs[w, 3], ref, fric[b, k, w], p)
                        k_om[stage, w, 0] = r[0]
                        k_om[stage, w, 1] = r[1]
                        k_om[stage, w, 2] = r[2]
                        k_om[stage, w, 3] = r[3]
                        tau_net[stage, w] = r[4]
                for w in range(nw):
                    for j in range(4):
                        x[w, j] += dt / 6.0 * (k_om[0, w, j] + 2 * k_om[1, w, j] + 2 * k_om[2, w, j] + k_om[3, w, j])
                for a in range(3):
                    acc = 0.0
                    for stage in range(4):
                        wgt = 1.0 if (stage == 0 or stage == 3) else 2.0
                        body = text[stage, a]
                        for w in range(nw):
                            body -= A[a, w] * tau_net[stage, w]
                        acc += wgt * body
                    H[a] += dt / 6.0 * acc
    return out, H_out


def integrate(omega_ref_rad_per_s: np.ndarray, n_samples: int, wheel: WheelParams | None = None,
              telemetry: TelemetryParams | None = None, friction_scale: np.ndarray | None = None,
              tau_ext_Nm: np.ndarray | None = None, A: np.ndarray | None = None,
              initial: dict[str, np.ndarray] | None = None) -> WheelStates:
    """Integrate B episodes of the four-wheel assembly and return the true states at the telemetry instants.

    Parameters
    ----------
    omega_ref_rad_per_s : (B, n1, 4) speed references on the 1-s grid; must cover (n_samples−1)·dt_sample s.
    n_samples : number of telemetry samples (≥ 1).
    friction_scale : (B, n_samples, 4) friction multiplier f per telemetry interval (default 1).
    tau_ext_Nm : (B, n1, 3) external body torque on the 1-s grid (default 0); only enters ``H_body_Nms``.
    A : (3, 4) distribution matrix mapping wheel torques to the body (default zeros: ``H_body_Nms`` then holds
        only ∫ τ_ext).
    initial : overrides of the initial state, keys ``omega_rad_per_s``, ``x_I_V``, ``T_w_K``, ``T_h_K`` with
        arrays broadcastable to (B, 4) (default: the steady state of the first reference, :func:`steady_state`).

    Raises
    ------
    ValueError
        for inconsistent shapes, a reference grid shorter than the requested duration, or friction scales < 0.
    """
    w = wheel or WheelParams()
    tm = telemetry or TelemetryParams()
    ref = np.ascontiguousarray(omega_ref_rad_per_s, dtype=np.float64)
    if ref.ndim != 3 or ref.shape[2] != 4:
        raise ValueError(f"omega_ref_rad_per_s must have shape (B, n1, 4), got {ref.shape}")
    if not (isinstance(n_samples, int | np.integer) and n_samples >= 1):
        raise ValueError(f"n_samples={n_samples!r} must be an integer >= 1")
    B, n1, _ = ref.shape
    if (n_samples - 1) * tm.dt_sample_s > n1 - 1 + 1e-9 or n1 < 2:
        raise ValueError(f"omega_ref_rad_per_s covers {n1 - 1} s; n_samples={n_samples} needs "
                         f"{(n_samples - 1) * tm.dt_sample_s:g} s")
    fric = np.ones((B, n_samples, 4)) if friction_scale is None else np.ascontiguousarray(friction_scale, np.float64)
    if fric.shape != (B, n_samples, 4):
        raise ValueError(f"friction_scale must have shape {(B, n_samples, 4)}, got {fric.shape}")
    if np.any(~np.isfinite(fric)) or np.any(fric < 0):
        raise ValueError("friction_scale must be finite and >= 0")
    text = np.zeros((B, n1, 3)) if tau_ext_Nm is None else np.ascontiguousarray(tau_ext_Nm, np.float64)
    if text.shape != (B, n1, 3):
        raise ValueError(f"tau_ext_Nm must have shape {(B, n1, 3)}, got {text.shape}")
    Am = np.zeros((3, 4)) if A is None else np.ascontiguousarray(A, np.float64)
    ss = steady_state(ref[:, 0, :], w, fric[:, 0, :])
    x0 = np.stack([ref[:, 0, :], ss["voltage_V"], ss["T_w_K"], ss["T_h_K"]], axis=-1)
    names = ("omega_rad_per_s", "x_I_V", "T_w_K", "T_h_K")
    for key, val in (initial or {}).items():
        if key not in names:
            raise ValueError(f"initial key {key!r} must be one of {names}")
        x0[..., names.index(key)] = np.broadcast_to(np.asarray(val, np.float64), (B, 4))
    out, H = _kernel(ref, fric, text, Am, _pvec(w), np.ascontiguousarray(x0), tm.substeps, tm.dt_int_s)
    return WheelStates(t_s=np.arange(n_samples) * tm.dt_sample_s, omega_rad_per_s=out[:, :, 0],
                       current_A=out[:, :, 1], voltage_V=out[:, :, 2], T_w_K=out[:, :, 3], T_h_K=out[:, :, 4],
                       tau_f_Nm=out[:, :, 5], H_body_Nms=H)
