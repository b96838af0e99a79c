"""Spec parsing, axes, samples, overrides and the checks that run before any work starts."""

import math
import typing

import numpy as np
import pytest

from hwsim.experiments import Param, resolve
from hwsim.sweep.axes import axis_values, sample_points
from hwsim.sweep.errors import SpecError
from hwsim.sweep.overrides import apply_overrides, parse_override
from hwsim.sweep.plan import make_plan
from hwsim.sweep.spec import Spec, load_spec

QUAD = "tests.sweep.sweep_testexp:quad"


def _spec(**kw):
    raw = {"experiment": QUAD, **kw}
    return load_spec(raw)


# ---------------------------------------------------------------- axes
def test_axis_forms_expand_to_their_values():
    assert axis_values("n", [3, 1, 2]) == [3, 1, 2]
    assert axis_values("n", {"start": 0, "stop": 10, "step": 3}) == [0, 3, 6, 9]
    assert axis_values("n", {"start": 10, "stop": 0, "step": -4}) == [10, 6, 2]
    # float steps: stop excluded, no value gained through rounding (0.1 * 3 = 0.30000000000000004)
    vals = axis_values("v", {"start": 0.0, "stop": 0.3, "step": 0.1})
    assert len(vals) == 3 and vals == pytest.approx([0.0, 0.1, 0.2], abs=1e-15)
    lin = axis_values("v", {"start": 0.0, "stop": 1.0, "num": 5})
    assert lin == pytest.approx([i / 4 for i in range(5)], abs=1e-15)
    log = axis_values("v", {"start": 1e-3, "stop": 1.0, "num": 4, "scale": "log"})
    assert log == pytest.approx([10.0 ** k for k in (-3, -2, -1, 0)], rel=1e-12)


@pytest.mark.parametrize("form, match", [
    ([], "empty list"),
    ([[1, 2]], "scalars"),
    ({"start": 0, "stop": 1, "step": 0}, "non-zero"),
    ({"start": 5, "stop": 1, "step": 1}, "empty"),
    ({"start": 0, "stop": 1, "num": 0}, "num"),
    ({"start": 0.0, "stop": 1.0, "num": 3, "scale": "log"}, "start > 0"),
    ({"start": 0, "stop": 1}, "cannot read"),
    ({"dist": "uniform", "low": 0, "high": 1}, r"\[sample\]"),
])
def test_bad_axis_names_the_key(form, match):
    with pytest.raises(SpecError, match=match) as exc:
        axis_values("width", form)
    assert exc.value.key == "width" and "'width'" in str(exc.value)


def test_samples_are_reproducible_and_follow_their_distributions():
    dists = {"lr": {"dist": "loguniform", "low": 1e-4, "high": 1e-1},
             "w": {"dist": "int", "low": 8, "high": 11},
             "z": {"dist": "normal", "mean": 2.0, "std": 0.5},
             "c": {"dist": "choice", "values": ["lif", "mtj"]}}
    a = sample_points(dists, 2000, seed=3)
    assert a == sample_points(dists, 2000, seed=3)
    assert a != sample_points(dists, 2000, seed=4)
    lr = np.array([p["lr"] for p in a])
    assert lr.min() >= 1e-4 and lr.max() <= 1e-1
    # log-uniform: log10(lr) is uniform on [-4, -1], mean -2.5, std 3/sqrt(12); 2000 samples -> se ~0.02
    assert np.mean(np.log10(lr)) == pytest.approx(-2.5, abs=0.08)
    assert {p["w"] for p in a} == {8, 9, 10, 11} and all(isinstance(p["w"], int) for p in a)
    z = np.array([p["z"] for p in a])
    assert z.mean() == pytest.approx(2.0, abs=0.05) and z.std() == pytest.approx(0.5, rel=0.08)
    assert {p["c"] for p in a} == {"lif", "mtj"}


def test_latin_hypercube_puts_one_sample_in_each_stratum():
    n = 16
    pts = sample_points({"u": {"dist": "uniform", "low": 0.0, "high": 1.0}}, n, seed=0, method="lhs")
    strata = sorted(int(p["u"] * n) for p in pts)
    assert strata == list(range(n))
    sob = sample_points({"u": {"dist": "uniform", "low": 0.0, "high": 1.0}}, n, seed=0, method="sobol")
    assert sorted(int(p["u"] * n) for p in sob) == list(range(n))  # a scrambled Sobol' net of 2^4 points


