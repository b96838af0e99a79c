"""Detector pipeline: scaler -> detector -> thresholder, from a telemetry table to timestamped anomalous intervals.

:class:`Pipeline` takes a series (T, D) (numpy array or pandas DataFrame; a 1-D array is one channel) and, by
default, treats each column as its own channel. The channel layout ``per_channel`` is one of :data:`CHANNEL_MODES`:

* ``"separate"`` (or ``True``, default): one scaler, detector and thresholder per column, each detector reading its
  own column only, as telemanom models each telemetry channel separately (Hundman et al., KDD 2018,
  arXiv:1802.04431).
* ``"context"``: still one detector and thresholder per column (every column is watched and flagged), but each
  detector reads **all** columns, the watched one first (column 0 of its input) and the others after it in their
  order: cross-channel context, so a channel that stops following the others (a correlation break) shows in its
  forecast error although its own history looks nominal. Scaling and input transform stay per column. The detector
  must read the extra columns (the forecaster: :class:`fdir.detectors.forecaster.ForecasterConfig` with
  ``commands="all"``); one that reports ``input_columns`` (:class:`fdir.detectors.forecast_detector.ForecasterDetector`)
  and reads only the watched column is rejected (ValueError), since it would repeat ``"separate"`` at D times the
  cost. Cost: D detectors of D input columns each. On the robustness suite's 20 multichannel series of the
  ``medium`` subset (:mod:`benchmarks.bench_fdir_suite`, configuration ``context``: SPOT at q = 10⁻³, 3 epochs,
  seed 0) it scored event-wise F1 0.508 against 0.586 for ``"separate"`` and found 2 of the 4 correlation breaks as
  ``"separate"`` did (seeds 1-2: F1 0.380 against 0.429, 7 against 6 of 11 breaks); with no consistent gain it is
  not the default for the forecaster. The linear forecaster (:mod:`fdir.detectors.linear`) takes the context
  columns' current values as regressors too; with it the layout raises F1 on those series from 0.644 to 0.967 (seed
  0) and from 0.500 to 0.759 (seed 1), so the registry's ``linear_ar`` pipeline uses it.
* ``"joint"`` (or ``False``): one detector reads all columns and watches column 0 (telemanom's value + command
  columns).

In the ``"context"`` and ``"joint"`` layouts a sample is not flagged where any column the detector reads is missing
(Gaps, below).

Rules
-----
* **Scaling** (:mod:`fdir.scaling`) is fitted on the training part only and stored (:meth:`Pipeline.export` writes
  it into the runtime bundle's ``input.mean`` / ``input.std``).
* **Gaps**: NaN marks a missing sample. For the model, gaps are filled forward (the last valid value is held;
  leading gaps take the first valid value, :func:`fdir.detectors.base.fill_gaps`); a missing sample is never
  flagged, so an anomalous interval never spans a gap. ±inf is rejected (ValueError).
* **Calibration** (``holdout`` f): with f = 0 (default) the thresholder is fitted on the detector's scores of its
  own training series (the telemanom protocol). With 0 < f < 1 the training series is split in time: the detector
  is fitted on the first n_fit = T − ⌊f·T⌋ samples only, then scores the whole training series, and the thresholder
  is fitted on the scores of the last ⌊f·T⌋ samples (held-out targets, which the detector never trained on; the
  fitting part serves only as the detector's input context, as a training prefix does for a test series). A
  trained detector's errors on unseen data can run above its training errors, so a tail fitted on training errors
  (SPOT's risk q, NDT's guards) is miscalibrated on test data; held-out errors are the unseen-data errors. The
  detector's warm-up (the leading samples where not every stream is scored) is kept, as NaN, in front of the
  held-out scores, so a thresholder that reads the warm-up (NDT's ``l_s``) sees the same one as without a split.
  :attr:`Pipeline.calibration` holds, per channel, the (S, T_cal) scores the thresholder was fitted on.
  The default stays f = 0: on the robustness suite's small subset (:mod:`benchmarks.bench_fdir_suite`,
  dense_float, 3 epochs, suite and detector seed 0) f = 0.3 / 0.5 gave event-wise F1 0.425 / 0.382 with NDT
  (0.458 at f = 0) and 0.139 / 0.146 with SPOT at q = 10⁻⁴ (0.146 at f = 0; false alarms 210 / 192 per 10⁴
  samples, 171 at f = 0): there the false alarms come from test parts that leave the training range (random
  walks, trends), not from a detector that fits its training errors too closely.
* **Input transform** (``transform``, :mod:`fdir.transform`): after scaling, each channel's detector reads its
  scaled values (``"level"``), their increments (``"difference"``) or, with ``"auto"`` (default), the increments
  of the columns that the ADF and KPSS tests on the training part (the fitting part with ``holdout``) call
  non-stationary. Fitted per channel, kept in :attr:`Pipeline.transforms`.
* **Range exit** (``range_k`` k, default None: off): a sample of the watched (transformed) value more than k
  white-noise levels outside its training range is flagged whatever the detector's error (stream name
  :data:`RANGE_EXIT`, score = the distance in noise units; :meth:`fdir.transform.InputTransform.range_exit`).
* **Flat line** (``flat_line`` w samples, default 20; None: off): the stuck-value limit check of :mod:`fdir.flatline`
  on the watched channel's raw values: a sample is flagged whatever the detector's error when the value has been
  held (identical consecutive valid samples) for longer than L = max(w, ⌈c·H⌉) samples, H the longest hold of the
  channel's training series and c = :data:`fdir.flatline.FACTOR` = 2 (stream name :data:`FLAT_LINE`, score = h_t/L,
  threshold 1), kept in :attr:`Pipeline.flat_lines`. A forecaster continues a held value without error, so a frozen
  channel is otherwise seen only where it starts and ends; the limit grows with a quantised channel's own nominal
  holds. On the robustness suite's ``medium`` subset (:mod:`benchmarks.bench_fdir_suite`, SPOT at q = 10⁻³, 3
  epochs, seed 0) it raises event-wise F1 from 0.548 (no check) to 0.665 and F1 on stuck values from 0.195 to 0.90,
  with no added false alarm on the anomaly-free series.
* **Alarm budget** (``budget``): ``"channel"`` gives every channel's thresholder the full budget, so the union
  over D channels can raise up to D times the false alarms of one; ``"series"`` (default) shares one budget over
  the channels: a thresholder with a risk (:meth:`fdir.spot.SPOTThresholder.share`) runs at q/D per channel (and
  SPOT already splits its risk over a channel's S streams), so by Bonferroni's inequality the union of all
  streams of all channels keeps the per-sample false-alarm probability q of one stream. telemanom's NDT has no
  risk parameter and is used as it is.
* **Defaults: the label-free settings** (:data:`LABEL_FREE`): SPOT at risk q = 10⁻⁴ (non-negative tail shape, flags
  grouped within 100 samples) OR telemanom's NDT with the scale-free guard (``thresholder="spot_or_ndt"``,
  :class:`fdir.union.SPOTOrNDT`, :data:`fdir.thresholders.THRESHOLDERS`), ``transform="auto"``, ``budget="series"``,
  ``flat_line=20`` (``range_k`` stays None). They were chosen on the generated robustness suite (:mod:`fdir.suite`,
  ``benchmarks/bench_fdir_suite.py``; dense_float, 3 epochs), never on SMAP/MSL test labels: the thresholder and its
  q on the ``medium`` subset's mean F1 over suite and detector seeds 0-2 (with a disclosure: the SPOT-or-NDT
  family was built after the relative-guard NDT's SMAP/MSL figures below had been seen; :mod:`fdir.union`), the
  transform on the ``small`` subset's labels (seed 0), the grouping distance (telemanom's ``error_buffer``), the
  series budget (Bonferroni), the NDT guard (k = 3) and the flat-line window (w = 20) fixed without a comparison,
  the flat line's factor (c = 2) on the ``medium`` subset (seed 0) and the SMAP/MSL training arrays;
  :data:`LABEL_FREE` lists each choice with its figures; SPOT's quarantine (:mod:`fdir.spot`) on the ``medium``
  subset (seeds 0-2) by a rule fixed before the runs. On the ``medium`` subset they give event-wise F1 0.669 / 0.627
  / 0.669 (seeds 0 / 1 / 2, mean 0.655 ± 0.024; 0.669 / 0.616 / 0.649 before the quarantine) with 2.5 / 2.3 / 5.1
  false alarms per 10⁴ anomaly-free test samples, against 0.665 / 0.588 / 0.606 (6.7 / 5.5 / 9.3) for SPOT at q =
  10⁻³ alone, the previous default (q chosen by a Neyman-Pearson rule on the ``small`` subset's anomaly-free
  series) and 0.427 (seed 0) for telemanom's protocol (:data:`TELEMANOM`: scaled values, one budget per channel, NDT,
  no flat line). Below the issue-17 goals
  (0.80 over all series, 0.60 per anomaly type): long collectives 0.35-0.43, frequency changes 0.50-0.55 and short
  collectives 0.38-0.57 stay low on every seed. Before the quarantine, with the detector's default training (35
  epochs) in place of 3 the ``medium`` figures were 0.648 / 0.653 / 0.667 (mean 0.656 ± 0.010; what else was tried:
  ``benchmarks/bench_fdir_suite.py``). ``range_k`` 3 or 6 lowered F1 on the ``small`` subset (0.370 / 0.452
  against 0.561), so it stays off. Pass ``**TELEMANOM`` (or ``fdir.registry.make(..., settings="telemanom")``) to
  reproduce telemanom's protocol and the SMAP/MSL figures published with it; :data:`SETTINGS` names both.
  **SMAP/MSL** (all labelled channels, dense_float, seeds 0-2, :mod:`fdir.protocols.selection`, ``hwsim bench
  fdir``): the defaults score event-wise F1 0.825 ± 0.011 (SMAP; TP 193, FP 68, FN 14 over the three seeds) and
  0.709 ± 0.021 (MSL; 71 / 21 / 37): SMAP above the issue's 0.80, MSL below its 0.72, both below telemanom's
  published 0.867 / 0.806. Before SPOT's quarantine they scored 0.841 ± 0.020 (193 / 59 / 14) and 0.732 ± 0.025
  (74 / 20 / 34); those labels favour the paper's rule, the suite the quarantine, and the suite decides
  (:mod:`fdir.spot`). Cross-spacecraft selection among the candidates (the defaults, SPOT at q = 10⁻⁴, 10⁻³, 10⁻²,
  the relative-guard NDT): chosen on MSL, the defaults, SMAP 0.825; chosen on SMAP, the relative-guard NDT
  (``thresholder="ndt_relative_guard"``), MSL 0.676 ± 0.043 (SMAP 0.870 ± 0.012). SPOT alone (it groups, so it
  quarantines too) at q = 10⁻⁴ / 10⁻³ / 10⁻² scores 0.727 / 0.537 / 0.250 on SMAP and 0.572 / 0.491 / 0.433 on MSL
  (seeds 0-2, the same forecasters as the defaults' rows, which reproduced 0.825 / 0.709 exactly). Before the
  quarantine: SPOT at q = 10⁻³ alone (the previous default) 0.573 ± 0.013 / 0.485 ± 0.012, its shortfall mostly
  false alarms (SMAP 187 FP / 158 TP, MSL 92 / 64); SPOT at q = 10⁻⁴ 0.743 ± 0.021 / 0.585 ± 0.003; telemanom's
  NDT with its own guards in place of the default thresholder 0.784 ± 0.017 / 0.734 ± 0.017 (comparison only:
  guards set on these labels); 0.832 / 0.735 (seed 0) for telemanom's protocol with the same forecaster, whose
  architecture and NDT guards were chosen on those test labels. On the suite the relative-guard NDT alone scores 0.468 /
  0.459 / 0.516: the suite's even mix of nine
  anomaly types (points and short collectives, which NDT's smoothing loses: F1 0.07-0.25) and SMAP/MSL's long
  labelled intervals pull single thresholders apart, which is why the default takes both. The hold-length
  flat-line check replaced a rolling-deviation one after a diagnosis on SMAP's test labels (:data:`LABEL_FREE`,
  ``flat_line``). Compare both settings on data of your own spacecraft. The figures above are ``dense_float``'s; the
  default detector of ``hwsim detect`` since 2026-12-07 (the registry's ``auto``, :mod:`fdir.heldout_choice`) runs
  these settings with ``linear_ar`` on most series and channels: suite 0.744 ± 0.052, SMAP 0.610 ± 0.004 (rerun
  2026-12-08; 0.613 on 2026-12-07, :mod:`fdir.heldout_choice`), MSL 0.765 ± 0.018.
* **Export** (:meth:`Pipeline.export`): the runtime bundle (:mod:`fdir.runtime`, FORMAT.md) holds the scaling, the
  differenced columns (``input.difference``: the runtime differences the raw values against the last valid one, the
  first increment 0), the range-exit bounds (``limits.range_exit``, telemetry units) and the flat-line check
  (``limits.flat_line``, version 4); :class:`fdir.runtime.forecast.ForecastRuntime` flags the same samples by these
  checks as :meth:`evaluate` (``tests/fdir/runtime/test_limits.py``), and the fitted SPOT state per stream
  (``detector.threshold``, version 3; 7 with the quarantine of a grouping SPOT, :mod:`fdir.spot`), which
  :mod:`fdir.runtime.spot` continues online (numpy GPD refits) to the same flags as :meth:`evaluate`
  (``tests/fdir/runtime/test_spot_runtime.py``); for SPOT or NDT (:class:`fdir.union.SPOTOrNDT`) that SPOT state and the
  relative-guard NDT's parameters (``"method": "spot_or_ndt"``, version 5; 7 with grouping), run by
  :mod:`fdir.runtime.union` to the same flags as :meth:`evaluate` except where the offline NDT reads the series length
  (its first-window rule below 2,500 scored samples) or, near an invalid sample, the error against the forward-filled
  value where the runtime's NDT holds its level (``tests/fdir/runtime/test_union_runtime.py``). Not exported
  (NotImplementedError): a thresholder other than SPOT, SPOT or NDT, or telemanom's NDT with its default parameters, and
  SPOT, SPOT or NDT, or these stages with a detector whose bundle is not a forecaster.
* **Length**: :attr:`Pipeline.min_length` is checked on the training series before any training: the detector's
  ``min_train_length`` samples, and with ``holdout`` f > 0 also that the fitting part n_fit keeps that many and the
  held-out part has at least :data:`fdir.thresholders.MIN_SCORES` samples. A series to score needs at least
  :data:`fdir.thresholders.MIN_SCORES` scored samples after the detector's window.
* **Time**: ``detect(x, time)`` reports ``start`` / ``end`` (inclusive) as ``time[start_index]`` /
  ``time[end_index]``: any monotone values (numbers, datetimes), irregular spacing allowed; without ``time``, the
  DataFrame's index, else sample indices.

Output of :meth:`Pipeline.detect`: a pandas DataFrame, one row per interval, columns ``start``, ``end``,
``channel`` (column name), ``stream`` (names of the detector streams whose threshold flagged it, comma-separated),
``score`` (the thresholder's anomaly score; telemanom NDT: max |e_s − ε|/(μ + σ)), plus ``start_index`` and
``end_index`` (sample indices).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from fdir.detectors.base import Detector, Thresholder, as_series, fill_gaps
from fdir.flatline import FlatLine, check_window, fit_flat_line
from fdir.runtime.bundle import required_version
from fdir.scaling import SCALERS, Scaler, fit_scaler
from fdir.thresholders import ThresholderSpec
from fdir.transform import TRANSFORMS, InputTransform, fit_transform

__all__ = ["BUDGETS", "CHANNEL_MODES", "FLAT_LINE", "INTERVAL_COLUMNS", "LABEL_FREE", "MAX_HOLDOUT", "RANGE_EXIT",
           "SETTINGS", "SETTING_KEYS", "TELEMANOM", "ChannelResult", "Pipeline", "channel_mode"]

INTERVAL_COLUMNS = ("start", "end", "channel", "stream", "score", "start_index", "end_index")
MAX_HOLDOUT = 0.9
"""Largest ``holdout`` fraction of :class:`Pipeline` (the detector keeps at least a tenth of the training series)."""
BUDGETS = ("channel", "series")
"""False-alarm budgets of :class:`Pipeline` (module doc, Alarm budget)."""
RANGE_EXIT = "range_exit"
"""Stream name of the range-exit rule in :meth:`Pipeline.detect` (:mod:`fdir.transform`)."""
FLAT_LINE = "flat_line"
"""Stream name of the flat-line check in :meth:`Pipeline.detect` (:mod:`fdir.flatline`)."""
CHANNEL_MODES = ("separate", "context", "joint")
"""Channel layouts of :class:`Pipeline` (``per_channel``, module doc); ``True`` / ``False`` spell ``"separate"`` /
``"joint"``."""
SETTING_KEYS = ("thresholder", "transform", "budget", "flat_line")
"""The :class:`Pipeline` keywords that a named setting (:data:`SETTINGS`) fixes."""

LABEL_FREE: Mapping[str, object] = MappingProxyType({
    "thresholder": ThresholderSpec("spot_or_ndt"),
    "transform": "auto",
    "budget": "series",
    "flat_line": 20,
})
"""The :class:`Pipeline` defaults, chosen on the generated robustness suite and never on SMAP/MSL test labels (module
doc, Defaults; ``benchmarks/bench_fdir_suite.py``, dense_float 3 epochs):

