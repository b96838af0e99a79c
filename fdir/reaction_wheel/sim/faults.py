"""Fault injection for the reaction-wheel telemetry simulator, with unit/channel/fault-type ground truth.

Fault types and signatures follow the fdir reference sheet §8:

==============  ==============================================================  ==========================
kind            injection (interval [start, end] in samples, inclusive)          ``magnitude`` means
==============  ==============================================================  ==========================
``offset``      x + b over the interval (sensor bias)                            b / σ_c
``step``        x + b from ``start`` to the end of the episode (kept)            b / σ_c
``impulse``     isolated one-sample spikes ±A, one per 16 samples on average     A / σ_c
``noise``       added Gaussian noise of standard deviation s                    s / σ_c
``stuck``       channel frozen at its last value before ``start``                (unused, must be 0)
``friction``    Coulomb and viscous friction scaled by 1 + m (``profile`` step)  m (relative increase)
                or ramped 1 → 1 + m over the interval (bearing degradation);
                kept to the end of the episode; a *physical* fault that moves
                current, voltage and temperature through the wheel model
``correlation`` coupling broken: x ← (1 − m) x + m x(t − lag), the channel       m in (0, 1]
                follows its own past instead of its siblings
==============  ==============================================================  ==========================

σ_c is a per-channel scale supplied by the caller (the dataset code uses the standard deviation of nominal
training telemetry, so magnitudes are in nominal standard deviations). ``scope``: ``"channel"`` (one quantity of
one wheel), ``"wheel"`` (all four channels of one wheel), ``"all"`` (one quantity, or every quantity when
``quantity`` is None, on all four wheels). Friction faults act on whole wheels (scope ``"wheel"`` or ``"all"``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fdir.reaction_wheel.sim.params import CHANNEL_QUANTITIES, N_CHANNELS, N_WHEELS, channel_index

__all__ = [
    "FAULT_TYPES",
    "SCOPES",
    "SENSOR_FAULTS",
    "Fault",
    "affected_channels",
    "apply_sensor_fault",
    "friction_schedule",
]

FAULT_TYPES = ("offset", "step", "impulse", "noise", "stuck", "friction", "correlation")
SENSOR_FAULTS = ("offset", "step", "impulse", "noise", "stuck", "correlation")
SCOPES = ("channel", "wheel", "all")
IMPULSE_SPACING = 16
"""Mean samples between impulses of an ``impulse`` fault (one per peephole window on average)."""


@dataclass(frozen=True)
class Fault:
    """One injected fault (see the module table). ``start``/``end`` are inclusive sample indices; ``end`` None
    means the end of the episode; the kept kinds (``step``, ``friction``) last to the end of the episode whatever
    ``end`` says (for a ``ramp`` friction fault ``end`` is where the ramp reaches 1 + m). ``wheel`` is 0-based (None
    for scope ``"all"``); ``lag`` (samples) is used by ``correlation`` only; ``profile`` by ``friction`` only.

    Raises
    ------
    ValueError
        naming the field for an unknown kind/scope/quantity/profile, a wheel outside 0..3, a negative or
        reversed interval, or a magnitude outside its range.
    """

    kind: str
    scope: str = "channel"
    wheel: int | None = 0
    quantity: str | None = "current"
    start: int = 0
    end: int | None = None
    magnitude: float = 1.0
    profile: str = "step"
    lag: int = 150

    def __post_init__(self) -> None:
        if self.kind not in FAULT_TYPES:
            raise ValueError(f"Fault.kind={self.kind!r} must be one of {FAULT_TYPES}")
        if self.scope not in SCOPES:
            raise ValueError(f"Fault.scope={self.scope!r} must be one of {SCOPES}")
        if self.scope == "all":
            if self.wheel is not None:
                raise ValueError("Fault.wheel must be None for scope 'all'")
        elif not (isinstance(self.wheel, int | np.integer) and 0 <= self.wheel < N_WHEELS):
            raise ValueError(f"Fault.wheel={self.wheel!r} must be an integer in [0, {N_WHEELS - 1}]")
        if self.quantity is not None and self.quantity not in CHANNEL_QUANTITIES:
            raise ValueError(f"Fault.quantity={self.quantity!r} must be one of {CHANNEL_QUANTITIES} or None")
        if self.scope == "channel" and self.quantity is None:
            raise ValueError("Fault.quantity is required for scope 'channel'")
        if self.kind == "friction" and self.scope == "channel":
            raise ValueError("Fault.scope='channel' is not accepted for a friction fault (a wheel-level fault); "
                             "use 'wheel' or 'all'")
        if not (isinstance(self.start, int | np.integer) and self.start >= 0):
            raise ValueError(f"Fault.start={self.start!r} must be an integer >= 0")
        if self.end is not None and not (isinstance(self.end, int | np.integer) and self.end >= self.start):
            raise ValueError(f"Fault.end={self.end!r} must be None or an integer >= start={self.start}")
        m = self.magnitude
        if not np.isfinite(m):
            raise ValueError(f"Fault.magnitude={m!r} must be finite")
        if self.kind == "stuck" and m != 0 and m != 1.0:
            raise ValueError("Fault.magnitude is unused for 'stuck' faults: leave it at 0 or 1")
        if self.kind in ("impulse", "noise", "friction") and m <= 0:
            raise ValueError(f"Fault.magnitude={m!r} must be > 0 for kind {self.kind!r}")
        if self.kind == "correlation" and not 0 < m <= 1:
            raise ValueError(f"Fault.magnitude={m!r} must be in (0, 1] for kind 'correlation'")
        if self.profile not in ("step", "ramp"):
            raise ValueError(f"Fault.profile={self.profile!r} must be 'step' or 'ramp'")
        if not (isinstance(self.lag, int | np.integer) and self.lag >= 1):
            raise ValueError(f"Fault.lag={self.lag!r} must be an integer >= 1")

    @property
    def wheels(self) -> tuple[int, ...]:
        """0-based wheels the fault touches."""
        return tuple(range(N_WHEELS)) if self.scope == "all" else (int(self.wheel),)

    @property
    def kept(self) -> bool:
        """True for kinds that persist to the end of the episode (``step``, ``friction``)."""
        return self.kind in ("step", "friction")

    def interval(self, n_samples: int) -> tuple[int, int]:
        """Inclusive sample interval inside an episode of ``n_samples`` samples (may be empty: start > end)."""
        end = n_samples - 1 if (self.kept or self.end is None) else min(self.end, n_samples - 1)
        return self.start, end


def affected_channels(fault: Fault) -> list[int]:
    """Telemetry columns the fault is injected into (friction: every channel of its wheels)."""
    if fault.kind == "friction" or fault.scope == "wheel" or (fault.scope == "all" and fault.quantity is None):
        qs = CHANNEL_QUANTITIES
    else:
        qs = (fault.quantity,)
    return sorted(channel_index(w, q) for w in fault.wheels for q in qs)


def friction_schedule(faults: list[Fault] | tuple[Fault, ...], n_samples: int) -> np.ndarray:
    """Friction scale (n_samples, 4) of one episode from its ``friction`` faults (1 elsewhere; products)."""
    f = np.ones((n_samples, N_WHEELS))
    for flt in faults:
        if flt.kind != "friction":
            continue
        s, e = flt.interval(n_samples)
        if s > e:
            continue
        k = np.arange(n_samples)
        if flt.profile == "ramp":
            ramp_len = max((e if flt.end is None else flt.end) - flt.start, 1)
            g = 1.0 + flt.magnitude * np.clip((k - s) / ramp_len, 0.0, 1.0)
        else:
            g = np.full(n_samples, 1.0 + flt.magnitude)
        g[k < s] = 1.0
        for w in flt.wheels:
            f[:, w] *= g
    return f


def apply_sensor_fault(x: np.ndarray, fault: Fault, scale: np.ndarray, rng: np.random.Generator,
                       mask: np.ndarray | None = None) -> None:
    """Inject a sensor fault into one episode's telemetry ``x`` (n, 16) in place.

    ``scale`` (16,) is σ_c per channel (physical units of each channel). ``mask`` (n, 16) bool, if given, is set
    True where the fault changed a sample (impulses: only the spike samples). Friction faults are physical and
    are ignored here (see :func:`friction_schedule`).

    Raises
    ------
    ValueError
        for ``x`` not of shape (n, 16) or ``scale`` not of shape (16,) with positive entries.
    """
    if x.ndim != 2 or x.shape[1] != N_CHANNELS:
        raise ValueError(f"x must have shape (n, {N_CHANNELS}), got {x.shape}")
    scale = np.asarray(scale, dtype=np.float64)
    if scale.shape != (N_CHANNELS,) or np.any(~(scale > 0)):
        raise ValueError(f"scale must be {N_CHANNELS} positive numbers")
    if fault.kind == "friction":
        return
    n = x.shape[0]
    s, e = fault.interval(n)
    if s > e:
        return
    cols = affected_channels(fault)
    seg = slice(s, e + 1)
    L = e - s + 1
    for c in cols:
        sc = scale[c]
        if fault.kind in ("offset", "step"):
            x[seg, c] += fault.magnitude * sc
            hit = np.ones(L, bool)
        elif fault.kind == "impulse":
            n_sp = max(1, round(L / IMPULSE_SPACING))
            pos = np.sort(rng.choice(L, size=min(n_sp, L), replace=False))
            sign = rng.choice(np.array([-1.0, 1.0]), size=pos.size)
            x[s + pos, c] += sign * fault.magnitude * sc
            hit = np.zeros(L, bool)
            hit[pos] = True
        elif fault.kind == "noise":
            x[seg, c] += rng.normal(0.0, fault.magnitude * sc, size=L)
            hit = np.ones(L, bool)
        elif fault.kind == "stuck":
            x[seg, c] = x[max(s - 1, 0), c]
            hit = np.ones(L, bool)
        else:  # correlation
            src = np.arange(s, e + 1) - fault.lag
            src = np.where(src < 0, src + 2 * fault.lag, src)
            src = np.clip(src, 0, n - 1)
            x[seg, c] = (1.0 - fault.magnitude) * x[seg, c] + fault.magnitude * x[src, c]
            hit = np.ones(L, bool)
        if mask is not None:
            mask[seg, c] |= hit
