"""Streaming spiking forecaster of the runtime: signed send-on-delta encoder → one recurrent layer of signed LIF or
MTJ-LIF neurons → leaky readout, one telemetry sample per step, float32 or integer weights. numpy only.

The model of a bundle with a ``spiking`` section (FORMAT.md, "Spiking forecaster"), run by
:class:`fdir.runtime.forecast.ForecastRuntime` in place of a windowed graph: the runtime's intake, invalid-sample
rule, error streams and streaming NDT are the forecast detector's. It reproduces the JAX engine of
:mod:`snn.model` (the schedule of :class:`snn.neurons.DiscreteNeuron`: update, threshold, synaptic input, reset)
as trained by :mod:`fdir.detectors.spiking`. Per sample z_t of the target channel (standardised units):

1. **encoder** (send-on-delta level crossing, Miskowicz, Sensors 6:49, 2006, doi:10.3390/s6010049; the algorithm of
   ``sensors.encoders.send_on_delta`` with reference r₀ = the first sample): c_t ∈ ℤ crossings of ±δ,
   reconstruction r_t = r₀ + δ Σ_{i≤t} c_i (|z_t − r_t| < δ);
2. **hidden layer** (H neurons, state v): v ← α v; s⁺ = v > θ⁺, s⁻ = v < −θ⁻, s = s⁺ − s⁻ ∈ {−1, 0, 1};
   synaptic input I = c_t w + b + s W_rec; then ``reset_before_input`` (MTJ compact model): reset, v ← v + g I,
   else v ← v + g I, reset; reset ``subtract`` (v −= θ⁺ after +1, v += θ⁻ after −1) or ``zero`` (v = 0);
3. **readout** (O units): y ← β y + s W_o + b_o, forecast of z_{t+1+j} = r_t + δ (y_j + c_t w_in,j).

The runtime is **deterministic**: the MTJ neuron's thermal noise (``neuron.noise_std``, used in training) is not
drawn; the float reference of a bundle is the JAX engine run without a noise key (``snn.model.apply(..., key=None)``).

**Fixed point** (a bundle written by :func:`quantize_spiking`): recurrent and readout weights int8 (symmetric,
q = clip(round(w/s), ±(2^{b−1} − 1))) with one scale per postsynaptic unit — s_j of hidden neuron j's recurrent
column, which its input weight shares as an int16 code (:data:`INPUT_BITS`; they sum in one accumulator), s_o for
readout column o, s_in,o for the input-to-readout weight; biases int32 in those units. Each step accumulates in
int32: A_j = c w_q,j + b_q,j + Σ_i s_i W_rec,q,ij (c saturated at ±:data:`EVENT_CAP`, spikes exact in {−1, 0, 1});
the membrane is kept in accumulator units, v' = v/(g s_j) (float32), so v' ← α v' + A_j takes the accumulator
without a rescale, with thresholds rescaled to θ'_j = θ/(g s_j); the readout state is y' = y/s_o,
y' ← β y' + (Σ_i s_i W_o,q,io + b_q,o), and the forecast r_t + δ (s_o y'_o + s_in,o c w_in,q,o) is formed in float
(the leaks, the rescale and δ need a floating-point unit, which the LEON3FT/LEON4FT/PowerPC 750 targets have).
The accumulator cannot overflow: :data:`EVENT_CAP`·(2^15 − 1) + H·(2^{b−1} − 1) + max|b_q| < 2^31 is checked at
export.
"""

from __future__ import annotations

import math

import numpy as np

from fdir.runtime.graph import FormatError
from fdir.runtime.quant import qmax, quantize, scale_for

__all__ = ["EVENT_CAP", "INPUT_BITS", "RESETS", "SpikingForecaster", "quantize_spiking"]

EVENT_CAP = 2**15 - 1
"""Largest |c_t| (send-on-delta crossings in one sample) that reaches the integer synapses (int16 event count); the
encoder's reconstruction r_t is never capped. A jump of 32,767 δ (about 1,000 training ranges) is an anomaly
whatever the network answers."""

INPUT_BITS = 16
"""Width of the input synapses (the H weights from the send-on-delta input to the hidden neurons), stored at the
scale of each neuron's int8 recurrent column so that both sum in one int32 accumulator: trained input weights are
typically several times the recurrent ones, and at int8 they would force a coarse scale on the recurrent column."""

RESETS = ("subtract", "zero")
ACC_LIMIT = 2**31 - 1