* ``thresholder``: SPOT-or-NDT (:mod:`fdir.union`, :data:`fdir.thresholders.THRESHOLDERS` ``"spot_or_ndt"``): SPOT at
  risk q = 10⁻⁴, non-negative GPD shape, flags grouped within 100 samples, OR telemanom's NDT with the guard k = 3
  robust standard deviations of the training errors. Chosen on the ``medium`` subset's mean event-wise F1 over suite
  and detector seeds 0-2 (flat line included): SPOT-or-NDT at q = 10⁻⁴ 0.645 (0.669 / 0.616 / 0.649), at q = 10⁻³
  0.643 (0.687 / 0.604 / 0.638), SPOT at q = 10⁻³ alone 0.620 (0.665 / 0.588 / 0.606), at q = 10⁻⁴ alone 0.598,
  telemanom's NDT 0.549, the relative-guard NDT alone 0.481; q = 10⁻⁴ over 10⁻³ at equal F1 (within one event per
  seed) for its fewer false alarms on the anomaly-free series (2.5 / 2.4 / 5.1 against 8.4 / 6.3 / 11.0 per 10⁴
  samples). Disclosure: the union was built after the relative-guard NDT's SMAP/MSL test figures were seen
  (:mod:`fdir.union`), and telemanom's NDT constants inside it were set on SMAP/MSL by its authors. SPOT alone at q =
  10⁻³ (``"spot"``, the previous default) was chosen by the label-free rule of the benchmark: the largest q in {10⁻⁶,
  …, 10⁻²} whose false alarms on the ``small`` subset's 7 anomaly-free series stay within 5 per 10⁴ samples and 1 % of
  their samples flagged (the free shape flagged 7-65 % at every q; the non-negative one none at q <= 10⁻³ and 35.4 per
  10⁴, 16 % at 10⁻²). The grouping is telemanom's ``error_buffer`` (not selected). By series length (seeds 0 / 1 / 2):
  on replicate 0 (the ``small`` subset, 500-1,257 samples) SPOT alone scores 0.713 / 0.557 / 0.613 and SPOT-or-NDT
  0.672 / 0.526 / 0.616; on replicate 1 (1,257-3,162 samples) 0.628 / 0.613 / 0.601 against 0.667 / 0.699 / 0.679: the
  NDT's window (2,100 errors) needs long series, and the union's gain is there. These figures are the paper's SPOT
  rule; SPOT's quarantine (:mod:`fdir.spot`, adopted on the same subset and seeds) gives SPOT-or-NDT at q = 10⁻⁴
  0.655 (0.669 / 0.627 / 0.669).
