"""The co-design report: the design chosen per target by the stated rule, the why-sentence, the assumed numbers of
each target, relative paths only, and readable plots (log axes where values span decades)."""

import json
import math
import re

import numpy as np
import pandas as pd
import pytest

from hwsim.report.assumed import assumed_numbers
from hwsim.report.choice import ChoiceRule, choice_rule, choose, parse_choose
from hwsim.report.figures import effects_fig, pareto_fig
from hwsim.report.labels import axis_label, number, with_unit
from hwsim.sweep.errors import SpecError
from hwsim.sweep.objectives import Objective

F05 = Objective("f0_5", "max")
ENERGY = Objective("energy_per_inference_J", "min")

# a study-like design table: (variant, F0.5, energy per inference on gr740 in J, on mtj_core in J, memory in B)
DESIGNS = [("dense_float", 0.72, 1.2e-4, 4.4e-7, 150_000), ("int8", 0.705, 3.0e-5, 2.0e-7, 37_500),
           ("lif", 0.71, 2.1e-7, 3.0e-9, 4_356), ("mtj_lif", 0.65, 2.0e-7, 1.0e-9, 4_356)]


def _table() -> pd.DataFrame:
    rows = []
    for v, q, e_gr, e_mtj, mem in DESIGNS:
        rows.append({"target": "gr740", "variant": v, "f0_5": q, "energy_per_inference_J": e_gr, "memory_B": mem})
        rows.append({"target": "mtj_core", "variant": v, "f0_5": q - (0.1 if v == "lif" else 0.0),
                     "energy_per_inference_J": e_mtj, "memory_B": mem})
    return pd.DataFrame(rows)


def test_chosen_design_per_target_by_the_rule():
    """gr740: best F0.5 0.72 (dense_float); within 0.02 of it are dense_float, int8 (0.705) and lif (0.71); the
    lowest energy of those is lif. mtj_core: lif drops to 0.61, so of dense_float and int8 int8 is cheaper."""
    rule = ChoiceRule(F05, ENERGY, 0.02)
    t = _table()
    got = {c.group[0]: (t.loc[c.chosen, "variant"], t.loc[c.best_quality, "variant"],
                        t.loc[c.lowest_cost, "variant"]) for c in choose(t, rule, ["target"], ["variant"])}
    assert got == {"gr740": ("lif", "dense_float", "mtj_lif"), "mtj_core": ("int8", "dense_float", "mtj_lif")}
    # a tighter tolerance keeps only the best-quality design; a wide one admits the cheapest
    tight = choose(t, ChoiceRule(F05, ENERGY, 0.005), ["target"], ["variant"])
    assert [t.loc[c.chosen, "variant"] for c in tight] == ["dense_float", "dense_float"]
    wide = choose(t, ChoiceRule(F05, ENERGY, 0.2), ["target"], ["variant"])
    assert [t.loc[c.chosen, "variant"] for c in wide] == ["mtj_lif", "mtj_lif"]
    # exactly `tolerance` below the best is inside (0.72 - 0.70 = 0.02 despite binary rounding)
    t2 = t.copy()
    t2.loc[(t2["target"] == "mtj_core") & (t2["variant"] == "lif"), "f0_5"] = 0.70
    c = choose(t2, rule, ["target"], ["variant"])[1]
    assert t2.loc[c.chosen, "variant"] == "lif"
    # a design without an energy (NaN) never wins
    t3 = t.copy()
    t3.loc[t3["variant"] == "lif", "energy_per_inference_J"] = math.nan
    assert t3.loc[choose(t3, rule, ["target"], ["variant"])[0].chosen, "variant"] == "int8"


