"""Every command that reaches the decision diagrams stops at a budget (issue 17 §4):
`availability` and `diff` fail closed with exit 3 naming what was not computed,
`validate` skips the "extra nine" lint with a warning that says why, `cuts` lists
its single points of failure and says complete: false. The node cap is lowered so
the tangled quorums of the asset reach it at once."""

from __future__ import annotations

import json
import shutil

import pytest

from pruner.analysis import bdd
from tests.diffhelpers import ROOT, run

ASSET = "tests/assets/availability/quorums-tangled-over-budget.yaml"


@pytest.fixture(autouse=True)
def small_cap(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(bdd, "DEFAULT_MAX_NODES", 20_000)


def test_availability_exits_3_and_names_the_flow():
    result = run("availability", ASSET, "--format", "json")
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr.strip() == (
        "pruner: budget: availability not computed for 1 of 1 flow ('f'): decision "
        "diagram past its cap of 20,000 nodes")


def test_availability_time_budget_exits_3(monkeypatch):
    monkeypatch.setattr(bdd, "DEFAULT_MAX_NODES", 0)  # no cap: the deadline ends it
    result = run("availability", ASSET, "--time-budget", "1")
    assert result.exit_code == 3
    # the engine's own message (naming the flow), or the command's when loading alone
    # outlasts the second on a loaded machine
    assert result.stderr.startswith("pruner: budget: ")
    assert "time budget" in result.stderr


def test_validate_skips_the_lint_and_says_so():
    result = run("validate", ASSET)
    assert result.exit_code == 0
    assert ("warning: availability lint ('extra nine') skipped: availability not "
            "computed for 1 of 1 flow ('f'): decision diagram past its cap of 20,000 "
            "nodes") in result.output


def test_diff_fails_closed(tmp_path):
    new = tmp_path / "new.yaml"
    shutil.copy(ASSET, new)
    with new.open("a") as fh:  # a harmless edit: one more note
        fh.write("# edited\n")
    result = run("diff", ASSET, str(new), "--format", "json")
    assert result.exit_code == 3
    assert "pruner: budget: availability not computed" in result.stderr


def test_cuts_high_order_is_partial_not_a_memory_error():
    result = run("cuts", ASSET, "--max-order", "16", "--format", "json")
    assert result.exit_code == 0
    flow = json.loads(result.stdout)["flows"]["f"]
    assert flow["complete"] is False
    assert all(len(c) == 1 for c in flow["cut_sets"])  # the single points of failure
