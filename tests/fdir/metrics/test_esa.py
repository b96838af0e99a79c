"""ESA-ADB event-wise metrics, affiliation, channel-aware F-score, ADTQC and point-wise metrics: input errors,
properties and agreement with independent brute-force calculations from the definitions (fdir reference sheet §5).
The worked examples themselves are validation cases (fdir/_cases_detectors.py) and are not repeated here."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fdir.metrics import (
    ESACounts,
    adtqc_multichannel,
    affiliation,
    affiliation_continuous,
    auc_pr,
    channel_aware_f_score,
    esa_counts,
    esa_counts_continuous,
    event_metrics,
    point_adjusted_f1,
    telemanom_counts,
    timing_curve,
)
from fdir.metrics.intervals import mask, runs


def random_events(rng, n, k, max_len=30):
    """k sorted, non-overlapping inclusive events inside [0, n)."""
    starts = np.sort(rng.choice(np.arange(0, n - max_len, 2 * max_len // 3 + 2), size=k, replace=False))
    out = []
    for i, s in enumerate(starts):
        nxt = starts[i + 1] if i + 1 < len(starts) else n
        e = int(min(s + rng.integers(0, max_len), nxt - 1, n - 1))
        out.append((int(s), e))
    return out


# --------------------------------------------------------------------------------------------- input validation
@pytest.mark.parametrize(
    "labels, predictions, n, param",
    [
        ([(10, 5)], [], 100, "labels"),  # start > end
        ([(-1, 5)], [], 100, "labels"),  # negative
        ([(10, 20), (15, 30)], [], 100, "labels"),  # overlapping
        ([(50, 60), (10, 20)], [], 100, "labels"),  # unsorted
        ([(10, 100)], [], 100, "labels"),  # end >= n_samples
        ([(10, 20)], [(5, 8), (7, 9)], 100, "predictions"),
        ([(10, 20)], [(90, 100)], 100, "predictions"),
        ([(10, 20)], [(1.5, 3)], 100, "predictions"),  # non-integer index
        ([(10, 20, 30)], [], 100, "labels"),  # not a pair
        ([(10, 20)], [], 0, "n_samples"),
    ],
)
def test_bad_events_raise_naming_the_parameter(labels, predictions, n, param):
    with pytest.raises(ValueError, match=param):
        event_metrics(labels, predictions, n)


def test_bad_scores_and_continuous_ranges():
    with pytest.raises(ValueError, match="scores"):
        event_metrics([(1, 2)], [], 10, scores=np.zeros(9))
    with pytest.raises(ValueError, match="scores"):
        event_metrics([(1, 2)], [], 10, scores=np.full(10, np.nan))
    with pytest.raises(ValueError, match="t_range"):
        esa_counts_continuous([(1, 2)], [], (5, 5))
    with pytest.raises(ValueError, match="labels"):
        esa_counts_continuous([(1, 200)], [], (0, 100))
    with pytest.raises(ValueError, match="predictions"):
        affiliation_continuous([(1, 2)], [(3, 3)], (0, 10))  # zero-length event has no affiliation measure
    with pytest.raises(ValueError, match="beta"):
        timing_curve(0.0, -1.0, 1.0)
    with pytest.raises(ValueError, match="exponent"):
        timing_curve(0.0, 1.0, 1.0, exponent=0.0)


def test_adjacent_inclusive_events_are_accepted():
    # (0,4) and (5,9) share no sample
    m = event_metrics([(0, 4), (5, 9)], [(5, 9)], 20)
    assert m["esa_tp"] == 1 and m["esa_fn"] == 1


# ---------------------------------------------------------------------------------------------------- properties
def test_perfect_detection_scores_one():
    labels = [(10, 19), (40, 59), (80, 80)]
    m = event_metrics(labels, labels, 100, scores=mask(labels, 100).astype(float))
    for key in ("precision", "recall", "f1", "f0_5", "esa_precision_corrected", "esa_recall", "esa_f0_5_corrected",
                "alarming_precision", "affiliation_precision", "affiliation_recall", "adtqc", "esa_tnr", "auc_pr"):
        assert m[key] == pytest.approx(1.0, abs=1e-12), key


def test_no_predictions_and_no_labels():
    m = event_metrics([(10, 19)], [], 100)
    assert m["esa_recall"] == 0 and m["esa_precision_corrected"] == 0 and m["esa_f0_5_corrected"] == 0
    assert math.isnan(m["affiliation_precision"]) and m["affiliation_recall"] == 0
    assert math.isnan(m["adtqc"])
    m = event_metrics([], [(10, 19)], 100)
    assert m["esa_fp"] == 1 and m["esa_recall"] == 0 and m["esa_precision_corrected"] == 0
    assert math.isnan(m["affiliation_recall"]) and math.isnan(m["adtqc"])
    assert math.isnan(event_metrics([], [], 10, scores=np.arange(10.0))["auc_pr"])


def test_redundant_detections_and_alarming_precision():
    c = esa_counts([(10, 49)], [(12, 14), (20, 22), (30, 32)], 100)
    assert (c.tp, c.fp, c.fn, c.redundant) == (1, 0, 0, 2)
    assert c.alarming_precision == pytest.approx(1 / 3)
    assert c.precision_raw == 1.0 and c.tnr == 1.0  # no predicted nominal time


def test_correction_only_scales_positive_precision():
    c = esa_counts([(10, 19)], [(50, 89)], 100)  # one FP covering 40 of 90 nominal samples
    assert c.tnr == pytest.approx(1 - 40 / 90)
    assert c.precision == 0.0 and c.f0_5 == 0.0


def test_tp_detection_spilling_into_nominal_time_is_penalised():
    # the detection hits the event but 10 of its samples are nominal: TNR = 1 - 10/90
    c = esa_counts([(10, 19)], [(10, 29)], 100)
    assert c.precision_raw == 1.0
    assert c.precision == pytest.approx(1 - 10 / 90)


def test_telemanom_keys_match_telemanom_counts():
    labels, preds = [(100, 199), (400, 449)], [(150, 260), (300, 310)]
    m = event_metrics(labels, preds, 1000)
    tm = telemanom_counts(labels, preds)
    assert (m["tp"], m["fp"], m["fn"]) == (tm.tp, tm.fp, tm.fn)
    assert m["f1"] == tm.f1 and m["f0_5"] == tm.f05


def test_counts_are_additive_and_sum_starts_at_zero():
    a = esa_counts([(10, 19)], [(15, 16), (40, 45)], 100)
    b = esa_counts([(5, 9), (30, 39)], [(30, 31)], 50)
    s = a + b
    assert s == sum([a, b]) and isinstance(s, ESACounts)
    assert (s.tp, s.fp, s.fn, s.redundant) == (a.tp + b.tp, a.fp + b.fp, a.fn + b.fn, 0)
    assert s.tnr == pytest.approx(1 - (a.fp_time + b.fp_time) / (a.nominal_time + b.nominal_time))
    assert s.affiliation_recall == pytest.approx(
        (a.aff_recall_sum + b.aff_recall_sum) / (a.aff_recall_n + b.aff_recall_n))


def test_aggregation_equals_channels_laid_end_to_end():
    rng = np.random.default_rng(3)
    n1, n2 = 400, 300
    l1, p1 = random_events(rng, n1, 4), random_events(rng, n1, 5)
    l2, p2 = random_events(rng, n2, 3), random_events(rng, n2, 4)
    tot = esa_counts(l1, p1, n1) + esa_counts(l2, p2, n2)
    shift = lambda ev: [(s + n1, e + n1) for s, e in ev]  # noqa: E731
    cat = esa_counts(l1 + shift(l2), p1 + shift(p2), n1 + n2)
    for f in ("tp", "fp", "fn", "redundant", "fp_time", "nominal_time"):
        assert getattr(tot, f) == pytest.approx(getattr(cat, f)), f


# ------------------------------------------------------------------------------- independent brute-force checks
def brute_event_counts(labels, preds, n):
    lm, pm = mask(labels, n), mask(preds, n)
    hits = [[not set(range(s, e + 1)).isdisjoint(range(ps, pe + 1)) for ps, pe in preds] for s, e in labels]
    tp = sum(any(h) for h in hits)
    fp = sum(not any(hits[j][k] for j in range(len(labels))) for k in range(len(preds)))
    red = sum(max(0, sum(h) - 1) for h in hits)
    return tp, fp, len(labels) - tp, red, int(np.sum(pm & ~lm)), int(np.sum(~lm))


def test_event_counts_and_tnr_agree_with_per_sample_brute_force():
    rng = np.random.default_rng(0)
    for _ in range(25):
        n = int(rng.integers(200, 600))
        labels, preds = random_events(rng, n, int(rng.integers(1, 5))), random_events(rng, n, int(rng.integers(0, 7)))
        c = esa_counts(labels, preds, n)
        assert (c.tp, c.fp, c.fn, c.redundant, c.fp_time, c.nominal_time) == brute_event_counts(labels, preds, n)


def brute_affiliation(labels, preds, n, h=1 / 16):
    """Definitions evaluated on a fine midpoint grid of cells: zones by nearest ground truth (distance to the
    cell interval [s, e+1)), S_P and S_R as explicit probabilities over the zone's grid points."""
    gt = [(s, e + 1.0) for s, e in labels]
    pr = [(s, e + 1.0) for s, e in preds]
    t = np.arange(h / 2, n, h)

    def dist(x, iv):
        return np.min([np.maximum(0, np.maximum(a - x, x - b)) for a, b in iv], axis=0)

    dg = np.stack([np.maximum(0, np.maximum(a - t, t - b)) for a, b in gt])
    zone = np.argmin(dg, axis=0)  # ties at zone borders have measure ~0
    in_pred = np.zeros(t.size, bool) if not pr else dist(t, pr) == 0
    P, R = [], []
    for j, (a, b) in enumerate(gt):
        z = zone == j
        zt = t[z]
        dj = dg[j, z]
        ys = z & in_pred
        if ys.any():
            d_y = dg[j, ys]
            P.append(np.mean([(np.mean(dj >= d) if d > 0 else 1.0) for d in d_y]))
        inj = (t >= a) & (t < b)
        zp = [(max(pa, zt.min() - h / 2), min(pb, zt.max() + h / 2)) for pa, pb in pr]
        zp = [(pa, pb) for pa, pb in zp if pb > pa]
        if not zp:
            R.append(0.0)
            continue
        dx = dist(t[inj], zp)
        R.append(np.mean([np.mean(np.abs(zt - x) >= d) for x, d in zip(t[inj], dx, strict=True)]))
    return (np.mean(P) if P else math.nan), np.mean(R)


