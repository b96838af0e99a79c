"""Benchmark of the fdir robustness suite (issue 17): the convolutional forecaster ``dense_float`` on the generated
series of :mod:`fdir.suite`, with the pipeline as it was (``before``) and with the scale-free stages (``after``), and
over three seeds the default detector ``auto`` (:mod:`fdir.heldout_choice`) with its int8 counterpart, ``dense_float``
and ``linear_ar``, each with the pipeline's label-free defaults.

Run: ``hwsim bench fdir`` (full: all 216 series, the detector's default training) or ``hwsim bench fdir --quick``
(the 54-series ``small`` subset, 3 training epochs; a few minutes on 2 cores, not the minute that CONTRIBUTING asks:
one forecaster is trained per channel, once per configuration). ``python benchmarks/bench_fdir_suite.py --medium``
runs the 108-series ``medium`` subset (replicates 0 and 1 of every signal class x anomaly type pair) and prints the
``small`` part (replicate 0, 500-1,257 samples, where the options were chosen) and replicate 1 alone (1,257-3,162
samples, never used for a choice) beside the whole. Protocol: :mod:`fdir.suite.protocol` (fit on each series'
nominal training prefix, telemanom event-wise counting over the test part, series-level union of channels).
Suite seed 0, detector seed 0. Figures below were measured with the paper's SPOT streaming rule unless they name SPOT's
quarantine (:mod:`fdir.spot`, adopted on 2026-12-07 on this subset's runs).

Configurations (:data:`CONFIGS`), each a :class:`fdir.pipeline.Pipeline` setting plus thresholders run on the same
detector scores:

* ``before``: scaled values, one alarm budget per channel, no flat-line check (telemanom's protocol,
  :data:`fdir.pipeline.TELEMANOM`, the pipeline's defaults before they became :data:`fdir.pipeline.LABEL_FREE`);
  telemanom's NDT (the peer;
  Hundman et al., KDD 2018, arXiv:1802.04431) and SPOT with the paper's free GPD shape and flags grouped within 100
  samples (``spot_grouped_free``: the previous best, Siffer et al., KDD 2017, doi:10.1145/3097983.3098144).
* ``linear_ar`` (:data:`LINEAR`, not a configuration: the registry's pipeline with its own defaults over
  :data:`SEEDS`): the ridge AR(p) forecaster with the other channels as context, the best detector on the suite
  (paragraph "Another detector" below).
* ``after``: the input transform chosen per channel by the ADF/KPSS rule (:mod:`fdir.transform`), one alarm budget
  per series (``budget="series"``), NDT, SPOT with the non-negative GPD shape (:mod:`fdir.spot`, Tail shape)
  at risk :data:`Q`, flags grouped within :data:`GAP` samples, and the pipeline's default thresholder
  (:data:`DEFAULT`, SPOT at q = 10⁻⁴ or the relative-guard NDT; also in ``context`` and ``flat_line``).

Label-free choice of the ``after`` thresholder (:data:`Q`, :data:`GAP`, the GPD shape): a Neyman-Pearson rule on
nominal data only: among SPOT with shape in {free, non-negative}, q in {10⁻⁶, 10⁻⁵, 10⁻⁴, 10⁻³, 10⁻²} (grouping
fixed, below), keep those whose false alarms on the test parts of the ``small`` subset's 7 anomaly-free series
(3,387 samples: one event is 2.95 per 10⁴) stay within :data:`FA_TARGET_PER_10K` events per 10⁴ samples and
:data:`SHARE_TARGET` of the samples flagged, and take the most sensitive (the largest q). No anomaly label is read.
The grouping distance is telemanom's published ``error_buffer`` = 100 (an anomaly stays in the forecaster's input
window after it ends, so its errors recur; the rule above does not see that, the anomaly-free series having no
anomaly). Outcome (3 epochs, seed 0): the free shape flagged 20-65 % of those samples (scaled or ``auto`` input,
budget per channel) and 7-38 % (differenced input) at every q, so it fails; the non-negative shape with one budget
per series raised no alarm at q <= 10⁻³ (``auto`` and ``level`` input at every q, ``difference`` at 10⁻³) and 35.4 /
32.5 events per 10⁴ samples, 16 / 12 % flagged at q = 10⁻² (``auto`` / ``difference``): q = 10⁻³. The transform rule
was compared on the ``small`` subset's labels (SPOT non-negative, grouped): at q = 10⁻⁴ ``level`` 0.315, ``auto``
0.404, ``difference`` 0.463; at q = 10⁻³ with one budget per series ``auto`` 0.561, ``difference`` 0.567 (within one
event); ``auto`` is kept (stationary channels stay in level form). The range-exit rule (``range_k`` 3 / 6) lowered
that F1 to 0.370 / 0.452 and is not used.

Multivariate member (``context``): the ``after`` configuration with the pipeline's ``per_channel="context"`` layout
(:mod:`fdir.pipeline`: every channel keeps its own forecaster and thresholder, but each forecaster reads all the
series' channels, the watched one first; the forecaster fed every column, ``ForecasterConfig(commands="all")``).
It differs from ``after`` only on series with D > 1 (the suite's ``correlated`` class; with one channel both layouts
train the same forecaster on the same column), so it runs on those series only and its figures are set beside
``after``'s on the same series; its F1 over all series combines ``after``'s single-channel rows with its own.
Nothing about it was chosen on labels: the thresholder settings are ``after``'s (label-free, above) and the layout
is compared, not tuned.

Measured (``--medium --after --context --multichannel``: the ``medium`` subset's 20 series with D > 1, all of class
``correlated``, D = 2-8, 31 labels of which 4 correlation breaks, 2 anomaly-free series; 3 epochs, suite and
detector seed 0), F1 with (TP, FP, FN), after / context:

* F1 over the D > 1 series: SPOT 0.586 (17, 10, 14) / 0.508 (16, 16, 15); NDT 0.566 (15, 7, 16) / 0.655 (18, 6, 13).
* F1 on correlation breaks: SPOT 0.444 (2, 3, 2) / 0.500 (2, 2, 2); NDT 0.667 (2, 0, 2) / 0.667 (2, 0, 2).
* False alarms on the 2 anomaly-free series (1,347 test samples): SPOT 14.9 / 22.3 per 10⁴ (2 / 3 events), 8.5 % /
  0.2 % of their samples flagged; NDT 22.3 / 22.3, 78.8 % / 66.2 % flagged.
* F1 over all 108 ``medium`` series (``after``'s rows of the D = 1 series with each layout's D > 1 rows): SPOT
  0.548 / 0.533, NDT 0.440 / 0.461.

Per type on the D > 1 series (SPOT, after / context): point 0.75 / 0.75, short 0.50 / 0.33, long 0.40 / 0.50,
contextual 0.86 / 0.67, level shift 0.67 / 0.67, variance 1.00 / 0.80, frequency 0.44 / 0.29, stuck 0.40 / 0.33,
correlation 0.44 / 0.50; NDT: point 0.57 / 0.86, short 0.40 / 0.40, long 0.67 / 0.67, contextual 0.80 / 0.80, level
shift 0.67 / 1.00, variance 0.67 / 0.67, frequency 0.57 / 0.75, stuck 0.40 / 0.40, correlation 0.67 / 0.67. Both
layouts find 2 of the 4 correlation breaks (one per series), so the context layout is not better on them at this
training budget; with 4 labels one event moves that F1 by 0.1-0.2. At 3 epochs the context forecasters gain nothing
from the other channels: on the two correlation-break series the absolute member's largest error inside a break is
0.7-1.1 x its training maximum with context and 0.7-1.5 x without. With the full training (35 epochs, the same
pipelines on those two series) the context forecaster's absolute-member error in the breaks rises to 2.9-5.5 x its
training maximum against 1.8-2.9 x on the rest of the test part (per-channel: 3.0-5.0 x against 2.4-5.0 x), so the
breaks separate there, but both layouts' nominal test errors already exceed the training maximum (the calibration
finding of :mod:`fdir.pipeline`). The whole comparison with the full training (``--full --medium --after --context
--multichannel``, same 20 series), after / context: SPOT F1 0.484 (15, 16, 16) / 0.467 (14, 15, 17), correlation
breaks 0.400 / 0.400 (2 of 4 found by both, 4 false alarms on those series by both); NDT 0.623 (19, 11, 12) / 0.621
(18, 9, 13), correlation breaks 0.750 (3, 1, 1) / 0.857 (3, 0, 1); false alarms on the anomaly-free series SPOT
14.9 / 14.9, NDT 22.3 / 14.9 per 10⁴. Suite and detector seeds 1 and 2 together (:func:`run_suite` with
``seed``, ``medium``, 3 epochs, ``only_multichannel``: 40 series, 73 labels, 11 correlation breaks), after / context:
SPOT F1 0.429 (30, 37, 43) / 0.380 (23, 25, 50), correlation breaks 0.480 (6, 8, 5) / 0.609 (7, 5, 4); NDT 0.538
(32, 14, 41) / 0.607 (37, 12, 36), correlation breaks 0.706 (6, 0, 5) / 0.706; false alarms on the anomaly-free
series SPOT 3.2 / 3.2, NDT 15.8 / 15.8 per 10⁴. No consistent gain: the layout stays an option.

Flat-line check (``flat_line``: the ``after`` configuration plus the hold-length check of :mod:`fdir.flatline`,
w = :data:`FLAT_W` = 20 samples fixed before any measurement, factor c = 2). ``--medium --after --flat_line`` (108
series, 3 epochs, seed 0), after / flat_line: SPOT F1 0.548 (85, 57, 83) / 0.665 (110, 53, 58), stuck 0.195 / 0.90,
other types within one event; false alarms on the anomaly-free series 6.71 / 6.71 per 10⁴ samples and 1.23 % /
1.23 % flagged (no added false alarm there). The factor was chosen on these seed-0 rows (SPOT flags and detector
scores cached, the flat line OR-ed in; w in {10, 20, 50}, c in {1, 1.5, 2, 3}: at w = 20 F1 0.651 / 0.663 / 0.665 /
0.667, c = 1 adding false alarms; 2 the middle of the plateau) and seed 1 checked (0.591 / 0.592 / 0.588 / 0.582).
The rolling-deviation check it replaced (w = 20, k = 0.5) gave 0.659 (109, 54, 59), stuck 0.881; NDT with it 0.550.
On the ``small`` subset it was 0.561 / 0.713 and replicate 1 alone 0.539 / 0.617 (hold check: 0.628).

Another detector under the same defaults: the ridge AR(p) one-step forecaster ``linear_ar``
(:mod:`fdir.detectors.linear`, closed form, no epochs; its pipeline reads the other channels of a multichannel series
as context, ``per_channel="context"``) scores 0.785 / 0.716 / 0.702 on the ``medium`` subset (seeds 0 / 1 / 2, mean
0.734 ± 0.044, :func:`fdir.suite.evaluate_suite` with the registry's pipeline, :func:`_detector_seed_metrics`;
each channel alone 0.721 / 0.673 / 0.662; on all 216 series 0.755 / 0.696 / 0.713, mean 0.721 ± 0.030), above
``dense_float`` on every seed of the ``medium`` subset, but 0.639 / 0.783 on SMAP/MSL against 0.841 / 0.732 (per
type, what was compared: that module's doc). With SPOT's quarantine (:mod:`fdir.spot`, Quarantine: errors within the
grouping distance after an alarm are not learned, chosen on these ``medium`` runs) it scores 0.801 / 0.715 / 0.717
(mean 0.744 ± 0.049, variance changes 55 against 49 of 78 found, the same false alarms on the anomaly-free series),
and 0.607 / 0.783 on SMAP/MSL; ``dense_float`` at 3 epochs 0.669 / 0.627 / 0.669 against 0.669 / 0.616 / 0.649
(the default's figures below). Part of the gap on the short series is the convolutional forecaster's
training set: a 200-sample prefix leaves it 40 windows (32 for training), and the
calibration SPOT fits its tail to, so the streaming
tail takes the first anomalous errors as peaks (on ``quantised-variance-0`` of seed 0, z_q rose from 2.7 to 17.9
during the anomaly, whose errors reached 6.9); a window capped at half or a quarter of the prefix (more windows,
same detector) did not help (seed 0: 0.650 for both, against 0.669).

Goals (issue 17): event-wise F1 >= 0.80 over all series and >= 0.60 for every anomaly type; false alarms on the
anomaly-free series per 10,000 test samples and the share of their samples flagged are reported (no goal).

Default detector (since 2026-12-07; :data:`DEFAULT_DETECTOR`, :func:`_seed_metrics`, metrics ``default_*``): per
series the held-out choice between ``dense_float`` and ``linear_ar`` (:mod:`fdir.heldout_choice`, which gives the rule
that adopted it, per-type figures and SMAP/MSL), the pipeline's label-free defaults, each candidate's own layout. On
the ``medium`` subset, seeds 0 / 1 / 2, 3 epochs: F1 0.804 / 0.719 / 0.710, mean 0.744 ± 0.052 (TP/FP/FN 121/12/47,
119/24/69, 109/22/67; 0.8 / 2.3 / 5.9 false alarms per 10⁴ anomaly-free samples), long bumps 0.56 / 0.46 / 0.32: the
goals are not reached. Its int8 counterpart (:data:`DEFAULT_INT8`), since ``linear_int8``'s input headroom of 64
(:data:`fdir.detectors.linear.FIXED_POINT_HEADROOM`) and SPOT's tie rule (:mod:`fdir.runtime.spot`, Ties; 2026-12-08):
F1 0.809 / 0.715 / 0.699 (TP/FP/FN 121/10/47, 119/26/69, 108/25/68), largest difference from the float choice 0.011,
within the issue's 0.02 (before both: 0.817 / 0.713 / 0.693, 0.017). ``hwsim bench fdir --quick --only fdir_suite``
(``small`` subset, seeds 0-2): ``auto`` 0.780 / 0.675 / 0.680 (unchanged by the tie rule), ``auto_int8`` 0.780 / 0.679
/ 0.671 (largest difference 0.009; before both changes 0.797 / 0.663 / 0.658, 0.023, outside the 0.02; a GPD fit on
three near-zero excesses had lifted one int8 series' threshold to 10⁵⁹), ``dense_float`` 0.672 / 0.526 / 0.639,
``linear_ar`` 0.775 / 0.675 / 0.689 (these two from 2026-12-07, before the tie rule). The full run (all 216 series)
has not been measured for the int8 comparison.

``dense_float`` over seeds (the default detector before 2026-12-07; now metrics ``dense_float_*``,
:func:`_detector_seed_metrics`; suite seed = detector seed), in the default configuration
(``flat_line``, hold-length check, the default thresholder :data:`DEFAULT`, SPOT at q = 10⁻⁴ or the relative-guard
NDT, :mod:`fdir.union`, SPOT with its quarantine, :mod:`fdir.spot`) on the ``medium`` subset, 3 epochs, F1 0.669 /
0.627 / 0.669 for seeds 0 / 1 / 2, mean 0.655 ± 0.024 (TP/FP/FN 95/21/73, 100/31/88, 101/25/75; false alarms 2.5 /
2.3 / 5.1 per 10⁴ anomaly-free samples, 7.1 / 7.1 / 14.4 % of them flagged; fresh runs through
:func:`fdir.suite.evaluate_suite` on 2026-12-07). No seed reaches the goals: per type (seeds 0 / 1 / 2) point 0.75 /
0.60 / 0.79, short 0.50 / 0.57 / 0.38, long 0.43 / 0.35 / 0.42, contextual 0.89 / 0.52 / 0.60, level shift 0.67 / 0.67
/ 0.80, variance 0.58 / 0.62 / 0.77, frequency 0.50 / 0.55 / 0.50, stuck 0.95 / 0.94 / 0.95, correlation 0.67 / 0.73 /
0.50. ``int8`` under the default settings: 0.678 / 0.629 / 0.678 (TP/FP/FN 97/21/71, 100/30/88, 102/23/74), largest
difference 0.009, within the issue's 0.02. Before the quarantine (the paper's SPOT rule; a fresh run the same day
reproduced these TP/FP/FN exactly): 0.669 / 0.616 / 0.649, mean 0.645 ± 0.027 (95/21/73, 98/32/90,
98/28/78; per type point 0.74 / 0.59 / 0.77, short 0.51 / 0.54 / 0.37, long 0.42 / 0.35 / 0.36, contextual 0.95 /
0.46 / 0.60, level shift 0.67 / 0.67 / 0.80, variance 0.58 / 0.58 / 0.74, frequency 0.46 / 0.55 / 0.47, stuck 0.95
/ 0.96 / 0.95, correlation 0.67 / 0.73 / 0.50), ``int8`` 0.664 / 0.623 / 0.649 (largest difference 0.007). The
previous default (SPOT at q = 10⁻³ alone): 0.665 / 0.588 / 0.606, mean 0.620 ± 0.040, 6.7 / 5.5 / 9.3 false alarms
per 10⁴.
The seed figures before the quarantine were computed from cached detector scores of the ``medium`` subset
(the same pipelines, thresholders run afterwards on the stored calibration and test scores, flat line OR-ed in; this
offline evaluation reproduced the benchmark's TP/FP/FN exactly on seeds 0 and 1 for SPOT), not by a full run of this
benchmark (three seeds, two detectors: several hours on 2 cores). ``hwsim bench fdir --quick --only fdir_suite`` (the
``small`` subset = replicate 0, seeds 0-2, fresh training) gave the default 0.672 / 0.526 / 0.616 and int8 0.672 /
0.526 / 0.621, equal to those rows of the offline evaluation; there SPOT alone (seed 0) scored 0.713: on the short
series of replicate 0 SPOT alone is better on seeds 0 and 1 and level on seed 2 (0.713 / 0.557 / 0.613), on replicate
1's longer series the union is (0.667 / 0.699 / 0.679 against 0.628 / 0.613 / 0.601).

Thresholders on the same seed 0-2 rows (not configurations here): SPOT q = 10⁻⁴ alone 0.602 / 0.599 / 0.592;
telemanom's NDT 0.552 / 0.502 / 0.593; its relative-guard form (:mod:`fdir.ndt_guards`) 0.468 / 0.459 / 0.516 (points
0.13-0.25, short 0.07-0.15); SPOT-or-NDT at q = 10⁻³ 0.687 / 0.604 / 0.638 (false alarms 8.4 / 6.3 / 11.0 per 10⁴), at
q = 10⁻⁴ the default above (how it was chosen, with what had been seen before: :mod:`fdir.union`). SPOT that does not
update its tail within 100 samples after an alarm: 0.665 / 0.561 (seeds 0 / 1); SPOT with z_q held at its calibrated
value: 0.661 / 0.623 but 11-14 false alarms per 10⁴ and 15-20 % of the anomaly-free samples flagged. Where the misses
come from (seeds 0-2, detector scores): counting every nominal test sample, only 43-45 % of the point, short and long
labels have a largest error inside them above every nominal error of the same series (27 % of the stuck values, which
the flat-line check catches instead); leaving out 100 samples before and 350 after each label (the forecaster's window
of 156-250 samples plus the grouping) 84-88 % do. So most anomalies stand out from their own series' nominal errors
away from them, and a threshold calibrated on the training errors misses that level there (not broken down by cause
here: calibration errors below the nominal test errors, or errors near other anomalies). Grouping the default's flags
per channel within the detector's window W or 2W lowered F1 (mean 0.636 / 0.620 against 0.645; within 100 samples
0.646): under the telemanom counting rule one detection spanning two nearby labels counts one of them only.

Tried afterwards on the default's detector scores (seed 0, the same offline evaluation; none adopted), against the
default's 0.669 (TP/FP/FN 95/21/73, 2.5 false alarms per 10⁴): SPOT with z_q held at its calibrated value, OR the NDT,
0.675 at q = 10⁻⁴ (113/54/55) and 0.683 at 10⁻³, 10-14 false alarms per 10⁴; SPOT whose tail updates lag 300 or 1,000
samples behind the scores (an anomaly's own errors cannot raise z_q during its first samples), OR the NDT, 0.673 / 0.681
(7.6 / 9.2 per 10⁴); a level member (the 25-sample mean of the detector's input against its training median, SPOT at q =
10⁻⁴ on its training values) OR-ed with the default, 0.677 (long 0.67, frequency 0.71; 8.4 per 10⁴). SPOT whose tail
takes no update where the NDT member flags, OR the NDT: 0.671 (95/20/73; the NDT rarely flags what SPOT misses). Each of
the first five finds 13-29 more labels and adds 24-50 false detections, most of them (52 of 72 for the fixed z_q at
10⁻³) neither within 300 samples after a label nor 100 before one. The training budget: with the detector's default
training (35 epochs, early stopping) instead of 3 epochs the forecaster fits the signals better (the absolute member's
median training error relative to a last-value forecast: seasonal 4.6 -> 1.05, correlated 3.0 -> 0.98) but its nominal
test errors run 2.1 x its training errors at the median (1.2 x at 3 epochs), and the default scores 0.648 / 0.653 /
0.667 for seeds 0 / 1 / 2, mean 0.656 ± 0.010 (false alarms 8.4 / 3.9 / 5.9 per 10⁴; per type point 0.69-0.82, short
0.44-0.55, long 0.30-0.40, contextual 0.59-0.78, level shift 0.73-0.82, variance 0.64-0.72, frequency 0.47-0.73, stuck
0.87-0.97, correlation 0.44-0.67), about the 3-epoch figure. Calibrating on a held-out 30 % of the training part
(``holdout`` = 0.3, seed 0) removes the mismatch (nominal test errors 1.0-1.05 x the calibration errors at the median)
but raises the thresholds: 0.635 at 3 epochs, 0.640 at 35 (TP 86 / 88). So at these settings neither the thresholding
nor the training budget closes the gap to the 0.80 goal: catching more of the slow and spectral anomalies (long,
frequency, variance) takes thresholds that the nominal test errors of other series cross too, and false detections grow
about as fast as found labels.
"""

