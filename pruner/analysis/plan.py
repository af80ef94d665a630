"""The prune plan (spec §12): which services to switch off so that the kept flows still
work, saving the most cost, in which order, and why each kept service stays.

The 0/1 program
---------------
One variable ``y[v]`` per node (service or operation) of the kept flows' hard support:
``y[v] = 1`` says *v is serving*. A set ``S`` of serving nodes is consistent when every
node in ``S`` has, for each of its hard items, at least ``K`` members in ``S`` (soft items
never matter; an operation's implicit item on its service makes it go with its service),
and every kept flow has, for each hard ``requires`` item, at least ``K`` members in ``S``.
By Knaster–Tarski the nodes that are not DOWN after switching off REMOVE (spec §4: DOWN
is a least fixpoint, so NOT-DOWN is the greatest consistent set outside REMOVE) contain
every consistent ``S`` outside REMOVE; so a REMOVE leaves the kept flows unbroken exactly
when a consistent ``S`` avoids it, and the plan is ``REMOVE = {services with y = 0}``
(pinned services, protected services and common causes excepted: they are never
removed). Each item becomes one row ``sum(y[m] for m in members) - K*y[owner] >= 0``
(``>= K`` for a flow). Services outside the hard support are removed without a variable.

Before the solver sees it, the program is reduced: a node that every consistent set
must contain (a flow needs it through items that need *all* their members) is fixed to
1, and the items it appears in lose it and one unit of ``K`` — repeated to a fixpoint.
What is left is the real choice: the fallbacks and quorums.

Objective, lexicographic, by successive solves (each stage keeps the previous optimum
as a constraint): (1) maximise the removed cost; (2) among those, remove as many
services as possible; (3) the documented tie-break: among those, keep the services that
come *first* by name — minimise the sum of the kept services' name ranks (rank 1 for
the first name among the services the plan can choose: every service of the manifest
but pinned, protected and common causes), so of two interchangeable services the
later-named one is removed; (4) among sets with the same rank sum, keep the first name
where they differ (:func:`_first_names`). Two different sets differ at a first name, so
the four define one plan, whatever the solver or the reduction (a must-keep service has
its rank in every plan alike, fixed by the reduction or not).

Solver: HiGHS (Huangfu & Hall, "Parallelizing the dual revised simplex method",
Math. Prog. Comp. 10, 2018; the MIP solver of highspy), measured against OR-Tools
CP-SAT in ``benchmarks/plan_bench.py``. Optimality is proven with a zero gap; with a
time budget the best plan found is returned with HiGHS's dual bound (``optimal`` false).
A greedy plan (drop services most costly first while no kept flow breaks) is the
answer when the solver finds nothing better in time; it is not handed to HiGHS as a
starting solution (see :meth:`_Highs.solve`).

Targets (``targets=True``): after each optimal plan, every kept flow with a target is
evaluated exactly (:func:`pruner.analysis.availability.flow_availability` with REMOVE
down). A flow's availability only falls as more is removed (spec §4 monotonicity), so a
plan that misses a target forbids every plan that serves a subset of what it serves: the
cut ``sum(y[s] for s removed in that flow's support) >= 1`` is added and the program
solved again (a combinatorial Benders / no-good loop), until every target is met.

Nothing is trusted: the final REMOVE is re-checked by the evaluator
(:func:`pruner.analysis.evaluate.switch_off`) before it is returned.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import field
from types import MappingProxyType
from typing import TYPE_CHECKING

from pruner.analysis.evaluate import BROKEN, OK, flow_items, switch_off
from pruner.analysis.hard import tarjan
from pruner.errors import BudgetExhausted, InputError, PrunerError
from pruner.frozen import record
from pruner.model import split_operation

if TYPE_CHECKING:  # annotations only
    import networkx as nx

__all__ = ["Plan", "FlowOutcome", "Program", "plan", "build_program", "plan_steps",
           "PlanCheckFailed", "DEFAULT_TIME_BUDGET"]

DEFAULT_TIME_BUDGET = 60.0  # seconds for the whole search, when none is given
_TOL = 1e-9


class PlanCheckFailed(PrunerError):
    """The solver's plan failed the evaluator's re-check: a bug, never printed as a plan."""


@record(slots=False)
class FlowOutcome:
    """A kept flow after the plan: ``ok`` or ``degraded`` (with the troubled items),
    and its availability when targets were checked."""

    state: str
    why: tuple[str, ...] = ()
    availability: float | None = None
    target: float | None = None


@record(slots=False)
class Plan:
    """The plan (spec §12), with its proof.

    ``servable`` is False when the kept flows cannot be served even with nothing removed
    (with ``targets``: cannot meet their targets); then ``remove`` is empty and
    ``unservable`` names the flows. ``reasons`` maps each kept service of the support to
    ``(flow, chain)`` pairs: switching it off too would break ``flow`` through ``chain``
    (the nodes from the flow's item down to just above the service). ``protected`` maps a
    service that stays for another reason (``--pin``, evidence, traffic) to that reason.
    ``unexplained`` names the kept services whose reason was not worked out: the work cap
    or the deadline of the explanation came first (a hard chain as deep as the manifest
    costs a probe per service up the whole chain).
    """

    keep_flows: tuple[str, ...]
    remove: tuple[str, ...]
    keep: tuple[str, ...]
    savings: float
    cost_total: float
    optimal: bool
    bound: float | None
    steps: tuple[tuple[str, ...], ...]
    flows: Mapping[str, FlowOutcome]
    costs: Mapping[str, float]
    uncosted: tuple[str, ...] = ()
    reasons: Mapping[str, tuple[tuple[str, tuple[str, ...]], ...]] = field(
        default_factory=lambda: MappingProxyType({}))
    protected: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    unexplained: tuple[str, ...] = ()
    servable: bool = True
    unservable: tuple[str, ...] = ()
    others: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    targets: bool = False
    solver: str = "highs"
    stats: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def share(self) -> float:
        """Savings as a share of the total cost (0 when nothing costs anything)."""
        return self.savings / self.cost_total if self.cost_total > 0 else 0.0


@record(slots=False)
class Program:
    """The reduced 0/1 program: variables are ``names`` (free nodes of the support);
    ``rows`` are ``(owner, need, members)``: ``sum(y[m]) - need*y[owner] >= 0``, or
    ``sum(y[m]) >= need`` when ``owner`` is -1. ``cost[i]`` and ``count[i]`` (1 for a
    removable service) weigh ``y[i]`` in the stages; ``rank`` is the name rank among the
    services the plan can choose (0 for a node that is not one)."""

    names: tuple[str, ...]
    rows: tuple[tuple[int, int, tuple[int, ...]], ...]
    cost: tuple[float, ...]
    count: tuple[int, ...]
    rank: tuple[int, ...]
    forced: frozenset[str]
    support: frozenset[str]


def _hard_items(G, name: str):
    return [i for i in G.nodes[name]["service"].depends_on if not i.soft]


def build_program(G: nx.DiGraph, keep_flows: Iterable[str], costs: Mapping[str, float],
                  fixed_kept: Iterable[str] = (), never_removed: Iterable[str] = (),
                  reduce_first: bool = True) -> Program:
    """The reduced program of :mod:`this module <pruner.analysis.plan>` for ``keep_flows``.

    ``fixed_kept``: nodes fixed serving (common causes). ``never_removed``: services that
    are not removed whatever their variable says (their cost and count weigh nothing).
    ``reduce_first=False`` skips the reduction (to measure solvers on the whole program).

    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> G = dependency_graph(load_sources([("m.yaml", '''
    ... services:
    ...   web: {depends_on: [{any_of: [a, b]}]}
    ...   a: {}
    ...   b: {}
    ... flows: {f: {requires: [web]}}''')]).manifest)
    >>> p = build_program(G, ["f"], {"a": 1.0, "b": 2.0})
    >>> p.names, p.rows, sorted(p.forced)
    (('a', 'b'), ((-1, 1, (0, 1)),), ['web'])
    """
    flows = G.graph["flows"]
    nodes = G.nodes
    # The hard support, iteratively (no recursion on depth).
    support: dict[str, None] = {}
    todo = [m for f in keep_flows for i in flows[f].requires if not i.soft for m in i.members]
    todo += list(fixed_kept)
    while todo:
        v = todo.pop()
        if v in support:
            continue
        support[v] = None
        for item in nodes[v]["service"].depends_on:
            if not item.soft:
                todo.extend(m for m in item.members if m not in support)
    # Forced nodes: reached through items that need every (remaining) member.
    forced: set[str] = set()
    owners: list[tuple[str | None, list]] = [(None, list(flows[f].requires)) for f in keep_flows]
    queue = [name for name in fixed_kept if name in support]
    for name in queue:
        forced.add(name)
    rows_src: list[tuple[str | None, int, tuple[str, ...]]] = []

    def reduce(item):
        free = tuple(m for m in item.members if m not in forced)
        return item.need - (len(item.members) - len(free)), free

    pending = [(None, i) for _, items in owners for i in items if not i.soft]
    while reduce_first:
        grew = False
        while pending:
            _, item = pending.pop()
            need, free = reduce(item)
            if 0 < need and need >= len(free):
                for m in free:
                    if m not in forced:
                        forced.add(m)
                        grew = True
                        pending.extend((m, i) for i in _hard_items(G, m))
        if not grew:
            break
        # Items of forced owners may have become all-needed after other members were forced.
        pending = [(o, i) for o in sorted(forced) for i in _hard_items(G, o)]
        pending += [(None, i) for _, items in owners for i in items if not i.soft]
    for _, items in owners:
        for item in items:
            if item.soft:
                continue
            need, free = reduce(item)
            if need > 0:
                rows_src.append((None, need, free))
    free_nodes = sorted(v for v in support if v not in forced)
    for v in free_nodes:
        for item in _hard_items(G, v):
            need, free = reduce(item)
            if need > 0:
                rows_src.append((v, need, free))
    for v in sorted(forced):
        for item in _hard_items(G, v):
            need, free = reduce(item)
            if need > 0:
                rows_src.append((v, need, free))
    index = {v: i for i, v in enumerate(free_nodes)}
    rows = []
    seen = set()
    for owner, need, free in rows_src:
        row = (-1 if owner is None or owner in forced else index[owner], need,
               tuple(sorted(index[m] for m in free)))
        if row not in seen:
            seen.add(row)
            rows.append(row)
    rows.sort()
    never = set(never_removed)
    cost = []
    count = []
    for v in free_nodes:
        removable = nodes[v]["service"].operation_of is None and v not in never
        cost.append(float(costs.get(v, 0.0)) if removable else 0.0)
        count.append(1 if removable else 0)
    # Name ranks among the services the plan can choose (docs/plan.md), not among the
    # program's nodes: operations and services never removed would push later names down.
    services = G.graph["manifest"].services
    choosable = sorted(s for s in services if s not in never and not services[s].common_cause)
    place = {s: i for i, s in enumerate(choosable, 1)}
    rank = tuple(place[v] if count[i] else 0 for i, v in enumerate(free_nodes))
    return Program(tuple(free_nodes), tuple(rows), tuple(cost), tuple(count), rank,
                   frozenset(forced), frozenset(support))


class _Highs:
    """The program in HiGHS: minimise a weighted sum of ``y`` under the rows (and cuts)."""

    def __init__(self, program: Program):
        import highspy
        import numpy as np

        self.np = np
        self.program = program
        try:  # the plain solver object: highspy.Highs() prints a banner to stdout
            from highspy._core import _Highs as bare
        except ImportError:  # pragma: no cover - another highspy layout
            bare = highspy.Highs
        h = bare()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        h.setOptionValue("random_seed", 0)
        # HiGHS 1.16's presolve reduced a stage with the previous optimum as a row to an
        # empty program whose answer broke that row ('solve error'), and the plan skipped
        # the stage. The program is already reduced (build_program): without presolve the
        # 20,000-service benchmark's stage 1 takes 0.012 s instead of 0.003 s.
        h.setOptionValue("presolve", "off")
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("mip_abs_gap", 1e-9)
        # A cost is any finite number: by default HiGHS takes a cost of 1e20 or more as
        # infinite and refuses (does not add) a stage row with a coefficient of 1e15 or more
        h.setOptionValue("infinite_cost", highspy.kHighsInf)
        h.setOptionValue("large_matrix_value", highspy.kHighsInf)
        self.h = h
        self.inf = highspy.kHighsInf
        self.fixed: set[int] = set()
        n = len(program.names)
        lp = highspy.HighsLp()
        lp.num_col_ = n
        lp.col_cost_ = np.asarray(program.cost, dtype=np.float64)
        lp.col_lower_ = np.zeros(n)
        lp.col_upper_ = np.ones(n)
        starts, index, value, lower = [0], [], [], []
        for owner, need, members in program.rows:
            coef: dict[int, float] = {}
            for m in members:
                coef[m] = coef.get(m, 0.0) + 1.0
            if owner >= 0:
                coef[owner] = coef.get(owner, 0.0) - need
            for k in sorted(coef):
                index.append(k)
                value.append(coef[k])
            starts.append(len(index))
            lower.append(0.0 if owner >= 0 else float(need))
        lp.num_row_ = len(program.rows)
        lp.row_lower_ = np.asarray(lower, dtype=np.float64)
        lp.row_upper_ = np.full(len(lower), self.inf)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = np.asarray(starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.asarray(index, dtype=np.int32)
        lp.a_matrix_.value_ = np.asarray(value, dtype=np.float64)
        lp.a_matrix_.num_col_ = n
        lp.a_matrix_.num_row_ = len(program.rows)
        lp.integrality_ = [highspy.HighsVarType.kInteger] * n
        h.passModel(lp)
        self.highspy = highspy

    def add_row(self, lower: float, upper: float, weights: dict[int, float]) -> None:
        np = self.np
        idx = sorted(weights)
        self.h.addRow(lower, upper, len(idx), np.asarray(idx, dtype=np.int32),
                      np.asarray([weights[i] for i in idx], dtype=np.float64))

    def rows(self) -> int:
        return self.h.getNumRow()

    def drop_rows_from(self, first: int) -> None:
        """Delete the rows added since :meth:`rows` returned ``first``."""
        np = self.np
        last = self.h.getNumRow()
        if last > first:
            self.h.deleteRows(last - first, np.arange(first, last, dtype=np.int32))

    def fix(self, col: int, value: int) -> None:
        """Fix ``y[col]`` to ``value`` until :meth:`unfix`."""
        self.h.changeColBounds(col, float(value), float(value))
        self.fixed.add(col)

    def unfix(self) -> None:
        """Give every column fixed by :meth:`fix` its bounds [0, 1] back."""
        np = self.np
        if self.fixed:
            cols = np.asarray(sorted(self.fixed), dtype=np.int32)
            self.h.changeColsBounds(len(cols), cols, np.zeros(len(cols)), np.ones(len(cols)))
            self.fixed.clear()

    def solve(self, weights, deadline: float | None):
        """Minimise ``weights . y``; return ``(y or None, proven optimal, dual bound)``.

        No starting solution is given to HiGHS: HiGHS 1.16, handed one (``setSolution``),
        can take its value in the presolved space (the fixed columns' cost dropped) for the
        optimum and stop at once saying optimal. The greedy plan is compared afterwards."""
        np = self.np
        h = self.h
        n = len(self.program.names)
        h.changeColsCost(n, np.arange(n, dtype=np.int32), np.asarray(weights, dtype=np.float64))
        if deadline is not None:
            h.setOptionValue("time_limit", max(0.01, deadline - time.monotonic()))
        h.run()
        status = h.getModelStatus()
        M = self.highspy.HighsModelStatus
        if status == M.kInfeasible:
            return None, True, math.inf
        info = h.getInfo()
        values = h.getSolution().col_value
        has = info.primal_solution_status >= 2 and len(values) == n
        y = [1 if v > 0.5 else 0 for v in values] if has else None
        bound = info.mip_dual_bound
        return y, status == M.kOptimal, bound


def _greedy(program: Program, order: list[int]) -> list[int]:
    """A consistent assignment: start from all serving, drop the variables in ``order``
    one by one while the rows still hold (incremental counters, no recursion)."""
    n = len(program.names)
    y = [1] * n
    # rows by member and by owner; slack per row = sum(y[m]) - need*y[owner]
    by_member: list[list[int]] = [[] for _ in range(n)]
    by_owner: list[list[int]] = [[] for _ in range(n)]
    slack = []
    for r, (owner, need, members) in enumerate(program.rows):
        for m in members:
            by_member[m].append(r)
        if owner >= 0:
            by_owner[owner].append(r)
        slack.append(len(members) - need)
    for v in order:
        if not y[v]:
            continue
        # Dropping v may force owners that need it to drop too (their rows relax as
        # they go): propagate, undo when a flow row (owner -1) would fail.
        stack = [v]
        dropped = []
        changed: list[int] = []
        ok = True
        y[v] = 0
        dropped.append(v)
        while stack and ok:
            u = stack.pop()
            for r in by_owner[u]:  # u no longer serving: its rows relax
                slack[r] += program.rows[r][1]
                changed.append(-r - 1)
            for r in by_member[u]:
                slack[r] -= 1
                changed.append(r)
                if slack[r] < 0:
                    owner = program.rows[r][0]
                    if owner < 0:
                        ok = False
                        break
                    if y[owner]:
                        y[owner] = 0
                        dropped.append(owner)
                        stack.append(owner)
        if not ok:
            for r in changed:
                if r >= 0:
                    slack[r] += 1
                else:
                    slack[-r - 1] -= program.rows[-r - 1][1]
            for u in dropped:
                y[u] = 1
        # A dropped owner whose costs nothing is fine: the stages decide what is kept.
    return y


def _consistent(program: Program, y: list[int]) -> bool:
    for owner, need, members in program.rows:
        have = sum(y[m] for m in members)
        if have < need * (y[owner] if owner >= 0 else 1):
            return False
    return True


def plan(
    G: nx.DiGraph,
    keep_flows: Iterable[str],
    *,
    costs: Mapping[str, float] | None = None,
    pins: Iterable[str] = (),
    protected: Mapping[str, str] | None = None,
    targets: bool = False,
    deadline: float | None = None,
    explain: bool = True,
) -> Plan:
    """The optimal plan (spec §12) for ``keep_flows``.

    Parameters
    ----------
    G
        The dependency graph.
    keep_flows
        Names of the flows that must stay unbroken.
    costs
        Service -> cost; default each service's ``cost`` (none: 0, listed as uncosted).
    pins
        Services never removed.
    protected
        Services never removed, with the reason (evidence, traffic).
    targets
        Kept flows with a ``target`` must still meet it.
    deadline
        ``time.monotonic()`` value when the search stops with its best plan and bound.
    explain
        Compute, for every kept service, the flows that force it to stay.

    Examples
    --------
    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> G = dependency_graph(load_sources([("m.yaml", '''
    ... services:
    ...   web: {cost: 5, depends_on: [{any_of: [sms-a, sms-b]}, {service: ads, soft: true}]}
    ...   sms-a: {cost: 30}
    ...   sms-b: {cost: 20}
    ...   ads: {cost: 10}
    ... flows:
    ...   login: {requires: [web]}
    ... ''')]).manifest)
    >>> p = plan(G, ["login"])
    >>> p.remove, p.keep, p.savings, p.cost_total, p.optimal, p.steps
    (('ads', 'sms-a'), ('sms-b', 'web'), 40.0, 65.0, True, (('ads', 'sms-a'),))
    >>> p.flows["login"].state, p.reasons["sms-b"]
    ('degraded', (('login', ('web',)),))
    """
    started = time.monotonic()
    manifest = G.graph["manifest"]
    table = G.graph["flows"]
    keep_flows = tuple(sorted(set(keep_flows)))
    services = [n for n in manifest.services]
    common = {n for n in services if manifest.services[n].common_cause}
    if costs is None:
        costs = {n: s.cost for n, s in manifest.services.items() if s.cost is not None}
    costs = {n: float(c) for n, c in costs.items() if n in manifest.services and n not in common}
    uncosted = tuple(n for n in services if n not in costs and n not in common)
    try:
        cost_total = math.fsum(costs[n] for n in sorted(costs))
    except OverflowError:  # each cost finite, their sum not
        raise InputError("cost: the services' costs add up to more than a number holds "
                         "(1.8e308)") from None
    keepers: dict[str, str] = {}
    for name in sorted(set(pins)):
        keepers[name] = "pinned"
    for name, why in sorted((protected or {}).items()):
        keepers.setdefault(name, why)
    never = set(keepers) | common

    # Can the kept flows be served at all (with targets: meet them) with nothing removed?
    base = switch_off(G, ())
    unservable = [f for f in keep_flows if base.flows[f] == BROKEN]
    availability_of = None
    if targets and not unservable:
        availability_of = _availability(G, keep_flows, (), deadline)
        unservable = [f for f in keep_flows
                      if table[f].target is not None and availability_of[f] < table[f].target]
    if unservable:
        outcomes = _outcomes(G, base, keep_flows, availability_of)
        return Plan(keep_flows, (), tuple(services), 0.0, cost_total, True, None, (),
                    MappingProxyType(outcomes), MappingProxyType(costs), uncosted,
                    servable=False, unservable=tuple(unservable), targets=targets)

    program = build_program(G, keep_flows, costs, fixed_kept=sorted(common),
                            never_removed=never)
    built = time.monotonic()
    outside = [s for s in services if s not in program.support and s not in never]
    solver = _Highs(program) if program.names else None
    n = len(program.names)
    order = sorted((i for i in range(n) if program.count[i]),
                   key=lambda i: (-program.cost[i], -program.rank[i]))
    greedy = _greedy(program, order)
    cuts = 0
    optimal = True
    bound_kept: float | None = None
    y = greedy
    while True:
        y, optimal, bound_kept = _stages(solver, program, greedy, deadline) if solver \
            else ([], True, 0.0)
        if not targets:
            break
        remove = _remove_set(program, y, outside, never)
        avail = _availability(G, keep_flows, remove, deadline)
        missed = [f for f in keep_flows
                  if table[f].target is not None and avail[f] < table[f].target]
        if not missed:
            availability_of = avail
            break
        if solver is None:
            raise PrunerError("internal: targets missed with nothing to choose")
        index = {v: i for i, v in enumerate(program.names)}
        for f in missed:
            support = _flow_support(G, f)
            cut = {index[s]: 1.0 for s in remove if s in support and s in index}
            if not cut:  # nothing chosen in its support: the target cannot be met
                raise PrunerError(f"internal: flow {f} misses its target with nothing "
                                  "removed from its support")
            solver.add_row(1.0, solver.inf, cut)
            cuts += 1
        greedy = [1] * n  # the greedy plan may now violate a cut; all-serving never does
        if deadline is not None and time.monotonic() > deadline:
            raise BudgetExhausted("plan: the time budget ran out before a plan meeting "
                                  f"the targets was found ({cuts} cuts added)")
    remove = _remove_set(program, y, outside, never)
    removed_cost = math.fsum(costs.get(s, 0.0) for s in remove)
    bound = None
    if not optimal:
        kept_free = bound_kept if bound_kept is not None and math.isfinite(bound_kept) else 0.0
        free_cost = math.fsum(program.cost)
        outside_cost = math.fsum(costs.get(s, 0.0) for s in outside)
        bound = max(removed_cost, outside_cost + free_cost - kept_free)
    # The proof: the evaluator, not the solver, says the kept flows still work.
    ev = switch_off(G, remove)
    broken = [f for f in keep_flows if ev.flows[f] == BROKEN]
    if broken:
        raise PlanCheckFailed(f"internal: the solver's plan breaks {', '.join(broken)}; "
                              "no plan printed")
    if targets:
        for f in keep_flows:
            t = table[f].target
            if t is not None and availability_of[f] < t:
                raise PlanCheckFailed(f"internal: the plan misses the target of {f}")
    flows_out = _outcomes(G, ev, keep_flows, availability_of)
    remove_set = set(remove)
    keep = tuple(s for s in services if s not in remove_set)
    reasons, unexplained = (_reasons(G, keep_flows, remove_set, keep, deadline) if explain
                            else ({}, ()))
    kept_set = set(keep_flows)
    others = {f: state for f, state in ev.flows.items() if f not in kept_set}
    solved = time.monotonic()
    return Plan(
        keep_flows=keep_flows,
        remove=tuple(remove),
        keep=keep,
        savings=removed_cost,
        cost_total=cost_total,
        optimal=optimal,
        bound=bound,
        steps=plan_steps(G, remove),
        flows=MappingProxyType(flows_out),
        costs=MappingProxyType(dict(sorted(costs.items()))),
        uncosted=uncosted,
        reasons=MappingProxyType(reasons),
        unexplained=unexplained,
        protected=MappingProxyType(dict(sorted(keepers.items()))),
        others=MappingProxyType(dict(sorted(others.items()))),
        targets=targets,
        stats=MappingProxyType({"variables": n, "rows": len(program.rows), "cuts": cuts,
                                "build_seconds": built - started,
                                "seconds": solved - started}),
    )


def _outcomes(G, ev, keep_flows, availability_of) -> dict[str, FlowOutcome]:
    """Each kept flow's state after the plan, with what troubles it: per troubled item,
    the members down and, for a degraded member, the chain to the service that is down."""
    table = G.graph["flows"]
    off = set(ev.off)  # a tuple: the plan of 20,000 services asked it 0.1 s of questions
    out = {}
    for f in keep_flows:
        why = []
        if ev.flows[f] != OK:
            for status in flow_items(G, ev, f):
                if not status.troubled:
                    continue
                parts = [f"{m} {'switched off' if m in off else 'down'}"
                         for m in status.down]
                for m in status.degraded:
                    chain = [m]
                    while chain[-1] in ev.via and len(chain) < 64:
                        chain.append(ev.via[chain[-1]])
                    end = "switched off" if chain[-1] in off else "down"
                    parts.append(f"{m} degraded via {' → '.join(chain[1:])} ({end})")
                why.append("; ".join(parts))
        availability = availability_of.get(f) if availability_of else None
        out[f] = FlowOutcome(ev.flows[f], tuple(why), availability, table[f].target)
    return out


def _remove_set(program: Program, y, outside, never) -> list[str]:
    """Services outside the support, and the removable services the solution drops."""
    chosen = [program.names[i] for i, v in enumerate(y) if not v and program.count[i]]
    return sorted([*outside, *chosen])


def _stages(solver: _Highs, program: Program, start: list[int], deadline):
    """The four lexicographic stages; returns ``(y, optimal, bound on kept cost)``."""
    n = len(program.names)
    first = solver.rows()
    try:
        return _lexicographic(solver, program, start, deadline, n)
    finally:
        solver.drop_rows_from(first)  # the stage rows and fixings hold for this round only
        solver.unfix()


def _kept_cost(program: Program, y) -> float:
    return math.fsum(program.cost[i] for i, v in enumerate(y) if v)


def _lexicographic(solver: _Highs, program: Program, start: list[int], deadline, n: int):
    y, optimal, bound = solver.solve(program.cost, deadline)
    if y is None or not _consistent(program, y):
        if y is None and optimal:  # infeasible: cannot happen (all-serving is feasible)
            raise PrunerError("internal: the plan program is infeasible")
        return start, False, bound
    if not optimal:
        better = y if _kept_cost(program, y) <= _kept_cost(program, start) else start
        return better, False, bound
    best = math.fsum(program.cost[i] for i in range(n) if y[i])
    tol = _TOL * max(1.0, abs(best))
    solver.add_row(-solver.inf, best + tol, {i: c for i, c in enumerate(program.cost) if c})
    y2, opt2, _ = solver.solve([float(c) for c in program.count], deadline)
    # A later stage must not give back savings: its row holds only to a tolerance.
    # A stage the budget cut short leaves the savings proven (``best`` bounds them) but
    # not the tie-breaks, so the plan is not called optimal: it depends on the clock.
    kept_y = sum(program.count[i] for i in range(n) if y[i])
    if y2 is None or not _consistent(program, y2) or _kept_cost(program, y2) > best \
            or sum(program.count[i] for i in range(n) if y2[i]) > kept_y:
        return y, opt2, best
    if not opt2:
        return y2, False, best
    kept = sum(program.count[i] for i in range(n) if y2[i])
    solver.add_row(-solver.inf, kept + 0.5,
                   {i: 1.0 for i, c in enumerate(program.count) if c})
    weights = [float(program.rank[i]) if program.count[i] else 0.0 for i in range(n)]
    y3, opt3, _ = solver.solve(weights, deadline)
    if y3 is None or not _consistent(program, y3) or _kept_cost(program, y3) > best \
            or sum(program.count[i] for i in range(n) if y3[i]) > kept:
        return y2, opt3, best
    if not opt3:
        return y3, False, best
    y4, opt4 = _first_names(solver, program, y3, best, kept, deadline, n)
    return y4, opt4, best


_WINDOW = 16  # services decided by one solve of the fourth stage (weights up to 2**16 * n)


def _first_names(solver: _Highs, program: Program, y: list[int], best: float, kept: int,
                 deadline, n: int) -> tuple[list[int], bool]:
    """The fourth criterion: among the plans that tie with ``y`` on the first three, the
    one that keeps the first name where two of them differ (docs/plan.md).

    A walk through the services in name order. Those the current plan keeps before the
    first one it removes are fixed kept (the plan proves it possible). Then one solve
    decides the next ``_WINDOW`` services: each weighs more than all those after it
    together (``(R + 1) * 2**(W - j)``, exact integers), and each later service that the
    current plan removes weighs 1 (there are ``R``), so the answer is the first-name
    best on the window and, after that, keeps as many of the current plan's later
    removals as it can. If it keeps the window as the current plan does and none of
    those removals, no tied plan differs from the current one after the window either:
    it is the plan (the usual case: one solve). Otherwise the window is fixed as the
    answer has it, which becomes the current plan. Returns ``(y, proven)``; a solve the
    budget cut short leaves ``y`` unproven."""
    order = sorted((i for i in range(n) if program.count[i]), key=lambda i: program.rank[i])
    rank_sum = sum(program.rank[i] for i in order if y[i])
    solver.add_row(-solver.inf, rank_sum + 0.5, {i: float(program.rank[i]) for i in order})
    fixed: dict[int, int] = {}
    pos = 0
    while True:
        while pos < len(order) and y[order[pos]]:
            fixed[order[pos]] = 1
            solver.fix(order[pos], 1)
            pos += 1
        if pos == len(order):
            return y, True
        window = order[pos:pos + _WINDOW]
        rest = [i for i in order[pos + _WINDOW:] if not y[i]]
        weights = [0.0] * n
        top = float(len(rest) + 1)
        for j, i in enumerate(window):
            weights[i] = -top * 2.0 ** (len(window) - 1 - j)
        for i in rest:
            weights[i] = -1.0
        y2, opt, _ = solver.solve(weights, deadline)
        if y2 is None or not opt or not _consistent(program, y2) \
                or _kept_cost(program, y2) > best \
                or sum(program.count[i] for i in range(n) if y2[i]) > kept \
                or sum(program.rank[i] for i in order if y2[i]) > rank_sum \
                or any(y2[i] != v for i, v in fixed.items()):
            return y, False
        if all(y2[i] == y[i] for i in window) and not any(y2[i] for i in rest):
            return y, True  # no tied plan beats it on the window or differs after it
        for i in window:
            fixed[i] = y2[i]
            solver.fix(i, y2[i])
        y = y2
        pos += len(window)


def _availability(G, flows, remove, deadline) -> dict[str, float]:
    from pruner.analysis.availability import OutOfTime, flow_availability

    table = G.graph["flows"]
    wanted = [f for f in flows if table[f].target is not None]
    if not wanted:
        return {f: None for f in flows}
    try:
        result = flow_availability(G, wanted, importance=False, down=remove, deadline=deadline)
    except OutOfTime:
        raise BudgetExhausted("plan: the time budget ran out while computing availability "
                              "for --targets") from None
    return {f: (result[f].availability if f in result else None) for f in flows}


def _flow_support(G, flow: str) -> set[str]:
    table = G.graph["flows"]
    seen: set[str] = set()
    todo = [m for i in table[flow].requires if not i.soft for m in i.members]
    while todo:
        v = todo.pop()
        if v in seen:
            continue
        seen.add(v)
        for item in G.nodes[v]["service"].depends_on:
            if not item.soft:
                todo.extend(m for m in item.members if m not in seen)
    return seen


def _reasons(G, keep_flows, remove: set[str], keep, deadline, work_factor: int = 50
             ) -> tuple[dict[str, tuple[tuple[str, tuple[str, ...]], ...]], tuple[str, ...]]:
    """For each kept service of the support, the kept flows that switching it off too
    would break, each with the chain of nodes through which it would break; and the
    services not probed.

    Incremental counter propagation from the plan's DOWN set; each probe is undone.
    Total work is capped (``work_factor`` times the edges); services left when the cap
    or the deadline is reached get no reason, and are named as not probed."""
    from pruner.analysis.hard import hard_model, item_arrays

    model = hard_model(G, keep_flows)
    n = model.n
    fails, owner_of, parents = item_arrays(model)
    count = [0] * len(fails)
    down = bytearray(len(model.items))
    index = model.index()
    # operations of a removed service are off with it
    start = [index[s] for s in sorted(remove) if s in index]
    stack = list(start)
    for s in start:
        down[s] = 1
    while stack:
        for it in parents[stack.pop()]:
            count[it] += 1
            owner = owner_of[it]
            if not down[owner] and count[it] >= fails[it] and owner < n:
                down[owner] = 1
                stack.append(owner)
    budget = work_factor * (sum(len(p) for p in parents) + n + 1)
    out: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {}
    unprobed: list[str] = []
    for name in keep:
        s = index.get(name)
        if s is None or down[s]:
            continue
        if unprobed or budget <= 0 or (deadline is not None and time.monotonic() > deadline):
            unprobed.append(name)
            continue
        touched_items: list[int] = []
        touched = [s]
        via: dict[int, int] = {}
        down[s] = 1
        stack = [s]
        broke: list[tuple[int, int]] = []
        while stack:
            u = stack.pop()
            for it in parents[u]:
                budget -= 1
                count[it] += 1
                touched_items.append(it)
                owner = owner_of[it]
                if not down[owner] and count[it] >= fails[it]:
                    down[owner] = 1
                    touched.append(owner)
                    if owner >= n:
                        broke.append((owner, u))
                    else:
                        via[owner] = u
                        stack.append(owner)
        for it in touched_items:
            count[it] -= 1
        for v in touched:
            down[v] = 0
        found = []
        for owner, u in sorted(broke):
            chain = []
            while u != s:
                chain.append(model.names[u])
                u = via[u]
            found.append((model.names[owner], tuple(chain)))
        if found:
            out[name] = tuple(sorted(found))
    return out, tuple(unprobed)


def plan_steps(G: nx.DiGraph, remove: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    """The switch-off order of spec §12: dependants before what they depend on (any item,
    soft included; an operation's items count as its service's), a dependency cycle in
    one step. Step of a component = the longest chain of removed dependants above it.

    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> G = dependency_graph(load_sources([("m.yaml", '''
    ... services:
    ...   a: {depends_on: [{service: b, soft: true}]}
    ...   b: {depends_on: [c]}
    ...   c: {depends_on: [b]}
    ...   d: {}
    ... ''')]).manifest)
    >>> plan_steps(G, ["a", "b", "c", "d"])
    (('a', 'd'), ('b', 'c'))
    """
    remove = sorted(set(remove))
    index = {s: i for i, s in enumerate(remove)}
    nodes = G._node
    succ_of = G._succ  # every item, soft included; an operation's own too
    plain = not G.graph["manifest"].operations  # no operation: a member is its service
    succ: list[list[int]] = []  # in no particular order: the levels do not depend on it
    for s in remove:
        if plain:  # the keys of a dict: each dependency once
            succ.append([index[m] for m in succ_of[s] if m in index and m != s])
            continue
        deps: set[int] = set()
        svc = nodes[s]["service"]
        for owner in (s, *(op.name for op in svc.operations)):
            for m in succ_of[owner]:
                target = nodes[m]["service"].operation_of or m
                if target != s and target in index:
                    deps.add(index[target])
        succ.append(list(deps))
    level, left = _levels(succ)
    if left:  # dependency cycles and what is under them: a cycle's members share a step
        components = tarjan(succ, left)  # dependencies first
        comp_of = {}
        for c, members in enumerate(components):
            for v in members:
                comp_of[v] = c
        level_of = [max(level[v] for v in members) for members in components]
        for c in range(len(components) - 1, -1, -1):  # dependants first
            up = level_of[c] + 1
            for v in components[c]:
                for w in succ[v]:
                    d = comp_of[w]
                    if d != c and level_of[d] < up:
                        level_of[d] = up
        for c, members in enumerate(components):
            for v in members:
                level[v] = level_of[c]
    steps: dict[int, list[str]] = {}
    for v, k in enumerate(level):
        steps.setdefault(k, []).append(remove[v])
    return tuple(tuple(sorted(steps[k])) for k in sorted(steps))


def _levels(succ: list[list[int]]) -> tuple[list[int], list[int]]:
    """Kahn's algorithm, dependants first, on ``succ`` (node -> what it depends on):
    each node's longest chain of dependants, and the nodes never freed (those on a
    cycle and everything under one; their levels so far count only the freed
    dependants).

    >>> _levels([[1, 2], [2], []]), _levels([[1], [0], [0]])
    (([0, 1, 2], []), ([1, 0, 0], [0, 1]))
    """
    dependants = [0] * len(succ)
    for deps in succ:
        for w in deps:
            dependants[w] += 1
    level = [0] * len(succ)
    ready = [v for v, k in enumerate(dependants) if not k]
    while ready:
        v = ready.pop()
        up = level[v] + 1
        for w in succ[v]:
            if level[w] < up:
                level[w] = up
            dependants[w] -= 1
            if not dependants[w]:
                ready.append(w)
    return level, [v for v, k in enumerate(dependants) if k]


def traffic_evidence(G: nx.DiGraph, keep_flows: Iterable[str], observation
                     ) -> tuple[dict[str, str], tuple[str, ...]]:
    """What traffic says about removals: ``(contradicted, idle)``.

    A kept flow's requests are served by the nodes it reaches in the manifest (any item,
    soft included) and by whatever those are seen calling (observed edges, followed
    transitively). A service called by one of those is *contradicted*: removing it would
    cut calls that kept flows' requests make, so it is not proposed; the reason names the
    caller, the call count and a kept flow. *Idle*: services of the manifest that the
    observation never saw (the signal cost tools use alone).

    ``observation`` is a :class:`pruner.analysis.drift.Observation`.

    >>> from pruner.analysis.drift import Observation, ObservedEdge
    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> G = dependency_graph(load_sources([("m.yaml", '''
    ... services: {web: {}, audit: {}, cron: {}}
    ... flows: {home: {requires: [web]}}''')]).manifest)
    >>> seen = Observation("otlp", (), ("audit", "web"), (ObservedEdge("web", "audit", 7),))
    >>> traffic_evidence(G, ["home"], seen)
    ({'audit': 'called by web (7 calls) on requests of kept flow home'}, ('cron',))
    """
    table = G.graph["flows"]
    manifest = G.graph["manifest"]
    services = manifest.services

    def owner(node: str) -> str:
        # Traces read by discover (Jaeger, OTLP) observe operations, SERVICE:OP: the
        # service's own traffic, when the manifest has the service (its operations
        # named alike or not); a node of an unknown service stays as it is.
        if node in services:
            return node
        head = split_operation(node)[0]  # operation names hold no ":", services may
        return head if head in services else node

    calls: dict[str, list] = {}
    for edge in observation.edges:
        calls.setdefault(owner(edge.source), []).append(edge)
    serving: dict[str, str] = {}  # node -> a kept flow whose requests reach it
    todo: list[tuple[str, str]] = []
    for f in sorted(keep_flows):
        todo.extend((m, f) for i in table[f].requires for m in i.members)
    contradicted: dict[str, str] = {}
    while todo:
        v, f = todo.pop()
        if v in serving:
            continue
        serving[v] = f
        service = v.rpartition(":")[0] if v in manifest.operations else v
        if v in G:
            node = G.nodes[v]["service"]
            todo.extend((m, f) for i in node.depends_on for m in i.members if m not in serving)
            if service != v and service not in serving:
                todo.append((service, f))
        for edge in calls.get(service, ()):
            target = owner(edge.target)
            if target in services and target not in contradicted:
                count = "" if edge.calls is None else f" ({edge.calls} calls)"
                contradicted[target] = (f"called by {service}{count} on requests of kept "
                                        f"flow {f}")
            if target not in serving:
                todo.append((target, f))
    seen = {owner(s) for s in observation.services}
    idle = tuple(s for s in manifest.services
                 if s not in seen and not manifest.services[s].common_cause)
    return dict(sorted(contradicted.items())), idle
