"""Linear autoregressive forecaster (ridge regression) behind the detector protocol
(:class:`fdir.detectors.base.Detector`): the classical linear-prediction baseline of the forecasting detectors.

Model: the next sample of the watched column is predicted from the last p samples, ẑ_t = b + Σ_{i=1..p} w_i z_{t−i},
the coefficients fitted in closed form by ridge regression on every training window, the penalty λ chosen among
:data:`ALPHAS` by efficient leave-one-out cross-validation on the training windows alone
(``sklearn.linear_model.RidgeCV``; Hoerl & Kennard, Technometrics 12 (1970) 55, doi:10.1080/00401706.1970.10488634;
the linear predictor of a stationary process: Box, Jenkins, Reinsel & Ljung, *Time Series Analysis*, 5th ed.,
Wiley 2015, ch. 3). One stream, ``"linear.first_step"``: the absolute one-step error e_t = |ẑ_t − z_t| (telemanom's
error, Hundman et al., KDD 2018, arXiv:1802.04431), in the units of the detector's input (the pipeline's scaled,
possibly differenced values), NaN for the first p samples.

Window: p = min(``order``, ⌊``max_fraction``·T_train⌋), at least 2, so that a short training series keeps most of
its samples as training targets (and as calibration errors for the thresholder): a 200-sample training prefix gives
p = 50 and 150 windows, where the convolutional forecaster (:mod:`fdir.detectors.forecast_detector`) keeps 40.

Context: an input of D > 1 columns (the pipeline's ``per_channel="context"`` layout, the watched column first, or
``"joint"``: telemanom's value + command columns) adds the current and c − 1 previous samples of every other column
to the regressors, ẑ_t = b + Σ_{i=1..p} w_i z_{t−i} + Σ_k Σ_{i=0..c−1} v_{k,i} x_{k,t−i}, c = ``context_lags``
(:data:`CONTEXT_LAGS` = 5): a contemporaneous regression on the other channels, so a channel that stops following
them (a correlation break, a slow bump the others do not share) leaves a forecast error even where its own history
looks nominal. The registry's ``linear_ar`` pipeline uses the ``"context"`` layout (:mod:`fdir.registry`); with one
column the model is the plain AR(p). Isolation: a fault on one channel also disturbs the forecasts of the channels
that read it as context, so they may be flagged over the same interval (tried: a 200-sample break on one of three
correlated channels flagged all three; the faulty one had the largest interval score, 238 against 94 and 64, in
SPOT's excess units): rank overlapping intervals by ``score`` as a first isolation, or run ``per_channel="separate"``
where isolation matters more than detection.

Why it is here (issue 17): on the robustness suite (:mod:`fdir.suite`, ``medium`` subset, 108 series, the pipeline's
label-free defaults :data:`fdir.pipeline.LABEL_FREE`, ``fdir.suite.evaluate_suite(lambda:
fdir.registry.make("linear_ar"), fdir.suite.load("medium", seed=s))``) it generalises from a short nominal training
prefix better than the convolutional forecaster trained by gradient descent: event-wise F1 0.785 / 0.716 / 0.702 for
suite seeds 0 / 1 / 2, mean 0.734 ± 0.044 (TP/FP/FN 117/13/51, 116/20/72, 105/18/71; 0.8 / 2.3 / 5.9 false alarms per
10⁴ anomaly-free test samples) against 0.669 / 0.616 / 0.649, mean 0.645 ± 0.027, for ``dense_float`` at 3 epochs (0.656
± 0.010 with its default training), in 1.2-2.6 min of wall time per seed against about 5.5 min (one process each on the
2-core development machine). Per type (seeds 0-2): point 0.71-0.87, short 0.57-0.68, long 0.32-0.54, contextual
0.67-0.84, level shift 0.86-0.87, variance 0.73-0.82, frequency 0.67-0.88, stuck 0.93-0.96, correlation 0.50-0.86:
below the issue's goals (0.80 overall, 0.60 per type) on long bumps and short collectives. On all 216 series
(``subset="all"``, 500-20,000 samples) 0.755 / 0.696 / 0.713, mean 0.721 ± 0.030 (TP/FP/FN 253/59/105, 245/95/119,
229/58/126; long bumps 0.35-0.40). Without context (each
channel alone, ``per_channel="separate"``, the same on the 88 one-channel series) 0.721 / 0.673 / 0.662, mean 0.685 ±
0.031: the context layout gains on the 20 correlated series only, there F1 0.644 → 0.967 (seed 0) and 0.500 → 0.759
(seed 1; long bumps 0 → 7 of 9 found, frequency changes 0 → 6 of 9, false alarms 16 → 4). On NASA SMAP/MSL (all labelled
channels, the same defaults, :mod:`fdir.protocols.selection` with the command columns as context; deterministic, so
one run) it scores 0.639 / 0.783 (TP/FP/FN 61/61/8, 27/6/9) against ``dense_float``'s 0.841 / 0.732 (3 seeds; both
with the paper's SPOT rule); without
the command columns (the model before context) 0.725 / 0.647 (54/26/15, 22/10/14): the commands help MSL and cost
SMAP false alarms. ``dense_float`` was kept as the default detector for its SMAP figure (a choice on test labels) until
2026-12-07; since then the default is the held-out choice between the two (:mod:`fdir.heldout_choice`), which picks
this one on nearly every suite series and SMAP/MSL channel. It is also the choice where a p-tap filter is all an
onboard processor can afford.
The figures above were measured with the paper's SPOT streaming rule. Since SPOT's quarantine (:mod:`fdir.spot`,
Quarantine; chosen on these suite runs) the ``medium`` figures are 0.801 / 0.715 / 0.717, mean 0.744 ± 0.049 (TP/FP/FN
121/13/47, 118/24/70, 110/21/66; the same 0.8 / 2.3 / 5.9 false alarms per 10⁴ anomaly-free samples; per type point
0.77-0.87, short 0.59-0.73, long 0.32-0.54, contextual 0.65-0.84, level shift 0.83-0.86, variance 0.73-0.85, frequency
0.60-0.80, stuck 0.91-0.96, correlation 0.50-0.89), and SMAP/MSL 0.607 / 0.783 (61/71/8, 27/6/9: ten more false
alarms on SMAP, computed after the choice).
Choices: ``order`` = 50 was compared with 250 (telemanom's l_s) on suite seed 0 only (F1 0.721 against 0.693); a second
stream, the 10-step horizon-mean error of a direct multi-output fit, was compared there too (0.698 at order 50, 0.715 at
250) and is not used; ``max_fraction`` = 0.25 was fixed without a comparison; ``context_lags`` c = 5 against c = 1 and
against the previous five samples without the current one, on the correlated series of suite seeds 0-1 (F1 0.967 /
0.759, 0.951 / 0.714, 0.873 / 0.633). The pipeline's thresholder defaults (SPOT or NDT, q = 10⁻⁴, k = 3) were
re-checked with this detector on the suite (seeds 0-2, mean F1): q = 10⁻³ 0.667, q = 10⁻⁵ 0.681, k = 2 0.737 (0.804 /
0.712 / 0.695, no consistent gain), the defaults 0.734; a second stream of the moving mean of the signed errors (w =
16, 64 or 16 and 128 samples, seed 0) lowered F1 to 0.752, 0.748, 0.744, and so did a second stream of a direct
h-step forecast (the same regression on the window that ends h samples earlier, meant for long bumps that a one-step
forecast follows: h = 16 0.764, h = 64 0.748, seed 0). No SMAP/MSL label was read for any of them.

Fixed point (``fixed_point=True``, the registry's ``linear_int8``): the fitted model's bundle is quantised by
:func:`fdir.runtime.export.quantize_bundle` (int8 weights with one scale for the single output, 16-bit inputs, which
the one layer's int32 accumulator cannot overflow, an int32 bias; input scale calibrated on up to
:data:`fdir.detectors.forecast_detector.CALIBRATION_WINDOWS` evenly spaced training windows with a headroom of
:data:`FIXED_POINT_HEADROOM` = 64) and the scores come from the runtime's fixed-point :class:`fdir.runtime.Graph`, so
the detector and its exported bundle compute the same errors. On the robustness suite (seed 0, one series of each of
five classes, the first 2,000 one-step forecasts) the mean absolute error changed by at most 0.0004 (0.1118 → 0.1122
on ``quantised-point-0``; 0.0250 → 0.0251 on ``seasonal-point-0``; headroom 4 then).

Runtime: :meth:`LinearForecaster.export` writes the model as one ``dense`` layer of the embeddable format
(``fdir/runtime/FORMAT.md``, ``detector.kind`` = ``"forecast"``, horizon 1, absolute forecast): without context a window
of p samples of one channel (p → 1, version 1); with context a window of p + 1 samples of the D channels that ends with
the forecast sample (``detector.lead`` = 0, version 6, 7 with the default thresholder's SPOT quarantine: the runtime
masks the watched channel's own newest value), so the numpy runtime (:class:`fdir.runtime.forecast.ForecastRuntime`) and
the pipeline's thresholder export run it to the same errors (``tests/fdir/runtime/test_lead_runtime.py``).
"""

