"""Commands against the floor, interleaved: for a cell a one-run table reads as an outlier.

    python benchmarks/interleaved.py MANIFEST [--rounds 5] "check @ --off x --format json" ...

Each round runs the floor (Python start + libyaml ``CSafeLoader`` load of MANIFEST with
the garbage collector paused, as bench.py defines it) and then every command, each a
fresh ``python -m pruner`` process (``@`` stands for MANIFEST), through measure.py's
launcher; rounds alternate, so a burst of load on a shared machine hits the floor and
the commands alike. Prints, per command, the best and the median CPU seconds of the child
(user + system: what it cost, whatever else the machine was doing) and wall seconds, each
as a ratio to the floor's. A stub ``dot`` that answers at once is put first on the PATH,
so ``report`` and ``render`` to SVG measure pruner's own part, as in bench.py.
"""

from __future__ import annotations

import argparse
import os
import shlex
import stat
import statistics
import sys
import tempfile
from pathlib import Path

from bench import ENV, LOAD_NO_GC, STUB_DOT
from measure import measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifest")
    parser.add_argument("commands", nargs="+", help="pruner arguments; @ is MANIFEST")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        stub = Path(tmp, "dot")
        stub.write_text(STUB_DOT)
        stub.chmod(stub.stat().st_mode | stat.S_IEXEC)
        env = dict(ENV, PATH=tmp + os.pathsep + os.environ.get("PATH", ""))
        runs = {"floor": [sys.executable, "-c", LOAD_NO_GC, args.manifest]}
        for command in args.commands:
            runs[command] = [sys.executable, "-m", "pruner",
                             *(args.manifest if a == "@" else a for a in shlex.split(command))]
        cpu: dict[str, list[float]] = {k: [] for k in runs}
        wall: dict[str, list[float]] = {k: [] for k in runs}
        for _ in range(args.rounds):
            for name, argv in runs.items():
                run = measured(argv, env=env, cwd=tmp)
                if run.code not in (0, 1):
                    raise SystemExit(f"{name}: exit {run.code}")
                cpu[name].append(run.cpu)
                wall[name].append(run.seconds)
    floor_cpu, floor_wall = min(cpu["floor"]), min(wall["floor"])
    print(f"{args.manifest}, {args.rounds} rounds; ratios to the floor's best")
    for name in runs:
        c, w = cpu[name], wall[name]
        print(f"  {name:60} CPU best {min(c):6.3f} s {min(c) / floor_cpu:5.2f}x, "
              f"median {statistics.median(c) / floor_cpu:5.2f}x; "
              f"wall best {min(w):6.3f} s {min(w) / floor_wall:5.2f}x")


if __name__ == "__main__":
    main()
