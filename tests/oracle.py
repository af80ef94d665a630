"""A brute-force oracle of spec §4 and §8, written from the definitions with no
cleverness: iterate the rules until nothing changes. Used by property tests."""

from __future__ import annotations

from pruner.model import SINGLE, Item, Manifest


def _up(item, down) -> int:
    return sum(1 for m in item.members if m not in down)


def evaluate(manifest: Manifest, off) -> tuple[dict, dict]:
    """(service states, flow states) for ``off``, by naive fixpoint iteration."""
    down = set(off)
    changed = True
    while changed:
        changed = False
        for name, svc in manifest.services.items():
            if name in down:
                continue
            if any(not i.soft and _up(i, down) < i.need for i in svc.depends_on):
                down.add(name)
                changed = True
    degraded = set()
    changed = True
    while changed:
        changed = False
        for name, svc in manifest.services.items():
            if name in down or name in degraded:
                continue
            if any(m in down or m in degraded for i in svc.depends_on for m in i.members):
                degraded.add(name)
                changed = True
    services = {n: "down" if n in down else "degraded" if n in degraded else "up"
                for n in manifest.services}
    flows = {}
    for name, flow in manifest.flows.items():
        if any(not i.soft and _up(i, down) < i.need for i in flow.requires):
            flows[name] = "broken"
        elif any(m in down or m in degraded for i in flow.requires for m in i.members):
            flows[name] = "degraded"
        else:
            flows[name] = "ok"
    return services, flows


def nodes(manifest: Manifest) -> dict[str, tuple]:
    """Spec §8 from the definition: every service with its items, and every operation
    ``S:O`` with its own items plus a hard item on ``S``."""
    table = {}
    for name, svc in manifest.services.items():
        table[name] = tuple(svc.depends_on)
        for op in svc.operations:
            own = tuple(i for i in op.depends_on if not i.implicit)
            table[f"{name}:{op.name.rpartition(':')[2]}"] = (Item(SINGLE, (name,)),) + own
    return table


def evaluate_operations(manifest: Manifest, off) -> tuple[dict, dict, dict]:
    """(service states, operation states, flow states) for ``off`` (services and
    operations), by naive fixpoint iteration over every node of spec §8."""
    table = nodes(manifest)
    down = set(off)
    changed = True
    while changed:
        changed = False
        for name, items in table.items():
            if name not in down and any(not i.soft and _up(i, down) < i.need for i in items):
                down.add(name)
                changed = True
    degraded = set()
    changed = True
    while changed:
        changed = False
        for name, items in table.items():
            if name in down or name in degraded:
                continue
            if any(m in down or m in degraded for i in items for m in i.members):
                degraded.add(name)
                changed = True
    states = {n: "down" if n in down else "degraded" if n in degraded else "up" for n in table}
    services = {n: states[n] for n in manifest.services}
    operations = {n: s for n, s in states.items() if n not in manifest.services}
    flows = {}
    for name, flow in manifest.flows.items():
        if any(not i.soft and _up(i, down) < i.need for i in flow.requires):
            flows[name] = "broken"
        elif any(m in down or m in degraded for i in flow.requires for m in i.members):
            flows[name] = "degraded"
        else:
            flows[name] = "ok"
    return services, operations, flows
