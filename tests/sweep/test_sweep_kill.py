"""Kill the sweep driver (SIGKILL) midway: the resumed sweep completes with every point exactly once and no
partial file; SIGTERM (like Ctrl-C) stores the points finished so far before the driver exits."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from hwsim.sweep.storage import SweepDir

ROOT = Path(__file__).resolve().parents[2]
N = 40


def _spec(tmp_path: Path, delay_s: float) -> Path:
    f = tmp_path / "slow.toml"
    f.write_text(f'experiment = "tests.sweep.sweep_testexp:slow"\n[fixed]\ndelay_s = {delay_s}\n'
                 f'[axes]\nx = {{start = 0, stop = {N}, step = 1}}\n')
    return f


def _driver(spec: Path, out: Path, *extra: str) -> subprocess.Popen:
    cmd = [sys.executable, "-c", "from hwsim.cli import main; main()", "sweep", str(spec), "--out", str(out),
           "--executor", "serial", "--no-progress", *extra]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_parts(out: Path, n: int, proc: subprocess.Popen, timeout_s: float = 60.0) -> None:
    t0 = time.monotonic()
    while len(SweepDir(out).part_files()) < n:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() - t0 < timeout_s, "driver wrote no parts in time"
        time.sleep(0.01)


def test_sigkill_then_resume_runs_every_point_exactly_once(tmp_path):
    spec, out = _spec(tmp_path, 0.05), tmp_path / "out"
    proc = _driver(spec, out, "--chunk-size", "3")
    _wait_for_parts(out, 3, proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    sd = SweepDir(out)
    killed_parts = sd.part_files()
    for p in killed_parts:  # every part present is complete and readable
        assert pq.read_table(p).num_rows >= 1
    done_before = sd.finished()
    assert 9 <= len(done_before) < N  # killed midway

    resumed = _driver(spec, out, "--chunk-size", "3")
    stdout, stderr = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, stderr
    assert f"{N} points, {len(done_before)} already stored; ran {N - len(done_before)}" in stdout
    raw = pd.concat([pq.read_table(p).to_pandas() for p in sd.part_files()], ignore_index=True)
    assert len(raw) == N and raw["point_hash"].is_unique  # every point exactly once, none recomputed
    assert sorted(raw["x"]) == list(range(N)) and (raw["x2"] == raw["x"] ** 2).all()
    assert (raw["status"] == "ok").all() and sd.temp_files() == []
    assert raw["pid"].nunique() == 2  # two driver processes did the work


def test_sigterm_stores_the_points_finished_so_far(tmp_path):
    spec, out = _spec(tmp_path, 0.03), tmp_path / "out"
    proc = _driver(spec, out, "--chunk-size", "1000")  # one chunk: only the interrupt handler writes a part
    t0 = time.monotonic()
    while (out / "plan.parquet").exists() is False and time.monotonic() - t0 < 60:
        time.sleep(0.01)
    time.sleep(0.4)
    os.kill(proc.pid, signal.SIGTERM)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    assert "every finished point is stored" in stderr
    n = len(SweepDir(out).load())
    assert 1 <= n < N


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting for its reaper counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_sigkill_of_a_joblib_driver_ends_its_workers(tmp_path):
    psutil = pytest.importorskip("psutil")
    spec, out = _spec(tmp_path, 0.5), tmp_path / "out"
    proc = _driver(spec, out, "--executor", "joblib", "--n-jobs", "2", "--chunk-size", "1")
    _wait_for_parts(out, 1, proc)
    workers = [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
    stored = set(SweepDir(out).load()["pid"])
    assert stored and stored <= set(workers)  # the points ran in these worker processes
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    t0 = time.monotonic()
    while any(_alive(p) for p in stored) and time.monotonic() - t0 < 10.0:
        time.sleep(0.05)
    assert not [p for p in stored if _alive(p)], "loky workers still computing after the driver was killed"
