"""`--update` edits only what the change is about (issue 17 §5): never through a YAML
alias or merge key into other services, and every line it does not change stays byte
for byte (escapes, CRLF, BOM, sequence indentation, comments after anchors)."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner

from pruner.cli import main
from pruner.importers import SourceError
from pruner.importers.update import record_evidence, update_manifest
from pruner.loader import load_sources

ALIASED = """\
x-deps: &deps
  - db
services:
  a:
    depends_on: *deps
  b:
    depends_on: *deps
  c:
    depends_on: *deps
  db: {}
  cache: {}
"""


def _deps(text: str) -> dict[str, list]:
    manifest = load_sources([("m.yaml", text)]).manifest
    return {name: sorted(m for item in svc.depends_on for m in item.members)
            for name, svc in manifest.services.items()}


def test_an_added_dependency_goes_to_its_service_only_not_through_the_alias():
    found = {"services": {"b": {"depends_on": [{"service": "db"}, {"service": "cache"}]}}}
    text = update_manifest(ALIASED, found, "added").text
    assert _deps(text) == {"a": ["db"], "b": ["cache", "db"], "c": ["db"], "db": [], "cache": []}
    assert text.count("depends_on: *deps") == 2  # a and c still share the anchor


MERGED = """\
x-base: &base
  owner: shop
  depends_on: [db]
services:
  a:
    <<: *base
  b:
    <<: *base
    tier: 1
  db: {}
  cache: {}
"""


def test_prune_does_not_delete_through_a_merge_key():
    found = {"services": {"b": {"depends_on": [{"service": "cache"}]}, "cache": {}}}
    result = update_manifest(MERGED, found, "added", prune=True)
    assert _deps(result.text) == {"a": ["db"], "b": ["cache"], "db": [], "cache": []}
    assert result.pruned == ["b -> db"]
    data = yaml.safe_load(result.text)
    assert data["services"]["a"]["owner"] == data["services"]["b"]["owner"] == "shop"
    assert "    <<: *base\n  b:" in result.text  # a untouched


def test_an_aliased_service_body_is_copied_before_it_changes():
    text = ("services:\n  a: &svc\n    depends_on: [db]\n  b: *svc\n  db: {}\n  cache: {}\n")
    found = {"services": {"b": {"depends_on": [{"service": "db"}, {"service": "cache"}]}}}
    out = update_manifest(text, found, "added").text
    assert _deps(out) == {"a": ["db"], "b": ["cache", "db"], "db": [], "cache": []}


def test_nothing_changes_for_a_shared_node_the_source_agrees_with():
    found = {"services": {"b": {"depends_on": [{"service": "db"}]}}}
    assert update_manifest(ALIASED, found, "added").text == ALIASED


FAITHFUL = """\
# pruner manifest, hand-edited
x-common: &common # comment after the anchor
  owner: shop   # the team
services:
  web:
    description: "checkout \\u202e page"
    depends_on:
    - db    # the main store
    - service: auth
      note: 'it''s fine'
  db: {<<: *common}
  auth: {}
flows:
  buy:
    requires: [web]
"""


def _added_only(original: str, updated: str) -> list[str]:
    """The lines of ``updated`` that are not ``original``'s, checking that the
    original's lines all come through unchanged and in order."""
    old = original.splitlines(keepends=True)
    extra, i = [], 0
    for line in updated.splitlines(keepends=True):
        if i < len(old) and line == old[i]:
            i += 1
        else:
            extra.append(line)
    assert i == len(old), f"original line {i + 1} changed or lost: {old[i]!r}"
    return extra


def _update(text: str) -> str:
    found = {"services": {"web": {"depends_on": [{"service": "db"}, {"service": "cache"}]},
                          "cache": {}}}
    return update_manifest(text, found, "added by pruner import compose").text


def test_unchanged_lines_stay_byte_identical():
    out = _update(FAITHFUL)
    extra = _added_only(FAITHFUL, out)
    assert extra == ["    - service: cache\n", "      note: added by pruner import compose\n",
                     "  cache: {}\n"]
    assert "\u202e" not in out  # the escape stays an escape
    load_sources([("m.yaml", out)])


