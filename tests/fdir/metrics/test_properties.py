"""Property-based bad-input tests of the ``fdir.metrics`` public API (issue 18, hypothesis): NaN, inf, huge,
fractional, negative, empty and wrong-shape events raise ValueError naming the argument; any valid input gives
figures in [0, 1] (or NaN where documented as undefined) and counts that add up."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fdir.metrics import (
    adtqc_multichannel,
    affiliation,
    affiliation_continuous,
    auc_pr,
    channel_aware_f_score,
    esa_counts,
    esa_counts_continuous,
    event_metrics,
    f_beta,
    point_adjusted_f1,
    telemanom_counts,
)

FAST = settings(max_examples=40, deadline=None)
bad_number = st.sampled_from([math.nan, math.inf, -math.inf, 1e300, 2.5, -1, "x", None])


@st.composite
def events(draw, n=200, max_events=6):
    """Sorted, non-overlapping inclusive (start, end) events inside [0, n)."""
    cuts = sorted(draw(st.lists(st.integers(0, n - 1), min_size=0, max_size=2 * max_events, unique=True)))
    if len(cuts) % 2:
        cuts = cuts[:-1]
    return [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts), 2)]


@FAST
@given(labels=events(), predictions=events())
def test_valid_events_give_bounded_figures(labels, predictions):
    n = 200
    m = event_metrics(labels, predictions, n)
    assert m["tp"] + m["fn"] == len(labels) and m["tp"] + m["fp"] <= len(predictions)
    for key in ("precision", "recall", "f0_5", "f1", "esa_precision_corrected", "esa_recall",
                "esa_f0_5_corrected", "affiliation_precision", "affiliation_recall", "adtqc"):
        v = m[key]
        assert math.isnan(v) or 0.0 <= v <= 1.0, (key, v)
    assert 0.0 <= point_adjusted_f1(labels, predictions, n) <= 1.0
    c = esa_counts(labels, predictions, n)                        # ESA: every label hit counts (telemanom: the
    assert c.tp + c.fn == len(labels) and c.tp >= m["tp"]         # first overlapping label per detection only)


@FAST
@given(bad=bad_number, where=st.sampled_from(["labels", "predictions"]), pos=st.integers(0, 1))
def test_bad_event_values_raise_naming_the_argument(bad, where, pos):
    ev = [[10, 20]]
    ev[0][pos] = bad
    args = {"labels": [(50, 60)], "predictions": [(50, 60)]}
    args[where] = ev
    for fn in (lambda: event_metrics(args["labels"], args["predictions"], 200),
               lambda: esa_counts(args["labels"], args["predictions"], 200),
               lambda: affiliation(args["labels"], args["predictions"], 200),
               lambda: point_adjusted_f1(args["labels"], args["predictions"], 200),
               lambda: telemanom_counts(args["labels"], args["predictions"])):
        with pytest.raises(ValueError, match="labels" if where == "labels" else "predictions|detections"):
            fn()


@FAST
@given(bad=st.sampled_from([math.nan, math.inf, -math.inf, 0, -5, 2.5, True, "x", None]))
def test_bad_n_samples_raises_naming_it(bad):
    for fn in (lambda: event_metrics([(1, 2)], [(1, 2)], bad), lambda: esa_counts([(1, 2)], [], bad),
               lambda: affiliation([(1, 2)], [(1, 2)], bad)):
        with pytest.raises(ValueError, match="n_samples"):
            fn()


@FAST
@given(shape=st.sampled_from([[(1, 2, 3)], [(1,)], [[[1, 2]]], [1, 2], "ab"]))
def test_wrong_shapes_raise_naming_the_argument(shape):
    with pytest.raises(ValueError, match="labels"):
        event_metrics(shape, [], 200)
    with pytest.raises(ValueError, match="detections"):
        telemanom_counts([], shape)


@FAST
@given(bad=st.sampled_from([math.nan, math.inf, -math.inf]), at=st.integers(0, 49))
def test_auc_pr_rejects_nonfinite_scores(bad, at):
    s = np.linspace(0.0, 1.0, 50)
    s[at] = bad
    with pytest.raises(ValueError, match="scores"):
        auc_pr([(10, 20)], s)
    with pytest.raises(ValueError, match="scores"):
        auc_pr([(10, 20)], np.zeros((5, 10)))
    with pytest.raises(ValueError, match="scores"):
        auc_pr([(10, 20)], np.zeros(0))


@FAST
@given(bad=st.sampled_from([math.nan, math.inf, -math.inf]))
def test_continuous_metrics_reject_nonfinite(bad):
    with pytest.raises(ValueError, match="labels"):
        esa_counts_continuous([(0.0, bad)], [(1.0, 2.0)], (0.0, 10.0))
    with pytest.raises(ValueError, match="predictions"):
        affiliation_continuous([(1.0, 2.0)], [(bad, 2.0)], (0.0, 10.0))
    with pytest.raises(ValueError, match="t_range"):
        affiliation_continuous([(1.0, 2.0)], [(1.0, 2.0)], (0.0, bad))


@FAST
@given(p=st.floats(allow_nan=True, allow_infinity=True), r=st.floats(0.0, 1.0), beta=st.floats(0.1, 4.0))
def test_f_beta_is_bounded_or_rejects(p, r, beta):
    if 0.0 <= p <= 1.0:
        assert 0.0 <= f_beta(p, r, beta) <= 1.0
    else:
        with pytest.raises(ValueError, match="precision"):
            f_beta(p, r, beta)


@FAST
@given(bad=st.sampled_from([math.nan, math.inf, -math.inf, "x", None]), pos=st.integers(0, 1))
def test_multichannel_metrics_reject_nonfinite_naming_the_argument(bad, pos):
    ev = [10.0, 20.0]
    ev[pos] = bad
    for fn in (channel_aware_f_score, adtqc_multichannel):
        with pytest.raises(ValueError, match=r"events\[1\]\['a'\]"):
            fn({1: {"a": [tuple(ev)]}}, {"a": [(10.0, 20.0)]})
        with pytest.raises(ValueError, match=r"predictions\['a'\]"):
            fn({1: {"a": [(10.0, 20.0)]}}, {"a": [tuple(ev)]})
