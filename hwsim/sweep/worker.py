"""What runs on a worker: call the experiment on each point of a chunk and turn the outcome into rows.

A point that raises becomes one row with ``status = "error"``, the error text and the traceback; the chunk
goes on. A result that is not a flat dict of scalars (or a list of them) is an error of that point too.
"""

from __future__ import annotations

import math
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import Any

RESERVED = ("point_index", "point_hash", "row", "status", "error", "traceback", "elapsed_s", "finished_at", "host")
"""Columns the engine adds to every stored row; a result key may not use these names."""

ExperimentRef = str | Callable[..., Any]

PARENT_POLL_S = 0.2
"""How often a worker process checks that the sweep driver that started it is still alive [s]."""

_watch_lock = threading.Lock()
_watching: set[int] = set()


def watch_driver(driver_pid: int, poll_s: float = PARENT_POLL_S) -> None:
    """In a worker process started by the driver ``driver_pid``: end this process (``os._exit(1)``) as soon as
    the driver is gone, so a SIGKILLed driver leaves no worker computing (loky keeps its workers busy with the
    current task otherwise). The check is the parent pid: when the driver dies the worker is re-parented.

    A no-op in the driver itself and in processes that the driver did not start (e.g. Dask workers, which
    their nanny ends). Starts at most one daemon thread per process and driver.
    """
    if driver_pid == os.getpid() or os.getppid() != driver_pid:
        return
    with _watch_lock:
        if driver_pid in _watching:
            return
        _watching.add(driver_pid)

    def watch() -> None:
        while os.getppid() == driver_pid:
            time.sleep(poll_s)
        os._exit(1)

    threading.Thread(target=watch, name="hwsim-sweep-driver-watch", daemon=True).start()


def _resolve(ref: ExperimentRef) -> Callable[..., Any]:
    if callable(ref):
        return ref
    from hwsim.experiments import resolve

    return resolve(ref).func


def _scalar(key: str, value: Any) -> Any:
    item = getattr(value, "item", None)
    if item is not None and getattr(value, "shape", None) == ():
        value = item()
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value
    shape = getattr(value, "shape", None)
    what = f"{type(value).__name__} of shape {shape}" if shape is not None else type(value).__name__
    raise TypeError(f"result {key!r} is not a scalar (got {what}); experiments return flat dicts of scalars")


def result_rows(out: Any, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Check an experiment's return value and return its rows (one per dict).

    A result key equal to a parameter name is dropped when it echoes the parameter's value. Raises
    ``TypeError`` for anything but a dict or a non-empty list of dicts of scalars, and ``ValueError`` for a
    result key that is a reserved column (:data:`RESERVED`) or repeats a parameter with another value.
    """
    items = [out] if isinstance(out, Mapping) else out
    if not isinstance(items, Sequence) or isinstance(items, str) or not items \
            or not all(isinstance(x, Mapping) for x in items):
        raise TypeError(f"experiment returned {type(out).__name__}; expected a dict of scalars or a non-empty "
                        "list of such dicts")
    rows = []
    for d in items:
        row = {}
        for k, v in d.items():
            if not isinstance(k, str):
                raise TypeError(f"result keys must be strings, got {k!r}")
            if k in RESERVED:
                raise ValueError(f"result key {k!r} is a reserved column ({', '.join(RESERVED)})")
            v = _scalar(k, v)
            if k in params:
                if v == params[k] or (isinstance(v, float) and isinstance(params[k], float)
                                      and math.isnan(v) and math.isnan(params[k])):
                    continue  # the experiment echoes its parameter: stored once, as the parameter
                raise ValueError(f"result key {k!r} repeats a parameter with another value ({v!r}, parameter "
                                 f"{params[k]!r})")
            row[k] = v
        rows.append(row)
    return rows


def run_point(func: Callable[..., Any], index: int, hash_: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Run one point; return its rows (parameters, results and the reserved columns)."""
    host = socket.gethostname()
    t0 = time.perf_counter()
    try:
        rows = result_rows(func(**params), params)
        status, error, tb = "ok", None, None
    except Exception as exc:  # a failing point is a result of the sweep, not the end of it
        rows = [{}]
        status = "error"
        error = f"{type(exc).__name__}: {exc}"
        tb = traceback.format_exc(limit=-8)
    elapsed = time.perf_counter() - t0
    finished = time.time()
    out = []
    for i, r in enumerate(rows):
        row = dict(params)
        row.update(r)
        row.update(point_index=index, point_hash=hash_, row=i, status=status, error=error, traceback=tb,
                   elapsed_s=elapsed, finished_at=finished, host=host)
        out.append(row)
    return out


def run_chunk(ref: ExperimentRef, chunk: Sequence[tuple[int, str, Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """Run every point ``(index, hash, params)`` of a chunk; return all their rows in chunk order."""
    func = _resolve(ref)
    rows: list[dict[str, Any]] = []
    for index, h, params in chunk:
        rows.extend(run_point(func, index, h, params))
    return rows


def failure_rows(chunk: Sequence[tuple[int, str, Mapping[str, Any]]], error: str) -> list[dict[str, Any]]:
    """Rows recording that a whole chunk failed outside the experiment (e.g. its worker died)."""
    now = time.time()
    return [dict(params, point_index=i, point_hash=h, row=0, status="error", error=error, traceback=None,
                 elapsed_s=math.nan, finished_at=now, host=None) for i, h, params in chunk]
