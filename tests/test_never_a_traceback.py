"""Issue 17 §3, the reported cases one by one: each was a traceback (exit 1, read as
"gate failed"); each is now a result, or exit 2 with ``FILE:LINE: error: REASON``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from pruner.cli import main
from pruner.loader import load_sources
from tests.conftest import ASSETS, ROOT


def _run(*args: str):
    result = CliRunner().invoke(main, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def _located(result, path: Path, reason: str) -> None:
    assert result.exit_code == 2, result.output
    assert re.search("^" + re.escape(str(path)) + r":\d+(:\d+)?: error: .*" + reason,
                     result.stderr, re.M), result.stderr


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "junit", "sarif"])
def test_diff_when_an_operation_loses_a_dependency_item(tmp_path, fmt):
    old = tmp_path / "old.yaml"
    new = tmp_path / "new.yaml"
    old.write_text("services:\n  a:\n    operations:\n      o:\n        depends_on: [b]\n"
                   "  b: {}\nflows:\n  f:\n    requires: [a:o]\n")
    new.write_text("services:\n  a:\n    operations:\n      o: {}\n  b: {}\n"
                   "flows:\n  f:\n    requires: [a:o]\n")
    result = _run("diff", old, new, "--format", fmt)
    assert result.exit_code == 0, result.output
    if fmt == "text":
        assert "operation a:o no longer depends on: b" in result.stdout
    if fmt == "json":
        items = json.loads(result.stdout)["items"]
        assert [(i["owner"], i["change"]) for i in items] == [("a:o", "removed")]


def test_diff_when_an_operation_with_items_is_deleted(tmp_path):
    old = tmp_path / "old.yaml"
    new = tmp_path / "new.yaml"
    old.write_text("services:\n  a:\n    operations:\n      o:\n        depends_on: [b]\n"
                   "      p: {}\n  b: {}\nflows:\n  f:\n    requires: [a:p]\n")
    new.write_text("services:\n  a:\n    operations:\n      p: {}\n  b: {}\n"
                   "flows:\n  f:\n    requires: [a:p]\n")
    for fmt in ("text", "sarif"):
        assert _run("diff", old, new, "--format", fmt).exit_code == 0


@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_render_bootstrap_writes_svg_and_png(tmp_path, suffix):
    out = tmp_path / f"waves{suffix}"
    result = _run("render", "--bootstrap", ASSETS / "bootstrap" / "roblox-consul-deadlock.yaml",
                  "-o", out)
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    if suffix == ".svg":
        assert data.startswith(b"<?xml") or b"<svg" in data[:400]
        assert b"consul" in data
    else:
        assert data.startswith(b"\x89PNG")


def _otlp(kind) -> dict:
    return {"resourceSpans": [{"resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": "web"}}]},
        "scopeSpans": [{"spans": [{"traceId": "01", "spanId": "0a", "name": "GET /",
                                   "kind": kind}]}]}]}


@pytest.mark.parametrize("kind", [[2], {"a": 2}])
@pytest.mark.parametrize("command", [["import", "otlp"], ["discover", "--min-traces", "1"]])
def test_otlp_kind_as_a_list_or_object(tmp_path, kind, command):
    """Handled sensibly: a list or an object is no span kind, so the span counts as
    INTERNAL (as the compiled reader of tracestore reads it too)."""
    path = tmp_path / "t.json"
    path.write_text(json.dumps(_otlp(kind), indent=1))
    result = _run(*command, path, "-o", "-")
    assert result.exit_code == 0, result.output
    assert "web" in result.stdout


@pytest.mark.parametrize("command", [["import", "jaeger"], ["discover"]])
def test_jaeger_process_id_as_a_list(tmp_path, command):
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"data": [{"traceID": "01", "spans": [
        {"traceID": "01", "spanID": "0a", "operationName": "x", "processID": ["p1"]}],
        "processes": {"p1": {"serviceName": "web"}}}]}, indent=1))
    _located(_run(*command, path, "-o", "-"), path, "'processID' must be a string")


ZIPKIN_V1_TRUE = [{"traceId": "01", "id": "0a", "name": "x", "annotations": True}]


def test_zipkin_v1_annotations_true_in_discover_and_drift(tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps(ZIPKIN_V1_TRUE, indent=1))
    manifest = tmp_path / "m.yaml"
    manifest.write_text("services: {web: {}}\n")
    _located(_run("discover", path, "-o", "-"), path, "must be lists")
    _located(_run("drift", manifest, path), path, "must be lists")
    _located(_run("import", "zipkin", path, "-o", "-"), path, "must be lists")


@pytest.mark.parametrize("command", [["import", "zipkin"], ["discover"]])
def test_a_lone_surrogate_in_a_span_name(tmp_path, command):
    path = tmp_path / "t.json"
    spans = [{"traceId": "01", "id": "0a", "name": "x\udabc", "kind": "SERVER",
              "localEndpoint": {"serviceName": "web"}}]
    path.write_text(json.dumps(spans, indent=1, ensure_ascii=True))
    assert "\\udabc" in path.read_text()
    _located(_run(*command, path, "-o", "-"), path, "surrogate")


def test_a_surrogate_pair_is_a_character(tmp_path):
    path = tmp_path / "t.json"
    spans = [{"traceId": "01", "id": "0a", "name": "x\U0001F600", "kind": "SERVER",
              "localEndpoint": {"serviceName": "web"}}]
    path.write_text(json.dumps(spans, indent=1, ensure_ascii=True))
    assert "\\ud83d\\ude00" in path.read_text()
    result = _run("discover", path, "-o", "-")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("kind,text", [
    ("k8s", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
            "  labels: !!map true\n"),
    ("compose", "services:\n  web:\n    image: x\n    labels: !!map true\n"),
    ("backstage", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n"
                  "  name: web\n  labels: !!map true\nspec: {type: service}\n"),
    ("k8s", "apiVersion: v1\nkind: Service\nmetadata: !!seq {name: web}\n"),
    ("compose", "services: !!omap\n  - web: {image: x}\n"),
])
def test_a_tag_on_the_wrong_kind_of_node(tmp_path, kind, text):
    path = tmp_path / "in.yaml"
    path.write_text(text)
    _located(_run("import", kind, path, "-o", "-"), path, "unsupported YAML tag")


def test_names_longer_than_a_manifest_allows_are_shortened_not_fatal(tmp_path):
    long = "svc-" + "x" * 300
    path = tmp_path / "t.json"
    path.write_text(json.dumps([
        {"traceId": "01", "id": "0a", "name": "op-" + "y" * 300, "kind": "SERVER",
         "localEndpoint": {"serviceName": long}},
        {"traceId": "01", "id": "0b", "parentId": "0a", "name": "c", "kind": "CLIENT",
         "localEndpoint": {"serviceName": long}, "remoteEndpoint": {"serviceName": "db"}}]))
    for command in (["discover"], ["import", "zipkin"]):
        result = _run(*command, path, "-o", "-")
        assert result.exit_code == 0, result.output
        manifest = load_sources([("out.yaml", result.stdout)]).manifest
        assert all(len(n) <= 253 for n in manifest.nodes)
        assert any(n.startswith("svc-xxx") for n in manifest.services)


def test_openpsa_expression_that_overflows(tmp_path):
    path = tmp_path / "t.xml"
    path.write_text('<?xml version="1.0"?>\n<opsa-mef>\n<define-fault-tree name="T">\n'
                    '<define-gate name="top"><or><basic-event name="a"/>'
                    '<basic-event name="b"/></or></define-gate>\n'
                    '<define-basic-event name="a">\n<exponential><float value="-1"/>'
                    '<float value="1e6"/></exponential></define-basic-event>\n'
                    '<define-basic-event name="b"><float value="0.1"/></define-basic-event>\n'
                    '</define-fault-tree>\n</opsa-mef>\n')
    _located(_run("import", "openpsa", path, "-o", "-"), path, "cannot be computed")


GATES = """<?xml version="1.0"?>
<opsa-mef>
  <define-fault-tree name="t">
    <define-gate name="top">
      <and><basic-event name="pump-a"/><event name="pump-b"/><gate name="power"/></and>
    </define-gate>
    <define-gate name="power"><or><basic-event name="grid"/></or></define-gate>
  </define-fault-tree>
