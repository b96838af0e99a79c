"""NIR import/export (snn.nir) against a direct implementation of the NIR semantics written here.

The reference below is the NIR reference implementation's forward Euler (nir repository
paper/03_rnn/extras/debug_CubaLIF/nir_reference_impl.py; Pedersen et al., Nat. Commun. 15, 8122 (2024)), with the
spec's reset to v_reset: per step t, all nodes in graph order, recurrent edges read the previous step's spikes;
I += dt/tau_syn (-I + w_in S); v += dt/tau (v_leak - v + r J) with J = I of the previous step (Cuba) or the input;
z = v > v_th; v = v_reset where z. Spikes must match exactly (float64; a tie with the threshold has probability 0);
LI membranes to 1e-9 absolute (rounding of a differently ordered sum).
"""

from __future__ import annotations

import dataclasses

import nir
import numpy as np
import pytest
import scipy.sparse as sp

from snn import engine_jax, engine_numba
from snn.network import Network, PoissonSource, Population, Projection, SpikeSource
from snn.neurons import LIF, EulerLIF, MTJNeuron, SignedLIF
from snn.nir import from_nir, network_from_nir, nir_workload, to_nir

ENGINES = ("numba", "jax")


def _euler(v, dt, tau, v_leak, r, J):
    return v + dt / tau * (v_leak - v + r * J)


def _fire(v, v_th, v_reset):
    """NIR threshold and reset: z = v > v_th, then v = v_reset where z."""
    z = (v > v_th).astype(float)
    return z, np.where(z > 0, v_reset, v)


# --------------------------------------------------------------------------- graph 1: Affine + LIF + recurrent + LI
def _recurrent_graph(rng):
    n_in, n_h, n_o = 6, 12, 3
    p = dict(
        W1=rng.normal(0, 1.5, (n_h, n_in)), b1=rng.normal(0.3, 0.2, n_h),
        Wr=rng.normal(0, 0.8, (n_h, n_h)), br=rng.normal(0, 0.1, n_h),
        W2=rng.normal(0, 1.0, (n_o, n_h)), b2=rng.normal(0, 0.1, n_o),
        tau=np.full(n_h, 5e-3), r=rng.uniform(1.0, 3.0, n_h), v_leak=rng.uniform(-0.2, 0.2, n_h),
        thr=np.full(n_h, 1.0), v_reset=np.full(n_h, -0.1),
        tau_o=np.full(n_o, 2e-2), r_o=rng.uniform(0.5, 1.5, n_o), v_leak_o=rng.uniform(-0.1, 0.1, n_o),
    )
    g = nir.NIRGraph(nodes={
        "in": nir.Input(input_type={"input": np.array([n_in])}),
        "fc1": nir.Affine(weight=p["W1"], bias=p["b1"]),
        "lif": nir.LIF(tau=p["tau"], r=p["r"], v_leak=p["v_leak"], v_threshold=p["thr"], v_reset=p["v_reset"]),
        "rec": nir.Affine(weight=p["Wr"], bias=p["br"]),
        "fc2": nir.Affine(weight=p["W2"], bias=p["b2"]),
        "li": nir.LI(tau=p["tau_o"], r=p["r_o"], v_leak=p["v_leak_o"]),
        "out": nir.Output(output_type={"output": np.array([n_o])}),
        "spk": nir.Output(output_type={"output": np.array([n_h])}),
    }, edges=[("in", "fc1"), ("fc1", "lif"), ("lif", "rec"), ("rec", "lif"), ("lif", "fc2"), ("fc2", "li"),
              ("li", "out"), ("lif", "spk")], type_check=False)
    return g, p


def _recurrent_reference(p, x, dt):
    n_h, n_o = p["W1"].shape[0], p["W2"].shape[0]
    v, z, vo = np.zeros(n_h), np.zeros(n_h), np.zeros(n_o)
    spk, out = [], []
    for t in range(x.shape[0]):
        J = p["W1"] @ x[t] + p["b1"] + p["Wr"] @ z + p["br"]  # z: previous step's spikes (recurrent edge)
        v = _euler(v, dt, p["tau"], p["v_leak"], p["r"], J)
        z, v = _fire(v, p["thr"], p["v_reset"])
        vo = _euler(vo, dt, p["tau_o"], p["v_leak_o"], p["r_o"], p["W2"] @ z + p["b2"])
        spk.append(z)
        out.append(vo)
    return np.array(spk), np.array(out)