from __future__ import annotations

import time

from fdir.pipeline import LABEL_FREE, TELEMANOM
from fdir.thresholders import THRESHOLDERS, thresholder_factory
from hwsim.benchmarking import Benchmark, Metric

DETECTOR = "dense_float"
"""The convolutional forecaster (:data:`fdir.registry.BUILTIN`, first entry): the detector of the configurations
(:data:`CONFIGS`), the registry's default until 2026-12-07, also reported over :data:`SEEDS` with its own defaults."""
DEFAULT_DETECTOR = "auto"
"""The default detector (``hwsim detect``'s): the held-out choice between ``dense_float`` and ``linear_ar``
(:mod:`fdir.heldout_choice`), reported over :data:`SEEDS` as ``default_*`` (:func:`_seed_metrics`)."""
DEFAULT_INT8 = "auto_int8"
"""Its int8 counterpart (the same choice over ``int8`` and ``linear_int8``): issue 17 asks that it stay within 0.02
F1 of the float default."""

SEED = 0
SEEDS = (0, 1, 2)
"""Suite and detector seeds of the default configuration's repeat (mean and standard deviation over seeds)."""
GOAL_ALL, GOAL_TYPE = 0.80, 0.60
Q = THRESHOLDERS["spot"][1]["q"]
"""SPOT risk of the ``after`` configuration (module doc: label-free choice, 10⁻³), adopted as the registry's
default (:data:`fdir.thresholders.THRESHOLDERS`), read from there."""
GAP = THRESHOLDERS["spot"][1]["merge_gap"]
"""SPOT grouping distance (samples) of both configurations: telemanom's ``error_buffer`` (100; the registry's)."""
DEFAULT = LABEL_FREE["thresholder"]
"""The pipeline's default thresholder (:data:`fdir.pipeline.LABEL_FREE`), run beside NDT and SPOT on the scores of
every configuration but ``before``, under its registry name."""
FA_TARGET_PER_10K, SHARE_TARGET = 5.0, 0.01
"""False-alarm targets of the label-free choice (module doc)."""