def _array(arrays: dict, key, where: str, shape: tuple | None = None) -> np.ndarray:
    if not isinstance(key, str) or key not in arrays:
        raise FormatError(f"{where}={key!r} must name an array of weights.npz")
    a = np.asarray(arrays[key])
    if shape is not None and a.shape != shape:
        raise FormatError(f"{where} ({key!r}) has shape {a.shape}, expected {shape}")
    if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
        raise FormatError(f"{where} ({key!r}) holds non-finite values")
    return a


def _number(sec: dict, name: str, where: str, lo: float | None = None, hi: float | None = None,
            lo_open: bool = False) -> float:
    try:
        v = float(sec[name])
    except (KeyError, TypeError, ValueError):
        raise FormatError(f"{where}.{name} is missing or not a number") from None
    bad = not math.isfinite(v) or (lo is not None and (v <= lo if lo_open else v < lo)) or (hi is not None and v > hi)
    if bad:
        rng = f"{'(' if lo_open else '['}{lo}, {hi}]" if lo is not None else "finite"
        raise FormatError(f"{where}.{name}={sec[name]!r} is out of range: accepted {rng}")
    return v


class SpikingForecaster:
    """The spiking model of a bundle (module doc): ``push(row)`` takes one standardised sample (D,) and writes the
    O forecasts of the target channel (standardised units, float64) into :attr:`y`; every buffer is allocated
    here. ``fixed_point`` runs the integer path of a quantised bundle (module doc); False on a quantised bundle
    runs its dequantised weights in float32. ``W`` = 1: a forecast follows every sample.

    Raises
    ------
    FormatError
        for a missing or inconsistent ``spiking`` section (the message names the field), ``input.window`` ≠ 1, or
        ``fixed_point`` without the section's ``quant`` blocks.
    """

    W = 1

    def __init__(self, spec: dict, arrays: dict, fixed_point: bool = False) -> None:
        sec = spec.get("spiking")
        if not isinstance(sec, dict):
            raise FormatError("'spiking' section is missing")
        inp, det = spec["input"], spec["detector"]
        self.D = int(inp["channels"])
        if int(inp["window"]) != 1:
            raise FormatError(f"input.window={inp['window']!r} must be 1 for a spiking forecaster (one sample a step)")
        self.target = int(det.get("target", 0))
        for name in ("encoder", "neuron", "hidden", "readout"):
            if not isinstance(sec.get(name), dict):
                raise FormatError(f"spiking.{name} section is missing")
        enc, neu, hid, ro = sec["encoder"], sec["neuron"], sec["hidden"], sec["readout"]
        if enc.get("kind", "send_on_delta") != "send_on_delta":
            raise FormatError(f"spiking.encoder.kind={enc.get('kind')!r}, accepted 'send_on_delta'")
        self.delta = _number(enc, "delta", "spiking.encoder", 0.0, None, lo_open=True)
        self._delta64 = np.float64(self.delta)
        self.alpha = np.float32(_number(neu, "alpha", "spiking.neuron", 0.0, 1.0))
        self.gain = np.float32(_number(neu, "gain", "spiking.neuron", 0.0, None, lo_open=True))
        theta_pos = _number(neu, "theta_pos", "spiking.neuron", 0.0, None, lo_open=True)
        theta_neg = _number(neu, "theta_neg", "spiking.neuron", 0.0, None, lo_open=True)
        self.reset_mode = neu.get("reset")
        if self.reset_mode not in RESETS:
            raise FormatError(f"spiking.neuron.reset={self.reset_mode!r}, accepted {RESETS}")
        self.reset_first = bool(neu.get("reset_before_input", False))
        self.beta = np.float32(_number(ro, "beta", "spiking.readout", 0.0, 1.0))

        w = _array(arrays, hid.get("w"), "spiking.hidden.w")
        if w.ndim != 2 or w.shape[0] != 1:
            raise FormatError(f"spiking.hidden.w has shape {w.shape}, expected (1, H)")
        H = w.shape[1]
        wo = _array(arrays, ro.get("w"), "spiking.readout.w")
        if wo.ndim != 2 or wo.shape[0] != H:
            raise FormatError(f"spiking.readout.w has shape {wo.shape}, expected ({H}, O)")
        O = wo.shape[1]
        w_in = _array(arrays, ro.get("w_in"), "spiking.readout.w_in", (1, O))
        b = None if hid.get("b") is None else _array(arrays, hid["b"], "spiking.hidden.b", (H,))
        w_rec = None if hid.get("w_rec") is None else _array(arrays, hid["w_rec"], "spiking.hidden.w_rec", (H, H))
        bo = None if ro.get("b") is None else _array(arrays, ro["b"], "spiking.readout.b", (O,))
        self.H, self.O = H, O
        quant = spec.get("quantization") is not None and "quant" in hid
        self.fixed_point = bool(fixed_point)
        if self.fixed_point and not quant:
            raise FormatError("fixed_point=True needs spiking.hidden.quant and spiking.readout.quant (a bundle "
                              "written by quantize_spiking)")
        if quant:
            hq, rq = hid["quant"], ro.get("quant")
            if not isinstance(rq, dict):
                raise FormatError("spiking.readout.quant is missing")
            s_h = _array(arrays, hq.get("w_scale"), "spiking.hidden.quant.w_scale", (H,)).astype(np.float64)
            s_o = _array(arrays, rq.get("w_scale"), "spiking.readout.quant.w_scale", (O,)).astype(np.float64)
            s_in = _array(arrays, rq.get("w_in_scale"), "spiking.readout.quant.w_in_scale", (O,)).astype(np.float64)
            if not (np.all(s_h > 0) and np.all(s_o > 0) and np.all(s_in > 0)):
                raise FormatError("spiking quantisation scales must be > 0")
            for name, a in (("hidden.w", w), ("hidden.b", b), ("hidden.w_rec", w_rec), ("readout.w", wo),
                            ("readout.b", bo), ("readout.w_in", w_in)):
                if a is not None and a.dtype.kind not in "iu":
                    raise FormatError(f"spiking.{name} must be integer in a quantised bundle, got {a.dtype}")
        if self.fixed_point:
            i32 = np.int32
            self.w = w[0].astype(i32)
            self.b = np.zeros(H, i32) if b is None else b.astype(i32)
            self.w_rec = None if w_rec is None else np.ascontiguousarray(w_rec, dtype=i32)
            self.wo = np.ascontiguousarray(wo, dtype=i32)
            self.bo = np.zeros(O, i32) if bo is None else bo.astype(i32)
            self.w_in = w_in[0].astype(i32)
            self.theta_pos = _array(arrays, hq.get("theta_pos"), "spiking.hidden.quant.theta_pos", (H,)).astype(
                np.float32)
            self.theta_neg = _array(arrays, hq.get("theta_neg"), "spiking.hidden.quant.theta_neg", (H,)).astype(
                np.float32)
            if not (np.all(self.theta_pos > 0) and np.all(self.theta_neg > 0)):
                raise FormatError("spiking.hidden.quant thresholds must be > 0")
            self.s_o = s_o.astype(np.float32)
            self.s_in = s_in.astype(np.float32)
            self.in_gain = np.float32(1.0)                       # g is folded into the rescaled thresholds
            self.cap = int(EVENT_CAP)
            acc = np.int32
        else:
            f32 = np.float32
            if quant:                                           # dequantised float run of a quantised bundle
                w, w_rec = w * s_h[None, :], None if w_rec is None else w_rec * s_h[None, :]
                b = None if b is None else b * s_h
                wo, bo = wo * s_o[None, :], None if bo is None else bo * s_o
                w_in = w_in * s_in[None, :]
            self.w = np.asarray(w[0], f32)
            self.b = np.zeros(H, f32) if b is None else np.asarray(b, f32)
            self.w_rec = None if w_rec is None else np.ascontiguousarray(w_rec, dtype=f32)
            self.wo = np.ascontiguousarray(wo, dtype=f32)
            self.bo = np.zeros(O, f32) if bo is None else np.asarray(bo, f32)
            self.w_in = np.asarray(w_in[0], f32)
            self.theta_pos = np.full(H, theta_pos, f32)
            self.theta_neg = np.full(H, theta_neg, f32)
            self.in_gain = self.gain
            self.cap = None
            acc = f32
        self._neg_theta = -self.theta_neg
        self.v = np.zeros(H, np.float32)                        # membrane (float; accumulator units in fixed point)
        self.s = np.zeros(H, acc)                               # spikes −1/0/+1 of this step
        self.sp = np.zeros(H, bool)
        self.sn = np.zeros(H, bool)
        self.fired = np.zeros(H, bool)
        self.inp = np.zeros(H, acc)                             # synaptic input (accumulator)
        self.rec = np.zeros(H, acc)
        self.ro_state = np.zeros(O, np.float32)                 # leaky readout state
        self.ro_in = np.zeros(O, acc)
        self.direct = np.zeros(O, acc)
        self.out = np.zeros(O, np.float32)                      # readout output (units of δ)
        self.y = np.zeros(O)                                    # forecasts r_t + δ·out (standardised units)
        self.reset()

    def reset(self) -> None:
        """Zero state; the next sample becomes the encoder's reference."""
        self.v[:] = 0.0
        self.ro_state[:] = 0.0
        self.s[:] = 0
        self._m = 0                                             # Σ c_i, the encoder's level index
        self._r0 = None
        self.r = float("nan")                                   # reconstruction r_t
        self.c = 0                                              # events of the last sample

    def encode(self, x: float) -> int:
        """Send-on-delta events c of sample ``x`` (standardised, finite) and the new reconstruction :attr:`r`."""
        d = self.delta
        if self._r0 is None:
            self._r0 = x
        r = self._r0 + d * self._m
        q = (x - r) / d
        k = int(q) if math.isfinite(q) else int(math.copysign(1e300, q))   # truncation toward zero
        r_new = self._r0 + d * (self._m + k)                    # guard |x − r| < δ against round-off
        if x - r_new >= d:
            k += 1
        elif x - r_new <= -d:
            k -= 1
        self._m += k
        self.r = self._r0 + d * self._m
        self.c = k
        return k

    def _reset_fired(self) -> None:
        v = self.v
        if self.reset_mode == "zero":
            np.copyto(v, 0.0, where=self.fired)
        else:
            np.subtract(v, self.theta_pos, out=v, where=self.sp)
            np.add(v, self.theta_neg, out=v, where=self.sn)

    def push(self, row: np.ndarray) -> bool:
        """One step with the standardised sample ``row`` (D,) (finite: the runtime replaces invalid values by the
        last valid ones); writes :attr:`y` and returns True (a forecast follows every sample)."""
        c = self.encode(float(row[self.target]))
        if self.cap is not None:                                # int16 event count into the int32 synapses
            c = max(-self.cap, min(self.cap, c))
        else:                                                   # float32 count, as the JAX engine's input
            c = float(c)
        v, s = self.v, self.s
        np.multiply(v, self.alpha, out=v)
        np.greater(v, self.theta_pos, out=self.sp)
        np.less(v, self._neg_theta, out=self.sn)
        np.logical_or(self.sp, self.sn, out=self.fired)
        np.copyto(s, self.sp, casting="unsafe")
        np.subtract(s, self.sn, out=s, casting="unsafe")
        if self.reset_first:
            self._reset_fired()
        inp = self.inp
        np.multiply(self.w, c, out=inp, casting="unsafe")
        np.add(inp, self.b, out=inp)
        if self.w_rec is not None:
            np.dot(s, self.w_rec, out=self.rec)
            np.add(inp, self.rec, out=inp)
        if self.in_gain != 1.0:
            np.multiply(inp, self.in_gain, out=inp)
        np.add(v, inp, out=v, casting="unsafe")
        if not self.reset_first:
            self._reset_fired()
        # readout: y ← β y + s W_o + b_o ; out = y + c w_in (fixed point: rescaled per output unit)
        np.dot(s, self.wo, out=self.ro_in)
        np.add(self.ro_in, self.bo, out=self.ro_in)
        np.multiply(self.ro_state, self.beta, out=self.ro_state)
        np.add(self.ro_state, self.ro_in, out=self.ro_state, casting="unsafe")
        np.multiply(self.w_in, c, out=self.direct, casting="unsafe")
        if self.fixed_point:
            np.multiply(self.ro_state, self.s_o, out=self.out)
            np.multiply(self.direct, self.s_in, out=self.y)
            np.add(self.y, self.out, out=self.out, casting="unsafe")
        else:
            np.add(self.ro_state, self.direct, out=self.out)
        np.multiply(self.out, self._delta64, out=self.y)
        np.add(self.y, self.r, out=self.y)
        return True


