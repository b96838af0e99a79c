"""telemanom protocol over a spacecraft (fdir.protocols.telemanom.run_telemanom): aggregation, P-2 counted twice,
input checks, and the published anchor counts (reference sheet §4)."""

import pytest

from fdir.detectors.forecaster import ForecasterConfig
from fdir.metrics.telemanom import EventCounts, telemanom_counts
from fdir.protocols.telemanom import PUBLISHED, run_telemanom

TINY = ForecasterConfig(conv_channels=(4, 4), hidden=8, epochs=2, max_train_windows=400, residual=False, members=1,
                        skip="fixed")


def test_published_counts_reproduce_the_paper_figures():
    smap, msl = EventCounts(**PUBLISHED["SMAP"]), EventCounts(**PUBLISHED["MSL"])
    assert smap.tp + smap.fn == 69 and msl.tp + msl.fn == 36
    assert (smap.precision, smap.recall, smap.f1) == pytest.approx((0.838, 0.899, 0.867), abs=5e-4)
    assert (msl.precision, msl.recall, msl.f1) == pytest.approx((0.962, 0.694, 0.806), abs=5e-4)


@pytest.fixture(scope="module")
def subset():
    return run_telemanom("SMAP", TINY, channels=["P-2", "A-1"])


def test_subset_run_aggregates_rows(subset):
    res = subset
    assert res.channels == ("A-1", "P-2") or set(res.channels) == {"A-1", "P-2"}
    rows = {(r["chan_id"], r["row"]) for r in res.rows}
    assert sum(c == "P-2" for c, _ in rows) == 2 and len(res.rows) == 3   # P-2 trained once, counted twice
    p2 = [r for r in res.rows if r["chan_id"] == "P-2"]
    assert p2[0]["detections"] == p2[1]["detections"]
    total = EventCounts(0, 0, 0)
    for r in res.rows:
        c = telemanom_counts(r["labels"], r["detections"])
        assert (c.tp, c.fp, c.fn) == (r["tp"], r["fp"], r["fn"])
        total = total + c
    assert (res.tp, res.fp, res.fn) == (total.tp, total.fp, total.fn)
    assert res.tp + res.fn == 3                                             # one label per row
    assert res.f1 == pytest.approx(total.f1) and res.f05 == pytest.approx(total.f05)
    s = res.summary()
    assert s["label_rows"] == 3 and s["wall_s"] > 0 and s["f1"] == res.f1
    from fdir.metrics.esa import esa_counts

    esa = None                                                              # ESA figures: same rows, same detections
    for r in res.rows:
        c = esa_counts(sorted(r["labels"]), sorted(r["detections"]), r["n_test"])
        esa = c if esa is None else esa + c
    assert s["esa_f0_5_corrected"] == pytest.approx(esa.as_dict()["esa_f0_5_corrected"])
    assert 0.0 <= s["esa_f0_5_corrected"] <= 1.0 and 0.0 <= s["esa_precision_corrected"] <= 1.0
    for r in res.rows:                                                     # detections in test coordinates
        assert all(TINY.l_s <= a <= b for a, b in r["detections"])
        assert r["skip_gain"] == 0.0 and r["val_loss"] > 0                  # absolute model: no skip term


def test_input_checks():
    with pytest.raises(ValueError, match="spacecraft"):
        run_telemanom("HST")
    with pytest.raises(ValueError, match="not labelled channels of spacecraft='MSL'"):
        run_telemanom("MSL", TINY, channels=["A-1"])
    with pytest.raises(ValueError, match="n_jobs"):
        run_telemanom("SMAP", TINY, channels=["A-1"], n_jobs=0)
    with pytest.raises(ValueError, match="p2"):
        run_telemanom("SMAP", TINY, channels=["P-2"], p2="drop")
    with pytest.raises(ValueError, match="at least one"):
        run_telemanom("SMAP", TINY, channels=[])
