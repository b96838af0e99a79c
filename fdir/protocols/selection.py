"""Several seeds and thresholder candidates of one detector pipeline on NASA SMAP/MSL, and cross-spacecraft selection.

The telemanom protocol (:mod:`fdir.protocols.telemanom`; Hundman et al., KDD 2018, arXiv:1802.04431) run with any
:class:`fdir.pipeline.Pipeline` over seeds, with several thresholders on the same detector scores, so that a
choice among thresholder settings can be made on one spacecraft and reported on the other (issue 17: defaults
never chosen on the test labels they are reported on).

:func:`run_pipeline_seeds`, per seed and labelled channel (a *pair*):

1. ``make_pipeline(seed)`` gives a fresh pipeline (:class:`RegistryPipeline`: a registered detector with
   ``scaling="none"`` and ``per_channel=False``, as the telemanom driver runs any pipeline: the shipped arrays are
   already scaled, column 0 is watched, the command columns are context); it is fitted **once** on the channel's
   training array;
2. each thresholder candidate (name -> zero-argument factory; None = the pipeline's own thresholder, the one its
   defaults give) is fitted on the scores the pipeline calibrated on
   (:meth:`fdir.pipeline.Pipeline.set_thresholder`, no retraining) and the test array is detected with it;
3. the detections are counted against each label row of the channel with telemanom's event-wise rule (P-2 trained
   once, counted against both its rows).

Rows (one per seed, channel, label row and candidate): ``seed``, ``spacecraft``, ``channel``, ``label_row`` (row
of ``labeled_anomalies.csv``), ``candidate``, ``tp``, ``fp``, ``fn``, ``n_detections``, ``fit_s`` (training and
calibration, wall seconds), ``seconds`` (``fit_s`` + this candidate's thresholding and detection),
``fit_cpu_s``, ``cpu_s`` (process CPU seconds of the same two, all threads), ``error`` ('' when it ran; a pair or
candidate that raised is recorded with the exception's text and its labels counted as missed, FN, and the run goes
on), ``config`` (hash of the pipeline's settings and the candidate's, :func:`describe`).

**Store** (``store`` a folder): each finished pair is written at once as one Parquet part file (pyarrow; written
under a temporary name and renamed, :func:`os.replace`, so a killed run never leaves half a part). A rerun with the
same folder skips every pair whose rows for all requested candidates are stored under the same ``config``, so an
interrupted run resumes without recomputing finished pairs; results of other settings in the folder are kept and
ignored. ``_settings-<hash>.json`` beside the parts holds the settings each hash stands for. :func:`read_store`
(or ``pandas.read_parquet(folder)``) reads every stored row, e.g. to summarise the finished seeds of a run that is
still going.

:func:`summarise`: per candidate and spacecraft, the F1 of each seed (micro over that seed's label rows, telemanom
counting), its mean and sample standard deviation (ddof = 1) over the seeds, and the mean precision and recall.
:func:`cross_spacecraft`: for each direction (select on SMAP, report MSL; select on MSL, report SMAP) the candidate
with the best mean F1 on the selection spacecraft and its figures on the other; no candidate is chosen on the
spacecraft it is reported on. Candidates in :data:`COMPARISON_ONLY` (telemanom's NDT, whose guards were calibrated
on SMAP/MSL) are reported but not selectable; its scale-free variant ``ndt_relative_guard``
(:mod:`fdir.ndt_guards`) is selectable, although telemanom's other NDT constants (window, smoothing, pruning
p = 0.13) in it were set by telemanom's authors on SMAP/MSL.

What stays chosen on test labels: the forecaster's architecture and training (``dense_float``'s
:class:`~fdir.detectors.forecaster.ForecasterConfig` defaults, see its docstring) were compared on the SMAP/MSL
test labels; these runs make the thresholding label-free, not the detector. ``ndt_relative_guard`` joined the
candidates after NDT's SMAP/MSL figures with the label-free settings were seen (issue 17; the class itself and its
k = 3 predate that run).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import math
import numbers
import os
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from fdir.pipeline import Pipeline

__all__ = ["COMPARISON_ONLY", "DEFAULT", "ROW_COLUMNS", "SPOT_RISKS", "RegistryPipeline",
           "cross_spacecraft", "default_candidates", "describe", "read_store", "run_pipeline_seeds", "summarise"]

DEFAULT = "default"
"""Candidate name of the pipeline's own thresholder (its factory is None in a candidates mapping)."""
SPOT_RISKS = (1e-4, 1e-3, 1e-2)
"""Risks q of the SPOT candidates of :func:`default_candidates` (Siffer et al., KDD 2017,
doi:10.1145/3097983.3098144; :class:`fdir.spot.SPOTThresholder`, non-negative tail shape)."""
COMPARISON_ONLY = ("ndt",)
"""Candidates reported for comparison but never selected by :func:`cross_spacecraft`: telemanom's NDT, whose scale
guards (``min_abs_error``, the 5-95 % range rule) were set on SMAP/MSL (issue 17)."""
ROW_COLUMNS = ("seed", "spacecraft", "channel", "label_row", "candidate", "tp", "fp", "fn", "n_detections", "fit_s",
               "seconds", "fit_cpu_s", "cpu_s", "error", "config")