FLAT_W = LABEL_FREE["flat_line"]
"""Window (samples) of the ``flat_line`` configuration's flat-line check (:mod:`fdir.flatline`; module doc: 20,
fixed before any measurement; the pipeline's default, :data:`fdir.pipeline.LABEL_FREE`)."""

_KEYS = ("transform", "budget", "flat_line")
CONFIGS = {
    "before": {**{k: TELEMANOM[k] for k in _KEYS}, "per_channel": "separate"},
    "after": {**{k: LABEL_FREE[k] for k in _KEYS}, "per_channel": "separate", "flat_line": None},
    "context": {**{k: LABEL_FREE[k] for k in _KEYS}, "per_channel": "context", "flat_line": None},
    "flat_line": {**{k: LABEL_FREE[k] for k in _KEYS}, "per_channel": "separate"},
}
"""Pipeline settings per configuration (module doc): ``before`` telemanom's (:data:`fdir.pipeline.TELEMANOM`),
``flat_line`` the pipeline's defaults (:data:`fdir.pipeline.LABEL_FREE`), ``after`` / ``context`` those without the
flat-line check; ``per_channel`` is the layout of :data:`fdir.pipeline.CHANNEL_MODES`. The thresholders run on
each configuration's scores are :func:`_thresholders`'."""


