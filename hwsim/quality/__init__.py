"""Measured quality of compressed designs on networks trained here.

* :mod:`.digits_cnn`: a residual CNN on scikit-learn's digits (accuracy);
* :mod:`.byte_lm`: a byte-level transformer LM trained in JAX on the Python standard library's source (perplexity);
* :mod:`.digits_snn`: a spiking network (signed LIF) trained on the digits with the ``snn`` package's surrogate
  gradients (accuracy), compressed by :mod:`.snn_pipeline` (width by mean spike rate, low rank, weight bits; the IR's
  synaptic operations from the spikes it measures);
* :mod:`.forecaster`: fdir's SMAP/MSL telemetry forecaster pair on a few channels (event-wise F1 of the telemanom
  protocol), compressed by width, low rank, weight and activation bits;
* :mod:`.pipeline` / :mod:`.lm_pipeline`: depth and width pruning by stated importance scores, low-rank
  factorisation, per-layer weight and activation bit-widths and rotations, applied to the trained weights; each
  compressed design gives its measured quality and its IR (:mod:`hwsim.ir`) from the same object;
* :mod:`.rotation`: random orthogonal, Hadamard and learned rotations folded into the weights;
* :mod:`.subjects`: the CNN, the LM and the spiking network as subjects of :mod:`hwsim.search.measured`
  (:func:`.forecaster.forecaster_subject` for the forecaster);
* :mod:`.cache`: trained weights cached by config hash.

This package imports JAX (and snn, fdir) only inside functions: training, rotation learning and the spiking
network's runs.
"""
