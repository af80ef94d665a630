"""`pruner check --format json` agrees with spec §4, state for state, with the right
exit code, on random manifests written to disk as users would write them."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from tests import oracle
from tests.conftest import run
from tests.strategies import document, manifests, manifests_with_operations


@settings(max_examples=120, deadline=None)
@given(data=st.data(), m=manifests())
def test_check_json_matches_the_oracle(tmp_path_factory, data, m):
    off = sorted(data.draw(st.sets(st.sampled_from(sorted(m.services)))))
    fail_on = data.draw(st.sampled_from(["broken", "degraded", "never"]))
    path = tmp_path_factory.mktemp("m") / "manifest.yaml"
    path.write_text(json.dumps(document(m), indent=1))
    args = ["check", path, "--format", "json", "--fail-on", fail_on]
    if off:
        args += ["--off", ",".join(off)]
    result = run(*args)
    services, flows = oracle.evaluate(m, off)
    out = json.loads(result.stdout)
    assert out["off"] == off
    assert {k: v["state"] for k, v in out["services"].items()} == services
    assert {k: v["state"] for k, v in out["flows"].items()} == flows
    bad = {"broken": {"broken"}, "degraded": {"broken", "degraded"}, "never": set()}[fail_on]
    fails = any(flows[f] in bad and m.flows[f].critical for f in flows)
    assert result.exit_code == (1 if fails else 0)


@settings(max_examples=80, deadline=None)
@given(data=st.data(), m=manifests_with_operations())
def test_check_json_matches_the_oracle_with_operations(tmp_path_factory, data, m):
    """Spec §8: state for state for flows, services and operations, with the exit code;
    ``--off`` names services and operations."""
    names = sorted(m.nodes)
    off = sorted(data.draw(st.sets(st.sampled_from(names), max_size=4)))
    fail_on = data.draw(st.sampled_from(["broken", "degraded", "never"]))
    path = tmp_path_factory.mktemp("m") / "manifest.yaml"
    path.write_text(json.dumps(document(m), indent=1))
    args = ["check", path, "--format", "json", "--fail-on", fail_on]
    if off:
        args += ["--off", ",".join(off)]
    result = run(*args)
    services, operations, flows = oracle.evaluate_operations(m, off)
    out = json.loads(result.stdout)
    assert out["off"] == off
    assert {k: v["state"] for k, v in out["services"].items()} == services
    assert {k: v["state"] for k, v in out.get("operations", {}).items()} == operations
    assert {k: v["off"] for k, v in out.get("operations", {}).items()} == {
        k: k in off for k in operations}
    assert {k: v["state"] for k, v in out["flows"].items()} == flows
    bad = {"broken": {"broken"}, "degraded": {"broken", "degraded"}, "never": set()}[fail_on]
    fails = any(flows[f] in bad and m.flows[f].critical for f in flows)
    assert result.exit_code == (1 if fails else 0)