def _all_columns(make_detector):
    """The forecaster factory ``make_detector`` with every input column fed (``ForecasterConfig(commands="all")``),
    for the ``context`` layout. Raises ValueError for a detector without a forecaster configuration."""
    from dataclasses import replace

    def make():
        det = make_detector()
        if not hasattr(det, "cfg") or not hasattr(det.cfg, "commands"):
            raise ValueError(f"the context configuration needs a forecaster detector, got {type(det).__name__}")
        return type(det)(replace(det.cfg, commands="all"), fixed_point=det.fixed_point)
    return make


def _thresholders(config: str):
    """Thresholders of :data:`fdir.thresholders.THRESHOLDERS` run on ``config``'s scores (module doc)."""
    if config == "before":
        return {"ndt": thresholder_factory("ndt"),
                "spot_grouped_free": thresholder_factory("spot", q=1e-4, merge_gap=GAP, shape="free")}
    return {"ndt": thresholder_factory("ndt"), "spot": thresholder_factory("spot", q=Q, merge_gap=GAP),
            DEFAULT.name: DEFAULT}


def multichannel(series) -> list:
    """The series of ``series`` with more than one channel (where the ``context`` layout differs)."""
    return [s for s in series if s.channels > 1]


def run_suite(quick: bool, config: str = "after", detector: str = DETECTOR, seed: int = SEED,
              subset: str | None = None, holdout: float = 0.0, only_multichannel: bool = False):
    """(score table by thresholder name, per-series rows, seconds of the whole run) of ``config`` (:data:`CONFIGS`);
    ``subset`` default: ``small`` when ``quick`` else ``all`` (``context``: its multichannel series only, module
    doc); ``holdout`` the pipeline's calibration split (:class:`fdir.pipeline.Pipeline`); ``only_multichannel``
    keeps the series with D > 1 (as ``context`` always does)."""
    from fdir import registry, suite

    settings = CONFIGS[config]

    def make():
        # fitted with NDT (its fit accepts any scored series), then each of _thresholders(config) is set on the
        # same calibration scores (fdir.suite.protocol)
        pipe = registry.make(detector, seed=seed, quick=quick, per_channel=settings["per_channel"],
                             settings={**{k: settings[k] for k in _KEYS}, "thresholder": thresholder_factory("ndt")})
        pipe.holdout = holdout
        if settings["per_channel"] == "context":
            pipe.make_detector = _all_columns(pipe.make_detector)
        return pipe

    series = suite.load(subset or ("small" if quick else "all"), seed=seed)
    if only_multichannel or settings["per_channel"] == "context":
        series = multichannel(series)
    t0 = time.perf_counter()
    rows = suite.evaluate_suite(make, series, _thresholders(config))
    secs = time.perf_counter() - t0
    tables = {k: suite.score_table(df) for k, df in rows.groupby("thresholder", sort=False)}
    return tables, rows, secs


