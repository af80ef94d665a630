"""Open-PSA import with probabilities + `availability` reproduce SCRAM's exact (BDD)
top-event probability and importance factors (spec §9, issue 12).

Two oracles: the values SCRAM's own tests publish (corpus SOURCE.md), and SCRAM
itself (`scram --bdd --probability 1 --importance 1`, the Debian package that
`make test` installs), run at test time. SCRAM prints six significant digits, so
agreement is checked to a relative 1e-5.
"""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from pruner.analysis.availability import flow_availability
from pruner.graph import dependency_graph
from pruner.importers.base import SourceError
from pruner.importers.emit import to_yaml
from pruner.importers.openpsa import import_openpsa
from pruner.loader import load_sources

SCRAM = Path(__file__).resolve().parents[1] / "corpus" / "scram-openpsa"
MODELS = {
    "theatre": ["input/Theatre/theatre.xml"],
    "chinese": ["input/Chinese/chinese.xml", "input/Chinese/chinese-basic-events.xml"],
    "baobab2": ["input/Baobab/baobab2.xml", "input/Baobab/baobab2-basic-events.xml"],
    "baobab1": ["input/Baobab/baobab1.xml", "input/Baobab/baobab1-basic-events.xml"],
}
# exact top-event probabilities published in SCRAM's tests (SOURCE.md)
PUBLISHED = {"theatre": 0.00207, "chinese": 0.0045691, "baobab1": 1.2823e-6}


def analyse(files):
    result = import_openpsa([str(SCRAM / f) for f in files])
    G = dependency_graph(load_sources([("ft.yaml", to_yaml(result.document))]).manifest)
    (flow,) = flow_availability(G).values()
    return G, flow


@pytest.mark.parametrize("model", sorted(PUBLISHED))
def test_published_probability(model):
    # SCRAM's tests state these to 3-5 digits and compare with a tolerance of their own
    _, flow = analyse(MODELS[model])
    assert 1.0 - flow.availability == pytest.approx(PUBLISHED[model], rel=1e-4)


def test_theatre_importance_as_published():
    # SCRAM 0.16 on theatre.xml: Mains_Fail MIF 0.069, CIF 1, DIF 1, RAW 33.3333, RRW 0 (U0 = 0)
    _, flow = analyse(MODELS["theatre"])
    by = {i.service: i for i in flow.importance}
    mains = by["Mains_Fail"]
    assert (mains.mif, mains.cif, mains.dif) == pytest.approx((0.069, 1.0, 1.0), rel=1e-9)
    assert mains.raw == pytest.approx(1 / 0.03, rel=1e-9)
    assert mains.rrw is None  # the top event cannot happen with mains up: U0 = 0
    assert flow.importance[0].service == "Mains_Fail"
    assert by["Relay_Fail"].dif == pytest.approx(0.724638, rel=1e-5)


def _scram(files, tmp_path):
    out = tmp_path / "scram.xml"
    subprocess.run(["scram", "--bdd", "--probability", "1", "--importance", "1",
                    *[str(SCRAM / f) for f in files], "-o", str(out)],
                   check=True, capture_output=True, timeout=300)
    results = ET.parse(out).getroot().find("results")
    return results.find("sum-of-products"), results.find("importance")


@pytest.mark.skipif(shutil.which("scram") is None,
                    reason="SCRAM not installed (make test installs the Debian package)")
@pytest.mark.parametrize("model", sorted(MODELS))
def test_against_scram(model, tmp_path):
    files = MODELS[model]
    products, importance = _scram(files, tmp_path)
    _, flow = analyse(files)
    assert 1.0 - flow.availability == pytest.approx(float(products.get("probability")),
                                                    rel=1e-5)
    ours = {i.service: i for i in flow.importance}
    assert len(importance) > 0
    for event in importance:
        mine = ours[event.get("name")]
        assert mine.availability == pytest.approx(1 - float(event.get("probability")),
                                                  rel=1e-9)
        for key in ("MIF", "CIF", "DIF", "RAW", "RRW"):
            theirs = float(event.get(key))
            value = getattr(mine, key.lower())
            if value is None:  # SCRAM prints 0 where the spec says null (denominator 0)
                assert theirs == 0.0, (event.get("name"), key)
            else:
                assert value == pytest.approx(theirs, rel=1e-5, abs=1e-300), \
                    (event.get("name"), key)


