"""Seeds x thresholder candidates on SMAP/MSL and cross-spacecraft selection (fdir.protocols.selection): the store
resumes without refitting finished pairs, failures are recorded, the selection never looks at the reported
spacecraft, and bad arguments raise ValueError naming the parameter. A cheap stand-in detector (|x - training mean|)
keeps these fast; the protocol is the same for any pipeline."""

import math

import numpy as np
import pandas as pd
import pytest

from fdir.metrics.telemanom import telemanom_counts
from fdir.pipeline import Pipeline
from fdir.protocols.selection import ROW_COLUMNS, RegistryPipeline, cross_spacecraft, run_pipeline_seeds, summarise
from fdir.thresholders import NDTThresholder

CHANNELS = ["T-9", "S-2"]     # MSL, 439 / 926 training samples, 2 / 1 labelled anomalies


class MeanDistance:
    """Detector protocol stand-in: one stream |x_0 - mean of the training x_0|; counts its fits in ``log`` (kept
    private, so not part of the settings that key the store)."""

    stream_names = ("distance",)

    def __init__(self, log: list, min_train_length: int = 10):
        self._log, self.min_train_length = log, min_train_length

    def fit(self, train):
        self._log.append(train.shape[0])
        self.mean = float(np.mean(train[:, 0]))
        return self

    def scores(self, x):
        return np.abs(x[:, :1].T - self.mean)

    def workload(self):
        raise NotImplementedError

    def export(self):
        raise NotImplementedError


def factory(log, min_train_length=10):
    def make(seed):
        return Pipeline(lambda: MeanDistance(log, min_train_length), NDTThresholder, scaling="none",
                        per_channel=False, transform="level", flat_line=None)
    return make


CANDIDATES = {"default": None, "ndt_again": NDTThresholder}


def test_rows_count_each_label_row_and_resume_skips_finished_pairs(tmp_path):
    from fdir.data.smap_msl import load_channel

    log = []
    first = run_pipeline_seeds(factory(log), "MSL", (0,), CANDIDATES, channels=CHANNELS, store=tmp_path)
    assert len(log) == 2                                            # one fit per (seed, channel) pair
    assert list(first.columns) == list(ROW_COLUMNS) and len(first) == 2 * len(CANDIDATES)
    assert (first["error"] == "").all()
    for chan, g in first.groupby("channel"):                       # counts: telemanom's rule on the detections
        ch = load_channel(chan)
        pipe = factory([])(0).fit(ch.train)
        det = pipe.detect(ch.test)[["start_index", "end_index"]].to_numpy().tolist()
        c = telemanom_counts(ch.labels[0].sequences, det)
        for _, r in g.iterrows():                                   # both candidates are the same NDT
            assert (r.tp, r.fp, r.fn, r.n_detections) == (c.tp, c.fp, c.fn, len(det))
            assert r.label_row == ch.labels[0].row and r.seconds >= r.fit_s >= 0
    again = run_pipeline_seeds(factory(log), "MSL", (0,), CANDIDATES, channels=CHANNELS, store=tmp_path)
    assert len(log) == 2                                            # nothing refitted
    pd.testing.assert_frame_equal(again, first)
    more = run_pipeline_seeds(factory(log), "MSL", (0, 1), CANDIDATES, channels=CHANNELS, store=tmp_path)
    assert len(log) == 4 and sorted(set(more["seed"])) == [0, 1]   # only seed 1's two pairs are new
    part = next(tmp_path.glob("part-s1-MSL-S-2-*.parquet"))
    part.unlink()                                                   # as if the run had stopped before that pair
    run_pipeline_seeds(factory(log), "MSL", (0, 1), CANDIDATES, channels=CHANNELS, store=tmp_path)
    assert len(log) == 5
    other = {"default": None, "ndt_again": NDTThresholder, "third": NDTThresholder}
    run_pipeline_seeds(factory(log), "MSL", (0,), other, channels=CHANNELS, store=tmp_path)
    assert len(log) == 7                                            # a new candidate needs the pairs again


def test_failing_channel_and_candidate_are_recorded_and_the_run_goes_on(tmp_path):
    def broken():
        raise RuntimeError("no thresholder today")

    log = []
    rows = run_pipeline_seeds(factory(log, min_train_length=500), "MSL", (0,), {**CANDIDATES, "broken": broken},
                              channels=CHANNELS, store=tmp_path)
    t9 = rows[rows["channel"] == "T-9"]                             # 439 training samples < 500
    assert len(t9) == 3 and t9["error"].str.contains("train has 439 samples").all()
    assert (t9["tp"] == 0).all() and (t9["fp"] == 0).all() and (t9["fn"] == 2).all()   # both labels missed
    s2 = rows[rows["channel"] == "S-2"].set_index("candidate")
    assert s2.loc["broken", "error"] == "RuntimeError: no thresholder today" and s2.loc["broken", "fn"] == 1
    assert s2.loc["default", "error"] == "" and s2.loc["ndt_again", "error"] == ""
    assert log == [926]
    run_pipeline_seeds(factory(log, 500), "MSL", (0,), {**CANDIDATES, "broken": broken}, channels=CHANNELS,
                       store=tmp_path)
    assert log == [926]                                             # a recorded failure is a finished pair
    assert summarise(rows).loc[("default", "MSL"), "errors"] == 1


def _rows(table):
    """Synthetic rows: {(candidate, spacecraft): [(tp, fp, fn) per seed]}, one label row per seed."""
    out = []
    for (cand, sc), per_seed in table.items():
        for seed, (tp, fp, fn) in enumerate(per_seed):
            out.append({"seed": seed, "spacecraft": sc, "channel": "X-1", "label_row": 0, "candidate": cand,
                        "tp": tp, "fp": fp, "fn": fn, "error": ""})
    return pd.DataFrame(out)


