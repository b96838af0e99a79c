"""The built-in co-design study (hwsim.study.codesign_point) behind `hwsim run`, in quick mode."""

import math

import pytest

from hwsim.cost.model import evaluate
from hwsim.study import DEFAULT_TARGETS, codesign_point
from sensors.energy import adc_energy_per_conversion


def test_default_study_plans_against_the_codesign_experiment():
    from hwsim import studies
    from hwsim.sweep.plan import make_plan
    from hwsim.sweep.spec import load_spec

    plan = make_plan(load_spec(studies.path("default")))
    assert plan.experiment.name == "fdir_codesign" and plan.n_points == 9
    full = make_plan(load_spec(studies.path("default"), profile="full"))
    assert full.n_points == 9
    # temperature is an axis of the MTJ variant only: the others run once, at 300 K
    pts = [(p["variant"], p["T_K"]) for p in plan.params]
    assert sorted(T for v, T in pts if v == "mtj_lif") == [250.0, 300.0, 350.0]
    others = [v for v, _ in pts if v != "mtj_lif"]
    assert len(others) == len(set(others)) and {"dense_params_matched", "dense_ops_matched",
                                                 "telemanom_published"} <= set(others)
    # every default target is in the catalogue and the spec names them all
    assert set(load_spec(studies.path("default")).fixed["targets"].split(",")) == set(DEFAULT_TARGETS)


@pytest.mark.parametrize("variant", ["int8", "mtj_lif"])
def test_codesign_point_costs_the_measured_workload_on_each_target(variant):
    from fdir.protocols.telemanom import run_variant

    rows = codesign_point(variant=variant, spacecraft="SMAP", targets="gr712rc,loihi,mtj_core", quick=True)
    assert [r["target"] for r in rows] == ["gr712rc", "loihi", "mtj_core"]
    e_adc = adc_energy_per_conversion(12).value
    res = run_variant(variant, "SMAP", "subset", seed=0, quick=True)  # same seed: the same detector and workload
    for r in rows:
        assert 0.0 <= r["f0_5"] <= 1.0 and 0.0 <= r["f1"] <= 1.0
        assert r["f0_5"] == pytest.approx(res.metrics["f0_5"], abs=1e-12)
        per = evaluate(res.workload, r["target"]).per_point().iloc[0]
        # NaN where the target cannot execute the workload (the cost model's ``supported`` False): NaN on both sides
        assert r["energy_processor_J"] == pytest.approx(float(per["energy_J"]), rel=1e-9, nan_ok=True)
        assert r["energy_per_inference_J"] == pytest.approx(float(per["energy_J"]) + e_adc, rel=1e-12, nan_ok=True)
        assert r["energy_adc_J"] == pytest.approx(e_adc, rel=1e-12)
        if per["supported"]:
            assert math.isfinite(r["latency_s"]) and r["latency_s"] > 0 and isinstance(r["fits"], bool)
        else:                                   # a target that cannot execute the workload gets no figure
            assert math.isnan(r["latency_s"]) and math.isnan(r["energy_processor_J"])
        assert r["n_channels"] == len(res.channels) and r["channel_ids"] == ",".join(res.channels)


def test_codesign_point_rejects_bad_parameters_by_name():
    with pytest.raises(ValueError, match="targets"):
        codesign_point(variant="int8", targets="gr712rc,not_a_chip", quick=True)
    with pytest.raises(ValueError, match="epochs"):
        codesign_point(variant="int8", epochs=-1, quick=True)
    with pytest.raises(ValueError, match="variant"):
        codesign_point(variant="analog", quick=True)
    with pytest.raises(ValueError, match="combine"):
        codesign_point(variant="dense_float", combine="vote", quick=True)


def test_a_user_registered_detector_is_a_costed_variant():
    """A name registered at run time (here a user's own configuration of the windowed LOF) is accepted as a
    ``variant`` and priced from its ``workload()`` (the generic pipeline path of fdir.protocols.telemanom)."""
    from fdir.detectors.windowed import NoveltyWindowDetector
    from fdir.registry import register, unregister

    register("lof_window8_study_test", lambda seed=0: NoveltyWindowDetector("lof", window=8, seed=seed))
    try:
        rows = codesign_point(variant="lof_window8_study_test", spacecraft="MSL", targets="gr712rc", quick=True)
    finally:
        unregister("lof_window8_study_test")
    (r,) = rows
    assert r["target"] == "gr712rc" and r["channel_ids"] == "S-2" and 0.0 <= r["f1"] <= 1.0
    assert math.isfinite(r["energy_per_inference_J"]) and r["energy_per_inference_J"] > r["energy_adc_J"]


def test_telemanom_reference_row_uses_published_counts_and_the_lstm_workload():
    """MSL S-2 (published TP/FP/FN 1/0/0) and F-7 (2/1/1), khundman/telemanom results/2018-05-19_15.00.10.csv:
    TP 3, FP 1, FN 1, so P = R = F1 = F0.5 = 0.75 (exact up to 1e-12). Operations per inference (MSL, 55 input
    columns), exact: 250 steps x [4·80·(55+80) + 4·80·(80+80)] gate MACs + 80·10 Dense MACs = 23,600,800, plus the
    cost model's element-wise operations (counted in ``macs``) 250 x 2 layers x (5 activations + 3 products) x 80
    = 320,000."""
    rows = codesign_point(variant="telemanom_published", spacecraft="MSL", channels="S-2,F-7",
                          targets="gr740,loihi")
    gr, lo = rows
    for key in ("precision", "recall", "f1", "f0_5"):
        assert gr[key] == pytest.approx(0.75, abs=1e-12)
    assert gr["macs"] == 250 * (4 * 80 * (55 + 80) + 4 * 80 * (80 + 80)) + 80 * 10 + 250 * 2 * 8 * 80
    assert math.isfinite(gr["energy_per_inference_J"]) and gr["energy_per_inference_J"] > 0
    assert math.isnan(lo["energy_processor_J"])          # Loihi does not execute float LSTM MACs


def test_mtj_core_is_costed_at_the_point_temperature():
    """The same workload priced by codesign_point at T_K equals the cost model on load("mtj_core", {"T_K": T})
    (rel 1e-9), and 250 K and 350 K differ (the devices simulation's energy per spike depends on T)."""
    from hwsim.targets.catalogue import load

    rows = {T: codesign_point(variant="telemanom_published", spacecraft="MSL", channels="S-2",
                              targets="gr740,mtj_core", T_K=T) for T in (250.0, 350.0)}
    assert load("mtj_core", {"T_K": 250.0}).p("spike_J") != load("mtj_core", {"T_K": 350.0}).p("spike_J")
    with pytest.raises(ValueError, match="T_K"):
        codesign_point(variant="telemanom_published", T_K=float("nan"))
    assert rows[250.0][0]["energy_per_inference_J"] == rows[350.0][0]["energy_per_inference_J"]  # gr740: no T_K
