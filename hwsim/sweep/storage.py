"""On-disk layout of a sweep and atomic Parquet parts.

::

    DIR/sweep.json              the plan's manifest (experiment, code version, data files, spec, report config)
    DIR/plan.parquet            one row per planned point: point_index, point_hash, parameters
    DIR/parts/part-*.parquet    finished points, one file per finished chunk (pyarrow)
    DIR/parts/.*.tmp            a part being written; a leftover one (the writer was killed) is never read
                                and is removed by the next run or `compact`
    DIR/.lock                   held (fcntl.flock) by the process running or compacting the sweep

A part is written under a temporary name, flushed to disk and renamed with :func:`os.replace`, which is atomic
on POSIX and Windows: a reader sees either the whole part or none of it, so a killed sweep never leaves a
partial part. Each stored row carries the point's hash; a point stored more than once (a retried failure, a
part rewritten by ``compact`` before the old one was removed) is read once: its successful attempt, else its
latest.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from hwsim.sweep.errors import SweepLockedError
from hwsim.sweep.hashing import chunk_hash
from hwsim.sweep.worker import RESERVED

META_COLUMNS = (*RESERVED, "code_version")


class SweepDir:
    """A sweep's output folder (see the module docstring for its layout)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.parts_dir = self.path / "parts"
        self.manifest_path = self.path / "sweep.json"
        self.plan_path = self.path / "plan.parquet"
        self.lock_path = self.path / ".lock"

    # ------------------------------------------------------------------ set-up and locking
    def exists(self) -> bool:
        return self.manifest_path.is_file() or self.parts_dir.is_dir()

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the folder's lock; raise :class:`SweepLockedError` when another process holds it."""
        self.parts_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                import fcntl
            except ImportError:  # Windows: no advisory lock; the folder is used by one process at a time
                fcntl = None
            if fcntl is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError as exc:
                    os.lseek(fd, 0, os.SEEK_SET)
                    other = os.read(fd, 64).decode(errors="replace").strip() or "?"
                    raise SweepLockedError(f"another process (pid {other}) is running a sweep or a compaction "
                                           f"in {self.path}") from exc
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, str(os.getpid()).encode())
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the flock

    def temp_files(self) -> list[Path]:
        return sorted(self.parts_dir.glob(".*.tmp")) if self.parts_dir.is_dir() else []

    def clean_temp(self) -> int:
        """Remove leftover temporary part files (call while holding the lock); return how many."""
        n = 0
        for p in self.temp_files():
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
                n += 1
        return n

    # ------------------------------------------------------------------ manifest and plan
    def write_manifest(self, manifest: Mapping[str, Any]) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        _atomic_write_bytes(self.manifest_path, json.dumps(manifest, indent=1, default=str).encode())

    def read_manifest(self) -> dict[str, Any] | None:
        if not self.manifest_path.is_file():
            return None
        return json.loads(self.manifest_path.read_text())

    def write_plan(self, frame: Any) -> None:
        import pyarrow as pa

        self.path.mkdir(parents=True, exist_ok=True)
        _atomic_write_table(self.plan_path, _table_from_frame(frame, pa))

    def read_plan(self) -> Any:
        """The planned points as a DataFrame, or ``None`` when the folder holds no plan."""
        import pyarrow.parquet as pq

        if not self.plan_path.is_file():
            return None
        return pq.read_table(self.plan_path).to_pandas()

    # ------------------------------------------------------------------ parts
    def part_files(self) -> list[Path]:
        return sorted(self.parts_dir.glob("part-*.parquet")) if self.parts_dir.is_dir() else []

    def write_part(self, rows: Sequence[Mapping[str, Any]], extra: Mapping[str, Any] | None = None,
                   name: str | None = None) -> Path:
        """Write ``rows`` (dicts) as one Parquet part, atomically; return its path.

        ``extra`` adds constant columns (e.g. the code version). The part is named by a hash of the point
        hashes it holds (or ``name``).
        """
        import pyarrow as pa

        if not rows:
            raise ValueError("write_part: rows is empty")
        rows = [dict(r, **(extra or {})) for r in rows]
        columns: dict[str, None] = {}
        for r in rows:
            columns.update(dict.fromkeys(r))
        arrays = {c: _column([r.get(c) for r in rows], pa) for c in columns}
        table = pa.table(arrays)
        stem = name or f"part-{chunk_hash({r['point_hash'] for r in rows})}"
        path = self.parts_dir / f"{stem}.parquet"
        self.parts_dir.mkdir(parents=True, exist_ok=True)
        _atomic_write_table(path, table)
        return path

    def _read_parts(self, columns: Sequence[str] | None = None) -> list[Any]:
        import pyarrow.parquet as pq

        tables = []
        for p in self.part_files():
            try:
                t = pq.read_table(p, columns=list(columns) if columns else None)
            except Exception as exc:  # a part written by other means (atomic writes never leave partial ones)
                warnings.warn(f"skipping unreadable part {p}: {exc}", stacklevel=2)
                continue
            tables.append(t.to_pandas())
        return tables

    def finished(self, retry_failed: bool = False) -> set[str]:
        """Hashes of the points stored as finished (successfully, or also failed when not ``retry_failed``)."""
        frames = self._read_parts(["point_hash", "status"])
        done: set[str] = set()
        for f in frames:
            sel = f if not retry_failed else f[f["status"] == "ok"]
            done.update(sel["point_hash"].tolist())
        return done

    def load(self, current_only: bool = True) -> Any:
        """All stored rows as one DataFrame, each point once, sorted by point index and row.

        With ``current_only`` (default) only points of the folder's current plan are returned and
        ``point_index`` is taken from that plan; otherwise rows of earlier plans (other parameters, code
        version or data files) are included as well.
        """
        import pandas as pd

        frames = [f for f in self._read_parts() if len(f)]
        plan = self.read_plan()
        if not frames:
            cols = list(plan.columns) if plan is not None else ["point_index", "point_hash"]
            return pd.DataFrame(columns=[*cols, "row", "status", "error"])
        df = _normalise(dedupe(pd.concat(frames, ignore_index=True, sort=False)))
        if current_only and plan is not None:
            index = dict(zip(plan["point_hash"], plan["point_index"]))
            df = df[df["point_hash"].isin(index.keys())].copy()
            df["point_index"] = df["point_hash"].map(index).astype("int64")
        df = df.sort_values(["point_index", "row"], kind="stable").reset_index(drop=True)
        params = [c for c in (plan.columns if plan is not None else []) if c in df.columns and c not in RESERVED]
        meta = [c for c in META_COLUMNS if c in df.columns]
        results = [c for c in df.columns if c not in params and c not in meta]
        return df[params + results + meta]

    def status(self) -> dict[str, Any]:
        """Counts of planned, finished, failed and remaining points, parts, temporary files and top errors."""
        manifest = self.read_manifest() or {}
        plan = self.read_plan()
        cols = ["point_hash", "status", "error", "elapsed_s", "finished_at", "row"]
        import pandas as pd

        frames = [f for f in self._read_parts(cols) if len(f)]
        if frames:
            df = dedupe(pd.concat(frames, ignore_index=True))
            df = df[df["row"] == 0]
        else:
            df = pd.DataFrame(columns=cols)
        planned = set(plan["point_hash"]) if plan is not None else set(df["point_hash"])
        cur = df[df["point_hash"].isin(planned)]
        n_ok = int((cur["status"] == "ok").sum())
        n_err = int((cur["status"] == "error").sum())
        errors = cur.loc[cur["status"] == "error", "error"].fillna("?").value_counts().head(10)
        elapsed = pd.to_numeric(cur["elapsed_s"], errors="coerce")
        return {
            "dir": str(self.path),
            "name": manifest.get("name"),
            "experiment": manifest.get("experiment"),
            "experiment_ref": manifest.get("experiment_ref"),
            "code_version": manifest.get("code_version"),
            "planned": len(planned),
            "ok": n_ok,
            "failed": n_err,
            "remaining": len(planned) - n_ok - n_err,
            "parts": len(self.part_files()),
            "temporary_files": len(self.temp_files()),
            "rows_from_other_plans": int((~df["point_hash"].isin(planned)).sum()),
            "compute_s": float(elapsed.sum()) if len(elapsed) else 0.0,
            "mean_point_s": float(elapsed.mean()) if elapsed.notna().any() else None,
            "errors": [{"count": int(n), "error": str(e)} for e, n in errors.items()],
        }

    def export(self, path: str | Path, current_only: bool = True) -> Path:
        """Write :meth:`load` (every point once) to one Parquet file at ``path``, atomically; return the path."""
        import pyarrow as pa

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write_table(path, _table_from_frame(self.load(current_only=current_only), pa))
        return path

    def compact(self, drop_stale: bool = False) -> dict[str, int]:
        """Merge every part into one (each point once), then remove the merged parts and temporary files.

        With ``drop_stale`` rows of points outside the current plan are dropped. Returns counts
        ``parts_before``, ``parts_after``, ``rows``. Holds the folder's lock while it runs.
        """
        with self.lock():
            self.clean_temp()
            before = self.part_files()
            if not before:
                return {"parts_before": 0, "parts_after": 0, "rows": 0}
            df = self.load(current_only=drop_stale)
            if len(df) == 0:
                for p in before:
                    p.unlink()
                return {"parts_before": len(before), "parts_after": 0, "rows": 0}
            name = f"part-compact-{chunk_hash(set(df['point_hash']))}"
            rows = df.astype(object).where(df.notna(), None).to_dict("records")
            new = self.write_part(rows, name=name)
            for p in before:
                if p != new:
                    p.unlink()
            return {"parts_before": len(before), "parts_after": len(self.part_files()), "rows": len(df)}


