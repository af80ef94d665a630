"""Wording shared by every output format: items, hops, explanation lines, summaries."""

from __future__ import annotations

from pruner.analysis.evaluate import BROKEN, DEGRADED, DOWN, OK, UP, ItemStatus
from pruner.analysis.evidence import UNVERIFIED, item_basis
from pruner.analysis.explain import OFF, SEEN, Hop, Line
from pruner.errors import neutral
from pruner.model import AT_LEAST, SINGLE

__all__ = [
    "Dispatch",
    "ms_text",
    "rpc_budget_text",
    "rpc_pass_text",
    "RPC_UNTRACED",
    "PLAN_LAST_COMMAND",
    "clean",
    "status_text",
    "hop_text",
    "line_text",
    "flow_summary",
    "service_summary",
    "operation_summary",
    "troubled_operations",
    "name_list",
    "plural",
    "unstick_word",
    "calls_text",
    "DRIFT_GATE_RULE",
    "drift_verdict",
    "undeclared_notes",
    "undeclared_facts",
    "undeclared_text",
    "traffic_facts",
]

def clean(text: object) -> str:
    r"""Free text, names and paths made safe for one terminal line or any report: control
    characters (ANSI and OSC escapes, newlines), bidi overrides and isolates and zero-width
    characters become visible escapes (one function for every format:
    :func:`pruner.errors.neutral`).

    >>> clean("ok\x1b[31m\nred")
    'ok\\x1b[31m\\nred'
    >>> clean("invoice\u202efdp.exe")
    'invoice\\u202efdp.exe'
    """
    return neutral(text)


class Dispatch:
    """A format's ``render(report, **options)``: calls the function registered for the
    report's class, found by class name. Registering imports nothing (the annotation
    ``report: DiffReport`` stays a string under ``from __future__ import annotations``),
    so a format module loads without every report module and `pruner check` starts
    without the diff, drift or cut-set machinery.

    >>> render = Dispatch("demo")
    >>> @render.register
    ... def _(report: int) -> str:
    ...     return f"int {report}"
    >>> render(3)
    'int 3'
    >>> @render.register(float)
    ... def _(report, color=False):
    ...     return "a float"
    >>> render(1.5)
    'a float'
    >>> render("x")
    Traceback (most recent call last):
    TypeError: no demo output for str
    """

    def __init__(self, fmt: str):
        self.fmt = fmt
        self.registry: dict[str, object] = {}

    def register(self, kind, function=None):
        """``@render.register`` on a function annotated ``report: SomeReport``, or
        ``@render.register(SomeReport)`` / ``render.register(SomeReport, function)`` as
        with :func:`functools.singledispatch`."""
        if isinstance(kind, type):
            if function is None:
                return lambda f: self.register(kind, f)
            self.registry[kind.__name__] = function
            return function
        function = kind
        annotation = next(iter(function.__annotations__.values()))
        name = annotation if isinstance(annotation, str) else annotation.__name__
        self.registry[name] = function
        return function

    def __call__(self, report, **options) -> str:
        for cls in type(report).__mro__:
            function = self.registry.get(cls.__name__)
            if function is not None:
                return function(report, **options)
        raise TypeError(f"no {self.fmt} output for {type(report).__name__}")


def status_text(status: ItemStatus) -> str:
    """An item with its counts, e.g. ``any_of [a, b]: 0 of 2 up, needs 1``.

    >>> from pruner.model import Item, ANY_OF
    >>> status_text(ItemStatus(Item(ANY_OF, ("a", "b")), 0, ("a", "b"), ()))
    'any_of [a, b]: 0 of 2 up, needs 1'
    >>> status_text(ItemStatus(Item(ANY_OF, ("a", "b")), 1, ("a",), ()))
    'any_of [a, b]: 1 of 2 up, running on fallback'
    """
    item = status.item
    if item.kind == SINGLE:
        return ("soft " if item.soft else "requires ") + item.members[0]
    total = len(item.members)
    text = f"{item.describe()}: {status.up} of {total} up"
    if not status.satisfied:
        return f"{text}, needs {item.need}"
    if status.down and item.kind == AT_LEAST and item.need > 1:
        return f"{text}, needs {item.need}: quorum holds"
    if status.down:
        return f"{text}, running on fallback"
    return text


