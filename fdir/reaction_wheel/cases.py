"""Known-answer validation cases of the reaction-wheel half of ``fdir`` (gathered by :mod:`fdir.validation`).

Physics of the wheel simulator against closed forms (steady states, thermal network, linearised speed loop,
pyramid distribution, momentum conservation), peephole mathematics against definitions and a peer tool
(scikit-learn), FDIR persistence against its definition, the numpy runtime against the JAX model, and the probe
overhead from the network IR. Expected values are computed here from formulas, never copied.
"""

from __future__ import annotations

import numpy as np

SHEET = "fdir reference sheet"


def _wheel_run(duration_s: float, omega_ref: np.ndarray, dt_sample_s: float = 4.0, initial=None, fric=None):
    from fdir.reaction_wheel.sim.dynamics import integrate
    from fdir.reaction_wheel.sim.params import TelemetryParams

    n1 = int(np.ceil(duration_s)) + 2
    ref = np.broadcast_to(np.asarray(omega_ref, np.float64), (n1, 4))[None].copy()
    tm = TelemetryParams(dt_sample_s=dt_sample_s)
    n = round(duration_s / dt_sample_s) + 1
    f = None if fric is None else np.broadcast_to(np.asarray(fric, np.float64), (1, n, 4)).copy()
    return integrate(ref, n, telemetry=tm, friction_scale=f, initial=initial)


def _steady_current() -> dict:
    from fdir.reaction_wheel.sim.dynamics import steady_state
    from fdir.reaction_wheel.sim.params import WheelParams

    w = WheelParams()
    ref = np.array([200.0, -150.0, 300.0, -250.0])
    st = _wheel_run(600.0, ref, initial={"omega_rad_per_s": ref - 5.0, "x_I_V": 0.0}, fric=2.0)
    exp = steady_state(ref, w, 2.0)["current_A"]
    got = st.current_A[0, -1]
    return {"got": float(np.max(np.abs(got - exp) / np.abs(exp))), "expected": 0.0,
            "details": {"current_A": got.tolist(), "formula_A": exp.tolist()}}


def _steady_speed() -> float:
    ref = np.array([200.0, -150.0, 300.0, -250.0])
    st = _wheel_run(600.0, ref, initial={"omega_rad_per_s": ref - 5.0, "x_I_V": 0.0})
    return float(np.max(np.abs(st.omega_rad_per_s[0, -1] - ref)))


def _thermal_transient() -> float:
    """T_w, T_h from T_env at constant speed vs the matrix exponential of the two-node network."""
    from scipy.linalg import expm

    from fdir.reaction_wheel.sim.dynamics import steady_state
    from fdir.reaction_wheel.sim.params import WheelParams

    w = WheelParams()
    ref = np.array([200.0, -150.0, 300.0, -250.0])
    st = _wheel_run(8000.0, ref, dt_sample_s=40.0, initial={"T_w_K": w.T_env_K, "T_h_K": w.T_env_K})
    ss = steady_state(ref, w)
    A = np.array([[-1 / (w.C_w_J_per_K * w.R_wh_K_per_W), 1 / (w.C_w_J_per_K * w.R_wh_K_per_W)],
                  [1 / (w.C_h_J_per_K * w.R_wh_K_per_W),
                   -1 / (w.C_h_J_per_K * w.R_wh_K_per_W) - 1 / (w.C_h_J_per_K * w.R_ha_K_per_W)]])
    err = 0.0
    for j in range(4):
        pj = w.R_ohm * ss["current_A"][j] ** 2
        pf = abs(ss["tau_f_Nm"][j] * ref[j])
        u = np.array([pj / w.C_w_J_per_K, (pf + w.T_env_K / w.R_ha_K_per_W) / w.C_h_J_per_K])
        x_inf = -np.linalg.solve(A, u)
        x0 = np.array([w.T_env_K, w.T_env_K])
        for k, t in enumerate(st.t_s):
            x = x_inf + expm(A * t) @ (x0 - x_inf)
            err = max(err, abs(st.T_w_K[0, k, j] - x[0]), abs(st.T_h_K[0, k, j] - x[1]))
    return err


