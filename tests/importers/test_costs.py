"""The cost reader (spec §12, issue 20): OpenCost /allocation/compute JSON and
service,cost CSV. Matching rules, and hostile input: every mutation of a real-shaped file
and every type swapped into each field ends in costs or in one SourceError with its place,
never another exception."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pruner.importers.base import SourceError
from pruner.importers.costs import MAX_COST_BYTES, parse_costs, read_cost_map, read_costs
from tests.fuzzing import fuzz_settings

ROOT = Path(__file__).resolve().parent.parent.parent
ASSETS = ROOT / "tests/assets/plan"
SERVICES = ["web", "auth", "sms-premium", "sms-budget", "zk-1"]


def test_opencost_matching_rules_in_order():
    table = read_costs(str(ASSETS / "opencost.json"), SERVICES)
    assert dict(table.costs) == {"auth": 35.0, "sms-premium": 410.25, "web": 63.0}
    assert dict(table.matched_by) == {"shop/auth-0": "label:app", "shop/sms-premium": "name",
                                      "shop/web-6d4b9c7f8-x2k4p": "controller"}
    assert table.unmatched == ("__idle__", "billing/invoicer")
    mapping = read_cost_map(str(ASSETS / "cost-map.csv"), SERVICES)
    mapped = read_costs(str(ASSETS / "opencost.json"), SERVICES, mapping)
    assert mapped.matched_by["shop/sms-premium"] == "mapping"


def test_a_mapping_to_an_unknown_service_is_an_error(tmp_path):
    bad = tmp_path / "map.csv"
    bad.write_text("controller:x,sms-premum\n")
    with pytest.raises(SourceError) as err:
        read_cost_map(str(bad), SERVICES)
    assert err.value.location.endswith("map.csv:1")
    assert "did you mean 'sms-premium'" in err.value.message


@pytest.mark.parametrize("text,where,message", [
    ("web,1\nweb,2\n", "c.csv:2", "'web' is listed twice (first on line 1)"),
    ("web,1,2\n", "c.csv:1", "a cost line is SERVICE,COST (found 3 fields)"),
    ("web,nan\n", "c.csv:1", "cost of 'web' must be a finite number"),
    ("web,inf\n", "c.csv:1", "cost of 'web' must be a finite number"),
    ("web,\uff11\uff12\n", "c.csv:1", "cost of 'web' must be a finite number"),  # '１２'
    ("web,\u0661\n", "c.csv:1", "cost of 'web' must be a finite number"),  # Arabic-Indic 1
    # float() reads Python's digit separators: '1_000' was a cost of 1000
    ("db,0\nweb,1_000\n", "c.csv:2", "cost of 'web' must be a finite number, 0 or more, not "
                                       "'1_000'"),
    ("web,1_0.5\n", "c.csv:1", "cost of 'web' must be a finite number"),
    ("web,1e1_0\n", "c.csv:1", "cost of 'web' must be a finite number"),
    ('{"data": [1]}', "c.csv", "data[0] must be an object of allocations, not int"),
    ('{"data": {"x": {"totalCost": NaN}}}', "c.csv", "not JSON"),
    ('{"rows": []}', "c.csv", "an OpenCost /allocation/compute response"),
    ('{"data": [{"web": {"totalCost": 1}, "web": {"totalCost": 2}}]}', "c.csv",
     "the key 'web' appears twice in one object"),
    ('{"data": [{"web": {"totalCost": 1,', "c.csv:1:", "not JSON"),
    ("[" * 100_000, "c.csv", "JSON nested too deeply"),
    ('{"data": [{"web": {"totalCost": true}}]}', "c.csv", 'totalCost must be a number'),
    # more digits than Python converts: its ValueError told to use sys.set_int_max_str_digits
    ('{"data": [{"web":\n {"totalCost": 1' + "0" * 5000 + '}}]}', "c.csv:2",
     "not JSON: a number of more than 4300 digits"),
    ('{"data": [{"web": {"totalCost": 1' + "0" * 400 + '}}]}', "c.csv",  # no float holds it
     "totalCost must be a number >= 0, not '1000"),
    ('{"data": [{"web": {"totalCost": 1, "properties": []}}]}', "c.csv",
     "properties must be an object"),
    # each step finite, their sum not: it was an infinite cost (JSON output: Infinity)
    ('{"data": [{"web": {"totalCost": 1e308}}, {"web": {"totalCost": 1e308}}]}', "c.csv",
     "data[1][\"web\"].totalCost: the costs of 'web' add up to more than a number holds"),
])
def test_bad_cost_files_name_the_place(text, where, message):
    with pytest.raises(SourceError) as err:
        parse_costs(text, "c.csv", SERVICES)
    assert err.value.location.startswith(where)
    assert message in err.value.message


def test_huge_file_is_refused_without_reading_it_all(tmp_path, monkeypatch):
    import pruner.importers.costs as costs

    monkeypatch.setattr(costs, "MAX_COST_BYTES", 1000)
    big = tmp_path / "big.csv"
    big.write_text("web,1\n" * 1000)
    with pytest.raises(SourceError) as err:
        costs.read_costs(str(big), SERVICES)
    assert "larger than" in err.value.message
    assert MAX_COST_BYTES >= 1 << 20


def test_not_utf8_names_the_line(tmp_path):
    bad = tmp_path / "c.csv"
    bad.write_bytes(b"web,1\nauth,\xff\n")
    with pytest.raises(SourceError) as err:
        read_costs(str(bad), SERVICES)
    assert err.value.location.endswith("c.csv:2")


SEED = (ASSETS / "opencost.json").read_text()
_VALUES = [None, True, 1, -1, 1.5, "x", "", [], {}, [1], {"a": 1}, 1e308, -0.0, 10 ** 400]


@st.composite
def swapped(draw):
    """The OpenCost seed with one value somewhere replaced by another type."""
    doc = json.loads(SEED)
    paths = []

    def walk(node, path):
        if isinstance(node, dict):
            for k, v in node.items():
                paths.append(path + (k,))
                walk(v, path + (k,))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                paths.append(path + (i,))
                walk(v, path + (i,))

    walk(doc, ())
    target = draw(st.sampled_from(paths))
    value = draw(st.sampled_from(_VALUES))
    node = doc
    for key in target[:-1]:
        node = node[key]
    node[target[-1]] = value
    return json.dumps(doc)


@fuzz_settings(60)
@given(swapped())
def test_type_confusion_never_escapes(text):
    try:
        table = parse_costs(text, "c.json", SERVICES)
    except SourceError as err:
        assert err.location.startswith("c.json")
        return
    assert all(v >= 0 for v in table.costs.values())


@fuzz_settings(60)
@given(st.binary(max_size=200).map(lambda b: (SEED.encode()[:300] + b)),
       st.sampled_from(["c.json", "c.csv"]))
def test_mutated_bytes_never_escape(data, name):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    for candidate in (text, "service,cost\n" + text):
        try:
            parse_costs(candidate, name, SERVICES)
        except SourceError as err:
            assert err.location.startswith(name)


def test_a_cost_row_matching_no_service_is_shown_inert(tmp_path):
    """A cost file's names are no manifest names: a row matching no service is listed
    with its control characters escaped, on one line, in every format."""
    from click.testing import CliRunner

    from pruner.cli import main

    manifest = tmp_path / "m.yaml"
    manifest.write_text("services: {web: {}, auth: {}}\nflows: {f: {requires: [web]}}\n")
    costs = tmp_path / "c.csv"
    costs.write_text('service,cost\nweb,3\n"evil\n\x1b[31mname",5\n')
    for fmt in ("text", "markdown", "json"):
        result = CliRunner().invoke(main, ["plan", str(manifest), "--costs", str(costs),
                                           "--format", fmt], catch_exceptions=False)
        assert result.exit_code in (0, 1), result.output
        assert "\x1b" not in result.output, fmt
        if fmt != "json":  # spec §12's JSON has no key for them
            line = next(x for x in result.output.splitlines() if "evil" in x)
            assert "name" in line, (fmt, line)  # the whole name on the line that has it
