"""Turn the output of ``bench.py`` into the markdown tables of benchmarks/README.md.

    python benchmarks/bench.py --sizes 1000,5000,20000,100000 > bench.txt
    python benchmarks/tables.py bench.txt

Each block of ``bench.py``'s output (a manifest: its title, its floor, one line per
command) becomes a column; blocks of the same family (the layered sizes, the same
sizes with availabilities and costs, the users' shapes, the chains and the cycle)
share a table. A cell is **ratio to the floor** (seconds, peak RSS, and the ratio to
the row's reference where ``bench.py`` gave one, as "1.11× json"). The floor is the
garbage-collector-paused load where the block measured one (every block since the
chains measure it too), else the plain load. Nothing here measures: it only
reformats what one run printed.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

FAMILIES = (  # (name, heading, what a title of the family looks like)
    ("layered", "Layered manifests", re.compile(r"^(\d+) services, \d+ items, \d+ flows")),
    ("more", "The same sizes with an availability and a cost on every service",
     re.compile(r"^(\d+) services with availabilities")),
    ("chains", "Chains and a cycle", re.compile(r"^(chain|cycle) of (\d+) services")),
    ("shapes", "The users' shapes", re.compile(
        r"(sharing one core|a star of|one any_of of|services, [\d,]+ flows)")),
)
ROW = re.compile(r"^  (?P<what>.+?)\s+(?P<s>\d+\.\d+) s  =\s+(?P<load>[\d.]+)x load"
                 r"(?:,\s+(?P<fast>[\d.]+)x GC-paused)?(?:,\s+(?P<ref>[\d.]+)x (?P<of>\w+))?"
                 r"(?:\s+(?P<mib>\d+) MiB)?(?:\s+(?P<note>.*))?$")


def blocks(text: str):
    """(title, floor seconds, rows) per block; rows: (what, seconds, ratio, ref, MiB)."""
    title, load, fast, rows = None, None, None, []
    for line in text.splitlines() + [""]:
        if not line.startswith("  ") or not line.strip():
            if title is not None and rows:
                yield title, fast or load, rows
            title, load, fast, rows = (line.strip() or None), None, None, []
            continue
        if line.strip().startswith("load cost, GC paused"):
            fast = float(line.split()[-2])
            continue
        if line.strip().startswith("load cost"):
            load = float(line.split()[-2])
            continue
        m = ROW.match(line)
        if m is None or title is None:
            continue
        ratio = float(m["fast"] or m["load"])  # as bench.py computed it, unrounded
        rows.append((m["what"].strip(), float(m["s"]), ratio,
                     f"{m['ref']}× {m['of']}" if m["ref"] else "", m["mib"]))


def family(title: str) -> str | None:
    for name, _, pattern in FAMILIES:
        if pattern.search(title):
            return name
    return None


def label(title: str) -> str:
    """A short column heading: the size of a layered manifest, else the title."""
    m = re.match(r"^(\d+) services(,| with)", title)
    if m and "flows (" in title or (m and "availabilities" in title):
        return f"{int(m[1]):,} services"
    m = re.match(r"^(chain|cycle) of (\d+) services", title)
    if m:
        return f"{m[1]} {int(m[2]):,}"
    return title


def cell(seconds: float, ratio: float, ref: str, mib: str | None) -> str:
    parts = [f"{seconds:.2f} s"] + ([f"{mib} MiB"] if mib else []) + ([ref] if ref else [])
    return f"**{ratio:.2f}×** ({', '.join(parts)})"


def tables(text: str) -> str:
    grouped: dict[str, list] = {}
    for title, floor, rows in blocks(text):
        name = family(title)
        if name is not None:
            grouped.setdefault(name, []).append((title, floor, rows))
    out = []
    for name, heading, _ in FAMILIES:
        columns = grouped.get(name)
        if not columns:
            continue
        commands: list[str] = []
        for _, _, rows in columns:
            commands += [r[0] for r in rows if r[0] not in commands]
        out.append(f"**{heading}**\n")
        out.append("| command | " + " | ".join(label(t) for t, _, _ in columns) + " |")
        out.append("|---" * (len(columns) + 1) + "|")
        out.append("| floor | " + " | ".join(f"{f:.2f} s" for _, f, _ in columns) + " |")
        for command in commands:
            cells = []
            for _, _, rows in columns:
                found = [r for r in rows if r[0] == command]
                cells.append(cell(*found[0][1:]) if found else "—")
            out.append(f"| `{command}` | " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", help="what bench.py printed")
    args = parser.parse_args()
    sys.stdout.write(tables(Path(args.output).read_text(encoding="utf-8")))


if __name__ == "__main__":
    main()