from __future__ import annotations

import copy
import numbers

import numpy as np
import pandas as pd

from fdir.detectors.base import as_series, fitted

__all__ = ["ALPHAS", "CONTEXT_LAGS", "FIXED_POINT_HEADROOM", "MAX_FRACTION", "ORDER", "LinearForecaster", "regressors"]

ORDER = 50
"""Default largest AR order p (samples): module doc (chosen on the robustness suite, seed 0)."""

MAX_FRACTION = 0.25
"""Default largest share of the training length taken by the window p (module doc)."""

CONTEXT_LAGS = 5
"""Default c: samples of every other input column in the regression, the current one and c − 1 before it (module
doc, Context; chosen on the robustness suite, seeds 0-1)."""

FIXED_POINT_HEADROOM = 64.0
"""``headroom`` of :func:`fdir.runtime.export.quantize_bundle` for the fixed-point export (module doc, Fixed point):
16-bit inputs represent values up to 64 x the calibrated training range before they saturate. Chosen without labels, on
the fidelity of the int8 forecast to the float one (2026-12-08): over the 292 channels of the robustness suite's
``small`` subset (:mod:`fdir.suite`, seeds 0-2, ``linear_ar``'s fitted models), the largest |int8 − float| forecast
difference in a channel's test part, in units of that channel's median training error, averaged 0.59 at the
convolutional forecasters' headroom 4 (:data:`fdir.detectors.forecaster.config.FIXED_POINT_HEADROOM`), 0.17 at 8, 0.15
at 16, 0.13 at 64, 0.16 at 256 and 0.35 at 1,024, the worst channel 28.5 / 10.6 / 6.7 / 1.3 / 1.4 / 1.9. At 4, test
values up to 30 x the training range (a quantised sensor whose cycle is longer than its training part, a mode change)
saturate the input; from 256 on, the coarser input step shows on the quiet correlated channels. The median over channels
(0.089-0.093 from 4 to 64) is the int8 weights' rounding, which the headroom does not touch. The headroom changes the
input's scale, not its integer range, so :func:`~fdir.runtime.export.quantize_bundle`'s accumulator bound is the same at
every headroom."""

