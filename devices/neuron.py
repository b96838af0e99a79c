"""The signed leaky integrate-and-fire (LIF) MTJ neuron of Zheng, Liu & Yang (arXiv:2606.03796), built from the
macrospin: orthogonal easy axes, elliptical free layer, signed input current, signed spikes with reset.

Geometry (devices.md §2): free layer with short axis x, long in-plane axis y and height z; its easy axis is z
(shape); the pinned (polariser) layer is magnetised along the short axis x. A current of either sign exerts a
damping-like torque toward ±x. Below threshold the torque is balanced by the shape anisotropy: m tilts by
sin φ ≈ a_J/B_y toward ±y (the integration axis ẑ × x̂ = ŷ, sign of the current) and relaxes back to z when the
input stops, with the small-tilt time τ = 2(1+α²)/(αγ(B_x + B_y)) (the leak). When a_J exceeds ≈ B_y/2 no
tilted equilibrium exists, m leaves the easy axis toward ±x and crosses the detection threshold on the short axis:
a +1 or −1 spike. The detector then resets m to the rest state +z (an ideal reset pulse; its energy is not
counted). Every spike's energy is the energy drawn from the current source, ∫ I² R(θ) dt, between spikes.

The rest state must be +z (not −z): the sign of the sub-threshold tilt flips with the rest state, so the reset
is to a fixed direction (``EventSpec(reset="fixed")``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from devices import analytic as A
from devices import constants as C
from devices._check import positive_int, real, real_array
from devices.params import EventSpec, MacrospinParams
from devices.simulate import SCHEMES, Drive, SimResult, simulate

__all__ = ["NeuronRun", "SignedMTJNeuron"]


@dataclass(frozen=True)
class NeuronRun:
    """Outcome of :meth:`SignedMTJNeuron.run`.

    ``spike_step`` (N, cap) step index of each stored spike (−1: none), ``spike_sign`` (N, cap) ±1,
    ``n_pos``, ``n_neg`` (N,) spike counts, ``energy_J`` (N,) energy drawn from the source, ``u`` (n_save, N)
    the integration-axis component m·ŷ (None without ``save_every``), ``t_s`` (n_save,), ``sim`` the raw result.
    """

    spike_step: np.ndarray
    spike_sign: np.ndarray
    n_pos: np.ndarray
    n_neg: np.ndarray
    energy_J: np.ndarray
    u: np.ndarray | None
    t_s: np.ndarray
    sim: SimResult

    @property
    def n_spikes(self) -> np.ndarray:
        """Spikes of either sign per junction, shape (N,)."""
        return self.n_pos + self.n_neg

    @property
    def energy_per_spike_J(self) -> np.ndarray:
        """Energy drawn per spike [J], shape (N,) (NaN where a junction did not spike)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.n_spikes > 0, self.energy_J / self.n_spikes, np.nan)


