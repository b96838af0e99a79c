"""``hwsim detect FILE``: generated telemetry with known anomalies (detected with the default label-free settings
after a nominal training stretch, as timestamped intervals, plots, the settings used and a runtime bundle holding
the scaling), irregular timestamps in a Parquet file (telemanom's settings, fitted on the whole file), --train-until,
the settings options, an export the runtime cannot run (a clear message), and a series too short (clear error
before any training)."""

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from hwsim.cli import cli


def _two_channels(T: int = 1200) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    t = np.arange(T)
    a = np.sin(2 * np.pi * t / 50) + 0.05 * rng.standard_normal(T)
    b = 0.5 * np.cos(2 * np.pi * t / 80) + 0.05 * rng.standard_normal(T)
    a[800:812] += 2.5                       # burst on channel 1
    b[1000:1006] -= 2.0                     # dip on channel 2
    time = pd.Timestamp("2026-03-01") + pd.to_timedelta(4 * t, unit="s")
    return pd.DataFrame({"time": time.strftime("%Y-%m-%dT%H:%M:%S"), "wheel_current_A": 1.2 + 0.3 * a,
                         "bus_voltage_V": 28 + b})


def _irregular(T: int = 1000) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    t = np.cumsum(rng.uniform(0.5, 5.0, T))             # irregular sampling, seconds
    x = np.sin(2 * np.pi * np.arange(T) / 40) + 0.05 * rng.standard_normal(T)
    x[700:706] += 2.0
    return pd.DataFrame({"t_s": t, "temp_C": 20 + 2 * x})


def _run(args):
    return CliRunner().invoke(cli, ["detect", *map(str, args)])


def _covers(df, channel, a, b):
    rows = df[df["channel"] == channel]
    return ((rows["start_index"] <= b) & (rows["end_index"] >= a)).any()


def test_known_anomalies_on_two_channels_with_timestamps_plots_and_bundle(tmp_path):
    """Default detector (auto) and settings (label_free), trained on the nominal first 701 samples (the anomalies
    start at 800 and 1000): both anomalies are found, the run states its settings (the documented defaults, written
    out here), and each channel's bundle holds the scaling. On these noisy sinusoids the linear predictor (a sampled
    sine obeys an exact two-term recurrence) forecasts the held-out part better than the 3-epoch convolutional one,
    so auto runs linear_ar, which reads both channels (watched one first)."""
    from fdir.runtime import load, read_bundle

    data = _two_channels()
    data.to_csv(tmp_path / "tm.csv", index=False)
    out, bundle = tmp_path / "out", tmp_path / "bundle"
    r = _run([tmp_path / "tm.csv", "--time-column", "time", "--train-until", data["time"].iloc[700], "--epochs", 3,
              "--out", out, "--export", bundle])
    assert r.exit_code == 0, r.output
    assert "[hwsim detect] training linear_ar on channel bus_voltage_V (2/2)" in r.output     # progress lines
    assert "chosen on the held-out 30 % of the training part: linear_ar" in r.output
    assert ("settings (label_free): thresholder spot_or_ndt(merge_gap=100, q=0.0001), transform auto, budget "
            "series, flat line 20 samples") in r.output
    assert "label_free is the default with a nominal training part" in r.output
    assert "note: no --train" not in r.output
    used = json.loads((out / "settings.json").read_text())
    assert (used["thresholder"], used["thresholder_params"], used["transform"], used["budget"], used["flat_line"],
            used["training_samples"]) == ("spot_or_ndt", {"merge_gap": 100, "q": 0.0001}, "auto", "series", 20, 701)
    assert used["differenced"] == {"wheel_current_A": False, "bus_voltage_V": False}   # stationary sinusoids
    df = pd.read_csv(out / "anomalies.csv")
    assert list(df.columns[:5]) == ["start", "end", "channel", "stream", "score"]
    assert _covers(df, "wheel_current_A", 800, 811) and _covers(df, "bus_voltage_V", 1000, 1005)
    stamps = pd.to_datetime(data["time"])
    for _, row in df.iterrows():                        # start/end are the file's own time values (exact)
        assert pd.Timestamp(row["start"]) == stamps[row["start_index"]]
        assert pd.Timestamp(row["end"]) == stamps[row["end_index"]]
    assert (out / "wheel_current_A.png").stat().st_size > 10_000 and (out / "bus_voltage_V.png").exists()
    for ch, other in (("wheel_current_A", "bus_voltage_V"), ("bus_voltage_V", "wheel_current_A")):
        spec, arrays = read_bundle(bundle / ch)
        assert spec["scaling"]["method"] == "minmax"
        v = data[[ch, other]].to_numpy()[:701]          # the training rows: the scaling is fitted on them
        np.testing.assert_allclose(arrays["input.mean"], (v.max(0) + v.min(0)) / 2, rtol=1e-6)  # float32 storage
        np.testing.assert_allclose(arrays["input.std"], (v.max(0) - v.min(0)) / 2, rtol=1e-6)
        assert (spec["version"], spec["detector"]["threshold"]["method"]) == (7, "spot_or_ndt")  # quarantine
        load(bundle / ch)                               # a runnable runtime bundle
    json.dumps(spec)


