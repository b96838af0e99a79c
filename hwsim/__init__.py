"""hwsim: cost models, design-space search, sweeps and the ``hwsim`` command line.

Sub-modules are imported on demand so that ``import hwsim`` (and ``hwsim --help``) stays fast; the network IR
(:mod:`hwsim.ir`) is a leaf module that every other package may import to describe a workload.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hwsim")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

PACKAGES = ("devices", "snn", "sensors", "fdir", "hwsim")
"""The five top-level packages, in dependency order; each may register validation cases and benchmarks."""
