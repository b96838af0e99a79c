"""Cost model: what an IR workload costs on a hardware target, vectorised over design points.

Entry point: :func:`hwsim.cost.model.evaluate` (arrays of shape (points, ops), tidy DataFrames per op and per design
point). Building blocks: :mod:`~hwsim.cost.primitives` (Horowitz 45 nm energies), :mod:`~hwsim.cost.points`
(design-point overrides), :mod:`~hwsim.cost.counts` (work and bytes), :mod:`~hwsim.cost.precision` (compute
precision per op), :mod:`~hwsim.cost.utilisation`,
:mod:`~hwsim.cost.traffic` (bytes per memory level), :mod:`~hwsim.cost.footprint` (inference memory),
:mod:`~hwsim.cost.mapping` (loop-nest traffic, Timeloop style), and one module per target class
(:mod:`~hwsim.cost.array`, :mod:`~hwsim.cost.cpu`, :mod:`~hwsim.cost.neuro`, :mod:`~hwsim.cost.cim`).
:func:`cost_model` costs a ``.onnx``/``.nir`` model file on every target (:mod:`~hwsim.cost.network`).
This package imports nothing heavy.
"""


def cost_model(path, **kwargs):
    """The cost of a ``.onnx``/``.nir`` model file on hardware targets: :func:`hwsim.cost.network.cost_model`
    (imported on first use, so ``import hwsim.cost`` stays light)."""
    from hwsim.cost.network import cost_model as _cost_model

    return _cost_model(path, **kwargs)
