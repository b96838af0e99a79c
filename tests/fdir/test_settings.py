"""The thresholder registry (fdir.thresholders.THRESHOLDERS, thresholder_factory) and the named pipeline settings
(fdir.pipeline.LABEL_FREE, TELEMANOM, SETTINGS; fdir.registry.make(settings=...)).

The expected values are the documented choices, written out here (the default SPOT-or-NDT at SPOT risk 10⁻⁴ with
grouping 100 and guard k = 3, fdir.union's doc; SPOT's registry risk 10⁻³ from the robustness-suite benchmark's doc;
telemanom's protocol from Hundman et al., KDD 2018), not read from the code."""

import math
import pickle

import pytest

from fdir.pipeline import LABEL_FREE, SETTINGS, TELEMANOM, Pipeline
from fdir.registry import make, register, unregister
from fdir.spot import SPOTThresholder
from fdir.thresholders import THRESHOLDERS, NDTThresholder, ThresholderSpec, thresholder_factory


def test_registry_names_and_the_spot_defaults_of_the_label_free_choice():
    assert tuple(THRESHOLDERS) == ("spot_or_ndt", "spot", "ndt", "ndt_relative_guard")
    spec = thresholder_factory("spot")
    a, b = spec(), spec()
    assert isinstance(a, SPOTThresholder) and a is not b                    # a fresh thresholder per call
    assert (a.q, a.merge_gap, a.shape, a.level, a.depth) == (1e-3, 100, "nonnegative", 0.98, 0)
    lower = thresholder_factory("spot", q=1e-4, shape="free")()
    assert (lower.q, lower.merge_gap, lower.shape) == (1e-4, 100, "free")   # the other defaults stay
    assert isinstance(thresholder_factory("ndt")(), NDTThresholder) and thresholder_factory("ndt")().params is None
    assert spec == ThresholderSpec("spot") == thresholder_factory("spot", q=1e-3)   # equal by value
    assert pickle.loads(pickle.dumps(spec)) == spec                          # sweeps send it to worker processes
    assert str(spec) == "spot(merge_gap=100, q=0.001)" and str(thresholder_factory("ndt")) == "ndt"


@pytest.mark.parametrize(("name", "params", "match"), [
    ("cusum", {}, r"thresholder='cusum', accepted: \('spot_or_ndt', 'spot', 'ndt', 'ndt_relative_guard'\)"),
    ("ndt_relative_guard", {"k": -1.0}, "k=-1.0, accepted"),
    ("spot", {"risk": 1e-3}, r"unknown parameter\(s\) \['risk'\], accepted: \('q', 'level'"),
    ("ndt", {"q": 1e-3}, r"unknown parameter\(s\) \['q'\]"),
    ("spot", {"q": 0.0}, "q=0.0, accepted"), ("spot", {"q": 0.03}, "q=0.03, accepted"),
    ("spot", {"q": math.nan}, "q=nan, accepted"), ("spot", {"q": math.inf}, "q=inf, accepted"),
    ("spot", {"merge_gap": -1}, "merge_gap=-1, accepted"), ("spot", {"shape": "bounded"}, "shape='bounded'"),
])
def test_bad_thresholder_names_and_parameters_are_named(name, params, match):
    with pytest.raises(ValueError, match=match):
        thresholder_factory(name, **params)


def test_pipeline_defaults_are_the_label_free_settings_and_telemanom_unpacks(magnitude):
    p = Pipeline(magnitude)
    assert (p.make_thresholder, p.transform, p.budget, p.flat_line, p.range_k) == \
        (thresholder_factory("spot_or_ndt", q=1e-4, merge_gap=100), "auto", "series", 20, None)
    assert (p.make_thresholder().k, p.make_thresholder().spot.shape) == (3.0, "nonnegative")
    t = Pipeline(magnitude, **TELEMANOM)
    assert (t.make_thresholder, t.transform, t.budget, t.flat_line) == (thresholder_factory("ndt"), "level",
                                                                         "channel", None)
    assert dict(SETTINGS) == {"label_free": LABEL_FREE, "telemanom": TELEMANOM}
    with pytest.raises(TypeError):
        LABEL_FREE["budget"] = "channel"                                     # read-only: no global mutable state
    with pytest.raises(ValueError, match="thresholder"):
        Pipeline(magnitude, "spot")                                           # a name is not a factory


def test_make_forwards_named_or_partial_settings_and_checks_them_before_building(magnitude):
    t = make("isolation_forest", settings="telemanom")
    assert (t.make_thresholder.name, t.transform, t.budget, t.flat_line) == ("ndt", "level", "channel", None)
    d = make("isolation_forest")
    assert (d.make_thresholder.name, d.transform, d.budget, d.flat_line) == ("spot_or_ndt", "auto", "series", 20)
    m = make("isolation_forest", settings={**TELEMANOM, "flat_line": 30})
    assert (m.make_thresholder.name, m.transform, m.flat_line) == ("ndt", "level", 30)
    built = []
    register("settings_test", lambda: built.append(1) or magnitude())
    try:
        for bad, match in (("best", "settings='best'"), ({"q": 1e-3}, "settings="), ({"transform": "log"}, "transform"),
                           ({"flat_line": 2}, "window=2"), (["telemanom"], "settings=")):
            with pytest.raises(ValueError, match=match):
                make("settings_test", settings=bad)
        assert built == []                                                   # refused before any detector is built
    finally:
        unregister("settings_test")


def test_make_applies_given_settings_to_a_pipeline_the_factory_built(magnitude):
    """A factory's own Pipeline keeps its settings unless make is given some; the keys given replace only theirs."""
    own = thresholder_factory("spot", q=1e-5)
    register("own_pipeline_test", lambda: Pipeline(magnitude, own, transform="difference", flat_line=None))
    try:
        kept = make("own_pipeline_test")
        assert (kept.make_thresholder, kept.transform, kept.budget, kept.flat_line) == (own, "difference", "series",
                                                                                         None)
        swapped = make("own_pipeline_test", settings={"thresholder": thresholder_factory("ndt"), "flat_line": 25})
        assert (swapped.make_thresholder.name, swapped.transform, swapped.flat_line) == ("ndt", "difference", 25)
        tm = make("own_pipeline_test", settings="telemanom")
        assert (tm.make_thresholder.name, tm.transform, tm.budget, tm.flat_line) == ("ndt", "level", "channel", None)
    finally:
        unregister("own_pipeline_test")
