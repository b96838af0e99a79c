"""``hwsim cost MODEL``, :func:`hwsim.cost.cost_model` and the ``model_cost`` sweep experiment on ONNX (and NIR when
``snn.nir.nir_workload`` exists). Expected values come from the model's own shapes (parameter counts x bytes per
element) and the published capabilities behind :mod:`hwsim.cost.support`; tolerances are stated per assertion."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from hwsim.cli import cli
from hwsim.targets.catalogue import load, names

CNN_PARAMS = 16 * 3 * 9 + 16 + 4 * 16 + 32 * 4 * 9 + 10 * 32 + 10  # conv1(+b), bn (4 x 16), conv2, fc(+b)
CNN_MACS = 16 * 32 * 32 * 27 + 32 * 8 * 8 * 4 * 9 + 32 * 10  # conv1, conv2, fc (GEMM MACs)


@pytest.fixture
def cnn_path(onnx_models, tmp_path):
    import onnx

    p = tmp_path / "cnn.onnx"
    onnx.save(onnx_models.cnn(), str(p))
    return p


def test_cost_model_rows_formats_and_support(cnn_path):
    from hwsim.cost import cost_model

    df = cost_model(cnn_path, bits=["stored", "int8"])
    assert len(df) == 2 * len(names()) and set(df["bits"]) == {"stored", "int8"}
    # memory: stored float32 = 4 B per parameter, int8 = 1 B (exact)
    w = df.groupby("bits")["weights_B"].first()
    assert w["stored"] == 4 * CNN_PARAMS and w["int8"] == CNN_PARAMS
    # one op per output of BN and ReLU1 (16x32x32), per kernel element of the 2x2 max pool (16x16x16 x 4), per
    # output of ReLU2 (32x8x8) and per input of the global average pool (32 x 8x8): exact
    vector = 2 * 16 * 32 * 32 + 16 * 16 * 16 * 4 + 32 * 8 * 8 + 32 * 8 * 8
    assert np.all(df["macs"] - vector == CNN_MACS)
    for r in df.itertuples():
        cls = load(r.target).cls
        if cls == "neuromorphic":  # a dense CNN is not executed by a spiking chip without conversion
            assert not r.supported and "ANN-to-SNN" in r.unsupported_reason
        if r.target in ("eyeriss_like", "eyeriss_like_16b", "rram_cim") and r.bits == "stored":
            assert not r.supported and "fp32" in r.unsupported_reason  # integer-only datapaths
        if r.supported:
            assert math.isfinite(r.energy_J) and r.energy_J > 0 and r.latency_s > 0 and r.unsupported_reason == ""
        else:
            assert math.isnan(r.energy_J) and math.isnan(r.latency_s) and r.unsupported_reason
    assert df.query("target == 'eyeriss_like' and bits == 'int8'")["supported"].item()


def test_cli_prints_table_and_writes_csv(cnn_path, tmp_path):
    out = tmp_path / "c.csv"
    res = CliRunner().invoke(cli, ["cost", str(cnn_path), "-t", "gr740", "-t", "loihi", "--bits", "int8",
                                   "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "gr740" in res.output and "loihi" in res.output and "no: neuromorphic" in res.output
    df = pd.read_csv(out)
    assert list(df["target"]) == ["gr740", "loihi"] and list(df["bits"]) == ["int8", "int8"]
    assert df["supported"].tolist() == [True, False]
    assert df["weights_B"].tolist() == [CNN_PARAMS, CNN_PARAMS]


@pytest.mark.parametrize("args, message", [
    (["--bits", "int99"], "bits"), (["-t", "not_a_chip"], "not_a_chip"), (["--batch", "0"], "batch"),
])
def test_cli_rejects_bad_options(cnn_path, tmp_path, args, message):
    res = CliRunner().invoke(cli, ["cost", str(cnn_path), "--out", str(tmp_path / "x.csv"), *args])
    assert res.exit_code != 0 and message in res.output


def test_cli_rejects_unknown_file_type(tmp_path):
    p = tmp_path / "model.pt"
    p.write_bytes(b"x")
    res = CliRunner().invoke(cli, ["cost", str(p)])
    assert res.exit_code != 0 and ".onnx" in res.output


def test_model_cost_experiment_and_report(cnn_path, tmp_path):
    """The sweep experiment over targets and formats; the report lists the unsupported designs apart."""
    from hwsim.experiments import resolve
    from hwsim.experiments_cost import model_cost
    from hwsim.report.writer import write_report
    from hwsim.sweep import load_spec, run_sweep

    assert resolve("model_cost").func is model_cost
    r = model_cost(model=str(cnn_path), target="horowitz_45nm_accel", bits="int8", density=0.5)
    assert r["supported"] and r["target"] == "horowitz_45nm_accel" and r["energy_J"] > 0
    with pytest.raises(ValueError, match="bits"):
        model_cost(model=str(cnn_path), bits="int1")
    spec = tmp_path / "s.toml"
    spec.write_text(f"""name = "onnx_cost"
experiment = "model_cost"
[fixed]
model = "{cnn_path}"
[axes]
target = ["gr740", "loihi"]
bits = ["stored", "int8"]
[report]
objectives = ["energy_J:min", "latency_s:min"]
group_by = ["target"]
""")
    run_sweep(load_spec(str(spec)), tmp_path / "run", executor="serial")
    md = write_report(tmp_path / "run").markdown.read_text()
    assert "## Designs a target cannot execute" in md
    section = md.split("## Designs a target cannot execute")[1]
    assert "loihi" in section and "gr740" not in section


def test_cost_of_a_nir_snn(tmp_path):
    """A NIR Affine -> LIF -> Affine -> LIF graph written with the `nir` package, costed through snn's importer:
    with 8-bit integer weights it runs on Loihi (spikes, int8 weights, Davies et al. 2018) and costs synaptic ops."""
    nir = pytest.importorskip("nir", reason="the nir package is not installed")
    try:
        from snn.nir import nir_workload  # noqa: F401
    except ImportError:
        pytest.skip("snn.nir.nir_workload is not available yet (the NIR importer of snn, issue 20)")
    from hwsim.cost import cost_model

    r = np.random.default_rng(0)
    lif = {"tau": np.full(8, 2e-3), "r": np.ones(8), "v_leak": np.zeros(8), "v_threshold": np.ones(8),
           "v_reset": np.zeros(8)}
    lif2 = {k: v[:3] for k, v in lif.items()}
    g = nir.NIRGraph.from_list(nir.Affine(weight=r.normal(size=(8, 4)), bias=np.zeros(8)), nir.LIF(**lif),
                               nir.Affine(weight=r.normal(size=(3, 8)), bias=np.zeros(3)), nir.LIF(**lif2))
    path = tmp_path / "snn.nir"
    nir.write(str(path), g)
    df = cost_model(path, targets=["loihi", "gr740"], bits=["int8"], n_steps=50)
    assert df["synops"].gt(0).all()
    assert df["supported"].all(), df["unsupported_reason"].tolist()
    assert np.isfinite(df["energy_J"]).all()