def dedupe(df: Any) -> Any:
    """Keep one attempt per point hash: a successful one if any, else the latest; all rows of that attempt."""
    if len(df) == 0:
        return df
    att = df[["point_hash", "finished_at", "status"]].drop_duplicates(["point_hash", "finished_at"]).copy()
    att["_ok"] = att["status"] == "ok"
    att = att.sort_values(["point_hash", "_ok", "finished_at"], kind="stable").groupby("point_hash").tail(1)
    keep = df.merge(att[["point_hash", "finished_at"]], on=["point_hash", "finished_at"], how="inner")
    return keep.drop_duplicates(["point_hash", "row"]).reset_index(drop=True)


def _normalise(df: Any) -> Any:
    """Give object columns one dtype after parts with different schemas were concatenated (a part where a
    column is all-missing stores it as nulls): text columns become ``str``, numeric ones numbers."""
    import pandas as pd

    for c in df.columns:
        if df[c].dtype != object:
            continue
        kind = pd.api.types.infer_dtype(df[c], skipna=True)
        if kind == "string":
            df[c] = df[c].astype("str")
        elif kind in ("integer", "floating", "mixed-integer-float"):
            df[c] = pd.to_numeric(df[c])
    return df


def _column(values: list[Any], pa: Any) -> Any:
    """A pyarrow array; values that do not share one type (e.g. ints and strings) are stored as strings."""
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())


def _table_from_frame(frame: Any, pa: Any) -> Any:
    rows = frame.astype(object).where(frame.notna(), None)
    return pa.table({c: _column(rows[c].tolist(), pa) for c in frame.columns})


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # not supported (Windows)
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _atomic_write_table(path: Path, table: Any) -> None:
    import pyarrow.parquet as pq

    tmp = path.parent / f".{path.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        pq.write_table(table, tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.parent / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)
