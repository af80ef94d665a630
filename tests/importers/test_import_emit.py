"""The YAML writer: deterministic, safe quoting, loads back to the same document."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pruner.importers.emit import to_yaml
from pruner.loader import load_sources

TRICKY = [
    "yes", "no", "on", "null", "~", "1.0", "0x1F", "1e3", "2024-01-01", "a: b", "#x",
    "- x", "'q'", '"d"', "&a", "*a", "!t", "%p", "@at", "`b`", "{x}", "[y]", "tab\there",
    "new\nline", "\u2028", "é ü 中", "\x1b[31m", "", " lead", "trail ", "a" * 300,
]  # fmt: skip


def test_tricky_notes_and_names_round_trip():
    names = ["yes", "null", "1.0", "2024-01-01", "a:b", "x@y", "a/b", "true", "0x1F", "1e3"]
    services = {n: {} for n in names}
    services["svc"] = {
        "description": "\n".join(TRICKY),
        "tags": TRICKY,
        "depends_on": [{"service": n, "note": t} for n, t in zip(names, TRICKY, strict=False)],
    }
    doc = {"version": 1, "services": services}
    text = to_yaml(doc, kind="k8s", sources=["a\nb", "#c"], notes=TRICKY)
    assert yaml.safe_load(text) == doc
    assert load_sources([("m.yaml", text)]).manifest.services.keys() == services.keys()
    for line in text.split("version: 1")[0].splitlines():
        assert line.startswith("#")


def test_output_is_deterministic_and_sorted():
    a = {"version": 1, "services": {"b": {}, "a": {"depends_on": [{"note": "n", "service": "b"}]}}}
    b = {"services": {"a": {"depends_on": [{"service": "b", "note": "n"}]}, "b": {}}, "version": 1}
    assert to_yaml(a) == to_yaml(b)
    body = to_yaml(a).split("version: 1")[1]
    assert body.index("  a:") < body.index("  b:")
    assert "- service: b\n      note: n" in body


def test_header_says_flows_are_missing():
    text = to_yaml({"version": 1, "services": {}}, kind="zipkin", sources=["t.json"])
    head = text.split("version: 1")[0]
    assert "pruner import zipkin" in head and "t.json" in head and "flows" in head


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=40), st.lists(st.text(max_size=20), max_size=3))
def test_any_text_round_trips(note, notes):
    doc = {
        "version": 1,
        "services": {"a": {"depends_on": [{"service": "b", "note": note}]}, "b": {}},
    }
    text = to_yaml(doc, notes=notes, sources=notes)
    assert yaml.safe_load(text) == doc


def test_notes_with_characters_yaml_forbids_still_load():
    # Found by the importer fuzz test: a Jaeger name holding U+FFFE reached a header note.
    import yaml

    doc = {"version": 1, "services": {"a": {}}}
    text = to_yaml(doc, kind="jaeger", sources=["x\udce9.json"],
                   notes=["name '\ufffecart' \uffff \x00 \u202e"])
    assert yaml.safe_load(text) == doc
    assert "\\ufffe" in text and "\\udce9" in text