def _table_metrics(key: str, tab, note: str, goals: bool = True) -> list[Metric]:
    """Metrics of one :func:`fdir.suite.score_table` ``tab``: F1 over all series and per anomaly type (with the
    issue's goals when ``goals``), false alarms per 10⁴ anomaly-free test samples and their flagged share."""
    a = tab.loc["all"]
    out = [Metric(f"{key}_f1_all", float(a.f1), GOAL_ALL if goals else None, True, "F1",
                  f"{note}: TP {a.tp}, FP {a.fp}, FN {a.fn}, P {a.precision:.3f}, R {a.recall:.3f}"
                  + (f", labels overlapped {a.overlapped}" if "overlapped" in tab else "")
                  + f"; {tab.attrs['errors']} series not processed")]
    for kind in tab.index[1:]:
        r = tab.loc[kind]
        out.append(Metric(f"{key}_f1_{kind}", float(r.f1), GOAL_TYPE if goals else None, True, "F1",
                          f"TP {r.tp}, FP {r.fp}, FN {r.fn} over {r.series} series"))
    out.append(Metric(f"{key}_false_alarms_per_10k", tab.attrs["false_alarms_per_10k"], None, False,
                      "events / 10^4 samples", "anomaly-free series, test parts"))
    out.append(Metric(f"{key}_flagged_share_nominal", tab.attrs["flagged_share_nominal"], None, False,
                      "share", "flagged test samples of the anomaly-free series"))
    return out


