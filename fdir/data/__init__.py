"""Telemetry data sets shipped with hwsim (lossless compressed copies; provenance and licences in PROVENANCE.md).

* :mod:`fdir.data.smap_msl` — NASA SMAP / MSL per-channel train/test arrays with labelled anomaly sequences
  (Hundman et al., KDD 2018, arXiv:1802.04431), P-2 duplicate and T-10 quirks handled.
* :mod:`fdir.data.opssat` — ESA OPS-SAT-AD segment feature table with its official split
  (Ruszczak et al., arXiv:2407.04730; DOI 10.5281/zenodo.12588359).
* :mod:`fdir.data.checksums` — the SHA-256 of every shipped file (``SHA256SUMS.txt``), verified on every load:
  a truncated or corrupt file raises :class:`~fdir.data._store.CorruptDataError` naming it.
* :mod:`fdir.data.build` — rebuilds the package data (and the checksum list) from the original files.

Importing this package imports nothing heavy.
"""
