"""`pruner check` builds no per-service explanation (issue 21): no format prints one,
so the reports with and without them render to the same bytes in every format."""

from pathlib import Path

import pytest

from pruner.analysis.evaluate import switch_off
from pruner.graph import dependency_graph
from pruner.loader import load
from pruner.render import render
from pruner.report.check import check_report

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = sorted([p for p in (ROOT / "manifests").iterdir() if p.is_dir()]
                   + list((ROOT / "tests" / "assets" / "check").glob("*.yaml")))
FORMATS = ("text", "json", "markdown", "junit", "sarif")


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_service_explanations_change_no_output(path):
    G = dependency_graph(load(path).manifest, light=True)
    services = [n for n in G if "service" in G.nodes[n]]
    for off in (services[:1], services[-2:], services[::5]):
        ev = switch_off(G, off)
        plain = check_report(G, ev, source=str(path))
        explained = check_report(G, ev, source=str(path), explain_services=True)
        # the comparison means something: a service down by a cause has its explanation
        assert all(s.explanation for s in explained.services if s.cause is not None)
        for fmt in FORMATS:
            assert render(plain, fmt) == render(explained, fmt), fmt


def test_the_twitter_story_has_service_explanations_to_leave_out():
    G = dependency_graph(load(ROOT / "manifests" / "twitter").manifest, light=True)
    report = check_report(G, switch_off(G, ["sms-gateway"]), explain_services=True)
    assert sum(1 for s in report.services if s.explanation) >= 2
