"""Generate a large, realistic manifest for benchmarks.

Layered (edge -> api -> domain -> platform -> data), dependencies drawn with
power-law fan-in (a few platform services are used by almost everything), ~10%
fallback groups, ~3% quorums over replica sets, ~15% soft items, a few hard
dependency cycles, and flows that each require a handful of edge/api services.
With ``--operations``, about a third of the services declare 3 operations (spec §8)
that take over about half of their items, and half of the references to such a
service (in items and flows) name one of its operations instead.

    python benchmarks/generate.py 20000 -o /tmp/m20k.yaml [--flows 200] [--seed 1]
    python benchmarks/generate.py 5000 --shape chain -o /tmp/chain5k.yaml
    python benchmarks/generate.py 30 --shape quorum --need 21 -o /tmp/q21of30.yaml
    python benchmarks/generate.py 20000 --operations -o /tmp/m20k-ops.yaml
    python benchmarks/generate.py 20000 --availability -o /tmp/m20k-avail.yaml
    python benchmarks/generate.py 20000 --shape core -o /tmp/core20k.yaml
    python benchmarks/generate.py 20000 --shape star -o /tmp/star20k.yaml
    python benchmarks/generate.py 10000 --shape anyof -o /tmp/anyof10k.yaml

The adversarial shapes (issue 21 §6): ``core`` is the layered manifest whose deeper
services also lean, softly, on the services above them (a "soft back edge": a data
service that reports to an API's admin endpoint), so every flow stands on one large
shared core; ``star`` is one hub that every other service needs; ``anyof`` is one
service needing any one of N members.

With --availability every service gets an availability (two to five nines, drawn
per service) and every flow a target, for `pruner availability`. With --costs every
service gets a running cost (log-normal, median about 400, for `pruner plan`).
"""

from __future__ import annotations

import argparse
import random

import yaml


