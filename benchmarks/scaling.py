"""The scaling table of issue 24 §3: shapes that once ran quadratic, cubic or out of
memory, each at three sizes, so that the exponent shows and regressions do.

    python benchmarks/scaling.py [--quick] [--only quorum,cycle,chain,flows]

Each row is a fresh CLI process (``posix_spawn`` + ``wait4``: its own peak RSS), timed
against the *floor* of the same file measured in the same run: Python start +
``import pruner.cli`` + ``yaml.load(text, CSafeLoader)`` with the garbage collector
paused (the cheapest possible read of the file). ``x floor`` is seconds / floor
seconds; ``x floor RSS`` is peak RSS / the floor's peak RSS. Runs use the default time
budget (60 s) with the memory cap raised to 8G (the shape's own cost shows, not the
default cap); an exit 3 is shown as ``budget``.

Shapes:

- quorum: one flow on ``at_least: K of N`` replicas (K = N/2), each replica
  ``availability: 0.999``: ``availability``;
- cycle: one hard cycle of N services (``s_i`` needs ``s_{i+1}``, the last the first),
  each ``availability: 0.999``: ``availability``, ``bootstrap``, ``report``;
- chain: N services in one hard chain: ``essential`` (memory is the point);
- flows: the layered benchmark manifest (``generate.py``, 5,000 services) with F flows,
  and 20,000 services with 2,000 flows: ``availability`` and ``report``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import yaml  # noqa: E402
from bench import ENV, LOAD_NO_GC, timed  # noqa: E402
from generate import chain, generate, quorum  # noqa: E402

OK = (0, 1, 3)


def _with_availability(doc: dict, value: float = 0.999) -> dict:
    for name, svc in doc["services"].items():
        if svc is None:
            doc["services"][name] = svc = {}
        svc["availability"] = value
    return doc


def shapes(quick: bool):
    """(shape, size label, document maker, [command args after PATH ...]) rows."""
    q = [(50, 100), (100, 200), (200, 400)] if not quick else [(10, 20), (20, 40), (40, 80)]
    c = [1000, 2000, 5000] if not quick else [250, 500, 1000]
    ch = [20_000, 50_000, 100_000] if not quick else [2000, 5000, 10_000]
    fl = [500, 1000, 2000] if not quick else [50, 100, 200]
    services = 5000 if not quick else 500
    rows = []
    for k, n in q:
        rows.append(("quorum", f"{k} of {n}", lambda k=k, n=n: _with_availability(quorum(k, n)),
                     [["availability"]]))
    for n in c:
        rows.append(("cycle", f"{n} services",
                     lambda n=n: _with_availability(chain(n, cycle=True)),
                     [["availability"], ["bootstrap", "--format", "json"],
                      ["report", "-o", "{tmp}/r.html"]]))
    for n in ch:
        rows.append(("chain", f"{n} services", lambda n=n: chain(n),
                     [["essential", "--format", "json"]]))
    for f in fl:
        rows.append(("flows", f"{services} services, {f} flows",
                     lambda f=f: generate(services, flows=f, availability=True),
                     [["availability", "--format", "json"], ["report", "-o", "{tmp}/r.html"]]))
    if not quick:  # issue 24's case: 2,000 flows on the 20,000-service manifest
        rows.append(("flows", "20000 services, 2000 flows",
                     lambda: generate(20_000, flows=2000, availability=True),
                     [["availability", "--format", "json"], ["report", "-o", "{tmp}/r.html"]]))
    return rows


def write(folder: str, quick: bool, wanted: list[str]) -> None:
    """Write every manifest into ``folder`` (run in a child: a parent holding the
    documents would lend its memory to every child's peak RSS through exec)."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    for k, (shape, _label, make, _commands) in enumerate(shapes(quick)):
        if shape in wanted:
            with open(os.path.join(folder, f"{k}.yaml"), "w", encoding="utf-8") as handle:
                yaml.dump(make(), handle, Dumper=dumper, sort_keys=False)


def main() -> None:
    from measure import byte_compile

    byte_compile()  # as an install does (bench.byte_compile)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--only", default="quorum,cycle,chain,flows")
    parser.add_argument("--write", metavar="FOLDER", help=argparse.SUPPRESS)
    args = parser.parse_args()
    wanted = [s for s in args.only.split(",") if s]
    if args.write:
        write(args.write, args.quick, wanted)
        return
    py = sys.executable
    env = dict(ENV, PRUNER_MEMORY_LIMIT="8G")
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}; load average {os.getloadavg()[0]:.1f}")
    print("| shape | size | command | seconds | x floor | peak MiB | x floor RSS | exit |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        maker = [py, __file__, "--write", tmp, "--only", args.only]
        timed(maker + (["--quick"] if args.quick else []), 1, ok=(0,))
        for k, (name, label, _make, commands) in enumerate(shapes(args.quick)):
            if name not in wanted:
                continue
            path = os.path.join(tmp, f"{k}.yaml")
            floor, floor_rss, _, _ = timed([py, "-c", LOAD_NO_GC, path], 3)
            print(f"| {name} | {label} | floor (GC-paused load) | {floor:.2f} | 1.00 | "
                  f"{floor_rss / 1024:.0f} | 1.00 | |")
            for command in commands:
                argv = [py, "-m", "pruner", command[0], path,
                        *(a.replace("{tmp}", tmp) for a in command[1:])]
                seconds, rss, _, code = timed(argv, 1, env=env, ok=OK)
                shown = " ".join(command).replace("{tmp}/", "")
                outcome = "budget" if code == 3 else str(code)
                print(f"| {name} | {label} | {shown} | {seconds:.2f} | "
                      f"{seconds / floor:.1f} | {rss / 1024:.0f} | "
                      f"{rss / floor_rss:.2f} | {outcome} |", flush=True)


if __name__ == "__main__":
    main()
