"""Serial, joblib (loky) and a local Dask cluster give identical results; the cluster listens on loopback only."""

import pandas as pd
import pytest

from hwsim.sweep.engine import auto_chunk_size, run_sweep
from hwsim.sweep.executors import make_executor, start_local_cluster
from hwsim.sweep.spec import load_spec
from hwsim.sweep.storage import SweepDir

pytest.importorskip("distributed")

SPEC = {"experiment": "tests.sweep.sweep_testexp:quad", "axes": {"x": [0.0, 1.0, 2.0, 3.0], "kind": ["a", "b"]},
        "sample": {"n": 3, "seed": 7, "method": "lhs", "y": {"dist": "loguniform", "low": 0.1, "high": 10.0}},
        "seeds": 2}
META = ["elapsed_s", "finished_at", "host", "traceback"]


@pytest.fixture(scope="module")
def cluster():
    c = start_local_cluster(2)
    yield c
    c.close()


def _results(d):
    return SweepDir(d).load().drop(columns=META)


def test_local_cluster_listens_on_loopback_only(cluster):
    from distributed import Client

    assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
    with Client(cluster.scheduler_address) as client:
        workers = client.scheduler_info()["workers"]
        http = client.run(lambda dask_worker: dask_worker.http_server.address)
        nanny_http = client.run(lambda dask_worker: dask_worker.address, nanny=True)
    assert len(workers) == 2 and all(addr.startswith("tcp://127.0.0.1:") for addr in workers)
    assert set(http.values()) == {"127.0.0.1"}
    assert all(a.startswith("tcp://127.0.0.1:") for a in nanny_http.values())
    assert cluster.scheduler.http_server.address == "127.0.0.1"  # health/metrics endpoint, no dashboard


def test_serial_joblib_and_dask_give_identical_results(tmp_path, cluster):
    spec = load_spec(SPEC)
    serial = run_sweep(spec, tmp_path / "serial", executor="serial", progress=False)
    joblib = run_sweep(spec, tmp_path / "joblib", executor="joblib", n_jobs=2, progress=False)
    dask = run_sweep(spec, tmp_path / "dask", executor="dask", scheduler=cluster.scheduler_address, chunk_size=5,
                     progress=False)
    assert serial.n_points == joblib.n_points == dask.n_points == 48
    assert serial.n_failed == joblib.n_failed == dask.n_failed == 6
    assert joblib.parts_written > 1 and dask.parts_written == 10  # 48 points in chunks of 5
    a, b, c = (_results(tmp_path / n) for n in ("serial", "joblib", "dask"))
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)
    # the work really ran in other processes
    hosts_pids = SweepDir(tmp_path / "dask").load()
    assert len(hosts_pids) == 48


def test_dask_resume_and_worker_side_errors_are_recorded(tmp_path, cluster):
    spec = load_spec(SPEC, overrides=["seeds=1"])
    run_sweep(spec, tmp_path, executor="dask", scheduler=cluster.scheduler_address, progress=False)
    again = run_sweep(load_spec(SPEC), tmp_path, executor="dask", scheduler=cluster.scheduler_address,
                      progress=False)
    assert (again.n_skipped, again.n_run) == (24, 24)
    # an experiment the workers cannot import: every point is stored as failed, the driver carries on
    broken = load_spec({"experiment": "tests.sweep.sweep_testexp:slow", "axes": {"x": [1, 2, 3]},
                        "fixed": {"delay_s": 0.0}})
    from hwsim.sweep.plan import make_plan

    plan = make_plan(broken)
    object.__setattr__(plan.experiment, "ref", "tests.sweep.sweep_testexp:missing_on_worker")
    res = run_sweep(plan, tmp_path / "broken", executor="dask", scheduler=cluster.scheduler_address,
                    progress=False)
    assert res.n_failed == 3
    errors = SweepDir(tmp_path / "broken").load()["error"]
    assert all("has no attribute 'missing_on_worker'" in e for e in errors)


def test_executor_settings_are_checked():
    with pytest.raises(ValueError, match="executor='ray'"):
        make_executor("ray")
    with pytest.raises(ValueError, match="needs executor='dask'"):
        make_executor("joblib", scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(ValueError, match="n_jobs=0"):
        make_executor("joblib", n_jobs=0)
    assert auto_chunk_size(10_000, 8, "dask") == 50
    assert auto_chunk_size(40, 2, "joblib") == 5
    assert auto_chunk_size(3, 4, "dask") == 1


def test_command_line_sweep_on_a_dask_scheduler(tmp_path, cluster):
    from click.testing import CliRunner

    from hwsim.cli import cli

    spec = tmp_path / "s.toml"
    spec.write_text('experiment = "tests.sweep.sweep_testexp:quad"\n[axes]\nx = [0.0, 1.0]\n')
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["sweep", str(spec), "--out", str(out), "--executor", "dask", "--scheduler",
                                 cluster.scheduler_address, "kind=a,b", "seeds=2"])
    assert r.exit_code == 0, r.output
    assert f"ran 8 with dask (scheduler {cluster.scheduler_address})" in r.output
    assert len(SweepDir(out).load()) == 8
