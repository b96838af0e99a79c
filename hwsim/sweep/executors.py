"""Executors: run chunks of points serially, on local processes (joblib/loky) or on a Dask cluster.

Each executor's :meth:`run` is a generator of :class:`Batch` es of finished rows; the engine writes them to
Parquet parts as they arrive, so finished work is stored whatever happens to the rest. Closing the
generator (Ctrl-C, an error) cancels the work still queued.

* ``serial``: in this process, one point after the other (a batch per point; the engine groups them into
  parts of ``chunk_size`` points).
* ``joblib``: ``n_jobs`` worker processes of joblib's loky backend, one task per chunk, results taken in
  completion order. Each worker watches the driver and exits within ``PARENT_POLL_S`` of its death
  (:func:`hwsim.sweep.worker.watch_driver`), so a SIGKILLed driver leaves nothing computing.
* ``dask``: ``distributed`` futures, one task per chunk (about 50 points, so the scheduler's per-task
  overhead of ~1 ms is negligible), taken with ``as_completed``. With ``scheduler`` it connects to that
  scheduler; without it starts a ``LocalCluster`` of ``n_jobs`` single-threaded worker processes whose
  scheduler and workers listen on 127.0.0.1 only (no dashboard). A chunk lost with its worker (the cluster
  gave up on it after its retries) is recorded as failed rows with the error, and the sweep goes on.
  Workers of an existing cluster need the same hwsim installation (they import the experiment by its
  ``module:function`` reference); the driver alone writes the results, so workers need no shared disk.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hwsim.sweep.worker import ExperimentRef, failure_rows, run_chunk, run_point, watch_driver

Chunk = Sequence[tuple[int, str, Mapping[str, Any]]]
EXECUTORS = ("serial", "joblib", "dask")
LOOPBACK = "127.0.0.1"


@dataclass
class Batch:
    """Finished rows of ``n_points`` points; ``whole_chunk`` when they form one submitted chunk."""

    rows: list[dict[str, Any]]
    n_points: int
    whole_chunk: bool


def default_n_jobs() -> int:
    """Worker count when none is given: the CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


class SerialExecutor:
    """Run every point in this process."""

    name = "serial"

    def __init__(self) -> None:
        self.n_workers = 1

    def run(self, ref: ExperimentRef, chunks: Sequence[Chunk]) -> Iterator[Batch]:
        if isinstance(ref, str):
            from hwsim.experiments import resolve

            func = resolve(ref).func
        else:
            func = ref
        for chunk in chunks:
            for index, h, params in chunk:
                yield Batch(run_point(func, index, h, params), 1, False)


class JoblibExecutor:
    """Run chunks on ``n_jobs`` loky worker processes (joblib)."""

    name = "joblib"

    def __init__(self, n_jobs: int | None = None) -> None:
        self.n_workers = n_jobs or default_n_jobs()

    def run(self, ref: ExperimentRef, chunks: Sequence[Chunk]) -> Iterator[Batch]:
        from joblib import Parallel, delayed

        parallel = Parallel(n_jobs=self.n_workers, backend="loky", return_as="generator_unordered",
                            batch_size=1, pre_dispatch="2*n_jobs")
        sizes = {}
        tasks = []
        driver = os.getpid()
        for chunk in chunks:
            tasks.append(delayed(_tagged_chunk)(ref, chunk, len(tasks), driver))
            sizes[len(tasks) - 1] = len(chunk)
        gen = parallel(tasks)
        try:
            for tag, rows in gen:
                yield Batch(rows, sizes[tag], True)
        except Exception as exc:
            raise RuntimeError(f"the joblib executor stopped: {type(exc).__name__}: {exc}; finished chunks are "
                               "stored, re-run the same command to resume") from exc
        finally:
            gen.close()