def _end(end: str | None, off_word: str) -> str:
    if end == OFF:
        return f" ({off_word})"
    if end == SEEN:
        return " (see above)"
    return ""


def hop_text(hop: Hop, off_word: str = "switched off") -> str:
    """One hop, e.g. ``requires sms-gateway (switched off)``.

    The implicit item of an operation on its own service reads as the service:
    ``frontend (service down)``, ``frontend (switched off)``.
    """
    item = hop.status.item
    if item.implicit:
        if hop.end:
            return item.members[0] + _end(hop.end, off_word)
        return f"{item.members[0]} (service {'down' if hop.status.down else 'degraded'})"
    text = status_text(hop.status)
    if hop.status.item.soft and hop.status.item.note and hop.status.item.kind == SINGLE:
        text += f" [{clean(hop.status.item.note)}]"
    if item.evidence and item_basis(item) == UNVERIFIED:
        text += " (unverified)"  # only an address book says so: a candidate link
    return text + _end(hop.end, off_word)


def line_text(line: Line, off_word: str = "switched off") -> str:
    """One explanation line without indentation."""
    chain = " -> ".join(hop_text(h, off_word) for h in line.hops)
    if line.subject is None:
        return chain
    if not line.hops:
        return line.subject + _end(line.end, off_word)
    return f"{line.subject}: {chain}"


def name_list(names, limit: int = 20) -> str:
    r"""Names joined with commas, cut after ``limit`` with a count of the rest, each one
    :func:`clean` (most are manifest names, but some come from elsewhere: a cost file's
    rows that match no service, say).

    >>> name_list(["a", "b", "c"], limit=2), name_list(["web\nx"])
    ('a, b and 1 more', 'web\\nx')
    """
    names = list(names)
    if len(names) <= limit:
        return ", ".join(map(clean, names))
    return ", ".join(map(clean, names[:limit])) + f" and {len(names) - limit} more"


#: The longest "why it stays" chain shown whole; a longer one keeps its ends.
CHAIN_SHOWN = 6


def chain_hops(chain, show=lambda name: name) -> str:
    """The hops of a plan's "needs it through" chain joined by arrows, each through
    ``show``; past :data:`CHAIN_SHOWN` hops only the first two and the last two, around
    a count of the rest. Each hop left out is a kept service with a line of its own,
    and a chain as deep as the manifest, once per kept service, made the report
    quadratic in the depth (2 MB of text for a chain of 2,000 services).

    >>> chain_hops(["a", "b"]), chain_hops([f"s{i}" for i in range(10)])
    ('a → b', 's0 → s1 → … 6 more → s8 → s9')
    """
    chain = list(chain)
    if len(chain) <= CHAIN_SHOWN:
        return " → ".join(map(show, chain))
    return " → ".join([*map(show, chain[:2]), f"… {len(chain) - 4:,} more",
                       *map(show, chain[-2:])])


def flow_summary(report) -> str:
    """``2 broken (1 critical), 3 degraded, 9 ok``."""
    broken = report.flows_in(BROKEN)
    critical = sum(1 for f in broken if f.flow.critical)
    return (f"{len(broken)} broken ({critical} critical), "
            f"{len(report.flows_in(DEGRADED))} degraded, {len(report.flows_in(OK))} ok")


def service_summary(report) -> str:
    """``1 switched off, 3 down, 5 degraded, 52 up``."""
    off = sum(1 for s in report.services if s.off)
    down = len(report.services_in(DOWN)) - off
    return (f"{off} {report.off_word}, {down} down, "
            f"{len(report.services_in(DEGRADED))} degraded, {len(report.services_in(UP))} up")