* ``transform="auto"``: compared on the ``small`` subset's labels (SPOT non-negative, grouped, budget per series,
  q = 10⁻³): F1 ``auto`` 0.561, ``difference`` 0.567 (within one event); ``auto`` keeps stationary channels in
  level form (at q = 10⁻⁴: ``level`` 0.315, ``auto`` 0.404, ``difference`` 0.463).
* ``budget="series"``: one false-alarm budget per series (Bonferroni over channels), by design, not compared.
* ``flat_line=20``: the hold-length check of :mod:`fdir.flatline` (a hold longer than max(w, 2·H) samples, H the
  longest hold of the training series). w = 20 was fixed before any measurement; c = 2 on the ``medium`` subset, seed
  0 (with SPOT at q = 10⁻³, the default then), with w in {10, 20, 50} and c in {1, 1.5, 2, 3} (at w = 20: F1 0.651 /
  0.663 / 0.665 / 0.667; c = 1 adds false alarms, 1.5-3 lie within two events, 2 is the middle) and on the SMAP/MSL
  *training* arrays (fitted on their first 70 %: 0 / 1 event on the last 30 %, 41,435 / 17,510 samples). ``medium`` F1
  0.548 (no check) -> 0.665 (seed 0), stuck values 0.195 -> 0.90, false alarms unchanged (6.7 per 10⁴, 1.2 % flagged);
  suite and detector seed 1: 0.455 -> 0.588. It replaced a rolling-standard-deviation check (flagged below half the
  smallest training deviation over 20 samples; ``medium`` 0.659 / 0.580 on seeds 0 / 1), which raised 186 events on
  the SMAP test arrays, 6 on labels, nearly all on quantised channels whose test parts hold values longer than their
  training parts' 20-sample windows ever did: a diagnosis read on SMAP test labels, so the replacement was motivated
  by them although its parameters were not chosen on them.