def test_affiliation_agrees_with_grid_brute_force():
    rng = np.random.default_rng(1)
    for _ in range(6):
        n = int(rng.integers(120, 250))
        labels = random_events(rng, n, int(rng.integers(1, 4)), 20)
        preds = random_events(rng, n, int(rng.integers(1, 5)), 20)
        got = affiliation(labels, preds, n)
        p, r = brute_affiliation(labels, preds, n)
        assert got.precision == pytest.approx(p, abs=5e-3)
        assert got.recall == pytest.approx(r, abs=5e-3)


def test_affiliation_is_local_and_bounded():
    labels = [(20, 29), (70, 79)]
    near = affiliation(labels, [(31, 33)], 100)
    far = affiliation(labels, [(45, 47)], 100)
    assert 0 < far.individual_precision[0] < near.individual_precision[0] < 1
    assert math.isnan(near.individual_precision[1]) and near.individual_recall[1] == 0
    assert near.precision == near.individual_precision[0]
    # zones partition the range at the mid-gap
    assert near.zones.tolist() == [[0.0, 50.0], [50.0, 100.0]]


def test_auc_pr_matches_rank_definition():
    rng = np.random.default_rng(2)
    labels = [(20, 39), (70, 74)]
    s = rng.random(100) + 0.5 * mask(labels, 100)
    y = mask(labels, 100)
    order = np.argsort(-s)
    tp = np.cumsum(y[order])
    prec = tp / np.arange(1, 101)
    ap = float(np.sum(prec[y[order]]) / y.sum())  # distinct scores: AP = mean precision at the positives
    assert auc_pr(labels, s) == pytest.approx(ap, abs=1e-12)


