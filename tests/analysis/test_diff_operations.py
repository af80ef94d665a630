"""pruner diff with operations (spec §8): operations added, removed and changed, and
the flows that now break through an operation."""

import json

from pruner.analysis.diff import compare, diff_gate
from pruner.graph import dependency_graph
from pruner.loader import load_sources
from tests.conftest import run

OLD = """
services:
  frontend:
    depends_on: [config]
    operations:
      login: {depends_on: [passbird]}
      search: {depends_on: [search-api]}
  config: {}
  passbird: {}
  search-api: {}
  index: {}
flows:
  login: {requires: [frontend:login]}
  search: {requires: [frontend:search]}
"""


def diff(new: str):
    old = load_sources([("old.yaml", OLD)]).manifest
    loaded = load_sources([("new.yaml", new)], assume_services=old.nodes)
    return compare(dependency_graph(old), dependency_graph(loaded.manifest), loaded.assumed)


def test_a_removed_operation_still_required_breaks_its_flow():
    d = diff(OLD.replace("      login: {depends_on: [passbird]}\n", ""))
    assert d.removed_operations == ("frontend:login",)
    assert d.dangling == ("frontend:login",)
    assert {f.name: f.kind for f in d.flows} == {"login": "broken", "search": "unchanged"}
    assert diff_gate(d).failing == (("login", "broken"),)


def test_operations_added_and_changed_items():
    new = OLD.replace("search: {depends_on: [search-api]}",
                      "search: {depends_on: [search-api, {service: index, soft: true}]}\n"
                      "      home: {}")
    d = diff(new)
    assert [op.name for op in d.operations_added] == ["frontend:home"]
    assert [(c.owner_kind, c.owner, c.change, c.item.describe()) for c in d.items] == [
        ("operation", "frontend:search", "added", "soft index")]
    assert all(f.kind == "unchanged" for f in d.flows)


def test_a_flow_that_now_breaks_through_an_operation():
    # passbird is removed and the search operation now needs it: search breaks too
    new = (OLD.replace("  passbird: {}\n", "")
           .replace("search: {depends_on: [search-api]}",
                    "search: {depends_on: [search-api, passbird]}"))
    d = diff(new)
    assert {f.name: f.kind for f in d.flows} == {"login": "broken", "search": "broken"}
    assert [s.name for s in d.removed] == ["passbird"]


def test_cli_json_lists_operations_only_when_some_changed(tmp_path):
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(OLD)
    new.write_text(OLD.replace("      login: {depends_on: [passbird]}\n", ""))
    result = run("diff", old, new, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["services"]["removed_operations"] == ["frontend:login"]
    assert "Removed operations (1): frontend:login" in run("diff", old, new).stdout
    before = tmp_path / "before.yaml"
    before.write_text(OLD.replace("      login: {depends_on: [passbird]}\n", "")
                      .replace("  login: {requires: [frontend:login]}\n", ""))
    added = json.loads(run("diff", before, old, "--format", "json").stdout)
    assert added["services"]["added_operations"] == {
        "frontend:login": {"service": "frontend", "location": f"{old}:6:7"}}
    same = json.loads(run("diff", old, old, "--format", "json").stdout)
    assert "added_operations" not in same["services"]
