"""Measure pruner at scale, as ratios to the load cost taken in one run on one machine.

    python benchmarks/bench.py [--quick] [--sizes 1000,5000,20000] [--repeat N]
                               [--skip-baobab1] [--skip-dot] [--only PART,...]
    python benchmarks/bench.py --sizes 20000 --operations

Every format of every command is a full CLI run in a fresh subprocess (best of
``--repeat`` runs, default 1), given as seconds and as a ratio to the *load cost*
of the same file, measured in the same run: Python start + ``import yaml`` +
``yaml.load(text, CSafeLoader)``, the unavoidable cost of reading it (issue 21's
floor: pruner's own imports are part of what is measured, not of the floor). A second,
stricter baseline pauses Python's cyclic garbage collector during the parse, as
pruner's own loader does.

Parts (``--only``):

- ``layered``: manifests from ``generate.py`` (``--sizes``): check (text, json,
  markdown, junit, sarif), cuts order 1 and 2 (text, json), essential and rank
  (text, json), diff against a copy with one service removed (text, json,
  markdown, junit, sarif), render (dot, mmd: pruner's part; svg: pruner + Graphviz),
  report (html: pruner's part with a stub ``dot`` that answers at once, and with
  the real Graphviz up to 1,000 services), and the naive networkx reference;
- ``chains``: 5,000-, 20,000- and 100,000-service chains and a 10,000-node cycle, the
  last service switched off: every check format (ratios to text and to both loads);
  on each chain also cuts order 1 text/json, essential and rank text/json, and render
  .dot/.mmd;
- ``quorums``: ``cuts --time-budget 5`` on ``at_least: 21 of 30`` with
  ``--max-order 10`` and on ``at_least: 50000 of 100000``;
- ``more``: the other commands on the same layered sizes, generated with an availability
  and a cost on every service (``generate.py --availability --costs``): validate (text,
  json), availability, bootstrap and plan (text, json, markdown);
- ``adversarial``: the users' shapes that once ran far above the floor (issue 21 §6):
  a 20,000-service manifest whose flows share one core through soft back edges
  (``generate.py --shape core``), a 20,000-service star (one hub every service needs),
  one ``any_of`` of 10,000 members, 2,000 and 5,000 flows on the 20,000-service manifest,
  and 2,000 flows on the shared core:
  validate, check text/json, cuts order 1 json/text (text also as a ratio to JSON),
  essential and rank json, render .dot;
- ``trees``: the SCRAM corpus fault trees (chinese, baobab2, baobab1), each imported
  once, then ``cuts --among leaves --max-order 11 --format json``.

``--quick`` runs the 1,000-service manifest, a 2,000-service chain, both quorums
(30 replicas, and 2,000 of 4,000) and the two small fault trees, without Graphviz:
about a minute.

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
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from measure import byte_compile, measured

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SCRAM = REPO / "tests" / "corpus" / "scram-openpsa" / "input"
# The default memory cap (900M above start-up) is a safety net for users; a
# 100,000-service diff holds two manifests (about 1.7 GB) and would stop at it
# with exit 3, so the benchmark measures with the cap raised (README says so).
ENV = dict(os.environ, PYTHONPATH=str(REPO), PRUNER_MEMORY_LIMIT="6G")


LOAD = """
import sys, yaml
yaml.load(open(sys.argv[1], encoding="utf-8").read(), Loader=yaml.CSafeLoader)
"""

LOAD_NO_GC = """
import gc, sys, yaml
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

# A stand-in for Graphviz: answers any layout at once with a tiny SVG, so that the
# time of `pruner report` without the layout (pruner's own part) can be measured.
STUB_DOT = """#!/bin/sh
cat > /dev/null
printf '<svg xmlns="http://www.w3.org/2000/svg" width="1pt" height="1pt"></svg>\\n'
"""

TREES = {  # name: (files, published number of minimal cut sets)
    "chinese": (["Chinese/chinese.xml", "Chinese/chinese-basic-events.xml"], 392),
    "baobab2": (["Baobab/baobab2.xml", "Baobab/baobab2-basic-events.xml"], 4805),
    "baobab1": (["Baobab/baobab1.xml", "Baobab/baobab1-basic-events.xml"], 46188),
}

CHECK_FORMATS = ("text", "json", "markdown", "junit", "sarif")
DIFF_FORMATS = ("text", "json", "markdown", "junit", "sarif")
REAL_DOT_UP_TO = 1000  # services: above, Graphviz alone takes minutes (see README)


