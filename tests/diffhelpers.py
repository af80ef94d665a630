"""Helpers shared by the diff tests: scenario paths, running the CLI, golden files."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner

from pruner import __version__
from pruner.cli import main

ROOT = Path(__file__).resolve().parent.parent
ASSETS = Path("tests/assets/diff")  # relative to ROOT: outputs show these paths
GOLDEN = ROOT / "tests/golden"
SCENARIOS = sorted(p.name for p in (ROOT / ASSETS).iterdir() if p.is_dir())
FORMATS = {"text": "txt", "json": "json", "markdown": "md", "junit": "xml", "sarif": "sarif"}
UPDATE = os.environ.get("PRUNER_UPDATE_GOLDEN") == "1"


def run(*args: str):
    """Run the CLI in-process; returns click's Result (exit_code, stdout, stderr)."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def check_golden(relative: str, text: str) -> None:
    """Compare with tests/golden/<relative> (the package version masked);
    PRUNER_UPDATE_GOLDEN=1 rewrites it instead."""
    text = text.replace(f'"version": "{__version__}",\n          "rules"',
                        '"version": "VERSION",\n          "rules"')
    path = GOLDEN / relative
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    assert path.read_text(encoding="utf-8") == text, f"golden file {relative} differs"
