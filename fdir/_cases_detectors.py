"""Known-answer validation cases of the fdir metrics (ESA-ADB, affiliation, point-wise) and the OPS-SAT-AD
protocol gates (gathered by :mod:`fdir.validation`).

Metric cases are small event lists whose expected value is worked out here from the definitions (fdir reference
sheet §5; Kotowski et al. arXiv:2406.17826 and ``kplabs-pl/ESA-ADB``; Huet et al. doi:10.1145/3534678.3539339);
the formula is in each expected callable, never a copied number. The OPS-SAT-AD gates (issue 6) run the protocols
of :mod:`fdir.protocols.opssat` on the official split (one run shared by the F1 and MCC cases).
"""

from __future__ import annotations

import functools
import math

ESA = "ESA-ADB definitions (arXiv:2406.17826; kplabs-pl/ESA-ADB), fdir reference sheet §5"
HUET = "affiliation metrics, Huet et al. KDD 2022 (doi:10.1145/3534678.3539339), fdir reference sheet §5"
E = math.e


def _fb(p: float, r: float, beta: float) -> float:
    return (1 + beta**2) * p * r / (beta**2 * p + r)


# Worked example of the sheet: range [0, 100], G = {[10,20], [50,60]}, E = {[12,14], [16,18], [70,80]}.
G_EX = [(10, 20), (50, 60)]
P_EX = [(12, 14), (16, 18), (70, 80)]


def _esa_cont():
    from fdir.metrics.esa import esa_counts_continuous

    return esa_counts_continuous(G_EX, P_EX, (0, 100))


def _esa_samples():
    from fdir.metrics.esa import esa_counts

    return esa_counts(G_EX, P_EX, 101)


def _aff(labels, predictions, t_range):
    from fdir.metrics.affiliation import affiliation_continuous

    return affiliation_continuous(labels, predictions, t_range)


def _curve_early() -> float:
    from fdir.metrics.esa import timing_curve

    return timing_curve(-20, 40, 40)


@functools.lru_cache(maxsize=1)
def _supervised():
    from fdir.protocols.opssat import run_supervised

    return run_supervised()


@functools.lru_cache(maxsize=1)
def _nominal():
    from fdir.protocols.opssat import run_nominal_only

    return run_nominal_only()


def _channel_aware_sheet() -> float:
    from fdir.metrics.esa import channel_aware_f_score

    # event affects c1, c2; detections inside the event span on c1 and c3 -> TP 1, FN 1 (c2), FP 1 (c3)
    ev = {"a": {"c1": [(10, 20)], "c2": [(12, 30)]}}
    pred = {"c1": [(15, 16)], "c2": [], "c3": [(25, 40)], "c4": []}
    return channel_aware_f_score(ev, pred, beta=0.5).f_score


def _channel_aware_explained() -> float:
    from fdir.metrics.esa import channel_aware_f_score

    # a on c1 [10,20], b on c2 [15,30]; c1 detects [12,16] (inside T_b = [15,30] too, but explained by a on c1),
    # c2 detects [16,17] (inside T_a, explained by b on c2) -> no FP: both events P = R = 1
    ev = {"a": {"c1": [(10, 20)]}, "b": {"c2": [(15, 30)]}}
    pred = {"c1": [(12, 16)], "c2": [(16, 17)]}
    return channel_aware_f_score(ev, pred).f_score


def _adtqc_samples() -> float:
    from fdir.metrics.esa import esa_counts

    # one event of 40 samples [100, 139] (beta = 40, first event: alpha = 40), detection from sample 110: x = 10
    return esa_counts([(100, 139)], [(110, 150)], 1000).adtqc


def _adtqc_two_events() -> float:
    from fdir.metrics.esa import esa_counts

    # events [100,139] (beta 40) and [150,159] (beta 10, alpha = min(10, 150 - 100) = 10);
    # detections start at 95 (x = -5 for event 1) and 152 (x = 2 for event 2)
    return esa_counts([(100, 139), (150, 159)], [(95, 120), (152, 170)], 1000).adtqc


