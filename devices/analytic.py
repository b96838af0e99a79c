"""Closed-form and quadrature results of macrospin physics, used as known answers by the validation cases and as
design formulas (barrier, relaxation time, critical current) by the neuron and the presets. SI units.

Sources are given per function.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate

from devices import constants as C
from devices._check import real, real_array

__all__ = [
    "barrier_J",
    "boltzmann_moments_diagonal",
    "boltzmann_mz2_uniaxial",
    "brown_asymptotic_mfpt_s",
    "energy_density_J_per_m3",
    "julliere_polarisation",
    "kittel_frequency_Hz",
    "neel_brown_mfpt_s",
    "neel_time_s",
    "relaxation_time_s",
    "stoner_wohlfarth_h_sw",
    "sun_critical_current_A_per_m2",
    "sun_critical_current_biaxial_A_per_m2",
    "transverse_stiffness_T",
]


def _demag3(demag) -> tuple[float, float, float]:
    N = real_array("demag", demag, 0.0, 1.0)
    if N.shape != (3,):
        raise ValueError(f"demag must have 3 diagonal factors, got shape {N.shape}")
    return float(N[0]), float(N[1]), float(N[2])


def _Ms(v) -> float:
    return real("Ms_A_per_m", v, 0.0, 1e7, lo_open=True, unit="A/m")


def _gamma(v) -> float:
    return real("gamma_rad_per_s_T", v, 0.0, 1e13, lo_open=True, unit="rad/(s·T)")


def _alpha(v) -> float:
    return real("alpha", v, 0.0, 10.0, unit="")


def energy_density_J_per_m3(m, Ms_A_per_m, demag, K_u_J_per_m3=0.0, easy_axis=(0, 0, 1), B_app_T=(0, 0, 0)):
    """Magnetic energy density e(m) [J/m³] of a macrospin, shape (..., ) for m of shape (..., 3).

    e = −Ms m·B_app + K_u (1 − (m·u)²) + ½ μ0 Ms² m·N m (devices.md §1; Zeeman, uniaxial, demag).
    """
    m = real_array("m", m)
    Ms_A_per_m = real_array("Ms_A_per_m", Ms_A_per_m, 0.0, 1e7, unit="A/m")
    K_u_J_per_m3 = real_array("K_u_J_per_m3", K_u_J_per_m3, unit="J/m³")
    u = real_array("easy_axis", easy_axis)
    if u.shape != (3,) or np.linalg.norm(u) == 0:
        raise ValueError(f"easy_axis must be a non-zero 3-vector, got {easy_axis!r}")
    u = u / np.linalg.norm(u)
    N = _demag3(demag)
    B = real_array("B_app_T", B_app_T, unit="T")
    if m.shape[-1:] != (3,) or B.shape != (3,):
        raise ValueError(f"m must have shape (..., 3) and B_app_T shape (3,), got {m.shape} and {B.shape}")
    mu = m @ u
    return (-Ms_A_per_m * (m @ B) + K_u_J_per_m3 * (1.0 - mu**2)
            + 0.5 * C.MU0_T_M_PER_A * Ms_A_per_m**2 * np.sum(N * m * m, axis=-1))


def kittel_frequency_Hz(Ms_A_per_m: float, demag, B_z_T: float, gamma_rad_per_s_T: float = C.GAMMA_E_RAD_PER_S_T
                        ) -> float:
    """Uniform-mode (Kittel) FMR frequency of an ellipsoid magnetised along z by a field B_z along z.

    f = (γ/2π) √((B + μ0 Ms (N_x − N_z)) (B + μ0 Ms (N_y − N_z))) (C. Kittel, Phys. Rev. 73, 155 (1948),
    doi:10.1103/PhysRev.73.155). Raises ValueError if the z state is not a stable equilibrium (a stiffness ≤ 0).
    """
    Nx, Ny, Nz = _demag3(demag)
    Ms_A_per_m = _Ms(Ms_A_per_m)
    B_z_T = real("B_z_T", B_z_T, unit="T")
    gamma_rad_per_s_T = _gamma(gamma_rad_per_s_T)
    bm = C.MU0_T_M_PER_A * Ms_A_per_m
    a, b = B_z_T + bm * (Nx - Nz), B_z_T + bm * (Ny - Nz)
    r = a * b
    if a <= 0 or b <= 0:
        raise ValueError("the magnetisation along z is not a stable equilibrium for these demag factors and B_z_T")
    return gamma_rad_per_s_T / (2 * math.pi) * math.sqrt(r)


def stoner_wohlfarth_h_sw(psi_rad) -> np.ndarray:
    """Reduced switching field h_sw = B_sw/B_K = (cos^{2/3}ψ + sin^{2/3}ψ)^{−3/2} at angle ψ to the easy axis.

    E. C. Stoner & E. P. Wohlfarth, Phil. Trans. R. Soc. A 240, 599 (1948), doi:10.1098/rsta.1948.0007.
    """
    psi = np.abs(real_array("psi_rad", psi_rad, unit="rad"))
    c, s = np.abs(np.cos(psi)), np.abs(np.sin(psi))
    return (c ** (2 / 3) + s ** (2 / 3)) ** -1.5


def sun_critical_current_A_per_m2(alpha: float, Ms_A_per_m: float, t_F_m: float, B_K_T: float, eta: float) -> float:
    """Zero-temperature STT instability threshold of a uniaxial macrospin (no demag), p antiparallel to m.

    J_c = 2 e α Ms t_F B_K / (ħ η) (J. Z. Sun, Phys. Rev. B 62, 570 (2000), doi:10.1103/PhysRevB.62.570).
    Raises ValueError naming a non-finite or out-of-range argument.
    """
    alpha, Ms_A_per_m, t_F_m = _alpha(alpha), _Ms(Ms_A_per_m), real("t_F_m", t_F_m, 0.0, 1e-4, lo_open=True, unit="m")
    B_K_T, eta = real("B_K_T", B_K_T, unit="T"), real("eta", eta, 0.0, 10.0, lo_open=True)
    return 2.0 * C.E_CHARGE_C * alpha * Ms_A_per_m * t_F_m * B_K_T / (C.HBAR_J_S * eta)


def transverse_stiffness_T(Ms_A_per_m: float, demag, K_u_J_per_m3: float, axis: int) -> tuple[float, float]:
    """Stiffness fields (B_a, B_b) [T] for small tilts away from the coordinate easy axis ``axis`` (0, 1, 2):
    B_i = μ0 Ms (N_i − N_axis) + 2K_u/Ms for the two other axes i (uniaxial anisotropy along ``axis``)."""
    N = list(_demag3(demag))
    Ms_A_per_m = _Ms(Ms_A_per_m)
    if axis not in (0, 1, 2):
        raise ValueError(f"axis must be 0, 1 or 2, got {axis!r}")
    bk = 2.0 * real("K_u_J_per_m3", K_u_J_per_m3, unit="J/m³") / Ms_A_per_m
    others = [i for i in range(3) if i != axis]
    return tuple(C.MU0_T_M_PER_A * Ms_A_per_m * (N[i] - N[axis]) + bk for i in others)  # type: ignore[return-value]


def sun_critical_current_biaxial_A_per_m2(alpha: float, Ms_A_per_m: float, t_F_m: float, B_a_T: float, B_b_T: float,
                                          eta: float) -> float:
    """J_c0 = 2 e α Ms t_F (B_a + B_b)/2 / (ħ η) for transverse stiffness fields B_a, B_b (Sun, PRB 62, 570
    (2000); the in-plane case B_b = B_K + μ0Ms(N_z − N_x) gives the familiar H_K + 2πM_s form)."""
    B_a_T, B_b_T = real("B_a_T", B_a_T, unit="T"), real("B_b_T", B_b_T, unit="T")
    return sun_critical_current_A_per_m2(alpha, Ms_A_per_m, t_F_m, 0.5 * (B_a_T + B_b_T), eta)


def neel_time_s(alpha: float, Ms_A_per_m: float, V_m3: float, T_K: float,
                gamma_rad_per_s_T: float = C.GAMMA_E_RAD_PER_S_T) -> float:
    """τ_N = (1 + α²) Ms V / (2 α γ k_B T) [s] (Brown 1963). Raises ValueError for α, T ≤ 0 or bad values."""
    alpha = real("alpha", alpha, 0.0, 10.0, lo_open=True)
    Ms_A_per_m, gamma_rad_per_s_T = _Ms(Ms_A_per_m), _gamma(gamma_rad_per_s_T)
    V_m3 = real("V_m3", V_m3, 0.0, 1e-12, lo_open=True, unit="m³")
    T_K = real("T_K", T_K, 0.0, 2000.0, lo_open=True, unit="K")
    return (1 + alpha**2) * Ms_A_per_m * V_m3 / (2 * alpha * gamma_rad_per_s_T * C.K_B_J_PER_K * T_K)


def neel_brown_mfpt_s(sigma: float, tau_N_s: float) -> float:
    """Exact mean first-passage time from m_z = 1 to m_z = 0 of a uniaxial macrospin with barrier σ = K V/k_B T.

    τ = 2 τ_N ∫₀¹ dz e^{σ(1−z²)}/(1−z²) ∫_z¹ e^{−σ(1−u²)} du (Fokker–Planck first passage for the axially
    symmetric problem; W. F. Brown, Phys. Rev. 130, 1677 (1963); W. T. Coffey & Y. P. Kalmykov, J. Appl. Phys.
    112, 121301 (2012), doi:10.1063/1.4754272). Evaluated by adaptive quadrature (≥ 8 digits).
    """
    sigma = real("sigma", sigma, 0.0, 200.0, lo_open=True)
    tau_N_s = real("tau_N_s", tau_N_s, 0.0, lo_open=True, unit="s")

    def inner(z):  # ∫_z^1 e^{−σ(1−u²)} du, smooth
        return integrate.quad(lambda u: math.exp(-sigma * (1 - u * u)), z, 1.0, epsabs=0, epsrel=1e-12)[0]

    def outer(z):
        # e^{σ(1−z²)}/(1−z²) · inner(z); near z = 1, inner ≈ (1−z) so the integrand stays finite
        one_m = (1 - z) * (1 + z)
        return math.exp(sigma * one_m) * inner(z) / one_m if one_m > 0 else 0.5

    val = integrate.quad(outer, 0.0, 1.0, epsabs=0, epsrel=1e-10, limit=200)[0]
    return 2.0 * tau_N_s * val


def brown_asymptotic_mfpt_s(sigma: float, tau_N_s: float) -> float:
    """Brown's high-barrier asymptote τ ≈ τ_N (√π/2) σ^{−3/2} e^σ (15–35 % off at σ = 3–8; for comparison only)."""
    sigma = real("sigma", sigma, 0.0, 200.0, lo_open=True)
    tau_N_s = real("tau_N_s", tau_N_s, 0.0, lo_open=True, unit="s")
    return tau_N_s * math.sqrt(math.pi) / 2 * sigma**-1.5 * math.exp(sigma)