ALPHAS = tuple(float(a) for a in np.logspace(-6, 3, 19))
"""Ridge penalties λ searched by leave-one-out cross-validation on the training windows (input units²)."""


def _lagged(z: np.ndarray, p: int) -> np.ndarray:
    """(T − p, p) the windows z_{t−p} .. z_{t−1} of the samples t = p .. T − 1 of ``z`` (T,) (a view)."""
    return np.lib.stride_tricks.sliding_window_view(z[:-1], p)


def regressors(x: np.ndarray, p: int, c: int) -> np.ndarray:
    """(T − p, p + (D − 1)·c) regressors of the samples t = p .. T − 1 of ``x`` (T, D): z_{t−p} .. z_{t−1} of
    column 0, then x_{k, t−c+1} .. x_{k, t} of each other column k (oldest first); c <= p + 1."""
    own = _lagged(x[:, 0], p)
    if x.shape[1] == 1 or c == 0:
        return own
    other = np.lib.stride_tricks.sliding_window_view(x[p + 1 - c:, 1:], c, axis=0)   # (T − p, D − 1, c)
    return np.hstack([own, other.reshape(other.shape[0], -1)])


class LinearForecaster:
    """Ridge AR(p) one-step forecaster as a detector, with the other input columns as context (module doc).

    order : largest window p, samples (integer >= 2). max_fraction : largest share of the training length taken by
    the window, in (0, 1). context_lags : c, samples of every other input column in the regression (the current one
    and c − 1 before it; 0 ignores the other columns), an integer in [0, 100] (capped at p + 1). fixed_point : score
    with the int8 export (module doc, Fixed point).

    Raises
    ------
    ValueError
        naming the parameter, for ``order`` not an integer >= 2, ``max_fraction`` not a finite number in (0, 1) or
        ``context_lags`` not an integer in [0, 100].
    """

    family = "linear"
    stream_names = ("linear.first_step",)

    def __init__(self, order: int = ORDER, max_fraction: float = MAX_FRACTION,
                 context_lags: int = CONTEXT_LAGS, *, fixed_point: bool = False) -> None:
        if not isinstance(order, numbers.Integral) or isinstance(order, bool) or order < 2:
            raise ValueError(f"order={order!r}, accepted: an integer >= 2 (samples)")
        if not (isinstance(max_fraction, numbers.Real) and np.isfinite(max_fraction) and 0 < max_fraction < 1):
            raise ValueError(f"max_fraction={max_fraction!r}, accepted: a number in (0, 1)")
        if not isinstance(context_lags, numbers.Integral) or isinstance(context_lags, bool) \
                or not 0 <= context_lags <= 100:
            raise ValueError(f"context_lags={context_lags!r}, accepted: an integer in [0, 100] (samples)")
        self.order, self.max_fraction, self.context_lags = int(order), float(max_fraction), int(context_lags)
        self.fixed_point = bool(fixed_point)
        self._qbundle: tuple[dict, dict] | None = None     # fixed point: the quantised bundle
        self._qgraph = None                     # fixed point: its runtime Graph, the template of each scoring batch
        self.p: int | None = None
        self.c = 0                              # context samples per other column (0: column 0 alone)
        self.n_columns = 1                      # D, input columns read
        self.coef: np.ndarray | None = None     # (p + (D − 1)·c,) weights of regressors' columns
        self.intercept = 0.0
        self.alpha: float | None = None

    @property
    def min_train_length(self) -> int:
        """Fewest training samples: a window of 2 and :data:`fdir.thresholders.MIN_SCORES` training targets."""
        from fdir.thresholders import MIN_SCORES

        return max(int(np.ceil(2 / self.max_fraction)), 2 + MIN_SCORES)

    def window_for(self, n_train: int) -> int:
        """p for ``n_train`` training samples (module doc)."""
        return max(2, min(self.order, int(self.max_fraction * int(n_train))))

    @property
    def input_columns(self) -> tuple[int, ...]:
        """Columns of the fitted input the forecaster reads (0 = the forecast column, then the context columns);
        :class:`fdir.pipeline.Pipeline` checks it in its ``"context"`` layout. Raises ValueError before :meth:`fit`."""
        fitted(self.coef, type(self).__name__)
        return tuple(range(self.n_columns)) if self.c else (0,)

    def fit(self, train: np.ndarray) -> LinearForecaster:
        """Fit on a nominal array (T, D) or (T,): column 0 forecast, the other columns its context (module doc).
        Returns self.

        Raises
        ------
        ValueError
            for fewer than :attr:`min_train_length` samples or non-finite values.
        """
        from sklearn.linear_model import RidgeCV

        x = as_series(train, "train", min_length=self.min_train_length)
        p = self.window_for(x.shape[0])
        c = min(self.context_lags, p + 1) if x.shape[1] > 1 else 0
        m = RidgeCV(alphas=ALPHAS).fit(regressors(x, p, c), x[p:, 0])
        self.p, self.c, self.n_columns = p, c, int(x.shape[1]) if c else 1
        self.coef, self.intercept, self.alpha = np.asarray(m.coef_, np.float64), float(m.intercept_), float(m.alpha_)
        if self.fixed_point:
            from fdir.runtime import Graph

            self._qbundle = qspec, qarr = self._quantize(x)
            self._qgraph = Graph(qspec["layers"], qarr, tuple(qspec["input"]["shape"]), fixed_point=True)
        return self

    def _windows(self, a: np.ndarray) -> np.ndarray:
        """(T − p, D, W) float32 windows of the bundle's input (:meth:`export`); window k forecasts sample k + p."""
        W = self.p + 1 if self.c else self.p
        sw = np.lib.stride_tricks.sliding_window_view(a[:, :self.n_columns].astype(np.float32), W, axis=0)
        return sw[:a.shape[0] - self.p]

    def _quantize(self, train: np.ndarray) -> tuple[dict, dict]:
        """The int8 bundle (module doc, Fixed point), calibrated on up to :data:`CALIBRATION_WINDOWS` evenly spaced
        training windows."""
        from fdir.detectors.forecast_detector import CALIBRATION_WINDOWS
        from fdir.runtime.bundle import required_version
        from fdir.runtime.export import quantize_bundle, standardized_windows

        spec, arrays = self._float_bundle()
        X = self._windows(train)
        pick = np.unique(np.linspace(0, X.shape[0] - 1, min(CALIBRATION_WINDOWS, X.shape[0])).astype(int))
        qspec, qarr = quantize_bundle(spec, arrays, standardized_windows(spec, arrays, X[pick]),
                                      headroom=FIXED_POINT_HEADROOM)
        qspec["version"] = required_version(qspec)
        return qspec, qarr

    def _input(self, x: np.ndarray) -> np.ndarray:
        a = as_series(x)
        if self.c and a.shape[1] != self.n_columns:
            raise ValueError(f"x has {a.shape[1]} columns, the forecaster was fitted on {self.n_columns}")
        return a

    def _forecast(self, a: np.ndarray) -> np.ndarray:
        coef = fitted(self.coef, type(self).__name__)
        out = np.full(a.shape[0], np.nan)
        if a.shape[0] <= self.p:
            return out
        if not self.fixed_point:
            out[self.p:] = regressors(a, self.p, self.c) @ coef + self.intercept
            return out
        from fdir.detectors.forecast_detector import run_batched

        out[self.p:] = run_batched(self._qgraph, self._windows(a))[:, 0]
        return out

    def forecast(self, x: np.ndarray) -> np.ndarray:
        """(T,) one-step forecasts ẑ_t of column 0 of ``x`` (T, D) or (T,) (the fitted D columns when fitted with
        context), NaN for t < p.

        Raises
        ------
        ValueError
            before :meth:`fit`, or for a column count other than the fitted one (with context).
        """
        return self._forecast(self._input(x))

    def scores(self, x: np.ndarray) -> np.ndarray:
        """(1, T) absolute one-step errors of ``x`` (T, D) or (T,) (module doc), NaN for t < p.

        Raises
        ------
        ValueError
            as :meth:`forecast`.
        """
        a = self._input(x)
        return np.abs(self._forecast(a) - a[:, 0])[None]

    def reference(self, x: np.ndarray) -> np.ndarray:
        """(T,) the forecast target (column 0), for the thresholder's guards."""
        return as_series(x)[:, 0]

    def workload(self) -> pd.DataFrame:
        """IR of one forecast: one ``linear`` layer (K = p + (D − 1)·c inputs, N = 1 output, bias), float32."""
        from hwsim import ir

        coef = fitted(self.coef, type(self).__name__)
        if self.fixed_point:
            bits = {"w_bits": 8, "a_bits": int(self._qbundle[0]["layers"][-1]["quant"]["a_bits"]), "acc_bits": 32,
                    "w_format": "int"}
        else:
            bits = {"w_bits": 32, "a_bits": 32, "acc_bits": 32, "w_format": "fp"}
        return ir.make([ir.linear("out", M=1, N=1, K=int(coef.size), bias=True, **bits)])

    def export(self) -> tuple[dict, dict[str, np.ndarray]]:
        """Runtime bundle ``(spec, arrays)`` (module doc, Runtime): one ``dense`` layer over the window, forecast
        detector with telemanom's NDT parameters at l_s = p (the pipeline replaces the threshold by its own).
        Without context: window p of one channel, lead 1. With context: window p + 1 of the D channels, lead 0, the
        weight of the forecast column's newest sample 0 and those of context samples older than c 0. With
        ``fixed_point`` the quantised bundle (module doc, Fixed point). Raises ValueError before :meth:`fit`."""
        fitted(self.coef, type(self).__name__)
        if self.fixed_point:
            return copy.deepcopy(self._qbundle[0]), dict(self._qbundle[1])
        return self._float_bundle()

    def _float_bundle(self) -> tuple[dict, dict[str, np.ndarray]]:
        from fdir.ndt import NDTParams
        from fdir.runtime.bundle import required_version

        coef = fitted(self.coef, type(self).__name__)
        p, c, D = self.p, self.c, self.n_columns
        ndt = NDTParams(l_s=p)
        W = p + 1 if c else p
        w = np.zeros((D, W), np.float32)           # "channels x samples": w[k, i] multiplies x_k at window index i
        w[0, :p] = coef[:p]
        if c:
            w[1:, W - c:] = coef[p:].reshape(D - 1, c)
        arrays = {"out.w": w.reshape(-1, 1), "out.b": np.array([self.intercept], np.float32)}
        detector = {"kind": "forecast", "target": 0, "horizon": 1, "error": "abs", "residual": False,
                    "residual_gain": 0.0, "smoothing_span": ndt.span, "threshold": ndt.to_dict(),
                    "streams": [{"head": 0, "error": "first_step"}]}
        if c:
            detector["lead"] = 0
        spec = {
            "format": "hwsim-embeddable-layers", "version": 1, "name": "linear-ar-forecaster",
            "source": "fdir.detectors.linear (ridge AR(p), Hoerl & Kennard 1970, doi:10.1080/00401706.1970.10488634)",
            "input": {"channels": D, "window": W, "layout": "channels x samples", "shape": [D, W],
                      "mean": None, "std": None, "sample_period_s": None},
            "layers": [{"name": "flatten", "op": "flatten"},
                       {"name": "out", "op": "dense", "w": "out.w", "b": "out.b"}],
            "detector": detector,
        }
        spec["version"] = required_version(spec)
        return spec, arrays
