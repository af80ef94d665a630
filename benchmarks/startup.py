"""Start-up cost of ``pruner check`` against a bare ``python -c pass``, in one run.

    python benchmarks/startup.py [--runs 10] [--manifest manifests/twitter] [--max-ratio 4]

pre-commit runs pruner on every commit, so the cost of starting it counts (issue 9
§5: at most 4x ``python -c pass``; issue 21 §4: 3x). Both commands run as fresh subprocesses of the
same interpreter, interleaved, best of ``--runs`` each; the ratio of the bests is
printed (and the exit status is 1 when it exceeds ``--max-ratio``). pruner's modules
are byte-compiled first (an installed package always is; this environment may set
PYTHONDONTWRITEBYTECODE, which would otherwise charge compilation to every run).
Then ``python -X importtime`` lists what ``check`` imports, slowest first.
"""

from __future__ import annotations

import argparse
import compileall
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def best_of(argv: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--manifest", default="manifests/twitter")
    parser.add_argument("--max-ratio", type=float, default=3.0)
    parser.add_argument("--top", type=int, default=12, help="imports to list (0: none)")
    args = parser.parse_args()
    compileall.compile_dir(str(REPO / "pruner"), quiet=1)
    bare = [sys.executable, "-c", "pass"]
    check = [sys.executable, "-m", "pruner", "check", args.manifest]
    best_of(check, 1)  # warm the file cache
    t_bare, t_check = [], []
    for _ in range(args.runs):  # interleaved: both see the same machine load
        t_bare += best_of(bare, 1)
        t_check += best_of(check, 1)
    ratio = min(t_check) / min(t_bare)
    print(f"python -c pass:                 best {min(t_bare) * 1000:6.1f} ms of {args.runs}")
    print(f"pruner check {args.manifest}: best {min(t_check) * 1000:6.1f} ms of {args.runs}")
    print(f"ratio: {ratio:.2f}x (target <= {args.max_ratio:g}x)")
    if args.top:
        err = subprocess.run([sys.executable, "-X", "importtime", *check[1:]], cwd=REPO,
                             capture_output=True, text=True, env=dict(os.environ)).stderr
        rows = []
        for line in err.splitlines():
            if line.startswith("import time:") and "self [us]" not in line:
                own, total, name = line[len("import time:"):].split("|")
                rows.append((int(own), int(total), name.strip()))
        print(f"\nslowest imports of check (self / cumulative us), {len(rows)} modules:")
        for own, total, name in sorted(rows, reverse=True)[: args.top]:
            print(f"  {own:7d} {total:8d}  {name}")
    return 0 if ratio <= args.max_ratio else 1


if __name__ == "__main__":
    sys.exit(main())
