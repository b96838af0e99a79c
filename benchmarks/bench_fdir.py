"""Full-data telemanom benchmark of the telemetry half of fdir: default forecaster + NDT on NASA SMAP and MSL.

Run: ``hwsim bench fdir`` (all labelled channels: SMAP 54 channels / 55 label rows / 69 anomalies, MSL 27 / 27 /
36) or ``hwsim bench fdir --quick`` (a fixed 4-channel SMAP and 3-channel MSL subset, short training).

Protocol (:func:`fdir.protocols.telemanom.run_telemanom`, reference sheet §3/§13): per channel, train on the training
array only, forecast the test array, threshold with nonparametric dynamic thresholding (unsupervised), count events with
the telemanom rule, micro-sum over the label rows of a spacecraft. Metrics: event-wise precision, recall, F0.5,
F1 (gates of issue 6: F1 >= 0.80 SMAP, >= 0.70 MSL), the ESA-ADB corrected event-wise F0.5, wall time, and the
ratio of F1 to the published telemanom LSTM run (peer: ``khundman/telemanom``
``results/2018-05-19_15.00.10.csv``, F1 0.867 SMAP / 0.806 MSL; in quick mode the same file's per-channel counts
of the subset).
"""

from __future__ import annotations

import os

from hwsim.benchmarking import Benchmark, BenchmarkSkipped, Metric

QUICK_CHANNELS = {"SMAP": ["A-1", "E-7", "P-1", "S-1"], "MSL": ["M-6", "C-1", "T-9"]}
PUBLISHED_QUICK = {"SMAP": {"tp": 6, "fp": 1, "fn": 0}, "MSL": {"tp": 2, "fp": 0, "fn": 3}}
"""(TP, FP, FN) of the published telemanom run summed over the quick channels, from the per-channel rows of
``khundman/telemanom`` ``results/2018-05-19_15.00.10.csv``: A-1 1/0/0, E-7 1/0/0, P-1 3/1/0, S-1 1/0/0;
M-6 1/0/0, C-1 1/0/1, T-9 0/0/2."""
GATES = {"SMAP": 0.80, "MSL": 0.70}


def _n_jobs() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def bench_telemanom(quick: bool) -> list[Metric]:
    try:
        from fdir._cases_telemetry import quick_config
        from fdir.detectors.forecaster import ForecasterConfig
        from fdir.metrics.telemanom import EventCounts
        from fdir.protocols.telemanom import PUBLISHED, run_telemanom
    except ImportError as exc:
        raise BenchmarkSkipped(f"fdir telemetry stack unavailable: {exc}") from exc
    out = []
    cfg = quick_config() if quick else ForecasterConfig()
    for sc in ("SMAP", "MSL"):
        chans = QUICK_CHANNELS[sc] if quick else None
        res = run_telemanom(sc, cfg, channels=chans, n_jobs=_n_jobs())
        note = (f"{len(res.channels)} channels, {len(res.rows)} label rows, TP {res.tp} FP {res.fp} FN {res.fn}"
                + (" (quick subset)" if quick else ""))
        out += [
            Metric(f"{sc}_precision", res.precision, None, True, "", note),
            Metric(f"{sc}_recall", res.recall, None, True, "", note),
            Metric(f"{sc}_f05", res.f05, None, True, "", note),
            Metric(f"{sc}_f1", res.f1, None if quick else GATES[sc], True, "", note),
            Metric(f"{sc}_esa_f05_corrected", res.summary()["esa_f0_5_corrected"], None, True, "",
                   "ESA-ADB corrected event-wise F0.5 (Kotowski et al., arXiv:2406.17826), same detections"),
            Metric(f"{sc}_wall_time", res.wall_s, None, False, "s", f"n_jobs={_n_jobs()}"),
        ]
        pub = EventCounts(**(PUBLISHED_QUICK if quick else PUBLISHED)[sc])
        out.append(Metric(f"{sc}_f1_vs_published_telemanom", res.f1 / pub.f1, 1.0, True, "ratio",
                          f"published LSTM-NDT F1 {pub.f1:.3f} (P {pub.precision:.3f}, R {pub.recall:.3f})"
                          + (" on the same subset" if quick else "")))
    return out


def benchmarks() -> list[Benchmark]:
    return [Benchmark("telemanom_smap_msl", bench_telemanom,
                      "default forecaster + NDT, telemanom protocol on all SMAP/MSL channels vs published telemanom")]
