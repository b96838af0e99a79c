"""The reaction-wheel FDIR study: simulator, detector explanation and decision logic in one place.

* :mod:`~fdir.reaction_wheel.sim` — reaction-wheel assembly telemetry simulator with injectable faults and
  labelled ground truth (four wheels in a pyramid; current, temperature, voltage, speed every 4 s);
* :mod:`~fdir.reaction_wheel.peephole` — peephole probes (arXiv:2604.08424): which wheel, channel and fault type a
  detection is, with calibration, and the end-to-end study (:mod:`fdir.reaction_wheel.peephole.study`) with the
  convolutional autoencoder of :mod:`fdir.detectors.cae`;
* :mod:`~fdir.reaction_wheel.logic` — the FDIR decision logic (detect → confirm → isolate → recover → escalate),
  re-exported from its numpy-only onboard implementation :mod:`fdir.runtime.logic`;
* :mod:`~fdir.reaction_wheel.experiments` — the sweepable experiments (``rw_peephole``, ``rw_detection``,
  ``rw_runtime``); :mod:`~fdir.reaction_wheel.cases` — the known-answer validation cases.

Nothing heavy is imported here.
"""
