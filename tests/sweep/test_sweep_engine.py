"""The serial sweep engine and its storage: results, failures, resume, atomic parts, compact, status."""

import os

import pandas as pd
import pyarrow.parquet as pq
import pytest

from hwsim.sweep import storage as storage_mod
from hwsim.sweep.engine import run_sweep
from hwsim.sweep.spec import load_spec
from hwsim.sweep.storage import SweepDir

from .sweep_testexp import expected_quad

QUAD = "tests.sweep.sweep_testexp:quad"
SPEC = {"experiment": QUAD, "fixed": {"y": 0.5}, "axes": {"x": [0.0, 1.0, 2.0, 3.0], "kind": ["a", "b"]},
        "seeds": 2, "chunk_size": 3, "report": {"objectives": ["f:min", "g:max"]}}


def _raw_rows(d):
    return pd.concat([pq.read_table(p).to_pandas() for p in SweepDir(d).part_files()], ignore_index=True)


def test_serial_sweep_stores_every_point_with_its_result_and_failures(tmp_path):
    res = run_sweep(load_spec(SPEC), tmp_path, progress=False)
    assert (res.n_points, res.n_run, res.n_ok, res.n_failed) == (16, 16, 14, 2)
    df = SweepDir(tmp_path).load()
    assert len(df) == 16 and list(df["point_index"]) == list(range(16))
    ok = df[df["status"] == "ok"]
    for r in ok.itertuples():
        exp = expected_quad(r.x, r.y, r.kind, r.seed)
        assert r.f == pytest.approx(exp["f"], rel=1e-15) and r.g == pytest.approx(exp["g"], rel=1e-15)
        assert r.label == f"{r.kind}-design"
    bad = df[df["status"] == "error"]
    assert set(zip(bad["x"], bad["kind"])) == {(3.0, "b")}
    assert all(e == "ValueError: x=3.0 too large for kind b" for e in bad["error"])
    assert all("too large" in t and "Traceback" in t for t in bad["traceback"])
    assert bad["f"].isna().all()
    # chunk_size 3: parts of at most 3 points, none overlapping
    raw = _raw_rows(tmp_path)
    assert raw["point_hash"].is_unique and len(SweepDir(tmp_path).part_files()) == 6
    st = SweepDir(tmp_path).status()
    assert (st["planned"], st["ok"], st["failed"], st["remaining"]) == (16, 14, 2, 0)
    assert st["errors"] == [{"count": 2, "error": "ValueError: x=3.0 too large for kind b"}]


def test_resume_skips_finished_points_and_retries_failures_on_request(tmp_path):
    spec = load_spec(SPEC)
    run_sweep(spec, tmp_path, progress=False)
    again = run_sweep(spec, tmp_path, progress=False)
    assert (again.n_skipped, again.n_run, again.parts_written) == (16, 0, 0)
    bigger = run_sweep(load_spec(SPEC, overrides=["seeds=3"]), tmp_path, progress=False)
    assert (bigger.n_points, bigger.n_skipped, bigger.n_run) == (24, 16, 8)
    retry = run_sweep(load_spec(SPEC, overrides=["seeds=3"]), tmp_path, progress=False, retry_failed=True)
    assert (retry.n_run, retry.n_failed) == (3, 3)
    df = SweepDir(tmp_path).load()
    assert len(df) == 24 and df["point_hash"].is_unique  # each point once although failures were stored twice
    # an earlier plan's points stay stored but are not part of the current results
    small = run_sweep(load_spec(SPEC, overrides=["x=0.0"]), tmp_path, progress=False)
    assert small.n_run == 0 and len(SweepDir(tmp_path).load()) == 4
    assert SweepDir(tmp_path).status()["rows_from_other_plans"] == 20
    assert len(SweepDir(tmp_path).load(current_only=False)) == 24


def test_interrupt_stores_the_points_finished_so_far(tmp_path, monkeypatch):
    import hwsim.sweep.worker as worker

    calls = {"n": 0}
    real = worker.run_point

    def interrupted(func, index, h, params):
        calls["n"] += 1
        if calls["n"] == 6:
            raise KeyboardInterrupt
        return real(func, index, h, params)

    monkeypatch.setattr("hwsim.sweep.executors.run_point", interrupted)
    spec = load_spec(SPEC, overrides=["chunk_size=50"])
    with pytest.raises(KeyboardInterrupt):
        run_sweep(spec, tmp_path, progress=False)
    assert len(SweepDir(tmp_path).load()) == 5  # inside one unfinished chunk of 50, yet stored
    monkeypatch.setattr("hwsim.sweep.executors.run_point", real)
    assert run_sweep(spec, tmp_path, progress=False).n_run == 11


