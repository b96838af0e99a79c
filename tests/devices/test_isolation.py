"""Package hygiene: a light ``import devices`` and no import of the GPL peer cmtj by the package."""

import subprocess
import sys


def test_light_imports_and_no_cmtj():
    code = ("import sys; import devices; light = not any(m in sys.modules for m in ('numba', 'jax', 'cmtj')); "
            "import devices.simulate, devices.validation, devices.compact, devices.neuron, devices.experiments; "
            "devices.validation.cases(); print(light, 'cmtj' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "False"]
