"""Benchmark of the fdir robustness suite (issue 17): the registry's default detector pipeline with telemanom's
NDT and with the SPOT thresholder on the generated series of :mod:`fdir.suite`.

Run: ``hwsim bench fdir`` (full: all 216 series, the detector's default training) or ``hwsim bench fdir --quick``
(the 54-series ``small`` subset, 3 training epochs; about 4-5 minutes on 2 cores, not the minute that
CONTRIBUTING asks: one forecaster is trained per channel, twice: once per calibration below). Protocol:
:mod:`fdir.suite.protocol` (fit on each series' nominal training prefix, telemanom event-wise counting over the
test part, series-level union of channels).
Suite seed 0, detector seed 0. Thresholders on the same detector scores in the same run: telemanom's NDT (the
peer; Hundman et al., KDD 2018, arXiv:1802.04431), NDT with the scale-free guard (:mod:`fdir.ndt_guards`, k = 3),
SPOT, DSPOT (depth 10) and SPOT with flags grouped within 100 samples (telemanom's ``error_buffer``) (Siffer et
al., KDD 2017, doi:10.1145/3097983.3098144, risk q = 10⁻⁴ for the union of the detector's streams,
:mod:`fdir.spot`). The grouping distance was compared on the ``small`` subset (0, 20, 100 samples); no other
setting was chosen on the suite's labels.

Two calibrations, each with every thresholder above: on the detector's training errors (the telemanom protocol,
the pipeline's default) and on held-out errors (metrics ``heldout_*``: the detector is fitted on the first 70 % of
each training prefix, the thresholders on its scores of the last :data:`HOLDOUT` = 30 %, :class:`fdir.pipeline.
Pipeline` ``holdout``); ``heldout_<name>_vs_training_f1_all`` is the ratio of the two F1 on the same series.

Goals (issue 17): event-wise F1 >= 0.80 over all series and >= 0.60 for every anomaly type; false alarms on the
anomaly-free series per 10,000 test samples are reported (no goal).
"""

from __future__ import annotations

import time

from hwsim.benchmarking import Benchmark, Metric

DETECTOR = "dense_float"
"""The registry's default pipeline (:data:`fdir.registry.BUILTIN`, first entry)."""

SEED = 0
GOAL_ALL, GOAL_TYPE = 0.80, 0.60
HOLDOUT = 0.3
"""Held-out fraction of each series' training prefix for the held-out calibration runs (:class:`fdir.pipeline.
Pipeline` ``holdout``)."""


def _thresholders():
    from fdir.ndt_guards import RelativeGuardNDT
    from fdir.spot import SPOTThresholder
    from fdir.thresholders import NDTThresholder

    return {"ndt": NDTThresholder, "ndt_relative_guard": RelativeGuardNDT, "spot": SPOTThresholder,
            "dspot": lambda: SPOTThresholder(depth=10), "spot_grouped": lambda: SPOTThresholder(merge_gap=100)}


def run_suite(quick: bool, detector: str = DETECTOR, seed: int = SEED, subset: str | None = None,
              holdout: float = 0.0):
    """(score table by thresholder name, per-series rows, seconds of the whole run); ``subset`` default: ``small``
    when ``quick`` else ``all``; ``holdout`` the pipeline's calibration split (:class:`fdir.pipeline.Pipeline`)."""
    from fdir import registry, suite

    def make():
        pipe = registry.make(detector, seed=seed, quick=quick)
        pipe.holdout = holdout
        return pipe

    series = suite.load(subset or ("small" if quick else "all"), seed=seed)
    t0 = time.perf_counter()
    rows = suite.evaluate_suite(make, series, _thresholders())
    secs = time.perf_counter() - t0
    tables = {k: suite.score_table(df) for k, df in rows.groupby("thresholder", sort=False)}
    return tables, rows, secs


def bench_suite(quick: bool) -> list[Metric]:
    subset = "small (54 series)" if quick else "all (216 series)"
    out, f1s = [], {}
    for prefix, holdout in (("", 0.0), ("heldout_", HOLDOUT)):
        tables, _, secs = run_suite(quick, holdout=holdout)
        calib = f"held-out calibration (holdout {holdout:g})" if holdout else "training-error calibration"
        for name, tab in tables.items():
            a = tab.loc["all"]
            f1s[prefix + name] = float(a.f1)
            note = (f"{DETECTOR} + {name}, {calib}, subset {subset}, suite seed {SEED}, detector seed {SEED}"
                    f"{', 3 epochs' if quick else ''}: TP {a.tp}, FP {a.fp}, FN {a.fn}, P {a.precision:.3f}, "
                    f"R {a.recall:.3f}; {tab.attrs['errors']} series not processed; all thresholders {secs:.0f} s")
            out.append(Metric(f"{prefix}{name}_f1_all", float(a.f1), GOAL_ALL, True, "F1", note))
            for kind in tab.index[1:]:
                r = tab.loc[kind]
                out.append(Metric(f"{prefix}{name}_f1_{kind}", float(r.f1), GOAL_TYPE, True, "F1",
                                  f"TP {r.tp}, FP {r.fp}, FN {r.fn} over {r.series} series"))
            out.append(Metric(f"{prefix}{name}_false_alarms_per_10k", tab.attrs["false_alarms_per_10k"], None,
                              False, "events / 10^4 samples", f"anomaly-free series, test parts; {calib}"))
    ndt = f1s["ndt"]
    for name in ("ndt_relative_guard", "spot", "dspot", "spot_grouped"):
        out.append(Metric(f"{name}_vs_ndt_f1_all", f1s[name] / ndt if ndt > 0 else float("nan"), None, True,
                          "ratio", f"{name} F1 / telemanom NDT F1 on the same detector scores and series"))
    for name in ("ndt", "ndt_relative_guard", "spot", "dspot", "spot_grouped"):
        f1 = f1s[name]
        out.append(Metric(f"heldout_{name}_vs_training_f1_all", f1s["heldout_" + name] / f1 if f1 > 0
                          else float("nan"), None, True, "ratio",
                          f"{name} F1 with held-out calibration / with training-error calibration, same series"))
    return out


def benchmarks() -> list[Benchmark]:
    return [Benchmark("fdir_suite", bench_suite, "robustness suite: default pipeline with NDT and SPOT")]


if __name__ == "__main__":  # pragma: no cover - manual run: python benchmarks/bench_fdir_suite.py [--full|--medium]
    import sys

    from fdir.suite import score_table

    medium = "--medium" in sys.argv  # replicates 0-1 with 3 training epochs; prints the small subset too
    f = float(sys.argv[sys.argv.index("--holdout") + 1]) if "--holdout" in sys.argv else 0.0
    tabs, per_series, s = run_suite("--full" not in sys.argv, subset="medium" if medium else None, holdout=f)
    print(f"{s:.0f} s")
    parts = {"": per_series}
    if medium:
        parts = {"small ": per_series[per_series.name.str.endswith("-0")], "medium ": per_series}
    for label, rows in parts.items():
        for k, df in rows.groupby("thresholder", sort=False):
            t = score_table(df)
            print(label + k, "FA/10k", round(t.attrs["false_alarms_per_10k"], 2), "errors", t.attrs["errors"])
            print(t.round(3).to_string())
    print(per_series.groupby(["thresholder", "signal_class"])[["tp", "fp", "fn"]].sum().to_string())
    bad = per_series[per_series.error != ""]
    if len(bad):
        print(bad[["thresholder", "name", "error"]].to_string())
