"""References and semantics across files: what no single file can check.

:class:`Collector` gathers the services, flows and problems of every file of a manifest,
then checks what needs all of them: every name an item mentions is defined (with a
did-you-mean), no service is defined twice, `S:O` names are unambiguous, operations and
common causes are compiled into nodes, defaults are applied, and the warnings that are
true of a valid manifest are collected. Problems are capped at :data:`MAX_PROBLEMS`.
"""

from __future__ import annotations

from dataclasses import replace

from pruner.errors import Location, ManifestError, Problem, did_you_mean, display
from pruner.frozen import record
from pruner.model import (
    SINGLE,
    Flow,
    Item,
    Manifest,
    Service,
    split_operation,
)

__all__ = ["Collector", "LoadResult", "MAX_PROBLEMS", "REMOVED"]

MAX_PROBLEMS = 1000
REMOVED = "<removed>"  # the location of a placeholder service (see load_sources)


@record(slots=False)
class LoadResult:
    """A valid manifest and the warnings found while loading it.

    ``assumed`` names the placeholder services that ``assume_services`` let in
    (see :func:`load_sources`); empty otherwise.
    """

    manifest: Manifest
    warnings: tuple[Problem, ...] = ()
    assumed: tuple[str, ...] = ()



class Collector:
    """Gathers services, flows and problems from every file, then checks references."""

    def __init__(self, assume: frozenset[str] = frozenset()) -> None:
        self.assume = assume
        self.services: dict[str, Service] = {}
        self.flows: dict[str, Flow] = {}
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.omitted = 0
        # availability (docs/availability.md): the manifest-wide default (value, where)
        # and the common-cause groups
        self.default_availability: tuple[float, Location] | None = None
        # cost (spec §12): the manifest-wide default (value, where)
        self.default_cost: tuple[float, Location] | None = None
        self.common_causes: dict[str, tuple[Service, tuple[str, ...]]] = {}

    def report(self, problem: Problem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.omitted += 1

    def add(self, table: dict, kind: str, value, where: Location) -> None:
        first = table.get(value.name)
        if first is not None:
            self.report(
                Problem(where, f"{kind} {display(value.name)} is defined twice: "
                               f"here and at {first.location}")
            )
        else:
            table[value.name] = value

    def finish(self, sources: tuple[str, ...]) -> LoadResult:
        services = self.services
        assumed = self.placeholders() if self.assume else {}
        services.update(assumed)
        if self.default_availability is not None:
            default = self.default_availability[0]
            for name, svc in services.items():
                if svc.availability is None and svc.location.file != REMOVED:
                    services[name] = replace(svc, availability=default)
        if self.default_cost is not None:
            default = self.default_cost[0]
            for name, svc in services.items():
                if svc.cost is None and svc.location.file != REMOVED:
                    services[name] = replace(svc, cost=default)
        if self.common_causes:
            self.add_common_causes(services)
        operations = {op.name: op for svc in services.values() for op in svc.operations}
        nodes = services
        if operations:
            self.ambiguous(operations)
            nodes = {**services, **operations}
        suggestions_left = 50  # did-you-mean is costly on huge manifests full of typos
        owner_tables = (("service", services), ("operation", operations), ("flow", self.flows))
        for owner_kind, owners in owner_tables:
            for owner in owners.values():
                items = owner.requires if owner_kind == "flow" else owner.depends_on
                seen: dict[str, Location] = {}
                for item in items:
                    if item.implicit:
                        continue
                    for member in item.members:
                        if member not in nodes:
                            if len(self.problems) >= MAX_PROBLEMS:
                                self.omitted += 1
                                continue
                            verb = "requires" if owner_kind == "flow" else "depends on"
                            what = self.unknown(member, services, suggestions_left > 0)
                            suggestions_left -= 1
                            self.report(Problem(
                                item.location, f"{owner_kind} {display(owner.name)} {verb} {what}"
                            ))
                        elif member == owner.name and owner_kind != "flow":
                            self.report(Problem(
                                item.location,
                                f"{owner_kind} {display(owner.name)} depends on itself"
                            ))
                        elif owner_kind == "operation" and member == owner.operation_of:
                            self.warnings.append(Problem(
                                item.location,
                                f"operation {display(owner.name)} names its own service "
                                f"{display(member)}, which each of its operations needs anyway",
                                "warning",
                            ))
                        elif (owner_kind == "service" and member in operations
                              and operations[member].operation_of == owner.name):
                            self.warnings.append(Problem(
                                item.location,
                                f"service {display(owner.name)} depends on its own operation "
                                f"{display(member)}, which needs the service: a cycle that "
                                "never breaks by itself",
                                "warning",
                            ))
                        if member in seen:
                            self.warnings.append(Problem(
                                item.location,
                                f"{owner_kind} {display(owner.name)} names {display(member)} "
                                f"in more than one item (first at {seen[member]})",
                                "warning",
                            ))
                        else:
                            seen[member] = item.location
        if self.problems:
            raise ManifestError(self.problems, self.omitted)
        manifest = Manifest(services, self.flows, sources)
        return LoadResult(manifest, tuple(sorted(self.warnings)), tuple(sorted(assumed)))

    def add_common_causes(self, services: dict[str, Service]) -> None:
        """Compile each common-cause group into a node of its own (no dependencies, the
        group's availability) on which every member holds an extra hard item."""
        extra: dict[str, list[Item]] = {}
        for name in sorted(self.common_causes):
            node, members = self.common_causes[name]
            clash = services.get(name)
            if clash is not None:
                self.report(Problem(node.location, f"common cause {display(name)} has the name "
                                                   f"of a service (defined at {clash.location})"))
                continue
            for member in members:
                if member not in services:
                    self.report(Problem(node.location, f"common cause {display(name)} names "
                                                       f"unknown service {display(member)}"
                                                       f"{did_you_mean(member, services)}"))
                    continue
                extra.setdefault(member, []).append(
                    Item(SINGLE, (name,), 1, note=f"common cause {name}",
                         location=node.location))
        for name in sorted(self.common_causes):
            if name not in services:
                services[name] = self.common_causes[name][0]
        for member, items in extra.items():
            svc = services[member]
            services[member] = replace(svc, depends_on=svc.depends_on + tuple(items))

    def unknown(self, member: str, services: dict, hint: bool) -> str:
        """How to name an unknown reference: an operation of a known service, or a service."""
        service, operation = split_operation(member)
        if operation is not None and service in services:
            known = [op.name.rpartition(":")[2] for op in services[service].operations]
            suggestion = did_you_mean(operation, known) if hint else ""
            if not known:
                suggestion = f" (service {display(service)} declares no operations)"
            return (f"unknown operation {display(operation)} of service "
                    f"{display(service)}{suggestion}")
        suggestion = did_you_mean(member, services) if hint else ""
        return f"unknown service {display(member)}{suggestion}"

    def ambiguous(self, operations: dict) -> None:
        """A service literally named ``S:O`` while ``S`` declares ``O``: an error naming both."""
        for name, op in operations.items():
            clash = self.services.get(name)
            if clash is not None:
                self.report(Problem(
                    clash.location,
                    f"service {display(name)} has the name of operation "
                    f"{display(name.rpartition(':')[2])} of service {display(op.operation_of)} "
                    f"(declared at {op.location}): rename one of them",
                ))

    def placeholders(self) -> dict[str, Service]:
        """A placeholder service for each assumed name that is referenced but undefined."""
        found: dict[str, Service] = {}
        declared = {op.name for svc in self.services.values() for op in svc.operations}
        nodes = [*self.services.values(),
                 *(op for svc in self.services.values() for op in svc.operations)]
        for owners, field_name in ((nodes, "depends_on"), (self.flows.values(), "requires")):
            for owner in owners:
                for item in getattr(owner, field_name):
                    for member in item.members:
                        if (member in self.assume and member not in self.services
                                and member not in declared and member not in found
                                and member not in self.common_causes):  # a group now
                            found[member] = Service(member, location=Location(REMOVED))
        return found
