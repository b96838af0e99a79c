"""Known-answer validation cases of the telemetry half of ``fdir`` (gathered by :mod:`fdir.validation`).

* the shipped NASA SMAP/MSL copy against the published counts of ``labeled_anomalies.csv`` (telemanom README,
  Hundman et al. KDD 2018, arXiv:1802.04431): SMAP 55 label rows / 69 sequences (P-2 listed twice, 54 distinct
  channels), MSL 27 rows / 36 sequences, 82 channels with arrays (T-10 unlabelled);
* nonparametric dynamic thresholding against pandas (EWMA) and hand-computed pruning;
* the telemanom event-count rule on the worked example of the reference sheet (§3);
* a quick detection run (one SMAP channel, short training) through :func:`fdir.telemetry.run_telemanom`.

Each case computes in well under 10 s.
"""

from __future__ import annotations

import numpy as np

SHEET = "fdir reference sheet"
README = "telemanom README / labeled_anomalies.csv (Hundman et al. KDD 2018, arXiv:1802.04431)"


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


def _quick_detection() -> dict:
    from fdir.telemetry import run_telemanom

    res = run_telemanom("SMAP", quick_config(), channels=["A-1"])
    return {"got": res.f1, "details": res.summary() | {"detections": res.rows[0]["detections"]}}


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
        {"case": "Quick telemanom run on SMAP A-1 finds its anomaly without false alarm", "compute":
            _quick_detection, "expected": 1.0, "tolerance": 0.0, "mode": "ge", "unit": "F1",
         "source": "labeled_anomalies.csv A-1 [[4690, 4774]]; forecaster + NDT trained on the train array only"},
    ]