"""Columns of the rows of :func:`run_pipeline_seeds` (module doc)."""
_KEY = ("seed", "spacecraft", "channel", "label_row", "candidate")


def default_candidates() -> dict[str, Callable | None]:
    """The thresholder candidates compared by default (registry :data:`fdir.thresholders.THRESHOLDERS`): :data:`DEFAULT`
    (the pipeline's own thresholder: SPOT or the relative-guard NDT, :mod:`fdir.union`), the registry's SPOT at each
    risk of :data:`SPOT_RISKS` (its other parameters the registry's: flags grouped within 100 samples, non-negative
    tail shape; ``spot_q1e-04``, ...), telemanom's NDT with the scale-free guard (``ndt_relative_guard``,
    :mod:`fdir.ndt_guards`) and with its own guards (``ndt``, for comparison: :data:`COMPARISON_ONLY`)."""
    from fdir.thresholders import thresholder_factory

    spot = {f"spot_q{q:.0e}": thresholder_factory("spot", q=q) for q in SPOT_RISKS}
    return {DEFAULT: None, **spot, "ndt_relative_guard": thresholder_factory("ndt_relative_guard"),
            "ndt": thresholder_factory("ndt")}


@dataclass(frozen=True)
class RegistryPipeline:
    """Pipeline factory ``seed -> Pipeline`` of a registered detector (:func:`fdir.registry.make`) for the
    telemanom protocol: ``scaling="none"``, ``per_channel=False`` (module doc, step 1).

    name : a registered pipeline (:func:`fdir.registry.names`). epochs : training epochs (None: the detector's
    default). quick : the registry's reduced training. settings : ``make``'s ``settings``: None (default: the
    pipeline's own defaults, :data:`fdir.pipeline.LABEL_FREE`), a name in :data:`fdir.pipeline.SETTINGS` or a
    mapping over :data:`fdir.pipeline.SETTING_KEYS` (checked by ``make`` at the first call).

    Raises
    ------
    ValueError
        for an unknown name or epochs neither None nor an integer >= 1.
    """

    name: str = "dense_float"
    epochs: int | None = None
    quick: bool = False
    settings: str | Mapping | None = None

    def __post_init__(self) -> None:
        from fdir.registry import names

        if self.name not in names():
            raise ValueError(f"name={self.name!r}, accepted: {names()} (fdir.registry)")
        if self.epochs is not None and not (isinstance(self.epochs, numbers.Integral) and self.epochs >= 1):
            raise ValueError(f"epochs={self.epochs!r}, accepted: an integer >= 1 or None")

    def __call__(self, seed: int) -> Pipeline:
        from fdir.registry import make

        kw = {} if self.settings is None else {"settings": self.settings}
        return make(self.name, seed=int(seed), epochs=self.epochs, quick=self.quick, scaling="none",
                    per_channel=False, **kw)


# --------------------------------------------------------------------------------------------- settings


def _plain(v):
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (numbers.Integral, numbers.Real, str)) or v is None:
        return v.item() if isinstance(v, np.generic) else v
    if isinstance(v, (tuple, list)) and all(_plain(u) is not _SKIP for u in v):
        return [_plain(u) for u in v]
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return describe(v)
    return _SKIP


_SKIP = object()