def test_crlf_stays_crlf():
    text = FAITHFUL.replace("\n", "\r\n")
    out = _update(text)
    _added_only(text, out)
    assert out.count("\n") == out.count("\r\n")


def test_a_bom_is_kept():
    text = "\ufeff" + FAITHFUL
    out = _update(text)
    assert out.startswith("\ufeff# pruner manifest")
    _added_only(text, out)


def test_four_space_indentation_is_kept_and_followed():
    text = ("services:\n    web:\n        depends_on:\n            - db\n    db: {}\n")
    found = {"services": {"web": {"depends_on": [{"service": "db"}, {"service": "cache"}]},
                          "cache": {}}}
    out = update_manifest(text, found, "added").text
    extra = _added_only(text, out)
    assert extra[0] == "            - service: cache\n"
    load_sources([("m.yaml", out)])


def test_prune_deletes_only_the_stale_lines():
    out = update_manifest(FAITHFUL, {"services": {"web": {"depends_on": [{"service": "db"}]}}},
                          "added", prune=True).text
    assert out == FAITHFUL.replace("    - service: auth\n      note: 'it''s fine'\n", "")


def test_cli_update_through_an_alias(tmp_path):
    manifest = tmp_path / "m.yaml"
    manifest.write_text(ALIASED)
    compose = tmp_path / "docker-compose.yml"
    compose.write_text("services:\n  b:\n    image: x\n    depends_on: [db, cache]\n"
                       "  db: {image: postgres}\n  cache: {image: redis}\n")
    result = CliRunner().invoke(main, ["import", "compose", str(compose), "-o", str(manifest),
                                       "--update"])
    assert result.exit_code == 0, result.output
    deps = _deps(manifest.read_text())
    assert deps["a"] == deps["c"] == ["db"]
    assert deps["b"] == ["cache", "db"]


def test_update_one_file_of_a_folder_manifest(tmp_path):
    folder = tmp_path / "manifest"
    folder.mkdir()
    (folder / "api.yaml").write_text("services:\n  api:\n    depends_on: [db]\n")
    (folder / "data.yaml").write_text("services:\n  db: {}\nflows:\n  read: {requires: [api]}\n")
    compose = tmp_path / "docker-compose.yml"
    compose.write_text("services:\n  api:\n    image: x\n    depends_on: [db, cache]\n"
                       "  db: {image: postgres}\n  cache: {image: redis}\n")
    result = CliRunner().invoke(main, ["import", "compose", str(compose), "-o",
                                       str(folder / "api.yaml"), "--update"])
    assert result.exit_code == 0, result.output
    assert "note: db is defined in another file" in result.stderr
    text = (folder / "api.yaml").read_text()
    assert "  db:" not in text  # not defined twice
    assert "cache" in text
    from pruner.loader import load

    manifest = load(folder).manifest
    assert sorted(m for i in manifest.services["api"].depends_on for m in i.members) == [
        "cache", "db"]


def test_update_a_file_of_a_folder_manifest_that_also_loads_alone(tmp_path):
    from pruner.loader import load

    folder = tmp_path / "manifest"
    folder.mkdir()
    (folder / "api.yaml").write_text("services:\n  api: {}\n")  # valid on its own
    (folder / "data.yaml").write_text("services:\n  db: {}\nflows:\n  read: {requires: [api]}\n")
    compose = tmp_path / "docker-compose.yml"
    compose.write_text("services:\n  api:\n    image: x\n    depends_on: [db]\n"
                       "  db: {image: postgres}\n")
    result = CliRunner().invoke(main, ["import", "compose", str(compose), "-o",
                                       str(folder / "api.yaml"), "--update"])
    assert result.exit_code == 0, result.output
    assert "note: db is defined in another file" in result.stderr
    manifest = load(folder).manifest  # db is not defined a second time
    assert [i.members for i in manifest.services["api"].depends_on] == [("db",)]


# --- a property: --update adds what was found, keeps the rest, and is idempotent ------

