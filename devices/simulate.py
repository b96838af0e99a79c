"""Ensemble macrospin simulation: one call integrates N junctions with stochastic Heun on the chosen backend.

>>> from devices.presets import preset
>>> p = preset("inplane_cofeb_ellipse").params(n=100, T_K=300.0)
>>> res = simulate(p, m0=(1, 0, 0), dt_s=1e-12, n_steps=1000, drive=Drive(stt=1e10))
>>> res.m.shape
(100, 3)

Inputs are per-step drive waveforms per junction (STT current density, current or voltage; SOT current
density; applied-field amplitude); outputs are the final state, optionally a decimated trajectory, threshold
events detected inside the kernel (memory O(N + events), independent of simulated time) and the energy drawn
from the sources per junction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from devices._check import positive_int, real_array
from devices._layout import consts
from devices.params import DRIVE_KINDS, RESET_MODES, EventSpec, MacrospinParams, coefficient_table, max_stable_dt

__all__ = ["BACKENDS", "DTYPES", "SCHEMES", "Drive", "Scheme", "SimResult", "Waveform", "simulate"]

BACKENDS = ("numba", "jax")


@dataclass(frozen=True)
class Scheme:
    """An integrator of the stochastic LLG offered by :func:`simulate` (both backends).

    ``code`` kernel switch; ``steps_per_period``: the accepted step is Δt ≤ 1/(steps_per_period · f_max)
    (f_max the bound on the precession frequency of :func:`devices.params.max_stable_dt`); ``weak_order`` and
    ``deterministic_order`` the convergence orders of expectations and of the T = 0 trajectory (measured in
    validation cases D2 and D11); ``source`` the reference.
    """

    code: int
    steps_per_period: float
    weak_order: int
    deterministic_order: int
    norm_preserving: bool
    source: str


SCHEMES: dict[str, Scheme] = {
    "heun": Scheme(0, 20.0, 1, 2, False,
                   "stochastic Heun, renormalised: García-Palacios & Lázaro, PRB 58, 14937 (1998), "
                   "doi:10.1103/PhysRevB.58.14937"),
    "midpoint": Scheme(1, 4.0, 1, 2, True,
                       "semi-implicit midpoint (SIB, explicit Cayley form): Mentink et al., J. Phys.: Condens. "
                       "Matter 22, 176001 (2010), doi:10.1088/0953-8984/22/17/176001"),
}
"""Integrators by name. Both converge to the Stratonovich solution (one thermal sample per step used in both
stages). Heun is explicit and only renormalised; the midpoint scheme rotates m (|m| kept to round-off at any
Δt, unconditionally stable), so its step is limited by accuracy, not stability: Δt ≤ 1/(4 f_max) keeps at least
four steps per fastest precession period."""
_STT_UNIT = {"current_density": "A/m²", "current": "A", "voltage": "V"}
DTYPES = ("float64", "float32")


@dataclass(frozen=True)
class Waveform:
    """A compact drive: ``table`` (K, S) of K shared waveforms, ``index`` (N,) row per junction, ``scale`` (N,).

    The value seen by junction j at step s is ``scale[j] * table[index[j], s]`` (S == n_steps, or S == 1 for a
    constant). Use it when many junctions share few waveforms (a sweep of amplitudes over one pulse shape).
    """

    table: np.ndarray
    index: np.ndarray
    scale: np.ndarray | float = 1.0

    def __post_init__(self):
        """Raise ValueError for a non-finite ``table``/``scale`` or an ``index`` that is not a non-negative integer
        array below the number of table rows."""
        tab = real_array("Waveform.table", self.table)
        if tab.ndim not in (1, 2) or tab.size == 0:
            raise ValueError(f"Waveform.table must be a non-empty (K, S) array, got shape {tab.shape}")
        real_array("Waveform.scale", self.scale)
        idx = np.asarray(self.index)
        if idx.size == 0 or not np.issubdtype(idx.dtype, np.integer):
            raise ValueError(f"Waveform.index must be a non-empty integer array, got {self.index!r}")
        rows = np.atleast_2d(tab).shape[0]
        if idx.min() < 0 or idx.max() >= rows:
            raise ValueError(f"Waveform.index must be in [0, {rows - 1}]")


@dataclass(frozen=True)
class Drive:
    """Drive channels; each is ``None`` (off), a scalar, an (S,) waveform shared by all junctions, an (N, 1)
    per-junction constant, an (N, S) per-junction waveform, or a :class:`Waveform` (S = n_steps).

    ``stt``: spin-transfer drive in the unit of ``stt_kind`` — "current_density" [A/m²], "current" [A]
    (J = I/area) or "voltage" [V] (J = V·G(m)/area with the TMR conductance of the current state).
    ``sot``: SOT charge-current density in the heavy-metal line [A/m²]. ``field``: amplitude [T] of a field
    along each junction's ``field_dir``, added to ``B_app_T``.
    """

    stt: object = None
    sot: object = None
    field: object = None
    stt_kind: str = "current_density"

    def __post_init__(self):
        """Raise ValueError for an unknown ``stt_kind`` or a channel with a NaN/inf value (finite, any sign)."""
        if self.stt_kind not in DRIVE_KINDS:
            raise ValueError(f"stt_kind must be one of {DRIVE_KINDS}, got {self.stt_kind!r}")
        for name in ("stt", "sot", "field"):
            v = getattr(self, name)
            if v is not None and not isinstance(v, Waveform):
                unit = {"stt": _STT_UNIT[self.stt_kind], "sot": "A/m²", "field": "T"}[name]
                a = real_array(f"drive.{name}", v, unit=unit)
                if a.size == 0:
                    raise ValueError(f"drive.{name} must not be empty")


@dataclass(frozen=True)
class SimResult:
    """Outcome of :func:`simulate`.

    ``m`` (N, 3) final unit magnetisation; ``traj`` (n_save, N, 3) states after every ``save_every`` steps or
    None, at times ``t_s`` (n_save,) from the start of this call; ``energy_J`` (N,) energy drawn from the
    drive sources (STT: ∫V·I dt through the TMR resistance; SOT: ∫I²R_line dt); ``n_pos``, ``n_neg`` (N,)
    event counts; ``ev_step`` (N, cap) global step index after which an event was detected (−1: none),
    ``ev_sign`` (N, cap) ±1, ``ev_energy_J`` (N, cap) cumulative energy at the event; ``armed`` (N,) detector
    state; ``next_step`` the global step index to pass as ``step_offset`` to continue the same noise stream.
    """

    m: np.ndarray
    traj: np.ndarray | None
    t_s: np.ndarray
    energy_J: np.ndarray
    n_pos: np.ndarray
    n_neg: np.ndarray
    ev_step: np.ndarray
    ev_sign: np.ndarray
    ev_energy_J: np.ndarray
    armed: np.ndarray
    dt_s: float
    n_steps: int
    next_step: int
    backend: str
    dtype: str


def _channel(x, N: int, S: int, name: str):
    """-> (table (K, S_c), index (N,), scale (N,)) for one drive channel."""
    if x is None:
        return np.zeros((1, 1)), np.zeros(N, dtype=np.int64), np.zeros(N)
    if isinstance(x, Waveform):
        tab = np.atleast_2d(np.asarray(x.table, dtype=float))
        idx = np.broadcast_to(np.asarray(x.index, dtype=np.int64), (N,)).copy()
        sc = np.broadcast_to(np.asarray(x.scale, dtype=float), (N,)).copy()
        if tab.shape[1] not in (1, S):
            raise ValueError(f"drive.{name}: Waveform table must have S = n_steps ({S}) or 1 columns, "
                             f"got {tab.shape[1]}")
        if idx.min() < 0 or idx.max() >= tab.shape[0]:
            raise ValueError(f"drive.{name}: Waveform index must be in [0, {tab.shape[0] - 1}]")
        return tab, idx, sc
    a = np.asarray(x, dtype=float)
    if a.ndim == 0:
        return np.ones((1, 1)), np.zeros(N, dtype=np.int64), np.full(N, float(a))
    if a.ndim == 1:
        if a.shape[0] != S:
            raise ValueError(f"drive.{name}: a 1-D waveform must have n_steps = {S} samples, got {a.shape[0]} "
                             "(per-junction constants: shape (N, 1))")
        return a[None, :], np.zeros(N, dtype=np.int64), np.ones(N)
    if a.ndim == 2 and a.shape[0] == N and a.shape[1] in (1, S):
        return a, np.arange(N, dtype=np.int64), np.ones(N)
    raise ValueError(f"drive.{name}: shape {a.shape} not understood; accepted: scalar, (S,), (N, 1), (N, S) "
                     f"with N = {N}, S = {S}, or a Waveform")


def _max_abs(tab, idx, sc):
    return np.abs(sc) * np.abs(tab).max(axis=1)[idx]


def simulate(params: MacrospinParams, m0, dt_s: float, n_steps: int, *, drive: Drive | None = None,
             backend: str = "numba", dtype: str = "float64", seed: int = 0, save_every: int = 0,
             events: EventSpec | None = None, step_offset: int = 0, armed=None, scheme: str = "heun",
             energy: bool = True) -> SimResult:
    """Integrate N junctions for ``n_steps`` steps of ``dt_s`` seconds (stochastic Heun or the semi-implicit
    midpoint scheme, see :data:`SCHEMES`; |m| renormalised after each step).

    The equation is the Gilbert form of the LLG with Slonczewski and spin-orbit torques, solved exactly in its
    Landau–Lifshitz form (the α cross terms of the torques included; devices.md §1, :mod:`devices._layout`).
    Accuracy: Δt ≤ 1/(20 f_max) is the stability limit enforced here; Heun amplifies an undamped precession by
    ≈ (ωΔt)⁴/8 per step, so weakly damped dynamics followed over many periods (α ≲ 0.01, thresholds near a
    critical current) need a several times smaller Δt (validation case D5 uses ωΔt ≤ 0.05).

    Parameters
    ----------
    params : per-junction parameters (N junctions).
    m0 : initial magnetisation, (3,) or (N, 3); normalised here.
    dt_s : time step [s]; must satisfy Δt ≤ 1/(20 f_max) (:func:`devices.params.max_stable_dt`).
    n_steps : number of steps (≥ 1).
    drive : drive channels (see :class:`Drive`); None = no drive.
    backend : "numba" (CPU, parallel over junction blocks) or "jax" (jit + vmap, any JAX device).
    dtype : "float64" (validation) or "float32" (sweeps).
    seed : seed of the counter-based thermal noise (results independent of threads and block size).
    save_every : store the state every this many steps (0: no trajectory).
    events : threshold-crossing detection and reset (None: off).
    step_offset : global index of the first step (continue a run with ``step_offset=result.next_step``).
    armed : detector state from a previous call (N,) to continue event detection.
    scheme : integrator name, a key of :data:`SCHEMES` ("heun" or "midpoint").
    energy : track the energy drawn from the drive sources (False: ``energy_J`` and ``ev_energy_J`` are NaN and
        the Numba kernel is compiled without the bookkeeping, which saves a division per junction-step).

    Raises
    ------
    ValueError
        naming the argument, for an unknown backend/dtype/drive kind, a non-bool ``energy``, wrong shapes,
        NaN/inf anywhere in ``m0`` or the drive, ``n_steps`` < 1, a negative ``seed``/``step_offset``/
        ``save_every``, or ``dt_s`` above the stability limit (the message names the limit).
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {tuple(SCHEMES)}, got {scheme!r}")
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}, got {dtype!r}")
    if not isinstance(energy, bool | np.bool_):
        raise ValueError(f"energy must be True or False, got {energy!r}")
    if not isinstance(params, MacrospinParams):
        raise ValueError("params must be a MacrospinParams (see MacrospinParams.build or devices.presets)")
    n_steps = positive_int("n_steps", n_steps, 1)
    if not (isinstance(dt_s, int | float) and math.isfinite(dt_s) and dt_s > 0):
        raise ValueError(f"dt_s must be a finite time step > 0 s, got {dt_s!r}")
    save_every = positive_int("save_every", save_every, 0)
    seed = positive_int("seed", seed, -(2**63), 2**63 - 1)
    step_offset = positive_int("step_offset", step_offset, 0, 2**30 - n_steps)
    drive = drive or Drive()
    if not isinstance(drive, Drive):
        raise ValueError(f"drive must be a Drive or None, got {type(drive).__name__}")
    if drive.stt_kind not in DRIVE_KINDS:
        raise ValueError(f"drive.stt_kind must be one of {DRIVE_KINDS}, got {drive.stt_kind!r}")
    N = params.n
    m = real_array("m0", m0)
    if m.shape == (3,):
        m = np.broadcast_to(m, (N, 3))
    if m.shape != (N, 3) or not np.all(np.isfinite(m)):
        raise ValueError(f"m0 must be a finite array of shape (3,) or (N={N}, 3), got {np.shape(m0)}")
    nrm = np.linalg.norm(m, axis=1, keepdims=True)
    if np.any(nrm == 0):
        raise ValueError("m0 must be non-zero vectors")
    m = m / nrm

    stt = _channel(drive.stt, N, n_steps, "stt")
    sot = _channel(drive.sot, N, n_steps, "sot")
    fld = _channel(drive.field, N, n_steps, "field")
    lim = max_stable_dt(params, stt_max=_max_abs(*stt), sot_max=_max_abs(*sot), field_max=_max_abs(*fld),
                        drive_kind=drive.stt_kind, steps_per_period=SCHEMES[scheme].steps_per_period)
    if dt_s > lim.min() * (1 + 1e-12):
        j = int(np.argmin(lim))
        k = SCHEMES[scheme].steps_per_period
        raise ValueError(f"dt_s={dt_s:.4g} s is too large for scheme {scheme!r}: it must be <= "
                         f"{lim.min():.4g} s = 1/({k:g} f_max) (junction {j}); reduce dt_s")
    npdt = np.float64 if dtype == "float64" else np.float32
    P = coefficient_table(params, dt_s, drive_kind=drive.stt_kind, stt_scale=stt[2], sot_scale=sot[2],
                          field_scale=fld[2], events=events, dtype=npdt)
    cap = int(events.capacity) if events is not None else 0
    n_save = n_steps // save_every if save_every else 0
    if armed is None:
        arm0 = np.ones(N, dtype=np.int8)
    else:
        a = real_array("armed", armed, 0, 1)
        if a.shape != (N,) or np.any(a != np.rint(a)):
            raise ValueError(f"armed must be an array of shape (N={N},) with values 0 or 1")
        arm0 = a.astype(np.int8)
    thermal = bool(np.any(params.T_K > 0))
    active = [bool(np.any(_max_abs(*c) > 0)) for c in (stt, sot, fld)]  # drives that are not identically zero
    common = dict(P=P, K=consts(npdt), m=m.astype(npdt), n_steps=n_steps, step_offset=int(step_offset),
                  dt=npdt(dt_s), seed=int(seed) & 0xFFFFFFFF, thermal=thermal, scheme=SCHEMES[scheme].code,
                  has_stt=active[0], has_sot=active[1], has_field=active[2],
                  w=[(c[0].astype(npdt), c[1]) for c in (stt, sot, fld)],
                  detect=events is not None, reset_mode=RESET_MODES[events.reset] if events is not None else 0,
                  rearm=float(events.rearm) if events is not None else 0.5, armed=arm0, cap=cap,
                  save_every=save_every, n_save=n_save)
    if backend == "numba":
        out = _run_numba(**common, track_energy=bool(energy))
    else:
        from devices import _kernel_jax

        out = _kernel_jax.run_host(**common)
    mf, traj, energy_J, n_pos, n_neg, ev_step, ev_sign, ev_energy, armed_out = out
    if not energy:
        energy_J = np.full(N, np.nan)
        ev_energy = np.full(ev_step.shape, np.nan)
    t = dt_s * save_every * np.arange(1, n_save + 1) if save_every else np.zeros(0)
    return SimResult(m=mf, traj=traj, t_s=t, energy_J=energy_J, n_pos=n_pos, n_neg=n_neg, ev_step=ev_step,
                     ev_sign=ev_sign, ev_energy_J=ev_energy, armed=armed_out, dt_s=float(dt_s), n_steps=n_steps,
                     next_step=int(step_offset) + n_steps, backend=backend, dtype=dtype)