def test_point_adjusted_f1_is_only_a_diagnostic_and_inflates():
    labels = [(10, 59)]
    preds = [(30, 30)]  # one flagged sample in a 50-sample event
    assert point_adjusted_f1(labels, preds, 100) == 1.0
    assert "point_adjusted_f1" not in event_metrics(labels, preds, 100)


def test_runs_roundtrip():
    flags = np.zeros(50, int)
    flags[[3, 4, 5, 20, 49]] = 1
    assert runs(flags) == [(3, 5), (20, 20), (49, 49)]
    assert mask(runs(flags), 50).astype(int).tolist() == flags.tolist()


# ------------------------------------------------------------------------------------------------------- ADTQC
def test_timing_curve_shape():
    a, b = 40.0, 40.0
    xs = np.linspace(-a + 1e-6, b - 1e-6, 201)
    f = np.array([timing_curve(x, a, b) for x in xs])
    assert np.all(np.diff(f[xs <= 0]) >= 0) and np.all(np.diff(f[xs > 0]) <= 0)
    assert timing_curve(0.0, a, b) == 1.0 and timing_curve(-a, a, b) == 0.0 and timing_curve(b, a, b) == 0.0
    assert timing_curve(0.5 * b, a, b) == pytest.approx(0.5)  # x/(β−x) = 1
    assert timing_curve(0.0, 0.0, 5.0) == 1.0 and timing_curve(-1.0, 0.0, 5.0) == 0.0


