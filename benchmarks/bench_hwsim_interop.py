"""``hwsim bench hwsim``: NeuroBench's synaptic-operation and activation-sparsity metrics against hwsim's workload
accounting, on the same spiking network and the same input spikes.

``neurobench_snn_metrics``: a NIR graph Input(12) -> Affine(12 -> 20) -> LIF(20) -> Affine(20 -> 5) -> LI(5)
(NIR, Pedersen et al., Nat. Commun. 15:8122 (2024); tau = 2 dt, r = 2, v_th = 1, v_reset = 0, so one step is
v <- v/2 + input; weights are multiples of 1/8, so both sides do exact binary arithmetic) driven by Bernoulli input
spikes (rate 200 Hz at dt = 1 ms, seed 0; ``--quick``: 60 steps, else 400).

* hwsim: :func:`snn.nir.nir_workload` (the graph imported into ``snn`` and run by the Numba engine) gives the IR
  rows with measured synaptic operations (events x non-zero fan-out, :mod:`snn.workload`) and spikes per layer;
  activation sparsity = 1 - hidden spikes / (hidden neurons x steps).
* NeuroBench 2.3 (arXiv:2304.04640): the same network written directly from the NIR semantics in PyTorch (forward
  Euler, reset to v_reset), wrapped in ``TorchModel`` with the LIF module registered as an activation module; the
  input spikes are the ones the hwsim run used. ``SynapticOperations`` counts, per ``nn.Linear`` call, the pairs
  (non-zero input, non-zero weight) with the bias zeroed: for binary input it reports them as ``Effective_ACs``,
  which equals hwsim's events x fan-out. ``ActivationSparsity`` = 1 - non-zero / all outputs of the activation
  modules over every step: the LIF layer only (the LI readout is not an activation module, matching hwsim, whose
  readout emits no events).

Metrics: relative difference of the synaptic operations per inference and absolute difference of the activation
sparsity (goal 0 for both: the two definitions coincide on this network). Known definition differences that this
network avoids: NeuroBench counts a padded convolution border as no operation and counts non-binary inputs as MACs
(hwsim's first layer becomes a dense ``linear`` row for analog input); signed (-1) spikes count once in both.
Skipped, with the reason, when torch, snnTorch or NeuroBench (the ``neurobench`` extra) or the ``nir`` package is
missing.
"""

from __future__ import annotations

import math

import numpy as np

from hwsim.benchmarking import Benchmark, BenchmarkSkipped, Metric

N_IN, N_HIDDEN, N_OUT = 12, 20, 5
DT_S, RATE_HZ, SEED = 1e-3, 200.0, 0


def _graph(seed: int = SEED):
    import nir

    r = np.random.default_rng(seed + 1)
    w1 = r.integers(-4, 9, size=(N_HIDDEN, N_IN)) / 8.0
    w2 = r.integers(-8, 9, size=(N_OUT, N_HIDDEN)) / 8.0
    tau = 2 * DT_S
    lif = nir.LIF(tau=np.full(N_HIDDEN, tau), r=np.full(N_HIDDEN, 2.0), v_leak=np.zeros(N_HIDDEN),
                  v_threshold=np.ones(N_HIDDEN), v_reset=np.zeros(N_HIDDEN))
    li = nir.LI(tau=np.full(N_OUT, tau), r=np.full(N_OUT, 2.0), v_leak=np.zeros(N_OUT))
    g = nir.NIRGraph.from_list(nir.Affine(weight=w1, bias=np.zeros(N_HIDDEN)), lif,
                               nir.Affine(weight=w2, bias=np.zeros(N_OUT)), li)
    g.metadata["dt_s"] = DT_S
    return g, w1, w2


def _input(n_steps: int, seed: int = SEED) -> np.ndarray:
    """The input spikes of :func:`snn.nir.nir_workload` (Bernoulli rate x dt per step and element), (T, N_IN)."""
    rng = np.random.default_rng(seed)
    return (rng.random((n_steps, N_IN)) < RATE_HZ * DT_S).astype(np.float64)


