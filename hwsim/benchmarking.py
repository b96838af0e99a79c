"""Benchmark harness behind ``hwsim bench``: speed and quality of hwsim against a peer, as ratios in one run.

Benchmarks live outside the installed packages, in ``benchmarks/bench_<package>[_*].py`` at the repository root
(or in the folder named by ``--dir`` / the ``HWSIM_BENCH_DIR`` environment variable). Each file exposes

    def benchmarks() -> list[Benchmark]

A :class:`Benchmark` has a name and ``run(quick: bool) -> list[Metric]``. The metrics carry the measured value,
the goal and whether higher is better, so the harness can say whether the goal was met. A benchmark whose peer
is missing (e.g. cmtj not installed) raises :class:`BenchmarkSkipped` with the reason: it is reported as
skipped, never as passed. Benchmarks are not part of the test suite (the suite runs one ``--quick`` smoke pass).
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hwsim.harness import check_packages


class BenchmarkSkipped(Exception):
    """Raise from ``Benchmark.run`` when it cannot run here (missing peer, no device); give the reason."""


@dataclass(frozen=True)
class Metric:
    """One measured figure of a benchmark.

    ``value`` is the measurement (typically a ratio hwsim/peer or a throughput); ``goal`` the target
    (``None`` = report only); ``higher_is_better`` says which side of the goal passes.
    """

    metric: str
    value: float
    goal: float | None = None
    higher_is_better: bool = True
    unit: str = ""
    note: str = ""

    @property
    def met(self) -> bool | None:
        if self.goal is None:
            return None
        if not math.isfinite(self.value):
            return False
        return self.value >= self.goal if self.higher_is_better else self.value <= self.goal


class WarmWorker:
    """A warm benchmark worker process: ``python SCRIPT --worker SPEC`` that prints one JSON line when ready and one
    per ``run`` line it reads on stdin (interleaved timing rounds without start-up in any round).

    ``env`` entries are added to the parent's environment (thread counts, JAX platform). The worker's stderr goes to
    a temporary file, read only on failure (a pipe could fill up and block the worker). :meth:`read` skips
    non-JSON lines (library banners); at end of output it raises :class:`BenchmarkSkipped` when the stderr tail
    contains one of ``skip_markers`` (e.g. a missing peer), else RuntimeError with the tail.
    """

    def __init__(self, script: str, spec: dict, env: dict[str, str] | None = None,
                 skip_markers: dict[str, str] | None = None):
        self.err = tempfile.TemporaryFile(mode="w+")
        self.skip_markers = dict(skip_markers or {})
        self.p = subprocess.Popen([sys.executable, os.path.abspath(script), "--worker", json.dumps(spec)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err, text=True,
                                  env={**os.environ, **(env or {})})

    def read(self) -> dict:
        """The next JSON line of the worker."""
        for line in self.p.stdout:
            if line.startswith("{"):
                return json.loads(line)
        self.err.seek(0)
        tail = self.err.read()[-3000:]
        for marker, reason in self.skip_markers.items():
            if marker in tail:
                raise BenchmarkSkipped(reason)
        raise RuntimeError(f"benchmark worker failed:\n{tail}")

    def send(self) -> None:
        """Start one timed round."""
        self.p.stdin.write("run\n")
        self.p.stdin.flush()

    def close(self, timeout_s: float = 60.0) -> None:
        """End the worker (closing stdin ends its loop); kill it if it does not exit within ``timeout_s``."""
        try:
            self.p.stdin.close()
            self.p.wait(timeout=timeout_s)
        except Exception:  # pragma: no cover
            self.p.kill()
        self.err.close()


@dataclass(frozen=True)
class Benchmark:
    """A named benchmark; ``run(quick)`` returns its metrics (``quick`` = smaller sizes, same peer)."""

    name: str
    run: Callable[[bool], list[Metric]]
    description: str = ""


@dataclass
class BenchResult:
    package: str
    benchmark: str
    status: str  # "ok" | "skipped" | "error"
    metrics: list[Metric] = field(default_factory=list)
    reason: str = ""
    seconds: float = 0.0

    def to_json(self) -> list[dict[str, Any]]:
        base = {"package": self.package, "benchmark": self.benchmark, "status": self.status}
        if self.status != "ok" or not self.metrics:
            return [{**base, "metric": None, "value": None, "goal": None, "higher_is_better": None,
                     "met": None, "reason": self.reason}]
        rows = []
        for m in self.metrics:
            value = float(m.value) if math.isfinite(m.value) else None
            rows.append({**base, "metric": m.metric, "value": value, "goal": m.goal,
                         "higher_is_better": m.higher_is_better, "met": m.met, "unit": m.unit,
                         "note": m.note, "seconds": round(self.seconds, 3)})
        return rows


def find_bench_dir(explicit: str | os.PathLike | None = None) -> Path:
    """Locate the ``benchmarks/`` folder: ``explicit``, ``$HWSIM_BENCH_DIR``, then upward from the cwd, then
    beside the installed ``hwsim`` package (editable/source checkouts).

    Raises
    ------
    FileNotFoundError
        when no folder is found, naming the places searched.
    """
    tried: list[Path] = []
    for cand in (explicit, os.environ.get("HWSIM_BENCH_DIR")):
        if cand:
            p = Path(cand)
            if p.is_dir():
                return p
            tried.append(p)
    here = Path.cwd().resolve()
    for parent in (here, *here.parents):
        p = parent / "benchmarks"
        if p.is_dir() and (parent / "pyproject.toml").exists():
            return p
    tried.append(here / "benchmarks")
    p = Path(__file__).resolve().parent.parent / "benchmarks"
    if p.is_dir():
        return p
    tried.append(p)
    raise FileNotFoundError(f"no benchmarks/ folder found (tried {[str(t) for t in tried]}); pass --dir")


def load(package: str, bench_dir: Path) -> list[Benchmark]:
    """Import ``bench_<package>.py`` and ``bench_<package>_*.py`` from ``bench_dir``; return their benchmarks."""
    out: list[Benchmark] = []
    paths = sorted(bench_dir.glob(f"bench_{package}.py")) + sorted(bench_dir.glob(f"bench_{package}_*.py"))
    for path in paths:
        spec = importlib.util.spec_from_file_location(f"hwsim_bench_{path.stem}", path)
        assert spec and spec.loader
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        out.extend(mod.benchmarks())
    return out


def run(packages: Iterable[str] | None = None, quick: bool = False,
        bench_dir: str | os.PathLike | None = None,
        only: Iterable[str] | None = None) -> list[BenchResult]:
    """Run the selected packages' benchmarks; failures and skips are results, not exceptions."""
    selected = check_packages(packages)
    folder = find_bench_dir(bench_dir)
    names = set(only or [])
    results: list[BenchResult] = []
    for pkg in selected:
        for b in load(pkg, folder):
            if names and b.name not in names:
                continue
            t0 = time.perf_counter()
            try:
                metrics = list(b.run(quick))
                results.append(BenchResult(pkg, b.name, "ok", metrics, seconds=time.perf_counter() - t0))
            except BenchmarkSkipped as exc:
                results.append(BenchResult(pkg, b.name, "skipped", reason=str(exc),
                                           seconds=time.perf_counter() - t0))
            except Exception as exc:
                results.append(BenchResult(pkg, b.name, "error",
                                           reason=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=6)}",
                                           seconds=time.perf_counter() - t0))
    return results


def timeit(fn: Callable[[], Any], repeat: int = 3, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` in seconds over ``repeat`` runs after ``warmup`` unmeasured runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]
