import re
import xml.etree.ElementTree as ET

import pytest

from pruner.analysis.evaluate import switch_off
from pruner.graphviz_run import run_dot
from pruner.render import render
from pruner.render.style import tidy_svg
from pruner.report.diagram import diagram_report
from tests.render_helpers import assert_golden, graph_of

SVG = "{http://www.w3.org/2000/svg}"
CASES = {
    "plain": dict(),
    "off-sms": dict(off=["sms-a", "sms-b"]),
    "off-db-1-owner": dict(off=["db-1"], cluster_by="owner"),
    "flow-login-depth-2-none": dict(flows=["login"], depth=2, cluster_by="none"),
}


def diagram(case):
    options = dict(CASES[case])
    G = graph_of("groups-soft-clusters.yaml")
    ev = switch_off(G, options.pop("off", ()))
    return diagram_report(G, ev, title=f"groups: {case}", **options)


@pytest.mark.parametrize("case", sorted(CASES))
def test_dot_matches_golden(case):
    assert_golden(f"groups-{case}.dot", render(diagram(case), "dot"))


@pytest.mark.parametrize("case", sorted(CASES))
def test_mermaid_matches_golden(case):
    assert_golden(f"groups-{case}.mmd", render(diagram(case), "mermaid"))


def test_dot_draws_styles_of_the_visual_language():
    source = render(diagram("off-sms"), "dot")
    assert re.search(r'"svc:sms-a" \[label=<<B><S>sms-a</S></B>', source)  # struck
    assert 'rank=source' in source and '"flow:login"' in source
    assert re.search(r'"svc:web" -> "svc:ads" \[[^]]*style=dashed', source)
    assert re.search(r'"svc:web" -> "svc:auth" \[color="#d93025" penwidth=2.5\]', source)
    assert "any 1 of 2" in source and "2 of 3" in source
    assert "subgraph cluster_legend" in source and "switched off in this what-if" in source
    assert "switched off in this what-if" not in render(diagram("plain"), "dot")


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_real_dot_renders_svg_and_png(fmt):
    data = run_dot(render(diagram("off-sms"), "dot"), fmt)
    if fmt == "png":
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
        return
    root = ET.fromstring(tidy_svg(data.decode()))
    assert root.tag == f"{SVG}svg"
    nodes = [g for g in root.iter(f"{SVG}g") if g.get("class") == "node"]
    titles = {g.find(f"{SVG}title").text for g in nodes}
    assert {"flow:login", "svc:sms-a", "svc:auth#0", "legend"} <= titles
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "sms-a" in texts and "SWITCHED OFF" in texts and "any 1 of 2" in texts


def test_diagram_formats_refuse_other_reports():
    with pytest.raises(TypeError):
        render(object(), "dot")
    with pytest.raises(TypeError):
        render(object(), "mermaid")


OPERATION_CASES = {
    "plain": dict(),
    "off-passbird": dict(off=["passbird"]),
    "off-login-index-a-none": dict(off=["frontend:login", "index-a"], cluster_by="none"),
    "flow-search-depth-1": dict(flows=["search"], depth=1),
}


def operations_diagram(case):
    options = dict(OPERATION_CASES[case])
    G = graph_of("operations-inside-services.yaml")
    ev = switch_off(G, options.pop("off", ()))
    return diagram_report(G, ev, title=f"operations: {case}", **options)


@pytest.mark.parametrize("case", sorted(OPERATION_CASES))
@pytest.mark.parametrize("fmt,suffix", [("dot", "dot"), ("mermaid", "mmd")])
def test_operations_match_golden(case, fmt, suffix):
    assert_golden(f"operations-{case}.{suffix}", render(operations_diagram(case), fmt))


def test_operations_are_drawn_inside_their_service_and_flows_enter_there():
    d = operations_diagram("off-passbird")
    kinds = {n.id: (n.kind, n.parent, n.label) for n in d.nodes}
    assert kinds["svc:frontend:login"] == ("operation", "svc:frontend", "login")
    assert kinds["svc:frontend"] == ("service", None, "frontend")
    edges = {(e.tail, e.head): e.trouble for e in d.edges}
    assert edges[("flow:login", "svc:frontend:login")] == "down"
    assert ("svc:frontend:login", "svc:frontend") not in edges  # the implicit item: inside
    assert edges[("svc:frontend:login", "svc:passbird")] == "down"
    source = render(d, "dot")
    boxes = re.findall(r"subgraph cluster_ops_\d+ \{(.*?)\}", source, re.S)
    assert any('"svc:frontend" [' in b and '"svc:frontend:login" [' in b for b in boxes)
    svg = tidy_svg(run_dot(source, "svg").decode())
    titles = {t.text for t in ET.fromstring(svg).iter(f"{SVG}title")}
    assert "flow:login->svc:frontend:login" in titles


def test_depth_keeps_the_service_of_an_operation_it_shows():
    d = operations_diagram("flow-search-depth-1")
    assert {n.name for n in d.nodes if n.kind != "flow"} == {"frontend", "frontend:search"}