def test_why_sentence_numbers():
    """The numbers of the sentence are recomputed here from the table's values: F0.5 delta 0.72 - 0.71 = 0.01,
    energy ratio 1.2e-4 / 2.1e-7 = 571 (two significant digits: 570), memory 4,356 B = 4.4 kB."""
    t = _table()
    gr, mtj = choose(t, ChoiceRule(F05, ENERGY, 0.02), ["target"], ["variant"])
    assert round(1.2e-4 / 2.1e-7, -1) == 570
    assert gr.sentence == ("On gr740 choose lif: F0.5 0.71 (0.01 below dense_float), 570x less energy per inference "
                           "(2.1e-7 J vs 1.2e-4 J), memory 4.4 kB (dense_float 150 kB).")
    assert mtj.sentence.startswith("On mtj_core choose int8: F0.5 0.705 (0.015 below dense_float), 2.2x less energy "
                                   "per inference (2e-7 J vs 4.4e-7 J), memory 38 kB")
    # the best-quality design chosen: the sentence names the cheapest design's ratio and quality loss
    t = t[t["variant"].isin(["dense_float", "mtj_lif"])]
    (c, _) = choose(t, ChoiceRule(F05, ENERGY, 0.02), ["target"], ["variant"])
    assert c.sentence == ("On gr740 choose dense_float: the best F0.5 (0.72) and no design within 0.02 of it has "
                          "lower energy per inference (1.2e-4 J), memory 150 kB. The design with the lowest energy per "
                          "inference, mtj_lif, needs 600x less (2e-7 J) but is 0.07 F0.5 below.")


def test_why_sentence_says_about_the_same_instead_of_a_ratio_near_one():
    """Loihi's static power makes every design cost within 0.03 % (3.674e-5 vs 3.673e-5 J): the sentence says
    "about the same" (within 5 %) rather than "1x less"."""
    t = pd.DataFrame([{"target": "loihi", "variant": "lif", "f0_5": 0.822, "energy_per_inference_J": 3.674e-5},
                      {"target": "loihi", "variant": "mtj_lif", "f0_5": 0.769, "energy_per_inference_J": 3.673e-5}])
    (c,) = choose(t, ChoiceRule(F05, ENERGY, 0.02), ["target"], ["variant"])
    assert c.sentence.endswith("mtj_lif, needs about the same (3.7e-5 J, within 5%) but is 0.053 F0.5 below.")
    assert "1x" not in c.sentence

def test_reference_clause_names_the_cheapest_design_at_least_as_good_as_the_reference():
    """A reference design (a published detector) at F0.5 0.706 and 1.6e-1 J on gr740: dense_float (0.72) and lif
    (0.71) reach it, int8 (0.705) and mtj_lif (0.65) do not; the cheaper of the two is lif, 0.16 / 2.1e-7 = 761905
    -> 760000x less. On mtj_core lif falls to 0.61: dense_float (4.4e-7 J) is the only one, 0.16 / 4.4e-7 = 363636
    -> 360000x. A reference better than every design gets 'no design reaches'."""
    t = _table()
    ref = pd.DataFrame([{"target": g, "variant": "telemanom_published", "f0_5": 0.706,
                         "energy_per_inference_J": 0.16, "memory_B": 364_200} for g in ("gr740", "mtj_core")])
    t = pd.concat([t, ref], ignore_index=True)
    rule = choice_rule({"reference": {"variant": "telemanom_published"}}, [ENERGY, F05])
    gr, mtj = choose(t, rule, ["target"], ["variant"])
    assert round(0.16 / 2.1e-7, -4) == 760_000 and round(0.16 / 4.4e-7, -4) == 360_000
    assert gr.sentence.endswith(" Against the reference telemanom_published (F0.5 0.706, 0.16 J): lif reaches at "
                                "least its F0.5 (0.71) with 760000x less energy per inference (2.1e-7 J).")
    assert mtj.sentence.endswith(" Against the reference telemanom_published (F0.5 0.706, 0.16 J): dense_float "
                                 "reaches at least its F0.5 (0.72) with 360000x less energy per inference (4.4e-7 J).")
    t.loc[t["variant"] == "telemanom_published", "f0_5"] = 0.9
    gr, _ = choose(t, rule, ["target"], ["variant"])
    assert gr.sentence.endswith("telemanom_published (F0.5 0.9, 0.16 J): no design reaches its F0.5.")
    with pytest.raises(SpecError, match="reference"):
        parse_choose({"reference": "telemanom_published"})
    with pytest.raises(ValueError, match="reference column 'model'"):
        choose(t, choice_rule({"reference": {"model": "x"}}, [ENERGY, F05]), ["target"], ["variant"])


