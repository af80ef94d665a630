"""code_span's shortcut for text without a backtick against the fence rule it skips."""

import re

from hypothesis import given
from hypothesis import strategies as st

from pruner.render.common import clean
from pruner.render.markdown import code_span


def fenced(text, cell):
    """The rule: a fence one backtick longer than the longest run inside, padded by a
    space when the text holds any backtick."""
    s = clean(text)
    if cell:
        s = s.replace("|", "\\|")
    longest = max((len(m) for m in re.findall("`+", s)), default=0)
    pad = " " if longest else ""
    return f"{'`' * (longest + 1)}{pad}{s}{pad}{'`' * (longest + 1)}"


@given(st.text(alphabet=st.sampled_from("ab`|\\ \n\x1b\u202e")), st.booleans())
def test_code_span_follows_the_fence_rule(text, cell):
    assert code_span(text, cell) == fenced(text, cell)