def _per_seed_rows(quick: bool, name: str) -> list:
    """Rows of :func:`fdir.suite.evaluate_suite` for the registry's pipeline ``name`` with its own defaults
    (``fdir.registry.make(name)``: the label-free settings and its own layout), one table per seed of :data:`SEEDS`
    (suite seed = detector seed; subset ``small`` when ``quick`` else ``all``)."""
    from fdir import registry, suite

    subset = "small" if quick else "all"
    return [suite.evaluate_suite(lambda s=seed: registry.make(name, seed=s, quick=quick), suite.load(subset, seed=seed))
            for seed in SEEDS]


def _seed_metrics(quick: bool) -> list[Metric]:
    """The default detector (:data:`DEFAULT_DETECTOR`, the pipeline's defaults :data:`fdir.pipeline.LABEL_FREE`) over
    :data:`SEEDS`: :func:`_detector_seed_metrics`'s figures under the key ``default``, and its int8 counterpart
    (:data:`DEFAULT_INT8`) against it on each seed (issue 17: within 0.02)."""
    import numpy as np

    from fdir.suite import score_table

    flt = _per_seed_rows(quick, DEFAULT_DETECTOR)
    q8 = np.array([float(score_table(rows).loc["all"].f1) for rows in _per_seed_rows(quick, DEFAULT_INT8)])
    f1 = np.array([float(score_table(rows).loc["all"].f1) for rows in flt])
    return [
        *_detector_seed_metrics(quick, DEFAULT_DETECTOR, flt, key="default"),
        Metric("default_int8_f1_all_mean", float(q8.mean()), None, True, "F1",
               f"{DEFAULT_INT8} under the same settings, seeds {SEEDS}: " + ", ".join(f"{a:.3f}" for a in q8)),
        Metric("default_int8_minus_float_f1_max_abs", float(np.abs(q8 - f1).max()), 0.02, False, "F1",
               "largest |F1(int8) - F1(float)| over the seeds (goal <= 0.02)"),
    ]


