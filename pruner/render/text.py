"""Plain-text output for a terminal or a CI log: reads like ``terraform plan``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pruner.analysis.evaluate import BROKEN, DEGRADED, OK
from pruner.render.common import (
    PLAN_LAST_COMMAND,
    PLAN_UNEXPLAINED,
    Dispatch,
    chain_hops,
    clean,
    flow_summary,
    line_text,
    name_list,
    operation_summary,
    plural,
    service_summary,
    troubled_operations,
    unstick_word,
)

if TYPE_CHECKING:  # registering by class name imports no report module (start-up)
    from pruner.report import CheckReport, CutsReport, EssentialReport, RankReport, ValidateReport
    from pruner.report.diff import DiffReport
    from pruner.report.drift import DriftReport

__all__ = ["render"]

_ANSI = {"red": "\x1b[1;31m", "yellow": "\x1b[33m", "green": "\x1b[32m", "bold": "\x1b[1m",
         "dim": "\x1b[2m"}
_RESET = "\x1b[0m"
_STATE_STYLE = {BROKEN: ("BROKEN", "red"), DEGRADED: ("DEGRADED", "yellow"), OK: ("ok", "green")}
MAX_INDENT = 8  # deeper branches stay at this indentation so output stays linear in size


def _paint(text: str, style: str, color: bool) -> str:
    return f"{_ANSI[style]}{text}{_RESET}" if color else text


render = Dispatch("text")
render.__doc__ = """Render ``report`` as text; ``color`` adds ANSI colours."""


@render.register
def _(report: CheckReport, color: bool = False) -> str:
    out = []
    what = report.off_word.capitalize()
    out.append(f"{what} ({len(report.off)}): {name_list(report.off) or 'nothing'}")
    down = [s.name for s in report.services if s.state == "down" and not s.off]
    degraded = [s.name for s in report.services if s.state == "degraded"]
    if down:
        out.append(f"Down as a result ({len(down)}): {name_list(down)}")
    if degraded:
        out.append(f"Degraded ({len(degraded)}): {name_list(degraded)}")
    ops_down, ops_degraded = troubled_operations(report)
    if ops_down:
        out.append(f"Operations down ({len(ops_down)}): {name_list(ops_down)}")
    if ops_degraded:
        out.append(f"Operations degraded ({len(ops_degraded)}): {name_list(ops_degraded)}")
    out.append("")
    width = min(max((len(f.name) for f in report.flows), default=0), 40)
    for flow in report.flows:
        word, style = _STATE_STYLE[flow.state]
        label = _paint(f"{word:<8}", style, color)
        tags = []
        if flow.flow.critical:
            tags.append("critical")
        if flow.flow.owner:
            tags.append(f"owner: {clean(flow.flow.owner)}")
        suffix = f"  ({', '.join(tags)})" if tags else ""
        out.append(f"  {label}  {flow.name:<{width}}{suffix}".rstrip())
        for line in flow.explanation:
            indent = " " * (14 + 4 * min(line.depth, MAX_INDENT))
            out.append(indent + line_text(line, report.off_word))
    out.append("")
    out.append(f"Services: {service_summary(report)}")
    if report.operations:
        out.append(f"Operations: {operation_summary(report)}")
    verdict = "PASS" if report.gate.passed else "FAIL"
    verdict = _paint(verdict, "green" if report.gate.passed else "red", color)
    out.append(f"{flow_summary(report)} — gate: {verdict}")
    if not report.gate.passed:
        state = "broken" if report.gate.fail_on == "broken" else "broken or degraded"
        out.append(f"Critical flows {state}: {name_list(report.gate.failing)}")
    out += [f"warning: {clean(w)}" for w in report.warnings]
    return "\n".join(out) + "\n"


@render.register
def _(report: ValidateReport, color: bool = False) -> str:
    out = [clean(w) for w in report.warnings]
    n = len(report.warnings)
    status = _paint("valid", "green", color)
    operations = (f"{plural(report.operations, 'operation', 'operations')}, "
                  if report.operations else "")
    out.append(f"{clean(report.source)}: {status} — "
               f"{plural(report.services, 'service', 'services')}, {operations}"
               f"{plural(report.flows, 'flow', 'flows')}, {plural(report.items, 'item', 'items')}, "
               f"{plural(n, 'warning', 'warnings')}")
    return "\n".join(out) + "\n"


# --- diff report (issue 4) ---------------------------------------------------

_KIND_STYLE = {"broken": "red", "masked": "red", "spof": "red", "degraded": "yellow",
               "deleted": "yellow",
               "demoted": "yellow", "added": "green", "improved": "green", "edited": "dim"}


@render.register
def _(report: DiffReport, color: bool = False) -> str:
    from pruner.render.diff_words import (
        KIND_LABEL,
        accept_hint,
        change_sentence,
        counts_text,
        item_change_text,
        owner_change_text,
        verdict,
    )

    d = report.diff
    out = [f"pruner diff: {clean(report.old_source)} -> {clean(report.new_source)}"]
    renamed = {old for old, _ in d.renamed}
    removed = [s.name for s in d.removed if s.name not in renamed]
    added = [s.name for s in d.added if s.name not in {new for _, new in d.renamed}]
    if removed:
        out.append(f"Removed services ({len(removed)}): {name_list(removed)}")
    if d.dangling:
        out.append(f"  references left dangling in the new version: {name_list(d.dangling)}")
    if d.removed_operations:
        out.append(f"Removed operations ({len(d.removed_operations)}): "
                   f"{name_list(d.removed_operations)}")
    if added:
        out.append(f"Added services ({len(added)}): {name_list(added)}")
    for old, new in d.renamed:
        out.append(f"Renamed: {old} -> {new}")
    added_ops = [op.name for op in d.operations_added]
    if added_ops:
        out.append(f"Added operations ({len(added_ops)}): {name_list(added_ops)}")
    out.append("")
    out.append("Flows that changed:" if report.flows else "No flow changed.")
    width = max(len(label) for label in KIND_LABEL.values())
    for fd in report.flows:
        label = _paint(f"{KIND_LABEL[fd.kind]:<{width}}", _KIND_STYLE[fd.kind], color)
        out.append(f"  {label}  {change_sentence(fd)}")
        if fd.explanation:
            for line in fd.explanation:
                indent = " " * (4 + width + 4 * min(line.depth, MAX_INDENT))
                out.append(indent + line_text(line, report.off_word))
    hint = accept_hint(report)
    if hint:
        out.append("")
        out.append(hint)
    if d.items or d.owners:
        out.append("")
        out.append("Dependencies and owners:")
        for change in d.items:
            where = (f"old version: {change.location}" if change.change == "removed"
                     else str(change.location))
            out.append(f"  {item_change_text(change)}  ({where})")
        for change in d.owners:
            out.append(f"  {owner_change_text(change)}")
    out += availability_diff_lines(report.availability)
    for _flow, message in report.extra_nines:
        out.append(f"New 'extra nine' warning: {clean(message)}")
    for cycle in report.startup_cycles:
        out.append(f"New start-up cycle: {clean(', '.join(cycle))} can never start after a "
                   "full outage (pruner bootstrap)")
    for flow in report.unbootstrappable:
        out.append(f"Critical flow {clean(flow)} can no longer be brought back after a full "
                   "outage (pruner bootstrap)")
    out.append("")
    out.append(counts_text(report))
    word = "PASS" if report.gate.passed else "FAIL"
    word = _paint(word, "green" if report.gate.passed else "red", color)
    out.append(f"{verdict(report)} — gate (--fail-on {report.gate.fail_on}): {word}")
    out += [f"warning: {clean(w)}" for w in report.warnings]
    return "\n".join(out) + "\n"


# --- drift (issue 6) ---
from pruner.render.common import (  # noqa: E402  (kept in this block on purpose)
    DRIFT_GATE_RULE,
    declared_size,
    observed_size,
    traffic_facts,
    undeclared_text,
)


@render.register
def _(report: DriftReport, color: bool = False) -> str:
    d, obs = report.drift, report.observation
    out = [
        f"Declared: {clean(report.source)} "
        f"({declared_size(report)}, "
        f"{plural(d.declared_edges, 'dependency', 'dependencies')}, "
        f"{plural(report.declared_flows, 'flow', 'flows')})",
        f"Observed: {obs.kind} from {clean(', '.join(obs.sources)) or '-'} "
        f"({observed_size(report)}, "
        f"{plural(d.observed_edges, 'dependency', 'dependencies')})",
    ]
    out += [f"  note: {clean(n)}" for n in obs.notes]
    if not report.declared_flows:
        out.append("The manifest declares no flows: no service is under a critical flow, and "
                   "every service is reached by no flow. Declare flows to make drift a gate.")
    out.append(f"Observed dependencies that the manifest declares: {d.matched} of "
               f"{d.observed_edges}")
    out.append("")

    crit = len(d.undeclared_critical)
    out.append(f"Undeclared dependencies ({len(d.undeclared)}, {crit} under a critical flow): "
               "observed calls the manifest lacks")
    for u in d.undeclared:
        word = "CRITICAL" if u.under_critical_flow else "missing"
        label = _paint(f"{word:<8}", "red" if u.under_critical_flow else "yellow", color)
        out.append(f"  {label}  {clean(undeclared_text(u, report.declared_flows))}")
    if not d.undeclared:
        out.append("  none")
    out.append("")

    out.append(f"Stale declarations ({len(d.stale)}): declared, never observed. Judged only "
               f"where both services appear in the observation; {d.unjudged} other "
               f"declaration{'s' if d.unjudged != 1 else ''} not judged")
    for s in d.stale:
        facts = [f for f in ("soft" if s.soft else "", "fallback group" if s.group else "") if f]
        suffix = f"  ({', '.join(facts)})" if facts else ""
        edge = f"{clean(s.source)} -> {clean(s.target)}"
        out.append(f"  stale     {edge}{suffix}  [{clean(s.location)}]")
    if not d.stale:
        out.append("  none")
    out.append("")
    if d.not_observed:
        out.append(f"Not observed ({len(d.not_observed)}): declared by a deployment file or "
                   "catalogue, never seen in the observation; not stale: there may be a "
                   "legitimate reason")
        for s in d.not_observed:
            edge = f"{clean(s.source)} -> {clean(s.target)}"
            out.append(f"  quiet     {edge}  ({clean(s.why)})  [{clean(s.location)}]")
        out.append("")

    if obs.entries:
        out.append(f"Undeclared flows ({len(d.undeclared_flows)} of {len(obs.entries)} entry "
                   "points with traffic): no declared flow requires them")
        for u in d.undeclared_flows:
            known = "" if u.entry_declared else "  (not even declared as an operation)"
            out.append(f"  flow?     {clean(u.entry)}  "
                       f"({plural(u.traces, 'trace', 'traces')}){known}")
        if not d.undeclared_flows:
            out.append("  none")
        out.append("")

    out.append(f"Observed but not declared ({len(d.observed_not_declared)}): "
               f"{name_list(d.observed_not_declared) or 'none'}")
    out.append(f"Reached by no flow, yet active in the observation "
               f"({len(d.uncovered_traffic)}): do not prune them before a flow explains the "
               "traffic")
    for t in d.uncovered_traffic:
        out.append(f"  {clean(t.name)}  ({clean('; '.join(traffic_facts(t)))})")
    if not d.uncovered_traffic:
        out.append("  none")
    out.append("")

    passed = report.gate.passed
    verdict = _paint("PASS" if passed else "FAIL", "green" if passed else "red", color)
    rule = DRIFT_GATE_RULE[report.gate.fail_on]
    out.append(f"Gate (fails on {rule}): {verdict}")
    if not passed:
        out.append(f"Failing: {name_list(report.gate.failing, 10)}")
    return "\n".join(out) + "\n"


# --- cuts, essential, rank (issue 3) ---


@render.register
def _(report: CutsReport, color: bool = False) -> str:
    from pruner.report.cuts import EXPLAIN_BUDGET, EXPLAIN_LIMIT

    out = []
    written: dict[int, list[str]] = {}  # id of an explanation -> its lines (report keeps them)
    among = f", among {len(report.among)} candidate services" if report.among is not None else ""
    out.append(f"Minimal cut sets of order <= {report.max_order}{among}: "
               "services whose switching off together breaks the flow")
    spofs = 0
    for f in report.flows:
        cuts = f.cuts
        tags = ["critical"] if f.flow.critical else []
        if not cuts.complete:
            tags.append(_paint("incomplete: a limit stopped the search", "yellow", color))
        suffix = f"  ({', '.join(tags)})" if tags else ""
        out.append("")
        out.append(_paint(f.name, "bold", color) + suffix)
        if not cuts.cut_sets:
            out.append(f"  no cut set of order <= {cuts.max_order}")
            continue
        # The sets of each order in one pass (cuts.of_order(k) for each k would read
        # every set once per order; a flow of the many-flow shapes lists hundreds).
        groups: dict[int, list[tuple[str, ...]]] = {}
        for c in cuts.cut_sets:
            group = groups.get(len(c))
            if group is None:
                groups[len(c)] = [c]
            else:
                group.append(c)
        spofs += len(groups.get(1, ()))
        explanations = f.explanations
        index = 0  # position in cuts.cut_sets, sorted by (order, names)
        for order in sorted(groups):
            group = groups[order]
            title = "single points of failure" if order == 1 else f"order {order}"
            out.append(f"  {title} ({len(group)}):")
            style = "red" if order == 1 else "bold"
            for at, c in enumerate(group):
                if index >= len(explanations):  # the rest of the group: names only
                    rest = group[at:] if at else group
                    if color:
                        out += ["    " + _paint(", ".join(r), style, color) for r in rest]
                    else:  # one string for them all (out is joined with newlines)
                        out.append("    " + "\n    ".join(map(", ".join, rest)))
                    index += len(rest)
                    break
                out.append("    " + _paint(", ".join(c), style, color))
                lines = explanations[index]
                # Flows broken the same way share one explanation (report.cuts): its
                # text is written once.
                text = written.get(id(lines))
                if text is None:
                    text = written[id(lines)] = [
                        " " * (8 + 4 * min(line.depth, MAX_INDENT)) + line_text(line)
                        for line in lines]
                out += text
                index += 1
        unexplained = len(cuts.cut_sets) - len(f.explanations)
        if unexplained > 0:
            fewer = (f" ({len(report.flows):,} flows share {EXPLAIN_BUDGET:,} explanations: "
                     "--flow NAME gives a flow more)"
                     if report.explain_limit < EXPLAIN_LIMIT else "")
            out.append(f"  ({plural(unexplained, 'cut set', 'cut sets')} shown without "
                       f"explanation: only the first {report.explain_limit} are explained"
                       f"{fewer}; `pruner check --off ...` explains any)")
    out.append("")
    total = sum(len(f.cuts.cut_sets) for f in report.flows)
    status = "" if report.complete else " — INCOMPLETE: the time budget stopped the search"
    out.append(f"{plural(len(report.flows), 'flow', 'flows')}, "
               f"{plural(total, 'minimal cut set', 'minimal cut sets')}, "
               f"{plural(spofs, 'single point', 'single points')} of failure{status}")
    out += [f"warning: {clean(w)}" for w in report.warnings]
    return "\n".join(out) + "\n"


@render.register
def _(report: EssentialReport, color: bool = False) -> str:
    e = report.result
    out = []
    pct = 100.0 * len(e.keep) / e.services if e.services else 0.0
    proof = "minimum" if e.minimum else "minimal, not proven minimum"
    out.append(f"Keep ({len(e.keep)}, {proof}): {name_list(e.keep, 50) or 'nothing'}")
    spof = ("none alone fatal" if not e.spof else "1 of them a single point of failure"
            if len(e.spof) == 1 else f"{len(e.spof)} of them single points of failure")
    out.append(f"  {spof}")
    out.append(f"Prunable ({len(e.prunable)}): {name_list(e.prunable, 50) or 'nothing'}")
    if e.redundant:
        out.append(f"  prunable only by giving up redundancy ({len(e.redundant)}): "
                   f"{name_list(e.redundant, 50)} — fallback or quorum members (or what they "
                   "need): the services they back up would be left without a spare")
    if report.prunable_unknown:
        out.append(f"  prunable only because nothing is known ({len(report.prunable_unknown)}): "
                   f"{name_list(report.prunable_unknown, 50)} — nothing in the manifest says "
                   "who uses them (a missing edge, or unused?): check with traces before "
                   "pruning them")
        out.append(f"  prunable, with evidence ({len(report.prunable_known)}): "
                   f"{name_list(report.prunable_known, 50) or 'nothing'}")
    if e.uncovered:
        out.append(f"Reached by no flow ({len(e.uncovered)}): {name_list(e.uncovered, 50)}")
    for warning in report.warnings:
        out.append(f"warning: {clean(warning)}")
    out.append("")
    critical = "critical " if report.all_critical else ""
    what = (f"the {critical}flow {e.flows[0]}" if len(e.flows) == 1
            else f"all {len(e.flows)} {critical}flows")
    headline = (f"{len(e.keep)} of {plural(e.services, 'service', 'services')} ({pct:.1f}%) "
                f"keep{'s' if len(e.keep) == 1 else ''} {what} "
                f"working; {len(e.prunable)} prunable; "
                f"{len(e.uncovered)} reached by no flow — prune candidates, "
                "or flows nobody declared")
    out.append(_paint(headline, "bold", color))
    return "\n".join(out) + "\n"


@render.register
def _(report: RankReport, color: bool = False) -> str:
    r = report.ranking
    out = [f"Services by harm for {plural(len(r.flows), 'flow', 'flows')}: flows each alone "
           "breaks, "
           "then minimal cut sets of order <= 2 it is in"]
    width = min(max((len(h.service) for h in r.services), default=0), 40)
    for i, h in enumerate(r.services, 1):
        alone = f"breaks alone: {name_list(h.spof_for, 5)}" if h.spof_for else "never alone"
        name = _paint(f"{h.service:<{width}}", "red" if h.spof_for else "bold", color)
        flows = "flow " if len(h.spof_for) == 1 else "flows"
        sets = "cut set " if h.cut_sets == 1 else "cut sets"
        out.append(f"  {i:>4}. {name}  {len(h.spof_for):>3} {flows}  "
                   f"{h.cut_sets:>5} {sets}  ({alone})")
    out.append("")
    tail = "" if r.complete else " — INCOMPLETE: the time budget stopped the search"
    out.append(f"{plural(len(r.services), 'service', 'services')} in some cut set of order "
               f"<= 2; {r.harmless} in "
               f"none{tail}")
    return "\n".join(out) + "\n"


# --- availability (issue 12) ---
from pruner.report.figures import percent  # noqa: E402

if TYPE_CHECKING:  # registered by class name: loads no report module (start-up)
    from pruner.report.availability import AvailabilityReport

AVAILABILITY_ROWS = 10  # importance rows per flow in text and Markdown; JSON has all


def _num(value: float | None, spec: str = ".4g") -> str:
    return "-" if value is None else format(value, spec)


def availability_verdict(flow) -> str:
    """``met``, ``MISSED`` or ``no target``."""
    if flow.meets_target is None:
        return "no target"
    return "met" if flow.meets_target else "MISSED"


@render.register
def _(report: AvailabilityReport, color: bool = False) -> str:
    out = []
    for flow in report.flows:
        tags = ["critical"] if flow.critical else []
        head = f"{flow.flow}  {percent(flow.availability)}"
        head += f"  ({flow.downtime_minutes:.4g} min down per 30 days)"
        if flow.target is not None:
            verdict = availability_verdict(flow)
            style = "green" if flow.meets_target else "red"
            head += f"  target {percent(flow.target)}: {_paint(verdict, style, color)}"
            head += f" (allows {(1 - flow.target) * 30 * 24 * 60:.4g} min)"
        if tags:
            head += f"  [{', '.join(tags)}]"
        out.append(head)
        rows = flow.importance[:AVAILABILITY_ROWS]
        if rows:
            width = max(12, min(max(len(i.service) for i in rows), 40))
            out.append(f"    {'harden first':<{width}}  {'avail.':>10}  {'DIF':>7}  "
                       f"{'MIF':>9}  {'RAW':>9}  {'RRW':>9}")
            for i in rows:
                dif = "-" if i.dif is None else f"{100 * i.dif:.3g}%"
                out.append(f"    {clean(i.service):<{width}}  {percent(i.availability):>10}  "
                           f"{dif:>7}  {_num(i.mif):>9}  {_num(i.raw):>9}  {_num(i.rrw):>9}")
            more = len(flow.importance) - len(rows)
            if more > 0:
                out.append(f"    ... and {more} more (--format json lists every one)")
        out.append("")
    missed = report.missed
    if missed:
        verdict = _paint("FAIL", "red", color)
        out.append(f"{len(missed)} critical flow(s) below target: "
                   f"{name_list([f.flow for f in missed])} — gate: {verdict}")
    else:
        with_target = sum(1 for f in report.flows if f.target is not None)
        out.append(f"{plural(len(report.flows), 'flow', 'flows')}, {with_target} with a target, "
                   "every critical "
                   f"one met — gate: {_paint('PASS', 'green', color)}")
    return "\n".join(out) + "\n"


def _opt_pct(value: float | None) -> str:
    return "—" if value is None else percent(value)


def availability_diff_lines(changes) -> list[str]:
    """``pruner diff``: each flow whose availability or target changed, before -> after."""
    moved = [c for c in changes if c.old != c.new or c.old_target != c.new_target]
    if not moved:
        return []
    out = ["", "Availability (before -> after):"]
    width = min(max(len(c.flow) for c in moved), 40)
    for c in moved:
        target = "" if c.new_target is None else f"  target {percent(c.new_target)}"
        flag = "  BELOW TARGET" if c.dropped_below_target else ""
        out.append(f"  {clean(c.flow):<{width}}  {_opt_pct(c.old)} -> {_opt_pct(c.new)}"
                   f"{target}{flag}")
    return out


# --- bootstrap (issue 13) ------------------------------------------------------
if TYPE_CHECKING:  # loaded by bootstrap_lines when used (start-up)
    from pruner.report.bootstrap import BootstrapReport


def bootstrap_lines(report: BootstrapReport) -> list[tuple[str, str]]:
    """``(style, line)`` pairs of the bootstrap report (shared by text and markdown)."""
    from pruner.report.bootstrap import WAVE_LIMIT

    b = report.result
    out: list[tuple[str, str]] = []
    if b.from_off:
        out.append(("bold", f"Partial restart of {clean(report.source)}: "
                            f"{name_list(b.from_off)} went down, everything else still runs"))
    else:
        out.append(("bold", f"Cold start of {clean(report.source)} after a full outage: "
                            f"{plural(report.services, 'service', 'services')}"))
    started = sum(len(w) for w in b.waves)
    out.append(("", f"{plural(started, 'service', 'services')} "
                    f"{'come back' if b.from_off else 'start'} in "
                    f"{plural(len(b.waves), 'wave', 'waves')}; {len(b.stuck)} stuck"))
    for n, wave in enumerate(b.waves[:WAVE_LIMIT]):
        out.append(("", f"  wave {n} ({len(wave)}): {name_list(wave)}"))
        if report.late and report.late[n]:
            what = "serving again after it" if b.from_off else "started earlier, serving from it"
            out.append(("dim", f"    {what} ({len(report.late[n])}): "
                               f"{name_list(report.late[n])}"))
    if len(b.waves) > WAVE_LIMIT:
        out.append(("dim", f"  ... and {len(b.waves) - WAVE_LIMIT} more waves (--format json "
                           "lists them all)"))
    if b.stuck:
        out.append(("red", f"Stuck, never start ({len(b.stuck)}): {name_list(b.stuck)}"))
    for k, c in enumerate(b.cycles, 1):
        out.append(("red", f"  start-up cycle {k}: {clean(' -> '.join(c.chain))}"))
        if c.unstick:
            word = unstick_word(c)
            fixes = "; ".join(f"{s} -> {i}" for s, i in c.unstick)
            out.append(("", f"    unstick it with startup: false on ({word}): {clean(fixes)}"))
        else:
            out.append(("", "    no start-up item of its own unsticks it (it waits on more)"))
    shown = 0
    for name, s in b.explanations.items():
        if s.cycle is not None:
            continue
        if shown >= 50:
            out.append(("dim", "  ... (--format json explains every one)"))
            break
        shown += 1
        what = "started, never serves" if s.started else "never starts"
        tail = f" (start-up cycle {s.root + 1})" if s.root is not None else ""
        via = "" if s.item == s.waits_on else f" (item: {clean(s.item)})"
        out.append(("", f"  {clean(name)}: {what}: waits on {clean(s.waits_on)}{via}{tail}"))
    out.append(("", ""))
    out.append(("bold", "Flows:"))
    timed = b.times is not None
    for name in sorted(b.ready, key=lambda f: (b.ready[f] is None, b.ready[f] or 0, f)):
        wave = b.ready[name]
        if wave is None:
            label, style = "NEVER", "red"
        elif wave < 0:
            label, style = "still works", "green"
        else:
            label, style = f"after wave {wave}", "green"
        extra = []
        if report.critical[name]:
            extra.append("critical")
        if timed and b.ready_seconds[name] is not None:
            extra.append(f"first works at {b.ready_seconds[name]:g} s")
        suffix = f"  ({', '.join(extra)})" if extra else ""
        out.append((style, f"  {label:<14} {clean(name)}{suffix}"))
    if timed and b.undeclared_seconds:
        out.append(("dim", f"Times count start_seconds 0 for "
                           f"{plural(len(b.undeclared_seconds), 'service', 'services')} "
                           f"that declare none: {name_list(b.undeclared_seconds, 5)}"))
    out.append(("", ""))
    if report.passed:
        out.append(("green", "Gate: PASS — every critical flow can be served again"))
    else:
        out.append(("red", f"Gate: FAIL — critical flows never served again: "
                           f"{name_list(b.critical_never)}"))
    return out


def _painted(lines: list[tuple[str, str]], color: bool) -> str:
    """``(style, line)`` pairs as text, each line in its style when ``color``."""
    return "\n".join(_paint(text, style, color) if style and text else text
                     for style, text in lines) + "\n"


@render.register
def _(report: BootstrapReport, color: bool = False) -> str:
    return _painted(bootstrap_lines(report), color)


# --- rpc (issue 22) ---
if TYPE_CHECKING:
    from pruner.report.rpc import RpcReport

RPC_PATH_ROWS = 12  # critical-path steps shown per flow (the rest summed up)
RPC_GROUP_ROWS = 10  # batching candidates shown per flow


def rpc_lines(report: RpcReport) -> list[tuple[str, str]]:
    """``(style, line)`` pairs: a profiler's summary per flow (or root operation)."""
    from pruner.render.common import RPC_UNTRACED, ms_text, rpc_budget_text, rpc_pass_text

    out: list[tuple[str, str]] = []
    what = "flow" if report.manifest else "root operation"
    out.append(("bold", f"pruner rpc: {report.traces:,} trace(s), {report.spans:,} span(s) "
                        f"from {plural(report.files, 'file', 'files')}; "
                        f"{plural(len(report.entries), what, what + 's')}"))
    for e in report.entries:
        p, cp = e.profile, e.profile.critical_path
        out.append(("", ""))
        label = "flow" if e.flow else "root"
        crit = " (critical)" if e.flow and e.critical else ""
        out.append(("bold", f"{label} {clean(e.name)}{crit}: {p.traces:,} trace(s)"))
        if e.flow:
            out.append(("dim", f"  roots: {clean(', '.join(p.roots))}"))
        out.append(("", f"  RPCs per request  p50 {p.rpcs.p50:,}  p99 {p.rpcs.p99:,}  "
                        f"max {p.rpcs.max:,}   call depth {p.depth}   latency p50 "
                        f"{ms_text(p.latency_ms.p50)}  p99 {ms_text(p.latency_ms.p99)}"))
        budget = rpc_budget_text(e)
        if budget:
            out.append(("red" if e.over else "green", f"  budget: {budget}"))
        if cp.path:
            out.append(("", f"  critical path: {cp.traces:,} of {p.traces:,} trace(s), "
                            f"p50 {ms_text(cp.duration_ms_p50)}"
                            + (f" ({cp.distinct:,} distinct paths)" if cp.distinct > 1 else "")))
            out.append(("dim", f"    {'self (mean)':>12}  {'slack (mean)':>12}  span"))
            for i, step in enumerate(cp.steps[:RPC_PATH_ROWS]):
                slack = ms_text(step.slack_ms) if step.slack_ms is not None else ""
                out.append(("", f"    {ms_text(step.self_ms):>12}  {slack:>12}  "
                                f"{'  ' * min(i, MAX_INDENT)}{clean(step.node)}"))
            if p.capped:
                out.append(("dim", "    (more distinct critical paths than pruner counts per "
                                   "root: those first seen later are left out)"))
            rest = len(cp.path) - min(len(cp.steps), RPC_PATH_ROWS)
            if rest > 0:
                out.append(("dim", f"    ... {rest} more step(s)"))
        if p.callees:
            top = ", ".join(f"{clean(s)} {n:,.1f}" for s, n in p.callees[:8])
            out.append(("", f"  RPCs per request by callee service: {top}"
                            + (f" and {len(p.callees) - 8} more" if len(p.callees) > 8 else "")))
        if p.groups:
            out.append(("", f"  batching candidates (>= {report.min_calls} calls from one "
                            f"parent span to one operation):"))
            out.append(("dim", f"    {'saved p50':>12}  {'calls':>6}  {'traces':>6}  "
                               f"{'kind':<10}  caller -> callee"))
            for g in p.groups[:RPC_GROUP_ROWS]:
                kind = "sequential" if g.sequential else "parallel"
                out.append(("yellow" if g.sequential else "",
                            f"    {ms_text(g.saved_ms):>12}  {g.calls:>6,}  {g.traces:>6,}  "
                            f"{kind:<10}  {clean(g.caller)} -> {clean(g.callee)}"))
            if len(p.groups) > RPC_GROUP_ROWS:
                out.append(("dim", f"    ... {len(p.groups) - RPC_GROUP_ROWS} more group(s)"))
        else:
            out.append(("dim", f"  no batching candidates (>= {report.min_calls} calls from "
                               "one parent span to one operation)"))
    if report.unseen:
        out.append(("", ""))
        out.append(("yellow", f"flows with a budget but no traces: "
                              f"{name_list(report.unseen)}"))
    if report.warnings:
        out.append(("", ""))
        more = f" (and {report.more_warnings:,} more)" if report.more_warnings else ""
        out.append(("yellow", f"{plural(len(report.warnings), 'warning', 'warnings')}{more}:"))
        for w in report.warnings:
            out.append(("yellow", f"  {clean(w)}"))
    if report.fail_on != "never":
        out.append(("", ""))
        if report.passed:
            out.append(("green", f"Gate: PASS — {rpc_pass_text(report, clean)}"))
        else:
            if report.failing:
                names = name_list([e.name for e in report.failing])
                out.append(("red", f"Gate: FAIL — critical flows over budget: {clean(names)}"))
            if report.failing_untraced:
                out.append(("red", f"Gate: FAIL — {RPC_UNTRACED}: "
                                   f"{clean(name_list(report.failing_untraced))}"))
    return out