def test_number_formats():
    """Two significant digits, exponents without padding, integers in full, bytes with decimal prefixes."""
    assert [number(v) for v in (571.43, 2.1e-7, 0.7123, 65536.0, 1e11)] == ["570", "2.1e-7", "0.71", "65536",
                                                                             "1e11"]
    assert with_unit(4356, "memory_B") == "4.4 kB" and with_unit(1.5e6, "weights_B") == "1.5 MB"
    assert axis_label("energy_J") == "energy per inference (J)" and axis_label("f0_5") == "event-wise F0.5"
    assert axis_label("latency_s") == "latency per inference (s)" and axis_label("peak_power_W") == "peak power (W)"


def test_rule_from_the_spec_table_and_its_errors():
    objs = [ENERGY, F05]
    assert choice_rule(None, objs) == ChoiceRule(F05, ENERGY, 0.02)
    assert choice_rule({"tolerance": 0.05, "quality": "f1:max"}, objs) == ChoiceRule(Objective("f1", "max"), ENERGY,
                                                                                       0.05)
    assert choice_rule(None, [ENERGY]) is None  # no quality to hold
    for bad, key in [({"tolerance": -0.1}, "report.choose.tolerance"), ({"tolerance": math.nan}, "tolerance"),
                     ({"tolerance": math.inf}, "tolerance"), ({"quality": "f0_5"}, "report.choose.quality"),
                     ({"cost": "a:min,b:min"}, "report.choose.cost"), ({"colour": 1}, "report.choose.colour"),
                     ("f0_5", "report.choose")]:
        with pytest.raises(SpecError, match=re.escape(key.split(".")[-1])) as e:
            parse_choose(bad)
        assert e.value.key.startswith("report.choose"), bad


def test_assumed_numbers_against_the_target_file(tmp_path):
    """Counted here from the JSON itself: every `status` entry of params, precision tables and memory levels."""
    from hwsim.targets.catalogue import path_of

    raw = json.loads(path_of("mtj_core").read_text())
    statuses = {k: q["status"] for k, q in raw["params"].items()}
    a = assumed_numbers("mtj_core")
    assert a.n_total == len(statuses) and sorted(f for f, _, _ in a.assumed) == sorted(
        k for k, s in statuses.items() if s == "assumed")
    assert a.summary() == f"{sum(s == 'assumed' for s in statuses.values())} of {len(statuses)} numbers of mtj_core " \
                          "are assumed"
    # a CPU target: its precision table and memory levels count too
    raw = json.loads(path_of("gr740").read_text())
    entries = [(f"{k}", q) for k, q in raw["params"].items()]
    entries += [(f"macs_per_instr.{k}", q) for k, q in raw["macs_per_instr"].items()]
    entries += [(f"memory.{lv['name']}.{f}", lv[f]) for lv in raw["memory"]
                for f in ("capacity_B", "bandwidth_B_per_s", "energy_J_per_B")]
    a = assumed_numbers("gr740")
    assert a.n_total == len(entries)
    assert [f for f, _, _ in a.assumed] == [f for f, q in entries if q["status"] == "assumed"]
    # a target given as a file
    raw["name"] = "my_board"
    for q in raw["params"].values():
        q["status"] = "datasheet"
    f = tmp_path / "my_board.json"
    f.write_text(json.dumps(raw))
    b = assumed_numbers(f)
    assert b.target == "my_board" and len(b.assumed) == len(a.assumed) - sum(
        q["status"] == "assumed" for q in json.loads(path_of("gr740").read_text())["params"].values())


