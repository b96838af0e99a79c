"""Parameters of the reaction-wheel assembly (RWA) simulator: wheel physics, speed loop, manoeuvres, telemetry.

Model (fdir reference sheet §7; brushless DC reaction wheel after B. Bialke, "High fidelity mathematical modeling
of reaction wheel performance", AAS 98-063, Advances in the Astronautical Sciences 98 (1998); speed loop with
back-calculation anti-windup after K. J. Åström and R. M. Murray, *Feedback Systems*, 2nd ed., Princeton UP
(2021), §11.3; pyramid configuration and minimum-norm torque distribution after F. L. Markley and
J. L. Crassidis, *Fundamentals of Spacecraft Attitude Determination and Control*, Springer (2014),
doi:10.1007/978-1-4939-0802-8, §7.2)::

    i       = clip((V − k_e ω)/R, ±i_max)                  (quasi-static winding, L/R ≪ Δt)
    τ_m     = k_t i                                         (k_e = k_t in SI)
    τ_f     = f(t)·[c_C tanh(ω/ω_ε) + c_v ω]                 (Coulomb, regularised over ω_ε, + viscous;
                                                             f(t) = friction scale, 1 when nominal)
    J dω/dt = τ_m − τ_f
    C_w dT_w/dt = R i² − (T_w − T_h)/R_wh
    C_h dT_h/dt = (T_w − T_h)/R_wh + |τ_f ω| − (T_h − T_env)/R_ha
    u = K_p e + x_I,  V = clip(u, ±V_max),  dx_I/dt = K_i e + (V − u)/T_t,  e = ω_ref − ω

All parameter values are *assumed* values of a small-satellite wheel class (within the ranges of the reference
sheet §7: J = 1e-4…2e-3 kg·m², torque 2–30 mN·m, speed 5,000–6,500 rpm, momentum 0.03–1 N·m·s,
k_t 0.01–0.03 N·m/A, supply 12–28 V); they are not the datasheet of a particular product.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, fields, replace

import jax

__all__ = [
    "CHANNEL_QUANTITIES",
    "N_CHANNELS",
    "N_WHEELS",
    "ManeuverParams",
    "TelemetryParams",
    "WheelParams",
    "channel_index",
    "channel_names",
]

N_WHEELS = 4
CHANNEL_QUANTITIES = ("current", "temperature", "voltage", "speed")
"""Telemetry quantities per wheel, in channel order; units A, K, V, rad/s."""
N_CHANNELS = N_WHEELS * len(CHANNEL_QUANTITIES)
CHANNEL_UNITS = {"current": "A", "temperature": "K", "voltage": "V", "speed": "rad/s"}


def channel_index(wheel: int, quantity: str) -> int:
    """Telemetry column of ``quantity`` of wheel ``wheel`` (0-based): wheel-major, ``4*wheel + q``.

    Raises
    ------
    ValueError
        for ``wheel`` outside 0..3 or an unknown quantity.
    """
    try:
        wheel = operator.index(wheel)
    except TypeError:
        raise ValueError(f"wheel={wheel!r} must be an integer in [0, {N_WHEELS - 1}]") from None
    if not 0 <= wheel < N_WHEELS:
        raise ValueError(f"wheel={wheel!r} must be an integer in [0, {N_WHEELS - 1}]")
    if quantity not in CHANNEL_QUANTITIES:
        raise ValueError(f"quantity={quantity!r} must be one of {CHANNEL_QUANTITIES}")
    return int(wheel) * len(CHANNEL_QUANTITIES) + CHANNEL_QUANTITIES.index(quantity)


def channel_names() -> list[str]:
    """Names of the 16 telemetry columns, e.g. ``"RW1.current_A"``, in column order."""
    return [f"RW{w + 1}.{q}_{CHANNEL_UNITS[q].replace('/', '_per_')}" for w in range(N_WHEELS)
            for q in CHANNEL_QUANTITIES]


def _check_positive(obj, names: tuple[str, ...]) -> None:
    for n in names:
        v = getattr(obj, n)
        if not (isinstance(v, int | float) and math.isfinite(v) and v > 0):
            raise ValueError(f"{type(obj).__name__}.{n}={v!r} must be a finite number > 0")


def _check_nonnegative(obj, names: tuple[str, ...]) -> None:
    for n in names:
        v = getattr(obj, n)
        if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
            raise ValueError(f"{type(obj).__name__}.{n}={v!r} must be a finite number >= 0")


@dataclass(frozen=True)
class WheelParams:
    """Physics and speed loop of one wheel (all four wheels share them; faults scale the friction per wheel).

    Units are in the field names. ``omega_eps_rad_per_s`` regularises sign(ω) of Coulomb friction as
    tanh(ω/ω_ε) (Karnopp-style smoothing; the nominal wheels never cross zero). ``T_t_s`` is the anti-windup
    tracking time constant (Åström & Murray §11.3 suggest T_t ≈ T_i = K_p/K_i for a PI loop).
    """

    J_kg_m2: float = 1.5e-3
    k_t_Nm_per_A: float = 0.02
    R_ohm: float = 4.0
    i_max_A: float = 1.0
    V_max_V: float = 24.0
    c_C_Nm: float = 1.0e-3
    c_v_Nm_s_per_rad: float = 2.0e-6
    omega_eps_rad_per_s: float = 0.1
    C_w_J_per_K: float = 20.0
    C_h_J_per_K: float = 100.0
    R_wh_K_per_W: float = 2.0
    R_ha_K_per_W: float = 20.0
    T_env_K: float = 293.15
    K_p_V_s_per_rad: float = 0.6
    K_i_V_per_rad: float = 0.4
    T_t_s: float = 1.5

    def __post_init__(self) -> None:
        _check_positive(self, ("J_kg_m2", "k_t_Nm_per_A", "R_ohm", "i_max_A", "V_max_V", "omega_eps_rad_per_s",
                               "C_w_J_per_K", "C_h_J_per_K", "R_wh_K_per_W", "R_ha_K_per_W", "T_env_K",
                               "K_p_V_s_per_rad", "K_i_V_per_rad", "T_t_s"))
        _check_nonnegative(self, ("c_C_Nm", "c_v_Nm_s_per_rad"))

    @property
    def k_e_V_s_per_rad(self) -> float:
        """Back-EMF constant; equals the torque constant k_t in SI units."""
        return self.k_t_Nm_per_A

    @property
    def tau_max_Nm(self) -> float:
        """Motor torque at the current limit, k_t · i_max."""
        return self.k_t_Nm_per_A * self.i_max_A

    def replace(self, **changes) -> WheelParams:
        return replace(self, **changes)


@dataclass(frozen=True)
class ManeuverParams:
    """Attitude-manoeuvre torque demands and momentum management of one episode (body frame).

    Slews are bang-coast-bang body-torque profiles (acceleration +τ for ``t_acc``, coast, deceleration −τ for
    ``t_acc``, linear ramps of ``t_ramp_s``) about random unit axes, net zero momentum each. Gaps between slew
    starts are uniform in [``gap_min_s``, ``gap_max_s``]; the peak torque is uniform in
    [0.3, 1] · ``tau_slew_max_Nm``; ``t_acc`` uniform in [``t_acc_min_s``, ``t_acc_max_s``], coast uniform in
    [0, ``t_coast_max_s``]. A body disturbance d0 + d1 sin(2π t/T_orb + φ) per axis (amplitudes uniform up to
    ``tau_dist_Nm``) accumulates in the wheels; every ``dump_period_s`` a magnetorquer dump removes the
    accumulated momentum linearly over ``dump_duration_s``. The bias momentum lies in the null space of the
    pyramid (wheel speeds ±``omega_bias_rad_per_s``, alternating signs) so that it exerts no body torque.
    """

    omega_bias_rad_per_s: float = 209.44  # 2000 rpm
    pyramid_elevation_rad: float = math.radians(54.7356)  # equal share of the three axes
    tau_slew_max_Nm: float = 8.0e-3
    t_acc_min_s: float = 10.0
    t_acc_max_s: float = 30.0
    t_coast_max_s: float = 120.0
    t_ramp_s: float = 4.0
    gap_min_s: float = 300.0
    gap_max_s: float = 1200.0
    tau_dist_Nm: float = 3.0e-6
    T_orbit_s: float = 5700.0
    dump_period_s: float = 5700.0
    dump_duration_s: float = 600.0

    def __post_init__(self) -> None:
        _check_positive(self, ("omega_bias_rad_per_s", "pyramid_elevation_rad", "t_acc_min_s", "t_acc_max_s",
                               "t_ramp_s", "gap_min_s", "gap_max_s", "T_orbit_s", "dump_period_s",
                               "dump_duration_s"))
        _check_nonnegative(self, ("tau_slew_max_Nm", "t_coast_max_s", "tau_dist_Nm"))
        if self.t_acc_max_s < self.t_acc_min_s:
            raise ValueError(f"ManeuverParams.t_acc_max_s={self.t_acc_max_s} must be >= t_acc_min_s")
        if self.gap_max_s < self.gap_min_s:
            raise ValueError(f"ManeuverParams.gap_max_s={self.gap_max_s} must be >= gap_min_s")
        if not self.pyramid_elevation_rad < math.pi / 2:
            raise ValueError(f"ManeuverParams.pyramid_elevation_rad={self.pyramid_elevation_rad} must be in "
                             "(0, pi/2)")
        if self.dump_duration_s >= self.dump_period_s:
            raise ValueError("ManeuverParams.dump_duration_s must be < dump_period_s")


@dataclass(frozen=True)
class TelemetryParams:
    """Sampling and measurement model of the RWA telemetry.

    ``dt_sample_s`` telemetry period (4 s, as in arXiv:2604.08424); ``dt_int_s`` RK4 integration step
    (≤ 0.1 s, reference sheet §7; ``dt_sample_s`` must be a multiple). Measurement noise: current Gaussian with
    σ = ``current_noise_frac_fs`` · i_max (1–2 % FS), temperature Gaussian σ = ``temperature_noise_K``, speed
    quantised to ``speed_quantum_rad_per_s`` (encoder resolution), commanded voltage quantised to
    ``voltage_quantum_V`` (12-bit DAC over ±24 V ≈ 0.0117 V).
    """

    dt_sample_s: float = 4.0
    dt_int_s: float = 0.1
    current_noise_frac_fs: float = 0.015
    temperature_noise_K: float = 0.1
    speed_quantum_rad_per_s: float = 0.0105  # 0.1 rpm
    voltage_quantum_V: float = 48.0 / 4096

    def __post_init__(self) -> None:
        _check_positive(self, ("dt_sample_s", "dt_int_s"))
        _check_nonnegative(self, ("current_noise_frac_fs", "temperature_noise_K", "speed_quantum_rad_per_s",
                                  "voltage_quantum_V"))
        if self.dt_int_s > 0.1 + 1e-12:
            raise ValueError(f"TelemetryParams.dt_int_s={self.dt_int_s} must be in (0, 0.1] s")
        ratio = self.dt_sample_s / self.dt_int_s
        if abs(ratio - round(ratio)) > 1e-9:
            raise ValueError(f"TelemetryParams.dt_sample_s={self.dt_sample_s} must be a multiple of "
                             f"dt_int_s={self.dt_int_s}")

    @property
    def substeps(self) -> int:
        """Integration steps per telemetry sample."""
        return round(self.dt_sample_s / self.dt_int_s)


for _cls in (WheelParams, ManeuverParams, TelemetryParams):
    jax.tree_util.register_dataclass(_cls, data_fields=[f.name for f in fields(_cls)], meta_fields=[])
