"""Registry of detector pipelines by name: the one list of detector choices that the co-design study's ``variant``
(:func:`hwsim.study.codesign_point`), :func:`fdir.protocols.telemanom.run_variant`, the sweep experiments of
:mod:`fdir.experiments_telemetry` and ``hwsim detect --detector`` read.

A user adds a detector with one call::

    from fdir.registry import register
    register("my_detector", lambda seed=0: MyDetector(seed=seed))

``factory`` returns either a :class:`fdir.pipeline.Pipeline` or a :class:`fdir.detectors.base.Detector` (then it
is wrapped in a pipeline with the pipeline's defaults, the label-free settings :data:`fdir.pipeline.LABEL_FREE`, a
fresh detector per channel; :func:`make`'s ``settings`` picks others, e.g. ``"telemanom"``). It is called
with those of the keywords ``seed`` (int), ``epochs`` (int or None: the detector's default), ``quick`` (bool:
reduced training for smoke runs) and ``scaling`` (one of :data:`fdir.scaling.SCALERS`) that its signature
accepts. Registrations live in the running process (a sweep run in worker processes sees the built-ins and what
the workers' imports register; run a notebook's own detector with the serial executor).

Built-in pipelines (:data:`BUILTIN`): ``dense_float`` / ``int8`` (the convolutional forecaster pair, float32 or its
int8 export, :mod:`fdir.detectors.forecast_detector`), ``dense_params_matched`` / ``dense_ops_matched`` (the float
forecaster pair shrunk to the spiking detector's parameter count / operations per sample,
:mod:`fdir.detectors.matched`), ``lif`` / ``mtj_lif`` (the spiking forecaster with signed
LIF or MTJ-LIF neurons, :mod:`fdir.detectors.spiking_detector`), ``dense_converted`` (the operation-matched dense
pair converted to a rate-coded integrate-and-fire network, :mod:`fdir.detectors.converted`), ``cae`` (windowed
convolutional autoencoder), ``isolation_forest`` / ``lof`` (windowed baselines, :mod:`fdir.detectors.windowed`)
and ``linear_ar`` (the ridge AR(p) one-step forecaster, :mod:`fdir.detectors.linear`; closed-form, no training
epochs or seed; its pipeline reads every channel of a multichannel series as context of each watched one,
``per_channel="context"``; ``linear_int8`` its int8 export, :mod:`fdir.detectors.linear`, Fixed point), and ``auto``
/ ``auto_int8`` (:class:`fdir.heldout_choice.HeldOutChoice`: per series, the one of :data:`AUTO_CANDIDATES` with the
smaller one-step forecast error on the last 30 % of the training series, no label read, then fitted on the whole
training series).
With ``quick`` the trained families run 3 epochs.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping

__all__ = ["AUTO_CANDIDATES", "BUILTIN", "KEYWORDS", "MATCHED", "MTJ_VARIANTS", "get", "make", "names", "register",
           "unregister"]

MATCHED = {"dense_params_matched": "params", "dense_ops_matched": "ops"}
"""Built-in dense forecasters sized to the spiking detector: name -> ``by`` of
:func:`fdir.detectors.matched.matched_config`."""

MTJ_VARIANTS = ("mtj_lif",)
"""Built-in pipelines whose neurons are MTJ devices (their behaviour depends on the operating temperature T_K)."""

KEYWORDS = ("seed", "epochs", "quick", "scaling")
"""Keywords a factory may accept (module doc)."""


def _epochs(epochs: int | None, quick: bool, default: int | None = None) -> dict:
    if epochs is not None:
        return {"epochs": int(epochs)}
    if quick:
        return {"epochs": 3}
    return {} if default is None else {"epochs": default}


def _dense(fixed_point: bool):
    def factory(*, seed: int = 0, epochs: int | None = None, quick: bool = False):
        from fdir.detectors.forecast_detector import ForecasterDetector
        from fdir.detectors.forecaster import ForecasterConfig

        cfg = ForecasterConfig(seed=int(seed), **_epochs(epochs, quick))
        return ForecasterDetector(cfg, fixed_point=fixed_point)
    return factory


def _matched(by: str, fixed_point: bool = False):
    def factory(*, seed: int = 0, epochs: int | None = None, quick: bool = False):
        from dataclasses import replace

        from fdir.detectors.forecast_detector import ForecasterDetector
        from fdir.detectors.matched import matched_config

        cfg = replace(matched_config(by), seed=int(seed), **_epochs(epochs, quick))
        return ForecasterDetector(cfg, fixed_point=fixed_point)
    return factory


def _converted(*, seed: int = 0, epochs: int | None = None, quick: bool = False):
    from dataclasses import replace

    from fdir.detectors.converted import ConvertedForecasterDetector
    from fdir.detectors.matched import matched_config

    return ConvertedForecasterDetector(replace(matched_config("ops"), seed=int(seed), **_epochs(epochs, quick)))


def _spiking(neuron: str):
    def factory(*, seed: int = 0, epochs: int | None = None, quick: bool = False):
        from fdir.detectors.spiking import SpikingConfig
        from fdir.detectors.spiking_detector import SpikingForecastDetector

        return SpikingForecastDetector(SpikingConfig(neuron=neuron, seed=int(seed), **_epochs(epochs, quick)))
    return factory


def _cae(*, seed: int = 0, epochs: int | None = None, quick: bool = False):
    from fdir.detectors.windowed import CAEDetector

    return CAEDetector(seed=int(seed), **_epochs(epochs, quick))


def _novelty(estimator: str):
    def factory(*, seed: int = 0):
        from fdir.detectors.windowed import NoveltyWindowDetector

        return NoveltyWindowDetector(estimator, seed=int(seed))
    return factory


def _linear(fixed_point: bool = False):
    def factory():
        from fdir.detectors.linear import LinearForecaster
        from fdir.pipeline import Pipeline

        return Pipeline(lambda: LinearForecaster(fixed_point=fixed_point), per_channel="context")
    return factory


AUTO_CANDIDATES = {"auto": ("dense_float", "linear_ar"), "auto_int8": ("int8", "linear_int8")}
"""Candidates of the built-in held-out choices (:class:`fdir.heldout_choice.HeldOutChoice`), in tie-break order:
``auto`` over the float pipelines, ``auto_int8`` over their int8 exports."""


def _auto(name: str):
    def factory(*, seed: int = 0, epochs: int | None = None, quick: bool = False, scaling: str = "minmax"):
        from fdir.heldout_choice import HeldOutChoice

        return HeldOutChoice({k: (lambda k=k: make(k, seed=seed, epochs=epochs, quick=quick, scaling=scaling))
                              for k in AUTO_CANDIDATES[name]}, name=name)
    return factory


BUILTIN: dict[str, Callable] = {
    "dense_float": _dense(False),
    "int8": _dense(True),
    **{name: _matched(by) for name, by in MATCHED.items()},
    "dense_converted": _converted,
    "lif": _spiking("lif"),
    "mtj_lif": _spiking("mtj"),
    "cae": _cae,
    "isolation_forest": _novelty("isolation_forest"),
    "lof": _novelty("lof"),
    "linear_ar": _linear(),
    "linear_int8": _linear(True),
    "auto": _auto("auto"),
    "auto_int8": _auto("auto_int8"),
}
"""The built-in pipelines (module doc), registered at import."""

_REGISTRY: dict[str, Callable] = dict(BUILTIN)


def register(name: str, factory: Callable, *, replace: bool = False) -> None:
    """Register ``factory`` under ``name`` (module doc).

    Raises
    ------
    ValueError
        for an empty or non-identifier-like name (letters, digits, ``_``, ``-``), a factory that is not callable,
        or a name already registered without ``replace``.
    """
    if not isinstance(name, str) or not name or not name.replace("_", "a").replace("-", "a").isalnum():
        raise ValueError(f"name={name!r} must be a non-empty string of letters, digits, '_' or '-'")
    if not callable(factory):
        raise ValueError(f"factory for {name!r} must be callable, got {type(factory).__name__}")
    if name in _REGISTRY and not replace:
        raise ValueError(f"name={name!r} is already registered (pass replace=True to replace it)")
    _REGISTRY[name] = factory


def unregister(name: str) -> None:
    """Remove a user registration. Raises ValueError for a built-in or unknown name."""
    if name in BUILTIN or name not in _REGISTRY:
        raise ValueError(f"name={name!r} is not a user-registered detector; registered: {names()}")
    del _REGISTRY[name]


def names() -> tuple[str, ...]:
    """Registered names: the built-ins first, then user registrations in registration order."""
    return tuple(_REGISTRY)


def get(name: str) -> Callable:
    """The factory registered as ``name``. Raises ValueError naming the accepted names."""
    if name not in _REGISTRY:
        raise ValueError(f"detector={name!r}, accepted: {names()}")
    return _REGISTRY[name]


def make(name: str, *, seed: int = 0, epochs: int | None = None, quick: bool = False, scaling: str = "minmax",
         per_channel: bool | str | None = None, settings: str | Mapping | None = None):
    """A fresh :class:`fdir.pipeline.Pipeline` of the detector registered as ``name`` (module doc), with
    ``scaling`` (unless the factory chose the scaling itself) and ``per_channel`` (:class:`~fdir.pipeline.Pipeline`;
    None, the default: the registration's layout, i.e. a factory's pipeline keeps its own and a wrapped detector gets
    ``"separate"``).

    settings : None (default: a wrapped detector gets the pipeline's defaults, :data:`fdir.pipeline.LABEL_FREE`; a
    pipeline built by the factory keeps its own), a name in :data:`fdir.pipeline.SETTINGS` (``"label_free"``,
    ``"telemanom"``), or a mapping over :data:`fdir.pipeline.SETTING_KEYS` (``thresholder``, ``transform``,
    ``budget``, ``flat_line``; the keys it leaves out keep the values they would have without it). It applies to a
    wrapped detector and to a factory's pipeline alike.

    Raises
    ------
    ValueError
        for an unknown name or scaling, a ``per_channel`` not in :data:`fdir.pipeline.CHANNEL_MODES` (nor a bool),
        ``settings`` neither None, a :data:`fdir.pipeline.SETTINGS` name nor a mapping over
        :data:`fdir.pipeline.SETTING_KEYS` with valid :class:`~fdir.pipeline.Pipeline` values, or a factory that
        returns neither a Pipeline nor a Detector.
    """
    from fdir.detectors.base import Detector
    from fdir.pipeline import SETTING_KEYS, SETTINGS, Pipeline, channel_mode
    from fdir.scaling import SCALERS

    factory = get(name)
    if scaling not in SCALERS:
        raise ValueError(f"scaling={scaling!r}, accepted: {SCALERS}")
    if settings is None:
        chosen = {}
    elif isinstance(settings, str) and settings in SETTINGS:
        chosen = dict(SETTINGS[settings])
    elif isinstance(settings, Mapping) and set(settings) <= set(SETTING_KEYS):
        chosen = dict(settings)
    else:
        raise ValueError(f"settings={settings!r}, accepted: None, one of {tuple(SETTINGS)} or a mapping over "
                         f"{SETTING_KEYS}")
    probe = Pipeline(factory, **chosen)   # checks the values before any detector is built
    if per_channel is not None:
        channel_mode(per_channel)
    try:
        params = inspect.signature(factory).parameters
        var_kw = any(p.kind is p.VAR_KEYWORD for p in params.values())
    except (TypeError, ValueError):
        params, var_kw = {}, False
    given = {"seed": int(seed), "epochs": epochs, "quick": bool(quick), "scaling": scaling}
    kw = {k: v for k, v in given.items() if var_kw or k in params}
    first = factory(**kw)
    if isinstance(first, Pipeline):
        if "scaling" not in kw:
            first.scaling = scaling
        if per_channel is not None:
            first.per_channel = channel_mode(per_channel)
        first.name = first.name or name
        if "thresholder" in chosen:
            first.make_thresholder = probe.make_thresholder
        for key in ("transform", "budget", "flat_line"):
            if key in chosen:
                setattr(first, key, getattr(probe, key))
        return first
    if not isinstance(first, Detector):
        raise ValueError(f"factory of {name!r} returned {type(first).__name__}, expected a fdir.pipeline.Pipeline "
                         "or a detector with fit, scores, workload, export, stream_names and min_train_length")
    pending = [first]

    def detector():
        return pending.pop() if pending else factory(**kw)

    return Pipeline(detector, scaling=scaling, per_channel=True if per_channel is None else per_channel, name=name,
                    **chosen)