def boltzmann_mz2_uniaxial(sigma: float) -> float:
    """⟨m_z²⟩ in equilibrium for e = −σ k_BT m_z²: ∫z² e^{σz²} dz / ∫e^{σz²} dz over [−1, 1] (σ in [−200, 200])."""
    sigma = real("sigma", sigma, -200.0, 200.0)
    num = integrate.quad(lambda z: z * z * math.exp(sigma * (z * z - 1)), 0, 1, epsrel=1e-12)[0]
    den = integrate.quad(lambda z: math.exp(sigma * (z * z - 1)), 0, 1, epsrel=1e-12)[0]
    return num / den


def boltzmann_moments_diagonal(stiffness_J: tuple[float, float, float], T_K: float, n_theta: int = 200,
                               n_phi: int = 200) -> tuple[float, float, float]:
    """⟨m_x²⟩, ⟨m_y²⟩, ⟨m_z²⟩ for E(m) = Σ_i k_i m_i² (k_i [J], e.g. ½ μ0 Ms² V N_i − K V u_i²) at T_K.

    2-D Gauss–Legendre quadrature over the sphere (cos θ, φ), ample for smooth Boltzmann weights; the
    quadrature is refined until stable to 1e-8 relative.
    """
    k = real_array("stiffness_J", stiffness_J, unit="J")
    if k.shape != (3,):
        raise ValueError(f"stiffness_J must have 3 entries, got shape {k.shape}")
    k = k / (C.K_B_J_PER_K * real("T_K", T_K, 0.0, 2000.0, lo_open=True, unit="K"))
    k = k - k.min()

    def moments(nt, nph):
        x, wx = np.polynomial.legendre.leggauss(nt)  # x = cos θ ∈ [−1, 1]
        ph, wp = np.polynomial.legendre.leggauss(nph)
        phi = np.pi * (ph + 1.0)
        wphi = np.pi * wp
        st = np.sqrt(1 - x * x)
        mx = st[:, None] * np.cos(phi)[None, :]
        my = st[:, None] * np.sin(phi)[None, :]
        mz = np.broadcast_to(x[:, None], mx.shape)
        w = np.exp(-(k[0] * mx**2 + k[1] * my**2 + k[2] * mz**2)) * wx[:, None] * wphi[None, :]
        Z = w.sum()
        return np.array([(w * mx**2).sum() / Z, (w * my**2).sum() / Z, (w * mz**2).sum() / Z])

    a = moments(n_theta, n_phi)
    b = moments(2 * n_theta, 2 * n_phi)
    if np.max(np.abs(a - b) / np.maximum(b, 1e-300)) > 1e-8:
        raise RuntimeError("Boltzmann quadrature did not converge; increase n_theta/n_phi")
    return float(b[0]), float(b[1]), float(b[2])