def _tagged_chunk(ref: ExperimentRef, chunk: Chunk, tag: int, driver_pid: int) -> tuple[int, list[dict[str, Any]]]:
    watch_driver(driver_pid)  # a worker ends when the driver is killed, not after its current chunk
    return tag, run_chunk(ref, chunk)


def start_local_cluster(n_workers: int, threads_per_worker: int = 1) -> Any:
    """A ``distributed.LocalCluster`` of ``n_workers`` single-threaded processes whose scheduler, workers and
    HTTP endpoints listen on 127.0.0.1 only (random free ports, no dashboard)."""
    from distributed import LocalCluster

    # The scheduler always serves a small HTTP endpoint (health, metrics): pin it to loopback on a free port
    # and keep the Bokeh dashboard off; workers inherit host=127.0.0.1 for every listener.
    return LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker, processes=True,
                        host=LOOPBACK, dashboard_address=None, worker_dashboard_address=None,
                        scheduler_kwargs={"dashboard": False, "dashboard_address": f"{LOOPBACK}:0"},
                        silence_logs=logging.ERROR)


class DaskExecutor:
    """Run chunks as Dask futures on an existing scheduler (``scheduler``) or on a loopback LocalCluster."""

    name = "dask"

    def __init__(self, n_jobs: int | None = None, scheduler: str | None = None, timeout_s: float = 30.0) -> None:
        self.scheduler = scheduler
        self.n_workers = n_jobs or default_n_jobs()
        self.timeout_s = timeout_s

    def run(self, ref: ExperimentRef, chunks: Sequence[Chunk]) -> Iterator[Batch]:
        from distributed import Client, as_completed

        cluster = None
        if self.scheduler:
            try:
                client = Client(self.scheduler, timeout=self.timeout_s)
            except OSError as exc:
                raise RuntimeError(f"cannot connect to the Dask scheduler {self.scheduler!r}: {exc}") from exc
            self.n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        else:
            cluster = start_local_cluster(self.n_workers)
            client = Client(cluster)
        run_id = uuid.uuid4().hex[:8]
        futures = {}
        try:
            for i, chunk in enumerate(chunks):
                fut = client.submit(run_chunk, ref, list(chunk), key=f"hwsim-sweep-{run_id}-{i}", pure=False)
                futures[fut.key] = (fut, chunk)
            for fut in as_completed([f for f, _ in futures.values()]):
                chunk = futures[fut.key][1]
                try:
                    rows = fut.result()
                except Exception as exc:  # lost worker, unimportable experiment on the worker, ...
                    rows = failure_rows(chunk, f"chunk failed on the Dask cluster: {type(exc).__name__}: {exc}")
                fut.release()
                yield Batch(rows, len(chunk), True)
        finally:
            pending = [f for f, _ in futures.values() if not f.done()]
            if pending:
                client.cancel(pending)
            client.close()
            if cluster is not None:
                cluster.close()


def make_executor(name: str, n_jobs: int | None = None, scheduler: str | None = None) -> Any:
    """Build the executor ``name`` (``serial``, ``joblib`` or ``dask``).

    Raises ``ValueError`` for another name, ``n_jobs < 1``, ``scheduler`` given to a non-Dask executor, or
    the Dask executor without dask.distributed installed.
    """
    if name not in EXECUTORS:
        raise ValueError(f"executor={name!r}; accepted: {', '.join(EXECUTORS)}")
    if n_jobs is not None and n_jobs < 1:
        raise ValueError(f"n_jobs={n_jobs}; accepted: an integer >= 1")
    if scheduler and name != "dask":
        raise ValueError(f"scheduler={scheduler!r} needs executor='dask' (got {name!r})")
    if name == "dask" and importlib.util.find_spec("distributed") is None:
        raise ValueError("executor='dask' needs dask.distributed: pip install 'hwsim[dask]'")
    if name == "serial":
        return SerialExecutor()
    if name == "joblib":
        return JoblibExecutor(n_jobs)
    return DaskExecutor(n_jobs, scheduler)
