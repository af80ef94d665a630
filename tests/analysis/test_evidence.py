"""What verdicts rest on (pruner.analysis.evidence) against a brute-force oracle."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from pruner.analysis.evidence import (
    basis,
    store_kind,
    store_tags,
    unknown,
    unused,
    unverified_links,
    worth_warning,
)
from pruner.loader import load
from pruner.model import EVIDENCE_SOURCES, Evidence, Flow, Item, Manifest, Service
from tests.conftest import ASSETS
from tests.strategies import manifests

ORDER = ["declared", "observed", "inferred", "unverified"]
SOURCES = sorted(EVIDENCE_SOURCES)


def oracle(m: Manifest) -> dict[str, str]:
    """Brute force: for each service, scan every item of every node and flow."""
    out = {}
    for s in m.services:
        classes = []
        for node in list(m.services.values()) + [o for v in m.services.values()
                                                 for o in v.operations]:
            owner = node.operation_of or node.name
            for item in node.depends_on:
                if item.implicit or owner == s:
                    continue
                if any(x == s or x.split(":")[0] == s and x not in m.services
                       for x in item.members):
                    classes += [e.strength for e in item.evidence] or ["declared"]
        for f in m.flows.values():
            for item in f.requires:
                if any(x == s or x.split(":")[0] == s and x not in m.services
                       for x in item.members):
                    classes += [e.strength for e in item.evidence] or ["declared"]
        if classes:
            out[s] = min(classes, key=ORDER.index)
        else:
            own = [e.strength for e in m.services[s].evidence] or ["declared"]
            best = min(own, key=ORDER.index)
            out[s] = best if best in ("declared", "observed") else "unknown"
    return out


@st.composite
def with_evidence(draw):
    m = draw(manifests())
    ev = st.lists(st.sampled_from(SOURCES).map(Evidence), max_size=2).map(tuple)

    def item(i: Item) -> Item:
        return dataclasses.replace(i, evidence=draw(ev))

    services = [dataclasses.replace(s, evidence=draw(ev),
                                    depends_on=tuple(item(i) for i in s.depends_on))
                for s in m.services.values()]
    flows = [dataclasses.replace(f, requires=tuple(item(i) for i in f.requires))
             for f in m.flows.values() if draw(st.booleans())]
    return Manifest.from_lists(services, flows)


@settings(max_examples=120, deadline=None)
@given(m=with_evidence())
def test_basis_matches_the_oracle(m):
    got = basis(m)
    assert got == oracle(m)
    named = {x.split(":")[0] for n in m.nodes.values() for i in n.own_items for x in i.members
             if x.split(":")[0] != (n.operation_of or n.name)}
    named |= {x.split(":")[0] for f in m.flows.values() for i in f.requires for x in i.members}
    assert {u.service for u in unused(m)} == set(m.services) - named
    assert set(unknown(m, m.services)) == {s for s, b in got.items()
                                          if b in ("unknown", "unverified")}


def test_imported_data_store_nothing_names_is_unknown_and_warned():
    redis = Service("home-timeline-redis", tags=store_tags("redis:6.2.4"),
                    evidence=(Evidence("compose"),))
    api = Service("home-timeline-service", evidence=(Evidence("compose"),))
    m = Manifest.from_lists([redis, api], [Flow("read", (Item("service", (api.name,)),))])
    assert basis(m) == {"home-timeline-redis": "unknown", "home-timeline-service": "declared"}
    (u,) = worth_warning(m)
    assert (u.service, u.kind, u.basis) == ("home-timeline-redis", "redis data store", "unknown")


def test_hand_written_service_nothing_names_is_declared_and_not_warned_twice():
    m = Manifest.from_lists([Service("cron")])
    assert basis(m) == {"cron": "declared"}
    assert worth_warning(m) == ()


def test_address_book_link_is_unverified():
    m = load(ASSETS / "check" / "evidence-every-form-same-verdicts.yaml").manifest
    assert basis(m)["home-timeline-redis"] == "unverified"
    assert store_kind(m.services["home-timeline-redis"]) == "redis data store"
    links = unverified_links(m.services["compose-post-service"].depends_on)
    assert [i.members for i in links] == [("home-timeline-redis",)]
    assert basis(m)["post-storage-service"] == "declared"  # declared beats traces


@settings(max_examples=80, deadline=None)
@given(m=with_evidence(), data=st.data())
def test_unknown_and_warnings_are_the_two_answers_from_one_pass(m, data):
    """`essential` asks both of the prunable services in one pass: the same answers."""
    from pruner.analysis.evidence import unknown_and_warnings, verdict_warnings

    of = data.draw(st.lists(st.sampled_from(sorted(m.services) + ["no-such"]), unique=True))
    assert unknown_and_warnings(m, of, "m.yaml") == (unknown(m, of),
                                                     verdict_warnings(m, of, "m.yaml"))


@settings(max_examples=120, deadline=None)
@given(m=with_evidence(), data=st.data())
def test_warnings_pass_over_every_reference_only_for_what_can_be_warned_about(m, data):
    """The warnings skip the services with no evidence, no tags and no item with evidence
    naming them (:func:`_marked`): the same warnings as the whole pass over every service."""
    from pruner.analysis.evidence import _bases, _user_classes, _warnings_of, verdict_warnings

    tagged = data.draw(st.sets(st.sampled_from(sorted(m.services)))) if m.services else set()
    stores = [dataclasses.replace(s, tags=("datastore", "redis")) if s.name in tagged else s
              for s in m.services.values()]
    m = Manifest.from_lists(stores, list(m.flows.values()))
    names = set(m.services)
    deps = _user_classes(m, names)
    whole = tuple(text for _, text in _warnings_of(m, names, deps, _bases(m, deps, names),
                                                   "m.yaml"))
    assert verdict_warnings(m, None, "m.yaml") == whole
    some = data.draw(st.sets(st.sampled_from(sorted(m.services)))) if m.services else set()
    deps = _user_classes(m, some)  # a part of the services (the prunable ones of essential)
    part = tuple(text for _, text in _warnings_of(m, some, deps, _bases(m, deps, some),
                                                  "m.yaml")) if some else ()
    assert verdict_warnings(m, some, "m.yaml") == part


@settings(max_examples=60, deadline=None)
@given(m=with_evidence(), data=st.data())
def test_unknown_of_some_services_matches_the_oracle(m, data):
    """`plan` asks it of the services it removes: the oracle's answer, data stores too."""
    tagged = data.draw(st.sets(st.sampled_from(sorted(m.services))))
    m = Manifest.from_lists([dataclasses.replace(s, tags=("datastore", "redis"))
                             if s.name in tagged else s for s in m.services.values()],
                            list(m.flows.values()))
    of = data.draw(st.lists(st.sampled_from(sorted(m.services) + ["no-such"]), unique=True))
    want = oracle(m)
    assert unknown(m, of) == tuple(sorted(s for s in of if s in m.services
                                          and want[s] in ("unknown", "unverified")))


def test_unknown_reads_no_reference_when_nothing_has_evidence(monkeypatch):
    # A plan of 20,000 hand-written services removing 18,325 read every reference: 0.1 s.
    import pruner.analysis.evidence as module

    def refuse(*_):
        raise AssertionError("every reference read")

    monkeypatch.setattr(module, "_user_classes", refuse)
    m = load(ASSETS / "check" / "evidence-every-form-same-verdicts.yaml").manifest
    hand = Manifest.from_lists([dataclasses.replace(s, evidence=(), tags=(), depends_on=tuple(
        dataclasses.replace(i, evidence=()) for i in s.depends_on)) for s in m.services.values()
        if not s.operations], [])
    assert unknown(hand, hand.services) == ()
