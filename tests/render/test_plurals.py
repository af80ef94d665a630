"""Counts of one read in the singular in every text, Markdown and HTML output and in
the CLI's messages: '1 flow', never '1 flows'."""

from __future__ import annotations

from pruner.graph import dependency_graph
from pruner.loader import load_sources
from pruner.render import render
from pruner.report.check import validate_report
from tests.conftest import run

ONE = """\
services:
  web: {availability: 0.99, operations: {home: {}}}
flows:
  f: {requires: ['web:home'], critical: true, target: 0.9}
"""


def test_availability_text_counts_one_flow(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(ONE)
    out = run("availability", path).stdout
    assert "1 flow, 1 with a target, every critical one met" in out


def test_validate_markdown_counts_one_operation():
    G = dependency_graph(load_sources([("m.yaml", ONE)]).manifest)
    out = render(validate_report(G, (), "m.yaml"), "markdown")
    assert "1 service, 1 operation, 1 flow, 1 item, 0 warnings" in out


def test_plan_markdown_counts_one_kept_service_one_more_flow_and_one_uncosted(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("services:\n  web: {}\n  a: {cost: 5}\nflows:\n"
                    + "".join(f"  f{k}: {{requires: [web], critical: true}}\n" for k in range(4)))
    out = run("plan", path, "--format", "markdown").stdout
    assert "Kept: why 1 service stays" in out
    assert "and 1 more flow |" in out
    assert "No cost known for 1 service (counted as 0)" in out
    assert " 1 services" not in out and " 1 more flows" not in out


def test_report_says_it_wrote_one_service_and_one_flow(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("services: {web: {}}\nflows: {f: {requires: [web]}}\n")
    result = run("report", path, "-o", tmp_path / "r.html")
    assert result.exit_code == 0, result.output
    assert result.stderr.rstrip().endswith(": 1 service or operation, 1 flow")