@pytest.mark.parametrize("engine", ENGINES)
def test_recurrent_affine_lif_li_matches_nir_semantics(engine):
    rng = np.random.default_rng(3)
    g, p = _recurrent_graph(rng)
    dt = 1e-3
    x = (rng.random((120, 6)) < 0.3).astype(np.int64)
    ref_spk, ref_out = _recurrent_reference(p, x, dt)
    assert 50 < ref_spk.sum() < 0.8 * ref_spk.size  # the test exercises spikes, resets and recurrence
    out = from_nir(g, dt).run(x, engine=engine)
    np.testing.assert_array_equal(out["spk"], ref_spk)
    np.testing.assert_allclose(out["out"], ref_out, rtol=0, atol=1e-9)


# --------------------------------------------------------------------------- graph 2: Conv2d + LIF + SumPool + Affine
def _conv_ref(x, W, b, pad):
    c_out, _, kh, kw = W.shape
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    ho, wo = xp.shape[1] - kh + 1, xp.shape[2] - kw + 1
    out = np.zeros((c_out, ho, wo)) + b[:, None, None]
    for co in range(c_out):
        for ci in range(W.shape[1]):
            for ky in range(kh):
                for kx in range(kw):
                    out[co] += W[co, ci, ky, kx] * xp[ci, ky:ky + ho, kx:kx + wo]
    return out


def _conv_graph(rng):
    p = dict(Wc=rng.normal(0, 0.9, (4, 2, 3, 3)), bc=rng.normal(0.1, 0.1, 4), Wf=rng.normal(0, 0.6, (5, 64)),
             bf=rng.normal(0, 0.1, 5), tau1=2e-3, tau2=4e-3, thr1=1.0, thr2=0.8)
    g = nir.NIRGraph(nodes={
        "in": nir.Input(input_type={"input": np.array([2, 8, 8])}),
        "conv": nir.Conv2d(input_shape=(8, 8), weight=p["Wc"], stride=1, padding=1, dilation=1, groups=1,
                           bias=p["bc"]),
        "lif1": nir.LIF(tau=np.full((4, 8, 8), p["tau1"]), r=np.ones((4, 8, 8)), v_leak=np.zeros((4, 8, 8)),
                        v_threshold=np.full((4, 8, 8), p["thr1"]), v_reset=np.zeros((4, 8, 8))),
        "pool": nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0])),
        "flat": nir.Flatten(start_dim=0, end_dim=-1, input_type={"input": np.array([4, 4, 4])}),
        "fc": nir.Affine(weight=p["Wf"], bias=p["bf"]),
        "lif2": nir.LIF(tau=np.full(5, p["tau2"]), r=np.ones(5), v_leak=np.zeros(5), v_threshold=np.full(5, p["thr2"]),
                        v_reset=np.zeros(5)),
        "out": nir.Output(output_type={"output": np.array([5])}),
        "out1": nir.Output(output_type={"output": np.array([4, 8, 8])}),
    }, edges=[("in", "conv"), ("conv", "lif1"), ("lif1", "pool"), ("pool", "flat"), ("flat", "fc"), ("fc", "lif2"),
              ("lif2", "out"), ("lif1", "out1")], type_check=False)
    return g, p


def _conv_reference(p, x, dt):
    v1, v2 = np.zeros((4, 8, 8)), np.zeros(5)
    s1, s2 = [], []
    for t in range(x.shape[0]):
        v1 = _euler(v1, dt, p["tau1"], 0.0, 1.0, _conv_ref(x[t], p["Wc"], p["bc"], 1))
        z1, v1 = _fire(v1, p["thr1"], 0.0)
        pooled = z1.reshape(4, 4, 2, 4, 2).sum((2, 4))
        v2 = _euler(v2, dt, p["tau2"], 0.0, 1.0, p["Wf"] @ pooled.ravel() + p["bf"])
        z2, v2 = _fire(v2, p["thr2"], 0.0)
        s1.append(z1)
        s2.append(z2)
    return np.array(s1), np.array(s2)