def _neurobench(w1: np.ndarray, w2: np.ndarray, x: np.ndarray) -> dict:
    import torch
    from neurobench.benchmarks import Benchmark as NBBenchmark
    from neurobench.metrics.workload import ActivationSparsity, SynapticOperations
    from neurobench.models import TorchModel
    from torch import nn

    class NIRLIF(nn.Module):
        """NIR LIF, forward Euler: v += dt/tau (v_leak - v + r I); z = v > v_th; v = v_reset where z."""

        def __init__(self, n: int, tau: float, r: float, v_th: float):
            super().__init__()
            self.n, self.k, self.r, self.v_th = n, DT_S / tau, r, v_th
            self.v = None

        def forward(self, i: torch.Tensor) -> torch.Tensor:
            v = torch.zeros_like(i) if self.v is None else self.v
            v = v + self.k * (-v + self.r * i)
            z = (v > self.v_th).to(i.dtype)
            self.v = torch.where(z > 0, torch.zeros_like(v), v)
            return z

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(N_IN, N_HIDDEN, bias=False, dtype=torch.float64)
            self.lif = NIRLIF(N_HIDDEN, 2 * DT_S, 2.0, 1.0)
            self.fc2 = nn.Linear(N_HIDDEN, N_OUT, bias=False, dtype=torch.float64)
            with torch.no_grad():
                self.fc1.weight.copy_(torch.as_tensor(w1))
                self.fc2.weight.copy_(torch.as_tensor(w2))

        def forward(self, x: torch.Tensor) -> torch.Tensor:  # (batch, T, N_IN) -> (batch, T, N_OUT)
            self.lif.v = None
            v_out = torch.zeros(x.shape[0], N_OUT, dtype=x.dtype)
            outs = []
            for t in range(x.shape[1]):
                z = self.lif(self.fc1(x[:, t]))
                v_out = v_out + 0.5 * (-v_out + 2.0 * self.fc2(z))  # NIR LI readout, no threshold
                outs.append(v_out)
            return torch.stack(outs, 1)

    net = Net()
    model = TorchModel(net)
    model.add_activation_module(NIRLIF)
    data = torch.as_tensor(x[None])
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(data, torch.zeros(1)), batch_size=1)
    with torch.no_grad():
        res = NBBenchmark(model, loader, [], [], [[], [SynapticOperations, ActivationSparsity]]).run(quiet=True)
    return res


def compare(quick: bool = True) -> dict[str, float]:
    """hwsim and NeuroBench figures on the module docstring's network; raises BenchmarkSkipped without the peers."""
    try:
        import neurobench  # noqa: F401
        import nir  # noqa: F401
        import torch  # noqa: F401
    except ImportError as exc:
        raise BenchmarkSkipped(f"NeuroBench comparison needs torch, snntorch, neurobench and nir: {exc}") from exc
    from hwsim import ir
    from snn.nir import nir_workload

    n_steps = 60 if quick else 400
    g, w1, w2 = _graph()
    table = nir_workload(g, n_steps=n_steps, input_rate_Hz=RATE_HZ, dt_s=DT_S, seed=SEED)
    x = _input(n_steps)
    spiking = table[table["kind"].isin(ir.SPIKING_KINDS)]
    first = spiking[spiking["K"] == N_IN]
    # the input is the same: the first layer's synaptic operations depend on the input spikes and weights only
    fan_in_layer = np.count_nonzero(w1, axis=0)
    same_input = float(first["syn_ops"].sum()) == float(x.sum(0) @ fan_in_layer)
    hidden = spiking[spiking["K"] == N_HIDDEN]
    hw_synops = float(ir.synaptic_ops(table).sum())
    hw_sparsity = 1.0 - float((hidden["spikes_pos"] + hidden["spikes_neg"]).sum()) / (N_HIDDEN * n_steps)
    nb = _neurobench(w1, w2, x)
    so = nb["SynapticOperations"]
    return {"hwsim_synops": hw_synops, "neurobench_acs": float(so["Effective_ACs"]),
            "neurobench_macs": float(so["Effective_MACs"]), "neurobench_dense": float(so["Dense"]),
            "hwsim_activation_sparsity": hw_sparsity,
            "neurobench_activation_sparsity": float(nb["ActivationSparsity"]), "same_input": same_input,
            "n_steps": n_steps}


def _run(quick: bool) -> list[Metric]:
    c = compare(quick)
    if not c["same_input"]:
        raise RuntimeError("the input spikes of snn.nir.nir_workload differ from this benchmark's reconstruction")
    nb_ops = c["neurobench_acs"] + c["neurobench_macs"]
    rel = abs(nb_ops - c["hwsim_synops"]) / c["hwsim_synops"] if c["hwsim_synops"] else math.inf
    note = (f"{c['n_steps']} steps: hwsim {c['hwsim_synops']:.0f} synops, NeuroBench {c['neurobench_acs']:.0f} ACs + "
            f"{c['neurobench_macs']:.0f} MACs (dense {c['neurobench_dense']:.0f})")
    hw_s, nb_s = c["hwsim_activation_sparsity"], c["neurobench_activation_sparsity"]
    return [
        Metric("synaptic ops |NeuroBench - hwsim| / hwsim", rel, goal=0.0, higher_is_better=False, note=note),
        Metric("activation sparsity |NeuroBench - hwsim|", abs(nb_s - hw_s), goal=0.0, higher_is_better=False,
               note=f"hwsim {hw_s:.4f}, NeuroBench {nb_s:.4f}"),
    ]


def benchmarks() -> list[Benchmark]:
    return [Benchmark("neurobench_snn_metrics", _run,
                      "NeuroBench SynapticOperations / ActivationSparsity vs hwsim's workload accounting (NIR SNN)")]
