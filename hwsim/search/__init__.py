"""Joint design-space search: Pareto extraction, exhaustive grids, a multi-objective optimiser, plots.

Import the sub-modules (:mod:`hwsim.search.pareto`, :mod:`hwsim.search.grid`, :mod:`hwsim.search.optimiser`,
:mod:`hwsim.search.plot`) directly; this package imports nothing heavy.
"""
