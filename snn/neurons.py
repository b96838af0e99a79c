"""Neuron models as frozen parameter dataclasses with exact-integration update constants.

Three neuron types share one discrete-time form (:class:`DiscreteNeuron`), which both engines use:

* :class:`LIF`: current-based leaky integrate-and-fire neuron with optional exponential synaptic current channels
  (the Vogels-Abbott / Brette et al. 2007 CUBA neuron is ``LIF`` with two channels), binary output.
* :class:`SignedLIF`: LIF with ternary output -1/0/+1, separate thresholds ``theta_pos`` (v > theta_pos gives +1) and
  ``theta_neg`` (v < -theta_neg gives -1), reset by subtraction/to zero/to a value, optional spike amplitude.
  Guo et al., "Ternary Spike", AAAI 2024, arXiv:2312.06372; Kim et al., Spiking-YOLO, AAAI 2020, arXiv:1903.06530.
* :class:`MTJNeuron`: the signed leaky neuron fitted to an MTJ device by :mod:`devices.compact`
  (Zheng, Liu, Yang, arXiv:2606.03796); built with :meth:`MTJNeuron.from_compact`.

Units: times in seconds (``*_s``); membrane quantities in volts for simulation of biological models (CUBA), or
dimensionless "threshold units" for trained networks (``theta = 1``): every voltage-like field uses the same unit,
whichever the user chooses. MTJ neurons use the device's dimensionless state ``u``.

Exact integration (linear ODE solved over one step dt, constants derived in ``reference/snn.md`` section 1):
``tau_m dv/dt = -(v - v_rest) + bias + sum_c g_c`` and ``tau_c dg_c/dt = -g_c`` give, with old values on the right,

    v' = c0 + ((sum_c k_c g_c) + alpha v),   g_c' = beta_c g_c,
    alpha = exp(-dt/tau_m), beta_c = exp(-dt/tau_c), c0 = u - u alpha with u = v_rest + bias,
    k_c = tau_c/(tau_m - tau_c) (alpha - beta_c)   (limit tau_c -> tau_m: k_c = (dt/tau_m) alpha).

The operand order is Brian2's (``method='exact'``), so float64 runs agree with Brian2 to rounding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

import jax
import numpy as np

RESETS = ("value", "subtract", "zero")
"""Reset modes: ``value`` sets v to ``v_reset`` (per sign), ``subtract`` removes the threshold (v -= theta_pos after
+1, v += theta_neg after -1), ``zero`` sets v = 0."""
RESET_CODES = {"value": 0, "subtract": 1, "zero": 2}


def _concrete(x: Any) -> bool:
    return isinstance(x, int | float | np.integer | np.floating)


def _check(name: str, value: Any, *, lo: float = 0.0, strict: bool = True, where: str = "") -> None:
    """Raise ValueError when a concrete number is not > lo (strict) or >= lo; tracers pass unchecked."""
    if not _concrete(value):
        return
    v = float(value)
    bad = not math.isfinite(v) or (v <= lo if strict else v < lo)
    if bad:
        rng = f"> {lo:g}" if strict else f">= {lo:g}"
        raise ValueError(f"{where}{name}={value!r} is out of range: accepted {rng} (finite)")


def _check_finite(name: str, value: Any, where: str = "") -> None:
    if _concrete(value) and not math.isfinite(float(value)):
        raise ValueError(f"{where}{name}={value!r} must be finite")


def timestep(t_s: float, dt_s: float) -> int:
    """Brian2's ``timestep(t, dt)``: ``int((t + 1e-3 dt) / dt)``, the whole steps in ``t_s`` (used for refractoriness).

    Source: ``brian2/core/functions.py`` ``timestep`` (Brian2 2.9.0).
    """
    return int((t_s + 1e-3 * dt_s) / dt_s)


def psc_coupling(tau_m_s: float, tau_syn_s: float, dt_s: float) -> float:
    """Exact coupling ``k`` of an exponential synaptic current into the membrane over one step (dimensionless).

    ``k = tau_s/(tau_m - tau_s) (exp(-dt/tau_m) - exp(-dt/tau_s))``, written as ``alpha (dt/tau_m) (-expm1(-x))/x``
    with ``x = dt (tau_m - tau_s)/(tau_m tau_s)``, which is exact to rounding for all ratios and tends to the
    equal-time-constant limit ``(dt/tau_m) alpha`` as ``x -> 0`` (reference/snn.md section 1).
    """
    alpha = float(np.exp(-dt_s / tau_m_s))
    x = dt_s * (tau_m_s - tau_syn_s) / (tau_m_s * tau_syn_s)
    if x == 0.0:
        return (dt_s / tau_m_s) * alpha
    if abs(x) > 1e-3:
        beta = float(np.exp(-dt_s / tau_syn_s))
        return tau_syn_s / (tau_m_s - tau_syn_s) * (alpha - beta)
    return alpha * (dt_s / tau_m_s) * float(-np.expm1(-x) / x)


@dataclass(frozen=True)
class DiscreteNeuron:
    """One-step update constants of a neuron type at time step ``dt_s`` (what both engines execute).

    Per step (Brian2 schedule, reference/snn.md section 2): ``v' = c0 + ((sum_c k[c] g[c]) + alpha v)`` unless
    refractory (then v is held), ``g[c]' = beta[c] g[c]``, plus Gaussian noise ``noise_std`` (state units per step)
    when > 0; then ``+1`` if ``v > theta_pos``, ``-1`` if ``v < -theta_neg`` (``inf`` for binary neurons), only when
    not refractory; synaptic input of weight ``w`` adds ``gain * amplitude_pre * sign * w`` to ``g[c]`` or ``v``;
    then reset (``reset_before_input``: reset before the synaptic input of the step, as the MTJ compact model).
    ``nref`` = whole refractory steps (Brian2 ``timestep(t_ref, dt)``): after an event at step n the
    neuron is held at steps n+1 .. n+nref-1 and integrates again at n+nref.
    """

    dt_s: float
    alpha: float
    c0: float
    k: tuple[float, ...]
    beta: tuple[float, ...]
    gain: float
    theta_pos: float
    theta_neg: float
    reset: str
    v_reset_pos: float
    v_reset_neg: float
    amplitude: float
    nref: int
    noise_std: float
    v_init: float
    reset_before_input: bool = False

    @property
    def n_channels(self) -> int:
        return len(self.k)

    @property
    def signed(self) -> bool:
        return math.isfinite(self.theta_neg)

    @property
    def reset_code(self) -> int:
        return RESET_CODES[self.reset]


def _check_dt(dt_s: float, taus: dict[str, float], where: str) -> None:
    _check("dt_s", dt_s, where=where)
    for name, tau in taus.items():
        if dt_s > tau:
            raise ValueError(
                f"{where}dt_s={dt_s:g} s is larger than {name}={tau:g} s: accepted 0 < dt_s <= the smallest time "
                "constant (exact integration stays stable, but a step longer than a time constant loses its dynamics)"
            )


def _register(cls: type, static: tuple[str, ...]) -> type:
    names = [f.name for f in fields(cls)]
    jax.tree_util.register_dataclass(cls, data_fields=[n for n in names if n not in static],
                                     meta_fields=[n for n in names if n in static])
    return cls



def _check_synapses_and_reset(neuron, where: str) -> None:
    """Normalise ``neuron.tau_syn_s`` to a tuple of floats, check each > 0 and the reset mode (ValueError)."""
    if not isinstance(neuron.tau_syn_s, tuple):
        object.__setattr__(neuron, "tau_syn_s", tuple(float(t) for t in np.atleast_1d(neuron.tau_syn_s)))
    for c, tau in enumerate(neuron.tau_syn_s):
        _check(f"tau_syn_s[{c}]", tau, where=where)
    if neuron.reset not in RESETS:
        raise ValueError(f"{where}reset={neuron.reset!r}, accepted: {RESETS}")


def _exponential_constants(neuron, dt_s: float, where: str) -> dict:
    """Exact-integration constants of a current-based leaky neuron at step ``dt_s`` (s): ``dt_s``, membrane decay
    ``alpha`` = exp(-dt/tau_m), constant drive ``c0`` toward v_rest + bias, PSC couplings ``k`` and synaptic decays
    ``beta`` (Rotter & Diesmann 1999, doi:10.1007/s004220050570). Raises ValueError for a bad ``dt_s``."""
    taus = {"tau_m_s": neuron.tau_m_s, **{f"tau_syn_s[{c}]": t for c, t in enumerate(neuron.tau_syn_s)}}
    _check_dt(dt_s, taus, where)
    alpha = float(np.exp(-dt_s / neuron.tau_m_s))
    u = neuron.v_rest + neuron.bias
    return {"dt_s": float(dt_s), "alpha": alpha, "c0": u - u * alpha,
            "k": tuple(psc_coupling(neuron.tau_m_s, t, dt_s) for t in neuron.tau_syn_s),
            "beta": tuple(float(np.exp(-dt_s / t)) for t in neuron.tau_syn_s)}


@dataclass(frozen=True)
class LIF:
    """Current-based leaky integrate-and-fire neuron with exponential synaptic current channels, binary output.

    ``tau_m dv/dt = -(v - v_rest) + bias + sum_c g_c`` (unless refractory), ``tau_syn[c] dg_c/dt = -g_c``;
    spike when ``v > v_th`` after the step's update, then reset. Synapses add their weight to a channel ``g_c``
    (current-based, in volt-equivalent units ``R I``) or directly to ``v`` (delta synapse).

    Parameters
    ----------
    tau_m_s : membrane time constant (s), > 0.
    v_rest, v_th, v_reset : resting potential ``El``, threshold ``Vt``, reset value ``Vr`` (V, or threshold units).
    t_ref_s : absolute refractory period (s), >= 0; only v is held (channels keep decaying), Brian2 semantics.
    tau_syn_s : time constants (s) of the synaptic current channels (static: their number fixes the state shape).
    bias : constant input ``R I_bias`` (same unit as v); ``V_inf = v_rest + bias``.
    reset : one of :data:`RESETS` (``subtract`` removes ``v_th``).

    Source: Brette et al. 2007, J Comput Neurosci 23:349, doi:10.1007/s10827-007-0038-6 (benchmark 2, CUBA);
    exact integration as in Brian2 (Stimberg et al. 2019, eLife 8:e47314).

    Raises
    ------
    ValueError
        for non-positive time constants, a negative refractory period or an unknown reset mode.
    """

    tau_m_s: float = 20e-3
    v_rest: float = 0.0
    v_th: float = 1.0
    v_reset: float = 0.0
    t_ref_s: float = 0.0
    bias: float = 0.0
    tau_syn_s: tuple[float, ...] = field(default=())
    reset: str = "value"

    signed = False

    def __post_init__(self) -> None:
        w = "LIF: "
        _check("tau_m_s", self.tau_m_s, where=w)
        _check("t_ref_s", self.t_ref_s, strict=False, where=w)
        for n in ("v_rest", "v_th", "v_reset", "bias"):
            _check_finite(n, getattr(self, n), w)
        _check_synapses_and_reset(self, w)

    @property
    def n_channels(self) -> int:
        return len(self.tau_syn_s)

    def discrete(self, dt_s: float) -> DiscreteNeuron:
        """Update constants at step ``dt_s`` (s). Raises ValueError if dt_s <= 0 or > the smallest time constant."""
        return DiscreteNeuron(
            **_exponential_constants(self, dt_s, "LIF: "),
            gain=1.0, theta_pos=float(self.v_th), theta_neg=math.inf, reset=self.reset,
            v_reset_pos=float(self.v_reset), v_reset_neg=float(self.v_reset), amplitude=1.0,
            nref=timestep(self.t_ref_s, dt_s), noise_std=0.0, v_init=float(self.v_rest),
        )


@dataclass(frozen=True)
class SignedLIF:
    """Signed (ternary) LIF neuron: output +1 if ``v > theta_pos``, -1 if ``v < -theta_neg``, else 0.

    Same membrane and synaptic-current dynamics as :class:`LIF`. Reset after +1 / -1:
    ``subtract``: ``v -= theta_pos`` / ``v += theta_neg``; ``zero``: ``v = 0``; ``value``: ``v = v_reset_pos`` /
    ``v = v_reset_neg``. A spike carries ``amplitude * sign`` times each synaptic weight. ``t_ref_s`` holds v after
    events of either sign (Brian2 export: ``lastspike`` is also set by the -1 event).

    Parameters
    ----------
    tau_m_s : membrane time constant (s), > 0.
    theta_pos, theta_neg : positive thresholds (> 0) of the +1 and -1 events (same unit as v); may differ.
    v_rest, bias, v_reset_pos, v_reset_neg : as :class:`LIF` (same unit as v).
    amplitude : spike amplitude a > 0 (Guo et al. 2024 fold a trainable amplitude into the weights).
    t_ref_s, tau_syn_s, reset : as :class:`LIF` (default reset ``subtract``).

    Notes
    -----
    Source: Guo et al., AAAI 2024, arXiv:2312.06372 (ternary spikes); Kim et al., AAAI 2020, arXiv:1903.06530
    (signed neuron with imbalanced thresholds).

    Raises
    ------
    ValueError
        for non-positive time constants or thresholds, amplitude <= 0, negative t_ref_s, unknown reset.
    """

    tau_m_s: float = 20e-3
    theta_pos: float = 1.0
    theta_neg: float = 1.0
    v_rest: float = 0.0
    bias: float = 0.0
    v_reset_pos: float = 0.0
    v_reset_neg: float = 0.0
    amplitude: float = 1.0
    t_ref_s: float = 0.0
    tau_syn_s: tuple[float, ...] = field(default=())
    reset: str = "subtract"

    signed = True

    def __post_init__(self) -> None:
        w = "SignedLIF: "
        _check("tau_m_s", self.tau_m_s, where=w)
        _check("theta_pos", self.theta_pos, where=w)
        _check("theta_neg", self.theta_neg, where=w)
        _check("amplitude", self.amplitude, where=w)
        _check("t_ref_s", self.t_ref_s, strict=False, where=w)
        for n in ("v_rest", "bias", "v_reset_pos", "v_reset_neg"):
            _check_finite(n, getattr(self, n), w)
        _check_synapses_and_reset(self, w)

    @property
    def n_channels(self) -> int:
        return len(self.tau_syn_s)

    def discrete(self, dt_s: float) -> DiscreteNeuron:
        """Update constants at step ``dt_s`` (s). Raises ValueError if dt_s <= 0 or > the smallest time constant."""
        return DiscreteNeuron(
            **_exponential_constants(self, dt_s, "SignedLIF: "),
            gain=1.0, theta_pos=float(self.theta_pos), theta_neg=float(self.theta_neg), reset=self.reset,
            v_reset_pos=float(self.v_reset_pos), v_reset_neg=float(self.v_reset_neg),
            amplitude=float(self.amplitude), nref=timestep(self.t_ref_s, dt_s), noise_std=0.0,
            v_init=float(self.v_rest),
        )


@dataclass(frozen=True)
class MTJNeuron:
    """Signed leaky integrate-and-fire neuron of a magnetic tunnel junction, from the devices/ compact model.

    Compact model (``devices.compact.CompactSignedLIF``): ``u[k+1] = leak u[k] + g I[k] + sigma xi[k]``, then +1 if
    ``u > theta_pos``, -1 if ``u < -theta_neg``, reset ``zero`` (u = 0) or ``subtract``. ``u`` is the device's
    dimensionless state; ``I`` the synaptic input in units of ``I_scale_A`` (``gain = gain_per_A * I_scale_A``).

    In the engines' schedule (update, threshold, synaptic input, reset) the input of step k is delivered after the
    threshold, so :meth:`discrete` uses input gain ``gain / leak`` and resets before the input
    (``reset_before_input``): the spikes then equal the compact model's exactly, one step later
    (``s_engine[k+1] = s_compact[k]`` for input ``I[k]`` at step k). At a step ``dt`` other than the fitted ``dt_s``
    the leak becomes ``exp(-dt/tau_s)``, the gain scales with ``dt/dt_s`` (input charge per step) and the noise std
    with ``sqrt(dt/dt_s)`` (diffusion) - a modelling assumption. The logistic firing probability of the compact
    model is not used (deterministic thresholds plus Gaussian noise).

    Source: Zheng, Liu, Yang, arXiv:2606.03796 (signed LIF neuron from an orthogonal-easy-axis MTJ); fitted
    parameters from :mod:`devices.compact` (field ``source`` names the fit).

    Raises
    ------
    ValueError
        for non-positive dt_s, tau_s, thresholds or gain, leak outside (0, 1), negative noise, unknown reset.
    """

    dt_s: float = 1e-9
    leak: float = 0.9
    tau_s: float = 9.49122e-9
    gain: float = 1.0
    theta_pos: float = 1.0
    theta_neg: float = 1.0
    noise_std: float = 0.0
    energy_per_spike_J: float = 0.0
    reset: str = "zero"
    source: str = "assumed"

    signed = True
    n_channels = 0

    def __post_init__(self) -> None:
        w = "MTJNeuron: "
        for n in ("dt_s", "tau_s", "gain", "theta_pos", "theta_neg"):
            _check(n, getattr(self, n), where=w)
        _check("noise_std", self.noise_std, strict=False, where=w)
        _check("energy_per_spike_J", self.energy_per_spike_J, strict=False, where=w)
        if _concrete(self.leak) and not 0.0 < float(self.leak) < 1.0:
            raise ValueError(f"{w}leak={self.leak!r} is out of range: accepted 0 < leak < 1")
        if self.reset not in ("zero", "subtract"):
            raise ValueError(f"{w}reset={self.reset!r}, accepted: ('zero', 'subtract')")

    @property
    def tau_syn_s(self) -> tuple[float, ...]:
        return ()

    @classmethod
    def from_compact(cls, model: Any) -> MTJNeuron:
        """Build from a ``devices.compact.CompactSignedLIF`` (or any object with its fields).

        Uses ``dt_s, leak, tau_s, gain_per_A, I_scale_A, theta_pos, theta_neg, noise_std, reset,
        energy_per_spike_J, source``; ``gain = gain_per_A * I_scale_A`` (state units per synaptic unit per step).

        Raises
        ------
        ValueError
            when a field is missing or out of range (the message names it).
        """
        need = ("dt_s", "leak", "tau_s", "gain_per_A", "I_scale_A", "theta_pos", "theta_neg", "noise_std", "reset")
        missing = [n for n in need if not hasattr(model, n)]
        if missing:
            raise ValueError(f"MTJNeuron.from_compact: model {type(model).__name__} lacks field(s) {missing}")
        return cls(dt_s=float(model.dt_s), leak=float(model.leak), tau_s=float(model.tau_s),
                   gain=float(model.gain_per_A) * float(model.I_scale_A), theta_pos=float(model.theta_pos),
                   theta_neg=float(model.theta_neg), noise_std=float(model.noise_std),
                   energy_per_spike_J=float(getattr(model, "energy_per_spike_J", 0.0)), reset=str(model.reset),
                   source=str(getattr(model, "source", "devices.compact")))

    @classmethod
    def default(cls, T_K: float = 300.0) -> MTJNeuron:
        """The neuron of the shipped orthogonal-easy-axis signed-spike device (Zheng, Liu, Yang, arXiv:2606.03796)
        at temperature ``T_K`` [K]: :meth:`from_compact` of ``devices.compact.default_signed_mtj_neuron(T_K)``.

        Lets packages that may use ``snn`` but not ``devices`` (``fdir``) get the MTJ neuron. Raises ValueError
        for a negative or non-finite ``T_K``.
        """
        from devices.compact import default_signed_mtj_neuron

        return cls.from_compact(default_signed_mtj_neuron(T_K))

    def discrete(self, dt_s: float | None = None) -> DiscreteNeuron:
        """Update constants at ``dt_s`` (s; default the fitted step).

        Raises ValueError if dt_s <= 0 or dt_s > the fitted step (the fit does not hold for coarser steps).
        """
        dt = self.dt_s if dt_s is None else dt_s
        _check("dt_s", dt, where="MTJNeuron: ")
        if dt > self.dt_s * (1 + 1e-9):
            raise ValueError(f"MTJNeuron: dt_s={dt:g} s is larger than the fitted step {self.dt_s:g} s: accepted "
                             "0 < dt_s <= the fitted step (networks with MTJ neurons run at the device step)")
        same = math.isclose(dt, self.dt_s, rel_tol=1e-9)
        leak = float(self.leak) if same else math.exp(-dt / self.tau_s)
        ratio = 1.0 if same else dt / self.dt_s
        return DiscreteNeuron(
            dt_s=float(dt), alpha=leak, c0=0.0, k=(), beta=(), gain=float(self.gain) * ratio / leak,
            theta_pos=float(self.theta_pos), theta_neg=float(self.theta_neg), reset=self.reset,
            v_reset_pos=0.0, v_reset_neg=0.0, amplitude=1.0, nref=0, noise_std=float(self.noise_std) * ratio**0.5,
            v_init=0.0, reset_before_input=True,
        )


@dataclass(frozen=True)
class EulerLIF:
    """Leaky integrate-and-fire neuron in the NIR convention: forward-Euler steps, leak before input, reset to a value.

    Continuous model (NIR primitives ``LIF``, ``CubaLIF``, ``IF``, ``LI``, ``CubaLI``, ``I``; Pedersen et al., Nat.
    Commun. 15, 8122 (2024), doi:10.1038/s41467-024-52259-9): ``tau_m dv/dt = (v_leak - v) + r I`` (``tau_m = inf``:
    ``dv/dt = r I``, the NIR ``IF``/``I``), with a current-based synapse ``tau_syn dI/dt = -I + S`` when
    ``tau_syn_s`` holds one time constant (else ``I`` is the input itself). Spike when ``v > v_th`` (``v_th = inf``:
    a non-spiking leaky integrator, NIR ``LI``), then ``v = v_reset``.

    Discretisation at step dt (the NIR reference implementation's forward Euler, ``nir`` repository
    ``paper/03_rnn/extras/debug_CubaLIF/nir_reference_impl.py``; input ``S`` and ``I`` are values per step):

        I[t] = I[t-1] + (dt/tau_syn) (-I[t-1] + S[t])
        v[t] = v[t-1] + (dt/tau_m) (v_leak - v[t-1] + r J[t])      J = I[t-1] with a synapse, else J = S[t]
        z[t] = v[t] > v_th;  v[t] = v_reset where z[t]

    i.e. the input of a step enters after the leak, not multiplied by it (for ``tau_m = inf``: ``v += dt r J``).
    :meth:`discrete` writes this in the engines' schedule (update, threshold, input, reset): input gain
    ``(dt r/tau_m)/(1 - dt/tau_m)`` on v and reset before the input (so every spiking layer adds one step of
    latency, which :mod:`snn.nir` accounts for), or gain ``dt/tau_syn`` on the synaptic channel, whose projections
    then need one extra step of delay (v uses the previous step's current). Initial state v = I = 0.

    Parameters
    ----------
    tau_m_s : membrane time constant (s), > 0, or ``inf`` (perfect integrator).
    r : input resistance (state units per input unit), finite.
    v_leak, v_reset : leak (resting) and reset values (state units), finite.
    v_th : threshold (state units), finite or ``inf`` (no spikes).
    tau_syn_s : () or one synaptic time constant (s), > 0.

    Raises
    ------
    ValueError
        for a non-positive or NaN time constant, non-finite r/v_leak/v_reset, a NaN threshold, more than one
        synaptic channel, or (in :meth:`discrete`) a step with ``dt_s >= tau_m_s`` or ``dt_s > tau_syn_s`` (the
        Euler step leaves its stable range).
    """

    tau_m_s: float = 20e-3
    r: float = 1.0
    v_leak: float = 0.0
    v_th: float = 1.0
    v_reset: float = 0.0
    tau_syn_s: tuple[float, ...] = field(default=())

    signed = False
    reset = "value"

    def __post_init__(self) -> None:
        w = "EulerLIF: "
        if _concrete(self.tau_m_s) and not (float(self.tau_m_s) > 0):
            raise ValueError(f"{w}tau_m_s={self.tau_m_s!r} is out of range: accepted > 0 (inf allowed)")
        for n in ("r", "v_leak", "v_reset"):
            _check_finite(n, getattr(self, n), w)
        if _concrete(self.v_th) and math.isnan(float(self.v_th)):
            raise ValueError(f"{w}v_th=nan, accepted a finite value or inf")
        _check_synapses_and_reset(self, w)
        if len(self.tau_syn_s) > 1:
            raise ValueError(f"{w}tau_syn_s has {len(self.tau_syn_s)} entries, accepted 0 or 1")

    @property
    def n_channels(self) -> int:
        return len(self.tau_syn_s)

    def discrete(self, dt_s: float) -> DiscreteNeuron:
        """Update constants at step ``dt_s`` (s).

        Raises ValueError if dt_s <= 0, dt_s >= tau_m_s or dt_s > tau_syn_s."""
        w = "EulerLIF: "
        _check("dt_s", dt_s, where=w)
        a = float(dt_s) / float(self.tau_m_s)
        if a >= 1.0:
            raise ValueError(f"{w}dt_s={dt_s:g} s must be < tau_m_s={self.tau_m_s:g} s (forward Euler: 1 - dt/tau_m "
                             "> 0)")
        alpha = 1.0 - a
        if math.isinf(float(self.tau_m_s)):
            drive_gain, c0 = float(dt_s) * self.r, 0.0
        else:
            drive_gain, c0 = a * self.r, a * self.v_leak
        if self.tau_syn_s:
            b = float(dt_s) / self.tau_syn_s[0]
            if b > 1.0:
                raise ValueError(f"{w}dt_s={dt_s:g} s must be <= tau_syn_s={self.tau_syn_s[0]:g} s")
            k, beta, gain = (drive_gain,), (1.0 - b,), b
        else:
            k, beta, gain = (), (), drive_gain / alpha
        return DiscreteNeuron(
            dt_s=float(dt_s), alpha=alpha, c0=c0, k=k, beta=beta, gain=gain, theta_pos=float(self.v_th),
            theta_neg=math.inf, reset="value", v_reset_pos=float(self.v_reset), v_reset_neg=float(self.v_reset),
            amplitude=1.0, nref=0, noise_std=0.0, v_init=0.0, reset_before_input=True,
        )


NEURON_TYPES = (LIF, SignedLIF, MTJNeuron, EulerLIF)

_register(LIF, ("tau_syn_s", "reset"))
_register(EulerLIF, ("tau_syn_s",))
_register(SignedLIF, ("tau_syn_s", "reset"))
_register(MTJNeuron, ("reset", "source"))


def check_neuron(neuron: Any, where: str = "neuron") -> None:
    """Raise ValueError unless ``neuron`` is one of :data:`NEURON_TYPES`."""
    if not isinstance(neuron, NEURON_TYPES):
        raise ValueError(f"{where}={neuron!r}: accepted types {[c.__name__ for c in NEURON_TYPES]}")