@render.register
def _(report: RpcReport, color: bool = False) -> str:
    return _painted(rpc_lines(report), color)


# --- plan (spec §12, issue 20) ---
if TYPE_CHECKING:  # registered by class name: loads no plan module (start-up)
    from pruner.report.plan import PlanReport

PLAN_REASONS = 3  # flows shown per kept service in text and Markdown


def plan_summary(report: PlanReport) -> str:
    """``Plan: remove 61 services, keep 27, save 48,200 of 71,900 (67%) — optimal``."""
    from pruner.report.plan import money

    p = report.plan
    if not p.servable:
        flows = plural(len(p.unservable), "kept flow", "kept flows")
        served = [f for f in p.unservable if f in p.flows and p.flows[f].state != BROKEN]
        if p.targets and len(served) == len(p.unservable):  # each works, misses its target
            target = "its target" if len(served) == 1 else "their targets"
            return (f"No plan: {flows} cannot meet {target} even with nothing removed: "
                    f"{name_list(p.unservable)}")
        return f"No plan: {flows} cannot be served even with nothing removed: " \
               f"{name_list(p.unservable)}"
    share = f"{100 * p.share:.0f}%"
    head = (f"Plan: remove {plural(len(p.remove), 'service', 'services')}, keep "
            f"{len(p.keep)}, save {money(p.savings)} of {money(p.cost_total)} ({share})")
    if p.optimal:
        return head + " — optimal"
    bound = "unknown" if p.bound is None else money(p.bound)
    return head + f" — best found, not proven optimal (savings at most {bound})"


