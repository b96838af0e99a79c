"""Pareto extraction against a brute-force O(n^2) dominance check."""

import numpy as np
import pandas as pd
import pytest

from hwsim.search.pareto import hypervolume_2d, pareto_front, pareto_mask


def brute(values, senses):
    v = np.asarray(values, float) * np.array([1 if s == "min" else -1 for s in senses])
    n = len(v)
    out = np.zeros(n, bool)
    for i in range(n):
        if np.isnan(v[i]).any():
            continue
        dom = False
        for j in range(n):
            if np.isnan(v[j]).any():
                continue
            if np.all(v[j] <= v[i]) and np.any(v[j] < v[i]):
                dom = True
                break
        out[i] = not dom
    return out


@pytest.mark.parametrize("k", [1, 2, 3, 4])
@pytest.mark.parametrize("integer", [False, True])
def test_matches_brute_force(k, integer):
    rng = np.random.default_rng(k + 10 * integer)
    v = rng.integers(0, 6, size=(300, k)).astype(float) if integer else rng.random((300, k))
    senses = ["min", "max", "min", "max"][:k]
    got = pareto_mask(v, senses, block=17)
    np.testing.assert_array_equal(got, brute(v, senses))


def test_anticorrelated_front_is_everything_and_duplicates_kept():
    x = np.linspace(0, 1, 50)
    v = np.c_[x, 1 - x]
    assert pareto_mask(v, ["min", "min"]).all()
    v2 = np.r_[v, v[:3]]
    assert pareto_mask(v2, ["min", "min"]).all()
    v3 = np.c_[x, 1 - x, x * 0]
    assert pareto_mask(v3, ["min", "min", "min"]).all()


def test_nan_rows_excluded_and_single_dominator():
    v = np.array([[1.0, 1.0], [2.0, 2.0], [np.nan, 0.0], [0.5, 3.0]])
    np.testing.assert_array_equal(pareto_mask(v, ["min", "min"]), [True, False, False, True])


def test_bad_input_names_parameter():
    with pytest.raises(ValueError, match="senses"):
        pareto_mask(np.zeros((3, 2)), ["min"])
    with pytest.raises(ValueError, match="senses"):
        pareto_mask(np.zeros((3, 2)), ["min", "up"])
    with pytest.raises(ValueError, match="shape"):
        pareto_mask(np.zeros((3, 2, 2)), ["min", "min"])


def test_pareto_front_dataframe_with_constraints():
    df = pd.DataFrame({"acc": [0.9, 0.8, 0.95, 0.7], "energy": [2.0, 1.0, 3.0, 0.5], "mem": [1, 1, 9, 1]})
    front = pareto_front(df, {"energy": "min", "acc": "max"}, constraints=df["mem"].to_numpy() < 5)
    assert list(front.index) == [3, 1, 0]
    with pytest.raises(ValueError, match="latency"):
        pareto_front(df, {"latency": "min"})


def test_hypervolume_2d_staircase():
    # front (1,3), (2,2), (3,1) with reference (4,4): area = 3*1 + 2*1 + 1*1 = 6
    v = np.array([[1, 3], [2, 2], [3, 1], [3, 3]], float)
    assert hypervolume_2d(v, ["min", "min"], [4, 4]) == pytest.approx(6.0)
    # maximisation of the second objective: mirror
    assert hypervolume_2d(v * [1, -1], ["min", "max"], [4, -4]) == pytest.approx(6.0)