</opsa-mef>
"""
EVENTS = """<?xml version="1.0"?>
<opsa-mef>
  <model-data>
    <define-basic-event name="pump-a"><float value="0.1"/></define-basic-event>
    <define-basic-event name="pump-b"><float value="0.2"/></define-basic-event>
    <define-basic-event name="grid"><float value="0.5"/></define-basic-event>
  </model-data>
</opsa-mef>
"""


def test_openpsa_gates_without_their_basic_events_are_refused(tmp_path):
    """SCRAM refuses it ("Undefined event"); it was imported with every event never
    failing (availability 100%)."""
    gates = tmp_path / "gates.xml"
    gates.write_text(GATES)
    result = _run("import", "openpsa", gates, "-o", tmp_path / "out.yaml")
    _located(result, gates, "undefined events 'grid', 'pump-a', 'pump-b'")
    assert gates.name + ":5:" in result.stderr  # the first use
    assert not (tmp_path / "out.yaml").exists()
    events = tmp_path / "events.xml"
    events.write_text(EVENTS)
    result = _run("import", "openpsa", gates, events, "-o", tmp_path / "out.yaml")
    assert result.exit_code == 0, result.output
    result = _run("availability", tmp_path / "out.yaml", "--format", "json")
    top = json.loads(result.stdout)["flows"]["top"]["availability"]
    # top fails when pump-a, pump-b and power (grid) all fail: 0.1 * 0.2 * 0.5
    assert abs(top - (1 - 0.01)) < 1e-12


def test_openpsa_one_undefined_gate_is_named(tmp_path):
    gates = tmp_path / "gates.xml"
    gates.write_text(GATES.replace('<gate name="power"/>', '<gate name="powr"/>') + "")
    events = tmp_path / "events.xml"
    events.write_text(EVENTS)
    result = _run("import", "openpsa", gates, events, "-o", "-")
    _located(result, gates, "undefined event 'powr'")


@pytest.mark.parametrize("command", [
    ["import", "compose", "{long}", "-o", "{out}"], ["import", "zipkin", "{long}", "-o", "{out}"],
    ["discover", "{long}", "-o", "{out}"], ["discover", "chdb:{long}", "-o", "{out}"],
    ["discover", "{long}.parquet", "-o", "{out}"], ["rpc", "{long}"],
    ["drift", "{twitter}", "{long}"], ["check", "{long}"],
])
def test_a_path_too_long_for_the_file_system_is_one_line(tmp_path, command):
    # Path.is_file() and friends raise for ENAMETOOLONG (they swallow only "not
    # there"): every reader said "no such file" or crashed with a traceback.
    long = str(tmp_path / ("a" * 5000))
    args = [a.format(long=long, out=tmp_path / "out.yaml", twitter=ROOT / "manifests" / "twitter")
            for a in command]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "File name too long" in result.stderr and len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "out.yaml").exists()


def test_a_compose_env_file_too_long_is_a_note(tmp_path):
    compose = tmp_path / "docker-compose.yml"
    compose.write_text(f"services:\n  web:\n    image: x\n    env_file: {'a' * 5000}\n")
    result = CliRunner().invoke(main, ["import", "compose", str(compose),
                                       "-o", str(tmp_path / "out.yaml")])
    assert result.exit_code == 0, result.output
    assert "cannot read: File name too long; not read" in result.stderr


def test_an_os_error_no_reader_caught_is_one_line_at_the_boundary(monkeypatch):
    import errno

    import pruner.cli.check as check_module

    def refuse(*_args, **_kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", "/srv/secret.yaml")

    monkeypatch.setattr(check_module, "load_graph", refuse)
    result = CliRunner().invoke(main, ["check", str(ROOT / "manifests" / "twitter")])
    assert result.exit_code == 2
    assert result.stderr == "/srv/secret.yaml: error: Permission denied\n"


@pytest.mark.parametrize("start", ['"\u00b2"', str(10 ** 400), "-5"])
@pytest.mark.parametrize("command", [["rpc"], ["discover", "--min-traces", "1", "-o", "-"],
                                     ["import", "otlp", "-o", "-"]])
def test_an_otlp_time_that_is_no_time(tmp_path, start, command):
    """A superscript digit (str.isdigit, not int()), an integer no float holds, a
    negative one: mistyped, exit 2 with the line (docs/rpc.md), as the text form's bad
    values are; never read as 0 (which made rpc's calls "parallel, saved 0")."""
    span = ('{"traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "b7ad6b7169203331", '
            f'"name": "GET /", "kind": 2, "startTimeUnixNano": {start}, '
            '"endTimeUnixNano": "5"}')
    path = tmp_path / "spans.json"
    path.write_text('{"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", '
                    '"value": {"stringValue": "web"}}]}, "scopeSpans": [{"spans": [' + span
                    + "]}]}]}\n", encoding="utf-8")
    args = [*command[:2], str(path), *command[2:]] if command[0] == "import" else \
        [command[0], str(path), *command[1:]]
    result = CliRunner().invoke(main, args, catch_exceptions=False)  # a traceback raises
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"{path}:1: error: OTLP 'startTimeUnixNano' must be ")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("prefix,suffix", [("", ""), ('{"resourceSpans": ', "}"),
                                           ('{"data": [{"traceID": "t", "spans": ', "}]}")])
