from pruner.analysis.lint import hard_cycles, lint, reached, uncovered
from pruner.graph import dependency_graph
from pruner.loader import load_sources


def graph(text):
    return dependency_graph(load_sources([("m.yaml", text)]).manifest)


def test_runtime_items_make_no_start_up_cycle():
    G = graph("services: {a: {depends_on: [{service: b, startup: false}]}, "
              "b: {depends_on: [{service: a, startup: false}]}}\nflows: {f: {requires: [a]}}")
    messages = [p.message for p in lint(G)]
    assert messages[0].startswith("hard dependency cycle among a, b")
    assert not any("start-up cycle" in m for m in messages)


def test_soft_edges_do_not_make_a_hard_cycle():
    G = graph("services: {a: {depends_on: [b]}, b: {depends_on: [{service: a, soft: true}]}}")
    assert hard_cycles(G) == []


def test_hard_cycle_and_uncovered_warnings():
    G = graph("services: {a: {depends_on: [b]}, b: {depends_on: [a]}, c: }\n"
              "flows: {f: {requires: [a]}}")
    assert hard_cycles(G) == [["a", "b"]]
    assert uncovered(G) == ["c"]
    assert reached(G) == {"a", "b"}
    messages = [p.message for p in lint(G)]
    assert messages[0].startswith("hard dependency cycle among a, b")
    assert messages[1].startswith("start-up cycle among a, b: after a full outage")
    assert ("'c' is reached by no flow: a prune candidate, or a sign of a flow nobody declared"
            in messages[2])
    assert all(p.severity == "warning" for p in lint(G))


def test_services_no_flow_reaches_are_one_summary_with_the_list(monkeypatch):
    from pathlib import Path

    from click.testing import CliRunner

    from pruner.cli import main

    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    result = CliRunner().invoke(main, ["validate", "manifests/train-ticket"])
    assert result.exit_code == 0
    lines = [line for line in result.output.splitlines() if "reached by no flow" in line]
    assert len(lines) == 1
    assert lines[0].startswith("manifests/train-ticket/") and ": warning: " in lines[0]
    count = int(lines[0].split(": warning: ")[1].split()[0])
    names = lines[0].split("reached by no flow: ")[1].split(" — ")[0].split(", ")
    assert count > 50 and len(names) == count and names == sorted(names)
    assert "1 warning" in result.output.splitlines()[-1]
