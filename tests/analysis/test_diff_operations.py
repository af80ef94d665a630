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


def test_a_renamed_service_whose_name_holds_a_colon_keeps_its_operations():
    # Service names may hold colons, operation names may not: api:v2:login is
    # operation login of api:v2, and renaming api:v2 to api:v3 renames it too.
    old_text = """
services:
  api:v2: {operations: {login: {depends_on: [db]}}}
  db: {}
flows:
  login: {requires: ["api:v2:login"], critical: true}
"""
    new_text = old_text.replace("api:v2", "api:v3")
    old = load_sources([("old.yaml", old_text)]).manifest
    new = load_sources([("new.yaml", new_text)], assume_services=old.nodes)
    d = compare(dependency_graph(old), dependency_graph(new.manifest), new.assumed)
    assert d.renamed == (("api:v2", "api:v3"),)
    assert d.items == () and d.removed_operations == ()
    assert {f.name: f.kind for f in d.flows} == {"login": "unchanged"}


def test_a_single_point_named_with_a_colon_is_not_taken_for_an_operation_of_a_removed_service():
    # api is removed; api:v2 is a service of its own that stops being a single point
    # of failure (a backup stands beside it now): that is a lost single point.
    old_text = """
services:
  web: {depends_on: [api, "api:v2"]}
  api: {}
  api:v2: {}
flows:
  f: {requires: [web], critical: true}
"""
    new_text = """
services:
  web: {depends_on: [{any_of: ["api:v2", backup]}]}
  api:v2: {}
  backup: {description: a second region}
flows:
  f: {requires: [web], critical: true}
"""
    old = load_sources([("old.yaml", old_text)]).manifest
    new = load_sources([("new.yaml", new_text)], assume_services=old.nodes)
    d = compare(dependency_graph(old), dependency_graph(new.manifest), new.assumed)
    assert [s.name for s in d.removed] == ["api"] and d.renamed == ()
    [f] = d.flows
    assert f.removed_spofs == ("api:v2",)