def test_a_crash_while_writing_leaves_no_part_and_the_next_run_cleans_up(tmp_path, monkeypatch):
    real = pq.write_table

    def half_then_crash(table, where, **kw):
        real(table.slice(0, 1), where, **kw)  # some bytes reach the temporary file, then the writer dies
        raise OSError("disk full")

    monkeypatch.setattr(pq, "write_table", half_then_crash)
    sd = SweepDir(tmp_path)
    with pytest.raises(OSError, match="disk full"):
        sd.write_part([{"point_hash": "h1", "status": "ok", "x": 1.0}])
    assert sd.part_files() == [] and sd.temp_files() == []
    monkeypatch.setattr(pq, "write_table", real)
    # a temporary file left by a killed writer is ignored by readers and removed by the next run
    (tmp_path / "parts" / ".part-abc.123.deadbeef.tmp").write_bytes(b"PAR1 partial")
    assert sd.finished() == set()
    run_sweep(load_spec(SPEC), tmp_path, progress=False)
    assert sd.temp_files() == [] and len(sd.load()) == 16


def test_compact_merges_parts_and_keeps_each_point_once(tmp_path):
    spec = load_spec(SPEC)
    run_sweep(spec, tmp_path, progress=False)
    sd = SweepDir(tmp_path)
    before = sd.load()
    # a duplicate part (as if compact had been killed after writing its merged part)
    first = sd.part_files()[0]
    dup = pq.read_table(first)
    pq.write_table(dup, tmp_path / "parts" / "part-duplicate.parquet")
    assert len(_raw_rows(tmp_path)) == 16 + dup.num_rows
    assert len(sd.load()) == 16
    res = sd.compact()
    assert res == {"parts_before": 7, "parts_after": 1, "rows": 16}
    after = sd.load()
    pd.testing.assert_frame_equal(before.drop(columns=["traceback"]), after.drop(columns=["traceback"]),
                                  check_dtype=False)
    assert run_sweep(spec, tmp_path, progress=False).n_run == 0


def test_multi_row_results_and_bad_results(tmp_path):
    res = run_sweep(load_spec({"experiment": "tests.sweep.sweep_testexp:per_target", "axes": {"n": [1, 4]},
                               "seeds": 2}), tmp_path / "multi", progress=False)
    assert res.n_ok == 4
    df = SweepDir(tmp_path / "multi").load()
    assert len(df) == 8 and list(df["row"]) == [0, 1] * 4 and set(df["target"]) == {"mcu", "mtj"}
    assert df.loc[df["target"] == "mtj", "energy_J"].tolist() == pytest.approx([1e-7, 1e-7, 4e-7, 4e-7])
    bad = run_sweep(load_spec({"experiment": "tests.sweep.sweep_testexp:bad_result",
                               "axes": {"mode": ["array", "collide", "none"]}}), tmp_path / "bad", progress=False)
    assert bad.n_failed == 3
    errs = SweepDir(tmp_path / "bad").load()["error"].tolist()
    assert "not a scalar (got ndarray of shape (3,))" in errs[0]
    assert "repeats a parameter with another value (1.0, parameter 'collide')" in errs[1]
    assert "returned NoneType" in errs[2]


def test_one_process_per_sweep_folder(tmp_path):
    import subprocess
    import sys

    code = ("import sys\nfrom hwsim.sweep.storage import SweepDir\nfrom hwsim.sweep.errors import SweepLockedError\n"
            "try:\n    with SweepDir(sys.argv[1]).lock():\n        print('acquired')\n"
            "except SweepLockedError as exc:\n    print(exc)\n")
    with SweepDir(tmp_path).lock():
        held = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True)
    assert f"another process (pid {os.getpid()}) is running a sweep" in held.stdout, held.stderr
    free = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True)
    assert free.stdout.strip() == "acquired"


def test_mixed_types_in_a_result_column_are_stored(tmp_path):
    sd = SweepDir(tmp_path)
    sd.write_part([{"point_hash": "a", "point_index": 0, "v": 1, "finished_at": 1.0, "row": 0, "status": "ok"},
                   {"point_hash": "b", "point_index": 1, "v": "text", "finished_at": 1.0, "row": 0, "status": "ok"}])
    df = sd.load()
    assert df["v"].tolist() == ["1", "text"]


def test_storage_module_names_parts_by_content():
    assert storage_mod.chunk_hash(["b", "a"]) == storage_mod.chunk_hash(["a", "b"])
