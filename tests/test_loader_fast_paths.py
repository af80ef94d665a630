"""The loader's short ways through the common case say what its long ways say.

``NodeReader.plain_fields`` reads a mapping of plain, known keys, each written once,
without ``pairs()``; ``FileReader.items`` reads a plain service name without
``item()``. Forced off, every mapping and item goes the long way. On manifests built
from the cases each short way must leave to the long one (merge keys, ``x-`` keys,
duplicate, misspelt, quoted, typed and non-text keys, typed mappings, aliases, lists
and mappings where names go), both must give the same manifest, locations, warnings
and errors.
"""

from __future__ import annotations

from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pruner.errors import PrunerError
from pruner.loader import load_sources
from pruner.loader.grammar import FileReader
from pruner.loader.yaml_nodes import (
    _DECIMAL,
    _FLOAT,
    _INT,
    _SCALAR_CHECKS,
    NodeReader,
    parse_float,
    parse_int,
)

_ITEMS = ["b", "c", "'b'", "!!str c", "[b]", "~", "1", "b c", "{service: b, soft: true}",
          "{any_of: [b, c]}", "{at_least: 1, of: [b, c]}", "{at_least: 2, of: [b, c], soft: yes}",
          "{service: b, x-why: 1}", "{service: b, service: c}", "!!map {service: b}",
          "{!!str service: b}", "{'service': c}", "{<<: {service: b}}", "{sevice: b}",
          "{service: b, of: [c]}", "{service: b, note: n, startup: false}", "*it",
          "{[service]: b}", "{service: b, soft: maybe}", "!!omap [{a: b}]",
          "{service: b, evidence: traces 3/4 traces}", "{any_of: []}"]
_KEYS = {
    "owner": ["team", "'t'", "[a]", "~"],
    "tier": ["1", "-1", "x", "!!int 2", "!!float 3", "!!int 1.5", "0755", "!!int 0x1f"],
    "tags": ["[x, y]", "[x, x]", "x", "[[x]]"],
    "description": ["d", "{a: b}"],
    "availability": ["0.99", "99.9%", "2", "!!float 1", "!!int 0.5", "!!float .5", "1e-3"],
    "cost": ["150", "0.5", "!!int 2.5", "-1", "!!float 7"],
    "x-note": ["anything"],
    "ownr": ["team"],
    "'owner'": ["quoted"],
    "!!str tier": ["3"],
    "!!bool owner": ["t"],
    "!!int tier": ["4"],
    "[k]": ["v"],
    "<<": ["{owner: merged}", "{tier: 4, owner: m}", "[{tier: 5}]", "3"],
    "depends_on": [],  # items, drawn below
}


@st.composite
def manifests(draw) -> str:
    lines = ["services:", "  b: {}", "  c: {tier: 2}", "  a: {depends_on: [&it {service: b}]}"]
    anchored = False
    for k in range(draw(st.integers(1, 4))):
        entries = []
        keys = draw(st.lists(st.sampled_from(sorted(_KEYS)), max_size=5))
        if draw(st.integers(0, 3)):  # items are most of a manifest
            keys.insert(draw(st.integers(0, len(keys))), "depends_on")
        for key in keys:
            if key == "depends_on":
                items = draw(st.lists(st.sampled_from(_ITEMS), max_size=6))
                value = "[" + ", ".join(items) + "]"
            else:
                value = draw(st.sampled_from(_KEYS[key]))
            entries.append(f"{key}: {value}")
        body = "{" + ", ".join(entries) + "}"
        prefix = draw(st.sampled_from(["", "", "", "!!map ", "&s ", "!!omap "]))
        if prefix == "&s ":
            prefix = "" if anchored else prefix  # an anchor is defined once
            anchored = True
        lines.append(f"  s{k}: {prefix}{body}")
    if anchored and draw(st.booleans()):
        lines.append("  t: *s")
    flow = draw(st.sampled_from(["{requires: [b]}", "{requires: [b], x-y: 1}",
                                 "{requires: [{any_of: [b, c]}], critical: false}",
                                 "{requires: [b], requires: [c]}", "{<<: {requires: [c]}}"]))
    lines += ["flows:", f"  f: {flow}"]
    return "\n".join(lines) + "\n"


