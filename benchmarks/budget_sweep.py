"""Budgets on hostile shapes (issue 24): every command that can reach an engine, on
shapes that once ran superlinear, with ``--time-budget 5``; each run must end with exit
0, 1 or 3 (a budget: fail closed), no traceback, and within the budget plus 2 s.

    python benchmarks/budget_sweep.py [SHAPE ...]

Shapes (``generate.py``'s, every service given an availability and every flow a
target): quorum500of1000, quorum2000of4000, cycle20000, chain100000, core20000,
star20000, anyof10000, flows2000 (20,000 services, 2,000 flows). Prints one line per run
and exits 1 if any run broke the rule.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate as g  # noqa: E402

BUDGET = 5
SHAPES = {
    "quorum500of1000": lambda: g.quorum(500, 1000),
    "quorum2000of4000": lambda: g.quorum(2000, 4000),
    "cycle20000": lambda: g.chain(20000, cycle=True),
    "chain100000": lambda: g.chain(100000),
    "core20000": lambda: g.core(20000),
    "star20000": lambda: g.star(20000),
    "anyof10000": lambda: g.any_of(10000),
    "flows2000": lambda: g.generate(20000, flows=2000, availability=True),
}


def with_availability(doc: dict) -> dict:
    for service in doc["services"].values():
        service.setdefault("availability", 0.999)
    for flow in doc["flows"].values():
        flow.setdefault("target", 0.99)
    return doc


def main() -> int:
    chosen = sys.argv[1:] or list(SHAPES)
    broken = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name in chosen:
            doc = with_availability(SHAPES[name]())
            path = os.path.join(tmp, f"{name}.yaml")
            with open(path, "w", encoding="utf-8") as fh:
                yaml.dump(doc, fh, Dumper=yaml.CSafeDumper, sort_keys=False)
            last = list(doc["services"])[-1]
            commands = [["validate", path], ["check", path, "--off", last],
                        ["cuts", path, "--max-order", "3"], ["essential", path],
                        ["rank", path], ["availability", path, "--format", "json"],
                        ["bootstrap", path, "--format", "json"],
                        ["report", path, "-o", os.path.join(tmp, "r.html")],
                        ["render", path, "-o", os.path.join(tmp, "r.dot")],
                        ["diff", path, path]]
            for command in commands:
                args = [sys.executable, "-m", "pruner", *command]
                if command[0] != "check":  # check runs no exponential step
                    args += ["--time-budget", str(BUDGET)]
                start = time.perf_counter()
                run = subprocess.run(args, capture_output=True, text=True)
                seconds = time.perf_counter() - start
                bad = ("Traceback" in run.stderr or run.returncode not in (0, 1, 3)
                       or seconds > BUDGET + 2)
                broken += bad
                said = (run.stderr.strip().splitlines() or [""])[-1][:120]
                print(f"{'BROKEN' if bad else 'ok':6} {name:17} {command[0]:12} "
                      f"exit {run.returncode} {seconds:6.2f} s"
                      f"{'  ' + said if run.returncode in (2, 3) or bad else ''}", flush=True)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
