"""Open-PSA import + `cuts --among leaves` reproduce SCRAM's published minimal cut sets
(numbers from the corpus SOURCE.md, read from SCRAM's own tests).

baobab1 is checked at order <= 4 (72 sets), <= 7 (17,432), <= 8 (25,892) and in full
(46,188 sets up to order 11, about 1.3 s with the ZBDD engine); the timings against
SCRAM are in the benchmark (benchmarks/bench.py).
"""

from collections import Counter
from pathlib import Path

import pytest

from pruner.analysis.cuts import minimal_cut_sets
from pruner.graph import dependency_graph
from pruner.importers.base import SourceError
from pruner.importers.emit import to_yaml
from pruner.importers.openpsa import import_openpsa
from pruner.loader import load_sources

SCRAM = Path(__file__).resolve().parents[1] / "corpus" / "scram-openpsa"


def cuts_of(files, max_order):
    # HIPPS's probabilities are periodic tests, which the importer refuses: structure only
    result = import_openpsa([str(SCRAM / f) for f in files],
                            probabilities=not files[0].startswith("input/HIPPS"))
    G = dependency_graph(load_sources([("ft.yaml", to_yaml(result.document))]).manifest)
    leaves = [n for n in G if not G.nodes[n]["service"].depends_on]
    (flow,) = minimal_cut_sets(G, max_order=max_order, among=leaves).values()
    assert flow.complete
    return flow.cut_sets


def distribution(cut_sets):
    counts = Counter(len(c) for c in cut_sets)
    return [counts.get(i, 0) for i in range(1, max(counts) + 1)]


@pytest.mark.parametrize(("files", "max_order", "total", "distr"), [
    (["input/Chinese/chinese.xml", "input/Chinese/chinese-basic-events.xml"], 20, 392,
     [0, 12, 0, 24, 188, 168]),
    (["input/Baobab/baobab2.xml", "input/Baobab/baobab2-basic-events.xml"], 20, 4805,
     [0, 6, 121, 268, 630, 3780]),
    (["input/Baobab/baobab1.xml", "input/Baobab/baobab1-basic-events.xml"], 4, 72,
     [0, 1, 1, 70]),
    (["input/HIPPS/HIPPS.xml"], 20, 9, [6, 3]),
    # doc/performance.rst: "Baobab1 -l 7 (mcs = 17432)"; distribution from the full one
    (["input/Baobab/baobab1.xml", "input/Baobab/baobab1-basic-events.xml"], 7, 17432,
     [0, 1, 1, 70, 400, 2212, 14748]),
    (["input/Baobab/baobab1.xml", "input/Baobab/baobab1-basic-events.xml"], 8, 25892,
     [0, 1, 1, 70, 400, 2212, 14748, 8460]),
    (["input/Baobab/baobab1.xml", "input/Baobab/baobab1-basic-events.xml"], 11, 46188,
     [0, 1, 1, 70, 400, 2212, 14748, 8460, 10624, 6600, 3072]),
])
def test_published_counts(files, max_order, total, distr):
    cut_sets = cuts_of(files, max_order)
    assert len(cut_sets) == total
    assert distribution(cut_sets) == distr


def test_baobab1_order4_uses_40_events():
    cut_sets = cuts_of(["input/Baobab/baobab1.xml", "input/Baobab/baobab1-basic-events.xml"], 4)
    assert len({e for c in cut_sets for e in c}) == 40


@pytest.mark.parametrize(("files", "expected"), [
    (["input/TwoTrain/two_train.xml"],
     [("PumpOne", "PumpTwo"), ("PumpOne", "ValveTwo"), ("PumpTwo", "ValveOne"),
      ("ValveOne", "ValveTwo")]),
    (["input/Theatre/theatre.xml"], [("Gen_Fail", "Mains_Fail"), ("Mains_Fail", "Relay_Fail")]),
    (["input/SmallTree/SmallTree.xml"], [("e1", "e2"), ("e3", "e4")]),
    (["input/ne574/ne574.xml"],
     [("C",), ("B", "D"), ("D", "F"), ("D", "G"), ("B", "H", "I"), ("F", "H", "I"),
      ("G", "H", "I")]),
    (["tests/input/core/abc.xml"], [("A",), ("B",), ("C",)]),
    (["tests/input/core/ab_bc.xml"], [("A", "B"), ("B", "C")]),
    (["tests/input/core/atleast.xml"], [("A", "B"), ("A", "C"), ("B", "C")]),
])
def test_published_cut_sets(files, expected):
    assert sorted(cuts_of(files, 10)) == sorted(expected)


def test_house_events_are_rejected():
    with pytest.raises(SourceError, match="house events"):
        import_openpsa([str(SCRAM / "input/ThreeMotor/three_motor.xml")])


def test_lift_count():
    lift = cuts_of(["input/Lift/lift.xml"], 10)
    assert len(lift) == 12 and all(len(c) == 1 for c in lift)


def test_gates_map_to_items():
    doc = import_openpsa([str(SCRAM / "tests/input/core/atleast.xml")]).document
    items = [i for s in doc["services"].values() for i in s.get("depends_on", [])]
    assert {"at_least": 2, "of": ["A", "B", "C"]} in items  # atleast 2 of 3 fail -> 2 of 3 up
    named = {m for i in items for m in i.get("of", i.get("any_of", [i.get("service")]))}
    gates = {n for n, s in doc["services"].items() if "gate" in s.get("tags", [])}
    assert set(doc["flows"]) == gates - named


def test_non_coherent_gates_are_rejected():
    with pytest.raises(SourceError, match="not coherent"):
        import_openpsa([str(SCRAM / "input/CEA9601/CEA9601.xml")])


def test_doctype_is_rejected(tmp_path):
    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaa">]>\n'
                    '<opsa-mef><define-gate name="g"><event name="&a;"/></define-gate></opsa-mef>')
    with pytest.raises(SourceError, match=r"bomb.xml:2: DOCTYPE"):
        import_openpsa([str(bomb)])


def test_malformed_xml_names_the_line(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text('<opsa-mef>\n<define-gate name="g">\n<or></define-gate>\n</opsa-mef>')
    with pytest.raises(SourceError, match=r"bad.xml:3: not well-formed"):
        import_openpsa([str(bad)])


def test_200_event_count_at_order_15():
    # SCRAM's test: 287 minimal cut sets with the order limited to 15
    assert len(cuts_of(["input/Autogenerated/200_event.xml"], 15)) == 287
