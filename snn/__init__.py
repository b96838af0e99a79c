"""snn: spiking neural networks of LIF, signed LIF and MTJ-derived neurons.

A Numba event-driven engine for large sparse networks, a JAX engine for batched differentiable training with
surrogate gradients, Brian2 export for cross-checks, and workload accounting in the hwsim network IR.
Importing ``snn`` is cheap; import the submodules you need.

Modules
-------
``snn.neurons``       ``LIF``, ``SignedLIF``, ``MTJNeuron`` (``MTJNeuron.from_compact(devices.compact model)``),
                      ``EulerLIF`` (the NIR convention: forward Euler, leak before input), one-step constants
                      ``neuron.discrete(dt_s)``.
``snn.network``       ``Population``, ``PoissonSource``, ``SpikeSource`` (signed counts), ``Projection`` (dense,
                      sparse, Bernoulli, one-to-one, causal conv1d, spatial conv2d; delays in steps; target a
                      channel or ``"v"``), ``Network``. ``snn.conv``: the conv2d index map (PyTorch semantics).
``snn.nir``           NIR graphs in and out: ``from_nir(graph, dt_s)`` -> ``NIRNetwork`` (``.run(x)`` on either
                      engine, MTJ swap with ``mtj=``), ``to_nir(net)`` / ``network_from_nir(graph)`` (exact round
                      trip), ``nir_workload(source)`` -> IR table of one inference.
``snn.engine_numba``  ``simulate(net, duration_s)`` -> ``SimResult`` (spike steps/indices/signs, counts by sign,
                      syn_ops per projection, monitors). Event-driven, CSR by presynaptic neuron.
``snn.engine_jax``    ``simulate(net, duration_s)``: the same networks in JAX (float32/float64, event gather).
``snn.model``         layered JAX networks for training: ``SNN``, ``Dense``, ``Conv1d``, ``Readout``,
                      ``init_params``, ``apply``.
``snn.train``         ``train``, ``evaluate``, ``predict``, ``loss``, ``make_step``, ``adam``, ``to_network``.
``snn.workload``      ``model_workload(spec, params, x)`` and ``network_workload(net, result)`` -> IR tables.
``snn.brian2_interop`` ``to_brian2``/``run_brian2`` (custom events for signed neurons), ``brian2_cuba``.
``snn.cuba``          the Vogels-Abbott CUBA network and spike statistics (rate, CV ISI, silent fraction).
``snn.signed_net``    the recurrent signed-LIF network with signed input events (replay case R2).
``snn.analytic``      LIF closed forms (membrane, first-spike time, f-I curve, grid formulas).
``snn.surrogate``     Heaviside spikes with SuperSpike / sigmoid surrogate gradients.
``snn.datasets``      scikit-learn digits as spike/current sequences.
``snn.experiments``   sweepable experiments (``cuba_statistics``, ``digits_training``, ``signed_activity``);
                      ``snn.validation`` the ``hwsim validate snn`` cases (S1-S6, R1-R3, B1-B3, T1-T2, G1, P1, W1).

Training API (JAX), e.g. a spiking anomaly detector on telemetry
-----------------------------------------------------------------
Inputs are batched sequences ``x`` of shape (B, T, n_in): spikes, signed event counts (``sensors.encoders.
send_on_delta``) or analog values. Build, train and measure::

    from snn.model import SNN, Dense, Conv1d, Readout, init_params, apply
    from snn.neurons import LIF, SignedLIF, MTJNeuron
    from snn.train import train, evaluate
    from snn.workload import model_workload

    spec = SNN(n_in=8, layers=(Conv1d(16, kernel=5, neuron=SignedLIF(tau_m_s=10e-3)),
                               Dense(32, SignedLIF(tau_m_s=20e-3), recurrent=True)),
               readout=Readout(n=1, tau_s=20e-3, reduce="none"), dt_s=1e-3)
    res = train(spec, x_train, y_train, task="regression", epochs=20)   # next-value forecasting (MSE)
    out = apply(res.params, spec, x_batch)        # Output: y, y_seq (B, T, n_out), spikes per layer,
                                                  # pos / neg events per sample per layer (B,)
    table = model_workload(spec, res.params, x_eval)   # hwsim IR rows: spikes by sign, syn_ops, neuron updates

Classification: ``Readout(n_classes, reduce="sum")`` and ``task="classification"`` (integer labels, cross-entropy).
MTJ neurons: ``Dense(n, MTJNeuron.from_compact(devices.compact.default_signed_mtj_neuron()))`` (the network then
runs at the device step; ``SNN(dt_s=None)`` picks it). Neuron noise during training: ``train(..., noise=True)``.

Step order everywhere (Brian2's schedule): update, threshold, synaptic input of the step, reset; a layer's input
at step t affects its spikes from step t+1 on. Input onto v is dropped while a neuron is refractory (Brian2's
``unless refractory`` rule). A trained model with integer inputs exports to a ``Network`` (``snn.train.to_network``)
that the Numba engine and Brian2 run with identical events.
"""
