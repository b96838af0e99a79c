"""The command line: hwsim sweep / sweep status / sweep compact / pareto / report / run."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from hwsim.cli import cli
from hwsim.sweep.storage import SweepDir

from .sweep_testexp import per_target

STUDY = """
name = "cheap"
experiment = "tests.sweep.sweep_testexp:per_target"
seeds = 2

[axes]
n = [1, 2, 4, 8]

[report]
objectives = ["energy_J:min", "quality:max"]
rank_by = ["quality:max", "energy_J:min"]
group_by = ["target"]

[profiles.full]
axes = { n = [1, 2, 4, 8, 16, 32] }
"""


@pytest.fixture
def study(tmp_path):
    f = tmp_path / "cheap.toml"
    f.write_text(STUDY)
    return f


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_sweep_status_compact_pareto_report(tmp_path, study):
    out = tmp_path / "out"
    r = invoke("sweep", study, "--out", out, "--executor", "serial", "--chunk-size", "3", "n=1,2,4,8,16")
    assert r.exit_code == 0, r.output
    assert "sweep cheap: 10 points, 0 already stored; ran 10 with serial in chunks of 3: 10 ok, 0 failed" in r.output
    r = invoke("sweep", "status", out)
    assert "points: 10 planned, 10 ok, 0 failed, 0 remaining (100.0 % done)" in r.output
    assert "storage: 4 parts" in r.output
    r = invoke("sweep", "compact", out)
    assert "4 parts -> 1, 20 rows" in r.output
    r = invoke("sweep", study, "--out", out, "--executor", "serial", "n=1,2,4,8,16")
    assert "10 already stored; ran 0" in r.output

    # Pareto front per target, designs averaged over the 2 seeds, checked against a brute-force front
    r = invoke("pareto", out, "--csv", tmp_path / "front.csv")
    assert r.exit_code == 0, r.output
    front = pd.read_csv(tmp_path / "front.csv")
    rows = [dict(row, n=n, seed=s) for n in (1, 2, 4, 8, 16) for s in (0, 1) for row in per_target(n=n, seed=s)]
    means = pd.DataFrame(rows).groupby(["target", "n"], as_index=False)[["energy_J", "quality"]].mean()
    expected = []
    for t, g in means.groupby("target"):
        for a in g.itertuples():
            dominated = any(b.energy_J <= a.energy_J and b.quality >= a.quality and
                            (b.energy_J < a.energy_J or b.quality > a.quality) for b in g.itertuples())
            if not dominated:
                expected.append((t, a.n))
    assert sorted(zip(front["target"], front["n"])) == sorted(expected)

    # report: the best design per target is the one with the highest mean quality (n = 16 here)
    r = invoke("report", out)
    assert r.exit_code == 0, r.output
    md = (out / "report" / "report.md").read_text()
    assert (out / "report" / "pareto.png").stat().st_size > 10_000
    assert (out / "report" / "effects.png").is_file()
    best = means.loc[means.groupby("target")["quality"].idxmax()]
    for b in best.itertuples():
        q = f"{b.quality:.4g}"
        assert f"| {b.target} | {b.n} | {q} |" in md
    assert "Ranked by quality (highest), then energy_J (lowest). Numeric results are means over 2 seeds." in md
    assert "| 10 | 10 | 0 | 0 |" in md


def test_bad_spec_and_overrides_fail_before_any_work(tmp_path, study):
    out = tmp_path / "never"
    for args, msg in [
        (["n=0"], "n=0 is out of range (expects int in [1, 100]) (override 'n=0')"),
        (["bogus=1,2"], "unknown key 'bogus' (override 'bogus=1,2')"),
        (["experiment=no_such_thing"], "unknown experiment 'no_such_thing'"),
        (["n"], "override 'n' must look like key=value"),
        (["--profile", "tiny"], "unknown profile 'tiny'"),
        (["--scheduler", "tcp://127.0.0.1:1"], "--scheduler needs --executor dask"),
    ]:
        r = invoke("sweep", study, "--out", out, "--executor", "serial", *args)
        assert r.exit_code == 2, (args, r.output)
        assert msg in r.output, (args, r.output)
        assert not out.exists()
    r = invoke("sweep", tmp_path / "missing.toml")
    assert r.exit_code == 2 and "not found" in r.output
    r = invoke("sweep", "status", tmp_path)
    assert r.exit_code == 2 and "no sweep here" in r.output


def test_dry_run_lists_points(study):
    r = invoke("sweep", study, "--dry-run", "seeds=1")
    assert r.exit_code == 0 and "4 points; swept: n, seed" in r.output and "n=8 seed=0" in r.output


def test_run_command_writes_results_plot_and_report(tmp_path, study, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = invoke("run", "--spec", study, "--executor", "serial", "--full", "seeds=1")
    assert r.exit_code == 0, r.output
    assert "study cheap (full): 6 points" in r.output
    lines = dict(line.split(": ", 1) for line in r.output.splitlines() if line.split(":")[0] in
                 ("results", "pareto plot", "report"))
    results, plot, report = (Path(lines[k]) for k in ("results", "pareto plot", "report"))
    assert results == tmp_path / "hwsim-run" / "results.parquet"
    df = pd.read_parquet(results)
    assert len(df) == 12 and sorted(set(df["n"])) == [1, 2, 4, 8, 16, 32]
    exp = [per_target(n=n, seed=0) for n in (1, 2, 4, 8, 16, 32)]
    np.testing.assert_allclose(df["quality"], [row["quality"] for rows in exp for row in rows], rtol=1e-15)
    assert plot.is_file() and plot.suffix == ".png"
    text = report.read_text()
    assert "## Best design per target" in text and "![Pareto front" in text
    # the numbers in the report come from the run: the best MTJ design's quality
    best = max(row["quality"] for rows in exp for row in rows if row["target"] == "mtj")
    assert f"{best:.4g}" in text and math.isfinite(best)

    r = invoke("run", "--spec", study, "--executor", "joblib", "--n-jobs", "2", "--out", tmp_path / "j")
    assert r.exit_code == 0, r.output
    assert "8 points" in r.output and len(SweepDir(tmp_path / "j").load()) == 16


def test_builtin_study_is_shipped_and_names_the_codesign_experiment():
    from hwsim import studies
    from hwsim.sweep.spec import load_spec

    spec = load_spec(studies.path("default"))
    assert spec.experiment == "fdir_codesign" and spec.objectives
    assert load_spec(studies.path("default"), profile="full").n_points >= spec.n_points
    assert "default" in studies.names()
    with pytest.raises(ValueError, match="not shipped"):
        studies.path("nope")
    # a shipped study runs by name; this one plans against the sensors package's experiment
    r = invoke("sweep", "encoders", "--dry-run")
    assert r.exit_code == 0 and "324 points; swept: delta, encoder, signal, seed" in r.output
    r = invoke("sweep", "nope", "--dry-run")
    assert r.exit_code == 2 and "nor a shipped study (default, encoders)" in r.output


def test_report_shows_extra_columns_and_states_constant_labels_once(tmp_path, study):
    spec = tmp_path / "cols.toml"
    group = 'group_by = ["target"]'
    spec.write_text(study.read_text().replace(group, group + '\ncolumns = ["latency_s"]'))
    out = tmp_path / "out"
    r = invoke("sweep", spec, "--out", out, "--executor", "serial", "seeds=1")
    assert r.exit_code == 0, r.output
    r = invoke("report", out)
    assert r.exit_code == 0, r.output
    text = (out / "report" / "report.md").read_text()
    assert "Same in every result: `data = synthetic`." in text
    all_designs = text.split("## All designs")[1].split("## Pareto front")[0]
    header = next(line for line in all_designs.splitlines() if line.startswith("|"))
    assert header == "| target | n | quality | energy_J | latency_s |"  # one seed: no _std / n_seeds columns
    assert len([ln for ln in all_designs.splitlines() if ln.startswith("| m")]) == 8  # 4 designs x 2 targets
    bad = tmp_path / "bad.toml"
    bad.write_text(study.read_text().replace(group, group + '\ncolumns = "latency_s"'))
    r = invoke("sweep", bad, "--out", tmp_path / "o2", "--dry-run")
    assert r.exit_code == 2 and "[report] columns must be a list" in r.output


QUAD_SPEC = 'name = "quad"\nexperiment = "tests.sweep.sweep_testexp:quad"\n[axes]\nx = [0.0, 3.0]\nkind = ["a", "b"]\n'


def test_exit_status_is_1_when_points_failed_unless_keep_going(tmp_path):
    spec = tmp_path / "quad.toml"
    spec.write_text(QUAD_SPEC)
    r = invoke("sweep", spec, "--out", tmp_path / "o1", "--executor", "serial", "--no-progress")
    assert r.exit_code == 1, r.output  # x=3, kind=b raises: 1 of 4 points failed
    assert "1 of 4 points failed (commonest: ValueError: x=3.0 too large for kind b)" in r.output
    r = invoke("sweep", spec, "--out", tmp_path / "o1", "--executor", "serial", "--no-progress")
    assert r.exit_code == 1 and "ran 0" in r.output  # the stored failure still fails the resumed sweep
    r = invoke("sweep", spec, "--out", tmp_path / "o1", "--executor", "serial", "--keep-going")
    assert r.exit_code == 0, r.output
    r = invoke("sweep", spec, "--out", tmp_path / "o2", "--executor", "serial", "x=3.0", "kind=b")
    assert r.exit_code == 1 and "1 of 1 points failed" in r.output  # every point failed
    r = invoke("sweep", spec, "--out", tmp_path / "o3", "--executor", "serial", "kind=a")
    assert r.exit_code == 0 and "points failed" not in r.output


def test_unknown_target_fails_before_any_work(tmp_path):
    out = tmp_path / "never"
    spec = tmp_path / "kws.toml"
    spec.write_text('experiment = "keyword_spotter"\n[axes]\ntarget = ["loihi", "lohi"]\n')
    r = invoke("sweep", spec, "--out", out, "--executor", "serial")
    assert r.exit_code == 2, r.output
    assert "target='lohi' is not accepted: unknown target 'lohi'; known targets:" in r.output
    assert not out.exists()


def test_another_study_into_an_existing_folder_needs_force(tmp_path, study):
    out = tmp_path / "out"
    spec = tmp_path / "quad.toml"
    spec.write_text(QUAD_SPEC)
    assert invoke("sweep", study, "--out", out, "--executor", "serial", "n=1").exit_code == 0
    before = SweepDir(out).read_manifest()
    r = invoke("sweep", spec, "--out", out, "--executor", "serial", "kind=a")
    assert r.exit_code == 2, r.output
    assert "holds a sweep of another study" in r.output and "--force" in r.output
    assert SweepDir(out).read_manifest() == before and len(SweepDir(out).load()) == 4  # nothing touched
    assert invoke("sweep", study, "--out", out, "--executor", "serial", "n=1,2").exit_code == 0  # same study
    r = invoke("sweep", spec, "--out", out, "--executor", "serial", "kind=a", "--force")
    assert r.exit_code == 0, r.output
    assert SweepDir(out).read_manifest()["experiment_ref"] == "tests.sweep.sweep_testexp:quad"
