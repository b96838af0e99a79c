"""The published telemanom LSTM as a reference design point (hwsim.workloads.telemanom)."""

from __future__ import annotations

import pytest

from hwsim import ir
from hwsim.workloads import telemanom


def test_gate_macs_follow_the_lstm_equations():
    """4·h·(n_in + h) per layer and step: SMAP (25 columns) 33,600 + 51,200 = 84,800 MACs per step (exact), the
    paper's architecture of two 80-unit layers; per inference 250 steps + the Dense 80 x 10."""
    assert telemanom.lstm_macs_per_step(25, 80) + telemanom.lstm_macs_per_step(80, 80) == 84_800
    wl = telemanom.workload(25)
    gates = wl[wl["layer"].str.endswith(".gates")]
    assert float(ir.dense_macs(gates).sum()) == 250 * 84_800
    dense = wl[wl["layer"] == "dense"]
    assert float(ir.dense_macs(dense).sum()) == 800
    # parameters: per layer 4h(n_in + h) + 4h biases; Dense 800 + 10 (exact)
    assert ir.parameter_count(wl) == (4 * 80 * 105 + 320) + (4 * 80 * 160 + 320) + 810
    with pytest.raises(ValueError, match="n_in"):
        telemanom.workload(0)
    with pytest.raises(ValueError, match="steps"):
        telemanom.workload(25, steps=0)


def test_published_metrics_match_the_reference_sheet():
    """Summed over every channel per spacecraft, the counts give the figures recomputed from the published results
    file in the fdir reference sheet (SMAP P 0.838 R 0.899 F1 0.867; MSL 0.962 / 0.694 / 0.806), to 5e-4 (the
    sheet's rounding); 82 results rows."""
    assert sum(len(rows) for _, rows in telemanom.PUBLISHED.values()) == 82
    want = {"SMAP": (0.838, 0.899, 0.867), "MSL": (0.962, 0.694, 0.806)}
    for sc, (p, r, f1) in want.items():
        m = telemanom.published_metrics([c for c, (s, _) in telemanom.PUBLISHED.items() if s == sc])
        assert (m["precision"], m["recall"], m["f1"]) == pytest.approx((p, r, f1), abs=5e-4)
    with pytest.raises(ValueError, match="channels"):
        telemanom.published_metrics(["T-10"])
    with pytest.raises(ValueError, match="channels"):
        telemanom.published_metrics([])