@dataclass(frozen=True)
class SignedMTJNeuron:
    """Signed LIF neuron made of N orthogonal-easy-axis MTJs (one per row of ``params``).

    Parameters
    ----------
    params : macrospin parameters (use :meth:`from_preset`).
    spike_axis : unit vector of the short axis on which spikes are detected (the polariser direction).
    state_axis : integration axis (easy axis × polariser); its component is the membrane state u.
    rest_axis : rest (and reset) direction, the free-layer easy axis.
    theta_spike : spike threshold on |m·spike_axis| (in (0, 1)).
    dt_s : integration step [s].
    scheme : integrator, a key of :data:`devices.simulate.SCHEMES` ("heun" or "midpoint").
    """

    params: MacrospinParams
    spike_axis: tuple = (1.0, 0.0, 0.0)
    state_axis: tuple = (0.0, 1.0, 0.0)
    rest_axis: tuple = (0.0, 0.0, 1.0)
    theta_spike: float = 0.5
    dt_s: float = 1e-12
    scheme: str = "heun"
    meta: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        if not isinstance(self.params, MacrospinParams):
            raise ValueError("params must be a MacrospinParams (use SignedMTJNeuron.from_preset)")
        real("theta_spike", self.theta_spike, 0.0, 1.0, lo_open=True, hi_open=True)
        real("dt_s", self.dt_s, 0.0, 1e-9, lo_open=True, unit="s")
        if self.scheme not in SCHEMES:
            raise ValueError(f"scheme must be one of {tuple(SCHEMES)}, got {self.scheme!r}")
        for name in ("spike_axis", "state_axis", "rest_axis"):
            v = real_array(name, getattr(self, name))
            if v.shape != (3,) or not np.isclose(np.linalg.norm(v), 1.0):
                raise ValueError(f"{name} must be a unit 3-vector, got {getattr(self, name)!r}")

    @classmethod
    def from_preset(cls, name: str = "signed_orthogonal_ellipse", n: int = 1, *, theta_spike: float = 0.5,
                    dt_s: float = 1e-12, scheme: str = "heun", **overrides) -> SignedMTJNeuron:
        """N neurons from a device preset; ``overrides`` go to :meth:`devices.presets.Preset.params`
        (e.g. ``T_K=300.0``, ``alpha=...``, ``shape="cylinder"``, ``K_u_J_per_m3=...`` for interfacial
        anisotropy along z)."""
        from devices.presets import preset

        return cls(params=preset(name).params(n=n, **overrides), theta_spike=theta_spike, dt_s=dt_s, scheme=scheme)

    # ---------------------------------------------------------------- analytic design quantities
    def stiffness_T(self) -> tuple[np.ndarray, np.ndarray]:
        """Transverse stiffness fields (B_x, B_y) about the rest axis z [T], each (N,):
        B_i = μ0 Ms (N_i − N_z) − B_K,z where B_K,z = 2K_u/Ms for an easy axis along z (0 otherwise)."""
        p = self.params
        bm = C.MU0_T_M_PER_A * p.Ms_A_per_m
        bk = p.B_K_T * p.easy_axis[:, 2] ** 2
        return bm * (p.demag[:, 0] - p.demag[:, 2]) + bk, bm * (p.demag[:, 1] - p.demag[:, 2]) + bk

    def tau_s(self) -> np.ndarray:
        """Analytic small-tilt relaxation (leak) time τ = 2(1+α²)/(αγ(B_x + B_y)) [s], shape (N,)."""
        bx, by = self.stiffness_T()
        p = self.params
        return np.array([A.relaxation_time_s(a, x, y, g) for a, x, y, g in
                         zip(p.alpha, bx, by, p.gamma_rad_per_s_T)])

    def barrier_kT(self, T_K: float = 300.0) -> np.ndarray:
        """Energy barrier between the rest state z and the long axis y in units of k_B T, shape (N,)."""
        T_K = real("T_K", T_K, 0.0, 2000.0, lo_open=True, unit="K")
        _, by = self.stiffness_T()
        p = self.params
        return 0.5 * p.Ms_A_per_m * by * p.volume_m3 / (C.K_B_J_PER_K * T_K)

    def threshold_current_estimate_A(self) -> np.ndarray:
        """Zero-temperature DC threshold estimate: damping-like field a_J = B_y/2 (the tilted equilibrium
        sin 2φ = 2a_J/B_y disappears at φ = 45°), I = J·area [A], shape (N,)."""
        _, by = self.stiffness_T()
        p = self.params
        J = 0.5 * by / (p.a_J_per_A_per_m2 * p.eta)
        return J * p.area_m2

    # ---------------------------------------------------------------- simulation
    def events(self, capacity: int = 256) -> EventSpec:
        """The spike detector: ±theta_spike on the short axis, reset to the rest axis."""
        return EventSpec(axis=self.spike_axis, theta_pos=self.theta_spike, theta_neg=self.theta_spike,
                         reset="fixed", reset_axis=self.rest_axis, capacity=capacity)

    def run(self, I_A, n_steps: int | None = None, *, T_K: float | None = None, seed: int = 0,
            save_every: int = 0, backend: str = "numba", dtype: str = "float64", capacity: int = 256,
            m0=None) -> NeuronRun:
        """Drive the neurons with a signed current ``I_A`` [A] and detect signed spikes.

        ``I_A``: scalar, (S,) shared waveform, (N, 1) or (N, S) (see :class:`devices.simulate.Drive`); with a
        scalar or (N, 1) input give ``n_steps``. ``T_K`` overrides the parameters' temperature. Starts from
        the rest state unless ``m0`` is given. Raises ValueError naming the argument for inconsistent shapes, a
        NaN/inf current, ``T_K`` outside [0, 2000] K, ``n_steps`` < 1 (and everything :func:`simulate` rejects).
        """
        I = real_array("I_A", I_A, unit="A")
        if I.size == 0:
            raise ValueError("I_A must not be empty")
        if n_steps is None:
            if I.ndim == 0 or I.shape[-1] == 1:
                raise ValueError("n_steps is required for a constant input current")
            n_steps = I.shape[-1]
        n_steps = positive_int("n_steps", n_steps, 1)
        capacity = positive_int("capacity", capacity, 0, 2**20)
        p = self.params if T_K is None else self.params.replace(T_K=real("T_K", T_K, 0.0, 2000.0, unit="K"))
        r = simulate(p, self.rest_axis if m0 is None else m0, self.dt_s, int(n_steps),
                     drive=Drive(stt=I, stt_kind="current"), events=self.events(capacity), seed=seed,
                     save_every=save_every, backend=backend, dtype=dtype, scheme=self.scheme)
        u = None
        if save_every:
            u = r.traj @ np.asarray(self.state_axis, dtype=float)
        return NeuronRun(spike_step=r.ev_step, spike_sign=r.ev_sign, n_pos=r.n_pos, n_neg=r.n_neg,
                         energy_J=r.energy_J, u=u, t_s=r.t_s, sim=r)