def describe(obj) -> dict:
    """The settings of a pipeline, detector or thresholder as a JSON-able dict: its type, and its public plain
    attributes (numbers, strings, None, tuples of them, nested dataclasses; fitted state, names ending in ``_``,
    callables and ``seed`` left out); a :class:`fdir.pipeline.Pipeline` adds ``detector`` and ``thresholder``, the
    descriptions of a fresh detector and thresholder of its factories, and one that chooses among candidate pipelines
    (:class:`fdir.heldout_choice.HeldOutChoice`) ``candidates``, the description of a fresh one of each. Two runs
    with equal descriptions ran the same settings (the seed is a row column of its own)."""
    from fdir.pipeline import Pipeline

    items = ({f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)} if dataclasses.is_dataclass(obj)
             else vars(obj))
    out: dict = {"type": f"{type(obj).__module__}.{type(obj).__qualname__}"}
    for k, v in sorted(items.items()):
        if k.startswith("_") or k.endswith("_") or k == "seed":
            continue
        p = _plain(v)
        if p is not _SKIP:
            out[k] = p
    if isinstance(obj, Pipeline):
        out["detector"] = describe(obj.make_detector())
        out["thresholder"] = describe(obj.make_thresholder())
        if isinstance(cands := getattr(obj, "candidates", None), Mapping):    # a choice among pipelines
            out["candidates"] = {k: describe(make()) for k, make in cands.items()}
    return out


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _configs(pipe, candidates: Mapping[str, Callable | None], commands: bool) -> tuple[str, dict[str, str]]:
    """(settings JSON of the pipeline and input columns, {candidate: config hash of those + candidate settings})."""
    settings = json.dumps({**describe(pipe), "commands": commands}, sort_keys=True)
    out = {}
    for name, make in candidates.items():
        try:
            thr = describe((make or pipe.make_thresholder)())
        except Exception:          # a factory that fails here fails again in each pair, where it is recorded
            thr = {"factory": getattr(make, "__qualname__", type(make).__qualname__)}
        out[name] = _hash(settings + json.dumps(thr, sort_keys=True))
    return settings, out


# --------------------------------------------------------------------------------------------- one pair


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _pair(make_pipeline, seed: int, chan: str, candidates: Mapping[str, Callable | None], configs: dict[str, str],
          source, commands: bool) -> list[dict]:
    """Rows of one (seed, channel) pair (module doc, steps 1-3)."""
    from fdir.data.smap_msl import load_channel
    from fdir.protocols.telemanom import _label_row_counts

    ch = load_channel(chan, source=source)
    train, test = (ch.train, ch.test) if commands else (ch.train[:, :1], ch.test[:, :1])

    def rows(name, counts, fit_s, seconds, fit_cpu_s, cpu_s, error=""):
        return [{"seed": int(seed), "spacecraft": ch.spacecraft, "channel": chan, "label_row": int(r["row"]),
                 "candidate": name, "tp": int(r["tp"]), "fp": int(r["fp"]), "fn": int(r["fn"]),
                 "n_detections": int(r["n_detections"]), "fit_s": float(fit_s), "seconds": float(seconds),
                 "fit_cpu_s": float(fit_cpu_s), "cpu_s": float(cpu_s), "error": error, "config": configs[name]}
                for r in counts]

    missed = _label_row_counts(ch, [])          # every label FN: the rows of a pair or candidate that failed
    w0, c0 = _clock()
    try:
        pipe = make_pipeline(int(seed))
        pipe.fit(train)
    except Exception as e:                      # recorded, the run goes on (module doc)
        w1, c1 = _clock()
        return [r for name in candidates for r in rows(name, missed, w1 - w0, w1 - w0, c1 - c0, c1 - c0, _error(e))]
    w1, c1 = _clock()
    out = []
    for name, make in candidates.items():
        w2, c2 = _clock()
        try:
            pipe.set_thresholder(make or pipe.make_thresholder)
            found = pipe.detect(test)
            counts, err = _label_row_counts(ch, found[["start_index", "end_index"]].to_numpy()), ""
        except Exception as e:
            counts, err = missed, _error(e)
        w3, c3 = _clock()
        out += rows(name, counts, w1 - w0, (w1 - w0) + (w3 - w2), c1 - c0, (c1 - c0) + (c3 - c2), err)
    return out


def _error(e: Exception) -> str:
    return f"{type(e).__name__}: {e}"


# --------------------------------------------------------------------------------------------- the store


def read_store(store: str | os.PathLike) -> pd.DataFrame:
    """Every row stored in the folder ``store`` (module doc, Store), all settings included (filter on ``config``);
    columns :data:`ROW_COLUMNS`. A missing or empty folder gives no rows."""
    folder = Path(store)
    parts = sorted(folder.glob("part-*.parquet")) if folder.is_dir() else []
    frames = [pd.read_parquet(p) for p in parts]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=list(ROW_COLUMNS))
    return pd.concat(frames, ignore_index=True)