# ---------------------------------------------------------------- spec model
def test_points_are_product_of_axes_zip_sample_and_seeds():
    spec = _spec(axes={"x": [0.0, 1.0, 2.0]}, zip=[{"kind": ["a", "b"], "y": [1.0, 3.0]}], seeds=2)
    pts = list(spec.points())
    assert spec.n_points == len(pts) == 3 * 2 * 2
    assert pts[0] == {"x": 0.0, "kind": "a", "y": 1.0, "seed": 0}
    assert pts[3] == {"x": 0.0, "kind": "b", "y": 3.0, "seed": 1}
    assert pts[-1] == {"x": 2.0, "kind": "b", "y": 3.0, "seed": 1}
    assert spec.varying == ["x", "kind", "y", "seed"]
    with_sample = _spec(axes={"kind": ["a", "b"]}, sample={"n": 5, "seed": 1, "x": {"dist": "uniform", "low": 0,
                                                                                     "high": 2}})
    pts = list(with_sample.points())
    assert len(pts) == 10 and [p["x"] for p in pts[:5]] == [p["x"] for p in pts[5:]]


def test_toml_file_with_profile(tmp_path):
    f = tmp_path / "study.toml"
    f.write_text('experiment = "tests.sweep.sweep_testexp:quad"\nseeds = [3, 7]\n[fixed]\ny = 0.5\n[axes]\n'
                 'x = {start = 0.0, stop = 2.0, num = 3}\n[report]\nobjectives = ["f:min", "g:max"]\n'
                 '[profiles.big]\naxes = {y = [0.5, 1.5]}\nseeds = 4\n')
    spec = load_spec(f)
    assert spec.name == "study" and spec.n_points == 6 and spec.seeds == (3, 7)
    assert [str(o) for o in spec.objectives] == ["f:min", "g:max"]
    big = load_spec(f, profile="big")
    assert big.n_points == 3 * 2 * 4 and "y" not in big.fixed and big.axes["y"] == [0.5, 1.5]
    with pytest.raises(SpecError, match=r"unknown profile 'huge'.*big"):
        load_spec(f, profile="huge")
    (tmp_path / "bad.toml").write_text("experiment = \n")
    with pytest.raises(SpecError, match="not valid TOML"):
        load_spec(tmp_path / "bad.toml")


@pytest.mark.parametrize("raw, key", [
    ({"experiment": QUAD, "axis": {"x": [1]}}, "axis"),
    ({"axes": {"x": [1]}}, "experiment"),
    ({"experiment": QUAD, "fixed": {"x": [1, 2]}}, "x"),
    ({"experiment": QUAD, "fixed": {"x": 1.0}, "axes": {"x": [1, 2]}}, "x"),
    ({"experiment": QUAD, "zip": [{"x": [1, 2], "y": [1, 2, 3]}]}, "x"),
    ({"experiment": QUAD, "seeds": 0}, "seeds"),
    ({"experiment": QUAD, "seeds": [1, 1]}, "seeds"),
    ({"experiment": QUAD, "seeds": 2, "axes": {"seed": [1, 2]}}, "seed"),
    ({"experiment": QUAD, "chunk_size": 0}, "chunk_size"),
    ({"experiment": QUAD, "sample": {"n": 0, "x": {"dist": "uniform", "low": 0, "high": 1}}}, "sample.n"),
    ({"experiment": QUAD, "sample": {"n": 2, "x": {"dist": "gamma", "low": 0, "high": 1}}}, "x"),
    ({"experiment": QUAD, "sample": {"n": 2, "x": {"dist": "loguniform", "low": 0, "high": 1}}}, "x"),
    ({"experiment": QUAD, "report": {"objectives": ["f"]}}, "report.objectives"),
    ({"experiment": QUAD, "report": {"colour": "red"}}, "report.colour"),
])
def test_bad_spec_names_the_key(raw, key):
    with pytest.raises(SpecError) as exc:
        load_spec(raw)
    assert exc.value.key == key


