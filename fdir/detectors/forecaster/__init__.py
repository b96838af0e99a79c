"""Convolutional telemetry forecaster + nonparametric dynamic thresholding (telemanom protocol). JAX + optax.

The detector of Hundman et al., KDD 2018 (arXiv:1802.04431) forecasts the next ``n_predictions`` values of the
telemetry channel (column 0) from the last ``l_s`` samples of all columns (value + command flags) and thresholds
the first-step error with NDT (:mod:`fdir.ndt`). telemanom uses two stacked 80-unit LSTMs; here the forecaster is
a strided 1-D convolutional network (temporal convolutional forecaster, in the spirit of Bai, Kolter, Koltun,
"An Empirical Evaluation of Generic Convolutional and Recurrent Networks for Sequence Modeling", arXiv:1803.01271),
because

* it is expressible in the embeddable layer format of ``fdir.runtime`` (``conv1d``/``relu``/``flatten``/``dense``;
  an LSTM is not), so the same trained weights run in the numpy-only runtime and in int8;
* its cost per inference is fixed and small (MACs: :meth:`~fdir.detectors.forecaster.config.ForecasterConfig.macs`),
  with no recurrent state;
* it trains in seconds per channel on a CPU (a whole spacecraft in minutes), so all labelled channels are evaluated.

Architecture (input (D, l_s): D columns x l_s samples, channels x samples):
``[conv1d(k, stride s, valid) → relu] x len(conv_channels) → flatten → dense(hidden) → relu → dense(n_predictions)``.

Training follows telemanom's protocol: all windows of the nominal training array, shuffled, 20 % held out for
validation, MSE on the ``n_predictions`` targets, Adam (optax), batch 64, up to ``epochs`` epochs with early
stopping (patience 10, min_delta 3e-4 on the validation loss); the weights of the best validation epoch are kept
(telemanom keeps the last). Test errors: e_t = |ŷ_t − y_t| of the first-step forecast for t = l_s .. T − n_pred − 1.

Detection (``combine``, ``horizon_error``): by default each member's first-step errors, and the absolute member's
horizon-mean errors (mean |ŷ − y| over its whole ``n_predictions``-step forecast, :func:`stream_errors`), are
thresholded each by its own NDT, and a value is anomalous when any stream flags it (:func:`fdir.ndt.detect_any`);
``combine="mean"`` thresholds the error of the members' mean forecast instead.

Modules: :mod:`~fdir.detectors.forecaster.config` (:class:`ForecasterConfig`, layer shapes, costs; numpy only),
:mod:`~fdir.detectors.forecaster.model` (windows, the JAX network, training, forecasts, error streams, the
per-channel driver :func:`channel_detections`) and :mod:`~fdir.detectors.forecaster.export` (the embeddable layer
format). The detector-protocol front end is :class:`fdir.detectors.forecast_detector.ForecasterDetector`.
"""

from fdir.detectors.forecaster.config import (
    COMBINE_MODES,
    COMMAND_MODES,
    ERROR_KINDS,
    FIXED_POINT_HEADROOM,
    HORIZON_ERROR_MODES,
    SKIP_MODES,
    ForecasterConfig,
)
from fdir.detectors.forecaster.model import (
    ChannelRun,
    Forecaster,
    channel_detections,
    forecast,
    forecast_heads,
    make_windows,
    stream_errors,
    train_forecaster,
)

__all__ = [
    "COMBINE_MODES",
    "COMMAND_MODES",
    "ERROR_KINDS",
    "FIXED_POINT_HEADROOM",
    "HORIZON_ERROR_MODES",
    "SKIP_MODES",
    "ChannelRun",
    "Forecaster",
    "ForecasterConfig",
    "channel_detections",
    "forecast",
    "forecast_heads",
    "make_windows",
    "stream_errors",
    "train_forecaster",
]
