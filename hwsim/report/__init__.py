"""Sweep reports: Markdown tables and matplotlib figures from a sweep folder (``hwsim report DIR``).

:func:`hwsim.report.writer.write_report` writes ``report.md``, ``pareto.png`` and ``effects.png``;
:mod:`hwsim.report.choice` chooses the design per group by a stated rule and says why,
:mod:`hwsim.report.assumed` lists the assumed numbers of a hardware target, :mod:`hwsim.report.summary` holds the
tables (designs averaged over seeds, Pareto fronts), :mod:`hwsim.report.figures` the plots,
:mod:`hwsim.report.labels` the reader-facing names and units of result columns and :mod:`hwsim.report.markdown`
the table formatting. Import the sub-modules directly; this package imports nothing heavy.
"""