def relaxation_time_s(alpha: float, B_x_T: float, B_y_T: float, gamma_rad_per_s_T: float = C.GAMMA_E_RAD_PER_S_T
                      ) -> float:
    """Small-tilt relaxation time of a macrospin about its easy axis z with transverse stiffness fields B_x, B_y.

    Linearised LLG: the transverse motion has eigenvalues with real part −αγ(B_x + B_y)/(2(1+α²)), so the
    envelope decays as e^{−t/τ} with τ = 2(1+α²)/(α γ (B_x + B_y)) (devices.md §2). For the shape-anisotropy
    device B_x = μ0 Ms (N_x − N_z), B_y = μ0 Ms (N_y − N_z). Raises ValueError unless α > 0 and B_x + B_y > 0.
    """
    alpha, gamma_rad_per_s_T = real("alpha", alpha, 0.0, 10.0, lo_open=True), _gamma(gamma_rad_per_s_T)
    B_x_T, B_y_T = real("B_x_T", B_x_T, unit="T"), real("B_y_T", B_y_T, unit="T")
    if not B_x_T + B_y_T > 0:
        raise ValueError(f"B_x_T + B_y_T must be > 0 T (a stable easy axis), got {B_x_T + B_y_T!r}")
    return 2 * (1 + alpha**2) / (alpha * gamma_rad_per_s_T * (B_x_T + B_y_T))


def barrier_J(Ms_A_per_m: float, V_m3: float, N_hard: float, N_easy: float, K_u_J_per_m3: float = 0.0) -> float:
    """Energy barrier between easy axis and a second axis: ΔE = (½ μ0 Ms² (N_hard − N_easy) + K_u) V [J]."""
    Ms_A_per_m, V_m3 = _Ms(Ms_A_per_m), real("V_m3", V_m3, 0.0, 1e-12, lo_open=True, unit="m³")
    N_hard, N_easy = real("N_hard", N_hard, 0.0, 1.0), real("N_easy", N_easy, 0.0, 1.0)
    K_u_J_per_m3 = real("K_u_J_per_m3", K_u_J_per_m3, unit="J/m³")
    return (0.5 * C.MU0_T_M_PER_A * Ms_A_per_m**2 * (N_hard - N_easy) + K_u_J_per_m3) * V_m3


def julliere_polarisation(TMR: float) -> float:
    """Spin polarisation P from TMR = 2P²/(1 − P²) (M. Jullière, Phys. Lett. A 54, 225 (1975)): P = √(TMR/(2+TMR))."""
    TMR = real("TMR", TMR, 0.0, 100.0)
    return math.sqrt(TMR / (2.0 + TMR))