@pytest.mark.parametrize("command", [["import", "otlp"], ["import", "zipkin"],
                                     ["import", "jaeger"], ["rpc"], ["discover"]])
def test_json_nested_too_deeply_for_any_trace_reader(tmp_path, prefix, suffix, command):
    """200,000 brackets: one line and exit 2 from every reader (the OTLP one's compiled
    decoder recursed into an unknown field of a Jaeger file and raised RecursionError)."""
    path = tmp_path / "deep.json"
    path.write_text(prefix + "[" * 200_000 + "]" * 200_000 + suffix + "\n")
    result = CliRunner().invoke(main, [*command, str(path), "-o", str(tmp_path / "out.yaml")]
                                if command[0] != "rpc" else [*command, str(path)],
                                catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert "deep.json:1: error:" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out.yaml").exists()


@pytest.mark.parametrize("value", ["999999999h", "999999999d", "999999999w"])
@pytest.mark.parametrize("option", ["--since", "--until"])
def test_a_duration_back_before_the_year_1_is_bad_input(tmp_path, option, value):
    """``--since 999999999h``: datetime arithmetic overflowed (a traceback)."""
    result = CliRunner().invoke(main, ["discover", str(tmp_path), option, value, "-o",
                                       str(tmp_path / "out.yaml")], catch_exceptions=False)
    assert result.exit_code == 2 and "reaches back before the year 1" in result.output