def test_irregular_timestamps_parquet_single_column_with_a_gap(tmp_path):
    """Fitted on the whole file (unsupervised) with telemanom's settings (the default there): its windowed NDT finds
    the burst although the burst is in the training errors (label_free's SPOT is calibrated on those errors; the
    command then prints a note, test_settings_options_and_summary)."""
    data = _irregular()
    data.loc[300:304, "temp_C"] = np.nan                # a gap: filled for the model, never flagged
    data.to_parquet(tmp_path / "irr.parquet")
    r = _run([tmp_path / "irr.parquet", "--time-column", "t_s", "--detector", "lof", "--out", tmp_path / "o"])
    assert r.exit_code == 0, r.output
    assert "settings (telemanom): thresholder ndt, transform level, budget channel, flat line off" in r.output
    df = pd.read_csv(tmp_path / "o" / "anomalies.csv")
    assert _covers(df, "temp_C", 700, 705) and not _covers(df, "temp_C", 300, 304)
    t = data["t_s"].to_numpy()
    np.testing.assert_array_equal(df["start"].to_numpy(), t[df["start_index"].to_numpy()])   # exact: file values
    np.testing.assert_array_equal(df["end"].to_numpy(), t[df["end_index"].to_numpy()])


def test_train_until_and_train_file_fit_on_the_first_part(tmp_path):
    data = _irregular()
    data.to_csv(tmp_path / "irr.csv", index=False)
    cut = data["t_s"].iloc[600]
    r = _run([tmp_path / "irr.csv", "--time-column", "t_s", "--train-until", cut, "--detector", "lof",
              "--out", tmp_path / "o"])
    assert r.exit_code == 0, r.output
    assert "training lof on 601 samples" in r.output
    assert _covers(pd.read_csv(tmp_path / "o" / "anomalies.csv"), "temp_C", 700, 705)
    data.iloc[:601].to_csv(tmp_path / "train.csv", index=False)          # the same split as a separate file
    r2 = _run([tmp_path / "irr.csv", "--time-column", "t_s", "--train", tmp_path / "train.csv", "--detector", "lof",
               "--out", tmp_path / "o2"])
    assert r2.exit_code == 0, r2.output
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "o2" / "anomalies.csv"),
                                  pd.read_csv(tmp_path / "o" / "anomalies.csv"))     # exact: same training rows


@pytest.mark.parametrize("detector", ["dense_float", "lof"])
def test_too_short_series_fails_before_training(tmp_path, detector):
    _irregular(40).to_csv(tmp_path / "short.csv", index=False)
    r = _run([tmp_path / "short.csv", "--time-column", "t_s", "--detector", detector, "--out", tmp_path / "o"])
    assert r.exit_code != 0
    assert "has 40 samples" in r.output and "needs at least" in r.output and "nothing was trained" in r.output
    assert "[hwsim detect] training" not in r.output and not (tmp_path / "o").exists()


def test_bad_options_are_named(tmp_path):
    _irregular(100).to_csv(tmp_path / "x.csv", index=False)
    r = _run([tmp_path / "x.csv", "--columns", "pressure"])
    assert r.exit_code != 0 and "--columns" in r.output
    r = _run([tmp_path / "x.csv", "--train-until", "3.0"])
    assert r.exit_code != 0 and "--time-column" in r.output
    r = _run([tmp_path / "x.csv", "--detector", "nope"])
    assert r.exit_code != 0 and "--detector" in r.output


def test_settings_options_and_summary(tmp_path):
    """Single entries override the named settings, the summary and settings.json say so; fitted on the whole file,
    SPOT gets a note that its thresholds are calibrated on errors that include the anomalies, and without
    --settings the whole-file run takes telemanom's settings and says why."""
    _irregular().to_csv(tmp_path / "irr.csv", index=False)
    r = _run([tmp_path / "irr.csv", "--time-column", "t_s", "--detector", "lof", "--settings", "telemanom",
              "--thresholder", "spot", "--q", "1e-4", "--flat-line", 25, "--out", tmp_path / "o"])
    assert r.exit_code == 0, r.output
    assert ("settings (telemanom, changed): thresholder spot(merge_gap=100, q=0.0001), transform level, budget "
            "channel, flat line 25 samples") in r.output
    assert "note: no --train/--train-until" in r.output
    used = json.loads((tmp_path / "o" / "settings.json").read_text())
    assert (used["settings"], used["thresholder_params"]["q"], used["flat_line"]) == ("telemanom", 1e-4, 25)
    r = _run([tmp_path / "irr.csv", "--detector", "lof", "--flat-line", "off", "--transform", "level", "--budget",
              "channel", "--thresholder", "ndt", "--out", tmp_path / "o2"])
    assert r.exit_code == 0, r.output
    assert "settings (telemanom): thresholder ndt, transform level, budget channel, flat line off" in r.output
    assert "telemanom is the default without --train/--train-until" in r.output   # unsupervised: telemanom's NDT


