"""Sweep reports: Markdown tables and matplotlib figures from a sweep folder (``hwsim report DIR``).

:func:`hwsim.report.writer.write_report` writes ``report.md``, ``pareto.png`` and ``effects.png``;
:mod:`hwsim.report.summary` holds the tables (designs averaged over seeds, best design per group, Pareto
fronts), :mod:`hwsim.report.figures` the plots, :mod:`hwsim.report.markdown` the table formatting.
Import the sub-modules directly; this package imports nothing heavy.
"""
