"""The hotelReservation example (DeathStarBench) with its frontend routes as
operations (spec §8): losing a backend touches only the flows whose routes reach it."""

from __future__ import annotations

import json

import pytest

from pruner.analysis.lint import reached
from pruner.graph import dependency_graph
from pruner.loader import load
from tests.conftest import ASSETS, ROOT, run

HOTEL = ROOT / "manifests" / "hotel-reservation"
WITHOUT = ASSETS / "check" / "hotel-reservation-without-operations.yaml"


def test_switching_off_the_geo_database_degrades_only_the_flows_that_reach_it():
    result = run("check", HOTEL, "--off", "mongodb-geo", "--format", "json")
    out = json.loads(result.stdout)
    states = {name: flow["state"] for name, flow in out["flows"].items()}
    assert states.pop("search-hotels") == "broken"
    assert set(states.values()) == {"ok"}, states
    assert result.exit_code == 1  # search-hotels is critical
    ops = {name: op["state"] for name, op in out["operations"].items()}
    assert {n for n, s in ops.items() if s != "up"} == {
        "frontend:hotels", "search:Nearby", "geo:Nearby"}
    assert out["services"]["frontend"]["state"] == "up"


def test_without_operations_every_flow_is_degraded_by_the_same_switch_off():
    out = json.loads(run("check", WITHOUT, "--off", "mongodb-geo", "--format", "json").stdout)
    states = {name: flow["state"] for name, flow in out["flows"].items()}
    assert states.pop("search-hotels") == "broken"
    assert set(states.values()) == {"degraded"}


@pytest.mark.parametrize("service", sorted(load(HOTEL).manifest.services))
def test_each_service_off_touches_exactly_the_flows_that_reach_it(service):
    G = dependency_graph(load(HOTEL).manifest)
    out = json.loads(run("check", HOTEL, "--off", service, "--format", "json").stdout)
    for flow, data in out["flows"].items():
        assert (data["state"] != "ok") == (service in reached(G, [flow])), (service, flow)
