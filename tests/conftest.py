"""Test-suite wide settings: keep BLAS single-threaded per worker (pytest-xdist already uses every core)."""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "2")
os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=1")
os.environ.setdefault("HWSIM_QUICK", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