def _aggregate() -> float:
    from fdir.metrics.esa import esa_counts

    # channel 1: the worked example in samples; channel 2: 50 samples, label (10,19) detected exactly by (10,19)
    tot = esa_counts(G_EX, P_EX, 101) + esa_counts([(10, 19)], [(10, 19)], 50)
    return tot.f0_5


def _aggregate_expected() -> float:
    # summed: TP 2, FP 1, FN 1; fp time 11 + 0 samples, nominal time 79 + 40 samples
    p = 2 / 3 * (1 - 11 / 119)
    return _fb(p, 2 / 3, 0.5)


def _auc_pr() -> float:
    import numpy as np

    from fdir.metrics.pointwise import auc_pr

    # label (2,3) in 6 samples; ranking by score: 1 (neg), 2 (pos), 3 (pos) -> AP = 0.5·(1/2) + 0.5·(2/3)
    return auc_pr([(2, 3)], np.array([0.1, 0.9, 0.8, 0.7, 0.2, 0.3]))


def _white_noise_point_snr() -> float:
    """Matched-filter SNR (fdir.suite.detectability) of a +5 point in unit white noise (T = 6,000, seed 0)."""
    import numpy as np

    from fdir.suite.dataset import Series
    from fdir.suite.detectability import label_snr

    y = np.random.default_rng(0).normal(size=6000)
    x = y.copy()
    x[3000] += 5.0
    s = Series("case", "test", "point", x[:, None], y[:, None], np.arange(6000.0), np.array([[3000, 3000]]),
               np.array([0]), 2400, 0)
    return float(label_snr(s).snr[0])


def _context_weight() -> float:
    """Fitted weight of x_{1,t} when x_0 = 2 x_{1,t} + 0.5 x_{1,t-1} + N(0, 0.05²), x_1 an AR(1) with coefficient 0.9
    (fdir.detectors.linear with context, T = 5,000, seed 0)."""
    import numpy as np
    from scipy.signal import lfilter

    from fdir.detectors.linear import LinearForecaster

    rng = np.random.default_rng(0)
    x1 = lfilter([1.0], [1.0, -0.9], rng.normal(size=5200))[200:]
    x0 = 2.0 * x1 + 0.5 * np.concatenate([[0.0], x1[:-1]]) + rng.normal(0.0, 0.05, 5000)
    det = LinearForecaster(order=10, max_fraction=0.5).fit(np.column_stack([x0, x1]))
    return float(det.coef[-1])


