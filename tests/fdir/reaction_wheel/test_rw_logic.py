"""FDIR logic: persistence, isolation stability, the recovery table, escalation, safe mode and the decision log."""

import numpy as np
import pytest

from fdir.reaction_wheel.logic import ACTIONS, FAULT_TYPES, WHEELS, FdirConfig, FdirManager, Persistence

RW = {f"RW{i}": i for i in range(1, 5)}
T = {name: i for i, name in enumerate(FAULT_TYPES)}


def feed(mgr, n, wheel="RW2", ftype="offset", channel=1, p=0.9, flag=True):
    acts = []
    for _ in range(n):
        acts.append(ACTIONS[mgr.update(flag, WHEELS.index(wheel) if wheel else -1, p,
                                       T[ftype] if ftype else -1, p, channel)])
    return acts


@pytest.mark.parametrize("n, m", [(1, 1), (2, 3), (3, 5), (4, 7)])
def test_persistence_matches_brute_force(n, m):
    rng = np.random.default_rng(n * 10 + m)
    flags = rng.random(300) < 0.4
    p = Persistence(n, m)
    alarm, clean = False, 0
    for i, f in enumerate(flags):
        got = p.push(bool(f))
        window = flags[max(0, i - m + 1): i + 1]
        clean = 0 if f else clean + 1
        if not alarm and window.sum() >= n:
            alarm = True
        elif alarm and clean >= m:
            alarm = False
        assert got == alarm


def test_sensor_fault_flags_the_channel_after_stable_isolation():
    mgr = FdirManager(FdirConfig(n_of_m=(3, 5), k_stable=2))
    acts = feed(mgr, 4, "RW2", "offset", channel=3)
    # alarm at the 3rd flag, two agreeing candidates (3rd and 4th) isolate and act
    assert acts == ["none", "none", "none", "flag_channel"]
    assert mgr.channel_flagged[1, 2] and not mgr.wheel_off.any() and mgr.level == 1
    events = [r["event"] for r in mgr.log_records()]
    assert events == ["alarm_raised", "evidence", "evidence", "isolated", "action"]


@pytest.mark.parametrize("ftype, action, level", [("impulse", "log", 0), ("friction", "reduce_share", 2),
                                                   ("correlation", "isolate_wheel", 2), ("stuck", "flag_channel", 1),
                                                   ("noise", "flag_channel", 1), ("step", "flag_channel", 1)])
def test_recovery_table(ftype, action, level):
    mgr = FdirManager()
    acts = feed(mgr, 4, "RW3", ftype, channel=2)
    assert acts[-1] == action and mgr.level == level


def test_multi_unit_and_second_wheel_go_to_safe_mode():
    mgr = FdirManager()
    assert feed(mgr, 4, "all", "noise")[-1] == "safe_mode" and mgr.safe_mode
    assert feed(mgr, 3, "RW1", "offset") == ["none"] * 3  # latched: no further decisions
    mgr.ground_reset()
    assert not mgr.safe_mode
    mgr = FdirManager()
    feed(mgr, 4, "RW1", "correlation")
    assert mgr.wheel_off.tolist() == [True, False, False, False]
    feed(mgr, 5, flag=False)  # alarm clears after M clean windows
    assert not mgr.alarm
    assert feed(mgr, 4, "RW4", "correlation")[-1] == "safe_mode"


def test_unknown_isolation_times_out_and_escalates():
    cfg = FdirConfig(isolation_timeout=6)
    mgr = FdirManager(cfg)
    acts = feed(mgr, 8, wheel=None, ftype=None, p=0.2)
    assert "safe_mode" in acts and acts.index("safe_mode") == 7  # 3rd flag raises, 6 flagged in alarm → act
    mgr = FdirManager(cfg)
    acts = feed(mgr, 8, "RW2", ftype=None, p=0.9)  # wheel known, type unknown
    assert acts[-1] == "isolate_wheel" and mgr.wheel_off[1]


def test_unstable_answers_do_not_isolate():
    mgr = FdirManager(FdirConfig(k_stable=3, isolation_timeout=50))
    for i in range(12):
        mgr.update(True, WHEELS.index("RW1" if i % 2 else "RW2"), 0.9, T["offset"], 0.9, 1)
    assert not any(r["event"] == "isolated" for r in mgr.log_records())


def test_failed_recovery_escalates_to_the_next_level():
    mgr = FdirManager(FdirConfig(recovery_windows=3))
    acts = feed(mgr, 4, "RW2", "friction")
    assert acts[-1] == "reduce_share"
    acts = feed(mgr, 3, "RW2", "friction")
    assert acts[-1] == "isolate_wheel" and mgr.wheel_off[1]
    assert [r["event"] for r in mgr.log_records()][-1] == "escalated"


def test_evidence_on_a_switched_off_wheel_is_suppressed():
    mgr = FdirManager()
    feed(mgr, 4, "RW3", "correlation")
    feed(mgr, 5, flag=False)
    feed(mgr, 4, "RW3", "offset")
    assert any(r["event"] == "suppressed" for r in mgr.log_records())
    assert not mgr.safe_mode


def test_probe_nominal_answer_is_logged_only():
    mgr = FdirManager()
    assert feed(mgr, 4, "none", "nominal", channel=0)[-1] == "log"
    assert not mgr.channel_flagged.any() and not mgr.wheel_off.any()


def test_sensor_fault_without_a_channel_isolates_the_wheel():
    mgr = FdirManager()
    assert feed(mgr, 4, "RW1", "offset", channel=5)[-1] == "isolate_wheel"  # channel 'all'


def test_log_ring_buffer_keeps_the_newest_records():
    mgr = FdirManager(FdirConfig(log_capacity=8, isolation_timeout=50))
    feed(mgr, 20, "RW2", "impulse", p=0.3)  # evidence records every flagged window
    log = mgr.log_array()
    assert len(log) == 8 and mgr.n_logged > 8
    assert np.all(np.diff(log["window"]) >= 0) and log["window"][-1] == 19
    assert mgr.log_frame().shape[0] == 8


def test_config_round_trip_and_validation():
    cfg = FdirConfig(n_of_m=(2, 4), tau_iso=0.7)
    assert FdirConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match="n_of_m"):
        FdirConfig(n_of_m=(5, 3))
    with pytest.raises(ValueError, match="table"):
        FdirConfig(table={"offset": "reboot"})
    with pytest.raises(ValueError, match="tau_iso"):
        FdirConfig(tau_iso=1.5)
