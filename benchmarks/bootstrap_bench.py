"""Time ``pruner bootstrap`` against the load cost, in one run (issue 13).

    python benchmarks/bootstrap_bench.py [--sizes 20000] [--chain 100000]

Manifests: the generated benchmark manifest (benchmarks/generate.py) with a third of
its hard items marked ``startup: false`` (seeded), and a chain ``s0 -> s1 -> ... ->
s(n-1)`` of hard items (n waves, as deep as a manifest gets). Each is timed as fresh
CLI subprocesses (best of 3): the load cost (python + ``import pruner.cli`` +
``yaml.load`` with CSafeLoader), the same with the GC paused during the parse (as
pruner's loader does), ``pruner validate`` (load + model + lint, which includes a
start-up cycle search) and ``pruner bootstrap --format json``; ratios are to both load
baselines.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench import LOAD, LOAD_NO_GC, timed  # noqa: E402
from generate import generate  # noqa: E402


def with_runtime_items(doc: dict, share: float = 1 / 3, seed: int = 1) -> dict:
    rng = random.Random(seed)
    for svc in doc["services"].values():
        items = []
        for item in svc["depends_on"]:
            if isinstance(item, str):
                item = {"service": item}
            if not item.get("soft") and rng.random() < share:
                item = dict(item, startup=False)
            items.append(item)
        svc["depends_on"] = items
    return doc


def chain(n: int) -> dict:
    services = {f"s{i}": {"depends_on": [f"s{i + 1}"]} for i in range(n - 1)}
    services[f"s{n - 1}"] = {}
    return {"version": 1, "services": services, "flows": {"top": {"requires": ["s0"]}}}


def measure(label: str, path: str) -> None:
    py = sys.executable
    load, _, _ = timed([py, "-c", LOAD, path])
    fast, _, _ = timed([py, "-c", LOAD_NO_GC, path])
    validate, _, _ = timed([py, "-m", "pruner", "validate", path])
    boot, rss, out = timed([py, "-m", "pruner", "bootstrap", path, "--format", "json"])
    waves = out.count("\n    [")  # one line per wave in the indented JSON
    print(f"\n{label}")
    print(f"  load cost (python + imports + CSafeLoader): {load:6.2f} s")
    print(f"  load cost, GC paused during the parse:     {fast:6.2f} s")
    print(f"  validate              {validate:6.2f} s  = {validate / load:4.2f}x load, "
          f"{validate / fast:4.2f}x GC-paused load")
    print(f"  bootstrap --format json {boot:6.2f} s  = {boot / load:4.2f}x load, "
          f"{boot / fast:4.2f}x GC-paused load   ({waves} waves, peak {rss / 1024:.0f} MiB)")


def main() -> None:
    parser = argparse.ArgumentParser(description="pruner bootstrap benchmarks")
    parser.add_argument("--sizes", default="20000")
    parser.add_argument("--chain", type=int, default=100_000)
    args = parser.parse_args()
    import yaml

    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}")
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",") if s):
            path = os.path.join(tmp, f"m{n}.yaml")
            doc = with_runtime_items(generate(n))
            with open(path, "w", encoding="utf-8") as fh:
                yaml.dump(doc, fh, Dumper=dumper, sort_keys=False)
            items = sum(len(s["depends_on"]) for s in doc["services"].values())
            measure(f"{n} services, {items} items, a third of the hard ones startup: false",
                    path)
        if args.chain:
            path = os.path.join(tmp, "chain.yaml")
            with open(path, "w", encoding="utf-8") as fh:
                yaml.dump(chain(args.chain), fh, Dumper=dumper, sort_keys=False)
            measure(f"chain of {args.chain} services", path)


if __name__ == "__main__":
    main()
