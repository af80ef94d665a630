"""The decision-diagram shapes of issues 17 §4, 21 §2–§3 and 24 §1, as ratios in one run:

    python benchmarks/bdd_shapes.py [--repeat 3] [--only quorum,cycle,tangled,flows,scram]
                                    [--flows-services 20000]

Every row is a whole CLI process (best of ``--repeat`` by wall time, interleaved with
its baseline), with its CPU time (user + system) and peak RSS (``wait4``); on a
machine shared with other work the CPU ratio is the steadier one:

- ``quorum``: one flow on ``at_least: K of N`` (50/100, 100/200, 200/400,
  500/1000), every replica 99% available: `availability` against the *floor*
  (Python start + ``yaml.load(CSafeLoader)`` of the same file with the garbage
  collector paused, as pruner's loader does);
- ``cycle``: one hard cycle of 1,000 / 2,000 / 5,000 services: `availability`;
- ``tangled``: 30 services each needing 15 of 30 shared members that need 2 of 3
  of each other (issue 17 §4): `availability`, `validate`, `cuts --max-order 16`
  (each must end within its budget);
- ``flows``: the layered benchmark (benchmarks/generate.py, availabilities
  everywhere) with 200 and 2,000 flows: `availability --format json`;
- ``scram``: theatre, chinese, baobab2, baobab1 (tests/corpus/scram-openpsa):
  `cuts --among leaves` (every minimal cut set) against `scram --bdd`, and
  `availability --format json` (probability and every importance factor) against
  `scram --bdd --probability 1 --importance 1`, counts and probabilities compared.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml
from measure import measured

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CORPUS = REPO / "tests" / "corpus" / "scram-openpsa" / "input"
TREES = {
    "theatre": ["Theatre/theatre.xml"],
    "chinese": ["Chinese/chinese.xml", "Chinese/chinese-basic-events.xml"],
    "baobab2": ["Baobab/baobab2.xml", "Baobab/baobab2-basic-events.xml"],
    "baobab1": ["Baobab/baobab1.xml", "Baobab/baobab1-basic-events.xml"],
}
ENV = dict(os.environ, PYTHONPATH=str(REPO))
FLOOR = """
import gc, sys, yaml
gc.disable()
yaml.load(open(sys.argv[1], encoding="utf-8").read(), Loader=yaml.CSafeLoader)
"""


def run(args: list[str], cwd: str | None = None) -> tuple[float, float, str, float]:
    """(seconds, peak RSS in MiB, stdout, CPU seconds) of one process (measure.py)."""
    with tempfile.TemporaryFile() as stdout:
        done = measured(args, env=ENV, cwd=cwd, stdout=stdout)
        stdout.seek(0)
        out = stdout.read().decode("utf-8", "replace")
    if done.code not in (0, 1, 3):
        raise SystemExit(f"{args} failed ({done.code})")
    return done.seconds, done.peak_mib, out, done.cpu


def best(commands: dict[str, list[str]], repeat: int, cwd=None) -> dict[str, tuple]:
    """Best time of each command (and its peak RSS), the commands interleaved."""
    out: dict[str, tuple] = {}
    for _ in range(repeat):
        for name, args in commands.items():
            result = run(args, cwd)
            if name not in out or result[0] < out[name][0]:
                out[name] = result
    return out


def dump(doc: dict, path: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        yaml.dump(doc, fh, Dumper=yaml.CSafeDumper, sort_keys=False)


def quorum(need: int, of: int) -> dict:
    names = [f"r{i:04d}" for i in range(of)]
    services = {"front": {"availability": 0.9999,
                          "depends_on": [{"at_least": need, "of": names}]}}
    services.update({r: {"availability": 0.99} for r in names})
    return {"version": 1, "services": services,
            "flows": {"use": {"requires": ["front"], "target": 0.999}}}


def cycle(n: int) -> dict:
    names = [f"c{i:05d}" for i in range(n)]
    services = {a: {"availability": 0.9999, "depends_on": [names[(i + 1) % n]]}
                for i, a in enumerate(names)}
    return {"version": 1, "services": services,
            "flows": {"use": {"requires": [names[0]], "target": 0.99}}}


def tangled(seed: int = 1) -> dict:
    rng = random.Random(seed)
    members = [f"m{i:02d}" for i in range(30)]
    services: dict = {m: {"availability": 0.99} for m in members}
    for i, m in enumerate(members[:-3]):
        services[m]["depends_on"] = [{"at_least": 2, "of": rng.sample(members[i + 1:], 3)}]
    users = [f"s{j:02d}" for j in range(30)]
    for s in users:
        services[s] = {"availability": 0.999,
                       "depends_on": [{"at_least": 15, "of": rng.sample(members, 30)}]}
    return {"version": 1, "services": services,
            "flows": {"f": {"requires": users, "target": 0.9}}}


def row(name: str, t: dict, key: str, base: str, note: str = "") -> str:
    took, rss, _, cpu = t[key]
    b_took, _, _, b_cpu = t[base]
    return (f"| {name} | {took:.2f} s / {cpu:.2f} s | {rss:.0f} MiB | {b_took:.2f} s / "
            f"{b_cpu:.2f} s | {took / b_took:.2f}x / {cpu / b_cpu:.2f}x | {note} |")


def main() -> None:
    from measure import byte_compile

    byte_compile()  # as an install does (bench.byte_compile)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="quorum,cycle,tangled,flows,scram")
    parser.add_argument("--flows-services", type=int, default=20000)
    args = parser.parse_args()
    only = set(args.only.split(","))
    py = sys.executable
    pr = [py, "-m", "pruner"]
    print("| case | pruner wall / CPU | peak RSS | baseline wall / CPU | ratio wall / CPU "
          "| note |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        shapes = []
        if "quorum" in only:
            shapes += [(f"availability, at_least {k} of {n}", quorum(k, n))
                       for k, n in ((50, 100), (100, 200), (200, 400), (500, 1000))]
        if "cycle" in only:
            shapes += [(f"availability, hard cycle of {n:,}", cycle(n))
                       for n in (1000, 2000, 5000)]
        for i, (name, doc) in enumerate(shapes):
            path = os.path.join(tmp, f"s{i}.yaml")
            dump(doc, path)
            t = best({"floor": [py, "-c", FLOOR, path],
                      "pruner": [*pr, "availability", path, "--format", "json"]}, args.repeat)
            print(row(name, t, "pruner", "floor", "vs floor"), flush=True)
        if "tangled" in only:
            path = os.path.join(tmp, "tangled.yaml")
            dump(tangled(), path)
            t = best({"floor": [py, "-c", FLOOR, path],
                      "availability": [*pr, "availability", path],
                      "validate": [*pr, "validate", path],
                      "cuts": [*pr, "cuts", path, "--max-order", "16", "--format", "json"]},
                     1)
            for key in ("availability", "validate", "cuts"):
                print(row(f"tangled quorums (issue 17 §4): {key}", t, key, "floor",
                          "vs floor, ends at its budget"), flush=True)
        if "flows" in only:
            sys.path.insert(0, str(HERE))
            from generate import generate
            for flows in (200, 2000):
                path = os.path.join(tmp, f"l{flows}.yaml")
                dump(generate(args.flows_services, flows=flows, availability=True), path)
                t = best({"floor": [py, "-c", FLOOR, path],
                          "pruner": [*pr, "availability", path, "--format", "json"]},
                         args.repeat)
                print(row(f"availability, {args.flows_services:,} services, {flows:,} flows",
                          t, "pruner", "floor", "vs floor"), flush=True)
        if "scram" in only and shutil.which("scram"):
            for name, files in TREES.items():
                paths = [str(CORPUS / f) for f in files]
                tree = os.path.join(tmp, f"{name}.yaml")
                subprocess.run([*pr, "import", "openpsa", *paths, "-o", tree], env=ENV,
                               check=True, capture_output=True)
                out = os.path.join(tmp, "scram.xml")
                t = best({
                    "scram": ["scram", "--bdd", "--limit-order", "100", *paths, "-o", out],
                    "cuts": [*pr, "cuts", tree, "--among", "leaves", "--max-order", "100",
                             "--format", "json"],
                    "scram-p": ["scram", "--bdd", "--probability", "1", "--importance", "1",
                                *paths, "-o", out + "p"],
                    "availability": [*pr, "availability", tree, "--format", "json"],
                }, args.repeat, cwd=tmp)
                ours = json.loads(t["cuts"][2])["flows"]
                count = sum(len(f["cut_sets"]) for f in ours.values())
                results = ET.parse(out).getroot().find("results")
                theirs = int(results.find("sum-of-products").get("products"))
                print(row(f"{name}: every minimal cut set", t, "cuts", "scram",
                          f"vs `scram --bdd`; {count} sets (SCRAM {theirs})"), flush=True)
                (flow,) = json.loads(t["availability"][2])["flows"].values()
                p = ET.parse(out + "p").getroot().find("results").find("sum-of-products")
                print(row(f"{name}: probability + importance", t, "availability", "scram-p",
                          f"vs `scram --bdd --probability --importance`; "
                          f"{1 - flow['availability']:.6g} (SCRAM {p.get('probability')})"),
                      flush=True)


if __name__ == "__main__":
    main()
