"""Measure pruner at scale, as ratios taken in one run on one machine.

    python benchmarks/bench.py [--sizes 1000,5000,20000] [--skip-baobab1]
    python benchmarks/bench.py --sizes 20000 --operations

For each size: generate a manifest (benchmarks/generate.py), then time in fresh
subprocesses (best of 3):

- load: python start + `import pruner.cli` + `yaml.load(text, CSafeLoader)` — the
  unavoidable cost of reading the file at all;
- load, GC paused: the same with Python's cyclic garbage collector paused during the
  parse, as pruner's loader does — the strictest baseline (pruner could not read the
  file faster than this), so ratios are given against both;
- check, cuts --max-order 1, cuts --max-order 2, essential (each a full CLI run);
- naive: per flow, `nx.descendants` of its roots minus the switched-off set (what a
  networkx script would do; it ignores fallbacks, so it is a speed reference only);
- peak memory (ru_maxrss of the cuts --max-order 2 child).

With ``--operations``, only this: each size measured twice in the same run, as
generated and with a third of the services declaring ~3 operations (spec §8,
``generate.py --operations``): load, check and cuts --max-order 1, with their ratios
to each file's own load cost, in wall time and in CPU time (user + system of the child,
best of 3: steadier than wall time on a machine shared with other work).

Then the SCRAM corpus fault trees (chinese, baobab2, baobab1): each imported once
(`pruner import openpsa`), then `pruner cuts --among leaves --max-order 11 --format
json` timed as a whole CLI run (best of 3), against SCRAM's published 0.16 s for all
46,188 minimal cut sets of baobab1.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SCRAM = REPO.parent / "shared" / "corpus" / "scram-openpsa" / "input"
ENV = dict(os.environ, PYTHONPATH=str(REPO))

LOAD = """
import sys, yaml
import pruner.cli
yaml.load(open(sys.argv[1], encoding="utf-8").read(), Loader=yaml.CSafeLoader)
"""

LOAD_NO_GC = """
import gc, sys, yaml
import pruner.cli
text = open(sys.argv[1], encoding="utf-8").read()
gc.disable()
yaml.load(text, Loader=yaml.CSafeLoader)
"""

NAIVE = """
import sys, yaml, networkx as nx
doc = yaml.load(open(sys.argv[1], encoding="utf-8").read(), Loader=yaml.CSafeLoader)
G = nx.DiGraph()
for name, svc in doc["services"].items():
    G.add_node(name)
    for item in svc.get("depends_on") or []:
        if isinstance(item, str):
            G.add_edge(name, item)
        else:
            for m in item.get("any_of") or item.get("of") or [item.get("service")]:
                G.add_edge(name, m)
off = {sys.argv[2]}
for flow in doc["flows"].values():
    roots = set(flow["requires"])
    reach = set(roots).union(*(nx.descendants(G, r) for r in roots))
    broken = bool(reach & off)
"""

TREES = {  # name: (files, published number of minimal cut sets)
    "chinese": (["Chinese/chinese.xml", "Chinese/chinese-basic-events.xml"], 392),
    "baobab2": (["Baobab/baobab2.xml", "Baobab/baobab2-basic-events.xml"], 4805),
    "baobab1": (["Baobab/baobab1.xml", "Baobab/baobab1-basic-events.xml"], 46188),
}


def timed(args: list[str], repeat: int = 3) -> tuple[float, int, str]:
    """Best wall time of ``repeat`` runs, the child's peak RSS (KiB), last stdout."""
    best = float("inf")
    out = ""
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        proc = subprocess.run(args, env=ENV, capture_output=True, text=True)
        best = min(best, time.perf_counter() - start)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{args} failed: {proc.stderr}")
        out = proc.stdout
        rss = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return best, rss, out