def test_plots_use_log_axes_when_values_span_decades_and_unit_labels():
    t = _table()
    fig = pareto_fig(t, ENERGY, F05, ["target"], ["variant"], chosen=[0])
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.get_title()]
    assert [ax.get_title() for ax in panels] == ["gr740", "mtj_core"]
    assert all(ax.get_xscale() == "log" and ax.get_yscale() == "linear" for ax in panels)  # 1e-9..1.2e-4 J
    assert all(ax.get_xlabel() == "energy per inference (J), lower is better, log scale" for ax in panels)
    assert panels[0].get_ylabel() == "event-wise F0.5,\nhigher is better" and panels[1].get_ylabel() == ""
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["dense_float", "int8", "lif", "mtj_lif", "Pareto front (black edge: on it)", "chosen design"]
    narrow = t[t["target"] == "gr740"].assign(energy_per_inference_J=[1.0, 2.0, 3.0, 4.0])
    fig = pareto_fig(narrow, ENERGY, F05, ["target"], ["variant"])
    assert fig.axes[0].get_xscale() == "linear"  # less than two decades

    # effects: energies over 7 decades on a log axis, geometric bars never at or below zero; F0.5 stays linear
    df = t.assign(status="ok", seed=0)
    fig = effects_fig(df, ["variant"], [ENERGY, F05])
    e_ax, q_ax = fig.axes
    assert e_ax.get_yscale() == "log" and q_ax.get_yscale() == "linear"
    assert e_ax.get_xlabel() == "" and q_ax.get_xlabel() == "detector variant"
    assert e_ax.get_ylabel().startswith("energy per inference (J)\ngeometric mean")
    lo = np.concatenate([seg[:, 0, 1] for c in e_ax.collections for seg in [np.asarray(c.get_segments())]])
    assert (lo > 0).all()
    # the geometric mean of dense_float's energies (two targets), computed here
    line = e_ax.lines[0]
    gm = math.sqrt(1.2e-4 * 4.4e-7)
    assert line.get_ydata()[0] == pytest.approx(gm, rel=1e-12)
    # mean ± std of a non-negative quantity never draws a bar below zero
    q = pd.DataFrame({"status": "ok", "variant": ["a", "a", "b", "b"], "f0_5": [0.0, 0.3, 0.5, 0.5]})
    ax = effects_fig(q, ["variant"], [F05]).axes[0]
    lo = np.concatenate([np.asarray(c.get_segments())[:, 0, 1] for c in ax.collections])
    assert lo.min() == pytest.approx(0.0, abs=1e-15)  # mean 0.15, std 0.21: cut at zero


def codesign_like(*, variant: str = "lif", seed: int = 0) -> list[dict]:
    """A study-like experiment (one row per target) for the end-to-end report test: the table above, plus a
    target file given by path and a design Loihi cannot execute."""
    import os

    v = {d[0]: d for d in DESIGNS}[variant]
    noise = float(np.random.default_rng(seed).normal(0.0, 1e-4))
    rows = [{"target": "gr740", "f0_5": v[1] + noise, "energy_per_inference_J": v[2], "memory_B": v[4],
             "supported": True, "unsupported_reason": ""},
            {"target": os.environ["HWSIM_TEST_BOARD"], "f0_5": v[1] + noise, "energy_per_inference_J": v[2] * 2,
             "memory_B": v[4], "supported": True, "unsupported_reason": ""}]
    spiking = variant in ("lif", "mtj_lif")
    rows.append({"target": "loihi", "f0_5": v[1] + noise, "energy_per_inference_J": v[3] if spiking else math.nan,
                 "memory_B": v[4], "supported": spiking,
                 "unsupported_reason": "" if spiking else "loihi executes spikes only, not int8/fp32 MACs"})
    return rows