# ---------------------------------------------------------------- overrides
def test_override_grammar():
    assert parse_override("x=3") == ("x", 3, False)
    assert parse_override("x=1e-3") == ("x", 1e-3, False)
    assert parse_override("x=1,2.5,abc") == ("x", [1, 2.5, "abc"], True)
    assert parse_override("kind='a,b'") == ("kind", "a,b", False)
    assert parse_override("flag=true,none") == ("flag", [True, None], True)
    assert parse_override("x=range(0, 10, 5)") == ("x", {"start": 0, "stop": 10, "step": 5}, True)
    assert parse_override("x=geomspace(1e-3,1,4)")[1] == {"start": 1e-3, "stop": 1, "num": 4, "scale": "log"}
    for bad in ("x", "=3", "x y=3", "x=linspace(1,2)", "x=1,,2"):
        with pytest.raises(SpecError):
            parse_override(bad)


def test_overrides_move_parameters_between_fixed_and_axes():
    raw = {"experiment": QUAD, "fixed": {"y": 1.0}, "axes": {"x": [0, 1]}, "zip": [{"kind": ["a", "b"]}],
           "seeds": 3}
    new, origins = apply_overrides(raw, ["y=1,2", "x=5", "kind=b", "seed=4", "name=renamed"])
    assert raw["fixed"] == {"y": 1.0}  # input untouched
    assert new["axes"] == {"y": [1, 2]} and new["fixed"] == {"x": 5, "kind": "b", "seed": 4}
    assert new["zip"] == [] and "seeds" not in new and new["name"] == "renamed"
    assert origins["y"] == "override 'y=1,2'"
    spec = load_spec(raw, overrides=["seeds=range(0,5)"])
    assert spec.seeds == (0, 1, 2, 3, 4)
    with pytest.raises(SpecError, match="takes one value"):
        apply_overrides(raw, ["chunk_size=1,2"])
    with pytest.raises(SpecError, match="no \\[sample\\]"):
        apply_overrides(raw, ["sample.n=4"])
    with pytest.raises(SpecError, match="unknown setting"):
        apply_overrides(raw, ["report.x=4"])


# ---------------------------------------------------------------- binding to the experiment
@pytest.mark.parametrize("overrides, key, match", [
    (["foo=1,2"], "foo", r"unknown key 'foo' \(override 'foo=1,2'\).*parameters x, y, kind, seed"),
    (["x=11"], "x", r"x=11.0 is out of range \(expects float in \[-10, 10\]\) \(override 'x=11'\)"),
    (["y=0"], "y", r"out of range .*\(0, inf\]"),
    (["kind=c"], "kind", r"one of 'a', 'b'"),
    (["x=abc"], "x", "wrong type"),
    (["seed=1.5"], "seed", "wrong type"),
    (["experiment=nosuch_experiment"], "experiment", "unknown experiment 'nosuch_experiment'; registered:"),
    (["experiment=nosuch_module_xyz:f"], "experiment", "module 'nosuch_module_xyz' not found"),
    (["experiment=tests.sweep.sweep_testexp:nothing"], "experiment", "has no attribute 'nothing'"),
    (["experiment=tests.sweep.sweep_testexp:no_seed", "x=1"], "seeds", "no 'seed' parameter"),
])
def test_bad_override_fails_before_work_naming_the_key(overrides, key, match):
    spec = load_spec({"experiment": QUAD, "axes": {"x": [0.0, 1.0]}, "seeds": 2}, overrides=overrides)
    with pytest.raises(SpecError, match=match) as exc:
        make_plan(spec)
    assert exc.value.key == key


def test_missing_required_parameter_and_files_entry(tmp_path):
    with pytest.raises(SpecError, match="missing required parameter 'required_value'") as exc:
        make_plan(load_spec({"experiment": "tests.sweep.sweep_testexp:needs_value"}))
    assert exc.value.key == "required_value"
    with pytest.raises(SpecError, match="matches no file") as exc:
        make_plan(load_spec({"experiment": QUAD, "files": ["missing/*.json"]}, base_dir=tmp_path))
    assert exc.value.key == "files"


