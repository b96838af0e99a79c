"""`hwsim run` on a tiny spec: progress lines when stdout is not a terminal, warnings into OUT/run.log, exit 1
when points failed."""

from __future__ import annotations

import warnings

from click.testing import CliRunner

from hwsim.cli.run import run


def toy_point(x: int = 0) -> dict:
    """A toy design point: warns like a third-party library, fails for x = 2."""
    warnings.warn("toy third-party warning: a worker stopped", UserWarning, stacklevel=1)
    if x == 2:
        raise RuntimeError("toy failure at x=2")
    return {"energy_J": 1e-9 * (x + 1), "f0_5": 0.5 + 0.1 * x}


SPEC = """name = "toy"
experiment = "tests.hwsim.test_cli_run:toy_point"
[axes]
x = [0, 1, 2]
[report]
objectives = ["energy_J:min", "f0_5:max"]
"""


def test_run_prints_progress_lines_logs_warnings_and_fails_on_failed_points(tmp_path):
    spec = tmp_path / "toy.toml"
    spec.write_text(SPEC)
    out = tmp_path / "out"
    res = CliRunner().invoke(run, ["--spec", str(spec), "--out", str(out), "--executor", "serial"])
    assert res.exit_code == 1, res.output
    text = res.output
    assert "running 3 points with serial" in text
    assert "3/3 points stored (1 failed)" in text
    assert "writing the report" in text and "report:" in text
    assert "toy third-party warning" not in text
    assert "toy third-party warning" in (out / "run.log").read_text()
    ok = CliRunner().invoke(run, ["--spec", str(spec), "--out", str(out), "--executor", "serial", "--keep-going"])
    assert ok.exit_code == 0, ok.output
