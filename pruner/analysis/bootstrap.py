"""Cold start after a full outage (spec §10): in which waves the services come
back, when each flow works again, which services never start and why.

Semantics
---------
A hard item is a *start-up item* unless it says ``startup: false``; soft items
never are. A service *serves* once it has started and is not DOWN (§4) with every
service not yet started counted as OFF. Wave 0 is every service with no start-up
item (nothing serves before anything starts, and every item needs at least one
member); wave n+1 is every service not yet started whose start-up items each have
at least K members serving once waves 0..n have started. A flow's *ready wave* is
the first wave after which it is not BROKEN.

Operations (``S:O``, spec §8) start together with their service: all their items,
the implicit one on ``S`` included, are runtime items for them (code inside a
running process cannot hold back the process's start). They never appear in the
waves; each has the wave after which it serves. A service whose start-up item
names an operation waits until that operation serves.

How (linear, no recursion)
--------------------------
Write ``start(s)`` for the wave in which ``s`` starts and ``g(s)`` for the first
wave after which it serves (``inf`` = never). Serving only grows as services
start (§4 is monotone), and the waves satisfy

    start(s) = 0 if s has no start-up item, else 1 + max over its start-up items
               of the K-th smallest g of the item's members,
    g(s)     = max(start(s), max over its hard items of the K-th smallest g),

of which they are the *least* solution: DOWN is a least fixpoint, so services
that hold each other up through runtime items serve together, while the ``+ 1``
keeps a start-up cycle from holding itself up. The solution is computed one
strongly connected component of the hard dependency graph at a time,
dependencies first (iterative Tarjan): a service in no cycle costs the size of its
items; a cycle is solved locally, value by value, driven by events (a member that
becomes available is counted once for the items naming it; a node starts when its
last start-up item is met), each value with a greatest fixpoint (who can serve
together) sought only among the started nodes that could serve and reach something
new at that value. The whole is linear in the manifest for acyclic parts, for hard
rings and for rings started in staggered waves; a component where many nodes keep
almost serving can cost its size per value (bounded by the command's time budget).

Times (``start_seconds``) use the same equations with ``g(s) >= start(s) +
start_seconds(s)`` and ``start(s) = max ...`` (no ``+ 1``): a service starts the
moment its start-up items are served, services start in parallel, and a flow's
time to first work is the K-th smallest ready time over each hard item, maximised
over its items (the critical path). An undeclared ``start_seconds`` counts as 0.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Iterable, Mapping
from dataclasses import field
from typing import TYPE_CHECKING

from pruner.analysis.evaluate import check_names
from pruner.analysis.hard import tarjan
from pruner.errors import InputError
from pruner.frozen import record
from pruner.graph import reachable
from pruner.model import through_renames

if TYPE_CHECKING:  # annotations only: `check` starts without networkx
    import networkx as nx

    from pruner.model import Flow, Service

__all__ = [
    "Bootstrap",
    "Cycle",
    "Stuck",
    "bootstrap",
    "startup_cycles",
    "bootstrap_regressions",
    "DEFAULT_START_SECONDS",
]

INF = float("inf")
DEFAULT_START_SECONDS = 0.0
_TIME_INF = (INF, 0)


@record(slots=False)
class Stuck:
    """Why a service (or operation) never serves.

    ``started`` says whether it started at all (a started service can still wait
    for a runtime item). ``cycle`` is the index into :attr:`Bootstrap.cycles` of
    the start-up cycle it sits in, or ``None``; otherwise ``waits_on`` is a member,
    never serving, of its first unsatisfied item ``item`` (described), and ``root``
    the index of a start-up cycle it waits on in the end (``None`` if none).
    """

    name: str
    started: bool
    cycle: int | None
    waits_on: str | None
    item: str | None
    root: int | None


@record(slots=False)
class Cycle:
    """A start-up deadlock: services (sorted) that wait on each other to start.

    ``chain`` is one cycle through them, first name repeated at the end;
    ``unstick`` is a set of ``(owner, item description)`` start-up items whose
    ``startup: false`` lets every member start (with the fixes of the cycles it
    waits on); ``minimum`` says whether no smaller set does (proven by exhaustive
    search within the budget), otherwise the set is minimal (no item can be
    dropped) when ``minimal`` says so: ``False`` only where the time budget ran out
    before every item was tried (the set still unsticks the cycle). ``unstick`` is
    empty when no set of its own items helps.
    """

    members: tuple[str, ...]
    chain: tuple[str, ...]
    unstick: tuple[tuple[str, str], ...]
    minimum: bool
    minimal: bool = True


@record(slots=False)
class Bootstrap:
    """The outcome of a cold start (or of a partial restart, ``from_off``).

    ``waves[i]`` lists the services starting in wave ``i`` (for a partial restart
    only the restarted ones). ``start``/``serving`` map every service and
    operation to its start wave and the first wave after which it serves (``None``
    = never; ``-1`` = already before the first wave of a partial restart).
    ``ready`` maps every flow to its ready wave. ``times``/``ready_seconds`` are
    ``None`` unless some service declares ``start_seconds``.
    """

    from_off: tuple[str, ...]
    waves: tuple[tuple[str, ...], ...]
    stuck: tuple[str, ...]
    start: dict[str, int | None]
    serving: dict[str, int | None]
    ready: dict[str, int | None]
    critical_never: tuple[str, ...]
    explanations: dict[str, Stuck]
    cycles: tuple[Cycle, ...]
    times: dict[str, float | None] | None = None
    ready_seconds: dict[str, float | None] | None = None
    undeclared_seconds: tuple[str, ...] = ()
    operations: tuple[str, ...] = field(default=())


# --- the numbered model ------------------------------------------------------


class _Model:
    """Hard items of every node as integer arrays: ``items[i]`` is a list of
    ``(need, members, startup, item index)``."""

    def __init__(self, G: nx.DiGraph, names: list[str] | None = None):
        # ``names``: a subset closed under dependencies (every member of a hard item of
        # one is one), in G's order; default every node
        names = list(G.nodes) if names is None else names
        index = {n: i for i, n in enumerate(names)}
        nodes = G.nodes
        self.names = names
        self.index = index
        self.services = [nodes[n]["service"] for n in names]
        self.is_op = [s.operation_of is not None for s in self.services]
        items = []
        for svc, op in zip(self.services, self.is_op, strict=True):
            own = []
            for k, item in enumerate(svc.depends_on):
                if item.soft:
                    continue
                members = item.members
                # one member (most items): no generator
                ms = ((index[members[0]],) if len(members) == 1
                      else tuple([index[m] for m in members]))
                own.append((item.need, ms, item.startup and not op and not item.implicit, k))
            items.append(own)
        self.items = items
        self.succ = [sorted({m for _, ms, _, _ in own for m in ms}) for own in items]


def _kth(values: list, need: int):
    if need == 1:
        return min(values)
    if need == len(values):
        return max(values)
    return heapq.nsmallest(need, values)[-1]


class _Arith:
    """Values of one solve: waves (ints, ``inf``) or times ((seconds, steps))."""

    def __init__(self, timed: bool, delay: list[float] | None = None):
        self.timed = timed
        self.inf = _TIME_INF if timed else INF
        self.base = (0.0, 0) if timed else 0
        self.running = (0.0, -1) if timed else -1
        self.delay = delay

    def after(self, v):
        if self.timed:
            return v if v[0] == INF else (v[0], v[1] + 1)
        return v + 1

    def ready(self, start, i: int):
        if self.timed:
            if start[0] == INF:
                return start
            return (start[0] + self.delay[i], start[1])
        return start


class _Solver:
    """The least solution of the start/serve equations, component by component."""

    def __init__(self, model: _Model, arith: _Arith, fixed: dict[int, object],
                 flipped: set[tuple[int, int]] = frozenset()):
        self.m = model
        self.a = arith
        self.fixed = fixed  # node -> fixed start value (running before a partial restart)
        self.flipped = flipped  # (node, item index) made runtime
        self.components: list[list[int]] = []
        n = len(model.names)
        self.start = [arith.inf] * n
        self.g = [arith.inf] * n

    def startup(self, i: int, entry) -> bool:
        return entry[2] and i not in self.fixed and (i, entry[3]) not in self.flipped

    def solve_all(self, components: list[list[int]]) -> None:
        for comp in components:
            self.solve(comp)

    def solve(self, comp: list[int]) -> None:
        if len(comp) == 1:
            self.single(comp[0])
        else:
            self.cycle(comp)

    def single(self, i: int) -> None:
        # The hot loop of every cold start (one call per service in no cycle): startup()
        # and _kth() inlined, a one-member item read directly (_kth of one value is it).
        a, g, inf = self.a, self.g, self.a.inf
        items = self.m.items[i]
        if i in self.fixed:
            st = self.fixed[i]
        else:
            worst = None
            flipped = self.flipped
            for need, members, startup, k in items:
                if startup and (i, k) not in flipped:
                    v = g[members[0]] if len(members) == 1 else _kth([g[m] for m in members],
                                                                     need)
                    if worst is None or v > worst:
                        worst = v
            st = a.base if worst is None else a.after(worst)
        self.start[i] = st
        if st == inf or (a.timed and st[0] == INF):
            self.g[i] = inf
            return
        best = a.ready(st, i)
        for need, members, _, _ in items:
            v = g[members[0]] if len(members) == 1 else _kth([g[m] for m in members], need)
            if v > best:
                best = v
        self.g[i] = best if not (a.timed and best[0] == INF) else inf

    def cycle(self, comp: list[int]) -> None:
        """Solve a strongly connected component, values in increasing order, driven by
        events (issue 24: no rescans per value). At each value: members that became
        available count towards their owners' items (an owner whose start-up items are
        all met starts, :meth:`_start`); then, among the started nodes that are ready
        and not serving (the *pool*), the greatest set that can serve together (members
        served already, or in the set) serves. The set is sought only among the pool
        nodes that can reach, through members in the pool, something new at this
        value (a node just ready, a member just available): the others keep their
        status (any node that joins the greatest set depends on something new, through
        nodes that all have K members available or in the pool)."""
        a, g, start, inf = self.a, self.g, self.start, self.a.inf
        items = self.m.items
        inside = set(comp)
        for i in comp:
            start[i] = inf
            g[i] = inf
        parents: dict[int, list[tuple[int, int]]] = {}
        outside: dict = {}  # value -> external members available from it
        count: dict[tuple[int, int], int] = {}  # members available (g <= value) per item
        missing: dict[int, int] = {}  # start-up items not yet met, per pending node
        ready_at: dict = {}  # value -> nodes ready then
        heap: list = []
        for i in comp:
            need_start = 0
            for k, e in enumerate(items[i]):
                count[(i, k)] = 0
                if i not in self.fixed and self.startup(i, e):
                    need_start += 1
                for m in e[1]:
                    parents.setdefault(m, []).append((i, k))
                    if m not in inside and g[m] != inf:
                        outside.setdefault(g[m], set()).add(m)
            missing[i] = need_start
        for value in outside:
            heapq.heappush(heap, value)

        def started(i: int, st) -> None:
            start[i] = st
            ready = a.ready(st, i)
            if ready not in ready_at:
                ready_at[ready] = []
                heapq.heappush(heap, ready)
            ready_at[ready].append(i)

        for i in comp:
            if i in self.fixed:
                started(i, self.fixed[i])
            elif missing[i] == 0:
                started(i, a.base)

        def available(m: int, touched: set[int]) -> None:
            """Member ``m`` serves from now on: count it for the items naming it."""
            for p, k in parents.get(m, ()):
                e = items[p][k]
                count[(p, k)] += 1
                if start[p] != inf:
                    touched.add(p)
                elif count[(p, k)] == e[0] and p not in self.fixed and self.startup(p, e):
                    missing[p] -= 1
                    if missing[p] == 0:
                        worst = None
                        for f in items[p]:
                            if self.startup(p, f):
                                x = _kth([g[q] for q in f[1]], f[0])
                                if worst is None or x > worst:
                                    worst = x
                        started(p, a.after(worst))

        pool: set[int] = set()
        last = None
        while heap:
            v = heapq.heappop(heap)
            if last is not None and v <= last:
                continue
            last = v
            touched: set[int] = set()
            for m in sorted(outside.pop(v, ())):
                available(m, touched)
            new = ready_at.pop(v, [])
            pool.update(new)

            def hopeful(i: int, pool=pool) -> bool:  # K members available or in the pool
                return all(count[(i, k)] + sum(1 for m in e[1] if m in pool) >= e[0]
                           for k, e in enumerate(items[i]))

            # the hopeful pool nodes that reach something new through hopeful ones: any
            # node that can now serve is one (it and what it needs anew all are hopeful)
            region = {i for i in [*new, *touched] if i in pool and hopeful(i)}
            queue = list(region)
            while queue:
                for p, _k in parents.get(queue.pop(), ()):
                    if p in pool and p not in region and hopeful(p):
                        region.add(p)
                        queue.append(p)
            if not region:
                continue
            # greatest fixpoint inside the region: drop whoever lacks K members
            have: dict[tuple[int, int], int] = {}
            drop = []
            for i in region:
                for k, e in enumerate(items[i]):
                    h = count[(i, k)] + sum(1 for m in e[1] if m in region)
                    have[(i, k)] = h
                    if h < e[0]:
                        drop.append(i)
            while drop:
                i = drop.pop()
                if i not in region:
                    continue
                region.discard(i)
                for p, k in parents.get(i, ()):
                    if p in region:
                        have[(p, k)] -= 1
                        if have[(p, k)] < items[p][k][0]:
                            drop.append(p)
            if region:
                pool -= region
                for i in region:
                    g[i] = v
                for i in sorted(region):
                    available(i, touched)


def _solve(model: _Model, arith: _Arith, fixed, flipped=frozenset()) -> _Solver:
    solver = _Solver(model, arith, fixed, flipped)
    solver.components = tarjan(model.succ, range(len(model.names)))
    solver.solve_all(solver.components)
    return solver


def _resolved(base: _Solver, flipped, components) -> _Solver:
    """``base`` re-solved on ``components`` (in order) with ``flipped`` items made
    runtime; every other value is kept (it cannot depend on those items)."""
    solver = _Solver(base.m, base.a, base.fixed, flipped)
    solver.start = list(base.start)
    solver.g = list(base.g)
    solver.components = base.components
    solver.solve_all(components)
    return solver


# --- explanations and fixes --------------------------------------------------


def _waits_on(model: _Model, solver: _Solver, inf) -> dict[int, list[tuple[int, int, bool]]]:
    """For each node that never serves: (member, item position, start-up?) edges to
    never-serving members of its unsatisfied items."""
    g, start = solver.g, solver.start
    edges: dict[int, list[tuple[int, int, bool]]] = {}
    for i, own in enumerate(model.items):
        if g[i] != inf:
            continue
        out = []
        started = start[i] != inf
        for pos, e in enumerate(own):
            startup = solver.startup(i, e)
            if not started and not startup:
                continue  # a node that has not started waits on its start-up items
            good = sum(1 for m in e[1] if g[m] != inf)
            if good >= e[0]:
                continue
            out.extend((m, pos, startup) for m in e[1] if g[m] == inf)
        edges[i] = out
    return edges


def _chain(comp: set[int], edges, first: int) -> list[int]:
    """A shortest cycle through ``first`` inside ``comp`` (BFS, no recursion)."""
    parent = {first: None}
    queue = [first]
    for u in queue:
        for m, _pos, _s in sorted(edges[u]):
            if m not in comp:
                continue
            if m == first:
                path = [u]
                while parent[path[-1]] is not None:
                    path.append(parent[path[-1]])
                return [first, *reversed(path[:-1]), first] if u != first else [first, first]
            if m not in parent:
                parent[m] = u
                queue.append(m)
    return [first]


def _describe(model: _Model, i: int, k: int) -> str:
    return model.services[i].depends_on[k].describe()


def bootstrap(
    G: nx.DiGraph,
    from_off: Iterable[str] | None = None,
    *,
    budget: float = 2.0,
    timed: bool | None = None,
    fixes: bool = True,
) -> Bootstrap:
    """Start the manifest behind ``G`` from a full outage (or restart ``from_off``).

    Parameters
    ----------
    G : nx.DiGraph
        From :func:`pruner.graph.dependency_graph`.
    from_off : iterable of str, optional
        A partial restart: these services (or operations) went down, every other
        one is still running. ``None`` (default) is a cold start of everything.
    budget : float
        Seconds for the exact search of the smallest unsticking sets (the result
        says ``minimum`` only where that search finished).
    timed : bool, optional
        Compute ready times; default: when some service declares ``start_seconds``.
    fixes : bool
        Search the unsticking sets of start-up items (``False``: cycles only).

    Returns
    -------
    Bootstrap

    Examples
    --------
    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> G = dependency_graph(load_sources([("m.yaml", '''
    ... services:
    ...   db: {}
    ...   config: {depends_on: [db]}
    ...   monitor: {depends_on: [{service: config, startup: false}]}
    ...   api: {depends_on: [db, config, {service: monitor, startup: false}]}
    ...   a: {depends_on: [b]}
    ...   b: {depends_on: [a]}
    ... flows:
    ...   shop: {requires: [api]}
    ...   admin: {requires: [a], critical: false}
    ... ''')]).manifest)
    >>> b = bootstrap(G)
    >>> b.waves
    (('db', 'monitor'), ('config',), ('api',))
    >>> b.stuck, b.ready["shop"], b.ready["admin"], b.cycles[0].chain
    (('a', 'b'), 2, None, ('a', 'b', 'a'))
    >>> b.serving["monitor"]   # started in wave 0, serves once config does
    1
    """
    model = _Model(G)
    names = model.names
    n = len(names)
    idx = model.index
    partial = from_off is not None
    off = check_names(G, from_off or ())
    fixed_w: dict[int, object] = {}
    if partial:
        off_set = {idx[o] for o in off}
        fixed_w = {i: -1 for i in range(n) if i not in off_set}
    arith = _Arith(False)
    solver = _solve(model, arith, fixed_w)
    start, g = solver.start, solver.g
    services = [i for i in range(n) if not model.is_op[i]]
    ops = tuple(names[i] for i in range(n) if model.is_op[i])

    def num(v):
        return None if v == INF else int(v)

    restarted = [i for i in services if i not in fixed_w]
    top = max((start[i] for i in restarted if start[i] != INF), default=-1)
    waves = [[] for _ in range(int(top) + 1)]
    for i in restarted:
        if start[i] != INF:
            waves[int(start[i])].append(names[i])
    stuck = tuple(sorted(names[i] for i in restarted if start[i] == INF))
    flows = G.graph["flows"]
    floor = -1 if partial else 0
    if not partial and not waves:
        floor = INF  # nothing ever starts: no wave after which anything works
    ready = {}
    for name, flow in flows.items():
        worst = floor
        for item in flow.requires:
            if item.soft:
                continue
            v = _kth([g[idx[m]] for m in item.members], item.need)
            worst = max(worst, v)
        ready[name] = num(worst)
    critical_never = tuple(sorted(f for f, r in ready.items() if r is None and flows[f].critical))

    explanations, cycles = _explain(model, solver, arith, fixed_w, budget, fixes)

    times = ready_seconds = None
    undeclared: tuple[str, ...] = ()
    if timed is None:
        timed = any(model.services[i].start_seconds is not None for i in services)
    if timed:
        delay = [
            0.0 if (i in fixed_w or model.is_op[i]) else
            (model.services[i].start_seconds if model.services[i].start_seconds is not None
             else DEFAULT_START_SECONDS)
            for i in range(n)
        ]
        tarith = _Arith(True, delay)
        fixed_t = {i: tarith.running for i in fixed_w}
        tsolver = _solve(model, tarith, fixed_t)
        tg = tsolver.g
        times = {names[i]: (None if g[i] == INF else float(tg[i][0])) for i in range(n)}
        if INF in times.values():  # each start_seconds finite, a chain of them not
            raise InputError("start_seconds: the start-up times add up to more than a "
                             "number holds (1.8e308)")
        ready_seconds = {}
        for name, flow in flows.items():
            if ready[name] is None:
                ready_seconds[name] = None
                continue
            worst = 0.0
            for item in flow.requires:
                if not item.soft:
                    worst = max(worst, _kth([tg[idx[m]][0] for m in item.members], item.need))
            ready_seconds[name] = float(worst)
        undeclared = tuple(sorted(names[i] for i in restarted
                                  if model.services[i].start_seconds is None))

    return Bootstrap(
        from_off=off,
        waves=tuple(tuple(sorted(w)) for w in waves),
        stuck=stuck,
        start={names[i]: (None if i in fixed_w else num(start[i])) for i in range(n)},
        serving={names[i]: num(g[i]) for i in range(n)},
        ready=ready,
        critical_never=critical_never,
        explanations=explanations,
        cycles=cycles,
        times=times,
        ready_seconds=ready_seconds,
        undeclared_seconds=undeclared,
        operations=ops,
    )


def _explain(model: _Model, solver: _Solver, arith: _Arith, fixed, budget: float,
             fixes: bool = True):
    """Explain every node that never serves; find the start-up cycles and fixes."""
    names = model.names
    inf = arith.inf
    edges = _waits_on(model, solver, inf)
    if not edges:
        return {}, ()
    blocked = sorted(edges)
    succ = [[] for _ in names]
    for i, out in edges.items():
        succ[i] = sorted({m for m, _p, _s in out})
    comps = tarjan(succ, blocked)
    comp_of = {}
    for c, comp in enumerate(comps):
        for i in comp:
            comp_of[i] = c
    cycle_comps = []
    for c, comp in enumerate(comps):
        members = set(comp)
        if len(comp) > 1 and any(s and m in members for i in comp for m, _p, s in edges[i]):
            cycle_comps.append(c)
    # Fixes, dependencies first (Tarjan's order), each on top of the ones before.
    deadline = time.monotonic() + budget
    flipped: set[tuple[int, int]] = set()
    # One working copy, brought up to date lazily: after a fix in component p, only
    # components after p can change, and they are re-solved (in order) just before
    # the next cycle that needs them, so each is re-solved about once in all.
    work = _resolved(solver, flipped, [])
    position = {i: k for k, h in enumerate(work.components) for i in h}
    todo = sorted(cycle_comps, key=lambda c: (position[comps[c][0]], c))
    behind: int | None = None  # first component not re-solved since the last fix
    found: dict[int, Cycle] = {}
    for c in todo:
        comp = comps[c]
        members = set(comp)
        first = min(comp, key=lambda i: names[i])
        chain = _chain(members, edges, first)
        fix, minimum, minimal = ((), False, True)
        if fixes:
            p = position[comp[0]]
            if behind is not None and behind < p:
                work.solve_all(work.components[behind:p])
                behind = p
            fix, minimum, minimal = _unstick(work, flipped, comp, edges, deadline,
                                             work.components[p])
        if fix:
            flipped |= set(fix)  # the working solver shares this set
            work.solve(work.components[p])
            behind = p + 1
        found[c] = Cycle(
            members=tuple(sorted(names[i] for i in comp)),
            chain=tuple(names[i] for i in chain),
            unstick=tuple(sorted((names[i], _describe(model, i, k)) for i, k in fix)),
            minimum=minimum,
            minimal=minimal,
        )
    order = sorted(found, key=lambda c: found[c].members)
    number = {c: k for k, c in enumerate(order)}
    cycles = tuple(found[c] for c in order)
    root: dict[int, int | None] = {}
    for c, comp in enumerate(comps):  # dependencies first: targets are settled
        if c in number:
            root[c] = number[c]
            continue
        r = None
        for i in comp:
            for m, _p, _s in edges[i]:
                if comp_of[m] != c and root.get(comp_of[m]) is not None:
                    r = root[comp_of[m]]
                    break
            if r is not None:
                break
        root[c] = r
    explanations = {}
    for i, out in edges.items():
        c = comp_of[i]
        started = solver.start[i] != inf
        waits = item = None
        if out:
            m, pos, _s = min(out, key=lambda t: (t[1], names[t[0]]))
            waits = names[m]
            item = _describe(model, i, model.items[i][pos][3])
        explanations[names[i]] = Stuck(
            name=names[i], started=started, cycle=number.get(c), waits_on=waits, item=item,
            root=root[c],
        )
    return dict(sorted(explanations.items())), cycles


def _rigid(model: _Model, home: list[int]) -> dict[int, int]:
    """Node -> component of ``home`` under *must* edges: ``v -> m`` when a hard item of
    ``v`` needs every one of its members (a single service, or ``at_least: N of N``).
    Inside one such component nobody serves before everyone does (§4: a node missing
    one of those members is DOWN), whatever is flipped to ``startup: false``."""
    inside = set(home)
    local = {v: k for k, v in enumerate(home)}
    succ = [sorted({local[m] for need, ms, _s, _k in model.items[v] if need == len(ms)
                    for m in ms if m in inside}) for v in home]
    comp = {}
    for c, part in enumerate(tarjan(succ, range(len(home)))):
        for k in part:
            comp[home[k]] = c
    return comp


def _unstick(current: _Solver, flipped, comp, edges, deadline, home):
    """The start-up items of ``comp`` to flip: ``(items, minimum, minimal)``.

    One solve with every candidate flipped; then, without re-solving (issue 24: the
    old way re-solved the ring once per link, quadratic):

    - a flip whose item was served before its owner started anyway is *slack*:
      unflipping every slack one leaves that least solution a solution of the new
      equations, so the same solution (they all go at once);
    - a flip whose item needs more members than can serve without its owner is
      *necessary* in every unsticking set: those members must-need the owner (same
      component of :func:`_rigid`), so without the flip the owner never starts.

    Only the flips left over are tried one by one (a re-solve of ``home`` each), and
    the minimum search ranges over the non-necessary candidates only; both stop at
    ``deadline``, the first honestly saying ``minimal`` false.
    """
    model = current.m
    members = set(comp)
    candidates = sorted({(i, model.items[i][pos][3]) for i in comp
                         for m, pos, s in edges[i] if s and m in members})
    if not candidates:
        return (), False, True

    def works(chosen, keep: bool = False):  # solve ``home`` in place, put it back
        saved = [(i, current.start[i], current.g[i]) for i in home]
        added = [x for x in chosen if x not in current.flipped]
        current.flipped.update(added)
        current.solve(home)
        ok = all(current.start[i] != INF for i in comp)
        solution = {i: (current.start[i], current.g[i]) for i in home} if keep else None
        current.flipped.difference_update(added)
        for i, st, gv in saved:
            current.start[i] = st
            current.g[i] = gv
        return ok, solution

    ok, solution = works(candidates, keep=True)
    if not ok:
        return (), False, True
    entry = {(i, e[3]): e for i in comp for e in model.items[i]}

    def value(m):
        return solution[m][1] if m in solution else current.g[m]

    def slack(c) -> bool:
        need, ms, _s, _k = entry[c]
        x = _kth([value(m) for m in ms], need)
        return x != INF and x + 1 <= solution[c[0]][0]

    rigid = _rigid(model, home)

    def necessary(c) -> bool:
        need, ms, _s, _k = entry[c]
        home_comp = rigid.get(c[0])
        tied = sum(1 for m in ms if rigid.get(m, -1) == home_comp)
        return len(ms) - tied < need

    forced = [c for c in candidates if necessary(c)]
    forced_set = set(forced)
    chosen = [c for c in candidates if c in forced_set or not slack(c)]
    if len(chosen) < len(candidates) and not works(chosen)[0]:
        chosen = list(candidates)  # (cannot happen: the same least solution)
    for c in [c for c in chosen if c not in forced_set]:  # minimal, budget permitting
        if time.monotonic() > deadline:
            return tuple(chosen), False, False
        trial = [x for x in chosen if x != c]
        if works(trial)[0]:
            chosen = trial
    extra = len(chosen) - len(forced)
    optional = [c for c in candidates if c not in forced_set]
    for size in range(1, extra):  # smallest first: the first that works is minimum
        for combo in itertools.combinations(optional, size):
            if time.monotonic() > deadline:
                return tuple(chosen), False, True
            trial = sorted([*forced, *combo])
            if works(trial)[0]:
                return tuple(trial), True, True
    return tuple(chosen), True, True


# --- lint and diff -------------------------------------------------------------


def startup_cycles(G: nx.DiGraph, among: Iterable[str] | None = None
                   ) -> list[tuple[str, ...]]:
    """The start-up deadlocks of a cold start: services (sorted) waiting on each
    other to start, sorted.

    ``among``: the members of every cycle of hard dependencies (strongly connected
    along edges that are not soft), when the caller knows them (``pruner validate``'s
    lint does). A deadlock waits along hard items, so it lies inside one of those
    cycles, and whether their members start depends only on what they stand on:
    only that closure is solved, not the whole manifest (none at all when there is
    no such cycle). The answer is the same.

    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> G = dependency_graph(load_sources([("m.yaml",
    ...     "services: {a: {depends_on: [b]}, b: {depends_on: [a]}, c: }")]).manifest)
    >>> startup_cycles(G), startup_cycles(G, among=["a", "b"]), startup_cycles(G, among=[])
    ([('a', 'b')], [('a', 'b')], [])
    """
    if among is None:
        return [c.members for c in bootstrap(G, timed=False, fixes=False).cycles]
    keep = set(among)
    if not keep:
        return []
    keep = reachable(G._succ, keep)  # all the cycles stand on (soft edges too: a superset)
    model = _Model(G, [n for n in G.nodes if n in keep])
    arith = _Arith(False)
    _explanations, cycles = _explain(model, _solve(model, arith, {}), arith, {}, 0.0,
                                     fixes=False)
    return [c.members for c in cycles]


def bootstrap_regressions(old: nx.DiGraph, new: nx.DiGraph,
                          renamed: Mapping[str, str] | None = None) -> tuple[list, list]:
    """What a change does to a cold start: ``(new start-up cycles, critical flows
    that could be brought back in ``old`` (or are new) and never can in ``new``)``.

    A cycle counts as new when no cycle of ``old`` holds all its members
    (:func:`_new_cycles`): one that shrank, or is walked in another order, is the
    deadlock that was there; one that grew drags in services that could start before.
    ``old``'s names are taken through ``renamed`` (a diff's ``old -> new`` renames, an
    operation following its service), so renaming a member of a cycle is no new cycle.

    Only what the change reaches is solved (issue 21: a diff costs its blast radius).
    A node's start and serve waves depend only on the hard items of the nodes it
    stands on, so a node whose own hard items, and those of everything below it, are
    the same in both versions behaves the same in both: a new cycle holds a node that
    stands on a changed one, and a flow newly never ready is new, edited, or requires
    such a node. Both versions are solved on what those nodes and flows stand on
    (a set closed under dependencies, so every value there is the whole manifest's).
    When a version has no service free to start at once, whether anything starts at
    all is a property of the whole manifest (§10: then no flow is ever ready), and both
    versions are solved whole.

    >>> from pruner.loader import load_sources
    >>> from pruner.graph import dependency_graph
    >>> def graph(text):
    ...     return dependency_graph(load_sources([("m.yaml", text)]).manifest)
    >>> old = graph("services: {a: {depends_on: [b]}, b: {}, c: {}}\\n"
    ...             "flows: {f: {requires: [a]}, g: {requires: [c]}}")
    >>> new = graph("services: {a: {depends_on: [b]}, b: {depends_on: [a]}, c: {}}\\n"
    ...             "flows: {f: {requires: [a]}, g: {requires: [c]}}")
    >>> bootstrap_regressions(old, new)
    ([('a', 'b')], ['f'])
    """
    renamed = renamed or {}
    back = {new_name: old_name for old_name, new_name in renamed.items()}
    old_nodes = {n: d["service"] for n, d in old._node.items()}
    new_nodes = {n: d["service"] for n, d in new._node.items()}
    if not (_starts_at_once(old_nodes.values()) and _starts_at_once(new_nodes.values())):
        before = bootstrap(old, timed=False, fixes=False)
        after = bootstrap(new, timed=False, fixes=False)
        cycles = _new_cycles([c.members for c in after.cycles],
                             [_through(c.members, renamed) for c in before.cycles])
        flows = [f for f in after.critical_never if before.ready.get(f, 0) is not None]
        return cycles, flows
    changed = []
    for n, svc in new_nodes.items():
        was = old_nodes.get(through_renames(n, back))
        if was is None or _hard_shape(svc) != _hard_shape(was, renamed):
            changed.append(n)
    above = reachable(new._pred, changed)  # the changed nodes and all that stand on them
    old_flows, new_flows = old.graph["flows"], new.graph["flows"]
    flows = sorted(
        f for f, flow in new_flows.items() if flow.critical and (
            f not in old_flows or _hard_requires(flow) != _hard_requires(old_flows[f], renamed)
            or any(m in above for _need, members in _hard_requires(flow) for m in members)))
    after_cycles, after_ready = _cold_start(
        new, above.union(*(ms for f in flows for _n, ms in _hard_requires(new_flows[f]))),
        flows)
    was = [f for f in flows if f in old_flows]
    before_cycles, before_ready = _cold_start(
        old, {o for o in (through_renames(n, back) for n in above) if o in old_nodes}.union(
            *(ms for f in was for _n, ms in _hard_requires(old_flows[f]))), was)
    before_cycles = {_through(c, renamed) for c in before_cycles}
    # A cycle of nodes none of which is above a change is the same in both versions
    # (and ``old`` was solved only around the changes, so it is not looked up).
    # (An old cycle that holds a new one's member above a change was solved whole: the
    # member is a root of the old solve, and a cycle is reachable from each member.)
    cycles = sorted(_new_cycles([c for c in after_cycles if any(m in above for m in c)],
                                before_cycles))
    never = [f for f in flows if after_ready[f] is None
             and before_ready.get(f, 0) is not None]
    return cycles, never


def _new_cycles(after: Iterable[tuple[str, ...]], before: Iterable[tuple[str, ...]]
                ) -> list[tuple[str, ...]]:
    """The cycles of ``after`` that no cycle of ``before`` holds whole, in their order
    (linear: each cycle is looked up through its first member's old cycles).

    >>> _new_cycles([("a", "b"), ("a", "b", "c"), ("x", "y")], [("a", "b", "c", "d")])
    [('x', 'y')]
    """
    home: dict[str, list[frozenset[str]]] = {}
    for cycle in before:
        whole = frozenset(cycle)
        for m in cycle:
            home.setdefault(m, []).append(whole)
    return [c for c in after if not any(old.issuperset(c) for old in home.get(c[0], ()))]


def _hard_shape(node: Service, renamed: Mapping[str, str] | None = None) -> tuple:
    """All a cold start reads of a node: is it an operation, and its hard items
    (members taken through ``renamed``)."""
    return (node.operation_of is not None,
            tuple((i.need, _through(i.members, renamed), i.startup, i.implicit)
                  for i in node.depends_on if not i.soft))


def _hard_requires(flow: Flow, renamed: Mapping[str, str] | None = None) -> tuple:
    return tuple((i.need, _through(i.members, renamed)) for i in flow.requires if not i.soft)


def _through(names: tuple[str, ...], renamed: Mapping[str, str] | None) -> tuple[str, ...]:
    return tuple(through_renames(n, renamed) for n in names) if renamed else names


def _starts_at_once(nodes: Iterable[Service]) -> bool:
    """Some service has no start-up item: it starts in wave 0, so some wave exists."""
    return any(node.operation_of is None
               and not any(i.startup and not i.soft for i in node.depends_on)
               for node in nodes)


def _cold_start(G: nx.DiGraph, roots: set[str], flows: list[str]
                ) -> tuple[set[tuple[str, ...]], dict[str, int | None]]:
    """The start-up cycles (their members) and the ready waves of ``flows`` in a cold
    start of ``G``, solved on what ``roots`` and the flows stand on only. The caller
    knows some service starts at once (the floor of every flow is wave 0)."""
    keep = reachable(G._succ, roots)
    model = _Model(G, [n for n in G._node if n in keep])
    arith = _Arith(False)
    solver = _solve(model, arith, {})
    _explanations, cycles = _explain(model, solver, arith, {}, 0.0, fixes=False)
    g, idx, table = solver.g, model.index, G.graph["flows"]
    ready: dict[str, int | None] = {}
    for f in flows:
        worst = 0
        for need, members in _hard_requires(table[f]):
            worst = max(worst, _kth([g[idx[m]] for m in members], need))
        ready[f] = None if worst == INF else int(worst)
    return {c.members for c in cycles}, ready
