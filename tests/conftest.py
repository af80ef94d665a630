"""Shared test fixtures: paths to assets and golden files, and a CLI runner."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings

from pruner.cli import main

# In CI (CI=true) every property test runs the same examples each time: a gate that goes
# red must go red for a reason in the change, not for an example drawn this once. A
# developer's run (and HYPOTHESIS_PROFILE=fuzz) keeps drawing new ones, which is where
# new counterexamples are found; each one found becomes a regression test.
settings.register_profile("ci", derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
if os.environ.get("CI") and not os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile("ci")

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
ASSETS = TESTS / "assets"
GOLDEN = TESTS / "golden"
UPDATE_GOLDEN = os.environ.get("PRUNER_UPDATE_GOLDEN") == "1"
# manifests/twitter as it was before its services declared operations (spec §8).
TWITTER_WITHOUT_OPERATIONS = ASSETS / "twitter-without-operations"


def pre_operations_root(tmp_path: Path) -> Path:
    """A folder holding ``manifests/twitter`` as it was before operations, so the golden
    files made from it then are compared, unchanged and byte for byte, with what pruner
    prints now for the same manifest at the same relative path."""
    root = tmp_path / "pre-operations"
    shutil.copytree(TWITTER_WITHOUT_OPERATIONS, root / "manifests" / "twitter")
    return root


def run(*args: str, **kwargs):
    """Invoke the CLI in-process; returns click's Result (exit_code, stdout, stderr)."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, **kwargs)


def assert_golden(actual: str, golden: Path) -> None:
    """Compare with a golden file; PRUNER_UPDATE_GOLDEN=1 rewrites it instead."""
    if UPDATE_GOLDEN:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    assert golden.exists(), f"missing golden file {golden}; run with PRUNER_UPDATE_GOLDEN=1"
    assert actual == golden.read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def _no_color(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