@pytest.mark.parametrize(("args", "hint"), [
    (["--thresholder", "ndt", "--q", "1e-3"], "--q"),        # q is SPOT's risk
    (["--q", "0.05"], "--q"),                                # SPOT needs q < 1 - level = 0.02
    (["--q", "0"], "--q"), (["--q", "nan"], "--q"),
    (["--flat-line", "2"], "--flat-line"), (["--flat-line", "x"], "--flat-line"),
    (["--thresholder", "cusum"], "--thresholder"), (["--settings", "best"], "--settings"),
    (["--transform", "log"], "--transform"), (["--budget", "global"], "--budget"),
])
def test_bad_settings_options_are_named_before_training(tmp_path, args, hint):
    _irregular(100).to_csv(tmp_path / "x.csv", index=False)
    r = _run([tmp_path / "x.csv", "--detector", "lof", "--out", tmp_path / "o", *args])
    assert r.exit_code == 2 and hint in r.output, r.output      # click's usage error
    assert "[hwsim detect] training" not in r.output and not (tmp_path / "o").exists()


def test_export_the_runtime_cannot_run_is_a_clear_message(tmp_path):
    """The LOF baseline has no runtime bundle: --export gives the reason in one message (exit status 1, no
    traceback), after the intervals and plots were written, and writes no bundle."""
    data = _irregular()
    data.to_csv(tmp_path / "irr.csv", index=False)
    r = _run([tmp_path / "irr.csv", "--time-column", "t_s", "--train-until", data["t_s"].iloc[600], "--detector",
              "lof", "--out", tmp_path / "o", "--export", tmp_path / "b"])
    assert r.exit_code == 1 and isinstance(r.exception, SystemExit), r.output
    assert "Error: --export: nothing exported: " in r.output and "no runtime export" in r.output
    assert "Traceback" not in r.output
    assert (tmp_path / "o" / "anomalies.csv").exists() and not (tmp_path / "b").exists()


def test_error_panel_range_ignores_a_brief_threshold_excursion():
    """The error panel's y range (hwsim.cli.detect._error_range): every error and each threshold's 95th percentile
    plus 10 %, so a 2-sample excursion to 88 (among 102 threshold samples, 100 at 3) stays out and is counted; worked
    by hand: 95th percentile of the threshold = 3, top = 3 + 0.1 * (3 - 0) = 3.3, 2 samples above."""
    from hwsim.cli.detect import _error_range

    streams = np.array([[0.5] * 101 + [2.0, np.nan]])
    thr = np.array([[3.0] * 50 + [88.0, 88.0] + [3.0] * 50 + [np.nan]])
    lo, top, above = _error_range(streams, thr)
    assert (lo, above) == (0.0, 2)
    assert top == pytest.approx(3.3, rel=1e-12)
    assert _error_range(streams, None) == pytest.approx((0.0, 2.2, 0))          # errors only: 2.0 + 10 %
    assert _error_range(np.full((2, 5), np.nan), thr[:, :5]) == (0.0, 1.0, 0)   # nothing scored
    inf = np.where(np.isnan(thr), np.nan, np.inf)
    assert _error_range(streams, inf) == pytest.approx((0.0, 2.2, 102))         # no finite threshold: all above


def test_auto_detector_records_its_held_out_choice(tmp_path):
    data = _irregular()
    data.to_csv(tmp_path / "irr.csv", index=False)
    r = _run([tmp_path / "irr.csv", "--time-column", "t_s", "--train-until", data["t_s"].iloc[600], "--detector",
              "auto", "--epochs", "2", "--out", tmp_path / "o"])
    assert r.exit_code == 0, r.output
    rec = json.loads((tmp_path / "o" / "settings.json").read_text())
    assert rec["detector"] == "auto" and rec["chosen"] in ("dense_float", "linear_ar")
    assert set(rec["heldout_error"]) == {"dense_float", "linear_ar"}
    assert rec["heldout_error"][rec["chosen"]] == min(rec["heldout_error"].values())
    assert f"chosen on the held-out 30 % of the training part: {rec['chosen']}" in r.output
    assert _covers(pd.read_csv(tmp_path / "o" / "anomalies.csv"), "temp_C", 700, 705)
