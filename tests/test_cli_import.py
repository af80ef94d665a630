"""`pruner import`: every importer on the corpus writes a manifest that validates."""

from __future__ import annotations

import json

import pytest
import yaml

from pruner.importers import IMPORTERS
from tests.conftest import ASSETS, ROOT, run

CORPUS = ROOT / "tests" / "corpus"

CASES = [
    ("k8s", "online-boutique/release-kubernetes-manifests.yaml", 13, 17),
    ("k8s", "online-boutique/kubernetes-manifests", 13, 17),
    ("k8s", "sock-shop/complete-demo.yaml", None, None),
    ("k8s", "train-ticket/quickstart-k8s", 64, 0),
    ("compose", "sock-shop/docker-compose.yml", 15, 1),
    ("compose", "deathstarbench/socialNetwork/docker-compose.yml", None, None),
    ("compose", "deathstarbench/hotelReservation/docker-compose.yml", None, None),
    ("compose", "train-ticket/docker-compose.yml", 68, 1),
    ("backstage", "backstage-examples", 7, 5),
    ("zipkin", "train-ticket/zipkin-v1-traces", 21, 34),
]


@pytest.mark.parametrize("kind,rel,n_services,n_edges", CASES)
def test_import_corpus_then_validate(tmp_path, kind, rel, n_services, n_edges):
    out = tmp_path / "m.yaml"
    result = run("import", kind, CORPUS / rel, "--output", out)
    assert result.exit_code == 0, result.stderr
    assert f"pruner: wrote {out}:" in result.stderr
    assert all(ln.startswith("pruner: ") for ln in result.stderr.splitlines())
    assert result.stdout == ""
    doc = yaml.safe_load(out.read_text())
    edges = sum(len(s.get("depends_on", ())) for s in doc["services"].values())
    if n_services is not None:
        assert (len(doc["services"]), edges) == (n_services, n_edges)
    check = run("validate", out)
    assert check.exit_code == 0, check.stderr
    assert "valid" in check.stdout


def test_import_jaeger_and_notes_on_stderr(tmp_path):
    out = tmp_path / "m.yaml"
    result = run("import", "jaeger", ASSETS / "importers" / "jaeger-dependencies.json", "-o", out)
    assert result.exit_code == 0
    assert "pruner: note: dropped 1 self-call link(s)" in result.stderr
    assert run("validate", out).exit_code == 0
    doc = yaml.safe_load(out.read_text())
    assert doc["services"]["frontend"]["depends_on"][0] == {
        "service": "cartservice", "startup": False, "note": "observed by Jaeger: 13 calls",
        "evidence": ["jaeger 13 calls"]}


def test_existing_output_is_refused_without_force(tmp_path):
    out = tmp_path / "m.yaml"
    out.write_text("keep me\n")
    source = CORPUS / "backstage-examples"
    result = run("import", "backstage", source, "--output", out)
    assert result.exit_code == 2
    assert result.stderr == (f"pruner: error: {out}: already exists; pass --update to merge into "
                             "it or --force to overwrite it\n")
    assert out.read_text() == "keep me\n"
    forced = run("import", "backstage", source, "--output", out, "--force")
    assert forced.exit_code == 0
    assert out.read_text().startswith("# pruner manifest")
    assert not [p for p in tmp_path.iterdir() if p.name != "m.yaml"]  # no temp file left


def test_force_never_overwrites_an_env_file_the_compose_file_reads(tmp_path):
    """--force overwrites an existing --output, never an input: the Compose files were
    protected, but the env_file they name (read too) was overwritten with the manifest."""
    compose = tmp_path / "compose.yml"
    compose.write_text("services:\n  api:\n    image: x\n    env_file: api.env\n"
                       "  db:\n    image: postgres\n")
    env = tmp_path / "api.env"
    env.write_text("DATABASE_URL=postgres://db:5432/app\n")
    result = run("import", "compose", compose, "-o", env, "--force")
    assert result.exit_code == 2, result.output
    assert result.stderr.endswith(f"pruner: error: refusing to write '{env}': it is the input "
                                  f"'{env}'; choose another --output\n")
    assert env.read_text() == "DATABASE_URL=postgres://db:5432/app\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["api.env", "compose.yml"]
    assert run("import", "compose", compose, "-o", tmp_path / "m.yaml").exit_code == 0


