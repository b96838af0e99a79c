"""Measured quality of compressed designs on networks trained here.

* :mod:`.digits_cnn`: a residual CNN on scikit-learn's digits (accuracy);
* :mod:`.byte_lm`: a byte-level transformer LM trained in JAX on the Python standard library's source (perplexity);
* :mod:`.pipeline` / :mod:`.lm_pipeline`: depth and width pruning by stated importance scores, low-rank
  factorisation, per-layer weight and activation bit-widths and rotations, applied to the trained weights; each
  compressed design gives its measured quality and its IR (:mod:`hwsim.ir`) from the same object;
* :mod:`.rotation`: random orthogonal, Hadamard and learned rotations folded into the weights;
* :mod:`.subjects`: both networks as subjects of :mod:`hwsim.search.measured`;
* :mod:`.cache`: trained weights cached by config hash.

This package imports JAX only inside the training and rotation-learning functions.
"""
