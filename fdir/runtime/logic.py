"""FDIR logic for the reaction-wheel assembly: detect → confirm → isolate → recover → escalate, with a decision log.

Chain (reference sheet §10; ECSS-E-ST-70-11C "Space segment operability", 31 July 2008: failure-management
autonomy F1 = reach a safe configuration and wait for ground, F2 = resume nominal operations onboard; the
hierarchical FDIR levels 0–4 are the industrial convention used with the standard, not a table of it):

1. *detect*: one detector flag per window;
2. *confirm*: N-of-M persistence — the alarm is raised when at least N of the last M flags are set and cleared
   after M consecutive clean windows (:class:`Persistence`);
3. *isolate*: while the alarm is active, each flagged window's peephole answer (wheel, fault type, channel with
   their posteriors) is a candidate when its wheel and type posteriors are ≥ τ_iso and not ``unknown``; a
   candidate is accepted when the same (wheel, type) repeats in K consecutive flagged windows;
4. *recover*: the (unit, fault type) → action table (:data:`DEFAULT_TABLE`, :data:`ACTIONS`):

   ===============================================  ==============================================  =====
   isolated fault on one wheel RW_i                  action                                          level
   ===============================================  ==============================================  =====
   offset / step / stuck / noise (one channel)       flag the channel invalid, substitute the model   1
                                                     estimate, keep the wheel (``flag_channel``)
   impulse                                           log the event only (``log``)                     0
   friction increase / bearing degradation           lower the speed bias / torque share, trend       2
                                                     monitoring (``reduce_share``)
   correlation change, or an unknown type            switch RW_i off, 3-wheel control                 2
                                                     (``isolate_wheel``)
   all wheels, or a second wheel lost, or isolation  safe mode, wait for ground (``safe_mode``)       3
   impossible (wheel unknown at the timeout)
   ===============================================  ==============================================  =====

   A sensor fault whose channel is ``all`` or unknown cannot be masked by one substitute: it is treated as
   ``isolate_wheel``. A stable ``none`` wheel answer (the probe sees a nominal window) is logged only.
5. *escalate*: when the alarm on the same wheel persists for ``recovery_windows`` flagged windows after an action,
   the next level is taken (log → flag_channel → isolate_wheel, reduce_share → isolate_wheel, isolate_wheel of a
   second wheel → safe_mode: a four-wheel pyramid keeps three-axis control with any three wheels, not two).
   Safe mode is latched until :meth:`FdirManager.ground_reset`.

Evidence pointing to a wheel already switched off is logged as ``suppressed``. Every decision goes to a
fixed-capacity ring-buffer log (a structured numpy array allocated once), so the manager runs with fixed memory
inside :mod:`fdir.runtime`, of which it is part (``fdir.reaction_wheel.logic`` re-exports it for the offline side). This
module imports only numpy (pandas lazily in :meth:`FdirManager.log_frame`, an offline convenience).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

__all__ = [
    "ACTIONS",
    "ACTION_LEVEL",
    "CHANNELS",
    "DEFAULT_TABLE",
    "EVENTS",
    "FAULT_TYPES",
    "LOG_DTYPE",
    "WHEELS",
    "FdirConfig",
    "FdirManager",
    "Persistence",
]

ACTIONS = ("none", "log", "flag_channel", "reduce_share", "isolate_wheel", "safe_mode")
"""Recovery actions, in order of increasing severity."""
ACTION_LEVEL = {"none": 0, "log": 0, "flag_channel": 1, "reduce_share": 2, "isolate_wheel": 2, "safe_mode": 3}
"""FDIR level of each action (0 unit-internal/log, 1 unit handled by OBSW, 2 subsystem, 3 system/safe mode)."""
EVENTS = ("alarm_raised", "alarm_cleared", "evidence", "isolated", "action", "escalated", "suppressed",
          "isolation_timeout", "safe_mode", "ground_reset")
WHEELS = ("none", "RW1", "RW2", "RW3", "RW4", "all")
"""Unit concepts, same codes as :data:`fdir.reaction_wheel.sim.dataset.WHEEL_CONCEPTS`."""
FAULT_TYPES = ("nominal", "offset", "step", "impulse", "noise", "stuck", "friction", "correlation")
"""Fault-type concepts, same codes as :data:`fdir.reaction_wheel.sim.dataset.TYPE_CONCEPTS`."""
CHANNELS = ("none", "current", "temperature", "voltage", "speed", "all")
"""Channel concepts, same codes as :data:`fdir.reaction_wheel.sim.dataset.CHANNEL_CONCEPTS`."""

DEFAULT_TABLE = {"nominal": "log", "offset": "flag_channel", "step": "flag_channel", "stuck": "flag_channel",
                 "noise": "flag_channel", "impulse": "log", "friction": "reduce_share",
                 "correlation": "isolate_wheel", "unknown": "isolate_wheel"}
"""Fault type (on one wheel) → action; multi-unit faults always go to ``safe_mode``."""

_ESCALATE = {"none": "log", "log": "flag_channel", "flag_channel": "isolate_wheel", "reduce_share": "isolate_wheel",
             "isolate_wheel": "safe_mode", "safe_mode": "safe_mode"}

LOG_DTYPE = np.dtype([("window", np.int64), ("time_s", np.float64), ("event", np.int8), ("unit", np.int8),
                      ("fault_type", np.int8), ("channel", np.int8), ("action", np.int8), ("level", np.int8),
                      ("confidence", np.float32)])
"""One decision record; codes index :data:`EVENTS`, :data:`WHEELS`, :data:`FAULT_TYPES`, :data:`CHANNELS`,
:data:`ACTIONS` (−1 = unknown / not applicable)."""


@dataclass(frozen=True)
class FdirConfig:
    """Parameters of :class:`FdirManager`: persistence ``n_of_m`` = (N, M); ``tau_iso`` minimum posterior of an
    isolation candidate; ``k_stable`` consecutive agreeing candidates; ``isolation_timeout`` flagged windows of an
    active alarm without isolation before escalating; ``recovery_windows`` flagged windows after an action before
    the recovery counts as failed; ``window_s`` duration of one window (s, for the log); ``table`` fault type →
    action; ``log_capacity`` records kept (ring buffer).

    Raises
    ------
    ValueError
        for N < 1, M < N, M > 64, thresholds outside [0, 1], counts < 1, or unknown table entries.
    """

    n_of_m: tuple[int, int] = (3, 5)
    tau_iso: float = 0.6
    k_stable: int = 2
    isolation_timeout: int = 10
    recovery_windows: int = 5
    window_s: float = 64.0
    table: dict = field(default_factory=lambda: dict(DEFAULT_TABLE))
    log_capacity: int = 4096

    def __post_init__(self) -> None:
        n, m = self.n_of_m
        if not (isinstance(n, int) and isinstance(m, int) and 1 <= n <= m <= 64):
            raise ValueError(f"n_of_m={self.n_of_m!r} must be integers with 1 <= N <= M <= 64")
        if not 0.0 <= self.tau_iso <= 1.0:
            raise ValueError(f"tau_iso={self.tau_iso!r} must be in [0, 1]")
        for name in ("k_stable", "isolation_timeout", "recovery_windows", "log_capacity"):
            v = getattr(self, name)
            if not (isinstance(v, int) and v >= 1):
                raise ValueError(f"{name}={v!r} must be an integer >= 1")
        if not self.window_s > 0:
            raise ValueError(f"window_s={self.window_s!r} must be > 0")
        for k, v in self.table.items():
            if k not in (*FAULT_TYPES, "unknown"):
                raise ValueError(f"table key {k!r} must be a fault type of {FAULT_TYPES} or 'unknown'")
            if v not in ACTIONS:
                raise ValueError(f"table[{k!r}]={v!r} must be one of {ACTIONS}")

    def to_dict(self) -> dict:
        """JSON-ready dict (the ``fdir`` section of an exported runtime bundle)."""
        d = asdict(self)
        d["n_of_m"] = list(self.n_of_m)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> FdirConfig:
        d = dict(d)
        if "n_of_m" in d:
            d["n_of_m"] = tuple(int(v) for v in d["n_of_m"])
        return cls(**d)


class Persistence:
    """N-of-M confirmation over a ring buffer of M bits (allocated once).

    :meth:`push` returns the alarm state after the new flag: raised when the last M flags hold at least N set
    ones; once raised, cleared only after M consecutive clean flags.
    """

    def __init__(self, n: int, m: int) -> None:
        if not (1 <= n <= m):
            raise ValueError(f"persistence needs 1 <= n <= m, got n={n}, m={m}")
        self.n, self.m = int(n), int(m)
        self.bits = np.zeros(self.m, np.uint8)
        self.reset()

    def reset(self) -> None:
        self.bits[:] = 0
        self.pos = 0
        self.count = 0
        self.clean_run = 0
        self.alarm = False

    def push(self, flag: bool) -> bool:
        f = 1 if flag else 0
        self.count += f - int(self.bits[self.pos])
        self.bits[self.pos] = f
        self.pos = (self.pos + 1) % self.m
        self.clean_run = 0 if f else self.clean_run + 1
        if not self.alarm and self.count >= self.n:
            self.alarm = True
        elif self.alarm and self.clean_run >= self.m:
            self.alarm = False
        return self.alarm


class FdirManager:
    """Stateful FDIR chain for a 4-wheel assembly (see the module doc); one :meth:`update` per window.

    State: ``alarm`` (bool), ``wheel_off`` (4,) bool, ``channel_flagged`` (4, 4) bool (wheel x quantity),
    ``reduced`` (4,) bool, ``safe_mode`` (bool), ``level`` (highest level reached). The log is a ring buffer of
    :data:`LOG_DTYPE` records of capacity ``config.log_capacity``.
    """

    def __init__(self, config: FdirConfig | None = None) -> None:
        self.config = config or FdirConfig()
        n, m = self.config.n_of_m
        self.persistence = Persistence(n, m)
        self.wheel_off = np.zeros(4, bool)
        self.channel_flagged = np.zeros((4, 4), bool)
        self.reduced = np.zeros(4, bool)
        self._log = np.zeros(self.config.log_capacity, LOG_DTYPE)
        self._table = {k: ACTIONS.index(v) for k, v in self.config.table.items()}
        self.n_logged = 0
        self.window = -1
        self._reset_episode()
        self.safe_mode = False
        self.level = 0

    # ---------------------------------------------------------------- state helpers
    def _reset_episode(self) -> None:
        self.alarm = False
        self._cand = (-2, -2)
        self._stable = 0
        self._flagged_in_alarm = 0
        self._isolated = (-1, -1, -1)
        self._action = 0
        self._since_action = -1

    def _record(self, event: str, unit: int = -1, ftype: int = -1, channel: int = -1, action: int = -1,
                conf: float = float("nan")) -> None:
        level = ACTION_LEVEL[ACTIONS[action]] if action >= 0 else -1
        self._log[self.n_logged % self.config.log_capacity] = (
            self.window, self.window * self.config.window_s, EVENTS.index(event), unit, ftype, channel, action,
            level, conf)
        self.n_logged += 1

    def _act(self, action: int, unit: int, ftype: int, channel: int, conf: float, event: str = "action") -> None:
        name = ACTIONS[action]
        w = unit - 1  # wheel index for RW1..RW4
        if name == "flag_channel" and not (1 <= channel <= 4):
            action, name = ACTIONS.index("isolate_wheel"), "isolate_wheel"
        if name == "isolate_wheel":
            if not 0 <= w < 4:
                action, name = ACTIONS.index("safe_mode"), "safe_mode"
            elif np.count_nonzero(self.wheel_off) >= 1 and not self.wheel_off[w]:
                action, name = ACTIONS.index("safe_mode"), "safe_mode"  # a second wheel lost
        if name == "safe_mode":
            self.safe_mode = True
        elif name == "isolate_wheel":
            self.wheel_off[w] = True
        elif name == "flag_channel":
            self.channel_flagged[w, channel - 1] = True
        elif name == "reduce_share" and 0 <= w < 4:
            self.reduced[w] = True
        self.level = max(self.level, ACTION_LEVEL[name])
        self._action = action
        self._since_action = 0
        self._record(event, unit, ftype, channel, action, conf)
        if name == "safe_mode":
            self._record("safe_mode", unit, ftype, channel, action, conf)

    def _decide(self, unit: int, ftype: int) -> int:
        if unit == WHEELS.index("all"):
            return ACTIONS.index("safe_mode")
        if unit == WHEELS.index("none"):
            return ACTIONS.index("log")
        key = FAULT_TYPES[ftype] if ftype >= 0 else "unknown"
        return self._table.get(key, self._table.get("unknown", ACTIONS.index("isolate_wheel")))

    # ---------------------------------------------------------------- main entry
    def update(self, flag: bool, wheel: int = -1, p_wheel: float = 0.0, ftype: int = -1, p_type: float = 0.0,
               channel: int = -1) -> int:
        """Process one window: detector ``flag`` and the peephole answer (codes into :data:`WHEELS`,
        :data:`FAULT_TYPES`, :data:`CHANNELS`, −1 = unknown, with the wheel and type posteriors). Returns the code
        (into :data:`ACTIONS`) of the action taken in this window (0 = ``none``)."""
        self.window += 1
        if self.safe_mode:
            return 0
        was = self.alarm
        self.alarm = self.persistence.push(bool(flag))
        if self.alarm and not was:
            self._record("alarm_raised", conf=p_wheel)
        elif was and not self.alarm:
            self._record("alarm_cleared")
            self._reset_episode()
            return 0
        if not (self.alarm and flag):
            return 0
        cfg = self.config
        self._flagged_in_alarm += 1
        if self._since_action >= 0:
            self._since_action += 1
        confident = wheel >= 0 and ftype >= 0 and p_wheel >= cfg.tau_iso and p_type >= cfg.tau_iso
        if confident and 1 <= wheel <= 4 and self.wheel_off[wheel - 1]:
            self._record("suppressed", wheel, ftype, channel, -1, p_wheel)
            return 0
        self._record("evidence", wheel, ftype, channel, -1, p_wheel)
        cand = (wheel, ftype) if confident else (-1, -1)
        if confident and cand == self._cand:
            self._stable += 1
        else:
            self._stable = 1 if confident else 0
        self._cand = cand
        if self._isolated[0] < 0:
            if confident and self._stable >= cfg.k_stable:
                self._isolated = (wheel, ftype, channel)
                self._record("isolated", wheel, ftype, channel, -1, p_wheel)
                self._act(self._decide(wheel, ftype), wheel, ftype, channel, p_wheel)
                return self._action
            if self._flagged_in_alarm >= cfg.isolation_timeout:
                self._record("isolation_timeout", wheel, ftype, channel, -1, p_wheel)
                unit = wheel if (wheel >= 1 and p_wheel >= cfg.tau_iso) else -1
                act = ACTIONS.index("isolate_wheel") if 1 <= unit <= 4 else ACTIONS.index("safe_mode")
                self._isolated = (unit, -1, -1)
                self._act(act, unit, -1, -1, p_wheel, event="escalated")
                return self._action
            return 0
        # an action was taken for this alarm: escalate when the alarm persists on the same unit
        unit = self._isolated[0]
        if self._since_action >= cfg.recovery_windows and (wheel == unit or unit < 0):
            nxt = ACTIONS.index(_ESCALATE[ACTIONS[self._action]])
            self._act(nxt, unit, self._isolated[1], self._isolated[2], p_wheel, event="escalated")
            return self._action
        return 0

    def ground_reset(self) -> None:
        """Ground command: leave safe mode and clear the alarm state (wheel/channel flags are kept)."""
        self.safe_mode = False
        self.persistence.reset()
        self._reset_episode()
        self._record("ground_reset")

    # ---------------------------------------------------------------- log access
    def log_array(self) -> np.ndarray:
        """The kept records in chronological order (a copy; at most ``log_capacity``)."""
        cap = self.config.log_capacity
        if self.n_logged <= cap:
            return self._log[: self.n_logged].copy()
        i = self.n_logged % cap
        return np.concatenate([self._log[i:], self._log[:i]])

    def log_records(self) -> list[dict]:
        """The kept records as dicts with names instead of codes (``None`` for −1)."""
        def name(tab, v):
            return tab[v] if v >= 0 else None
        out = []
        for r in self.log_array():
            out.append({"window": int(r["window"]), "time_s": float(r["time_s"]), "event": EVENTS[r["event"]],
                        "unit": name(WHEELS, int(r["unit"])), "fault_type": name(FAULT_TYPES, int(r["fault_type"])),
                        "channel": name(CHANNELS, int(r["channel"])), "action": name(ACTIONS, int(r["action"])),
                        "level": int(r["level"]) if r["level"] >= 0 else None, "confidence": float(r["confidence"])})
        return out

    def log_frame(self):
        """The log as a pandas DataFrame (imports pandas)."""
        import pandas as pd

        return pd.DataFrame(self.log_records())
