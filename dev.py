#!/usr/bin/env python3
"""Set up hwsim in a local virtual environment and run its main job or its test suite.

Usage (needs only Python >= 3.11 with pip/venv):

    python3 dev.py run    [hwsim run options]   # set up .venv, then run the built-in co-design study
    python3 dev.py test   [pytest options]      # set up .venv, then ruff + the whole test suite
    python3 dev.py setup                        # only create/refresh .venv

The environment is (re)installed when pyproject.toml changes (a hash stamp in .venv records the last install).
Set HWSIM_VENV to use another environment folder.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("HWSIM_VENV", ROOT / ".venv"))
EXTRAS = "test,dask,oracles,docs,crosscheck,zigzag,neurobench"
# Installed without its declared dependencies: neurobench 2.3.0 declares tonic/torchaudio for its data sets, which
# hwsim does not use and which do not install here; its metrics need only torch and snntorch (the extra above).
NO_DEPS = ["neurobench==2.3.0"]


def _bin(name: str) -> Path:
    sub = "Scripts" if os.name == "nt" else "bin"
    return VENV / sub / name


def _run(cmd: list[str | Path]) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT)


def setup() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 (dev.py may be started by an older python3)
        sys.exit(f"hwsim needs Python >= 3.11, this is {sys.version.split()[0]}")
    stamp = VENV / ".hwsim-installed"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + EXTRAS.encode() + " ".join(NO_DEPS).encode()
                            ).hexdigest()
    if stamp.exists() and stamp.read_text() == digest and _bin("hwsim").exists():
        return
    if not _bin("python").exists():
        print(f"creating virtual environment {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=False).create(VENV)
    py = _bin("python")
    _run([py, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    _run([py, "-m", "pip", "install", "--quiet", "-e", f".[{EXTRAS}]"])
    _run([py, "-m", "pip", "install", "--quiet", "--no-deps", *NO_DEPS])
    stamp.write_text(digest)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"setup", "run", "test"}:
        print(__doc__)
        return 2
    cmd, rest = argv[0], argv[1:]
    setup()
    env = dict(os.environ)
    env.setdefault("PYTHONHASHSEED", "0")
    if cmd == "setup":
        return 0
    if cmd == "run":
        return subprocess.call([str(_bin("hwsim")), "run", *rest], cwd=ROOT, env=env)
    # test: lint first (fast, fails early), then the suite on all cores of the machine.
    rc = subprocess.call([str(_bin("ruff")), "check", "."], cwd=ROOT, env=env)
    if rc != 0:
        return rc
    n = os.environ.get("HWSIM_TEST_WORKERS", "auto")
    return subprocess.call(
        [str(_bin("python")), "-m", "pytest", "-n", n, "--durations=30", *rest], cwd=ROOT, env=env
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