def quantize_spiking(spec: dict, arrays: dict, w_bits: int = 8) -> tuple[dict, dict[str, np.ndarray]]:
    """Post-training quantisation of a float spiking bundle (module doc, "Fixed point"): symmetric ``w_bits``
    recurrent and readout weights with one scale per postsynaptic unit, the input synapses as int16 codes of their
    neuron's scale, int32 biases, hidden thresholds rescaled into accumulator units θ'_j = θ/(g s_j). Returns a new
    ``(spec, arrays)``; the input is not modified.

    Raises
    ------
    ValueError
        for ``w_bits`` outside 2..16, a bundle without a float ``spiking`` section, or a network whose int32
        accumulator could overflow (EVENT_CAP·(2^15 − 1) + H·qmax + max|b_q| ≥ 2^31).
    """
    import copy

    if not (isinstance(w_bits, int | np.integer) and 2 <= w_bits <= 16):
        raise ValueError(f"w_bits={w_bits!r} must be an integer in [2, 16]")
    sec = spec.get("spiking")
    if not isinstance(sec, dict) or "quant" in sec.get("hidden", {}):
        raise ValueError("spec must hold a float 'spiking' section (not already quantised)")
    spec, arrays = copy.deepcopy(spec), dict(arrays)
    sec = spec["spiking"]
    hid, ro, neu = sec["hidden"], sec["readout"], sec["neuron"]
    w = np.asarray(arrays[hid["w"]], np.float64)                        # (1, H)
    H = w.shape[1]
    q, q_in = qmax(w_bits), qmax(INPUT_BITS)
    # one scale per postsynaptic neuron: the recurrent column's (or, feed-forward, the input weight's), enlarged
    # only where the input weight exceeds q_in codes of it
    cols = w if hid.get("w_rec") is None else np.asarray(arrays[hid["w_rec"]], np.float64)
    s_h = np.maximum(scale_for(cols.T, w_bits, per_channel=True), np.abs(w[0]) / q_in)
    arrays[hid["w"]] = quantize(w.T, INPUT_BITS, s_h).T.copy()
    if hid.get("w_rec") is not None:
        arrays[hid["w_rec"]] = quantize(np.asarray(arrays[hid["w_rec"]], np.float64).T, w_bits, s_h).T.copy()
    bq_max = 0
    if hid.get("b") is not None:
        bq = np.rint(np.asarray(arrays[hid["b"]], np.float64) / s_h)
        bq_max = float(np.max(np.abs(bq), initial=0.0))
        arrays[hid["b"]] = np.clip(bq, -ACC_LIMIT, ACC_LIMIT).astype(np.int32)
    bound = EVENT_CAP * q_in + H * q + bq_max
    if bound >= 2**31:
        raise ValueError(f"the int32 accumulator of the hidden layer could overflow: EVENT_CAP·{q_in} + H·{q} + "
                         f"max|b_q| = {bound:.3g} ≥ 2^31 (bias too large for its weights)")
    g = float(neu["gain"])
    arrays["spiking.hidden.w_scale"] = s_h.astype(np.float32)
    arrays["spiking.hidden.theta_pos"] = (float(neu["theta_pos"]) / (g * s_h)).astype(np.float32)
    arrays["spiking.hidden.theta_neg"] = (float(neu["theta_neg"]) / (g * s_h)).astype(np.float32)
    hid["quant"] = {"w_scale": "spiking.hidden.w_scale", "theta_pos": "spiking.hidden.theta_pos",
                    "theta_neg": "spiking.hidden.theta_neg"}

    wo = np.asarray(arrays[ro["w"]], np.float64)                        # (H, O)
    s_o = scale_for(wo.T, w_bits, per_channel=True)
    arrays[ro["w"]] = quantize(wo.T, w_bits, s_o).T.copy()
    bo_max = 0.0
    if ro.get("b") is not None:
        bo = np.rint(np.asarray(arrays[ro["b"]], np.float64) / s_o)
        bo_max = float(np.max(np.abs(bo), initial=0.0))
        arrays[ro["b"]] = np.clip(bo, -ACC_LIMIT, ACC_LIMIT).astype(np.int32)
    if H * q + bo_max >= 2**31:
        raise ValueError("the int32 accumulator of the readout could overflow (bias too large for its weights)")
    w_in = np.asarray(arrays[ro["w_in"]], np.float64)                   # (1, O)
    s_in = scale_for(w_in.T, w_bits, per_channel=True)
    arrays[ro["w_in"]] = quantize(w_in.T, w_bits, s_in).T.copy()
    arrays["spiking.readout.w_scale"] = s_o.astype(np.float32)
    arrays["spiking.readout.w_in_scale"] = s_in.astype(np.float32)
    ro["quant"] = {"w_scale": "spiking.readout.w_scale", "w_in_scale": "spiking.readout.w_in_scale"}
    spec["quantization"] = {"scheme": "symmetric", "w_bits": int(w_bits), "acc_bits": 32,
                            "granularity": "per postsynaptic unit", "event_cap": EVENT_CAP}
    return spec, arrays
