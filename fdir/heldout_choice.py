"""Choice of the detector pipeline on held-out nominal data: no label is read.

:class:`HeldOutChoice` is a :class:`fdir.pipeline.Pipeline` that, when fitted, picks one of several candidate
pipelines (registry names, e.g. ``dense_float`` and ``linear_ar``) for the series at hand and then behaves exactly as
that candidate fitted on the whole training series:

1. every candidate is fitted with the pipeline's calibration split (``holdout`` = :data:`HELDOUT`, :mod:`fdir.pipeline`,
   Calibration): its detector learns from the first n_fit = T − ⌊0.3·T⌋ training samples and scores the last ⌊0.3·T⌋,
   targets it never trained on;
2. its held-out error is the mean over the channels of the mean absolute value of its first error stream there (the
   one-step forecast error |ẑ_t − z_t| of both forecasting families, in the units of the pipeline's scaled and
   transformed input, which scaling and transform make the same for every candidate);
3. the candidate with the smallest held-out error (the first in order on a tie) is fitted again on the whole training
   series with its usual settings and becomes this pipeline's state (:attr:`chosen`, :attr:`heldout_error`).

A candidate that cannot be fitted on the split (too short a series for it, or any ValueError) is not a choice
(:attr:`heldout_error` holds its message); if none can, ValueError. Settings given to this pipeline (thresholder,
transform, budget, flat line, scaling; :func:`fdir.registry.make`'s ``settings``) apply to every candidate; the
channel layout (``per_channel``) is each candidate's own unless it was set on this pipeline.

Why (issue 17): on the robustness suite (:mod:`fdir.suite`) the ridge AR forecaster generalises from a short
nominal prefix better than the convolutional one, on NASA SMAP the reverse; which detector to run on a new
spacecraft's channel is a model choice, and the issue asks that model choices use training data only. Forecast
accuracy on held-out nominal data is the classical label-free criterion for it (out-of-sample validation of a
forecasting model: Tashman, Int. J. Forecasting 16 (2000) 437, doi:10.1016/S0169-2070(00)00065-0; time-ordered
split, no shuffling).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np

from fdir.pipeline import Pipeline, channel_mode

__all__ = ["HELDOUT", "HeldOutChoice"]

HELDOUT = 0.3
"""Fraction of the training series held out to compare the candidates (step 1 of the module doc), as the pipeline's
``holdout`` was tried at (:mod:`fdir.pipeline`, Calibration)."""


class HeldOutChoice(Pipeline):
    """The candidate pipeline with the smallest held-out one-step error, fitted on the whole training series (module
    doc).

    candidates : name -> zero-argument factory of a fresh unfitted :class:`fdir.pipeline.Pipeline` whose detector's
    first error stream is a one-step absolute forecast error, at least one. name : label (registry name).

    Raises
    ------
    ValueError
        for an empty candidates mapping, a name that is not a non-empty string or a factory that is not callable
        (checked here), and in :meth:`fit` when no candidate can be fitted on the split.
    """

    def __init__(self, candidates: Mapping[str, Callable[[], Pipeline]], *, name: str = "auto") -> None:
        if not isinstance(candidates, Mapping) or not candidates \
                or not all(isinstance(k, str) and k and callable(v) for k, v in candidates.items()):
            raise ValueError(f"candidates={candidates!r}, accepted: a non-empty mapping of names to zero-argument "
                             "factories of unfitted pipelines")
        first = next(iter(candidates.values()))()
        super().__init__(first.make_detector, first.make_thresholder, scaling=first.scaling,
                         per_channel=first.per_channel, name=name, transform=first.transform,
                         range_k=first.range_k, budget=first.budget, flat_line=first.flat_line)
        self.candidates = dict(candidates)
        self._layout_given = False      # per_channel set on this pipeline after construction (fdir.registry.make)
        self.chosen: str | None = None
        self.heldout_error: dict[str, float | str] = {}

    @property
    def per_channel(self) -> str:
        """Channel layout (:data:`fdir.pipeline.CHANNEL_MODES`): the chosen candidate's after :meth:`fit`; setting it
        imposes it on every candidate (module doc)."""
        return self._per_channel

    @per_channel.setter
    def per_channel(self, value) -> None:
        self._per_channel = channel_mode(value)
        self._layout_given = True

    def _candidate(self, name: str, holdout: float) -> Pipeline:
        p = self.candidates[name]()
        p.make_thresholder, p.scaling, p.transform = self.make_thresholder, self.scaling, self.transform
        p.range_k, p.budget, p.flat_line = self.range_k, self.budget, self.flat_line
        if self._layout_given:
            p.per_channel = self._per_channel
        p.holdout = float(holdout)
        return p

    @property
    def min_length(self) -> int:
        """Fewest training samples: the smallest that some candidate can be fitted on with the split (module doc)."""
        return min(self._candidate(k, HELDOUT).min_length for k in self.candidates)

    def fit(self, train, *, progress: Callable[[str], None] | None = None) -> HeldOutChoice:
        """Choose on held-out data, then fit the chosen candidate on all of ``train`` (module doc). Returns self.

        Raises
        ------
        ValueError
            for fewer than :attr:`min_length` samples (before any training), or when no candidate can be fitted on
            the split (naming each one's reason); and as :meth:`fdir.pipeline.Pipeline.fit` for the chosen one.
        """
        from fdir.pipeline import _table

        a, _, _ = _table(train, "train")
        self.check_length(a.shape[0])
        errors: dict[str, float | str] = {}
        for k in self.candidates:
            if progress is not None:
                progress(f"held-out check of {k}")
            p = self._candidate(k, HELDOUT)
            try:
                p.fit(train)
            except ValueError as e:
                errors[k] = str(e)
                continue
            errors[k] = float(np.mean([np.nanmean(np.abs(np.asarray(p.calibration[ch][0], np.float64)))
                                       for ch in p.channels]))
        scored = {k: v for k, v in errors.items() if isinstance(v, float) and math.isfinite(v)}
        if not scored:
            raise ValueError("no candidate could be fitted on the held-out split: "
                             + "; ".join(f"{k}: {v}" for k, v in errors.items()))
        best = min(scored, key=scored.get)
        chosen = self._candidate(best, self.candidates[best]().holdout)     # its own calibration setting
        chosen.fit(train, progress=progress)
        state = dict(vars(chosen))
        layout = state.pop("per_channel")
        state.pop("name", None)
        vars(self).update(state)
        self._per_channel = layout
        self.chosen, self.heldout_error = best, errors
        return self