def operation_summary(report) -> str:
    """Like :func:`service_summary`, for operations (spec §8). The operations that are down
    or degraded only because their whole service is are counted, and said apart, so the
    total agrees with the JSON and the list above it (:func:`troubled_operations`) agrees
    with what is left."""
    off = sum(1 for s in report.operations if s.off)
    down = len(report.operations_in(DOWN)) - off
    degraded = len(report.operations_in(DEGRADED))
    alone_down, alone_degraded = troubled_operations(report)
    with_down = down - len(alone_down)
    with_degraded = degraded - len(alone_degraded)
    down_words = f"{down} down" + (f" ({with_down} with their service)" if with_down else "")
    degraded_words = (f"{degraded} degraded"
                      + (f" ({with_degraded} with their service)" if with_degraded else ""))
    return (f"{off} {report.off_word}, {down_words}, {degraded_words}, "
            f"{len(report.operations_in(UP))} up")


def troubled_operations(report) -> tuple[list[str], list[str]]:
    """Operations DOWN and DEGRADED by themselves: not switched off, and their service
    not in the same state (every operation of a DOWN service is DOWN too)."""
    state = {s.name: s.state for s in report.services}
    down = [s.name for s in report.operations
            if s.state == DOWN and not s.off and state.get(s.service.operation_of) != DOWN]
    degraded = [s.name for s in report.operations
                if s.state == DEGRADED and state.get(s.service.operation_of) == UP]
    return down, degraded


# -- pruner drift: wording shared by its formats (plain text; each format escapes it) --

def _size(services: int, operations: int) -> str:
    words = plural(services, "service", "services")
    if operations:
        words += ", " + plural(operations, "operation", "operations")
    return words


def declared_size(report) -> str:
    """The manifest's services and, apart, its operations: ``24 services, 20 operations``."""
    return _size(report.declared_services, report.declared_operations)


def observed_size(report) -> str:
    """What the observation saw, counted as :func:`declared_size` counts the manifest."""
    return _size(report.observed_services, report.observed_operations)


#: What each ``--fail-on`` of ``pruner drift`` fails on.
DRIFT_GATE_RULE = {"undeclared-critical": "undeclared dependencies under a critical flow",
                   "undeclared-flow": "undeclared dependencies under a critical flow and "
                                      "undeclared flows",
                   "undeclared": "undeclared dependencies and undeclared flows",
                   "never": "nothing"}


def plural(n: int, one: str, many: str) -> str:
    """``1 flow``, ``2 flows``.

    >>> plural(1, "dependency", "dependencies"), plural(0, "flow", "flows")
    ('1 dependency', '0 flows')
    """
    return f"{n} {one if n == 1 else many}"


def unstick_word(cycle) -> str:
    """How far a start-up cycle's unsticking set is proven (text and Markdown).

    >>> from pruner.analysis.bootstrap import Cycle
    >>> unstick_word(Cycle(("a",), ("a", "a"), (("a", "b"),), False, False))
    'works; not proven minimal: the time budget ran out'
    """
    if cycle.minimum:
        return "minimum"
    if cycle.minimal:
        return "minimal, not proven minimum"
    return "works; not proven minimal: the time budget ran out"


def calls_text(calls: int | None) -> str:
    """``1 call``, ``97 calls``; empty when the observation does not count calls."""
    if calls is None:
        return ""
    return plural(calls, "call", "calls")


def drift_verdict(report) -> str:
    """One line for the verdict of a drift report, e.g.
    ``1 undeclared dependency under a critical flow``."""
    gate = report.gate
    if gate.fail_on == "never":
        return "report only: the gate never fails (--fail-on never)"
    under = " under a critical flow" if gate.fail_on == "undeclared-critical" else ""
    if gate.passed:
        return f"no undeclared dependency{under}"
    return plural(len(gate.failing), "undeclared dependency", "undeclared dependencies") + under


