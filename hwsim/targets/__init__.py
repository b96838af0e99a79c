"""Hardware target catalogue: one JSON data file per target, every number with its source and status.

Use :func:`hwsim.targets.catalogue.load` (a name such as ``"loihi"`` or a path) and
:func:`hwsim.targets.catalogue.names`; the file format is documented in :mod:`hwsim.targets.schema`.
This package imports nothing heavy.
"""
