"""The validate/bench harness: comparison modes, error capture, discovery, CLI exit codes and JSON shape."""

import json
import math
import sys
import textwrap

import pytest
from click.testing import CliRunner

from hwsim.benchmarking import Benchmark, BenchmarkSkipped, Metric, find_bench_dir, run
from hwsim.cli import cli
from hwsim.harness import UnknownPackageError, ValidationCase, check_packages, compare, run_case


@pytest.mark.parametrize(
    "got, expected, tol, mode, ok",
    [
        (1.0, 1.0, 0.0, "abs", True),
        (1.01, 1.0, 0.02, "rel", True),
        (1.03, 1.0, 0.02, "rel", False),
        (-1.03, -1.0, 0.05, "rel", True),
        (0.5, 0.8, 0.0, "ge", False),
        (0.9, 0.8, 0.0, "ge", True),
        (0.04, 0.05, 0.0, "le", True),
        (0.06, 0.05, 0.0, "le", False),
        (math.nan, 1.0, 1.0, "abs", False),
    ],
)
def test_compare(got, expected, tol, mode, ok):
    assert compare(got, expected, tol, mode) is ok


def test_run_case_reports_errors_as_failures():
    def boom():
        raise RuntimeError("model diverged")

    r = run_case(ValidationCase("devices", "x", "analytic", 1.0, 0.1, boom))
    assert not r.passed and "model diverged" in r.error
    rec = r.to_json()
    assert set(rec) >= {"package", "case", "expected", "got", "tolerance", "passed"}
    assert rec["passed"] is False


def test_run_case_with_mapping_and_callable_expected():
    r = run_case(ValidationCase("snn", "y", "analytic", lambda: 2.0, 1e-12, lambda: {"got": 2.0}, mode="abs"))
    assert r.passed and r.expected == 2.0
    r = run_case(ValidationCase("snn", "z", "analytic", 0.0, 0.01, lambda: {"got": 3.0, "expected": 3.0}))
    assert r.passed and r.expected == 3.0


def test_bad_case_definitions_are_rejected():
    with pytest.raises(ValueError, match="mode"):
        ValidationCase("snn", "y", "s", 1.0, 0.1, lambda: 1.0, mode="approx")
    with pytest.raises(ValueError, match="tolerance"):
        ValidationCase("snn", "y", "s", 1.0, -0.1, lambda: 1.0)


def test_unknown_package():
    with pytest.raises(UnknownPackageError, match="nosuch"):
        check_packages(["nosuch"])
    res = CliRunner().invoke(cli, ["validate", "nosuch"])
    assert res.exit_code == 2 and "nosuch" in res.output


def test_bench_harness_skips_and_errors(tmp_path):
    (tmp_path / "bench_snn.py").write_text(textwrap.dedent("""
        from hwsim.benchmarking import Benchmark, BenchmarkSkipped, Metric

        def ok(quick):
            return [Metric("speedup", 3.0, goal=1.0), Metric("ratio", 2.0, goal=1.0, higher_is_better=False)]

        def skip(quick):
            raise BenchmarkSkipped("peer 'cmtj' not installed")

        def broken(quick):
            raise ValueError("bad")

        def benchmarks():
            return [Benchmark("ok", ok), Benchmark("skip", skip), Benchmark("broken", broken)]
    """))
    results = {r.benchmark: r for r in run(["snn"], quick=True, bench_dir=tmp_path)}
    assert results["ok"].status == "ok"
    assert [m.met for m in results["ok"].metrics] == [True, False]
    assert results["skip"].status == "skipped" and "cmtj" in results["skip"].reason
    assert results["broken"].status == "error"
    res = CliRunner().invoke(cli, ["bench", "snn", "--quick", "--json", "--dir", str(tmp_path)])
    assert res.exit_code == 1  # one benchmark raised
    rows = json.loads(res.output)
    assert {"package", "benchmark", "metric", "value", "goal", "higher_is_better"} <= set(rows[0])
    skipped = [r for r in rows if r["benchmark"] == "skip"]
    assert skipped[0]["status"] == "skipped" and skipped[0]["value"] is None


def test_metric_goal_logic():
    assert Metric("x", 2.0, goal=1.0).met is True
    assert Metric("x", 2.0, goal=1.0, higher_is_better=False).met is False
    assert Metric("x", 2.0).met is None
    assert Metric("x", math.nan, goal=1.0).met is False
    assert isinstance(Benchmark("b", lambda q: []), Benchmark)
    assert issubclass(BenchmarkSkipped, Exception)


def test_repository_bench_dir_found():
    assert find_bench_dir().name == "benchmarks"


def test_validate_cli_json_runs_registered_cases(monkeypatch, tmp_path):
    pkg = tmp_path / "sensors"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "validation.py").write_text(textwrap.dedent("""
        def cases():
            return [
                {"case": "two", "source": "arithmetic", "expected": 2.0, "tolerance": 0.0,
                 "compute": lambda: 1.0 + 1.0, "mode": "abs"},
                {"case": "wrong", "source": "arithmetic", "expected": 3.0, "tolerance": 0.0,
                 "compute": lambda: 2.0, "mode": "abs"},
            ]
    """))
    import sensors.validation  # noqa: F401  (the real modules, so that teardown restores them over the fakes)

    monkeypatch.syspath_prepend(str(tmp_path))
    for m in [m for m in sys.modules if m == "sensors" or m.startswith("sensors.")]:
        monkeypatch.delitem(sys.modules, m)
    res = CliRunner().invoke(cli, ["validate", "sensors", "--json"])
    rows = json.loads(res.output)
    assert [r["passed"] for r in rows] == [True, False]
    assert res.exit_code == 1
    res = CliRunner().invoke(cli, ["validate", "sensors", "-k", "two"])
    assert res.exit_code == 0, res.output
