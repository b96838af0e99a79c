"""The documentation site builds in strict mode (mkdocs.yml; a warning or a broken reference fails the build), and a
broken reference does make it fail. Needs the ``docs`` extra; skipped with the reason when it is absent."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _mkdocs(config: Path, site: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
                          capture_output=True, text=True, timeout=300, cwd=config.parent)


@pytest.fixture(scope="module")
def mkdocs_available():
    for mod in ("mkdocs", "material", "mkdocstrings_handlers.python", "mkdocs_jupyter", "mkdocs_click"):
        pytest.importorskip(mod, reason=f"{mod} is not installed (pip install -e '.[docs]')")


def test_site_builds_strict(mkdocs_available, tmp_path):
    res = _mkdocs(ROOT / "mkdocs.yml", tmp_path / "site")
    assert res.returncode == 0, res.stderr[-4000:]
    site = tmp_path / "site"
    for page in ("getting-started", "packages/hwsim", "cli/cost", "api/hwsim", "examples/sweep"):
        assert (site / page / "index.html").is_file(), page
    api = (site / "api" / "hwsim" / "index.html").read_text()
    assert 'id="hwsim.cost.network.cost_model"' in api  # generated from the docstrings
    assert "--bits" in (site / "cli" / "cost" / "index.html").read_text()  # generated from the click command


def test_broken_reference_fails_the_build(mkdocs_available, tmp_path):
    """The same configuration on a copy of the docs with one broken page link and one unknown API identifier."""
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs, symlinks=False)
    page = (ROOT / "docs" / "packages" / "hwsim.md").read_text()
    broken = "\nSee [a missing page](missing.md) and [`x`][hwsim.ir.no_such_thing].\n"
    (docs / "packages" / "hwsim.md").write_text(page + broken)
    cfg = (ROOT / "mkdocs.yml").read_text()
    cfg = cfg.replace("paths: [.]", f"paths: [{ROOT}]").replace("hooks: [docs/hooks.py]", f"hooks: [{docs}/hooks.py]")
    assert str(ROOT) in cfg and str(docs) in cfg
    (tmp_path / "mkdocs.yml").write_text(cfg)
    res = _mkdocs(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert res.returncode != 0
    assert "missing.md" in res.stderr and "hwsim.ir.no_such_thing" in res.stderr
