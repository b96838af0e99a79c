"""Sample-by-sample onboard monitor for a window (reconstruction) detector with peephole and FDIR logic.

:class:`WindowRuntime` holds a (W, C) sample buffer; every ``step(sample)`` standardises the sample into it and,
when the window is full (every W samples, non-overlapping windows as in arXiv:2604.08424), runs the graph, the
reconstruction score and decision, the peephole probe and one :meth:`fdir.runtime.logic.FdirManager.update`. A
window with an invalid sample (non-finite or beyond :data:`fdir.runtime.sample.Z_VALID` standard deviations,
:mod:`fdir.runtime.sample`) is not scored (``result.valid`` False) and counts as an unflagged window for the FDIR
persistence. All buffers are allocated in the constructor. Imports numpy only (and :mod:`fdir.runtime.logic`).
"""

from __future__ import annotations

import math

import numpy as np

from fdir.runtime.graph import FormatError, Graph
from fdir.runtime.logic import FdirConfig, FdirManager
from fdir.runtime.probe import RuntimeProbe
from fdir.runtime.sample import ERROR_CAP, SampleIntake

__all__ = ["StepResult", "WindowRuntime"]


class StepResult:
    """Outcome of one ``step`` (the same object is updated in place every step).

    ``window_done`` a window was completed and scored this step; ``window`` index of the last scored window;
    ``valid`` its samples were valid (:mod:`fdir.runtime.sample`); ``score`` (standardised MSE, NaN when not
    valid, ERROR_CAP when it overflowed float32) and ``flag`` (score > threshold); ``alarm`` FDIR alarm state;
    ``wheel``/``type``/``channel`` peephole codes (−1 unknown) and ``p_wheel``/``p_type``/``p_channel`` their
    posteriors; ``ood`` low GMM likelihood; ``action`` code of the FDIR action taken
    (:data:`fdir.runtime.logic.ACTIONS`, 0 = none)."""

    __slots__ = (
        "action",
        "alarm",
        "channel",
        "flag",
        "ood",
        "p_channel",
        "p_type",
        "p_wheel",
        "score",
        "type",
        "valid",
        "wheel",
        "window",
        "window_done",
    )

    def __init__(self) -> None:
        self.window_done = False
        self.window = -1
        self.valid = False
        self.score = float("nan")
        self.flag = False
        self.alarm = False
        self.wheel = self.type = self.channel = -1
        self.p_wheel = self.p_type = self.p_channel = 0.0
        self.ood = False
        self.action = 0


