"""Every importer on every corpus folder returns a result or raises SourceError; malformed
sources raise SourceError with ``file:line``."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

import pruner.importers._io as io_mod
from pruner.errors import PrunerError
from pruner.importers import IMPORTERS, SourceError, import_sources, result_to_yaml
from pruner.loader import load_sources

CORPUS = Path(__file__).resolve().parents[1] / "corpus"

_DIRS = (
    (
        [CORPUS]
        + sorted(p for p in CORPUS.glob("*") if p.is_dir())
        + sorted(p for p in CORPUS.glob("*/*") if p.is_dir())
        + sorted(p for p in CORPUS.glob("*/*") if p.is_file() and p.suffix != ".md")
    )
    if CORPUS.is_dir()
    else []
)


def test_corpus_is_there(corpus):
    assert len(_DIRS) > 10


@pytest.mark.parametrize("kind", sorted(IMPORTERS))
@pytest.mark.parametrize("path", _DIRS, ids=lambda p: str(p.relative_to(CORPUS.parent)))
def test_every_importer_on_every_corpus_path_is_clean(kind, path, v1):
    try:
        r = import_sources(kind, [str(path)])
    except SourceError as e:
        assert e.location and e.message and "\n" not in str(e)
        return
    v1(r.document)
    assert result_to_yaml(r)


def _write(tmp_path: Path, name: str, data: bytes | str) -> str:
    p = tmp_path / name
    p.write_bytes(data.encode() if isinstance(data, str) else data)
    return str(p)


def _raises_at(kind: str, path: str, line: int | None) -> SourceError:
    with pytest.raises(SourceError) as info:
        import_sources(kind, [path])
    err = info.value
    assert isinstance(err, PrunerError)
    if line is None:
        assert err.location.startswith(path)
    else:
        assert err.location == f"{path}:{line}", str(err)
    return err


BROKEN_YAML = "services:\n  a:\n    image: x\n  b: [unclosed\n  c: 1\n"


@pytest.mark.parametrize("kind", ["k8s", "compose", "backstage"])
def test_broken_yaml(tmp_path, kind):
    p = _write(tmp_path, "broken.yaml", BROKEN_YAML)
    err = _raises_at(kind, p, 5)
    assert "invalid YAML" in err.message


@pytest.mark.parametrize("kind", ["k8s", "compose", "backstage"])
def test_broken_yaml_inside_a_folder_is_an_error_too(tmp_path, kind):
    (tmp_path / "sub").mkdir()
    p = _write(tmp_path / "sub", "broken.yml", BROKEN_YAML)
    with pytest.raises(SourceError) as info:
        import_sources(kind, [str(tmp_path)])
    assert info.value.location == f"{p}:5"


@pytest.mark.parametrize(
    ("kind", "name"),
    [("k8s", "x.yaml"), ("compose", "x.yaml"), ("backstage", "x.yaml"), ("jaeger", "x.json"),
     ("zipkin", "x.json")],
)  # fmt: skip
def test_non_utf8_bytes(tmp_path, kind, name):
    p = _write(
        tmp_path, name, b'[\n\n"caf\xe9"]\n' if name.endswith("json") else b"a: 1\n\nb: caf\xe9\n"
    )
    err = _raises_at(kind, p, 3)
    assert "UTF-8" in err.message


def test_yaml_python_tags_are_refused(tmp_path):
    p = _write(tmp_path, "evil.yaml", "a: 1\nb: !!python/object/apply:os.system ['true']\n")
    _raises_at("k8s", p, 2)


def test_deep_nesting_is_refused(tmp_path):
    p = _write(tmp_path, "deep.yaml", "a: " + "[" * 600 + "]" * 600 + "\n")
    err = _raises_at("compose", p, 1)
    assert "nested" in err.message


@pytest.mark.parametrize(
    ("kind", "text", "line"),
    [
        ("jaeger", '{"data": 5}', 1),
        ("jaeger", "[1, 2]", 1),
        (
            "jaeger",
            '{"data": [\n {"parent": "a", "child": "b", "callCount": 1},\n {"parent": "a"}\n]}',
            1,
        ),
        ("jaeger", '[\n {"parent": "a", "child": "b", "callCount": "many"}\n]', 2),
        ("jaeger", '{"nothing": "here"}', 1),
        ("zipkin", '{"data": [{"parent": "a", "child": "b", "callCount": 1}]}', 1),
        ("zipkin", "[\n 1\n]", 2),
        ("zipkin", '[\n [{"traceId": "1", "id": "1"}],\n ["x"]\n]', 3),
        ("zipkin", '[{"traceId": "1", "id": "2", "annotations": "sr"}]', 1),
        ("zipkin", '[{"traceId": {"x": 1}, "id": "2"}]', 1),
    ],
)
def test_wrong_json_shape(tmp_path, kind, text, line):
    p = _write(tmp_path, "x.json", text)
    _raises_at(kind, p, line)


@pytest.mark.parametrize("kind", ["jaeger", "zipkin"])
@pytest.mark.parametrize(
    ("text", "line"),
    [('[\n\n{"b": ', 3), ("[\n\n1 2]", 3), ('[{"a": 1}', 1), ("{\n\n]", 3), ("[", 1)],
)
def test_broken_json(tmp_path, kind, text, line):
    p = _write(tmp_path, "x.json", text)
    err = _raises_at(kind, p, line)
    assert "JSON" in err.message or "span" in err.message or "link" in err.message


@pytest.mark.parametrize("kind", sorted(IMPORTERS))
def test_missing_source_and_empty_folder(tmp_path, kind):
    with pytest.raises(SourceError, match="no such file"):
        import_sources(kind, [str(tmp_path / "nope")])
    with pytest.raises(SourceError, match="no .* files"):
        import_sources(kind, [str(tmp_path)])
    with pytest.raises(SourceError):
        import_sources(kind, [])


def test_unknown_importer():
    with pytest.raises(SourceError, match="unknown importer"):
        import_sources("nomad", ["x"])


@pytest.mark.parametrize(
    ("kind", "text", "line", "msg"),
    [
        ("k8s", "apiVersion: v1\nkind: Service\nmetadata: {}\n", 1, "metadata.name"),
        ("k8s", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n"
                "    spec:\n      containers:\n      - name: c\n        env: FOO\n", 8, "list"),
        ("k8s", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec: [1]\n", 4,
         "mapping"),
        ("compose", "version: '3'\nimage: x\n", 1, "not a Compose file"),
        ("compose", "services:\n  a:\n    depends_on: db\n", 3, "depends_on"),
        ("compose", "services:\n  a: 5\n", 2, "mapping"),
        ("backstage", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {}\n", 1,
         "metadata.name"),
    ],
)  # fmt: skip
def test_malformed_objects(tmp_path, kind, text, line, msg):
    p = _write(tmp_path, "x.yaml", text)
    err = _raises_at(kind, p, line)
    assert msg in err.message


def test_json_stream_across_chunk_boundaries(tmp_path, monkeypatch, corpus):
    """Tiny read chunks give the same result as the default: numbers, strings and
    line counting survive being cut anywhere."""
    src = corpus / "train-ticket" / "zipkin-v1-traces" / "ts-large-sample-error-normal"
    normal = [import_sources("zipkin", [str(src)]).document]
    monkeypatch.setattr(io_mod, "_CHUNK", 7)
    assert [import_sources("zipkin", [str(src)]).document] == normal
    p = _write(tmp_path, "n.json", "[\n" + ",\n".join(str(10**i) for i in range(30)) + "\n, {]")
    f = io_mod.SourceFile(Path(p), "n.json", True)
    values = []
    with pytest.raises(SourceError) as info:
        for v, line, _ in io_mod.iter_json_values(f):
            values.append((v, line))
    assert values == [(10**i, i + 2) for i in range(30)]
    assert info.value.location == f"{p}:32"


def test_big_zipkin_file_is_streamed(tmp_path):
    """50k v2 spans (one CLIENT + one SERVER per call) in a few MB, well under a second."""
    spans = []
    for t in range(12_500):
        tid = f"{t:016x}"
        spans += [
            {"traceId": tid, "id": "a", "kind": "SERVER", "localEndpoint": {"serviceName": "web"}},
            {"traceId": tid, "id": "b", "parentId": "a", "kind": "CLIENT",
             "localEndpoint": {"serviceName": "web"}, "remoteEndpoint": {"serviceName": "api"}},
            {"traceId": tid, "id": "c", "parentId": "b", "kind": "SERVER",
             "localEndpoint": {"serviceName": "api"}},
            {"traceId": tid, "id": "d", "parentId": "c", "kind": "CLIENT",
             "localEndpoint": {"serviceName": "api"}, "remoteEndpoint": {"serviceName": "db"}},
        ]  # fmt: skip
    p = _write(tmp_path, "big.json", json.dumps(spans))
    r = import_sources("zipkin", [p])
    deps = {
        (s, d["service"]): d["note"]
        for s, svc in r.document["services"].items()
        for d in svc.get("depends_on", [])
    }
    assert deps == {
        ("web", "api"): "observed in Zipkin traces: 12500 calls",
        ("api", "db"): "observed in Zipkin traces: 12500 calls",
    }


def test_messages_are_one_line(tmp_path):
    p = _write(tmp_path, "x.yaml", "a: 'unterminated\n\nb: 1\n")
    err = _raises_at("k8s", p, None)
    assert "\n" not in str(err)
    assert re.match(rf"{re.escape(p)}:\d+: invalid YAML", str(err))


# Eight levels of ten aliases each: 10**8 leaves if anything expanded it.
BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 10)}]\n" for a, b in zip("abcdefg", "bcdefgh", strict=True)
)


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("compose", "services:\n  s:\n    environment: {X_ADDR: *h, Y: *h}\n    depends_on: *h\n"
                    "    external_links: *h\n    links: *h\n"),
        ("backstage", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: s\n"
                      "  tags: *h\nspec:\n  dependsOn: [{name: x, junk: *h}]\n"
                      "  consumesApis: *h\n"),
        ("k8s", "apiVersion: v1\nkind: Pod\nmetadata: {name: s, labels: {a: b}}\nspec:\n"
                "  containers: [{name: c, env: [{name: X_ADDR, value: *h}], envFrom: *h}]\n"),
    ],
)  # fmt: skip
def test_alias_bombs_are_not_expanded(tmp_path, kind, body):
    """Aliases are shared, not copied; nothing walks or prints them whole."""
    import time

    p = _write(tmp_path, "bomb.yaml", "x:\n  " + BOMB.replace("\n", "\n  ") + "\n" + body)
    start = time.monotonic()
    try:
        import_sources(kind, [p])
    except SourceError:
        pass
    assert time.monotonic() - start < 2


# -- issue 9 §2: importers read YAML strictly and refuse what holds nothing ---------------
_K8S_HEAD = "apiVersion: apps/v1\nkind: Deployment\n"
_K8S_SPEC = "spec:\n  template: {spec: {containers: [{name: c, image: i}]}}\n"


@pytest.mark.parametrize("kind,name,text,line,fragment", [
    ("k8s", "dup.yaml", _K8S_HEAD + "metadata:\n  name: web\n  name: api\n" + _K8S_SPEC, 5,
     "duplicate key 'name' (first at line 4)"),
    ("k8s", "rep.yaml", _K8S_HEAD + "metadata: {name: web}\nspec:\n  replicas: 1" + "0" * 5000
     + "\n  template: {spec: {containers: [{name: c, image: i}]}}\n", 5, "integer too long"),
    ("compose", "ports.yml", "services:\n  a:\n    image: x\n    ports:\n      - 0x" + "f" * 5000
     + "\n", 5, "integer too long"),
    ("compose", "tag.yml", "services:\n  a:\n    image: x\n    deploy: {replicas: !!int 09}\n",
     4, "'09' is not an integer"),
    ("compose", "bool.yml", "services:\n  a:\n    image: x\n    init: !!bool maybe\n", 4,
     "'maybe' is not true or false"),
    ("compose", "ctl.yml", "services:\n  a:\n    image: x\n    environment: {A: \"\x7f\"}\n", 4,
     "U+007F is not allowed"),
    ("compose", "dup.yml", "services:\n  a: {image: x}\n  a: {image: y}\n", 3,
     "duplicate key 'a'"),
    ("backstage", "bs.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Component\n"
     "metadata: {name: a}\nspec: []\n", 4, "spec must be a mapping"),
    ("backstage", "ts.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Component\n"
     "metadata: {name: a, x: !!timestamp 2020-02-30}\n", 3, "is not a timestamp"),
])
def test_bad_yaml_values_in_importer_sources_name_their_line(tmp_path, kind, name, text, line,
                                                            fragment):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(SourceError) as caught:
        import_sources(kind, [str(path)])
    assert caught.value.location == f"{path}:{line}"
    assert fragment in caught.value.message


def test_plain_text_that_looks_typed_stays_text_in_importers(tmp_path):
    path = tmp_path / "c.yml"
    path.write_text("services:\n  a:\n    image: x\n    environment: {A: 0x_, B: 2020-13-45}\n"
                    "    depends_on: [b]\n  b: {image: y}\n")
    r = import_sources("compose", [str(path)])
    assert r.edges() == {("a", "b")}


def test_a_backstage_entity_whose_name_has_no_usable_characters_is_left_out(tmp_path):
    # Found by `make fuzz`: the entity was noted "skipped" but still written as a
    # service named '' (and a dependency on it), so the import refused its own output.
    path = _write(tmp_path, "catalog.yaml", """\
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata: {name: "???"}
spec: {type: database}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: web}
spec: {type: service, dependsOn: ["resource:???"], providesApis: [a]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: "@@"}
spec: {type: service, providesApis: [b], dependsOn: [component:web]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: app}
spec: {type: service, consumesApis: [a, b]}
""")
    result = import_sources("backstage", [path])
    manifest = load_sources([("imported.yaml", result_to_yaml(result))]).manifest
    assert sorted(manifest.services) == ["app", "web"]
    assert [i.members for i in manifest.services["web"].depends_on] == []
    assert [i.members for i in manifest.services["app"].depends_on] == [("web:a",)]
    notes = "\n".join(result.notes)
    assert "name '???' has no usable characters; skipped" in notes
    assert "whose name has no usable characters; not imported as a dependency" in notes
    assert "consumes API b, which no imported Component provides" in notes


def test_a_backstage_catalog_of_only_unusable_names_is_an_error(tmp_path):
    path = _write(tmp_path, "catalog.yaml", "apiVersion: backstage.io/v1alpha1\n"
                                            "kind: Component\nmetadata: {name: '???'}\n")
    with pytest.raises(SourceError, match="no Backstage Component or Resource entity with a "
                                          "usable name"):
        import_sources("backstage", [path])


@pytest.mark.parametrize("kind", ["jaeger", "address-book"])
def test_a_number_too_long_for_python_is_one_plain_line_at_its_line(tmp_path, kind):
    """A JSON number of more digits than Python converts (4300) is refused in pruner's
    words, at the number's line, not as Python's ``ValueError: Exceeds the limit ...``."""
    p = _write(tmp_path, "x.json", '{"data": [\n  {"parent": "a",\n   "callCount": '
               + "9" * 5000 + "}]}\n")
    err = _raises_at(kind, p, 3)
    assert "ValueError" not in err.message and "set_int_max_str_digits" not in err.message
    assert "more than 4300 digits" in err.message


def test_long_number_names_no_number_when_python_converts_any_length():
    """With the limit off (0) a ValueError has another cause: no digit run is blamed, and
    with another limit the message says that one."""
    from pruner.importers.base import long_number

    text = '{"a": ' + "7" * 50 + "}"
    before = sys.get_int_max_str_digits()
    try:
        sys.set_int_max_str_digits(0)
        assert long_number(text) is None
        sys.set_int_max_str_digits(640)
        assert long_number(text) is None
        assert long_number('{"a": ' + "7" * 641 + "}") == (6, "a number of more than 640 digits")
    finally:
        sys.set_int_max_str_digits(before)


@pytest.mark.parametrize("lines", [2, 1])
@pytest.mark.parametrize("second", ['"x"', "[]", "null"])
def test_the_streamed_key_given_twice_in_one_object_is_refused_at_its_line(tmp_path, second,
                                                                           lines):
    """`{"resourceSpans": [...], "resourceSpans": "x"}` read the first list and dropped the
    second value unchecked (a lone `"resourceSpans": "x"` is an error); two lists were
    both read by the streaming reader, the last only by the compiled one (one NDJSON
    line). Which one is meant cannot be told: the second key is refused at its line."""
    span = ('{"traceId": "0000000000000000000000000000000a", "spanId": "000000000000000b", '
            '"name": "op", "kind": 2, "startTimeUnixNano": "1", "endTimeUnixNano": "2"}')
    text = ('{"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": '
            '{"stringValue": "svc"}}]}, "scopeSpans": [{"spans": [' + span + ']}]}],'
            + ("\n" if lines == 2 else "") + ' "resourceSpans": ' + second + "}\n")
    p = _write(tmp_path, "t.json", text)
    err = _raises_at("otlp", p, lines)
    assert "'resourceSpans' appears twice in one object" in err.message
