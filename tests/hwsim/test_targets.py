"""Target catalogue: every shipped file loads with provenance; bad files fail naming file, row and field."""

import json
import math

import pytest
from click.testing import CliRunner

from hwsim.targets.catalogue import TargetError, load, names, path_of
from hwsim.targets.schema import STATUSES


def test_every_target_loads_with_provenance():
    assert len(names()) >= 14
    for n in names():
        t = load(n)
        rows = t.provenance()
        assert rows, n
        for r in rows:
            assert r["status"] in STATUSES and r["source"].strip(), (n, r)
            assert math.isfinite(r["value"]) or r["field"].endswith("capacity_B"), (n, r)


def test_catalogue_covers_the_issue():
    have = set(names())
    for n in ("horowitz_45nm_accel", "eyeriss_like", "a100_sxm4_80gb", "jetson_orin_nano_8gb", "stm32h7_mcu",
              "gr712rc", "gr740", "rad750", "loihi", "truenorth", "spinnaker2", "rram_cim", "mtj_core"):
        assert n in have


def test_derived_numbers_follow_their_formulas():
    a = load("a100_sxm4_80gb")
    assert a.tables["peak_macs_per_s"]["bf16"].value == pytest.approx(312e12 / 2)
    assert a.tables["mac_J"]["int8"].value == pytest.approx(400 / 312e12)
    h = load("horowitz_45nm_accel")
    assert h.tables["mac_J"]["int8"].value == pytest.approx(0.2e-12 + 0.03e-12)
    assert h.memory[-1].energy_J_per_B.value == pytest.approx(1.3e-9 / 8)
    gr = load("gr712rc")
    assert gr.p("instr_J") == pytest.approx(1.5 / 200e6)
    cim = load("rram_cim")
    assert cim.p("adc_fom_J_per_step") * 2 ** cim.p("adc_enob") == pytest.approx(cim.p("adc_J"))


def test_loihi_fit_is_consistent_with_the_shipped_value():
    from hwsim.targets.calibrate import fit_loihi

    f = fit_loihi()
    assert f["stored_primitive_J"] == pytest.approx(f["kws_primitive_J"], rel=1e-6)
    assert f["stored_host_io_step_J"] == pytest.approx(f["host_io_step_J"], rel=1e-6)
    # the primitive-only estimate is orders of magnitude below the measurement (reference pitfall)
    assert f["kws_dynamic_J"] / f["kws_primitive_J"] > 30
    # Blouw et al. Table 1 / section "Data I/O": 0.081 W / 296 inf/s, of which ~70 mW x 1/296 s is x86 power
    assert f["kws_dynamic_J"] == pytest.approx(0.081 / 296, rel=1e-12)
    assert f["kws_host_awake_J"] == pytest.approx(0.070 / 296, rel=1e-12)
    # the parts add up to the measurement (10 steps per inference: NengoLoihi example, dt 1 ms, p_time 10)
    parts = f["kws_host_awake_J"] + f["kws_primitive_J"] + 10 * f["host_io_step_J"]
    assert parts == pytest.approx(0.081 / 296, rel=1e-12)


def test_loihi_host_io_is_a_deployment_choice():
    # streamed input (default): the fitted host I/O energy every step; inputs held on chip: none
    streamed, on_chip = load("loihi"), load("loihi", {"_host_io_per_step": 0.0})
    assert streamed.p("timestep_J") == pytest.approx(streamed.p("_host_io_step_J"), rel=1e-12)
    assert on_chip.p("timestep_J") == 0.0
    # static power = idle from boot 0.029 W + x86 power once deployed 0.070 W (Blouw et al.), either way
    assert streamed.p("static_power_W") == on_chip.p("static_power_W") == pytest.approx(0.099, rel=1e-12)


def _write(tmp_path, data, name="t.json"):
    p = tmp_path / name
    p.write_text(json.dumps(data))
    return p


def _base():
    return json.loads(path_of("truenorth").read_text())


@pytest.mark.parametrize(("mutate", "row", "field"), [
    (lambda d: d["params"].pop("synop_J"), "params.synop_J", "value"),
    (lambda d: d["params"]["synop_J"].update(value=-1.0), "params.synop_J", "value"),
    (lambda d: d["params"]["synop_J"].update(unit="pJ"), "params.synop_J", "unit"),
    (lambda d: d["params"]["synop_J"].update(status="guessed"), "params.synop_J", "status"),
    (lambda d: d["params"]["synop_J"].update(source=" "), "params.synop_J", "source"),
    (lambda d: d["params"].update(bogus={"value": 1, "unit": "J", "status": "assumed", "source": "x"}),
     "params.bogus", "name"),
    (lambda d: d["params"]["synop_J"].pop("value") and d["params"]["synop_J"].update(expr="nope * 2"),
     "params.synop_J", "expr"),
    (lambda d: d["params"]["synop_J"].pop("value") and d["params"]["synop_J"].update(provider="os.system"),
     "params.synop_J", "provider"),
    (lambda d: d.update({"class": "quantum"}), "class", "class"),
])
def test_bad_files_name_file_row_and_field(tmp_path, mutate, row, field):
    d = _base()
    mutate(d)
    p = _write(tmp_path, d)
    with pytest.raises(TargetError) as e:
        load(p)
    msg = str(e.value)
    assert "t.json" in msg and row in msg and repr(field) in msg


def test_unknown_target_and_bad_json(tmp_path):
    with pytest.raises(TargetError, match=r"unknown target 'nope'.*loihi"):
        load("nope")
    p = tmp_path / "bad.json"
    p.write_text("{not json")
    with pytest.raises(TargetError, match=r"bad\.json: not valid JSON"):
        load(p)


def test_array_target_needs_matching_tables(tmp_path):
    d = json.loads(path_of("horowitz_45nm_accel").read_text())
    d["mac_J"].pop("fp32")
    with pytest.raises(TargetError, match="mac_J"):
        load(_write(tmp_path, d))


def test_cli_list_and_show():
    from hwsim.cli.targets import targets

    r = CliRunner().invoke(targets, ["list", "--json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert {x["name"] for x in rows} == set(names())
    r = CliRunner().invoke(targets, ["show", "loihi", "--json"])
    assert r.exit_code == 0
    d = json.loads(r.output)
    synop = next(x for x in d["numbers"] if x["field"] == "params.synop_J")
    assert synop["value"] == pytest.approx(23.6e-12) and synop["status"] == "paper"
    r = CliRunner().invoke(targets, ["show", "loihi"])
    assert r.exit_code == 0 and "Davies" in r.output
    r = CliRunner().invoke(targets, ["show", "nope"])
    assert r.exit_code != 0 and "unknown target" in r.output
