"""Markdown for a pull-request comment or a GitHub job summary.

A verdict line first, a table of the flows that matter, collapsible details with
the explanations, and a Mermaid sketch of each broken path. Everything that comes
from a manifest is escaped for where it lands: table cells (``|``), inline Markdown
(backticks, brackets, emphasis), HTML (``<>&``), Mermaid labels, and control
characters (newlines, ANSI escapes) made visible, so no name or note can break the
layout or inject markup.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

from pruner.analysis.evaluate import BROKEN, DEGRADED
from pruner.analysis.explain import OFF, Line
from pruner.render.common import (
    PLAN_LAST_COMMAND,
    PLAN_UNEXPLAINED,
    Dispatch,
    chain_hops,
    clean,
    flow_summary,
    line_text,
    operation_summary,
    service_summary,
    unstick_word,
)
from pruner.report import CheckReport, ValidateReport
from pruner.report.figures import percent

if TYPE_CHECKING:  # registered by name: check --format markdown loads no diff, drift,
    # availability, bootstrap or plan machinery (10 ms of its start-up)
    from pruner.report.availability import AvailabilityReport
    from pruner.report.bootstrap import BootstrapReport
    from pruner.report.diff import DiffReport
    from pruner.report.drift import DriftReport
    from pruner.report.plan import PlanReport

__all__ = ["render", "md_text", "code_span", "code_block", "mermaid_label", "mermaid_path"]

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
# What makes a line a heading, a list item or a setext underline when it starts one (a
# list item of free text: "- # x" is a heading): the marker is escaped wherever the text is.
_BLOCK_START = re.compile(r"\A([ \t]*)(?:([#+=-])|(\d{1,9})([.)])(?=\s|\Z))")
_BACKTICKS = re.compile(r"`+")
_MERMAID_SAFE = re.compile(r"[^A-Za-z0-9 ._:/@,\-]")
MAX_ROWS = 200  # a table longer than this is cut with a count: a PR comment stays readable
MAX_MERMAID_NODES = 40


def md_text(text: object) -> str:
    r"""Free text made inert for inline Markdown and table cells.

    ``@`` gets a zero-width space after it so that no text can mention (ping) anyone.

    >>> md_text("a|b `c` <d> [e](f)\n\x1b[31m")
    'a\\|b \\`c\\` &lt;d&gt; \\[e\\](f)\\\\n\\\\x1b\\[31m'
    >>> md_text("# x"), md_text("  1. x"), md_text("1.5 ms")
    ('\\# x', '  1\\. x', '1.5 ms')
    """
    s = html.escape(clean(text), quote=False)
    s = _MD_SPECIAL.sub(r"\\\1", s)
    s = _BLOCK_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[2] else f"{m[1]}{m[3]}\\{m[4]}", s)
    return s.replace("@", "@\u200b")


def code_span(text: object, cell: bool = True) -> str:
    """Text as an inline code span that survives a table cell; ``cell=False`` for one
    anywhere else, where the ``\\|`` a table cell needs would show its backslash.

    >>> code_span("sms-gateway")
    '`sms-gateway`'
    >>> code_span("a`b|c"), code_span("a|b", cell=False)
    ('`` a`b\\\\|c ``', '`a|b`')
    """
    s = clean(text)
    if cell:
        s = s.replace("|", "\\|")
    if "`" not in s:  # most names: a plain fence (a plan's page holds 45,000 spans)
        return f"`{s}`"
    longest = max((len(m.group()) for m in _BACKTICKS.finditer(s)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if longest else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def code_block(text: str, lang: str = "text") -> str:
    """A fenced block whose fence is longer than any run of backticks inside."""
    longest = max((len(m.group()) for m in _BACKTICKS.finditer(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{text}\n{fence}"


def _html(text: object) -> str:
    return html.escape(clean(text), quote=True)


def mermaid_label(text: object) -> str:
    """A Mermaid node label, quoted, every unusual character as an entity code.

    >>> mermaid_label('a"b<c>')
    '"a#34;b#60;c#62;"'
    """
    return '"' + _MERMAID_SAFE.sub(lambda m: f"#{ord(m.group())};", clean(text)) + '"'


def mermaid_path(flow: str, lines: tuple[Line, ...], off_word: str) -> str:
    """A ``flowchart`` sketch of an explanation: the flow, each requirement followed,
    groups as hexagons, switched-off (removed) services in red."""
    out = ["flowchart LR", f"  f0([{mermaid_label('flow ' + flow)}])"]
    ids: dict[str, str] = {}
    off: set[str] = set()
    group_at: dict[int, str] = {}
    edges: set[tuple[str, str]] = set()
    state = {"groups": 0, "cut": False}

    def node(name: str) -> str | None:
        if name not in ids:
            if len(ids) >= MAX_MERMAID_NODES:
                state["cut"] = True
                return None
            ids[name] = f"n{len(ids)}"
            out.append(f"  {ids[name]}[{mermaid_label(name)}]")
        return ids[name]

    def edge(a: str, b: str, soft: bool = False) -> None:
        if (a, b) not in edges:
            edges.add((a, b))
            out.append(f"  {a} -.-> {b}" if soft else f"  {a} --> {b}")

    for line in lines:
        prev = "f0" if line.depth == 0 else group_at.get(line.depth - 1, "f0")
        if line.subject is not None:
            target = node(line.subject)
            if target is None:
                break
            edge(prev, target)
            if line.end == OFF:
                off.add(target)
            prev = target
        for hop in line.hops:
            item = hop.status.item
            if hop.target is None:
                state["groups"] += 1
                gid = f"g{state['groups']}"
                out.append(f"  {gid}{{{{{mermaid_label(item.describe())}}}}}")
                edge(prev, gid, item.soft)
                group_at[line.depth] = gid
                prev = gid
                continue
            target = node(hop.target)
            if target is None:
                break
            edge(prev, target, item.soft)
            if hop.end == OFF:
                off.add(target)
            prev = target
        if state["cut"]:
            out.append(f"  more[{mermaid_label('...')}]")
            break
    if off:
        out.append("  classDef off fill:#fdd,stroke:#c00,color:#900")
        out.append(f"  class {','.join(sorted(off, key=lambda n: int(n[1:])))} off")
        out.append(f"  %% red: {off_word}")
    return "\n".join(out)


def _explanation_text(lines: tuple[Line, ...], off_word: str) -> str:
    return "\n".join("  " * min(line.depth, 8) + line_text(line, off_word) for line in lines)


def _details(summary: str, body: list[str]) -> list[str]:
    return [f"<details><summary>{summary}</summary>", "", *body, "", "</details>", ""]


render = Dispatch("Markdown")
render.__doc__ = """Render ``report`` as GitHub-flavoured Markdown."""


_STATE_ICON = {BROKEN: "❌ broken", DEGRADED: "⚠️ degraded", "ok": "✅ ok"}


@render.register
def _(report: CheckReport) -> str:
    failing = report.gate.failing
    if failing:
        n = len(failing)
        word = "broken" if report.gate.fail_on == "broken" else "broken or degraded"
        head = f"### ❌ pruner: {n} critical flow{'s' if n != 1 else ''} {word}"
    else:
        head = "### ✅ pruner: no critical flow broken"
    out = [head, ""]
    off = ", ".join(code_span(n) for n in report.off[:50]) or "nothing"
    if len(report.off) > 50:
        off += f" and {len(report.off) - 50} more"
    out.append(f"{md_text(report.off_word.capitalize())}: {off}  ")
    operations = (f" · Operations: {md_text(operation_summary(report))}"
                  if report.operations else "")
    out.append(f"Flows: {md_text(flow_summary(report))} · Services: "
               f"{md_text(service_summary(report))}{operations}")
    out.append("")
    troubled = [f for f in report.flows if f.state != "ok"]
    if troubled:
        out += ["| Flow | State | Critical | Owner |", "| --- | --- | --- | --- |"]
        for f in troubled[:MAX_ROWS]:
            owner = code_span(f.flow.owner) if f.flow.owner else ""
            out.append(f"| {code_span(f.name)} | {_STATE_ICON[f.state]} | "
                       f"{'yes' if f.flow.critical else 'no'} | {owner} |")
        if len(troubled) > MAX_ROWS:
            out.append(f"| … {len(troubled) - MAX_ROWS} more | | | |")
        out.append("")
        for f in troubled[:MAX_ROWS]:
            body = [code_block(_explanation_text(f.explanation, report.off_word))]
            if f.state == BROKEN:
                body += ["", code_block(mermaid_path(f.name, f.explanation, report.off_word),
                                        "mermaid")]
            why = "breaks" if f.state == BROKEN else "is degraded"
            out += _details(f"Why {_html(f.name)} {why}", body)
    return "\n".join(out).rstrip("\n") + "\n"


@render.register
def _(report: ValidateReport) -> str:
    n = len(report.warnings)
    out = [f"### ✅ pruner: {code_span(report.source, cell=False)} is valid", "",
           f"{plural(report.services, 'service', 'services')}, {_operations(report)}"
           f"{plural(report.flows, 'flow', 'flows')}, {plural(report.items, 'item', 'items')}, "
           f"{plural(n, 'warning', 'warnings')}", ""]
    for w in report.warnings:
        out.append(f"- {code_span(str(w.location), cell=False)}: {md_text(w.message)}")
    return "\n".join(out).rstrip("\n") + "\n"


def _operations(report: ValidateReport) -> str:
    return f"{plural(report.operations, 'operation', 'operations')}, " if report.operations else ""


_KIND_ICON = {"broken": "❌ broken", "masked": "❌ masked break (old model)",
              "spof": "❌ new single point of failure",
              "degraded": "⚠️ degraded", "deleted": "⚠️ deleted", "demoted": "⚠️ not critical",
              "added": "➕ added", "improved": "✅ improved", "edited": "✏️ edited"}


@render.register
def _(report: DiffReport) -> str:
    from pruner.render import diff_words as words

    icon = "✅" if report.gate.passed else "❌"
    out = [f"### {icon} pruner: {md_text(words.verdict(report))}", ""]
    out.append(f"{code_span(report.old_source, cell=False)} → "
               f"{code_span(report.new_source, cell=False)} · "
               f"{md_text(words.counts_text(report))} · gate: `--fail-on {report.gate.fail_on}`")
    out.append("")
    d = report.diff
    if report.flows:
        out += ["| Flow | Change | Critical | Before | After | What happens |",
                "| --- | --- | --- | --- | --- | --- |"]
        for fd in report.flows[:MAX_ROWS]:
            c = fd.change
            icon = _KIND_ICON[fd.kind]
            if fd.kind == "masked" and c.accepted:
                icon = "☑️ masked break, accepted"
            out.append(f"| {code_span(fd.name)} | {icon} | "
                       f"{'yes' if c.critical else 'no'} | {c.old_state or '—'} | "
                       f"{c.new_state or '—'} | {md_text(words.change_sentence(fd))} |")
        if len(report.flows) > MAX_ROWS:
            out.append(f"| … {len(report.flows) - MAX_ROWS} more | | | | | |")
        out.append("")
    else:
        out += ["No flow changes state.", ""]
    hint = words.accept_hint(report)
    if hint:
        out += [md_text(hint), ""]
    for fd in report.flows[:MAX_ROWS]:
        if not fd.explanation:
            continue
        body = [md_text(words.change_sentence(fd)) + ":", "",
                code_block(_explanation_text(fd.explanation, report.off_word))]
        masked = fd.kind == "masked"
        broken = masked or fd.change.new_state == BROKEN
        if masked:
            body[1:1] = ["", "In the old model, with the removed services switched off:"]
        if broken:
            body += ["", code_block(mermaid_path(fd.name, fd.explanation, report.off_word),
                                    "mermaid")]
        why = "breaks in the old model" if masked else "breaks" if broken else "is degraded"
        out += _details(f"Why {_html(fd.name)} {why}", body)
    renamed_old = {o for o, _ in d.renamed}
    renamed_new = {n for _, n in d.renamed}
    services = []
    for s in d.removed:
        if s.name not in renamed_old:
            tail = " — still referenced (dangling)" if s.name in d.dangling else ""
            services.append(f"- removed {code_span(s.name)}{tail}")
    services += [f"- added {code_span(s.name)}" for s in d.added if s.name not in renamed_new]
    services += [f"- renamed {code_span(o)} → {code_span(n)}" for o, n in d.renamed]
    if services:
        out += _details(f"Services added, removed or renamed ({len(services)})",
                        services[:MAX_ROWS])
    changes = [f"- {md_text(words.item_change_text(c))} ("
               + ("old version: " if c.change == "removed" else "")
               + f"{code_span(str(c.location), cell=False)})" for c in d.items]
    changes += [f"- {md_text(words.owner_change_text(c))}" for c in d.owners]
    if changes:
        out += _details(f"Dependency and owner changes ({len(changes)})", changes[:MAX_ROWS])
    out += availability_diff_markdown(report.availability)
    failing = set(report.gate.failing)

    def mark(subject: str, reason: str) -> str:
        return "❌" if (subject, reason) in failing else "⚠️"

    news = [f"- {mark(flow, 'extra-nine')} new 'extra nine' warning: {md_text(message)}"
            for flow, message in report.extra_nines]
    news += [f"- {mark(', '.join(cycle), 'startup-cycle')} new start-up cycle: "
             f"{_names(cycle, 30)} can never start after a full outage (`pruner bootstrap`)"
             for cycle in report.startup_cycles]
    news += [f"- {mark(flow, 'unbootstrappable')} critical flow {code_span(flow)} can no "
             "longer be brought back after a full outage (`pruner bootstrap`)"
             for flow in report.unbootstrappable]
    if news:
        out += ["", *news]
    return "\n".join(out).rstrip("\n") + "\n"


# --- drift (issue 6) ---
from pruner.render.common import (  # noqa: E402  (kept in this block on purpose)
    DRIFT_GATE_RULE,
    calls_text,
    declared_size,
    drift_verdict,
    observed_size,
    plural,
    undeclared_notes,
)


def _names(names, limit: int = 5) -> str:
    """Names as code spans, cut after ``limit`` with a count of the rest."""
    names = list(names)
    shown = ", ".join(code_span(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _cut(rows: list[str], total: int, columns: int) -> list[str]:
    """Table rows cut after :data:`MAX_ROWS`, with a count of the rest."""
    if total <= MAX_ROWS:
        return rows
    return rows[:MAX_ROWS] + [f"| … {total - MAX_ROWS} more |" + " |" * (columns - 1)]


def _traffic_table(heading: str, rows) -> list[str]:
    """A heading and a table of services with who calls them, how often, and what they call;
    ``rows`` are ``(service, callers, calls received, callees)``."""
    lines = [f"| {code_span(name)} | {_names(callers) or '—'} | {calls_text(calls) or '—'} | "
             f"{_names(callees) or '—'} |" for name, callers, calls, callees in rows]
    return [f"#### {heading}", "", "| Service | Called by | Calls received | Calls to |",
            "| --- | --- | --- | --- |", *_cut(lines, len(lines), 4), ""]


@render.register
def _(report: DriftReport) -> str:
    d, obs, gate = report.drift, report.observation, report.gate
    failing = set(gate.failing)
    out = [f"### {'✅' if gate.passed else '❌'} pruner drift: {md_text(drift_verdict(report))}",
           ""]
    sources = ", ".join(code_span(s, cell=False) for s in obs.sources[:10]) or "—"
    if len(obs.sources) > 10:
        sources += f" and {len(obs.sources) - 10} more"
    out.append(f"Declared {code_span(report.source, cell=False)} "
               f"({declared_size(report)}, "
               f"{plural(d.declared_edges, 'dependency', 'dependencies')}, "
               f"{plural(report.declared_flows, 'flow', 'flows')}) · observed "
               f"{md_text(obs.kind)} {sources} "
               f"({observed_size(report)}, "
               f"{plural(d.observed_edges, 'dependency', 'dependencies')}) · gate: "
               f"`--fail-on {gate.fail_on}` (fails on {DRIFT_GATE_RULE[gate.fail_on]})  ")
    out.append(f"Observed dependencies that the manifest declares: {d.matched} of "
               f"{d.observed_edges} · undeclared: {len(d.undeclared)} "
               f"({len(d.undeclared_critical)} under a critical flow) · stale: {len(d.stale)} · "
               f"observed but not declared: {len(d.observed_not_declared)} · reached by no "
               f"flow yet active: {len(d.uncovered_traffic)}")
    out.append("")

    if d.undeclared:
        out += [f"#### Undeclared dependencies ({len(d.undeclared)}): observed calls the "
                "manifest lacks", "",
                "| Gate | Caller | Callee | Calls | Under critical flow | Note | Evidence |",
                "| --- | --- | --- | --- | --- | --- | --- |"]
        rows = []
        for u in d.undeclared:
            edge = f"{u.source} -> {u.target}"
            state = "❌ fails" if edge in failing else "⚠️ warns"
            notes = undeclared_notes(u, report.declared_flows)
            rows.append(f"| {state} | {code_span(u.source)} | {code_span(u.target)} | "
                        f"{u.calls if u.calls is not None else '—'} | "
                        f"{_names(u.critical_flows) or 'no'} | {md_text('; '.join(notes))} | "
                        f"{md_text(u.evidence or '')} |")
        out += _cut(rows, len(d.undeclared), 7) + [""]
    else:
        out += ["No undeclared dependency: the manifest declares every observed call.", ""]

    if d.undeclared_flows:
        out += [f"#### Undeclared flows ({len(d.undeclared_flows)}): entry points with "
                "traffic that no declared flow requires", "",
                "| Gate | Entry point | Traces |", "| --- | --- | --- |"]
        rows = []
        for u in d.undeclared_flows:
            state = "❌ fails" if f"undeclared flow {u.entry}" in failing else "⚠️ warns"
            rows.append(f"| {state} | {code_span(u.entry)} | {u.traces} |")
        out += _cut(rows, len(d.undeclared_flows), 3) + [""]

    if d.observed_not_declared:
        callers: dict[str, list[str]] = {}
        callees: dict[str, list[str]] = {}
        calls: dict[str, int] = {}
        for u in d.undeclared:  # every edge of an undeclared service is undeclared
            callers.setdefault(u.target, []).append(u.source)
            callees.setdefault(u.source, []).append(u.target)
            if u.calls is not None:
                calls[u.target] = calls.get(u.target, 0) + u.calls
        out += _traffic_table(
            f"Observed but not declared ({len(d.observed_not_declared)}): services the "
            "manifest does not know",
            [(n, callers.get(n, ()), calls.get(n), callees.get(n, ()))
             for n in d.observed_not_declared])

    if d.uncovered_traffic:
        out += _traffic_table(
            f"Reached by no flow, yet active ({len(d.uncovered_traffic)}): do not "
            "prune them before a flow explains the traffic",
            [(t.name, t.callers, t.calls_in, t.callees) for t in d.uncovered_traffic])

    if d.stale:
        rows = []
        for s in d.stale:
            kind = ", ".join(k for k in ("soft" if s.soft else "hard",
                                         "fallback group" if s.group else "") if k)
            rows.append(f"| {code_span(s.source)} | {code_span(s.target)} | {kind} | "
                        f"{code_span(str(s.location))} | {md_text(s.note or '')} |")
        out += _details(f"Stale declarations ({len(d.stale)}): declared, never observed",
                        ["| Caller | Callee | Kind | Declared at | Note |",
                         "| --- | --- | --- | --- | --- |", *_cut(rows, len(d.stale), 5)])

    if d.not_observed:
        rows = [f"| {code_span(s.source)} | {code_span(s.target)} | {md_text(s.why)} | "
                f"{code_span(str(s.location))} | {md_text(s.evidence)} |" for s in d.not_observed]
        out += _details(f"Not observed ({len(d.not_observed)}): declared by a deployment file "
                        "or catalogue, never seen; not stale",
                        ["| Caller | Callee | Why it may be legitimate | Declared at | Evidence |",
                         "| --- | --- | --- | --- | --- |",
                         *_cut(rows, len(d.not_observed), 5)])

    if d.unjudged:
        unjudged = [f"_Not judged: {plural(d.unjudged, 'declaration', 'declarations')} whose "
                    "caller or callee does not appear in the observation (it may not be traced "
                    "or sampled): neither confirmed nor stale._"]
    else:
        unjudged = ["_Every declaration was judged: both of its services appear in the "
                    "observation._"]
    if not report.declared_flows:
        unjudged.append("_The manifest declares no flows: no service is under a critical flow, "
                        "and every service is reached by no flow. Declare flows to make drift "
                        "a gate._")
    out += ["  \n".join(unjudged), ""]
    if obs.notes:
        out += _details(f"Notes on the observation ({len(obs.notes)})",
                        [f"- {md_text(n)}" for n in obs.notes[:MAX_ROWS]])
    return "\n".join(out).rstrip("\n") + "\n"


# --- availability (issue 12) ---
AVAILABILITY_ROWS = 10
_BAR_WIDTH = 20


def share_bar(share: float | None, width: int = _BAR_WIDTH) -> str:
    """A bar of block characters for a share from 0 to 1 (renders anywhere, no image).

    >>> share_bar(0.5, 10), share_bar(None, 4)
    ('█████░░░░░', '░░░░')
    """
    filled = 0 if share is None else round(max(0.0, min(1.0, share)) * width)
    return "█" * filled + "░" * (width - filled)


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.4g}"


def availability_markdown(report: AvailabilityReport, level: int = 2) -> list[str]:
    """The availability section: one table of flows, then each flow's top
    contributors to downtime (Fussell-Vesely share as a bar) and importance factors."""
    h = "#" * level
    out = [f"{h} Availability", "",
           "| flow | availability | downtime / 30 days | target | verdict | harden first |",
           "|---|---|---|---|---|---|"]
    for f in report.flows[:MAX_ROWS]:
        target = "–" if f.target is None else percent(f.target)
        verdict = {None: "no target", True: "✅ met", False: "❌ missed"}[f.meets_target]
        if f.meets_target is False and not f.critical:
            verdict += " (not critical)"
        first = code_span(f.importance[0].service) if f.importance else "–"
        out.append(f"| {code_span(f.flow)} | {percent(f.availability)} | "
                   f"{f.downtime_minutes:.4g} min | {target} | {verdict} | {first} |")
    out.extend(_cut([], len(report.flows), 6))
    out.append("")
    for f in report.flows[:MAX_ROWS]:
        rows = f.importance[:AVAILABILITY_ROWS]
        if not rows:
            continue
        body = ["| service | availability | share of downtime (DIF) | MIF | RAW | RRW |",
                "|---|---|---|---|---|---|"]
        for i in rows:
            share = "–" if i.dif is None else f"`{share_bar(i.dif)}` {100 * i.dif:.3g}%"
            body.append(f"| {code_span(i.service)} | {percent(i.availability)} | {share} | "
                        f"{_fmt(i.mif)} | {_fmt(i.raw)} | {_fmt(i.rrw)} |")
        more = len(f.importance) - len(rows)
        if more > 0:
            body.append(f"| … and {more} more | | | | | |")
        out.extend(_details(f"{_html(f.flow)}: what to harden first", body))
    return out


@render.register
def _(report: AvailabilityReport) -> str:
    missed = report.missed
    if missed:
        head = (f"❌ **{len(missed)} critical flow(s) below target**: "
                + ", ".join(code_span(f.flow) for f in missed))
    else:
        head = "✅ **Every critical flow meets its availability target**"
    return "\n".join([head, "", *availability_markdown(report)]).rstrip("\n") + "\n"


def availability_diff_markdown(changes) -> list[str]:
    """``pruner diff``: a table of the flows whose availability or target changed."""
    moved = [c for c in changes if c.old != c.new or c.old_target != c.new_target]
    if not moved:
        return []

    def pct(value):
        return "—" if value is None else percent(value)

    out = ["", "#### Availability", "", "| Flow | Before | After | Target | |",
           "| --- | --- | --- | --- | --- |"]
    for c in moved[:MAX_ROWS]:
        flag = "❌ below target" if c.dropped_below_target else ""
        out.append(f"| {code_span(c.flow)} | {pct(c.old)} | {pct(c.new)} | "
                   f"{pct(c.new_target)} | {flag} |")
    if len(moved) > MAX_ROWS:
        out.append(f"| … {len(moved) - MAX_ROWS} more | | | | |")
    return out


# --- bootstrap (issue 13) ------------------------------------------------------


@render.register
def _(report: BootstrapReport) -> str:
    from pruner.report.bootstrap import WAVE_LIMIT

    b = report.result
    title = "Partial restart" if b.from_off else "Cold start"
    out = [f"## {title}: {md_text(report.source)}", ""]
    if b.from_off:
        out += [f"Went down: {_names(b.from_off, 30)}; everything else still runs.", ""]
    verdict = ("**PASS**: every critical flow can be served again" if report.passed else
               f"**FAIL**: critical flows never served again: {_names(b.critical_never, 30)}")
    out += [verdict, "", "| wave | services |", "| ---: | --- |"]
    for n, wave in enumerate(b.waves[:WAVE_LIMIT]):
        out.append(f"| {n} | {_names(wave, 30)} |")
    if len(b.waves) > WAVE_LIMIT:
        out.append(f"| ... | {len(b.waves) - WAVE_LIMIT} more waves |")
    if b.stuck:
        out.append(f"| never | {_names(b.stuck, 30)} |")
    out.append("")
    for k, c in enumerate(b.cycles, 1):
        out.append(f"- **Start-up cycle {k}**: {' → '.join(code_span(n) for n in c.chain)}")
        if c.unstick:
            word = unstick_word(c)
            fixes = "; ".join(f"{code_span(s)} → {code_span(i)}" for s, i in c.unstick)
            out.append(f"  - unstick with `startup: false` on ({word}): {fixes}")
    waiting = [(n, s) for n, s in b.explanations.items() if s.cycle is None][:50]
    for name, s in waiting:
        what = "started, never serves" if s.started else "never starts"
        tail = f" (start-up cycle {s.root + 1})" if s.root is not None else ""
        out.append(f"- {code_span(name)} {what}: waits on {code_span(s.waits_on)} via "
                   f"{code_span(s.item)}{tail}")
    if b.cycles or waiting:
        out.append("")
    timed = b.times is not None
    head = "| flow | critical | ready after wave |" + (" first works (s) |" if timed else "")
    out += [head, "| --- | --- | ---: |" + (" ---: |" if timed else "")]
    for name in sorted(b.ready, key=lambda f: (b.ready[f] is None, b.ready[f] or 0, f)):
        wave = b.ready[name]
        shown = "never" if wave is None else "still works" if wave < 0 else str(wave)
        row = f"| {code_span(name)} | {'yes' if report.critical[name] else 'no'} | {shown} |"
        if timed:
            sec = b.ready_seconds[name]
            row += f" {'-' if sec is None else f'{sec:g}'} |"
        out.append(row)
    return "\n".join(out) + "\n"


# --- plan (spec §12, issue 20) ---


@render.register
def _(report: PlanReport) -> str:
    from pruner.render.text import PLAN_REASONS, plan_summary
    from pruner.report.plan import money, removal_costs, unexplained, why_kept

    p = report.plan
    icon = "✅" if p.servable else "❌"
    out = [f"{icon} **{md_text(plan_summary(report))}**", "",
           f"Kept flows: {len(p.keep_flows)} ({md_text(report.keep_selector)}) · manifest "
           f"{code_span(report.source, cell=False)}"
           + (f" · costs from {code_span(report.costs_from, cell=False)}"
              if report.costs_from else ""), ""]
    if not p.servable:
        out += ["| flow | state | availability | target |", "|---|---|---|---|"]
        for name in p.unservable:
            o = p.flows.get(name)
            avail = "–" if o is None or o.availability is None else f"{o.availability:.6g}"
            target = "–" if o is None or o.target is None else f"{o.target:.6g}"
            state = "–" if o is None else o.state
            out.append(f"| {code_span(name)} | {state} | {avail} | {target} |")
        return "\n".join(out) + "\n"
    step_of = {s: k for k, step in enumerate(p.steps, 1) for s in step}
    unsupported = set(report.unsupported)
    if p.remove:
        out += ["## Remove", "", "| service | cost | share of total | step | evidence |",
                "|---|---|---|---|---|"]
        rows = []
        costs = removal_costs(p)
        for s in p.remove:
            amount, share = costs[s]
            notes = []
            if s in unsupported:
                notes.append("no evidence")
            if s in report.idle:
                notes.append("no traffic")
            rows.append(f"| {code_span(s)} | {amount or '–'} | {share or '–'} | {step_of[s]} | "
                        f"{', '.join(notes) or '–'} |")
        out += _cut(rows, len(rows), 5)
        out.append("")
    kept = []
    for s, reasons, note in why_kept(report):
        why = md_text(note) if note else "; ".join(
            f"{code_span(f)} needs it" + (f" through {chain_hops(ch, code_span)}"
                                          if ch else " directly")
            for f, ch in reasons[:PLAN_REASONS])
        if len(reasons) > PLAN_REASONS:
            why += f"; and {plural(len(reasons) - PLAN_REASONS, 'more flow', 'more flows')}"
        cost = p.costs.get(s)
        kept.append(f"| {code_span(s)} | {'–' if cost is None else money(cost)} | {why} |")
    missing = unexplained(report)
    if kept or missing:
        note = ([f"{PLAN_UNEXPLAINED.capitalize()} "
                 f"{plural(len(missing), 'kept service', 'kept services')}: "
                 f"{_names(missing, 20)}", ""] if missing else [])
        out += _details(f"Kept: why {plural(len(kept), 'service stays', 'services stay')}",
                        [*note, "| service | cost | why it stays |", "|---|---|---|",
                         *_cut(kept, len(kept), 3)])
    out += ["## Kept flows", "", "| flow | state | availability | why |", "|---|---|---|---|"]
    for name, o in sorted(p.flows.items()):
        avail = "–" if o.availability is None else f"{o.availability:.6g}"
        if o.target is not None and o.availability is not None:
            avail += f" (target {o.target:.6g})"
        out.append(f"| {code_span(name)} | {_STATE_ICON.get(o.state, o.state)} | {avail} | "
                   f"{md_text('; '.join(o.why)) or '–'} |")
    out.append("")
    if report.given_up:
        out += [f"Gives up (critical, not kept, broken by this plan): "
                f"{', '.join(code_span(f) for f in report.given_up)}", ""]
    if p.uncosted:
        out += [f"No cost known for {plural(len(p.uncosted), 'service', 'services')} "
                "(counted as 0): "
                f"{', '.join(code_span(s) for s in p.uncosted[:MAX_ROWS])}", ""]
    if report.unmatched:
        out += [f"Cost entries matching no service: "
                f"{', '.join(code_span(s, cell=False) for s in report.unmatched[:MAX_ROWS])}", ""]
    contradicted = [(s, w) for s, w in report.contradicted.items() if s not in p.reasons]
    if contradicted:
        out += ["Not proposed, contradicted by traffic on a kept flow's requests:", ""]
        out += [f"- {code_span(s)}: {md_text(w)}" for s, w in contradicted]
        out.append("")
    unsupported_removed = [s for s in p.remove if s in unsupported]
    if unsupported_removed:
        amount = money(sum(p.costs.get(s, 0.0) for s in unsupported_removed))
        marked = plural(len(unsupported_removed), "service", "services")
        out += [f"Of the savings, {amount} ({marked} marked *no "
                "evidence*) rest on nothing known about who uses them: `--require-evidence` "
                "keeps them.", ""]
    if p.steps:
        out += ["## Steps", "", "Dependants first; each step leaves the kept flows unbroken.", ""]
        for k, (step, command) in enumerate(zip(p.steps, report.step_commands, strict=True),
                                            1):
            out.append(f"{k}. switch off {', '.join(code_span(s) for s in step)}")
            out.append("")
            if command is not None:
                out.extend("   " + line for line in code_block(clean(command), "sh").splitlines())
                out.append("")
        if report.last_command is not None:
            last = code_block(clean(report.last_command), "sh").splitlines()
            out += [PLAN_LAST_COMMAND, "", *last, ""]
    return "\n".join(out).rstrip("\n") + "\n"


# --- rpc (issue 22) ---
from pruner.render.common import (  # noqa: E402
    RPC_UNTRACED,
    ms_text,
    rpc_budget_text,
    rpc_pass_text,
)

if TYPE_CHECKING:  # registered by name: check --format markdown imports no rpc report
    from pruner.report.rpc import RpcReport

RPC_GROUP_ROWS = 20  # batching candidates per flow in a PR comment


@render.register
def _(report: RpcReport) -> str:
    failing, untraced = report.failing, report.failing_untraced
    gate = report.fail_on != "never"
    mark = ("✅ " if report.passed else "❌ ") if gate else ""
    reasons = ([f"{len(failing)} critical flow(s) over budget"] if failing else []) + (
        [f"{len(untraced)} critical flow(s) with a budget but no traces"] if untraced else [])
    verdict = ("; ".join(reasons) if reasons
               else f"{report.traces:,} trace(s), {len(report.entries)} "
                    f"{'flow(s)' if report.manifest else 'root operation(s)'}")
    out = [f"### {mark}pruner rpc: {md_text(verdict)}", ""]
    out.append(f"Read {report.spans:,} span(s) of {report.traces:,} trace(s) from "
               f"{plural(report.files, 'file', 'files')}"
               + (f" · flows from {code_span(report.manifest, cell=False)}"
                  if report.manifest else "")
               + f" · batching candidates: at least {report.min_calls} calls from one parent "
                 "span to one operation" + (f" · gate: `--fail-on {report.fail_on}`" if gate
                                             else ""))
    out.append("")
    out += ["| flow | traces | RPCs p50 | RPCs p99 | RPCs max | depth | latency p99 | "
            "critical path p50 | budget |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for e in report.entries[:MAX_ROWS]:
        p = e.profile
        budget = md_text(rpc_budget_text(e)) or "—"
        if e.fails:
            budget = f"❌ {budget}"
        name = code_span(e.name) + (" (critical)" if e.flow and e.critical else "")
        out.append(f"| {name} | {p.traces:,} | {p.rpcs.p50:,} | {p.rpcs.p99:,} | "
                   f"{p.rpcs.max:,} | {p.depth} | {ms_text(p.latency_ms.p99)} | "
                   f"{ms_text(p.critical_path.duration_ms_p50)} | {budget} |")
    out.append("")
    for e in report.entries[:MAX_ROWS]:
        p = e.profile
        if not p.groups and not p.critical_path.path:
            continue
        out.append(f"#### {code_span(e.name, cell=False)}")
        out.append("")
        if p.critical_path.path:
            chain = " → ".join(code_span(n, cell=False) for n in p.critical_path.path[:12])
            more = (f" → … {len(p.critical_path.path) - 12} more"
                    if len(p.critical_path.path) > 12 else "")
            out.append(f"Critical path ({p.critical_path.traces:,} of {p.traces:,} trace(s), "
                       f"p50 {ms_text(p.critical_path.duration_ms_p50)}): {chain}{more}")
            out.append("")
        if p.groups:
            out += ["| saved p50 | calls | traces | kind | caller | callee |",
                    "| ---: | ---: | ---: | --- | --- | --- |"]
            for g in p.groups[:RPC_GROUP_ROWS]:
                out.append(f"| {ms_text(g.saved_ms)} | {g.calls:,} | {g.traces:,} | "
                           f"{'sequential' if g.sequential else 'parallel'} | "
                           f"{code_span(g.caller)} | {code_span(g.callee)} |")
            if len(p.groups) > RPC_GROUP_ROWS:
                out.append(f"| … {len(p.groups) - RPC_GROUP_ROWS} more | | | | | |")
            out.append("")
    if report.unseen:
        out.append(f"Flows with a budget but no traces: {_names(report.unseen, 20)}")
        out.append("")
    if untraced:
        out.append(f"❌ Gate: {RPC_UNTRACED}: {_names(untraced, 20)}")
        out.append("")
    elif gate and report.passed and report.untraced:
        out.append(f"✅ Gate: {rpc_pass_text(report, md_text)}")
        out.append("")
    if report.warnings:
        out.append(f"<details><summary>{len(report.warnings)} warning(s)</summary>")
        out.append("")
        out += [f"- {md_text(w)}" for w in report.warnings]
        out += ["", "</details>", ""]
    return "\n".join(out)
