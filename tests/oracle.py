"""A brute-force oracle of spec §4, written from the definitions with no cleverness:
iterate the rules until nothing changes. Used by property tests."""

from __future__ import annotations

from pruner.model import Manifest


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
