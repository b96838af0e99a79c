"""Ready-made :class:`hwsim.search.measured.Subject` objects for the two trained networks of this package.

* :func:`digits_subject`: the residual CNN on digits; quality = test accuracy (450 images); calibration = the first
  ``n_calib`` training images.
* :func:`byte_lm_subject`: the byte-level LM; quality = per-byte perplexity on ``n_eval`` held-out windows of the
  trained context; calibration = ``n_calib`` windows from the end of the training split.
* :func:`digits_snn_subject`: the spiking network on digits; quality = test accuracy (360 sequences), the IR's
  spikes measured on the same test sequences; calibration (spike rates) = the first ``n_calib`` training sequences.

Importance scores are computed once per subject (:func:`hwsim.quality.pipeline.scores`,
:func:`hwsim.quality.lm_pipeline.lm_scores`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hwsim.quality import byte_lm as lm
from hwsim.quality import digits_cnn as cnn
from hwsim.quality import digits_snn as dsnn
from hwsim.quality.lm_pipeline import compress_lm, lm_scores
from hwsim.quality.pipeline import compress, scores
from hwsim.quality.snn_pipeline import compress_snn, spike_rates
from hwsim.search.measured import Subject


def digits_subject(config: Mapping[str, Any] | None = None, *, n_calib: int = 256) -> Subject:
    """The digits CNN (trained or cached for ``config``) as a search subject. Raises ValueError for n_calib < 1."""
    if n_calib < 1:
        raise ValueError(f"n_calib must be >= 1, got {n_calib}")
    cfg = {**cnn.DEFAULT_CONFIG, **(config or {})}
    p = cnn.trained(cfg)
    data = cnn.load_digits_split(int(cfg["seed"]))
    cal = data.x_train[:n_calib]
    sc = scores(p, cal)
    return Subject("digits_cnn", lambda d: compress(p, d, cal, importance=sc),
                   lambda c: c.accuracy(data.x_test, data.y_test), sense="max", quality_name="accuracy")


def byte_lm_subject(config: Mapping[str, Any] | None = None, *, n_eval: int = 32, n_calib: int = 16) -> Subject:
    """The byte LM (trained or cached for ``config``) as a search subject (quality: held-out perplexity, lower is
    better). Raises ValueError for non-positive window counts."""
    if n_eval < 1 or n_calib < 1:
        raise ValueError(f"n_eval and n_calib must be >= 1, got {n_eval}, {n_calib}")
    cfg = {**lm.DEFAULT_CONFIG, **(config or {})}
    p = lm.trained(cfg)
    tr, ho = lm.split(int(cfg["corpus_bytes"]))
    T, nh = int(cfg["context"]), int(cfg["n_heads"])
    w = lm.eval_batch(ho, T, n_eval)
    cal = lm.eval_batch(tr[-n_calib * (T + 1):], T, n_calib)
    sc = lm_scores(p, cal, n_heads=nh)
    return Subject("byte_lm", lambda d: compress_lm(p, d, cal, n_heads=nh, importance=sc),
                   lambda c: c.perplexity(w), sense="min", quality_name="perplexity")


def digits_snn_subject(config: Mapping[str, Any] | None = None, *, n_calib: int = 256) -> Subject:
    """The spiking network on digits (trained or cached for ``config``, :mod:`hwsim.quality.digits_snn`) as a
    search subject over :class:`hwsim.quality.snn_pipeline.SpikingDesign`. Raises ValueError for n_calib < 1 and
    as :func:`hwsim.quality.digits_snn.check_config`."""
    if n_calib < 1:
        raise ValueError(f"n_calib must be >= 1, got {n_calib}")
    cfg = dsnn.check_config(config or {})
    p = dsnn.trained(cfg)
    data = dsnn.load(cfg)
    cal = data.x_train[:n_calib]
    sr = spike_rates(p, cal)
    return Subject("digits_snn", lambda d: compress_snn(p, d, cal, rates=sr, x_ir=data.x_test),
                   lambda c: c.accuracy(data.x_test, data.y_test), sense="max", quality_name="accuracy")
