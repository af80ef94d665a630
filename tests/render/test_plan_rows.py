"""The plan's page lists every removal with its cost and share: worked out once per
distinct cost (the 20,000-service plan has 2,771 costs among 18,325 removals), each
row as the plain per-row formulas give it."""

from __future__ import annotations

import re

import pytest

from pruner.analysis.plan import plan
from pruner.graph import dependency_graph
from pruner.loader import load_sources
from pruner.render import render
from pruner.report.plan import money, plan_report

COSTS = [7, 7, 7, 0, 0.5, 7, 1234.5, 0, 7, 3, None, 3]


def _report():
    lines = ["services:"]
    lines += [f"  s{i:02}: {{}}" if c is None else f"  s{i:02}: {{cost: {c}}}"
              for i, c in enumerate(COSTS)]
    lines += ["  kept: {cost: 2}", "flows: {f: {requires: [kept]}}"]
    G = dependency_graph(load_sources([("m.yaml", "\n".join(lines) + "\n")]).manifest)
    result = plan(G, ["f"])
    assert result.remove == tuple(f"s{i:02}" for i in range(len(COSTS)))
    return plan_report(result, source="m.yaml", critical=())


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_each_removal_shows_its_own_cost_and_share(fmt, monkeypatch):
    import pruner.report.plan as module

    asked: list[float] = []

    def counted(value):
        asked.append(value)
        return money(value)

    monkeypatch.setattr(module, "money", counted)
    page = render(_report(), fmt)
    total = sum(c for c in COSTS if c) + 2
    for i, c in enumerate(COSTS):
        name = f"s{i:02}"
        amount = ("no cost" if fmt == "text" else "–") if c is None else money(float(c))
        share = f"{100 * c / total:.1f}%" if c else ("" if fmt == "text" else "–")
        if fmt == "text":
            want = rf"  - {name}\s+{re.escape(amount)}" + (rf"  \({re.escape(share)}\)"
                                                         if share else "") + "$"
        else:
            want = rf"\| `{name}` \| {re.escape(amount)} \| {re.escape(share)} \| 1 \|"
        assert re.search(want, page, re.M), (name, want)
    assert asked.count(7.0) == 1 and asked.count(3.0) == 1  # once per distinct cost