def test_a_comment_too_long_for_the_round_trip_reader_is_refused_at_its_line():
    """ruamel.yaml reads a comment in time quadratic in its length (a 400,000-character
    comment: 4 s; a 5 MB one: minutes, a hang of --update); such a comment is refused at
    its line before the merge reads the file, as are both of its readers."""
    text = "services:\n  a: {}  # " + "x" * 70_000 + "\n  b: {}\n"
    with pytest.raises(SourceError) as info:
        update_manifest(text, {"services": {"c": {}}}, "x", where="m.yaml")
    assert info.value.location == "m.yaml:2"
    assert "comment of 70,002 characters" in info.value.message
    with pytest.raises(SourceError) as info:
        record_evidence(text, {("a", "b"): "traces 1 calls"}, where="m.yaml")
    assert info.value.location == "m.yaml:2"
    quoted = "services:\n  a: {description: '# " + "x" * 70_000 + "'}\n"
    assert "a: {description: '#" in update_manifest(quoted, {"services": {"c": {}}}, "x").text


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_NAMES = ["a", "b", "c", "d", "e"]


@st.composite
def _existing_and_found(draw):
    """A valid manifest (as text, in one of PyYAML's two styles) and what an importer
    found (services with plain dependencies, each with a note)."""
    mine = draw(st.lists(st.sampled_from(_NAMES), unique=True, max_size=4))
    services = {}
    for name in mine:
        items = []
        for dep in draw(st.lists(st.sampled_from([m for m in mine if m != name] or ["-"]),
                                 unique=True, max_size=3)):
            if dep == "-":
                continue
            form = draw(st.sampled_from(["plain", "mapping", "soft", "group"]))
            others = [m for m in mine if m not in (dep, name)]
            if form == "plain":
                items.append(dep)
            elif form == "mapping":
                items.append({"service": dep, "note": "by hand"})
            elif form == "soft":
                items.append({"service": dep, "soft": True})
            elif others:
                items.append({"any_of": [dep, others[0]]})
        services[name] = {"depends_on": items} if items else {}
    flow = draw(st.booleans())
    text = yaml.safe_dump({"version": 1, "services": services}, sort_keys=False,
                          default_flow_style=draw(st.sampled_from([False, None])))
    found = {}
    for name in draw(st.lists(st.sampled_from(_NAMES), unique=True, max_size=4)):
        deps = draw(st.lists(st.sampled_from([n for n in _NAMES if n != name]), unique=True,
                             max_size=3))
        found[name] = {"depends_on": [{"service": d, "note": "seen"} for d in deps]}
        for d in deps:
            found.setdefault(d, {})
    return text if services or flow else "version: 1\nservices: {}\n", {"services": found}


def _edges(text: str) -> set[tuple[str, str]]:
    manifest = load_sources([("m.yaml", text)]).manifest
    return {(name, m) for name, svc in manifest.services.items()
            for item in svc.depends_on for m in item.members}


@settings(max_examples=200, deadline=None)
@given(_existing_and_found())
def test_update_adds_what_was_found_keeps_the_rest_and_is_idempotent(case):
    text, found = case
    before = _edges(text)
    merged = update_manifest(text, found, "added by a test")
    after = _edges(merged.text)  # loads: what --update writes is a valid manifest
    wanted = {(name, item["service"]) for name, body in found["services"].items()
              for item in body.get("depends_on", [])}
    assert before | wanted == after
    again = update_manifest(merged.text, found, "added by a test")
    assert again.text == merged.text and not again.added


def _items(text: str) -> list[tuple[str, frozenset[str]]]:
    manifest = load_sources([("m.yaml", text)]).manifest
    return [(name, frozenset(item.members)) for name, svc in manifest.services.items()
            for item in svc.depends_on]


@settings(max_examples=200, deadline=None)
@given(_existing_and_found())
def test_update_with_prune_deletes_exactly_the_items_the_source_no_longer_shows(case):
    text, found = case
    shown = {name: {item["service"] for item in body.get("depends_on", [])}
             for name, body in found["services"].items()}
    kept = {(owner, m) for owner, members in _items(text)
            if owner not in shown or members & shown[owner] for m in members}
    wanted = {(name, d) for name, deps in shown.items() for d in deps}
    merged = update_manifest(text, found, "added by a test", prune=True)
    assert _edges(merged.text) == kept | wanted
    assert len(merged.pruned) == sum(1 for owner, members in _items(text)
                                     if owner in shown and not members & shown[owner])


