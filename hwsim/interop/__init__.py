"""Interchange: networks from other frameworks into the hwsim network IR.

* :mod:`hwsim.interop.onnx_import` - a dense network stored as ONNX -> IR rows with MACs and bytes per layer.
* :mod:`hwsim.interop.model_file` - load any supported model file (``.onnx``; ``.nir`` through
  ``snn.nir.nir_workload``) as an IR table.

Spiking networks travel as NIR graphs and are imported by ``snn`` (DESIGN.md, "Interchange"). This package imports
nothing heavy at import time (``onnx`` is imported by the functions that need it).
"""
