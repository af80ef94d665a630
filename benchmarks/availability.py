"""Measure `pruner availability` (issue 12) against its two baselines, in one run:

    python benchmarks/availability.py [--services 20000] [--repeat 3]

1. The generated manifest (benchmarks/generate.py --availability: an availability on
   every service, a target on every flow): `pruner availability PATH --format json`
   for all 200 flows, against the *load cost* of bench.py (Python start + `import
   pruner.cli` + `yaml.load(text, CSafeLoader)` of the same file). Target: <= 5x.
2. baobab1 (SCRAM corpus) imported once with its probabilities, then `pruner
   availability baobab1.yaml --format json` (exact probability and every importance
   factor) against `scram --bdd --probability 1` on the same model, each a whole
   process, best of ``--repeat``, interleaved. Target: <= 10x.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SCRAM = REPO / "tests" / "corpus" / "scram-openpsa" / "input"
BAOBAB1 = [SCRAM / "Baobab" / "baobab1.xml", SCRAM / "Baobab" / "baobab1-basic-events.xml"]
ENV = dict(os.environ, PYTHONPATH=str(REPO))
LOAD = """
import sys, yaml
import pruner.cli
yaml.load(open(sys.argv[1], encoding="utf-8").read(), Loader=yaml.CSafeLoader)
"""


def wall(args: list[str], cwd: str | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(args, env=ENV, capture_output=True, text=True, cwd=cwd)
    took = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{args} failed ({proc.returncode}): {proc.stderr}")
    return took


def best_interleaved(commands: dict[str, list[str]], repeat: int, cwd=None) -> dict:
    best = dict.fromkeys(commands, float("inf"))
    for _ in range(repeat):
        for name, args in commands.items():
            best[name] = min(best[name], wall(args, cwd))
    return best


def main() -> None:
    from measure import byte_compile

    byte_compile()  # as an install does (bench.byte_compile)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-baobab1", action="store_true")
    args = parser.parse_args()
    py = sys.executable
    sys.path.insert(0, str(HERE))
    import yaml
    from generate import generate

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "m.yaml")
        doc = generate(args.services, availability=True)
        with open(path, "w", encoding="utf-8") as fh:
            yaml.dump(doc, fh, Dumper=yaml.CSafeDumper, sort_keys=False)
        t = best_interleaved({
            "load": [py, "-c", LOAD, path],
            "availability": [py, "-m", "pruner", "availability", path, "--format", "json"],
        }, args.repeat)
        out = subprocess.run([py, "-m", "pruner", "availability", path, "--format", "json"],
                             env=ENV, capture_output=True, text=True).stdout
        flows = json.loads(out)["flows"]
        rows = sum(len(f["importance"]) for f in flows.values())
        print(f"{args.services} services, {len(flows)} flows, {rows} importance rows")
        print(f"  load cost (python + imports + CSafeLoader) {t['load']:6.2f} s")
        print(f"  pruner availability --format json          {t['availability']:6.2f} s"
              f"  = {t['availability'] / t['load']:.2f}x the load cost (target <= 5x)")
        if args.skip_baobab1:
            return
        if shutil.which("scram") is None:
            print("baobab1: scram not installed (apt-get install scram); skipped")
            return
        b1 = os.path.join(tmp, "baobab1.yaml")
        subprocess.run([py, "-m", "pruner", "import", "openpsa", *map(str, BAOBAB1),
                        "-o", b1], env=ENV, check=True, capture_output=True)
        t = best_interleaved({
            "scram": ["scram", "--bdd", "--probability", "1", *map(str, BAOBAB1), "-o",
                      os.path.join(tmp, "scram.xml")],
            "pruner": [py, "-m", "pruner", "availability", b1, "--format", "json"],
        }, args.repeat, cwd=tmp)
        out = subprocess.run([py, "-m", "pruner", "availability", b1, "--format", "json"],
                             env=ENV, capture_output=True, text=True).stdout
        (flow,) = json.loads(out)["flows"].values()
        print(f"baobab1: 1 - availability = {1 - flow['availability']:.6g} "
              f"(SCRAM publishes 1.2823e-06), {len(flow['importance'])} importance rows")
        print(f"  scram --bdd --probability 1               {t['scram']:6.2f} s")
        print(f"  pruner availability --format json          {t['pruner']:6.2f} s"
              f"  = {t['pruner'] / t['scram']:.2f}x SCRAM (target <= 10x)")


if __name__ == "__main__":
    main()
