"""The loader's tag resolution (``yaml_nodes._YamlLoader``) takes a shortcut for plain
scalars that start no implicit pattern; every node must get the tag PyYAML's own safe
loader gives it, so the loader reads the same manifest either way."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from pruner.loader.yaml_nodes import _SafeLoader, _YamlLoader

TRICKY = ["", "~", "null", "Null", "NULL", "n", "N", "no", "No", "off", "On", "y", "Yes",
          "true", "FALSE", "0", "012", "0x1f", "0b11", "0o7", "1_000", "1:30", "-1", "+.5",
          ".inf", "-.Inf", ".nan", ".", "1e3", "2001-12-14", "2001-12-14t21:59:43.10-05:00",
          "<<", "=", "!x", "&a", "*b", "api", "n/a", "yes-please", "nothing", "tag:x",
          "ünïcode", "日本", " x", "\t", "-", "+", "0.999"]


def _tags(text: str, loader) -> list[str]:
    out, stack = [], [yaml.compose(text, Loader=loader)]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        out.append(node.tag)
        if isinstance(node, MappingNode):
            stack.extend(n for pair in node.value for n in pair)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return out


def _same(value: str) -> None:
    for implicit in ((True, False), (False, True), (True, True), (False, False)):
        assert (_YamlLoader.resolve(_YamlLoader, ScalarNode, value, implicit)
                == _SafeLoader.resolve(_SafeLoader, ScalarNode, value, implicit)), (value, implicit)


def test_tricky_scalars_resolve_as_pyyaml_does():
    for value in TRICKY:
        _same(value)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=12))
def test_any_scalar_resolves_as_pyyaml_does(value):
    _same(value)


def test_a_document_composes_with_the_same_tags():
    text = ("a: [1, '1', yes, 'yes', ~, 0x1f, 1.5, api, !!str 3, !custom x, .inf, 2001-12-14]\n"
            "b: {<<: {c: 1}, d: null, e: n/a, f: -1, g: 'null'}\n"
            "h: |\n  12\ni:\n")
    assert _tags(text, _YamlLoader) == _tags(text, _SafeLoader)


@settings(max_examples=400, deadline=None)
@given(st.from_regex(r"\A[0-9]{1,22}(\.[0-9]{0,21})?\Z") | st.sampled_from(TRICKY))
def test_numbers_read_as_pyyaml_reads_them(text):
    """parse_float reads a plain decimal directly (``_DECIMAL``); every number, that
    one or not, must be the number PyYAML's safe loader makes of it."""
    from pruner.loader.yaml_nodes import parse_float

    try:
        value = yaml.load(text, Loader=_SafeLoader)
    except yaml.YAMLError:  # `<<` alone: no number either way
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return
    got = parse_float(text)
    assert got == float(value) or (got != got and value != value), text


NUMBERS_AND_WORDS = "0123456789_.:+-eExbacdfABCDFTtZ \t\nyesnolulrOYN~/"


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet=NUMBERS_AND_WORDS, min_size=1, max_size=10))
def test_numbers_and_words_resolve_as_pyyaml_does(value):
    """The scalars the loader tells without PyYAML's patterns (``_plain_tag``: words
    that start like a boolean or null, texts that start with a digit) and their near
    misses."""
    _same(value)


def test_a_manifest_of_names_integers_and_decimals_compiles_no_resolver_pattern():
    import subprocess
    import sys

    code = ("import pruner.loader.yaml_nodes as y\n"
            "y.yaml.compose('[tweets, 2fa-sms, 2fa, 150, 0.999, yes, null, n/a, 0]', "
            "Loader=y._YamlLoader)\n"
            "print(sum(r._pattern is not None for rs in "
            "y._SafeLoader.yaml_implicit_resolvers.values() for _, r in rs))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)
    assert out.stdout.strip() == "0"
