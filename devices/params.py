"""Per-junction macrospin parameters (:class:`MacrospinParams`) and their reduction to kernel coefficients.

Every field is an array whose leading dimension is the number of junctions N (vectors: shape (N, 3)), so one
simulation call covers an ensemble in which every parameter may differ (device-to-device variation, sweeps).
Build one with :meth:`MacrospinParams.build`, which broadcasts scalars and derives volume, cross-section and
demagnetising factors from the free-layer geometry.

Physics (devices.md §1; SI units):

* Effective field B_eff = B_app + b(t) ĥ − μ0 Ms N m + (2K_u/Ms)(m·u) u + b_th (demag tensor N diagonal in the
  x, y, z frame of the free layer, Osborn/Beleggia factors from :mod:`devices.demag`).
* Slonczewski spin-transfer torque (J. Slonczewski, JMMM 159, L1 (1996), doi:10.1016/0304-8853(96)00062-5):
  a_J = ħ η J / (2 e Ms t_F) [T], field-like b_J = ξ a_J. Constant η by default; with ``P_slonczewski`` > 0
  the angular efficiency η(θ) = [−4 + (1+P)³(3 + cos θ)/(4 P^{3/2})]⁻¹, cos θ = m·p.
* Spin-orbit torque: a_SOT = ħ θ_SH J_SOT / (2 e Ms t_F), same two torque shapes with p → σ.
* Thermal field (W. F. Brown, Phys. Rev. 130, 1677 (1963), doi:10.1103/PhysRev.130.1677):
  σ_b = √(2 α k_B T / (γ Ms V Δt)) per component and step, bare γ.
* TMR readout G(θ) = ½(G_P + G_AP) + ½(G_P − G_AP) cos θ, R_P = RA / area, R_AP = R_P (1 + TMR).

Sign convention: J > 0 means electrons flow from the reference (pinned) layer into the free layer; with a_J > 0
the damping-like torque −γ a_J m×(m×p) pulls m toward p (favours the parallel state).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace

import numpy as np

from devices import constants as C
from devices._check import positive_int, real, real_array
from devices._layout import N_ROWS, ROW
from devices.demag import demag_factors

__all__ = ["DRIVE_KINDS", "RESET_MODES", "EventSpec", "MacrospinParams", "coefficient_table", "max_stable_dt"]

DRIVE_KINDS = ("current_density", "current", "voltage")
RESET_MODES = {"none": 0, "nearest": 1, "fixed": 2}

_SCALAR_FIELDS = ("Ms_A_per_m", "alpha", "gamma_rad_per_s_T", "volume_m3", "area_m2", "t_F_m", "K_u_J_per_m3",
                  "T_K", "eta", "xi", "P_slonczewski", "theta_SH", "xi_sot", "RA_ohm_m2", "TMR",
                  "R_sot_ohm", "A_sot_m2")
_VECTOR_FIELDS = ("demag", "easy_axis", "B_app_T", "field_dir", "polarizer", "sot_sigma", "ref_layer")


@dataclass(frozen=True)
class MacrospinParams:
    """Parameters of N single-domain free layers; arrays of shape (N,) or (N, 3).

    Fields (units in the names): ``Ms_A_per_m`` saturation magnetisation; ``alpha`` Gilbert damping;
    ``gamma_rad_per_s_T`` gyromagnetic ratio (default CODATA electron value); ``volume_m3`` magnetic volume;
    ``area_m2`` cross-section crossed by the STT current; ``t_F_m`` free-layer thickness along the current;
    ``demag`` (N, 3) diagonal demagnetising factors (trace 1, or all zero for a model without demag);
    ``K_u_J_per_m3`` uniaxial anisotropy constant (> 0 easy axis) along unit ``easy_axis``; ``B_app_T`` constant
    applied field; ``field_dir`` unit vector of the field drive channel (B += b(t)·field_dir); ``T_K``
    temperature; ``polarizer`` STT unit vector p;
    ``eta`` spin-torque efficiency; ``xi`` field-like/damping-like ratio of STT; ``P_slonczewski`` spin
    polarisation for the angular efficiency (0 = constant η); ``sot_sigma`` SOT spin polarisation unit
    vector; ``theta_SH`` spin Hall angle; ``xi_sot`` SOT field-like ratio; ``RA_ohm_m2`` resistance-area
    product; ``TMR`` (R_AP − R_P)/R_P; ``ref_layer`` reference-layer unit vector for the TMR readout;
    ``R_sot_ohm`` and ``A_sot_m2`` resistance and cross-section of the SOT line (energy of an SOT drive).
    """

    Ms_A_per_m: np.ndarray
    alpha: np.ndarray
    gamma_rad_per_s_T: np.ndarray
    volume_m3: np.ndarray
    area_m2: np.ndarray
    t_F_m: np.ndarray
    demag: np.ndarray
    K_u_J_per_m3: np.ndarray
    easy_axis: np.ndarray
    B_app_T: np.ndarray
    field_dir: np.ndarray
    T_K: np.ndarray
    polarizer: np.ndarray
    eta: np.ndarray
    xi: np.ndarray
    P_slonczewski: np.ndarray
    sot_sigma: np.ndarray
    theta_SH: np.ndarray
    xi_sot: np.ndarray
    RA_ohm_m2: np.ndarray
    TMR: np.ndarray
    ref_layer: np.ndarray
    R_sot_ohm: np.ndarray
    A_sot_m2: np.ndarray
    meta: dict = field(default_factory=dict, compare=False)

    # ------------------------------------------------------------------ construction
    @classmethod
    def build(cls, *, n: int | None = None, Ms_A_per_m=8e5, alpha=0.01,
              gamma_rad_per_s_T=C.GAMMA_E_RAD_PER_S_T, lx_m=None, ly_m=None, lz_m=None, shape: str = "ellipsoid",
              demag=None, volume_m3=None, area_m2=None, t_F_m=None, K_u_J_per_m3=0.0, easy_axis=(0.0, 0.0, 1.0),
              B_app_T=(0.0, 0.0, 0.0), field_dir=(0.0, 0.0, 1.0), T_K=0.0, polarizer=(0.0, 0.0, 1.0),
              eta=0.6, xi=0.0, P_slonczewski=0.0, sot_sigma=(0.0, 1.0, 0.0), theta_SH=0.0, xi_sot=0.0,
              RA_ohm_m2=5e-12, TMR=1.5, ref_layer=None, R_sot_ohm=0.0, A_sot_m2=0.0,
              meta: dict | None = None) -> MacrospinParams:
        """Broadcast scalar/array arguments to N junctions and derive geometry-dependent fields.

        Geometry: give the free-layer full extents ``lx_m``, ``ly_m`` (in-plane ellipse axes) and ``lz_m``
        (height, along the current) with ``shape`` "ellipsoid" (Osborn factors, V = π lx ly lz / 6) or
        "cylinder" (elliptical pillar, Beleggia factors, V = π lx ly lz / 4); the cross-section is
        area = π lx ly / 4 and t_F = lz. Alternatively pass ``demag`` (3,) or (N, 3), ``volume_m3``,
        ``area_m2`` and ``t_F_m`` directly (explicit values override the derived ones).
        ``ref_layer`` defaults to the polariser. ``n`` fixes N when every argument is a scalar.

        Raises
        ------
        ValueError
            for inconsistent shapes or non-physical values (see :meth:`validate`).
        """
        if shape not in ("ellipsoid", "cylinder"):
            raise ValueError(f"shape must be 'ellipsoid' or 'cylinder', got {shape!r}")
        scal = dict(Ms_A_per_m=Ms_A_per_m, alpha=alpha, gamma_rad_per_s_T=gamma_rad_per_s_T,
                    K_u_J_per_m3=K_u_J_per_m3, T_K=T_K, eta=eta, xi=xi, P_slonczewski=P_slonczewski,
                    theta_SH=theta_SH, xi_sot=xi_sot, RA_ohm_m2=RA_ohm_m2, TMR=TMR, R_sot_ohm=R_sot_ohm,
                    A_sot_m2=A_sot_m2)
        vec = dict(easy_axis=easy_axis, B_app_T=B_app_T, field_dir=field_dir, polarizer=polarizer,
                   sot_sigma=sot_sigma, ref_layer=polarizer if ref_layer is None else ref_layer)
        geo = dict(lx_m=lx_m, ly_m=ly_m, lz_m=lz_m)
        sizes = {np.size(v) for v in (*scal.values(), volume_m3, area_m2, t_F_m, *geo.values()) if v is not None}
        sizes |= {np.asarray(v).reshape(-1, 3).shape[0] for v in vec.values()}
        if demag is not None:
            sizes.add(np.asarray(demag, dtype=float).reshape(-1, 3).shape[0])
        sizes.discard(1)
        if len(sizes) > 1:
            raise ValueError(f"per-junction arguments have inconsistent lengths {sorted(sizes)}; "
                             "each must be a scalar (vector: length 3) or have N entries")
        N = sizes.pop() if sizes else int(n or 1)
        if n is not None and N != int(n):
            raise ValueError(f"n={n} does not match the per-junction argument length {N}")

        def s1(v, name):
            a = real_array(name, v).reshape(-1)
            if a.size not in (1, N):
                raise ValueError(f"{name} must be a scalar or have N={N} entries, got shape {np.shape(v)}")
            return np.broadcast_to(a, (N,)).copy()

        def v3(v, name):
            a = real_array(name, v)
            if a.shape not in ((3,), (N, 3)):
                raise ValueError(f"{name} must have shape (3,) or (N={N}, 3), got {a.shape}")
            return np.broadcast_to(a, (N, 3)).copy()

        out = {k: s1(v, k) for k, v in scal.items()}
        out.update({k: v3(v, k) for k, v in vec.items()})
        has_geo = all(v is not None for v in geo.values())
        if any(v is not None for v in geo.values()) and not has_geo:
            raise ValueError("give all three of lx_m, ly_m, lz_m (or none and explicit demag/volume/area/t_F)")
        if has_geo:
            lx, ly, lz = (s1(geo[k], k) for k in ("lx_m", "ly_m", "lz_m"))
            for k, a in (("lx_m", lx), ("ly_m", ly), ("lz_m", lz)):
                if not np.all(np.isfinite(a) & (a > 0)):
                    raise ValueError(f"{k} must be > 0 m and finite")
            vol = (np.pi / 6 if shape == "ellipsoid" else np.pi / 4) * lx * ly * lz
            area = np.pi / 4 * lx * ly
            tf = lz.copy()
            if demag is None:
                uniq: dict[tuple[float, float, float], tuple[float, float, float]] = {}
                dm = np.empty((N, 3))
                for i in range(N):
                    key = (float(lx[i]), float(ly[i]), float(lz[i]))
                    if key not in uniq:
                        uniq[key] = demag_factors(shape, *key)
                    dm[i] = uniq[key]
                demag = dm
        else:
            vol = area = tf = None
        if demag is None:
            raise ValueError("demag factors are required: give lx_m/ly_m/lz_m or demag=(Nx, Ny, Nz)")
        out["demag"] = v3(demag, "demag")
        for name, given, derived in (("volume_m3", volume_m3, vol), ("area_m2", area_m2, area),
                                     ("t_F_m", t_F_m, tf)):
            v = given if given is not None else derived
            if v is None:
                raise ValueError(f"{name} is required when no geometry (lx_m, ly_m, lz_m) is given")
            out[name] = s1(v, name)
        for k in ("easy_axis", "field_dir", "polarizer", "sot_sigma", "ref_layer"):
            real_array(k, out[k])
            nrm = np.linalg.norm(out[k], axis=1, keepdims=True)
            if np.any(nrm == 0):
                raise ValueError(f"{k} must be a non-zero vector (it is normalised to a unit vector)")
            out[k] = out[k] / nrm
        m = dict(meta or {})
        m.setdefault("shape", shape)
        p = cls(**out, meta=m)
        p.validate()
        return p

    @property
    def n(self) -> int:
        """Number of junctions N."""
        return int(self.Ms_A_per_m.shape[0])

    def replace(self, **changes) -> MacrospinParams:
        """A copy with some fields changed (scalars broadcast to N); validated."""
        N = self.n
        fixed = {}
        for k, v in changes.items():
            if k in _VECTOR_FIELDS:
                a = np.broadcast_to(real_array(k, v), (N, 3)).copy()
                if k != "demag" and k != "B_app_T":
                    if np.any(np.linalg.norm(a, axis=1) == 0):
                        raise ValueError(f"{k} must be a non-zero vector (it is normalised to a unit vector)")
                    a = a / np.linalg.norm(a, axis=1, keepdims=True)
                fixed[k] = a
            elif k in _SCALAR_FIELDS:
                fixed[k] = np.broadcast_to(real_array(k, v), (N,)).copy()
            else:
                fixed[k] = v
        p = replace(self, **fixed)
        p.validate()
        return p

    def take(self, idx) -> MacrospinParams:
        """Junctions ``idx`` (int array or slice) as a new parameter set."""
        kw = {f.name: (getattr(self, f.name)[idx] if f.name != "meta" else self.meta) for f in fields(self)}
        return MacrospinParams(**kw)

    @staticmethod
    def concat(parts: list[MacrospinParams]) -> MacrospinParams:
        """Stack several parameter sets along the junction axis."""
        if not parts:
            raise ValueError("parts must be a non-empty list of MacrospinParams")
        kw = {f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(MacrospinParams)
              if f.name != "meta"}
        return MacrospinParams(**kw, meta=dict(parts[0].meta))

    # ------------------------------------------------------------------ checks
    def validate(self) -> None:
        """Raise ValueError naming the first non-physical or inconsistent field and its accepted range."""
        N = self.n
        for k in _SCALAR_FIELDS:
            a = getattr(self, k)
            if a.shape != (N,):
                raise ValueError(f"{k} must have shape (N={N},), got {a.shape}")
            if not np.all(np.isfinite(a)):
                raise ValueError(f"{k} must be finite (no NaN or inf), got {a[~np.isfinite(a)][0]!r}")
        for k in _VECTOR_FIELDS:
            a = getattr(self, k)
            if a.shape != (N, 3) or not np.all(np.isfinite(a)):
                raise ValueError(f"{k} must be a finite array of shape (N={N}, 3), got {a.shape}")
        rng = {"Ms_A_per_m": (0, 1e7, False), "alpha": (0, 10, True), "gamma_rad_per_s_T": (0, 1e13, False),
               "volume_m3": (0, 1e-12, False), "area_m2": (0, 1e-6, False), "t_F_m": (0, 1e-4, False),
               "T_K": (0, 2000, True), "eta": (0, 10, False), "P_slonczewski": (0, 1, True),
               "RA_ohm_m2": (0, 1, False), "TMR": (0, 100, True), "R_sot_ohm": (0, 1e9, True),
               "A_sot_m2": (0, 1e-6, True)}
        for k, (lo, hi, incl) in rng.items():
            a = getattr(self, k)
            ok = (a >= lo) if incl else (a > lo)
            if not np.all(ok & (a <= hi)):
                bad = a[~(ok & (a <= hi))][0]
                br = "[" if incl else "("
                raise ValueError(f"{k} must be in {br}{lo:g}, {hi:g}], got {bad!r}")
        tr = self.demag.sum(axis=1)
        if np.any(self.demag < 0) or np.any((np.abs(tr - 1.0) > 1e-3) & (tr != 0.0)):
            raise ValueError(f"demag factors must be >= 0 with trace 1 (±1e-3), or all 0 to switch demag off; "
                             f"got trace range [{tr.min():.6g}, {tr.max():.6g}]")
        if np.any(self.xi != 0) and np.any(np.abs(self.xi) > 10):
            raise ValueError("xi (field-like/damping-like ratio) must be in [-10, 10]")

    # ------------------------------------------------------------------ derived quantities
    @property
    def B_K_T(self) -> np.ndarray:
        """Uniaxial anisotropy field 2 K_u / Ms [T], shape (N,)."""
        return 2.0 * self.K_u_J_per_m3 / self.Ms_A_per_m

    @property
    def R_P_ohm(self) -> np.ndarray:
        """Parallel-state resistance RA / area [Ω], shape (N,)."""
        return self.RA_ohm_m2 / self.area_m2

    @property
    def R_AP_ohm(self) -> np.ndarray:
        """Antiparallel-state resistance R_P (1 + TMR) [Ω], shape (N,)."""
        return self.R_P_ohm * (1.0 + self.TMR)

    @property
    def a_J_per_A_per_m2(self) -> np.ndarray:
        """ħ/(2 e Ms t_F) [T per A/m²]: the STT field a_J per unit current density and unit efficiency."""
        return C.HBAR_J_S / (2.0 * C.E_CHARGE_C * self.Ms_A_per_m * self.t_F_m)


@dataclass(frozen=True)
class EventSpec:
    """Threshold-crossing detection on u = m·axis inside the kernel (memory O(N + events)).

    A +1 event when u > ``theta_pos``, a −1 event when u < −``theta_neg``. After an event, ``reset`` "fixed"
    sets m ← reset_axis, "nearest" sets m ← sign(m·reset_axis) reset_axis (ideal reset pulses; their energy is
    not counted); "none" leaves m alone and disarms the detector until u is back inside
    (−``rearm``·theta_neg, ``rearm``·theta_pos) (hysteresis). The first
    ``capacity`` events of each junction are stored (step, sign, cumulative energy); counts are always exact.
    ``axis``, ``reset_axis`` (3,) or (N, 3); thresholds scalars or (N,).
    """

    axis: tuple | np.ndarray = (1.0, 0.0, 0.0)
    theta_pos: float | np.ndarray = 0.5
    theta_neg: float | np.ndarray = 0.5
    reset: str = "fixed"
    reset_axis: tuple | np.ndarray = (0.0, 0.0, 1.0)
    rearm: float = 0.5
    capacity: int = 64

    def validate(self, n: int) -> None:
        """Raise ValueError for a bad field (named, with its accepted range)."""
        if self.reset not in RESET_MODES:
            raise ValueError(f"reset must be one of {tuple(RESET_MODES)}, got {self.reset!r}")
        real_array("rearm", self.rearm, 0.0, 1.0, hi_open=True)
        positive_int("capacity", self.capacity, 0, 2**20)
        for k in ("theta_pos", "theta_neg"):
            a = np.asarray(getattr(self, k), dtype=float)
            if a.shape not in ((), (1,), (n,)) or np.any(~np.isfinite(a)) or np.any(a < -1) or np.any(a > 1):
                raise ValueError(f"{k} must be a scalar or (N,) array with values in [-1, 1]")
        for k in ("axis", "reset_axis"):
            a = real_array(k, getattr(self, k))
            if a.shape not in ((3,), (n, 3)) or np.any(np.linalg.norm(a.reshape(-1, 3), axis=1) == 0):
                raise ValueError(f"{k} must be a non-zero vector of shape (3,) or (N, 3)")


def _unit(a, n):
    a = np.broadcast_to(np.asarray(a, dtype=float), (n, 3))
    return a / np.linalg.norm(a, axis=1, keepdims=True)


def coefficient_table(p: MacrospinParams, dt_s: float, *, drive_kind: str = "current_density",
                      stt_scale=1.0, sot_scale=1.0, field_scale=1.0, events: EventSpec | None = None,
                      dtype=np.float64) -> np.ndarray:
    """Reduce parameters to the kernel table P of shape (N_ROWS, N) (see :mod:`devices._layout`).

    ``*_scale`` (scalar or (N,)) multiply the corresponding drive channel per junction.

    Raises
    ------
    ValueError
        for an unknown ``drive_kind`` or a non-positive ``dt_s``.
    """
    if drive_kind not in DRIVE_KINDS:
        raise ValueError(f"drive_kind must be one of {DRIVE_KINDS}, got {drive_kind!r}")
    if not (dt_s > 0 and math.isfinite(dt_s)):
        raise ValueError(f"dt_s must be a finite time step > 0 s, got {dt_s!r}")
    N = p.n
    for name, v in (("stt_scale", stt_scale), ("sot_scale", sot_scale), ("field_scale", field_scale)):
        if real_array(name, v).shape not in ((), (1,), (N,)):
            raise ValueError(f"{name} must be a scalar or have shape (N={N},)")
    T = np.zeros((N_ROWS, N))
    a = p.alpha
    g = p.gamma_rad_per_s_T
    gp = g / (1.0 + a * a)
    T[ROW["GP"]] = gp
    T[ROW["ALPHA"]] = a
    stiff = C.MU0_T_M_PER_A * p.Ms_A_per_m[:, None] * p.demag
    T[ROW["DXX"]], T[ROW["DYY"]], T[ROW["DZZ"]] = stiff.T
    T[ROW["BK"]] = p.B_K_T
    T[ROW["UX"]], T[ROW["UY"]], T[ROW["UZ"]] = p.easy_axis.T
    T[ROW["BAX"]], T[ROW["BAY"]], T[ROW["BAZ"]] = p.B_app_T.T
    hv = p.field_dir * np.broadcast_to(np.asarray(field_scale, dtype=float), (N,))[:, None]
    T[ROW["HX"]], T[ROW["HY"]], T[ROW["HZ"]] = hv.T
    T[ROW["PX"]], T[ROW["PY"]], T[ROW["PZ"]] = p.polarizer.T
    a1 = p.a_J_per_A_per_m2
    T[ROW["CDL"]] = gp * (1.0 + a * p.xi) * a1
    T[ROW["CFL"]] = gp * (p.xi - a) * a1
    P = p.P_slonczewski
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(P > 0, (1.0 + P) ** 3 / (4.0 * np.where(P > 0, P, 1.0) ** 1.5), 0.0)
    T[ROW["Q0"]] = np.where(P > 0, -4.0 + 3.0 * f, 1.0 / p.eta)
    T[ROW["Q1"]] = np.where(P > 0, f, 0.0)
    gP, gAP = 1.0 / p.R_P_ohm, 1.0 / p.R_AP_ohm
    gm0, gm1 = 0.5 * (gP + gAP), 0.5 * (gP - gAP)
    sst = np.broadcast_to(np.asarray(stt_scale, dtype=float), (N,))
    if drive_kind == "current_density":
        T[ROW["G0"]], T[ROW["G1"]] = sst, 0.0
        T[ROW["EI"]] = (p.area_m2 * sst) ** 2
    elif drive_kind == "current":
        T[ROW["G0"]], T[ROW["G1"]] = sst / p.area_m2, 0.0
        T[ROW["EI"]] = sst**2
    else:
        T[ROW["G0"]], T[ROW["G1"]] = sst * gm0 / p.area_m2, sst * gm1 / p.area_m2
        T[ROW["EV"]] = sst**2
    T[ROW["RX"]], T[ROW["RY"]], T[ROW["RZ"]] = p.ref_layer.T
    T[ROW["GM0"]], T[ROW["GM1"]] = gm0, gm1
    T[ROW["SX"]], T[ROW["SY"]], T[ROW["SZ"]] = p.sot_sigma.T
    ssot = np.broadcast_to(np.asarray(sot_scale, dtype=float), (N,))
    asot = C.HBAR_J_S * p.theta_SH / (2.0 * C.E_CHARGE_C * p.Ms_A_per_m * p.t_F_m)
    T[ROW["SDL"]] = ssot * gp * (1.0 + a * p.xi_sot) * asot
    T[ROW["SFL"]] = ssot * gp * (p.xi_sot - a) * asot
    T[ROW["ESOT"]] = (ssot * p.A_sot_m2) ** 2 * p.R_sot_ohm
    T[ROW["SIG"]] = np.sqrt(2.0 * a * C.K_B_J_PER_K * p.T_K / (g * p.Ms_A_per_m * p.volume_m3 * dt_s))
    if events is not None:
        events.validate(N)
        T[ROW["EX"]], T[ROW["EY"]], T[ROW["EZ"]] = _unit(events.axis, N).T
        T[ROW["THP"]] = np.broadcast_to(np.asarray(events.theta_pos, dtype=float).reshape(-1), (N,))
        T[ROW["THN"]] = np.broadcast_to(np.asarray(events.theta_neg, dtype=float).reshape(-1), (N,))
        T[ROW["RUX"]], T[ROW["RUY"]], T[ROW["RUZ"]] = _unit(events.reset_axis, N).T
    return T.astype(dtype)


def max_stable_dt(p: MacrospinParams, *, stt_max=0.0, sot_max=0.0, field_max=0.0,
                  drive_kind: str = "current_density", steps_per_period: float = 20.0) -> np.ndarray:
    """Largest accepted step Δt = 1/(``steps_per_period`` f_max) per junction [s], shape (N,) (20 for stochastic
    Heun, see :data:`devices.simulate.SCHEMES`).

    f_max = (γ/2π) |B|max with |B|max bounded by |B_app| + |field drive| + the spectral norm of
    −μ0 Ms N + B_K u uᵀ + the STT and SOT torque fields at the largest drive (devices.md §7: resolve the fastest
    precession with ≥ 20 steps).
    ``stt_max``, ``sot_max``, ``field_max`` are the largest |drive| values per junction (scalar or (N,)).
    """
    if drive_kind not in DRIVE_KINDS:
        raise ValueError(f"drive_kind must be one of {DRIVE_KINDS}, got {drive_kind!r}")
    steps_per_period = real("steps_per_period", steps_per_period, 1.0, 1e6)
    N = p.n
    for name, v in (("stt_max", stt_max), ("sot_max", sot_max), ("field_max", field_max)):
        if real_array(name, v).shape not in ((), (1,), (N,)):
            raise ValueError(f"{name} must be a scalar or have shape (N={N},)")
    b = np.linalg.norm(p.B_app_T, axis=1) + np.abs(np.broadcast_to(field_max, (N,)))
    # |−μ0 Ms N m + B_K (m·u) u| ≤ spectral norm of the symmetric matrix −μ0 Ms N + B_K u uᵀ (exact bound)
    M = -C.MU0_T_M_PER_A * p.Ms_A_per_m[:, None, None] * (p.demag[:, :, None] * np.eye(3)[None])
    M = M + p.B_K_T[:, None, None] * p.easy_axis[:, :, None] * p.easy_axis[:, None, :]
    b = b + np.abs(np.linalg.eigvalsh(M)).max(axis=1)
    smax = np.abs(np.broadcast_to(np.asarray(stt_max, dtype=float), (N,)))
    if drive_kind == "current":
        smax = smax / p.area_m2
    elif drive_kind == "voltage":
        smax = smax / (p.R_P_ohm * p.area_m2)
    P = p.P_slonczewski
    eta_max = np.where(P > 0, 1.0 / np.maximum(-4.0 + 2.0 * (1 + P) ** 3 / (4 * np.maximum(P, 1e-9) ** 1.5), 1e-9),
                       p.eta)
    b = b + smax * p.a_J_per_A_per_m2 * eta_max * (1.0 + np.abs(p.xi))
    asot = C.HBAR_J_S * np.abs(p.theta_SH) / (2.0 * C.E_CHARGE_C * p.Ms_A_per_m * p.t_F_m)
    b = b + np.abs(np.broadcast_to(sot_max, (N,))) * asot * (1.0 + np.abs(p.xi_sot))
    fmax = p.gamma_rad_per_s_T / (2 * np.pi) * b
    with np.errstate(divide="ignore"):
        return np.where(fmax > 0, 1.0 / (steps_per_period * fmax), np.inf)
