"""Masked breaks (spec section 11) against a brute-force oracle: for random OLD
manifests, random removals and random edits of what is left (requirements dropped,
dependencies rewired, flows made non-critical or deleted, references left dangling),
the gate fails whenever a flow critical in OLD breaks in OLD with the removed
services switched off, unless the accepted removals cover it."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from pruner.analysis.diff import DIFF_FAIL_ON, compare, diff_gate
from pruner.graph import dependency_graph
from pruner.loader import load_sources
from pruner.model import SINGLE, Flow, Item, Manifest, Service
from tests import oracle
from tests.strategies import document, manifests


def _edit_items(draw, items, gone, survivors, owner=None):
    """Each member that names a removed service is kept (a dangling reference),
    dropped (the requirement or dependency dropped) or replaced by a survivor
    (rewired); an item left without members is dropped."""
    result = []
    for item in items:
        members = []
        for m in item.members:
            if m not in gone:
                members.append(m)
                continue
            pool = [s for s in survivors if s != owner]
            choice = draw(st.sampled_from(["keep", "drop", "rewire"] if pool else ["keep", "drop"]))
            if choice == "keep":
                members.append(m)
            elif choice == "rewire":
                members.append(draw(st.sampled_from(pool)))
        members = list(dict.fromkeys(members))
        if not members:
            continue
        need = min(item.need, len(members))
        kind = item.kind if len(members) > 1 or item.kind != SINGLE else SINGLE
        result.append(Item(kind, tuple(members), need, item.soft))
    return tuple(result)


@st.composite
def changes(draw):
    old = draw(manifests(min_services=2))
    names = sorted(old.services)
    gone = set(draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True)))
    survivors = [n for n in names if n not in gone]
    services = [Service(n, _edit_items(draw, old.services[n].depends_on, gone, survivors, n))
                for n in survivors]
    flows = []
    for name, flow in old.flows.items():
        fate = draw(st.sampled_from(["keep", "keep", "edit", "demote", "delete"]))
        if fate == "delete":
            continue
        requires = flow.requires
        if fate == "edit":
            requires = _edit_items(draw, requires, gone, survivors)
        if not requires:  # every requirement dropped: a flow needs one, so it goes
            continue
        critical = flow.critical and fate != "demote"
        flows.append(Flow(name, requires, critical=critical))
    new = Manifest.from_lists(services, flows)
    accept = set(draw(st.lists(st.sampled_from(sorted(gone)), max_size=len(gone), unique=True)))
    return old, new, gone, accept


def _load(manifest: Manifest, assume=()):
    return load_sources([("m.yaml", json.dumps(document(manifest)))], assume_services=assume)


@settings(max_examples=300, deadline=None)
@given(changes())
def test_the_gate_fails_on_every_masked_break_unless_accepted(case):
    old_m, new_m, gone, accept = case
    old = _load(old_m).manifest
    new = _load(new_m, assume=old.services)
    diff = compare(dependency_graph(old), dependency_graph(new.manifest), new.assumed,
                   accept=accept)
    # the brute-force oracle: the old model with the removals, with the unaccepted ones
    _, broken_old = oracle.evaluate(old, gone)
    _, broken_kept = oracle.evaluate(old, gone - accept)
    _, broken_accepted = oracle.evaluate(old, accept)
    _, states_new = oracle.evaluate(new.manifest, set(new.assumed))
    changes = {c.name: c for c in diff.flows}
    must_fail = set()
    for name, flow in old.flows.items():
        if not flow.critical or broken_old[name] != "broken":
            assert not changes[name].masked, name
            continue
        now = new.manifest.flows.get(name)
        shown = now is not None and now.critical and states_new[name] == "broken"
        change = changes[name]
        if shown:
            assert change.kind == "broken" and not change.masked, name
            must_fail.add(name)
            continue
        assert change.kind == "masked", name
        assert set(change.masked) <= gone and change.masked, name
        # accepted: the accepted removals alone break it, the others alone do not
        accepted = (bool(accept) and broken_accepted[name] == "broken"
                    and broken_kept[name] != "broken")
        assert change.accepted == accepted, name
        if not accepted:
            must_fail.add(name)
    for fail_on in DIFF_FAIL_ON:
        gate = diff_gate(diff, fail_on)
        failing = {name for name, _ in gate.failing}
        if fail_on == "never":
            assert gate.passed
            continue
        assert must_fail <= failing, (fail_on, must_fail, gate.failing)
        if must_fail:
            assert not gate.passed
        # nothing masked fails once accepted
        assert not any(r == "masked" and changes[n].accepted for n, r in gate.failing)


@settings(max_examples=150, deadline=None)
@given(manifests(min_services=2), st.data())
def test_renaming_services_is_no_removal(manifest, data):
    """Renaming any services (references moved, bodies unchanged) is recognised as
    renames, whatever the chains between them: nothing removed, nothing masked, no
    item change, the gate passes at its strictest."""
    old = _load(manifest).manifest
    names = sorted(old.services)
    chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, unique=True))
    # descriptions make bodies distinct, as real services' are
    described = Manifest.from_lists(
        [Service(s.name, s.depends_on, description=f"does {s.name}") for s in
         old.services.values()], old.flows.values())
    mapping = {n: f"{n}-renamed" for n in chosen}

    def moved(items):
        return tuple(Item(i.kind, tuple(mapping.get(m, m) for m in i.members), i.need, i.soft)
                     for i in items)

    renamed = Manifest.from_lists(
        [Service(mapping.get(s.name, s.name), moved(s.depends_on), description=s.description)
         for s in described.services.values()],
        [Flow(f.name, moved(f.requires), critical=f.critical) for f in described.flows.values()])
    doc_old = document(described)
    doc_new = document(renamed)
    for doc, m in ((doc_old, described), (doc_new, renamed)):
        for name, body in doc["services"].items():
            body["description"] = m.services[name].description
    old_l = load_sources([("m.yaml", json.dumps(doc_old))]).manifest
    new_l = load_sources([("m.yaml", json.dumps(doc_new))], assume_services=old_l.services)
    diff = compare(dependency_graph(old_l), dependency_graph(new_l.manifest), new_l.assumed)
    assert dict(diff.renamed) == mapping
    assert diff.gone == () and diff.items == ()
    assert not any(c.masked for c in diff.flows)
    assert diff_gate(diff, "degraded").passed