def f1(tp, fp, fn):
    return 2 * tp / (2 * tp + fp + fn)


TABLE = {
    ("default", "SMAP"): [(6, 2, 1), (6, 3, 1)], ("default", "MSL"): [(3, 1, 2), (3, 1, 2)],
    ("spot_a", "SMAP"): [(7, 1, 0), (7, 1, 0)], ("spot_a", "MSL"): [(1, 0, 4), (2, 0, 3)],
    ("spot_b", "SMAP"): [(5, 1, 2), (5, 1, 2)], ("spot_b", "MSL"): [(5, 0, 0), (4, 0, 1)],
    ("ndt", "SMAP"): [(7, 0, 0), (7, 0, 0)], ("ndt", "MSL"): [(5, 0, 0), (5, 0, 0)],
}


def test_summarise_gives_per_seed_micro_f1_mean_and_sample_std():
    tab = summarise(_rows(TABLE))
    a, b = f1(1, 0, 4), f1(2, 0, 3)
    r = tab.loc[("spot_a", "MSL")]
    assert r.f1_mean == pytest.approx((a + b) / 2, abs=1e-12)
    assert r.f1_std == pytest.approx(abs(a - b) / math.sqrt(2), abs=1e-12)       # ddof = 1 over two seeds
    assert r.f1_seeds == pytest.approx((a, b), abs=1e-12) and (r.tp, r.fp, r.fn, r.seeds) == (3, 0, 7, 2)
    assert r.precision_mean == pytest.approx(1.0) and r.recall_mean == pytest.approx((0.2 + 0.4) / 2)
    one = summarise(_rows({("default", "SMAP"): [(1, 1, 0)]}))
    assert math.isnan(one.loc[("default", "SMAP"), "f1_std"])


def test_cross_spacecraft_selects_on_the_other_spacecraft():
    out = cross_spacecraft(_rows(TABLE)).set_index("selected_on")
    # on SMAP spot_a is best (ndt is comparison-only), on MSL spot_b; each is reported where it was not chosen
    assert out.loc["SMAP", "candidate"] == "spot_a" and out.loc["SMAP", "reported_on"] == "MSL"
    assert out.loc["SMAP", "f1_mean"] == pytest.approx((f1(1, 0, 4) + f1(2, 0, 3)) / 2, abs=1e-12)
    assert out.loc["SMAP", "selection_f1_mean"] == pytest.approx(f1(7, 1, 0), abs=1e-12)
    assert out.loc["MSL", "candidate"] == "spot_b" and out.loc["MSL", "reported_on"] == "SMAP"
    assert out.loc["MSL", "f1_mean"] == pytest.approx(f1(5, 1, 2), abs=1e-12)
    # the reported spacecraft's labels never enter the choice: make spot_a perfect on MSL, the SMAP pick stays
    changed = {**TABLE, ("spot_a", "MSL"): [(5, 0, 0), (5, 0, 0)]}
    assert cross_spacecraft(_rows(changed)).set_index("selected_on").loc["SMAP", "candidate"] == "spot_a"
    with_ndt = cross_spacecraft(_rows(TABLE), exclude=()).set_index("selected_on")
    assert with_ndt.loc["SMAP", "candidate"] == "ndt"


def test_bad_arguments_raise_naming_the_parameter(tmp_path):
    mk = factory([])
    for seeds in [(), (-1,), (0, 0), (0.5,), "0"]:
        with pytest.raises(ValueError, match="seeds"):
            run_pipeline_seeds(mk, "MSL", seeds, CANDIDATES, channels=CHANNELS)
    for cands in [{}, {"": None}, {"x": 3}]:
        with pytest.raises(ValueError, match="candidates"):
            run_pipeline_seeds(mk, "MSL", (0,), cands, channels=CHANNELS)
    for n in [0, 1.5, True]:
        with pytest.raises(ValueError, match="n_jobs"):
            run_pipeline_seeds(mk, "MSL", (0,), CANDIDATES, channels=CHANNELS, n_jobs=n)
    with pytest.raises(ValueError, match="commands"):
        run_pipeline_seeds(mk, "MSL", (0,), CANDIDATES, channels=CHANNELS, commands="no")
    with pytest.raises(ValueError, match="spacecraft"):
        run_pipeline_seeds(mk, "HST", (0,), CANDIDATES)
    with pytest.raises(ValueError, match="not labelled channels"):
        run_pipeline_seeds(mk, "MSL", (0,), CANDIDATES, channels=["A-1"])
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match="store"):
        run_pipeline_seeds(mk, "MSL", (0,), CANDIDATES, channels=CHANNELS, store=tmp_path / "file")
    with pytest.raises(ValueError, match="make_pipeline"):
        run_pipeline_seeds(None, "MSL", (0,), CANDIDATES, channels=CHANNELS)
    with pytest.raises(ValueError, match="name"):
        RegistryPipeline("no_such_detector")
    with pytest.raises(ValueError, match="epochs"):
        RegistryPipeline(epochs=0)
    with pytest.raises(ValueError, match="rows"):
        summarise([])
    with pytest.raises(ValueError, match="label rows per seed"):
        summarise(pd.concat([_rows(TABLE), _rows({("default", "SMAP"): [(1, 0, 0)]})]))
    with pytest.raises(ValueError, match="both SMAP and MSL"):
        cross_spacecraft(_rows({k: v for k, v in TABLE.items() if k[1] == "SMAP"}))
