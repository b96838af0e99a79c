"""Map hwsim macrospin parameters onto a cmtj junction (the peer used by validation case D8 and the benchmark).

cmtj (LemurPwned/cmtj, PyPI ``cmtj``, GPL-2) is an *oracle only*: it is never imported at module level, the
package works without it, and it is installed with the ``oracles`` extra. Every function imports it on call and
raises :class:`CmtjMissing` (an ImportError) with the install command when it is absent.

Mapping (cmtj 1.15 conventions: fields in A/m, ``Ms`` in tesla (μ0 Ms), LL-form torques; its constants are set to
CODATA values for the duration of a run and restored afterwards):

* ``Ms`` → μ0 Ms [T]; demag tensor → diag(N); anisotropy driver → K_u [J/m³] along u; field driver → B_app/μ0;
  cell surface = V / t_F so that cmtj's cell volume equals V; temperature driver → T.
* cmtj's STT term (classical Slonczewski form with spacer parameter λ = 1, i.e. efficiency P/2) adds
  −γ'·ħJP/(2 e Ms t)·[m×(m×p) − β m×p] to the LL form, without the α cross terms of the Gilbert form. hwsim solves
  the Gilbert form exactly (devices.md §1): damping-like rate γ'(1 + αξ) a_J and field-like rate γ'(ξ − α) a_J on
  m×p. Both are linear in J, so the exact map is P = η (1 + αξ), β = (α − ξ)/(1 + αξ): the two codes then solve
  the same equation and D8 compares trajectories, which pins the sign convention (J > 0 favours parallel).
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from devices import constants as C
from devices.params import MacrospinParams

__all__ = ["CmtjMissing", "cmtj_version", "run_cmtj", "run_cmtj_timed"]


class CmtjMissing(ImportError):
    """cmtj (the ``oracles`` extra) is not installed."""


def _cmtj():
    try:
        import cmtj
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise CmtjMissing("cmtj is not installed: this check needs the peer oracle, install it with "
                          "`pip install hwsim[oracles]` (or `pip install cmtj`)") from exc
    return cmtj


def cmtj_version() -> str:
    """Installed cmtj version (raises :class:`CmtjMissing` when absent)."""
    from importlib.metadata import version

    _cmtj()
    return version("cmtj")


@contextmanager
def _codata_constants():
    from cmtj import constants as cc

    PC = cc.PhysicalConstants
    saved = (PC.magnetic_permeability(), PC.gyromagnetic_ratio(), PC.hbar(), PC.elementary_charge(),
             PC.boltzmann_constant())
    PC.set_magnetic_permeability(C.MU0_T_M_PER_A)
    PC.set_gyromagnetic_ratio(C.GAMMA_E_RAD_PER_S_T * C.MU0_T_M_PER_A)
    PC.set_hbar(C.HBAR_J_S)
    PC.set_elementary_charge(C.E_CHARGE_C)
    PC.set_boltzmann_constant(C.K_B_J_PER_K)
    try:
        yield
    finally:
        PC.set_magnetic_permeability(saved[0])
        PC.set_gyromagnetic_ratio(saved[1])
        PC.set_hbar(saved[2])
        PC.set_elementary_charge(saved[3])
        PC.set_boltzmann_constant(saved[4])


def _junction(p: MacrospinParams, j: int, m0, J_A_per_m2: float, T_K: float, seed: int):
    cmtj = _cmtj()
    CV = cmtj.CVector
    if abs(p.gamma_rad_per_s_T[j] - C.GAMMA_E_RAD_PER_S_T) > 1e-6 * C.GAMMA_E_RAD_PER_S_T:
        raise ValueError("run_cmtj maps only the CODATA electron gyromagnetic ratio")
    if p.P_slonczewski[j] > 0 or p.theta_SH[j] != 0:
        raise ValueError("run_cmtj maps constant-efficiency STT only (P_slonczewski = 0, theta_SH = 0)")
    a, xi, eta = float(p.alpha[j]), float(p.xi[j]), float(p.eta[j])
    Nd = p.demag[j]
    demag = [CV(float(Nd[0]), 0.0, 0.0), CV(0.0, float(Nd[1]), 0.0), CV(0.0, 0.0, float(Nd[2]))]
    m = np.asarray(m0, dtype=float)
    m = m / np.linalg.norm(m)
    u = p.easy_axis[j]
    layer = cmtj.Layer.createSTTLayer(
        "free", CV(*map(float, m)), CV(*map(float, u)), float(C.MU0_T_M_PER_A * p.Ms_A_per_m[j]),
        float(p.t_F_m[j]), float(p.volume_m3[j] / p.t_F_m[j]), demag, damping=a,
        SlonczewskiSpacerLayerParameter=1.0, beta=(a - xi) / (1.0 + a * xi), spinPolarisation=eta * (1.0 + a * xi))
    layer.setReferenceLayer(CV(*map(float, p.polarizer[j])))
    junction = cmtj.Junction([layer])
    junction.setLayerAnisotropyDriver("free", cmtj.constantDriver(float(p.K_u_J_per_m3[j])))
    H = p.B_app_T[j] / C.MU0_T_M_PER_A
    junction.setLayerExternalFieldDriver("free", cmtj.AxialDriver(*(cmtj.constantDriver(float(h)) for h in H)))
    junction.setLayerCurrentDriver("free", cmtj.constantDriver(float(J_A_per_m2)))
    if T_K > 0:
        junction.setLayerTemperatureDriver("free", cmtj.constantDriver(float(T_K)))
        junction.setLayerSeed("free", int(seed))
    return cmtj, junction


def run_cmtj(p: MacrospinParams, j: int, m0, J_A_per_m2: float, dt_s: float, t_end_s: float, *,
             write_every_s: float | None = None, T_K: float = 0.0, solver: str = "RK4", seed: int = 0
             ) -> tuple[np.ndarray, np.ndarray]:
    """Run junction ``j`` of ``p`` in cmtj with a constant STT current density; return (t_s, m (n, 3)).

    ``solver``: cmtj SolverMode name ("RK4", "Heun", "EulerHeun"); at T > 0 use "Heun" (stochastic Heun).
    Raises :class:`CmtjMissing` without cmtj, ValueError for parameters the map does not cover.
    """
    with _codata_constants():
        cmtj, junction = _junction(p, j, m0, J_A_per_m2, T_K, seed)
        mode = getattr(cmtj.SolverMode, solver)
        junction.runSimulation(float(t_end_s), float(dt_s), float(write_every_s or dt_s), solverMode=mode)
        log = junction.getLog()
    t = np.asarray(log["time"])
    m = np.stack([np.asarray(log["free_mx"]), np.asarray(log["free_my"]), np.asarray(log["free_mz"])], axis=1)
    return t, m


def run_cmtj_timed(p: MacrospinParams, j: int, m0, J_A_per_m2: float, dt_s: float, t_end_s: float, *,
                   n_runs: int, T_K: float = 0.0, solver: str = "Heun", seed0: int = 1
                   ) -> tuple[float, float, np.ndarray]:
    """Run ``n_runs`` independent copies of junction ``j`` (seeds ``seed0``, ``seed0`` + 1, ...) and time only cmtj's
    ``runSimulation``: junction construction and reading the log are outside the clock (benchmark fairness).

    Returns (wall seconds, CPU seconds of this process, final m (n_runs, 3) read from the layer after the run).
    """
    import time

    finals = np.empty((n_runs, 3))
    wall = cpu = 0.0
    with _codata_constants():
        for k in range(n_runs):
            cmtj, junction = _junction(p, j, m0, J_A_per_m2, T_K, seed0 + k)
            mode = getattr(cmtj.SolverMode, solver)
            w0, c0 = time.perf_counter(), time.process_time()
            junction.runSimulation(float(t_end_s), float(dt_s), float(t_end_s), solverMode=mode)
            wall += time.perf_counter() - w0
            cpu += time.process_time() - c0
            v = junction.getLayerMagnetisation("free")
            finals[k] = (v.x, v.y, v.z)
    return wall, cpu, finals
