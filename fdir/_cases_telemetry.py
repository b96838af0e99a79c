"""Known-answer validation cases of the telemetry half of ``fdir`` (gathered by :mod:`fdir.validation`).

* the shipped NASA SMAP/MSL copy against the published counts of ``labeled_anomalies.csv`` (telemanom README,
  Hundman et al. KDD 2018, arXiv:1802.04431): SMAP 55 label rows / 69 sequences (P-2 listed twice, 54 distinct
  channels), MSL 27 rows / 36 sequences, 82 channels with arrays (T-10 unlabelled);
* nonparametric dynamic thresholding against pandas (EWMA) and hand-computed pruning;
* the telemanom event-count rule on the worked example of the reference sheet (§3), and on telemanom's own
  published detections of six multi-event channels (its results file gives the counts to reproduce);
* quick detection runs (short training) through :func:`fdir.protocols.telemanom.run_telemanom` on three SMAP and three
  MSL channels with several labelled anomalies each (8 and 7 events, so F1 moves in steps of about 0.06), against
  telemanom's published F1 on the same channels.

Each case computes in well under 10 s.
"""

from __future__ import annotations

import numpy as np

SHEET = "fdir reference sheet"
README = "telemanom README / labeled_anomalies.csv (Hundman et al. KDD 2018, arXiv:1802.04431)"
RESULTS = "khundman/telemanom results/2018-05-19_15.00.10.csv (published per-channel results)"

PUBLISHED_DETECTIONS = {
    "P-1": ([[3190, 3329]], [[2130, 2349], [3540, 3679], [4520, 4589]], (3, 1, 0)),
    "E-12": ([[1775, 2008]], [[5010, 5149], [5570, 5709], [5850, 5919], [5990, 6594]], (2, 1, 0)),
    "E-13": ([], [[5570, 5709], [6480, 6549]], (2, 0, 1)),
    "T-1": ([[3960, 4029], [6620, 6689]], [[2560, 2979]], (1, 2, 1)),
    "F-7": ([[1967, 2206]], [[1322, 1576], [2700, 2839]], (2, 1, 1)),
    "C-1": ([], [[500, 757]], (1, 0, 1)),
}
"""telemanom's published detections per channel (``fp_sequences``, ``tp_sequences``) and its counts
``(true_positives, false_positives, false_negatives)``, from :data:`RESULTS`. E-12 has three detections on one label
(counted once); T-1 two false alarms and a miss."""

PUBLISHED_COUNTS = {"P-4": (3, 0, 0), "G-7": (3, 0, 0), "T-3": (2, 0, 0),
                    "F-7": (2, 1, 1), "T-8": (2, 0, 0), "P-11": (2, 0, 0)}
"""telemanom's published ``(TP, FP, FN)`` of the channels of the quick detection cases (:data:`RESULTS`)."""
QUICK_CHANNELS = {"SMAP": ("P-4", "G-7", "T-3"), "MSL": ("F-7", "T-8", "P-11")}
"""Multi-event channels of the quick detection cases: 8 SMAP and 7 MSL labelled events."""
QUICK_F1_DEFICIT = 0.2
"""Largest F1 deficit accepted for the quick configuration (8 epochs, ≤ 1,500 training windows) against telemanom's
published full training (35 epochs) on the same channels: about three of the 7-8 events."""


def _rows(sc: str) -> int:
    from fdir.data.smap_msl import label_rows

    return len(label_rows(sc))


def _seqs(sc: str) -> int:
    from fdir.data.smap_msl import label_rows

    return sum(len(r.sequences) for r in label_rows(sc))


def _distinct() -> int:
    from fdir.data.smap_msl import channel_ids

    return len(channel_ids())


def _n_arrays() -> int:
    from fdir.data.smap_msl import all_channel_ids

    return len(all_channel_ids())


def _widths() -> dict:
    """Largest |D − published D| over one channel per spacecraft (SMAP 25, MSL 55 columns)."""
    from fdir.data.smap_msl import N_COLUMNS, load_channel

    got = {"SMAP": load_channel("A-1").test.shape[1], "MSL": load_channel("M-1").test.shape[1]}
    return {"got": float(max(abs(got[k] - N_COLUMNS[k]) for k in got)), "details": got}


