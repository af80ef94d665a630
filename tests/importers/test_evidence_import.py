"""Issue 18: importers write evidence, the address book gives unverified candidates, stubs are
external, `--update` merges evidence, `drift --update` records it, and every verdict resting
on nothing known says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pruner.analysis.evidence import basis
from pruner.importers import import_sources
from pruner.importers.address_book import candidate_callers
from pruner.importers.base import SourceError
from pruner.importers.update import record_evidence, update_manifest
from pruner.loader import load, load_sources
from tests.conftest import run
from tests.importers.conftest import CORPUS, check_v1

TRACES = Path(__file__).resolve().parents[1] / "assets" / "traces"
SOCIAL = CORPUS / "deathstarbench" / "socialNetwork"

STORES_COMPOSE = """\
services:
  api:
    image: example/api:1
    depends_on: [api-db]
  api-db: {image: "postgres:16"}
  sessions: {image: "redis:7-alpine"}
  events: {image: "bitnami/kafka:3.7"}
  web:
    image: example/web:1
    environment: {API_URL: "http://api:8080"}
"""
FLOWS = "flows:\n  shop:\n    requires: [web]\n"


def _imported_with_flows(tmp_path: Path) -> Path:
    compose = tmp_path / "docker-compose.yml"
    compose.write_text(STORES_COMPOSE)
    manifest = tmp_path / "m.yaml"
    manifest.write_text(FLOWS)
    result = run("import", "compose", compose, "-o", manifest, "--update")
    assert result.exit_code == 0, result.output
    return manifest


def test_stores_and_brokers_are_tagged_by_image_and_evidence_is_written(tmp_path):
    manifest = _imported_with_flows(tmp_path)
    doc = yaml.safe_load(manifest.read_text())
    services = doc["services"]
    assert services["sessions"]["tags"] == ["datastore", "redis"]
    assert services["events"]["tags"] == ["broker", "kafka"]
    assert services["api-db"]["tags"] == ["datastore", "postgres"]
    assert services["api"]["evidence"] == ["compose docker-compose.yml:3"]
    (item,) = services["api"]["depends_on"]
    assert item["evidence"] == ["compose docker-compose.yml:3 depends_on"]
    m = load(manifest).manifest
    assert basis(m)["sessions"] == "unknown" and basis(m)["api-db"] == "inferred"


def test_every_verdict_that_calls_an_unused_store_prunable_names_it(tmp_path):
    manifest = _imported_with_flows(tmp_path)
    essential = run("essential", manifest, "--format", "json")
    data = json.loads(essential.output)
    assert {"sessions", "events"} <= set(data["prunable_unknown"])
    assert "api-db" in data["prunable_with_evidence"] or "api-db" in data["keep"]
    assert set(data["prunable_unknown"]) | set(data["prunable_with_evidence"]) == set(
        data["prunable"])
    for name in ("sessions", "events"):
        assert any(name in w and "nothing is known" in w for w in data["warnings"])
    text = run("essential", manifest).output
    assert "prunable only because nothing is known" in text and "sessions" in text
    check = run("check", manifest, "--off", "sessions,events", "--format", "json")
    assert check.exit_code == 0
    warnings = json.loads(check.output)["warnings"]
    assert [w.split(":")[0] for w in warnings] == [
        "nothing depends on events, a kafka broker", "nothing depends on sessions, a redis "
        "data store"]
    assert "warning: nothing depends on sessions" in run("check", manifest, "--off",
                                                        "sessions").output
    cuts = run("cuts", manifest, "--format", "json")
    assert any("sessions" in w for w in json.loads(cuts.output)["warnings"])
    validate = run("validate", manifest)
    assert "nothing depends on sessions, a redis data store" in validate.output


def test_hand_written_manifest_gets_no_new_warnings():
    from tests.conftest import ROOT

    out = run("essential", ROOT / "manifests" / "shop", "--format", "json")
    data = json.loads(out.output)
    assert data["prunable_unknown"] == [] and data["warnings"] == []


def test_undeployed_stub_is_external_and_its_edge_soft(tmp_path):
    compose = tmp_path / "docker-compose.yml"
    compose.write_text("services:\n  web:\n    environment: {ASSISTANT_ADDR: 'assistant:80'}\n")
    out = tmp_path / "m.yaml"
    assert run("import", "compose", compose, "-o", out).exit_code == 0
    doc = yaml.safe_load(out.read_text())
    assert doc["services"]["assistant"]["external"] is True
    (item,) = doc["services"]["web"]["depends_on"]
    assert item["soft"] is True
    out.write_text(out.read_text() + "flows:\n  f: {requires: [web]}\n")
    assert "assistant" not in json.loads(run("essential", out, "--format", "json").output)[
        "keep"]


# -- the address book -------------------------------------------------------------------

def test_address_book_gives_soft_unverified_candidates(tmp_path):
    result = import_sources("address-book", [str(SOCIAL / "service-config.json")])
    check_v1(result.document)
    services = result.document["services"]
    assert "secret" not in services and "ssl" not in services
    items = services["home-timeline-service"]["depends_on"]
    # its own store, and the stores whose name points at no service (every service's candidates)
    assert {i["service"] for i in items} == {"home-timeline-redis", "redis-primary",
                                             "redis-replica"}
    for svc in services.values():
        for item in svc.get("depends_on", ()):
            assert item["soft"] is True
            assert item["evidence"] == ["address-book service-config.json"]
    assert services["home-timeline-redis"]["tags"] == ["datastore", "redis"]
    assert services["write-home-timeline-rabbitmq"]["tags"] == ["broker", "rabbitmq"]


def test_candidates_follow_the_longest_name_stem():
    apps = ["user-service", "user-timeline-service", "user-mention-service"]
    assert candidate_callers("user-timeline-mongodb", apps) == ("user-timeline-service",)
    assert candidate_callers("user-memcached", apps) == ("user-service",)
    assert candidate_callers("cache", apps) == tuple(sorted(apps))


@pytest.mark.parametrize("content", [b"[]", b'"x"', b"{}", b'{"a": {"port": 1}}',
                                     b'{"a": [1]}', b"{", b"\xff", b'{"a": {"addr": 5}}'])
def test_address_book_bad_input_is_one_error(tmp_path, content):
    f = tmp_path / "book.json"
    f.write_bytes(content)
    with pytest.raises(SourceError):
        import_sources("address-book", [str(f)])
    result = run("import", "address-book", f, "-o", tmp_path / "out.yaml")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert not (tmp_path / "out.yaml").exists()


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=12),
                     lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8),
                                                                         c, max_size=3),
                     max_leaves=12)


@settings(max_examples=80, deadline=None)
@given(book=st.dictionaries(st.text(min_size=1, max_size=20), _json | st.fixed_dictionaries(
    {"addr": st.text(max_size=30)}), max_size=6))
def test_address_book_type_confusion_never_crashes(tmp_path_factory, book):
    f = tmp_path_factory.mktemp("b") / "book.json"
    f.write_text(json.dumps(book))
    try:
        result = import_sources("address-book", [str(f)])
    except SourceError:
        return
    check_v1(result.document)


# -- --update merges evidence; drift --update records it --------------------------------

def test_update_replaces_same_source_evidence_and_keeps_the_rest():
    text = ("services:\n  a:\n    depends_on:\n      - service: b\n        evidence:\n"
            "          - declared alice\n          - compose old.yml:1\n  b: {}\n")
    found = {"services": {"a": {"depends_on": [
        {"service": "b", "evidence": ["compose new.yml:9 depends_on", "k8s x.yaml:3"]}]},
        "b": {}}}
    r = update_manifest(text, found, "added by pruner import compose")
    data = yaml.safe_load(r.text)
    assert data["services"]["a"]["depends_on"][0]["evidence"] == [
        "declared alice", "compose new.yml:9 depends_on", "k8s x.yaml:3"]
    assert r.evidence == ["a -> b"]
    again = update_manifest(r.text, found, "added by pruner import compose")
    assert again.text == r.text and again.evidence == []


def test_other_sources_edges_are_not_stale():
    text = ("services:\n  a:\n    depends_on:\n      - service: b\n"
            "        evidence: [compose c.yml:1]\n  b: {}\n  c: {}\n")
    found = {"services": {"a": {"depends_on": [
        {"service": "c", "soft": True, "evidence": ["address-book book.json"]}]}}}
    r = update_manifest(text, found, "added by pruner import address-book")
    assert r.stale == [] and r.added == ["a -> c"]


def test_round_trip_keeps_hand_edits_and_records_what_traces_confirm(tmp_path):
    manifest = tmp_path / "m.yaml"
    hand = ("# written by the login team\n"
            "services:\n"
            "  web:\n"
            "    owner: identity   # they own it\n"
            "    operations:\n"
            "      POST-/login:\n"
            "        depends_on:\n"
            "          - service: auth:verify\n"
            "            note: checked by hand\n"
            "          - risk:score\n"
            "  auth: {operations: {verify: {depends_on: [users-db]}}}\n"
            "  users-db: {}\n"
            "  risk: {operations: {score: }}\n"
            "  legacy: {}\n"
            "flows:\n"
            "  login:\n"
            "    critical: true\n"
            "    requires: ['web:POST-/login']\n")
    manifest.write_text(hand)
    compose = tmp_path / "docker-compose.yml"
    compose.write_text("services:\n  web: {image: w}\n  auth: {image: a}\n"
                       "  users-db: {image: 'postgres:16'}\n  cache: {image: redis}\n")
    assert run("import", "compose", compose, "-o", manifest, "--update").exit_code == 0
    result = run("drift", manifest, TRACES / "otlp-login.json", "--update", "--fail-on", "never")
    assert result.exit_code == 0, result.output
    assert "evidence recorded on 3 item(s)" in result.stderr
    text = manifest.read_text()
    for kept in ("# written by the login team", "# they own it", "note: checked by hand",
                 "critical: true", "legacy: {}", "owner: identity"):
        assert kept in text, kept
    m = load(manifest).manifest
    login = m.services["web"].operations[0]
    auth, risk = login.own_items
    assert [e.source for e in auth.evidence] == ["traces"] and auth.note == "checked by hand"
    assert [e.source for e in risk.evidence] == ["traces"]
    assert [e.source for e in m.services["auth"].operations[0].own_items[0].evidence] == [
        "traces"]
    assert basis(m)["users-db"] == "observed" and basis(m)["cache"] == "unknown"
    again = run("drift", manifest, TRACES / "otlp-login.json", "--update", "--fail-on", "never")
    assert again.exit_code == 0 and manifest.read_text() == text  # twice is once


def test_drift_update_needs_one_file_and_never_writes_the_observation(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "a.yaml").write_text("services: {a: }\n")
    r = run("drift", folder, TRACES / "otlp-login.json", "--update")
    assert r.exit_code == 2 and "one manifest file" in r.stderr


@pytest.mark.parametrize("output", ["{manifest}", "{tmp}/no-such-folder/r.txt"])
def test_drift_update_leaves_the_manifest_alone_when_the_report_cannot_be_written(
        tmp_path, output):
    """The evidence was recorded in MANIFEST, then -o was refused (the manifest itself,
    a missing folder): exit 2 with the manifest rewritten all the same."""
    manifest = tmp_path / "m.yaml"
    text = "services:\n  web: {depends_on: [auth]}\n  auth: {}\nflows: {f: {requires: [web]}}\n"
    manifest.write_text(text)
    out = output.format(manifest=manifest, tmp=tmp_path)
    r = run("drift", manifest, TRACES / "otlp-login.json", "--update", "--fail-on", "never",
            "-o", out)
    assert r.exit_code == 2 and ("cannot write" in r.stderr or "refusing" in r.stderr), r.output
    assert "updated" not in r.stderr
    assert manifest.read_text() == text


def test_record_evidence_only_touches_confirmed_items():
    text = "services:\n  a:\n    depends_on: [b, c]  # two\n  b:\n  c:\n"
    r = record_evidence(text, {("a", "c"): "traces 3 calls"})
    data = yaml.safe_load(r.text)
    assert data["services"]["a"]["depends_on"] == ["b", {"service": "c",
                                                         "evidence": ["traces 3 calls"]}]
    assert "# two" in r.text
    load_sources([("m.yaml", r.text)])


# -- drift: not observed is not stale ---------------------------------------------------

def test_compose_start_order_edge_never_traced_is_not_observed_not_stale(tmp_path):
    manifest = tmp_path / "m.yaml"
    manifest.write_text(
        "services:\n"
        "  web:\n    depends_on:\n"
        "      - service: auth\n        evidence: [compose dc.yml:3 depends_on]\n"
        "      - service: risk\n"
        "  auth: {}\n  risk: {}\n"
        "flows:\n  f: {requires: [web]}\n")
    observed = tmp_path / "deps.json"
    observed.write_text(json.dumps([{"parent": "web", "child": "other", "callCount": 3},
                                    {"parent": "auth", "child": "other", "callCount": 1},
                                    {"parent": "risk", "child": "other", "callCount": 1}]))
    out = run("drift", manifest, observed, "--format", "json", "--fail-on", "never")
    data = json.loads(out.output)
    assert [(s["source"], s["target"]) for s in data["stale"]] == [("web", "risk")]
    (quiet,) = data["not_observed"]
    assert (quiet["source"], quiet["target"]) == ("web", "auth")
    assert "start-up" in quiet["why"]
    assert data["summary"]["not_observed"] == 1
    text = run("drift", manifest, observed, "--fail-on", "never").output
    assert "Not observed (1)" in text and "quiet     web -> auth" in text