def test_adtqc_alpha_uses_previous_event_start():
    # second event starts 5 samples after the first: alpha = 5, detection 3 samples early -> ((5-3)/5)^e
    c = esa_counts([(100, 101), (105, 124)], [(102, 110)], 200)
    assert c.adtqc_n == 1 and c.adtqc_after == 0
    assert c.adtqc == pytest.approx((2 / 5) ** math.e)


def test_adtqc_multichannel_matches_single_channel():
    labels, preds = [(100, 139), (300, 309)], [(95, 120), (305, 330)]
    single = esa_counts(labels, preds, 1000)
    multi = adtqc_multichannel({i: {"c": [lab]} for i, lab in enumerate(labels)}, {"c": preds})
    assert multi.score == pytest.approx(single.adtqc)
    assert multi.after_rate == pytest.approx(single.adtqc_after_rate) == 0.5
    # multi-channel event: earliest detection over affected channels, span = hull over channels
    ev = {"a": {"c1": [(100, 119)], "c2": [(110, 139)]}}
    r = adtqc_multichannel(ev, {"c1": [(105, 106)], "c2": [(112, 113)], "c3": [(50, 200)]})
    assert r.per_event["a"][0] == 5 and r.score == pytest.approx(timing_curve(5, 40, 40))


# ----------------------------------------------------------------------------------------------- channel-aware
def test_channel_aware_reference_example():
    """The example of ``ChannelAwareFScore.__main__`` in kplabs-pl/ESA-ADB (days as integer samples): event 0
    is found on ch1 only (ch3's detection is explained by event 1) -> P 1, R 1/2; event 1 is fully found."""
    ev = {"id_0": {"ch1": [(1, 6)], "ch2": [(1, 3)]},
          "id_1": {"ch1": [(5, 9)], "ch3": [(4, 9)], "ch4": [(7, 9)]}}
    pred = {"ch1": [(1, 5)], "ch2": [], "ch3": [(4, 7)], "ch4": [(8, 14)]}
    r = channel_aware_f_score(ev, pred, subsystems={"s1": ["ch1", "ch2"], "s2": ["ch3", "ch4"]})
    assert r.per_event == {"id_0": (1, 0, 1), "id_1": (3, 0, 0)}
    assert r.precision == 1.0 and r.recall == pytest.approx(0.75)
    assert r.f_score == pytest.approx((1.25 * 0.5 / (0.25 + 0.5) + 1.0) / 2)
    assert r.subsystem_f_score == 1.0


def test_channel_aware_unexplained_false_positive_and_errors():
    ev = {"a": {"c1": [(10, 20)]}}
    r = channel_aware_f_score(ev, {"c1": [(12, 13)], "c2": [(18, 30)]}, beta=1.0)
    assert r.per_event["a"] == (1, 1, 0) and r.f_score == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="not a key of predictions"):
        channel_aware_f_score({"a": {"c9": [(1, 2)]}}, {"c1": []})
    with pytest.raises(ValueError, match="beta"):
        channel_aware_f_score(ev, {"c1": []}, beta=0.0)
    with pytest.raises(ValueError, match="predictions"):
        channel_aware_f_score(ev, {})
    with pytest.raises(ValueError, match="events"):
        channel_aware_f_score({"a": {"c1": [(5, 1)]}}, {"c1": []})
