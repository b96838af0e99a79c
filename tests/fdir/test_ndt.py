"""Nonparametric dynamic thresholding (telemanom, Hundman et al. KDD 2018, arXiv:1802.04431): smoothing against
pandas, window schedule and z search against direct loop implementations of the definitions (reference sheet §3),
pruning on a hand-computed case, end-to-end detection and the streaming variant."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from fdir.ndt import (
    NDTParams,
    StreamingNDT,
    detect,
    detect_any,
    ewma,
    find_z,
    num_to_ignore,
    prune,
    runs,
    smooth_errors,
    windows,
)


def test_ewma_matches_pandas():
    x = np.random.default_rng(0).random(500)
    np.testing.assert_allclose(ewma(x, 105), pd.Series(x).ewm(span=105).mean().to_numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match="span"):
        ewma(x, 0.5)


def test_smooth_errors_prefix():
    p = NDTParams(l_s=20)
    e = np.random.default_rng(1).random(200)
    es = smooth_errors(e, p)
    raw = ewma(e, p.span)
    np.testing.assert_allclose(es[:20], np.mean(raw[:40]))
    np.testing.assert_allclose(es[20:], raw[20:])


def test_window_schedule():
    p = NDTParams(schedule="telemanom")
    w = windows(8000, p)
    n_w = int((8000 - 2100) / 70)                      # 84 → 85 windows
    assert len(w) == n_w + 1 and w[0] == (0, 2100) and w[1] == (70, 2170) and w[-1] == (n_w * 70, 8000)
    # short channel: the window count is found with a shrunk window (14 batches here) and the only window spans
    # everything (telemanom's last window always ends at the last value)
    assert windows(1000, p) == [(0, 1000)]
    assert windows(2200, p) == [(0, 2100), (70, 2200)]
    with pytest.raises(ValueError, match="batch_size"):
        windows(50, p)
    assert [num_to_ignore(n) for n in (1799, 2499, 2500)] == [0, 250, 500]


def test_causal_window_schedule():
    """Default schedule: full windows every batch, plus one window ending at the last value (StreamingNDT's)."""
    p = NDTParams()
    assert p.schedule == "causal"
    w = windows(8000, p)
    full = (8000 - 2100) // 70 + 1                      # windows ending at 2100, 2170, ..., 7980
    assert len(w) == full + 1 and w[0] == (0, 2100) and w[full - 1] == (5880, 7980)
    assert w[-1] == (5880 + 70, 8000)                   # the next window's start, ending at the last value
    assert windows(2170, p) == [(0, 2100), (70, 2170)]  # aligned: no extra window
    assert windows(1000, p) == [(0, 1000)]
    with pytest.raises(ValueError, match="batch_size"):
        windows(50, p)
    with pytest.raises(ValueError, match="schedule"):
        NDTParams(schedule="sliding")


def _find_z_loop(e_s, mean, sd, p):
    """Direct transcription of the definition (one candidate at a time, python loops)."""
    best_z, best_s = p.z_max, -np.inf
    n = len(e_s)
    for z in np.arange(p.z_min, p.z_max, p.z_step):
        eps = mean + z * sd
        above = [i for i in range(n) if e_s[i] >= eps]
        below = [v for v in e_s if v < eps]
        a = set()
        for i in above:
            a.update(range(max(0, i - p.error_buffer + 1), min(n, i + p.error_buffer)))
        if not a or not below:
            continue
        idx = sorted(a)
        seqs = [g for g in runs(np.isin(np.arange(n), idx)) if g[1] > g[0]]
        s = ((mean - np.mean(below)) / mean + (sd - np.std(below)) / sd) / (len(seqs) ** 2 + len(idx))
        if s >= best_s and len(seqs) <= p.max_sequences and len(idx) < n * p.max_fraction:
            best_z, best_s = z, s
    return best_z


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_find_z_matches_definition(seed):
    rng = np.random.default_rng(seed)
    p = NDTParams(error_buffer=10)
    e = np.abs(rng.normal(0.1, 0.02, 700))
    for c in rng.integers(50, 650, 2):
        e[c:c + 8] += rng.uniform(0.1, 0.4)
    mean, sd = float(e.mean()), float(e.std())
    assert find_z(e, mean, sd, p) == pytest.approx(_find_z_loop(e, mean, sd, p))
    inv = 2 * mean - e
    assert find_z(inv, mean, sd, p) == pytest.approx(_find_z_loop(inv, mean, sd, p))
    assert find_z(np.full(50, 0.3), 0.3, 0.0, p) == p.z_max


def test_prune_hand_case():
    # sequence maxima 1.0, 0.95, 0.5; largest unflagged error 0.48:
    # drops (1-0.95)/1 = 0.05 < p, (0.95-0.5)/0.95 = 0.47 >= p, (0.5-0.48)/0.5 = 0.04 < p → keep the two largest
    e = np.full(60, 0.1)
    flags = np.zeros(60, bool)
    for (a, b), m in zip([(2, 6), (20, 25), (40, 45)], [1.0, 0.95, 0.5]):
        flags[a:b + 1] = True
        e[a + 1] = m
    e[55] = 0.48
    kept = prune(e, flags, np.zeros(60, bool), NDTParams(p=0.13))
    assert runs(kept) == [(2, 6), (20, 25)]
    # with p = 0.02 every drop qualifies → all three stay
    assert runs(prune(e, flags, np.zeros(60, bool), NDTParams(p=0.02))) == [(2, 6), (20, 25), (40, 45)]


def _bump_series(n=4000, at=3000, seed=0):
    rng = np.random.default_rng(seed)
    y = np.sin(np.arange(n) / 30.0)
    e = np.abs(rng.normal(0, 0.02, n))
    e[at:at + 40] += 0.8
    return e, y


def test_detect_flags_the_bump_in_test_coordinates():
    e, y = _bump_series()
    res = detect(e, y, NDTParams(l_s=250))
    assert len(res.sequences) == 1
    a, b = res.sequences[0]
    assert a - 250 <= 3000 <= b - 250 and b - 250 >= 3039        # offset l_s applied, bump inside
    assert b - a < 400                                           # bump + error buffer + smoothing tail
    assert len(res.scores) == 1 and res.scores[0] > 0
    assert detect(e, y, NDTParams(l_s=250), offset=0).sequences == [(a - 250, b - 250)]


def test_detect_any_is_the_or_of_each_stream():
    """Two streams with bumps at different places: detect_any flags both (OR of each stream's own NDT flags),
    reports each stream's result, keeps the larger score of the streams per sequence; one stream is detect."""
    e1, y = _bump_series(n=5000, at=3000)
    e2, _ = _bump_series(n=5000, at=4200, seed=1)
    p = NDTParams(l_s=250)
    r1, r2 = detect(e1, y, p), detect(e2, y, p)
    both = detect_any(np.stack([e1, e2]), y, p)
    np.testing.assert_array_equal(both.flags, r1.flags | r2.flags)
    assert both.sequences == sorted(r1.sequences + r2.sequences) and len(both.sequences) == 2
    assert both.scores == [r1.scores[0], r2.scores[0]]
    assert both.e_s.shape == (2, e1.size) and [m.sequences for m in both.members] == [r1.sequences, r2.sequences]
    single = detect_any(e1[None], y, p)
    assert single.sequences == r1.sequences and single.members == ()
    np.testing.assert_array_equal(single.flags, r1.flags)
    with pytest.raises(ValueError, match="E must have shape"):
        detect_any(e1, y, p)


def test_detect_ignores_small_errors_and_validates():
    e, y = _bump_series()
    assert detect(e * 0.02, y, NDTParams()).sequences == []      # max smoothed error < 0.05: guard
    with pytest.raises(ValueError, match="equal length"):
        detect(e, y[:-1])
    with pytest.raises(ValueError, match="finite"):
        detect(np.r_[e[:-1], np.nan], y)
    with pytest.raises(ValueError, match="y must be finite"):
        detect(e, np.r_[y[:-1], np.inf])
    with pytest.raises(ValueError):
        NDTParams(p=1.5)
    for name in ("min_rel_scale", "min_abs_error", "z_step", "max_fraction"):
        with pytest.raises(ValueError, match=name):
            NDTParams(**{name: float("nan")})


def test_offline_ndt_reuses_the_runtime_core():
    """One implementation: the offline module re-exports the numpy-only runtime's pieces (issue 16)."""
    import fdir.ndt
    import fdir.runtime.ndt

    for name in ("NDTParams", "StreamingNDT", "find_z", "prune", "runs", "window_flags", "SCHEDULES"):
        assert getattr(fdir.ndt, name) is getattr(fdir.runtime.ndt, name)


def _stream(e, y, p):
    st = StreamingNDT(p, n_ignore=num_to_ignore(e.size, p))
    flags = np.zeros(e.size, bool)
    for v, t in zip(e, y):
        d = st.push(v, t)
        if d is not None:
            flags[d[0]:d[1]] |= st.flags(*d)
    d = st.finish()
    if d is not None:
        flags[d[0]:d[1]] |= st.flags(*d)
    return flags


@pytest.mark.parametrize("n,at", [(2100 + 70 * 20, 2600), (2100 + 70 * 20 + 37, 3485), (1500, 900)])
def test_streaming_equals_offline(n, at):
    """StreamingNDT decides what detect decides with the causal schedule, for any length (aligned, with a
    remainder whose last window holds the anomaly, shorter than one window); with telemanom's schedule only when
    n − window_len is a multiple of batch_size."""
    p = NDTParams(l_s=50)
    e, y = _bump_series(n=n, at=at)
    off = detect(e, y, p)
    flags = _stream(e, y, p)
    np.testing.assert_array_equal(flags, off.flags)
    assert off.flags[at - 50:at + 50].any()
    tm = detect(e, y, NDTParams(l_s=50, schedule="telemanom"))
    if (n - p.window_len) % p.batch_size == 0 or n < p.window_len:
        np.testing.assert_array_equal(tm.flags, off.flags)


# ------------------------------------------------------------------------------ bad input (issue 18, hypothesis)
SMALL = NDTParams(batch_size=10, window_size=4, l_s=5, error_buffer=3)


@settings(max_examples=40, deadline=None)
@given(e=hnp.arrays(np.float64, st.integers(10, 120), elements=st.floats(0.0, 1e6)),
       bad=st.sampled_from([np.nan, np.inf, -np.inf]), where=st.sampled_from(["e", "y"]), at=st.integers(0, 9))
def test_detect_flags_finite_input_and_rejects_nonfinite(e, bad, where, at):
    y = np.sin(np.arange(e.size) / 5.0)
    r = detect(e, y, SMALL)
    assert r.flags.shape == e.shape and np.all(np.isfinite(r.e_s))
    assert all(SMALL.l_s <= a <= b < e.size + SMALL.l_s for a, b in r.sequences)
    arrs = {"e": e.copy(), "y": y.copy()}
    arrs[where][at] = bad
    with pytest.raises(ValueError, match=f"{where} must be finite"):
        detect(arrs["e"], arrs["y"], SMALL)
    with pytest.raises(ValueError, match="e and y"):
        detect(e[:, None], y[:, None], SMALL)