def _thermal_steady() -> dict:
    from fdir.reaction_wheel.sim.dynamics import steady_state
    from fdir.reaction_wheel.sim.params import WheelParams

    w = WheelParams()
    ref = np.array([200.0, -150.0, 300.0, -250.0])
    st = _wheel_run(40000.0, ref, dt_sample_s=400.0, initial={"T_w_K": w.T_env_K, "T_h_K": w.T_env_K}, fric=3.0)
    exp = steady_state(ref, w, 3.0)
    rise = exp["T_h_K"] - w.T_env_K
    got = st.T_h_K[0, -1] - w.T_env_K
    return {"got": float(np.max(np.abs(got - rise) / rise)), "expected": 0.0,
            "details": {"T_h_rise_K": got.tolist(), "formula_K": rise.tolist()}}


def _loop_response() -> float:
    """ω after a 2 rad/s reference ramp (1 s) vs the closed-loop transfer function b(K_p s + K_i)/(s² + (a + b
    K_p)s + b K_i), a = (k_t k_e/R + c_v)/J, b = k_t/(R J) (scipy.signal.lsim, first-order hold)."""
    from scipy import signal

    from fdir.reaction_wheel.sim.params import WheelParams

    w = WheelParams()
    base = 200.0
    n1 = 42
    ref = np.full((n1, 4), base)
    ref[2:] += 2.0  # 1-s grid: ramp from t = 1 s to t = 2 s
    from fdir.reaction_wheel.sim.dynamics import integrate
    from fdir.reaction_wheel.sim.params import TelemetryParams

    st = integrate(ref[None], 81, telemetry=TelemetryParams(dt_sample_s=0.5))
    a = (w.k_t_Nm_per_A * w.k_e_V_s_per_rad / w.R_ohm + w.c_v_Nm_s_per_rad) / w.J_kg_m2
    b = w.k_t_Nm_per_A / (w.R_ohm * w.J_kg_m2)
    sys = signal.lti([b * w.K_p_V_s_per_rad, b * w.K_i_V_per_rad], [1.0, a + b * w.K_p_V_s_per_rad,
                                                                      b * w.K_i_V_per_rad])
    t = np.linspace(0.0, 40.0, 4001)
    u = np.interp(t, np.arange(n1), ref[:, 0] - base)
    _, y, _ = signal.lsim(sys, u, t)
    y_s = np.interp(st.t_s, t, y)
    return float(np.max(np.abs((st.omega_rad_per_s[0, :, 0] - base) - y_s)) / 2.0)


def _pyramid() -> float:
    from fdir.reaction_wheel.sim.params import ManeuverParams
    from fdir.reaction_wheel.sim.pyramid import distribution_matrix, null_vector, pseudo_inverse

    A = distribution_matrix(ManeuverParams().pyramid_elevation_rad)
    err = max(np.max(np.abs(A @ pseudo_inverse(A) - np.eye(3))), np.max(np.abs(A @ null_vector())))
    for off in range(4):  # three-wheel configurations keep three-axis control
        act = np.ones(4, bool)
        act[off] = False
        err = max(err, np.max(np.abs(A @ pseudo_inverse(A, act) - np.eye(3))))
    return float(err)


def _momentum_conservation() -> float:
    """max |H_b + A J ω − (A J ω)(0) − ∫τ_ext| / max |A J (ω − ω(0))| over a 2-h episode with slews, dumps and
    disturbances (internal motor and friction torques cancel)."""
    from fdir.reaction_wheel.sim.params import WheelParams
    from fdir.reaction_wheel.sim.simulate import simulate

    w = WheelParams()
    tel = simulate(7200.0, [7], maneuver=None)
    prof, st = tel.profile, tel.states
    hw = st.omega_rad_per_s[0] * w.J_kg_m2 @ prof.A.T
    text = prof.tau_ext_Nm[0]
    cum = np.concatenate([np.zeros((1, 3)), np.cumsum(0.5 * (text[1:] + text[:-1]), axis=0)])
    ext = cum[np.round(st.t_s).astype(int)]
    resid = st.H_body_Nms[0] + hw - hw[0] - ext
    return float(np.max(np.abs(resid)) / np.max(np.abs(hw - hw[0])))


