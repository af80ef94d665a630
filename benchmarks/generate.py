"""Generate a large, realistic manifest for benchmarks.

Layered (edge -> api -> domain -> platform -> data), dependencies drawn with
power-law fan-in (a few platform services are used by almost everything), ~10%
fallback groups, ~3% quorums over replica sets, ~15% soft items, a few hard
dependency cycles, and flows that each require a handful of edge/api services.

    python benchmarks/generate.py 20000 -o /tmp/m20k.yaml [--flows 200] [--seed 1]
                                        [--availability]

With --availability every service gets an availability (two to five nines, drawn
per service) and every flow a target, for `pruner availability`.
"""

from __future__ import annotations

import argparse
import random

import yaml


def generate(n: int, flows: int = 200, seed: int = 1, items_per_service: float = 5.0,
             availability: bool = False) -> dict:
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
    return {"version": 1, "services": services, "flows": flow_table}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("services", type=int)
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--flows", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--availability", action="store_true",
                        help="give every service an availability and every flow a target")
    args = parser.parse_args()
    doc = generate(args.services, args.flows, args.seed, availability=args.availability)
    with open(args.output, "w", encoding="utf-8") as fh:
        yaml.dump(doc, fh, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False)
    items = sum(len(s["depends_on"]) for s in doc["services"].values())
    print(f"{args.output}: {len(doc['services'])} services, {items} items, "
          f"{len(doc['flows'])} flows")


if __name__ == "__main__":
    main()