def _test_lengths() -> float:
    """Largest |T_test − num_values| over every labelled channel (the loader checks it; the case re-reads)."""
    from fdir.data.smap_msl import channel_ids, load_channel

    worst = 0
    for c in channel_ids():
        ch = load_channel(c)
        worst = max(worst, *(abs(ch.test.shape[0] - r.num_values) for r in ch.labels))
    return float(worst)


def _ewma_vs_pandas() -> float:
    import pandas as pd

    from fdir.ndt import ewma

    x = np.random.default_rng(0).random(3000)
    return float(np.max(np.abs(ewma(x, 105) - pd.Series(x).ewm(span=105).mean().to_numpy())))


def _prune_hand() -> dict:
    """Maxima 1.0, 0.95, 0.5 and largest unflagged error 0.48 with p = 0.13: drops 0.05, 0.47, 0.04 → the last
    qualifying drop is after the 2nd maximum, so 2 sequences stay."""
    from fdir.ndt import NDTParams, prune, runs

    e = np.full(60, 0.1)
    flags = np.zeros(60, bool)
    for (a, b), m in zip([(2, 6), (20, 25), (40, 45)], [1.0, 0.95, 0.5]):
        flags[a:b + 1] = True
        e[a + 1] = m
    e[55] = 0.48
    maxima = [1.0, 0.95, 0.5, 0.48]
    drops = [(maxima[i] - maxima[i + 1]) / maxima[i] for i in range(3)]
    expected = 1 + max(i for i, d in enumerate(drops) if d >= 0.13)
    got = len(runs(prune(e, flags, np.zeros(60, bool), NDTParams(p=0.13))))
    return {"got": float(got), "expected": float(expected)}


def _telemanom_example() -> dict:
    from fdir.metrics.telemanom import telemanom_counts

    c = telemanom_counts([[100, 199], [400, 449]], [[150, 260], [190, 195], [300, 310]])
    # TP 1 (first detection), the second adds nothing, the third is an FP; FN 1 → P = R = F1 = 1/2
    return {"got": c.f1, "expected": 2 * 0.5 * 0.5 / (0.5 + 0.5), "details": {"tp": c.tp, "fp": c.fp, "fn": c.fn}}


def quick_config():
    """Short-training variant of the default forecaster for smoke runs (CI, ``--quick``): 8 epochs on at most
    1,500 training windows; architecture and thresholding unchanged."""
    from dataclasses import replace

    from fdir.detectors.forecaster import ForecasterConfig

    return replace(ForecasterConfig(), epochs=8, max_train_windows=1500)


def _published_counts() -> dict:
    """Our telemanom counting rule on telemanom's published detections, labels from the shipped label file."""
    from fdir.data.smap_msl import label_rows
    from fdir.metrics.telemanom import sum_counts, telemanom_counts

    labels = {r.chan_id: r.sequences for r in label_rows()}
    got, want = [], [0, 0, 0]
    for chan, (fp_seqs, tp_seqs, counts) in PUBLISHED_DETECTIONS.items():
        got.append(telemanom_counts(labels[chan], sorted(fp_seqs + tp_seqs)))
        want = [w + c for w, c in zip(want, counts, strict=True)]
    c = sum_counts(got)
    return {"got": float(abs(c.tp - want[0]) + abs(c.fp - want[1]) + abs(c.fn - want[2])),
            "details": {"tp_fp_fn": (c.tp, c.fp, c.fn), "published": tuple(want)}}


def _published_f1(spacecraft: str) -> float:
    """F1 = 2·TP/(2·TP + FP + FN) of telemanom's published counts summed over the case's channels."""
    tp, fp, fn = (sum(PUBLISHED_COUNTS[c][i] for c in QUICK_CHANNELS[spacecraft]) for i in range(3))
    return 2 * tp / (2 * tp + fp + fn)


