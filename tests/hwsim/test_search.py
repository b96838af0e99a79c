"""Grid search, constraints, the NSGA-II backend, plots and the sweepable cost experiments."""

import matplotlib
import numpy as np
import pytest

from hwsim import ir
from hwsim.search.grid import grid, search
from hwsim.search.optimiser import nsga2
from hwsim.search.pareto import pareto_mask
from hwsim.search.plot import pareto_plot

matplotlib.use("Agg")


def table():
    return ir.make([ir.linear(f"l{i}", M=1, N=256, K=256, w_format="int") for i in range(3)])


def acc(p):
    return 1.0 - 0.01 * (16 - p["w_bits"].to_numpy()) ** 1.5 - 0.3 * (1 - p["density"].to_numpy()) ** 2


def test_grid_search_front_and_constraints():
    g = grid({"w_bits": [16, 8, 4], "density": [1.0, 0.5]})
    assert len(g) == 6 and list(g.iloc[1]) == [16, 0.5]
    res = search(table(), ["horowitz_45nm_accel", "gr740"], {"w_bits": [16, 8, 4, 2], "density": [1.0, 0.75, 0.5]},
                 {"energy_J": "min", "accuracy": "max"}, accuracy=acc, constraints={"latency_s": ("<=", 1e-3)})
    assert len(res) == 24 and set(res["target"]) == {"horowitz_45nm_accel", "gr740"}
    feas = res[res["feasible"]]
    assert (feas["latency_s"] <= 1e-3).all() and not res.loc[~res["feasible"], "pareto"].any()
    ref = pareto_mask(feas[["energy_J", "accuracy"]].to_numpy(), ["min", "max"])
    assert np.array_equal(feas["pareto"].to_numpy(), ref)
    with pytest.raises(ValueError, match="objective"):
        search(table(), "gr740", {"w_bits": [8]}, {"speed": "max"})
    with pytest.raises(ValueError, match="operator"):
        search(table(), "gr740", {"w_bits": [8]}, {"energy_J": "min"}, constraints={"latency_s": ("~", 1)})


def test_nsga2_finds_front_points_of_the_grid():
    space = {"w_bits": [16, 12, 8, 6, 4, 3, 2], "density": [1.0, 0.9, 0.75, 0.5, 0.25]}
    res = nsga2(table(), "horowitz_45nm_accel", space, {"energy_J": "min", "accuracy": "max"}, n_trials=60,
                population_size=12, seed=0, accuracy=acc)
    assert len(res) == 60 and res["pareto"].any()
    full = search(table(), "horowitz_45nm_accel", space, {"energy_J": "min", "accuracy": "max"}, accuracy=acc)
    front = {(r.w_bits, r.density) for r in full[full["pareto"]].itertuples()}
    found = {(r.w_bits, r.density) for r in res[res["pareto"]].itertuples()}
    assert len(found & front) >= len(front) // 2


def test_pareto_plot():
    res = search(table(), "horowitz_45nm_accel", {"w_bits": [16, 8, 4]}, {"energy_J": "min"})
    res["accuracy"] = acc(res.assign(density=1.0))
    ax = pareto_plot(res, "energy_J", "accuracy", label="grid")
    assert ax.get_xlabel() == "energy_J" and len(ax.lines) == 1
    with pytest.raises(ValueError, match="column"):
        pareto_plot(res, "nope", "accuracy")


def test_cost_experiments_return_flat_scalars_and_declare_ranges():
    from hwsim import experiments_cost as ex
    from hwsim.experiments import resolve

    outs = [ex.llm_decode(model="llama-3.2-3b", w_bits=4, group_size=128, density=0.5, sparsity_pattern="n:m",
                          target="jetson_orin_nano_8gb"),
            ex.cnn_layer(), ex.keyword_spotter(target="mtj_core"), ex.lora_training_memory(seq_len=256)]
    for o in outs:
        assert all(isinstance(v, int | float | str | bool) for v in o.values())
    assert outs[0]["quality_proxy"] < 1 and outs[1]["cycles"] == 86016
    for name in ("llm_decode", "cnn_layer", "ir_file", "keyword_spotter", "lora_training_memory"):
        e = resolve(f"hwsim.experiments_cost:{name}")
        assert e.files == ("hwsim:targets/*.json",)
    with pytest.raises(ValueError, match="model"):
        ex.llm_decode(model="gpt-2")


def test_ir_file_experiment(tmp_path):
    from hwsim.experiments_cost import ir_file

    p = tmp_path / "w.parquet"
    table().to_parquet(p)
    a = ir_file(path=str(p), target="gr712rc")
    b = ir_file(path=str(p), target="gr712rc", w_bits=8, density=0.5)
    assert b["weights_B"] < a["weights_B"]
    with pytest.raises(ValueError, match="no such file"):
        ir_file(path=str(tmp_path / "x.csv"))
