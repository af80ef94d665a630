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


# --- the block writer against yaml's own (pruner.importers.emit._block_text) ---

_SCALAR = st.one_of(
    st.text(max_size=12), st.sampled_from(TRICKY), st.integers(), st.booleans(), st.none(),
    st.floats(allow_nan=False),
    st.text(alphabet="ab \t\n\r\x85\u2028\u2029\ufeff\x00\x7f\xa0:#'\"-?", max_size=8),
)
_KEY = st.one_of(st.text(max_size=10), st.sampled_from(TRICKY), st.integers(), st.none(),
                 st.text(alphabet="x", min_size=120, max_size=140))
_TREE = st.recursive(_SCALAR, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(_KEY, inner, max_size=4)), max_leaves=25)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_KEY, _TREE, min_size=1, max_size=5))
def test_the_block_writer_writes_what_yaml_writes(doc):
    """Byte for byte, or it declines (None) and yaml writes the document."""
    from pruner.importers.emit import _OPTIONS, _block_text

    text = _block_text(doc)
    if text is not None:
        assert text == yaml.dump(doc, allow_unicode=True, **_OPTIONS)


def test_the_block_writer_declines_what_yaml_writes_over_several_lines():
    from pruner.importers.emit import _block_text

    assert _block_text({"a": "line\nbreak"}) is None
    assert _block_text({"": {"": "\u2028"}}) is None  # a YAML line break
    assert _block_text({"k" * 130: 1}) is None  # yaml writes "? key"
    assert _block_text({"a": "w " * 30_000}) is None  # folded past the width
    assert _block_text({"a": ("x", "y")}) is None  # a type yaml.safe_dump refuses
    assert _block_text({"a": {1, 2}}) is None  # unhashable too
    assert _block_text({"a": {"b": [1, {"c": []}]}}) == "a:\n  b:\n  - 1\n  - c: []\n"
