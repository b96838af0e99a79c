"""The published telemanom LSTM forecaster (Hundman et al., "Detecting Spacecraft Anomalies Using LSTMs and
Nonparametric Dynamic Thresholding", KDD 2018, arXiv:1802.04431; code ``khundman/telemanom``, ``config.yaml``) as a
costed reference design point of the co-design study: its workload per inference in the :mod:`hwsim.ir` schema and
its quality from telemanom's published per-channel results.

Architecture (``telemanom/modeling.py``, ``config.yaml``): LSTM(80, return_sequences) → dropout → LSTM(80) →
dropout → Dense(``n_predictions`` = 10), float32 (Keras). Input per time step: the telemetry value plus the one-hot
command columns, ``n_in`` = 25 on SMAP and 55 on MSL (the published arrays' widths). One prediction runs the
network over the ``l_s`` = 250 most recent samples (stateless windows, as trained), so one inference = one
telemetry sample = ``l_s`` LSTM steps and one Dense.

LSTM gate MACs from the standard equations (Hochreiter & Schmidhuber 1997; the Keras/Gers form without peepholes):
i, f, o, g = σ/σ/σ/tanh(W_x x_t + W_h h_{t−1} + b), W_x (n_in, 4h), W_h (h, 4h); c_t = f ⊙ c_{t−1} + i ⊙ g;
h_t = o ⊙ tanh(c_t). Per step and layer: 4·h·(n_in + h) MACs and 4·h biases; element-wise 5·h activations
(3 σ, 2 tanh) and 3·h products. With h = 80:

* layer 1, SMAP (n_in = 25): 4·80·(25 + 80) = 33,600 MACs per step (MSL, n_in = 55: 43,200);
* layer 2 (n_in = 80): 4·80·(80 + 80) = 51,200 MACs per step;
* per step: 84,800 MACs on SMAP (94,400 on MSL), the "about 85k MACs per step per channel" of the issue;
* per inference: × l_s = 250 steps (21.2 M on SMAP) + the Dense 80 × 10 = 800 MACs once.

Quality: telemanom's published per-channel counts (``results/2018-05-19_15.00.10.csv`` of ``khundman/telemanom``,
columns ``true_positives``, ``false_positives``, ``false_negatives``; event-wise, the rule of
:mod:`fdir.metrics.telemanom`), summed over the chosen channels (micro), as :data:`PUBLISHED`. The file has 82 rows:
P-2 appears twice (two label rows), both kept.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from hwsim import ir

__all__ = ["L_S", "N_IN", "N_PREDICTIONS", "PUBLISHED", "RESULTS_SOURCE", "UNITS", "lstm_macs_per_step",
           "published_metrics", "workload"]

L_S = 250
"""Input window (samples), telemanom ``config.yaml`` ``l_s``."""
N_PREDICTIONS = 10
"""Values forecast per prediction, telemanom ``n_predictions``."""
UNITS = (80, 80)
"""LSTM units per layer, telemanom ``layers: [80, 80]``."""
N_IN = {"SMAP": 25, "MSL": 55}
"""Input columns per time step (value + one-hot commands) of the published arrays."""
RESULTS_SOURCE = "khundman/telemanom results/2018-05-19_15.00.10.csv (Hundman et al., KDD 2018, arXiv:1802.04431)"

PUBLISHED: dict[str, tuple[str, tuple[tuple[int, int, int], ...]]] = {
    # chan_id: (spacecraft, ((true_positives, false_positives, false_negatives) per results row))
    "P-1": ("SMAP", ((3, 1, 0),)), "S-1": ("SMAP", ((1, 0, 0),)), "E-1": ("SMAP", ((2, 1, 0),)),
    "E-2": ("SMAP", ((1, 0, 0),)), "E-3": ("SMAP", ((1, 0, 0),)), "E-4": ("SMAP", ((1, 0, 0),)),
    "E-5": ("SMAP", ((1, 0, 0),)), "E-6": ("SMAP", ((1, 0, 0),)), "E-7": ("SMAP", ((1, 0, 0),)),
    "E-8": ("SMAP", ((1, 0, 0),)), "E-9": ("SMAP", ((1, 0, 0),)), "E-10": ("SMAP", ((2, 1, 0),)),
    "E-11": ("SMAP", ((2, 1, 0),)), "E-12": ("SMAP", ((2, 1, 0),)), "E-13": ("SMAP", ((2, 0, 1),)),
    "A-1": ("SMAP", ((1, 0, 0),)), "D-1": ("SMAP", ((1, 0, 0),)), "P-2": ("SMAP", ((1, 0, 0), (1, 0, 0))),
    "P-3": ("SMAP", ((1, 0, 0),)), "D-2": ("SMAP", ((1, 0, 0),)), "D-3": ("SMAP", ((1, 0, 0),)),
    "D-4": ("SMAP", ((1, 0, 0),)), "A-2": ("SMAP", ((1, 2, 0),)), "A-3": ("SMAP", ((1, 0, 0),)),
    "A-4": ("SMAP", ((1, 0, 0),)), "G-1": ("SMAP", ((0, 1, 1),)), "G-2": ("SMAP", ((1, 0, 0),)),
    "D-5": ("SMAP", ((1, 0, 0),)), "D-6": ("SMAP", ((1, 0, 0),)), "D-7": ("SMAP", ((1, 0, 0),)),
    "F-1": ("SMAP", ((0, 1, 1),)), "P-4": ("SMAP", ((3, 0, 0),)), "G-3": ("SMAP", ((1, 1, 0),)),
    "T-1": ("SMAP", ((1, 2, 1),)), "T-2": ("SMAP", ((1, 0, 0),)), "D-8": ("SMAP", ((0, 0, 1),)),
    "D-9": ("SMAP", ((1, 0, 0),)), "F-2": ("SMAP", ((1, 0, 0),)), "G-4": ("SMAP", ((1, 0, 0),)),
    "T-3": ("SMAP", ((2, 0, 0),)), "D-11": ("SMAP", ((1, 0, 0),)), "D-12": ("SMAP", ((1, 0, 0),)),
    "B-1": ("SMAP", ((1, 0, 0),)), "G-6": ("SMAP", ((1, 0, 0),)), "G-7": ("SMAP", ((3, 0, 0),)),
    "P-7": ("SMAP", ((1, 0, 0),)), "R-1": ("SMAP", ((1, 0, 0),)), "A-5": ("SMAP", ((1, 0, 0),)),
    "A-6": ("SMAP", ((1, 0, 0),)), "A-7": ("SMAP", ((1, 0, 0),)), "D-13": ("SMAP", ((1, 0, 0),)),
    "A-8": ("SMAP", ((1, 0, 0),)), "A-9": ("SMAP", ((0, 0, 1),)), "F-3": ("SMAP", ((0, 0, 1),)),
    "M-6": ("MSL", ((1, 0, 0),)), "M-1": ("MSL", ((0, 0, 1),)), "M-2": ("MSL", ((0, 0, 1),)),
    "S-2": ("MSL", ((1, 0, 0),)), "P-10": ("MSL", ((1, 0, 0),)), "T-4": ("MSL", ((0, 0, 1),)),
    "T-5": ("MSL", ((1, 0, 0),)), "F-7": ("MSL", ((2, 1, 1),)), "M-3": ("MSL", ((1, 0, 0),)),
    "M-4": ("MSL", ((1, 0, 0),)), "M-5": ("MSL", ((1, 0, 0),)), "P-15": ("MSL", ((1, 0, 0),)),
    "C-1": ("MSL", ((1, 0, 1),)), "C-2": ("MSL", ((1, 0, 1),)), "T-12": ("MSL", ((1, 0, 0),)),
    "T-13": ("MSL", ((0, 0, 2),)), "F-4": ("MSL", ((1, 0, 0),)), "F-5": ("MSL", ((1, 0, 0),)),
    "D-14": ("MSL", ((1, 0, 1),)), "T-9": ("MSL", ((0, 0, 2),)), "P-14": ("MSL", ((1, 0, 0),)),
    "T-8": ("MSL", ((2, 0, 0),)), "P-11": ("MSL", ((2, 0, 0),)), "D-15": ("MSL", ((1, 0, 0),)),
    "D-16": ("MSL", ((1, 0, 0),)), "M-7": ("MSL", ((1, 0, 0),)), "F-8": ("MSL", ((1, 0, 0),)),
}
"""telemanom's published event-wise counts per channel (:data:`RESULTS_SOURCE`, one tuple per results row)."""