def test_plan_completes_points_with_defaults_and_converts_types():
    plan = make_plan(_spec(axes={"x": [1, 2]}, fixed={"y": 3}))
    assert plan.params[0] == {"x": 1.0, "y": 3.0, "kind": "a", "seed": 0}
    assert all(isinstance(p["x"], float) for p in plan.params)
    # an integer given for a float parameter hashes like the float
    assert plan.hashes == make_plan(_spec(axes={"x": [1.0, 2.0]}, fixed={"y": 3.0})).hashes
    # repeated points are dropped once
    dup = make_plan(_spec(axes={"x": [1.0, 1.0, 2.0]}))
    assert dup.n_points == 2 and dup.n_duplicates == 1


def test_hash_depends_on_parameters_code_version_and_files(tmp_path):
    data = tmp_path / "target.json"
    data.write_text('{"e": 1}')
    base = {"experiment": QUAD, "axes": {"x": [1.0]}, "files": ["target.json"]}
    h0 = make_plan(load_spec(base, base_dir=tmp_path)).hashes[0]
    assert h0 == make_plan(load_spec(base, base_dir=tmp_path)).hashes[0]
    assert h0 != make_plan(load_spec(base, base_dir=tmp_path, overrides=["y=2"])).hashes[0]
    assert h0 != make_plan(load_spec(base, base_dir=tmp_path, overrides=["code_version=v2"])).hashes[0]
    data.write_text('{"e": 2}')
    assert h0 != make_plan(load_spec(base, base_dir=tmp_path)).hashes[0]


# ---------------------------------------------------------------- declared ranges
def test_param_rules_from_annotations_and_ranges():
    def f(*, a: typing.Annotated[float, (0.0, 1.0, "[)")] = 0.5, b: typing.Literal["x", "y"] = "x",
          c: int | None = None, d: float = 1.0, e=3) -> dict:
        return {}

    f.RANGES = {"d": [1.0, 2.0]}
    exp = resolve(f)
    assert exp.params["a"].check(0.0) == 0.0
    with pytest.raises(SpecError, match=r"in \[0, 1\)"):
        exp.params["a"].check(1.0)
    assert exp.params["b"].choices == ("x", "y") and exp.params["b"].kind is str
    assert exp.params["c"].check(None) is None and exp.params["c"].check(4.0) == 4
    with pytest.raises(SpecError, match=r"one of 1\.0, 2\.0"):
        exp.params["d"].check(1.5)
    assert exp.params["e"].check("anything") == "anything"
    assert exp.params["a"].check(np.float32(0.25)) == 0.25
    with pytest.raises(SpecError, match="not a scalar"):
        exp.params["e"].check([1])
    assert math.isnan(Param("n").check(float("nan")))  # no range declared: NaN passes untouched

    def g(*, a: float = 0.0) -> dict:
        return {}

    g.RANGES = {"zz": (0, 1)}
    with pytest.raises(SpecError, match="RANGES names \\['zz'\\]"):
        resolve(g)


def test_registered_experiments_resolve_lazily():
    from hwsim.experiments import REGISTRY, available

    assert REGISTRY["fdir_codesign"] == "hwsim.study:codesign_point"
    for name in REGISTRY:
        if available(name):  # every present module exposes its registered function
            exp = resolve(name)
            assert callable(exp.func) and exp.ref == REGISTRY[name]


def test_spec_from_dict_keeps_raw_for_the_manifest():
    spec = Spec.from_dict({"experiment": QUAD, "axes": {"x": [1, 2]}})
    assert spec.raw["experiment"] == QUAD and spec.raw["axes"] == {"x": [1, 2]}


def test_sample_settings_are_not_parameters():
    spec = {"experiment": QUAD, "seeds": 2,
            "sample": {"n": 3, "seed": 5, "method": "lhs", "y": {"dist": "uniform", "low": 1.0, "high": 2.0}}}
    ys = [p["y"] for p in load_spec(spec).points()]
    # changing the seeds (the experiment's seed parameter) keeps the sample's own seed and points
    assert [p["y"] for p in load_spec(spec, overrides=["seeds=1"]).points()] == ys[::2]
    assert load_spec(spec, overrides=["sample.seed=6"]).sample["seed"] == 6
