"""plan: which services to switch off, what that saves, in what order, proven safe
(spec §12, issue 20)."""

from __future__ import annotations

import fnmatch

import click

from pruner.cli.common import (
    EXIT_GATE,
    EXIT_OK,
    Progress,
    budget_option,
    complete_flows,
    complete_services,
    deadline_after,
    emit_report,
    format_option,
    load_graph,
    output_option,
    path_argument,
    refuse_empty_names,
    select_services,
)
from pruner.errors import InputError, UnknownNameError, did_you_mean, display, neutral

__all__ = ["plan_command", "kept_flows"]

KEEP_HELP = ("flow names, shell-style globs (2fa-*), critical, all, owner:O; a leading ! "
             "leaves flows out (--keep '!2fa-*' keeps every critical flow but those)")


def kept_flows(G, values: tuple[str, ...]) -> tuple[list[str], str]:
    """The flows ``--keep`` selects, and how to say it; default every critical flow.

    Selectors, comma-separated and repeatable: a flow name, a glob, ``critical``,
    ``all``, ``owner:O``; ``!SELECTOR`` leaves flows out. When every selector is a
    ``!``, the others are every critical flow. A selector that selects nothing is an
    input error naming it (with a did-you-mean for a plain name).
    """
    refuse_empty_names(values, "--keep")
    table = G.graph["flows"]
    selectors = [s.strip() for v in values for s in v.split(",")]
    critical = [n for n in table if table[n].critical]
    if not selectors:
        return sorted(critical), "every critical flow"
    chosen: set[str] = set()
    dropped: set[str] = set()
    positive = False
    for sel in selectors:
        negative = sel.startswith("!")
        body = sel[1:].strip() if negative else sel
        if not body:
            raise InputError(f"--keep {display(sel)}: nothing after '!'; give --keep !FLOW")
        if body in table:  # an exact flow name wins over a keyword
            found = {body}
        elif body == "critical":
            found = set(critical)
        elif body == "all":
            found = set(table)
        elif body.startswith("owner:"):
            found = {n for n, f in table.items() if f.owner == body[6:]}
        elif any(c in body for c in "*?["):
            found = set(fnmatch.filter(table, body))
        else:
            raise UnknownNameError(f"--keep: unknown flow {display(body)}"
                                   f"{did_you_mean(body, table)}")
        if not found:
            raise InputError(f"--keep: {display(sel)} selects no flow")
        if negative:
            dropped |= found
        else:
            positive = True
            chosen |= found
    if not positive:
        chosen = set(critical)
    names = sorted(chosen - dropped)
    if not names:
        raise InputError("--keep: no flow is left to keep")
    return names, ", ".join(selectors)


@click.command("plan")
@path_argument
@click.option("--keep", "keep", multiple=True, metavar="FLOW|SELECTOR",
              shell_complete=complete_flows,
              help=f"Flows that must keep working (repeatable): {KEEP_HELP}. Default: every "
                   "critical flow.")
@click.option("--pin", "pins", multiple=True, metavar="SELECTOR",
              shell_complete=complete_services,
              help="Services never removed (repeatable; names, globs, tag:T, owner:O, "
                   "system:S).")
@click.option("--costs", "costs_file", type=click.Path(dir_okay=False), default=None,
              metavar="FILE",
              help="Costs from an OpenCost /allocation/compute JSON response or a "
                   "service,cost CSV; they replace the manifest's costs of the services "
                   "they match (docs/plan.md says how allocations are matched).")
@click.option("--cost-map", "cost_map", type=click.Path(dir_okay=False), default=None,
              metavar="FILE",
              help="KEY,SERVICE lines mapping OpenCost allocations to services (KEY: an "
                   "allocation name, controller:NAME or label:app=VALUE).")
@click.option("--targets", is_flag=True,
              help="Kept flows with a target must still meet it (exact availability, "
                   "spec §9, with the removed services down).")
