"""Loading: files and folders, merging, YAML features, warnings."""

from __future__ import annotations

import pytest

from pruner.errors import ManifestError
from pruner.loader import load, load_sources, manifest_files
from pruner.model import ANY_OF, AT_LEAST, SINGLE
from tests.conftest import ROOT


def test_every_item_form(tmp_path):
    m = load(ROOT / "manifests/shop").manifest
    kinds = {i.kind for s in m.services.values() for i in s.depends_on}
    assert kinds == {SINGLE, ANY_OF, AT_LEAST}
    assert any(i.soft and i.note for s in m.services.values() for i in s.depends_on)


def test_folder_is_read_recursively_in_sorted_order_skipping_hidden(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "b" / "z.yml").write_text("services: {z: }\n")
    (tmp_path / "a.yaml").write_text("services: {a: {depends_on: [z]}}\n")
    (tmp_path / ".hidden.yaml").write_text("services: {hidden: }\n")
    (tmp_path / ".git" / "x.yaml").write_text("not: [valid\n")
    (tmp_path / "notes.txt").write_text("ignored")
    assert manifest_files(tmp_path) == [f"{tmp_path}/a.yaml", f"{tmp_path}/b/z.yml"]
    m = load(tmp_path).manifest
    assert list(m.services) == ["a", "z"]
    assert m.services["z"].location.file == f"{tmp_path}/b/z.yml"


def test_empty_files_and_documents_contribute_nothing(tmp_path):
    (tmp_path / "empty.yaml").write_text("")
    (tmp_path / "comments.yaml").write_text("# nothing yet\n")
    (tmp_path / "m.yaml").write_text("services: {a: }\n---\n---\nflows: {f: {requires: [a]}}\n")
    m = load(tmp_path).manifest
    assert list(m.services) == ["a"] and list(m.flows) == ["f"]


def test_locations_are_one_based():
    text = "services:\n  a:\n    depends_on:\n      - b\n  b: {}\n"
    m = load_sources([("m.yaml", text)]).manifest
    assert str(m.services["a"].location) == "m.yaml:2:3"
    assert str(m.services["a"].depends_on[0].location) == "m.yaml:4:9"


def test_fields_are_read():
    m = load_sources([("m.yaml", """
services:
  a:
    description: the A
    owner: team-a
    system: sys
    tier: 0
    tags: [z, x, z]
    depends_on:
      - {service: b, soft: true, note: optional}
      - {at_least: 2, of: [b, c, d], note: quorum}
    x-runbook: https://example.invalid/a
  b:
  c: {}
  d: {}
flows:
  f:
    description: the flow
    critical: false
    owner: team-f
    requires: [a]
""")]).manifest
    a = m.services["a"]
    assert (a.description, a.owner, a.system, a.tier, a.tags) == (
        "the A", "team-a", "sys", 0, ("x", "z"))
    assert a.depends_on[0].soft and a.depends_on[0].note == "optional"
    assert a.depends_on[1].need == 2 and a.depends_on[1].members == ("b", "c", "d")
    f = m.flows["f"]
    assert (f.critical, f.owner, f.description) == (False, "team-f", "the flow")


def test_merge_keys_and_aliases_are_understood():
    m = load_sources([("m.yaml", """
services:
  db: {}
  base: &base {owner: core, depends_on: [db]}
  api:
    <<: *base
    owner: api-team
""")]).manifest
    assert m.services["api"].owner == "api-team"
    assert m.services["api"].depends_on[0].members == ("db",)


def test_names_may_use_the_whole_alphabet():
    m = load_sources([("m.yaml", "services: {'team/svc:v2@eu.prod_1-a': , 404: }")]).manifest
    assert sorted(m.services) == ["404", "team/svc:v2@eu.prod_1-a"]


def test_same_name_in_two_items_is_a_warning_not_an_error():
    r = load_sources([("m.yaml", "services: {a: {depends_on: [b, {any_of: [b, c]}]}, b: , c: }")])
    assert [w.message for w in r.warnings] == [
        "service 'a' names 'b' in more than one item (first at m.yaml:1:29)"]


def test_problems_are_collected_across_files():
    with pytest.raises(ManifestError) as info:
        load_sources([("a.yaml", "services: {a: {depends_on: [x]}}"),
                      ("b.yaml", "services: {b: {tier: -1}}")])
    assert [str(p.location) for p in info.value.problems] == ["a.yaml:1:29", "b.yaml:1:22"]


def test_bom_is_accepted():
    m = load_sources([("m.yaml", "\ufeffservices: {a: }".encode())]).manifest
    assert list(m.services) == ["a"]