def wall_and_cpu(args: list[str], repeat: int = 3) -> tuple[float, float]:
    """Best wall time and best CPU time (user + system) of ``repeat`` runs of a child."""
    wall = cpu = float("inf")
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(args, env=ENV, capture_output=True, text=True)
        wall = min(wall, time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{args} failed: {proc.stderr}")
        cpu = min(cpu, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall, cpu


def operations_only(args) -> None:
    """check and cuts -1 against the load cost, without and with operations, one run."""
    py = sys.executable
    print(f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}")
    sys.path.insert(0, str(HERE))
    import yaml
    from generate import generate  # noqa: E402

    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            for operations in (False, True):
                path = os.path.join(tmp, f"m{n}{'-ops' if operations else ''}.yaml")
                doc = generate(n, operations=operations)
                with open(path, "w", encoding="utf-8") as fh:
                    yaml.dump(doc, fh, Dumper=yaml.CSafeDumper, sort_keys=False)
                ops = sum(len(s.get("operations", {})) for s in doc["services"].values())
                deep = sorted(doc["services"])[-1]
                commands = {
                    "load": [py, "-c", LOAD, path],
                    "GC-paused load": [py, "-c", LOAD_NO_GC, path],
                    "check": [py, "-m", "pruner", "check", path, "--off", deep, "--format",
                              "json"],
                    "cuts --max-order 1": [py, "-m", "pruner", "cuts", path, "--max-order", "1",
                                           "--format", "json"],
                }
                both = {k: wall_and_cpu(c) for k, c in commands.items()}
                wall = {k: v[0] for k, v in both.items()}
                cpu = {k: v[1] for k, v in both.items()}
                print(f"\n{n} services, {ops} operations, {len(doc['flows'])} flows")
                for label, t in (("wall", wall), ("CPU", cpu)):
                    print(f"  {label:4}: load {t['load']:6.2f} s, GC-paused load "
                          f"{t['GC-paused load']:6.2f} s")
                    for k in ("check", "cuts --max-order 1"):
                        print(f"  {label:4}: {k:20} {t[k]:6.2f} s = {t[k] / t['load']:4.2f}x load,"
                              f" {t[k] / t['GC-paused load']:4.2f}x GC-paused load")


def main() -> None:
    parser = argparse.ArgumentParser(description="pruner benchmarks")
    parser.add_argument("--sizes", default="1000,5000,20000")
    parser.add_argument("--skip-baobab1", action="store_true")
    parser.add_argument("--operations", action="store_true",
                        help="only compare check and cuts -1 without and with operations")
    args = parser.parse_args()
    if args.operations:
        return operations_only(args)
    py = sys.executable
    print(f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}")
    sys.path.insert(0, str(HERE))
    import yaml
    from generate import generate  # noqa: E402

    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            path = os.path.join(tmp, f"m{n}.yaml")
            doc = generate(n)
            with open(path, "w", encoding="utf-8") as fh:
                yaml.dump(doc, fh, Dumper=yaml.CSafeDumper, sort_keys=False)
            items = sum(len(s["depends_on"]) for s in doc["services"].values())
            deep = sorted(doc["services"])[-1]
            load, _, _ = timed([py, "-c", LOAD, path])
            fast, _, _ = timed([py, "-c", LOAD_NO_GC, path])
            check, _, _ = timed([py, "-m", "pruner", "check", path, "--off", deep,
                                 "--format", "json"])
            cuts1, _, _ = timed([py, "-m", "pruner", "cuts", path, "--max-order", "1",
                                 "--format", "json"])
            cuts2, rss, _ = timed([py, "-m", "pruner", "cuts", path, "--max-order", "2",
                                   "--format", "json"], repeat=1)
            ess, rss2, out = timed([py, "-m", "pruner", "essential", path], repeat=1)
            naive, _, _ = timed([py, "-c", NAIVE, path, deep], repeat=1)
            print(f"\n{n} services, {items} items, {len(doc['flows'])} flows")
            print(f"  load cost (python + imports + CSafeLoader): {load:6.2f} s")
            print(f"  load cost, GC paused during the parse:     {fast:6.2f} s")
            print(f"  check                 {check:6.2f} s  = {check / load:4.2f}x load, "
                  f"{check / fast:4.2f}x GC-paused load")
            print(f"  cuts --max-order 1    {cuts1:6.2f} s  = {cuts1 / load:4.2f}x load, "
                  f"{cuts1 / fast:4.2f}x GC-paused load")
            print(f"  cuts --max-order 2    {cuts2:6.2f} s")
            headline = out.strip().splitlines()[-1][:70]
            print(f"  essential             {ess:6.2f} s   ({headline}...)")
            print(f"  naive networkx check  {naive:6.2f} s  (check / naive = {check / naive:4.2f})")
            print(f"  peak memory           {max(rss, rss2) / 1024:6.0f} MiB")
    with tempfile.TemporaryDirectory() as tmp:
        for name, (files, published) in TREES.items():
            if name == "baobab1" and args.skip_baobab1:
                continue
            path = os.path.join(tmp, f"{name}.yaml")
            subprocess.run([py, "-m", "pruner", "import", "openpsa",
                            *(str(SCRAM / f) for f in files), "-o", path],
                           env=ENV, check=True, capture_output=True)
            seconds, _, out = timed([py, "-m", "pruner", "cuts", path, "--among", "leaves",
                                       "--max-order", "11", "--format", "json"])
            (flow,) = json.loads(out)["flows"].values()
            count = len(flow["cut_sets"])
            check = "ok" if count == published and flow["complete"] else f"!= {published}"
            scram = " (SCRAM: 0.16 s)" if name == "baobab1" else ""
            print(f"\n{name}: {count} minimal cut sets ({check}) in {seconds:.2f} s{scram}")

if __name__ == "__main__":
    main()
