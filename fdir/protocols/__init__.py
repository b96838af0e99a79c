"""Evaluation protocols: one driver per protocol, each over detector pipelines (:mod:`fdir.registry`).

* :mod:`~fdir.protocols.telemanom` — NASA SMAP/MSL with the telemanom protocol (Hundman et al., KDD 2018,
  arXiv:1802.04431): per-channel training, unsupervised thresholding, event-wise counts micro-summed over label
  rows (plus the ESA-ADB corrected figures); the co-design study's detector variants (``hwsim run``).
* :mod:`~fdir.protocols.selection` — the same protocol for any pipeline over several seeds, with thresholder
  candidates compared on the same trained detectors, a resumable Parquet store, and cross-spacecraft selection
  (choose on SMAP, report MSL, and the reverse).
* :mod:`~fdir.protocols.opssat` — ESA OPS-SAT-AD on the official split (Ruszczak et al., arXiv:2407.04730):
  supervised tree ensembles and nominal-only novelty detection, segment-level F1 / MCC.

The reaction-wheel study's protocol is :mod:`fdir.reaction_wheel.peephole.study`. Nothing heavy is imported here.
"""