def lstm_macs_per_step(n_in: int, units: int) -> int:
    """Gate MACs of one LSTM layer per time step: 4·units·(n_in + units) (module doc).

    Raises ValueError for n_in or units < 1."""
    if int(n_in) < 1 or int(units) < 1:
        raise ValueError(f"n_in={n_in} and units={units} must be integers >= 1")
    return 4 * int(units) * (int(n_in) + int(units))


def workload(n_in: int = N_IN["SMAP"], *, steps: int = L_S) -> pd.DataFrame:
    """IR of one telemanom inference (one telemetry sample of one channel): per LSTM layer ``lstm<i>.gates``
    (``linear``, M = ``steps``, K = n_in + units, N = 4·units, bias), ``lstm<i>.act`` (``elementwise``, 5·units
    activations per step) and ``lstm<i>.cell`` (``elementwise``, 3·units products per step), then ``dense``
    (``linear`` 80 → 10, once). Float32 (``w_bits = a_bits = 32``, ``w_format = "fp"``). ``n_in`` input columns
    per step (25 SMAP, 55 MSL), ``steps`` LSTM steps per inference (telemanom re-runs its l_s = 250 window).

    Raises
    ------
    ValueError
        for n_in or steps < 1.
    """
    if int(n_in) < 1:
        raise ValueError(f"n_in={n_in} must be an integer >= 1")
    if int(steps) < 1:
        raise ValueError(f"steps={steps} must be an integer >= 1")
    prec = {"w_bits": 32, "a_bits": 32, "acc_bits": 32, "w_format": "fp"}
    rows, k = [], int(n_in)
    for i, h in enumerate(UNITS):
        rows.append(ir.linear(f"lstm{i}.gates", M=int(steps), N=4 * h, K=k + h, bias=True, **prec))
        rows.append(ir.linear(f"lstm{i}.act", M=int(steps), N=5 * h, K=1, kind="elementwise", weight_elems=0,
                              **prec))
        rows.append(ir.linear(f"lstm{i}.cell", M=int(steps), N=3 * h, K=1, kind="elementwise", weight_elems=0,
                              **prec))
        k = h
    rows.append(ir.linear("dense", M=1, N=N_PREDICTIONS, K=k, bias=True, **prec))
    return ir.make(rows)


def published_metrics(channels: Iterable[str]) -> dict[str, float]:
    """Event-wise ``precision``, ``recall``, ``f1``, ``f0_5`` and the counts ``tp``, ``fp``, ``fn`` of telemanom's
    published results (:data:`PUBLISHED`) summed over ``channels`` (channel ids). A metric with a zero denominator
    is 0.

    Raises
    ------
    ValueError
        for an empty channel list or a channel without a published row (naming it).
    """
    ids = list(channels)
    if not ids:
        raise ValueError("channels must name at least one channel")
    bad = [c for c in ids if c not in PUBLISHED]
    if bad:
        raise ValueError(f"channels: no published telemanom result for {bad}; accepted: {sorted(PUBLISHED)}")
    tp = fp = fn = 0
    for c in ids:
        for a, b, d in PUBLISHED[c][1]:
            tp, fp, fn = tp + a, fp + b, fn + d
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0

    def f_beta(beta: float) -> float:
        den = beta**2 * p + r
        return (1 + beta**2) * p * r / den if den > 0 else 0.0

    return {"precision": p, "recall": r, "f1": f_beta(1.0), "f0_5": f_beta(0.5), "tp": float(tp), "fp": float(fp),
            "fn": float(fn)}

