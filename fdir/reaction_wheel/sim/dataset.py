"""Windows, concept labels, normalisation and fault campaigns for the reaction-wheel detector and probes.

Windowing follows arXiv:2604.08424 (reference sheet §6): non-overlapping windows of W = 16 samples (64 s) of the
16 channels, fed to the detector as a (16 channels x 16 samples) image. A window is *faulty* when at least one of
its samples is marked in :attr:`fdir.reaction_wheel.sim.simulate.Telemetry.mask`. Its concepts come from the fault that
marks the
most (sample, channel) cells of the window:

* wheel: ``none``, ``RW1`` … ``RW4``, or ``all`` (scope ``all``, or faults on two wheels in the window);
* fault type (:data:`TYPE_CONCEPTS`): ``nominal`` or the injected kind, except that bias faults are labelled by
  the signature visible inside the window (``label_mode="signature"``, default): a window that contains the level
  change of an ``offset``/``step`` fault (its start, or the end of an ``offset``) is ``step``; a window that lies
  inside a constant bias is ``offset``. One window cannot tell a kept step after its onset from a bias (both call
  for the same recovery), so the injected kind is only recoverable where the change is seen.
  ``label_mode="injected"`` keeps the injected kind;
* channel: ``none``, the quantity (scope ``channel``, or ``all`` scope on one quantity) or ``all``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from fdir.reaction_wheel.sim.faults import FAULT_TYPES, SCOPES, Fault
from fdir.reaction_wheel.sim.params import CHANNEL_QUANTITIES, N_WHEELS
from fdir.reaction_wheel.sim.simulate import Telemetry

__all__ = [
    "CHANNEL_CONCEPTS",
    "CONCEPTS",
    "MAGNITUDE_RANGES",
    "TYPE_CONCEPTS",
    "WHEEL_CONCEPTS",
    "Normalizer",
    "WindowLabels",
    "fault_campaign",
    "window_labels",
    "windows",
]

WHEEL_CONCEPTS = ("none", "RW1", "RW2", "RW3", "RW4", "all")
TYPE_CONCEPTS = ("nominal", *FAULT_TYPES)
CHANNEL_CONCEPTS = ("none", *CHANNEL_QUANTITIES, "all")
CONCEPTS = {"wheel": WHEEL_CONCEPTS, "type": TYPE_CONCEPTS, "channel": CHANNEL_CONCEPTS}
"""Concept families of the peephole probes and their class names (index = integer code)."""

MAGNITUDE_RANGES = {"offset": (1.5, 4.0), "step": (1.5, 4.0), "impulse": (4.0, 8.0), "noise": (1.0, 3.0),
                    "stuck": (0.0, 0.0), "friction": (1.0, 4.0), "correlation": (0.7, 1.0)}
"""Default magnitude ranges of :func:`fault_campaign` (units per kind: see :mod:`fdir.reaction_wheel.sim.faults`)."""


def windows(x: np.ndarray, W: int = 16, stride: int | None = None) -> np.ndarray:
    """Cut telemetry ``x`` (B, n, C) into windows (B * n_w, C, W): channels x samples, as the detector reads them.

    ``stride`` defaults to ``W`` (non-overlapping); windows that do not fit are dropped; n_w = (n − W)//stride + 1.

    Raises
    ------
    ValueError
        for ``W`` or ``stride`` < 1, ``x`` not 3-D, or episodes shorter than one window.
    """
    stride = W if stride is None else stride
    if W < 1 or stride < 1:
        raise ValueError(f"W={W} and stride={stride} must be >= 1")
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"x must have shape (B, n, C), got {x.shape}")
    B, n, C = x.shape
    if n < W:
        raise ValueError(f"episodes have n={n} samples, fewer than one window W={W}")
    starts = np.arange(0, n - W + 1, stride)
    idx = starts[:, None] + np.arange(W)
    return np.ascontiguousarray(x[:, idx, :].transpose(0, 1, 3, 2).reshape(B * starts.size, C, W))


@dataclass(frozen=True)
class WindowLabels:
    """Ground truth per window (all (N,)): ``faulty`` bool; ``wheel``, ``type``, ``channel`` integer codes into
    :data:`WHEEL_CONCEPTS`, :data:`TYPE_CONCEPTS`, :data:`CHANNEL_CONCEPTS`; ``episode`` and ``start`` (sample
    index) of the window; ``magnitude`` of the dominant fault (NaN when nominal)."""

    faulty: np.ndarray
    wheel: np.ndarray
    type: np.ndarray
    channel: np.ndarray
    episode: np.ndarray
    start: np.ndarray
    magnitude: np.ndarray

    def __len__(self) -> int:
        return int(self.faulty.size)

    def select(self, keep: np.ndarray) -> WindowLabels:
        """The labels of the windows where ``keep`` (bool (N,) or indices) holds."""
        return WindowLabels(**{k: getattr(self, k)[keep] for k in self.__dataclass_fields__})

    def concat(self, other: WindowLabels) -> WindowLabels:
        return WindowLabels(**{k: np.concatenate([getattr(self, k), getattr(other, k)])
                               for k in self.__dataclass_fields__})

    def codes(self, family: str) -> np.ndarray:
        """Integer codes of one concept family (``"wheel"``, ``"type"``, ``"channel"``)."""
        if family not in CONCEPTS:
            raise ValueError(f"family={family!r} must be one of {tuple(CONCEPTS)}")
        return getattr(self, family)


def window_labels(tel: Telemetry, W: int = 16, stride: int | None = None,
                  label_mode: str = "signature") -> WindowLabels:
    """Concept labels of the windows produced by ``windows(tel.x, W, stride)`` (same order).

    Raises
    ------
    ValueError
        for an unknown ``label_mode`` (``"signature"`` or ``"injected"``).
    """
    if label_mode not in ("signature", "injected"):
        raise ValueError(f"label_mode={label_mode!r} must be 'signature' or 'injected'")
    stride = W if stride is None else stride
    B, n, _ = tel.x.shape
    starts = np.arange(0, n - W + 1, stride)
    N = B * starts.size
    out = {k: np.zeros(N, np.int64) for k in ("wheel", "type", "channel")}
    faulty = np.zeros(N, bool)
    mag = np.full(N, np.nan)
    i = 0
    for b in range(B):
        fid = tel.fault_id[b]
        for s in starts:
            block = fid[s:s + W]
            ids, counts = np.unique(block[block >= 0], return_counts=True)
            if ids.size:
                faulty[i] = True
                f: Fault = tel.faults[b][int(ids[np.argmax(counts)])]
                mag[i] = f.magnitude
                wheels = {w for j in ids for w in tel.faults[b][int(j)].wheels}
                out["wheel"][i] = WHEEL_CONCEPTS.index("all") if len(wheels) > 1 else 1 + next(iter(wheels))
                kind = f.kind
                if label_mode == "signature" and kind in ("offset", "step"):
                    f0, f1 = f.interval(n)
                    change_inside = (s < f0 <= s + W - 1) or (kind == "offset" and s <= f1 < s + W - 1)
                    kind = "step" if change_inside else "offset"
                out["type"][i] = TYPE_CONCEPTS.index(kind)
                if f.kind == "friction" or f.scope == "wheel" or f.quantity is None:
                    out["channel"][i] = CHANNEL_CONCEPTS.index("all")
                else:
                    out["channel"][i] = CHANNEL_CONCEPTS.index(f.quantity)
            i += 1
    return WindowLabels(faulty=faulty, wheel=out["wheel"], type=out["type"], channel=out["channel"],
                        episode=np.repeat(np.arange(B), starts.size), start=np.tile(starts, B), magnitude=mag)


@dataclass(frozen=True)
class Normalizer:
    """Per-channel standardisation z = (x − mean) / std fitted on nominal training telemetry (units of x)."""

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, x: np.ndarray) -> Normalizer:
        """Fit on telemetry (..., C); channels with zero spread get std 1.

        Raises
        ------
        ValueError
            for non-finite data.
        """
        x = np.asarray(x, dtype=np.float64).reshape(-1, np.shape(x)[-1])
        if not np.all(np.isfinite(x)):
            raise ValueError("x must be finite to fit a Normalizer")
        std = x.std(axis=0)
        return cls(mean=x.mean(axis=0), std=np.where(std > 0, std, 1.0))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Standardise telemetry (..., C) (or windows (N, C, W) when the channel axis is 1)."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 3 and x.shape[1] == self.mean.size and x.shape[-1] != self.mean.size:
            return (x - self.mean[:, None]) / self.std[:, None]
        return (x - self.mean) / self.std


def fault_campaign(n_episodes: int, n_samples: int, seed: int, *, kinds: Sequence[str] = FAULT_TYPES,
                   scopes: Sequence[str] = SCOPES, scope_p: Sequence[float] = (0.6, 0.3, 0.1),
                   magnitude: float | None = None, nominal_fraction: float = 0.0, W: int = 16,
                   ranges: dict[str, tuple[float, float]] | None = None) -> list[list[Fault]]:
    """Random single-fault episodes: kind uniform over ``kinds``, scope drawn with ``scope_p``, wheel and
    quantity uniform, start uniform over windows [n_w/8, n_w/2), duration (interval kinds) uniform in
    [n_w/8, n_w/3] windows, magnitude uniform in ``ranges[kind]`` (:data:`MAGNITUDE_RANGES`) or fixed
    ``magnitude`` (in the kind's units). A fraction ``nominal_fraction`` of episodes has no fault.

    Raises
    ------
    ValueError
        for unknown kinds/scopes, probabilities that do not match ``scopes`` or do not sum to 1, episodes
        shorter than 8 windows, or ``nominal_fraction`` outside [0, 1].
    """
    kinds = tuple(kinds)
    scopes = tuple(scopes)
    bad = [k for k in kinds if k not in FAULT_TYPES]
    if bad or not kinds:
        raise ValueError(f"kinds={kinds!r} must be a non-empty subset of {FAULT_TYPES}")
    if any(s not in SCOPES for s in scopes) or not scopes:
        raise ValueError(f"scopes={scopes!r} must be a non-empty subset of {SCOPES}")
    p = np.asarray(scope_p[:len(scopes)] if len(scope_p) >= len(scopes) else scope_p, dtype=np.float64)
    if p.size != len(scopes) or np.any(p < 0) or p.sum() <= 0:
        raise ValueError(f"scope_p={scope_p!r} must give one non-negative probability per scope {scopes}")
    p = p / p.sum()
    n_w = n_samples // W
    if n_w < 8:
        raise ValueError(f"n_samples={n_samples} must hold at least 8 windows of W={W}")
    if not 0.0 <= nominal_fraction <= 1.0:
        raise ValueError(f"nominal_fraction={nominal_fraction!r} must be in [0, 1]")
    rng_ranges = {**MAGNITUDE_RANGES, **(ranges or {})}
    rng = np.random.default_rng([int(seed), 0xCA4])
    out: list[list[Fault]] = []
    for _ in range(int(n_episodes)):
        if rng.random() < nominal_fraction:
            out.append([])
            continue
        kind = kinds[rng.integers(len(kinds))]
        scope = scopes[rng.choice(len(scopes), p=p)]
        if kind == "friction" and scope == "channel":
            scope = "wheel"
        wheel = None if scope == "all" else int(rng.integers(N_WHEELS))
        quantity = CHANNEL_QUANTITIES[rng.integers(len(CHANNEL_QUANTITIES))]
        if scope == "wheel":
            quantity = None
        w0 = int(rng.integers(max(1, n_w // 8), max(2, n_w // 2)))
        dur = int(rng.integers(max(1, n_w // 8), max(2, n_w // 3) + 1))
        start = w0 * W + int(rng.integers(W))
        end = min(start + dur * W, n_samples - 1)
        if kind == "stuck":
            m = 0.0
        elif magnitude is not None:
            m = float(magnitude)
        else:
            lo, hi = rng_ranges[kind]
            m = float(rng.uniform(lo, hi))
        profile = "ramp" if (kind == "friction" and rng.random() < 0.5) else "step"
        out.append([Fault(kind=kind, scope=scope, wheel=wheel, quantity=quantity, start=start, end=end,
                          magnitude=m, profile=profile)])
    return out