@pytest.mark.parametrize("engine", ENGINES)
def test_conv2d_lif_sumpool_affine_matches_nir_semantics(engine):
    rng = np.random.default_rng(4)
    g, p = _conv_graph(rng)
    dt = 1e-3
    x = (rng.random((40, 2, 8, 8)) < 0.15).astype(np.int64)  # <= 64 events per step: one JAX compile
    ref1, ref2 = _conv_reference(p, x, dt)
    assert ref1.sum() > 100 and ref2.sum() > 10
    model = from_nir(g, dt)
    assert [pr.kind for pr in model.projections if pr.pre == "in"] == ["conv2d"]
    out = model.run(x, engine=engine)
    np.testing.assert_array_equal(out["out1"], ref1)
    np.testing.assert_array_equal(out["out"], ref2)


# --------------------------------------------------------------------------- CubaLIF, Delay and IF
@pytest.mark.parametrize("engine", ENGINES)
def test_cubalif_delay_if_match_nir_reference(engine):
    rng = np.random.default_rng(5)
    n_in, n_h, n_o, dt = 5, 10, 4, 1e-3
    W1, W2 = rng.normal(0, 2.0, (n_h, n_in)), rng.normal(0.5, 1.0, (n_o, n_h))
    ts, tm, w_in = 4e-3, 8e-3, rng.uniform(0.5, 1.5, n_h)
    g = nir.NIRGraph(nodes={
        "in": nir.Input(input_type={"input": np.array([n_in])}),
        "w1": nir.Linear(weight=W1),
        "cuba": nir.CubaLIF(tau_syn=np.full(n_h, ts), tau_mem=np.full(n_h, tm), r=np.full(n_h, 2.0),
                            v_leak=np.zeros(n_h), v_threshold=np.full(n_h, 0.5), v_reset=np.zeros(n_h), w_in=w_in),
        "delay": nir.Delay(delay=np.full(n_h, 3 * dt)),
        "w2": nir.Linear(weight=W2),
        "if": nir.IF(r=np.full(n_o, 50.0), v_threshold=np.full(n_o, 0.1), v_reset=np.zeros(n_o)),
        "out": nir.Output(output_type={"output": np.array([n_o])}),
        "spk": nir.Output(output_type={"output": np.array([n_h])}),
    }, edges=[("in", "w1"), ("w1", "cuba"), ("cuba", "delay"), ("delay", "w2"), ("w2", "if"), ("if", "out"),
              ("cuba", "spk")], type_check=False)
    x = (rng.random((80, n_in)) < 0.3).astype(np.int64)
    I, v, vi = np.zeros(n_h), np.zeros(n_h), np.zeros(n_o)
    hist, s_h, s_o = [np.zeros(n_h)] * 3, [], []
    for t in range(x.shape[0]):
        I_last = I
        I = I + dt / ts * (-I + w_in * (W1 @ x[t]))
        v = _euler(v, dt, tm, 0.0, 2.0, I_last)
        z, v = _fire(v, 0.5, 0.0)
        hist.append(z)
        vi = vi + dt * 50.0 * (W2 @ hist[-4])  # Delay of 3 steps, IF: dv/dt = R I
        zo, vi = _fire(vi, 0.1, 0.0)
        s_h.append(z)
        s_o.append(zo)
    assert np.sum(s_h) > 20 and np.sum(s_o) > 5
    out = from_nir(g, dt).run(x, engine=engine)
    np.testing.assert_array_equal(out["spk"], np.array(s_h))
    np.testing.assert_array_equal(out["out"], np.array(s_o))


# --------------------------------------------------------------------------- conv2d projections in both engines
def test_conv2d_projection_equals_direct_convolution():
    rng = np.random.default_rng(6)
    W = rng.normal(size=(4, 1, 3, 2))  # groups=2: 2 input channels, 4 outputs
    pr = Projection.conv2d("c", "a", "b", W, (2, 7, 6), stride=(2, 1), padding=((1, 0), (2, 1)), dilation=(1, 2),
                           groups=2)
    x = rng.normal(size=(2, 7, 6))
    M = sp.csr_matrix((pr.w, (pr.j, pr.i)), shape=(pr.n_post, pr.n_pre))
    # direct loops over PyTorch's definition
    xp = np.pad(x, ((0, 0), (1, 0), (2, 1)))
    ho = (xp.shape[1] - 1 * (3 - 1) - 1) // 2 + 1
    wo = (xp.shape[2] - 2 * (2 - 1) - 1) // 1 + 1
    ref = np.zeros((4, ho, wo))
    for co in range(4):
        ci = co // 2
        for y in range(ho):
            for xx in range(wo):
                for ky in range(3):
                    for kx in range(2):
                        ref[co, y, xx] += W[co, 0, ky, kx] * xp[ci, 2 * y + ky, xx + 2 * kx]
    assert pr.geometry.out_shape == (4, ho, wo)
    np.testing.assert_allclose(M @ x.ravel(), ref.ravel(), rtol=1e-12, atol=1e-12)


