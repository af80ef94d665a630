"""Hostile free text (quotes, <>&, backticks, brackets, newlines, ANSI and OSC escapes,
backslashes, DOT and Mermaid syntax) cannot break or inject into any output format."""

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from pruner.analysis.evaluate import switch_off
from pruner.cli import main
from pruner.graphviz_run import run_dot
from pruner.render import render
from pruner.render.common import clean
from pruner.render.dot import BACKSLASH
from pruner.render.style import tidy_svg
from pruner.report.diagram import diagram_report
from pruner.report.overview import overview_report
from tests.render_helpers import ASSETS, graph_of

HOSTILE = str(ASSETS / "hostile-names-escaped")
SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"


def diagrams():
    G = graph_of("hostile-names-escaped")
    for off in ((), ("graph",), ("a:b", "x/y@z")):
        for cluster_by in ("system", "owner"):
            yield G, diagram_report(G, switch_off(G, off), cluster_by=cluster_by,
                                    title='title "<b>" & `x`\n\x1b[1m')


def test_dot_lays_out_every_node_and_no_more():
    for G, d in diagrams():
        svg = tidy_svg(run_dot(render(d, "dot"), "svg").decode())
        root = ET.fromstring(svg)  # well-formed XML
        titles = sorted(g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g")
                        if g.get("class") == "node")
        assert titles == sorted([n.id for n in d.nodes] + ["legend"])
        edges = [g for g in root.iter(f"{SVG}g") if g.get("class") == "edge"]
        invisible = len([n for n in d.nodes if n.kind == "service"
                         and n.id not in {e.head for e in d.edges}])
        assert len(edges) == len(d.edges) + invisible
        clusters = [g for g in root.iter(f"{SVG}g") if g.get("class") == "cluster"]
        assert len(clusters) == len(d.clusters) + 1  # + the legend
        assert not list(root.iter(f"{SVG}script")) and "onload" not in [
            a for el in root.iter() for a in el.attrib]
        # Text is shown as written (control characters made visible), never interpreted.
        shown = {t for el in root.iter() for t in [el.text, el.get(f"{XLINK}title")] if t}
        for name in ("end", "graph", "subgraph"):
            description = G.nodes[name]["service"].description
            assert clean(description).replace("\\", BACKSLASH) in shown
        if d.cluster_by == "system":
            assert "system: <svg onload=alert(1)> ∖N ∖G" in shown
        assert "\x1b" not in svg


def test_mermaid_labels_hold_only_safe_characters():
    statement = re.compile(
        r'^(---|title: "[^"]*"|flowchart TB|  subgraph (flows|c\d+)\["[^"]*"\]|  end'
        r'|\s+[fsj]\d+(\(\["[^"]*"\]\)|\(\("[^"]*"\)\)|\("[^"]*"\))'
        r"|  [fsj]\d+ (-->|-\.->|==>) [fsj]\d+|  linkStyle \d+ [^\s;]+"
        r"|  classDef \w+ [^\s;]+( \d)?[^\s;]*|  class [fsj\d,]+ \w+)$")
    for _, d in diagrams():
        text = render(d, "mermaid")
        for line in text.splitlines():
            assert statement.match(line), line
        for label in re.findall(r'"([^"]*)"', text):
            assert not re.search(r"[`\[\]{}|<>&\\\x00-\x1f]", re.sub(
                r"</?(s|small)>|<br/>", "", label)), label


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [name for name, _ in attrs]

    def handle_data(self, data):
        self.text.append(data)


def test_html_report_escapes_everything():
    G = graph_of("hostile-names-escaped")
    for off in ((), ("graph",)):
        overview = overview_report(G, switch_off(G, off), source="<src>&\"")
        svg = run_dot(render(overview.diagram, "dot"), "svg").decode()
        page = render(overview, "html", svg=svg)
        parser = _Tags()
        parser.feed(page)
        # Two scripts of pruner's own (the model as JSON, the what-if script); no others.
        assert parser.tags.count("script") == 2 and "img" not in parser.tags
        assert "b" not in parser.tags and "i" not in parser.tags
        assert not [a for a in parser.attrs if a.startswith("on")]
        text = "".join(parser.text)
        assert clean(G.graph["flows"]["click"].description) in text
        assert "<src>&\"" in text
        assert "\x1b" not in page


