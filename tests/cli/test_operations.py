"""Operations (spec §8) on the command line: --off, --off-file and --among name them."""

from __future__ import annotations

import json

from tests.conftest import ASSETS, run

OPS = ASSETS / "check" / "operation-dependency-off-breaks-only-its-flow.yaml"


def states(result):
    data = json.loads(result.stdout)
    return ({k: v["state"] for k, v in data["flows"].items()},
            {k: v["state"] for k, v in data["operations"].items()})


def test_off_names_an_operation():
    result = run("check", OPS, "--off", "frontend:login", "--format", "json")
    assert result.exit_code == 1
    flows, ops = states(result)
    assert flows == {"login": "broken", "search": "ok"}
    assert ops["frontend:login"] == "down" and ops["frontend:search"] == "up"
    data = json.loads(result.stdout)
    assert data["operations"]["frontend:login"]["off"] is True
    assert data["services"]["frontend"]["state"] == "up"
    assert data["summary"]["services"]["off"] == 0
    assert data["summary"]["operations"] == {"off": 1, "down": 0, "degraded": 0, "up": 2}


def test_off_file_names_operations_and_unknown_ones_are_exit_2(tmp_path):
    good = tmp_path / "off.txt"
    good.write_text("# the login endpoint, behind a flag\nfrontend:login\n")
    flows, _ = states(run("check", OPS, "--off-file", good, "--format", "json"))
    assert flows == {"login": "broken", "search": "ok"}
    bad = tmp_path / "bad.txt"
    bad.write_text("frontend:logn\n")
    result = run("check", OPS, "--off-file", bad)
    assert result.exit_code == 2
    assert f"{bad}:1: error: unknown operation 'logn' of service 'frontend' (did you mean " \
           "'login'?)" in result.stderr
    result = run("check", OPS, "--off", "frontend:logn")
    assert result.exit_code == 2 and "did you mean 'login'" in result.stderr


def test_explanations_read_through_operations():
    text = run("check", OPS, "--off", "config-service").stdout
    assert ("requires frontend:login -> frontend (service down) -> requires config-service "
            "(switched off)") in text
    text = run("check", OPS, "--off", "passbird").stdout
    assert "requires frontend:login -> requires passbird (switched off)" in text
    assert "Operations down (1): frontend:login" in text
    text = run("check", OPS, "--off", "frontend").stdout
    assert "requires frontend:login -> frontend (switched off)" in text


def test_cuts_range_over_services_unless_among_names_operations():
    data = json.loads(run("cuts", OPS, "--max-order", "1", "--format", "json").stdout)
    login = data["flows"]["login"]["cut_sets"]
    assert login == [["config-service"], ["frontend"], ["passbird"]]
    data = json.loads(run("cuts", OPS, "--max-order", "1", "--among",
                          "frontend:login,passbird", "--format", "json").stdout)
    assert data["flows"]["login"]["cut_sets"] == [["frontend:login"], ["passbird"]]
    result = run("cuts", OPS, "--among", "frontend:lgin")
    assert result.exit_code == 2 and "unknown operation 'lgin'" in result.stderr


def test_essential_keeps_services_only():
    data = json.loads(run("essential", OPS, "--format", "json").stdout)
    assert data["keep"] == ["config-service", "frontend", "passbird", "search-api"]
    assert data["prunable"] == ["risk-scoring"]
    assert data["services"] == 5
