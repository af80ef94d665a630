"""Packaging is tested (issue 17 §1): the wheel is built from the sources, installed into
a fresh virtual environment, and the installed ``pruner`` command runs there, from a
folder outside the repository.

Fast and offline: the wheel is built without build isolation by the setuptools of the
test environment (``pip install -e '.[dev]'`` installs it), and installed with
``--no-deps --no-index``; the fresh environment borrows the already-installed runtime
dependencies through a ``.pth`` file instead of downloading them again.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from pruner import __version__
from tests.conftest import ROOT

DISTRIBUTION = "pruner-sre"  # `pruner` on PyPI is someone else's project


def _pip(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check",
                           "--no-input", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of the sources (so the build sees only what the
    project declares, and writes nothing into the working tree)."""
    src = tmp_path_factory.mktemp("src")
    shutil.copy(ROOT / "pyproject.toml", src)
    shutil.copy(ROOT / "README.md", src)
    shutil.copytree(ROOT / "pruner", src / "pruner",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("dist")
    proc = _pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
                "-w", str(out), str(src), cwd=src)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wheels = sorted(out.glob("*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_no_requirement_names_the_unrelated_pruner():
    # A self-reference for extras ("pruner[stores]") must use our distribution name:
    # "pruner" would pull the unrelated project from the index into every install.
    text = (ROOT / "pyproject.toml").read_text()
    text = text[text.index("\n[project]"):text.index("\n[tool.")]  # dependencies, extras
    assert not re.findall(r"""["']pruner\s*(?:\[|[<>=!~;"'])""", text)
    assert re.findall(r"""["']pruner-sre\[""", text)  # the dev extra reuses ours


def test_the_distribution_name_is_ours(wheel):
    text = (ROOT / "pyproject.toml").read_text()
    assert f'name = "{DISTRIBUTION}"' in text
    assert wheel.name.startswith(f"pruner_sre-{__version__}-")
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        meta = z.read(f"pruner_sre-{__version__}.dist-info/METADATA").decode()
        entry_points = z.read(f"pruner_sre-{__version__}.dist-info/entry_points.txt").decode()
    assert f"Name: {DISTRIBUTION}\n" in meta and f"Version: {__version__}\n" in meta
    assert "pruner = pruner.cli:run" in entry_points
    # the package data every command needs, and nothing of the tests (the third-party
    # corpus under tests/ has licences of its own and is no part of the package)
    for needed in ("pruner/__init__.py", "pruner/__main__.py",
                   "pruner/manifest-v1.schema.json"):
        assert needed in names, needed
    assert any(n.startswith("pruner/render/assets/") and n.endswith(".js") for n in names)
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/", "manifests/"))]


def test_the_installed_command_runs_in_a_fresh_environment(wheel, tmp_path):
    env_dir = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True,
                   timeout=120)
    python = env_dir / "bin" / "python"
    proc = _pip("--python", str(python), "install", "--no-deps", "--no-index", "-q",
                str(wheel), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # The runtime dependencies, already installed here, are borrowed (not downloaded):
    # the site folders of this environment go after the fresh one's own.
    fresh_site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True, timeout=60).stdout.strip()
    ours = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    (Path(fresh_site) / "zz_borrowed_dependencies.pth").write_text("\n".join(ours) + "\n")
    manifest = tmp_path / "m.yaml"
    manifest.write_text("services: {web: {depends_on: [db]}, db: {}}\n"
                        "flows: {login: {requires: [web]}}\n")
    work = tmp_path / "elsewhere"  # not the repository: the installed package must be used
    work.mkdir()
    pruner = env_dir / "bin" / "pruner"

    def installed(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(pruner), *args], cwd=work, capture_output=True, text=True,
                              timeout=120)

    version = installed("--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"pruner, version {__version__}"
    where = subprocess.run([str(python), "-c", "import pruner; print(pruner.__file__)"],
                           cwd=work, capture_output=True, text=True, check=True, timeout=60)
    assert Path(where.stdout.strip()).is_relative_to(env_dir), where.stdout
    assert installed("validate", str(manifest)).returncode == 0
    check = installed("check", str(manifest), "--off", "db", "--format", "json")
    assert check.returncode == 1, check.stderr
    assert json.loads(check.stdout)["flows"]["login"]["state"] == "broken"
    html = installed("report", str(manifest), "--output", str(tmp_path / "r.html"))
    assert html.returncode == 0, html.stderr  # the page's script is package data
    assert "<script" in (tmp_path / "r.html").read_text()
    module = subprocess.run([str(python), "-m", "pruner", "--version"], cwd=work,
                            capture_output=True, text=True, timeout=120)
    assert module.returncode == 0 and __version__ in module.stdout


def test_pip_installs_from_a_git_url_at_a_pinned_commit(tmp_path):
    # The README's `pip install "pruner-sre @ git+https://...@COMMIT"`, with this clone
    # as the remote: pip clones it, checks the commit out and builds that.
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                          text=True, check=True, timeout=60).stdout.strip()
    target = tmp_path / "target"
    proc = _pip("install", "--no-deps", "--no-build-isolation", "--no-index", "-q",
                "--target", str(target), f"{DISTRIBUTION} @ git+file://{ROOT}@{head}",
                cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (target / "pruner" / "__init__.py").is_file()
    [info] = target.glob("pruner_sre-*.dist-info")
    direct = json.loads((info / "direct_url.json").read_text())
    assert direct["vcs_info"] == {"vcs": "git", "commit_id": head,
                                  "requested_revision": head}