"""

TELEMANOM: Mapping[str, object] = MappingProxyType({
    "thresholder": ThresholderSpec("ndt"),
    "transform": "level",
    "budget": "channel",
    "flat_line": None,
})
"""telemanom's protocol (Hundman et al., KDD 2018, arXiv:1802.04431): scaled values, the full budget per channel,
NDT with the published parameters, no flat-line check. The co-design study and the SMAP/MSL figures use it
(``Pipeline(detector, **TELEMANOM)``); on the robustness suite's ``medium`` subset it scores event-wise F1 0.427
(module doc, Defaults)."""

SETTINGS: Mapping[str, Mapping[str, object]] = MappingProxyType({"label_free": LABEL_FREE, "telemanom": TELEMANOM})
"""Named settings (``fdir.registry.make(settings=...)``, ``hwsim detect --settings``); the first is the default."""


def channel_mode(per_channel) -> str:
    """The :data:`CHANNEL_MODES` entry that ``per_channel`` names (``True`` -> ``"separate"``, ``False`` ->
    ``"joint"``, a mode name -> itself). Raises ValueError for anything else."""
    if isinstance(per_channel, (bool, np.bool_)):
        return "separate" if per_channel else "joint"
    if isinstance(per_channel, str) and per_channel in CHANNEL_MODES:
        return per_channel
    raise ValueError(f"per_channel={per_channel!r}, accepted: True, False or one of {CHANNEL_MODES}")


@dataclass(frozen=True)
class ChannelResult:
    """One channel's detection (:meth:`Pipeline.evaluate`): ``values`` (T,) raw series (NaN kept), ``scores``
    (S, T), ``flags`` (T,) bool, ``smoothed`` and ``threshold`` (S, T) in score units when the thresholder
    provides them (telemanom NDT), else None; ``intervals`` the rows of :meth:`Pipeline.detect` for the channel."""

    channel: str
    values: np.ndarray
    scores: np.ndarray
    flags: np.ndarray
    smoothed: np.ndarray | None
    threshold: np.ndarray | None
    stream_names: tuple[str, ...]
    intervals: pd.DataFrame


def _table(x, name: str) -> tuple[np.ndarray, list[str], pd.Index | None]:
    if isinstance(x, pd.Series):
        x = x.to_frame()
    if isinstance(x, pd.DataFrame):
        return as_series(x.to_numpy(np.float64), name, allow_nan=True), [str(c) for c in x.columns], x.index
    a = as_series(x, name, allow_nan=True)
    return a, [str(j) for j in range(a.shape[1])], None


class Pipeline:
    """scaler -> detector -> thresholder (module doc).

    detector : a zero-argument factory of a fresh :class:`~fdir.detectors.base.Detector` (one per channel).
    thresholder : a zero-argument factory of a :class:`~fdir.detectors.base.Thresholder`, e.g.
    :func:`fdir.thresholders.thresholder_factory` (default: SPOT at q = 10⁻⁴ or the relative-guard NDT,
    :class:`fdir.union.SPOTOrNDT`, of :data:`LABEL_FREE`).
    scaling : one of :data:`fdir.scaling.SCALERS`. per_channel : channel layout, one of :data:`CHANNEL_MODES` or
    ``True`` / ``False`` (module doc). name : label (registry name).
    holdout : fraction f of the training series (its end) held out from the detector to calibrate the thresholder,
    a number in [0, 0.9]; 0 (default) calibrates on the training errors (module doc, Calibration).
    transform : one of :data:`fdir.transform.TRANSFORMS` (module doc, Input transform; default ``"auto"``).
    range_k : range-exit multiple k in white-noise levels, a finite number > 0, or None (off, default). budget : one
    of :data:`BUDGETS` (module doc, Alarm budget; default ``"series"``). flat_line : window w (samples, an integer >=
    :data:`fdir.flatline.MIN_WINDOW`) of the flat-line check, or None (off; module doc, Flat line; default 20).
    The defaults of ``thresholder``, ``transform``, ``budget`` and ``flat_line`` are :data:`LABEL_FREE`; pass
    ``**TELEMANOM`` for telemanom's protocol (module doc, Defaults).

    Raises
    ------
    ValueError
        for a scaling method not in :data:`fdir.scaling.SCALERS`, ``per_channel`` not in :data:`CHANNEL_MODES`
        (nor a bool), ``holdout`` outside [0, 0.9] (NaN, inf), a ``thresholder`` that is not callable, ``transform``
        not in :data:`fdir.transform.TRANSFORMS`, ``range_k`` neither None nor a finite number > 0, ``budget`` not
        in :data:`BUDGETS`, or ``flat_line`` neither None nor an integer >= :data:`fdir.flatline.MIN_WINDOW`.
    """

    def __init__(self, detector: Callable[[], Detector],
                 thresholder: Callable[[], Thresholder] = LABEL_FREE["thresholder"], *,
                 scaling: str = "minmax", per_channel: bool | str = True, name: str = "", holdout: float = 0.0,
                 transform: str = LABEL_FREE["transform"], range_k: float | None = None,
                 budget: str = LABEL_FREE["budget"], flat_line: int | None = LABEL_FREE["flat_line"]) -> None:
        if not callable(thresholder):
            raise ValueError(f"thresholder={thresholder!r}, accepted: a zero-argument factory of a thresholder "
                             "(fdir.thresholders.thresholder_factory)")
        if scaling not in SCALERS:
            raise ValueError(f"scaling={scaling!r}, accepted: {SCALERS}")
        if not (isinstance(holdout, numbers.Real) and math.isfinite(holdout) and 0 <= holdout <= MAX_HOLDOUT):
            raise ValueError(f"holdout={holdout!r}, accepted: a number in [0, {MAX_HOLDOUT}]")
        if transform not in TRANSFORMS:
            raise ValueError(f"transform={transform!r}, accepted: {TRANSFORMS}")
        if range_k is not None and not (isinstance(range_k, numbers.Real) and math.isfinite(range_k)
                                        and range_k > 0):
            raise ValueError(f"range_k={range_k!r}, accepted: a finite number > 0, or None")
        if budget not in BUDGETS:
            raise ValueError(f"budget={budget!r}, accepted: {BUDGETS}")
        self.flat_line = None if flat_line is None else check_window(flat_line)
        self.make_detector = detector
        self.make_thresholder = thresholder
        self.scaling, self.per_channel, self.name = scaling, channel_mode(per_channel), name
        self.holdout = float(holdout)
        self.transform, self.range_k, self.budget = transform, None if range_k is None else float(range_k), budget
        self.channels: list[str] = []
        self.columns: list[str] = []
        self.fitted: dict[str, tuple[Scaler, Detector, Thresholder]] = {}
        self.transforms: dict[str, InputTransform] = {}
        self.calibration: dict[str, np.ndarray] = {}
        self.flat_lines: dict[str, FlatLine] = {}

    def split(self, n: int) -> int:
        """n_fit, the training samples the detector is fitted on out of ``n`` (module doc, Calibration)."""
        return int(n) - math.floor(self.holdout * int(n))

    @property
    def min_length(self) -> int:
        """Fewest training samples: the detector's ``min_train_length``, and with ``holdout`` > 0 the fewest n whose
        split leaves that many to the detector and :data:`fdir.thresholders.MIN_SCORES` held-out samples."""
        from fdir.thresholders import MIN_SCORES

        m = int(self.make_detector().min_train_length)
        if self.holdout == 0:
            return m
        n = max(m, math.ceil(MIN_SCORES / self.holdout))
        while self.split(n) < m or n - self.split(n) < MIN_SCORES:
            n += 1
        return n

    def check_length(self, n: int, what: str = "train") -> None:
        """Raise ValueError naming ``what`` when ``n`` < :attr:`min_length` (called before any training)."""
        if int(n) < self.min_length:
            split = f" with holdout={self.holdout:g}" if self.holdout else ""
            raise ValueError(f"{what} has {n} samples; the {self.name or 'pipeline'} detector{split} needs at least "
                             f"{self.min_length}")

    def _groups(self, names: list[str]) -> list[tuple[str, list[int]]]:
        """(watched channel, the columns its detector reads, the watched one first) per detector (module doc)."""
        mode = channel_mode(self.per_channel)
        if mode == "separate":
            return [(c, [j]) for j, c in enumerate(names)]
        if mode == "context":
            return [(c, [j, *(k for k in range(len(names)) if k != j)]) for j, c in enumerate(names)]
        return [(names[0], list(range(len(names))))]

    def fit(self, train, *, progress: Callable[[str], None] | None = None) -> Pipeline:
        """Fit scaler, detector and thresholder per channel on nominal ``train`` (T, D), (T,) or a DataFrame.
        ``progress`` is called with a one-line message before each channel. With ``holdout`` > 0 the detector is
        fitted on the first part only and the thresholder on the held-out scores (module doc, Calibration). Returns
        self.

        Raises
        ------
        ValueError
            for fewer than :attr:`min_length` samples (before any training), ±inf, a column without a valid
            value, or
            with ``per_channel="context"`` and D > 1 a detector that reports reading the watched column only
            (``input_columns``, module doc).
        """
        a, names, _ = _table(train, "train")
        self.check_length(a.shape[0])
        filled, _ = fill_gaps(a, "train")
        self.columns = names
        self.fitted, self.calibration, self.transforms, self.flat_lines = {}, {}, {}, {}
        window = None if self.flat_line is None else check_window(self.flat_line)
        fitted, flat_lines = {}, {}
        for i, (ch, cols) in enumerate(groups := self._groups(names)):
            if progress is not None:
                progress(f"training {self.name or 'detector'} on channel {ch} ({i + 1}/{len(groups)})")
            if window is not None:
                flat_lines[ch] = fit_flat_line(a[:, cols[0]], window)
            sc = fit_scaler(a[:, cols], self.scaling)
            z = sc.transform(filled[:, cols])
            n_fit = self.split(z.shape[0])
            tr = fit_transform(z[:n_fit], self.transform, self.range_k)
            z = tr.apply(z)
            det = self.make_detector().fit(z[:n_fit])
            if len(cols) > 1 and channel_mode(self.per_channel) == "context" \
                    and len(getattr(det, "input_columns", cols)) < 2:
                raise ValueError(f"per_channel='context': the {self.name or 'pipeline'} detector reads only the "
                                 "watched column, so the other channels give it no context; give it every input "
                                 "column (the forecaster: ForecasterConfig(commands='all'); the linear forecaster: "
                                 "context_lags > 0)")
            cal = np.asarray(det.scores(z), np.float64)
            if n_fit < z.shape[0]:
                scored = np.flatnonzero(np.isfinite(cal).all(axis=0))
                warm = min(int(scored[0]) if scored.size else n_fit, n_fit)
                cal = np.concatenate([np.full((cal.shape[0], warm), np.nan), cal[:, n_fit:]], axis=1)
            self.calibration[ch], self.transforms[ch] = cal, tr
            fitted[ch] = (sc, det)
        self.fitted = {ch: (sc, det, None) for ch, (sc, det) in fitted.items()}
        self.channels, self.flat_lines = list(self.fitted), flat_lines
        try:
            return self.set_thresholder(self.make_thresholder)
        except ValueError:
            self.fitted, self.channels = {}, []     # no half-fitted pipeline
            raise

    def set_thresholder(self, thresholder: Callable[[], Thresholder]) -> Pipeline:
        """Fit a fresh thresholder of the factory ``thresholder`` per channel on :attr:`calibration`, keeping the
        fitted scalers, transforms and detectors (the thresholders of one set of detector scores are compared this
        way, :mod:`fdir.suite.protocol`). With ``budget="series"`` and D > 1 channels, a thresholder with a
        ``share(k)`` method (a copy holding 1/k of its false-alarm budget: :class:`fdir.spot.SPOTThresholder` runs
        at risk q/k) is shared out over the D channels (module doc, Alarm budget). Returns self.

        Raises
        ------
        ValueError
            before :meth:`fit`, or as the thresholder's ``fit``.
        """
        if not self.fitted:
            raise ValueError("Pipeline: call fit(train) first")
        D, fitted = len(self.fitted), {}
        for ch, (sc, det, _) in self.fitted.items():
            thr = thresholder()
            if self.budget == "series" and D > 1 and hasattr(thr, "share"):
                thr = thr.share(D)
            fitted[ch] = (sc, det, thr.fit(self.calibration[ch]))
        self.fitted = fitted      # replaced only when every channel's thresholder is fitted
        return self

    def evaluate(self, x, time=None, *, progress: Callable[[str], None] | None = None) -> list[ChannelResult]:
        """Score and threshold ``x`` (same columns as the training series) channel by channel (module doc);
        ``progress`` as in :meth:`fit`.

        Raises
        ------
        ValueError
            before :meth:`fit`, for a column-count mismatch, a ``time`` of the wrong length, ±inf, or a series too
            short for the fitted detector.
        """
        if not self.fitted:
            raise ValueError("Pipeline: call fit(train) first")
        a, _, index = _table(x, "x")
        if a.shape[1] != len(self.columns):
            raise ValueError(f"x has {a.shape[1]} columns, the pipeline was fitted on {len(self.columns)}")
        t = np.arange(a.shape[0]) if time is None and index is None else np.asarray(index if time is None else time)
        if t.shape != (a.shape[0],):
            raise ValueError(f"time must have one value per sample ({a.shape[0]}), got shape {t.shape}")
        filled, _ = fill_gaps(a, "x")
        out = []
        for i, (ch, cols) in enumerate(groups := self._groups(self.columns)):
            if progress is not None:
                progress(f"scoring channel {ch} ({i + 1}/{len(groups)})")
            sc, det, thr = self.fitted[ch]
            tr = self.transforms[ch]
            z = tr.apply(sc.transform(filled[:, cols]))
            s = det.scores(z)
            ref = det.reference(z) if hasattr(det, "reference") else z[:, 0]
            if hasattr(thr, "evaluate"):
                r = thr.evaluate(s, ref)
                flags, smoothed, threshold = r.flags.copy(), r.smoothed, r.threshold
                spans = list(zip(r.intervals, r.interval_scores, r.interval_streams, strict=True))
            else:
                flags, smoothed, threshold, spans = np.asarray(thr.flag(s, ref), bool).copy(), None, None, []
            names = tuple(det.stream_names)
            limits = []                  # limit checks: flagged whatever the detector's error
            if tr.range_k is not None:   # range exit (fdir.transform)
                r_exit = tr.range_exit(z[:, 0])
                limits.append((RANGE_EXIT, r_exit, r_exit > tr.range_k, tr.range_k))
            if ch in self.flat_lines:    # flat line (fdir.flatline)
                fl = self.flat_lines[ch]
                limits.append((FLAT_LINE, fl.score(a[:, cols[0]]), fl.flags(a[:, cols[0]]), fl.threshold))
            for stream, score, out_, level in limits:
                flags |= out_
                spans += [((u, v), float(score[u:v + 1].max()), (len(names),)) for u, v in _runs(out_)]
                names += (stream,)
                s = np.vstack([s, score])
                smoothed = None if smoothed is None else np.vstack([smoothed, score])
                threshold = None if threshold is None else np.vstack([threshold, np.full(len(score), level)])
            flags &= ~np.isnan(a[:, cols]).any(axis=1)
            rows = []
            for s0, s1 in _runs(flags):
                hit = [(sc_, st) for (u, v), sc_, st in spans if u <= s1 and v >= s0]
                streams = sorted({k for _, st in hit for k in st})
                score = max((v for v, _ in hit), default=float(np.nanmax(s[:, s0:s1 + 1])))
                rows.append({"start": t[s0], "end": t[s1], "channel": ch,
                             "stream": ",".join(names[k] for k in streams) if streams else ",".join(names),
                             "score": float(score), "start_index": int(s0), "end_index": int(s1)})
            out.append(ChannelResult(ch, a[:, cols[0]], s, flags, smoothed, threshold, names,
                                     pd.DataFrame(rows, columns=list(INTERVAL_COLUMNS))))
        return out

    def detect(self, x, time=None) -> pd.DataFrame:
        """Anomalous intervals of ``x`` (module doc: columns ``start``, ``end``, ``channel``, ``stream``,
        ``score``, ``start_index``, ``end_index``), in the order of channels then time."""
        parts = [r.intervals for r in self.evaluate(x, time)]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(INTERVAL_COLUMNS))

    def workload(self, channel: str | None = None) -> pd.DataFrame:
        """IR of one inference (one sample of one channel) of ``channel``'s detector (default: the first)."""
        return self._channel(channel)[1].workload()

    def export(self, channel: str | None = None) -> tuple[dict, dict[str, np.ndarray]]:
        """Runtime bundle ``(spec, arrays)`` of ``channel``'s detector (default: the first) with the fitted
        scaling as the bundle's input standardisation z = (x − mean)/std (composed with the detector's own), and the
        channel's input transform and limit checks (module doc, Export): ``input.difference`` for differenced
        columns (their standardisation then applies to raw increments, mean = scale·mean_det, std = scale·std_det),
        ``limits.range_exit`` (the training range and noise level converted to telemetry units) and
        ``limits.flat_line`` (FORMAT.md of :mod:`fdir.runtime`). A SPOT-thresholded channel
        (:class:`fdir.spot.SPOTThresholder`, forecast detectors) gets its fitted per-stream state in
        ``detector.threshold`` (``"method": "spot"``: t, the latest peaks, N_t, n, the GPD fit, z_q, the DSPOT window
        and the per-stream risk q/S of the channel's thresholder, which with ``budget="series"`` already holds its
        share of the series' budget), run by :mod:`fdir.runtime.spot`; a SPOT-or-NDT channel
        (:class:`fdir.union.SPOTOrNDT`, forecast detectors) that SPOT state and the relative-guard NDT's parameters
        (``"method": "spot_or_ndt"``, :func:`fdir.runtime.export.union_section`, version 5; 7 when SPOT groups, for
        its quarantine), run by
        :mod:`fdir.runtime.union`; telemanom's NDT keeps its parameters there.

        Raises
        ------
        NotImplementedError
            for a detector family without export, a thresholder other than SPOT, SPOT or NDT, or telemanom's NDT
            with its default parameters (the runtime runs those three), SPOT or SPOT or NDT with a detector whose
            bundle is not a forecaster, or a
            differenced input, range-exit or flat-line channel whose detector is not a forecaster (only
            :class:`fdir.runtime.forecast.ForecastRuntime` runs them).
        ValueError
            before :meth:`fit`, for an unknown channel, a bundle whose input channels differ from the scaled
            columns, or a SPOT thresholder fitted on another number of streams than the bundle thresholds."""
        from fdir.ndt import NDTParams
        from fdir.runtime.export import spot_section, union_section
        from fdir.spot import SPOTThresholder
        from fdir.thresholders import NDTThresholder
        from fdir.union import SPOTOrNDT

        sc, det, thr = self._channel(channel)
        ch = self.channels[0] if channel is None else str(channel)
        tr = self.transforms[ch]
        section = {SPOTThresholder: spot_section, SPOTOrNDT: union_section}.get(type(thr))
        if section is None and (type(thr) is not NDTThresholder or thr.params is not None):
            raise NotImplementedError(f"channel {ch!r}: cannot export the {type(thr).__name__} thresholder: the "
                                      "runtime thresholds with SPOT (fdir.spot), SPOT or NDT (fdir.union) or the "
                                      "streaming telemanom NDT with its default parameters only; fit with "
                                      "SPOTThresholder, SPOTOrNDT or NDTThresholder() to export")
        spec, arrays = det.export()
        spec, arrays = dict(spec), dict(arrays)
        if section is not None:         # the fitted per-stream SPOT (and NDT) state replaces the NDT parameters
            dsec = dict(spec["detector"])
            if dsec.get("kind") != "forecast":
                what = "SPOT or NDT" if type(thr) is SPOTOrNDT else "SPOT"
                raise NotImplementedError(f"channel {ch!r}: the runtime runs {what} with forecast detectors only; "
                                          f"this detector's bundle is a {dsec.get('kind')!r} one")
            n_streams = len(dsec.get("streams") or range(int(dsec.get("heads", 1))))
            dsec["threshold"], tarr = section(thr, n_streams,
                                              (dsec.get("threshold") or {}).get("l_s", NDTParams().l_s))
            spec["detector"] = dsec
            arrays.update(tarr)
        inp = dict(spec["input"])
        C = int(inp["channels"])
        mean = np.zeros(C) if inp.get("mean") is None else np.asarray(arrays[inp["mean"]], np.float64)
        std = np.ones(C) if inp.get("std") is None else np.asarray(arrays[inp["std"]], np.float64)
        if sc.center.size != C:
            raise ValueError(f"the exported detector reads {C} input channels, the scaling covers {sc.center.size}")
        fl = self.flat_lines.get(ch)
        if (tr.any_difference or tr.range_k is not None or fl is not None) \
                and spec["detector"].get("kind") != "forecast":
            raise NotImplementedError(
                f"channel {ch!r}: the runtime runs input differencing, the range-exit rule and the flat-line check "
                f"with forecast detectors only; this detector's bundle is a {spec['detector'].get('kind')!r} one")
        diff = np.asarray(tr.difference, bool)
        # the detector's own standardisation applies after the pipeline's scaling: compose the two affine maps (a
        # differenced column reads raw increments, whose scaling has no offset)
        arrays["input.mean"] = (np.where(diff, 0.0, sc.center) + sc.scale * mean).astype(np.float32)
        arrays["input.std"] = (sc.scale * std).astype(np.float32)
        inp.update(mean="input.mean", std="input.std")
        reads = dict(self._groups(self.columns))[ch]
        if len(reads) > 1:              # informative: the column order the runtime's samples must follow
            inp["columns"] = [self.columns[k] for k in reads]
        if diff.any():
            inp["difference"] = [bool(v) for v in diff]
        spec["input"] = inp
        spec["scaling"] = sc.to_dict()
        limits = {}
        if tr.range_k is not None:      # scaled units u = (x − c)/s (level) or Δx/s (differenced) -> telemetry units
            c0, s0 = (0.0 if diff[0] else float(sc.center[0])), float(sc.scale[0])
            limits["range_exit"] = {"channel": 0, "lo": c0 + s0 * tr.lo, "hi": c0 + s0 * tr.hi,
                                    "noise": s0 * tr.noise, "k": float(tr.range_k), "source": "fdir.transform"}
        if fl is not None:
            limits["flat_line"] = {"channel": 0, "limit": int(fl.limit), "window": int(fl.window),
                                   "longest_hold": int(fl.longest_hold), "factor": float(fl.factor),
                                   "source": "fdir.flatline"}
        if limits:
            spec["limits"] = limits
        if diff.any() or tr.range_k is not None:
            spec["transform"] = {k: ([None if isinstance(u, float) and math.isnan(u) else u for u in v]
                                     if isinstance(v, list) else v) for k, v in tr.to_dict().items()}   # JSON: no NaN
        spec["version"] = required_version(spec)      # 2-5 by the keys it holds (FORMAT.md): older ones refuse it
        return spec, arrays

    def _channel(self, channel: str | None):
        if not self.fitted:
            raise ValueError("Pipeline: call fit(train) first")
        ch = self.channels[0] if channel is None else str(channel)
        if ch not in self.fitted:
            raise ValueError(f"channel={channel!r}, accepted: {self.channels}")
        return self.fitted[ch]


def _runs(flags: np.ndarray) -> Sequence[tuple[int, int]]:
    """Inclusive (start, end) runs of True."""
    f = np.concatenate([[False], np.asarray(flags, bool), [False]])
    d = np.flatnonzero(np.diff(f.astype(np.int8)))
    return [(int(a), int(b) - 1) for a, b in zip(d[::2], d[1::2], strict=True)]
