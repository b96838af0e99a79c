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
    """The same configuration (mkdocs.yml: strict, plugins, extensions, hook) on a two-page site, a page with one
    broken page link and one unknown API identifier beside a good link and a good API reference, and one page of
    generated API; every warning of the failed build is one of the two broken references. (Two pages, not a copy of
    all the docs: the full site is what test_site_builds_strict builds, and its notebook and API pages only slow this
    build down.)"""
    yaml = pytest.importorskip("yaml")
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(ROOT / "docs" / "hooks.py", docs / "hooks.py")
    (docs / "index.md").write_text("# Broken references\n\nSee the [API](api.md) of [`hwsim.ir`][hwsim.ir].\n"
                                   "\nSee [a missing page](missing.md) and [`x`][hwsim.ir.no_such_thing].\n")
    (docs / "api.md").write_text("# API\n\n::: hwsim.ir\n")
    cfg = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    assert cfg["strict"] is True and cfg["hooks"] == ["docs/hooks.py"]
    cfg["hooks"] = [str(docs / "hooks.py")]
    cfg["nav"] = [{"Home": "index.md"}, {"API": "api.md"}]
    (handler,) = [p["mkdocstrings"]["handlers"]["python"] for p in cfg["plugins"]
                  if isinstance(p, dict) and "mkdocstrings" in p]
    assert handler["paths"] == ["."]
    handler["paths"] = [str(ROOT)]
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    res = _mkdocs(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert res.returncode != 0
    assert "missing.md" in res.stderr and "hwsim.ir.no_such_thing" in res.stderr
    warnings = [ln for ln in res.stderr.splitlines() if ln.startswith("WARNING")]
    assert warnings and all("missing.md" in w or "hwsim.ir.no_such_thing" in w for w in warnings), res.stderr[-4000:]