def _run_numba(*, P, K, m, n_steps, step_offset, dt, seed, thermal, scheme, has_stt, has_sot, has_field, w,
               detect, reset_mode, rearm, armed, cap, save_every, n_save, track_energy):
    from devices import _kernel_numba as kn

    n_true = m.shape[0]
    pad = (-n_true) % kn.BLOCK  # pad to whole blocks with copies of the last junction; trimmed below
    if pad:
        P = np.concatenate([P, np.repeat(P[:, -1:], pad, axis=1)], axis=1)
        m = np.concatenate([m, np.repeat(m[-1:], pad, axis=0)])
        armed = np.concatenate([armed, np.repeat(armed[-1:], pad)])
        w = [(tab, np.concatenate([idx, np.repeat(idx[-1:], pad)])) for tab, idx in w]
    N = m.shape[0]
    mx, my, mz = (np.ascontiguousarray(m[:, i]) for i in range(3))
    energy = np.zeros(N)
    n_pos = np.zeros(N, dtype=np.int64)
    n_neg = np.zeros(N, dtype=np.int64)
    ev_step = np.full((N, cap), -1, dtype=np.int64)
    ev_sign = np.zeros((N, cap), dtype=np.int8)
    ev_energy = np.zeros((N, cap))
    traj = np.zeros((n_save, 3, N), dtype=m.dtype)
    (ws, iS), (wo, iO), (wf, iF) = w
    run = kn.kernel(thermal, scheme, has_stt, has_sot, has_field, str(P.dtype), track_energy)
    run(P, K, mx, my, mz, n_steps, step_offset, dt, seed,
        np.ascontiguousarray(ws), iS, np.ascontiguousarray(wo), iO, np.ascontiguousarray(wf), iF,
        energy, detect, reset_mode, rearm, armed, n_pos, n_neg, ev_step, ev_sign, ev_energy,
        save_every, traj)
    k = slice(0, n_true)
    mf = np.stack([mx[k], my[k], mz[k]], axis=1)
    tr = np.transpose(traj[:, :, k], (0, 2, 1)) if save_every else None
    return mf, tr, energy[k], n_pos[k], n_neg[k], ev_step[k], ev_sign[k], ev_energy[k], armed[k]
