"""Joint vs sequential search on measured quality: the two-stage pipelines and the comparison are checked on a
hand-built results table whose reachable sets and hypervolumes are worked out by hand, and the drivers run end to
end on a stub subject."""

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from hwsim import ir
from hwsim.search.measured import Subject, compare, design_grid, evaluate, nsga2_designs, sequential


def _table():
    # designs: (depth, bits) -> (quality, energy); width/rank fixed, a_bits 16, rotation none
    spec = {(0, 16): (1.00, 10.0), (1, 16): (0.97, 6.0), (2, 16): (0.80, 3.0),
            (0, 4): (0.99, 4.0), (1, 4): (0.90, 2.0), (2, 4): (0.60, 1.0)}
    rows = [{"design": i, "depth": d, "width": 1.0, "rank_fraction": 1.0, "w_bits": b, "a_bits": 16,
             "rotation": "none", "quality": q, "target": "t", "energy_J": e}
            for i, ((d, b), (q, e)) in enumerate(spec.items())]
    return pd.DataFrame(rows)


def test_prune_then_quantise_and_quantise_then_prune_reach_the_hand_sets():
    r = _table()
    # prune first, budget 5 %: float designs with quality >= 0.95 -> depth 0 (10 J) or 1 (6 J): pick depth 1,
    # then every bit width of depth 1: designs (1, 16) and (1, 4)
    s = sequential(r, order="prune_then_quantise", budgets=[0.05], sense="max", target="t")
    assert sorted(zip(s.depth, s.w_bits)) == [(1, 4), (1, 16)]
    # quantise first, budget 5 %: unpruned designs >= 0.95 -> 16 bits (10 J) or 4 bits (4 J): pick 4 bits,
    # then every depth at 4 bits
    s = sequential(r, order="quantise_then_prune", budgets=[0.05], sense="max", target="t")
    assert sorted(zip(s.depth, s.w_bits)) == [(0, 4), (1, 4), (2, 4)]
    with pytest.raises(ValueError, match="order"):
        sequential(r, order="both", budgets=[0.0], sense="max", target="t")


def test_compare_hypervolumes_by_hand():
    r = _table()
    c = compare(r, sense="max", budgets=[0.05], thresholds=[0.95]).set_index("strategy")
    # reference: energy 1.01 x 10 = 10.1 J, quality 0.60 (worst of the grid)
    # joint front: (1, .60) (2, .90) (4, .99) (10, 1.0) -> staircase area
    hv_joint = (2 - 1) * 0 + (4 - 2) * 0.30 + (10 - 4) * 0.39 + (10.1 - 10) * 0.40
    assert c.loc["joint", "hypervolume"] == pytest.approx(hv_joint, rel=1e-12)
    # prune-then-quantise reached (1, 16) q .97 6 J and (1, 4) q .90 2 J
    hv_pq = (6 - 2) * 0.30 + (10.1 - 6) * 0.37
    assert c.loc["prune_then_quantise", "hypervolume"] == pytest.approx(hv_pq, rel=1e-12)
    assert c.loc["joint", "energy_at_0.95"] == 4.0 and c.loc["prune_then_quantise", "energy_at_0.95"] == 6.0
    assert c.loc["quantise_then_prune", "energy_at_0.95"] == 4.0


@dataclass(frozen=True)
class _Knob:
    depth: int = 0
    w_bits: int = 16


class _Obj:
    def __init__(self, d):
        self.d = d

    def ir(self):
        return ir.make([ir.linear("fc", M=1, N=64, K=64 >> self.d.depth, w_bits=self.d.w_bits,
                                  w_format="int" if self.d.w_bits < 16 else "bf")])


def test_evaluate_grid_and_nsga2_run_on_a_stub_subject():
    subj = Subject("stub", _Obj, lambda o: 1.0 - 0.1 * o.d.depth - 0.01 * (16 - o.d.w_bits))
    designs = design_grid(_Knob, {"depth": [0, 1], "w_bits": [16, 8]})
    res = evaluate(subj, designs, ["horowitz_45nm_accel"])
    assert len(res) == 4 and res.set_index(["depth", "w_bits"]).loc[(1, 8), "quality"] == pytest.approx(0.82)
    assert res.set_index(["depth", "w_bits"]).loc[(1, 16), "macs"] == 64 * 32  # the IR of that design
    tr = nsga2_designs(subj, _Knob, {"depth": [0, 1], "w_bits": [16, 8, 4]}, "horowitz_45nm_accel",
                       n_trials=8, population_size=4, seed=0)
    assert len(tr) == 8 and tr["design"].nunique() <= 6 and np.isfinite(tr["energy_J"]).all()
    with pytest.raises(ValueError, match="sense"):
        Subject("x", _Obj, float, sense="up")
