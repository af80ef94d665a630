"""reports/ holds the examples made by `make reports`; this test regenerates them and
fails when they are stale.

DOT, Mermaid and Markdown are compared byte for byte. SVG (and the SVG inside the
HTML page) depends on the Graphviz version, so it is compared byte for byte when
the local `dot -V` is the one recorded in reports/graphviz-version.txt, and
otherwise on its content: the same node ids, edges and texts.
"""

import re
import subprocess
import xml.etree.ElementTree as ET

from click.testing import CliRunner

from pruner.cli import main
from tests.render_helpers import REPO

REPORTS = REPO / "reports"
STORY = ["manifests/twitter", "--off", "sms-gateway"]
SVG = "{http://www.w3.org/2000/svg}"


def regenerate(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    runner = CliRunner()
    made = {}
    for name, args in [
        ("twitter-sms-gateway.dot", ["render", *STORY]),
        ("twitter-sms-gateway.svg", ["render", *STORY]),
        ("twitter-sms-gateway.mmd", ["render", *STORY]),
        ("twitter-sms-gateway-2fa-login-sms.svg", ["render", *STORY, "--flow", "2fa-login-sms"]),
        ("twitter-sms-gateway.html", ["report", *STORY]),
        ("twitter-whatif.html", ["report", "manifests/twitter"]),
    ]:
        out = tmp_path / name
        result = runner.invoke(main, [*args, "--output", str(out)])
        assert result.exit_code == 0, result.output
        made[name] = out.read_text(encoding="utf-8")
    return made


def svg_content(svg: str):
    root = ET.fromstring(svg)
    return sorted((g.get("class"), g.find(f"{SVG}title").text,
                   tuple(t.text for t in g.iter(f"{SVG}text")))
                  for g in root.iter(f"{SVG}g") if g.get("class") in ("node", "edge", "cluster"))


def test_reports_are_fresh(tmp_path, monkeypatch):
    made = regenerate(tmp_path, monkeypatch)
    version = subprocess.run(["dot", "-V"], capture_output=True, text=True).stderr
    same_graphviz = re.sub(r" *\(.*", "", version.strip()) == (
        REPORTS / "graphviz-version.txt").read_text().strip()
    for name, text in made.items():
        stored = (REPORTS / name).read_text(encoding="utf-8")
        if name.endswith((".dot", ".mmd")) or same_graphviz:
            assert text == stored, f"reports/{name} is stale: run `make reports`"
        elif name.endswith(".svg"):
            assert svg_content(text) == svg_content(stored), f"reports/{name} is stale"
        else:  # HTML: the page around the diagram, then the diagram's content
            strip = re.compile(r"<svg.*</svg>", re.S)
            assert strip.sub("", text) == strip.sub("", stored), f"reports/{name} is stale"
            inner = re.search(r"<svg.*</svg>", text, re.S).group()
            assert svg_content(inner) == svg_content(
                re.search(r"<svg.*</svg>", stored, re.S).group())


def test_markdown_report_is_fresh(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    out = tmp_path / "t.md"
    result = CliRunner().invoke(main, ["check", *STORY, "--format", "markdown", "--output",
                                       str(out)])
    assert result.exit_code == 1
    assert out.read_text() == (REPORTS / "twitter-sms-gateway.md").read_text()
