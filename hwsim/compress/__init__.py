"""Compression transforms acting on real weight arrays, each reporting the error it introduced.

:mod:`.quantize` (uniform symmetric/affine quantisation with groups), :mod:`.prune` (magnitude and N:M pruning),
:mod:`.lowrank` (truncated SVD), :mod:`.apply` (a whole model's weights, e.g. an ``fdir.runtime`` export, with a
per-tensor error report and the matching IR changes). This package imports nothing heavy.
"""