LINEAR = "linear_ar"
"""The registry's linear forecaster with context (:mod:`fdir.detectors.linear`), reported beside the default over
:data:`SEEDS` (:func:`_detector_seed_metrics`)."""


def _detector_seed_metrics(quick: bool, name: str = LINEAR, per_seed: list | None = None,
                           key: str | None = None) -> list[Metric]:
    """The registry's pipeline ``name`` over :data:`SEEDS` (:func:`_per_seed_rows`, or its rows ``per_seed``):
    event-wise F1 over all series (mean and sample standard deviation), per anomaly type with the counts of the seeds
    pooled, and false alarms per 10⁴ anomaly-free test samples (mean); metric names start with ``key`` (default
    ``name``)."""
    import numpy as np
    import pandas as pd

    from fdir import suite

    key = key or name
    per_seed = _per_seed_rows(quick, name) if per_seed is None else per_seed
    tabs = [suite.score_table(rows) for rows in per_seed]
    f1 = np.array([t.loc["all"].f1 for t in tabs])
    note = f"{name}, subset {'small' if quick else 'all'}, seeds {SEEDS}: " + ", ".join(f"{v:.3f}" for v in f1)
    out = [Metric(f"{key}_f1_all_mean", float(f1.mean()), GOAL_ALL, True, "F1", note),
           Metric(f"{key}_f1_all_std", float(f1.std(ddof=1)), None, False, "F1", "sample std over the seeds"),
           Metric(f"{key}_false_alarms_per_10k_mean", float(np.mean([t.attrs["false_alarms_per_10k"] for t in tabs])),
                  None, False, "events / 10^4 samples", "anomaly-free series, mean over the seeds")]
    pooled = suite.score_table(pd.concat(per_seed, ignore_index=True))
    for kind in pooled.index[1:]:
        r = pooled.loc[kind]
        out.append(Metric(f"{key}_f1_{kind}_pooled", float(r.f1), GOAL_TYPE, True, "F1",
                          f"TP {int(r.tp)}, FP {int(r.fp)}, FN {int(r.fn)} over the seeds' {int(r.series)} series"))
    return out


