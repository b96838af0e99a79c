"""``hwsim detect FILE``: generated telemetry with known anomalies (detected, as timestamped intervals, plots and
a runtime bundle holding the scaling), irregular timestamps in a Parquet file, --train-until, and a series too short
(clear error before any training)."""

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
    from fdir.runtime import load, read_bundle

    data = _two_channels()
    data.to_csv(tmp_path / "tm.csv", index=False)
    out, bundle = tmp_path / "out", tmp_path / "bundle"
    r = _run([tmp_path / "tm.csv", "--time-column", "time", "--epochs", 3, "--out", out, "--export", bundle])
    assert r.exit_code == 0, r.output
    assert "[hwsim detect] training dense_float on channel bus_voltage_V (2/2)" in r.output   # progress lines
    df = pd.read_csv(out / "anomalies.csv")
    assert list(df.columns[:5]) == ["start", "end", "channel", "stream", "score"]
    assert _covers(df, "wheel_current_A", 800, 811) and _covers(df, "bus_voltage_V", 1000, 1005)
    stamps = pd.to_datetime(data["time"])
    for _, row in df.iterrows():                        # start/end are the file's own time values (exact)
        assert pd.Timestamp(row["start"]) == stamps[row["start_index"]]
        assert pd.Timestamp(row["end"]) == stamps[row["end_index"]]
    assert (out / "wheel_current_A.png").stat().st_size > 10_000 and (out / "bus_voltage_V.png").exists()
    for ch in ("wheel_current_A", "bus_voltage_V"):
        spec, arrays = read_bundle(bundle / ch)
        assert spec["scaling"]["method"] == "minmax"
        v = data[ch].to_numpy()
        np.testing.assert_allclose(arrays["input.mean"], [(v.max() + v.min()) / 2], rtol=1e-6)  # float32 storage
        np.testing.assert_allclose(arrays["input.std"], [(v.max() - v.min()) / 2], rtol=1e-6)
        load(bundle / ch)                               # a runnable runtime bundle
    json.dumps(spec)


def test_irregular_timestamps_parquet_single_column_with_a_gap(tmp_path):
    data = _irregular()
    data.loc[300:304, "temp_C"] = np.nan                # a gap: filled for the model, never flagged
    data.to_parquet(tmp_path / "irr.parquet")
    r = _run([tmp_path / "irr.parquet", "--time-column", "t_s", "--detector", "lof", "--out", tmp_path / "o"])
    assert r.exit_code == 0, r.output
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