@settings(max_examples=200, deadline=None)
@given(_existing_and_found(), st.data())
def test_recorded_evidence_lands_on_every_confirmed_item_and_nothing_else(case, data):
    from pruner.importers.update import record_evidence

    text, _ = case
    declared = sorted({(owner, m) for owner, members in _items(text) for m in members})
    confirmed = {edge: f"traces {k + 1} calls" for k, edge in enumerate(
        data.draw(st.lists(st.sampled_from(declared), unique=True)) if declared else [])}
    assert update_manifest(text, {"services": {}}, "x").text == text  # nothing found: as is
    result = record_evidence(text, confirmed)
    manifest = load_sources([("m.yaml", result.text)]).manifest
    assert _edges(result.text) == _edges(text)
    for owner, svc in manifest.services.items():
        for item in svc.depends_on:
            calls = [e.calls for e in item.evidence if e.source == "traces"]
            mine = {int(confirmed[owner, m].split()[1]) for m in item.members
                    if (owner, m) in confirmed}  # "traces N calls", read back as N calls
            if mine:  # one entry per source: a group's is its last confirmed member's
                assert len(calls) == 1 and calls[0] in mine, (owner, item)
            if not any((owner, m) in confirmed for m in item.members):
                assert not item.evidence, (owner, item)
    again = record_evidence(result.text, confirmed)
    assert again.text == result.text and not again.evidence


COMMENTED_ITEMS = """\
services:
  api:
    depends_on:
      - db   # main store
      # the cache is optional
      - cache  # cache eol
      # after the last item
    owner: me
  db: {}
  cache: {}
"""


def test_a_plain_item_that_gets_evidence_keeps_its_comments_in_place():
    from pruner.importers.update import record_evidence

    found = {"services": {"api": {"depends_on": [
        {"service": s, "evidence": ["compose c.yml:3"]} for s in ("db", "cache")]}}}
    wanted = COMMENTED_ITEMS.replace(
        "      - db   # main store\n",
        "      - service: db # main store\n        evidence:\n          - compose c.yml:3\n",
    ).replace(
        "      - cache  # cache eol\n",
        "      - service: cache # cache eol\n        evidence:\n          - compose c.yml:3\n")
    out = update_manifest(COMMENTED_ITEMS, found, "added").text
    assert out == wanted
    assert update_manifest(out, found, "added").text == out  # the comments stay on a rerun
    recorded = record_evidence(COMMENTED_ITEMS, {("api", "db"): "compose c.yml:3",
                                                 ("api", "cache"): "compose c.yml:3"}).text
    assert recorded == wanted


COMMENTED_EVIDENCE = """\
services:
  api:
    depends_on:
      - service: db
        evidence:   # ev
          - compose old.yml:1  # the old place
          # after the entry
      - service: cache
        evidence: [compose x]  # flow ev
  db: {}
  cache: {}
"""


def test_evidence_replaced_on_a_mapping_item_keeps_its_comments_and_flow_style():
    from pruner.importers.update import record_evidence

    found = {"services": {"api": {"depends_on": [
        {"service": s, "evidence": ["compose c.yml:3"]} for s in ("db", "cache")]}}}
    wanted = COMMENTED_EVIDENCE.replace(
        "- compose old.yml:1  # the old place", "- compose c.yml:3 # the old place").replace(
        "evidence: [compose x]  # flow ev", "evidence: [compose c.yml:3] # flow ev")

    def spaced(text):  # the space before an end-of-line comment may change
        return [" ".join(line.split()) for line in text.splitlines()]

    assert spaced(update_manifest(COMMENTED_EVIDENCE, found, "added").text) == spaced(wanted)
    recorded = record_evidence(COMMENTED_EVIDENCE, {("api", "db"): "compose c.yml:3",
                                                    ("api", "cache"): "compose c.yml:3"}).text
    assert spaced(recorded) == spaced(wanted)