def _distribution_tracking() -> float:
    """A J (ω_ref − ω_bias n) equals the demanded wheel momentum H_w exactly (minimum-norm distribution)."""
    from fdir.reaction_wheel.sim.maneuvers import make_profile
    from fdir.reaction_wheel.sim.params import ManeuverParams, WheelParams

    w, m = WheelParams(), ManeuverParams()
    prof = make_profile(7200.0, [3, 4], w, m)
    bias = m.omega_bias_rad_per_s * np.array([1.0, -1.0, 1.0, -1.0])
    got = (prof.omega_ref_rad_per_s - bias) * w.J_kg_m2 @ prof.A.T
    return float(np.max(np.abs(got - prof.H_wheels_Nms)))


def _toeplitz() -> float:
    import jax

    from fdir.reaction_wheel.peephole.corevector import unroll

    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 8, 10)).astype(np.float32)
    w = rng.normal(size=(5, 3, 3, 3)).astype(np.float32)
    b = rng.normal(size=5).astype(np.float32)
    M, bias = unroll({"op": "conv2d", "w": w, "b": b, "stride": [1, 2], "padding": [1, 1]}, x.shape)
    ref = jax.lax.conv_general_dilated(x[None], w, (1, 2), ((1, 1), (1, 1)),
                                       dimension_numbers=("NCHW", "OIHW", "NCHW"))[0] + b[:, None, None]
    return float(np.max(np.abs(M @ x.reshape(-1).astype(np.float64) + bias - np.asarray(ref).reshape(-1))))


def _kappa_clip() -> dict:
    from fdir.reaction_wheel.peephole.corevector import fit_corevector_map

    rng = np.random.default_rng(1)
    w = rng.normal(size=(300, 64))
    b = rng.normal(size=64)
    cvm = fit_corevector_map("dense", {"op": "dense", "w": w, "b": b}, (300,), 100)
    rank = np.linalg.matrix_rank(np.concatenate([w.T, b[:, None]], axis=1))
    return {"got": float(cvm.kappa), "expected": float(min(100, rank))}


def _gmm_vs_sklearn() -> float:
    from sklearn.mixture import GaussianMixture

    from fdir.reaction_wheel.peephole.corevector import CoreVectorMap
    from fdir.reaction_wheel.peephole.probe import fit_probe

    rng = np.random.default_rng(2)
    cv = np.concatenate([rng.normal(0, 1, (300, 6)), rng.normal(3, 0.5, (300, 6))])
    labels = {"c": (np.arange(600) >= 300).astype(int)}
    cvm = CoreVectorMap("x", np.eye(6, 7), np.ones(6), 6, 6, (6,))
    probe = fit_probe(cvm, cv, labels, {"c": ("a", "b")}, n_components=4, seed=0)
    z = (cv - probe.cv_mean) / probe.cv_std
    gm = GaussianMixture(4, covariance_type="diag")  # the peer evaluates the probe's fitted parameters
    gm.weights_, gm.means_, gm.covariances_ = probe.weights, probe.means, probe.variances
    gm.precisions_cholesky_ = 1.0 / np.sqrt(probe.variances)
    return float(max(np.max(np.abs(probe.log_likelihood(cv) - gm.score_samples(z))),
                     np.max(np.abs(probe.responsibilities(cv) - gm.predict_proba(z)))))


def _ece_example() -> dict:
    """4 predictions, 10 bins: confidences 0.9, 0.6, 0.8, 0.55 with correctness 1, 0, 1, 1."""
    from fdir.reaction_wheel.peephole.calibration import ece

    p = np.array([[0.9, 0.1], [0.6, 0.4], [0.8, 0.2], [0.55, 0.45]])
    y = np.array([0, 1, 0, 0])
    conf = p.max(1)
    corr = (p.argmax(1) == y).astype(float)
    bins = np.clip(np.ceil(conf * 10).astype(int) - 1, 0, 9)
    exp = sum(np.sum(bins == k) / 4 * abs(corr[bins == k].mean() - conf[bins == k].mean())
              for k in np.unique(bins))
    return {"got": ece(p, y, n_bins=10), "expected": float(exp)}


