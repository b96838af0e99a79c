"""devices: magnetic tunnel junction (MTJ) physics.

Stochastic Landau-Lifshitz-Gilbert macrospin with spin-transfer and spin-orbit torques, demagnetising tensors of
ellipsoids and elliptical cylinders, TMR readout and energy per pulse, and the signed leaky integrate-and-fire
MTJ neuron with its fitted compact model. Depends on no other hwsim package.

Modules (imported on demand; ``import devices`` loads none of Numba, JAX or cmtj):

* :mod:`devices.simulate` — ``simulate(params, m0, dt_s, n_steps, drive=..., backend="numba"|"jax",
  scheme="heun"|"midpoint")``: ensembles of junctions, stochastic Heun or the norm-preserving semi-implicit
  midpoint scheme (Mentink et al. 2010; ``SCHEMES``), decimated trajectories or in-kernel threshold events,
  energy per junction;
* :mod:`devices.params` — ``MacrospinParams`` (every parameter per junction), ``EventSpec``;
* :mod:`devices.presets` — in-plane CoFeB/MgO ellipse, perpendicular CoFeB/MgO disk (Ikeda 2010), the
  orthogonal-easy-axis signed-spike device (arXiv:2606.03796), each number with source and status;
* :mod:`devices.demag`, :mod:`devices.analytic`, :mod:`devices.readout` — demag factors, known answers, TMR;
* :mod:`devices.neuron` — ``SignedMTJNeuron``; :mod:`devices.compact` — ``CompactSignedLIF``,
  ``default_signed_mtj_neuron()``, ``fit_compact``;
* :mod:`devices.experiments` — sweepable experiments; :mod:`devices.validation` — cases D1-D11.

Every public function checks its inputs: NaN, ±inf, wrong shapes and out-of-range values raise ``ValueError``
naming the argument and its accepted range (:mod:`devices._check`).
"""
