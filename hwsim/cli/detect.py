"""``hwsim detect FILE``: anomalies in any telemetry table (CSV or Parquet) with a registered detector pipeline
(:mod:`fdir.registry`, :class:`fdir.pipeline.Pipeline`: scaler -> detector -> thresholder, one model per value
column), as timestamped intervals, one plot per channel and, on request, the runtime bundle of each channel.

Pipeline settings: ``--settings`` picks a named set (:data:`fdir.pipeline.SETTINGS`): ``label_free`` (the
pipeline's defaults chosen on the robustness suite, :data:`fdir.pipeline.LABEL_FREE`; the default when a nominal
training part is given) or ``telemanom`` (telemanom's unsupervised protocol; the default without one);
``--thresholder``, ``--q``, ``--transform``, ``--budget`` and ``--flat-line`` override single entries."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from fdir.flatline import MIN_WINDOW, check_window
from fdir.pipeline import BUDGETS, LABEL_FREE, SETTINGS, TELEMANOM
from fdir.registry import names as detector_names
from fdir.scaling import SCALERS
from fdir.thresholders import THRESHOLDERS
from fdir.transform import TRANSFORMS

__all__ = ["FlatLineWindow", "detect", "read_table"]


class FlatLineWindow(click.ParamType):
    """``--flat-line``: a window in samples, an integer >= :data:`fdir.flatline.MIN_WINDOW`, or ``off`` / ``0``
    (no flat-line check, converted to 0)."""

    name = "window"

    def convert(self, value, param, ctx):
        text = str(value).strip().lower()
        if text in ("off", "0"):
            return 0
        try:
            return check_window(int(text))
        except ValueError:
            self.fail(f"{value!r}: accepted: an integer >= {MIN_WINDOW} (samples) or 'off'", param, ctx)


def _settings(base: str, thresholder: str | None, q: float | None, transform: str | None, budget: str | None,
              flat_line: int | None) -> dict:
    """The :data:`fdir.pipeline.SETTING_KEYS` of the ``base`` settings with the given options replaced."""
    from fdir.thresholders import thresholder_factory

    chosen = dict(SETTINGS[base])
    spec = chosen["thresholder"]
    if thresholder is not None or q is not None:
        name = thresholder or spec.name
        params = dict(spec.params) if name == spec.name else {}
        if q is not None:
            if "q" not in THRESHOLDERS[name][1]:
                raise click.BadParameter(f"--q is SPOT's risk (thresholders {_with_risk()}); the thresholder is "
                                         f"{name!r}", param_hint="--q")
            params["q"] = q
        try:
            chosen["thresholder"] = thresholder_factory(name, **params)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--q" if q is not None else "--thresholder") from exc
    if transform is not None:
        chosen["transform"] = transform
    if budget is not None:
        chosen["budget"] = budget
    if flat_line is not None:
        chosen["flat_line"] = flat_line or None
    return chosen


def _with_risk() -> tuple[str, ...]:
    """The registered thresholders with a SPOT risk ``q`` (:data:`fdir.thresholders.THRESHOLDERS`)."""
    return tuple(k for k, (_, params) in THRESHOLDERS.items() if "q" in params)


def _describe(settings: dict) -> str:
    fl = settings["flat_line"]
    return (f"thresholder {settings['thresholder']}, transform {settings['transform']}, budget "
            f"{settings['budget']}, flat line {'off' if fl is None else f'{fl} samples'}")


def read_table(path: Path):
    """A CSV (``.csv``, ``.txt``) or Parquet (``.parquet``, ``.pq``) file as a pandas DataFrame.

    Raises
    ------
    click.BadParameter
        for another suffix or a file that cannot be parsed.
    """
    import pandas as pd

    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".txt"):
            return pd.read_csv(path)
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path)
    except Exception as exc:  # pandas raises many parser errors
        raise click.BadParameter(f"cannot read {path}: {exc}", param_hint="FILE") from exc
    raise click.BadParameter(f"{path}: accepted formats are .csv/.txt and .parquet/.pq", param_hint="FILE")


def _time(df, column: str | None, hint: str):
    """The time values of ``df`` (its ``column``; sample indices without one), checked to be non-decreasing."""
    import numpy as np
    import pandas as pd

    if column is None:
        return np.arange(len(df))
    if column not in df.columns:
        raise click.BadParameter(f"no column {column!r}; columns: {list(df.columns)}", param_hint=hint)
    t = df[column]
    if not pd.api.types.is_numeric_dtype(t):
        try:
            t = pd.to_datetime(t)
        except (ValueError, TypeError) as exc:
            raise click.BadParameter(f"column {column!r} is neither numeric nor a date/time: {exc}",
                                     param_hint=hint) from exc
    if t.isna().any() or not t.is_monotonic_increasing:
        raise click.BadParameter(f"column {column!r} must hold non-decreasing values without gaps", param_hint=hint)
    return t.to_numpy()


def _value(text: str, like):
    """Parse ``text`` as a value comparable with the time array ``like`` (number or date/time)."""
    import numpy as np
    import pandas as pd

    try:
        if np.issubdtype(like.dtype, np.datetime64):
            return pd.Timestamp(text).to_datetime64()
        return float(text)
    except (ValueError, TypeError) as exc:
        raise click.BadParameter(f"{text!r} is not a value of the time column", param_hint="--train-until") from exc


def _values(df, columns: str | None, time_column: str | None, hint: str):
    import pandas as pd

    if columns:
        cols = [c.strip() for c in columns.split(",") if c.strip()]
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise click.BadParameter(f"no column(s) {missing}; columns: {list(df.columns)}", param_hint="--columns")
    else:
        cols = [c for c in df.columns if c != time_column and pd.api.types.is_numeric_dtype(df[c])]
    if not cols:
        raise click.BadParameter("no numeric value column to analyse", param_hint=hint)
    bad = [c for c in cols if not pd.api.types.is_numeric_dtype(df[c])]
    if bad:
        raise click.BadParameter(f"column(s) {bad} are not numeric", param_hint="--columns")
    return df[cols].astype(float)


def _error_range(streams, threshold) -> tuple[float, float, int]:
    """y range ``(lo, top)`` of the error panel and the number of samples whose threshold lies above ``top``.

    ``streams`` (S, T) the errors as thresholded, ``threshold`` (S, T) or None (NaN where not scored). The range holds
    every finite error and each stream's 95th percentile of its threshold, plus a tenth of margin, so that a brief
    threshold excursion (a SPOT tail refitted on a few peaks, e.g. z_q from 0.5 to 88 for 15 samples after a training
    part) does not flatten every other curve; (0, 1) when nothing is finite."""
    import numpy as np

    s = np.asarray(streams, float)
    finite = s[np.isfinite(s)]
    if not finite.size:
        return 0.0, 1.0, 0
    top, lo = float(finite.max()), min(0.0, float(finite.min()))
    thr = None if threshold is None else np.asarray(threshold, float)
    if thr is not None:
        top = max([top] + [float(np.percentile(row[np.isfinite(row)], 95)) for row in thr if np.isfinite(row).any()])
    top = top + 0.1 * (top - lo) if top > lo else lo + 1.0
    above = 0 if thr is None else int((np.nan_to_num(thr, nan=-np.inf) > top).any(axis=0).sum())
    return lo, top, above


def _plot(res, time, path: Path) -> None:
    """Series with shaded anomalies (top) and the thresholded streams with their threshold (bottom)."""
    import numpy as np
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 5.5), layout="constrained")
    ax0, ax1 = fig.subplots(2, 1, sharex=True)
    ax0.plot(time, res.values, lw=0.8, color="k")
    for a, b in res.intervals[["start_index", "end_index"]].to_numpy():
        for ax in (ax0, ax1):
            ax.axvspan(time[a], time[b], color="tab:red", alpha=0.25, lw=0)
    ax0.set_ylabel(f"{res.channel} (file units)")
    ax0.set_title(f"{res.channel}: {len(res.intervals)} anomalous interval(s) shaded")
    streams = np.asarray(res.smoothed if res.smoothed is not None else res.scores, float)
    thr = None if res.threshold is None else np.asarray(res.threshold, float)
    for k, name in enumerate(res.stream_names):
        line, = ax1.plot(time, streams[k], lw=0.8, label=f"{name}")
        if thr is not None and np.isfinite(thr[k]).any():
            ax1.plot(time, thr[k], lw=1.0, ls="--", color=line.get_color(), label=f"{name} threshold")
    lo, top, above = _error_range(streams, thr)
    ax1.set_ylim(lo, top)
    if above:
        ax1.set_title(f"threshold above this panel at {above} sample(s) (largest {float(np.nanmax(thr)):.3g})",
                      fontsize=8)
    ax1.set_ylabel("error (scaled units)" if res.smoothed is not None else "score")
    ax1.set_xlabel("time")
    ax1.legend(fontsize=7, loc="upper left")
    fig.savefig(path, dpi=110)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "channel"


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--time-column", default=None, help="Column holding the time of each row (numbers or dates; any "
              "monotone spacing). Default: the row number.")
@click.option("--columns", default=None, help="Comma-separated value columns (default: every numeric column but "
              "the time column). Each column is one channel with its own model.")
@click.option("--train", "train_file", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="Nominal training table with the same columns.")
@click.option("--train-until", default=None, metavar="TIME",
              help="Train on the rows of FILE up to TIME (inclusive; needs --time-column).")
@click.option("--detector", type=click.Choice(detector_names()), default="auto", show_default=True,
              help="Registered detector pipeline (fdir.registry). auto fits dense_float and linear_ar on the first "
              "70 % of the training part and keeps the one with the smaller one-step error on the last 30 % (no "
              "label read; fdir.heldout_choice), written to settings.json; auto_int8 does the same with their int8 "
              "exports. linear_ar reads every channel of the file as context of each watched one (its bundles then "
              "take the columns in the order input.columns gives).")
@click.option("--scaling", type=click.Choice(SCALERS), default="minmax", show_default=True,
              help="Scaling fitted on the training part (stored in the bundle).")
@click.option("--settings", "base", type=click.Choice(tuple(SETTINGS)), default=None,
              help=f"Named pipeline settings (fdir.pipeline.SETTINGS): label_free = "
              f"{_describe(LABEL_FREE)}, chosen on the generated robustness suite (never on SMAP/MSL); telemanom = "
              f"{_describe(TELEMANOM)} (Hundman et al. 2018). Default: label_free when a nominal training part is "
              "given (--train or --train-until), else telemanom (SPOT calibrates its tail on training errors, which "
              "must be nominal; telemanom's NDT thresholds each window of errors by itself). The options below "
              "override single entries.")
@click.option("--thresholder", type=click.Choice(tuple(THRESHOLDERS)), default=None,
              help="Thresholder (fdir.thresholders.THRESHOLDERS). Default: from --settings (label_free: "
              f"{LABEL_FREE['thresholder'].name}).")
@click.option("--q", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=None,
              help="SPOT risk of the thresholders that have one (" + ", ".join(_with_risk()) + "): the false-alarm "
              "probability per sample of a series, below 1 - level = 0.02. Default: the thresholder's ("
              + ", ".join(f"{k} {THRESHOLDERS[k][1]['q']:g}" for k in _with_risk()) + "; chosen on the "
              "robustness suite).")
@click.option("--transform", type=click.Choice(TRANSFORMS), default=None,
              help="Input transform (fdir.transform): auto differences the channels that ADF/KPSS call "
              f"non-stationary. Default: from --settings (label_free: {LABEL_FREE['transform']}, chosen on the "
              "robustness suite).")
@click.option("--budget", type=click.Choice(BUDGETS), default=None,
              help="False-alarm budget: series shares one risk over the channels, channel gives each the full "
              f"risk. Default: from --settings (label_free: {LABEL_FREE['budget']}).")
@click.option("--flat-line", type=FlatLineWindow(), default=None, metavar="WINDOW|off",
              help=f"Flat-line (stuck value) check: a value held for longer than max(WINDOW, 2x the longest hold "
              f"of the training part) samples is flagged; WINDOW >= {MIN_WINDOW}, or off. Default: from --settings "
              f"(label_free: {LABEL_FREE['flat_line']}; it raised F1 on the robustness suite's stuck values from "
              "0.20 to 0.90).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Training seed.")
@click.option("--epochs", type=click.IntRange(min=1), default=None, help="Training epochs (default: the detector's).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("hwsim-detect"),
              show_default=True, help="Output folder (anomalies.csv and one PNG per channel).")
@click.option("--export", "export_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write each channel's runtime bundle (fdir.runtime format, scaling included) under this folder.")
def detect(file: Path, time_column: str | None, columns: str | None, train_file: Path | None,
           train_until: str | None, detector: str, scaling: str, base: str, thresholder: str | None,
           q: float | None, transform: str | None, budget: str | None, flat_line: int | None, seed: int,
           epochs: int | None, out: Path, export_dir: Path | None) -> None:
    """Find anomalous intervals in the telemetry table FILE (CSV or Parquet).

    Without --train/--train-until the detector is fitted on the whole series (unsupervised) with telemanom's
    settings unless --settings says otherwise. Missing values
    (empty cells, NaN) are filled forward for the model and never flagged. Writes OUT/anomalies.csv (start and end
    in the file's own time column), OUT/settings.json (the settings used) and OUT/<channel>.png (the series with
    shaded anomalies, the error streams and their thresholds). The training part must hold at least the detector's
    minimum length (dense_float and int8: 79 samples, lif and mtj_lif: 96, cae, isolation_forest and lof: 55,
    linear_ar: 32, auto: 100, with dense_float among its choices from 112);
    windows adapt to shorter series above it.

    With a nominal training part the default settings (label_free) were chosen on the generated robustness suite,
    not on SMAP/MSL test labels: SPOT or the relative-guard NDT thresholds, differencing of non-stationary channels,
    one false-alarm budget per file and a flat-line check. Without one, SPOT's thresholds would be fitted on errors
    that include the anomalies (tried: a threshold 100x above the anomaly's errors), so the default is then
    telemanom's unsupervised protocol. The default detector (auto) was chosen on the robustness suite too (event-wise
    F1 0.74 over 3 seeds, dense_float 0.66). On SMAP/MSL auto scores 0.61 / 0.76 (it picks linear_ar on nearly every
    channel), --detector dense_float 0.83 / 0.71 (--thresholder spot: 0.54 / 0.49; ndt_relative_guard: 0.87 / 0.68;
    telemanom's published 0.87 / 0.81; see fdir.heldout_choice and fdir.pipeline): compare them on data of your own
    spacecraft.
    --export writes what the numpy runtime runs (forecast detectors;
    fdir.pipeline.Pipeline.export says which settings) and otherwise stops with the reason.
    """
    from fdir.registry import make

    def stage(msg: str) -> None:
        click.echo(f"[hwsim detect] {msg}", err=sys.stdout.isatty())

    if train_file is not None and train_until is not None:
        raise click.UsageError("give --train FILE or --train-until TIME, not both")
    if train_until is not None and time_column is None:
        raise click.UsageError("--train-until needs --time-column")
    supervised = train_file is not None or train_until is not None
    why = ""
    if base is None:
        base = "label_free" if supervised else "telemanom"
        why = (f"{base} is the default with a nominal training part" if supervised else
               f"{base} is the default without --train/--train-until (SPOT needs nominal training errors)")
    settings = _settings(base, thresholder, q, transform, budget, flat_line)
    stage(f"reading {file}")
    df = read_table(file)
    time = _time(df, time_column, "--time-column")
    x = _values(df, columns, time_column, "FILE")
    if train_file is not None:
        tdf = read_table(train_file)
        train = _values(tdf, ",".join(x.columns), None, "--train")
    elif train_until is not None:
        train = x[time <= _value(train_until, time)]
    else:
        train = x
    pipe = make(detector, seed=seed, epochs=epochs, scaling=scaling, settings=settings)
    if len(train) < pipe.min_length:
        raise click.ClickException(f"the training series has {len(train)} samples; the {detector} detector needs at "
                                   f"least {pipe.min_length} (nothing was trained)")
    stage(f"{len(x)} samples x {x.shape[1]} channel(s); training {detector} on {len(train)} samples")
    stage(f"settings ({base}{', changed' if settings != dict(SETTINGS[base]) else ''}): {_describe(settings)}")
    if why:
        stage(why)
    if not supervised and settings["thresholder"].name in _with_risk():
        stage("note: no --train/--train-until, so SPOT's thresholds are fitted on the errors of the whole file, "
              "anomalies included, and can sit above them; give a nominal stretch with --train-until or --train")
    try:
        pipe.fit(train, progress=stage)
        results = pipe.evaluate(x, time, progress=stage)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    out.mkdir(parents=True, exist_ok=True)
    import json

    import pandas as pd

    differenced = {ch: bool(pipe.transforms[ch].difference[0]) for ch in pipe.channels}   # one column per channel
    if settings["transform"] == "auto":
        stage("input transform chosen by ADF/KPSS: " + ", ".join(
            f"{ch} {'differenced' if d else 'level'}" for ch, d in differenced.items()))
    record = {"file": str(file), "detector": detector, "seed": seed, "epochs": epochs, "scaling": scaling,
              "settings": base, "thresholder": settings["thresholder"].name,
              "thresholder_params": {k: repr(v) if not isinstance(v, (int, float, str)) else v
                                     for k, v in settings["thresholder"].params},
              "transform": settings["transform"], "differenced": differenced, "budget": settings["budget"],
              "flat_line": settings["flat_line"], "layout": pipe.per_channel, "training_samples": len(train)}
    if getattr(pipe, "chosen", None) is not None:       # fdir.heldout_choice: the candidate it chose, and why
        record.update(chosen=pipe.chosen, heldout_error=pipe.heldout_error)
        stage(f"chosen on the held-out 30 % of the training part: {pipe.chosen} (mean absolute one-step error "
              + ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k}: {v}" for k, v in
                          pipe.heldout_error.items()) + ")")
    (out / "settings.json").write_text(json.dumps(record, indent=2) + "\n")
    table = pd.concat([r.intervals for r in results], ignore_index=True)
    table.to_csv(out / "anomalies.csv", index=False)
    stage(f"{len(table)} anomalous interval(s) -> {out / 'anomalies.csv'} (settings -> {out / 'settings.json'})")
    for r in results:
        _plot(r, time, out / f"{_safe(r.channel)}.png")
    stage(f"plots -> {out}/<channel>.png")
    click.echo(table[["start", "end", "channel", "stream", "score"]].to_string(index=False) if len(table)
               else "no anomalous interval found")
    if export_dir is not None:
        from fdir.runtime import save_bundle

        bundles = []
        for ch in pipe.channels:
            try:
                bundles.append((ch, *pipe.export(ch)))
            except NotImplementedError as exc:
                raise click.ClickException(f"--export: nothing exported: {exc}. The intervals, plots and settings "
                                           f"above were written to {out}") from exc
        for ch, spec, arrays in bundles:
            save_bundle(export_dir / _safe(ch), spec, arrays)
        stage(f"runtime bundles -> {export_dir}/<channel>/")