def _temperature_recovery() -> dict:
    """Labels drawn from softmax(l) while the model reports softmax(l·T_true): the fit recovers T_true."""
    from fdir.reaction_wheel.peephole.calibration import fit_temperature

    rng = np.random.default_rng(3)
    T_true = 2.0
    logits = rng.normal(0, 2.0, size=(20000, 5))
    q = np.exp(logits - logits.max(1, keepdims=True))
    q /= q.sum(1, keepdims=True)
    y = (rng.random(20000)[:, None] > np.cumsum(q, 1)).sum(1)
    rep = np.exp(T_true * (logits - logits.max(1, keepdims=True)))
    rep /= rep.sum(1, keepdims=True)
    return {"got": fit_temperature(rep, y), "expected": T_true}


def _persistence() -> dict:
    from fdir.reaction_wheel.logic import Persistence

    flags = [1, 0, 1, 1, 0]
    p = Persistence(3, 5)
    got = next(i for i, f in enumerate(flags) if p.push(bool(f)))
    exp = next(i for i in range(len(flags)) if sum(flags[max(0, i - 4): i + 1]) >= 3)
    return {"got": float(got), "expected": float(exp)}


def _runtime_vs_jax() -> float:
    from fdir.detectors.cae import CAEConfig, CAEModel, init
    from fdir.runtime import from_arrays

    cfg = CAEConfig(c1=8, c2=16, latent=32)
    params, state = init(cfg, seed=4)
    rng = np.random.default_rng(4)
    for k in state:  # non-trivial BatchNorm statistics
        state[k] = (rng.uniform(0.5, 1.5, state[k].shape) if k.endswith("var")
                    else rng.normal(0, 0.3, state[k].shape)).astype(np.float32)
    model = CAEModel(cfg, params, state, mean=np.zeros(16, np.float32), std=np.ones(16, np.float32), threshold=1.0)
    xw = rng.normal(size=(6, 16, 16)).astype(np.float32)
    ref = model.score(xw)
    out = from_arrays(*model.export_layers()).run_windows(xw)
    return float(np.max(np.abs(out["score"] - ref) / ref))


def _overhead(which: str) -> dict:
    from fdir.detectors.cae import workload
    from fdir.reaction_wheel.peephole.overhead import overhead, probe_workload
    from fdir.reaction_wheel.peephole.study import RWStudyConfig
    from fdir.reaction_wheel.sim.dataset import CONCEPTS

    cfg = RWStudyConfig()
    kappa = min(cfg.kappa, cfg.cae.latent + 1)  # dec.linear: rank of [W | b] = latent + 1
    ov = overhead(workload(cfg.cae), probe_workload(cfg.cae.latent, kappa, cfg.n_components,
                                                     sum(len(c) for c in CONCEPTS.values()),
                                                     n_residual=cfg.cae.n_channels if cfg.residual else 0,
                                                     window=cfg.cae.window))
    return {"got": ov[f"{which}_ratio"], "details": ov}