def test_conv2d_network_engines_agree():
    rng = np.random.default_rng(7)
    W = rng.normal(0, 1.0, (3, 2, 3, 3))
    x = (rng.random((300, 5)) < 0.05).astype(np.int64)
    net = Network(
        (Population("a", 2 * 6 * 6, SignedLIF(tau_m_s=1e-2, theta_pos=0.8, theta_neg=0.9)),
         Population("b", 3 * 3 * 3, LIF(tau_m_s=1e-2, v_th=0.5, tau_syn_s=(2e-3,)))),
        (Projection.dense("in", "src", "a", rng.normal(0, 1.0, (5, 72))),
         Projection.conv2d("conv", "a", "b", W, (2, 6, 6), stride=2, padding=1, target=0, delay=1)),
        (SpikeSource.from_counts("src", x),), dt_s=1e-4)
    r1 = engine_numba.simulate(net, n_steps=300)
    r2 = engine_jax.simulate(net, n_steps=300)
    assert r1.counts("b")[0] > 10
    for a in ("step", "index", "sign"):
        np.testing.assert_array_equal(getattr(r1, a), getattr(r2, a))


# --------------------------------------------------------------------------- export and exact round trip
def _eq(a, b):
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return type(a) is type(b) and all(_eq(getattr(a, f.name), getattr(b, f.name))
                                          for f in dataclasses.fields(a) if f.name != "_offsets")
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(_eq(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.asarray(a).dtype.kind == np.asarray(b).dtype.kind and np.array_equal(a, b)
    return type(a) is type(b) and a == b


def test_round_trip_hwsim_nir_hwsim_is_exact(tmp_path):
    rng = np.random.default_rng(1)
    mtj = MTJNeuron(dt_s=1e-4, tau_s=1e-3, leak=float(np.exp(-0.1)), noise_std=0.1, energy_per_spike_J=1e-15)
    net = Network(
        (Population("a", 10, LIF(tau_m_s=2e-2, tau_syn_s=(5e-3,), reset="subtract", t_ref_s=2e-3), v0=rng.random(10)),
         Population("b", 6, SignedLIF(theta_neg=0.7, bias=0.3)),
         Population("c", 18, mtj),
         Population("d", 18, EulerLIF(tau_syn_s=(1e-3,)), g0=rng.random((1, 18)))),
        (Projection.dense("p1", "src", "a", rng.normal(size=(4, 10)), target=0, delay=2),
         Projection.sparse("p2", "a", "b", [0, 1, 2], [3, 4, 5], [1.0, 2.0, 3.0], delay=[0, 1, 2]),
         Projection.conv2d("p3", "c", "d", rng.normal(size=(2, 2, 3, 3)), (2, 3, 3), padding=1, target=0),
         Projection.dense("p4", "b", "c", rng.normal(size=(6, 18)))),
        (SpikeSource("src", 4, [0, 1, 5], [0, 3, 2], [1, -2, 1]), PoissonSource("pois", 3, 50.0)), dt_s=1e-4)
    path = tmp_path / "net.nir"
    nir.write(path, to_nir(net))
    back = network_from_nir(path)
    assert _eq(net, back)
    r1, r2 = engine_numba.simulate(net, n_steps=200, seed=2), engine_numba.simulate(back, n_steps=200, seed=2)
    np.testing.assert_array_equal(r1.index, r2.index)
    np.testing.assert_array_equal(r1.step, r2.step)


def test_export_writes_standard_nodes():
    net = Network((Population("p", 3, LIF(tau_m_s=1e-2, v_rest=-0.1, bias=0.2, v_th=0.5)),
                   Population("q", 2, EulerLIF(tau_m_s=float("inf"), r=2.0, v_th=1.0))),
                  (Projection.dense("w", "p", "q", np.ones((3, 2))),), dt_s=1e-3)
    g = to_nir(net)
    assert isinstance(g.nodes["p"], nir.LIF) and isinstance(g.nodes["q"], nir.IF)
    np.testing.assert_allclose(g.nodes["p"].v_leak, 0.1, rtol=1e-12)  # v_rest + bias
    np.testing.assert_array_equal(g.nodes["proj_w"].weight, np.ones((2, 3)))
    with pytest.raises(ValueError, match="not written by"):
        network_from_nir(_recurrent_graph(np.random.default_rng(0))[0])


# --------------------------------------------------------------------------- MTJ swap
def test_mtj_swap_replaces_lif_nodes():
    rng = np.random.default_rng(3)
    g, p = _recurrent_graph(rng)
    mtj = MTJNeuron(dt_s=1e-9, tau_s=5e-9, leak=float(np.exp(-0.2)), gain=0.5, theta_pos=1.0, theta_neg=1.0)
    model = from_nir(g, 1e-3, mtj=mtj)
    assert model.dt_s == 1e-9
    kinds = {pop.name: type(pop.neuron) for pop in model.populations}
    assert kinds == {"lif": MTJNeuron, "li": EulerLIF}
    w = next(pr for pr in model.projections if pr.name == "in->lif")
    # drive per step relative to threshold kept: w' = w r (dt/tau) / v_th * theta_pos / gain
    expect = p["W1"] * (p["r"] * 1e-3 / 5e-3 / 1.0 * 1.0 / 0.5)[:, None]
    np.testing.assert_allclose(sp.coo_matrix((w.w, (w.j, w.i))).toarray(), expect, rtol=1e-12)
    x = (rng.random((60, 6)) < 0.3).astype(np.int64)
    o1, o2 = model.run(x, noise=False), model.run(x, engine="jax", noise=False)
    assert np.abs(o1["spk"]).sum() > 0
    np.testing.assert_array_equal(o1["spk"], o2["spk"])


# --------------------------------------------------------------------------- workload
def test_nir_workload_counts_one_inference():
    rng = np.random.default_rng(3)
    g, p = _recurrent_graph(rng)
    n_steps, rate, dt, seed = 80, 300.0, 1e-3, 5
    df = nir_workload(g, n_steps=n_steps, input_rate_Hz=rate, dt_s=dt, seed=seed)
    # inputs as documented: default_rng(seed).random((n_steps, *shape)) < rate dt, per Input node
    x = (np.random.default_rng(seed).random((n_steps, 6)) < rate * dt).astype(np.int64)
    ref_spk, _ = _recurrent_reference(p, x, dt)
    rows = df.set_index("layer")
    assert rows.loc["in->lif", "spikes_pos"] == x.sum()
    assert rows.loc["in->lif", "syn_ops"] == x.sum() * 12  # dense fan-out 12, exact
    assert rows.loc["lif->lif", "spikes_pos"] == ref_spk.sum()
    assert rows.loc["lif->li", "syn_ops"] == ref_spk.sum() * 3
    assert set(rows.loc[["lif.neurons", "li.neurons"], "time_steps"]) == {n_steps}
    assert not any(name.startswith("nir.bias") for name in rows.index)


def test_nir_workload_reads_file(tmp_path):
    g, _ = _conv_graph(np.random.default_rng(4))
    path = tmp_path / "cnn.nir"
    nir.write(path, g)
    df = nir_workload(path, n_steps=20, input_rate_Hz=200.0, dt_s=1e-3)
    conv = df.set_index("layer").loc["in->lif1"]
    assert conv["kind"] == "snn_conv" and (conv["C"], conv["K_out"], conv["P"], conv["R"]) == (2, 4, 8, 3)


@pytest.mark.parametrize("kw, match", [
    ({"n_steps": 0}, "n_steps"), ({"input_rate_Hz": float("nan")}, "input_rate_Hz"),
    ({"input_rate_Hz": 2e4}, "input_rate_Hz"), ({"dt_s": float("inf")}, "dt_s"), ({"dt_s": -1.0}, "dt_s"),
])
def test_nir_workload_bad_input(kw, match):
    g, _ = _recurrent_graph(np.random.default_rng(0))
    with pytest.raises(ValueError, match=match):
        nir_workload(g, **{"dt_s": 1e-3, **kw})


# --------------------------------------------------------------------------- import errors
def test_import_rejects_what_does_not_fit():
    g, _ = _recurrent_graph(np.random.default_rng(0))
    with pytest.raises(ValueError, match="dt_s"):
        from_nir(g, float("nan"))
    with pytest.raises(ValueError, match="dt_s"):
        from_nir(g, 1e-2)  # > tau = 5 ms: forward Euler unstable
    model = from_nir(g, 1e-3)
    with pytest.raises(ValueError, match="integer"):
        model.run(np.full((5, 6), 0.5))
    with pytest.raises(ValueError, match="shape"):
        model.run(np.zeros((5, 7), np.int64))
    het = dataclasses.replace(g.nodes["lif"])
    het.tau = np.linspace(4e-3, 6e-3, 12)
    g.nodes["lif"] = het
    with pytest.raises(ValueError, match="tau differs"):
        from_nir(g, 1e-3)
    li_into_lif = nir.NIRGraph(nodes={
        "in": nir.Input(input_type={"input": np.array([2])}), "li": nir.LI(tau=np.ones(2), r=np.ones(2),
                                                                          v_leak=np.zeros(2)),
        "w": nir.Linear(weight=np.eye(2)),
        "lif": nir.LIF(tau=np.ones(2), r=np.ones(2), v_leak=np.zeros(2), v_threshold=np.ones(2)),
        "out": nir.Output(output_type={"output": np.array([2])})},
        edges=[("in", "li"), ("li", "w"), ("w", "lif"), ("lif", "out")])
    with pytest.raises(ValueError, match="analog"):
        from_nir(li_into_lif, 1e-3)
    thr = nir.NIRGraph.from_list(nir.Input(input_type={"input": np.array([2])}), nir.Threshold(threshold=np.ones(2)),
                                 nir.Output(output_type={"output": np.array([2])}))
    with pytest.raises(ValueError, match="Threshold"):
        from_nir(thr, 1e-3)


# --------------------------------------------------------------------------- fixtures after the NIR paper's graphs
def test_braille_like_nested_recurrent_cubalif_matches_reference():
    """Shapes of the NIR paper's Braille RNN (paper/03_rnn: 12 -> Affine -> CubaLIF(38) with the recurrent Affine
    inside a nested graph ``lif1`` -> Affine -> CubaLIF(7)); weights, time constants and biases drawn here."""
    rng = np.random.default_rng(8)
    dt, n_in, n_h, n_o = 1e-4, 12, 38, 7
    W1, b1 = rng.normal(1.0, 6.0, (n_h, n_in)), rng.normal(1.0, 0.5, n_h)
    Wr, br = rng.normal(0, 1.0, (n_h, n_h)), rng.normal(0, 0.2, n_h)
    W2, b2 = rng.normal(0.3, 1.5, (n_o, n_h)), rng.normal(0.8, 0.2, n_o)
    ts1, tm1, ts2, tm2 = 1e-3, 2e-3, 1.5e-3, 2.5e-3
    full = lambda n, x: np.full(n, x)  # noqa: E731
    cuba = lambda n, ts, tm: nir.CubaLIF(tau_syn=full(n, ts), tau_mem=full(n, tm), r=full(n, 1.0),  # noqa: E731
                                         v_leak=full(n, 0.0), v_threshold=full(n, 1.0), v_reset=full(n, 0.0))
    lif1 = nir.NIRGraph(nodes={"input": nir.Input(input_type={"input": np.array([n_h])}), "lif": cuba(n_h, ts1, tm1),
                               "w_rec": nir.Affine(weight=Wr, bias=br),
                               "output": nir.Output(output_type={"output": np.array([n_h])})},
                        edges=[("input", "lif"), ("lif", "w_rec"), ("w_rec", "lif"), ("lif", "output")],
                        type_check=False)
    g = nir.NIRGraph(nodes={"input": nir.Input(input_type={"input": np.array([n_in])}),
                            "fc1": nir.Affine(weight=W1, bias=b1), "lif1": lif1,
                            "fc2": nir.Affine(weight=W2, bias=b2), "lif2": cuba(n_o, ts2, tm2),
                            "output": nir.Output(output_type={"output": np.array([n_o])})},
                     edges=[("input", "fc1"), ("fc1", "lif1"), ("lif1", "fc2"), ("fc2", "lif2"), ("lif2", "output")],
                     type_check=False)
    x = (rng.random((300, n_in)) < 0.1).astype(np.int64)
    I1, v1, z1, I2, v2 = np.zeros(n_h), np.zeros(n_h), np.zeros(n_h), np.zeros(n_o), np.zeros(n_o)
    ref = []
    for t in range(x.shape[0]):
        S = W1 @ x[t] + b1 + Wr @ z1 + br
        I1, I1_last = I1 + dt / ts1 * (-I1 + S), I1
        v1 = _euler(v1, dt, tm1, 0.0, 1.0, I1_last)
        z1, v1 = _fire(v1, 1.0, 0.0)
        I2, I2_last = I2 + dt / ts2 * (-I2 + W2 @ z1 + b2), I2
        v2 = _euler(v2, dt, tm2, 0.0, 1.0, I2_last)
        z2, v2 = _fire(v2, 1.0, 0.0)
        ref.append(z2)
    ref = np.array(ref)
    assert ref.sum() > 20, ref.sum()
    model = from_nir(g, dt)
    assert model.lag == {"lif1.lif": 1, "lif2": 2}
    for engine in ENGINES:
        np.testing.assert_array_equal(model.run(x, engine=engine)["output"], ref)


def test_scnn_like_graph_workload(tmp_path):
    """Shapes of the NIR paper's Sinabs SCNN (paper/02_cnn: 2x34x34 -> Conv 2->16 k5 s2 p1, IF -> Conv 16->16 k3 p1,
    IF -> SumPool 2 -> Conv 16->8 k3 p1, IF -> SumPool 2 -> Flatten -> Affine 128->256, IF -> Affine 256->10, IF),
    time constants in steps (dt_s = 1); weights drawn here. Written to a file and read back."""
    rng = np.random.default_rng(9)
    ifn = lambda shape: nir.IF(r=np.ones(shape), v_threshold=np.ones(shape), v_reset=np.zeros(shape))  # noqa: E731
    conv = lambda co, ci, k, s, hw: nir.Conv2d(input_shape=hw, weight=rng.normal(0.05, 0.3, (co, ci, k, k)),  # noqa: E731
                                               stride=s, padding=1, dilation=1, groups=1, bias=np.zeros(co))
    pool = lambda: nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]),  # noqa: E731
                                 padding=np.array([0, 0]))
    g = nir.NIRGraph.from_list(
        nir.Input(input_type={"input": np.array([2, 34, 34])}), conv(16, 2, 5, 2, (34, 34)), ifn((16, 16, 16)),
        conv(16, 16, 3, 1, (16, 16)), ifn((16, 16, 16)), pool(), conv(8, 16, 3, 1, (8, 8)), ifn((8, 8, 8)), pool(),
        nir.Flatten(start_dim=0, end_dim=-1, input_type={"input": np.array([8, 4, 4])}),
        nir.Affine(weight=rng.normal(0.05, 0.3, (256, 128)), bias=np.zeros(256)), ifn(256),
        nir.Affine(weight=rng.normal(0.05, 0.3, (10, 256)), bias=np.zeros(10)), ifn(10),
        nir.Output(output_type={"output": np.array([10])}), type_check=False)
    path = tmp_path / "scnn.nir"
    nir.write(path, g)
    model = from_nir(path, 1.0)
    assert [p.kind for p in model.projections][:2] == ["conv2d", "conv2d"]
    assert model.max_lag == 5 and model.populations[0].n == 16 * 16 * 16
    n_steps, rate, seed = 6, 0.3, 2
    df = nir_workload(path, n_steps=n_steps, input_rate_Hz=rate, dt_s=1.0, seed=seed).set_index("layer")
    # first conv: each input event reaches 16 channels x the output positions whose 5x5 window (stride 2, padding 1)
    # covers its pixel; padding taps are no synaptic operations
    x = np.random.default_rng(seed).random((n_steps, 2, 34, 34)) < rate
    o = np.arange(16)
    cover = np.array([np.sum((y - (2 * o - 1) >= 0) & (y - (2 * o - 1) < 5)) for y in range(34)])
    fan = 16 * np.outer(cover, cover)
    assert df.loc["input->if", "syn_ops"] == np.sum(x.sum(0) * fan[None])
    assert df.loc["if->if_1", "spikes_pos"] > 0  # activity reaches the second layer