def timed(args: list[str], repeat: int = 1, env: dict | None = None,
          ok: tuple[int, ...] = (0, 1)) -> tuple[float, int, str, int]:
    """Best wall time of ``repeat`` runs, the child's own peak RSS (KiB, see
    :mod:`measure`: not the benchmark's), the last stdout and exit code."""
    best = float("inf")
    out, code, rss = "", 0, 0
    for _ in range(repeat):
        with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
            run = measured(args, env=env or ENV, stdout=stdout, stderr=stderr)
            best = min(best, run.seconds)
            code = run.code
            stdout.seek(0)
            stderr.seek(0)
            out = stdout.read().decode("utf-8", "replace")
            if code not in ok:
                raise SystemExit(f"{args} failed ({code}): "
                                 f"{stderr.read().decode('utf-8', 'replace')}")
        rss = max(rss, run.peak_kib)
    return best, rss, out, code


class Table:
    """Rows of one manifest: what ran, seconds, ratio to load (and to a reference)."""

    def __init__(self, title: str, load: float, fast: float | None = None):
        self.load = load
        print(f"\n{title}")
        print(f"  {'load cost (python + yaml + CSafeLoader)':44} {load:7.2f} s")
        if fast is not None:
            print(f"  {'load cost, GC paused during the parse':44} {fast:7.2f} s")
        self.fast = fast

    def row(self, what: str, seconds: float, rss: int = 0, note: str = "",
            ref: tuple[str, float] | None = None) -> None:
        ratio = f"{seconds / self.load:5.2f}x load"
        if self.fast is not None:
            ratio += f", {seconds / self.fast:5.2f}x GC-paused"
        if ref is not None:
            ratio += f", {seconds / ref[1]:4.2f}x {ref[0]}"
        mem = f"  {rss / 1024:5.0f} MiB" if rss else ""
        print(f"  {what:44} {seconds:7.2f} s  = {ratio}{mem}{('  ' + note) if note else ''}",
              flush=True)


def write_yaml(doc: dict, path: str) -> None:
    import yaml

    with open(path, "w", encoding="utf-8") as fh:
        yaml.dump(doc, fh, Dumper=yaml.CSafeDumper, sort_keys=False)


def without_service(doc: dict, name: str) -> dict:
    """A copy of ``doc`` with ``name`` removed, and every item naming it dropped."""
    def keep(item) -> bool:
        if isinstance(item, str):
            return item != name
        members = item.get("any_of") or item.get("of") or [item.get("service")]
        return name not in members

    services = {}
    for s, svc in doc["services"].items():
        if s != name:
            services[s] = dict(svc, depends_on=[i for i in svc.get("depends_on", []) if keep(i)])
    flows = {f: dict(fl, requires=[i for i in fl["requires"] if keep(i)] or fl["requires"])
             for f, fl in doc["flows"].items()}
    return dict(doc, services=services, flows=flows)


