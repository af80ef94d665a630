"""`pruner plan` at scale (issue 20), as ratios to the load cost in one run, and the
solver choice: HiGHS against OR-Tools CP-SAT on the same 0/1 programs.

    python benchmarks/plan_bench.py [--sizes 20000,100000] [--flows 200] [--skip-cpsat]

For each size: a layered manifest with a cost on every service (generate.py --costs);
the *load cost* (Python start + `import pruner.cli` + `yaml.load(CSafeLoader)`, as in
bench.py); `pruner plan FILE --format json` as a fresh process (its ratio to the load
cost is the acceptance figure: within 3x at 20,000, 10x at 100,000) and the same with
text (which also explains every kept service). Then, in this process, the plan's 0/1
program for the critical flows, reduced (what `plan` solves) and whole (no reduction:
every node of the support a variable, a harder program), each solved to proven
optimality of stage 1 (maximum removed cost) by HiGHS and by CP-SAT (1 and 2 workers;
needs `ortools`, a development dependency of pruner). Both must agree on the optimum.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench import LOAD, timed, write_yaml  # noqa: E402
from generate import generate  # noqa: E402

from pruner.analysis.plan import _Highs, build_program  # noqa: E402
from pruner.graph import dependency_graph  # noqa: E402
from pruner.loader import load  # noqa: E402


def solve_highs(program) -> tuple[float, float]:
    """(seconds, kept cost at the optimum) of stage 1 with HiGHS (one thread)."""
    start = time.perf_counter()
    solver = _Highs(program)
    y, optimal, _ = solver.solve(program.cost, None)
    seconds = time.perf_counter() - start
    assert optimal and y is not None
    return seconds, sum(c for c, v in zip(program.cost, y, strict=True) if v)


def solve_cpsat(program, workers: int) -> tuple[float, float]:
    """(seconds, kept cost at the optimum) of stage 1 with CP-SAT (costs scaled to
    integers: the benchmark's costs are whole numbers)."""
    from ortools.sat.python import cp_model

    start = time.perf_counter()
    model = cp_model.CpModel()
    y = [model.NewBoolVar(f"y{i}") for i in range(len(program.names))]
    for owner, need, members in program.rows:
        total = sum(y[m] for m in members)
        if owner < 0:
            model.Add(total >= need)
        else:
            model.Add(total >= need).OnlyEnforceIf(y[owner])
    model.Minimize(sum(int(round(c)) * y[i] for i, c in enumerate(program.cost) if c))
    solver = cp_model.CpSolver()
    solver.parameters.num_search_workers = workers
    status = solver.Solve(model)
    seconds = time.perf_counter() - start
    assert status == cp_model.OPTIMAL, solver.StatusName(status)
    return seconds, solver.ObjectiveValue()


def main() -> None:
    from measure import byte_compile

    byte_compile()  # as an install does (bench.byte_compile)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20000,100000")
    parser.add_argument("--flows", type=int, default=200)
    parser.add_argument("--skip-cpsat", action="store_true")
    args = parser.parse_args()
    import highspy  # noqa: F401  (imported before any timing)

    py = sys.executable
    pruner = str(Path(py).with_name("pruner"))
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            path = os.path.join(tmp, f"m{n}.yaml")
            write_yaml(generate(n, args.flows, costs=True), path)
            load_cost = timed([py, "-c", LOAD, path])[0]
            json_s, rss, out, code = timed([pruner, "plan", path, "--format", "json"])
            text_s, _, text_out, _ = timed([pruner, "plan", path])
            print(f"{n} services, {args.flows} flows")
            print(f"  load cost (python + imports + CSafeLoader)  {load_cost:7.2f} s")
            print(f"  plan --format json  {json_s:7.2f} s  {json_s / load_cost:5.2f} x load  "
                  f"(peak RSS {rss // 1024} MiB, exit {code})")
            print(f"  plan (text)         {text_s:7.2f} s  {text_s / load_cost:5.2f} x load")
            print(f"  {text_out.strip().splitlines()[-1]}")
            manifest = load(path).manifest
            G = dependency_graph(manifest, light=True)
            table = G.graph["flows"]
            flows = sorted(f for f in table if table[f].critical)
            costs = {s: v.cost for s, v in manifest.services.items()}
            for label, reduce_first in (("reduced", True), ("whole", False)):
                start = time.perf_counter()
                program = build_program(G, flows, costs, reduce_first=reduce_first)
                built = time.perf_counter() - start
                h_s, h_obj = solve_highs(program)
                line = (f"  {label} program: {len(program.names)} variables, "
                        f"{len(program.rows)} rows (built in {built:.2f} s); HiGHS {h_s:.3f} s")
                if not args.skip_cpsat:
                    for workers in (1, 2):
                        c_s, c_obj = solve_cpsat(program, workers)
                        assert abs(c_obj - h_obj) < 1e-6, (c_obj, h_obj)
                        line += f"; CP-SAT {workers} worker{'s' if workers > 1 else ''} " \
                                f"{c_s:.3f} s"
                print(line + f" (same optimum: kept cost {h_obj:,.0f})")


if __name__ == "__main__":
    main()
