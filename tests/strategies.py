"""Hypothesis strategies: small random manifests with fallbacks, quorums, soft
items and cycles, as model objects and as YAML-compatible documents."""

from __future__ import annotations

from hypothesis import strategies as st

from pruner.model import ANY_OF, AT_LEAST, SINGLE, Flow, Item, Manifest, Service

NAMES = [f"s{i}" for i in range(9)]


@st.composite
def items(draw, candidates, max_items=3):
    result = []
    for _ in range(draw(st.integers(0, max_items))):
        if not candidates:
            break
        kind = draw(st.sampled_from([SINGLE, SINGLE, ANY_OF, AT_LEAST]))
        soft = draw(st.booleans()) and draw(st.booleans())  # soft about a quarter of the time
        if kind == SINGLE:
            members = (draw(st.sampled_from(candidates)),)
            need = 1
        else:
            members = tuple(draw(st.lists(st.sampled_from(candidates), min_size=1,
                                          max_size=min(4, len(candidates)), unique=True)))
            need = 1 if kind == ANY_OF else draw(st.integers(1, len(members)))
        result.append(Item(kind, members, need, soft))
    return tuple(result)


@st.composite
def manifests(draw, min_services=1, max_services=8):
    n = draw(st.integers(min_services, max_services))
    names = NAMES[:n]
    services = [Service(s, draw(items([t for t in names if t != s]))) for s in names]
    flows = []
    for f in range(draw(st.integers(1, 3))):
        requires = draw(items(names, max_items=3).filter(bool))
        flows.append(Flow(f"f{f}", requires, critical=draw(st.booleans())))
    return Manifest.from_lists(services, flows)


def item_document(item: Item):
    """The manifest form of an item (what a user would write)."""
    if item.kind == SINGLE:
        long = item.soft or not item.startup
        doc = {"service": item.members[0]} if long else item.members[0]
    elif item.kind == ANY_OF:
        doc = {"any_of": list(item.members)}
    else:
        doc = {"at_least": item.need, "of": list(item.members)}
    if item.soft:
        doc["soft"] = True
    if not item.startup:
        doc["startup"] = False
    return doc


@st.composite
def manifests_with_operations(draw, min_services=1, max_services=6):
    """Random manifests whose services declare operations (spec §8) and whose items
    (of services, operations and flows) name operations as well as services."""
    n = draw(st.integers(min_services, max_services))
    names = NAMES[:n]
    declared = {s: draw(st.lists(st.sampled_from(["a", "b", "c"]), max_size=3, unique=True))
                for s in names}
    ops = [f"{s}:{o}" for s in names for o in sorted(declared[s])]
    nodes = names + ops
    services = []
    for s in names:
        operations = tuple(
            Service.operation(s, o, draw(items([t for t in nodes if t != f"{s}:{o}"])))
            for o in sorted(declared[s]))
        services.append(Service(s, draw(items([t for t in nodes if t != s])),
                                operations=operations))
    flows = []
    for f in range(draw(st.integers(1, 3))):
        requires = draw(items(nodes, max_items=3).filter(bool))
        flows.append(Flow(f"f{f}", requires, critical=draw(st.booleans())))
    return Manifest.from_lists(services, flows)


def service_document(service: Service) -> dict:
    doc = {"depends_on": [item_document(i) for i in service.own_items]}
    if service.operations:
        doc["operations"] = {
            op.name.rpartition(":")[2]: {"depends_on": [item_document(i) for i in op.own_items]}
            for op in service.operations
        }
    return doc


def document(manifest: Manifest) -> dict:
    """A plain dict in manifest-v1 form (JSON is YAML, so json.dumps gives a manifest)."""
    return {
        "version": 1,
        "services": {s.name: service_document(s) for s in manifest.services.values()},
        "flows": {
            f.name: {"critical": f.critical, "requires": [item_document(i) for i in f.requires]}
            for f in manifest.flows.values()
        },
    }