def bench_suite(quick: bool) -> list[Metric]:
    import pandas as pd

    from fdir.suite import load, score_table

    subset = "small (54 series)" if quick else "all (216 series)"
    mc_names = {s.name for s in multichannel(load("small" if quick else "all", seed=SEED))}
    out, f1s, all_rows = [], {}, {}
    for config, settings in CONFIGS.items():
        tables, rows, secs = run_suite(quick, config)
        all_rows[config] = rows
        where = subset if settings["per_channel"] != "context" else f"{subset}, its {len(mc_names)} with D > 1"
        for name, tab in tables.items():
            f1s[f"{config}_{name}"] = float(tab.loc["all"].f1)
            out += _table_metrics(f"{config}_{name}", tab,
                                  f"{DETECTOR} + {name}, {config} {settings}, subset {where}, suite seed {SEED}, "
                                  f"detector seed {SEED}{', 3 epochs' if quick else ''}, {secs:.0f} s")
            by_class = score_table(rows[rows.thresholder == name], by="signal_class")
            for cls in by_class.index[1:]:
                r = by_class.loc[cls]
                out.append(Metric(f"{config}_{name}_f1_class_{cls}", float(r.f1), None, True, "F1",
                                  f"TP {r.tp}, FP {r.fp}, FN {r.fn} over {r.series} series (anomaly-free included)"))
    out += _seed_metrics(quick)
    out += _detector_seed_metrics(quick, DETECTOR)
    out += _detector_seed_metrics(quick, LINEAR)
    after, ctx = all_rows["after"], all_rows["context"]
    for name in ("ndt", "spot", DEFAULT.name):
        a = after[after.thresholder == name]
        out += _table_metrics(f"after_{name}_multichannel", score_table(a[a.name.isin(mc_names)]),
                              f"after {name} on the {len(mc_names)} series with D > 1 (beside context)", goals=False)
        both = score_table(pd.concat([a[~a.name.isin(mc_names)], ctx[ctx.thresholder == name]]))
        out.append(Metric(f"context_{name}_combined_f1_all", float(both.loc["all"].f1), GOAL_ALL, True, "F1",
                          "after's rows of the D = 1 series + context's rows of the D > 1 series (module doc)"))
    for name in ("ndt", "spot", DEFAULT.name):
        ref = f1s["before_ndt"]
        out.append(Metric(f"after_{name}_vs_before_ndt_f1_all", f1s[f"after_{name}"] / ref if ref > 0
                          else float("nan"), None, True, "ratio",
                          f"after_{name} F1 / telemanom NDT F1 of the before configuration, same series"))
    return out


def benchmarks() -> list[Benchmark]:
    return [Benchmark("fdir_suite", bench_suite, "robustness suite: default pipeline before/after the scale-free "
                      "stages, NDT and SPOT")]


if __name__ == "__main__":  # pragma: no cover - manual run: python benchmarks/bench_fdir_suite.py [--full|--medium]
    # [--before] [--after] [--context] [--flat_line] [--multichannel] [--holdout F] [--seed N] [--detector NAME]
    # [--save PREFIX]
    import sys

    from fdir.suite import score_table

    medium = "--medium" in sys.argv  # replicates 0-1 with 3 training epochs; prints the small subset too
    f = float(sys.argv[sys.argv.index("--holdout") + 1]) if "--holdout" in sys.argv else 0.0
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else SEED
    detector = sys.argv[sys.argv.index("--detector") + 1] if "--detector" in sys.argv else DETECTOR
    configs = [c for c in CONFIGS if f"--{c}" in sys.argv] or list(CONFIGS)
    for config in configs:
        tabs, per_series, s = run_suite("--full" not in sys.argv, config, subset="medium" if medium else None,
                                        holdout=f, only_multichannel="--multichannel" in sys.argv, seed=seed,
                                        detector=detector)
        print(f"== {config} {CONFIGS[config]}: {s:.0f} s")
        if "--save" in sys.argv:
            per_series.to_csv(f"{sys.argv[sys.argv.index('--save') + 1]}_{config}.csv", index=False)
        parts = {"": per_series}
        if medium:
            parts = {"small ": per_series[per_series.name.str.endswith("-0")],
                     "replicate-1 ": per_series[per_series.name.str.endswith("-1")], "medium ": per_series}
        for label, rows in parts.items():
            for k, df in rows.groupby("thresholder", sort=False):
                t = score_table(df)
                print(label + k, "FA/10k", round(t.attrs["false_alarms_per_10k"], 2), "flagged share",
                      round(t.attrs["flagged_share_nominal"], 4), "errors", t.attrs["errors"])
                print(t.round(3).to_string())
                print(score_table(df, by="signal_class").round(3).to_string())
        bad = per_series[per_series.error != ""]
        if len(bad):
            print(bad[["thresholder", "name", "error"]].to_string())