def _write_part(folder: Path, rows: list[dict]) -> None:
    r0 = rows[0]
    key = _hash("".join(sorted({r["config"] for r in rows})))
    stem = f"part-s{r0['seed']}-{r0['spacecraft']}-{r0['channel']}-{key}"
    path = folder / f"{stem}.parquet"
    tmp = folder / f".{stem}.{uuid.uuid4().hex}.tmp"
    try:
        pd.DataFrame(rows, columns=list(ROW_COLUMNS)).to_parquet(tmp, index=False)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


# --------------------------------------------------------------------------------------------- the run


def _check_seeds(seeds) -> tuple[int, ...]:
    try:
        s = tuple(seeds)
    except TypeError:
        s = ()
    if not s or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 0 for v in s) \
            or len(set(s)) != len(s):
        raise ValueError(f"seeds={seeds!r}, accepted: a non-empty sequence of distinct integers >= 0")
    return tuple(int(v) for v in s)


def run_pipeline_seeds(make_pipeline: Callable[[int], Pipeline], spacecraft: str = "both",
                       seeds: Sequence[int] = (0, 1, 2), candidates: Mapping[str, Callable | None] | None = None, *,
                       channels: Sequence[str] | None = None, commands: bool = True, n_jobs: int = 1,
                       store: str | os.PathLike | None = None, source=None,
                       progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Run the pipeline over seeds and labelled channels with every thresholder candidate (module doc).

    Parameters
    ----------
    make_pipeline : ``seed -> `` a fresh unfitted :class:`fdir.pipeline.Pipeline` (e.g. :class:`RegistryPipeline`);
        with ``n_jobs`` > 1 it must be picklable by joblib (cloudpickle).
    spacecraft : ``"SMAP"``, ``"MSL"`` or ``"both"`` (:data:`fdir.protocols.telemanom.SPACECRAFT_CHOICES`).
    seeds : distinct integers >= 0 (each seeds the detector's initialisation and shuffling).
    candidates : name -> zero-argument thresholder factory, None for the pipeline's own thresholder (default
        :func:`default_candidates`).
    channels : labelled channel ids of the spacecraft (None: all of them, label-file order; P-2 trained once and
        counted against both its label rows).
    commands : True (the telemanom driver's layout): the pipeline gets every column, the value then the command
        flags; False: the value column only. For a detector that reads only the value (``dense_float``: the
        forecaster's ``commands="none"``) both give the same detections, and False saves the per-column work the
        pipeline does on columns the detector never reads (``transform="auto"`` fits over every column; the ADF/KPSS
        tests run on the value only, the two-valued command flags are kept untested, :mod:`fdir.transform`: 1.8 s
        CPU for SMAP P-1's 2,872 training samples and 25 columns, against 0.3 s for the value alone; before two-valued
        columns were skipped, about 16 s).
        Stored under its own ``config``.
    n_jobs : joblib worker processes over the pairs (1: in this process). Each pair is deterministic by its seed,
        so the counts do not depend on ``n_jobs``.
    store : folder of the resumable Parquet store (module doc), created if missing; None keeps nothing on disk.
    source : folder with the original SMAP/MSL layout (None: the shipped copy).
    progress : called with one line per finished pair.

    Returns
    -------
    DataFrame with :data:`ROW_COLUMNS`, one row per seed, channel, label row and candidate (stored and new rows of
    the requested pairs), sorted by seed, channel (label-file order, SMAP first), label row and candidate order.

    Raises
    ------
    ValueError
        for a bad spacecraft or channels value (:func:`fdir.protocols.telemanom.resolve_channels`), seeds that are
        not distinct integers >= 0, an empty candidates mapping or one whose names are not non-empty strings or
        whose factories are neither callable nor None, commands not a bool, n_jobs not an integer >= 1, or a store
        path that is a file.
    """
    from fdir.protocols.telemanom import resolve_channels

    seeds = _check_seeds(seeds)
    candidates = default_candidates() if candidates is None else dict(candidates)
    if not candidates or not all(isinstance(k, str) and k for k in candidates):
        raise ValueError(f"candidates={list(candidates)!r}, accepted: a non-empty mapping of non-empty names")
    bad = [k for k, v in candidates.items() if v is not None and not callable(v)]
    if bad:
        raise ValueError(f"candidates {bad}: a factory must be callable (or None for the pipeline's thresholder)")
    if not (isinstance(n_jobs, numbers.Integral) and not isinstance(n_jobs, bool) and n_jobs >= 1):
        raise ValueError(f"n_jobs={n_jobs!r}, accepted: an integer >= 1")
    if not isinstance(commands, (bool, np.bool_)):
        raise ValueError(f"commands={commands!r}, accepted: True or False")
    if not callable(make_pipeline):
        raise ValueError("make_pipeline must be callable: seed -> Pipeline")
    chans = resolve_channels(spacecraft, "all" if channels is None else channels, source=source)
    folder = None if store is None else Path(store)
    if folder is not None:
        if folder.exists() and not folder.is_dir():
            raise ValueError(f"store={str(folder)!r} is a file; accepted: a folder (created if missing) or None")
        folder.mkdir(parents=True, exist_ok=True)

    configs = {}
    for s in seeds:
        settings, configs[s] = _configs(make_pipeline(s), candidates, bool(commands))
        if folder is not None:
            _write_settings(folder, settings)
    stored = read_store(folder) if folder is not None else pd.DataFrame(columns=list(ROW_COLUMNS))
    have = set(zip(stored["seed"].astype(int), stored["channel"], stored["candidate"], stored["config"], strict=True))
    todo = [(s, c) for s in seeds for c in chans
            if not all((s, c, k, h) in have for k, h in configs[s].items())]

    new: list[dict] = []
    tasks = ((s, c) for s, c in todo)
    if n_jobs == 1 or len(todo) <= 1:
        results = (_pair(make_pipeline, s, c, candidates, configs[s], source, bool(commands)) for s, c in tasks)
    else:
        from joblib import Parallel, delayed

        results = Parallel(n_jobs=int(n_jobs), return_as="generator_unordered")(
            delayed(_pair)(make_pipeline, s, c, candidates, configs[s], source, bool(commands)) for s, c in tasks)
    for i, rows in enumerate(results):
        if folder is not None:
            _write_part(folder, rows)
        new += rows
        if progress is not None:
            r = rows[0]
            failed = sum(bool(x["error"]) for x in rows)
            progress(f"{i + 1}/{len(todo)} seed {r['seed']} {r['spacecraft']} {r['channel']}: "
                     f"{r['fit_s']:.1f} s" + (f", {failed} rows failed" if failed else ""))

    wanted = {(s, k, h) for s in seeds for k, h in configs[s].items()}
    frames = [f for f in (stored, pd.DataFrame(new, columns=list(ROW_COLUMNS))) if len(f)]
    df = pd.concat(frames, ignore_index=True)
    keep = [(int(s), k, h) in wanted and c in chans
            for s, k, h, c in zip(df["seed"], df["candidate"], df["config"], df["channel"], strict=True)]
    df = df[keep].drop_duplicates(list(_KEY), keep="last")
    order = {c: i for i, c in enumerate(chans)}
    cand = {c: i for i, c in enumerate(candidates)}
    df = df.assign(_c=df["channel"].map(order), _k=df["candidate"].map(cand))
    df = df.sort_values(["seed", "_c", "label_row", "_k"], kind="stable").drop(columns=["_c", "_k"])
    return df.astype({k: "int64" for k in ("seed", "label_row", "tp", "fp", "fn", "n_detections")}) \
        .reset_index(drop=True)


def _write_settings(folder: Path, settings: str) -> None:
    path = folder / f"_settings-{_hash(settings)}.json"
    if not path.exists():
        tmp = folder / f".{path.name}.{uuid.uuid4().hex}.tmp"
        tmp.write_text(json.dumps(json.loads(settings), indent=1, sort_keys=True))
        os.replace(tmp, path)


# --------------------------------------------------------------------------------------------- summaries


def _check_rows(rows) -> pd.DataFrame:
    if not isinstance(rows, pd.DataFrame):
        raise ValueError(f"rows must be a DataFrame of run_pipeline_seeds rows, got {type(rows).__name__}")
    missing = [c for c in ("seed", "spacecraft", "candidate", "tp", "fp", "fn") if c not in rows.columns]
    if missing or rows.empty:
        raise ValueError(f"rows must be non-empty with the columns of ROW_COLUMNS; missing {missing}")
    return rows


def summarise(rows: pd.DataFrame) -> pd.DataFrame:
    """Per candidate and spacecraft (module doc): index (``candidate``, ``spacecraft``) in row order, columns
    ``seeds`` (number), ``label_rows`` (per seed), ``f1_mean``, ``f1_std`` (sample standard deviation over seeds,
    ddof = 1; NaN for one seed), ``f1_seeds`` (tuple, seed order), ``precision_mean``, ``recall_mean`` (means over
    seeds), ``tp``, ``fp``, ``fn`` (summed over seeds), ``errors`` (rows that failed).

    Raises
    ------
    ValueError
        for rows that are not a non-empty DataFrame with those columns, or seeds of one candidate and spacecraft
        covering different numbers of label rows (F1 over different channel sets is not comparable; summarise
        complete seeds only).
    """
    from fdir.metrics.telemanom import EventCounts

    rows = _check_rows(rows)
    err = rows["error"].astype(bool) if "error" in rows.columns else pd.Series(False, index=rows.index)
    out = {}
    for (cand, sc), g in rows.groupby(["candidate", "spacecraft"], sort=False):
        per = g.groupby("seed", sort=True)[["tp", "fp", "fn"]].agg(["sum", "size"])
        sizes = per[("tp", "size")]
        if sizes.nunique() != 1:
            raise ValueError(f"rows: candidate {cand!r} on {sc} covers {sizes.to_dict()} label rows per seed; "
                             "summarise complete seeds only")
        counts = [EventCounts(int(a), int(b), int(c)) for a, b, c in
                  zip(per[("tp", "sum")], per[("fp", "sum")], per[("fn", "sum")], strict=True)]
        f1 = np.array([c.f1 for c in counts])
        out[(cand, sc)] = {"seeds": len(counts), "label_rows": int(sizes.iloc[0]), "f1_mean": float(f1.mean()),
                           "f1_std": float(f1.std(ddof=1)) if len(f1) > 1 else math.nan,
                           "f1_seeds": tuple(float(v) for v in f1),
                           "precision_mean": float(np.mean([c.precision for c in counts])),
                           "recall_mean": float(np.mean([c.recall for c in counts])),
                           "tp": int(g["tp"].sum()), "fp": int(g["fp"].sum()), "fn": int(g["fn"].sum()),
                           "errors": int(err[g.index].sum())}
    idx = pd.MultiIndex.from_tuples(list(out), names=["candidate", "spacecraft"])
    return pd.DataFrame(list(out.values()), index=idx)


def cross_spacecraft(rows: pd.DataFrame, exclude: Sequence[str] = COMPARISON_ONLY) -> pd.DataFrame:
    """Cross-spacecraft selection (module doc): one row per direction, ``selected_on`` SMAP then MSL, with
    ``reported_on`` (the other spacecraft), ``candidate`` (best mean F1 on ``selected_on`` among the candidates not in
    ``exclude``; ties go to the first in row order), ``selection_f1_mean`` (its mean F1 there) and its
    :func:`summarise` figures on ``reported_on`` (``f1_mean``, ``f1_std``, ``f1_seeds``, ``precision_mean``,
    ``recall_mean``, ``tp``, ``fp``, ``fn``, ``seeds``). The reported spacecraft's labels never enter the choice.

    Raises
    ------
    ValueError
        as :func:`summarise`, for rows without both SMAP and MSL, or no selectable candidate present on both.
    """
    tab = summarise(rows)
    excluded = set(exclude)
    out = []
    for sel, rep in (("SMAP", "MSL"), ("MSL", "SMAP")):
        pool = [c for c in dict.fromkeys(tab.index.get_level_values("candidate"))
                if c not in excluded and (c, sel) in tab.index and (c, rep) in tab.index]
        if not pool:
            raise ValueError(f"rows: no candidate outside exclude={sorted(excluded)} has rows on both {sel} and {rep}")
        best = max(pool, key=lambda c: (tab.loc[(c, sel), "f1_mean"], -pool.index(c)))
        r = tab.loc[(best, rep)]
        out.append({"selected_on": sel, "reported_on": rep, "candidate": best,
                    "selection_f1_mean": float(tab.loc[(best, sel), "f1_mean"]),
                    **{k: r[k] for k in ("f1_mean", "f1_std", "f1_seeds", "precision_mean", "recall_mean", "tp", "fp",
                                         "fn", "seeds")}})
    return pd.DataFrame(out)
