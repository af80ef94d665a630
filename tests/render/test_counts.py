"""One vocabulary for counts (issue 23 §4): services and operations are counted apart,
and every format of a command states the same numbers as its JSON."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import run

CASES = [("manifests/twitter", "graphql-api"), ("manifests/twitter", "tfe"),
         ("manifests/hotel-reservation", "mongodb-geo"), ("manifests/hotel-reservation", "geo")]


def _json_counts(path: str, off: str) -> dict[str, dict[str, int]]:
    data = json.loads(run("check", path, "--off", off, "--format", "json").stdout)
    counts: dict[str, dict[str, int]] = {}
    for kind in ("services", "operations"):
        c = {"off": 0, "down": 0, "degraded": 0, "up": 0}
        for entry in data[kind].values():
            c["off" if entry["off"] else entry["state"]] += 1
        counts[kind] = c
    return counts


def _summary(text: str, label: str) -> dict[str, int]:
    m = re.search(label + r": (\d+) switched off, (\d+) down(?: \((\d+) with their service\))?, "
                  r"(\d+) degraded(?: \((\d+) with their service\))?, (\d+) up", text)
    assert m, f"no {label} summary in:\n{text}"
    return {"off": int(m[1]), "down": int(m[2]), "degraded": int(m[4]), "up": int(m[6]),
            "down_with_service": int(m[3] or 0)}


@pytest.mark.parametrize(("path", "off"), CASES)
@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_check_summaries_count_what_the_json_lists(path, off, fmt):
    counts = _json_counts(path, off)
    out = run("check", path, "--off", off, "--format", fmt).stdout
    for kind, label in (("services", "Services"), ("operations", "Operations")):
        said = _summary(out, label)
        assert {k: said[k] for k in counts[kind]} == counts[kind]
    if fmt == "text":
        # The list of operations down by themselves plus those down with their service
        # is the summary's total.
        listed = re.search(r"^Operations down \((\d+)\)", out, re.M)
        said = _summary(out, "Operations")
        assert (int(listed[1]) if listed else 0) + said["down_with_service"] == said["down"]


@pytest.mark.parametrize("fmt", ["text", "markdown", "junit"])
def test_drift_counts_services_and_operations_apart(fmt):
    path = "manifests/hotel-reservation"
    data = json.loads(run("drift", path, path, "--format", "json").stdout)
    services = data["summary"]["declared_services"]
    operations = data["summary"]["declared_operations"]
    assert (data["observed"]["services"], data["observed"]["operations"]) == (24, 20)
    out = run("drift", path, path, "--format", fmt).stdout
    assert f"{services} services, {operations} operations" in out
    assert (services, operations) == (24, 20)


def test_the_page_counts_services_and_operations_apart(tmp_path):
    page = tmp_path / "p.html"
    run("report", "manifests/twitter", "-o", page)
    html = page.read_text(encoding="utf-8")
    data = json.loads(run("check", "manifests/twitter", "--format", "json").stdout)
    services, operations = len(data["services"]), len(data["operations"])
    assert f"<h2>Services ({services}) and operations ({operations})</h2>" in html
    assert f'<span class="muted">{services + operations} shown</span>' in html
