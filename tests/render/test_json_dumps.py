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