def test_recorded_evidence_goes_to_the_confirmed_caller_only_not_through_an_alias():
    from pruner.importers.update import record_evidence

    text = ALIASED.replace("  - db\n", "  - db\n  - &cache {service: cache, soft: true}\n")
    result = record_evidence(text, {("b", "db"): "traces 5 calls",
                                    ("b", "cache"): "traces 2 calls"})
    manifest = load_sources([("m.yaml", result.text)]).manifest
    evidence = {(name, m): [e.source for e in item.evidence]
                for name, svc in manifest.services.items()
                for item in svc.depends_on for m in item.members}
    assert evidence == {("a", "db"): [], ("a", "cache"): [], ("b", "db"): ["traces"],
                        ("b", "cache"): ["traces"], ("c", "db"): [], ("c", "cache"): []}
    assert result.text.count("depends_on: *deps") == 2  # a and c still share the anchor
    assert record_evidence(result.text, {("b", "db"): "traces 5 calls",
                                         ("b", "cache"): "traces 2 calls"}).text == result.text


def test_a_scalar_written_over_several_lines_stays_as_written():
    text = ("services:\n  web:\n    description: a long description a person wrapped\n"
            "      over two lines   # by hand\n    depends_on:\n      - service: db\n"
            "        note: \"quoted and\n          wrapped\"\n"
            "        evidence: ['compose c.yml:3 depends_on,\n          healthy']\n  db: {}\n")
    found = {"services": {"web": {"depends_on": [
        {"service": "db", "evidence": ["compose c.yml:3 depends_on, healthy"]},
        {"service": "cache"}]}, "cache": {}}}
    out = update_manifest(text, found, "added").text
    assert _added_only(text, out) == ["      - service: cache\n", "        note: added\n",
                                      "  cache: {}\n"]


def test_prune_of_every_item_of_a_commented_list_writes_valid_yaml_and_keeps_the_comments():
    text = ("services:\n  api:\n    depends_on:  # hand-kept\n    # the old store only\n"
            "    - legacy\n    owner: me\n  legacy: {}\n")
    result = update_manifest(text, {"services": {"api": {}}}, "added", prune=True)
    assert result.pruned == ["api -> legacy"]
    assert result.text == text.replace("depends_on:  # hand-kept", "depends_on: [] # hand-kept"
                                       ).replace("    - legacy\n", "")
    load_sources([("m.yaml", result.text)])


def test_a_comment_line_after_a_flow_service_that_gains_a_dependency_is_written_once():
    text = "services:\n  c: {}  # hand\n  # the next one is a\n  a: {}\n"
    out = update_manifest(text, {"services": {"c": {"depends_on": [{"service": "a"}]}}},
                          "added").text
    assert out.count("# the next one is a") == 1
    assert out.endswith("        note: added\n  # the next one is a\n  a: {}\n")


def test_an_indentless_list_item_that_gets_evidence_keeps_the_file_as_written():
    text = ("services:\n  b:\n    depends_on:\n    - service: e\n      evidence: [k8s y]\n"
            "  # about a\n  a: {}\n  c: {}\n  e: {}\n")
    found = {"services": {"b": {"depends_on": [
        {"service": "e", "evidence": ["traces 5 calls"]}, {"service": "c"}]}}}
    out = update_manifest(text, found, "added").text
    assert out == text.replace("      evidence: [k8s y]\n",
                               "      evidence: [k8s y, traces 5 calls]\n"
                               "    - service: c\n      note: added\n")


def test_an_item_rewritten_in_a_four_space_indentless_list_stays_in_its_column():
    text = ("services:\n    api:\n        depends_on:\n        - db  # main\n    db: {}\n"
            "    cache: {}\n")
    found = {"services": {"api": {"depends_on": [
        {"service": "db", "evidence": ["compose c.yml:3"]}, {"service": "cache"}]}}}
    out = update_manifest(text, found, "added").text
    assert out == text.replace("        - db  # main\n",
                               "        - service: db # main\n          evidence:\n"
                               "            - compose c.yml:3\n"
                               "        - service: cache\n          note: added\n")