def _quick_detection(spacecraft: str) -> dict:
    from fdir.protocols.telemanom import run_telemanom

    res = run_telemanom(spacecraft, quick_config(), channels=list(QUICK_CHANNELS[spacecraft]))
    return {"got": res.f1, "details": res.summary() | {
        "per_channel": {r["chan_id"]: (r["tp"], r["fp"], r["fn"]) for r in res.rows}}}


def cases() -> list[dict]:
    return [
        {"case": "SMAP label rows (P-2 twice)", "compute": lambda: float(_rows("SMAP")), "expected": 55.0,
         "tolerance": 0.0, "mode": "abs", "unit": "rows", "source": README},
        {"case": "SMAP labelled anomaly sequences", "compute": lambda: float(_seqs("SMAP")), "expected": 69.0,
         "tolerance": 0.0, "mode": "abs", "unit": "sequences", "source": README + "; paper Table 1"},
        {"case": "MSL label rows", "compute": lambda: float(_rows("MSL")), "expected": 27.0,
         "tolerance": 0.0, "mode": "abs", "unit": "rows", "source": README},
        {"case": "MSL labelled anomaly sequences", "compute": lambda: float(_seqs("MSL")), "expected": 36.0,
         "tolerance": 0.0, "mode": "abs", "unit": "sequences", "source": README + "; paper Table 1"},
        {"case": "SMAP/MSL distinct labelled channels (82 rows − duplicated P-2)", "compute": lambda: float(
            _distinct()), "expected": 82.0 - 1.0, "tolerance": 0.0, "mode": "abs", "unit": "channels",
         "source": f"{SHEET} §2 (P-2 twice)"},
        {"case": "SMAP/MSL channels with arrays (T-10 unlabelled)", "compute": lambda: float(_n_arrays()),
         "expected": 81.0 + 1.0, "tolerance": 0.0, "mode": "abs", "unit": "channels", "source": f"{SHEET} §2"},
        {"case": "SMAP/MSL column count D (25 / 55)", "compute": _widths, "expected": 0.0, "tolerance": 0.0,
         "mode": "abs", "unit": "columns", "source": f"{SHEET} §2"},
        {"case": "Test lengths equal num_values of the label file", "compute": _test_lengths, "expected": 0.0,
         "tolerance": 0.0, "mode": "abs", "unit": "samples", "source": README},
        {"case": "NDT EWMA equals pandas ewm(span=105).mean()", "compute": _ewma_vs_pandas, "expected": 0.0,
         "tolerance": 1e-12, "mode": "abs", "unit": "", "source": "telemanom errors.py smoothing; peer: pandas"},
        {"case": "NDT pruning keeps sequences up to the last drop >= p", "compute": _prune_hand, "expected": 2.0,
         "tolerance": 0.0, "mode": "abs", "unit": "sequences", "source": f"{SHEET} §3 step 4 (p = 0.13)"},
        {"case": "telemanom event counting, worked example (P = R = F1 = 0.5)", "compute": _telemanom_example,
         "expected": 0.5, "tolerance": 1e-12, "mode": "abs", "unit": "", "source": f"{SHEET} §3 example"},
        {"case": "telemanom counting on telemanom's published detections of six multi-event channels",
         "compute": _published_counts, "expected": 0.0, "tolerance": 0.0, "mode": "abs",
         "unit": "events (|ΔTP| + |ΔFP| + |ΔFN|)",
         "source": f"{RESULTS}: P-1, E-12, E-13, T-1, F-7, C-1 (TP 11, FP 5, FN 4)"},
    ] + [
        {"case": f"Quick telemanom run on {sc} {', '.join(QUICK_CHANNELS[sc])} ({n} labelled events) vs published F1",
         "compute": (lambda sc=sc: _quick_detection(sc)), "expected": _published_f1(sc),
         "tolerance": QUICK_F1_DEFICIT, "mode": "ge", "unit": "F1",
         "source": f"{RESULTS} (same channels, full training); labels from labeled_anomalies.csv; forecaster + NDT "
                   "trained on the train arrays only, quick configuration"}
        for sc, n in (("SMAP", 8), ("MSL", 7))
    ]
