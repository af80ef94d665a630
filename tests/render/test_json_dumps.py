"""The fast JSON serialiser is byte-identical to json.dumps with the project's options."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from pruner.render.json import dumps

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(),
                    st.floats(allow_nan=True, allow_infinity=True))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.tuples(inner, inner),
    st.dictionaries(st.text(max_size=4), inner, max_size=4),
    st.dictionaries(st.integers(), inner, max_size=2)), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(values)
def test_dumps_equals_json_dumps(value):
    assert dumps(value) == json.dumps(value, sort_keys=True, indent=2,
                                      ensure_ascii=False) + "\n"


numbers = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.text("ab-:", max_size=4), st.lists(
    st.tuples(st.text("ab-:", max_size=4), st.lists(numbers, min_size=8, max_size=8)),
    max_size=4, unique_by=lambda row: row[0])), max_size=3, unique_by=lambda f: f[0]))
def test_availability_json_equals_json_dumps(flows):
    """`pruner availability --format json` writes its importance entries without
    building a dictionary each: byte for byte what json.dumps writes of them (a
    non-finite number goes to json.dumps itself)."""
    from pruner.analysis.availability import FlowAvailability, Importance
    from pruner.render import render
    from pruner.render.json import availability_flow_json
    from pruner.report.availability import availability_report

    results = {}
    for name, rows in flows:
        entries = tuple(Importance(service, *(1.0 if v is None else v for v in vs[:5]),
                                   *vs[5:]) for service, vs in rows)
        results[name] = FlowAvailability(name, 0.5, 0.5, None, True, entries)
    report = availability_report(results, source="m.yaml")
    expected = {"source": "m.yaml", "passed": report.passed,
                "flows": {f.flow: availability_flow_json(f) for f in report.flows}}
    assert render(report, "json") == json.dumps(expected, sort_keys=True, indent=2,
                                                ensure_ascii=False) + "\n"


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=3), st.lists(st.one_of(
    st.lists(st.text(), max_size=4), st.tuples(st.text(), st.text()),
    st.lists(st.one_of(st.text(), st.integers(), st.lists(st.text(), max_size=2)), max_size=3)),
    max_size=5), max_size=3))
def test_rows_of_strings_equal_json_dumps(value):
    """Cut sets (rows of strings) take a path of their own: with empty rows, tuples,
    and rows holding numbers or lists it still writes json.dumps's bytes."""
    assert dumps(value) == json.dumps(value, sort_keys=True, indent=2,
                                      ensure_ascii=False) + "\n"


records = st.dictionaries(st.sampled_from(["state", "off", "cause", "via", "Z", "é", ""]),
                          scalars, max_size=7)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(records, st.dictionaries(st.sampled_from(["x", "state"]), records,
                                                    max_size=2)), max_size=6))
def test_objects_sharing_key_sets_equal_json_dumps(value):
    """Objects of one key set (every service's entry) reuse one sorted layout per key
    order and depth: in any insertion order and at any depth, still json.dumps's bytes."""
    assert dumps(value) == json.dumps(value, sort_keys=True, indent=2,
                                      ensure_ascii=False) + "\n"


def test_subclasses_of_scalars_are_left_to_json_dumps():
    import enum

    class Level(enum.IntEnum):
        HIGH = 2

    class Name(str):
        pass

    value = {"level": Level.HIGH, "name": Name("x"), "flag": True, "none": None}
    assert dumps(value) == json.dumps(value, sort_keys=True, indent=2,
                                      ensure_ascii=False) + "\n"


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_check_json_equals_json_dumps(data):
    """`pruner check --format json` writes every service's entry without building
    its dictionary: byte for byte what json.dumps writes of the plain object (hostile
    names, notes, groups, operations and implicit items included)."""
    from pruner.analysis.evaluate import switch_off
    from pruner.graph import dependency_graph
    from pruner.render.json import check_json, render
    from pruner.report import check_report
    from tests.analysis.strategies import manifests
    from tests.strategies import manifests_with_operations

    G = data.draw(st.one_of(manifests(), manifests_with_operations().map(dependency_graph),
                            st.just(_hostile_graph())))
    off = data.draw(st.lists(st.sampled_from(sorted(G)), max_size=3, unique=True))
    report = check_report(G, switch_off(G, off), source="m.yaml")
    assert render(report) == json.dumps(check_json(report, plain=True), sort_keys=True,
                                                indent=2, ensure_ascii=False) + "\n"


def _hostile_graph():
    """Names and a note a JSON writer must escape, a group, an implicit item."""
    from pruner.graph import dependency_graph
    from pruner.model import ANY_OF, SINGLE, Flow, Item, Manifest, Service

    odd = 'q"uote\\back\u00e9\u202e'
    services = [Service("web", (Item(ANY_OF, (odd, "db"), 1, note='say "why"\nnow'),
                                Item(SINGLE, ("db",), soft=True))),
                Service(odd), Service("db")]
    return dependency_graph(Manifest.from_lists(
        services, [Flow("f", (Item(SINGLE, ("web",)),))]))


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_rank_json_equals_json_dumps(data):
    """`pruner rank --format json` writes every ranked service's row without building
    its dictionary: byte for byte what json.dumps writes of the plain object."""
    from pruner.analysis.rank import rank
    from pruner.render.json import rank_json, render
    from pruner.report import rank_report
    from tests.analysis.strategies import manifests

    G = data.draw(st.one_of(manifests(), st.just(_hostile_graph())))
    report = rank_report(rank(G, sorted(G.graph["flows"])), source="m.yaml")
    assert render(report) == json.dumps(rank_json(report, plain=True), sort_keys=True,
                                        indent=2, ensure_ascii=False) + "\n"


def test_cut_set_rows_with_and_without_names_to_escape_equal_json_dumps():
    """Rows of plain names are written as they are between quotes; one name anywhere
    that needs escaping (a quote, a backslash, a control character) sends every row
    through the escaping encoder: json.dumps's bytes either way."""
    plain = [("a", "b-1"), ("c:d", "e/f", "g@h"), ("i",)]
    for odd in (None, 'q"uote', "back\\slash", "line\nbreak", "tab\t", "\x1f", "é\u202e"):
        rows = plain + [("z", odd)] if odd is not None else plain
        value = {"cut_sets": rows, "more": [list(r) for r in rows]}
        assert dumps(value) == json.dumps(value, sort_keys=True, indent=2,
                                          ensure_ascii=False) + "\n"


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(max_size=4), values, min_size=1, max_size=4), st.data())
def test_values_encoded_in_pieces_equal_json_dumps(document, data):
    """A value written out already (``_Encoded``, as the services of ``check``) may be
    held as pieces that the document joins once with everything else: the same bytes
    as json.dumps of the plain value, at the top level and nested deeper."""
    from pruner.render.json import _encode, _Encoded, _Unusual

    try:  # only documents the fast path writes (json.dumps knows no _Encoded)
        _encode(document, "\n")
    except _Unusual:
        return
    key = data.draw(st.sampled_from(sorted(document)))

    def pieces(newline: str) -> _Encoded:
        text = _encode(document[key], newline)
        cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=4)))
        return _Encoded(parts=[text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)],
                                                         strict=True)])

    assert dumps(dict(document, **{key: pieces("\n  ")})) == json.dumps(
        document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert dumps({"outer": dict(document, **{key: pieces("\n    ")})}) == json.dumps(
        {"outer": document}, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