def test_output_dash_writes_stdout():
    result = run("import", "jaeger", ASSETS / "importers" / "jaeger-dependencies.json", "-o", "-")
    assert result.exit_code == 0
    assert yaml.safe_load(result.stdout)["version"] == 1


@pytest.mark.parametrize("kind,name,content,where", [
    ("k8s", "bad.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: a\n", "bad.yaml:"),
    ("compose", "docker-compose.yml", "services:\n  a:\n    image: x\n  - b\n",
     "docker-compose.yml:"),
    ("jaeger", "deps.json", '{"data": [\n  {"parent": "a", "child": }\n]}', "deps.json:2"),
    ("zipkin", "spans.json", '[\n{"traceId": "1", "id": "1"},\n{"traceId": \n', "spans.json:"),
    ("backstage", "catalog-info.yaml", "apiVersion: backstage.io/v1alpha1\nkind: [\n",
     "catalog-info.yaml:"),
])
def test_malformed_source_exits_2_with_file_line(tmp_path, kind, name, content, where):
    source = tmp_path / name
    source.write_text(content)
    out = tmp_path / "out.yaml"
    result = run("import", kind, source, "--output", out)
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    # One error format (issue 9 §6): FILE:LINE: error: REASON
    assert line.startswith(str(source)) and ": error: " in line and where in line
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_missing_source_and_missing_output_folder_exit_2(tmp_path):
    result = run("import", "k8s", tmp_path / "nope.yaml", "--output", tmp_path / "m.yaml")
    assert result.exit_code == 2 and "nope.yaml" in result.stderr
    source = CORPUS / "backstage-examples"
    result = run("import", "backstage", source, "--output", tmp_path / "no" / "m.yaml")
    assert result.exit_code == 2 and "no folder" in result.stderr


def test_kind_choices_come_from_importers():
    result = run("import", "--help")
    for kind in IMPORTERS:
        assert kind in result.stdout
    bad = run("import", "nomad", "x", "--output", "y")
    assert bad.exit_code == 2


def test_output_is_required():
    assert run("import", "k8s", CORPUS / "online-boutique").exit_code == 2


def test_import_openpsa_then_cuts_reproduces_scram(tmp_path):
    out = tmp_path / "chinese.yaml"
    result = run("import", "openpsa", CORPUS / "scram-openpsa/input/Chinese", "--output", out)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[-1].endswith("1 flow")
    cuts = run("cuts", out, "--among", "leaves", "--max-order", "6", "--format", "json")
    assert cuts.exit_code == 0
    flows = json.loads(cuts.stdout)["flows"]
    assert [len(f["cut_sets"]) for f in flows.values()] == [392]  # SCRAM's published count


@pytest.mark.parametrize(("existing", "where", "reason"), [
    (b"services:\n  a: {description: \"\x00\"}\n", "2:21", "character U+0000 is not allowed"),
    (b"services:\n  a: {description: \"\x07\"}\n", "2:21", "character U+0007 is not allowed"),
    (b"services:\n  a: {description: caf\xe9}\n", "2:23", "not valid UTF-8 (byte 0xe9)"),
    (b"services:\n  a: " + b"[" * 100_000, "2:1004", "nested deeper than 500 levels"),
])  # fmt: skip
def test_update_refuses_a_manifest_that_is_not_yaml_at_its_line(tmp_path, existing, where,
                                                                 reason):
    """--update read the file it merges into with the round-trip library first, which said
    it in its words, without a place ('unacceptable character #x0000: special characters
    are not allowed in "<unicode string>", position 32', 'maximum recursion depth
    exceeded', 'not valid UTF-8 (byte 31)'); it says what validate says, where."""
    out = tmp_path / "m.yaml"
    out.write_bytes(existing)
    result = run("import", "jaeger", ASSETS / "importers" / "jaeger-dependencies.json",
                 "-o", out, "--update")
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if not line.startswith("pruner: note")]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(f"{out}:{where}: error: ") and reason in errors[0], errors
    assert out.read_bytes() == existing
