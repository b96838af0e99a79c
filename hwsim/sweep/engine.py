"""The sweep driver: plan, skip finished points, run the rest in chunks, store each finished chunk atomically."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hwsim.sweep.errors import SweepMismatchError
from hwsim.sweep.executors import EXECUTORS, make_executor
from hwsim.sweep.plan import Plan, make_plan, plan_frame
from hwsim.sweep.spec import Spec
from hwsim.sweep.storage import SweepDir

MAX_AUTO_CHUNK = 50
"""Points per task for the parallel executors (a Dask task costs ~1 ms of scheduling: 50 points amortise it)."""


@dataclass
class SweepResult:
    """What one call of :func:`run_sweep` did.

    ``n_points``: planned points; ``n_skipped``: already stored before this call; ``n_run``, ``n_ok``,
    ``n_failed``: points run, succeeded and failed in this call; ``parts_written``: Parquet parts written;
    ``seconds``: wall time of this call; ``executor`` and ``chunk_size`` as used.
    """

    dir: Path
    n_points: int
    n_skipped: int
    n_run: int
    n_ok: int
    n_failed: int
    parts_written: int
    seconds: float
    executor: str
    chunk_size: int


def auto_chunk_size(n_todo: int, n_workers: int, executor: str) -> int:
    """Points per chunk: 50 for serial runs (a part is also written every ``flush_s``), else enough chunks
    for about four per worker, at most 50 points each."""
    if executor == "serial":
        return MAX_AUTO_CHUNK
    return max(1, min(MAX_AUTO_CHUNK, math.ceil(n_todo / (4 * max(1, n_workers)))))


def run_sweep(spec: Spec | Plan, out: str | Path, *, executor: str = "serial", n_jobs: int | None = None,
              scheduler: str | None = None, chunk_size: int | None = None, retry_failed: bool = False,
              progress: bool | None = None, flush_s: float = 30.0, force: bool = False) -> SweepResult:
    """Run (or resume) the sweep ``spec`` into folder ``out``.

    Parameters
    ----------
    spec : a :class:`~hwsim.sweep.spec.Spec` (bound here with :func:`~hwsim.sweep.plan.make_plan`, so a bad
        spec raises :class:`~hwsim.sweep.errors.SpecError` before any work) or a ready :class:`Plan`.
    out : output folder (created); its layout is described in :mod:`hwsim.sweep.storage`.
    executor : ``"serial"``, ``"joblib"`` or ``"dask"`` (see :mod:`hwsim.sweep.executors`).
    n_jobs : worker processes for joblib / a local Dask cluster (default: the usable CPUs).
    scheduler : address of an existing Dask scheduler (``executor="dask"`` only).
    chunk_size : points per chunk/part; default ``spec.chunk_size`` or :func:`auto_chunk_size`.
    retry_failed : run again the points stored as failed (default: a failure counts as finished).
    progress : show a progress bar on stderr (points done, failures, ETA); ``None``: only on a terminal.
    flush_s : the serial executor also writes a part when this many seconds passed since the last one.
    force : run into a folder that holds a sweep of another study (another experiment or spec name); without it
        that raises :class:`~hwsim.sweep.errors.SweepMismatchError`. The same study with other axes, seeds, code
        version or data files resumes as usual (points are keyed by their hash).

    Points already stored in ``out`` (same hash) are skipped. Each finished chunk is written as one Parquet
    part; on Ctrl-C (``KeyboardInterrupt``) the points finished so far are written before the exception
    propagates. Raises ``SpecError`` (``SweepMismatchError`` included), ``ValueError`` (bad executor settings)
    or ``SweepLockedError`` before any work starts.
    """
    t0 = time.perf_counter()
    plan = spec if isinstance(spec, Plan) else make_plan(spec)
    if executor not in EXECUTORS:
        raise ValueError(f"executor={executor!r}; accepted: {', '.join(EXECUTORS)}")
    if chunk_size is not None and chunk_size < 1:
        raise ValueError(f"chunk_size={chunk_size}; accepted: an integer >= 1")
    ex = make_executor(executor, n_jobs, scheduler)
    sd = SweepDir(out)
    with sd.lock():
        manifest = plan.manifest()
        check_same_study(sd.read_manifest(), manifest, sd.path, force)
        sd.clean_temp()
        sd.write_manifest(manifest)
        sd.write_plan(plan_frame(plan))
        done = sd.finished(retry_failed=retry_failed)
        todo = [(i, h, p) for i, (h, p) in enumerate(zip(plan.hashes, plan.params)) if h not in done]
        n_skipped = plan.n_points - len(todo)
        size = chunk_size or plan.spec.chunk_size or auto_chunk_size(len(todo), ex.n_workers, executor)
        chunks = [todo[i:i + size] for i in range(0, len(todo), size)]
        result = SweepResult(dir=sd.path, n_points=plan.n_points, n_skipped=n_skipped, n_run=0, n_ok=0,
                             n_failed=0, parts_written=0, seconds=0.0, executor=executor, chunk_size=size)
        if not todo:
            result.seconds = time.perf_counter() - t0
            return result
        bar = _progress_bar(plan, n_skipped, progress)
        extra = {"code_version": plan.code_version}
        buffer: list[dict[str, Any]] = []
        buffered = 0
        last_flush = time.monotonic()

        def flush() -> None:
            nonlocal buffer, buffered, last_flush
            if buffer:
                sd.write_part(buffer, extra)
                result.parts_written += 1
            buffer, buffered, last_flush = [], 0, time.monotonic()

        batches = ex.run(plan.experiment.ref if plan.experiment.ref and _importable(plan) else
                         plan.experiment.func, chunks)
        try:
            for batch in batches:
                buffer.extend(batch.rows)
                buffered += batch.n_points
                failed = len({r["point_hash"] for r in batch.rows if r["status"] != "ok"})
                result.n_run += batch.n_points
                result.n_failed += failed
                result.n_ok += batch.n_points - failed
                if batch.whole_chunk or buffered >= size or time.monotonic() - last_flush >= flush_s:
                    flush()
                if bar is not None:
                    bar.update(batch.n_points)
                    bar.set_postfix_str(f"failed={result.n_failed}", refresh=False)
        finally:
            batches.close()
            flush()  # the points finished so far are stored whatever stopped the loop
            if bar is not None:
                bar.close()
            result.seconds = time.perf_counter() - t0
    return result


STUDY_KEYS = ("experiment_ref", "name")
"""Manifest keys that identify a study: a folder holding another study's sweep is refused without ``force``."""


def check_same_study(old: dict[str, Any] | None, new: dict[str, Any], where: Path, force: bool) -> None:
    """Raise :class:`SweepMismatchError` when the stored manifest ``old`` is of another study than ``new``."""
    if old is None or force:
        return
    diff = [f"{k} {old.get(k)!r} -> {new.get(k)!r}" for k in STUDY_KEYS if old.get(k) != new.get(k)]
    if diff:
        raise SweepMismatchError(f"{where} holds a sweep of another study ({'; '.join(diff)}); choose another "
                                 "--out folder, or pass --force to add this study's points to it", key="out")


def _importable(plan: Plan) -> bool:
    """True when workers can find the experiment by its ``module:function`` reference (not ``__main__``)."""
    mod = plan.experiment.module
    return mod not in ("__main__", "?") and "<locals>" not in plan.experiment.ref


def _progress_bar(plan: Plan, initial: int, progress: bool | None) -> Any:
    if progress is False:
        return None
    from tqdm import tqdm

    return tqdm(total=plan.n_points, initial=initial, desc=plan.spec.name, unit="pt", dynamic_ncols=True,
                disable=None if progress is None else False, smoothing=0.1)