def test_terminal_and_json_output_keep_escapes_inert():
    runner = CliRunner()
    result = runner.invoke(main, ["check", HOSTILE, "--off", "graph"])
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "owner: <i>owner</i>" in result.output
    assert "\\x1b[31mANSI" not in result.output or "\x1b[31m" not in result.output
    data = json.loads(runner.invoke(main, ["check", HOSTILE, "--format", "json"]).output)
    assert data["flows"]["click"]["description"].startswith("<img src=x")


def test_cli_renders_hostile_manifest_in_every_diagram_format(tmp_path):
    runner = CliRunner()
    for suffix in ("dot", "svg", "png", "mmd"):
        out = tmp_path / f"h.{suffix}"
        result = runner.invoke(main, ["render", HOSTILE, "--off", "graph", "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 100
    out = tmp_path / "h.html"
    assert runner.invoke(main, ["report", HOSTILE, "--off", "graph", "-o", str(out)]).exit_code == 0


@settings(max_examples=300, deadline=None)
@given(st.text(), st.one_of(st.none(), st.integers(1, 80)))
def test_mermaid_text_is_each_character_kept_or_coded(text, limit):
    """The shortcut for text with nothing to code gives what the character-by-character
    definition gives."""
    from pruner.render.mermaid import _SAFE, mermaid_text

    s = clean(text)
    if limit is not None and len(s) > limit:
        s = s[: limit - 1] + "…"
    assert mermaid_text(text, limit) == "".join(c if c in _SAFE else f"#{ord(c)};" for c in s)


def test_noncharacters_xml_forbids_do_not_break_graphviz(tmp_path):
    """U+FFFE and U+FFFF (written as YAML escapes) in free text: Graphviz reads
    HTML-like labels as XML, which holds neither, and failed ('not well-formed'), so
    `render -o x.svg` and `report` exited 2; they are shown as escapes now."""
    manifest = tmp_path / "m.yaml"
    manifest.write_text('services:\n  web:\n    system: "sys \\uFFFE \\uFFFF"\n'
                        '    description: "d \\uFFFE"\n    depends_on:\n'
                        '      - {service: db, soft: true, note: "n \\uFFFF"}\n  db: {}\n'
                        'flows:\n  login: {description: "f \\uFFFE", requires: [web]}\n',
                        encoding="utf-8")
    runner = CliRunner()
    for out in (tmp_path / "m.svg", tmp_path / "m.html"):
        command = "render" if out.suffix == ".svg" else "report"
        result = runner.invoke(main, [command, str(manifest), "--off", "db", "-o", str(out)])
        assert result.exit_code == 0, result.output
        page = out.read_text(encoding="utf-8")
        assert "\ufffe" not in page and "\uffff" not in page and "ufffe" in page
    ET.fromstring((tmp_path / "m.svg").read_bytes())


def test_long_text_does_not_break_graphviz(tmp_path):
    """Graphviz reads no quoted or HTML-like string longer than 16,384 bytes: a long
    description (a tooltip), a long system (a cluster label) and the title naming 400
    switched-off services made `render -o x.svg` exit 2 ('syntax error')."""
    manifest = tmp_path / "m.yaml"
    names = [f"service-with-a-longish-name-{i:04d}" for i in range(400)]
    manifest.write_text(
        "services:\n"
        + f'  web: {{description: "{"&<" * 9000}", system: "{"S&" * 9000}"}}\n'
        + "".join(f"  {n}: {{tags: [t]}}\n" for n in names)
        + "flows:\n  f: {requires: [web]}\n", encoding="utf-8")
    runner = CliRunner()
    for off in ([], ["--off", "tag:t"]):
        out = tmp_path / "m.svg"
        result = runner.invoke(main, ["render", str(manifest), *off, "-o", str(out)])
        assert result.exit_code == 0, result.output
        ET.fromstring(out.read_bytes())
        if off:  # the title names 20 of the 400, then counts the rest
            assert b"service-with-a-longish-name-0019 and 380 more switched off" \
                in out.read_bytes()
