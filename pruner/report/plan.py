"""The report of `pruner plan` (spec §12, issue 20): the plan, its proof, where its
costs came from, what evidence and traffic say, and the switch-off steps with the
`pruner check` command that shows each one safe."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import field
from types import MappingProxyType

from pruner.analysis.plan import Plan
from pruner.frozen import record

__all__ = ["PlanReport", "plan_report", "money", "removal_costs", "plan_json", "unexplained",
           "why_kept"]


@record(slots=False)
class PlanReport:
    """Everything the renderers show about a plan.

    ``commands[k]`` is the ``pruner check`` command for the state after step ``k``
    (every service of steps ``0..k`` switched off); when those would name more than
    :data:`STEP_COMMAND_NAMES` services in all (``each_step`` False), ``commands`` holds
    only the last state's. ``unmatched`` lists cost-file
    entries that matched no service; ``unsupported`` the removals that rest on no
    evidence; ``contradicted`` services kept because traffic on a kept flow's requests
    called them (with what was seen); ``idle`` services without traffic in the window.
    """

    source: str
    plan: Plan
    commands: tuple[str, ...]
    keep_selector: str = "every critical flow"
    costs_from: str | None = None
    unmatched: tuple[str, ...] = ()
    unsupported: tuple[str, ...] = ()
    require_evidence: bool = False
    contradicted: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    idle: tuple[str, ...] = ()
    observed: str | None = None
    given_up: tuple[str, ...] = ()  # critical flows not kept that the plan breaks
    each_step: bool = True  # one command per step, or only the last state's

    @property
    def passed(self) -> bool:
        """A plan was found (exit 0); False when the kept flows cannot be served."""
        return self.plan.servable

    @property
    def step_commands(self) -> tuple[str | None, ...]:
        """Each step's own command, None for all when only the last state's is given."""
        return self.commands if self.each_step else (None,) * len(self.plan.steps)

    @property
    def last_command(self) -> str | None:
        """The last state's command when the steps have none of their own, else None."""
        return None if self.each_step or not self.commands else self.commands[-1]


#: At most this many service names in all the step commands together. Each command
#: names everything removed so far, so a chain removed one service a step repeats
#: itself quadratically (20,000 steps: 200 million names); past this, only the last
#: state's command is given, which covers every earlier one by monotonicity.
STEP_COMMAND_NAMES = 200_000


def _command(source: str, off: list[str], flows: tuple[str, ...] | None) -> str:
    parts = ["pruner", "check", source, "--off", ",".join(off)]
    if flows:
        parts += ["--flow", ",".join(flows)]
    return " ".join(shlex.quote(p) for p in parts)


def plan_report(plan: Plan, *, source: str, critical: tuple[str, ...], **extra) -> PlanReport:
    """Wrap a :class:`~pruner.analysis.plan.Plan` with its step commands. ``critical``
    are the manifest's critical flows: when the kept flows are exactly those, the
    commands use `check`'s default gate; otherwise they name the kept flows."""
    flows = None if tuple(plan.keep_flows) == tuple(sorted(critical)) else plan.keep_flows
    commands = []
    sizes = [len(step) for step in plan.steps]
    # step k's services stand in the commands of steps k and after
    named = sum((len(sizes) - k) * size for k, size in enumerate(sizes))
    each_step = named <= STEP_COMMAND_NAMES
    if each_step:
        done: list[str] = []
        for step in plan.steps:
            done = sorted([*done, *step])
            commands.append(_command(source, done, flows))
    else:
        commands.append(_command(source, sorted(s for step in plan.steps for s in step), flows))
    given_up = tuple(f for f in sorted(critical) if f not in set(plan.keep_flows)
                     and plan.others.get(f) == "broken")
    return PlanReport(source=source, plan=plan, commands=tuple(commands), given_up=given_up,
                      each_step=each_step, **extra)


def why_kept(report: PlanReport):
    """``(service, flows, note)`` for each kept service that has a reason to stay:
    ``flows`` the ``(flow, chain)`` pairs that force it (the proof), else ``note`` (traffic,
    a pin, evidence). Services kept for no reason of their own (outside the question)
    are left out."""
    p = report.plan
    for s in p.keep:
        if s in p.reasons:
            yield s, p.reasons[s], None
        elif s in report.contradicted:
            yield s, (), f"traffic: {report.contradicted[s]}"
        elif s in p.protected:
            yield s, (), p.protected[s]


def unexplained(report: PlanReport) -> list[str]:
    """The kept services :func:`why_kept` says nothing of because the explanation's
    work cap or deadline came before their probe (not those kept for a note)."""
    p = report.plan
    return [s for s in p.unexplained if s not in report.contradicted and s not in p.protected]


def money(value: float) -> str:
    """An amount with thousands separators, cents only when there are any.

    >>> money(48200), money(1234.5), money(0.126)
    ('48,200', '1,234.50', '0.13')
    """
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def removal_costs(plan) -> dict[str, tuple[str | None, str | None]]:
    """Each removal of ``plan`` -> its cost as the reports show it, ``(amount, share)``:
    :func:`money` of its cost (None without one) and its share of the total as
    ``12.3%`` (None for no cost, a zero cost or a zero total). Each distinct cost is
    formatted once (2,771 among 18,325 removals of 20,000 services); a zero is not kept,
    as 0.0 and -0.0 are one key but print apart.

    >>> from types import SimpleNamespace
    >>> removal_costs(SimpleNamespace(remove=("a", "b", "c"), costs={"a": 50.0, "b": 0.0},
    ...                               cost_total=200.0))
    {'a': ('50', '25.0%'), 'b': ('0', None), 'c': (None, None)}
    """
    total = plan.cost_total
    said: dict[float, tuple[str, str | None]] = {}
    shown = {}
    for name in plan.remove:
        cost = plan.costs.get(name)
        cells = said.get(cost) if cost else None
        if cells is None:
            cells = (None if cost is None else money(cost),
                     f"{100 * cost / total:.1f}%" if cost and total else None)
            if cost:
                said[cost] = cells
        shown[name] = cells
    return shown


def plan_json(report: PlanReport) -> dict:
    """The JSON object of spec §12, exactly its keys, names sorted."""
    p = report.plan
    return {
        "keep_flows": list(p.keep_flows),
        "remove": list(p.remove),
        "keep": list(p.keep),
        "savings": p.savings,
        "cost_total": p.cost_total,
        "optimal": p.optimal,
        "bound": p.bound,
        "steps": [list(step) for step in p.steps],
        "flows": {name: {"state": o.state, "availability": o.availability}
                  for name, o in sorted(p.flows.items())},
    }