def test_parameters_and_expressions(tmp_path):
    model = tmp_path / "m.xml"
    model.write_text("""<?xml version="1.0"?>
<opsa-mef>
  <define-fault-tree name="t">
    <define-gate name="top"><or><basic-event name="a"/><basic-event name="b"/>
      <basic-event name="c"/></or></define-gate>
    <define-basic-event name="a"><parameter name="pa"/></define-basic-event>
    <define-basic-event name="b"><mul><float value="0.5"/><int value="0"/></mul>
    </define-basic-event>
    <define-basic-event name="c">
      <exponential><float value="1e-6"/><system-mission-time/></exponential>
    </define-basic-event>
    <define-parameter name="pa"><sub><float value="1"/><float value="0.99"/></sub>
    </define-parameter>
  </define-fault-tree>
</opsa-mef>
""")
    services = import_openpsa([str(model)]).document["services"]
    assert services["a"]["availability"] == pytest.approx(0.99, rel=1e-12)
    assert services["b"]["availability"] == 1.0
    assert 1 - services["c"]["availability"] == pytest.approx(1 - 2.718281828 ** -8.76e-3,
                                                              rel=1e-6)
    assert "availability" not in services["top"]


def test_complex_expression_is_refused_with_its_line(tmp_path):
    model = tmp_path / "m.xml"
    model.write_text("""<?xml version="1.0"?>
<opsa-mef>
  <define-fault-tree name="t">
    <define-gate name="top"><or><basic-event name="a"/></or></define-gate>
    <define-basic-event name="a">
      <periodic-test><float value="1e-6"/><float value="10"/><float value="0"/>
        <system-mission-time/></periodic-test>
    </define-basic-event>
  </define-fault-tree>
</opsa-mef>
""")
    with pytest.raises(SourceError, match=r"m\.xml:6: <periodic-test>"):
        import_openpsa([str(model)])
    assert import_openpsa([str(model)], probabilities=False).document["services"]["a"]


def _nested(depth: int, gate_name: str = "top") -> str:
    inner = '<basic-event name="e0"/><basic-event name="e1"/>'
    for i in range(depth):
        tag = "and" if i % 2 else "or"
        inner = f'<{tag}><basic-event name="x{i}"/>{inner}</{tag}>'
    # every basic event defined (without a probability): an undefined one is refused
    events = "".join(f'<define-basic-event name="{e}"/>'
                     for e in ["e0", "e1", *(f"x{i}" for i in range(depth))])
    return (f'<?xml version="1.0"?>\n<opsa-mef><define-fault-tree name="t">'
            f'<define-gate name="{gate_name}">{inner}</define-gate>{events}'
            f'</define-fault-tree></opsa-mef>\n')


@pytest.mark.parametrize("depth", [400, 1000])
def test_deep_nesting_imports_with_short_unique_names(tmp_path, depth):
    model = tmp_path / "deep.xml"
    model.write_text(_nested(depth, "g" * 250))
    doc = import_openpsa([str(model)]).document
    names = list(doc["services"])
    assert len(names) == len(set(names))
    assert max(len(n) for n in names) <= 253
    # the manifest it writes loads and its flow is analysable
    manifest = load_sources([("deep.yaml", to_yaml(doc))]).manifest
    # the gate, depth - 1 nested formulas, depth + 2 basic events
    assert len(manifest.services) == depth + depth + 2
    (flow,) = flow_availability(dependency_graph(manifest), importance=False).values()
    assert flow.availability == 1.0  # no probabilities given: nothing fails by itself
