"""CLI of cuts / essential / rank: golden outputs on the shop manifest, exit codes,
selectors, time budget. Regenerate goldens with PRUNER_UPDATE_GOLDEN=1."""

import json
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from pruner.analysis.cuts import minimal_cut_sets
from pruner.cli import main
from pruner.graph import dependency_graph
from pruner.loader import load

REPO = Path(__file__).resolve().parents[1]
SHOP = str(REPO / "manifests" / "shop")
GOLDEN = REPO / "tests" / "golden" / "cuts"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.mark.parametrize(("name", "args"), [
    ("shop-cuts.txt", ["cuts", SHOP]),
    ("shop-cuts.json", ["cuts", SHOP, "--format", "json"]),
    ("shop-cuts-leaves.json", ["cuts", SHOP, "--among", "leaves", "--max-order", "3",
                               "--format", "json"]),
    ("shop-essential.txt", ["essential", SHOP]),
    ("shop-essential.json", ["essential", SHOP, "--format", "json"]),
    ("shop-rank.txt", ["rank", SHOP]),
    ("shop-rank.json", ["rank", SHOP, "--format", "json"]),
])
def test_golden(name, args):
    result = run(*args)
    assert result.exit_code == 0, result.output
    text = result.output.replace(SHOP, "manifests/shop")
    path = GOLDEN / name
    if os.environ.get("PRUNER_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_json_shape_and_determinism():
    first = run("cuts", SHOP, "--format", "json").output
    assert first == run("cuts", SHOP, "--format", "json").output
    data = json.loads(first)
    for flow in data["flows"].values():
        assert flow["max_order"] == 2 and flow["complete"] is True
        sets = flow["cut_sets"]
        assert all(c == sorted(c) for c in sets)
        assert sets == sorted(sets, key=lambda c: (len(c), c))


def test_among_and_flow_select():
    data = json.loads(run("cuts", SHOP, "--flow", "browse", "--among", "catalog-db,catalog-cache",
                          "--format", "json").output)
    assert data["flows"] == {"browse": {"cut_sets": [["catalog-cache", "catalog-db"]],
                                        "max_order": 2, "complete": True, "critical": True}}


@pytest.mark.parametrize(("args", "message"), [
    (["cuts", SHOP, "--flow", "chekout"], "did you mean 'checkout'"),
    (["cuts", SHOP, "--among", "catalg"], "did you mean 'catalog'"),
    (["cuts", SHOP, "--among", "tag:nope"], "no service has tag"),
    (["cuts", SHOP, "--max-order", "0"], "0"),
    (["essential", SHOP, "--flow", "nope"], "unknown flow"),
])
def test_bad_input_exits_2(args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_expired_deadline_gives_spofs_and_incomplete():
    G = dependency_graph(load(SHOP).manifest)
    full = minimal_cut_sets(G, max_order=2)
    late = minimal_cut_sets(G, max_order=2, deadline=time.monotonic() - 1)
    for name, cuts in late.items():
        assert not cuts.complete
        assert cuts.cut_sets == full[name].of_order(1)


def test_essential_headline_names_what_it_covers():
    twitter = REPO / "manifests" / "twitter"
    one = run("essential", twitter, "--flow", "explore-trends").output.splitlines()[-1]
    assert "keep the flow explore-trends working" in one
    two = run("essential", twitter, "--flow", "explore-trends", "--flow", "signup")
    assert "keep all 2 flows working" in two.output  # explore-trends is not critical
    default = run("essential", twitter).output.splitlines()[-1]
    assert "keep all 11 critical flows working" in default
