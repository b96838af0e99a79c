"""Cost model: what an IR workload costs on a hardware target, vectorised over design points.

Entry point: :func:`hwsim.cost.model.evaluate` (arrays of shape (points, ops), tidy DataFrames per op and per design
point). Building blocks: :mod:`~hwsim.cost.primitives` (Horowitz 45 nm energies), :mod:`~hwsim.cost.points`
(design-point overrides), :mod:`~hwsim.cost.counts` (work and bytes), :mod:`~hwsim.cost.precision` (compute
precision per op), :mod:`~hwsim.cost.utilisation`,
:mod:`~hwsim.cost.traffic` (bytes per memory level), :mod:`~hwsim.cost.footprint` (inference memory),
:mod:`~hwsim.cost.mapping` (loop-nest traffic, Timeloop style), and one module per target class
(:mod:`~hwsim.cost.array`, :mod:`~hwsim.cost.cpu`, :mod:`~hwsim.cost.neuro`, :mod:`~hwsim.cost.cim`).
This package imports nothing heavy.
"""