@click.option("--require-evidence", is_flag=True,
              help="Keep the services whose removal rests on no evidence (nothing is known "
                   "about who uses them: see the evidence key in docs/manifest.md).")
@click.option("--observed", "observed", multiple=True, type=click.Path(), metavar="SOURCE",
              help="Traffic (anything `pruner drift` reads): a service called on the "
                   "requests of a kept flow is not removed; services with no traffic are "
                   "marked (repeatable).")
@budget_option("When it runs out, the search stops with the best plan found and its proven "
               "bound (optimal: false); with no plan found by then, exit 3.")
@format_option("text", "json", "markdown")
@output_option
def plan_command(path: str, keep: tuple[str, ...], pins: tuple[str, ...],
                 costs_file: str | None, cost_map: str | None, targets: bool,
                 require_evidence: bool, observed: tuple[str, ...],
                 time_budget: float | None, fmt: str, output: str | None) -> None:
    """The prune plan: the services to switch off so that the kept flows still work,
    saving the most cost (a 0/1 program solved to proven optimality by HiGHS), re-checked
    by the evaluator, with the switch-off steps and a `pruner check` command for each.

    Exit 0 when a plan is found; 1 when the kept flows cannot be served even with nothing
    removed (with --targets: cannot meet their targets); 2 on bad input; 3 when the time
    budget ends with no plan.
    """
    from pruner.analysis.plan import plan, traffic_evidence
    from pruner.report.plan import plan_report

    _, G = load_graph(path, light=True)  # no networkx algorithm runs: spare its import
    manifest = G.graph["manifest"]
    table = G.graph["flows"]
    flows, selector = kept_flows(G, keep)
    pinned = sorted(select_services(G, pins, "--pin")) if pins else []
    costs = {n: s.cost for n, s in manifest.services.items() if s.cost is not None}
    unmatched: tuple[str, ...] = ()
    if costs_file is not None:
        from pruner.importers.costs import read_cost_map, read_costs

        mapping = read_cost_map(cost_map, manifest.services) if cost_map else None
        found = read_costs(costs_file, manifest.services, mapping)
        costs.update(found.costs)
        unmatched = found.unmatched
        if found.unused_keys:  # a typo there would leave a cost out in silence
            from pruner.render.common import name_list

            why = "" if found.kind == "opencost" else " (a CSV names its services itself)"
            click.echo(f"pruner: warning: --cost-map {neutral(cost_map)}: "
                       f"{len(found.unused_keys)} key(s) matched no allocation of "
                       f"{neutral(costs_file)}{why}: "
                       f"{name_list(map(display, found.unused_keys), limit=10)}", err=True)
    elif cost_map is not None:
        raise InputError("--cost-map needs --costs FILE")
    from pruner.analysis.evidence import unknown

    protected: dict[str, str] = {}
    if require_evidence:  # removals resting on no evidence are not proposed
        for name in unknown(manifest, manifest.services):
            protected[name] = "no evidence about who uses it (--require-evidence)"
    contradicted: dict[str, str] = {}
    idle: tuple[str, ...] = ()
    if observed:
        from pruner.importers.observe import observe

        contradicted, idle = traffic_evidence(G, flows, observe(observed))
        protected.update(contradicted)
    with Progress("plan"):
        result = plan(G, flows, costs=costs, pins=pinned, protected=protected,
                      targets=targets, deadline=deadline_after(),
                      explain=fmt != "json")
    unsupported = () if require_evidence else unknown(manifest, result.remove)
    critical = tuple(sorted(n for n in table if table[n].critical))
    report = plan_report(result, source=path, critical=critical, keep_selector=selector,
                         costs_from=costs_file, unmatched=unmatched, unsupported=unsupported,
                         require_evidence=require_evidence, contradicted=contradicted,
                         idle=idle, observed=", ".join(observed) or None)
    emit_report(report, fmt, output)
    raise SystemExit(EXIT_OK if report.passed else EXIT_GATE)