def cases() -> list[dict]:
    sup = ("OPS-SAT-AD official split, issue 6 gate (arXiv:2407.04730 baseline: RF F1 0.92, MCC 0.91); model chosen "
           "by CV on the training split (fdir.protocols.opssat.SUPERVISED_DEFAULTS)")
    return [
        {"case": "ESA TNR_t worked example (continuous)", "source": ESA, "mode": "abs", "tolerance": 1e-12,
         "expected": lambda: 1 - 10 / 80, "compute": lambda: _esa_cont().tnr},
        {"case": "ESA corrected event-wise F0.5 worked example (continuous)", "source": ESA, "mode": "abs",
         "tolerance": 1e-12, "expected": lambda: _fb(0.5 * (1 - 10 / 80), 0.5, 0.5),
         "compute": lambda: _esa_cont().f0_5},
        {"case": "ESA alarming precision worked example", "source": ESA, "mode": "abs", "tolerance": 1e-12,
         "expected": lambda: 1 / (1 + 1), "compute": lambda: _esa_cont().alarming_precision},
        {"case": "ESA corrected precision worked example in samples (n=101)", "source": ESA, "mode": "abs",
         "tolerance": 1e-12, "expected": lambda: 0.5 * (1 - 11 / (101 - 22)),
         "compute": lambda: _esa_samples().precision},
        {"case": "ESA counts aggregated over two channels, corrected F0.5", "source": ESA, "mode": "abs",
         "tolerance": 1e-12, "expected": _aggregate_expected, "compute": _aggregate},
        {"case": "affiliation recall, GT [0,2], E [0,1], range [0,10]", "source": HUET, "mode": "abs",
         "tolerance": 1e-12, "expected": lambda: (1 + (1 - 0.2 / 2)) / 2,
         "compute": lambda: _aff([(0, 2)], [(0, 1)], (0, 10)).recall},
        {"case": "affiliation precision, zone [35,100], J [50,60], E [70,80]", "source": HUET, "mode": "abs",
         "tolerance": 1e-12,
         # S_P(d) = (max(0, 15 - d) + (40 - d))/65 for d in [10, 20]: ∫_10^15 (55 - 2d) + ∫_15^20 (40 - d) over 10·65
         "expected": lambda: ((55 * 5 - (15**2 - 10**2)) + (40 * 5 - (20**2 - 15**2) / 2)) / (65 * 10),
         "compute": lambda: _aff(G_EX, P_EX, (0, 100)).individual_precision[1]},
        {"case": "affiliation recall, zone [0,35], J [10,20], E {[12,14],[16,18]}", "source": HUET, "mode": "abs",
         "tolerance": 1e-12,
         # 4 covered units + (2 - 4/35) + (2 - 2/35) + (2 - 4/35) over |J| = 10
         "expected": lambda: (4 + 6 - 10 / 35) / 10,
         "compute": lambda: _aff(G_EX, P_EX, (0, 100)).individual_recall[0]},
        {"case": "ADTQC single event in samples, detection 10 samples late (beta = alpha = 40)", "source": ESA,
         "mode": "abs", "tolerance": 1e-12, "expected": lambda: 1 / (1 + (10 / 30) ** E), "compute": _adtqc_samples},
        {"case": "ADTQC two events, early and late detections", "source": ESA, "mode": "abs", "tolerance": 1e-12,
         "expected": lambda: (((-5 + 40) / 40) ** E + 1 / (1 + (2 / 8) ** E)) / 2, "compute": _adtqc_two_events},
        {"case": "ADTQC curve, detection 20 before a 40-long first event", "source": ESA, "mode": "abs",
         "tolerance": 1e-12, "expected": lambda: (20 / 40) ** E,
         "compute": _curve_early},
        {"case": "channel-aware F0.5, sheet example (TP 1, FP 1, FN 1)", "source": ESA, "mode": "abs",
         "tolerance": 1e-12, "expected": lambda: _fb(1 / 2, 1 / 2, 0.5), "compute": _channel_aware_sheet},
        {"case": "channel-aware F0.5, detections explained by another event are not FP", "source": ESA,
         "mode": "abs", "tolerance": 1e-12, "expected": lambda: _fb(1.0, 1.0, 0.5),
         "compute": _channel_aware_explained},
        {"case": "point-wise AUC-PR (average precision), 6 samples", "source": "sklearn average_precision_score "
         "definition AP = Σ (R_k − R_{k−1}) P_k, fdir reference sheet §5", "mode": "abs", "tolerance": 1e-12,
         "expected": lambda: 0.5 * (1 / 2) + 0.5 * (2 / 3), "compute": _auc_pr},
        {"case": "suite detectability: matched-filter SNR of a +5 point in unit white noise", "source":
         "matched filter in white Gaussian noise, SNR = ||s||/sigma (Kay, Detection Theory, 1998, ch. 4)",
         "mode": "rel", "tolerance": 0.04, "expected": 5.0, "compute": _white_noise_point_snr},
        {"case": "linear forecaster with context: weight of the current context sample (true 2)", "source":
         "least squares of a known linear model (fdir.detectors.linear, Context)", "mode": "abs", "tolerance": 0.02,
         "expected": 2.0, "compute": _context_weight},
        {"case": "OPS-SAT-AD supervised tree ensemble F1", "source": sup, "mode": "ge", "tolerance": 0.0,
         "expected": 0.92, "compute": lambda: _supervised().f1},
        {"case": "OPS-SAT-AD supervised tree ensemble MCC", "source": sup, "mode": "ge", "tolerance": 0.0,
         "expected": 0.90, "compute": lambda: _supervised().mcc},
        {"case": "OPS-SAT-AD nominal-only LOF F1", "source": "OPS-SAT-AD official split, issue 6 gate "
         "(arXiv:2407.04730 baseline: LOF ≈ 0.85)", "mode": "ge", "tolerance": 0.0, "expected": 0.85,
         "compute": lambda: _nominal().f1},
    ]