def generate(n: int, flows: int = 200, seed: int = 1, items_per_service: float = 5.0,
             operations: bool = False, availability: bool = False, costs: bool = False) -> dict:
    rng = random.Random(seed)
    layers = [0.05, 0.15, 0.35, 0.30, 0.15]  # share of services per layer, top first
    names: list[list[str]] = []
    count = 0
    for depth, share in enumerate(layers):
        size = max(3, int(n * share))
        names.append([f"l{depth}-svc-{count + i:05d}" for i in range(size)])
        count += size
    weights = [[1.0 / (i + 1) ** 1.1 for i in range(len(layer))] for layer in names]

    def pick(depth: int) -> str:
        lower = rng.randint(depth + 1, len(names) - 1)
        return rng.choices(names[lower], weights[lower])[0]

    services: dict[str, dict] = {}
    for depth, layer in enumerate(names):
        for name in layer:
            deps: list = []
            if depth < len(names) - 1:
                for _ in range(max(1, int(rng.expovariate(1 / items_per_service)))):
                    r = rng.random()
                    if r < 0.10:
                        members = sorted({pick(depth) for _ in range(rng.randint(2, 3))})
                        item = {"any_of": members} if len(members) > 1 else members[0]
                    elif r < 0.13:
                        members = sorted({pick(depth) for _ in range(3)})
                        item = ({"at_least": 2, "of": members} if len(members) == 3
                                else members[0])
                    else:
                        item = pick(depth)
                    if rng.random() < 0.15:
                        item = {"service": item, "soft": True} if isinstance(item, str) else \
                            dict(item, soft=True)
                    deps.append(item)
            services[name] = {"owner": f"team-{rng.randint(1, 40)}",
                              "tags": [f"layer{depth}"], "depends_on": deps}
    # a few hard cycles inside the domain layer
    domain = names[2]
    for _ in range(max(1, n // 2000)):
        a, b = rng.sample(domain, 2)
        services[a]["depends_on"].append(b)
        services[b]["depends_on"].append(a)
    for svc in services.values():
        seen, unique = set(), []
        for item in svc["depends_on"]:
            key = repr(item)
            if key not in seen:
                seen.add(key)
                unique.append(item)
        svc["depends_on"] = unique
    flow_table = {}
    for i in range(flows):
        req = sorted({rng.choice(names[0]) for _ in range(rng.randint(1, 2))} |
                     {rng.choice(names[1]) for _ in range(rng.randint(1, 3))})
        flow_table[f"flow-{i:03d}"] = {"critical": rng.random() < 0.6, "requires": req}
    if availability:  # its own generator, so the structure above stays the same
        arng = random.Random(seed + 1)
        for svc in services.values():
            svc["availability"] = round(1 - 10 ** -arng.uniform(2, 5), 6)
        for flow in flow_table.values():
            flow["target"] = arng.choice([0.99, 0.995, 0.999])
    if costs:  # its own generator too: the structure stays the same
        crng = random.Random(seed + 2)
        for svc in services.values():
            svc["cost"] = round(crng.lognormvariate(6.0, 1.0))
    doc = {"version": 1, "services": services, "flows": flow_table}
    if operations:
        add_operations(doc, random.Random(seed + 1))
    return doc


def add_operations(doc: dict, rng: random.Random, share: float = 1 / 3, per: int = 3) -> None:
    """Give ``share`` of the services ``per`` operations each (in place): each operation
    takes about half of its service's items, and half of the references to such a
    service name one of its operations instead."""
    services = doc["services"]
    chosen = {name for name in sorted(services) if rng.random() < share}
    for name in sorted(chosen):
        svc = services[name]
        ops: dict[str, dict] = {f"op{k}": {"depends_on": []} for k in range(per)}
        kept = []
        for item in svc["depends_on"]:
            if rng.random() < 0.5:
                ops[f"op{rng.randrange(per)}"]["depends_on"].append(item)
            else:
                kept.append(item)
        svc["depends_on"] = kept
        svc["operations"] = ops

    def name(target: str) -> str:
        if target in chosen and rng.random() < 0.5:
            return f"{target}:op{rng.randrange(per)}"
        return target

    def retarget(item):
        if isinstance(item, str):
            return name(item)
        item = dict(item)
        for key in ("service",):
            if key in item:
                item[key] = name(item[key])
        for key in ("any_of", "of"):
            if key in item:
                item[key] = [name(m) for m in item[key]]
        return item

    for svc in services.values():
        svc["depends_on"] = [retarget(i) for i in svc["depends_on"]]
        for op in svc.get("operations", {}).values():
            op["depends_on"] = [retarget(i) for i in op["depends_on"]]
    for flow in doc["flows"].values():
        flow["requires"] = [retarget(i) for i in flow["requires"]]


def core(n: int, flows: int = 200, seed: int = 1, share: float = 0.3) -> dict:
    """The layered manifest plus soft back edges: ``share`` of the services below the
    top two layers gain a soft item on a random service of the top two layers, so every
    flow's support is one large core shared by all flows."""
    doc = generate(n, flows, seed)
    rng = random.Random(seed + 3)
    services = doc["services"]
    upper = sorted(n for n, s in services.items() if s["tags"][0] in ("layer0", "layer1"))
    for name in sorted(services):
        svc = services[name]
        if svc["tags"][0] not in ("layer0", "layer1") and rng.random() < share:
            svc["depends_on"].append({"service": rng.choice(upper), "soft": True})
    return doc


def star(n: int, flows: int = 200, seed: int = 1) -> dict:
    """One hub every other service needs (hard); flows on one to three of the others."""
    rng = random.Random(seed)
    width = len(str(n - 2))
    spokes = [f"s{i:0{width}d}" for i in range(n - 1)]
    services = {"hub": {}, **{s: {"depends_on": ["hub"]} for s in spokes}}
    table = {f"flow-{i:03d}": {"critical": True,
                               "requires": sorted(rng.sample(spokes, rng.randint(1, 3)))}
             for i in range(flows)}
    return {"version": 1, "services": services, "flows": table}


def any_of(n: int) -> dict:
    """``front`` needs any one of ``n`` members: one group of ``n`` (its only minimal cut
    set is all of them; every single member is a degradation)."""
    width = len(str(n - 1))
    members = [f"m{i:0{width}d}" for i in range(n)]
    return {"version": 1, "services": {"front": {"depends_on": [{"any_of": members}]},
                                       **{m: {} for m in members}},
            "flows": {"use-any": {"critical": True, "requires": ["front"]}}}


def chain(n: int, cycle: bool = False) -> dict:
    """``c00000 -> c00001 -> ... -> c{n-1}``, one flow on the first service; with
    ``cycle`` the last service depends on the first (one hard cycle of ``n`` nodes).

    The shape that made quadratic explanations show: switching off the last service
    puts every service DOWN, each with a chain of ``n`` requirements behind it.
    """
    width = len(str(n - 1))
    names = [f"c{i:0{width}d}" for i in range(n)]
    services = {a: {"depends_on": [b]} for a, b in zip(names, names[1:], strict=False)}
    services[names[-1]] = {"depends_on": [names[0]]} if cycle else {}
    return {"version": 1, "services": services,
            "flows": {"use-chain": {"requires": [names[0]]}}}


def quorum(need: int, of: int) -> dict:
    """One flow that needs ``need`` of ``of`` replicas (hostile for cut sets: its
    minimal cut sets are every ``of - need + 1`` of the replicas)."""
    width = len(str(of - 1))
    names = [f"r{i:0{width}d}" for i in range(of)]
    return {"version": 1, "services": {"front": {"depends_on": [{"at_least": need,
                                                                  "of": names}]},
                                       **{r: {} for r in names}},
            "flows": {"use-quorum": {"requires": ["front"]}}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("services", type=int)
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--flows", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--operations", action="store_true",
                        help="~3 operations on a third of the services, half the references "
                             "naming them")
    parser.add_argument("--availability", action="store_true",
                        help="give every service an availability and every flow a target")
    parser.add_argument("--costs", action="store_true",
                        help="give every service a running cost (spec §12, pruner plan)")
    parser.add_argument("--shape", choices=("layered", "chain", "cycle", "quorum", "core",
                                            "star", "anyof"),
                        default="layered",
                        help="chain / cycle: one long hard chain (closed into a cycle); "
                             "quorum: one flow needing --need of SERVICES replicas; core: "
                             "layered with soft back edges (one shared core); star: one hub "
                             "all need; anyof: one service needing any one of SERVICES")
    parser.add_argument("--need", type=int, default=None, help="quorum size (--shape quorum)")
    args = parser.parse_args()
    if args.shape == "layered":
        doc = generate(args.services, args.flows, args.seed, operations=args.operations,
                       availability=args.availability, costs=args.costs)
    elif args.shape == "core":
        doc = core(args.services, args.flows, args.seed)
    elif args.shape == "star":
        doc = star(args.services, args.flows, args.seed)
    elif args.shape == "anyof":
        doc = any_of(args.services)
    elif args.shape == "quorum":
        doc = quorum(args.need or args.services // 2, args.services)
    else:
        doc = chain(args.services, cycle=args.shape == "cycle")
    with open(args.output, "w", encoding="utf-8") as fh:
        yaml.dump(doc, fh, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False)
    items = sum(len(s.get("depends_on", ())) for s in doc["services"].values())
    ops = [op for s in doc["services"].values() for op in s.get("operations", {}).values()]
    items += sum(len(op["depends_on"]) for op in ops)
    print(f"{args.output}: {len(doc['services'])} services, {len(ops)} operations, "
          f"{items} items, {len(doc['flows'])} flows")


if __name__ == "__main__":
    main()
