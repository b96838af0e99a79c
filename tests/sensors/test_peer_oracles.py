"""Peer libraries as oracles: allantools for the overlapping Allan deviation (IEEE 952 / IEEE 1139) and the
EMVA 1288 reference implementation (``emva1288``) for the photon-transfer characterisation of simulated frames.

Both are optional (the ``oracles`` extra); each test is skipped, with the reason, when its peer is absent.
"""

import logging

import numpy as np
import pytest

from sensors import allan, emva
from sensors.camera import CameraParams, capture_numpy


def test_allan_deviation_matches_allantools():
    allantools = pytest.importorskip("allantools", reason="allantools (oracles extra) not installed")
    rng = np.random.default_rng(3)
    fs, n = 100.0, 50_000
    omega = 0.02 * rng.standard_normal(n) + np.cumsum(1e-4 * rng.standard_normal(n))  # white + rate random walk
    tau, adev = allan.allan_deviation(omega, fs)
    taus, peer, _err, _n = allantools.oadev(omega, rate=fs, data_type="freq", taus=tau)
    assert np.allclose(taus, tau, rtol=1e-12)
    assert np.allclose(adev, peer, rtol=1e-9, atol=0.0)  # same estimator, float64 round-off only


def _frames(p: CameraParams, mu_p: float, rng, t_exp_s: float, shape=(96, 96)) -> list[np.ndarray]:
    ph = np.full(shape, mu_p)
    return [np.rint(capture_numpy(p, ph, t_exp_s, rng)).astype(np.int64) for _ in range(2)]


def test_photon_transfer_matches_the_emva1288_reference_implementation(monkeypatch):
    pytest.importorskip("emva1288", reason="emva1288 (oracles extra) not installed")
    # emva1288 1.0.2 (its last release) calls np.asfarray, removed in NumPy 2: restore it for this test only
    monkeypatch.setattr(np, "asfarray", lambda a, dtype=np.float64: np.asarray(a, dtype=dtype), raising=False)
    from emva1288.process.data import Data1288
    from emva1288.process.results import Results1288
    from emva1288.process.routines import get_int_imgs

    p = CameraParams(qe=0.6, gain_DN_per_e=0.2, read_noise_e=3.0, dark_current_e_per_s=50.0, full_well_e=10000.0,
                     offset_DN=40.0, adc_bits=12)
    rng = np.random.default_rng(12)
    t = 0.01
    levels = np.linspace(0.0, 0.7 * p.full_well_e / p.qe, 12)
    temporal, mus, vs = {}, [], []
    for mu_p in levels:
        a, b = _frames(p, float(mu_p), rng, t)
        s = get_int_imgs([a, b])
        temporal[float(mu_p)] = {"sum": np.sum(s["sum"]), "pvar": np.sum(s["pvar"]), "dmean": s["dmean"]}
        m, v = emva.temporal_stats(a, b)
        mus.append(m)
        vs.append(v)
    dark = get_int_imgs(_frames(p, 0.0, rng, t) * 4)
    mid = get_int_imgs(_frames(p, float(levels[6]), rng, t) * 4)
    raw = {"width": 96, "height": 96, "temporal": {t: temporal}, "spatial": {t: {0.0: dark, float(levels[6]): mid}}}
    peer = Results1288(Data1288(raw, loglevel=logging.WARNING).data, loglevel=logging.WARNING)
    ours = emva.photon_transfer_gain(mus[1:], vs[1:], mus[0], vs[0], fit_fraction=1.0)["K"]
    # the two estimators of K agree closely on the same frames; both recover the simulated gain
    assert ours == pytest.approx(peer.K, rel=0.01)
    assert peer.K == pytest.approx(p.gain_DN_per_e, rel=0.02)
    assert peer.QE / 100.0 == pytest.approx(p.qe, rel=0.03)  # responsivity / gain, in percent