def test_report_first_section_assumed_numbers_and_no_absolute_path(tmp_path, monkeypatch):
    from hwsim.report.writer import write_report
    from hwsim.sweep import load_spec, run_sweep
    from hwsim.targets.catalogue import path_of

    board = tmp_path / "boards" / "my_board.json"
    board.parent.mkdir()
    raw = json.loads(path_of("gr740").read_text())
    raw["name"] = "my_board"
    board.write_text(json.dumps(raw))
    monkeypatch.setenv("HWSIM_TEST_BOARD", str(board))
    spec = tmp_path / "s.toml"
    spec.write_text("""name = "like"
experiment = "tests.hwsim.test_report:codesign_like"
seeds = 2
[axes]
variant = ["dense_float", "int8", "lif", "mtj_lif"]
[report]
objectives = ["energy_per_inference_J:min", "f0_5:max"]
group_by = ["target"]
choose = {tolerance = 0.02}
""")
    run_sweep(load_spec(str(spec)), tmp_path / "run", executor="serial")
    paths = write_report(tmp_path / "run")
    text = paths.markdown.read_text()
    sections = re.findall(r"^## (.+)$", text, flags=re.M)
    assert sections[0] == "Best design per target"
    first = text.split("## Best design per target")[1].split("\n## ")[0]
    assert "Rule: choose the lowest energy per inference among the designs whose F0.5 is at most 0.02 below the " \
           "highest F0.5 on that target" in first
    assert "- On gr740 choose lif: F0.5 0.71 (0.01 below dense_float), 570x less energy per inference " \
           "(2.1e-7 J vs 1.2e-4 J), memory 4.4 kB (dense_float 150 kB)." in first
    assert "- On my_board.json choose lif" in first  # a target file is named by its file name
    assert "- On loihi choose lif: the best F0.5" in first  # dense designs cannot run there: lif vs mtj_lif
    gr = assumed_numbers("gr740")
    assert f"- {gr.summary()}: `static_power_W` = 0 W" in first
    assert "- 12 of 18 numbers of my_board are assumed" in first or f"- {gr.summary().replace('gr740', 'my_board')}" \
        in first
    assert "![Pareto front per target" in first
    # no absolute path anywhere in the report (the sweep folder, the spec, the board file)
    assert str(tmp_path) not in text
    assert not re.search(r"(?<![\w.:/~-])/(?:tmp|home|work|usr|var|root)/", text), text
    assert "results stored in the sweep folder `..` (relative to this report)" in text
    assert "## Designs a target cannot execute" in text
    assert paths.pareto_png.stat().st_size > 20_000 and paths.effects_png.stat().st_size > 10_000


def test_absolute_paths_become_relative_or_names(tmp_path):
    from hwsim.report.writer import relative_paths

    report = tmp_path / "sweep" / "report"
    text = (f"stored in {tmp_path / 'sweep' / 'parts' / 'p1.parquet'}; model `{tmp_path / 'm' / 'cnn.onnx'}`; "
            "units 1/s and J/B stay; see https://doi.org/10.1109/ISSCC.2014.6757323 and ../x.json")
    assert relative_paths(text, report) == (
        "stored in ../parts/p1.parquet; model `cnn.onnx`; units 1/s and J/B stay; see "
        "https://doi.org/10.1109/ISSCC.2014.6757323 and ../x.json")


def test_spec_accepts_the_choose_table_and_names_a_bad_entry():
    from hwsim.sweep.spec import Spec

    ok = Spec.from_dict({"experiment": "tests.sweep.sweep_testexp:quad",
                         "report": {"choose": {"quality": "g:max", "cost": "f:min", "tolerance": 0.1}}})
    assert ok.report["choose"]["tolerance"] == 0.1
    with pytest.raises(SpecError, match="tolerance must be a finite number >= 0") as e:
        Spec.from_dict({"experiment": "tests.sweep.sweep_testexp:quad", "report": {"choose": {"tolerance": -1}}})
    assert e.value.key == "report.choose.tolerance"


def test_design_names_add_a_swept_column_only_where_it_varies():
    """Only the MTJ variant is swept over temperature: its names carry T_K, the others do not."""
    from hwsim.report.choice import design_names

    t = pd.DataFrame({"variant": ["lif", "mtj_lif", "mtj_lif", "dense_float"], "T_K": [300.0, 250.0, 350.0, 300.0]})
    assert design_names(t, ["variant", "T_K"]).tolist() == ["lif", "mtj_lif, T_K=250", "mtj_lif, T_K=350",
                                                            "dense_float"]
    assert design_names(pd.DataFrame({"n": [16, 32]}), ["n"]).tolist() == ["n=16", "n=32"]