class WindowRuntime:
    """Reconstruction-detector runtime (see module doc) built from a bundle's ``(spec, arrays)``.

    ``fixed_point`` selects the fixed-point path (default: when the bundle has a ``quantization`` section).

    Raises
    ------
    FormatError
        for a detector that is not a reconstruction detector, or inconsistent arrays.
    """

    def __init__(self, spec: dict, arrays: dict, fixed_point: bool | None = None) -> None:
        det = spec["detector"]
        if det.get("kind") != "reconstruction" or det.get("score", "mse") != "mse":
            raise FormatError("WindowRuntime needs detector.kind 'reconstruction' with score 'mse'")
        inp = spec["input"]
        self.C, self.W = int(inp["channels"]), int(inp["window"])
        self.layout = inp["layout"]
        fp = spec.get("quantization") is not None if fixed_point is None else bool(fixed_point)
        if fp and spec.get("quantization") is None:
            raise FormatError("fixed_point=True needs a bundle exported with a 'quantization' section")
        self.fixed_point = fp
        self.threshold = float(det["threshold"])
        self.graph = Graph(spec["layers"], arrays, tuple(inp["shape"]), fixed_point=fp)
        if self.graph.y.size != self.C * self.W:
            raise FormatError(f"reconstruction output has {self.graph.y.size} values, window has {self.C * self.W}")
        try:
            self._intake = SampleIntake(self.C, None if inp.get("mean") is None else arrays[inp["mean"]],
                                        None if inp.get("std") is None else arrays[inp["std"]])
        except ValueError as exc:
            raise FormatError(str(exc)) from None
        # the window as the graph reads it, and its (W, C) sample view for writing one sample per step
        self._z = self.graph.x.reshape(-1)
        if self.layout == "channels x samples":
            self._rows = self.graph.x.reshape(self.C, self.W).T  # (W, C) strided view
        else:
            self._rows = self.graph.x.reshape(self.W, self.C)
        self._row_views = [self._rows[i] for i in range(self.W)]  # views made once, reused every window
        self._zwin = self._z.copy()  # standardised input kept for the score (the graph may overwrite x)
        self._out = self.graph.y.reshape(-1)
        self._diff = np.zeros(self._z.size, np.float32)
        self.pos = 0
        self.window = -1
        self._bad = False
        self.probe = None
        if spec.get("peephole") is not None:
            layer = spec["peephole"]["layer"]
            if layer not in self.graph.inputs:
                raise FormatError(f"peephole.layer={layer!r} is not a layer of the graph")
            self.probe = RuntimeProbe(spec["peephole"], arrays, self.graph.inputs[layer], fixed_point=fp,
                                      residual=self._diff)
        self.fdir = FdirManager(FdirConfig.from_dict(spec["fdir"])) if spec.get("fdir") is not None else None
        self._fam = {f: (f in self.probe.families) for f in ("wheel", "type", "channel")} if self.probe else {}
        self.result = StepResult()

    @property
    def nbytes(self) -> dict[str, int]:
        """Bytes held: ``detector_params``, ``detector_buffers``, ``probe_params``, ``probe_buffers``."""
        out = {"detector_params": self.graph.nbytes_weights,
               "detector_buffers": self.graph.nbytes_buffers + 3 * self._z.nbytes + self._intake.row.nbytes}
        if self.probe is not None:
            out["probe_params"] = self.probe.nbytes_params
            out["probe_buffers"] = self.probe.nbytes_buffers
        return out

    def reset(self) -> None:
        """Empty the window buffer (FDIR state is kept)."""
        self.pos = 0
        self._bad = False

    def step(self, sample: np.ndarray) -> StepResult:
        """Push one telemetry sample (C,) in raw units; returns the (reused) :class:`StepResult`.

        A sample with an invalid channel (NaN, ±inf, |z| > :data:`~fdir.runtime.sample.Z_VALID`) makes its window
        invalid: it is not scored (``valid`` False, ``score`` NaN, no flag) and counts as an unflagged window for
        the FDIR persistence; the next window starts clean. A valid window whose score overflows float32 scores
        :data:`~fdir.runtime.sample.ERROR_CAP` and is flagged, with an unknown peephole answer.

        Raises
        ------
        ValueError
            when ``sample`` does not hold C values.
        """
        r = self.result
        r.window_done = False
        r.action = 0
        if not self._intake.take(sample):
            self._bad = True
        np.copyto(self._row_views[self.pos], self._intake.row)
        self.pos += 1
        if self.pos < self.W:
            return r
        self.pos = 0
        self.window += 1
        r.window_done = True
        r.window = self.window
        r.valid = not self._bad
        self._bad = False
        overflow = False
        if r.valid:
            np.copyto(self._zwin, self._z)
            with np.errstate(over="ignore", invalid="ignore"):
                self.graph.run()
                np.subtract(self._zwin, self._out, out=self._diff)
                np.multiply(self._diff, self._diff, out=self._diff)
                r.score = float(self._diff.mean())
            overflow = not math.isfinite(r.score)
            if overflow:                                      # a valid but extreme window: an alarm, not a NaN
                r.score = ERROR_CAP
        if not r.valid or overflow:
            r.wheel = r.type = r.channel = -1
            r.p_wheel = r.p_type = r.p_channel = 0.0
            r.ood = False
        if not r.valid:
            r.score, r.flag = float("nan"), False
        else:
            r.flag = r.score > self.threshold
            if self.probe is not None and not overflow:
                self.probe.run()
                code, conf = self.probe.code, self.probe.conf
                r.wheel, r.p_wheel = code.get("wheel", -1), conf.get("wheel", 0.0)
                r.type, r.p_type = code.get("type", -1), conf.get("type", 0.0)
                r.channel, r.p_channel = code.get("channel", -1), conf.get("channel", 0.0)
                r.ood = self.probe.ood
        if self.fdir is not None:
            if r.flag:
                r.action = self.fdir.update(True, r.wheel, r.p_wheel, r.type, r.p_type, r.channel)
            else:
                r.action = self.fdir.update(False)
            r.alarm = self.fdir.alarm
        return r

    def run_windows(self, xw: np.ndarray) -> dict[str, np.ndarray]:
        """Score whole windows (N, C, W) in raw units by feeding their samples through :meth:`step`; returns
        arrays ``score``, ``flag``, ``valid``, ``wheel``, ``type``, ``channel``, ``p_wheel``, ``p_type``, ``action``
        (N,). Allocates its outputs (an offline convenience for tests and benchmarks, not for onboard use).

        Raises
        ------
        ValueError
            when ``xw`` is not a numeric array of shape (N, C, W)."""
        try:
            xw = np.asarray(xw, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"xw must be a numeric array of shape (N, {self.C}, {self.W}): {exc}") from None
        if xw.ndim != 3 or xw.shape[1:] != (self.C, self.W):
            raise ValueError(f"xw must have shape (N, {self.C}, {self.W}), got {xw.shape}")
        N = xw.shape[0]
        out = {k: np.zeros(N) for k in ("score", "p_wheel", "p_type")}
        out.update({k: np.zeros(N, np.int64) for k in ("flag", "valid", "wheel", "type", "channel", "action")})
        self.reset()
        for i in range(N):
            for t in range(self.W):
                r = self.step(xw[i, :, t])
            out["score"][i], out["flag"][i], out["valid"][i] = r.score, r.flag, r.valid
            out["wheel"][i], out["type"][i], out["channel"][i] = r.wheel, r.type, r.channel
            out["p_wheel"][i], out["p_type"][i], out["action"][i] = r.p_wheel, r.p_type, r.action
        out["flag"] = out["flag"].astype(bool)
        out["valid"] = out["valid"].astype(bool)
        return out
