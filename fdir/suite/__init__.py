"""Robustness suite for telemetry anomaly detectors (issue 17): labelled series generated in code from
documented equations and seeds, not downloaded data.

Seven signal classes (:mod:`fdir.suite.signals`: multi-seasonal periodic, bursty heavy-tailed counts, trend with
level changes, random walk, quiet quantised sensor, piecewise commanded modes, 2-8 correlated channels) times the
compatible anomaly types (:mod:`fdir.suite.anomalies`: point spike, short collective of 3-20 samples, long
collective, contextual, level shift, variance change, frequency change, stuck, correlation break, or none), four
length bands from 500 to 20,000 samples (:mod:`fdir.suite.dataset`): 216 series, 54 in the ``small`` subset.

Usage::

    from fdir import suite
    series = suite.load("small", seed=0)      # list of suite.Series
    suite.summary(series)                     # pandas table, one row per series
    rows = suite.evaluate_suite(lambda: fdir.registry.make("dense_float"), series)   # fdir.suite.protocol
    suite.score_table(rows)                   # event-wise F1 overall and per anomaly type
"""

from fdir.suite.anomalies import ANOMALY_TYPES, COMPATIBLE
from fdir.suite.dataset import SUBSETS, Series, load, make_series, plan, summary
from fdir.suite.protocol import evaluate_series, evaluate_suite, score_table
from fdir.suite.signals import SIGNAL_CLASSES

__all__ = ["ANOMALY_TYPES", "COMPATIBLE", "SIGNAL_CLASSES", "SUBSETS", "Series", "evaluate_series",
           "evaluate_suite", "load", "make_series", "plan", "score_table", "summary"]