def layered(py: str, sizes: list[int], repeat: int, dot: bool, tmp: str) -> None:
    from generate import generate

    stub_dir = os.path.join(tmp, "stub-dot")
    os.makedirs(stub_dir, exist_ok=True)
    stub = os.path.join(stub_dir, "dot")
    Path(stub).write_text(STUB_DOT)
    os.chmod(stub, os.stat(stub).st_mode | stat.S_IEXEC)
    stub_env = dict(ENV, PATH=stub_dir + os.pathsep + os.environ.get("PATH", ""))
    pruner = [py, "-m", "pruner"]
    for n in sizes:
        path = os.path.join(tmp, f"m{n}.yaml")
        doc = generate(n)
        write_yaml(doc, path)
        deep = sorted(doc["services"])[-1]
        new = os.path.join(tmp, f"m{n}-new.yaml")
        write_yaml(without_service(doc, deep), new)
        items = sum(len(s["depends_on"]) for s in doc["services"].values())
        load, _, _, _ = timed([py, "-c", LOAD, path], max(repeat, 3))
        fast, _, _, _ = timed([py, "-c", LOAD_NO_GC, path], max(repeat, 3))
        t = Table(f"{n} services, {items} items, {len(doc['flows'])} flows "
                  f"(--off {deep})", load, fast)
        for fmt in CHECK_FORMATS:
            s, rss, _, _ = timed([*pruner, "check", path, "--off", deep, "--format", fmt],
                                 repeat)
            t.row(f"check --format {fmt}", s, rss)
        for order in (1, 2):
            json_s = None
            for fmt in ("json", "text"):
                s, rss, _, _ = timed([*pruner, "cuts", path, "--max-order", str(order),
                                      "--format", fmt], repeat)
                ref = ("json", json_s) if json_s else None
                json_s = json_s or s
                t.row(f"cuts --max-order {order} --format {fmt}", s, rss, ref=ref)
        for command in ("essential", "rank"):
            for fmt in ("text", "json"):
                s, rss, _, _ = timed([*pruner, command, path, "--format", fmt], repeat)
                t.row(f"{command} --format {fmt}", s, rss)
        for fmt in DIFF_FORMATS:
            s, rss, _, _ = timed([*pruner, "diff", path, new, "--format", fmt], repeat)
            t.row(f"diff --format {fmt} (one service removed)", s, rss)
        for fmt in ("dot", "mmd"):
            out = os.path.join(tmp, f"m{n}.{fmt}")
            s, rss, _, _ = timed([*pruner, "render", path, "--off", deep, "-o", out], repeat)
            t.row(f"render -o .{fmt}", s, rss, f"({os.path.getsize(out) // 1024} KiB)")
        out = os.path.join(tmp, f"m{n}.html")
        s, rss, _, _ = timed([*pruner, "report", path, "--off", deep, "-o", out], repeat,
                             env=stub_env)
        t.row("report -o .html (pruner's part: stub dot)", s, rss)
        s, rss, _, _ = timed([*pruner, "render", path, "--off", deep, "-o",
                              os.path.join(tmp, "stub.svg")], repeat, env=stub_env)
        t.row("render -o .svg (pruner's part: stub dot)", s, rss)
        if dot and shutil.which("dot") and n <= REAL_DOT_UP_TO:
            s, rss, _, code = timed([*pruner, "render", path, "--off", deep, "-o",
                                     os.path.join(tmp, f"m{n}.svg")], 1, ok=(0, 1, 2))
            t.row("render -o .svg (with Graphviz dot)", s, rss,
                  "" if code == 0 else f"exit {code}: dot timed out")
            s, rss, _, code = timed([*pruner, "report", path, "--off", deep, "-o", out], 1,
                                    ok=(0, 1, 2))
            t.row("report -o .html (with Graphviz dot)", s, rss,
                  "" if code == 0 else f"exit {code}: dot timed out")
        s, _, _, _ = timed([py, "-c", NAIVE, path, deep], 1)
        t.row("naive networkx check (reference)", s)


def chains(py: str, lengths: tuple[int, ...], repeat: int, tmp: str) -> None:
    """Chains, where the load is small and a run's fixed cost shows (issue 21: within
    2x the floor from 5,000 services on): every check format with the last service
    switched off, and on each chain the other commands too (cuts order 1, essential,
    rank, render .dot/.mmd); the cycle runs the check formats."""
    from generate import chain

    pruner = [py, "-m", "pruner"]
    shapes = [(n, False) for n in lengths] + [(lengths[0] * 2, True)]
    for n, cycle in shapes:
        path = os.path.join(tmp, f"chain{n}{'-cycle' if cycle else ''}.yaml")
        doc = chain(n, cycle)
        write_yaml(doc, path)
        last = list(doc["services"])[-1]
        load, _, _, _ = timed([py, "-c", LOAD, path], max(repeat, 3))
        fast, _, _, _ = timed([py, "-c", LOAD_NO_GC, path], max(repeat, 3))
        t = Table(f"{'cycle' if cycle else 'chain'} of {n} services, {last} switched off",
                  load, fast)
        text = None
        for fmt in CHECK_FORMATS:
            s, rss, _, _ = timed([*pruner, "check", path, "--off", last, "--format", fmt],
                                 repeat)
            t.row(f"check --format {fmt}", s, rss, ref=("text", text) if text else None)
            text = text or s
        if cycle:
            continue
        json_s, rss, _, _ = timed([*pruner, "cuts", path, "--max-order", "1",
                                   "--format", "json"], repeat)
        t.row("cuts --max-order 1 --format json", json_s, rss)
        s, rss, _, _ = timed([*pruner, "cuts", path, "--max-order", "1"], repeat)
        t.row("cuts --max-order 1 --format text", s, rss, ref=("json", json_s))
        for command in ("essential", "rank"):
            for fmt in ("text", "json"):
                s, rss, _, _ = timed([*pruner, command, path, "--format", fmt], repeat)
                t.row(f"{command} --format {fmt}", s, rss)
        for suffix in ("dot", "mmd"):
            out = os.path.join(tmp, f"chain.{suffix}")
            s, rss, _, _ = timed([*pruner, "render", path, "-o", out], repeat)
            t.row(f"render -o .{suffix}", s, rss)