def _outcome(text: str) -> str:
    """Everything a load says, locations included (items compare without them)."""
    try:
        result = load_sources([("m.yaml", text)])
    except PrunerError as exc:
        return f"error {exc}"
    m = result.manifest
    return repr((sorted(m.nodes.items()), sorted(m.flows.items()),
                 [(n, s.location, [i.location for i in s.depends_on])
                  for n, s in sorted(m.nodes.items())],
                 [(n, f.location, [i.location for i in f.requires])
                  for n, f in sorted(m.flows.items())],
                 result.warnings, result.assumed))


def _items_the_long_way(self, node, what):
    if node is None:
        return ()
    return tuple(i for i in map(lambda n: self.item(n, what), self.sequence(node, what))
                 if i is not None)


@settings(max_examples=300, deadline=None)
@given(manifests())
def test_the_short_ways_say_what_the_long_ways_say(text):
    short = _outcome(text)
    with mock.patch.object(NodeReader, "plain_fields", lambda self, node, allowed: None), \
            mock.patch.object(FileReader, "items", _items_the_long_way):
        long = _outcome(text)
    assert short == long, text


def test_the_cases_reach_both_ways():
    # The examples above are worth something only if both outcomes occur.
    flows = "flows:\n  f: {requires: [b]}\n"
    valid = _outcome("services:\n  b: {}\n"
                     "  s: {owner: t, depends_on: [b, {service: b, soft: true}]}\n" + flows)
    invalid = _outcome("services:\n  b: {}\n  s: {owner: t, owner: u}\n" + flows)
    assert not valid.startswith("error") and "soft=True" in valid
    assert invalid.startswith("error") and "duplicate key 'owner'" in invalid


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text("0123456789._-+e:x", max_size=25),
                 st.from_regex(r"(0|[1-9][0-9]{0,19})(\.[0-9]{1,19})?", fullmatch=True)))
def test_a_plain_decimal_is_what_the_number_checks_accept(text):
    # NodeReader.visit passes a plain decimal tagged !!float (or, without a point,
    # !!int) without running the tag's check: the check must accept every one.
    if _DECIMAL.fullmatch(text):
        assert _SCALAR_CHECKS[_FLOAT](text)
        assert parse_float(text) == float(text)
        if "." not in text:
            assert _SCALAR_CHECKS[_INT](text) and parse_int(text) == int(text)


@pytest.mark.parametrize("value,message", [
    ("!!int 1.5", "'1.5' is not an integer, as its tag !!int says"),
    ("!!int 12.25", "'12.25' is not an integer, as its tag !!int says"),
    ("!!float abc", "'abc' is not a number, as its tag !!float says"),
])
def test_a_number_tag_on_other_text_is_still_an_error(value, message):
    found = _outcome(f"services:\n  b: {{tier: {value}}}\nflows:\n  f: {{requires: [b]}}\n")
    assert message in found


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text("0123456789_:+-xb٣", max_size=12),
                 st.from_regex(r"[0-9]{1,40}", fullmatch=True)))
def test_parse_int_reads_a_plain_decimal_as_its_pattern_does(text):
    # parse_int reads `150` without _INT_RE (compiled on first use): the same integer
    # the pattern's decimal branch gives, and None where the pattern refuses the text.
    from pruner.loader.yaml_nodes import _INT_RE, MAX_INT_CHARS

    m = _INT_RE.fullmatch(text) if len(text) <= MAX_INT_CHARS else None
    if m is not None and m["dec"] is not None:
        assert parse_int(text) == int(m["sign"] + m["dec"].replace("_", ""))
    elif m is None:
        assert parse_int(text) is None
