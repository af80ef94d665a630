"""The `pruner rpc --format html` page in headless Chromium (Debian's, through Selenium,
no network): it draws each flow's critical path as a waterfall and its RPCs as a
per-service bar chart, fetches nothing, logs no error, and keeps hostile names inert."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pruner.cli import main
from tests.e2e import browser
from tests.render_helpers import REPO

HOME = REPO / "tests/assets/traces/home-timeline"
BUDGETS = REPO / "tests/assets/rpc/home-timeline-over-budget.yaml"


@pytest.fixture(scope="module")
def driver():
    d = browser.start(1200, 1000)
    yield d
    d.quit()


def page(tmp_path, *args) -> str:
    out = tmp_path / "rpc.html"
    r = CliRunner().invoke(main, ["rpc", *map(str, args), "--format", "html", "-o", str(out)])
    assert r.exit_code in (0, 1), r.output
    return out.as_uri()


WATERFALL_JS = """
const flow = document.querySelector('section.flow');
const steps = Array.from(flow.querySelectorAll('svg.waterfall g.step'), g => {
  const r = g.querySelector('rect').getBoundingClientRect();
  return {node: g.getAttribute('data-node'), x: r.left, w: r.width,
          start: +g.getAttribute('data-start-ms'), ms: +g.getAttribute('data-duration-ms')};
});
const bars = Array.from(flow.querySelectorAll('svg.bars g.bar'), g => ({
  service: g.getAttribute('data-service'), rpcs: +g.getAttribute('data-rpcs'),
  w: g.querySelector('rect').getBoundingClientRect().width}));
return {steps, bars, verdict: (document.getElementById('verdict') || {}).textContent || ''};
"""


def test_home_timeline_waterfall_and_bars(driver, tmp_path):
    driver.get_log("performance")
    driver.get(page(tmp_path, HOME, "--manifest", BUDGETS, "--fail-on", "over-budget"))
    got = driver.execute_script(WATERFALL_JS)
    expected = json.loads(CliRunner().invoke(main, ["rpc", str(HOME), "--format", "json"]).output)
    path = expected["flows"]["graphql-api:HomeTimeline"]["critical_path"]["path"]
    assert [s["node"] for s in got["steps"]] == path
    root = got["steps"][0]
    for s in got["steps"]:  # each bar starts where its span starts, as wide as it lasts
        assert s["x"] >= root["x"] - 0.5
        assert abs(s["w"] - root["w"] * s["ms"] / root["ms"]) <= 1.5
    assert [b["service"] for b in got["bars"]][:2] == ["tweetypie", "gizmoduck"]
    widest = got["bars"][0]
    for b in got["bars"]:
        assert abs(b["w"] - widest["w"] * b["rpcs"] / widest["rpcs"]) <= 1.5
    assert "FAIL" in got["verdict"] and "home-timeline" in got["verdict"]
    assert browser.console_problems(driver) == []
    assert [u for u in browser.requests(driver) if not u.startswith(("file:", "data:"))] == []


def test_hostile_names_stay_inert(driver, tmp_path):
    evil = '<img src=x onerror="document.title=1">\u202e'
    spans = [{"traceId": "1", "id": "a", "name": evil, "kind": "SERVER", "timestamp": 1,
              "duration": 100, "localEndpoint": {"serviceName": "web<script>"}},
             {"traceId": "1", "id": "b", "parentId": "a", "name": "q", "kind": "SERVER",
              "timestamp": 2, "duration": 10, "localEndpoint": {"serviceName": evil}}]
    traces = tmp_path / "t.json"
    traces.write_text(json.dumps(spans))
    driver.get(page(tmp_path, traces))
    assert driver.execute_script("return document.querySelectorAll('img, script').length") == 0
    assert driver.title == "RPC fan-out — pruner"
    nodes = driver.execute_script(
        "return Array.from(document.querySelectorAll('g.step'), g => g.getAttribute('data-node'))")
    assert nodes[0].startswith("web<script>:<img src=x")
    assert browser.console_problems(driver) == []
