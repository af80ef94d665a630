"""Mutations for the fuzz tests (issue 9 §7): hypothesis strategies that turn a real
file into a hostile one — byte flips, truncation, type swaps, typed tags, huge
scalars, control characters, deep nesting, merge keys, anchors and aliases, tabs.

The normal suite runs a few dozen examples per test (a few seconds in all);
``HYPOTHESIS_PROFILE=fuzz make fuzz`` runs thousands, randomly seeded each time.
``PRUNER_FUZZ_EXAMPLES=N`` overrides the number of examples of either.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"


def fuzz_settings(quick: int):
    """Settings of one fuzz test: ``quick`` examples in the normal suite (derandomized,
    so CI is repeatable), many more and random under the ``fuzz`` profile."""
    examples = int(os.environ.get("PRUNER_FUZZ_EXAMPLES", 0)) or (quick * 100 if LONG else quick)
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=not LONG,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                               HealthCheck.filter_too_much],
    )


_TAGS = ["!!int ", "!!bool ", "!!float ", "!!timestamp ", "!!binary ", "!!null ", "!!str ",
         "!!map ", "!!seq ", "!!set ", "!!omap ", "!!python/name:os.system ", "!custom ",
         "!!merge ", "!<tag:yaml.org,2002:int> "]
_SCALARS = ["abc", "0x", "''", "09", "0b2", "maybe", "~", "", "1:99", "0x_", "2020-13-45",
            "1e999", ".nan", "-.inf", "=", "<<", "?", "yes", "-1", "1_000", "0o7", "'\\x00'",
            '"\\0"', '"\\uFFFF"', "@x", "`x`", "%x", "&", "*", "!", "|", ">"]
_TYPES = ["[]", "{}", "~", "[a, [b]]", "{a: {b: c}}", "1", "-3", "true", "\"x\"", "0.5",
          "[~]", "{service: x}", "[{any_of: []}]", "[{at_least: 5, of: [a]}]"]
_CONTROL = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\u2028",
            "\ufeff", "\ufffe", "\uffff", "\u202e", "\t", "\r", "\n"]
_HUGE = ["9" * 4301, "1" * 50, "0x" + "f" * 5000, "-" + "9" * 6000, "0b" + "1" * 20000,
         "a" * 100_000, "1_" * 3000 + "1", "1:" * 2000 + "1", "1." + "0" * 5000]
_MERGES = ["<<: *a\n", "x-a: &a {tier: 1}\n", "  <<: *a\n", "x-b: &b {<<: *a}\n",
           "<<: [*a, *b]\n", "  <<: {depends_on: [a]}\n", "a: &a [*a]\n", "<<: 3\n",
           "x-c: &c {<<: *c}\n", "<<:\n  <<: *a\n"]


@st.composite
def _mutation(draw, data: bytes) -> bytes:
    size = len(data)
    at = draw(st.integers(0, size))
    kind = draw(st.sampled_from([
        "flip", "truncate", "tag", "swap", "control", "huge", "nest", "merge", "delete",
        "duplicate", "tab", "bytes", "anchor"]))
    if kind == "flip" and size:
        at = min(at, size - 1)
        bit = draw(st.integers(0, 7))
        return data[:at] + bytes([data[at] ^ (1 << bit)]) + data[at + 1:]
    if kind == "truncate":
        return data[:at]
    if kind == "bytes":
        junk = draw(st.binary(min_size=1, max_size=8))
        return data[:at] + junk + data[at:]
    # Text-level mutations work on the places a value starts (after ": " or "- ").
    text = data.decode("utf-8", "surrogateescape")
    starts = [i + 2 for i in range(len(text) - 1) if text[i:i + 2] in (": ", "- ")] or [0]
    pos = draw(st.sampled_from(starts))
    lines = text.split("\n")
    row = draw(st.integers(0, max(0, len(lines) - 1)))
    if kind == "tag":
        insert = draw(st.sampled_from(_TAGS)) + draw(st.sampled_from(_SCALARS + [""]))
        text = text[:pos] + insert + ("\n" if draw(st.booleans()) else " ") + text[pos:]
    elif kind == "swap":
        end = pos
        while end < len(text) and text[end] not in "\n,]}":
            end += 1
        text = text[:pos] + draw(st.sampled_from(_TYPES + _SCALARS)) + text[end:]
    elif kind == "control":
        cpos = draw(st.integers(0, len(text)))
        text = text[:cpos] + draw(st.sampled_from(_CONTROL)) + text[cpos:]
    elif kind == "huge":
        end = pos
        while end < len(text) and text[end] not in "\n,]}":
            end += 1
        text = text[:pos] + draw(st.sampled_from(_HUGE)) + text[end:]
    elif kind == "nest":
        depth = draw(st.sampled_from([3, 120, 499, 501, 1001, 20_000]))
        opener, closer = draw(st.sampled_from([("[", "]"), ("{a: ", "}"), ("- ", "")]))
        closed = draw(st.booleans())
        text = text[:pos] + opener * depth + "x" + (closer * depth if closed else "") + text[pos:]
    elif kind == "merge":
        lines.insert(row, draw(st.sampled_from(_MERGES)).rstrip("\n"))
        text = "\n".join(lines)
    elif kind == "anchor":
        anchor = draw(st.sampled_from(["&a ", "*a", "*b ", "&a &b ", "*a\n"]))
        text = text[:pos] + anchor + text[pos:]
    elif kind == "delete" and lines:
        del lines[row]
        text = "\n".join(lines)
    elif kind == "duplicate" and lines:
        lines.insert(row, lines[row])
        text = "\n".join(lines)
    elif kind == "tab" and lines:
        lines[row] = "\t" + lines[row].lstrip(" ")
        text = "\n".join(lines)
    return text.encode("utf-8", "surrogateescape")


@st.composite
def mutated(draw, seeds: list[tuple[str, bytes]]):
    """``(name, original, mutated bytes)`` of a seed file after one to three mutations."""
    name, data = draw(st.sampled_from(seeds))
    out = data
    for _ in range(draw(st.integers(1, 3))):
        out = draw(_mutation(out))
    return name, data, out