def cases() -> list[dict]:
    return [
        {"case": "RW steady-state current = friction torque / k_t", "compute": _steady_current, "expected": 0.0,
         "tolerance": 1e-6, "mode": "abs", "unit": "relative",
         "source": f"{SHEET} §7: J dω/dt = k_t i − τ_f → i = (c_C tanh(ω/ω_ε) + c_v ω)/k_t at steady speed"},
        {"case": "RW speed loop settles on the reference (PI integral action)", "compute": _steady_speed,
         "expected": 0.0, "tolerance": 1e-6, "mode": "abs", "unit": "rad/s",
         "source": "PI loop with integral action: zero steady-state error (Åström & Murray, Feedback Systems §11)"},
        {"case": "RW two-node thermal transient vs matrix exponential", "compute": _thermal_transient,
         "expected": 0.0, "tolerance": 1e-6, "mode": "abs", "unit": "K",
         "source": f"{SHEET} §7 thermal model, linear ODE solved with scipy.linalg.expm"},
        {"case": "RW housing temperature rise at steady state (3x friction)", "compute": _thermal_steady,
         "expected": 0.0, "tolerance": 1e-5, "mode": "abs", "unit": "relative",
         "source": f"{SHEET} §7: T_h − T_env = R_ha (R i² + |τ_f ω|)"},
        {"case": "RW speed-loop response vs closed-loop transfer function", "compute": _loop_response,
         "expected": 0.0, "tolerance": 1e-3, "mode": "abs", "unit": "fraction of the step",
         "source": "linearised wheel + PI: b(K_p s + K_i)/(s² + (a + bK_p)s + bK_i), scipy.signal.lsim"},
        {"case": "Pyramid distribution: A A⁺ = I (4 and 3 wheels), A n = 0", "compute": _pyramid,
         "expected": 0.0, "tolerance": 1e-12, "mode": "abs", "unit": "",
         "source": "Markley & Crassidis 2014 §7.2 (minimum-norm distribution, null space of the pyramid)"},
        {"case": "RWA angular momentum conservation (internal torques)", "compute": _momentum_conservation,
         "expected": 0.0, "tolerance": 1e-9, "mode": "abs", "unit": "relative",
         "source": "H_body + A J ω changes only by ∫ τ_ext (Euler's law; motor and bearing torques internal)"},
        {"case": "Wheel momentum references carry the demanded body momentum", "compute": _distribution_tracking,
         "expected": 0.0, "tolerance": 1e-12, "mode": "abs", "unit": "N·m·s",
         "source": "A J (ω_ref − ω_bias n) = H_w with A n = 0 (pyramid null-space bias)"},
        {"case": "Toeplitz unrolling of conv2d equals the convolution", "compute": _toeplitz, "expected": 0.0,
         "tolerance": 1e-4, "mode": "abs", "unit": "",
         "source": "peephole conv2d_toeplitz_svd (SSIGPRO/peepholelib); peer: jax.lax.conv_general_dilated"},
        {"case": "Corevector kappa clipped to the rank of [W | b]", "compute": _kappa_clip, "expected": 64.0,
         "tolerance": 0.0, "mode": "abs", "unit": "",
         "source": f"{SHEET} §14: kappa larger than the layer rank must be clipped (numpy.linalg.matrix_rank)"},
        {"case": "Probe GMM log-likelihood and responsibilities vs scikit-learn", "compute": _gmm_vs_sklearn,
         "expected": 0.0, "tolerance": 1e-8, "mode": "abs", "unit": "nats / probability",
         "source": "sklearn.mixture.GaussianMixture(covariance_type='diag') score_samples / predict_proba"},
        {"case": "Expected calibration error, hand-computed example", "compute": _ece_example, "expected": 0.0,
         "tolerance": 1e-12, "mode": "abs", "unit": "",
         "source": "ECE = Σ_b n_b/n |acc_b − conf_b| (Guo et al. 2017, arXiv:1706.04599)"},
        {"case": "Temperature scaling recovers a known temperature", "compute": _temperature_recovery,
         "expected": 2.0, "tolerance": 0.05, "mode": "rel", "unit": "",
         "source": "temperature scaling by NLL minimisation (Guo et al. 2017 §4.2), 20,000 synthetic labels"},
        {"case": "FDIR N-of-M persistence: flags 1,0,1,1,0 with N=3, M=5", "compute": _persistence,
         "expected": 3.0, "tolerance": 0.0, "mode": "abs", "unit": "window index",
         "source": f"{SHEET} §10: alarm at the 4th flag"},
        {"case": "Numpy runtime (float32) reproduces the JAX CAE score", "compute": _runtime_vs_jax,
         "expected": 0.0, "tolerance": 1e-4, "mode": "abs", "unit": "relative",
         "source": "fdir.runtime FORMAT.md vs fdir.detectors.cae (JAX), BatchNorm folded"},
        {"case": "Peephole compute overhead of the default probe (IR MACs)", "compute": lambda: _overhead("compute"),
         "expected": 0.05, "tolerance": 0.0, "mode": "le", "unit": "ratio",
         "source": "issue 6 gate <= 5 %; hwsim.ir.dense_macs of probe / CAE (reference sheet §11)"},
        {"case": "Peephole memory overhead of the default probe (IR parameters)",
         "compute": lambda: _overhead("memory"),
         "expected": 0.10, "tolerance": 0.0, "mode": "le", "unit": "ratio",
         "source": "issue 6 gate <= 10 %; hwsim.ir.parameter_count of probe / CAE (reference sheet §11)"},
    ]