def reason_text(flow: str, chain: tuple[str, ...]) -> str:
    """``2fa-login-sms needs it through twofactor-sms → sms-dispatch``."""
    if not chain:
        return f"{clean(flow)} needs it directly"
    return f"{clean(flow)} needs it through {chain_hops(chain, clean)}"


@render.register
def _(report: PlanReport, color: bool = False) -> str:
    from pruner.report.plan import money, removal_costs, unexplained, why_kept

    p = report.plan
    out = [f"pruner plan {clean(report.source)}: keeping {len(p.keep_flows)} "
           f"flow{'s' if len(p.keep_flows) != 1 else ''} ({clean(report.keep_selector)})"]
    if report.costs_from:
        out.append(f"costs from {clean(report.costs_from)}")
    out.append("")
    if not p.servable:
        for name in p.unservable:
            o = p.flows.get(name)
            extra = ""
            if o is not None and o.availability is not None and o.target is not None:
                extra = f": availability {percent(o.availability)} < target {percent(o.target)}"
            out.append(f"  ! {clean(name)}{extra}")
        out.append("")
        out.append(_paint(plan_summary(report), "red", color))
        return "\n".join(out) + "\n"
    unsupported = set(report.unsupported)
    width = max([12, *(min(40, len(s)) for s in p.remove)])
    shown = [s for s in p.remove if s not in unsupported]
    costs = removal_costs(p)
    for label, names in (("", shown), ("resting on no evidence (--require-evidence keeps them)",
                                       sorted(unsupported & set(p.remove)))):
        if label and names:
            out.append(f"  removals {label}:")
        for s in names:
            amount, share = costs[s]
            shown_cost = f"{amount or 'no cost':>9}{f'  ({share})' if share else ''}"
            idle = "  no traffic in the window" if s in report.idle else ""
            out.append(_paint(f"  - {clean(s):<{width}}  {shown_cost}{idle}", "red", color))
    if p.remove:
        out.append("")
    for s, reasons, note in why_kept(report):
        why = clean(note) if note else "; ".join(reason_text(f, c)
                                                 for f, c in reasons[:PLAN_REASONS])
        if len(reasons) > PLAN_REASONS:
            why += f"; and {plural(len(reasons) - PLAN_REASONS, 'more flow', 'more flows')}"
        cost = p.costs.get(s)
        amount = "" if cost is None else f" ({money(cost)})"
        out.append(_paint(f"  ~ keep {clean(s)}{amount}: {why}", "green", color))
    missing = unexplained(report)
    if missing:
        out.append(f"  ~ {PLAN_UNEXPLAINED} {plural(len(missing), 'kept service', 'kept services')}"
                   f": {name_list(missing)}")
    out.append("")
    out.append("Kept flows:")
    for name, o in sorted(p.flows.items()):
        extra = f"  availability {percent(o.availability)}" if o.availability is not None else ""
        if o.target is not None and o.availability is not None:
            extra += f" (target {percent(o.target)})"
        out.append(f"  {o.state:<9} {clean(name)}{extra}")
        for why in o.why:
            out.append(f"            {clean(why)}")
    if report.given_up:
        out.append("")
        out.append(f"Gives up (critical, not kept, broken by this plan): "
                   f"{name_list(report.given_up)}")
    if p.uncosted:
        out.append("")
        out.append(f"No cost known for {plural(len(p.uncosted), 'service', 'services')} "
                   f"(counted as 0): {name_list(p.uncosted)}")
    if report.unmatched:
        out.append(f"Cost entries matching no service: {name_list(report.unmatched)}")
    contradicted = [(s, w) for s, w in report.contradicted.items() if s not in p.reasons]
    if contradicted:
        out.append("")
        out.append("Not proposed, contradicted by traffic on a kept flow's requests:")
        for s, what in contradicted:
            out.append(f"  {clean(s)}: {clean(what)}")
    unsupported_removed = [s for s in p.remove if s in unsupported]
    if unsupported_removed:
        amount = money(sum(p.costs.get(s, 0.0) for s in unsupported_removed))
        out.append("")
        count = plural(len(unsupported_removed), "service", "services")
        out.append(f"Of the savings, {amount} ({count}) rest on no evidence about who uses "
                   "them: --require-evidence keeps them.")
    if p.steps:
        out.append("")
        out.append("Steps (dependants first; each leaves the kept flows unbroken):")
        for k, (step, command) in enumerate(zip(p.steps, report.step_commands, strict=True),
                                            1):
            out.append(f"  {k}. switch off {name_list(step)}")
            if command is not None:
                out.append(f"     {clean(command)}")
        if report.last_command is not None:
            out.append(f"  {PLAN_LAST_COMMAND}")
            out.append(f"     {clean(report.last_command)}")
    out.append("")
    out.append(_paint(plan_summary(report), "bold", color))
    return "\n".join(out) + "\n"
