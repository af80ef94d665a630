"""The `evidence` key: every written form reads back to the same fields, the JSON Schema
agrees, and evidence never changes a verdict (docs/manifest.md, "Evidence")."""

from __future__ import annotations

import dataclasses
import datetime
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from pruner.analysis.evaluate import switch_off
from pruner.graph import dependency_graph
from pruner.loader import load
from pruner.model import EVIDENCE_SOURCES, Evidence
from tests.conftest import ASSETS
from tests.strategies import document, manifests

FORMS = ASSETS / "check" / "evidence-every-form-same-verdicts.yaml"

_day = st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2100, 1, 1)).map(
    lambda d: d.isoformat())
_time = st.one_of(_day, _day.map(lambda d: d + "T10:00:00Z"))


@st.composite
def evidence(draw):
    of = draw(st.none() | st.integers(0, 10**6))
    traces = draw(st.none() | st.integers(0, of if of is not None else 10**6))
    if traces is None:
        of = None
    return Evidence(draw(st.sampled_from(sorted(EVIDENCE_SOURCES))), None,
                    draw(st.none() | st.integers(0, 10**9)), traces, of,
                    draw(st.none() | _time), draw(st.none() | _time))


def _load_one(tmp, entry):
    path = tmp / "m.yaml"
    path.write_text(json.dumps({"services": {"a": {"evidence": [entry]}}}))
    return load(path).manifest.services["a"].evidence[0]


def test_every_form_reads_its_fields():
    m = load(FORMS).manifest
    post = m.services["compose-post-service"]
    assert post.evidence == (Evidence("compose", "docker-compose.yml"),)
    declared, traces = post.depends_on[0].evidence
    assert (declared.source, declared.strength) == ("declared", "declared")
    assert (traces.traces, traces.of, traces.calls) == (412, 412, 1207)
    assert (traces.first, traces.last) == ("2026-11-30T00:00:00Z", "2026-12-01T00:00:00Z")
    assert post.depends_on[1].evidence[0].strength == "unverified"
    sg = m.services["post-storage-service"].evidence[0]
    assert (sg.source, sg.calls, sg.first, sg.last) == ("servicegraph", 12, "2026-11-30",
                                                        "2026-12-01T10:00:00Z")
    assert m.services["shoppingassistantservice"].external
    assert not m.services["home-timeline-redis"].external
    flow = m.flows["compose-post"]
    assert (flow.critical, flow.evidence[0].traces, flow.evidence[0].of) == (False, 40, 40)


@settings(max_examples=60, deadline=None)
@given(e=evidence())
def test_described_and_long_forms_read_back_the_same(tmp_path_factory, e):
    tmp = tmp_path_factory.mktemp("e")
    text = e.describe()
    source, _, detail = text.partition(": ")
    one_key = _load_one(tmp, {source: detail} if detail else source)
    long = {k: v for k, v in dataclasses.asdict(e).items() if v is not None}
    from_long = _load_one(tmp, long)
    assert from_long == e
    # the one-key form keeps the detail as written and reads its counts and window
    assert dataclasses.replace(one_key, detail=None) == e
    assert one_key.describe() == text


@settings(max_examples=60, deadline=None)
@given(m=manifests(), data=st.data())
def test_evidence_never_changes_a_verdict(tmp_path_factory, m, data):
    doc = document(m)
    plain = tmp_path_factory.mktemp("p") / "m.yaml"
    plain.write_text(json.dumps(doc))
    for svc in doc["services"].values():
        svc["evidence"] = [data.draw(evidence()).describe()]
        items = svc.get("depends_on") or []
        for i, item in enumerate(items):
            item = {"service": item} if isinstance(item, str) else item
            item["evidence"] = [data.draw(evidence()).describe()]
            items[i] = item
    marked = tmp_path_factory.mktemp("e") / "m.yaml"
    marked.write_text(json.dumps(doc))
    a, b = load(plain).manifest, load(marked).manifest
    off = data.draw(st.lists(st.sampled_from(sorted(a.services)), max_size=3, unique=True))
    ea, eb = switch_off(dependency_graph(a), off), switch_off(dependency_graph(b), off)
    assert dict(ea.flows) == dict(eb.flows) and dict(ea.services) == dict(eb.services)