def undeclared_notes(u, flows: int) -> list[str]:
    """Which end of an undeclared call the manifest lacks, or whether it calls the callee
    prunable (``flows``: how many flows the manifest declares; with none, every service
    is reached by no flow and saying so would be noise)."""
    notes = []
    if not u.source_declared:
        notes.append("caller not declared")
    if not u.target_declared:
        notes.append("callee not declared" + (
            ", its service reached by no flow: the manifest calls it prunable"
            if u.target_uncovered and flows else ""))
    elif u.target_uncovered and flows:
        notes.append("callee reached by no flow: the manifest calls it prunable")
    return notes


def undeclared_facts(u, flows: int) -> list[str]:
    """What is known about an undeclared call: calls, critical flows, then
    :func:`undeclared_notes`."""
    facts = [f for f in (calls_text(u.calls),) if f]
    if u.critical_flows:
        facts.append(f"under critical flow{'s' if len(u.critical_flows) > 1 else ''} "
                     f"{name_list(u.critical_flows, 5)}")
    return facts + undeclared_notes(u, flows)


def undeclared_text(u, flows: int) -> str:
    """``auth -> risk-scoring  (97 calls; under critical flow login; ...)``."""
    facts = undeclared_facts(u, flows)
    suffix = f"  ({'; '.join(facts)})" if facts else ""
    return f"{u.source} -> {u.target}{suffix}"


def traffic_facts(t) -> list[str]:
    """Traffic of a service no flow reaches: ``called by a, 7 calls``, ``calls b``."""
    facts = []
    if t.callers:
        calls = calls_text(t.calls_in)
        facts.append(f"called by {name_list(t.callers, 5)}" + (f", {calls}" if calls else ""))
    if t.callees:
        facts.append(f"calls {name_list(t.callees, 5)}")
    return facts


def ms_text(value: float | None) -> str:
    """A duration in milliseconds for people: three significant digits, at least.

    >>> ms_text(812.44), ms_text(0.0421), ms_text(12345.6), ms_text(None)
    ('812.4 ms', '0.042 ms', '12,346 ms', '-')
    """
    if value is None:
        return "-"
    if value >= 10_000:
        return f"{value:,.0f} ms"
    if value >= 100:
        return f"{value:.1f} ms"
    if value >= 1:
        return f"{value:.2f} ms"
    return f"{value:.3f} ms"


#: Before the one command of a plan whose steps have none of their own (report.plan).
PLAN_LAST_COMMAND = ("After the last step (every earlier step switches off part of it, so "
                     "passes if it does):")

#: Before the kept services whose "why it stays" the plan's work cap left out.
PLAN_UNEXPLAINED = "why not worked out (the explanation's work cap came first) for"


#: What the critical flows are whose budgets no trace reached (before their names).
RPC_UNTRACED = "critical flows with a budget but no traces (not checked)"


def rpc_pass_text(report, show=neutral) -> str:
    """The words of a passing ``rpc`` gate: it claims only the budgets it checked;
    ``show`` makes the list of names safe for the format."""
    if report.untraced:
        return ("every critical flow with traces is within its budgets; not checked (no "
                f"traces): {show(name_list(report.untraced))}")
    return "every critical flow is within its budgets"


def rpc_budget_text(entry) -> str:
    """What a flow's budgets are and which its p99 exceeds, in words."""
    p = entry.profile
    parts = []
    if entry.rpc_budget is not None:
        mark = "OVER" if "rpcs" in entry.over else "within"
        parts.append(f"RPCs p99 {p.rpcs.p99:,} vs rpc_budget {entry.rpc_budget:,}: {mark}")
    if entry.latency_budget_ms is not None:
        mark = "OVER" if "latency" in entry.over else "within"
        parts.append(f"latency p99 {ms_text(p.latency_ms.p99)} vs latency_budget_ms "
                     f"{entry.latency_budget_ms:g}: {mark}")
    return "; ".join(parts)
