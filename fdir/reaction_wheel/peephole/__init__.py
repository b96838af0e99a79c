"""Peephole probes (arXiv:2604.08424): corevectors of a detector layer, a Gaussian mixture over them and an
empirical cluster → concept posterior that says which wheel/unit, channel and fault type a detection is, with
temperature-scaling calibration, expected calibration error and an ``unknown`` answer.

Modules: :mod:`~fdir.reaction_wheel.peephole.corevector` (SVD of [W | b], Toeplitz unrolling),
:mod:`~fdir.reaction_wheel.peephole.probe` (GMM + posterior), :mod:`~fdir.reaction_wheel.peephole.calibration` (ECE,
temperature scaling), :mod:`~fdir.reaction_wheel.peephole.overhead` (probe workload in the network IR and its overhead
relative to the detector). Nothing heavy is imported here.
"""