def more(py: str, sizes: list[int], repeat: int, tmp: str) -> None:
    from generate import generate

    pruner = [py, "-m", "pruner"]
    for n in sizes:
        path = os.path.join(tmp, f"more{n}.yaml")
        write_yaml(generate(n, availability=True, costs=True), path)
        load, _, _, _ = timed([py, "-c", LOAD, path], max(repeat, 3))
        fast, _, _, _ = timed([py, "-c", LOAD_NO_GC, path], max(repeat, 3))
        t = Table(f"{n} services with availabilities and costs (generate.py --availability "
                  "--costs)", load, fast)
        for fmt in ("text", "json"):
            s, rss, _, _ = timed([*pruner, "validate", path, "--format", fmt], repeat)
            t.row(f"validate --format {fmt}", s, rss)
        for command in ("availability", "bootstrap", "plan"):
            for fmt in ("text", "json", "markdown"):
                s, rss, _, code = timed([*pruner, command, path, "--format", fmt], repeat,
                                        ok=(0, 1, 3))
                t.row(f"{command} --format {fmt}", s, rss, "exit 3: budget" if code == 3 else "")


def adversarial(py: str, repeat: int, tmp: str, quick: bool = False) -> None:
    from generate import any_of, core, generate, star

    n = 2000 if quick else 20_000
    shapes = [(f"{n} services sharing one core through soft back edges", lambda: core(n)),
              (f"a star of {n} services (one hub all need)", lambda: star(n)),
              (f"one any_of of {n // 2} members", lambda: any_of(n // 2)),
              (f"{n} services, 2,000 flows", lambda: generate(n, flows=2000)),
              (f"{n} services sharing one core, 2,000 flows", lambda: core(n, flows=2000)),
              (f"{n} services, 5,000 flows", lambda: generate(n, flows=5000))]
    pruner = [py, "-m", "pruner"]
    for i, (title, make) in enumerate(shapes):
        path = os.path.join(tmp, f"adversarial{i}.yaml")
        write_yaml(make(), path)  # one at a time: six 20,000-service documents are 1 GB
        load, _, _, _ = timed([py, "-c", LOAD, path], max(repeat, 3))
        fast, _, _, _ = timed([py, "-c", LOAD_NO_GC, path], max(repeat, 3))
        t = Table(title, load, fast)
        s, rss, _, _ = timed([*pruner, "validate", path], repeat)
        t.row("validate", s, rss)
        for fmt in ("text", "json"):
            s, rss, _, _ = timed([*pruner, "check", path, "--format", fmt], repeat)
            t.row(f"check --format {fmt}", s, rss)
        json_s = None
        for fmt in ("json", "text"):
            s, rss, _, _ = timed([*pruner, "cuts", path, "--max-order", "1", "--format", fmt],
                                 repeat)
            t.row(f"cuts --max-order 1 --format {fmt}", s, rss,
                  ref=("json", json_s) if json_s else None)
            json_s = json_s or s
        for command in ("essential", "rank"):
            s, rss, _, _ = timed([*pruner, command, path, "--format", "json"], repeat)
            t.row(f"{command} --format json", s, rss)
        out = os.path.join(tmp, f"adversarial{i}.dot")
        s, rss, _, _ = timed([*pruner, "render", path, "-o", out], repeat)
        t.row("render -o .dot", s, rss, f"({os.path.getsize(out) // 1024} KiB)")


def quorums(py: str, cases: tuple[tuple[int, int, int], ...], tmp: str) -> None:
    from generate import quorum

    for need, of, order in cases:
        path = os.path.join(tmp, f"q{need}of{of}.yaml")
        write_yaml(quorum(need, of), path)
        load, _, _, _ = timed([py, "-c", LOAD, path], 3)
        t = Table(f"one flow needing at_least {need} of {of} replicas", load)
        for fmt in ("json", "text"):
            s, rss, out, _ = timed([py, "-m", "pruner", "cuts", path, "--max-order", str(order),
                                    "--time-budget", "5", "--format", fmt])
            note = ""
            if fmt == "json":
                (flow,) = json.loads(out)["flows"].values()
                note = f"complete: {str(flow['complete']).lower()}, {len(flow['cut_sets'])} sets"
            t.row(f"cuts --max-order {order} --time-budget 5 --format {fmt}", s, rss, note)


def trees(py: str, skip_baobab1: bool, repeat: int, tmp: str) -> None:
    for name, (files, published) in TREES.items():
        if name == "baobab1" and skip_baobab1:
            continue
        path = os.path.join(tmp, f"{name}.yaml")
        subprocess.run([py, "-m", "pruner", "import", "openpsa",
                        *(str(SCRAM / f) for f in files), "-o", path],
                       env=ENV, check=True, capture_output=True)
        seconds, _, out, _ = timed([py, "-m", "pruner", "cuts", path, "--among", "leaves",
                                    "--max-order", "11", "--format", "json"], max(repeat, 3))
        (flow,) = json.loads(out)["flows"].values()
        count = len(flow["cut_sets"])
        check = "ok" if count == published and flow["complete"] else f"!= {published}"
        scram = ""
        if shutil.which("scram"):  # the peer, timed in this run (bdd_shapes.py does more)
            theirs, _, _, _ = timed(["scram", "--bdd", "--limit-order", "100",
                                     *(str(SCRAM / f) for f in files),
                                     "-o", os.path.join(tmp, "scram.xml")], max(repeat, 3))
            scram = f" (scram --bdd: {theirs:.2f} s, {seconds / theirs:.2f}x)"
        print(f"\n{name}: {count} minimal cut sets ({check}) in {seconds:.2f} s{scram}")


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
    """check, cuts -1, essential and render .dot against the load cost, without and with
    operations, one run."""
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
                    "essential": [py, "-m", "pruner", "essential", path, "--format", "json"],
                    "render -o .dot": [py, "-m", "pruner", "render", path, "-o",
                                       os.path.join(tmp, f"m{n}-{operations}.dot")],
                }
                both = {k: wall_and_cpu(c) for k, c in commands.items()}
                wall = {k: v[0] for k, v in both.items()}
                cpu = {k: v[1] for k, v in both.items()}
                print(f"\n{n} services, {ops} operations, {len(doc['flows'])} flows")
                for label, t in (("wall", wall), ("CPU", cpu)):
                    print(f"  {label:4}: load {t['load']:6.2f} s, GC-paused load "
                          f"{t['GC-paused load']:6.2f} s")
                    for k in ("check", "cuts --max-order 1", "essential", "render -o .dot"):
                        print(f"  {label:4}: {k:20} {t[k]:6.2f} s = {t[k] / t['load']:4.2f}x load,"
                              f" {t[k] / t['GC-paused load']:4.2f}x GC-paused load")


def main() -> None:
    byte_compile()
    parser = argparse.ArgumentParser(description="pruner benchmarks")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes, no Graphviz, no baobab1: about a minute")
    parser.add_argument("--sizes", default=None, help="layered sizes (default 1000,5000,20000)")
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs per command")
    parser.add_argument("--skip-baobab1", action="store_true")
    parser.add_argument("--operations", action="store_true",
                        help="only compare check, cuts -1, essential and render .dot without "
                             "and with operations")
    parser.add_argument("--skip-dot", action="store_true", help="never run the real Graphviz")
    parser.add_argument("--only", default="layered,more,chains,adversarial,quorums,trees")
    args = parser.parse_args()
    if args.operations:
        return operations_only(args)
    parts = set(args.only.split(","))
    sizes = [int(s) for s in (args.sizes or ("1000" if args.quick else "1000,5000,20000"))
             .split(",")]
    py = sys.executable
    print(f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}")
    sys.path.insert(0, str(HERE))
    with tempfile.TemporaryDirectory() as tmp:
        if "layered" in parts:
            layered(py, sizes, args.repeat, not (args.quick or args.skip_dot), tmp)
        if "chains" in parts:
            chains(py, (2000,) if args.quick else (5000, 20_000, 100_000), args.repeat, tmp)
        if "more" in parts:
            more(py, sizes, args.repeat, tmp)
        if "adversarial" in parts:
            adversarial(py, args.repeat, tmp, args.quick)
        if "quorums" in parts:
            quorums(py, ((21, 30, 10), (2000, 4000, 2) if args.quick else (50000, 100000, 2)),
                    tmp)
        if "trees" in parts:
            trees(py, args.skip_baobab1 or args.quick, args.repeat, tmp)


if __name__ == "__main__":
    main()
